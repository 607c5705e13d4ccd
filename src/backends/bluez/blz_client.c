/* SPDX-License-Identifier: MIT */
/*
 * blz_client.c — clients over Device1 (doc/device-api.txt): requests on their way
 * through the bus thread, connect (Connect, then ServicesResolved: BlueZ has discovered
 * the GATT database and exchanged the MTU by then), disconnect (Disconnect, then
 * Connected false), and what the device's properties say about the link afterwards.
 * Every function here runs on the bus thread except the request functions (blz_connect,
 * blz_disconnect, blz_cancel, blz_client_free), which only post.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/bluez/blz.h"

/* Connect may wait for the peripheral's next advertisement; BlueZ gives up by itself. */
#define CONNECT_USEC (60u * 1000u * 1000u)
/* After Disconnect's reply, how long Connected false may take before the link is taken
 * as down anyway. */
#define CLOSE_GRACE_MS 5000
/* How long an Unlikely Error may wait for the disconnection it may stand for. */
#define UNLIKELY_GRACE_MS 500
/* How long a link that went down without a reason waits for the adapter's power-off. */
#define DROP_GRACE_MS 250

/* ---- requests ---------------------------------------------------------------------------------- */

static void req_free(blz_req *r) {
  if (r->kind == BLZ_REQ_WRITE) free(r->a.write.data);
  if (r->op) blec__op_unref(r->op);
  if (r->c) blec__client_unref(r->c);
  free(r);
}

static void req_run(blz_ctx *z, blz_job *job) {
  blz_req *r = (blz_req *)job;
  if (r->op && blec__op_is_done(r->op)) { /* cancelled or timed out before it started */
    req_free(r);
    return;
  }
  r->start(z, r);
}

static void req_drop(blz_job *job) {
  blz_req *r = (blz_req *)job;
  if (r->op) blec__op_complete(r->op, BLEC_ERR_CANCELLED);
  if (r->after) req_drop(&r->after->job);
  req_free(r);
}

blz_req *blz_req_new(blz_req_kind kind, blec_client *c, blec_op *op, void (*start)(blz_ctx *, blz_req *)) {
  blz_req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->job.run = req_run;
  r->job.drop = req_drop;
  r->kind = kind;
  r->start = start;
  r->c = blec__client_ref(c);
  r->op = op ? blec__op_ref(op) : NULL;
  return r;
}

int blz_req_post(blz_ctx *z, blz_req *r) {
  int s = blz_post(z, &r->job);
  if (s != BLEC_OK) req_free(r);
  return s;
}

void blz_req_pending(blz_ctx *z, blz_req *r, sd_bus_slot *slot) {
  if (r->slot != slot) {
    sd_bus_slot_unref(r->slot);
    r->slot = slot;
  }
  for (blz_req *x = z->reqs; x; x = x->next)
    if (x == r) return;
  r->next = z->reqs;
  z->reqs = r;
}

void blz_req_end(blz_ctx *z, blz_req *r) {
  for (blz_req **pp = &z->reqs; *pp; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  }
  blz_req *after = r->after;
  bool pair_sent = r->kind == BLZ_REQ_PAIR && r->a.pair.sent;
  sd_bus_slot_unref(r->slot);
  sd_event_source_unref(r->grace);
  req_free(r);
  if (pair_sent) blz_agent_pair_ended(z);
  if (after) req_run(z, &after->job);
}

blz_req *blz_req_of_op(blz_ctx *z, blec_op *op) {
  for (blz_req *r = z->reqs; r; r = r->next)
    if (r->op == op) return r;
  return NULL;
}

void blz_req_fail_dbus(blz_ctx *z, blz_req *r, const sd_bus_error *e, const char *what) {
  blec_error err;
  blz_error_from_dbus(z->ctx, e, what, &err);
  blec__op_complete_error(r->op, &err);
}

bool blz_req_send(blz_ctx *z, blz_req *r, sd_bus_message *m, int build_status, uint64_t usec,
                 sd_bus_message_handler_t fn) {
  sd_bus_slot *slot = NULL;
  int s = build_status;
  if (s >= 0) s = sd_bus_call_async(z->bus, &slot, m, fn, r, usec);
  sd_bus_message_unref(m);
  if (s < 0) {
    blec_error e;
    blec__error_set(&e, blz_status_from_errno(s), "the request could not be sent to bluetoothd: %s", strerror(-s));
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s", e.message);
    blec__op_complete_error(r->op, &e);
    blz_req_end(z, r);
    return false;
  }
  blz_req_pending(z, r, slot);
  return true;
}

