/* SPDX-License-Identifier: MIT */
/*
 * t_refresh.c — the adapter's Properties.GetAll, asked when a Bluetooth check or a
 * connect finds the mirror unusable, is asynchronous: while bluetoothd holds it,
 * another client's notifications still flow, and a connect waiting for it ends within
 * its own timeout.
 */
#include "bk.h"

static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:0F:00:00:00:01 public\n"
    "  name \"Beat\"\n"
    "  rssi -50\n"
    "  service 180d\n"
    "    characteristic 2a37 read,notify u8:0\n"
    "peripheral C0:0F:00:00:00:02 public\n"
    "  name \"Other\"\n"
    "  rssi -50\n";

#define ADDR "C0:0F:00:00:00:01"
#define OTHER "C0:0F:00:00:00:02"
#define ADAPTER "/org/bluez/hci0"

static int check_bluetooth(void *ctx) { return blec_ctx_check_bluetooth(ctx, NULL); }

BLEC_TEST_IMPL(adapter_getall_answered_late_holds_up_nothing_else) {
  bk t;
  bk_up(&t, world_text);
  bk_notes n;
  blec_characteristic *ch = NULL;
  blec_client *c = bk_subscribed(&t, ADDR, "2a37", &n, &ch);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL, 1));
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  bk_call check;
  bk_call_start(&check, check_bluetooth, t.ctx);
  /* The check's GetAll reached bluetoothd, which holds it. */
  WAIT_UNTIL(blec_bluez_sim_held_calls(t.sim) == 1, BK_WAIT_MS);
  bk_expect_notifications(&t, ADDR, ch, &n, 5, 0x50);
  ASSERT(!bk_call_done(&check)); /* held: the check cannot have returned */
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL, 0));
  ASSERT_OK(bk_call_join(&check));
  blec_client_free(c);
  bk_close(&t);
  blec__mutex_destroy(&n.m);
}

BLEC_TEST_IMPL(adapter_getall_held_a_connect_ends_within_its_timeout) {
  bk t;
  bk_up(&t, world_text);
  sd_bus *other = bk_bus();
  /* Known to the context (found, connected once), so that the connect goes to the backend. */
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(t.ctx, OTHER, NULL, &c));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(BK_WAIT_MS), NULL));
  /* Radio off: the mirror says unusable, so a connect asks bluetoothd afresh. */
  ASSERT_OK(blec_world_set_radio(t.world, false));
  WAIT_UNTIL(!bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Powered"), BK_WAIT_MS);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL, 1));
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  uint64_t t0 = bk_now_ms();
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(300), NULL), BLEC_ERR_TIMEOUT);
  ASSERT(bk_now_ms() - t0 < (uint64_t)blec_test_ms(5000)); /* not the GetAll's own 10 s bound */
  ASSERT_EQ_INT((int)blec_bluez_sim_held_calls(t.sim), 1);
  /* Answered late: the timed-out connect stays ended; the next one learns the radio is off. */
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL, 0));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(BK_WAIT_MS), &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT(!blec_client_is_connected(c));
  blec_client_free(c);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
}
