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
  struct find_state *next; /* in ctx->finds while the scan runs */
  bool listed;             /* under ctx->lock */
  blec_op *op;             /* borrowed: the state dies with it */
  blec_scanner *scanner;   /* internal */
  blec__mutex lock;
  bool released;
  blec_device_predicate pred;
  void *pred_user;
  char address[BLEC_ADDR_STRLEN]; /* by-address finds */
  char *name;                     /* by-name finds */
  /* Finds in active mode wait for the scan response of a scannable device that matches
   * (bleak's Windows backend reports such a device only with it), so the device found
   * carries its whole data: the device seen so far, and how many advertising events came
   * without one. Under lock. */
  bool want_scan_response;
  blec_device *candidate;
  int events_without_response;
} find_state;

/* Advertising events without a scan response after which a by-address find stops
 * waiting for one (a scan request can go unanswered; a device may send none). */
enum { SCAN_RESPONSE_PATIENCE = 3 };

static void state_free(void *arg) {
  find_state *st = arg;
  blec_device_unref(st->candidate);
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

/* The context knows its running finds: blec_ctx_free ends them before it goes. */
static void list_add(blec_ctx *ctx, find_state *st) {
  blec__mutex_lock(&ctx->lock);
  st->next = ctx->finds;
  ctx->finds = st;
  st->listed = true;
  blec__mutex_unlock(&ctx->lock);
}

static void list_remove(blec_ctx *ctx, find_state *st) {
  blec__mutex_lock(&ctx->lock);
  for (find_state **pp = &ctx->finds; st->listed && *pp; pp = &(*pp)->next) {
    if (*pp == st) {
      *pp = st->next;
      st->listed = false;
      break;
    }
  }
  blec__mutex_unlock(&ctx->lock);
}

static void on_done(blec_op *op, void *arg) {
  find_state *st = arg;
  list_remove(op->ctx, st);
  release_scanner(st);
  blec__op_unref(op); /* the running scan's reference, taken in start() */
}

void blec__find_end_all(blec_ctx *ctx) {
  for (;;) {
    blec__mutex_lock(&ctx->lock);
    blec_op *op = ctx->finds ? blec__op_ref(ctx->finds->op) : NULL;
    blec__mutex_unlock(&ctx->lock);
    if (!op) return;
    blec__op_abort(op, BLEC_ERR_CANCELLED, "the context was freed");
    blec__op_wait_final(op, -1, NULL); /* settled: on_done took it off the list */
    blec__op_unref(op);
  }
}

static void on_stopped(blec_scanner *s, const blec_error *err, void *arg) {
  (void)s;
  find_state *st = arg;
  blec__op_complete_error(st->op, err);
}

/* Whether the merged data holds the scan response of a scannable advertisement (or the
 * advertisement is not scannable, so none will come). */
static bool has_scan_response(const blec_adv *adv) {
  blec_adv_type t = blec_adv_last_type(adv);
  if (t != BLEC_ADV_IND && t != BLEC_ADV_SCAN_IND) return true;
  size_t len = 0;
  return blec_adv_payload(adv, true, &len) != NULL;
}

static void find_tap(blec_scanner *s, blec_device *dev, void *arg) {
  (void)s;
  find_state *st = arg;
  bool match;
  if (st->pred)
    match = st->pred(dev, dev->adv, st->pred_user);
  else if (st->name) {
    const char *n = blec_adv_local_name(dev->adv);
    match = n && strcmp(n, st->name) == 0;
  } else
    match = strcmp(dev->address, st->address) == 0;
  if (match && st->want_scan_response && !has_scan_response(dev->adv)) {
    blec__mutex_lock(&st->lock);
    blec_device *old = st->candidate;
    st->candidate = blec_device_ref(dev);
    match = ++st->events_without_response > SCAN_RESPONSE_PATIENCE;
    blec__mutex_unlock(&st->lock);
    blec_device_unref(old);
  }
  if (match) blec__op_complete_device(st->op, dev);
}

static bool find_on_cancel(blec_op *op, int status, const char *why, void *arg) {
  (void)why;
  find_state *st = arg;
  if (status != BLEC_ERR_TIMEOUT) return false;
  blec__mutex_lock(&st->lock);
  blec_device *candidate = blec_device_ref(st->candidate);
  blec__mutex_unlock(&st->lock);
  if (candidate) {
    /* Seen, but its scan response never came within the time: the device as seen. */
    blec__op_complete_device(op, candidate);
    blec_device_unref(candidate);
    return true;
  }
  blec_error e;
  blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "no matching device was seen within the timeout");
  blec__op_complete_error(op, &e);
  return true;
}