static void grace_over(blz_ctx *z, void *arg) {
  blz_req *r = arg;
  blec__op_complete_error(r->op, &r->held); /* unless the link's loss failed it first */
  blz_req_end(z, r);
}

void blz_req_fail_gatt(blz_ctx *z, blz_req *r, const sd_bus_error *e, const char *what) {
  blz_gatt_error_from_dbus(z->ctx, e, what, &r->held);
  if (r->held.status == BLEC_ERR_NOT_CONNECTED) {
    /* Sent while connected: the link went during the request. */
    blec__error_set(&r->held, BLEC_ERR_DISCONNECTED, "%s: the link was lost during the operation", what);
  }
  if (r->held.att_error == BLEC_ATT_UNLIKELY_ERROR && !r->grace &&
      blz_timer(z, UNLIKELY_GRACE_MS, grace_over, r, &r->grace) >= 0) {
    /* src/shared/att.c disc_att_send_op: a request the link's end cut short is answered
     * with an empty error response, which becomes "ATT error: 0x0e"; Connected false
     * follows. */
    blz_req_pending(z, r, r->slot);
    return;
  }
  blec__op_complete_error(r->op, &r->held);
  blz_req_end(z, r);
}

static void complete_msg(blz_req *r, int status, const char *fmt, const char *arg) {
  blec_error e;
  blec__error_set(&e, status, fmt, arg);
  blec__op_complete_error(r->op, &e);
}

/* ---- client state -------------------------------------------------------------------------------- */

blz_client *blz_client_of(blz_ctx *z, blec_client *c) {
  blz_client *bc = blec__client_backend_priv(c);
  if (bc) return bc;
  if (!(bc = calloc(1, sizeof *bc))) return NULL;
  bc->c = blec__client_ref(c);
  bc->write_fd = -1;
  bc->last_reason = -1;
  bc->next = z->clients;
  z->clients = bc;
  blec__client_set_backend_priv(c, bc);
  return bc;
}

static void client_destroy(blz_ctx *z, blz_client *bc) {
  for (blz_client **pp = &z->clients; *pp; pp = &(*pp)->next) {
    if (*pp == bc) {
      *pp = bc->next;
      break;
    }
  }
  blz_client_release_gatt(z, bc);
  sd_event_source_unref(bc->close_timer);
  sd_event_source_unref(bc->drop_timer);
  blec__client_set_backend_priv(bc->c, NULL);
  blec__client_unref(bc->c);
  free(bc->dev_path);
  free(bc);
}

void blz_clients_exit(blz_ctx *z) {
  while (z->reqs) {
    blz_req *r = z->reqs;
    if (r->op) blec__op_complete(r->op, BLEC_ERR_CANCELLED);
    if (r->after) req_drop(&r->after->job);
    r->after = NULL;
    blz_req_end(z, r);
  }
  while (z->clients) client_destroy(z, z->clients);
}

static blz_obj *device_of(blz_ctx *z, blz_client *bc) {
  blz_obj *x = bc->dev_path ? blz_objs_find(z->objs, bc->dev_path) : NULL;
  return x && (x->ifaces & BLZ_I_DEVICE) ? x : NULL;
}

/* Sends a method call on a device and forgets it (its result does not matter). */
static void device_call_forget(blz_ctx *z, const char *path, const char *method) {
  blz_call_logged(z, path, BLZ_IF_DEVICE, method, NULL);
}

/* ---- the link goes down ------------------------------------------------------------------------------ */

static void close_done(blz_ctx *z, blz_client *bc) {
  blz_req *r = bc->closing;
  bc->closing = NULL;
  bc->close_timer = sd_event_source_unref(bc->close_timer);
  bc->link = BLZ_LINK_DOWN;
  blz_client_release_gatt(z, bc);
  if (r) {
    blec__op_complete(r->op, BLEC_OK);
    blz_req_end(z, r);
  }
}

