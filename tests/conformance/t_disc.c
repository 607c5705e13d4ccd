/* SPDX-License-Identifier: MIT */
/*
 * t_disc.c — disconnections: the disconnected callback exactly once per disconnection for
 * every cause, and operations caught in the middle of one.
 */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

typedef struct lab {
  fx f;
  blec_client *c;
  blec_world_peripheral *p;
  fx_disc d;
} lab;

static void lab_open(lab *l, const char *addr) {
  fx_open(&l->f, fx_world_lab());
  fx_disc_init(&l->d);
  l->p = fx_peripheral(&l->f, addr);
  ASSERT_OK(blec_client_new(l->f.ctx, addr, NULL, &l->c));
  blec_client_set_disconnected_callback(l->c, fx_disconnected_cb, &l->d);
  ASSERT_OK(blec_client_connect(l->c, blec_test_ms(10000), NULL));
}

static void lab_close(lab *l) {
  blec_client_free(l->c);
  fx_close(&l->f);
}

/* The callback ran once with `reason`, the client knows it is down, and no second call comes. */
static void expect_one_disconnection(lab *l, int reason, int total) {
  WAIT_UNTIL(atomic_load(&l->d.count) >= total, FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&l->d.reason), reason);
  ASSERT(!blec_client_is_connected(l->c));
  ASSERT_EQ_INT(blec_client_mtu(l->c), 0);
  fx_settle_client(&l->f, l->c);
  ASSERT_EQ_INT(atomic_load(&l->d.count), total);
}

/* What a link loss is reported as: LINK_LOSS, or REMOTE where the backend cannot tell
 * the two apart (BLEC_CAP_DISCONNECT_REASONS). */
static int link_loss(lab *l) {
  if (fx_cap(&l->f, BLEC_CAP_DISCONNECT_REASONS)) return BLEC_DISCONNECT_LINK_LOSS;
  fx_note_skipped("BLEC_CAP_DISCONNECT_REASONS", "link loss told apart from a remote disconnection");
  return BLEC_DISCONNECT_REMOTE;
}

BLEC_TEST_IMPL(disconnected_callback_once_for_a_requested_disconnect) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_client_disconnect(l.c, blec_test_ms(FX_WAIT_MS), NULL));
  expect_one_disconnection(&l, BLEC_DISCONNECT_REQUESTED, 1);
  ASSERT_OK(blec_client_disconnect(l.c, 100, NULL)); /* no second callback for a no-op */
  ASSERT_OK(blec_client_connect(l.c, blec_test_ms(10000), NULL));
  ASSERT_OK(blec_client_disconnect(l.c, blec_test_ms(FX_WAIT_MS), NULL));
  expect_one_disconnection(&l, BLEC_DISCONNECT_REQUESTED, 2);
  lab_close(&l);
}

BLEC_TEST_IMPL(disconnected_callback_once_when_the_peripheral_ends_the_link) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_disconnect(l.p));
  expect_one_disconnection(&l, BLEC_DISCONNECT_REMOTE, 1);
  ASSERT(!blec_world_peripheral_connected(l.p));
  /* disconnect after the fact is a no-op, and reconnecting works. */
  ASSERT_OK(blec_client_disconnect(l.c, 1000, NULL));
  ASSERT_EQ_INT(atomic_load(&l.d.count), 1);
  ASSERT_OK(blec_client_connect(l.c, blec_test_ms(10000), NULL));
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(l.c, fx_chr(l.c, LAB_RW), buf, sizeof buf), 5);
  lab_close(&l);
}

BLEC_TEST_IMPL(disconnected_callback_once_on_link_loss) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_fault_link_loss(l.p, 1, 0)); /* the live link is older than 1 ms: drops now */
  expect_one_disconnection(&l, link_loss(&l), 1);
  lab_close(&l);
}

BLEC_TEST_IMPL(disconnected_callback_once_on_link_loss_after_requests) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_fault_link_loss(l.p, 0, (int)blec_world_peripheral_request_count(l.p) + 2));
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(l.c, fx_chr(l.c, LAB_RW), buf, sizeof buf), 5);
  /* The second request is answered, then the link drops. */
  uint8_t *d = NULL;
  size_t len = 0;
  int s = blec_client_read(l.c, fx_chr(l.c, LAB_RW), 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL);
  ASSERT(s == BLEC_OK || s == BLEC_ERR_DISCONNECTED);
  blec_free(d);
  expect_one_disconnection(&l, link_loss(&l), 1);
  ASSERT_STATUS(blec_client_read(l.c, fx_chr(l.c, LAB_RW), 0, 1000, &d, &len, NULL), BLEC_ERR_NOT_CONNECTED);
  lab_close(&l);
}

