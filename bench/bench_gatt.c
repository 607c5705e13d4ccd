/* SPDX-License-Identifier: MIT */
/*
 * bench_gatt.c — the benchmark peripheral, read round trips, connect + discover.
 *
 *  read           blocking blec_client_read() of a 20-byte characteristic, one after the
 *                 other, response delay 0: the round trip program → core → backend
 *                 (→ simulated OS stack) → world engine → back to the waiting program.
 *  connect.*      blec_client_connect() of a client made from a scanned device (no scan
 *                 in the figure) to a peripheral with 20 services × 3 characteristics:
 *                 link + MTU exchange + service discovery, connect delay 0. "uncached"
 *                 discovers over the link every time, "cached" is answered from the
 *                 backend's attribute cache (Windows' cached mode).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "world/world_stack.h"

int bench_world_gatt(uint32_t burst, uint64_t count, blec_world **out, blec_world_peripheral **pout) {
  blec_world *w;
  int r = blec_world_new(&w);
  if (r != BLEC_OK) return r;
  blec_world_peripheral *p = NULL;
  uint8_t zero[BENCH_READ_LEN] = {0}, seq[BENCH_READ_LEN];
  for (int i = 0; i < BENCH_READ_LEN; i++) seq[i] = (uint8_t)i;
  blec_uuid svc = blec_uuid_from16(0xBE00), n1 = blec_uuid_from16(0xBE01), n2 = blec_uuid_from16(0xBE02),
            rd = blec_uuid_from16(0xBE03);
  uint16_t h_stream = 0;
  r = blec_world_add_peripheral(w, BENCH_GATT_ADDR, BLEC_ADDRESS_PUBLIC, &p);
  if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, "Bench GATT", false);
  if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, 20);
  if (r == BLEC_OK) r = blec_world_peripheral_set_delays(p, 0, 0);
  if (r == BLEC_OK) r = blec_world_add_service(p, &svc, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &n1, BLEC_PROP_NOTIFY, zero, sizeof zero, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &n2, BLEC_PROP_NOTIFY, zero, sizeof zero, &h_stream);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &rd, BLEC_PROP_READ, seq, sizeof seq, NULL);
  if (r == BLEC_OK && count)
    r = blec__world_characteristic_set_stream_ex(p, h_stream, 0, "counter", burst, count);
  if (r != BLEC_OK) {
    blec_world_unref(w);
    return r;
  }
  *out = w;
  if (pout) *pout = p;
  return BLEC_OK;
}

int bench_chr(blec_client *c, uint16_t uuid16, blec_characteristic **out) {
  blec_uuid u = blec_uuid_from16(uuid16);
  return blec_client_characteristic(c, &u, out);
}

/* ---- read --------------------------------------------------------------------------------- */

int bench_read(void) {
  const char *B = "read";
  const uint64_t M = BENCH_N(20000, 200);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  uint32_t *lat = calloc(M, sizeof *lat);
  if (!lat) return -1;
  if (!bench_ok(B, "world", bench_world_gatt(1, 0, &w, NULL))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "connect", bench_connect(ctx, BENCH_GATT_ADDR, BLEC_CACHE_DEFAULT, &c))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE03", bench_chr(c, 0xBE03, &chr))) goto out;
  uint64_t bad = 0;
  for (uint64_t i = 0; i < M + 100; i++) { /* the first 100 warm up */
    uint8_t *data = NULL;
    size_t len = 0;
    blec_error err;
    uint64_t t0 = blec__now_us();
    int r = blec_client_read(c, chr, 0, bench_p.timeout_ms, &data, &len, &err);
    uint64_t t1 = blec__now_us();
    if (!bench_ok(B, "blec_client_read", r)) goto out;
    if (len != BENCH_READ_LEN)
      bad++;
    else
      for (size_t k = 0; k < len; k++) bad += data[k] != (uint8_t)k;
    blec_free(data);
    if (i >= 100) lat[i - 100] = (uint32_t)(t1 - t0);
  }
  if (bad) {
    bench_fail(B, "%llu reads returned wrong bytes", (unsigned long long)bad);
    goto out;
  }
  if (blec_world_peripheral_request_count(blec_world_peripheral_at(w, 0)) < M + 100) {
    bench_fail(B, "the peripheral served %llu requests, wanted >= %llu",
               (unsigned long long)blec_world_peripheral_request_count(blec_world_peripheral_at(w, 0)),
               (unsigned long long)(M + 100));
    goto out;
  }
  bench_row *row = bench_row_add("read", "blocking blec_client_read(), 20 bytes, response delay 0");
  if (row) {
    uint64_t total = 0;
    for (uint64_t i = 0; i < M; i++) total += lat[i];
    row->count = M;
    row->rate = (double)M / ((double)total / 1e6);
    row->per_op_ns = (double)total * 1000.0 / (double)M;
    bench_percentiles(row, lat, M);
    snprintf(row->note, sizeof row->note, "one read in flight");
  }
  rc = 0;
out:
  blec_client_free(c);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  free(lat);
  return rc;
}

/* ---- connect + discover -------------------------------------------------------------------- */

#define BIG_ADDR "C4:B0:00:00:00:01"
#define BIG_SERVICES 20

