/* SPDX-License-Identifier: MIT */
/*
 * winrt_backend.c — the `winrt` backend's table: the Windows Runtime Bluetooth LE API
 * (Windows.Devices.Bluetooth), every call made on the backend's MTA worker pool.
 * Capabilities list only what is implemented and tested (tests/winrt-backend, under Wine
 * against sim/winrt).
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"

wr_ctx *wr_ctx_of(blec_ctx *ctx) { return blec__ctx_backend_priv(ctx); }

static int b_init(blec_ctx *ctx, const blec_ctx_options *opts, void **priv, blec_error *err) {
  (void)ctx;
  (void)opts;
  wr_ctx *w = calloc(1, sizeof *w);
  if (!w) return BLEC_ERR_NO_MEMORY;
  int r = wr_pool_new(&w->pool);
  if (r != BLEC_OK) {
    free(w);
    blec__error_set(err, r, "the WinRT worker pool could not start");
    return r;
  }
  InitializeCriticalSection(&w->lock);
  *priv = w;
  return BLEC_OK;
}

static void b_exit(blec_ctx *ctx, void *priv) {
  (void)ctx;
  wr_ctx *w = priv;
  wr_pool_free(w->pool);
  DeleteCriticalSection(&w->lock);
  free(w);
}

typedef struct check_args {
  blec_error *err;
  int status;
} check_args;

static void check_fn(void *arg) {
  check_args *a = arg;
  a->status = wr_check_bluetooth_now(a->err);
}

static int b_check_bluetooth(blec_ctx *ctx, blec_error *err) {
  check_args a = {err, BLEC_OK};
  int r = wr_call(wr_ctx_of(ctx)->pool, check_fn, &a);
  return r != BLEC_OK ? r : a.status;
}

const blec__backend blec__backend_winrt = {
    .name = "winrt",
    .caps = BLEC_CAP_SCAN | BLEC_CAP_PASSIVE_SCAN | BLEC_CAP_CONNECT | BLEC_CAP_CONNECT_WITHOUT_SCAN |
            BLEC_CAP_RAW_ADVERTISING | BLEC_CAP_DISCOVERY_RETRY,
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
    .pair = NULL,
    .unpair = NULL,
    .cancel = wr_job_cancel,
    .client_free = wr_client_free,
};
