/* SPDX-License-Identifier: MIT */
/* t_adv.c — advertisement data and device snapshots. */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

/* Scans the lab world until `addr` has been seen with `want_sr` (a scan response merged)
 * and returns a new reference to its device. */
static blec_device *scanned(fx *f, const char *addr, bool want_sr) {
  blec_scanner *s = NULL;
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  ASSERT_OK(fx_scan_start(f, NULL, fx_detection_cb, &rec, &s));
  fx_seen st;
  WAIT_UNTIL(fx_scan_rec_get(&rec, addr, &st) && st.count >= 2 && (!want_sr || st.scan_responses > 0), FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  blec_device **list = NULL;
  size_t n = 0;
  ASSERT_OK(blec_scanner_devices(s, &list, &n));
  blec_device *dev = NULL;
  for (size_t i = 0; i < n; i++)
    if (strcmp(blec_device_address(list[i]), addr) == 0) dev = blec_device_ref(list[i]);
  blec_device_list_free(list, n);
  blec_scanner_free(s);
  fx_scan_rec_destroy(&rec);
  ASSERT(dev != NULL);
  return dev;
}

BLEC_TEST_IMPL(adv_exposes_name_tx_power_appearance_and_service_uuids) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = scanned(&f, HR_ADDR, false);
  const blec_adv *a = blec_device_adv(dev);
  ASSERT_STR_EQ(blec_adv_local_name(a), "HR Sensor");
  ASSERT_EQ_INT(blec_adv_rssi(a), -50);
  int tx = 0;
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, -8);
  uint16_t app = 0;
  ASSERT(blec_adv_appearance(a, &app));
  ASSERT_EQ_INT(app, 0x0341);
  ASSERT_EQ_INT(blec_adv_address_type(a), BLEC_ADDRESS_PUBLIC);
  ASSERT(blec_adv_connectable(a));
  blec_uuid hr = blec_uuid_from16(0x180D), bat = blec_uuid_from16(0x180F), no = blec_uuid_from16(0x1234);
  ASSERT(blec_adv_has_service_uuid(a, &hr));
  ASSERT(blec_adv_has_service_uuid(a, &bat));
  ASSERT(!blec_adv_has_service_uuid(a, &no));
  size_t n = blec_adv_service_uuid_count(a);
  ASSERT_EQ_INT(n, 2); /* listed in every packet, reported once */
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    ASSERT_OK(blec_adv_service_uuid_at(a, i, &u));
    ASSERT(blec_uuid_equal(&u, &hr) || blec_uuid_equal(&u, &bat));
  }
  blec_uuid u;
  ASSERT(blec_adv_service_uuid_at(a, n, &u) != BLEC_OK);
  ASSERT(blec_adv_timestamp_us(a) > 0);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 0);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 0);
  blec_device_unref(dev);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_reports_absent_fields_as_absent) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = scanned(&f, BEACON_ADDR, false);
  const blec_adv *a = blec_device_adv(dev);
  ASSERT(blec_adv_local_name(a) == NULL);
  ASSERT(blec_device_name(dev) == NULL);
  int tx = 12345;
  ASSERT(!blec_adv_tx_power(a, &tx));
  uint16_t app = 0;
  ASSERT(!blec_adv_appearance(a, &app));
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 0);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 0);
  ASSERT_EQ_INT(blec_adv_address_type(a), BLEC_ADDRESS_RANDOM);
  ASSERT_EQ_INT(blec_device_address_type(dev), BLEC_ADDRESS_RANDOM);
  if (fx_cap(&f, BLEC_CAP_RAW_ADVERTISING)) {
    ASSERT(!blec_adv_connectable(a));
    ASSERT(blec_adv_last_type(a) == BLEC_ADV_NONCONN_IND || blec_adv_last_type(a) == BLEC_ADV_SCAN_IND ||
           blec_adv_last_type(a) == BLEC_ADV_SCAN_RSP);
  } else {
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "connectability and packet type");
  }
  blec_device_unref(dev);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_exposes_manufacturer_data_by_index_and_company) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = scanned(&f, BEACON_ADDR, false);
  const blec_adv *a = blec_device_adv(dev);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 1);
  uint16_t company = 0;
  const uint8_t *d = NULL;
  size_t l = 0;
  ASSERT_OK(blec_adv_manufacturer_at(a, 0, &company, &d, &l));
  ASSERT_EQ_INT(company, 0x004C);
  ASSERT_EQ_INT(l, 23); /* company id excluded */
  ASSERT_EQ_INT(d[0], 0x02);
  ASSERT_EQ_INT(d[1], 0x15);
  ASSERT_EQ_INT(d[22], 0xC5);
  const uint8_t *d2 = NULL;
  size_t l2 = 0;
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x004C, &d2, &l2));
  ASSERT_EQ_INT(l2, l);
  ASSERT_MEM_EQ(d2, d, l);
  ASSERT_STATUS(blec_adv_manufacturer_find(a, 0x0059, &d2, &l2), BLEC_ERR_NOT_FOUND);
  ASSERT(blec_adv_manufacturer_at(a, 1, &company, &d, &l) != BLEC_OK);
  blec_device_unref(dev);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_exposes_service_data_of_16_32_and_128_bit_forms) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = scanned(&f, BEACON2_ADDR, false);
  const blec_adv *a = blec_device_adv(dev);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 2);
  blec_uuid u16 = blec_uuid_from16(0xFEAA), u32 = blec_uuid_from32(0x12345678);
  const uint8_t *d;
  size_t l;
  ASSERT_OK(blec_adv_service_data_find(a, &u16, &d, &l));
  ASSERT_EQ_INT(l, 2);
  ASSERT_MEM_EQ(d, ((const uint8_t[]){0x10, 0x20}), 2);
  ASSERT_OK(blec_adv_service_data_find(a, &u32, &d, &l));
  ASSERT_EQ_INT(l, 1);
  ASSERT_EQ_INT(d[0], 0x01);
  bool saw16 = false, saw32 = false;
  for (size_t i = 0; i < 2; i++) {
    blec_uuid u;
    ASSERT_OK(blec_adv_service_data_at(a, i, &u, &d, &l));
    saw16 |= blec_uuid_equal(&u, &u16);
    saw32 |= blec_uuid_equal(&u, &u32);
  }
  ASSERT(saw16 && saw32);
  blec_uuid u;
  ASSERT(blec_adv_service_data_at(a, 2, &u, &d, &l) != BLEC_OK);
  int tx = 0;
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, -4);
  blec_device_unref(dev);

  dev = scanned(&f, SHY_ADDR, false);
  a = blec_device_adv(dev);
  blec_uuid u128 = fx_uuid(SHY_SD128);
  ASSERT_OK(blec_adv_service_data_find(a, &u128, &d, &l));
  ASSERT_EQ_INT(l, 1);
  ASSERT_EQ_INT(d[0], 0x7F);
  blec_uuid none = blec_uuid_from16(0x0001);
  ASSERT_STATUS(blec_adv_service_data_find(a, &none, &d, &l), BLEC_ERR_NOT_FOUND);
  blec_device_unref(dev);
  fx_close(&f);
}

