/* SPDX-License-Identifier: MIT */
/*
 * virtual.c — the `virtual` backend: blec's requests played against the world engine
 * (src/world) through world_stack.h, the way a Bluetooth stack drives a radio. Like an
 * OS stack it keeps its own caches: the attribute list of every device it discovered
 * (answers Cached-mode discovery without the link) and the last value of every
 * characteristic it read or was notified (answers Cached-mode reads).
 *
 * Threads: world callbacks arrive on the world thread; request functions run on the
 * program's threads. vclient.lock guards the link pointer; it is never held while
 * releasing a link (release waits for the link's running callbacks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "blec/blec_world.h"
#include "backends/virtual/bond_store.h"
#include "backends/virtual/os_cache.h"
#include "core/backend.h"
#include "core/threads.h"
#include "world/world_stack.h"

typedef struct vctx {
  blec_world *world;
  blec__vcache *cache;
  bool bonds_kept;                        /* a bond store is in use (bond_store.h) */
  char bonds_path[BLEC__VBONDS_PATH_MAX]; /* its file */
} vctx;

static vctx *ctx_priv(blec_ctx *ctx);

/* ---- context ------------------------------------------------------------------------ */

static int v_init(blec_ctx *ctx, const blec_ctx_options *opts, void **priv, blec_error *err) {
  vctx *v = calloc(1, sizeof *v);
  if (!v) return BLEC_ERR_NO_MEMORY;
  if (!(v->cache = blec__vcache_new())) {
    free(v);
    return BLEC_ERR_NO_MEMORY;
  }
  int r;
  blec_world *given = blec__ctx_option_world(ctx);
  const char *file = getenv("BLEC_WORLD");
  if (given) {
    v->world = blec_world_ref(given);
    r = BLEC_OK;
  } else if (file && *file) {
    r = blec_world_load_file(file, &v->world, err);
  } else {
    r = blec_world_new_default(&v->world);
  }
  if (r != BLEC_OK) {
    blec__vcache_free(v->cache);
    free(v);
    return r;
  }
  /* Like an OS, the backend remembers bonds across programs: its store brings them back. */
  v->bonds_kept = blec__vbonds_path(blec__ctx_options_bond_store(opts), v->bonds_path, sizeof v->bonds_path);
  if (v->bonds_kept) blec__vbonds_load(ctx, v->bonds_path, v->world);
  *priv = v;
  return BLEC_OK;
}

/* After a pairing or an unpairing with address: the store keeps the world's bond. */
static void bonds_changed(blec_ctx *ctx, const char *address) {
  vctx *v = ctx_priv(ctx);
  if (v->bonds_kept) blec__vbonds_save(ctx, v->bonds_path, address, blec__world_bond_level(v->world, address));
}

static void v_exit(blec_ctx *ctx, void *priv) {
  (void)ctx;
  vctx *v = priv;
  blec__vcache_free(v->cache);
  blec_world_unref(v->world);
  free(v);
}

static vctx *ctx_priv(blec_ctx *ctx) { return blec__ctx_backend_priv(ctx); }

static blec_world *v_world(blec_ctx *ctx) { return ctx_priv(ctx)->world; }

static int v_check_bluetooth(blec_ctx *ctx, blec_error *err) {
  if (blec_world_radio(ctx_priv(ctx)->world)) return BLEC_OK;
  blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "the virtual radio is off");
  if (err) err->reason = BLEC_UNAVAILABLE_POWERED_OFF;
  return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
}

/* ---- scanning ------------------------------------------------------------------------- */

static void on_report(void *user, const blec__wadv_report *r) {
  blec__report rep;
  rep.address = r->address;
  rep.address_type = r->address_type;
  rep.rssi = r->rssi;
  rep.type = r->type;
  rep.connectable = r->connectable;
  rep.data = r->data;
  rep.len = r->len;
  rep.timestamp_us = 0;
  rep.backend_id = NULL;
  blec__scanner_report(user, &rep);
}

