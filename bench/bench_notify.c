/* SPDX-License-Identifier: MIT */
/*
 * bench_notify.c — notifications on one connection.
 *
 *  notify.core        the bench thread plays the backend: blec__client_value() on a
 *                     connected, subscribed client, delivered by the dispatch thread to
 *                     the notify callback (a window of 4096 values in flight). The core's
 *                     delivery path alone.
 *  notify.core.lat    one value in flight: blec__client_value() → callback, the value
 *                     carries its send time (blec__now_us).
 *  notify.e2e         a world stream as fast as the engine goes (interval 0, bursts of
 *                     64, "counter" generator): world engine → virtual backend → core →
 *                     callback.
 *  notify.e2e.lat     one value in flight: blec_world_set_value(notify) on the bench
 *                     thread → world engine → backend → core → callback, the value
 *                     carrying its send time.
 *
 * Checked: every value arrives once, in order (sequence numbers / the counter byte).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/backend.h"
#include "world/world_stack.h"

/* Values of the pushed characteristic: sequence (8 bytes LE), send time (8 bytes LE), 4 pad. */
#define VLEN 20

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

enum { MODE_THROUGHPUT = 0, MODE_PINGPONG = 1 };

typedef struct nstate {
  int mode;
  bench_flow flow;       /* MODE_THROUGHPUT */
  uint64_t expect;       /* next sequence number */
  atomic_uint_fast64_t bad;
  uint32_t *lat;         /* MODE_PINGPONG */
  uint64_t nlat;
  bench_pong pong;
} nstate;

static void on_value(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  nstate *s = user;
  if (len != VLEN || !chr) {
    atomic_fetch_add(&s->bad, 1);
    return;
  }
  uint64_t now = blec__now_us();
  uint64_t seq = get64(data), sent = get64(data + 8);
  if (seq != s->expect) atomic_fetch_add(&s->bad, 1);
  s->expect = seq + 1;
  if (s->mode == MODE_THROUGHPUT) {
    bench_flow_deliver(&s->flow);
  } else {
    if (seq >= 1 && seq <= s->nlat) s->lat[seq - 1] = (uint32_t)(now - sent);
    bench_pong_signal(&s->pong, seq);
  }
}

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

/* One ping-pong series: `send` pushes value i (1-based) carrying the time. */
typedef int (*send_fn)(void *arg, uint16_t handle, const uint8_t *v, size_t len);

static int send_core(void *arg, uint16_t handle, const uint8_t *v, size_t len) {
  blec__client_value(arg, handle, v, len);
  return BLEC_OK;
}

static int send_world(void *arg, uint16_t handle, const uint8_t *v, size_t len) {
  return blec_world_set_value(arg, handle, v, len, true);
}

static bool pingpong(const char *B, nstate *s, uint64_t m, send_fn send, void *arg, uint16_t handle) {
  s->mode = MODE_PINGPONG;
  s->nlat = m;
  s->expect = 1;
  s->pong.seq = 0;
  uint8_t v[VLEN] = {0};
  for (uint64_t i = 1; i <= m; i++) {
    put64(v, i);
    put64(v + 8, blec__now_us());
    if (!bench_ok(B, "send", send(arg, handle, v, sizeof v))) return false;
    if (!bench_pong_wait(&s->pong, i, bench_p.timeout_ms)) {
      bench_fail(B, "value %llu not delivered within %d ms", (unsigned long long)i, bench_p.timeout_ms);
      return false;
    }
  }
  return true;
}

/* Throughput through the core in one delivery mode: N values pushed by the bench thread
 * (at most 4096 in flight), checked in order. */
static bool notify_throughput(const char *B, blec_delivery mode, uint64_t n, double *rate, double *busy_ns) {
  bool ok = false;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  bench_pump pump;
  pump.started = false;
  nstate s;
  memset(&s, 0, sizeof s);
  atomic_init(&s.bad, 0);
  bench_flow_init(&s.flow, n, 4096);
  bench_pong_init(&s.pong);
  if (!bench_ok(B, "world", bench_world_gatt(1, 0, &w, NULL))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new_mode(w, mode, &ctx))) goto out;
  bench_pump_start(&pump, ctx, mode);
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE01", bench_chr(c, 0xBE01, &chr))) goto out;
  uint16_t h = blec_characteristic_handle(chr);
  s.mode = MODE_THROUGHPUT;
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr, 0, on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;
  uint8_t v[VLEN] = {0};
  uint64_t waited = 0, t0 = blec__now_us();
  for (uint64_t i = 0; i < n; i++) {
    waited += bench_flow_throttle(&s.flow, i);
    put64(v, i);
    blec__client_value(c, h, v, sizeof v);
  }
  uint64_t produced = blec__now_us();
  if (!bench_flow_wait(&s.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%s: %llu of %llu values delivered after %d ms", bench_mode_name(mode),
               (unsigned long long)atomic_load(&s.flow.delivered), (unsigned long long)n, bench_p.timeout_ms);
    goto out;
  }
  uint64_t t1 = atomic_load(&s.flow.last_us);
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
  if (ctx) blec_ctx_free(ctx);
  blec_world_unref(w);
  bench_flow_destroy(&s.flow);
  bench_pong_destroy(&s.pong);
  return ok;
}

