/* SPDX-License-Identifier: MIT */
/*
 * client_connect.c — the link's state machine: the connect sequence, disconnections and
 * link loss, all run as tasks on the client's strand, so that one task at a time owns
 * the link's state (core.h marks those fields [strand]) whatever thread reports.
 *
 * The sequence is a chain of steps, each its own internal op (a "stage"): find the
 * address by scanning (unless connecting to a scanned device or told not to), open the
 * link (the backend negotiates the MTU before reporting it up), pair if asked, discover
 * services with the chosen cache mode (retrying "Unreachable" per the options). A stage
 * reports its completion to the strand; only the current stage's report counts. The
 * connect op is completed by the strand alone (end_connect), after the client's state
 * reflects the outcome, so whoever sees it complete sees its effects. Cancelling or
 * timing out queues an abort on the strand; a disconnection requested meanwhile aborts
 * the sequence and closes a half-open link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void step_find(blec_client *c);
static void step_link(blec_client *c);
static void step_pair(blec_client *c);
static void step_discover(blec_client *c);
static void start_close(blec_client *c);

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Posts a task to c's strand; the caller holds a reference to c for the call. */
static void post(blec_client *c, blec__task *t, void (*run)(blec__task *t)) {
  t->run = run;
  blec__strand_post(&c->strand, t);
}

/* ---- ending the sequence ------------------------------------------------------------------ */

/*
 * [strand] Completes the connect op with `err`: the stage in flight is aborted (its report
 * will find it is no longer current), the state set (connected, or closing a half-open
 * link), then the op completed, so a waiter that returns sees the outcome.
 */
static void end_connect(blec_client *c, const blec_error *err) {
  bool ok = err->status == BLEC_OK;
  blec__mutex_lock(&c->lock);
  blec_op *stage = c->stage;
  c->stage = NULL;
  blec__mutex_unlock(&c->lock);
  /* A link step that completed before this abort reached it (its report is still on its
   * way) leaves a link up in the backend: it is closed like any half-open link. */
  if (stage && !blec__op_abort(stage, BLEC_ERR_CANCELLED, "the connection attempt ended") &&
      stage->kind == BLEC__OP_CONNECT && blec_op_status(stage) == BLEC_OK) {
    blec__mutex_lock(&c->lock);
    c->link_up = true;
    c->link_gen++;
    blec__mutex_unlock(&c->lock);
  }
  if (stage) blec__op_unref(stage);
  blec__mutex_lock(&c->lock);
  blec_op *op = c->connect_op;
  c->connect_op = NULL;
  c->start_waiting = false;
  bool close_link = false;
  if (ok && c->link_up) {
    c->state = BLEC__CONNECTED;
    c->visible = true;
  } else {
    close_link = c->link_up && !c->closing;
    if (!c->closing) c->state = BLEC__DISCONNECTED;
  }
  blec__mutex_unlock(&c->lock);
  if (close_link) start_close(c);
  if (op) {
    if (ok) blec__log(c->ctx, BLEC_LOG_INFO, "connected to %s", c->address);
    blec__op_complete_error(op, err);
    blec__op_unref(op); /* c->connect_op's */
  }
}

static void end_connect_status(blec_client *c, int status, const char *why) {
  blec_error e;
  blec__error_set(&e, status, "%s", why);
  end_connect(c, &e);
}

/* ---- stages --------------------------------------------------------------------------------- */

/* A stage completed (any thread): its report goes to the strand if it is still current. */
static void stage_completed(blec_op *stage, void *arg);

/* [strand] Makes `stage` (a new op, the caller's reference passes) the step in flight. */
static void set_stage(blec_client *c, blec_op *stage) {
  blec__mutex_lock(&c->lock);
  c->stage = stage;
  blec__mutex_unlock(&c->lock);
  blec__op_then(stage, stage_completed, blec__client_ref(c));
}

/* [strand] Starts a backend request as the next step. */
static void start_step(blec_client *c, blec__op_kind kind, bool track, int (*request)(blec_client *c, blec_op *op)) {
  blec_op *stage = blec__op_new(c->ctx, kind, NULL, NULL);
  if (!stage) {
    end_connect_status(c, BLEC_ERR_NO_MEMORY, "out of memory while connecting");
    return;
  }
  stage->client = blec__client_ref(c);
  if (track) blec__client_track(c, stage);
  blec__op_ref(stage); /* ours, for the request */
  set_stage(c, stage);
  int r = request(c, stage);
  if (r != BLEC_OK) {
    blec_error e;
    blec__error_set(&e, r, "the backend could not start this step: %s", blec_strerror(r));
    blec__op_complete_error(stage, &e);
  }
  blec__op_unref(stage);
}