/* The link went down by itself: the one report to the core. */
static void report_down(blz_ctx *z, blz_client *bc, blec_disconnect_reason reason) {
  bc->drop_timer = sd_event_source_unref(bc->drop_timer);
  bc->link = BLZ_LINK_DOWN;
  bc->unpairing = false;
  bc->last_reason = -1;
  blz_client_release_gatt(z, bc);
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s disconnected (reason %d)", bc->dev_path, (int)reason);
  blec__client_disconnected(bc->c, reason);
}

/* No power-off came to explain the drop: the peripheral's doing (or the link's). */
static void drop_grace_over(blz_ctx *z, void *arg) {
  blz_client *bc = arg;
  int r = bc->last_reason;
  report_down(z, bc, r >= 0 && r != BLEC_DISCONNECT_REQUESTED ? (blec_disconnect_reason)r : BLEC_DISCONNECT_REMOTE);
}

static void finding_done(blz_ctx *z, blz_client *bc);

/* The device is not connected any more (Connected false, the object removed, radio off). */
static void link_lost(blz_ctx *z, blz_client *bc, bool radio_off) {
  switch (bc->link) {
    case BLZ_LINK_DOWN: return;
    case BLZ_LINK_CLOSING: close_done(z, bc); return;
    case BLZ_LINK_FINDING:
      if (!radio_off) return; /* not linked yet: nothing was lost */
      finding_done(z, bc);
      bc->link = BLZ_LINK_RESOLVING; /* fails the connect below */
      /* fall through */
    case BLZ_LINK_CONNECTING:
      if (!radio_off && bc->link == BLZ_LINK_CONNECTING) return; /* Connect's own reply says how it ended */
      /* fall through */
    case BLZ_LINK_RESOLVING: {
      blz_req *r = bc->connecting;
      bc->connecting = NULL;
      bc->link = BLZ_LINK_DOWN;
      blz_client_release_gatt(z, bc);
      if (r) {
        if (radio_off)
          complete_msg(r, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "%s", "the Bluetooth adapter was powered off while connecting");
        else
          complete_msg(r, BLEC_ERR_DISCONNECTED, "%s", "the link went down before its services were resolved");
        blz_req_end(z, r);
      }
      return;
    }
    case BLZ_LINK_DROPPING:
      if (radio_off) report_down(z, bc, BLEC_DISCONNECT_RADIO_OFF);
      return;
    case BLZ_LINK_UP: {
      blz_obj *a = blz_adapter_obj(z);
      if (radio_off || !a || !a->adapter.powered) {
        report_down(z, bc, BLEC_DISCONNECT_RADIO_OFF);
      } else if (bc->unpairing) {
        report_down(z, bc, BLEC_DISCONNECT_UNPAIRED);
      } else if (bc->last_reason >= 0 && bc->last_reason != BLEC_DISCONNECT_REQUESTED) {
        report_down(z, bc, (blec_disconnect_reason)bc->last_reason); /* BlueZ >= 5.83 said why */
      } else {
        /* No reason, or "local" without our Disconnect: an adapter powering off drops its
         * links before its Powered changes (the kernel's disconnection events come
         * first), so a power-off shortly after explains this drop. */
        bc->link = BLZ_LINK_DROPPING;
        blz_client_release_gatt(z, bc);
        if (blz_timer(z, DROP_GRACE_MS, drop_grace_over, bc, &bc->drop_timer) < 0) drop_grace_over(z, bc);
      }
      return;
    }
  }
}

void blz_clients_radio_off(blz_ctx *z) {
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (bc->link == BLZ_LINK_CONNECTING && bc->connecting) {
      /* Connect's reply will not matter any more. */
      sd_bus_slot_unref(bc->connecting->slot);
      bc->connecting->slot = NULL;
    }
    link_lost(z, bc, true);
  }
}

void blz_client_device_removed(blz_ctx *z, const char *path) {
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (!bc->dev_path || strcmp(bc->dev_path, path) != 0) continue;
    if (bc->link == BLZ_LINK_CONNECTING && bc->connecting) {
      blz_req *r = bc->connecting;
      bc->connecting = NULL;
      bc->link = BLZ_LINK_DOWN;
      complete_msg(r, BLEC_ERR_DEVICE_NOT_FOUND, "%s", "BlueZ removed the device while connecting");
      blz_req_end(z, r);
    } else {
      link_lost(z, bc, false);
    }
  }
}

