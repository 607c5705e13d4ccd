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
 *  adv.core.queued the same in queued delivery: a program thread runs blec_ctx_dispatch().
 *  adv.core.bare   adv.core with a callback that reads nothing: the handoff alone, without
 *                  the cost of the report's cache lines travelling to the callback's core.
 *  adv.core.ratio  adv.core / adv.core.merge (and the queued one), taken per round: what
 *                  handing a report to the callback costs beside the work itself.
 *  adv.core.line   what the machine charges for one cache line to go from one thread's
 *                  core to another's (two threads passing an atomic back and forth), taken
 *                  around each round's thread-delivery phase: the floor under every value
 *                  handed between threads. On a virtual machine it changes from second to
 *                  second (the host moves the virtual cores: 56-265 ns seen on one 2-core
 *                  VM), and the ratio with it; the ratio row's note pairs them per round.
 *
 * The callback rows' notes also count how often the reporting thread woke a sleeping
 * dispatcher (per 1000 reports): each is a system call on that thread.
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

/* One measured phase on a started scanner: per-report time of the whole phase (until the
 * last callback when there is one) and the reporting thread's own busy time. */
typedef struct adv_phase {
  double ns;      /* per report, whole phase */
  double busy_ns; /* per report, the reporting thread's time outside flow-control waits */
  double cpu_ns;  /* per report, the reporting thread's CPU time (what descheduling cannot inflate) */
  double wake_k;  /* sleeping dispatcher woken by the reporting thread, per 1000 reports */
} adv_phase;

/* Every device of the set seen, and only those. */
static bool all_seen(const char *B, const char *phase, blec_scanner *s, uint32_t k) {
  size_t seen = 0;
  if (!bench_ok(B, "blec_scanner_devices", bench_count_seen(s, &seen))) return false;
  if (seen == k) return true;
  bench_fail(B, "%s: %llu devices seen, wanted %u", phase, (unsigned long long)seen, (unsigned)k);
  return false;
}

