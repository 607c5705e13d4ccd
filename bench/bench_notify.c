/* SPDX-License-Identifier: MIT */
/*
 * bench_notify.c — notifications on one connection, the bench playing the backend.
 *
 *  notify.core        blec__client_value() on a connected, subscribed client, delivered
 *                     by the dispatch thread to the notify callback (a window of 4096
 *                     values in flight). The core's delivery path alone. Median of
 *                     three runs.
 *  notify.core.queued the same in queued delivery: a program thread runs
 *                     blec_ctx_dispatch().
 *  notify.core.producer  the reporting thread's own time per value (outside the flow
 *                     control's waits), both modes, and how often it woke a sleeping
 *                     dispatcher (a system call: the dearest part of the handoff).
 *  notify.core.lat    one value in flight: blec__client_value() → callback, the value
 *                     carries its send time (blec__now_us).
 *
 * (notify.e2e, through a backend, is bench_notify_e2e.c.) Checked: every value arrives
 * once, in order (sequence numbers).
 */
#include <stdio.h>

#include "bench_notify.h"
#include "core/backend.h"
#include "core/core.h"

static int send_core(void *arg, uint16_t handle, const uint8_t *v, size_t len) {
  blec__client_value(arg, handle, v, len);
  return BLEC_OK;
}

/* Throughput through the core in one delivery mode: n values pushed by the bench thread
 * (at most 4096 in flight), checked in order, none dropped. */
static bool notify_throughput(const char *B, blec_delivery mode, uint64_t n, double *rate, double *busy_ns,
                              double *wake_k) {
  bool ok = false;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  bench_pump pump = {.started = false};
  bench_nstate s;
  if (!bench_nstate_init(&s, n, 4096, 0)) goto out;
  if (!bench_ok(B, "world", bench_world_gatt(1, 0, &w, NULL))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new_mode(w, mode, &ctx))) goto out;
  if (!bench_pump_start(&pump, ctx, mode)) {
    bench_fail(B, "%s: the dispatching thread did not start", bench_mode_name(mode));
    goto out;
  }
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE01", bench_chr(c, 0xBE01, &chr))) goto out;
  uint16_t h = blec_characteristic_handle(chr);
  s.mode = BENCH_NOTIFY_THROUGHPUT;
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr, 0, bench_on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;
  uint8_t v[BENCH_VLEN] = {0};
  uint64_t w0 = blec__dispatcher_wakeups(&ctx->dispatcher);
  uint64_t waited = 0, t0 = blec__now_us();
  for (uint64_t i = 0; i < n; i++) {
    waited += bench_flow_throttle(&s.flow, i);
    bench_put64(v, i);
    blec__client_value(c, h, v, sizeof v);
  }
  uint64_t produced = blec__now_us();
  if (!bench_flow_wait(&s.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%s: %llu of %llu values delivered after %d ms", bench_mode_name(mode),
               (unsigned long long)atomic_load(&s.flow.delivered), (unsigned long long)n, bench_p.timeout_ms);
    goto out;
  }
  uint64_t t1 = atomic_load(&s.flow.last_us);
  *wake_k = (double)(blec__dispatcher_wakeups(&ctx->dispatcher) - w0) * 1000.0 / (double)n;
  /* One too many would be counted now: stop_notify waits for a running callback. */
  if (!bench_ok(B, "blec_client_stop_notify", blec_client_stop_notify(c, chr, bench_p.timeout_ms, NULL))) goto out;
  if (atomic_load(&s.flow.delivered) != n || atomic_load(&s.bad) || blec_client_notifications_dropped(c)) {
    bench_fail(B, "%s: %llu values delivered (wanted %llu), %llu out of order or wrong, %llu dropped",
               bench_mode_name(mode), (unsigned long long)atomic_load(&s.flow.delivered), (unsigned long long)n,
               (unsigned long long)atomic_load(&s.bad), (unsigned long long)blec_client_notifications_dropped(c));
    goto out;
  }
  *rate = (double)n / ((double)(t1 - t0) / 1e6);
  *busy_ns = (double)(produced - t0 - waited) * 1000.0 / (double)n;
  ok = true;
out:
  blec_client_free(c);
  bench_pump_stop(&pump);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  bench_nstate_destroy(&s);
  return ok;
}

#define NOTIFY_ROUNDS 3

/* notify.core, notify.core.queued (median of the rounds) and notify.core.producer. */
static bool notify_core_throughput(const char *B) {
  const uint64_t N = BENCH_N(3000000, 20000);
  const size_t R = bench_p.quick ? 1 : NOTIFY_ROUNDS;
  const blec_delivery modes[2] = {BLEC_DELIVERY_THREAD, BLEC_DELIVERY_QUEUED};
  double rate[2][NOTIFY_ROUNDS], busy[2][NOTIFY_ROUNDS], wake[2][NOTIFY_ROUNDS];
  for (size_t r = 0; r < R; r++)
    for (int m = 0; m < 2; m++)
      if (!notify_throughput(B, modes[m], N, &rate[m][r], &busy[m][r], &wake[m][r])) return false;
  double busy_med[2], wake_med[2];
  for (int m = 0; m < 2; m++) {
    double lo = rate[m][0], hi = rate[m][0];
    for (size_t r = 1; r < R; r++) {
      if (rate[m][r] < lo) lo = rate[m][r];
      if (rate[m][r] > hi) hi = rate[m][r];
    }
    double med = bench_median(rate[m], R);
    busy_med[m] = bench_median(busy[m], R);
    wake_med[m] = bench_median(wake[m], R);
    bench_row *row = bench_row_add(m ? "notify.core.queued" : "notify.core",
                                   m ? "core: the same, callback run by blec_ctx_dispatch() on a program thread (queued)"
                                     : "core: blec__client_value() -> dispatch thread -> notify callback");
    if (!row) continue;
    row->count = N;
    row->rate = med;
    row->per_op_ns = 1e9 / med;
    snprintf(row->target, sizeof row->target, ">= 3000000/s");
    row->target_met = med >= 3e6;
    snprintf(row->note, sizeof row->note, "median of %u rounds (%.2f-%.2f M/s); value thread busy %.0f ns/value",
             (unsigned)R, lo / 1e6, hi / 1e6, busy_med[m]);
  }
  bench_row *row = bench_row_add("notify.core.producer", "core: the reporting thread's cost per notification value");
  if (row) {
    row->count = N;
    row->per_op_ns = busy_med[0];
    row->value = busy_med[1];
    snprintf(row->note, sizeof row->note,
             "thread delivery %.0f ns, queued %.0f ns: lookup + copy into the queue; dispatcher woken %.1f / %.1f per "
             "1000 values",
             busy_med[0], busy_med[1], wake_med[0], wake_med[1]);
  }
  return true;
}

int bench_notify_core(void) {
  const char *B = "notify.core";
  const uint64_t M = BENCH_N(20000, 200);
  if (!notify_core_throughput(B)) return -1;

  /* Latency, one in flight (thread delivery). */
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  bench_nstate s;
  if (!bench_nstate_init(&s, 0, 1, M)) goto out;
  if (!bench_ok(B, "world", bench_world_gatt(1, 0, &w, NULL))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE01", bench_chr(c, 0xBE01, &chr))) goto out;
  uint16_t h = blec_characteristic_handle(chr);
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr, 0, bench_on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;
  if (!bench_latency_row(B, &s, M, send_core, c, h, "notify.core.lat",
                         "core: blec__client_value() to notify callback, one value in flight",
                         "dispatch thread wake-up included"))
    goto out;
  rc = 0;
out:
  blec_client_free(c);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  bench_nstate_destroy(&s);
  return rc;
}