#define NOTIFY_ROUNDS 3

int bench_notify_core(void) {
  const char *B = "notify.core";
  const uint64_t N = BENCH_N(3000000, 20000), M = BENCH_N(20000, 200);
  const size_t R = bench_p.quick ? 1 : NOTIFY_ROUNDS;
  const blec_delivery modes[2] = {BLEC_DELIVERY_THREAD, BLEC_DELIVERY_QUEUED};
  double rate[2][NOTIFY_ROUNDS], busy[2][NOTIFY_ROUNDS];
  for (size_t r = 0; r < R; r++)
    for (int m = 0; m < 2; m++)
      if (!notify_throughput(B, modes[m], N, &rate[m][r], &busy[m][r])) return -1;
  double busy_med[2];
  for (int m = 0; m < 2; m++) {
    double lo = rate[m][0], hi = rate[m][0];
    for (size_t r = 1; r < R; r++) {
      if (rate[m][r] < lo) lo = rate[m][r];
      if (rate[m][r] > hi) hi = rate[m][r];
    }
    double med = bench_median(rate[m], R);
    busy_med[m] = bench_median(busy[m], R);
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
    snprintf(row->note, sizeof row->note, "thread delivery %.0f ns, queued %.0f ns: lookup + copy into the queue",
             busy_med[0], busy_med[1]);
  }

  /* Latency, one in flight (thread delivery). */
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  nstate s;
  memset(&s, 0, sizeof s);
  atomic_init(&s.bad, 0);
  bench_flow_init(&s.flow, 0, 1);
  bench_pong_init(&s.pong);
  s.lat = calloc(M, sizeof *s.lat);
  if (!s.lat) goto out;
  if (!bench_ok(B, "world", bench_world_gatt(1, 0, &w, NULL))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE01", bench_chr(c, 0xBE01, &chr))) goto out;
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr, 0, on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;
  if (!pingpong(B, &s, M, send_core, c, blec_characteristic_handle(chr))) goto out;
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
  if (ctx) blec_ctx_free(ctx);
  blec_world_unref(w);
  bench_flow_destroy(&s.flow);
  bench_pong_destroy(&s.pong);
  free(s.lat);
  return rc;
}

int bench_notify_e2e(void) {
  const char *B = "notify.e2e";
  const uint64_t N = BENCH_N(1000000, 5000), M = BENCH_N(20000, 200);
  int rc = -1;
  blec_world *w = NULL;
  blec_world_peripheral *p = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  nstate s;
  memset(&s, 0, sizeof s);
  atomic_init(&s.bad, 0);
  bench_flow_init(&s.flow, 0, 1);
  bench_pong_init(&s.pong);
  sstate st;
  bench_flow_init(&st.flow, N, UINT64_MAX);
  st.last = -1;
  atomic_init(&st.bad, 0);
  s.lat = calloc(M, sizeof *s.lat);
  if (!s.lat) goto out;
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
  bench_row *row = bench_row_add("notify.e2e", "virtual backend: world stream (interval 0, burst 64) -> notify callback");
  if (row) {
    double us = (double)(t1 - t0);
    row->count = N;
    row->rate = (double)N / (us / 1e6);
    row->per_op_ns = us * 1000.0 / (double)N;
    snprintf(row->note, sizeof row->note, "until the last value's callback");
  }

  /* Latency: the bench thread is the peripheral's firmware, one value in flight. */
  if (!bench_ok(B, "blec_client_start_notify",
                blec_client_start_notify(c, chr_push, 0, on_value, &s, bench_p.timeout_ms, NULL)))
    goto out;
  if (!pingpong(B, &s, M, send_world, p, blec_characteristic_handle(chr_push))) goto out;
  if (atomic_load(&s.bad)) {
    bench_fail(B, "latency run: %llu values out of order or wrong", (unsigned long long)atomic_load(&s.bad));
    goto out;
  }
  row = bench_row_add("notify.e2e.lat", "virtual peripheral (blec_world_set_value) to notify callback, one in flight");
  if (row) {
    row->count = M;
    bench_percentiles(row, s.lat, M);
    snprintf(row->note, sizeof row->note, "world + dispatch thread wake-ups included");
  }
  rc = 0;
out:
  blec_client_free(c);
  if (ctx) blec_ctx_free(ctx);
  blec_world_unref(w);
  bench_flow_destroy(&s.flow);
  bench_flow_destroy(&st.flow);
  bench_pong_destroy(&s.pong);
  free(s.lat);
  return rc;
}
