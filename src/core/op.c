/* SPDX-License-Identifier: MIT */
/*
 * op.c — operations: the asynchronous form of every waiting call and the one path the
 * blocking forms wait on. An op completes exactly once (first completion wins: result,
 * cancellation, timeout or lost link). Completion wakes blocking waiters directly and
 * posts the user callback to the dispatcher, so waiting never depends on the dispatcher.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

blec_op *blec__op_new(blec_ctx *ctx, blec__op_kind kind, blec_op_cb cb, void *user) {
  blec_op *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  if (blec__mutex_init(&op->lock) != BLEC_OK) {
    free(op);
    return NULL;
  }
  if (blec__cond_init(&op->cond) != BLEC_OK) {
    blec__mutex_destroy(&op->lock);
    free(op);
    return NULL;
  }
  atomic_init(&op->refs, 1);
  atomic_init(&op->backend_data, 0);
  op->ctx = ctx;
  op->kind = kind;
  op->cb = cb;
  op->user = user;
  op->launch = BLEC__LAUNCH_PENDING;
  blec_error_clear(&op->err);
  op->err.status = BLEC_ERR_BUSY;
  return op;
}

blec_op *blec__op_ref(blec_op *op) {
  atomic_fetch_add(&op->refs, 1);
  return op;
}

void blec__op_unref(blec_op *op) {
  if (!op || atomic_fetch_sub(&op->refs, 1) != 1) return;
  free(op->data);
  if (op->device) blec_device_unref(op->device);
  if (op->devices) blec_device_list_free(op->devices, op->ndevices);
  if (op->client) blec__client_unref(op->client);
  if (op->build) blec__gatt_build_free(op->build);
  if (op->on_free) op->on_free(op->on_free_arg);
  blec__cond_destroy(&op->cond);
  blec__mutex_destroy(&op->lock);
  free(op);
}

void blec_op_free(blec_op *op) { blec__op_unref(op); }

/* A further continuation of an op (the first one is stored inline). */
typedef struct blec__cont {
  struct blec__cont *next;
  void (*fn)(blec_op *op, void *arg);
  void *arg;
} blec__cont;

/* The user completion: the event embedded in the op, holding a reference while queued. */
static blec_op *op_of_event(blec__event *ev) { return (blec_op *)((char *)ev - offsetof(blec_op, ev)); }

static void op_event_run(blec__event *ev) {
  blec_op *op = op_of_event(ev);
  op->cb(op, op->user);
  blec__op_unref(op);
}

static void op_event_drop(blec__event *ev) { blec__op_unref(op_of_event(ev)); }

static void queue_callback_locked(blec_op *op) {
  op->ev.run = op_event_run;
  op->ev.drop = op_event_drop;
  blec__op_ref(op); /* the queued event's */
  blec__dispatcher_post(&op->ctx->dispatcher, &op->ev);
}

/* Queues the completion callback, or holds it while the starting call has not answered.
 * Called with op->lock held, once the op settled: a waiter that returns has seen the
 * callback queued (the context it goes to may be freed right after). */
static void post_completion_locked(blec_op *op) {
  if (!op->cb) return;
  if (op->launch == BLEC__LAUNCH_PENDING) {
    op->cb_held = true;
    return;
  }
  if (op->launch == BLEC__LAUNCH_ACCEPTED) queue_callback_locked(op);
}

/* Removes op from its client's pending list (the op keeps its client reference). */
static void untrack(blec_op *op) {
  blec_client *c = op->client;
  if (!c) return;
  blec__mutex_lock(&c->lock);
  if (op->in_client_list) {
    for (blec_op **pp = &c->pending; *pp; pp = &(*pp)->client_next) {
      if (*pp == op) {
        *pp = op->client_next;
        break;
      }
    }
    op->in_client_list = false;
    blec__mutex_unlock(&c->lock);
    blec__op_unref(op); /* the list's reference */
    return;
  }
  blec__mutex_unlock(&c->lock);
}

/* Final step once the result is stored (called with op->lock held): timer, pending
 * list, internal hooks — then waiters are released and the user callback posted, so
 * whoever sees the op complete also sees its effects (a disconnect's closed state). */