static void on_scan_stopped(void *user, int status, int reason) {
  blec_error e;
  blec__error_set(&e, status, "%s", blec_unavailable_reason_name(reason));
  e.reason = reason;
  blec__scanner_stopped(user, &e);
}

static int v_scan_start(blec_scanner *s, blec_error *err) {
  vctx *v = ctx_priv(blec__scanner_ctx(s));
  blec__wscan_events ev = {on_report, on_scan_stopped};
  blec__wscan *scan = NULL;
  int r = blec__world_scan_start(v->world, blec__scanner_mode(s) == BLEC_SCAN_ACTIVE, &ev, s, &scan);
  if (r != BLEC_OK) {
    blec__error_set(err, r, "%s", r == BLEC_ERR_BLUETOOTH_UNAVAILABLE ? "the virtual radio is off" : "");
    if (err && r == BLEC_ERR_BLUETOOTH_UNAVAILABLE) err->reason = BLEC_UNAVAILABLE_POWERED_OFF;
    return r;
  }
  blec__scanner_set_backend_priv(s, scan);
  return BLEC_OK;
}

static void v_scan_stop(blec_scanner *s) {
  blec__wscan *scan = blec__scanner_backend_priv(s);
  blec__scanner_set_backend_priv(s, NULL);
  if (scan) blec__world_scan_stop(scan);
}

/* ---- clients ----------------------------------------------------------------------------- */

/* Lives while the client has it and while a connect request is in flight (refs), so a
 * world callback that arrives after blec_client_free still finds it. */
typedef struct vclient {
  atomic_int refs;
  blec__mutex lock;
  blec__wlink *link;
  blec_op *connecting; /* the connect request in flight (borrowed) */
  blec__vcache_dev *cache; /* this address's OS cache entry */
  blec_client *c;
} vclient;

static vclient *vc_of(blec_client *c) {
  vclient *vc = blec__client_backend_priv(c);
  if (vc) return vc;
  vc = calloc(1, sizeof *vc);
  if (!vc || blec__mutex_init(&vc->lock) != BLEC_OK) {
    free(vc);
    return NULL;
  }
  atomic_init(&vc->refs, 1);
  vc->c = c;
  vc->cache = blec__vcache_device(ctx_priv(blec__client_ctx(c))->cache, blec__client_address(c));
  blec__client_set_backend_priv(c, vc);
  return vc;
}

static void vc_unref(vclient *vc) {
  if (atomic_fetch_sub(&vc->refs, 1) != 1) return;
  blec__mutex_destroy(&vc->lock);
  free(vc);
}

/*
 * Takes the link away (under the lock) and releases it (outside). A connect still in its
 * MTU step on that link is ended here: releasing a link drops its pending completions, so
 * mtu_done would never run and the request's references (op, vc, and through the op the
 * client) would live for ever.
 */
static void drop_link(vclient *vc) {
  blec__mutex_lock(&vc->lock);
  blec__wlink *link = vc->link;
  vc->link = NULL;
  blec_op *connecting = link ? vc->connecting : NULL;
  if (connecting) vc->connecting = NULL;
  blec__mutex_unlock(&vc->lock);
  if (link) blec__wlink_release(link);
  if (connecting) {
    blec__op_complete(connecting, BLEC_ERR_NOT_CONNECTED); /* usually aborted already */
    blec__op_unref(connecting);
    vc_unref(vc); /* the connect request's reference */
  }
}

static void on_value(void *user, uint16_t handle, const uint8_t *data, size_t len, bool indication) {
  (void)indication;
  vclient *vc = user;
  blec__vcache_put_value(ctx_priv(blec__client_ctx(vc->c))->cache, vc->cache, handle, data, len);
  blec__client_value(vc->c, handle, data, len);
}

static void on_mtu(void *user, int mtu) {
  vclient *vc = user;
  blec__client_mtu(vc->c, mtu);
}

