/* SPDX-License-Identifier: MIT */
/*
 * client_connect.c — the connect sequence, as a chain of steps each running as its own
 * operation: find the address by scanning (unless connecting to a scanned device or told
 * not to), open the link (the backend negotiates the MTU before reporting it up), pair
 * if asked, discover services with the chosen cache mode (retrying "Unreachable" per the
 * options). One timer bounds the whole sequence; cancelling or timing out aborts the step
 * in flight and closes a half-open link.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void step_find(blec_client *c);
static void step_link(blec_client *c);
static void step_pair(blec_client *c);
static void step_discover(blec_client *c);

/* Records the step in flight (a reference) unless the sequence already ended. */
static bool set_stage(blec_client *c, blec_op *stage) {
  blec__mutex_lock(&c->lock);
  bool ok = c->connect_op && !c->connect_aborting;
  if (ok) {
    c->connect_scanning = stage->kind == BLEC__OP_FIND;
    if (c->connect_stage) blec__op_unref(c->connect_stage);
    c->connect_stage = blec__op_ref(stage);
  }
  blec__mutex_unlock(&c->lock);
  return ok;
}

/* The connect op if the sequence is still running (a new reference), else NULL. */
static blec_op *running(blec_client *c) {
  blec__mutex_lock(&c->lock);
  blec_op *op = (c->connect_op && !c->connect_aborting) ? blec__op_ref(c->connect_op) : NULL;
  blec__mutex_unlock(&c->lock);
  if (op && blec__op_is_done(op)) {
    blec__op_unref(op);
    return NULL;
  }
  return op;
}

static void fail(blec_client *c, const blec_error *err) {
  blec_op *op = running(c);
  if (!op) return;
  blec__op_complete_error(op, err);
  blec__op_unref(op);
}

static void fail_status(blec_client *c, int status, const char *why) {
  blec_error e;
  blec__error_set(&e, status, "%s", why);
  fail(c, &e);
}

/* Starts a backend request as a step; `next` runs when it completes. */
static void start_step(blec_client *c, blec__op_kind kind, bool track,
                       int (*request)(blec_client *c, blec_op *op), void (*next)(blec_op *op, void *arg)) {
  blec_op *stage = blec__op_new(c->ctx, kind, NULL, NULL);
  if (!stage) {
    fail_status(c, BLEC_ERR_NO_MEMORY, "out of memory while connecting");
    return;
  }
  stage->client = blec__client_ref(c);
  if (track) blec__client_track(c, stage);
  if (!set_stage(c, stage)) {
    blec__op_complete(stage, BLEC_ERR_CANCELLED);
    blec__op_unref(stage);
    return;
  }
  blec__op_then(stage, next, c);
  int r = request(c, stage);
  if (r != BLEC_OK) {
    blec_error e;
    blec__error_set(&e, r, "the backend could not start this step");
    blec__op_complete_error(stage, &e);
  }
  blec__op_unref(stage);
}

/* ---- step 1: find the address --------------------------------------------------------- */

static void found(blec_op *stage, void *arg) {
  blec_client *c = arg;
  int s = stage->err.status;
  if (s != BLEC_OK) {
    if (s == BLEC_ERR_DEVICE_NOT_FOUND) {
      blec_error e;
      blec__error_set(&e, s, "no device with address %s was found while scanning", c->address);
      fail(c, &e);
    } else {
      fail(c, &stage->err);
    }
    return;
  }
  blec_device *dev = stage->device;
  blec__mutex_lock(&c->lock);
  if (!c->device) c->device = blec_device_ref(dev);
  if (c->opts.address_type == BLEC_ADDRESS_UNSPECIFIED) c->opts.address_type = dev->address_type;
  blec__mutex_unlock(&c->lock);
  const char *name = blec_device_name(dev);
  if (name) blec__client_set_name(c, name);
  step_link(c);
}

static void step_find(blec_client *c) {
  blec_op *stage = NULL;
  int r = blec__find_by_address_async(c->ctx, c->address, -1, NULL, NULL, &stage);
  if (r != BLEC_OK) {
    fail_status(c, r, "scanning for the device could not start");
    return;
  }
  if (!set_stage(c, stage)) {
    blec__op_abort(stage, BLEC_ERR_CANCELLED, NULL);
    blec__op_unref(stage);
    return;
  }
  blec__op_then(stage, found, c);
  blec__op_unref(stage);
}

/* ---- step 2: the link -------------------------------------------------------------------- */

static void linked(blec_op *stage, void *arg) {
  blec_client *c = arg;
  if (stage->err.status != BLEC_OK) {
    fail(c, &stage->err);
    return;
  }
  blec__mutex_lock(&c->lock);
  c->link_up = true;
  c->link_gen++;
  blec__mutex_unlock(&c->lock);
  if (c->opts.pair)
    step_pair(c);
  else
    step_discover(c);
}

