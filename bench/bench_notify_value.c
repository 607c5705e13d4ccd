/* SPDX-License-Identifier: MIT */
/* bench_notify_value.c — sequence-numbered values, their checking callback, the
 * ping-pong series and its latency row of the notification benchmarks (bench_notify.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_notify.h"

void bench_put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t bench_get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

bool bench_nstate_init(bench_nstate *s, uint64_t goal, uint64_t window, uint64_t nlat) {
  memset(s, 0, sizeof *s);
  atomic_init(&s->bad, 0);
  bench_flow_init(&s->flow, goal, window);
  bench_pong_init(&s->pong);
  s->lat = nlat ? calloc(nlat, sizeof *s->lat) : NULL;
  return !nlat || s->lat;
}

void bench_nstate_destroy(bench_nstate *s) {
  bench_flow_destroy(&s->flow);
  bench_pong_destroy(&s->pong);
  free(s->lat);
  s->lat = NULL;
}

void bench_on_value(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  bench_nstate *s = user;
  if (len != BENCH_VLEN || !chr) {
    atomic_fetch_add(&s->bad, 1);
    return;
  }
  uint64_t now = blec__now_us();
  uint64_t seq = bench_get64(data), sent = bench_get64(data + 8);
  if (seq != s->expect) atomic_fetch_add(&s->bad, 1);
  s->expect = seq + 1;
  if (s->mode == BENCH_NOTIFY_THROUGHPUT) {
    bench_flow_deliver(&s->flow);
  } else {
    if (seq >= 1 && seq <= s->nlat) s->lat[seq - 1] = (uint32_t)(now - sent);
    bench_pong_signal(&s->pong, seq);
  }
}

bool bench_pingpong(const char *B, bench_nstate *s, uint64_t m, bench_send_fn send, void *arg, uint16_t handle) {
  s->mode = BENCH_NOTIFY_PINGPONG;
  s->nlat = m;
  s->expect = 1;
  s->pong.seq = 0;
  uint8_t v[BENCH_VLEN] = {0};
  for (uint64_t i = 1; i <= m; i++) {
    bench_put64(v, i);
    bench_put64(v + 8, blec__now_us());
    if (!bench_ok(B, "send", send(arg, handle, v, sizeof v))) return false;
    if (!bench_pong_wait(&s->pong, i, bench_p.timeout_ms)) {
      bench_fail(B, "value %llu not delivered within %d ms", (unsigned long long)i, bench_p.timeout_ms);
      return false;
    }
  }
  return true;
}

bool bench_latency_row(const char *B, bench_nstate *s, uint64_t m, bench_send_fn send, void *arg, uint16_t handle,
                       const char *name, const char *what, const char *note) {
  if (!bench_pingpong(B, s, m, send, arg, handle)) return false;
  if (atomic_load(&s->bad)) {
    bench_fail(B, "latency run: %llu values out of order or wrong", (unsigned long long)atomic_load(&s->bad));
    return false;
  }
  bench_row *row = bench_row_add(name, what);
  if (row) {
    row->count = m;
    bench_percentiles(row, s->lat, m);
    snprintf(row->note, sizeof row->note, "%s", note);
  }
  return true;
}
