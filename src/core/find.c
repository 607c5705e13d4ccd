/* SPDX-License-Identifier: MIT */
/*
 * find.c — one-shot scans: discover for a while, or find one device and return as soon
 * as it is seen. Each runs an internal scanner whose reports are examined on the backend
 * thread (the "tap"), so a blocking find works from any thread, callbacks included.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* Lives as long as its op (freed by the op's on_free), so taps and hooks may use it
 * until the op itself goes. */
typedef struct find_state {
  blec_op *op;             /* borrowed: the state dies with it */
  blec_scanner *scanner;   /* internal */
  blec__mutex lock;
  bool released;
  blec_device_predicate pred;
  void *pred_user;
  char address[BLEC_ADDR_STRLEN]; /* by-address finds */
  char *name;                     /* by-name finds */
} find_state;

static void state_free(void *arg) {
  find_state *st = arg;
  blec__mutex_destroy(&st->lock);
  free(st->name);
  free(st);
}

/* Stops the scanner once; called when the op completes (from any thread). */
static void release_scanner(find_state *st) {
  blec__mutex_lock(&st->lock);
  blec_scanner *s = st->released ? NULL : st->scanner;
  st->released = true;
  blec__mutex_unlock(&st->lock);
  if (s) blec__scanner_release(s);
}

static void on_done(blec_op *op, void *arg) {
  release_scanner(arg);
  blec__op_unref(op); /* the running scan's reference, taken in start() */
}

static void on_stopped(blec_scanner *s, const blec_error *err, void *arg) {
  (void)s;
  find_state *st = arg;
  blec__op_complete_error(st->op, err);
}

static void find_tap(blec_scanner *s, blec_device *dev, void *arg) {
  (void)s;
  find_state *st = arg;
  bool match;
  if (st->pred)
    match = st->pred(dev, dev->adv, st->pred_user);
  else if (st->name) {
    const char *n = blec_device_name(dev);
    match = n && strcmp(n, st->name) == 0;
  } else
    match = strcmp(dev->address, st->address) == 0;
  if (match) blec__op_complete_device(st->op, dev);
}

static void find_on_cancel(blec_op *op, int status, void *arg) {
  (void)arg;
  if (status == BLEC_ERR_TIMEOUT) {
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "no matching device was seen within the timeout");
    blec__op_complete_error(op, &e);
  }
}

static void discover_on_cancel(blec_op *op, int status, void *arg) {
  find_state *st = arg;
  if (status != BLEC_ERR_TIMEOUT) return;
  /* The scan's duration is over: the result is everything seen. */
  blec_device **list = NULL;
  size_t n = 0;
  if (blec_scanner_devices(st->scanner, &list, &n) == BLEC_OK) blec__op_complete_devices(op, list, n);
}

/* Starts an internal scan feeding `st`; completes the op with the start error on failure. */
static int start(blec_ctx *ctx, const blec_scan_options *opts, find_state *st, bool discover, int timeout_ms,
                 blec_op **out) {
  blec_op *op = st->op;
  st->scanner = blec__scanner_new_internal(ctx, opts, discover ? NULL : find_tap, on_stopped, st);
  if (!st->scanner) {
    blec__op_unref(op); /* frees st too */
    return BLEC_ERR_NO_MEMORY;
  }
  blec__op_ref(op); /* held while the scan runs; on_done drops it */
  op->on_cancel = discover ? discover_on_cancel : find_on_cancel;
  op->on_cancel_arg = st;
  op->on_done = on_done;
  op->on_done_arg = st;
  blec_error err;
  int r = blec_scanner_start(st->scanner, &err);
  if (r != BLEC_OK) {
    blec__op_complete_error(op, &err);
  } else if (blec__timers_add(&ctx->timers, op, timeout_ms < 0 ? -1 : timeout_ms) != BLEC_OK) {
    blec__op_complete(op, BLEC_ERR_NO_MEMORY);
  }
  blec__op_give(op, out);
  return BLEC_OK;
}

static find_state *state_new(blec_ctx *ctx, blec__op_kind kind, blec_op_cb cb, void *user) {
  find_state *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  if (blec__mutex_init(&st->lock) != BLEC_OK) {
    free(st);
    return NULL;
  }
  st->op = blec__op_new(ctx, kind, cb, user);
  if (!st->op) {
    state_free(st);
    return NULL;
  }
  st->op->on_free = state_free;
  st->op->on_free_arg = st;
  return st;
}

static int check_ctx(blec_ctx *ctx) {
  if (!ctx) return BLEC_ERR_INVALID_ARG;
  if (!(ctx->caps & BLEC_CAP_SCAN)) return BLEC_ERR_NOT_SUPPORTED;
  return BLEC_OK;
}