static void t_stage_done(blec__task *t);

static void stage_completed(blec_op *stage, void *arg) {
  blec_client *c = arg; /* the reference set_stage took */
  blec__mutex_lock(&c->lock);
  bool report = c->stage == stage && !c->stage_reported;
  if (report) c->stage_reported = blec__op_ref(stage);
  blec__mutex_unlock(&c->lock);
  if (report) post(c, &c->stage_task, t_stage_done);
  blec__client_unref(c);
}

static void found(blec_client *c, blec_op *stage);
static void linked(blec_client *c, blec_op *stage);
static void paired(blec_client *c, blec_op *stage);
static void discovered(blec_client *c, blec_op *stage);

/* [strand] The current stage completed: the sequence goes on by its kind. */
static void t_stage_done(blec__task *t) {
  blec_client *c = CONTAINER(t, blec_client, stage_task);
  blec__mutex_lock(&c->lock);
  blec_op *stage = c->stage_reported;
  c->stage_reported = NULL;
  bool current = stage && c->stage == stage;
  if (current) c->stage = NULL;
  blec__mutex_unlock(&c->lock);
  if (current) {
    blec__op_unref(stage); /* c->stage's */
    switch (stage->kind) {
      case BLEC__OP_FIND: found(c, stage); break;
      case BLEC__OP_CONNECT: linked(c, stage); break;
      case BLEC__OP_PAIR: paired(c, stage); break;
      case BLEC__OP_DISCOVER: discovered(c, stage); break;
      default: step_discover(c); break; /* the retry delay is over */
    }
  }
  blec__op_unref(stage);
}

/* A failed step after the link came up: the link is what failed if it is gone now. */
static void fail_step(blec_client *c, blec_op *stage) {
  int s = stage->err.status;
  blec__mutex_lock(&c->lock);
  bool up = c->link_up;
  blec__mutex_unlock(&c->lock);
  if (!up || s == BLEC_ERR_NOT_CONNECTED || s == BLEC_ERR_DISCONNECTED) {
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link to %s was lost while connecting", c->address);
    end_connect(c, &e);
    return;
  }
  end_connect(c, &stage->err);
}

/* ---- step 1: find the address --------------------------------------------------------- */

static void found(blec_client *c, blec_op *stage) {
  int s = stage->err.status;
  if (s != BLEC_OK) {
    if (s == BLEC_ERR_DEVICE_NOT_FOUND) {
      blec_error e;
      blec__error_set(&e, s, "no device with address %s was found while scanning", c->address);
      end_connect(c, &e);
    } else {
      end_connect(c, &stage->err);
    }
    return;
  }
  blec_device *dev = stage->device;
  /* Where reports carry the packet's own type, a device that advertises only as not
   * connectable is refused now: a connect to it would wait out its whole timeout (as the
   * virtual backend's link refuses it, Windows would retry its GATT session till then). */
  const blec_adv *adv = blec_device_adv(dev);
  if ((c->ctx->caps & BLEC_CAP_RAW_ADVERTISING) && adv && !blec_adv_connectable(adv)) {
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "%s advertises as not connectable", c->address);
    end_connect(c, &e);
    return;
  }
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
    end_connect_status(c, r, "scanning for the device could not start");
    return;
  }
  set_stage(c, stage);
}

/* ---- step 2: the link -------------------------------------------------------------------- */