/* A peripheral with exact payloads: ADV = flags 06, name "Raw", manufacturer 0x0102 AA;
 * scan response = TX power -12, manufacturer 0x0102 BB (a second entry for the same
 * company), an unknown AD type 0xE0 = 01 02. */
static const uint8_t raw_adv[] = {0x02, 0x01, 0x06, 0x04, 0x09, 'R', 'a', 'w', 0x04, 0xFF, 0x02, 0x01, 0xAA};
static const uint8_t raw_sr[] = {0x02, 0x0A, 0xF4, 0x04, 0xFF, 0x02, 0x01, 0xBB, 0x03, 0xE0, 0x01, 0x02};
#define RAW_ADDR "D0:00:00:00:00:01"

static blec_world *raw_world(void) {
  return fx_world_text(
      "blec-world 1\n"
      "peripheral D0:00:00:00:00:01 public\n"
      "  rssi -45\n"
      "  raw hex:020106 0409526177 04ff0201aa\n"
      "  scan-response raw hex:020af4 04ff0201bb 03e00102\n");
}

BLEC_TEST_IMPL(adv_keeps_raw_structures_and_payloads_of_both_packets) {
  fx f;
  fx_open(&f, raw_world());
  if (!fx_cap(&f, BLEC_CAP_RAW_ADVERTISING)) {
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "the packets' payloads and structures");
    fx_close(&f);
    return;
  }
  blec_device *dev = scanned(&f, RAW_ADDR, true);
  const blec_adv *a = blec_device_adv(dev);
  size_t l = 0;
  const uint8_t *p = blec_adv_payload(a, false, &l);
  ASSERT(p != NULL);
  ASSERT_EQ_INT(l, sizeof raw_adv);
  ASSERT_MEM_EQ(p, raw_adv, l);
  p = blec_adv_payload(a, true, &l);
  ASSERT(p != NULL);
  ASSERT_EQ_INT(l, sizeof raw_sr);
  ASSERT_MEM_EQ(p, raw_sr, l);
  /* Raw structures: the advertisement's then the scan response's. */
  ASSERT_EQ_INT(blec_adv_raw_count(a), 6);
  const uint8_t want_types[6] = {0x01, 0x09, 0xFF, 0x0A, 0xFF, 0xE0};
  for (size_t i = 0; i < 6; i++) {
    uint8_t t = 0;
    const uint8_t *d = NULL;
    size_t dl = 0;
    ASSERT_OK(blec_adv_raw_at(a, i, &t, &d, &dl));
    ASSERT_EQ_INT(t, want_types[i]);
    if (t == 0xE0) {
      ASSERT_EQ_INT(dl, 2);
      ASSERT_MEM_EQ(d, ((const uint8_t[]){0x01, 0x02}), 2);
    }
  }
  uint8_t t;
  const uint8_t *d;
  size_t dl;
  ASSERT(blec_adv_raw_at(a, 6, &t, &d, &dl) != BLEC_OK);
  /* Merged fields: flags, name from the ADV, TX power from the SR, both manufacturer
   * entries of the same company, the ADV's first. */
  uint8_t flags = 0;
  ASSERT(blec_adv_flags(a, &flags));
  ASSERT_EQ_INT(flags, 0x06);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Raw");
  int tx = 0;
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, -12);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 2);
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x0102, &d, &dl));
  ASSERT_EQ_INT(dl, 1);
  ASSERT_EQ_INT(d[0], 0xAA);
  uint16_t company = 0;
  ASSERT_OK(blec_adv_manufacturer_at(a, 1, &company, &d, &dl));
  ASSERT_EQ_INT(company, 0x0102);
  ASSERT_EQ_INT(d[0], 0xBB);
  blec_device_unref(dev);
  fx_close(&f);
}

