/* SPDX-License-Identifier: MIT */
/*
 * t_discovery.c — discovery: sessions, filters, devices made from advertisements with
 * bluetoothd's property types, what discovery's end does, temporary devices vanishing.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const world_one =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:10 random\n"
    "  name \"Probe\"\n"
    "  services 180d\n"
    "  manufacturer 004c hex:0215\n"
    "  scan-response service-data feaa hex:10eb\n"
    "  scan-response tx-power -8\n"
    "  adv-interval 20ms\n"
    "  rssi -50\n"
    "peripheral C0:FF:EE:00:00:11 random\n"
    "  connectable no\n"
    "  services 181a\n"
    "  adv-interval 20ms\n"
    "  rssi -90\n";

#define DEV10 "/org/bluez/hci0/dev_C0_FF_EE_00_00_10"
#define DEV11 "/org/bluez/hci0/dev_C0_FF_EE_00_00_11"

static void set_filter(tb *t, const char *types, ...) {
  sd_bus_message *m = tb_msg(t, TB_HCI0, TB_ADAPTER, "SetDiscoveryFilter");
  va_list ap;
  va_start(ap, types);
  ASSERT(sd_bus_message_appendv(m, types, ap) >= 0);
  va_end(ap);
  TB_OK(tb_send(t, m));
}

BLEC_TEST_IMPL(discovery_makes_devices_with_bluetoothd_property_types) {
  tb t;
  tb_open(&t, world_one, NULL);
  tb_discover(&t, DEV10);
  sd_bus_message *r = tb_get(&t, DEV10, TB_DEVICE, "ManufacturerData");
  TB_OK(r);
  ASSERT(sd_bus_message_enter_container(r, 'a', "{qv}") > 0);
  ASSERT(sd_bus_message_enter_container(r, 'e', "qv") > 0);
  uint16_t company;
  ASSERT(sd_bus_message_read(r, "q", &company) > 0);
  ASSERT_EQ_INT(company, 0x004c);
  ASSERT(sd_bus_message_enter_container(r, 'v', "ay") > 0);
  const void *bytes;
  size_t n;
  ASSERT(sd_bus_message_read_array(r, 'y', &bytes, &n) >= 0);
  ASSERT_EQ_INT(n, 2);
  ASSERT_MEM_EQ(bytes, "\x02\x15", 2);
  /* The scan response is merged into the same report. */
  r = tb_get(&t, DEV10, TB_DEVICE, "ServiceData");
  TB_OK(r);
  ASSERT(sd_bus_message_enter_container(r, 'a', "{sv}") > 0);
  ASSERT(sd_bus_message_enter_container(r, 'e', "sv") > 0);
  const char *uuid;
  ASSERT(sd_bus_message_read(r, "s", &uuid) > 0);
  ASSERT_STR_EQ(uuid, "0000feaa-0000-1000-8000-00805f9b34fb");
  r = tb_get(&t, DEV10, TB_DEVICE, "TxPower");
  int16_t tx;
  ASSERT(sd_bus_message_read(r, "n", &tx) > 0);
  ASSERT_EQ_INT(tx, -8);
  r = tb_get(&t, DEV10, TB_DEVICE, "RSSI");
  int16_t rssi;
  ASSERT(sd_bus_message_read(r, "n", &rssi) > 0);
  ASSERT_EQ_INT(rssi, -50);
  r = tb_get(&t, DEV10, TB_DEVICE, "UUIDs");
  char **uuids = NULL;
  ASSERT(sd_bus_message_read_strv(r, &uuids) > 0);
  ASSERT_STR_EQ(uuids[0], "0000180d-0000-1000-8000-00805f9b34fb");
  for (char **p = uuids; *p; p++) free(*p);
  free(uuids);
  const char *s;
  r = tb_get(&t, DEV10, TB_DEVICE, "AddressType");
  ASSERT(sd_bus_message_read(r, "s", &s) > 0);
  ASSERT_STR_EQ(s, "random");
  r = tb_get(&t, DEV10, TB_DEVICE, "Alias");
  ASSERT(sd_bus_message_read(r, "s", &s) > 0);
  ASSERT_STR_EQ(s, "Probe");
  r = tb_get(&t, DEV10, TB_DEVICE, "Adapter");
  ASSERT(sd_bus_message_read(r, "o", &s) > 0);
  ASSERT_STR_EQ(s, TB_HCI0);
  ASSERT(!tb_get_bool(&t, DEV10, TB_DEVICE, "Paired"));
  ASSERT(!tb_get_bool(&t, DEV10, TB_DEVICE, "Bonded"));
  ASSERT(!tb_get_bool(&t, DEV10, TB_DEVICE, "Connected"));
  ASSERT(!tb_get_bool(&t, DEV10, TB_DEVICE, "ServicesResolved"));
  /* A device without a name is aliased by its address; experimental flags are absent. */
  tb_wait_added(&t, 0, DEV11, TB_DEVICE, 3000);
  r = tb_get(&t, DEV11, TB_DEVICE, "Alias");
  ASSERT(sd_bus_message_read(r, "s", &s) > 0);
  ASSERT_STR_EQ(s, "C0-FF-EE-00-00-11");
  TB_ERR(tb_get(&t, DEV11, TB_DEVICE, "Name"), SD_BUS_ERROR_INVALID_ARGS);
  TB_ERR(tb_get(&t, DEV10, TB_DEVICE, "AdvertisingFlags"), SD_BUS_ERROR_INVALID_ARGS);
  tb_close(&t);
}