static void finish(blec_op *op, bool cancel_backend) {
  blec__op_ref(op);
  bool timer = op->timer_armed;
  blec__mutex_unlock(&op->lock);
  if (timer) blec__timers_remove(&op->ctx->timers, op);
  untrack(op);
  if (op->on_done) op->on_done(op, op->on_done_arg);
  /* An aborted request is withdrawn from the backend before anyone sees the op settle:
   * once a waiter returns, the program may free the client the backend works for. */
  if (cancel_backend && op->ctx->backend->cancel && op->client) op->ctx->backend->cancel(op);
  /* Continuations, including any added while these run, then settle. */
  blec__mutex_lock(&op->lock);
  while (op->then || op->more_then) {
    void (*then)(blec_op *, void *) = op->then;
    void *then_arg = op->then_arg;
    blec__cont *more = op->more_then;
    op->then = NULL;
    op->more_then = NULL;
    blec__mutex_unlock(&op->lock);
    if (then) then(op, then_arg);
    while (more) {
      blec__cont *next = more->next;
      more->fn(op, more->arg);
      free(more);
      more = next;
    }
    blec__mutex_lock(&op->lock);
  }
  op->settled = true;
  post_completion_locked(op);
  blec__cond_broadcast(&op->cond);
  blec__mutex_unlock(&op->lock);
  blec__op_unref(op);
}

bool blec__op_complete_error(blec_op *op, const blec_error *err) {
  blec__mutex_lock(&op->lock);
  if (op->done) {
    blec__mutex_unlock(&op->lock);
    return false;
  }
  op->done = true;
  op->err = *err;
  finish(op, false);
  return true;
}

bool blec__op_complete(blec_op *op, int status) {
  blec_error e;
  blec_error_clear(&e);
  e.status = status;
  return blec__op_complete_error(op, &e);
}

bool blec__op_complete_data(blec_op *op, const uint8_t *data, size_t len) {
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return blec__op_complete(op, BLEC_ERR_NO_MEMORY);
  if (len) memcpy(copy, data, len);
  blec__mutex_lock(&op->lock);
  if (op->done) {
    blec__mutex_unlock(&op->lock);
    free(copy);
    return false;
  }
  op->done = true;
  blec_error_clear(&op->err);
  op->data = copy;
  op->len = len;
  finish(op, false);
  return true;
}

bool blec__op_complete_att(blec_op *op, int att_error) {
  blec_error e;
  blec_error_clear(&e);
  e.status = BLEC_ERR_ATT;
  e.att_error = att_error;
  e.gatt_status = BLEC_GATT_STATUS_PROTOCOL_ERROR;
  const char *name = blec_att_error_name(att_error);
  if (name)
    snprintf(e.message, sizeof e.message, "the peripheral answered %s", name);
  else
    snprintf(e.message, sizeof e.message, "the peripheral answered ATT error 0x%02X", (unsigned)att_error);
  return blec__op_complete_error(op, &e);
}

bool blec__op_abort(blec_op *op, int status, const char *why) {
  blec__mutex_lock(&op->lock);
  bool running = !op->done && !op->aborting;
  if (running && op->on_cancel) op->aborting = true; /* one abort at a time goes through on_cancel */
  blec__mutex_unlock(&op->lock);
  if (!running) return false;
  if (op->on_cancel && op->on_cancel(op, status, why, op->on_cancel_arg)) return true;
  blec__mutex_lock(&op->lock);
  if (op->done) { /* the backend completed it first */
    blec__mutex_unlock(&op->lock);
    return false;
  }
  op->done = true;
  blec_error_clear(&op->err);
  op->err.status = status;
  if (why) snprintf(op->err.message, sizeof op->err.message, "%s", why);
  finish(op, true);
  return true;
}

bool blec__op_complete_device(blec_op *op, blec_device *dev) {
  blec__mutex_lock(&op->lock);
  if (op->done) {
    blec__mutex_unlock(&op->lock);
    return false;
  }
  op->done = true;
  blec_error_clear(&op->err);
  op->device = blec_device_ref(dev);
  finish(op, false);
  return true;
}

bool blec__op_complete_devices(blec_op *op, blec_device **list, size_t count) {
  blec__mutex_lock(&op->lock);
  if (op->done) {
    blec__mutex_unlock(&op->lock);
    blec_device_list_free(list, count);
    return false;
  }
  op->done = true;
  blec_error_clear(&op->err);
  op->devices = list;
  op->ndevices = count;
  finish(op, false);
  return true;
}

bool blec__op_is_done(const blec_op *op) {
  blec_op *m = (blec_op *)op;
  blec__mutex_lock(&m->lock);
  bool d = m->done;
  blec__mutex_unlock(&m->lock);
  return d;
}

void blec__op_then(blec_op *op, void (*fn)(blec_op *op, void *arg), void *arg) {
  blec__mutex_lock(&op->lock);
  if (op->settled) {
    blec__mutex_unlock(&op->lock);
    fn(op, arg);
    return;
  }
  if (!op->then) {
    op->then = fn;
    op->then_arg = arg;
  } else {
    blec__cont *k = malloc(sizeof *k);
    if (!k) {
      blec__mutex_unlock(&op->lock);
      blec__log(op->ctx, BLEC_LOG_ERROR, "out of memory: a continuation runs early");
      fn(op, arg);
      return;
    }
    k->fn = fn;
    k->arg = arg;
    k->next = NULL;
    blec__cont **pp = &op->more_then;
    while (*pp) pp = &(*pp)->next;
    *pp = k;
  }
  blec__mutex_unlock(&op->lock);
}