static void on_disconnected(void *user, int reason) {
  vclient *vc = user;
  /* Both are alive here: a client free that took the link first waits in the release
   * for this callback. Once drop_link below has taken it, that free no longer waits. */
  blec_client *c = blec__client_ref(vc->c);
  atomic_fetch_add(&vc->refs, 1);
  drop_link(vc);
  blec__client_disconnected(c, (blec_disconnect_reason)reason);
  vc_unref(vc);
  blec__client_unref(c);
}

static const blec__wlink_events link_events = {on_value, on_mtu, on_disconnected};

/*
 * The connect request's reference to its op is released by exactly one party:
 * connect_done while the world's connect request is pending, then mtu_done once the
 * link is up — unless v_cancel or drop_link took the op over (cleared vc->connecting),
 * in which case connect_done releases the link it gets, or the link was released (and
 * mtu_done never runs) by whoever cleared it.
 */
static void mtu_done(void *user, int status, int att_error) {
  (void)att_error;
  blec_op *op = user;
  vclient *vc = blec__client_backend_priv(blec__op_client(op));
  blec__mutex_lock(&vc->lock);
  bool mine = vc->connecting == op;
  if (mine) vc->connecting = NULL;
  blec__wlink *link = vc->link;
  int mtu = link ? blec__wlink_mtu(link) : 23;
  blec__mutex_unlock(&vc->lock);
  if (!mine) return; /* v_cancel owns it */
  if (status == BLEC_OK || status == BLEC_ERR_ATT) {
    blec__client_mtu(vc->c, mtu);
    if (!blec__op_complete(op, BLEC_OK)) drop_link(vc); /* cancelled meanwhile */
  } else {
    blec__op_complete(op, status);
    drop_link(vc);
  }
  blec__op_unref(op);
  vc_unref(vc); /* the connect request's reference */
}

static void connect_done(void *user, int status, blec__wlink *link) {
  blec_op *op = user;
  vclient *vc = blec__client_backend_priv(blec__op_client(op));
  blec__mutex_lock(&vc->lock);
  bool mine = vc->connecting == op;
  if (mine && status != BLEC_OK) vc->connecting = NULL;
  if (mine && status == BLEC_OK) vc->link = link;
  blec__mutex_unlock(&vc->lock);
  if (status != BLEC_OK) {
    if (mine) {
      blec_error e;
      blec__error_set(&e, status, "%s",
                      status == BLEC_ERR_DEVICE_NOT_FOUND       ? "the peripheral did not answer the connection request"
                      : status == BLEC_ERR_BLUETOOTH_UNAVAILABLE ? "the virtual radio is off"
                                                                 : "");
      if (status == BLEC_ERR_BLUETOOTH_UNAVAILABLE) e.reason = BLEC_UNAVAILABLE_POWERED_OFF;
      blec__op_complete_error(op, &e);
    }
    blec__op_unref(op);
    vc_unref(vc); /* the connect request's reference */
    return;
  }
  if (!mine) { /* cancelled while the link came up */
    blec__wlink_release(link);
    blec__op_unref(op);
    vc_unref(vc); /* the connect request's reference */
    return;
  }
  char *name = blec__world_peripheral_name(blec__wlink_peripheral(link));
  if (name) blec__client_set_name(vc->c, name);
  free(name);
  blec__client_mtu(vc->c, blec__wlink_mtu(link));
  /* The MTU is negotiated before connect reports success: no 20-byte writes at first. */
  int64_t id = blec__wlink_exchange_mtu(link, 517, mtu_done, op);
  if (id < 0) mtu_done(op, (int)id, 0);
}

