/* SPDX-License-Identifier: MIT */
/*
 * t_queued.c — queued delivery: callbacks wait in a queue until the program runs them
 * with blec_ctx_dispatch(), woken through blec_ctx_wait_handle() in its own loop.
 */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

/* One turn of a program's event loop: wait for the handle, run what is queued. */
static int loop_turn(fx *f, int timeout_ms) {
  if (!wait_handle_ready(blec_ctx_wait_handle(f->ctx), timeout_ms)) return 0;
  int n = blec_ctx_dispatch(f->ctx, 0);
  ASSERT(n >= 0);
  return n;
}

BLEC_TEST_IMPL(queued_callbacks_run_only_inside_dispatch_on_the_calling_thread) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL); /* blocking calls need no dispatch */
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(c, fx_chr(c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_OK(blec_op_wait(op, blec_test_ms(FX_WAIT_MS))); /* complete, callback still queued */
  /* The handle proves the callback is queued; the world going past the window proves the
   * thread that completed it moved on: nothing but dispatch may run it. */
  ASSERT(wait_handle_ready(blec_ctx_wait_handle(f.ctx), blec_test_ms(FX_WAIT_MS)));
  fx_pass_world(&f, FX_SETTLE_WORLD_MS);
  ASSERT_EQ_INT(atomic_load(&r.calls), 0);
  int n = blec_ctx_dispatch(f.ctx, 0);
  ASSERT(n >= 1);
  ASSERT_EQ_INT(atomic_load(&r.calls), 1);
  ASSERT_OK(r.status);
  ASSERT_EQ_INT(r.len, 5);
  ASSERT(r.thread == blec__thread_self());
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(queued_wait_handle_clears_once_the_queue_is_drained) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  blec_os_handle h = blec_ctx_wait_handle(f.ctx);
  ASSERT(!wait_handle_ready(h, 0));
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  fx_opres r[3];
  blec_op *op[3];
  for (int i = 0; i < 3; i++) {
    fx_opres_init(&r[i]);
    ASSERT_OK(blec_client_read_async(c, fx_chr(c, LAB_CONST), 0, fx_op_cb, &r[i], &op[i]));
  }
  for (int i = 0; i < 3; i++) ASSERT_OK(blec_op_wait(op[i], blec_test_ms(FX_WAIT_MS)));
  ASSERT(wait_handle_ready(h, blec_test_ms(FX_WAIT_MS)));
  ASSERT(wait_handle_ready(h, 0)); /* level-triggered: still ready until dispatched */
  int total = 0;
  while (total < 3) {
    int n = loop_turn(&f, blec_test_ms(FX_WAIT_MS));
    ASSERT(n > 0);
    total += n;
  }
  for (int i = 0; i < 3; i++) ASSERT_EQ_INT(atomic_load(&r[i].calls), 1);
  ASSERT_EQ_INT(blec_ctx_dispatch(f.ctx, 0), 0);
  ASSERT(!wait_handle_ready(h, 0));
  ASSERT(blec_ctx_wait_handle(f.ctx) == h); /* stable for the context's life */
  for (int i = 0; i < 3; i++) blec_op_free(op[i]);
  blec_client_free(c);
  fx_close(&f);
}

/* A callback that starts a second read and waits for it to complete: its completion is
 * queued while blec_ctx_dispatch runs. */
typedef struct chained_read {
  blec_client *c;
  fx_opres second;
  blec_op *op;
  int wait_status;
} chained_read;

static void start_and_wait_second_read(blec_op *first, void *user) {
  (void)first;
  chained_read *ch = user;
  ch->wait_status = blec_client_read_async(ch->c, fx_chr(ch->c, LAB_CONST), 0, fx_op_cb, &ch->second, &ch->op);
  if (ch->wait_status == BLEC_OK) ch->wait_status = blec_op_wait(ch->op, blec_test_ms(FX_WAIT_MS));
}

/* Producers leave the handle to a thread inside blec_ctx_dispatch (no pipe write per
 * value): work that arrived during the call, which waits for the next one, must leave the
 * handle ready when the call returns. */
BLEC_TEST_IMPL(queued_work_arriving_during_dispatch_leaves_the_handle_ready) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_os_handle h = blec_ctx_wait_handle(f.ctx);
  chained_read ch = {.c = c, .op = NULL, .wait_status = -1};
  fx_opres_init(&ch.second);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(c, fx_chr(c, LAB_CONST), 0, start_and_wait_second_read, &ch, &op));
  ASSERT_OK(blec_op_wait(op, blec_test_ms(FX_WAIT_MS)));
  ASSERT(wait_handle_ready(h, blec_test_ms(FX_WAIT_MS)));
  ASSERT_EQ_INT(blec_ctx_dispatch(f.ctx, 0), 1); /* the first callback; the second completes inside it */
  ASSERT_OK(ch.wait_status);
  ASSERT_EQ_INT(atomic_load(&ch.second.calls), 0); /* queued for the next call */
  ASSERT(wait_handle_ready(h, 0));
  ASSERT_EQ_INT(blec_ctx_dispatch(f.ctx, 0), 1);
  ASSERT_EQ_INT(atomic_load(&ch.second.calls), 1);
  ASSERT_OK(ch.second.status);
  ASSERT(!wait_handle_ready(h, 0));
  blec_op_free(ch.op);
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(queued_dispatch_waits_up_to_its_timeout_for_a_first_callback) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  ASSERT_EQ_INT(blec_ctx_dispatch(f.ctx, 0), 0);
  ASSERT_EQ_INT(blec_ctx_dispatch(f.ctx, 30), 0);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  ASSERT_OK(blec_world_peripheral_set_delays(fx_peripheral(&f, LAB_ADDR), 0, 1000)); /* 100 ms */
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(c, fx_chr(c, LAB_CONST), 0, fx_op_cb, &r, &op));
  int n = blec_ctx_dispatch(f.ctx, blec_test_ms(FX_WAIT_MS)); /* sleeps until the read completes */
  ASSERT(n >= 1);
  ASSERT_EQ_INT(atomic_load(&r.calls), 1);
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(queued_poll_loop_delivers_notifications_in_order) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(c, fx_chr(c, LAB_NI), 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (fx_notes_count(&n) < 20) {
    ASSERT(fx_now_ms() < dl);
    loop_turn(&f, 100);
  }
  blec__mutex_lock(&n.m);
  ASSERT(n.thread == blec__thread_self());
  for (int i = 1; i < n.stored; i++) ASSERT_EQ_INT((uint8_t)(n.first_byte[i - 1] + 1), n.first_byte[i]);
  blec__mutex_unlock(&n.m);
  ASSERT_OK(blec_client_stop_notify(c, fx_chr(c, LAB_NI), blec_test_ms(FX_WAIT_MS), NULL));
  /* Whatever was queued before stop returned is dropped or delivered, never more after. */
  while (loop_turn(&f, 0) > 0) {
  }
  int count = fx_notes_count(&n);
  fx_settle(&f);
  while (loop_turn(&f, 0) > 0) {
  }
  ASSERT_EQ_INT(fx_notes_count(&n), count);
  blec_client_free(c);
  fx_close(&f); /* the subscriptions end with it; then the recorder may go */
  fx_notes_destroy(&n);
}