void blz_client_disconnect_reason(blz_ctx *z, const char *path, const char *reason) {
  int r = !strcmp(reason, "org.bluez.Reason.Timeout")   ? BLEC_DISCONNECT_LINK_LOSS
          : !strcmp(reason, "org.bluez.Reason.Remote")  ? BLEC_DISCONNECT_REMOTE
          : !strcmp(reason, "org.bluez.Reason.Local")   ? BLEC_DISCONNECT_REQUESTED
          : !strcmp(reason, "org.bluez.Reason.Suspend") ? BLEC_DISCONNECT_RADIO_OFF
                                                        : BLEC_DISCONNECT_REMOTE;
  for (blz_client *bc = z->clients; bc; bc = bc->next)
    if (bc->dev_path && path && !strcmp(bc->dev_path, path)) bc->last_reason = r;
}

/* ---- connect -------------------------------------------------------------------------------------------- */

/* The link's MTU: BlueZ exposes the exchanged MTU on every characteristic (MTU, 5.62+). */
typedef struct mtu_scan {
  const char *dev_path;
  int mtu;
} mtu_scan;

static void mtu_of(blz_obj *x, void *arg) {
  mtu_scan *m = arg;
  if ((x->ifaces & BLZ_I_CHAR) && (x->attr.have & BLZ_GP_MTU) && blz_path_below(x->path, m->dev_path) &&
      x->attr.mtu > m->mtu)
    m->mtu = x->attr.mtu;
}

static int link_mtu(blz_ctx *z, blz_client *bc) {
  mtu_scan m = {bc->dev_path, 0};
  blz_objs_each(z->objs, mtu_of, &m);
  return m.mtu >= 23 ? m.mtu : 23;
}

/* Completes the connect once the device is connected and its services are resolved. */
static void maybe_resolved(blz_ctx *z, blz_client *bc) {
  blz_obj *dev = device_of(z, bc);
  if (bc->link != BLZ_LINK_RESOLVING || !dev || !dev->dev.connected || !dev->dev.services_resolved) return;
  blz_req *r = bc->connecting;
  bc->connecting = NULL;
  bc->link = BLZ_LINK_UP;
  bc->mtu = link_mtu(z, bc);
  blec__client_mtu(bc->c, bc->mtu);
  const char *name = (dev->dev.have & BLZ_DP_NAME) ? dev->dev.name : NULL;
  if (name && *name) blec__client_set_name(bc->c, name);
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s connected, services resolved, MTU %d", bc->dev_path, bc->mtu);
  if (r) {
    if (!blec__op_complete(r->op, BLEC_OK)) {
      /* Cancelled as the link came up: close it again. */
      bc->link = BLZ_LINK_DOWN;
      bc->dropping = true;
      device_call_forget(z, bc->dev_path, "Disconnect");
    }
    blz_req_end(z, r);
  }
}

static int connect_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (!bc || bc->connecting != r) { /* abandoned meanwhile */
    blz_req_end(z, r);
    return 0;
  }
  if (e && !sd_bus_error_has_name(e, "org.bluez.Error.AlreadyConnected")) {
    bc->connecting = NULL;
    bc->link = BLZ_LINK_DOWN;
    blec_error err;
    int s = blz_error_from_dbus(z->ctx, e, "Connect", &err);
    if (s == BLEC_ERR_OS || s == BLEC_ERR_TIMEOUT || s == BLEC_ERR_DEVICE_NOT_FOUND) {
      /* org.bluez.Error.Failed and friends: the peripheral did not answer. */
      blec__error_set(&err, BLEC_ERR_DEVICE_NOT_FOUND, "the peripheral did not answer the connection request (%s: %s)",
                      e->name, e->message ? e->message : "");
    }
    blec__op_complete_error(r->op, &err);
    blz_req_end(z, r);
    return 0;
  }
  bc->link = BLZ_LINK_RESOLVING;
  maybe_resolved(z, bc);
  return 0;
}

