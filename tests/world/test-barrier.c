/* SPDX-License-Identifier: MIT */
/* test-barrier.c — blec__world_wait_passed: the barrier tests use to let world time pass. */
#include <stdatomic.h>
#include <string.h>

#include "wtest.h"

static const char ticking[] =
    "blec-world 1\n"
    "peripheral 00:00:00:00:00:01\n"
    "  adv-interval 100ms\n";

static blec_world *ticking_world(double scale) {
  blec_world *w = wt_world(ticking);
  ASSERT_OK(blec_world_set_time_scale(w, scale));
  return w;
}

static blec__wscan *scan(blec_world *w, wt_scan *rec) {
  blec__wscan_events t = wt_scan_table();
  blec__wscan *s = NULL;
  ASSERT_OK(blec__world_scan_start(w, false, &t, rec, &s));
  return s;
}

static uint64_t last_timestamp(wt_scan *rec) {
  blec__mutex_lock(&rec->m);
  uint64_t ts = rec->n > 0 ? rec->r[(rec->n < WT_REPORTS ? rec->n : WT_REPORTS) - 1].ts : 0;
  blec__mutex_unlock(&rec->m);
  return ts;
}

BLEC_TEST_IMPL(barrier_returns_once_every_event_of_the_window_ran) {
  blec_world *w = ticking_world(WT_FAST);
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = scan(w, &rec);
  for (int round = 0; round < 5; round++) {
    uint64_t t0 = blec__world_now_us(w);
    ASSERT_OK(blec__world_wait_passed(w, 1000, blec_test_ms(WT_WAIT_MS)));
    /* The window is behind the world clock, and the report of its last interval arrived:
     * every 100 ms one, so the newest is at most one interval before the window's end. */
    ASSERT(blec__world_now_us(w) >= t0 + 1000000);
    ASSERT(last_timestamp(&rec) + 100000 >= t0 + 1000000);
  }
  blec__world_scan_stop(s);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(barrier_of_zero_runs_what_is_due_now) {
  blec_world *w = ticking_world(WT_FAST);
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = scan(w, &rec);
  WAIT_UNTIL(blec__world_now_us(w) >= 550000);
  ASSERT_OK(blec__world_wait_passed(w, 0, blec_test_ms(WT_WAIT_MS)));
  ASSERT(last_timestamp(&rec) >= 500000); /* the report due at 500 ms ran */
  blec__world_scan_stop(s);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(barrier_on_a_world_whose_clock_has_not_started_returns_at_once) {
  blec_world *w = ticking_world(1.0);
  uint64_t t0 = wt_now_ms();
  ASSERT_OK(blec__world_wait_passed(w, 1000000, blec_test_ms(WT_WAIT_MS)));
  ASSERT(wt_now_ms() - t0 < (uint64_t)blec_test_ms(WT_WAIT_MS));
  ASSERT_EQ_INT(blec__world_now_us(w), 0);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(barrier_times_out_and_leaves_the_world_running) {
  blec_world *w = ticking_world(1.0); /* world time is real time */
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = scan(w, &rec);
  ASSERT_STATUS(blec__world_wait_passed(w, 3600000, 20), BLEC_ERR_TIMEOUT);
  /* The abandoned marker left the queue: the world goes on and a new barrier passes. */
  int n = wt_scan_count(&rec);
  ASSERT_OK(blec__world_wait_passed(w, 250, blec_test_ms(WT_WAIT_MS)));
  ASSERT(wt_scan_count(&rec) >= n + 2);
  blec__world_scan_stop(s);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

typedef struct inside {
  blec_world *w;
  atomic_int status; /* 1 until the callback made its call */
} inside;

static void barrier_in_report(void *user, const blec__wadv_report *r) {
  (void)r;
  inside *x = user;
  int expected = 1;
  int s = blec__world_wait_passed(x->w, 10, 1000);
  atomic_compare_exchange_strong(&x->status, &expected, s);
}

BLEC_TEST_IMPL(barrier_refuses_bad_arguments_and_the_world_thread) {
  ASSERT_STATUS(blec__world_wait_passed(NULL, 0, 0), BLEC_ERR_INVALID_ARG);
  blec_world *w = ticking_world(WT_FAST);
  ASSERT_STATUS(blec__world_wait_passed(w, -1, 0), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec__world_wait_passed(w, 0, -1), BLEC_ERR_INVALID_ARG);
  inside x = {.w = w};
  atomic_init(&x.status, 1);
  blec__wscan_events t = {.report = barrier_in_report, .stopped = NULL};
  blec__wscan *s = NULL;
  ASSERT_OK(blec__world_scan_start(w, false, &t, &x, &s));
  WAIT_UNTIL(atomic_load(&x.status) != 1);
  ASSERT_STATUS(atomic_load(&x.status), BLEC_ERR_STATE); /* it would wait for itself */
  blec__world_scan_stop(s);
  blec_world_unref(w);
}
