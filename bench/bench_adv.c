/* SPDX-License-Identifier: MIT */
/*
 * bench_adv.c — advertisements through parse + merge + detection callback, the bench
 * playing the backend.
 *
 *  adv.core.merge  the bench thread plays the backend and calls blec__scanner_report()
 *                  directly, no detection callback: parse + merge + seen table, alone.
 *  adv.core        the same with a detection callback: the report is merged on the bench
 *                  thread and delivered on the dispatch thread (a window of 1024 reports
 *                  in flight keeps the producer from outrunning delivery).
 *
 * (adv.e2e, through a backend, is bench_adv_e2e.c.) Every report carries a name, two 16-bit UUIDs and manufacturer data (advertisement),
 * and TX power, a 128-bit UUID and service data (scan response): about 30 bytes each, a
 * typical sensor. Advertisements and scan responses alternate, so every merge has the
 * other half to merge with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/backend.h"
#include "core/core.h"

typedef struct adv_set {
  uint32_t k;
  char (*addr)[BLEC_ADDR_STRLEN];
  uint8_t (*adv)[31];
  size_t adv_len; /* the same for every device */
  uint8_t rsp[31];
  size_t rsp_len;
} adv_set;

static size_t put_ad(uint8_t *o, uint8_t type, const uint8_t *d, size_t n) {
  o[0] = (uint8_t)(n + 1);
  o[1] = type;
  memcpy(o + 2, d, n);
  return n + 2;
}

/* Advertisement payload of device i (29 bytes). */
static size_t make_adv(uint8_t *o, uint32_t i) {
  static const uint8_t flags[] = {0x06};
  static const uint8_t uuids[] = {0x0D, 0x18, 0x0F, 0x18};
  uint8_t mfr[] = {BENCH_COMPANY_ID & 0xFF, BENCH_COMPANY_ID >> 8, 0x01, 0x02, 0x03, 0x04};
  char name[16];
  snprintf(name, sizeof name, BENCH_NAME_FMT, (unsigned)(i % 10000u));
  mfr[5] = (uint8_t)i;
  size_t n = 0;
  n += put_ad(o + n, 0x01, flags, sizeof flags);
  n += put_ad(o + n, 0x09, (const uint8_t *)name, strlen(name));
  n += put_ad(o + n, 0x03, uuids, sizeof uuids);
  n += put_ad(o + n, 0xFF, mfr, sizeof mfr);
  return n;
}

/* Scan response payload (29 bytes). */
static size_t make_rsp(uint8_t *o) {
  static const uint8_t tx[] = {0xF8};
  static const uint8_t u128[] = {0x9E, 0xCA, 0xDC, 0x24, 0x0E, 0xE5, 0xA9, 0xE0,
                                 0x93, 0xF3, 0xA3, 0xB5, 0x01, 0x00, 0x40, 0x6E};
  static const uint8_t sd[] = {0xAA, 0xFE, 0x10, 0x20, 0x30, 0x40};
  size_t n = 0;
  n += put_ad(o + n, 0x0A, tx, sizeof tx);
  n += put_ad(o + n, 0x07, u128, sizeof u128);
  n += put_ad(o + n, 0x16, sd, sizeof sd);
  return n;
}

static bool adv_set_init(adv_set *s, uint32_t k) {
  memset(s, 0, sizeof *s);
  s->k = k;
  s->addr = malloc(k * sizeof *s->addr);
  s->adv = malloc(k * sizeof *s->adv);
  if (!s->addr || !s->adv) {
    free(s->addr);
    free(s->adv);
    return false;
  }
  for (uint32_t i = 0; i < k; i++) {
    bench_address(s->addr[i], 0xC1, i);
    s->adv_len = make_adv(s->adv[i], i);
  }
  s->rsp_len = make_rsp(s->rsp);
  return true;
}

static void adv_set_free(adv_set *s) {
  free(s->addr);
  free(s->adv);
}

/* Report number i: device i % k; rounds alternate advertisement / scan response. */
static void fill_report(const adv_set *s, uint64_t i, blec__report *r) {
  uint32_t dev = (uint32_t)(i % s->k);
  bool rsp = (i / s->k) % 2 == 1;
  memset(r, 0, sizeof *r);
  r->address = s->addr[dev];
  r->address_type = BLEC_ADDRESS_PUBLIC;
  r->rssi = -40 - (int)(i % 50);
  r->type = rsp ? BLEC_ADV_SCAN_RSP : BLEC_ADV_IND;
  r->connectable = true;
  r->data = rsp ? s->rsp : s->adv[dev];
  r->len = rsp ? s->rsp_len : s->adv_len;
  r->timestamp_us = 0; /* the core stamps it, as for the virtual backend */
}