BLEC_TEST_IMPL(start_discovery_is_answered_before_discovering_turns_true) {
  tb t;
  tb_open(&t, world_one, NULL);
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "StopDiscovery", ""), "org.bluez.Error.Failed");
  unsigned c = tb_send_async(&t, tb_msg(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery"));
  TB_OK(tb_wait_reply(&t, c));
  size_t sig = tb_wait_prop(&t, 0, TB_HCI0, TB_ADAPTER, "Discovering", 2000);
  ASSERT(tb_reply_index(&t, c) < sig);
  ASSERT(tb_changed_bool(t.ev[sig].msg, "Discovering", true));
  /* One session per client. */
  sd_bus_message *r = tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", "");
  TB_ERR(r, "org.bluez.Error.InProgress");
  /* The stop is answered, then Discovering turns false. */
  size_t from = t.nev;
  c = tb_send_async(&t, tb_msg(&t, TB_HCI0, TB_ADAPTER, "StopDiscovery"));
  TB_OK(tb_wait_reply(&t, c));
  sig = tb_wait_prop(&t, from, TB_HCI0, TB_ADAPTER, "Discovering", 2000);
  ASSERT(tb_reply_index(&t, c) < sig);
  ASSERT(tb_changed_bool(t.ev[sig].msg, "Discovering", false));
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "StopDiscovery", ""), "org.bluez.Error.Failed");
  tb_close(&t);
}