BLEC_TEST_IMPL(disconnected_callback_once_when_the_radio_turns_off) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_set_radio(l.f.world, false));
  expect_one_disconnection(&l, BLEC_DISCONNECT_RADIO_OFF, 1);
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_connect(l.c, 1000, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT_OK(blec_world_set_radio(l.f.world, true));
  ASSERT_OK(blec_client_connect(l.c, blec_test_ms(10000), NULL));
  lab_close(&l);
}

BLEC_TEST_IMPL(disconnected_callback_once_when_unpairing_ends_the_link) {
  lab l;
  lab_open(&l, SECURE_ADDR);
  if (FX_LACKS(&l.f, BLEC_CAP_UNPAIR, blec_client_unpair(l.c, 1000, NULL))) {
    lab_close(&l);
    return;
  }
  if (fx_cap(&l.f, BLEC_CAP_PAIRING)) ASSERT_OK(blec_client_pair(l.c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_OK(blec_client_unpair(l.c, blec_test_ms(FX_WAIT_MS), NULL));
  expect_one_disconnection(&l, BLEC_DISCONNECT_UNPAIRED, 1);
  lab_close(&l);
}

BLEC_TEST_IMPL(disconnected_callback_can_be_replaced_and_cleared) {
  lab l;
  lab_open(&l, LAB_ADDR);
  fx_disc other;
  fx_disc_init(&other);
  blec_client_set_disconnected_callback(l.c, fx_disconnected_cb, &other);
  ASSERT_OK(blec_world_peripheral_disconnect(l.p));
  WAIT_UNTIL(atomic_load(&other.count) == 1, FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&l.d.count), 0);
  blec_client_set_disconnected_callback(l.c, NULL, NULL);
  ASSERT_OK(blec_client_connect(l.c, blec_test_ms(10000), NULL));
  ASSERT_OK(blec_world_peripheral_disconnect(l.p));
  WAIT_UNTIL(!blec_client_is_connected(l.c), FX_WAIT_MS);
  fx_settle_client(&l.f, l.c);
  ASSERT_EQ_INT(atomic_load(&other.count), 1);
  lab_close(&l);
}

/* ---- in the middle of an operation ------------------------------------------------------------- */

BLEC_TEST_IMPL(remote_disconnect_in_the_middle_of_a_read_fails_it_with_disconnected) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_STATUS(blec_op_wait(op, 50), BLEC_ERR_TIMEOUT);
  ASSERT_OK(blec_world_peripheral_disconnect(l.p));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DISCONNECTED);
  ASSERT_EQ_INT(r.err.status, BLEC_ERR_DISCONNECTED);
  ASSERT(!r.has_data);
  expect_one_disconnection(&l, BLEC_DISCONNECT_REMOTE, 1);
  ASSERT_EQ_INT(atomic_load(&r.calls), 1);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(link_loss_in_the_middle_of_a_read_fails_it_with_disconnected) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_STATUS(blec_op_wait(op, 50), BLEC_ERR_TIMEOUT);
  ASSERT_OK(blec_world_fault_link_loss(l.p, 1, 0));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DISCONNECTED);
  expect_one_disconnection(&l, link_loss(&l), 1);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(link_loss_in_the_middle_of_a_write_fails_it_with_disconnected) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  blec_characteristic *ch = fx_chr(l.c, LAB_RW);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_write_async(l.c, ch, (const uint8_t *)"lost", 4, BLEC_WRITE_WITH_RESPONSE, fx_op_cb, &r, &op));
  ASSERT_STATUS(blec_op_wait(op, 50), BLEC_ERR_TIMEOUT);
  ASSERT_OK(blec_world_fault_link_loss(l.p, 1, 0));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DISCONNECTED);
  expect_one_disconnection(&l, link_loss(&l), 1);
  fx_assert_world_value(l.p, blec_characteristic_handle(ch), "hello", 5);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(every_pending_operation_fails_when_the_link_drops) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r[4];
  blec_op *op[4];
  for (int i = 0; i < 4; i++) fx_opres_init(&r[i]);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r[0], &op[0]));
  ASSERT_OK(blec_client_write_async(l.c, fx_chr(l.c, LAB_RW), (const uint8_t *)"x", 1, BLEC_WRITE_WITH_RESPONSE,
                                    fx_op_cb, &r[1], &op[1]));
  ASSERT_OK(blec_client_read_descriptor_async(l.c, fx_desc(l.c, LAB_DESC, "2901"), 0, fx_op_cb, &r[2], &op[2]));
  ASSERT_OK(blec_client_start_notify_async(l.c, fx_chr(l.c, LAB_NI), 0, fx_notify_cb, &n, fx_op_cb, &r[3], &op[3]));
  ASSERT_OK(blec_world_peripheral_disconnect(l.p));
  for (int i = 0; i < 4; i++) {
    ASSERT_STATUS(fx_opres_wait(&r[i], FX_WAIT_MS), BLEC_ERR_DISCONNECTED);
    blec_op_free(op[i]);
  }
  expect_one_disconnection(&l, BLEC_DISCONNECT_REMOTE, 1);
  for (int i = 0; i < 4; i++) ASSERT_EQ_INT(atomic_load(&r[i].calls), 1);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(requested_disconnect_ends_pending_operations) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_OK(blec_client_disconnect(l.c, blec_test_ms(FX_WAIT_MS), NULL));
  int s = fx_opres_wait(&r, FX_WAIT_MS);
  if (s != BLEC_ERR_DISCONNECTED && s != BLEC_ERR_CANCELLED)
    blec_test_fail_(__FILE__, __LINE__, "pending read ended with %s", blec_status_name(s));
  expect_one_disconnection(&l, BLEC_DISCONNECT_REQUESTED, 1);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(notification_stream_stops_at_link_loss_with_one_callback) {
  lab l;
  lab_open(&l, LAB_ADDR);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(l.c, fx_chr(l.c, LAB_NI), 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 5, FX_WAIT_MS);
  ASSERT_OK(blec_world_fault_link_loss(l.p, 1, 0));
  expect_one_disconnection(&l, link_loss(&l), 1);
  int count = fx_notes_count(&n);
  fx_settle_client(&l.f, l.c);
  ASSERT_EQ_INT(fx_notes_count(&n), count);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(notification_stream_stops_at_remote_disconnect_and_resubscribes_after_reconnect) {
  lab l;
  lab_open(&l, LAB_ADDR);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_NI);
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 5, FX_WAIT_MS);
  ASSERT_OK(blec_world_peripheral_disconnect(l.p));
  expect_one_disconnection(&l, BLEC_DISCONNECT_REMOTE, 1);
  int count = fx_notes_count(&n);
  ASSERT_OK(blec_client_connect(l.c, blec_test_ms(10000), NULL));
  fx_settle(&l.f);
  ASSERT_EQ_INT(fx_notes_count(&n), count); /* a new link has no subscription */
  ch = fx_chr(l.c, LAB_NI);
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= count + 3, FX_WAIT_MS);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(remote_disconnect_during_connect_fails_the_connect) {
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
  WAIT_UNTIL(blec_world_peripheral_connected(p), FX_WAIT_MS);
  ASSERT_OK(blec_world_peripheral_disconnect(p));
  /* Whichever step it dropped in (the MTU exchange, discovery): DISCONNECTED, never
   * NOT_CONNECTED (issue 9 item 9; ThreadSanitizer's timing showed it). */
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DISCONNECTED);
  ASSERT(strstr(r.err.message, "lost") != NULL);
  ASSERT(!blec_client_is_connected(c));
  blec_op_free(op);
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 0));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(radio_off_fails_pending_operations_and_new_connects) {
  lab l;
  lab_open(&l, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, FX_FOREVER_MS));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_OK(blec_world_set_radio(l.f.world, false));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DISCONNECTED);
  expect_one_disconnection(&l, BLEC_DISCONNECT_RADIO_OFF, 1);
  blec_op_free(op);
  blec_client *other = NULL;
  ASSERT_OK(blec_client_new(l.f.ctx, HR_ADDR, NULL, &other));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_connect(other, 1000, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  blec_client_free(other);
  lab_close(&l);
}