void blec__op_set_backend_data(blec_op *op, int64_t v) { atomic_store(&op->backend_data, v); }
int64_t blec__op_backend_data(const blec_op *op) { return atomic_load(&((blec_op *)op)->backend_data); }
blec_client *blec__op_client(const blec_op *op) { return op->client; }

int blec__op_launched(blec_op *op, int r, blec_op **out) {
  blec__op_ref(op); /* this call's own: a queued callback may free the caller's at once */
  /* The program's pointer is set before its callback can run, which may read it. */
  if (out) *out = r == BLEC_OK ? op : NULL;
  blec__mutex_lock(&op->lock);
  op->launch = r == BLEC_OK ? BLEC__LAUNCH_ACCEPTED : BLEC__LAUNCH_REFUSED;
  bool post = op->cb_held && r == BLEC_OK;
  op->cb_held = false;
  if (post) queue_callback_locked(op);
  blec__mutex_unlock(&op->lock);
  if (r != BLEC_OK) {
    blec_error e;
    blec__error_set(&e, r, "the request was refused: %s", blec_strerror(r));
    blec__op_complete_error(op, &e); /* no-op when a lost link completed it first */
  }
  if (r != BLEC_OK || !out) blec__op_unref(op); /* the caller's reference */
  blec__op_unref(op);
  return r;
}

int blec__op_wait_final(blec_op *op, int timeout_ms, blec_error *err) {
  int s = blec_op_wait(op, timeout_ms);
  if (s == BLEC_ERR_TIMEOUT && !blec__op_is_done(op))
    blec__op_abort(op, BLEC_ERR_TIMEOUT, "no result within the timeout");
  blec__mutex_lock(&op->lock);
  while (!op->settled) blec__cond_wait(&op->cond, &op->lock);
  if (err) *err = op->err;
  s = op->err.status;
  blec__mutex_unlock(&op->lock);
  return s;
}

/* ---- public ------------------------------------------------------------------------- */

int blec_op_cancel(blec_op *op) {
  if (!op) return BLEC_ERR_INVALID_ARG;
  return blec__op_abort(op, BLEC_ERR_CANCELLED, "cancelled by the program") ? BLEC_OK : BLEC_ERR_STATE;
}

int blec_op_wait(blec_op *op, int timeout_ms) {
  if (!op) return BLEC_ERR_INVALID_ARG;
  uint64_t deadline = timeout_ms > 0 ? blec__now_us() + (uint64_t)timeout_ms * 1000u : 0;
  blec__mutex_lock(&op->lock);
  while (!op->settled) {
    if (timeout_ms == 0) break;
    int64_t left = -1;
    if (timeout_ms > 0) {
      uint64_t now = blec__now_us();
      if (now >= deadline) break;
      left = (int64_t)((deadline - now + 999) / 1000);
    }
    blec__cond_timedwait(&op->cond, &op->lock, left);
  }
  int s = op->settled ? op->err.status : BLEC_ERR_TIMEOUT;
  blec__mutex_unlock(&op->lock);
  return s;
}

static bool settled(const blec_op *op) {
  blec_op *m = (blec_op *)op;
  blec__mutex_lock(&m->lock);
  bool r = m->settled;
  blec__mutex_unlock(&m->lock);
  return r;
}

bool blec_op_done(const blec_op *op) { return op && settled(op); }

int blec_op_status(const blec_op *op) {
  if (!op) return BLEC_ERR_INVALID_ARG;
  blec_op *m = (blec_op *)op;
  blec__mutex_lock(&m->lock);
  int s = m->settled ? m->err.status : BLEC_ERR_BUSY;
  blec__mutex_unlock(&m->lock);
  return s;
}

const blec_error *blec_op_error(const blec_op *op) {
  if (!op) return NULL;
  return settled(op) ? &op->err : NULL;
}

const uint8_t *blec_op_data(const blec_op *op, size_t *len) {
  if (len) *len = 0;
  if (!op || !settled(op) || !op->data) return NULL;
  if (len) *len = op->len;
  return op->data;
}

blec_device *blec_op_device(const blec_op *op) {
  if (!op || !settled(op)) return NULL;
  return op->device;
}

blec_device *const *blec_op_devices(const blec_op *op, size_t *count) {
  if (count) *count = 0;
  if (!op || !settled(op)) return NULL;
  if (count) *count = op->ndevices;
  return op->devices;
}
