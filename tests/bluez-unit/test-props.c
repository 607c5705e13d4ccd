/* SPDX-License-Identifier: MIT */
/* test-props.c — property dictionaries of Device1, Adapter1 and the GATT interfaces. */
#include <errno.h>
#include <string.h>

#include "backends/bluez/blz.h"
#include "msg.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

/* Appends {key: variant(sig)} with one basic value. */
#define PUT(m, key, sig, ...) ASSERT(sd_bus_message_append((m), "{sv}", (key), (sig), __VA_ARGS__) >= 0)

static void open_entry(sd_bus_message *m, const char *key, const char *sig) {
  ASSERT(sd_bus_message_open_container(m, 'e', "sv") >= 0);
  ASSERT(sd_bus_message_append(m, "s", key) >= 0);
  ASSERT(sd_bus_message_open_container(m, 'v', sig) >= 0);
}

static void close_entry(sd_bus_message *m) {
  ASSERT(sd_bus_message_close_container(m) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
}

/* ManufacturerData {company: ay} entries from (company, bytes, len) triples. */
static void put_mfr(sd_bus_message *m, uint16_t company, const void *data, size_t len) {
  ASSERT(sd_bus_message_open_container(m, 'e', "qv") >= 0);
  ASSERT(sd_bus_message_append(m, "q", company) >= 0);
  ASSERT(sd_bus_message_open_container(m, 'v', "ay") >= 0);
  ASSERT(sd_bus_message_append_array(m, 'y', data, len) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
}

static void put_sdata(sd_bus_message *m, const char *uuid, const void *data, size_t len) {
  ASSERT(sd_bus_message_open_container(m, 'e', "sv") >= 0);
  ASSERT(sd_bus_message_append(m, "s", uuid) >= 0);
  ASSERT(sd_bus_message_open_container(m, 'v', "ay") >= 0);
  ASSERT(sd_bus_message_append_array(m, 'y', data, len) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
}

/* A typical Device1 dictionary of an advertising heart-rate sensor. */
static sd_bus_message *device_dict(void) {
  sd_bus_message *m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  PUT(m, "Address", "s", "c0:01:00:00:00:0a");
  PUT(m, "AddressType", "s", "random");
  PUT(m, "Name", "s", "HR Sensor");
  PUT(m, "Alias", "s", "HR Sensor");
  PUT(m, "Adapter", "o", "/org/bluez/hci0");
  PUT(m, "RSSI", "n", (int16_t)-50);
  PUT(m, "TxPower", "n", (int16_t)-8);
  PUT(m, "Appearance", "q", (uint16_t)0x0341);
  PUT(m, "UUIDs", "as", 2, "0000180d-0000-1000-8000-00805f9b34fb", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  PUT(m, "Connected", "b", 1);
  PUT(m, "ServicesResolved", "b", 0);
  PUT(m, "Paired", "b", 1);
  PUT(m, "Bonded", "b", 1);
  PUT(m, "Trusted", "b", 0);
  PUT(m, "Icon", "s", "unknown-property-is-skipped");
  open_entry(m, "ManufacturerData", "a{qv}");
  ASSERT(sd_bus_message_open_container(m, 'a', "{qv}") >= 0);
  put_mfr(m, 0x004C, "\x02\x15", 2);
  put_mfr(m, 0xFFFF, "\x01\x02\x03", 3);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  close_entry(m);
  open_entry(m, "ServiceData", "a{sv}");
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  put_sdata(m, "0000feaa-0000-1000-8000-00805f9b34fb", "\x10\x20", 2);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  close_entry(m);
  open_entry(m, "AdvertisingFlags", "ay");
  ASSERT(sd_bus_message_append_array(m, 'y', "\x06", 1) >= 0);
  close_entry(m);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  return m;
}

BLEC_TEST_IMPL(device_properties_read_every_documented_property) {
  blz_device d;
  memset(&d, 0, sizeof d);
  sd_bus_message *m = device_dict();
  unsigned changed = 0;
  const char *bad = "unset";
  ASSERT_EQ_INT(blz_device_apply(&d, m, &changed, &bad), 0);
  ASSERT(bad == NULL);
  unsigned all = BLZ_DP_ADDRESS | BLZ_DP_ADDRESS_TYPE | BLZ_DP_NAME | BLZ_DP_ALIAS | BLZ_DP_ADAPTER | BLZ_DP_RSSI |
                 BLZ_DP_TX_POWER | BLZ_DP_APPEARANCE | BLZ_DP_UUIDS | BLZ_DP_MANUFACTURER | BLZ_DP_SERVICE_DATA |
                 BLZ_DP_AD_FLAGS | BLZ_DP_CONNECTED | BLZ_DP_SERVICES_RESOLVED | BLZ_DP_PAIRED | BLZ_DP_BONDED |
                 BLZ_DP_TRUSTED;
  ASSERT_EQ_INT(changed, all);
  ASSERT_EQ_INT(d.have, all);
  ASSERT_STR_EQ(d.address, "C0:01:00:00:00:0A"); /* normalized to upper case */
  ASSERT_EQ_INT(d.address_type, BLEC_ADDRESS_RANDOM);
  ASSERT_STR_EQ(d.name, "HR Sensor");
  ASSERT_STR_EQ(d.adapter, "/org/bluez/hci0");
  ASSERT_EQ_INT(d.rssi, -50);
  ASSERT_EQ_INT(d.tx_power, -8);
  ASSERT_EQ_INT(d.appearance, 0x0341);
  ASSERT_EQ_INT(d.nuuids, 2);
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT(blec_uuid_equal(&d.uuids[0], &hr));
  ASSERT_EQ_INT(d.nmfr, 2);
  ASSERT_EQ_INT(d.mfr[0].company, 0x004C);
  ASSERT_EQ_INT(d.mfr[1].data.n, 3);
  ASSERT_MEM_EQ(d.mfr[1].data.p, "\x01\x02\x03", 3);
  ASSERT_EQ_INT(d.nsdata, 1);
  blec_uuid feaa = blec_uuid_from16(0xFEAA);
  ASSERT(blec_uuid_equal(&d.sdata[0].uuid, &feaa));
  ASSERT_EQ_INT(d.flags.n, 1);
  ASSERT(d.connected && !d.services_resolved && d.paired && d.bonded && !d.trusted);
  /* A second dictionary changes only what it carries. */
  sd_bus_message *m2 = msg_new();
  ASSERT(sd_bus_message_open_container(m2, 'a', "{sv}") >= 0);
  PUT(m2, "RSSI", "n", (int16_t)-70);
  ASSERT(sd_bus_message_close_container(m2) >= 0);
  msg_seal(m2);
  ASSERT_EQ_INT(blz_device_apply(&d, m2, &changed, &bad), 0);
  ASSERT_EQ_INT(changed, BLZ_DP_RSSI);
  ASSERT_EQ_INT(d.rssi, -70);
  ASSERT_STR_EQ(d.name, "HR Sensor");
  sd_bus_message_unref(m);
  sd_bus_message_unref(m2);
  blz_device_clear(&d);
  msg_done();
}

BLEC_TEST_IMPL(device_properties_of_the_wrong_type_are_skipped_and_named) {
  blz_device d;
  memset(&d, 0, sizeof d);
  sd_bus_message *m = device_dict();
  ASSERT_EQ_INT(blz_device_apply(&d, m, NULL, NULL), 0);
  sd_bus_message_unref(m);
  /* Every known property with a type of another shape: each is skipped, the old value stays. */
  m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  PUT(m, "RSSI", "i", (int32_t)-1);
  PUT(m, "Name", "u", (uint32_t)7);
  PUT(m, "Address", "s", "not an address");
  PUT(m, "AddressType", "s", "le-public");
  PUT(m, "Adapter", "s", "/org/bluez/hci1");
  PUT(m, "Connected", "s", "yes");
  PUT(m, "UUIDs", "s", "180d");
  PUT(m, "ManufacturerData", "as", 1, "x");
  PUT(m, "ServiceData", "a{ss}", 1, "180d", "x");
  PUT(m, "AdvertisingData", "ay", 0);
  PUT(m, "TxPower", "y", (uint8_t)3);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  unsigned changed = 123;
  const char *bad = NULL;
  ASSERT_EQ_INT(blz_device_apply(&d, m, &changed, &bad), 0);
  ASSERT_EQ_INT(changed, 0);
  ASSERT(bad != NULL); /* the last one named */
  ASSERT_STR_EQ(bad, "TxPower");
  ASSERT_EQ_INT(d.rssi, -50);
  ASSERT_STR_EQ(d.name, "HR Sensor");
  ASSERT_STR_EQ(d.address, "C0:01:00:00:00:0A");
  ASSERT_EQ_INT(d.address_type, BLEC_ADDRESS_RANDOM);
  ASSERT_STR_EQ(d.adapter, "/org/bluez/hci0");
  ASSERT(d.connected);
  ASSERT_EQ_INT(d.nuuids, 2);
  ASSERT_EQ_INT(d.nmfr, 2);
  ASSERT_EQ_INT(d.tx_power, -8);
  sd_bus_message_unref(m);
  blz_device_clear(&d);
  msg_done();
}

BLEC_TEST_IMPL(device_entries_of_the_wrong_shape_are_dropped_not_the_rest) {
  blz_device d;
  memset(&d, 0, sizeof d);
  sd_bus_message *m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  open_entry(m, "ManufacturerData", "a{qv}");
  ASSERT(sd_bus_message_open_container(m, 'a', "{qv}") >= 0);
  put_mfr(m, 0x0001, "\xAA", 1);
  ASSERT(sd_bus_message_append(m, "{qv}", (uint16_t)0x0002, "s", "not bytes") >= 0);
  put_mfr(m, 0x0001, "\xBB", 1); /* a duplicate company: the first stays */
  put_mfr(m, 0x0003, "", 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  close_entry(m);
  open_entry(m, "ServiceData", "a{sv}");
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  put_sdata(m, "not-a-uuid", "\x01", 1);
  put_sdata(m, "12345678", "\x02", 1);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  close_entry(m);
  PUT(m, "UUIDs", "as", 3, "zz", "180f", "0000180F-0000-1000-8000-00805F9B34FB");
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  ASSERT_EQ_INT(blz_device_apply(&d, m, NULL, NULL), 0);
  ASSERT_EQ_INT(d.nmfr, 2);
  ASSERT_EQ_INT(d.mfr[0].company, 1);
  ASSERT_EQ_INT(d.mfr[0].data.p[0], 0xAA);
  ASSERT_EQ_INT(d.mfr[1].company, 3);
  ASSERT_EQ_INT(d.mfr[1].data.n, 0);
  ASSERT_EQ_INT(d.nsdata, 1);
  blec_uuid u32 = blec_uuid_from32(0x12345678);
  ASSERT(blec_uuid_equal(&d.sdata[0].uuid, &u32));
  ASSERT_EQ_INT(d.nuuids, 1); /* bad text dropped, the same UUID twice kept once */
  sd_bus_message_unref(m);
  blz_device_clear(&d);
  msg_done();
}

BLEC_TEST_IMPL(device_properties_that_are_not_a_dictionary_fail_cleanly) {
  blz_device d;
  memset(&d, 0, sizeof d);
  sd_bus_message *m = msg_new();
  ASSERT(sd_bus_message_append(m, "as", 2, "RSSI", "Name") >= 0);
  msg_seal(m);
  ASSERT(blz_device_apply(&d, m, NULL, NULL) < 0);
  ASSERT_EQ_INT(d.have, 0);
  sd_bus_message_unref(m);
  /* An empty message. */
  m = msg_new();
  msg_seal(m);
  ASSERT(blz_device_apply(&d, m, NULL, NULL) < 0);
  sd_bus_message_unref(m);
  /* Invalidated list of the wrong type. */
  m = msg_new();
  ASSERT(sd_bus_message_append(m, "u", (uint32_t)1) >= 0);
  msg_seal(m);
  ASSERT(blz_device_invalidate(&d, m) < 0);
  sd_bus_message_unref(m);
  blz_device_clear(&d);
  msg_done();
}

BLEC_TEST_IMPL(device_invalidated_properties_are_forgotten) {
  blz_device d;
  memset(&d, 0, sizeof d);
  sd_bus_message *m = device_dict();
  ASSERT_EQ_INT(blz_device_apply(&d, m, NULL, NULL), 0);
  sd_bus_message_unref(m);
  m = msg_new();
  ASSERT(sd_bus_message_append(m, "as", 3, "RSSI", "TxPower", "NoSuchProperty") >= 0);
  msg_seal(m);
  ASSERT_EQ_INT(blz_device_invalidate(&d, m), 0);
  ASSERT(!(d.have & BLZ_DP_RSSI));
  ASSERT(!(d.have & BLZ_DP_TX_POWER));
  ASSERT(d.have & BLZ_DP_NAME);
  sd_bus_message_unref(m);
  blz_device_clear(&d);
  msg_done();
}

BLEC_TEST_IMPL(device_values_beyond_the_bounds_are_refused) {
  blz_device d;
  memset(&d, 0, sizeof d);
  static uint8_t big[2000];
  static char name[400];
  memset(name, 'n', sizeof name - 1);
  name[10] = (char)0xC3; /* a two-byte character straddling nothing: cut at a boundary below */
  name[11] = (char)0xA9;
  sd_bus_message *m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  open_entry(m, "ManufacturerData", "a{qv}");
  ASSERT(sd_bus_message_open_container(m, 'a', "{qv}") >= 0);
  put_mfr(m, 0x0001, big, sizeof big);
  for (uint16_t i = 2; i < 100; i++) put_mfr(m, i, "\x01", 1);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  close_entry(m);
  PUT(m, "Name", "s", name);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  ASSERT_EQ_INT(blz_device_apply(&d, m, NULL, NULL), 0);
  ASSERT_EQ_INT(d.nmfr, 64); /* the 2000-byte value refused, then 64 at most */
  ASSERT_EQ_INT(d.mfr[0].company, 2);
  ASSERT(strlen(d.name) <= 248);
  sd_bus_message_unref(m);
  blz_device_clear(&d);
  msg_done();
}

BLEC_TEST_IMPL(adapter_properties_powered_discovering_roles) {
  blz_adapter a;
  memset(&a, 0, sizeof a);
  sd_bus_message *m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  PUT(m, "Address", "s", "00:11:22:33:44:55");
  PUT(m, "Powered", "b", 1);
  PUT(m, "Discovering", "b", 0);
  PUT(m, "PowerState", "s", "on");
  PUT(m, "Roles", "as", 1, "peripheral");
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  unsigned changed = 0;
  ASSERT_EQ_INT(blz_adapter_apply(&a, m, &changed, NULL), 0);
  ASSERT_EQ_INT(changed, BLZ_AP_ADDRESS | BLZ_AP_POWERED | BLZ_AP_DISCOVERING | BLZ_AP_POWER_STATE | BLZ_AP_ROLES);
  ASSERT(a.powered && !a.discovering && !a.central);
  ASSERT_STR_EQ(a.power_state, "on");
  sd_bus_message_unref(m);
  /* Without Roles (BlueZ < 5.60) an adapter is a central. */
  blz_adapter b;
  memset(&b, 0, sizeof b);
  m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  PUT(m, "Powered", "b", 0);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  ASSERT_EQ_INT(blz_adapter_apply(&b, m, NULL, NULL), 0);
  ASSERT(b.central && !b.powered);
  sd_bus_message_unref(m);
  blz_adapter_clear(&a);
  blz_adapter_clear(&b);
  msg_done();
}

BLEC_TEST_IMPL(gatt_properties_flags_handle_mtu_and_value) {
  blz_attr a;
  memset(&a, 0, sizeof a);
  sd_bus_message *m = msg_new();
  ASSERT(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
  PUT(m, "UUID", "s", "00002a37-0000-1000-8000-00805f9b34fb");
  PUT(m, "Service", "o", "/org/bluez/hci0/dev_C0_01_00_00_00_01/service000a");
  PUT(m, "Handle", "q", (uint16_t)0x000b);
  PUT(m, "Flags", "as", 5, "read", "notify", "encrypt-read", "write-without-response", "reliable-write");
  PUT(m, "NotifyAcquired", "b", 0);
  PUT(m, "Notifying", "b", 1);
  PUT(m, "MTU", "q", (uint16_t)247);
  open_entry(m, "Value", "ay");
  ASSERT(sd_bus_message_append_array(m, 'y', "\x00\x3c", 2) >= 0);
  close_entry(m);
  ASSERT(sd_bus_message_close_container(m) >= 0);
  msg_seal(m);
  unsigned changed = 0;
  const uint8_t *v = NULL;
  size_t n = 0;
  ASSERT_EQ_INT(blz_attr_apply(&a, m, &changed, &v, &n, NULL), 0);
  ASSERT(changed & BLZ_GP_VALUE);
  ASSERT_EQ_INT(n, 2);
  ASSERT_EQ_INT(v[1], 0x3c);
  ASSERT_EQ_INT(a.handle, 0x000b);
  ASSERT_EQ_INT(a.mtu, 247);
  ASSERT_EQ_INT(a.props, BLEC_PROP_READ | BLEC_PROP_NOTIFY | BLEC_PROP_WRITE_WITHOUT_RESPONSE | BLEC_PROP_RELIABLE_WRITE);
  ASSERT(a.have & BLZ_GP_NOTIFY_ACQUIRED);
  ASSERT(!(a.have & BLZ_GP_WRITE_ACQUIRED));
  ASSERT(a.notifying);
  ASSERT_STR_EQ(a.parent, "/org/bluez/hci0/dev_C0_01_00_00_00_01/service000a");
  blec_uuid u = blec_uuid_from16(0x2A37);
  ASSERT(blec_uuid_equal(&a.uuid, &u));
  ASSERT_EQ_INT(blz_flag_bit("encrypt-authenticated-write"), 0);
  ASSERT_EQ_INT(blz_flag_bit("indicate"), BLEC_PROP_INDICATE);
  sd_bus_message_unref(m);
  blz_attr_clear(&a);
  msg_done();
}
