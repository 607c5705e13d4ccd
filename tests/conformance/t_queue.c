/* SPDX-License-Identifier: MIT */
/*
 * t_queue.c — callback queues: bounded per subscription and per scanner with the chosen
 * overflow policy, drops counted; and the end of callbacks: once stop_notify,
 * blec_scanner_stop or blec_client_free returned, no callback of that subscription,
 * scanner or client runs or will run (a running one on another thread is waited for).
 */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

/* ---- bounded queues ------------------------------------------------------------------ */

static blec_client *connect_queued(fx *f, size_t capacity, blec_overflow policy) {
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_notify_queue(o, capacity, policy));
  blec_client *c = fx_connect(f, LAB_ADDR, o);
  blec_client_options_free(o);
  return c;
}

/* Pushes values 1..n from the peripheral while nobody dispatches (queued delivery). */
static void push_values(fx *f, blec_client *c, blec_characteristic *chr, int n) {
  blec_world_peripheral *p = fx_peripheral(f, LAB_ADDR);
  for (int i = 1; i <= n; i++) {
    uint8_t v = (uint8_t)i;
    ASSERT_OK(blec_world_set_value(p, blec_characteristic_handle(chr), &v, 1, true));
  }
  (void)c;
}

static int dispatch_all(fx *f) {
  int total = 0, n;
  while ((n = blec_ctx_dispatch(f->ctx, 0)) > 0) total += n;
  ASSERT(n == 0);
  return total;
}

static void check_policy(blec_overflow policy) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  blec_client *c = connect_queued(&f, 8, policy);
  blec_characteristic *chr = fx_chr(c, LAB_NOTIFY);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(c, chr, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  dispatch_all(&f);
  ASSERT_EQ_INT(blec_client_notifications_dropped(c), 0);
  push_values(&f, c, chr, 50);
  /* 50 arrived, 8 fit: 42 dropped once all are in. */
  WAIT_UNTIL(blec_client_notifications_dropped(c) == 42, FX_WAIT_MS);
  dispatch_all(&f);
  ASSERT_EQ_INT(fx_notes_count(&n), 8);
  blec__mutex_lock(&n.m);
  for (int i = 0; i < 8; i++) /* in order, and the ones the policy keeps */
    ASSERT_EQ_INT(n.first_byte[i], policy == BLEC_OVERFLOW_DROP_OLDEST ? 43 + i : 1 + i);
  blec__mutex_unlock(&n.m);
  /* The queue takes values again once drained. */
  push_values(&f, c, chr, 3);
  WAIT_UNTIL((dispatch_all(&f), fx_notes_count(&n) == 11), FX_WAIT_MS);
  ASSERT_EQ_INT(blec_client_notifications_dropped(c), 42);
  blec_client_free(c);
  fx_close(&f); /* the subscriptions end with it; then the recorder may go */
  fx_notes_destroy(&n);
}

BLEC_TEST_IMPL(notify_queue_full_drops_the_oldest_values_and_counts_them) { check_policy(BLEC_OVERFLOW_DROP_OLDEST); }

BLEC_TEST_IMPL(notify_queue_full_can_drop_the_newest_values_instead) { check_policy(BLEC_OVERFLOW_DROP_NEWEST); }

BLEC_TEST_IMPL(queue_options_reject_invalid_capacities_and_policies) {
  blec_client_options *o = blec_client_options_new();
  blec_scan_options *so = blec_scan_options_new();
  ASSERT_STATUS(blec_client_options_set_notify_queue(o, 0, BLEC_OVERFLOW_DROP_OLDEST), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_notify_queue(o, BLEC_MAX_CALLBACK_QUEUE + 1, BLEC_OVERFLOW_DROP_OLDEST),
                BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_notify_queue(o, 8, (blec_overflow)7), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_notify_queue(NULL, 8, BLEC_OVERFLOW_DROP_OLDEST), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_client_options_set_notify_queue(o, 1, BLEC_OVERFLOW_DROP_NEWEST));
  ASSERT_STATUS(blec_scan_options_set_callback_queue(so, 0, BLEC_OVERFLOW_DROP_OLDEST), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_set_callback_queue(so, 8, (blec_overflow)-1), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_set_callback_queue(NULL, 8, BLEC_OVERFLOW_DROP_OLDEST), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_scan_options_set_callback_queue(so, BLEC_MAX_CALLBACK_QUEUE, BLEC_OVERFLOW_DROP_OLDEST));
  ASSERT_EQ_INT(blec_client_notifications_dropped(NULL), 0);
  ASSERT_EQ_INT(blec_scanner_detections_dropped(NULL), 0);
  blec_scan_options_free(so);
  blec_client_options_free(o);
}