/* The device object exists: Connect() (or straight to its services when connected). */
static void connect_device(blz_ctx *z, blz_client *bc, blz_obj *dev) {
  blz_req *r = bc->connecting;
  /* BlueZ keys a device by its address alone; the type it knows must be the one asked. */
  blec_address_type want = blec__client_address_type(r->c);
  if (want != BLEC_ADDRESS_UNSPECIFIED && (dev->dev.have & BLZ_DP_ADDRESS_TYPE) && dev->dev.address_type != want) {
    bc->connecting = NULL;
    bc->link = BLZ_LINK_DOWN;
    complete_msg(r, BLEC_ERR_DEVICE_NOT_FOUND, "BlueZ knows %s with the other address type",
                 blec__client_address(r->c));
    blz_req_end(z, r);
    return;
  }
  if (dev->dev.connected && bc->dropping) {
    /* Our own Disconnect of a cancelled connect is still under way: connect after it. */
    bc->link = BLZ_LINK_CONNECTING;
    bc->wait_down = true;
    return;
  }
  if (dev->dev.connected) {
    /* Already connected (another program, or a link BlueZ kept): bleak skips Connect too. */
    bc->link = BLZ_LINK_RESOLVING;
    maybe_resolved(z, bc);
    return;
  }
  bc->link = BLZ_LINK_CONNECTING;
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, dev->path, BLZ_IF_DEVICE, "Connect");
  if (!blz_req_send(z, r, m, s, CONNECT_USEC, connect_reply)) {
    bc->connecting = NULL; /* ended */
    bc->link = BLZ_LINK_DOWN;
  }
}

/* A connect stops looking for its device (found, cancelled, failed). */
static void finding_done(blz_ctx *z, blz_client *bc) {
  if (bc->link != BLZ_LINK_FINDING) return;
  bc->link = BLZ_LINK_DOWN;
  if (z->connect_scans > 0) z->connect_scans--;
  blz_discovery_update(z, NULL, NULL, 0);
}

/* The discovery a connect asked for to find its device: a failure fails the connect, if
 * it is still looking (the same search: id). */
static void finding_started(blz_ctx *z, void *arg, uint64_t id, int status, const blec_error *err) {
  (void)arg;
  if (status == BLEC_OK) return;
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (bc->link != BLZ_LINK_FINDING || bc->find_id != id || !bc->connecting) continue;
    blz_req *r = bc->connecting;
    finding_done(z, bc);
    bc->connecting = NULL;
    blec__op_complete_error(r->op, err);
    blz_req_end(z, r);
    return;
  }
}

void blz_client_device_appeared(blz_ctx *z, blz_obj *dev) {
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (bc->link != BLZ_LINK_FINDING || !bc->dev_path || strcmp(bc->dev_path, dev->path) != 0) continue;
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s discovered: connecting", dev->path);
    finding_done(z, bc);
    if ((dev = blz_objs_find(z->objs, bc->dev_path)) && (dev->ifaces & BLZ_I_DEVICE) && bc->connecting)
      connect_device(z, bc, dev);
    return;
  }
}

/* Bluetooth is usable (status BLEC_OK) or not: the connect goes on or ends. */
static void connect_checked(blz_ctx *z, void *arg, int status, const blec_error *err) {
  blz_req *r = arg;
  blz_client *bc = blec__client_backend_priv(r->c);
  if (status != BLEC_OK || !bc || blec__op_is_done(r->op)) { /* failed, freed, cancelled or timed out */
    if (status != BLEC_OK) blec__op_complete_error(r->op, err);
    else if (!bc) blec__op_complete(r->op, BLEC_ERR_CANCELLED);
    blz_req_end(z, r);
    return;
  }
  char path[BLZ_PATH_MAX];
  char *p = NULL;
  if (!blz_device_path(z->adapter, blec__client_address(r->c), path, sizeof path) ||
      !(p = malloc(strlen(path) + 1))) {
    blec__op_complete(r->op, p ? BLEC_ERR_INVALID_ARG : BLEC_ERR_NO_MEMORY);
    blz_req_end(z, r);
    return;
  }
  strcpy(p, path);
  free(bc->dev_path);
  bc->dev_path = p;
  blz_client_release_gatt(z, bc);
  bc->unpairing = false;
  bc->last_reason = -1;
  bc->connecting = r;
  blz_req_pending(z, r, NULL);
  blz_obj *dev = blz_objs_find(z->objs, path);
  if (dev && (dev->ifaces & BLZ_I_DEVICE)) {
    connect_device(z, bc, dev);
    return;
  }
  /* BlueZ connects only to a device it has an object for (gone with its bond after
   * RemoveDevice, or after TemporaryTimeout): discover until it appears (the connect's
   * timeout bounds it). */
  bc->link = BLZ_LINK_FINDING;
  bc->find_id = ++z->find_seq;
  z->connect_scans++;
  blz_discovery_update(z, finding_started, NULL, bc->find_id);
}