static int world_big(blec_world **out) {
  blec_world *w;
  int r = blec_world_new(&w);
  if (r != BLEC_OK) return r;
  blec_world_peripheral *p = NULL;
  r = blec_world_add_peripheral(w, BIG_ADDR, BLEC_ADDRESS_PUBLIC, &p);
  if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, "Bench 20 services", false);
  if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, 20);
  if (r == BLEC_OK) r = blec_world_peripheral_set_delays(p, 0, 0);
  static const uint8_t v[4] = {1, 2, 3, 4};
  static const uint8_t desc[] = "bench value";
  blec_uuid d2901 = blec_uuid_from16(0x2901);
  for (int s = 0; r == BLEC_OK && s < BIG_SERVICES; s++) {
    blec_uuid su = blec_uuid_from16((uint16_t)(0xD000 + s * 16));
    blec_uuid c1 = blec_uuid_from16((uint16_t)(0xD001 + s * 16));
    blec_uuid c2 = blec_uuid_from16((uint16_t)(0xD002 + s * 16));
    blec_uuid c3 = blec_uuid_from16((uint16_t)(0xD003 + s * 16));
    r = blec_world_add_service(p, &su, NULL);
    if (r == BLEC_OK) r = blec_world_add_characteristic(p, &c1, BLEC_PROP_READ, v, sizeof v, NULL);
    if (r == BLEC_OK) r = blec_world_add_descriptor(p, &d2901, desc, sizeof desc - 1, NULL);
    if (r == BLEC_OK)
      r = blec_world_add_characteristic(p, &c2, BLEC_PROP_READ | BLEC_PROP_NOTIFY, v, sizeof v, NULL);
    if (r == BLEC_OK)
      r = blec_world_add_characteristic(p, &c3, BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE, v, sizeof v, NULL);
  }
  if (r != BLEC_OK) {
    blec_world_unref(w);
    return r;
  }
  *out = w;
  return BLEC_OK;
}

static int connect_series(const char *B, blec_ctx *ctx, blec_device *dev, blec_cache_mode mode, uint64_t n,
                          uint32_t *lat) {
  blec_client_options *o = blec_client_options_new();
  if (!o) return BLEC_ERR_NO_MEMORY;
  int r = blec_client_options_set_cache_mode(o, mode);
  for (uint64_t i = 0; r == BLEC_OK && i < n; i++) {
    blec_client *c = NULL;
    r = blec_client_new_from_device(ctx, dev, o, &c);
    if (r != BLEC_OK) break;
    blec_error err;
    uint64_t t0 = blec__now_us();
    r = blec_client_connect(c, bench_p.timeout_ms, &err);
    uint64_t t1 = blec__now_us();
    if (r == BLEC_OK && !bench_connected_now(c)) {
      bench_fail(B, "blec_client_connect returned BLEC_OK, yet blec_client_is_connected() is false");
      r = BLEC_ERR_STATE;
    }
    if (r == BLEC_OK) {
      /* 20 services + the GAP service the name creates. */
      size_t ns = blec_client_service_count(c), nc = 0;
      for (size_t k = 0; k < ns; k++) nc += blec_service_characteristic_count(blec_client_service_at(c, k));
      if (ns < BIG_SERVICES || nc < BIG_SERVICES * 3) {
        bench_fail(B, "discovered %llu services / %llu characteristics, wanted >= %d / %d",
                   (unsigned long long)ns, (unsigned long long)nc, BIG_SERVICES,
                   BIG_SERVICES * 3);
        r = BLEC_ERR_INTERNAL;
      }
      int d = blec_client_disconnect(c, bench_p.timeout_ms, NULL);
      if (r == BLEC_OK) r = d;
    } else {
      char buf[256];
      fprintf(stderr, "blec-bench: %s: %s\n", B, blec_error_format(&err, buf, sizeof buf));
    }
    blec_client_free(c);
    lat[i] = (uint32_t)(t1 - t0);
  }
  blec_client_options_free(o);
  return r;
}

int bench_connect_discover(void) {
  const char *B = "connect";
  const uint64_t K = BENCH_N(500, 5);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_device *dev = NULL;
  uint32_t *lat = calloc(K, sizeof *lat);
  if (!lat) return -1;
  if (!bench_ok(B, "world", world_big(&w))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  blec_error err;
  if (!bench_ok(B, "blec_find_device_by_address",
                blec_find_device_by_address(ctx, BIG_ADDR, bench_p.timeout_ms, &dev, &err)))
    goto out;
  static const struct {
    const char *name, *what;
    blec_cache_mode mode;
  } modes[] = {
      {"connect.uncached", "connect + MTU + discovery over the link, 20 services x 3 chars", BLEC_CACHE_UNCACHED},
      {"connect.cached", "connect + MTU + discovery from the backend's cache, 20 services", BLEC_CACHE_CACHED},
  };
  for (size_t m = 0; m < 2; m++) {
    /* Two warm-up connects (the second fills the cache for the cached mode). */
    if (!bench_ok(B, "warm-up connect", connect_series(B, ctx, dev, modes[m].mode, 2, lat))) goto out;
    if (!bench_ok(B, modes[m].name, connect_series(B, ctx, dev, modes[m].mode, K, lat))) goto out;
    bench_row *row = bench_row_add(modes[m].name, modes[m].what);
    if (row) {
      uint64_t total = 0;
      for (uint64_t i = 0; i < K; i++) total += lat[i];
      row->count = K;
      row->rate = (double)K / ((double)total / 1e6);
      row->per_op_ns = (double)total * 1000.0 / (double)K;
      bench_percentiles(row, lat, K);
      snprintf(row->note, sizeof row->note, "connect delay 0; disconnect not timed");
    }
  }
  rc = 0;
out:
  blec_device_unref(dev);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  free(lat);
  return rc;
}
