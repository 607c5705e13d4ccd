/* SPDX-License-Identifier: MIT */
/* test-adv.c — Device1 properties re-serialized as AD structures, read back by the core. */
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"
#include "core/adv.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

static blz_blob blob(const void *p, size_t n) {
  blz_blob b = {malloc(n ? n : 1), n};
  ASSERT(b.p != NULL);
  if (n) memcpy(b.p, p, n);
  return b;
}

static blec_adv *snapshot(const blz_device *d, size_t *len) {
  uint8_t buf[BLZ_ADV_MAX];
  size_t n = blz_adv_build(d, buf, sizeof buf);
  if (len) *len = n;
  blec_adv *a = NULL;
  ASSERT_OK(blec__adv_build(buf, n, NULL, 0, NULL, &a));
  return a;
}

BLEC_TEST_IMPL(adv_build_carries_every_property_to_the_core_snapshot) {
  blz_device d;
  memset(&d, 0, sizeof d);
  d.have = BLZ_DP_NAME | BLZ_DP_TX_POWER | BLZ_DP_APPEARANCE | BLZ_DP_UUIDS | BLZ_DP_MANUFACTURER | BLZ_DP_SERVICE_DATA |
           BLZ_DP_AD_FLAGS | BLZ_DP_RSSI;
  d.name = strdup("HR Sensor");
  d.tx_power = -8;
  d.appearance = 0x0341;
  d.nuuids = 3;
  d.uuids = malloc(3 * sizeof *d.uuids);
  d.uuids[0] = blec_uuid_from16(0x180D);
  d.uuids[1] = blec_uuid_from32(0x12345678);
  ASSERT_OK(blec_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &d.uuids[2]));
  d.nmfr = 1;
  d.mfr = malloc(sizeof *d.mfr);
  d.mfr[0].company = 0x004C;
  d.mfr[0].data = blob("\x02\x15\xAA", 3);
  d.nsdata = 3;
  d.sdata = malloc(3 * sizeof *d.sdata);
  d.sdata[0].uuid = blec_uuid_from16(0xFEAA);
  d.sdata[0].data = blob("\x10\x20", 2);
  d.sdata[1].uuid = blec_uuid_from32(0x12345678);
  d.sdata[1].data = blob("\x01", 1);
  ASSERT_OK(blec_uuid_parse("0000fe00-1111-2222-3333-444455556666", &d.sdata[2].uuid));
  d.sdata[2].data = blob("\x7F", 1);
  d.flags = blob("\x06", 1);
  blec_adv *a = snapshot(&d, NULL);
  ASSERT_STR_EQ(blec_adv_local_name(a), "HR Sensor");
  int tx = 0;
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, -8);
  uint16_t app = 0;
  ASSERT(blec_adv_appearance(a, &app));
  ASSERT_EQ_INT(app, 0x0341);
  uint8_t flags = 0;
  ASSERT(blec_adv_flags(a, &flags));
  ASSERT_EQ_INT(flags, 6);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 3);
  for (size_t i = 0; i < 3; i++) ASSERT(blec_adv_has_service_uuid(a, &d.uuids[i]));
  const uint8_t *p;
  size_t l;
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x004C, &p, &l));
  ASSERT_EQ_INT(l, 3);
  ASSERT_MEM_EQ(p, "\x02\x15\xAA", 3);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 3);
  for (size_t i = 0; i < 3; i++) {
    ASSERT_OK(blec_adv_service_data_find(a, &d.sdata[i].uuid, &p, &l));
    ASSERT_EQ_INT(l, d.sdata[i].data.n);
    ASSERT_MEM_EQ(p, d.sdata[i].data.p, l);
  }
  /* One structure per value: flags, name, 3 UUID lists (by size), TX, appearance, 1 + 3. */
  ASSERT_EQ_INT(blec_adv_raw_count(a), 11);
  blec_adv_unref(a);
  blz_device_clear(&d);
}

