/* SPDX-License-Identifier: MIT */
/*
 * bench_longrun.c — memory held flat over long runs (blec-bench --longrun).
 *
 *  longrun.reconnect  10 000 connect + disconnect cycles of one client to a peripheral
 *                     with 240 characteristics, discovery uncached (the database is read
 *                     again each time, unchanged): the heap and the RSS at checkpoints.
 *                     Each reconnection used to keep its tree (42 KB): 420 MB here.
 *  longrun.overrun    a minute of a notification stream as fast as the world engine goes
 *                     into a callback that takes 1 ms per value, with the default queue
 *                     (4096 values, drop the oldest): heap and RSS at checkpoints, values
 *                     delivered and dropped. Without a bound the queue grew by about 250 MB
 *                     per second here.
 *
 * Both run on the virtual backend (blec-bench only). A row's bytes column is the heap growth per unit (reconnection, second) between the first
 * checkpoint after warm-up and the last; the note lists the checkpoints. "Flat" is the
 * target: the heap at the end within 256 KiB of the first checkpoint (allocator caches,
 * the queue's slots reaching their size).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "world/world_stack.h"

#define LR_ADDR "C6:00:00:00:00:01"
#define FLAT_BYTES (256 * 1024)

/* ---- checkpoints ------------------------------------------------------------------------ */

typedef struct checkpoint {
  uint64_t at; /* reconnections done / seconds run */
  int64_t heap, rss;
} checkpoint;

#define MAX_CP 8

static void take(checkpoint *cp, uint64_t at) {
  int64_t blocks;
  cp->at = at;
  bench_mem_snapshot(&cp->heap, &blocks);
  cp->rss = bench_rss_bytes();
}

/* Appends to buf (always terminated; what does not fit is cut). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...) {
  if (*used >= size) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *used, size - *used, fmt, ap);
  va_end(ap);
  if (n > 0) *used += (size_t)n;
}

/* "at reconnection 100/2500/...: heap 1.20/1.20 MB, RSS 9.8/9.9 MB" over the checkpoints. */
static void describe(char *buf, size_t size, const checkpoint *cp, size_t n, const char *unit) {
  size_t o = 0;
  buf[0] = '\0';
  append(buf, size, &o, "at %s", unit);
  for (size_t i = 0; i < n; i++) append(buf, size, &o, "%s%llu", i ? "/" : " ", (unsigned long long)cp[i].at);
  append(buf, size, &o, ": heap");
  for (size_t i = 0; i < n; i++) append(buf, size, &o, "%s%.2f", i ? "/" : " ", (double)cp[i].heap / 1048576.0);
  append(buf, size, &o, " MB, RSS");
  if (n && cp[0].rss < 0) {
    append(buf, size, &o, " n/a");
    return;
  }
  for (size_t i = 0; i < n; i++) append(buf, size, &o, "%s%.1f", i ? "/" : " ", (double)cp[i].rss / 1048576.0);
  append(buf, size, &o, " MB");
}

static void flat_row(bench_row *row, const checkpoint *cp, size_t n, uint64_t units, const char *unit,
                     const char *extra) {
  if (!row) return;
  row->count = units;
  char cps[160];
  describe(cps, sizeof cps, cp, n, unit);
  if (bench_mem_available()) {
    int64_t growth = cp[n - 1].heap - cp[0].heap;
    uint64_t span = cp[n - 1].at - cp[0].at;
    row->bytes = span && growth > 0 ? (double)growth / (double)span : 0; /* a shrinking heap shows 0 */
    snprintf(row->target, sizeof row->target, "flat");
    row->target_met = growth < FLAT_BYTES;
  }
  snprintf(row->note, sizeof row->note, "%s%s%s", cps, extra[0] ? "; " : "", extra);
}

/* ---- reconnections ---------------------------------------------------------------------- */

static int world_240(blec_world **out) {
  blec_world *w;
  int r = blec_world_new(&w);
  if (r != BLEC_OK) return r;
  blec_world_peripheral *p = NULL;
  static const uint8_t v[2] = {0};
  r = blec_world_add_peripheral(w, LR_ADDR, BLEC_ADDRESS_PUBLIC, &p);
  if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, "Long run", false);
  if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, 20);
  if (r == BLEC_OK) r = blec_world_peripheral_set_delays(p, 0, 0);
  for (int i = 0; r == BLEC_OK && i < 240; i++) {
    blec_uuid u = blec_uuid_from16((uint16_t)(0xD000 + i / 10));
    if (i % 10 == 0) r = blec_world_add_service(p, &u, NULL);
    u = blec_uuid_from32(0x20000000u + (uint32_t)i);
    if (r == BLEC_OK) r = blec_world_add_characteristic(p, &u, BLEC_PROP_READ | (i % 3 ? 0 : BLEC_PROP_NOTIFY), v, 2, NULL);
  }
  if (r != BLEC_OK) {
    blec_world_unref(w);
    return r;
  }
  *out = w;
  return BLEC_OK;
}

