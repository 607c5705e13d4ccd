/* SPDX-License-Identifier: MIT */
/*
 * t_cancel.c — cancellation at every step: the operation completes with
 * BLEC_ERR_CANCELLED, its callback runs exactly once, a second cancel (or one after
 * completion) answers BLEC_ERR_STATE, and the client is usable afterwards.
 */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

/* op is still running after a moment, then cancelled: checks everything above. */
static void cancel_running(fx *f, blec_op *op, fx_opres *r) {
  ASSERT(op != NULL);
  fx_pass_world(f, FX_SETTLE_WORLD_MS); /* a moment the operation outlasts */
  ASSERT_STATUS(blec_op_wait(op, 100), BLEC_ERR_TIMEOUT);
  ASSERT(!blec_op_done(op));
  ASSERT_STATUS(blec_op_status(op), BLEC_ERR_BUSY);
  ASSERT_EQ_INT(atomic_load(&r->calls), 0);
  ASSERT_OK(blec_op_cancel(op));
  ASSERT_STATUS(fx_opres_wait(r, FX_WAIT_MS), BLEC_ERR_CANCELLED);
  ASSERT(blec_op_done(op));
  ASSERT_STATUS(blec_op_status(op), BLEC_ERR_CANCELLED);
  ASSERT_STATUS(blec_op_wait(op, 0), BLEC_ERR_CANCELLED);
  ASSERT_EQ_INT(blec_op_error(op)->status, BLEC_ERR_CANCELLED);
  ASSERT_EQ_INT(r->err.status, BLEC_ERR_CANCELLED);
  ASSERT_STATUS(blec_op_cancel(op), BLEC_ERR_STATE);
  fx_settle(f);
  ASSERT_EQ_INT(atomic_load(&r->calls), 1);
  blec_op_free(op);
}

BLEC_TEST_IMPL(cancel_connect_while_scanning_for_the_address) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_advertising(p, false)); /* the scan cannot find it */
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &c));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_connect_async(c, fx_op_cb, &r, &op));
  cancel_running(&f, op, &r);
  ASSERT(!blec_client_is_connected(c));
  /* The client connects once the device shows up. */
  ASSERT_OK(blec_world_peripheral_set_advertising(p, true));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(cancel_connect_while_the_link_comes_up) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(p, FX_FOREVER_MS, 0));
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_address(f.ctx, LAB_ADDR, blec_test_ms(FX_WAIT_MS), &dev, NULL));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new_from_device(f.ctx, dev, NULL, &c));
  blec_device_unref(dev);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_connect_async(c, fx_op_cb, &r, &op));
  cancel_running(&f, op, &r);
  ASSERT(!blec_client_is_connected(c));
  ASSERT(!blec_world_peripheral_connected(p));
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 0));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(cancel_connect_during_service_discovery) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, FX_FOREVER_MS));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &c));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_connect_async(c, fx_op_cb, &r, &op));
  WAIT_UNTIL(blec_world_peripheral_connected(p), FX_WAIT_MS); /* link up, discovery hangs */
  cancel_running(&f, op, &r);
  ASSERT(!blec_client_is_connected(c));
  WAIT_UNTIL(!blec_world_peripheral_connected(p), FX_WAIT_MS); /* the half-made link is closed */
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 0));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT(blec_client_service_count(c) >= 4);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_free_during_a_connect_ends_it) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(p, FX_FOREVER_MS, 0));
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_address(f.ctx, LAB_ADDR, blec_test_ms(FX_WAIT_MS), &dev, NULL));
  for (int i = 0; i < 20; i++) {
    blec_client *c = NULL;
    ASSERT_OK(blec_client_new_from_device(f.ctx, dev, NULL, &c));
    fx_opres r;
    fx_opres_init(&r);
    blec_op *op = NULL;
    ASSERT_OK(blec_client_connect_async(c, fx_op_cb, &r, &op));
    if (i % 2) ASSERT_OK(blec_op_cancel(op)); /* cancelled, then freed at once */
    blec_client_free(c);                      /* or freed while connecting */
    int s = blec_op_wait(op, blec_test_ms(FX_WAIT_MS));
    ASSERT(s != BLEC_OK && s != BLEC_ERR_TIMEOUT);
    ASSERT(fx_opres_wait(&r, FX_WAIT_MS) != BLEC_OK);
    blec_op_free(op);
  }
  blec_device_unref(dev);
  ASSERT(!blec_world_peripheral_connected(p));
  fx_close(&f);
}

