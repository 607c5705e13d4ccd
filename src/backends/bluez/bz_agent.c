/* SPDX-License-Identifier: MIT */
/*
 * bz_agent.c — pairing and unpairing (doc/device-api.txt Pair, doc/adapter-api.txt
 * RemoveDevice) and the pairing agent (doc/agent-api.txt): an Agent1 object registered
 * on AgentManager1 as NoInputNoOutput, so that a Pair() of this program is answered by
 * this program and not by whatever default agent the desktop runs. Without a program
 * callback the agent accepts a plain confirmation (Just Works, as bleak does) and
 * refuses every ceremony that needs a PIN. Agent calls are believed only from the
 * current owner of org.bluez.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/bz.h"

#define AGENT_PATH "/org/blec/agent"
#define PAIR_USEC (90u * 1000u * 1000u)
#define CALL_USEC (10u * 1000u * 1000u)

/* ---- the agent object ------------------------------------------------------------------------- */

static int reject(sd_bus_message *m, const char *why) {
  return sd_bus_reply_method_errorf(m, "org.bluez.Error.Rejected", "%s", why);
}

static int agent_release(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  bz_ctx *z = userdata;
  if (!bz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  z->agent_registered = false;
  return sd_bus_reply_method_return(m, NULL);
}

static int agent_accept(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  bz_ctx *z = userdata;
  if (!bz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: agent: %s accepted", sd_bus_message_get_member(m));
  return sd_bus_reply_method_return(m, NULL);
}

static int agent_refuse(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  bz_ctx *z = userdata;
  if (!bz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: agent: %s refused (needs a PIN from the program)",
            sd_bus_message_get_member(m));
  return reject(m, "this pairing needs a PIN: the program has no pairing callback");
}

static int agent_cancel(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  bz_ctx *z = userdata;
  if (!bz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Release", "", "", agent_release, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestPinCode", "o", "s", agent_refuse, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DisplayPinCode", "os", "", agent_refuse, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestPasskey", "o", "u", agent_refuse, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DisplayPasskey", "ouq", "", agent_refuse, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestConfirmation", "ou", "", agent_refuse, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestAuthorization", "o", "", agent_accept, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("AuthorizeService", "os", "", agent_accept, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Cancel", "", "", agent_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

int bz_agent_ensure(bz_ctx *z, sd_bus_error *e) {
  if (z->agent_registered) return 0;
  int r = 0;
  if (!z->agent_slot && (r = sd_bus_add_object_vtable(z->bus, &z->agent_slot, AGENT_PATH, BZ_IF_AGENT, agent_vtable, z)) < 0)
    return r;
  sd_bus_message *m = NULL, *reply = NULL;
  r = sd_bus_message_new_method_call(z->bus, &m, BZ_SERVICE, BZ_ROOT, BZ_IF_AGENT_MANAGER, "RegisterAgent");
  if (r >= 0) r = sd_bus_message_append(m, "os", AGENT_PATH, "NoInputNoOutput");
  if (r >= 0) r = sd_bus_call(z->bus, m, CALL_USEC, e, &reply);
  if (r >= 0 || sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists")) {
    z->agent_registered = true;
    z->agent_keyboard = false;
    r = 0;
  }
  sd_bus_message_unref(m);
  sd_bus_message_unref(reply);
  return r;
}

void bz_agent_exit(bz_ctx *z) {
  if (z->agent_registered && z->owner) {
    int r = sd_bus_call_method_async(z->bus, NULL, BZ_SERVICE, BZ_ROOT, BZ_IF_AGENT_MANAGER, "UnregisterAgent", NULL,
                                     NULL, "o", AGENT_PATH);
    if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: UnregisterAgent: %s", strerror(-r));
  }
  z->agent_registered = false;
  z->agent_slot = sd_bus_slot_unref(z->agent_slot);
}

/* ---- pair --------------------------------------------------------------------------------------- */

static int pair_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  bz_req *r = userdata;
  bz_ctx *z = bz_ctx_of(blec__client_ctx(r->c));
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (!e || sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists")) {
    blec__op_complete(r->op, BLEC_OK);
  } else {
    blec_error err;
    int s = bz_error_from_dbus(z->ctx, e, "Pair", &err);
    if (s == BLEC_ERR_OS || s == BLEC_ERR_TIMEOUT) {
      /* Failed, ConnectionAttemptFailed: the ceremony did not complete. */
      err.status = BLEC_ERR_PAIRING;
    }
    blec__op_complete_error(r->op, &err);
  }
  bz_req_end(z, r);
  return 0;
}

static void pair_start(bz_ctx *z, bz_req *r) {
  bz_client *bc = blec__client_backend_priv(r->c);
  bz_obj *dev = bc && bc->dev_path ? bz_objs_find(z->objs, bc->dev_path) : NULL;
  if (!bc || bc->link != BZ_LINK_UP || !dev || !(dev->ifaces & BZ_I_DEVICE)) {
    blec__op_complete(r->op, BLEC_ERR_NOT_CONNECTED);
    bz_req_end(z, r);
    return;
  }
  if (dev->dev.paired) { /* as bleak: nothing to do */
    blec__op_complete(r->op, BLEC_OK);
    bz_req_end(z, r);
    return;
  }
  sd_bus_error e = SD_BUS_ERROR_NULL;
  if (bz_agent_ensure(z, &e) < 0) bz_error_from_dbus(z->ctx, &e, "RegisterAgent", NULL); /* a default agent may do */
  sd_bus_error_free(&e);
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BZ_SERVICE, bc->dev_path, BZ_IF_DEVICE, "Pair");
  bz_req_send(z, r, m, s, PAIR_USEC, pair_reply);
}

int bz_pair(blec_client *c, blec_op *op, blec_protection_level level) {
  bz_req *r = bz_req_new(BZ_REQ_PAIR, c, op, pair_start);
  if (!r) return BLEC_ERR_NO_MEMORY;
  r->a.pair.level = level;
  return bz_req_post(bz_ctx_of(blec__client_ctx(c)), r);
}

/* ---- unpair ------------------------------------------------------------------------------------- */

static int unpair_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  bz_req *r = userdata;
  bz_ctx *z = bz_ctx_of(blec__client_ctx(r->c));
  bz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) {
    if (bc && bc->link != BZ_LINK_UP) bc->unpairing = false;
    bz_req_fail_dbus(z, r, e, "RemoveDevice");
  } else {
    blec__op_complete(r->op, BLEC_OK);
  }
  bz_req_end(z, r);
  return 0;
}