static void linked(blec_client *c, blec_op *stage) {
  int s = stage->err.status;
  if (s == BLEC_ERR_NOT_CONNECTED || s == BLEC_ERR_DISCONNECTED) { /* it came up, then dropped */
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link to %s was lost while connecting", c->address);
    end_connect(c, &e);
    return;
  }
  if (s != BLEC_OK) {
    end_connect(c, &stage->err);
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

static void step_link(blec_client *c) { start_step(c, BLEC__OP_CONNECT, false, request_connect); }

/* ---- step 3: pairing (optional) -------------------------------------------------------------- */

static void paired(blec_client *c, blec_op *stage) {
  if (stage->err.status != BLEC_OK) {
    fail_step(c, stage);
    return;
  }
  step_discover(c);
}

static int request_pair(blec_client *c, blec_op *op) {
  if (!(c->ctx->caps & BLEC_CAP_PAIRING)) return BLEC_ERR_NOT_SUPPORTED;
  return c->ctx->backend->pair(c, op, BLEC_PROTECTION_DEFAULT);
}

static void step_pair(blec_client *c) { start_step(c, BLEC__OP_PAIR, true, request_pair); }

/* ---- step 4: services ------------------------------------------------------------------------- */

static void discovered(blec_client *c, blec_op *stage) {
  const blec_error *e = &stage->err;
  if (e->status != BLEC_OK) {
    bool retry = e->gatt_status == BLEC_GATT_STATUS_UNREACHABLE && c->retries_left > 0;
    if (!retry) {
      fail_step(c, stage);
      return;
    }
    c->retries_left--;
    blec__log(c->ctx, BLEC_LOG_INFO, "service discovery on %s: Unreachable, retrying", c->address);
    /* A delay is an op that only a timer completes; its report starts the next try. */
    blec_op *delay = blec__op_new(c->ctx, BLEC__OP_GENERIC, NULL, NULL);
    if (!delay) {
      end_connect(c, e);
      return;
    }
    blec__op_ref(delay);
    set_stage(c, delay);
    if (blec__timers_add(&c->ctx->timers, delay, c->opts.retry_delay_ms) != BLEC_OK) blec__op_complete(delay, BLEC_OK);
    blec__op_unref(delay);
    return;
  }
  /* The attributes are ours now: the backend added them before completing the stage. */
  blec__gatt_tree *t = NULL;
  if (blec__gatt_tree_build(c, stage, c->opts.services, c->opts.nservices, &t) != BLEC_OK) {
    end_connect_status(c, BLEC_ERR_NO_MEMORY, "out of memory while building the services tree");
    return;
  }
  /* The same database keeps the same objects: a program's pointers never change across
   * reconnections to an unchanged device, and memory does not grow with them. A different
   * one replaces the current tree, which stays valid until the next connect call. */
  blec__mutex_lock(&c->lock);
  bool same = blec__gatt_tree_same(c->tree, t);
  blec__gatt_tree *drop = same ? t : c->retired;
  if (!same) {
    c->retired = c->tree;
    c->tree = t;
  }
  blec__mutex_unlock(&c->lock);
  blec__gatt_tree_unref(drop);
  blec_error ok;
  blec_error_clear(&ok);
  end_connect(c, &ok);
}

static int request_discover(blec_client *c, blec_op *op) {
  return c->ctx->backend->discover(c, op, c->opts.cache_mode);
}

static void step_discover(blec_client *c) { start_step(c, BLEC__OP_DISCOVER, true, request_discover); }

/* ---- starting and aborting ------------------------------------------------------------------- */

/* [strand] The connect op's first task. */
static void t_start(blec__task *t) {
  blec_op *op = CONTAINER(t, blec_op, task);
  blec_client *c = op->client;
  blec__mutex_lock(&c->lock);
  bool mine = c->connect_op == op;
  bool wait_close = mine && c->closing != NULL;
  if (wait_close) c->start_waiting = true; /* the previous link is still closing */
  bool scan = !c->device && c->opts.scan_first && (c->ctx->caps & BLEC_CAP_SCAN);
  blec__mutex_unlock(&c->lock);
  if (mine && !wait_close) {
    if (scan)
      step_find(c);
    else
      step_link(c);
  }
  blec__op_unref(op); /* the task's */
}

/* [strand] A cancel or timeout of the connect op. */
static void t_abort(blec__task *t) {
  blec_client *c = CONTAINER(t, blec_client, abort_task);
  blec__mutex_lock(&c->lock);
  c->abort_queued = false;
  int status = c->abort_status;
  char why[sizeof c->abort_why];
  memcpy(why, c->abort_why, sizeof why);
  bool running = c->connect_op != NULL;
  bool scanning = c->stage && c->stage->kind == BLEC__OP_FIND;
  blec__mutex_unlock(&c->lock);
  if (!running) return;
  blec_error e;
  if (status == BLEC_ERR_TIMEOUT && scanning) /* as bleak: the address was never seen */
    blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "no device with address %s was found within the timeout",
                    c->address);
  else
    blec__error_set(&e, status, "%s", why);
  end_connect(c, &e);
}

/* The connect op's on_cancel: the strand ends it (any thread). */
static bool connect_on_cancel(blec_op *op, int status, const char *why, void *arg) {
  blec_client *c = arg;
  blec__mutex_lock(&c->lock);
  bool queue = c->connect_op == op && !c->abort_queued;
  if (queue) {
    c->abort_queued = true;
    c->abort_status = status;
    snprintf(c->abort_why, sizeof c->abort_why, "%s",
             why ? why : status == BLEC_ERR_TIMEOUT ? "no connection within the timeout" : "the connection attempt was cancelled");
  }
  blec__mutex_unlock(&c->lock);
  if (queue) post(c, &c->abort_task, t_abort);
  /* Otherwise the strand is completing it already (or an abort is queued): it ends it. */
  return true;
}

static int connect_start(blec_client *c, int timeout_ms, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  bool scan = !c->device && c->opts.scan_first && (c->ctx->caps & BLEC_CAP_SCAN);
  if (!scan && !c->device && !(c->ctx->caps & BLEC_CAP_CONNECT_WITHOUT_SCAN))
    return BLEC_ERR_NOT_SUPPORTED; /* this backend must see the device advertise first */
  if (c->opts.cache_mode != BLEC_CACHE_DEFAULT && !(c->ctx->caps & BLEC_CAP_CACHE_MODE))
    return BLEC_ERR_NOT_SUPPORTED; /* the OS decides about its cache */
  blec_op *op = blec__op_new(c->ctx, BLEC__OP_CONNECT, cb, user);
  if (!op) return BLEC_ERR_NO_MEMORY;
  /* Complete before anyone can see it. */
  op->client = blec__client_ref(c);
  op->on_cancel = connect_on_cancel;
  op->on_cancel_arg = c;
  blec__mutex_lock(&c->lock);
  /* Connected already: a no-op that succeeds, as bleak's connect(); the completion still
   * comes through the dispatcher, never inside this call. */
  bool connected = !c->freed && !c->connect_op && c->state == BLEC__CONNECTED;
  bool busy = !connected && (c->freed || c->connect_op || c->state == BLEC__CONNECTING);
  blec__gatt_tree *retired = NULL;
  if (!busy && !connected) {
    c->state = BLEC__CONNECTING;
    c->connect_op = blec__op_ref(op);
    c->connects_started++;
    c->retries_left = c->opts.retry_count;
    retired = c->retired; /* objects of a replaced database live until this call */
    c->retired = NULL;
  }
  blec__mutex_unlock(&c->lock);
  blec__gatt_tree_unref(retired);
  if (busy) {
    blec__op_unref(op);
    return BLEC_ERR_BUSY;
  }
  if (connected) {
    blec__op_complete(op, BLEC_OK);
    return blec__op_launched(op, BLEC_OK, out);
  }
  if (blec__timers_add(&c->ctx->timers, op, timeout_ms) != BLEC_OK) {
    blec__op_ref(op); /* t_start's */
    post(c, &op->task, t_start);
    end_connect_status(c, BLEC_ERR_NO_MEMORY, "out of memory while connecting");
    return blec__op_launched(op, BLEC_OK, out);
  }
  blec__op_ref(op); /* t_start's */
  post(c, &op->task, t_start);
  return blec__op_launched(op, BLEC_OK, out);
}

int blec_client_connect_async(blec_client *c, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c) return BLEC_ERR_INVALID_ARG;
  return connect_start(c, c->opts.timeout_ms, cb, user, out);
}