static void connect_start(blz_ctx *z, blz_req *r) {
  if (!blz_client_of(z, r->c)) {
    blec__op_complete(r->op, BLEC_ERR_NO_MEMORY);
    blz_req_end(z, r);
    return;
  }
  /* Answered at once when the mirror says Bluetooth is usable, else after bluetoothd's
   * GetAll (asynchronous: the bus thread serves everything else meanwhile). */
  blz_availability_fresh(z, connect_checked, r);
}

int blz_connect(blec_client *c, blec_op *op) {
  blz_req *r = blz_req_new(BLZ_REQ_CONNECT, c, op, connect_start);
  return r ? blz_req_post(blz_ctx_of(blec__client_ctx(c)), r) : BLEC_ERR_NO_MEMORY;
}

/* ---- device events ------------------------------------------------------------------------------------- */

void blz_client_device_changed(blz_ctx *z, blz_obj *dev, unsigned changed) {
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (!bc->dev_path || strcmp(bc->dev_path, dev->path) != 0) continue;
    if ((changed & BLZ_DP_CONNECTED) && !dev->dev.connected) {
      bc->dropping = false;
      if (bc->wait_down && bc->connecting) {
        bc->wait_down = false;
        connect_device(z, bc, dev);
        continue;
      }
      link_lost(z, bc, false);
      continue;
    }
    if (changed & (BLZ_DP_CONNECTED | BLZ_DP_SERVICES_RESOLVED)) maybe_resolved(z, bc);
    if ((changed & BLZ_DP_NAME) && bc->link == BLZ_LINK_UP && dev->dev.name && *dev->dev.name)
      blec__client_set_name(bc->c, dev->dev.name);
  }
}

/* ---- disconnect ----------------------------------------------------------------------------------------- */

static void close_grace_over(blz_ctx *z, void *arg) {
  blz_client *bc = arg;
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s still connected %d ms after Disconnect: taken as down", bc->dev_path,
            CLOSE_GRACE_MS);
  close_done(z, bc);
}

static int disconnect_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) blz_error_from_dbus(z->ctx, e, "Disconnect", NULL); /* NotConnected: down already */
  if (!bc || bc->closing != r) {
    blz_req_end(z, r);
    return 0;
  }
  blz_obj *dev = device_of(z, bc);
  if (e || !dev || !dev->dev.connected) {
    close_done(z, bc);
    return 0;
  }
  /* BlueZ answers once the link is down; Connected false follows. */
  if (blz_timer(z, CLOSE_GRACE_MS, close_grace_over, bc, &bc->close_timer) < 0) close_done(z, bc);
  return 0;
}

static void disconnect_start(blz_ctx *z, blz_req *r) {
  blz_client *bc = blec__client_backend_priv(r->c);
  if (!bc || bc->link == BLZ_LINK_DOWN || !bc->dev_path) {
    blec__op_complete(r->op, BLEC_OK);
    blz_req_end(z, r);
    return;
  }
  if (bc->closing) { /* one at a time: the core joins a second to the first */
    blec__op_complete(r->op, BLEC_OK);
    blz_req_end(z, r);
    return;
  }
  if (bc->link == BLZ_LINK_DROPPING) { /* down already: closed is closed */
    bc->drop_timer = sd_event_source_unref(bc->drop_timer);
    bc->link = BLZ_LINK_DOWN;
    blec__op_complete(r->op, BLEC_OK);
    blz_req_end(z, r);
    return;
  }
  if (bc->connecting) { /* the core aborts a connect before closing: abandon it */
    blz_req *cr = bc->connecting;
    bc->connecting = NULL;
    blec__op_complete(cr->op, BLEC_ERR_CANCELLED);
    blz_req_end(z, cr);
  }
  bc->link = BLZ_LINK_CLOSING;
  bc->closing = r;
  blz_req_pending(z, r, NULL);
  sd_bus_slot *slot = NULL;
  int s = sd_bus_call_method_async(z->bus, &slot, BLZ_SERVICE, bc->dev_path, BLZ_IF_DEVICE, "Disconnect",
                                   disconnect_reply, r, NULL);
  if (s < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: Disconnect could not be sent: %s", strerror(-s));
    close_done(z, bc);
    return;
  }
  blz_req_pending(z, r, slot);
}

