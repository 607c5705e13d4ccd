/* SPDX-License-Identifier: MIT */
/*
 * t_pool.c — the backend's worker pool alone (src/backends/winrt/winrt_pool.h): growth
 * (issue 10, defect 2: two quick posts with one idle thread), strands, bounded calls and
 * a pool freed while its work is stuck (defect 4).
 */
#include "wr_test.h"

#include "backends/winrt/winrt_pool.h"

typedef struct gate_job {
  HANDLE release; /* the job waits for it */
  volatile LONG started, ended;
} gate_job;

static void blocking_fn(void *arg) {
  gate_job *g = arg;
  InterlockedExchange(&g->started, 1);
  WaitForSingleObject(g->release, INFINITE);
  InterlockedExchange(&g->ended, 1);
}

static void flag_fn(void *arg) { InterlockedExchange((volatile LONG *)arg, 1); }

BLEC_TEST_IMPL(pool_two_quick_posts_with_one_idle_thread) {
  /* The race only shows when the second post comes before the woken thread runs: many
   * rounds make it show on the old code every time. */
  for (int round = 0; round < 200; round++) {
    wr_pool *p = NULL;
    ASSERT_OK(wr_pool_new(&p));
    volatile LONG warm = 0;
    ASSERT_OK(wr_post(p, flag_fn, (void *)&warm));
    WT_WAIT_FOR(warm && wr_pool_idle_threads(p) == 1, 5000);
    gate_job g = {CreateEventW(NULL, TRUE, FALSE, NULL), 0, 0};
    volatile LONG second = 0;
    ASSERT_OK(wr_post(p, blocking_fn, &g)); /* a connect taking seconds */
    ASSERT_OK(wr_post(p, flag_fn, (void *)&second));
    /* The second job runs while the first still blocks. */
    WT_WAIT_FOR(second, 5000);
    ASSERT_EQ_INT(g.ended, 0);
    SetEvent(g.release);
    ASSERT(wr_pool_free(p, blec_test_ms(5000)));
    ASSERT_EQ_INT(g.ended, 1);
    CloseHandle(g.release);
  }
  wt_check_heaps();
}

typedef struct order_rec {
  volatile LONG inside, overlaps;
  int next, seen[100];
} order_rec;

typedef struct order_item {
  order_rec *rec;
  int index;
} order_item;

static void order_fn(void *arg) {
  order_item *it = arg;
  if (InterlockedIncrement(&it->rec->inside) != 1) InterlockedIncrement(&it->rec->overlaps);
  it->rec->seen[it->rec->next++] = it->index;
  Sleep(0);
  InterlockedDecrement(&it->rec->inside);
}

BLEC_TEST_IMPL(pool_strand_runs_items_one_at_a_time_in_order) {
  wr_pool *p = NULL;
  ASSERT_OK(wr_pool_new(&p));
  wr_strand s;
  memset(&s, 0, sizeof s);
  wr_strand_owner none = {NULL, NULL, NULL};
  order_rec rec;
  memset(&rec, 0, sizeof rec);
  order_item items[100];
  for (int i = 0; i < 100; i++) {
    items[i].rec = &rec;
    items[i].index = i;
    ASSERT_OK(wr_strand_post(p, &s, &none, order_fn, &items[i]));
  }
  ASSERT(wr_pool_free(p, blec_test_ms(5000)));
  ASSERT_EQ_INT(rec.next, 100);
  ASSERT_EQ_INT(rec.overlaps, 0);
  for (int i = 0; i < 100; i++) ASSERT_EQ_INT(rec.seen[i], i);
}

typedef struct call_args {
  HANDLE release;
  int result;
} call_args;

static void call_fn(void *arg) {
  call_args *a = arg;
  WaitForSingleObject(a->release, INFINITE);
  a->result = 42; /* written into the call's own copy, never into a caller that gave up */
}

BLEC_TEST_IMPL(pool_call_gives_up_after_its_budget_and_the_work_ends_alone) {
  wr_pool *p = NULL;
  ASSERT_OK(wr_pool_new(&p));
  call_args a = {CreateEventW(NULL, TRUE, FALSE, NULL), 0};
  ASSERT_STATUS(wr_call(p, call_fn, &a, sizeof a, 200), BLEC_ERR_TIMEOUT);
  ASSERT_EQ_INT(a.result, 0);
  SetEvent(a.release);
  /* The work ends on its own copy; the pool then frees normally. */
  ASSERT(wr_pool_free(p, blec_test_ms(5000)));
  ASSERT_EQ_INT(a.result, 0);
  ResetEvent(a.release);
  ASSERT_OK(wr_pool_new(&p));
  SetEvent(a.release);
  ASSERT_OK(wr_call(p, call_fn, &a, sizeof a, blec_test_ms(5000)));
  ASSERT_EQ_INT(a.result, 42);
  ASSERT(wr_pool_free(p, blec_test_ms(5000)));
  CloseHandle(a.release);
  wt_check_heaps();
}

BLEC_TEST_IMPL(pool_freed_while_work_is_stuck_is_abandoned_not_waited_for) {
  wr_pool *p = NULL;
  ASSERT_OK(wr_pool_new(&p));
  gate_job g = {CreateEventW(NULL, TRUE, FALSE, NULL), 0, 0};
  ASSERT_OK(wr_post(p, blocking_fn, &g));
  WT_WAIT_FOR(g.started, 5000);
  volatile LONG dropped = 0;
  ASSERT_OK(wr_post(p, flag_fn, (void *)&dropped)); /* queued behind nothing: runs on a new thread */
  WT_WAIT_FOR(dropped, 5000);
  ASSERT(!wr_pool_free(p, 100)); /* gives up: the stuck work keeps the pool */
  ASSERT_EQ_INT(g.ended, 0);
  SetEvent(g.release); /* the work returns; its thread frees the pool */
  WT_WAIT_FOR(g.ended, 5000);
  CloseHandle(g.release);
  wt_check_heaps();
}
