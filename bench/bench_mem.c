/* SPDX-License-Identifier: MIT */
/*
 * bench_mem.c — heap held per seen device and per connected client (memcount.c says how
 * bytes are counted: live blocks' usable sizes, process-wide).
 *
 *  mem.device.core  a started scanner without callback, 10 000 devices each reporting an
 *                   advertisement and a scan response through blec__scanner_report():
 *                   growth / 10 000 = the seen-table slot, the device snapshot and its
 *                   merged advertisement (payloads, parsed fields, name).
 *  mem.device.e2e   the same with the virtual backend and 10 000 advertising world
 *                   peripherals (after a warm-up scan, so the world engine's queue has
 *                   its size already; the scan object itself is counted).
 *  mem.client       50 clients connected to 50 heart-rate-like peripherals (3 services,
 *                   6 characteristics + GAP): the core client and its GATT model, the
 *                   virtual backend's per-client state and attribute cache, and the world's
 *                   side of the link — everything one more connection costs this process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void mem_row(const char *name, const char *what, uint64_t units, int64_t bytes, int64_t blocks,
                    bool target_kib, const char *note) {
  bench_row *row = bench_row_add(name, what);
  if (!row) return;
  row->count = units;
  if (bench_mem_available()) {
    row->bytes = (double)bytes / (double)units;
    row->blocks = (double)blocks / (double)units;
    snprintf(row->note, sizeof row->note, "%.1f heap blocks/unit; %s", row->blocks, note);
  } else {
    snprintf(row->note, sizeof row->note, "n/a: %s", bench_mem_why_not());
  }
  if (target_kib) {
    snprintf(row->target, sizeof row->target, "< 1024 B");
    row->target_met = row->bytes < 0 ? -1 : row->bytes < 1024.0;
  }
}

/* Polls until the scanner has seen `want` devices. */
static bool wait_seen(const char *B, blec_scanner *s, size_t want) {
  uint64_t deadline = blec__now_us() + (uint64_t)bench_p.timeout_ms * 1000u;
  size_t n = 0;
  while (blec__now_us() < deadline) {
    if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &n))) return false;
    if (n >= want) return true;
    blec__sleep_ms(5);
  }
  bench_fail(B, "%llu of %llu devices seen after %d ms", (unsigned long long)n, (unsigned long long)want, bench_p.timeout_ms);
  return false;
}

int bench_mem_devices(void) {
  const char *B = "mem.device";
  const uint32_t K = (uint32_t)BENCH_N(10000, 500);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_scanner *s = NULL;
  int64_t b0, k0, b1, k1;
  size_t seen = 0;
  bench_mem_start();

  /* Core only. */
  if (!bench_ok(B, "blec_world_new", blec_world_new(&w))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, NULL, NULL, &s))) goto out;
  if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out;
  bench_mem_snapshot(&b0, &k0);
  if (!bench_ok(B, "reports", bench_report_devices(s, K))) goto out;
  bench_mem_snapshot(&b1, &k1);
  if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &seen))) goto out;
  if (seen != K) {
    bench_fail(B, "core: %llu devices seen, wanted %u", (unsigned long long)seen, (unsigned)K);
    goto out;
  }
  mem_row("mem.device.core", "core: heap per seen device (scanner table + device + merged adv)", K, b1 - b0, k1 - k0,
          true, "adv+scan rsp 29+29 B");
  blec_scanner_free(s);
  s = NULL;
  bench_ctx_free(ctx);
  ctx = NULL;
  blec_world_unref(w);
  w = NULL;

  /* End to end. */
  if (!bench_ok(B, "world", bench_world_advertisers(K, 100, 0.01, &w))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  for (int round = 0; round < 2; round++) {
    /* Round 0 warms the world engine up; round 1 is measured. */
    if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, NULL, NULL, &s))) goto out;
    bench_mem_snapshot(&b0, &k0);
    if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out;
    if (!wait_seen(B, s, K)) goto out;
    blec__sleep_ms(50); /* every device has merged its scan response by now */
    blec_scanner_stop(s);
    bench_mem_snapshot(&b1, &k1);
    if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &seen))) goto out;
    if (seen != K) {
      bench_fail(B, "e2e: %llu devices seen, wanted %u", (unsigned long long)seen, (unsigned)K);
      goto out;
    }
    if (round == 1) {
      char what[96];
      snprintf(what, sizeof what, "virtual backend: heap per seen device, %u advertising peripherals", (unsigned)K);
      mem_row("mem.device.e2e", what, K, b1 - b0, k1 - k0, true, "scanner stopped, table kept");
    }
    blec_scanner_free(s);
    s = NULL;
  }
  rc = 0;