typedef struct type_rec {
  atomic_int adv_ind;
  atomic_int scan_rsp;
  atomic_int other;
  atomic_int ts_backwards;
  _Atomic uint64_t last_ts;
} type_rec;

static void type_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  type_rec *r = user;
  if (strcmp(blec_device_address(dev), RAW_ADDR) != 0) return;
  switch (blec_adv_last_type(adv)) {
    case BLEC_ADV_IND: atomic_fetch_add(&r->adv_ind, 1); break;
    case BLEC_ADV_SCAN_RSP: atomic_fetch_add(&r->scan_rsp, 1); break;
    default: atomic_fetch_add(&r->other, 1); break;
  }
  uint64_t ts = blec_adv_timestamp_us(adv);
  if (ts < atomic_load(&r->last_ts)) atomic_fetch_add(&r->ts_backwards, 1);
  atomic_store(&r->last_ts, ts);
}

BLEC_TEST_IMPL(adv_last_type_and_timestamp_follow_each_packet) {
  fx f;
  fx_open(&f, raw_world());
  if (!fx_cap(&f, BLEC_CAP_RAW_ADVERTISING)) {
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "the packet type of each report");
    fx_close(&f);
    return;
  }
  type_rec r;
  atomic_init(&r.adv_ind, 0);
  atomic_init(&r.scan_rsp, 0);
  atomic_init(&r.other, 0);
  atomic_init(&r.ts_backwards, 0);
  atomic_init(&r.last_ts, 0);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, type_cb, &r, &s));
  WAIT_UNTIL(atomic_load(&r.adv_ind) >= 3 && atomic_load(&r.scan_rsp) >= 3, FX_WAIT_MS);
  blec_scanner_free(s);
  ASSERT_EQ_INT(atomic_load(&r.other), 0);
  ASSERT_EQ_INT(atomic_load(&r.ts_backwards), 0);
  ASSERT(atomic_load(&r.last_ts) > 0);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_accessors_reject_invalid_arguments) {
  fx f;
  fx_open(&f, raw_world());
  blec_device *dev = scanned(&f, RAW_ADDR, false);
  const blec_adv *a = blec_device_adv(dev);
  uint16_t c;
  const uint8_t *d;
  size_t l;
  blec_uuid u;
  uint8_t t;
  ASSERT_STATUS(blec_adv_manufacturer_at(NULL, 0, &c, &d, &l), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_manufacturer_find(NULL, 0x0102, &d, &l), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_data_at(NULL, 0, &u, &d, &l), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_data_find(a, NULL, &d, &l), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_uuid_at(NULL, 0, &u), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_raw_at(NULL, 0, &t, &d, &l), BLEC_ERR_INVALID_ARG);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(NULL), 0);
  ASSERT_EQ_INT(blec_adv_service_data_count(NULL), 0);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(NULL), 0);
  ASSERT_EQ_INT(blec_adv_raw_count(NULL), 0);
  ASSERT(blec_adv_local_name(NULL) == NULL);
  ASSERT(!blec_adv_has_service_uuid(a, NULL));
  ASSERT(blec_adv_payload(NULL, false, &l) == NULL);
  blec_device_unref(dev);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_and_device_references_outlive_the_scanner) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = scanned(&f, HR_ADDR, false);
  blec_adv *a = blec_adv_ref((blec_adv *)blec_device_adv(dev));
  blec_device *again = blec_device_ref(dev);
  ASSERT(again == dev);
  blec_device_unref(dev);
  ASSERT_STR_EQ(blec_device_address(again), HR_ADDR);
  blec_device_unref(again);
  ASSERT_STR_EQ(blec_adv_local_name(a), "HR Sensor"); /* the adv lives on its own reference */
  blec_adv_unref(a);
  fx_close(&f);
}

BLEC_TEST_IMPL(device_has_upper_case_address_name_type_and_backend_id) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_address(f.ctx, "c0:02:00:00:00:02", blec_test_ms(FX_WAIT_MS), &dev, NULL));
  ASSERT_STR_EQ(blec_device_address(dev), UART_ADDR);
  ASSERT_STR_EQ(blec_device_name(dev), "UART Echo");
  ASSERT_EQ_INT(blec_device_address_type(dev), BLEC_ADDRESS_RANDOM);
  const char *id = blec_device_backend_id(dev);
  ASSERT(id != NULL);
  ASSERT(id[0] != '\0');
  ASSERT(blec_device_adv(dev) != NULL);
  ASSERT_STR_EQ(blec_adv_local_name(blec_device_adv(dev)), "UART Echo");
  blec_device_unref(dev);
  fx_close(&f);
}