int bench_longrun_reconnects(void) {
  const char *B = "longrun.reconnect";
  const uint64_t N = BENCH_N(10000, 200), WARM = BENCH_N(100, 20);
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  bench_mem_start();
  if (!bench_ok(B, "world", world_240(&w))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  if (!bench_ok(B, "connect", bench_connect(ctx, LR_ADDR, BLEC_CACHE_UNCACHED, &c))) goto out;
  blec_characteristic *first = blec_service_characteristic_at(blec_client_service_at(c, 0), 0);
  checkpoint cp[MAX_CP];
  size_t ncp = 0;
  uint64_t t0 = blec__now_us();
  for (uint64_t i = 1; i <= N; i++) {
    if (!bench_ok(B, "blec_client_disconnect", blec_client_disconnect(c, bench_p.timeout_ms, NULL))) goto out;
    if (!bench_ok(B, "blec_client_connect", blec_client_connect(c, -1, NULL))) goto out;
    bool mark = i == WARM || i == N / 4 || i == N / 2 || i == 3 * N / 4 || i == N;
    if (mark && (!ncp || cp[ncp - 1].at < i) && i >= WARM) take(&cp[ncp++], i);
  }
  uint64_t t1 = blec__now_us();
  size_t nchars = 0;
  for (size_t k = 0; k < blec_client_service_count(c); k++)
    nchars += blec_service_characteristic_count(blec_client_service_at(c, k));
  if (nchars < 240 || blec_service_characteristic_at(blec_client_service_at(c, 0), 0) != first) {
    bench_fail(B, "%llu characteristics after the reconnections (wanted 240 + GAP), tree %s", (unsigned long long)nchars,
               blec_service_characteristic_at(blec_client_service_at(c, 0), 0) == first ? "reused" : "replaced");
    goto out;
  }
  bench_row *row = bench_row_add("longrun.reconnect", "heap and RSS over reconnections, 240 characteristics, uncached");
  if (row) row->rate = (double)N / ((double)(t1 - t0) / 1e6);
  char extra[32];
  snprintf(extra, sizeof extra, "%.1f ms per cycle", (double)(t1 - t0) / 1000.0 / (double)N);
  flat_row(row, cp, ncp, N, "reconnection", extra);
  rc = 0;
out:
  blec_client_free(c);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  return rc;
}

/* ---- a stream faster than its callback ------------------------------------------------------ */

typedef struct slow {
  atomic_uint_fast64_t delivered;
} slow;

static void slow_cb(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  (void)data;
  (void)len;
  atomic_fetch_add(&((slow *)user)->delivered, 1);
  blec__sleep_ms(1); /* the slow consumer */
}

int bench_longrun_overrun(void) {
  const char *B = "longrun.overrun";
  const uint64_t SECONDS = BENCH_N(60, 2);
  int rc = -1;
  blec_world *w = NULL;
  blec_world_peripheral *p = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  slow s;
  atomic_init(&s.delivered, 0);
  bench_mem_start();
  if (!bench_ok(B, "world", bench_world_gatt(64, 0, &w, &p))) goto out;
  if (!bench_ok(B, "context", bench_ctx_new(w, &ctx))) goto out;
  /* The default queue of a client: what a program gets without asking. */
  blec_client_options *o = blec_client_options_new();
  if (!o) goto out;
  int r = blec_client_new(ctx, BENCH_GATT_ADDR, o, &c);
  blec_client_options_free(o);
  if (!bench_ok(B, "blec_client_new", r) || !bench_ok(B, "connect", blec_client_connect(c, -1, NULL))) goto out;
  blec_characteristic *chr;
  if (!bench_ok(B, "characteristic BE02", bench_chr(c, 0xBE02, &chr))) goto out;
  uint16_t h = blec_characteristic_handle(chr);
  if (!bench_ok(B, "stream", blec__world_characteristic_set_stream_ex(p, h, 0, "counter", 64, 0))) goto out;
  if (!bench_ok(B, "blec_client_start_notify", blec_client_start_notify(c, chr, 0, slow_cb, &s, bench_p.timeout_ms, NULL)))
    goto out;
  checkpoint cp[MAX_CP];
  size_t ncp = 0;
  uint64_t t0 = blec__now_us();
  const uint64_t marks[] = {1, SECONDS / 4, SECONDS / 2, 3 * SECONDS / 4, SECONDS};
  for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
    if (ncp && marks[k] <= cp[ncp - 1].at) continue;
    uint64_t due = t0 + marks[k] * 1000000u;
    while (blec__now_us() < due) blec__sleep_ms(20);
    take(&cp[ncp++], marks[k]);
  }
  if (!bench_ok(B, "blec_client_stop_notify", blec_client_stop_notify(c, chr, bench_p.timeout_ms, NULL))) goto out;
  uint64_t delivered = atomic_load(&s.delivered), dropped = blec_client_notifications_dropped(c);
  if (!dropped || !delivered) {
    bench_fail(B, "%llu values delivered, %llu dropped: a stream faster than its callback must overrun it",
               (unsigned long long)delivered, (unsigned long long)dropped);
    goto out;
  }
  bench_row *row = bench_row_add("longrun.overrun", "heap and RSS under a stream faster than its callback (1 ms/value)");
  if (row) row->rate = (double)(delivered + dropped) / (double)SECONDS;
  char extra[96];
  snprintf(extra, sizeof extra, "%llu delivered, %llu dropped", (unsigned long long)delivered,
           (unsigned long long)dropped);
  flat_row(row, cp, ncp, SECONDS, "second", extra);
  rc = 0;
out:
  blec_client_free(c);
  bench_ctx_free(ctx);
  blec_world_unref(w);
  return rc;
}