static int request_connect(blec_client *c, blec_op *op) { return c->ctx->backend->connect(c, op); }

static void step_link(blec_client *c) { start_step(c, BLEC__OP_CONNECT, false, request_connect, linked); }

/* ---- step 3: pairing (optional) -------------------------------------------------------------- */

static void paired(blec_op *stage, void *arg) {
  blec_client *c = arg;
  if (stage->err.status != BLEC_OK) {
    fail(c, &stage->err);
    return;
  }
  step_discover(c);
}

static int request_pair(blec_client *c, blec_op *op) {
  if (!(c->ctx->caps & BLEC_CAP_PAIRING)) return BLEC_ERR_NOT_SUPPORTED;
  return c->ctx->backend->pair(c, op, BLEC_PROTECTION_DEFAULT);
}

static void step_pair(blec_client *c) { start_step(c, BLEC__OP_PAIR, true, request_pair, paired); }

/* ---- step 4: services ------------------------------------------------------------------------- */

static void retry_delay_over(blec_op *delay, void *arg) {
  (void)delay;
  step_discover(arg);
}

static void discovered(blec_op *stage, void *arg) {
  blec_client *c = arg;
  const blec_error *e = &stage->err;
  if (e->status != BLEC_OK) {
    blec__mutex_lock(&c->lock);
    blec__gatt_tree_free(c->building);
    c->building = NULL;
    bool retry = e->gatt_status == BLEC_GATT_STATUS_UNREACHABLE && c->retries_left > 0;
    if (retry) c->retries_left--;
    blec__mutex_unlock(&c->lock);
    if (!retry) {
      fail(c, e);
      return;
    }
    blec__log(c->ctx, BLEC_LOG_INFO, "service discovery on %s: Unreachable, retrying", c->address);
    /* A delay is an op that only a timer completes; its continuation retries. */
    blec_op *delay = blec__op_new(c->ctx, BLEC__OP_GENERIC, NULL, NULL);
    if (!delay) {
      fail(c, e);
      return;
    }
    if (!set_stage(c, delay)) {
      blec__op_unref(delay);
      return;
    }
    blec__op_then(delay, retry_delay_over, c);
    if (blec__timers_add(&c->ctx->timers, delay, c->opts.retry_delay_ms) != BLEC_OK)
      blec__op_complete(delay, BLEC_OK);
    blec__op_unref(delay);
    return;
  }
  blec__mutex_lock(&c->lock);
  blec__gatt_tree *t = c->building;
  c->building = NULL;
  if (t) {
    blec__gatt_tree_filter(t, c->opts.services, c->opts.nservices);
    t->older = c->tree;
    c->tree = t;
  }
  blec__mutex_unlock(&c->lock);
  blec_op *op = running(c);
  if (op) {
    blec__op_complete(op, BLEC_OK);
    blec__op_unref(op);
  }
}

static int request_discover(blec_client *c, blec_op *op) {
  blec__gatt_tree *t = calloc(1, sizeof *t);
  if (!t) return BLEC_ERR_NO_MEMORY;
  blec__mutex_lock(&c->lock);
  blec__gatt_tree_free(c->building);
  c->building = t;
  blec__mutex_unlock(&c->lock);
  return c->ctx->backend->discover(c, op, c->opts.cache_mode);
}

static void step_discover(blec_client *c) {
  start_step(c, BLEC__OP_GENERIC, true, request_discover, discovered);
}

/* ---- the sequence ----------------------------------------------------------------------------- */

static void closed_after_failure(blec_op *op, void *arg) {
  blec_client *c = arg;
  blec__mutex_lock(&c->lock);
  c->link_up = false;
  if (c->state == BLEC__DISCONNECTING) c->state = BLEC__DISCONNECTED;
  blec_op *closing = c->closing == op ? c->closing : NULL;
  if (closing) c->closing = NULL;
  blec__mutex_unlock(&c->lock);
  if (closing) blec__op_unref(closing);
}