BLEC_TEST_IMPL(set_discovery_filter_rejects_what_bluetoothd_rejects) {
  tb t;
  tb_open(&t, world_one, NULL);
  static const char *const bad[][3] = {
      {"NoSuchKey", "s", "x"}, {"Transport", "s", "usb"}, {"Transport", "b", NULL}, {"RSSI", "i", NULL},
      {"RSSI", "n", "+21"},     {"RSSI", "n", "-128"},   {"Pathloss", "q", "138"},  {"UUIDs", "as", "not-a-uuid"},
      {"DuplicateData", "s", "yes"}, {"Pattern", "b", NULL}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    sd_bus_message *m = tb_msg(&t, TB_HCI0, TB_ADAPTER, "SetDiscoveryFilter");
    ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
    ASSERT(sd_bus_message_open_container(m, 'e', "sv") >= 0);
    ASSERT(sd_bus_message_append(m, "s", bad[i][0]) >= 0);
    const char *type = bad[i][1], *v = bad[i][2];
    if (!strcmp(type, "s")) ASSERT(sd_bus_message_append(m, "v", "s", v) >= 0);
    else if (!strcmp(type, "b")) ASSERT(sd_bus_message_append(m, "v", "b", 1) >= 0);
    else if (!strcmp(type, "i")) ASSERT(sd_bus_message_append(m, "v", "i", -60) >= 0);
    else if (!strcmp(type, "n")) ASSERT(sd_bus_message_append(m, "v", "n", (int16_t)atoi(v)) >= 0);
    else if (!strcmp(type, "q")) ASSERT(sd_bus_message_append(m, "v", "q", (uint16_t)atoi(v)) >= 0);
    else ASSERT(sd_bus_message_append(m, "v", "as", 1, v) >= 0);
    ASSERT(sd_bus_message_close_container(m) >= 0);
    ASSERT(sd_bus_message_close_container(m) >= 0);
    sd_bus_message *r = tb_send(&t, m);
    if (!tb_error(r) || strcmp(tb_error(r), "org.bluez.Error.InvalidArguments"))
      blec_test_fail_(__FILE__, __LINE__, "filter %s (%s) was not refused", bad[i][0], type);
  }
  /* RSSI and Pathloss together. */
  sd_bus_message *m = tb_msg(&t, TB_HCI0, TB_ADAPTER, "SetDiscoveryFilter");
  ASSERT(sd_bus_message_append(m, "a{sv}", 2, "RSSI", "n", (int16_t)-70, "Pathloss", "q", (uint16_t)40) >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.InvalidArguments");
  /* The filter names, in bluetoothd's order. */
  sd_bus_message *r = tb_call(&t, TB_HCI0, TB_ADAPTER, "GetDiscoveryFilters", "");
  char **names = NULL;
  ASSERT(sd_bus_message_read_strv(r, &names) > 0);
  static const char *const want[] = {"UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"};
  for (size_t i = 0; i < 7; i++) ASSERT_STR_EQ(names[i], want[i]);
  ASSERT(names[7] == NULL);
  for (char **p = names; *p; p++) free(*p);
  free(names);
  /* A valid filter, then the empty one (removed). */
  set_filter(&t, "a{sv}", 3, "Transport", "s", "le", "DuplicateData", "b", 0, "UUIDs", "as", 1, "180d");
  set_filter(&t, "a{sv}", 0);
  tb_close(&t);
}

static size_t count_props(tb *t, const char *path, const char *prop) {
  size_t n = 0;
  for (size_t i = 0; (i = tb_find_prop(t, i, path, TB_DEVICE, prop)) != TB_NONE; i++) n++;
  return n;
}

static bool three_rssi(tb *t, void *ctx) { return count_props(t, ctx, "RSSI") >= 3; }

BLEC_TEST_IMPL(uuid_and_rssi_filters_hide_devices_that_do_not_match) {
  tb t;
  tb_open(&t, world_one, NULL);
  set_filter(&t, "a{sv}", 2, "Transport", "s", "le", "UUIDs", "as", 1, "181a");
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""));
  tb_wait_added(&t, 0, DEV11, TB_DEVICE, 3000);
  /* With a filter, each report signals its RSSI (no 8 dBm threshold). */
  ASSERT(tb_until(&t, three_rssi, (void *)DEV11, 3000));
  ASSERT(tb_find_added(&t, 0, DEV10, TB_DEVICE) == TB_NONE);
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StopDiscovery", ""));
  tb_close(&t);

  tb_open(&t, world_one, NULL);
  set_filter(&t, "a{sv}", 2, "Transport", "s", "le", "RSSI", "n", (int16_t)-70);
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""));
  tb_wait_added(&t, 0, DEV10, TB_DEVICE, 3000);
  ASSERT(tb_until(&t, three_rssi, (void *)DEV10, 3000));
  /* -90 dBm is below the threshold: never reported. */
  ASSERT(tb_find_added(&t, 0, DEV11, TB_DEVICE) == TB_NONE);
  tb_close(&t);
}