BLEC_TEST_IMPL(client_free_with_operations_in_flight_ends_them) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  for (int i = 0; i < 10; i++) {
    blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
    ASSERT_OK(blec_world_peripheral_set_delays(p, 0, FX_FOREVER_MS));
    fx_opres r[3];
    blec_op *op[3];
    for (int k = 0; k < 3; k++) fx_opres_init(&r[k]);
    ASSERT_OK(blec_client_read_async(c, fx_chr(c, LAB_RW), 0, fx_op_cb, &r[0], &op[0]));
    ASSERT_OK(blec_client_write_async(c, fx_chr(c, LAB_RW), (const uint8_t *)"x", 1, BLEC_WRITE_WITH_RESPONSE, fx_op_cb,
                                      &r[1], &op[1]));
    ASSERT_OK(blec_client_read_descriptor_async(c, fx_desc(c, LAB_DESC, "2901"), 0, fx_op_cb, &r[2], &op[2]));
    blec_client_free(c);
    for (int k = 0; k < 3; k++) {
      int s = fx_opres_wait(&r[k], FX_WAIT_MS);
      if (s != BLEC_ERR_CANCELLED && s != BLEC_ERR_DISCONNECTED)
        blec_test_fail_(__FILE__, __LINE__, "operation %d in flight ended with %s", k, blec_status_name(s));
      blec_op_free(op[k]);
    }
    ASSERT(!blec_world_peripheral_connected(p));
    ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 0));
  }
  fx_close(&f);
}

typedef struct lab {
  fx f;
  blec_client *c;
  blec_world_peripheral *p;
} lab;

static void lab_open(lab *l, const char *addr) {
  fx_open(&l->f, fx_world_lab());
  l->c = fx_connect(&l->f, addr, NULL);
  l->p = fx_peripheral(&l->f, addr);
}

static void lab_close(lab *l) {
  blec_client_free(l->c);
  fx_close(&l->f);
}

/* Whether the backend withdraws a cancelled request (BLEC_CAP_CANCEL_REQUESTS); when it
 * cannot, the rest of the test (the request had no effect, the link serves the next ones
 * at once) is skipped and the lab closed. */
static bool withdrawn(lab *l) {
  if (fx_cap(&l->f, BLEC_CAP_CANCEL_REQUESTS)) return true;
  fx_note_skipped("BLEC_CAP_CANCEL_REQUESTS", "that the cancelled request was withdrawn");
  lab_close(l);
  return false;
}

BLEC_TEST_IMPL(cancel_read_in_flight) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  cancel_running(&l.f, op, &r);
  ASSERT(!r.has_data);
  ASSERT(blec_client_is_connected(l.c));
  if (!withdrawn(&l)) return;
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 0));
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(l.c, fx_chr(l.c, LAB_RW), buf, sizeof buf), 5);
  lab_close(&l);
}

BLEC_TEST_IMPL(cancel_write_in_flight_leaves_the_value) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  blec_characteristic *ch = fx_chr(l.c, LAB_RW);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_write_async(l.c, ch, (const uint8_t *)"nope", 4, BLEC_WRITE_WITH_RESPONSE, fx_op_cb, &r, &op));
  cancel_running(&l.f, op, &r);
  if (!withdrawn(&l)) return;
  fx_assert_world_value(l.p, blec_characteristic_handle(ch), "hello", 5);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 0));
  ASSERT_OK(blec_client_write(l.c, ch, (const uint8_t *)"yes", 3, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  fx_assert_world_value(l.p, blec_characteristic_handle(ch), "yes", 3);
  lab_close(&l);
}

BLEC_TEST_IMPL(cancel_descriptor_read_and_write_in_flight) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  blec_descriptor *d = fx_desc(l.c, LAB_DESC, "aa50");
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_descriptor_async(l.c, d, 0, fx_op_cb, &r, &op));
  cancel_running(&l.f, op, &r);
  fx_opres_init(&r);
  ASSERT_OK(blec_client_write_descriptor_async(l.c, d, (const uint8_t[]){7}, 1, fx_op_cb, &r, &op));
  cancel_running(&l.f, op, &r);
  if (!withdrawn(&l)) return;
  fx_assert_world_value(l.p, blec_descriptor_handle(d), "\x00", 1);
  lab_close(&l);
}

