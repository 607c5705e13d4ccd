/* SPDX-License-Identifier: MIT */
/*
 * winrt_backend.c — the `winrt` backend's table: the Windows Runtime Bluetooth LE API
 * (Windows.Devices.Bluetooth, .Advertisement, .GenericAttributeProfile, and
 * Windows.Devices.Enumeration for pairing), every call made on the backend's MTA worker
 * pool. Capabilities list only what is implemented and tested (tests/winrt-backend,
 * under Wine against sim/winrt).
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"

wr_ctx *wr_ctx_of(blec_ctx *ctx) { return blec__ctx_backend_priv(ctx); }

static int b_init(blec_ctx *ctx, const blec_ctx_options *opts, void **priv, blec_error *err) {
  (void)opts;
  wr_ctx *w = calloc(1, sizeof *w);
  if (!w) return BLEC_ERR_NO_MEMORY;
  w->ctx = ctx;
  InitializeSRWLock(&w->log_lock);
  w->log_alive = true;
  if (blec__mutex_init(&w->lock) != BLEC_OK || blec__mutex_init(&w->statics_lock) != BLEC_OK) {
    free(w);
    return BLEC_ERR_NO_MEMORY;
  }
  int r = wr_pool_new(&w->pool);
  if (r != BLEC_OK) {
    free(w);
    blec__error_set(err, r, "the WinRT worker pool could not start");
    return r;
  }
  *priv = w;
  return BLEC_OK;
}

static void release_statics(void *arg) { wr_statics_release(*(wr_ctx **)arg); }

static void b_exit(blec_ctx *ctx, void *priv) {
  (void)ctx;
  wr_ctx *w = priv;
  /* Factories are released on the pool (the program's thread may be in another apartment). */
  if (wr_call(w->pool, release_statics, &w, sizeof w, WR_POOL_FREE_BUDGET_MS) != BLEC_OK)
    wr_log(w, BLEC_LOG_WARNING, "releasing the activation factories took too long: left to Windows");
  if (!wr_pool_free(w->pool, WR_POOL_FREE_BUDGET_MS)) {
    /* Work stuck in a WinRT call: the pool frees itself when it returns; this state,
     * which that work may still touch, stays (a small leak, logged once). */
    wr_log(w, BLEC_LOG_WARNING,
           "work still inside Windows after %d ms: the worker pool and the backend's state are abandoned to it",
           WR_POOL_FREE_BUDGET_MS);
    wr_log_end(w);
    return;
  }
  blec__mutex_destroy(&w->statics_lock);
  blec__mutex_destroy(&w->lock);
  free(w);
}

typedef struct check_args {
  wr_ctx *w;
  blec_error err;
  int status;
} check_args;

static void check_fn(void *arg) {
  check_args *a = arg;
  a->status = wr_check_bluetooth_now(a->w, &a->err);
}

static int b_check_bluetooth(blec_ctx *ctx, blec_error *err) {
  check_args a = {wr_ctx_of(ctx), {0}, BLEC_OK};
  blec_error_clear(&a.err);
  /* The check's own awaits are bounded; the call is bounded beyond them. */
  int r = wr_call(a.w->pool, check_fn, &a, sizeof a, 2 * WR_CHECK_BUDGET_MS + WR_CANCEL_GRACE_MS);
  if (r == BLEC_ERR_TIMEOUT) {
    wr_log(a.w, BLEC_LOG_WARNING, "the adapter check did not end: given up");
    blec__error_set(err, BLEC_ERR_TIMEOUT, "Windows did not answer the adapter check in time");
    return BLEC_ERR_TIMEOUT;
  }
  if (r != BLEC_OK) return r;
  if (err) *err = a.err;
  return a.status;
}

const blec__backend blec__backend_winrt = {
    .name = "winrt",
    /* Not BLEC_CAP_DISCONNECT_REASONS: Windows does not say whether a link was lost or
     * the peripheral ended it (GattSessionStatus Closed either way). */
    .caps = BLEC_CAP_SCAN | BLEC_CAP_PASSIVE_SCAN | BLEC_CAP_CONNECT | BLEC_CAP_CONNECT_WITHOUT_SCAN | BLEC_CAP_CACHE_MODE |
            BLEC_CAP_PAIRING | BLEC_CAP_UNPAIR | BLEC_CAP_INDICATIONS | BLEC_CAP_MTU_EVENTS | BLEC_CAP_SIGNAL_FILTER |
            BLEC_CAP_ADV_FILTER | BLEC_CAP_RAW_ADVERTISING | BLEC_CAP_PAIRING_LEVELS | BLEC_CAP_FORCE_INDICATE |
            BLEC_CAP_CONFIRM_JUST_WORKS | BLEC_CAP_SECURITY_ERRORS | BLEC_CAP_CANCEL_REQUESTS | BLEC_CAP_DISCOVERY_RETRY,
    .client_priv_size = sizeof(wr_client),
    .init = b_init,
    .exit = b_exit,
    .check_bluetooth = b_check_bluetooth,
    .world = NULL,
    .scan_start = wr_scan_start,
    .scan_stop = wr_scan_stop,
    .connect = wr_connect,
    .discover = wr_discover,
    .disconnect = wr_disconnect,
    .read = wr_read,
    .write = wr_write,
    .subscribe = wr_subscribe,
    .pair = wr_pair,
    .unpair = wr_unpair,
    .cancel = wr_job_cancel,
    .client_free = wr_client_free,
};