static void unpair_start(bz_ctx *z, bz_req *r) {
  bz_client *bc = bz_client_of(z, r->c);
  bz_obj *a = bz_adapter_obj(z);
  char path[BZ_PATH_MAX];
  bz_obj *dev = NULL;
  if (a && bz_device_path(a->path, blec__client_address(r->c), path, sizeof path)) dev = bz_objs_find(z->objs, path);
  if (!bc || !dev || !(dev->ifaces & BZ_I_DEVICE)) {
    blec_error err;
    if (!bc || bz_availability(z, &err) == BLEC_OK)
      blec__error_set(&err, bc ? BLEC_ERR_DEVICE_NOT_FOUND : BLEC_ERR_NO_MEMORY, "BlueZ does not know %s",
                      blec__client_address(r->c));
    blec__op_complete_error(r->op, &err);
    bz_req_end(z, r);
    return;
  }
  /* Removing a connected device disconnects it first: that is this client's "unpaired". */
  if (bc->link == BZ_LINK_UP && bc->dev_path && !strcmp(bc->dev_path, path)) bc->unpairing = true;
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BZ_SERVICE, a->path, BZ_IF_ADAPTER, "RemoveDevice");
  if (s >= 0) s = sd_bus_message_append(m, "o", path);
  if (!bz_req_send(z, r, m, s, CALL_USEC * 3, unpair_reply)) bc->unpairing = false;
}

int bz_unpair(blec_client *c, blec_op *op) {
  bz_req *r = bz_req_new(BZ_REQ_UNPAIR, c, op, unpair_start);
  return r ? bz_req_post(bz_ctx_of(blec__client_ctx(c)), r) : BLEC_ERR_NO_MEMORY;
}
