/* SPDX-License-Identifier: MIT */
/* common.c — helpers shared by the benchmarks: percentiles and medians, flow control,
 * contexts, queued delivery's loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* ---- statistics ------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

void bench_percentiles(bench_row *row, uint32_t *v, size_t n) {
  if (!n) return;
  qsort(v, n, sizeof *v, cmp_u32);
  row->median_us = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  size_t rank = (n * 99 + 99) / 100; /* nearest rank, 1-based */
  row->p99_us = v[rank - 1];
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n) {
  if (!n) return BENCH_NONE;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* ---- flow ------------------------------------------------------------------------------- */

void bench_flow_init(bench_flow *f, uint64_t goal, uint64_t window) {
  atomic_init(&f->delivered, 0);
  atomic_init(&f->wake_at, 0);
  atomic_init(&f->last_us, 0);
  f->goal = goal;
  f->window = window ? window : 1;
  blec__mutex_init(&f->lock);
  blec__cond_init(&f->cond);
}

void bench_flow_destroy(bench_flow *f) {
  blec__cond_destroy(&f->cond);
  blec__mutex_destroy(&f->lock);
}

uint64_t bench_flow_throttle(bench_flow *f, uint64_t produced) {
  /* Looked at every 64 items: reading the consumer's counter is a cache miss each time,
   * a cost of the bench, not of the library. The bound is window + 63. */
  if (produced % 64 || produced - atomic_load(&f->delivered) < f->window) return 0;
  uint64_t t0 = blec__now_us();
  blec__mutex_lock(&f->lock);
  /* Resume at half a window: one wake-up per window/2 items, not per item. */
  uint64_t want = produced - f->window / 2;
  atomic_store(&f->wake_at, want ? want : 1);
  while (atomic_load(&f->delivered) < want) blec__cond_timedwait(&f->cond, &f->lock, 10);
  atomic_store(&f->wake_at, 0);
  blec__mutex_unlock(&f->lock);
  return blec__now_us() - t0;
}

uint64_t bench_flow_deliver(bench_flow *f) {
  uint64_t d = atomic_fetch_add(&f->delivered, 1) + 1;
  if (d == f->goal) {
    atomic_store(&f->last_us, blec__now_us());
    blec__mutex_lock(&f->lock);
    blec__cond_broadcast(&f->cond);
    blec__mutex_unlock(&f->lock);
  } else {
    uint64_t w = atomic_load(&f->wake_at);
    if (w && d >= w) {
      blec__mutex_lock(&f->lock);
      blec__cond_broadcast(&f->cond);
      blec__mutex_unlock(&f->lock);
    }
  }
  return d;
}

bool bench_flow_wait(bench_flow *f, int timeout_ms) {
  uint64_t deadline = blec__now_us() + (uint64_t)timeout_ms * 1000u;
  blec__mutex_lock(&f->lock);
  /* last_us, not delivered: the goal's deliverer counts first and stamps the time after
   * (a waiter that saw the count read a time of 0, and a negative duration). */
  while (atomic_load(&f->last_us) == 0 && blec__now_us() < deadline) blec__cond_timedwait(&f->cond, &f->lock, 10);
  bool ok = atomic_load(&f->last_us) != 0;
  blec__mutex_unlock(&f->lock);
  return ok;
}

/* ---- pong ------------------------------------------------------------------------------- */

void bench_pong_init(bench_pong *p) {
  blec__mutex_init(&p->lock);
  blec__cond_init(&p->cond);
  p->seq = 0;
}

void bench_pong_destroy(bench_pong *p) {
  blec__cond_destroy(&p->cond);
  blec__mutex_destroy(&p->lock);
}

void bench_pong_signal(bench_pong *p, uint64_t seq) {
  blec__mutex_lock(&p->lock);
  p->seq = seq;
  blec__cond_signal(&p->cond);
  blec__mutex_unlock(&p->lock);
}

bool bench_pong_wait(bench_pong *p, uint64_t seq, int timeout_ms) {
  uint64_t deadline = blec__now_us() + (uint64_t)timeout_ms * 1000u;
  blec__mutex_lock(&p->lock);
  while (p->seq < seq) {
    uint64_t now = blec__now_us();
    if (now >= deadline) break;
    blec__cond_timedwait(&p->cond, &p->lock, (int64_t)((deadline - now) / 1000u) + 1);
  }
  bool ok = p->seq >= seq;
  blec__mutex_unlock(&p->lock);
  return ok;
}

/* ---- contexts ------------------------------------------------------------------------------ */

const bench_stack bench_stack_virtual = {"virtual", "the world engine in this process (blec's virtual backend)", 1, NULL,
                                         NULL};

int bench_ctx_new(blec_world *world, blec_ctx **out) { return bench_ctx_new_mode(world, BLEC_DELIVERY_THREAD, out); }

int bench_ctx_new_mode(blec_world *world, blec_delivery mode, blec_ctx **out) {
  const bench_stack *st = bench_p.stack;
  int r = st->attach ? st->attach(world) : BLEC_OK;
  if (r != BLEC_OK) return r;
  blec_ctx_options *o = blec_ctx_options_new();
  if (!o) r = BLEC_ERR_NO_MEMORY;
  if (r == BLEC_OK) r = blec_ctx_options_set_backend(o, st->backend);
  if (r == BLEC_OK) r = blec_ctx_options_set_log_level(o, BLEC_LOG_ERROR);
  if (r == BLEC_OK) r = blec_ctx_options_set_delivery(o, mode);
  if (r == BLEC_OK && !st->attach) r = blec_ctx_options_set_world(o, world);
  if (r == BLEC_OK) r = blec_ctx_new(o, out, NULL);
  blec_ctx_options_free(o);
  if (r != BLEC_OK && st->detach) st->detach();
  return r;
}

void bench_ctx_free(blec_ctx *ctx) {
  if (!ctx) return;
  blec_ctx_free(ctx);
  if (bench_p.stack->detach) {
    int r = bench_p.stack->detach();
    if (r != BLEC_OK) bench_fail(bench_p.stack->backend, "the stack did not let go of the world: %s", blec_status_name(r));
  }
}

void bench_address(char out[BLEC_ADDR_STRLEN], unsigned prefix, uint32_t i) {
  snprintf(out, BLEC_ADDR_STRLEN, "%02X:%02X:%02X:%02X:%02X:%02X", prefix & 0xFFu, 0xB0u, (i >> 24) & 0xFFu,
           (i >> 16) & 0xFFu, (i >> 8) & 0xFFu, i & 0xFFu);
}

bool bench_connected_now(blec_client *c) {
  /* Checked, not waited for: once blec_client_connect returned BLEC_OK the client must
   * say connected (an op settles after its internal hooks, src/core/op.c). */
  return blec_client_is_connected(c);
}

int bench_connect(blec_ctx *ctx, const char *address, blec_cache_mode mode, blec_client **out) {
  *out = NULL;
  blec_client_options *o = blec_client_options_new();
  if (!o) return BLEC_ERR_NO_MEMORY;
  int r = blec_client_options_set_cache_mode(o, mode);
  if (r == BLEC_OK) r = blec_client_options_set_timeout(o, bench_p.timeout_ms);
  /* The throughput rows check that every value arrives: a queue that never fills. The
   * bounded default is measured by longrun.overrun (bench_longrun.c). */
  if (r == BLEC_OK) r = blec_client_options_set_notify_queue(o, BLEC_MAX_CALLBACK_QUEUE, BLEC_OVERFLOW_DROP_OLDEST);
  blec_client *c = NULL;
  if (r == BLEC_OK) r = blec_client_new(ctx, address, o, &c);
  blec_client_options_free(o);
  if (r != BLEC_OK) return r;
  blec_error err;
  r = blec_client_connect(c, -1, &err);
  if (r != BLEC_OK) {
    char buf[256];
    fprintf(stderr, "blec-bench: connect %s: %s\n", address, blec_error_format(&err, buf, sizeof buf));
    blec_client_free(c);
    return r;
  }
  if (!bench_connected_now(c)) {
    fprintf(stderr, "blec-bench: connect %s: BLEC_OK, yet blec_client_is_connected() is false\n", address);
    blec_client_free(c);
    return BLEC_ERR_STATE;
  }
  *out = c;
  return BLEC_OK;
}

/* ---- queued delivery's loop ------------------------------------------------------------- */

static void pump_main(void *arg) {
  bench_pump *p = arg;
  while (!atomic_load(&p->stop)) blec_ctx_dispatch(p->ctx, 10);
  while (blec_ctx_dispatch(p->ctx, 0) > 0) {
  }
}

bool bench_pump_start(bench_pump *p, blec_ctx *ctx, blec_delivery mode) {
  p->ctx = ctx;
  atomic_init(&p->stop, false);
  p->started = false;
  if (mode != BLEC_DELIVERY_QUEUED) return true;
  p->started = blec__thread_create(&p->t, pump_main, p) == BLEC_OK;
  return p->started;
}

void bench_pump_stop(bench_pump *p) {
  if (!p->started) return;
  atomic_store(&p->stop, true);
  blec__thread_join(&p->t);
  p->started = false;
}

const char *bench_mode_name(blec_delivery mode) { return mode == BLEC_DELIVERY_QUEUED ? "queued" : "thread"; }