static int v_connect(blec_client *c, blec_op *op) {
  vclient *vc = vc_of(c);
  if (!vc) return BLEC_ERR_NO_MEMORY;
  drop_link(vc); /* a link the core gave up on (a close that timed out) is released first */
  vctx *v = ctx_priv(blec__client_ctx(c));
  blec__op_ref(op);
  atomic_fetch_add(&vc->refs, 1); /* the connect request's */
  blec__mutex_lock(&vc->lock);
  vc->connecting = op;
  blec__mutex_unlock(&vc->lock);
  int64_t id = blec__world_connect(v->world, blec__client_address(c), blec__client_address_type(c), &link_events, vc,
                                   connect_done, op);
  if (id < 0) {
    blec__mutex_lock(&vc->lock);
    vc->connecting = NULL;
    blec__mutex_unlock(&vc->lock);
    blec__op_unref(op);
    vc_unref(vc);
    return (int)id;
  }
  blec__op_set_backend_data(op, id);
  return BLEC_OK;
}

static void v_cancel(blec_op *op) {
  int64_t id = blec__op_backend_data(op);
  blec_client *c = blec__op_client(op);
  if (!c) return;
  vclient *vc = blec__client_backend_priv(c);
  bool mtu_step = false;
  if (vc) {
    blec__mutex_lock(&vc->lock);
    if (vc->connecting == op) {
      mtu_step = vc->link != NULL;
      /* Not linked yet: the world's answer may already be on its way (its request no
       * longer cancellable); connect_done then finds it is no longer its op's and lets
       * the link go instead of bringing it up for a connect nobody waits for. */
      if (!mtu_step) vc->connecting = NULL;
    }
    blec__mutex_unlock(&vc->lock);
  }
  if (mtu_step) {
    drop_link(vc); /* ends the MTU step: mtu_done will not run */
    return;
  }
  if (id > 0) blec__world_cancel(ctx_priv(blec__client_ctx(c))->world, id);
}

/* Runs a request on the live link: the lock keeps the link alive while it starts. */
#define WITH_LINK(c, op, call)                              \
  do {                                                      \
    vclient *vc_ = blec__client_backend_priv(c);            \
    if (!vc_) return BLEC_ERR_NOT_CONNECTED;                \
    blec__mutex_lock(&vc_->lock);                           \
    blec__wlink *link = vc_->link;                          \
    if (!link) {                                            \
      blec__mutex_unlock(&vc_->lock);                       \
      return BLEC_ERR_NOT_CONNECTED;                        \
    }                                                       \
    blec__op_ref(op);                                       \
    int64_t id_ = (call);                                   \
    blec__mutex_unlock(&vc_->lock);                         \
    if (id_ < 0) {                                          \
      blec__op_unref(op);                                   \
      return (int)id_;                                      \
    }                                                       \
    blec__op_set_backend_data(op, id_);                     \
    return BLEC_OK;                                         \
  } while (0)

static void fill_model(blec_op *op, const blec__wattr *attrs, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const blec__wattr *a = &attrs[i];
    switch (a->kind) {
      case BLEC__WATTR_SERVICE: blec__gatt_add_service(op, a->handle, a->end_handle, &a->uuid, NULL); break;
      case BLEC__WATTR_CHARACTERISTIC: blec__gatt_add_characteristic(op, a->handle, &a->uuid, a->props, NULL); break;
      case BLEC__WATTR_DESCRIPTOR: blec__gatt_add_descriptor(op, a->handle, &a->uuid, NULL); break;
    }
  }
}

static void discover_done(void *user, int status, int att_error, const blec__wattr *attrs, size_t count) {
  blec_op *op = user;
  blec_client *c = blec__op_client(op);
  if (status == BLEC_OK) {
    vclient *vc = blec__client_backend_priv(c);
    if (vc) blec__vcache_put_attrs(ctx_priv(blec__client_ctx(c))->cache, vc->cache, attrs, count);
    fill_model(op, attrs, count);
    blec__op_complete(op, BLEC_OK);
  } else if (status == BLEC_ERR_ATT) {
    blec__op_complete_att(op, att_error);
  } else if (status == BLEC_ERR_TIMEOUT) {
    /* The peripheral did not answer discovery: what Windows reports as Unreachable. */
    blec_error e;
    blec__error_set(&e, BLEC_ERR_OS, "service discovery got no answer from the device");
    e.gatt_status = BLEC_GATT_STATUS_UNREACHABLE;
    blec__op_complete_error(op, &e);
  } else {
    blec__op_complete(op, status);
  }
  blec__op_unref(op);
}

