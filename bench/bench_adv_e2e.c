/* SPDX-License-Identifier: MIT */
/*
 * bench_adv_e2e.c — advertisements end to end, on the current stack's backend: a world of
 * advertising peripherals → (the simulated OS stack →) backend → core → dispatch thread →
 * detection callback. The world runs 1000x faster than real time so the engine is never
 * idle; every advertisement and scan response carries what bench_adv.c's reports carry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int add_advertiser(blec_world *w, uint32_t i, int interval_ms) {
  char addr[BLEC_ADDR_STRLEN], name[16];
  bench_address(addr, 0xC2, i);
  snprintf(name, sizeof name, BENCH_NAME_FMT, (unsigned)(i % 10000u));
  blec_world_peripheral *p;
  int r = blec_world_add_peripheral(w, addr, BLEC_ADDRESS_PUBLIC, &p);
  static const uint8_t uuids[] = {0x0D, 0x18, 0x0F, 0x18};
  uint8_t mfr[] = {BENCH_COMPANY_ID & 0xFF, BENCH_COMPANY_ID >> 8, 0x01, 0x02, 0x03, (uint8_t)i};
  static const uint8_t tx[] = {0xF8};
  static const uint8_t u128[] = {0x9E, 0xCA, 0xDC, 0x24, 0x0E, 0xE5, 0xA9, 0xE0,
                                 0x93, 0xF3, 0xA3, 0xB5, 0x01, 0x00, 0x40, 0x6E};
  static const uint8_t sd[] = {0xAA, 0xFE, 0x10, 0x20, 0x30, 0x40};
  if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, name, false);
  if (r == BLEC_OK) r = blec_world_peripheral_add_ad(p, false, 0x03, uuids, sizeof uuids);
  if (r == BLEC_OK) r = blec_world_peripheral_add_ad(p, false, 0xFF, mfr, sizeof mfr);
  if (r == BLEC_OK) r = blec_world_peripheral_add_ad(p, true, 0x0A, tx, sizeof tx);
  if (r == BLEC_OK) r = blec_world_peripheral_add_ad(p, true, 0x07, u128, sizeof u128);
  if (r == BLEC_OK) r = blec_world_peripheral_add_ad(p, true, 0x16, sd, sizeof sd);
  if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, interval_ms);
  if (r == BLEC_OK) r = blec_world_peripheral_set_rssi(p, -60, 10);
  return r;
}

int bench_world_advertisers(uint32_t n, int interval_ms, double scale, blec_world **out) {
  blec_world *w;
  int r = blec_world_new(&w);
  if (r != BLEC_OK) return r;
  r = blec_world_set_time_scale(w, scale);
  for (uint32_t i = 0; r == BLEC_OK && i < n; i++) r = add_advertiser(w, i, interval_ms);
  if (r != BLEC_OK) {
    blec_world_unref(w);
    return r;
  }
  *out = w;
  return BLEC_OK;
}

int bench_adv_e2e(void) {
  const char *B = "adv.e2e";
  const uint32_t P = bench_p.quick ? 50u : 1000u; /* the world, whatever the stack */
  const uint64_t N = BENCH_N(1000000, 5000);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_scanner *s = NULL;
  bench_adv_counter c;
  bench_flow_init(&c.flow, N, UINT64_MAX);
  atomic_init(&c.bad, 0);
  /* 100 ms interval, 1000x faster than real time: each peripheral is due every 100 us. */
  if (!bench_ok(B, "world", bench_world_advertisers(P, 100, 0.001, &w))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, bench_on_detect, &c, &s))) goto out;
  uint64_t t0 = blec__now_us(); /* not the first callback: the queue may fill before it runs */
  if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out;
  if (!bench_flow_wait(&c.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%llu of %llu detection callbacks after %d ms", (unsigned long long)atomic_load(&c.flow.delivered),
               (unsigned long long)N, bench_p.timeout_ms);
    goto out;
  }
  uint64_t t1 = atomic_load(&c.flow.last_us);
  blec_scanner_stop(s);
  size_t seen = 0;
  if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &seen))) goto out;
  if (atomic_load(&c.bad) != 0 || seen != P) {
    bench_fail(B, "%llu callbacks with wrong data, %llu devices seen (wanted %u)",
               (unsigned long long)atomic_load(&c.bad), (unsigned long long)seen, (unsigned)P);
    goto out;
  }
  bench_row *row = bench_row_add("adv.e2e", "world engine -> stack -> backend -> core -> detection callback");
  if (row) {
    double us = (double)(t1 - t0);
    row->count = N;
    row->rate = (double)N / (us / 1e6);
    row->per_op_ns = us * 1000.0 / (double)N;
    snprintf(row->note, sizeof row->note, "%u peripherals, world 1000x real time", (unsigned)P);
  }
  rc = 0;
out:
  blec_scanner_free(s);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  bench_flow_destroy(&c.flow);
  return rc;
}