BLEC_TEST_IMPL(detection_queue_is_bounded_and_counts_what_it_drops) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_callback_queue(o, 4, BLEC_OVERFLOW_DROP_NEWEST));
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, o, fx_detection_cb, &rec, &s));
  /* Nobody dispatches: after 4 queued reports, every other one is dropped and counted. */
  WAIT_UNTIL(blec_scanner_detections_dropped(s) >= 10, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  uint64_t dropped = blec_scanner_detections_dropped(s);
  /* Stopped: what was queued is not delivered any more (issue 13, item 9). */
  ASSERT_EQ_INT(dispatch_all(&f), 4); /* the entries go, their callbacks do not run */
  ASSERT_EQ_INT(fx_scan_rec_total(&rec), 0);
  /* Started again: a fresh queue, reports flow, the count goes on from where it was. */
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL((blec_ctx_dispatch(f.ctx, 0), fx_scan_rec_total(&rec) >= 3), FX_WAIT_MS);
  ASSERT(blec_scanner_detections_dropped(s) >= dropped);
  blec_scanner_free(s);
  blec_scan_options_free(o);
  fx_scan_rec_destroy(&rec);
  fx_close(&f);
}

/* ---- no callback after the call that ends it ------------------------------------------ */

typedef struct blocker {
  blec__mutex m;
  blec__cond cv;
  atomic_int entered;       /* the callback started */
  atomic_int ender_calling; /* the other thread is inside the ending call */
  atomic_int ender_returned;
  atomic_int returned_while_running; /* the ending call returned while the callback ran */
  atomic_int finished;               /* the blocking callback returned */
  atomic_int calls;
} blocker;

static void blocker_init(blocker *b) {
  memset(b, 0, sizeof *b);
  ASSERT_OK(blec__mutex_init(&b->m));
  ASSERT_OK(blec__cond_init(&b->cv));
}

static void blocker_destroy(blocker *b) {
  blec__cond_destroy(&b->cv);
  blec__mutex_destroy(&b->m);
}

/* The first callback holds on until the ending call is under way, then gives it a moment
 * to (wrongly) return while the callback still runs. */
static void block_first_call(blocker *b) {
  if (atomic_fetch_add(&b->calls, 1) != 0) return;
  atomic_store(&b->entered, 1);
  uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (!atomic_load(&b->ender_calling) && fx_now_ms() < dl) fx_sleep_ms(1);
  /* The ending call is made: it must not return before this callback does. */
  blec__mutex_lock(&b->m);
  uint64_t until = fx_now_ms() + (uint64_t)blec_test_ms(150);
  while (!atomic_load(&b->ender_returned) && fx_now_ms() < until) blec__cond_timedwait(&b->cv, &b->m, 5);
  blec__mutex_unlock(&b->m);
  if (atomic_load(&b->ender_returned)) atomic_store(&b->returned_while_running, 1);
  atomic_store(&b->finished, 1);
}

static void ender_returned(blocker *b) {
  blec__mutex_lock(&b->m);
  atomic_store(&b->ender_returned, 1);
  blec__cond_broadcast(&b->cv);
  blec__mutex_unlock(&b->m);
}

static void blocking_notify_cb(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  (void)data;
  (void)len;
  block_first_call(user);
}

static void blocking_detection_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)dev;
  (void)adv;
  block_first_call(user);
}

typedef enum ender_kind { END_STOP_NOTIFY, END_CLIENT_FREE, END_SCANNER_STOP, END_SCANNER_FREE } ender_kind;