BLEC_TEST_IMPL(duplicate_data_signals_manufacturer_data_of_every_report) {
  tb t;
  tb_open(&t, world_one, NULL);
  set_filter(&t, "a{sv}", 2, "Transport", "s", "le", "DuplicateData", "b", 1);
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""));
  tb_wait_added(&t, 0, DEV10, TB_DEVICE, 3000);
  ASSERT(tb_until(&t, three_rssi, (void *)DEV10, 3000));
  ASSERT(count_props(&t, DEV10, "ManufacturerData") >= 2);
  tb_close(&t);

  /* Without it, unchanged data is not signalled again (only RSSI is). */
  tb_open(&t, world_one, NULL);
  set_filter(&t, "a{sv}", 1, "Transport", "s", "le");
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""));
  tb_wait_added(&t, 0, DEV10, TB_DEVICE, 3000);
  ASSERT(tb_until(&t, three_rssi, (void *)DEV10, 3000));
  ASSERT_EQ_INT(count_props(&t, DEV10, "ManufacturerData"), 0);
  tb_close(&t);
}

BLEC_TEST_IMPL(stopping_discovery_invalidates_rssi_and_drops_unconnectable_devices) {
  tb t;
  tb_open(&t, world_one, NULL);
  tb_discover(&t, DEV10);
  tb_wait_added(&t, 0, DEV11, TB_DEVICE, 3000);
  size_t from = t.nev;
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "StopDiscovery", ""));
  size_t i = tb_wait_prop(&t, from, DEV10, TB_DEVICE, "RSSI", 2000);
  ASSERT(tb_invalidated(t.ev[i].msg, "RSSI"));
  ASSERT(tb_invalidated(t.ev[i].msg, "TxPower"));
  tb_wait_removed(&t, from, DEV11, 2000);
  TB_ERR(tb_get(&t, DEV10, TB_DEVICE, "RSSI"), SD_BUS_ERROR_INVALID_ARGS);
  /* The connectable one stays (until its temporary timeout). */
  ASSERT(!tb_get_bool(&t, DEV10, TB_DEVICE, "Connected"));
  tb_close(&t);
}

static const char *const world_vanishing =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:20 random\n"
    "  name \"Gone\"\n"
    "  adv-interval 20ms\n"
    "  fault stop-advertising after 300ms\n";

BLEC_TEST_IMPL(a_device_that_stops_advertising_goes_after_the_temporary_timeout) {
  tb t;
  tb_open(&t, world_vanishing, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS, 400));
  const char *dev = "/org/bluez/hci0/dev_C0_FF_EE_00_00_20";
  tb_discover(&t, dev);
  size_t added = tb_find_added(&t, 0, dev, TB_DEVICE);
  size_t removed = tb_wait_removed(&t, added, dev, 5000);
  ASSERT(removed > added);
  TB_ERR(tb_call(&t, dev, TB_DEVICE, "Connect", ""), SD_BUS_ERROR_UNKNOWN_OBJECT);
  tb_close(&t);
}

BLEC_TEST_IMPL(a_discovery_session_ends_when_its_client_leaves_the_bus) {
  tb t;
  tb_open(&t, world_one, NULL);
  sd_bus *other = tb_client(&t);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ASSERT(sd_bus_call_method(other, TB_BLUEZ, TB_HCI0, TB_ADAPTER, "StartDiscovery", &e, NULL, "") >= 0);
  size_t i = tb_wait_prop(&t, 0, TB_HCI0, TB_ADAPTER, "Discovering", 2000);
  ASSERT(tb_changed_bool(t.ev[i].msg, "Discovering", true));
  other = sd_bus_flush_close_unref(other);
  i = tb_wait_prop(&t, i + 1, TB_HCI0, TB_ADAPTER, "Discovering", 2000);
  ASSERT(tb_changed_bool(t.ev[i].msg, "Discovering", false));
  tb_close(&t);
}