out:
  blec_scanner_free(s);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  return rc;
}

static int add_hr(blec_world *w, uint32_t i) {
  char addr[BLEC_ADDR_STRLEN], name[24];
  bench_address(addr, 0xC5, i);
  snprintf(name, sizeof name, "HR %04u", (unsigned)i);
  blec_world_peripheral *p;
  static const uint8_t hr[] = {0x00, 72}, loc[] = {1}, batt[] = {100};
  static const uint8_t maker[] = "blec bench", model[] = "HR-1";
  blec_uuid u180d = blec_uuid_from16(0x180D), u2a37 = blec_uuid_from16(0x2A37), u2a38 = blec_uuid_from16(0x2A38),
            u180f = blec_uuid_from16(0x180F), u2a19 = blec_uuid_from16(0x2A19), u180a = blec_uuid_from16(0x180A),
            u2a29 = blec_uuid_from16(0x2A29), u2a24 = blec_uuid_from16(0x2A24);
  int r = blec_world_add_peripheral(w, addr, BLEC_ADDRESS_PUBLIC, &p);
  if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, name, false);
  if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, 10);
  if (r == BLEC_OK) r = blec_world_peripheral_set_delays(p, 0, 0);
  if (r == BLEC_OK) r = blec_world_add_service(p, &u180d, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &u2a37, BLEC_PROP_NOTIFY, hr, sizeof hr, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &u2a38, BLEC_PROP_READ, loc, sizeof loc, NULL);
  if (r == BLEC_OK) r = blec_world_add_service(p, &u180f, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &u2a19, BLEC_PROP_READ | BLEC_PROP_NOTIFY, batt, 1, NULL);
  if (r == BLEC_OK) r = blec_world_add_service(p, &u180a, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &u2a29, BLEC_PROP_READ, maker, sizeof maker - 1, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &u2a24, BLEC_PROP_READ, model, sizeof model - 1, NULL);
  return r;
}

int bench_mem_clients(void) {
  const char *B = "mem.client";
  const uint32_t C = (uint32_t)BENCH_N(50, 5);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  bench_mem_start();
  blec_client **cl = calloc(C + 1, sizeof *cl);
  if (!cl) return -1;
  if (!bench_ok(B, "blec_world_new", blec_world_new(&w))) goto out;
  for (uint32_t i = 0; i <= C; i++)
    if (!bench_ok(B, "world", add_hr(w, i))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  /* Warm-up: one connection (peripheral C) starts the engine and fills its free lists. */
  char addr[BLEC_ADDR_STRLEN];
  bench_address(addr, 0xC5, C);
  if (!bench_ok(B, "warm-up connect", bench_connect(ctx, addr, BLEC_CACHE_DEFAULT, &cl[C]))) goto out;
  int64_t b0, k0, b1, k1;
  bench_mem_snapshot(&b0, &k0);
  for (uint32_t i = 0; i < C; i++) {
    bench_address(addr, 0xC5, i);
    if (!bench_ok(B, "connect", bench_connect(ctx, addr, BLEC_CACHE_DEFAULT, &cl[i]))) goto out;
  }
  blec__sleep_ms(20); /* the connect scans' last callbacks and frees settle */
  bench_mem_snapshot(&b1, &k1);
  size_t nchars = 0;
  for (uint32_t i = 0; i < C; i++) {
    if (!blec_client_is_connected(cl[i])) {
      bench_fail(B, "client %u is not connected", (unsigned)i);
      goto out;
    }
    for (size_t k = 0; k < blec_client_service_count(cl[i]); k++)
      nchars += blec_service_characteristic_count(blec_client_service_at(cl[i], k));
  }
  if (nchars < (size_t)C * 5) {
    bench_fail(B, "%llu characteristics discovered over %u clients, wanted >= %u",
               (unsigned long long)nchars, (unsigned)C, (unsigned)C * 5);
    goto out;
  }
  mem_row("mem.client", "heap per connected client (core + GATT model + backend + world link)", C, b1 - b0, k1 - k0,
          false, "4 services, 6 chars");
  rc = 0;
out:
  for (uint32_t i = 0; i <= C; i++) blec_client_free(cl[i]);
  free(cl);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  return rc;
}