typedef struct ender {
  blec__thread t;
  ender_kind kind;
  blec_client *c;
  blec_characteristic *chr;
  blec_scanner *s;
  blocker *b;
  int status;
} ender;

static void ender_main(void *arg) {
  ender *e = arg;
  atomic_store(&e->b->ender_calling, 1);
  switch (e->kind) {
    case END_STOP_NOTIFY: e->status = blec_client_stop_notify(e->c, e->chr, blec_test_ms(FX_WAIT_MS), NULL); break;
    case END_CLIENT_FREE: blec_client_free(e->c); break;
    case END_SCANNER_STOP: e->status = blec_scanner_stop(e->s); break;
    case END_SCANNER_FREE: blec_scanner_free(e->s); break;
  }
  ender_returned(e->b);
}

/* Runs `kind` on another thread while the first callback runs; afterwards no callback. */
static void end_while_a_callback_runs(ender_kind kind) {
  fx f;
  fx_open(&f, fx_world_lab());
  blocker b;
  blocker_init(&b);
  ender e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.b = &b;
  if (kind == END_STOP_NOTIFY || kind == END_CLIENT_FREE) {
    e.c = fx_connect(&f, LAB_ADDR, NULL);
    e.chr = fx_chr(e.c, LAB_NI); /* a counter stream: values keep coming */
    ASSERT_OK(blec_client_start_notify(e.c, e.chr, 0, blocking_notify_cb, &b, blec_test_ms(FX_WAIT_MS), NULL));
  } else {
    ASSERT_OK(fx_scan_start(&f, NULL, blocking_detection_cb, &b, &e.s));
  }
  WAIT_UNTIL(atomic_load(&b.entered), FX_WAIT_MS);
  ASSERT_OK(blec__thread_create(&e.t, ender_main, &e));
  blec__thread_join(&e.t);
  WAIT_UNTIL(atomic_load(&b.finished), FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&b.returned_while_running), 0);
  ASSERT_OK(e.status);
  int calls = atomic_load(&b.calls);
  /* Proof that later events went through the queue: a completion queued after them ran. */
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_discover_async(f.ctx, NULL, 0, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  blec_op_free(op);
  ASSERT_EQ_INT(atomic_load(&b.calls), calls);
  if (kind == END_STOP_NOTIFY) blec_client_free(e.c);
  if (kind == END_SCANNER_STOP) blec_scanner_free(e.s);
  blocker_destroy(&b);
  fx_close(&f);
}

BLEC_TEST_IMPL(stop_notify_returns_after_a_running_notify_callback_and_none_follows) {
  end_while_a_callback_runs(END_STOP_NOTIFY);
}

BLEC_TEST_IMPL(client_free_returns_after_a_running_callback_and_none_follows) {
  end_while_a_callback_runs(END_CLIENT_FREE);
}

BLEC_TEST_IMPL(scanner_stop_returns_after_a_running_detection_callback_and_none_follows) {
  end_while_a_callback_runs(END_SCANNER_STOP);
}

BLEC_TEST_IMPL(scanner_free_returns_after_a_running_detection_callback_and_none_follows) {
  end_while_a_callback_runs(END_SCANNER_FREE);
}

/* ---- a disconnection that completed just before blec_client_free (issue 9, item 8) ------- */

BLEC_TEST_IMPL(disconnection_queued_when_the_client_is_freed_is_not_delivered) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  fx_disc d;
  fx_disc_init(&d);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_client_set_disconnected_callback(c, fx_disconnected_cb, &d);
  dispatch_all(&f);
  ASSERT_OK(blec_world_peripheral_disconnect(fx_peripheral(&f, LAB_ADDR)));
  WAIT_UNTIL(!blec_client_is_connected(c), FX_WAIT_MS); /* its callback is queued now */
  blec_client_free(c);
  /* blec_client_free ends every callback of the client, this one included (blec.h). */
  dispatch_all(&f);
  ASSERT_EQ_INT(atomic_load(&d.count), 0);
  fx_close(&f);
}
