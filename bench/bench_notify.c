/* SPDX-License-Identifier: MIT */
/*
 * bench_notify.c — notifications on one connection, the bench playing the backend.
 *
 *  notify.core        blec__client_value() on a connected, subscribed client, delivered
 *                     by the dispatch thread to the notify callback (a window of 4096
 *                     values in flight). The core's delivery path alone.
 *  notify.core.lat    one value in flight: blec__client_value() → callback, the value
 *                     carries its send time (blec__now_us).
 *
 * (notify.e2e, through a backend, is bench_notify_e2e.c.) Checked: every value arrives
 * once, in order (sequence numbers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_notify.h"
#include "core/backend.h"

static int send_core(void *arg, uint16_t handle, const uint8_t *v, size_t len) {
  blec__client_value(arg, handle, v, len);
  return BLEC_OK;
}

int bench_notify_core(void) {
  const char *B = "notify.core";
  const uint64_t N = BENCH_N(4000000, 20000), M = BENCH_N(20000, 200);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  bench_nstate s;
  memset(&s, 0, sizeof s);
  atomic_init(&s.bad, 0);
  bench_flow_init(&s.flow, N, 4096);
  bench_pong_init(&s.pong);
  s.lat = calloc(M, sizeof *s.lat);
  if (!s.lat) goto out;
  if (!bench_ok(B, "world", bench_world_gatt(1, 0, &w, NULL))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE01", bench_chr(c, 0xBE01, &chr))) goto out;
  uint16_t h = blec_characteristic_handle(chr);
  s.mode = BENCH_NOTIFY_THROUGHPUT;
  s.expect = 0;
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr, 0, bench_on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;

  /* Throughput. */
  uint8_t v[BENCH_VLEN] = {0};
  uint64_t waited = 0, t0 = blec__now_us();
  for (uint64_t i = 0; i < N; i++) {
    waited += bench_flow_throttle(&s.flow, i);
    bench_put64(v, i);
    blec__client_value(c, h, v, sizeof v);
  }
  uint64_t produced = blec__now_us();
  if (!bench_flow_wait(&s.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%llu of %llu values delivered after %d ms", (unsigned long long)atomic_load(&s.flow.delivered),
               (unsigned long long)N, bench_p.timeout_ms);
    goto out;
  }
  uint64_t t1 = atomic_load(&s.flow.last_us);
  blec__sleep_ms(20);
  if (atomic_load(&s.flow.delivered) != N || atomic_load(&s.bad)) {
    bench_fail(B, "%llu values delivered (wanted %llu), %llu out of order or wrong",
               (unsigned long long)atomic_load(&s.flow.delivered), (unsigned long long)N,
               (unsigned long long)atomic_load(&s.bad));
    goto out;
  }
  bench_row *row = bench_row_add("notify.core", "core: blec__client_value() -> dispatch thread -> notify callback");
  if (row) {
    double us = (double)(t1 - t0);
    row->count = N;
    row->rate = (double)N / (us / 1e6);
    row->per_op_ns = us * 1000.0 / (double)N;
    snprintf(row->target, sizeof row->target, ">= 1000000/s");
    row->target_met = row->rate >= 1e6;
    snprintf(row->note, sizeof row->note, "value thread busy %.0f ns/value",
             (double)(produced - t0 - waited) * 1000.0 / (double)N);
  }

  /* Latency, one in flight. */
  if (!bench_pingpong(B, &s, M, send_core, c, h)) goto out;
  if (atomic_load(&s.bad)) {
    bench_fail(B, "latency run: %llu values out of order or wrong", (unsigned long long)atomic_load(&s.bad));
    goto out;
  }
  row = bench_row_add("notify.core.lat", "core: blec__client_value() to notify callback, one value in flight");
  if (row) {
    row->count = M;
    bench_percentiles(row, s.lat, M);
    snprintf(row->note, sizeof row->note, "dispatch thread wake-up included");
  }
  rc = 0;
out:
  blec_client_free(c);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  bench_flow_destroy(&s.flow);
  bench_pong_destroy(&s.pong);
  free(s.lat);
  return rc;
}