static int v_discover(blec_client *c, blec_op *op, blec_cache_mode mode) {
  vclient *vc = blec__client_backend_priv(c);
  blec__wattr *attrs;
  size_t count;
  /* Cached, and "let the OS decide" (which Windows answers from its cache). */
  if (mode != BLEC_CACHE_UNCACHED && vc &&
      blec__vcache_get_attrs(ctx_priv(blec__client_ctx(c))->cache, vc->cache, &attrs, &count)) {
    fill_model(op, attrs, count);
    free(attrs);
    blec__op_complete(op, BLEC_OK);
    return BLEC_OK;
  }
  WITH_LINK(c, op, blec__wlink_discover(link, discover_done, op));
}

/* A read remembers its handle for the value cache. */
typedef struct vread {
  blec_op *op;
  uint16_t handle;
} vread;

static void read_done(void *user, int status, int att_error, const uint8_t *data, size_t len) {
  vread *rq = user;
  blec_op *op = rq->op;
  blec_client *c = blec__op_client(op);
  uint16_t handle = rq->handle;
  free(rq);
  if (status == BLEC_OK) {
    vclient *vc = blec__client_backend_priv(c);
    if (vc) blec__vcache_put_value(ctx_priv(blec__client_ctx(c))->cache, vc->cache, handle, data, len);
    blec__op_complete_data(op, data, len);
  } else if (status == BLEC_ERR_ATT) {
    blec__op_complete_att(op, att_error);
  } else {
    blec__op_complete(op, status);
  }
  blec__op_unref(op);
}

static int v_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached) {
  (void)descriptor;
  vclient *vcc = blec__client_backend_priv(c);
  uint8_t *cached_data;
  size_t cached_len;
  if (cached && vcc && blec__vcache_get_value(ctx_priv(blec__client_ctx(c))->cache, vcc->cache, handle, &cached_data, &cached_len)) {
    blec__op_complete_data(op, cached_data, cached_len);
    free(cached_data);
    return BLEC_OK;
  }
  vread *rq = malloc(sizeof *rq);
  if (!rq) return BLEC_ERR_NO_MEMORY;
  rq->op = op;
  rq->handle = handle;
  vclient *vc = blec__client_backend_priv(c);
  if (!vc) {
    free(rq);
    return BLEC_ERR_NOT_CONNECTED;
  }
  blec__mutex_lock(&vc->lock);
  blec__wlink *link = vc->link;
  int64_t id = BLEC_ERR_NOT_CONNECTED;
  if (link) {
    blec__op_ref(op);
    id = blec__wlink_read(link, handle, read_done, rq);
    if (id < 0) blec__op_unref(op);
  }
  blec__mutex_unlock(&vc->lock);
  if (id < 0) {
    free(rq);
    return (int)id;
  }
  blec__op_set_backend_data(op, id);
  return BLEC_OK;
}

static void done_status(void *user, int status, int att_error) {
  blec_op *op = user;
  if (status == BLEC_ERR_ATT)
    blec__op_complete_att(op, att_error);
  else if (status == BLEC_ERR_PAIRING) {
    blec_error e;
    blec__error_set(&e, status, "the peripheral refused the requested protection level");
    blec__op_complete_error(op, &e);
  } else
    blec__op_complete(op, status);
  blec__op_unref(op);
}

static int v_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
                   bool with_response) {
  (void)descriptor;
  WITH_LINK(c, op, blec__wlink_write(link, handle, data, len, with_response, done_status, op));
}