static bool discover_on_cancel(blec_op *op, int status, const char *why, void *arg) {
  (void)why;
  find_state *st = arg;
  if (status != BLEC_ERR_TIMEOUT) return false;
  /* The scan's duration is over: the result is everything seen. */
  blec_device **list = NULL;
  size_t n = 0;
  if (blec_scanner_devices(st->scanner, &list, &n) != BLEC_OK) return false;
  blec__op_complete_devices(op, list, n);
  return true;
}

/* Starts an internal scan feeding `st`; completes the op with the start error on failure. */
static int start(blec_ctx *ctx, const blec_scan_options *opts, find_state *st, bool discover, int timeout_ms,
                 blec_op **out) {
  blec_op *op = st->op;
  st->want_scan_response = !discover && (!opts || opts->mode == BLEC_SCAN_ACTIVE);
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
  list_add(ctx, st);
  blec_error err;
  int r = blec_scanner_start(st->scanner, &err);
  if (r != BLEC_OK) {
    blec__op_complete_error(op, &err);
  } else if (blec__timers_add(&ctx->timers, op, timeout_ms < 0 ? -1 : timeout_ms) != BLEC_OK) {
    blec__op_complete(op, BLEC_ERR_NO_MEMORY);
  }
  return blec__op_launched(op, BLEC_OK, out);
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

static int refuse(blec_error *err, int status, const char *what) {
  blec__error_set(err, status, "%s", what);
  return status;
}

/* Why a find or discover cannot start: a status with its sentence in err (NULL ok). */
static int check_ctx(blec_ctx *ctx, blec_error *err) {
  if (!ctx) return refuse(err, BLEC_ERR_INVALID_ARG, "ctx is NULL");
  if (!(ctx->caps & BLEC_CAP_SCAN)) return refuse(err, BLEC_ERR_NOT_SUPPORTED, "the backend cannot scan");
  return BLEC_OK;
}

/* What a find looks for: exactly one of a predicate, an address or a name. */
typedef struct find_target {
  blec_device_predicate pred;
  void *pred_user;
  const char *address;
  const char *name;
} find_target;

static int find_start(blec_ctx *ctx, const blec_scan_options *opts, const find_target *t, int timeout_ms,
                      blec_op_cb cb, void *user, blec_op **op, blec_error *err) {
  if (op) *op = NULL;
  int r = check_ctx(ctx, err);
  if (r != BLEC_OK) return r;
  char norm[BLEC_ADDR_STRLEN];
  if (t->address && blec__address_normalize(t->address, norm) != BLEC_OK)
    return refuse(err, BLEC_ERR_INVALID_ARG, "the address is not of the form AA:BB:CC:DD:EE:FF");
  if (!t->pred && !t->address && !t->name)
    return refuse(err, BLEC_ERR_INVALID_ARG, "a predicate, an address or a name is required");
  find_state *st = state_new(ctx, BLEC__OP_FIND, cb, user);
  if (!st) return refuse(err, BLEC_ERR_NO_MEMORY, "no memory for the find");
  st->pred = t->pred;
  st->pred_user = t->pred_user;
  if (t->address) memcpy(st->address, norm, sizeof norm);
  if (t->name && !(st->name = blec__strdup(t->name))) {
    blec__op_unref(st->op); /* frees st */
    return refuse(err, BLEC_ERR_NO_MEMORY, "no memory for the find");
  }
  return start(ctx, opts, st, false, timeout_ms, op);
}

static int discover_start(blec_ctx *ctx, const blec_scan_options *opts, int duration_ms, blec_op_cb cb, void *user,
                          blec_op **op, blec_error *err) {
  if (op) *op = NULL;
  int r = check_ctx(ctx, err);
  if (r != BLEC_OK) return r;
  if (duration_ms < 0) /* a scan length, not a timeout: it must end */
    return refuse(err, BLEC_ERR_INVALID_ARG, "a discover's duration must not be negative");
  find_state *st = state_new(ctx, BLEC__OP_DISCOVER, cb, user);
  if (!st) return refuse(err, BLEC_ERR_NO_MEMORY, "no memory for the discover");
  return start(ctx, opts, st, true, duration_ms, op);
}

int blec_discover_async(blec_ctx *ctx, const blec_scan_options *opts, int duration_ms, blec_op_cb cb,
                        void *user, blec_op **op) {
  return discover_start(ctx, opts, duration_ms, cb, user, op, NULL);
}

int blec_find_device_async(blec_ctx *ctx, const blec_scan_options *opts, blec_device_predicate pred,
                           void *pred_user, int timeout_ms, blec_op_cb cb, void *user, blec_op **op) {
  if (op) *op = NULL;
  if (!pred) return BLEC_ERR_INVALID_ARG;
  find_target t = {pred, pred_user, NULL, NULL};
  return find_start(ctx, opts, &t, timeout_ms, cb, user, op, NULL);
}

int blec_find_device_by_address_async(blec_ctx *ctx, const blec_scan_options *opts, const char *address,
                                      int timeout_ms, blec_op_cb cb, void *user, blec_op **op) {
  if (op) *op = NULL;
  if (!address) return BLEC_ERR_INVALID_ARG;
  find_target t = {NULL, NULL, address, NULL};
  return find_start(ctx, opts, &t, timeout_ms, cb, user, op, NULL);
}

int blec_find_device_by_name_async(blec_ctx *ctx, const blec_scan_options *opts, const char *name, int timeout_ms,
                                   blec_op_cb cb, void *user, blec_op **op) {
  if (op) *op = NULL;
  if (!name) return BLEC_ERR_INVALID_ARG;
  find_target t = {NULL, NULL, NULL, name};
  return find_start(ctx, opts, &t, timeout_ms, cb, user, op, NULL);
}

/* Used by the client's connect-by-address. */
int blec__find_by_address_async(blec_ctx *ctx, const char *address, int timeout_ms, blec_op_cb cb, void *user,
                                blec_op **op) {
  return blec_find_device_by_address_async(ctx, NULL, address, timeout_ms, cb, user, op);
}

static int wait_device(blec_op *op, blec_device **out, blec_error *err) {
  int r = blec__op_wait_final(op, -1, err);
  if (r == BLEC_OK) *out = blec_device_ref(op->device);
  blec__op_unref(op);
  return r;
}

int blec_discover(blec_ctx *ctx, const blec_scan_options *opts, int duration_ms, blec_device ***list,
                  size_t *count, blec_error *err) {
  blec_error_clear(err);
  if (!list || !count) return refuse(err, BLEC_ERR_INVALID_ARG, "list and count are required");
  *list = NULL;
  *count = 0;
  blec_op *op;
  int r = discover_start(ctx, opts, duration_ms, NULL, NULL, &op, err);
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

/* The blocking finds: the find's op, waited for. */
static int find_blocking(blec_ctx *ctx, const blec_scan_options *opts, const find_target *t, int timeout_ms,
                         blec_device **out, blec_error *err) {
  blec_error_clear(err);
  if (!out) return refuse(err, BLEC_ERR_INVALID_ARG, "out is NULL");
  *out = NULL;
  blec_op *op;
  int r = find_start(ctx, opts, t, timeout_ms, NULL, NULL, &op, err);
  if (r != BLEC_OK) return r;
  return wait_device(op, out, err);
}

int blec_find_device(blec_ctx *ctx, const blec_scan_options *opts, blec_device_predicate pred, void *pred_user,
                     int timeout_ms, blec_device **out, blec_error *err) {
  if (!pred) return refuse(err, BLEC_ERR_INVALID_ARG, "pred is required");
  find_target t = {pred, pred_user, NULL, NULL};
  return find_blocking(ctx, opts, &t, timeout_ms, out, err);
}

int blec_find_device_by_address(blec_ctx *ctx, const char *address, int timeout_ms, blec_device **out,
                                blec_error *err) {
  return blec_find_device_by_address_opts(ctx, NULL, address, timeout_ms, out, err);
}

int blec_find_device_by_name(blec_ctx *ctx, const char *name, int timeout_ms, blec_device **out,
                             blec_error *err) {
  return blec_find_device_by_name_opts(ctx, NULL, name, timeout_ms, out, err);
}

int blec_find_device_by_address_opts(blec_ctx *ctx, const blec_scan_options *opts, const char *address,
                                     int timeout_ms, blec_device **out, blec_error *err) {
  if (!address) return refuse(err, BLEC_ERR_INVALID_ARG, "address is NULL");
  find_target t = {NULL, NULL, address, NULL};
  return find_blocking(ctx, opts, &t, timeout_ms, out, err);
}

int blec_find_device_by_name_opts(blec_ctx *ctx, const blec_scan_options *opts, const char *name, int timeout_ms,
                                  blec_device **out, blec_error *err) {
  if (!name) return refuse(err, BLEC_ERR_INVALID_ARG, "name is NULL");
  find_target t = {NULL, NULL, NULL, name};
  return find_blocking(ctx, opts, &t, timeout_ms, out, err);
}