int blz_disconnect(blec_client *c, blec_op *op) {
  blz_req *r = blz_req_new(BLZ_REQ_DISCONNECT, c, op, disconnect_start);
  return r ? blz_req_post(blz_ctx_of(blec__client_ctx(c)), r) : BLEC_ERR_NO_MEMORY;
}

/* ---- cancel and free ------------------------------------------------------------------------------------ */

typedef struct cancel_job {
  blz_job job;
  blec_op *op;
} cancel_job;

static void cancel_run(blz_ctx *z, blz_job *job) {
  cancel_job *cj = (cancel_job *)job;
  blz_req *r = blz_req_of_op(z, cj->op);
  blec__op_unref(cj->op);
  free(cj);
  if (!r) return;
  blz_client *bc = blec__client_backend_priv(r->c);
  switch (r->kind) {
    case BLZ_REQ_CONNECT:
      if (bc && bc->connecting == r) {
        bc->connecting = NULL;
        if (bc->link == BLZ_LINK_FINDING) {
          finding_done(z, bc);
        } else {
          /* Disconnect also cancels a Connect that has not answered (device-api.txt). */
          bc->link = BLZ_LINK_DOWN;
          bc->wait_down = false;
          bc->dropping = true;
          device_call_forget(z, bc->dev_path, "Disconnect");
        }
      }
      break;
    case BLZ_REQ_DISCONNECT:
      return; /* the link is closing anyway: let it finish */
    case BLZ_REQ_PAIR:
      if (bc && bc->dev_path) device_call_forget(z, bc->dev_path, "CancelPairing");
      break;
    case BLZ_REQ_SUBSCRIBE:
      return; /* its reply undoes the subscription (blz_gatt.c) */
    case BLZ_REQ_READ:
      /* BlueZ reads anyway and signals the value: the reply (ignored by the finished op)
       * still tells the notification path which Value change was the read's. */
      if (!r->a.read.descriptor) return;
      break;
    default: break;
  }
  blz_req_end(z, r);
}

static void cancel_drop(blz_job *job) {
  cancel_job *cj = (cancel_job *)job;
  blec__op_unref(cj->op);
  free(cj);
}

void blz_cancel(blec_op *op) {
  blec_client *c = blec__op_client(op);
  if (!c) return;
  cancel_job *cj = calloc(1, sizeof *cj);
  if (!cj) return;
  cj->job.run = cancel_run;
  cj->job.drop = cancel_drop;
  cj->op = blec__op_ref(op);
  if (blz_post(blz_ctx_of(blec__client_ctx(c)), &cj->job) != BLEC_OK) cancel_drop(&cj->job);
}

static void free_start(blz_ctx *z, blz_req *r) {
  blz_client *bc = blec__client_backend_priv(r->c);
  if (bc) {
    finding_done(z, bc);
    if (bc->link != BLZ_LINK_DOWN && bc->dev_path) device_call_forget(z, bc->dev_path, "Disconnect");
    if (bc->connecting) {
      blz_req *cr = bc->connecting;
      bc->connecting = NULL;
      blec__op_complete(cr->op, BLEC_ERR_CANCELLED);
      blz_req_end(z, cr);
    }
    if (bc->closing) {
      blz_req *cr = bc->closing;
      bc->closing = NULL;
      blec__op_complete(cr->op, BLEC_OK);
      blz_req_end(z, cr);
    }
    client_destroy(z, bc);
  }
  blz_req_end(z, r);
}

void blz_client_free(blec_client *c) {
  blz_req *r = blz_req_new(BLZ_REQ_FREE, c, NULL, free_start);
  if (r) blz_req_post(blz_ctx_of(blec__client_ctx(c)), r);
}
