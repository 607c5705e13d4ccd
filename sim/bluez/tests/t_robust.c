/* SPDX-License-Identifier: MIT */
/*
 * t_robust.c — input from outside the simulator (method arguments, option dictionaries,
 * property values, clients that go away) is answered with an error, never a crash.
 */
#include <string.h>

#include "harness.h"

#define UART "/org/bluez/hci0/dev_C0_FF_EE_00_00_02"
#define UART_TX UART "/service0004/char0007"
#define UART_RX UART "/service0004/char0005"

BLEC_TEST_IMPL(malformed_options_and_values_get_invalid_arguments) {
  tb t;
  tb_open(&t, NULL, NULL);
  tb_discover(&t, UART);
  tb_connect(&t, UART);
  /* "offset" wrapped twice. */
  sd_bus_message *m = tb_msg(&t, UART_TX, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  ASSERT(sd_bus_message_open_container(m, 'e', "sv") >= 0);
  ASSERT(sd_bus_message_append(m, "s", "offset") >= 0);
  ASSERT(sd_bus_message_open_container(m, 'v', "v") >= 0);
  ASSERT(sd_bus_message_append(m, "v", "q", (uint16_t)1) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.InvalidArguments");
  /* "type" as an array. */
  m = tb_msg(&t, UART_RX, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append(m, "aya{sv}", 1, 0x01, 1, "type", "as", 1, "request") >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.InvalidArguments");
  /* Keys the client side does not use are ignored, whatever their type. */
  m = tb_msg(&t, UART_RX, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append(m, "aya{sv}", 1, 0x01, 2, "mtu", "t", (uint64_t)7, "device", "as", 0) >= 0);
  TB_OK(tb_send(&t, m));
  /* A filter with very many UUIDs, one of them bad. */
  m = tb_msg(&t, TB_HCI0, TB_ADAPTER, "SetDiscoveryFilter");
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  ASSERT(sd_bus_message_open_container(m, 'e', "sv") >= 0);
  ASSERT(sd_bus_message_append(m, "s", "UUIDs") >= 0);
  ASSERT(sd_bus_message_open_container(m, 'v', "as") >= 0);
  ASSERT(sd_bus_message_open_container(m, 'a', "s") >= 0);
  for (int i = 0; i < 2000; i++) ASSERT(sd_bus_message_append(m, "s", "0000180d-0000-1000-8000-00805f9b34fb") >= 0);
  ASSERT(sd_bus_message_append(m, "s", "0000180d-0000-1000-8000-00805f9b34fb-and-more") >= 0);
  for (int i = 0; i < 4; i++) ASSERT(sd_bus_message_close_container(m) >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.InvalidArguments");
  /* Property values of the wrong type, and strings of any length. */
  TB_ERR(tb_call(&t, UART, TB_PROPS, "Set", "ssv", TB_DEVICE, "Trusted", "s", "yes"),
         "org.freedesktop.DBus.Error.InvalidSignature");
  char alias[4096];
  memset(alias, 'a', sizeof alias - 1);
  alias[sizeof alias - 1] = 0;
  TB_OK(tb_call(&t, UART, TB_PROPS, "Set", "ssv", TB_DEVICE, "Alias", "s", alias));
  TB_ERR(tb_call(&t, UART, TB_PROPS, "Set", "ssv", "org.bluez.Nothing1", "Alias", "s", "x"), SD_BUS_ERROR_INVALID_ARGS);
  TB_ERR(tb_call(&t, UART, TB_PROPS, "Get", "ss", TB_DEVICE, ""), SD_BUS_ERROR_INVALID_ARGS);
  /* A device path of another adapter. */
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "RemoveDevice", "o", "/org/bluez/hci1/dev_C0_FF_EE_00_00_02"),
         "org.bluez.Error.DoesNotExist");
  /* An agent path that was never registered, capabilities of any case. */
  TB_ERR(tb_call(&t, "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent", "os", "/a", "keyboarddisplay"),
         "org.bluez.Error.InvalidArguments");
  /* Introspection of anything answers. */
  TB_OK(tb_call(&t, "/", "org.freedesktop.DBus.Introspectable", "Introspect", ""));
  TB_OK(tb_call(&t, "/org/nothing", "org.freedesktop.DBus.Introspectable", "Introspect", ""));
  /* The simulator still answers. */
  ASSERT(tb_get_bool(&t, UART, TB_DEVICE, "Connected"));
  tb_close(&t);
}

BLEC_TEST_IMPL(clients_that_leave_with_calls_pending_leave_the_simulator_working) {
  tb t;
  tb_open(&t, NULL, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_CONNECT_DELAY_MS, 200));
  tb_discover(&t, UART);
  /* Another client asks for a connection, a notify session and discovery, and goes. */
  sd_bus *other = tb_client(&t);
  sd_bus_message *m = NULL;
  ASSERT(sd_bus_message_new_method_call(other, &m, TB_BLUEZ, UART, TB_DEVICE, "Connect") >= 0);
  ASSERT(sd_bus_send(other, m, NULL) >= 0);
  sd_bus_message_unref(m);
  ASSERT(sd_bus_message_new_method_call(other, &m, TB_BLUEZ, TB_HCI0, TB_ADAPTER, "StartDiscovery") >= 0);
  ASSERT(sd_bus_send(other, m, NULL) >= 0);
  sd_bus_message_unref(m);
  other = sd_bus_flush_close_unref(other);
  /* Its Connect still completes (bluetoothd keeps the link), the rest goes on. */
  tb_wait_bool(&t, 0, UART, TB_DEVICE, "ServicesResolved", true, 5000);
  TB_OK(tb_call(&t, UART_TX, TB_CHAR, "StartNotify", ""));
  TB_OK(tb_call(&t, UART, TB_DEVICE, "Disconnect", ""));
  tb_close(&t);
}