BLEC_TEST_IMPL(queued_poll_loop_delivers_detections_and_disconnections) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  /* Advertisements of a whole window were received and queued (the handle says so). */
  fx_pass_world(&f, FX_SETTLE_WORLD_MS);
  ASSERT(wait_handle_ready(blec_ctx_wait_handle(f.ctx), blec_test_ms(FX_WAIT_MS)));
  ASSERT_EQ_INT(fx_scan_rec_total(&rec), 0); /* nothing runs without dispatch */
  uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (fx_scan_rec_count(&rec, LAB_ADDR) < 3) {
    ASSERT(fx_now_ms() < dl);
    loop_turn(&f, 100);
  }
  blec_scanner_free(s);
  fx_disc d;
  fx_disc_init(&d);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &c));
  blec_client_set_disconnected_callback(c, fx_disconnected_cb, &d);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT_OK(blec_world_peripheral_disconnect(fx_peripheral(&f, LAB_ADDR)));
  WAIT_UNTIL(!blec_client_is_connected(c), FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&d.count), 0);
  dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (atomic_load(&d.count) == 0) {
    ASSERT(fx_now_ms() < dl);
    loop_turn(&f, 100);
  }
  ASSERT_EQ_INT(atomic_load(&d.reason), BLEC_DISCONNECT_REMOTE);
  blec_client_free(c);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

typedef struct nested {
  fx *f;
  blec_client *c;
  atomic_int dispatch_status;
  atomic_int read_status;
  atomic_int done;
} nested;

static void nested_cb(blec_op *op, void *user) {
  (void)op;
  nested *x = user;
  atomic_store(&x->dispatch_status, blec_ctx_dispatch(x->f->ctx, 0));
  uint8_t *d = NULL;
  size_t len = 0;
  blec_uuid u = fx_uuid(LAB_CONST);
  blec_characteristic *chr = NULL;
  ASSERT_OK(blec_client_characteristic(x->c, &u, &chr));
  atomic_store(&x->read_status, blec_client_read(x->c, chr, 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  blec_free(d);
  atomic_store(&x->done, 1);
}

BLEC_TEST_IMPL(queued_dispatch_from_a_callback_is_refused_but_blocking_calls_work) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  nested x;
  x.f = &f;
  x.c = fx_connect(&f, LAB_ADDR, NULL);
  atomic_init(&x.dispatch_status, 1);
  atomic_init(&x.read_status, 1);
  atomic_init(&x.done, 0);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(x.c, fx_chr(x.c, LAB_RW), 0, nested_cb, &x, &op));
  uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (!atomic_load(&x.done)) {
    ASSERT(fx_now_ms() < dl);
    loop_turn(&f, 100);
  }
  ASSERT_EQ_INT(atomic_load(&x.dispatch_status), BLEC_ERR_STATE);
  ASSERT_OK(atomic_load(&x.read_status));
  blec_op_free(op);
  blec_client_free(x.c);
  fx_close(&f);
}

BLEC_TEST_IMPL(queued_callbacks_never_dispatched_are_dropped_at_ctx_free) {
  fx f;
  fx_open_mode(&f, fx_world_lab(), BLEC_DELIVERY_QUEUED);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_discover_async(f.ctx, NULL, 50, fx_op_cb, &r, &op));
  ASSERT_OK(blec_op_wait(op, blec_test_ms(FX_WAIT_MS)));
  ASSERT(wait_handle_ready(blec_ctx_wait_handle(f.ctx), blec_test_ms(FX_WAIT_MS)));
  blec_op_free(op);
  fx_close(&f); /* drops the queued completion: no leak, no call */
  ASSERT_EQ_INT(atomic_load(&r.calls), 0);
}

BLEC_TEST_IMPL(queued_mode_rejects_dispatch_of_a_null_context) {
  ASSERT_STATUS(blec_ctx_dispatch(NULL, 0), BLEC_ERR_INVALID_ARG);
}