BLEC_TEST_IMPL(cancel_start_notify_leaves_the_characteristic_unsubscribed) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  blec_characteristic *ch = fx_chr(l.c, LAB_NI);
  fx_notes n;
  fx_notes_init(&n);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_start_notify_async(l.c, ch, 0, fx_notify_cb, &n, fx_op_cb, &r, &op));
  cancel_running(&l.f, op, &r);
  if (!withdrawn(&l)) {
    fx_notes_destroy(&n);
    return;
  }
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 0));
  fx_settle(&l.f);
  ASSERT_EQ_INT(fx_notes_count(&n), 0);
  /* Not "already subscribed": a new start works. */
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 2, FX_WAIT_MS);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(cancel_pair_leaves_the_device_unpaired) {
  lab l;
  lab_open(&l, SECURE_ADDR);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  if (FX_LACKS(&l.f, BLEC_CAP_PAIRING, blec_client_pair_async(l.c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op))) {
    lab_close(&l);
    return;
  }
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  ASSERT_OK(blec_client_pair_async(l.c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op));
  cancel_running(&l.f, op, &r);
  if (!withdrawn(&l)) return;
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 0));
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  blec_error_clear(&err);
  if (fx_cap(&l.f, BLEC_CAP_SECURITY_ERRORS))
    ASSERT_STATUS(blec_client_read(l.c, fx_chr(l.c, "bb01"), 0, blec_test_ms(FX_WAIT_MS), &d, &len, &err),
                  BLEC_ERR_ATT);
  else /* a read would make the OS pair by itself */
    fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "the ATT error after the cancelled pairing");
  ASSERT_OK(blec_client_pair(l.c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  lab_close(&l);
}

typedef struct never {
  atomic_int calls;
} never;

static bool never_pred(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)dev;
  (void)adv;
  atomic_fetch_add(&((never *)user)->calls, 1);
  return false;
}

BLEC_TEST_IMPL(cancel_find_and_discover) {
  fx f;
  fx_open(&f, fx_world_lab());
  never nv;
  atomic_init(&nv.calls, 0);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_find_device_async(f.ctx, NULL, never_pred, &nv, -1, fx_op_cb, &r, &op));
  cancel_running(&f, op, &r);
  ASSERT(r.device[0] == '\0');
  /* The predicate is not called once find is over. */
  int calls = atomic_load(&nv.calls);
  fx_settle(&f);
  ASSERT_EQ_INT(atomic_load(&nv.calls), calls);
  fx_opres_init(&r);
  ASSERT_OK(blec_discover_async(f.ctx, NULL, 60000, fx_op_cb, &r, &op));
  cancel_running(&f, op, &r);
  fx_close(&f);
}

BLEC_TEST_IMPL(cancel_after_completion_is_state_and_changes_nothing) {
  lab l;
  lab_open(&l, LAB_ADDR);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_OK(blec_op_wait(op, 0));
  ASSERT_STATUS(blec_op_cancel(op), BLEC_ERR_STATE);
  ASSERT_OK(blec_op_status(op));
  size_t len = 0;
  ASSERT(blec_op_data(op, &len) != NULL);
  ASSERT_EQ_INT(len, 5);
  fx_settle(&l.f);
  ASSERT_EQ_INT(atomic_load(&r.calls), 1);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(cancel_twice_answers_state_the_second_time) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_OK(blec_op_cancel(op));
  ASSERT_STATUS(blec_op_cancel(op), BLEC_ERR_STATE);
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_CANCELLED);
  fx_settle(&l.f);
  ASSERT_EQ_INT(atomic_load(&r.calls), 1);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(cancel_one_of_several_queued_reads_leaves_the_others) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 500)); /* 50 ms each */
  fx_opres r[3];
  blec_op *op[3];
  for (int i = 0; i < 3; i++) {
    fx_opres_init(&r[i]);
    ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_CONST), 0, fx_op_cb, &r[i], &op[i]));
  }
  int cs = blec_op_cancel(op[1]);
  ASSERT(cs == BLEC_OK || cs == BLEC_ERR_STATE);
  ASSERT_OK(fx_opres_wait(&r[0], FX_WAIT_MS));
  ASSERT_OK(fx_opres_wait(&r[2], FX_WAIT_MS));
  int s1 = fx_opres_wait(&r[1], FX_WAIT_MS);
  ASSERT_STATUS(s1, cs == BLEC_OK ? BLEC_ERR_CANCELLED : BLEC_OK);
  ASSERT_EQ_INT(r[0].len, 5);
  ASSERT_EQ_INT(r[2].len, 5);
  for (int i = 0; i < 3; i++) blec_op_free(op[i]);
  lab_close(&l);
}
