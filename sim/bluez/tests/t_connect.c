/* SPDX-License-Identifier: MIT */
/*
 * t_connect.c — Connect and Disconnect: the order of replies and signals, GATT objects
 * with their handle paths, failures, remote disconnection, removal.
 */
#include <string.h>

#include "harness.h"

#define UART "/org/bluez/hci0/dev_C0_FF_EE_00_00_02"
#define UART_SVC UART "/service0004"
#define UART_RX UART_SVC "/char0005"
#define UART_TX UART_SVC "/char0007"
#define UART_TX_CCCD UART_TX "/desc0009"

/* The default world, discovered, the UART connected and resolved. */
static void open_uart(tb *t) {
  tb_open(t, NULL, NULL);
  tb_discover(t, UART);
  tb_connect(t, UART);
}

static size_t connected_change(tb *t, size_t from, const char *path, bool value) {
  return tb_wait_bool(t, from, path, TB_DEVICE, "Connected", value, 5000);
}

static size_t resolved_change(tb *t, size_t from, const char *path, bool value) {
  return tb_wait_bool(t, from, path, TB_DEVICE, "ServicesResolved", value, 5000);
}

BLEC_TEST_IMPL(connect_signals_connected_answers_then_exports_services_then_resolves) {
  tb t;
  tb_open(&t, NULL, NULL);
  tb_discover(&t, UART);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, UART, TB_DEVICE, "Connect"));
  TB_OK(tb_wait_reply(&t, c));
  size_t reply = tb_reply_index(&t, c);
  size_t conn = connected_change(&t, from, UART, true);
  size_t svc = tb_wait_added(&t, from, UART_SVC, "org.bluez.GattService1", 5000);
  size_t resolved = resolved_change(&t, from, UART, true);
  /* bluetoothd: Connected (device_add_connection), the reply (att_connect_cb), the
   * objects (btd_gatt_client_ready), ServicesResolved (device_svc_resolved). */
  ASSERT(conn < reply);
  ASSERT(reply < svc);
  ASSERT(svc < resolved);
  size_t chr = tb_find_added(&t, from, UART_TX, TB_CHAR);
  size_t desc = tb_find_added(&t, from, UART_TX_CCCD, TB_DESC);
  ASSERT(chr != TB_NONE && desc != TB_NONE);
  ASSERT(svc < chr && chr < desc && desc < resolved);
  ASSERT(tb_find_added(&t, from, UART_RX, TB_CHAR) != TB_NONE);
  /* The GAP service is claimed by bluetoothd's own profile: not exported. */
  ASSERT(tb_find_added(&t, from, UART "/service0001", "org.bluez.GattService1") == TB_NONE);
  /* The UUIDs now are the resolved services, GAP included; the GAP name is the Name. */
  sd_bus_message *r = tb_get(&t, UART, TB_DEVICE, "UUIDs");
  char **uuids = NULL;
  ASSERT(sd_bus_message_read_strv(r, &uuids) > 0);
  ASSERT_STR_EQ(uuids[0], "00001800-0000-1000-8000-00805f9b34fb");
  ASSERT_STR_EQ(uuids[1], "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  for (char **p = uuids; *p; p++) free(*p);
  free(uuids);
  /* Characteristic properties as bluetoothd types them. */
  r = tb_get(&t, UART_TX, TB_CHAR, "Service");
  const char *s;
  ASSERT(sd_bus_message_read(r, "o", &s) > 0);
  ASSERT_STR_EQ(s, UART_SVC);
  r = tb_get(&t, UART_RX, TB_CHAR, "Flags");
  char **flags = NULL;
  ASSERT(sd_bus_message_read_strv(r, &flags) > 0);
  ASSERT_STR_EQ(flags[0], "write-without-response");
  ASSERT_STR_EQ(flags[1], "write");
  ASSERT(flags[2] == NULL);
  for (char **p = flags; *p; p++) free(*p);
  free(flags);
  r = tb_get(&t, UART_TX, TB_CHAR, "MTU");
  uint16_t mtu;
  ASSERT(sd_bus_message_read(r, "q", &mtu) > 0);
  ASSERT_EQ_INT(mtu, 247); /* min(517, the peripheral's 247) */
  ASSERT(!tb_get_bool(&t, UART_TX, TB_CHAR, "Notifying"));
  ASSERT(!tb_get_bool(&t, UART_TX, TB_CHAR, "NotifyAcquired"));
  TB_ERR(tb_get(&t, UART_TX, TB_CHAR, "WriteAcquired"), SD_BUS_ERROR_INVALID_ARGS);
  ASSERT(!tb_get_bool(&t, UART_RX, TB_CHAR, "WriteAcquired"));
  /* 5.66 has no Handle property on remote objects. */
  TB_ERR(tb_get(&t, UART_TX, TB_CHAR, "Handle"), SD_BUS_ERROR_INVALID_ARGS);
  /* Connect on a connected device succeeds at once. */
  TB_OK(tb_call(&t, UART, TB_DEVICE, "Connect", ""));
  tb_close(&t);
}