static int v_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode) {
  uint16_t cccd;
  if (blec__client_cccd_handle(c, value_handle, &cccd) != BLEC_OK) return BLEC_ERR_DESCRIPTOR_NOT_FOUND;
  uint8_t v[2] = {(uint8_t)(mode == BLEC__CCCD_NOTIFY ? 1 : mode == BLEC__CCCD_INDICATE ? 2 : 0), 0};
  WITH_LINK(c, op, blec__wlink_write(link, cccd, v, sizeof v, true, done_status, op));
}

/* A pairing in two steps: the ceremony's question to the program, then the pairing with
 * its answer. Holds a reference to the op and to the vclient throughout. */
typedef struct vpair {
  blec_op *op;
  vclient *vc;
  blec_protection_level level;
  blec_pairing_kind kind;
} vpair;

static void vpair_end(vpair *vp) {
  blec__op_unref(vp->op);
  vc_unref(vp->vc);
  free(vp);
}

/* Records the client's current bond in the store (before the op completes, so a program
 * that sees the pairing done finds it stored). */
static void client_bond_changed(blec_op *op) {
  blec_client *c = blec__op_client(op);
  if (c) bonds_changed(blec__client_ctx(c), blec__client_address(c));
}

static void pair_done(void *user, int status, blec__wpair_failure why) {
  vpair *vp = user;
  if (status == BLEC_OK) client_bond_changed(vp->op);
  if (status == BLEC_ERR_PAIRING) {
    blec_error e;
    blec__error_set(&e, status, "%s",
                    why == BLEC__WPAIR_WRONG_PIN ? "authentication failed: the PIN is not the peripheral's passkey"
                                                 : "the peripheral refused the requested protection level");
    blec__op_complete_error(vp->op, &e);
  } else {
    blec__op_complete(vp->op, status);
  }
  vpair_end(vp);
}

static void pair_answered(void *arg, int status, const char *pin) {
  vpair *vp = arg;
  if (status != BLEC_OK) {
    blec_error e;
    blec__error_set(&e, status == BLEC_ERR_CANCELLED ? status : BLEC_ERR_PAIRING, "%s",
                    blec__pairing_refusal_text(status, vp->kind));
    blec__op_complete_error(vp->op, &e);
    vpair_end(vp);
    return;
  }
  /* pair_done may run (and free vp) before the submission returns: keep our own references. */
  vclient *vc = vp->vc;
  blec_op *op = blec__op_ref(vp->op);
  atomic_fetch_add(&vc->refs, 1);
  blec__wpair_answer answer = {.level = vp->level, .pin = pin};
  blec__mutex_lock(&vc->lock);
  int64_t id = vc->link ? blec__wlink_pair_answered(vc->link, &answer, pair_done, vp) : BLEC_ERR_DISCONNECTED;
  blec__mutex_unlock(&vc->lock);
  if (id < 0) {
    blec__op_complete(op, id == BLEC_ERR_NOT_CONNECTED ? BLEC_ERR_DISCONNECTED : (int)id);
    vpair_end(vp);
  } else {
    blec__op_set_backend_data(op, id);
  }
  blec__op_unref(op);
  vc_unref(vc);
}

static int v_pair(blec_client *c, blec_op *op, blec_protection_level level) {
  vclient *vc = blec__client_backend_priv(c);
  if (!vc) return BLEC_ERR_NOT_CONNECTED;
  blec__wceremony cer;
  blec__mutex_lock(&vc->lock);
  int r = vc->link ? blec__wlink_pairing_ceremony(vc->link, level, &cer) : BLEC_ERR_NOT_CONNECTED;
  blec__mutex_unlock(&vc->lock);
  if (r != BLEC_OK) return r;
  vpair *vp = malloc(sizeof *vp);
  if (!vp) return BLEC_ERR_NO_MEMORY;
  vp->op = blec__op_ref(op);
  vp->vc = vc;
  atomic_fetch_add(&vc->refs, 1);
  vp->level = level;
  vp->kind = cer.kind;
  blec__client_pairing_request(c, op, cer.kind, cer.pin[0] ? cer.pin : NULL, pair_answered, vp);
  return BLEC_OK;
}