int bench_report_devices(blec_scanner *s, uint32_t k) {
  adv_set set;
  if (!adv_set_init(&set, k)) return BLEC_ERR_NO_MEMORY;
  blec__report rep;
  for (uint64_t i = 0; i < 2ull * k; i++) {
    fill_report(&set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  adv_set_free(&set);
  return BLEC_OK;
}

/* ---- core --------------------------------------------------------------------------------- */

int bench_adv_core(void) {
  const char *B = "adv.core";
  const uint32_t K = (uint32_t)BENCH_N(1000, 100);
  const uint64_t N = BENCH_N(2000000, 20000);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_scanner *s = NULL;
  adv_set set;
  if (!adv_set_init(&set, K)) return -1;
  if (!bench_ok(B, "blec_world_new", blec_world_new(&w))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;

  /* 1. parse + merge + seen table, no callback. */
  if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, NULL, NULL, &s))) goto out;
  if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out;
  blec__report rep;
  for (uint64_t i = 0; i < 2 * K; i++) { /* warm: every device seen, table grown */
    fill_report(&set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  uint64_t t0 = blec__now_us();
  for (uint64_t i = 0; i < N; i++) {
    fill_report(&set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  uint64_t t1 = blec__now_us();
  size_t seen = 0;
  if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &seen))) goto out;
  if (seen != K) {
    bench_fail(B, "merge only: %llu devices seen, wanted %u", (unsigned long long)seen, (unsigned)K);
    goto out;
  }
  bench_row *row = bench_row_add("adv.core.merge", "core: blec__scanner_report() parse + merge + seen table, no callback");
  if (row) {
    double us = (double)(t1 - t0);
    row->count = N;
    row->rate = N / (us / 1e6);
    row->per_op_ns = us * 1000.0 / N;
    snprintf(row->note, sizeof row->note, "%u devices, 1 thread", (unsigned)K);
  }
  blec_scanner_free(s);
  s = NULL;

  /* 2. with the detection callback on the dispatch thread. */
  bench_adv_counter c;
  bench_flow_init(&c.flow, N, 1024);
  atomic_init(&c.bad, 0);
  if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, bench_on_detect, &c, &s))) goto out_flow;
  if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out_flow;
  uint64_t waited = 0;
  t0 = blec__now_us();
  for (uint64_t i = 0; i < N; i++) {
    waited += bench_flow_throttle(&c.flow, i);
    fill_report(&set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  uint64_t produced = blec__now_us();
  if (!bench_flow_wait(&c.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%llu of %llu detection callbacks after %d ms", (unsigned long long)atomic_load(&c.flow.delivered),
               (unsigned long long)N, bench_p.timeout_ms);
    goto out_flow;
  }
  t1 = atomic_load(&c.flow.last_us);
  blec__sleep_ms(20); /* a callback too many would show up now */
  blec_scanner_stop(s);
  if (atomic_load(&c.flow.delivered) != N || atomic_load(&c.bad) != 0) {
    bench_fail(B, "%llu callbacks (wanted %llu), %llu with wrong data",
               (unsigned long long)atomic_load(&c.flow.delivered), (unsigned long long)N,
               (unsigned long long)atomic_load(&c.bad));
    goto out_flow;
  }
  if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &seen))) goto out_flow;
  if (seen != K) {
    bench_fail(B, "%llu devices seen, wanted %u", (unsigned long long)seen, (unsigned)K);
    goto out_flow;
  }
  row = bench_row_add("adv.core", "core: blec__scanner_report() -> parse + merge -> detection callback (dispatch thread)");
  if (row) {
    double us = (double)(t1 - t0);
    row->count = N;
    row->rate = N / (us / 1e6);
    row->per_op_ns = us * 1000.0 / N;
    snprintf(row->target, sizeof row->target, "< 1000 ns");
    row->target_met = row->per_op_ns < 1000.0;
    snprintf(row->note, sizeof row->note, "report thread busy %.0f ns/adv", (double)(produced - t0 - waited) * 1000.0 / N);
  }
  rc = 0;
out_flow:
  blec_scanner_free(s);
  s = NULL;
  bench_flow_destroy(&c.flow);
out:
  blec_scanner_free(s);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  adv_set_free(&set);
  return rc;
}
