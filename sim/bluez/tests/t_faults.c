/* SPDX-License-Identifier: MIT */
/*
 * t_faults.c — faults from the world: the radio going off (Powered false) and on, the
 * adapter powered down through D-Bus, link loss, a discovery that gets no answer.
 */
#include <string.h>

#include "harness.h"

#define UART "/org/bluez/hci0/dev_C0_FF_EE_00_00_02"

BLEC_TEST_IMPL(radio_off_powers_the_adapter_down_ends_links_and_discovery) {
  tb t;
  tb_open(&t, NULL, NULL);
  tb_discover(&t, UART);
  tb_connect(&t, UART);
  size_t from = t.nev;
  ASSERT_OK(blec_world_set_radio(t.world, false));
  size_t down = tb_wait_bool(&t, from, UART, TB_DEVICE, "Connected", false, 3000);
  size_t off = tb_wait_bool(&t, from, TB_HCI0, TB_ADAPTER, "Powered", false, 3000);
  size_t stopped = tb_wait_bool(&t, from, TB_HCI0, TB_ADAPTER, "Discovering", false, 3000);
  ASSERT(down < off);
  ASSERT(stopped <= off);
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""), "org.bluez.Error.NotReady");
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "SetDiscoveryFilter", "a{sv}", 0), "org.bluez.Error.NotReady");
  sd_bus_message *r = tb_call(&t, UART, TB_DEVICE, "Connect", "");
  TB_ERR(r, "org.bluez.Error.Failed");
  /* Blocked like rfkill: powering on fails. */
  TB_ERR(tb_call(&t, TB_HCI0, TB_PROPS, "Set", "ssv", TB_ADAPTER, "Powered", "b", 1), "org.bluez.Error.Blocked");
  /* The radio comes back: bluetoothd powers the adapter again. */
  from = t.nev;
  ASSERT_OK(blec_world_set_radio(t.world, true));
  tb_wait_bool(&t, from, TB_HCI0, TB_ADAPTER, "Powered", true, 3000);
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""));
  tb_connect(&t, UART);
  tb_close(&t);
}

BLEC_TEST_IMPL(powering_off_through_dbus_drops_links_before_the_answer) {
  tb t;
  tb_open(&t, NULL, NULL);
  tb_discover(&t, UART);
  tb_connect(&t, UART);
  size_t from = t.nev;
  sd_bus_message *m = tb_msg(&t, TB_HCI0, TB_PROPS, "Set");
  ASSERT(sd_bus_message_append(m, "ssv", TB_ADAPTER, "Powered", "b", 0) >= 0);
  unsigned c = tb_send_async(&t, m);
  TB_OK(tb_wait_reply(&t, c));
  size_t down = tb_wait_bool(&t, from, UART, TB_DEVICE, "Connected", false, 3000);
  size_t off = tb_wait_bool(&t, from, TB_HCI0, TB_ADAPTER, "Powered", false, 3000);
  ASSERT(down < tb_reply_index(&t, c));
  ASSERT(tb_reply_index(&t, c) < off);
  ASSERT(!tb_get_bool(&t, TB_HCI0, TB_ADAPTER, "Discovering"));
  /* On again. */
  from = t.nev;
  TB_OK(tb_call(&t, TB_HCI0, TB_PROPS, "Set", "ssv", TB_ADAPTER, "Powered", "b", 1));
  tb_wait_bool(&t, from, TB_HCI0, TB_ADAPTER, "Powered", true, 3000);
  tb_close(&t);
}

static const char *const world_loss =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:70 random\n"
    "  name \"Lossy\"\n"
    "  adv-interval 20ms\n"
    "  fault link-loss after-requests 1\n"
    "  service 180f\n"
    "    characteristic 2a19 read u8:42\n";

BLEC_TEST_IMPL(link_loss_after_a_request_answers_it_then_drops_the_link) {
  tb t;
  tb_open(&t, world_loss, NULL);
  const char *dev = "/org/bluez/hci0/dev_C0_FF_EE_00_00_70";
  const char *chr = "/org/bluez/hci0/dev_C0_FF_EE_00_00_70/service0004/char0005";
  tb_discover(&t, dev);
  tb_connect(&t, dev);
  size_t from = t.nev;
  TB_OK(tb_call(&t, chr, TB_CHAR, "ReadValue", "a{sv}", 0));
  size_t unresolved = tb_wait_bool(&t, from, dev, TB_DEVICE, "ServicesResolved", false, 3000);
  size_t down = tb_wait_bool(&t, from, dev, TB_DEVICE, "Connected", false, 3000);
  ASSERT(unresolved <= down);
  tb_close(&t);
}

static const char *const world_unreachable =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:71 random\n"
    "  name \"Mute\"\n"
    "  adv-interval 20ms\n"
    "  fault discovery-unreachable 1\n"
    "  service 180f\n"
    "    characteristic 2a19 read u8:42\n";

BLEC_TEST_IMPL(a_discovery_without_answer_times_out_and_the_link_goes) {
  tb t;
  tb_open(&t, world_unreachable, NULL);
  const char *dev = "/org/bluez/hci0/dev_C0_FF_EE_00_00_71";
  tb_discover(&t, dev);
  size_t from = t.nev;
  TB_OK(tb_call(&t, dev, TB_DEVICE, "Connect", ""));
  /* The ATT transaction timed out: bt_att drops the link, nothing was resolved. */
  size_t down = tb_wait_bool(&t, from, dev, TB_DEVICE, "Connected", false, 3000);
  (void)down;
  ASSERT(tb_find_added(&t, from, "/org/bluez/hci0/dev_C0_FF_EE_00_00_71/service0004", "org.bluez.GattService1") ==
         TB_NONE);
  ASSERT(!tb_get_bool(&t, dev, TB_DEVICE, "ServicesResolved"));
  tb_close(&t);
}