int blec_discover_async(blec_ctx *ctx, const blec_scan_options *opts, int timeout_ms, blec_op_cb cb,
                        void *user, blec_op **op) {
  if (op) *op = NULL;
  int r = check_ctx(ctx);
  if (r != BLEC_OK) return r;
  if (timeout_ms < 0) return BLEC_ERR_INVALID_ARG; /* a discover must end */
  find_state *st = state_new(ctx, BLEC__OP_DISCOVER, cb, user);
  if (!st) return BLEC_ERR_NO_MEMORY;
  return start(ctx, opts, st, true, timeout_ms, op);
}

int blec_find_device_async(blec_ctx *ctx, const blec_scan_options *opts, blec_device_predicate pred,
                           void *pred_user, int timeout_ms, blec_op_cb cb, void *user, blec_op **op) {
  if (op) *op = NULL;
  int r = check_ctx(ctx);
  if (r != BLEC_OK) return r;
  if (!pred) return BLEC_ERR_INVALID_ARG;
  find_state *st = state_new(ctx, BLEC__OP_FIND, cb, user);
  if (!st) return BLEC_ERR_NO_MEMORY;
  st->pred = pred;
  st->pred_user = pred_user;
  return start(ctx, opts, st, false, timeout_ms, op);
}

/* Used by blocking finds and by the client's connect-by-address. */
int blec__find_by_address_async(blec_ctx *ctx, const char *address, int timeout_ms, blec_op_cb cb, void *user,
                                blec_op **op) {
  if (op) *op = NULL;
  int r = check_ctx(ctx);
  if (r != BLEC_OK) return r;
  char norm[BLEC_ADDR_STRLEN];
  if (blec__address_normalize(address, norm) != BLEC_OK) return BLEC_ERR_INVALID_ARG;
  find_state *st = state_new(ctx, BLEC__OP_FIND, cb, user);
  if (!st) return BLEC_ERR_NO_MEMORY;
  memcpy(st->address, norm, sizeof norm);
  return start(ctx, NULL, st, false, timeout_ms, op);
}

static int wait_device(blec_op *op, blec_device **out, blec_error *err) {
  int r = blec__op_wait_final(op, -1, err);
  if (r == BLEC_OK) *out = blec_device_ref(op->device);
  blec__op_unref(op);
  return r;
}

int blec_discover(blec_ctx *ctx, const blec_scan_options *opts, int timeout_ms, blec_device ***list,
                  size_t *count, blec_error *err) {
  blec_error_clear(err);
  if (!list || !count) return BLEC_ERR_INVALID_ARG;
  *list = NULL;
  *count = 0;
  blec_op *op;
  int r = blec_discover_async(ctx, opts, timeout_ms, NULL, NULL, &op);
  if (r != BLEC_OK) return r;
  r = blec__op_wait_final(op, -1, err);
  if (r == BLEC_OK) {
    /* Hand the list over: the op gives up its ownership. */
    *list = op->devices;
    *count = op->ndevices;
    op->devices = NULL;
    op->ndevices = 0;
  }
  blec__op_unref(op);
  return r;
}

int blec_find_device(blec_ctx *ctx, const blec_scan_options *opts, blec_device_predicate pred, void *pred_user,
                     int timeout_ms, blec_device **out, blec_error *err) {
  blec_error_clear(err);
  if (!out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  blec_op *op;
  int r = blec_find_device_async(ctx, opts, pred, pred_user, timeout_ms, NULL, NULL, &op);
  if (r != BLEC_OK) return r;
  return wait_device(op, out, err);
}

int blec_find_device_by_address(blec_ctx *ctx, const char *address, int timeout_ms, blec_device **out,
                                blec_error *err) {
  blec_error_clear(err);
  if (!out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  blec_op *op;
  int r = blec__find_by_address_async(ctx, address, timeout_ms, NULL, NULL, &op);
  if (r != BLEC_OK) return r;
  return wait_device(op, out, err);
}

static bool name_pred(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)dev;
  const char *n = blec_adv_local_name(adv);
  return n && strcmp(n, (const char *)user) == 0;
}

int blec_find_device_by_name(blec_ctx *ctx, const char *name, int timeout_ms, blec_device **out,
                             blec_error *err) {
  blec_error_clear(err);
  if (!out || !name) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  blec_op *op;
  int r = blec_find_device_async(ctx, NULL, name_pred, (void *)name, timeout_ms, NULL, NULL, &op);
  if (r != BLEC_OK) return r;
  return wait_device(op, out, err);
}