BLEC_TEST_IMPL(from_bluez_5_69_gatt_objects_carry_their_handles) {
  blec_bluez_sim_config *cfg;
  ASSERT_OK(blec_bluez_sim_config_new(&cfg));
  ASSERT_OK(blec_bluez_sim_config_set_version(cfg, 69));
  tb t;
  tb_open(&t, NULL, cfg);
  blec_bluez_sim_config_free(cfg);
  tb_discover(&t, UART);
  tb_connect(&t, UART);
  uint16_t h;
  sd_bus_message *r = tb_get(&t, UART_SVC, "org.bluez.GattService1", "Handle");
  ASSERT(sd_bus_message_read(r, "q", &h) > 0);
  ASSERT_EQ_INT(h, 4);
  r = tb_get(&t, UART_TX, TB_CHAR, "Handle");
  ASSERT(sd_bus_message_read(r, "q", &h) > 0);
  ASSERT_EQ_INT(h, 7); /* the declaration, as in the path */
  r = tb_get(&t, UART_TX_CCCD, TB_DESC, "Handle");
  ASSERT(sd_bus_message_read(r, "q", &h) > 0);
  ASSERT_EQ_INT(h, 9);
  tb_close(&t);
}

BLEC_TEST_IMPL(disconnect_is_answered_before_connected_turns_false) {
  tb t;
  open_uart(&t);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, UART, TB_DEVICE, "Disconnect"));
  TB_OK(tb_wait_reply(&t, c));
  size_t gone = connected_change(&t, from, UART, false);
  size_t unresolved = resolved_change(&t, from, UART, false);
  ASSERT(unresolved < tb_reply_index(&t, c));
  ASSERT(tb_reply_index(&t, c) < gone);
  /* With the Cache "always" default the objects stay. */
  ASSERT(tb_find_removed(&t, from, UART_SVC) == TB_NONE);
  TB_ERR(tb_call(&t, UART_TX, TB_CHAR, "ReadValue", "a{sv}", 0), "org.bluez.Error.Failed");
  /* Disconnecting what is not connected is answered at once. */
  TB_OK(tb_call(&t, UART, TB_DEVICE, "Disconnect", ""));
  tb_close(&t);
}

BLEC_TEST_IMPL(signal_before_reply_switch_reverses_the_disconnect_order) {
  tb t;
  tb_open(&t, NULL, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_SIGNAL_BEFORE_REPLY, 1));
  tb_discover(&t, UART);
  tb_connect(&t, UART);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, UART, TB_DEVICE, "Disconnect"));
  TB_OK(tb_wait_reply(&t, c));
  size_t gone = connected_change(&t, from, UART, false);
  ASSERT(gone < tb_reply_index(&t, c));
  tb_close(&t);
}

BLEC_TEST_IMPL(reconnecting_keeps_the_objects_and_resolves_again) {
  tb t;
  open_uart(&t);
  TB_OK(tb_call(&t, UART, TB_DEVICE, "Disconnect", ""));
  connected_change(&t, 0, UART, false);
  size_t from = t.nev;
  tb_connect(&t, UART);
  ASSERT(tb_find_added(&t, from, UART_SVC, "org.bluez.GattService1") == TB_NONE);
  TB_OK(tb_call(&t, UART_TX_CCCD, TB_DESC, "ReadValue", "a{sv}", 0));
  tb_close(&t);
}

BLEC_TEST_IMPL(without_the_gatt_cache_objects_go_with_the_link) {
  tb t;
  tb_open(&t, NULL, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_GATT_CACHE, 0));
  tb_discover(&t, UART);
  tb_connect(&t, UART);
  size_t from = t.nev;
  TB_OK(tb_call(&t, UART, TB_DEVICE, "Disconnect", ""));
  tb_wait_removed(&t, from, UART_TX_CCCD, 3000);
  tb_wait_removed(&t, from, UART_SVC, 3000);
  tb_close(&t);
}