/* The sequence ended (any result). */
static void connect_done(blec_op *op, void *arg) {
  blec_client *c = arg;
  bool ok = op->err.status == BLEC_OK;
  blec__mutex_lock(&c->lock);
  blec_op *stage = c->connect_stage;
  c->connect_stage = NULL;
  if (c->connect_op == op) {
    blec__op_unref(c->connect_op);
    c->connect_op = NULL;
  }
  bool close_link = false;
  if (ok && c->link_up) {
    c->state = BLEC__CONNECTED;
    c->visible = true;
  } else {
    c->state = BLEC__DISCONNECTED;
    close_link = c->link_up;
  }
  c->connect_aborting = false;
  blec__mutex_unlock(&c->lock);
  if (stage) {
    blec__op_abort(stage, BLEC_ERR_CANCELLED, "the connection attempt ended");
    blec__op_unref(stage);
  }
  if (close_link) {
    blec__client_fail_pending(c, BLEC_ERR_DISCONNECTED, "the connection attempt ended");
    blec_op *d = blec__op_new(c->ctx, BLEC__OP_DISCONNECT, NULL, NULL);
    if (d) {
      d->client = blec__client_ref(c);
      blec__mutex_lock(&c->lock);
      c->state = BLEC__DISCONNECTING; /* a disconnect meanwhile waits for this close */
      c->closing = blec__op_ref(d);
      blec__mutex_unlock(&c->lock);
      blec__op_then(d, closed_after_failure, c);
      if (c->ctx->backend->disconnect(c, d) != BLEC_OK) blec__op_complete(d, BLEC_OK);
      blec__op_unref(d);
    } else {
      closed_after_failure(NULL, c);
    }
  }
  if (ok) blec__log(c->ctx, BLEC_LOG_INFO, "connected to %s", c->address);
}

static void connect_on_cancel(blec_op *op, int status, void *arg) {
  blec_client *c = arg;
  blec__mutex_lock(&c->lock);
  c->connect_aborting = true;
  bool scanning = c->connect_scanning;
  blec_op *stage = c->connect_stage ? blec__op_ref(c->connect_stage) : NULL;
  blec__mutex_unlock(&c->lock);
  if (stage) {
    blec__op_abort(stage, BLEC_ERR_CANCELLED, "the connection attempt was aborted");
    blec__op_unref(stage);
  }
  if (status == BLEC_ERR_TIMEOUT && scanning) {
    /* As bleak: the timeout ran out while looking for the address: not found. */
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "no device with address %s was found within the timeout",
                    c->address);
    blec__op_complete_error(op, &e);
  }
}

static int connect_start(blec_client *c, int timeout_ms, blec_op_cb cb, void *user, blec_op **out) {
  blec_op *op = blec__op_new(c->ctx, BLEC__OP_CONNECT, cb, user);
  if (!op) return BLEC_ERR_NO_MEMORY;
  op->client = blec__client_ref(c);
  blec__mutex_lock(&c->lock);
  bool scan = !c->device && c->opts.scan_first && (c->ctx->caps & BLEC_CAP_SCAN);
  if (!scan && !c->device && !(c->ctx->caps & BLEC_CAP_CONNECT_WITHOUT_SCAN)) {
    blec__mutex_unlock(&c->lock);
    blec__op_unref(op);
    return BLEC_ERR_NOT_SUPPORTED; /* this backend must see the device advertise first */
  }
  if (c->opts.cache_mode != BLEC_CACHE_DEFAULT && !(c->ctx->caps & BLEC_CAP_CACHE_MODE)) {
    blec__mutex_unlock(&c->lock);
    blec__op_unref(op);
    return BLEC_ERR_NOT_SUPPORTED; /* the OS decides about its cache */
  }
  if (c->freed || c->state != BLEC__DISCONNECTED || c->link_up) {
    blec__mutex_unlock(&c->lock);
    blec__op_unref(op);
    return BLEC_ERR_BUSY;
  }
  c->state = BLEC__CONNECTING;
  c->connect_op = blec__op_ref(op);
  c->connect_aborting = false;
  c->retries_left = c->opts.retry_count;
  blec__mutex_unlock(&c->lock);
  op->on_done = connect_done;
  op->on_done_arg = c;
  op->on_cancel = connect_on_cancel;
  op->on_cancel_arg = c;
  if (blec__timers_add(&c->ctx->timers, op, timeout_ms) != BLEC_OK) {
    blec__op_complete(op, BLEC_ERR_NO_MEMORY);
  } else {
    if (scan)
      step_find(c);
    else
      step_link(c);
  }
  blec__op_give(op, out);
  return BLEC_OK;
}

int blec_client_connect_async(blec_client *c, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c) return BLEC_ERR_INVALID_ARG;
  return connect_start(c, c->opts.timeout_ms, cb, user, out);
}

int blec_client_connect(blec_client *c, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  if (!c) return BLEC_ERR_INVALID_ARG;
  blec_op *op;
  int r = connect_start(c, timeout_ms >= 0 ? timeout_ms : c->opts.timeout_ms, NULL, NULL, &op);
  if (r != BLEC_OK) {
    blec__error_set(err, r, "%s", r == BLEC_ERR_BUSY ? "already connected or connecting" : "");
    return r;
  }
  r = blec__op_wait_final(op, -1, err);
  blec__op_unref(op);
  return r;
}
