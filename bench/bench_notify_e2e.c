/* SPDX-License-Identifier: MIT */
/*
 * bench_notify_e2e.c — notifications end to end, on the current stack's backend.
 *
 *  notify.e2e         a world stream as fast as the engine goes (interval 0, bursts of
 *                     64, "counter" generator): world engine → (simulated OS stack →)
 *                     backend → core → callback.
 *  notify.e2e.lat     one value in flight: blec_world_set_value(notify) on the bench
 *                     thread → world engine → stack → backend → core → callback, the
 *                     value carrying its send time.
 *
 * Checked: every value arrives once, in order (the counter byte / sequence numbers).
 */
#include <stdio.h>

#include "bench_notify.h"

/* The stream characteristic: the "counter" generator adds 1 to the first byte each value. */
typedef struct sstate {
  bench_flow flow;
  int last; /* previous first byte, -1 before the first value */
  atomic_uint_fast64_t bad;
} sstate;

static void on_stream(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  sstate *s = user;
  if (len < 1) {
    atomic_fetch_add(&s->bad, 1);
  } else {
    if (s->last >= 0 && data[0] != (uint8_t)(s->last + 1)) atomic_fetch_add(&s->bad, 1);
    s->last = data[0];
  }
  bench_flow_deliver(&s->flow);
}

static int send_world(void *arg, uint16_t handle, const uint8_t *v, size_t len) {
  return blec_world_set_value(arg, handle, v, len, true);
}

int bench_notify_e2e(void) {
  const char *B = "notify.e2e";
  const uint64_t N = BENCH_N(1000000, 5000), M = BENCH_N(20000, 200);
  int rc = -1;
  blec_world *w = NULL;
  blec_world_peripheral *p = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  bench_nstate s;
  bool have_lat = bench_nstate_init(&s, 0, 1, M);
  sstate st;
  bench_flow_init(&st.flow, N, UINT64_MAX);
  st.last = -1;
  atomic_init(&st.bad, 0);
  if (!have_lat) goto out;
  if (!bench_ok(B, "world", bench_world_gatt(64, N, &w, &p))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr_stream, *chr_push;
  if (!bench_ok(B, "characteristic BE02", bench_chr(c, 0xBE02, &chr_stream))) goto out;
  if (!bench_ok(B, "characteristic BE01", bench_chr(c, 0xBE01, &chr_push))) goto out;

  /* Throughput: the stream starts with the subscription and ends after N values. */
  uint64_t t0 = blec__now_us(); /* not the first callback: the queue may fill before it runs */
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr_stream, 0, on_stream, &st, bench_p.timeout_ms, NULL)))
    goto out;
  if (!bench_flow_wait(&st.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%llu of %llu stream values after %d ms", (unsigned long long)atomic_load(&st.flow.delivered),
               (unsigned long long)N, bench_p.timeout_ms);
    goto out;
  }
  uint64_t t1 = atomic_load(&st.flow.last_us);
  blec__sleep_ms(50); /* the stream must stop at N */
  if (atomic_load(&st.flow.delivered) != N || atomic_load(&st.bad)) {
    bench_fail(B, "%llu stream values (wanted %llu), %llu out of sequence",
               (unsigned long long)atomic_load(&st.flow.delivered), (unsigned long long)N,
               (unsigned long long)atomic_load(&st.bad));
    goto out;
  }
  if (!bench_ok(B, "blec_client_stop_notify", blec_client_stop_notify(c, chr_stream, bench_p.timeout_ms, NULL)))
    goto out;
  bench_row *row = bench_row_add("notify.e2e", "world stream (interval 0, burst 64) -> stack -> backend -> notify callback");
  if (row) {
    double us = (double)(t1 - t0);
    row->count = N;
    row->rate = (double)N / (us / 1e6);
    row->per_op_ns = us * 1000.0 / (double)N;
    snprintf(row->note, sizeof row->note, "until the last value's callback");
  }

  /* Latency: the bench thread is the peripheral's firmware, one value in flight. */
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr_push, 0, bench_on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;
  if (!bench_latency_row(B, &s, M, send_world, p, blec_characteristic_handle(chr_push), "notify.e2e.lat",
                         "world peripheral (blec_world_set_value) to notify callback, one in flight",
                         "world + dispatch thread wake-ups included"))
    goto out;
  rc = 0;
out:
  blec_client_free(c);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  bench_nstate_destroy(&s);
  bench_flow_destroy(&st.flow);
  return rc;
}