BLEC_TEST_IMPL(a_peripheral_ending_the_link_unresolves_then_disconnects) {
  tb t;
  open_uart(&t);
  size_t from = t.nev;
  blec_world_peripheral *p;
  ASSERT_OK(blec_world_find_peripheral(t.world, "C0:FF:EE:00:00:02", &p));
  ASSERT_OK(blec_world_peripheral_disconnect(p));
  size_t unresolved = resolved_change(&t, from, UART, false);
  size_t gone = connected_change(&t, from, UART, false);
  ASSERT(unresolved <= gone);
  /* It advertises again: a client that connects again gets it. */
  tb_connect(&t, UART);
  tb_close(&t);
}

static const char *const world_abort =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:30 random\n"
    "  name \"Flaky\"\n"
    "  adv-interval 20ms\n"
    "  service 180f\n"
    "    characteristic 2a19 read u8:50\n";

#define FLAKY "/org/bluez/hci0/dev_C0_FF_EE_00_00_30"

BLEC_TEST_IMPL(connect_abort_by_local_shows_the_link_come_and_go) {
  tb t;
  tb_open(&t, world_abort, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_CONNECT_ABORT_BY_LOCAL, 1));
  tb_discover(&t, FLAKY);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, FLAKY, TB_DEVICE, "Connect"));
  sd_bus_message *r = tb_wait_reply(&t, c);
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "le-connection-abort-by-local");
  size_t up = connected_change(&t, from, FLAKY, true);
  size_t down = connected_change(&t, from, FLAKY, false);
  ASSERT(up < tb_reply_index(&t, c));
  ASSERT(tb_reply_index(&t, c) < down);
  /* Only once: the next Connect works. */
  tb_connect(&t, FLAKY);
  tb_close(&t);
}

static const char *const world_unconnectable =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:31 random\n"
    "  name \"Beacon\"\n"
    "  connectable no\n"
    "  adv-interval 20ms\n";

BLEC_TEST_IMPL(a_connect_nobody_answers_fails_abort_by_local_without_connected_changes) {
  tb t;
  tb_open(&t, world_unconnectable, NULL);
  const char *dev = "/org/bluez/hci0/dev_C0_FF_EE_00_00_31";
  tb_discover(&t, dev);
  size_t from = t.nev;
  sd_bus_message *r = tb_call(&t, dev, TB_DEVICE, "Connect", "");
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "le-connection-abort-by-local");
  ASSERT(tb_find_prop(&t, from, dev, TB_DEVICE, "Connected") == TB_NONE);
  ASSERT(!tb_get_bool(&t, dev, TB_DEVICE, "Connected"));
  tb_close(&t);
}

BLEC_TEST_IMPL(a_second_connect_during_the_attempt_fails_and_disconnect_cancels_it) {
  tb t;
  tb_open(&t, NULL, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_CONNECT_DELAY_MS, 5000));
  tb_discover(&t, UART);
  unsigned first = tb_send_async(&t, tb_msg(&t, UART, TB_DEVICE, "Connect"));
  sd_bus_message *r = tb_call(&t, UART, TB_DEVICE, "Connect", "");
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "Operation already in progress");
  ASSERT(tb_reply_index(&t, first) == TB_NONE); /* still connecting (the slow Connect) */
  TB_OK(tb_call(&t, UART, TB_DEVICE, "Disconnect", ""));
  r = tb_wait_reply(&t, first);
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "br-connection-canceled");
  ASSERT(!tb_get_bool(&t, UART, TB_DEVICE, "Connected"));
  tb_close(&t);
}

BLEC_TEST_IMPL(remove_device_of_a_connected_device_answers_after_the_link_then_removes) {
  tb t;
  open_uart(&t);
  size_t from = t.nev;
  sd_bus_message *m = tb_msg(&t, TB_HCI0, TB_ADAPTER, "RemoveDevice");
  ASSERT(sd_bus_message_append(m, "o", UART) >= 0);
  unsigned c = tb_send_async(&t, m);
  TB_OK(tb_wait_reply(&t, c));
  size_t gone = connected_change(&t, from, UART, false);
  size_t removed = tb_wait_removed(&t, from, UART, 3000);
  size_t svc_removed = tb_wait_removed(&t, from, UART_SVC, 3000);
  ASSERT(tb_reply_index(&t, c) < gone);
  ASSERT(gone < removed);
  ASSERT(svc_removed < removed);
  TB_ERR(tb_call(&t, UART, TB_DEVICE, "Connect", ""), SD_BUS_ERROR_UNKNOWN_OBJECT);
  tb_close(&t);
}