static bool run_merge(const char *B, blec_ctx *ctx, const adv_set *set, uint64_t n, adv_phase *out) {
  blec_scanner *s = NULL;
  bool ok = false;
  if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, NULL, NULL, &s))) goto out;
  if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out;
  blec__report rep;
  for (uint64_t i = 0; i < 2ull * set->k; i++) { /* warm: every device seen, table grown */
    fill_report(set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  uint64_t c0 = blec__thread_cpu_us(), t0 = blec__now_us();
  for (uint64_t i = 0; i < n; i++) {
    fill_report(set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  uint64_t t1 = blec__now_us(), c1 = blec__thread_cpu_us();
  if (!all_seen(B, "merge only", s, set->k)) goto out;
  out->ns = out->busy_ns = (double)(t1 - t0) * 1000.0 / (double)n;
  out->cpu_ns = (double)(c1 - c0) * 1000.0 / (double)n;
  out->wake_k = 0;
  ok = true;
out:
  blec_scanner_free(s);
  return ok;
}

static bool run_callback(const char *B, blec_ctx *ctx, blec_delivery mode, blec_detection_cb cb, const adv_set *set,
                         uint64_t n, adv_phase *out) {
  bench_adv_counter c;
  bench_flow_init(&c.flow, n, 1024);
  atomic_init(&c.bad, 0);
  bench_pump pump;
  blec_scanner *s = NULL;
  bool ok = false;
  if (!bench_pump_start(&pump, ctx, mode)) {
    bench_fail(B, "%s: the dispatching thread did not start", bench_mode_name(mode));
    goto out;
  }
  if (!bench_ok(B, "blec_scanner_new", blec_scanner_new(ctx, NULL, cb, &c, &s))) goto out;
  if (!bench_ok(B, "blec_scanner_start", blec_scanner_start(s, NULL))) goto out;
  blec__report rep;
  uint64_t w0 = blec__dispatcher_wakeups(&ctx->dispatcher);
  uint64_t waited = 0, c0 = blec__thread_cpu_us(), t0 = blec__now_us();
  for (uint64_t i = 0; i < n; i++) {
    waited += bench_flow_throttle(&c.flow, i);
    fill_report(set, i, &rep);
    blec__scanner_report(s, &rep);
  }
  uint64_t produced = blec__now_us(), c1 = blec__thread_cpu_us();
  if (!bench_flow_wait(&c.flow, bench_p.timeout_ms)) {
    bench_fail(B, "%s: %llu of %llu detection callbacks after %d ms", bench_mode_name(mode),
               (unsigned long long)atomic_load(&c.flow.delivered), (unsigned long long)n, bench_p.timeout_ms);
    goto out;
  }
  uint64_t t1 = atomic_load(&c.flow.last_us);
  out->wake_k = (double)(blec__dispatcher_wakeups(&ctx->dispatcher) - w0) * 1000.0 / (double)n;
  /* A callback too many would be counted now: stop waits for a running one. */
  blec_scanner_stop(s);
  if (atomic_load(&c.flow.delivered) != n || atomic_load(&c.bad) != 0 || blec_scanner_detections_dropped(s)) {
    bench_fail(B, "%s: %llu callbacks (wanted %llu), %llu with wrong data, %llu dropped", bench_mode_name(mode),
               (unsigned long long)atomic_load(&c.flow.delivered), (unsigned long long)n,
               (unsigned long long)atomic_load(&c.bad), (unsigned long long)blec_scanner_detections_dropped(s));
    goto out;
  }
  if (!all_seen(B, bench_mode_name(mode), s, set->k)) goto out;
  out->ns = (double)(t1 - t0) * 1000.0 / (double)n;
  out->busy_ns = (double)(produced - t0 - waited) * 1000.0 / (double)n;
  out->cpu_ns = (double)(c1 - c0) * 1000.0 / (double)n;
  ok = true;
out:
  blec_scanner_free(s);
  bench_pump_stop(&pump);
  bench_flow_destroy(&c.flow);
  return ok;
}

#define ADV_ROUNDS 3

/* ---- the machine: one cache line between two cores ---------------------------------- */

/* Trips per run, at most: a run also ends after LINE_RUN_US (a descheduled partner on a busy
 * machine makes a trip last a time slice). */
enum { LINE_TRIPS = 5000, LINE_RUNS = 3, LINE_RUN_US = 20000 };

typedef struct line_pingpong {
  _Alignas(64) _Atomic uint64_t ball; /* odd: the other thread's turn; even: ours */
  _Atomic bool stop;
} line_pingpong;

static void line_partner(void *arg) {
  line_pingpong *p = arg;
  uint64_t want = 1;
  while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
    if (atomic_load_explicit(&p->ball, memory_order_acquire) != want) {
      blec__cpu_relax();
      continue;
    }
    atomic_store_explicit(&p->ball, want + 1, memory_order_release);
    want += 2;
  }
}

/*
 * One way of a cache line between the bench thread's core and another thread's, in ns
 * (half a round trip of an atomic passed back and forth), the median of LINE_RUNS runs;
 * 0 when no second thread could start. Both threads spin: on a busy machine a run whose
 * partner was descheduled reads high, which the median absorbs.
 */
static double line_transfer_ns(void) {
  static line_pingpong p;
  double runs[LINE_RUNS];
  atomic_init(&p.ball, 0);
  atomic_init(&p.stop, false);
  blec__thread t;
  if (blec__thread_create(&t, line_partner, &p) != BLEC_OK) return 0;
  uint64_t ball = 0;
  for (int r = 0; r < LINE_RUNS; r++) {
    uint64_t t0 = blec__now_us(), t1 = t0;
    int trips = 0;
    while (trips < LINE_TRIPS && t1 - t0 < LINE_RUN_US) {
      for (int i = 0; i < 256; i++, trips++) {
        atomic_store_explicit(&p.ball, ++ball, memory_order_release);
        while (atomic_load_explicit(&p.ball, memory_order_acquire) == ball) blec__cpu_relax();
        ball++;
      }
      t1 = blec__now_us();
    }
    runs[r] = (double)(t1 - t0) * 1000.0 / (2.0 * trips);
  }
  atomic_store(&p.stop, true);
  blec__thread_join(&t);
  return bench_median(runs, LINE_RUNS);
}

/* The median of v[0..n) (n <= 2 * ADV_ROUNDS), leaving v in round order: bench_median
 * sorts what it is given, and the ratio's note pairs each round's ratio with its line. */
static double median_in_order(const double *v, size_t n) {
  double copy[2 * ADV_ROUNDS];
  memcpy(copy, v, n * sizeof *v);
  return bench_median(copy, n);
}

/* "lo-hi" of v[0..n). */
static void spread(char *buf, size_t size, const double *v, size_t n, int decimals) {
  double lo = v[0], hi = v[0];
  for (size_t i = 1; i < n; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  snprintf(buf, size, "%.*f-%.*f", decimals, lo, decimals, hi);
}

/*
 * Rounds of three phases (merge only; callback, thread delivery; callback, queued
 * delivery), so that a busy machine slows all three alike: each row is the median of its
 * rounds, the ratio is taken per round and its median reported with the spread.
 */
int bench_adv_core(void) {
  const char *B = "adv.core";
  const uint32_t K = (uint32_t)BENCH_N(1000, 100);
  const uint64_t N = BENCH_N(1000000, 20000);
  const size_t R = bench_p.quick ? 1 : ADV_ROUNDS;
  int rc = -1;
  blec_world *w = NULL;
  blec_ctx *ctx[2] = {NULL, NULL};
  const blec_delivery modes[2] = {BLEC_DELIVERY_THREAD, BLEC_DELIVERY_QUEUED};
  adv_set set;
  if (!adv_set_init(&set, K)) return -1;
  if (!bench_ok(B, "blec_world_new", blec_world_new(&w))) goto out;
  for (int m = 0; m < 2; m++)
    if (!bench_ok(B, "context", bench_ctx_new_mode(w, modes[m], &ctx[m]))) goto out;
  double merge[ADV_ROUNDS], merge_cpu[ADV_ROUNDS], cb[2][ADV_ROUNDS], busy[2][ADV_ROUNDS], ratio[2][ADV_ROUNDS],
      cpu_ratio[2][ADV_ROUNDS], wake[2][ADV_ROUNDS], bare[ADV_ROUNDS], bare_ratio[ADV_ROUNDS], line[2][ADV_ROUNDS];
  for (size_t r = 0; r < R; r++) {
    adv_phase ph;
    if (!run_merge(B, ctx[0], &set, N, &ph)) goto out;
    merge[r] = ph.ns;
    merge_cpu[r] = ph.cpu_ns;
    for (int m = 0; m < 2; m++) {
      /* The line's cost moves from second to second here: each phase gets its own. */
      double line_before = line_transfer_ns();
      if (!run_callback(B, ctx[m], modes[m], bench_on_detect, &set, N, &ph)) goto out;
      line[m][r] = (line_before + line_transfer_ns()) / 2;
      cb[m][r] = ph.ns;
      busy[m][r] = ph.busy_ns;
      wake[m][r] = ph.wake_k;
      ratio[m][r] = ph.ns / merge[r];
      /* A thread CPU clock coarser than the phase reads 0: no ratio then. */
      cpu_ratio[m][r] = merge_cpu[r] > 0 ? ph.cpu_ns / merge_cpu[r] : 0;
    }
    if (!run_callback(B, ctx[0], modes[0], bench_on_detect_bare, &set, N, &ph)) goto out;
    bare[r] = ph.ns;
    bare_ratio[r] = ph.ns / merge[r];
  }
  char sp[48], sp2[48];
  spread(sp, sizeof sp, merge, R, 0);
  bench_row *row = bench_row_add("adv.core.merge", "core: blec__scanner_report() parse + merge + seen table, no callback");
  double mmed = bench_median(merge, R);
  if (row) {
    row->count = N;
    row->per_op_ns = mmed;
    row->rate = 1e9 / mmed;
    snprintf(row->note, sizeof row->note, "%u devices, 1 thread; median of %u rounds (%s ns); CPU %.0f ns", (unsigned)K,
             (unsigned)R, sp, bench_median(merge_cpu, R));
  }
  double rmed[2], cmed[2];
  for (int m = 0; m < 2; m++) {
    double cbm = bench_median(cb[m], R), bm = bench_median(busy[m], R);
    spread(sp, sizeof sp, cb[m], R, 0);
    spread(sp2, sizeof sp2, ratio[m], R, 2);
    rmed[m] = median_in_order(ratio[m], R);
    cmed[m] = bench_median(cpu_ratio[m], R);
    row = bench_row_add(m ? "adv.core.queued" : "adv.core",
                        m ? "core: the same, callback run by blec_ctx_dispatch() on a program thread (queued)"
                          : "core: blec__scanner_report() -> parse + merge -> detection callback (dispatch thread)");
    if (!row) continue;
    row->count = N;
    row->per_op_ns = cbm;
    row->rate = 1e9 / cbm;
    row->value = rmed[m];
    snprintf(row->target, sizeof row->target, "< 1000 ns");
    row->target_met = cbm < 1000.0;
    snprintf(row->note, sizeof row->note,
             "%s ns; / merge %.2f (%s); report thread busy %.0f ns/adv, CPU x%.2f; dispatcher woken %.1f per 1000", sp,
             rmed[m], sp2, bm, cmed[m], bench_median(wake[m], R));
  }
  row = bench_row_add("adv.core.bare", "core: adv.core with a callback that reads nothing of the report");
  if (row) {
    double bm = bench_median(bare, R);
    row->count = N;
    row->per_op_ns = bm;
    row->rate = 1e9 / bm;
    row->value = bench_median(bare_ratio, R);
    spread(sp, sizeof sp, bare_ratio, R, 2);
    snprintf(row->note, sizeof row->note,
             "/ merge %.2f (%s): the handoff apart from the data the program reads (those cache lines go to the "
             "callback's core and back to the reporting thread's allocator)",
             row->value, sp);
  }
  row = bench_row_add("adv.core.line", "machine: one cache line from one core to another (two threads, an atomic)");
  if (row) {
    double all[2 * ADV_ROUNDS];
    for (size_t r = 0; r < R; r++) {
      all[2 * r] = line[0][r];
      all[2 * r + 1] = line[1][r];
    }
    double lmed = bench_median(all, 2 * R);
    spread(sp, sizeof sp, all, 2 * R, 0);
    row->count = 2 * R;
    row->per_op_ns = lmed > 0 ? lmed : BENCH_NONE;
    row->value = lmed > 0 ? lmed / mmed : BENCH_NONE;
    snprintf(row->note, sizeof row->note,
             "one way, around each delivery phase (%s ns); %.2f x the merge: each value handed to the "
             "callback's thread moves lines of the queue and of the report",
             sp, row->value > 0 ? row->value : 0.0);
  }
  row = bench_row_add("adv.core.ratio", "adv.core / adv.core.merge: what handing a report to the callback costs");
  if (row) {
    row->count = R;
    row->value = rmed[0] > rmed[1] ? rmed[0] : rmed[1];
    snprintf(row->target, sizeof row->target, "<= 2");
    row->target_met = row->value <= 2.0;
    spread(sp, sizeof sp, ratio[0], R, 2);
    spread(sp2, sizeof sp2, ratio[1], R, 2);
    char pairs[2][48] = {"", ""};
    for (int m = 0; m < 2; m++)
      for (size_t r = 0, used = 0; r < R && used < sizeof pairs[m]; r++) {
        int k = snprintf(pairs[m] + used, sizeof pairs[m] - used, "%s%.2f@%.0f", r ? " " : "", ratio[m][r], line[m][r]);
        if (k < 0) break;
        used += (size_t)k;
      }
    snprintf(row->note, sizeof row->note,
             "wall: thread %.2f (%s), queued %.2f (%s); CPU x%.2f, x%.2f; per round, ratio@line ns: thread %s, queued %s",
             rmed[0], sp, rmed[1], sp2, cmed[0], cmed[1], pairs[0], pairs[1]);
  }
  rc = 0;
out:
  for (int m = 0; m < 2; m++) bench_ctx_free(ctx[m]);
  blec_world_unref(w);
  adv_set_free(&set);
  return rc;
}