BLEC_TEST_IMPL(adv_build_of_nothing_is_empty) {
  blz_device d;
  memset(&d, 0, sizeof d);
  uint8_t buf[8];
  ASSERT_EQ_INT(blz_adv_build(&d, buf, sizeof buf), 0);
  ASSERT_EQ_INT(blz_adv_build(NULL, buf, sizeof buf), 0);
  /* Properties present but not advertised ones (RSSI, Connected) make no structure. */
  d.have = BLZ_DP_RSSI | BLZ_DP_CONNECTED | BLZ_DP_NAME;
  d.name = strdup(""); /* an empty name is no name */
  ASSERT_EQ_INT(blz_adv_build(&d, buf, sizeof buf), 0);
  blz_device_clear(&d);
}

BLEC_TEST_IMPL(adv_build_leaves_out_structures_that_do_not_fit) {
  blz_device d;
  memset(&d, 0, sizeof d);
  static uint8_t big[300];
  memset(big, 0xAB, sizeof big);
  d.have = BLZ_DP_MANUFACTURER | BLZ_DP_NAME | BLZ_DP_UUIDS;
  d.name = strdup("Lab");
  d.nmfr = 3;
  d.mfr = calloc(3, sizeof *d.mfr);
  d.mfr[0].company = 1;
  d.mfr[0].data = blob(big, 253); /* 2 + 253 > 254: left out */
  d.mfr[1].company = 2;
  d.mfr[1].data = blob(big, 252); /* exactly 254: kept */
  d.mfr[2].company = 3;
  d.mfr[2].data = blob("\x01", 1);
  /* 40 128-bit UUIDs: split over several complete lists (15 per structure). */
  d.nuuids = 40;
  d.uuids = calloc(40, sizeof *d.uuids);
  for (int i = 0; i < 40; i++) {
    ASSERT_OK(blec_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &d.uuids[i]));
    d.uuids[i].b[0] = (uint8_t)i;
  }
  size_t len = 0;
  blec_adv *a = snapshot(&d, &len);
  ASSERT(len <= BLZ_ADV_MAX);
  const uint8_t *p;
  size_t l;
  ASSERT_STATUS(blec_adv_manufacturer_find(a, 1, &p, &l), BLEC_ERR_NOT_FOUND);
  ASSERT_OK(blec_adv_manufacturer_find(a, 2, &p, &l));
  ASSERT_EQ_INT(l, 252);
  ASSERT_OK(blec_adv_manufacturer_find(a, 3, &p, &l));
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 40);
  blec_adv_unref(a);
  /* A small buffer: whole structures only. */
  uint8_t small[8];
  size_t n = blz_adv_build(&d, small, sizeof small);
  ASSERT_EQ_INT(n, 5); /* the name: 1 + 1 + 3 */
  blz_device_clear(&d);
}

BLEC_TEST_IMPL(adv_build_adds_advertising_data_types_no_property_covers) {
  blz_device d;
  memset(&d, 0, sizeof d);
  d.have = BLZ_DP_AD_DATA | BLZ_DP_MANUFACTURER;
  d.nad = 2;
  d.ad = calloc(2, sizeof *d.ad);
  d.ad[0].type = 0xFF; /* covered by ManufacturerData: not repeated */
  d.ad[0].data = blob("\x4C\x00\x09", 3);
  d.ad[1].type = 0x26; /* Transport Discovery Data */
  d.ad[1].data = blob("\x01\x01", 2);
  d.nmfr = 1;
  d.mfr = calloc(1, sizeof *d.mfr);
  d.mfr[0].company = 0x004C;
  d.mfr[0].data = blob("\x02", 1);
  blec_adv *a = snapshot(&d, NULL);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 2);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 1);
  uint8_t t;
  const uint8_t *p;
  size_t l;
  ASSERT_OK(blec_adv_raw_at(a, 1, &t, &p, &l));
  ASSERT_EQ_INT(t, 0x26);
  ASSERT_EQ_INT(l, 2);
  blec_adv_unref(a);
  blz_device_clear(&d);
}