static void unpair_done(void *user, int status, int att_error) {
  client_bond_changed(user); /* the world's bond, whatever became of the link */
  done_status(user, status, att_error);
}

static int v_unpair(blec_client *c, blec_op *op) {
  vclient *vc = blec__client_backend_priv(c);
  bool linked = false;
  if (vc) {
    blec__mutex_lock(&vc->lock);
    linked = vc->link != NULL;
    blec__mutex_unlock(&vc->lock);
  }
  if (!linked) { /* no link: the OS forgets the bond ("remove device") */
    int r = blec__world_unpair(ctx_priv(blec__client_ctx(c))->world, blec__client_address(c));
    if (r == BLEC_OK) bonds_changed(blec__client_ctx(c), blec__client_address(c));
    blec__op_complete(op, r == BLEC_ERR_NOT_FOUND ? BLEC_ERR_DEVICE_NOT_FOUND : r);
    return BLEC_OK;
  }
  WITH_LINK(c, op, blec__wlink_unpair(link, unpair_done, op));
}

static void disconnect_done(void *user, int status, int att_error) {
  (void)att_error;
  (void)status;
  blec_op *op = user;
  vclient *vc = blec__client_backend_priv(blec__op_client(op));
  drop_link(vc);
  blec__op_complete(op, BLEC_OK);
  blec__op_unref(op);
}

static int v_disconnect(blec_client *c, blec_op *op) {
  vclient *vc = blec__client_backend_priv(c);
  if (!vc) return BLEC_ERR_NOT_CONNECTED;
  blec__mutex_lock(&vc->lock);
  blec__wlink *link = vc->link;
  int64_t id = 0;
  if (link) {
    blec__op_ref(op);
    id = blec__wlink_disconnect(link, disconnect_done, op);
    if (id < 0) blec__op_unref(op);
  }
  blec__mutex_unlock(&vc->lock);
  if (!link || id < 0) {
    /* Nothing to close (the link already went): closed is closed. */
    drop_link(vc);
    blec__op_complete(op, BLEC_OK);
  }
  return BLEC_OK;
}

static void v_client_free(blec_client *c) {
  vclient *vc = blec__client_backend_priv(c);
  if (!vc) return;
  drop_link(vc);
  /* The client struct itself outlives this (ops in flight hold it), so the pointer stays
   * for late world callbacks; the last reference frees vc. */
  vc_unref(vc);
}

const blec__backend blec__backend_virtual = {
    .name = "virtual",
    .caps = BLEC_CAP_SCAN | BLEC_CAP_PASSIVE_SCAN | BLEC_CAP_SIGNAL_FILTER | BLEC_CAP_ADV_FILTER | BLEC_CAP_CONNECT |
            BLEC_CAP_CACHE_MODE | BLEC_CAP_PAIRING | BLEC_CAP_UNPAIR | BLEC_CAP_CONNECT_WITHOUT_SCAN |
            BLEC_CAP_INDICATIONS | BLEC_CAP_MTU_EVENTS | BLEC_CAP_RAW_ADVERTISING | BLEC_CAP_PAIRING_LEVELS |
            BLEC_CAP_FORCE_INDICATE | BLEC_CAP_CONFIRM_JUST_WORKS | BLEC_CAP_SECURITY_ERRORS |
            BLEC_CAP_DISCONNECT_REASONS | BLEC_CAP_CANCEL_REQUESTS |
            BLEC_CAP_DISCOVERY_RETRY,
    .init = v_init,
    .exit = v_exit,
    .check_bluetooth = v_check_bluetooth,
    .world = v_world,
    .scan_start = v_scan_start,
    .scan_stop = v_scan_stop,
    .connect = v_connect,
    .discover = v_discover,
    .disconnect = v_disconnect,
    .read = v_read,
    .write = v_write,
    .subscribe = v_subscribe,
    .pair = v_pair,
    .unpair = v_unpair,
    .cancel = v_cancel,
    .client_free = v_client_free,
};