int blec_client_connect(blec_client *c, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  if (!c) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "client is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  blec_op *op;
  int r = connect_start(c, timeout_ms >= 0 ? timeout_ms : c->opts.timeout_ms, NULL, NULL, &op);
  if (r != BLEC_OK) {
    bool cache = c->opts.cache_mode != BLEC_CACHE_DEFAULT && !(c->ctx->caps & BLEC_CAP_CACHE_MODE);
    blec__error_set(err, r, "%s",
                    r == BLEC_ERR_BUSY ? "a connect or a disconnection is in progress"
                    : r != BLEC_ERR_NOT_SUPPORTED ? blec_strerror(r)
                    : cache ? "this backend's OS decides about its attribute cache (cache modes need BLEC_CAP_CACHE_MODE)"
                            : "this backend must see the device advertise first (scan_first)");
    return r;
  }
  r = blec__op_wait_final(op, -1, err);
  blec__op_unref(op);
  return r;
}

/* ---- closing the link ------------------------------------------------------------------------ */

static void t_close_done(blec__task *t);

static void close_completed(blec_op *close, void *arg) {
  (void)close;
  blec_client *c = arg;
  post(c, &c->close_task, t_close_done);
  blec__client_unref(c);
}

/* [strand] The link goes down, whoever noticed: state, subscriptions, pending ops, one report. */
static void link_down(blec_client *c, blec_disconnect_reason reason) {
  blec__mutex_lock(&c->lock);
  bool was_up = c->link_up;
  bool report = c->visible;
  c->link_up = false;
  c->visible = false;
  if (!c->closing && !c->connect_op) c->state = BLEC__DISCONNECTED;
  blec__mutex_unlock(&c->lock);
  blec__client_end_subscriptions(c); /* no value of this link is delivered any more */
  if (!was_up) return;
  blec__log(c->ctx, BLEC_LOG_INFO, "%s disconnected (reason %d)", c->address, (int)reason);
  blec__client_fail_pending(c, BLEC_ERR_DISCONNECTED, "the link was lost during the operation");
  if (report) blec__client_report_disconnected(c, reason);
}

/* [strand] Starts closing the live link (none is closing). */
static void start_close(blec_client *c) {
  blec_op *close = blec__op_new(c->ctx, BLEC__OP_DISCONNECT, NULL, NULL);
  if (!close) {
    link_down(c, BLEC_DISCONNECT_REQUESTED); /* cannot even ask: treated as closed */
    return;
  }
  close->client = blec__client_ref(c);
  blec__mutex_lock(&c->lock);
  c->state = BLEC__DISCONNECTING;
  c->closing = blec__op_ref(close);
  blec__mutex_unlock(&c->lock);
  blec__client_fail_pending(c, BLEC_ERR_DISCONNECTED, "the link is being closed");
  blec__op_then(close, close_completed, blec__client_ref(c));
  /* Whatever the answer, the link is gone for us: a failed close still leaves us closed. */
  if (c->ctx->backend->disconnect(c, close) != BLEC_OK) blec__op_complete(close, BLEC_OK);
  blec__op_unref(close);
}

/* [strand] Completes every disconnect op that waited for the close. */
static void release_waiters(blec_client *c, int status, const char *why) {
  blec__mutex_lock(&c->lock);
  blec_op *w = c->close_waiters;
  c->close_waiters = NULL;
  blec__mutex_unlock(&c->lock);
  while (w) {
    blec_op *next = w->join_next;
    blec_error e;
    blec__error_set(&e, status, "%s", why);
    blec__op_complete_error(w, &e);
    blec__op_unref(w);
    w = next;
  }
}

/* [strand] A connect that waited for the previous link's close starts now. */
static void start_waiting_connect(blec_client *c) {
  blec__mutex_lock(&c->lock);
  bool start = c->start_waiting && c->connect_op;
  c->start_waiting = false;
  if (c->state == BLEC__DISCONNECTING) c->state = c->connect_op ? BLEC__CONNECTING : BLEC__DISCONNECTED;
  bool scan = !c->device && c->opts.scan_first && (c->ctx->caps & BLEC_CAP_SCAN);
  blec__mutex_unlock(&c->lock);
  if (!start) return;
  if (scan)
    step_find(c);
  else
    step_link(c);
}

/* [strand] The close ended. */
static void t_close_done(blec__task *t) {
  blec_client *c = CONTAINER(t, blec_client, close_task);
  blec__mutex_lock(&c->lock);
  blec_op *close = c->closing;
  c->closing = NULL;
  blec__mutex_unlock(&c->lock);
  if (!close) return; /* abandoned after a timeout (t_force did the rest) */
  link_down(c, BLEC_DISCONNECT_REQUESTED);
  /* Closed for us whatever the backend answered; its detail (e.g. that the OS keeps the
   * link for another program) goes to every waiter. */
  char detail[sizeof close->err.message] = "";
  blec__mutex_lock(&close->lock);
  if (close->done && close->err.status == BLEC_OK) snprintf(detail, sizeof detail, "%s", close->err.message);
  blec__mutex_unlock(&close->lock);
  blec__op_unref(close);
  release_waiters(c, BLEC_OK, detail);
  start_waiting_connect(c);
}

/* ---- disconnect ------------------------------------------------------------------------------ */

/* [strand] A disconnect op: ends a connect in progress, then joins or starts the close. */
static void t_disconnect(blec__task *t) {
  blec_op *op = CONTAINER(t, blec_op, task);
  blec_client *c = op->client;
  blec__mutex_lock(&c->lock);
  /* Only a connect the program began before it asked to disconnect: a connect asked after
   * a disconnect that timed out (its call returned) waits for the close instead. */
  bool connecting = c->connect_op != NULL && c->connects_started == op->connects_before;
  blec__mutex_unlock(&c->lock);
  if (connecting) end_connect_status(c, BLEC_ERR_CANCELLED, "disconnect requested while connecting");
  blec__mutex_lock(&c->lock);
  bool up = c->link_up;
  bool join = c->closing != NULL || up;
  if (join) { /* the close's end completes it */
    op->join_next = c->close_waiters;
    c->close_waiters = op; /* the task's reference moves to the list */
  }
  bool start = up && !c->closing;
  blec__mutex_unlock(&c->lock);
  if (start) start_close(c);
  if (!join) { /* already down: done */
    blec__op_complete(op, BLEC_OK);
    blec__op_unref(op);
  }
}

/* [strand] A disconnection that timed out: the link is abandoned as closed. */
static void t_force(blec__task *t) {
  blec_client *c = CONTAINER(t, blec_client, force_task);
  blec__mutex_lock(&c->lock);
  c->force_queued = false;
  blec_op *close = c->closing;
  c->closing = NULL;
  blec__mutex_unlock(&c->lock);
  if (!close) return;
  blec__log(c->ctx, BLEC_LOG_WARNING, "closing the link to %s did not end in time: it is treated as closed",
            c->address);
  blec__op_abort(close, BLEC_ERR_TIMEOUT, "abandoned");
  blec__op_unref(close);
  link_down(c, BLEC_DISCONNECT_REQUESTED);
  release_waiters(c, BLEC_ERR_TIMEOUT, "the link did not close in time; it is treated as closed");
  start_waiting_connect(c);
}

/* A blocking disconnect that times out abandons the close (the program stops waiting). */
static bool disconnect_on_cancel(blec_op *op, int status, const char *why, void *arg) {
  (void)op;
  (void)why;
  blec_client *c = arg;
  if (status != BLEC_ERR_TIMEOUT) return false;
  blec__mutex_lock(&c->lock);
  bool queue = !c->force_queued;
  c->force_queued = true;
  /* The call returns now, before the strand abandons the close: the program must already
   * see the link as going (a connect from here waits for t_force, as for any close). */
  if (c->state == BLEC__CONNECTED) c->state = BLEC__DISCONNECTING;
  blec__mutex_unlock(&c->lock);
  if (queue) post(c, &c->force_task, t_force);
  return false;
}

int blec_client_disconnect_async(blec_client *c, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c) return BLEC_ERR_INVALID_ARG;
  blec_op *op = blec__op_new(c->ctx, BLEC__OP_DISCONNECT, cb, user);
  if (!op) return BLEC_ERR_NO_MEMORY;
  op->client = blec__client_ref(c);
  op->on_cancel = disconnect_on_cancel;
  op->on_cancel_arg = c;
  blec__mutex_lock(&c->lock);
  op->connects_before = c->connects_started;
  blec__mutex_unlock(&c->lock);
  blec__op_ref(op); /* t_disconnect's */
  post(c, &op->task, t_disconnect);
  return blec__op_launched(op, BLEC_OK, out);
}

int blec_client_disconnect(blec_client *c, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  if (!c) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "client is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  blec_op *op;
  int r = blec_client_disconnect_async(c, NULL, NULL, &op);
  if (r != BLEC_OK) {
    blec__error_set(err, r, "the disconnection could not start");
    return r;
  }
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}

/* ---- link loss -------------------------------------------------------------------------------- */

/* [strand] The backend reported the link down. */
static void t_down(blec__task *t) {
  blec_client *c = CONTAINER(t, blec_client, down_task);
  blec__mutex_lock(&c->lock);
  c->down_queued = false;
  blec_disconnect_reason reason = c->down_reason;
  bool up = c->link_up;
  bool connecting = c->connect_op != NULL;
  blec__mutex_unlock(&c->lock);
  if (!up) return; /* a link that never came up fails its own step */
  if (connecting) {
    blec__mutex_lock(&c->lock);
    c->link_up = false;
    blec__mutex_unlock(&c->lock);
    blec__client_fail_pending(c, BLEC_ERR_DISCONNECTED, "the link was lost during the operation");
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link to %s was lost while connecting", c->address);
    end_connect(c, &e);
    return;
  }
  link_down(c, reason);
}

void blec__client_disconnected(blec_client *c, blec_disconnect_reason reason) {
  blec__client_ref(c);
  blec__mutex_lock(&c->lock);
  bool queue = !c->down_queued;
  if (queue) {
    c->down_queued = true;
    c->down_reason = reason;
  }
  blec__mutex_unlock(&c->lock);
  if (queue) post(c, &c->down_task, t_down);
  blec__client_unref(c);
}
