/* SPDX-License-Identifier: MIT */
/* t_scan.c — scanner semantics, filters, one-shot helpers and the stream. */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

static const char *const lab_addresses[] = {HR_ADDR,     UART_ADDR, ENV_ADDR, BEACON_ADDR,
                                             BEACON2_ADDR, SECURE_ADDR, SHY_ADDR, LAB_ADDR};
#define N_LAB_ADDRESSES (sizeof lab_addresses / sizeof lab_addresses[0])

static bool list_has(blec_device **list, size_t n, const char *addr) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(blec_device_address(list[i]), addr) == 0) return true;
  return false;
}

static void assert_unique(blec_device **list, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      ASSERT(strcmp(blec_device_address(list[i]), blec_device_address(list[j])) != 0);
}

/* ---- detection -------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(scanner_reports_every_advertisement_including_repeats) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  ASSERT(blec_scanner_is_scanning(s));
  WAIT_UNTIL(fx_scan_rec_count(&rec, LAB_ADDR) >= 5 && fx_scan_rec_count(&rec, HR_ADDR) >= 5, FX_WAIT_MS);
  /* Every advertising peripheral, connectable or not. */
  for (size_t i = 0; i < N_LAB_ADDRESSES; i++) WAIT_UNTIL(fx_scan_rec_count(&rec, lab_addresses[i]) >= 2, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  ASSERT(!blec_scanner_is_scanning(s));
  blec__mutex_lock(&rec.m);
  ASSERT_EQ_INT(rec.bad_args, 0);
  ASSERT_EQ_INT(rec.ndev, (int)N_LAB_ADDRESSES);
  blec__mutex_unlock(&rec.m);
  blec_scanner_free(s);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

typedef struct merge_rec {
  blec__mutex m;
  int merged; /* reports carrying both the advertisement's and the scan response's data */
  int scan_responses;
  int after_sr;
  int after_sr_missing_name;
  int after_sr_missing_mfr;
  int sr_missing_mfr;
  int device_adv_mismatch;
  int wrong_address;
} merge_rec;

static void merge_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  merge_rec *r = user;
  if (strcmp(blec_device_address(dev), SHY_ADDR) != 0) return;
  blec__mutex_lock(&r->m);
  const uint8_t *d;
  size_t l;
  bool has_mfr = blec_adv_manufacturer_find(adv, 0xFFFF, &d, &l) == BLEC_OK;
  bool has_name = blec_adv_local_name(adv) && strcmp(blec_adv_local_name(adv), "Shy Sensor") == 0;
  if (has_mfr && has_name) r->merged++;
  if (blec_adv_last_type(adv) == BLEC_ADV_SCAN_RSP) {
    r->scan_responses++;
    if (!has_mfr) r->sr_missing_mfr++;
  } else if (r->scan_responses > 0) {
    r->after_sr++;
    if (!has_name) r->after_sr_missing_name++;
    if (!has_mfr) r->after_sr_missing_mfr++;
  }
  /* The device carries the same merged data. */
  const blec_adv *da = blec_device_adv(dev);
  if (!da || blec_adv_rssi(da) != blec_adv_rssi(adv) ||
      (blec_adv_local_name(da) == NULL) != (blec_adv_local_name(adv) == NULL))
    r->device_adv_mismatch++;
  blec__mutex_unlock(&r->m);
}

static int merge_get(merge_rec *r, int *field) {
  blec__mutex_lock(&r->m);
  int v = *field;
  blec__mutex_unlock(&r->m);
  return v;
}

BLEC_TEST_IMPL(scanner_merges_scan_response_with_advertisement) {
  fx f;
  fx_open(&f, fx_world_lab());
  merge_rec r;
  memset(&r, 0, sizeof r);
  ASSERT_OK(blec__mutex_init(&r.m));
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, merge_cb, &r, &s));
  if (fx_cap(&f, BLEC_CAP_RAW_ADVERTISING)) {
    WAIT_UNTIL(merge_get(&r, &r.scan_responses) >= 2 && merge_get(&r, &r.after_sr) >= 2, FX_WAIT_MS);
  } else {
    /* The OS merged the packets itself: the reports carry the merged data. */
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "scan responses told apart from advertisements");
    WAIT_UNTIL(merge_get(&r, &r.merged) >= 2, FX_WAIT_MS);
  }
  ASSERT_OK(blec_scanner_stop(s));
  ASSERT_EQ_INT(r.sr_missing_mfr, 0);         /* scan response reports keep the ADV's data */
  ASSERT_EQ_INT(r.after_sr_missing_name, 0);  /* later ADVs keep the scan response's name */
  ASSERT_EQ_INT(r.after_sr_missing_mfr, 0);
  ASSERT_EQ_INT(r.device_adv_mismatch, 0);
  /* The seen-devices list holds the merged data too. */
  blec_device **list = NULL;
  size_t n = 0;
  ASSERT_OK(blec_scanner_devices(s, &list, &n));
  bool found = false;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(blec_device_address(list[i]), SHY_ADDR) != 0) continue;
    found = true;
    const blec_adv *a = blec_device_adv(list[i]);
    ASSERT_STR_EQ(blec_adv_local_name(a), "Shy Sensor");
    ASSERT_STR_EQ(blec_device_name(list[i]), "Shy Sensor");
    blec_uuid cc00 = blec_uuid_from16(0xCC00);
    ASSERT(blec_adv_has_service_uuid(a, &cc00));
    const uint8_t *d;
    size_t l;
    ASSERT_OK(blec_adv_manufacturer_find(a, 0xFFFF, &d, &l));
    ASSERT_EQ_INT(l, 3);
  }
  ASSERT(found);
  blec_device_list_free(list, n);
  blec_scanner_free(s);
  fx_close(&f);
  blec__mutex_destroy(&r.m);
}

BLEC_TEST_IMPL(passive_scan_gets_no_scan_responses) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_PASSIVE));
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  if (FX_LACKS(&f, BLEC_CAP_PASSIVE_SCAN, fx_scan_start(&f, o, fx_detection_cb, &rec, &s))) {
    blec_scan_options_free(o);
    fx_close(&f);
    fx_scan_rec_destroy(&rec);
    return;
  }
  ASSERT_OK(fx_scan_start(&f, o, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_count(&rec, SHY_ADDR) >= 10, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  fx_seen shy;
  ASSERT(fx_scan_rec_get(&rec, SHY_ADDR, &shy));
  ASSERT_EQ_INT(shy.scan_responses, 0);
  ASSERT_EQ_INT(shy.with_name, 0); /* its name is only in the scan response */
  blec__mutex_lock(&rec.m);
  for (int i = 0; i < rec.ndev; i++) ASSERT_EQ_INT(rec.dev[i].scan_responses, 0);
  blec__mutex_unlock(&rec.m);
  /* An active scan of the same world does get them. */
  blec_scanner_free(s);
  fx_scan_rec_reset(&rec);
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_get(&rec, SHY_ADDR, &shy) && shy.scan_responses > 0, FX_WAIT_MS);
  blec_scanner_free(s);
  blec_scan_options_free(o);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

BLEC_TEST_IMPL(service_uuid_filter_reports_only_devices_listing_one) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid hr = blec_uuid_from16(0x180D), other = blec_uuid_from16(0xFEAA);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &hr));
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &other));
  fx_scan_rec all, rec;
  fx_scan_rec_init(&all);
  fx_scan_rec_init(&rec);
  blec_scanner *s_all = NULL, *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &all, &s_all));
  ASSERT_OK(fx_scan_start(&f, o, fx_detection_cb, &rec, &s));
  blec_scan_options_free(o); /* the scanner keeps its own copy */
  WAIT_UNTIL(fx_scan_rec_count(&rec, HR_ADDR) >= 3 && fx_scan_rec_count(&rec, BEACON2_ADDR) >= 3 &&
                 fx_scan_rec_count(&all, LAB_ADDR) >= 10,
             FX_WAIT_MS);
  blec_scanner_free(s);
  blec_scanner_free(s_all);
  blec__mutex_lock(&rec.m);
  ASSERT_EQ_INT(rec.ndev, 2);
  blec__mutex_unlock(&rec.m);
  fx_close(&f);
  fx_scan_rec_destroy(&all);
  fx_scan_rec_destroy(&rec);
}

typedef struct uuid_rec {
  atomic_int shy;
  atomic_int shy_without_uuid;
  atomic_int others;
} uuid_rec;

static void uuid_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  uuid_rec *r = user;
  blec_uuid cc00 = blec_uuid_from16(0xCC00);
  if (strcmp(blec_device_address(dev), SHY_ADDR) != 0) {
    atomic_fetch_add(&r->others, 1);
    return;
  }
  atomic_fetch_add(&r->shy, 1);
  if (!blec_adv_has_service_uuid(adv, &cc00)) atomic_fetch_add(&r->shy_without_uuid, 1);
}

BLEC_TEST_IMPL(service_uuid_filter_sees_uuids_merged_from_the_scan_response) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid cc00 = blec_uuid_from16(0xCC00);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &cc00)); /* SHY lists it only in its scan response */
  uuid_rec r;
  atomic_init(&r.shy, 0);
  atomic_init(&r.shy_without_uuid, 0);
  atomic_init(&r.others, 0);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, o, uuid_cb, &r, &s));
  WAIT_UNTIL(atomic_load(&r.shy) >= 5, FX_WAIT_MS);
  blec_scanner_free(s);
  ASSERT_EQ_INT(atomic_load(&r.shy_without_uuid), 0);
  ASSERT_EQ_INT(atomic_load(&r.others), 0);
  blec_scan_options_free(o);
  fx_close(&f);
}

/* ---- seen devices ------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(scanner_devices_are_cleared_at_each_start) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_count(&rec, ENV_ADDR) > 0 && fx_scan_rec_count(&rec, LAB_ADDR) > 0, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  blec_device **list = NULL;
  size_t n = 0;
  ASSERT_OK(blec_scanner_devices(s, &list, &n));
  ASSERT(list_has(list, n, ENV_ADDR));
  assert_unique(list, n);
  blec_device_list_free(list, n);
  /* ENV stops advertising; a new start forgets it. */
  ASSERT_OK(blec_world_peripheral_set_advertising(fx_peripheral(&f, ENV_ADDR), false));
  fx_scan_rec_reset(&rec);
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(fx_scan_rec_count(&rec, LAB_ADDR) >= 5, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_devices(s, &list, &n));
  ASSERT(list_has(list, n, LAB_ADDR));
  ASSERT(!list_has(list, n, ENV_ADDR));
  blec_device_list_free(list, n);
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, ENV_ADDR), 0);
  blec_scanner_free(s);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

static int device_rssi(blec_scanner *s, const char *addr) {
  blec_device **list = NULL;
  size_t n = 0;
  ASSERT_OK(blec_scanner_devices(s, &list, &n));
  int rssi = 1000;
  for (size_t i = 0; i < n; i++)
    if (strcmp(blec_device_address(list[i]), addr) == 0) rssi = blec_adv_rssi(blec_device_adv(list[i]));
  blec_device_list_free(list, n);
  return rssi;
}

BLEC_TEST_IMPL(scanner_devices_hold_the_latest_advertisement) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, NULL, NULL, &s)); /* no callback: allowed */
  WAIT_UNTIL(device_rssi(s, LAB_ADDR) == -40, FX_WAIT_MS);
  ASSERT_OK(blec_world_peripheral_set_rssi(fx_peripheral(&f, LAB_ADDR), -33, 0));
  WAIT_UNTIL(device_rssi(s, LAB_ADDR) == -33, FX_WAIT_MS);
  blec_scanner_free(s);
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_devices_is_empty_before_any_start) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, NULL, NULL, &s));
  blec_device **list = (blec_device **)(uintptr_t)1;
  size_t n = 99;
  ASSERT_OK(blec_scanner_devices(s, &list, &n));
  ASSERT_EQ_INT(n, 0);
  blec_device_list_free(list, n);
  ASSERT_STATUS(blec_scanner_devices(s, NULL, &n), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scanner_devices(s, &list, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scanner_devices(NULL, &list, &n), BLEC_ERR_INVALID_ARG);
  blec_scanner_free(s);
  fx_close(&f);
}

/* ---- start / stop ------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(scanner_start_twice_is_busy_and_stop_when_idle_is_state) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, NULL, NULL, &s));
  ASSERT(!blec_scanner_is_scanning(s));
  ASSERT_STATUS(blec_scanner_stop(s), BLEC_ERR_STATE);
  ASSERT_OK(blec_scanner_start(s, NULL));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BUSY);
  ASSERT_EQ_INT(err.status, BLEC_ERR_BUSY);
  ASSERT(blec_scanner_is_scanning(s));
  ASSERT_OK(blec_scanner_stop(s));
  ASSERT_STATUS(blec_scanner_stop(s), BLEC_ERR_STATE);
  ASSERT_OK(blec_scanner_start(s, NULL)); /* restartable */
  ASSERT(blec_scanner_is_scanning(s));
  blec_scanner_free(s); /* stops */
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_functions_reject_invalid_arguments) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scanner *s = NULL;
  ASSERT_STATUS(blec_scanner_new(NULL, NULL, NULL, NULL, &s), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scanner_new(f.ctx, NULL, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scanner_start(NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scanner_stop(NULL), BLEC_ERR_INVALID_ARG);
  ASSERT(!blec_scanner_is_scanning(NULL));
  blec_device *d = NULL;
  ASSERT_STATUS(blec_scanner_next(NULL, 0, &d), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, NULL, NULL, &s));
  ASSERT_STATUS(blec_scanner_next(s, 0, NULL), BLEC_ERR_INVALID_ARG);
  blec_scanner_set_error_callback(NULL, NULL, NULL); /* harmless */
  blec_scanner_set_error_callback(s, NULL, NULL);
  blec_scanner_free(s);
  fx_close(&f);
}

BLEC_TEST_IMPL(scan_options_reject_invalid_arguments) {
  blec_scan_options *o = blec_scan_options_new();
  ASSERT(o != NULL);
  blec_uuid u = blec_uuid_from16(0x180D);
  const uint8_t b[2] = {1, 2};
  ASSERT_STATUS(blec_scan_options_set_mode(NULL, BLEC_SCAN_ACTIVE), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_set_mode(o, (blec_scan_mode)2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_set_mode(o, (blec_scan_mode)-1), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_add_service_uuid(NULL, &u), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_add_service_uuid(o, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_set_signal_filter(NULL, -60, -70, 1000, 0), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_local_name(NULL, "x"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_service_uuid(NULL, &u), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_service_uuid(o, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_manufacturer(NULL, 1, b, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_manufacturer(o, 1, NULL, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_data_section(NULL, 0xFF, b, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_data_section(o, 0xFF, NULL, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_byte_pattern(NULL, 0xFF, 0, b, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_byte_pattern(o, 0xFF, -1, b, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_filter_byte_pattern(o, 0xFF, 0, NULL, 2), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_scan_options_set_stream(NULL, 4), BLEC_ERR_INVALID_ARG);
  /* Valid calls. */
  ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_PASSIVE));
  ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_ACTIVE));
  ASSERT_OK(blec_scan_options_set_signal_filter(o, INT16_MIN, INT16_MIN, -1, -1));
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x004C, NULL, 0));
  ASSERT_OK(blec_scan_options_set_stream(o, 0));
  blec_scan_options_free(o);
}

BLEC_TEST_IMPL(scanner_start_with_radio_off_is_unavailable_with_reason) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_set_radio(f.world, false));
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, NULL, NULL, &s));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.status, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT(!blec_scanner_is_scanning(s));
  ASSERT_OK(blec_world_set_radio(f.world, true));
  ASSERT_OK(blec_scanner_start(s, &err));
  blec_scanner_free(s);
  fx_close(&f);
}

typedef struct scan_err_rec {
  atomic_int calls;
  atomic_int status;
  atomic_int reason;
} scan_err_rec;

static void scan_error_cb(blec_scanner *s, const blec_error *err, void *user) {
  (void)s;
  scan_err_rec *r = user;
  atomic_store(&r->status, err ? err->status : 1);
  atomic_store(&r->reason, err ? err->reason : -1);
  atomic_fetch_add(&r->calls, 1);
}

BLEC_TEST_IMPL(scanner_reports_radio_off_through_its_error_callback_and_stops) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  scan_err_rec er;
  atomic_init(&er.calls, 0);
  atomic_init(&er.status, 0);
  atomic_init(&er.reason, 0);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, fx_detection_cb, &rec, &s));
  blec_scanner_set_error_callback(s, scan_error_cb, &er);
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(fx_scan_rec_total(&rec) > 0, FX_WAIT_MS);
  ASSERT_OK(blec_world_set_radio(f.world, false));
  WAIT_UNTIL(atomic_load(&er.calls) > 0, FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&er.status), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(atomic_load(&er.reason), BLEC_UNAVAILABLE_POWERED_OFF);
  WAIT_UNTIL(!blec_scanner_is_scanning(s), FX_WAIT_MS);
  int total = fx_scan_rec_total(&rec);
  fx_settle(&f);
  ASSERT_EQ_INT(fx_scan_rec_total(&rec), total);
  ASSERT_EQ_INT(atomic_load(&er.calls), 1);
  ASSERT_STATUS(blec_scanner_stop(s), BLEC_ERR_STATE);
  /* Radio back: the scanner starts again. */
  ASSERT_OK(blec_world_set_radio(f.world, true));
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(fx_scan_rec_total(&rec) > total, FX_WAIT_MS);
  blec_scanner_free(s);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

BLEC_TEST_IMPL(scanner_stop_means_no_more_detection_callbacks) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_total(&rec) >= 20, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  int total = fx_scan_rec_total(&rec);
  fx_settle(&f);
  ASSERT_EQ_INT(fx_scan_rec_total(&rec), total);
  blec_scanner_free(s);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

BLEC_TEST_IMPL(scanner_free_while_running_stops_callbacks) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_total(&rec) >= 20, FX_WAIT_MS);
  blec_scanner_free(s);
  int total = fx_scan_rec_total(&rec);
  fx_settle(&f);
  ASSERT_EQ_INT(fx_scan_rec_total(&rec), total);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

BLEC_TEST_IMPL(two_scanners_run_side_by_side) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_scan_rec a, b;
  fx_scan_rec_init(&a);
  fx_scan_rec_init(&b);
  blec_scanner *sa = NULL, *sb = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &a, &sa));
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &b, &sb));
  WAIT_UNTIL(fx_scan_rec_count(&a, LAB_ADDR) >= 3 && fx_scan_rec_count(&b, LAB_ADDR) >= 3, FX_WAIT_MS);
  blec_scanner_free(sa);
  int nb = fx_scan_rec_count(&b, LAB_ADDR);
  WAIT_UNTIL(fx_scan_rec_count(&b, LAB_ADDR) >= nb + 3, FX_WAIT_MS); /* b goes on alone */
  blec_scanner_free(sb);
  fx_close(&f);
  fx_scan_rec_destroy(&a);
  fx_scan_rec_destroy(&b);
}

/* ---- discover -------------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(discover_returns_every_advertising_device_once) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_peripheral_set_advertising(fx_peripheral(&f, ENV_ADDR), false));
  blec_device **list = NULL;
  size_t n = 0;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_OK(blec_discover(f.ctx, NULL, blec_test_ms(1000), &list, &n, &err));
  assert_unique(list, n);
  for (size_t i = 0; i < N_LAB_ADDRESSES; i++) {
    bool want = strcmp(lab_addresses[i], ENV_ADDR) != 0;
    if (list_has(list, n, lab_addresses[i]) != want)
      blec_test_fail_(__FILE__, __LINE__, "%s %s", lab_addresses[i], want ? "missing" : "listed but silent");
  }
  ASSERT_EQ_INT(n, N_LAB_ADDRESSES - 1);
  for (size_t i = 0; i < n; i++) {
    ASSERT(blec_device_adv(list[i]) != NULL);
    if (strcmp(blec_device_address(list[i]), HR_ADDR) == 0) ASSERT_STR_EQ(blec_device_name(list[i]), "HR Sensor");
  }
  blec_device_list_free(list, n);
  fx_close(&f);
}

BLEC_TEST_IMPL(discover_applies_the_scan_options) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &hr));
  blec_device **list = NULL;
  size_t n = 0;
  ASSERT_OK(blec_discover(f.ctx, o, blec_test_ms(500), &list, &n, NULL));
  ASSERT_EQ_INT(n, 1);
  ASSERT_STR_EQ(blec_device_address(list[0]), HR_ADDR);
  blec_device_list_free(list, n);
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(discover_in_an_empty_world_returns_nothing) {
  fx f;
  fx_open(&f, fx_world_empty());
  blec_device **list = NULL;
  size_t n = 7;
  ASSERT_OK(blec_discover(f.ctx, NULL, 100, &list, &n, NULL));
  ASSERT_EQ_INT(n, 0);
  blec_device_list_free(list, n);
  fx_close(&f);
}

BLEC_TEST_IMPL(discover_with_radio_off_is_unavailable_with_reason) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_set_radio(f.world, false));
  blec_device **list = NULL;
  size_t n = 0;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_discover(f.ctx, NULL, 100, &list, &n, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  int s = blec_discover_async(f.ctx, NULL, 100, fx_op_cb, &r, &op);
  if (s == BLEC_OK) {
    ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
    ASSERT_EQ_INT(r.err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
    blec_op_free(op);
  } else {
    ASSERT_STATUS(s, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
    ASSERT(op == NULL);
  }
  fx_close(&f);
}

BLEC_TEST_IMPL(discover_async_hands_the_devices_to_its_callback) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  fx_in_call(&r, true);
  ASSERT_OK(blec_discover_async(f.ctx, NULL, blec_test_ms(500), fx_op_cb, &r, &op));
  fx_in_call(&r, false);
  ASSERT(op != NULL);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  ASSERT_EQ_INT(r.ndevices, N_LAB_ADDRESSES);
  ASSERT(blec_op_done(op));
  ASSERT_OK(blec_op_status(op));
  size_t n = 0;
  blec_device *const *devs = blec_op_devices(op, &n);
  ASSERT(devs != NULL);
  ASSERT_EQ_INT(n, N_LAB_ADDRESSES);
  ASSERT(blec_op_device(op) == NULL);
  blec_op_free(op);
  fx_close(&f);
}

BLEC_TEST_IMPL(discover_rejects_invalid_arguments) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device **list = NULL;
  size_t n = 0;
  blec_op *op = NULL;
  ASSERT_STATUS(blec_discover(NULL, NULL, 10, &list, &n, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_discover(f.ctx, NULL, 10, NULL, &n, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_discover(f.ctx, NULL, 10, &list, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_discover_async(NULL, NULL, 10, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  fx_close(&f);
}

/* ---- find ------------------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(find_by_address_ignores_case_and_returns_as_soon_as_it_matches) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  blec_error err;
  blec_error_clear(&err);
  uint64_t t0 = fx_now_ms();
  ASSERT_OK(blec_find_device_by_address(f.ctx, "c0:07:00:00:00:07", 30000, &dev, &err));
  ASSERT(fx_now_ms() - t0 < 15000); /* it did not wait for its timeout */
  ASSERT_STR_EQ(blec_device_address(dev), LAB_ADDR);
  ASSERT_STR_EQ(blec_device_name(dev), "Lab");
  ASSERT_EQ_INT(blec_device_address_type(dev), BLEC_ADDRESS_PUBLIC);
  blec_device_unref(dev);
  fx_close(&f);
}

static bool sr_pred_manufacturer(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)dev;
  (void)user;
  return blec_adv_manufacturer_find(adv, 0xFFFF, NULL, NULL) == BLEC_OK;
}

BLEC_TEST_IMPL(find_by_address_in_active_mode_waits_for_the_scan_response) {
  /* Name only in the scan response, TX power and appearance too: what `blec info`
   * shows comes from a find by address, which must not return the bare advertisement. */
  fx f;
  fx_open(&f, fx_world_text("blec-world 1\n"
                            "peripheral C0:0E:00:00:00:01 random\n"
                            "  manufacturer ffff hex:0102\n"
                            "  scan-response name \"Bulb\"\n"
                            "  scan-response tx-power -4\n"
                            "  scan-response appearance 0x0341\n"
                            "  adv-interval 20ms\n"));
  for (int i = 0; i < 5; i++) {
    blec_device *dev = NULL;
    ASSERT_OK(blec_find_device_by_address(f.ctx, "C0:0E:00:00:00:01", blec_test_ms(FX_WAIT_MS), &dev, NULL));
    const blec_adv *adv = blec_device_adv(dev);
    ASSERT_STR_EQ(blec_adv_local_name(adv), "Bulb");
    int tx = 0;
    ASSERT(blec_adv_tx_power(adv, &tx));
    ASSERT_EQ_INT(tx, -4);
    ASSERT(blec_adv_appearance(adv, NULL));
    ASSERT_EQ_INT(blec_adv_manufacturer_count(adv), 1);
    blec_device_unref(dev);
  }
  /* A predicate find in active mode as well; a passive one never waits for it. */
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device(f.ctx, NULL, sr_pred_manufacturer, NULL, blec_test_ms(FX_WAIT_MS), &dev, NULL));
  ASSERT_STR_EQ(blec_device_name(dev), "Bulb");
  blec_device_unref(dev);
  if (fx_cap(&f, BLEC_CAP_PASSIVE_SCAN)) {
    blec_scan_options *o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_PASSIVE));
    ASSERT_OK(blec_find_device(f.ctx, o, sr_pred_manufacturer, NULL, blec_test_ms(FX_WAIT_MS), &dev, NULL));
    ASSERT(blec_device_name(dev) == NULL);
    blec_device_unref(dev);
    blec_scan_options_free(o);
  }
  fx_close(&f);
}

BLEC_TEST_IMPL(find_by_address_and_name_async_take_scan_options) {
  fx f;
  fx_open(&f, fx_world_text("blec-world 1\n"
                            "peripheral C0:0E:00:00:00:02 random\n"
                            "  services 180f\n"
                            "  scan-response name \"Bulb\"\n"
                            "  adv-interval 20ms\n"));
  fx_opres r;
  blec_op *op = NULL;
  /* By name: the name is in the scan response, so only an active find sees it. */
  fx_opres_init(&r);
  ASSERT_OK(blec_find_device_by_name_async(f.ctx, NULL, "Bulb", blec_test_ms(FX_WAIT_MS), fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_STR_EQ(blec_device_address(blec_op_device(op)), "C0:0E:00:00:00:02");
  blec_op_free(op);
  /* A service filter the device does not meet: not found. */
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &hr));
  fx_opres_init(&r);
  ASSERT_OK(blec_find_device_by_address_async(f.ctx, o, "c0:0e:00:00:00:02", 300, fx_op_cb, &r, &op));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_op_free(op);
  blec_scan_options_free(o);
  /* Passive: found, without the scan response. */
  if (fx_cap(&f, BLEC_CAP_PASSIVE_SCAN)) {
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_PASSIVE));
    fx_opres_init(&r);
    ASSERT_OK(blec_find_device_by_address_async(f.ctx, o, "C0:0E:00:00:00:02", blec_test_ms(FX_WAIT_MS), fx_op_cb, &r,
                                                &op));
    ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
    ASSERT(blec_device_name(blec_op_device(op)) == NULL);
    blec_op_free(op);
    blec_scan_options_free(o);
  }
  ASSERT_STATUS(blec_find_device_by_address_async(f.ctx, NULL, "C0:0E", 100, fx_op_cb, &r, &op), BLEC_ERR_INVALID_ARG);
  ASSERT(op == NULL);
  ASSERT_STATUS(blec_find_device_by_name_async(f.ctx, NULL, NULL, 100, fx_op_cb, &r, &op), BLEC_ERR_INVALID_ARG);
  fx_close(&f);
}

BLEC_TEST_IMPL(blocking_find_by_address_and_name_take_scan_options) {
  fx f;
  fx_open(&f, fx_world_text("blec-world 1\n"
                            "peripheral C0:0E:00:00:00:03 random\n"
                            "  services 180f\n"
                            "  scan-response name \"Lamp\"\n"
                            "  adv-interval 20ms\n"));
  blec_device *dev = NULL;
  blec_error err;
  /* NULL options are the defaults: active, so the scan response's name is there. */
  ASSERT_OK(blec_find_device_by_address_opts(f.ctx, NULL, "c0:0e:00:00:00:03", blec_test_ms(FX_WAIT_MS), &dev, &err));
  ASSERT_STR_EQ(blec_device_name(dev), "Lamp");
  blec_device_unref(dev);
  dev = NULL;
  ASSERT_OK(blec_find_device_by_name_opts(f.ctx, NULL, "Lamp", blec_test_ms(FX_WAIT_MS), &dev, &err));
  ASSERT_STR_EQ(blec_device_address(dev), "C0:0E:00:00:00:03");
  blec_device_unref(dev);
  dev = NULL;
  /* A service filter the device does not meet excludes it: not found at the timeout. */
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &hr));
  ASSERT_STATUS(blec_find_device_by_address_opts(f.ctx, o, "C0:0E:00:00:00:03", 300, &dev, &err),
                BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_EQ_INT(err.status, BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT(err.message[0] != '\0');
  ASSERT(dev == NULL);
  ASSERT_STATUS(blec_find_device_by_name_opts(f.ctx, o, "Lamp", 300, &dev, &err), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_scan_options_free(o);
  /* A filter the device meets finds it. */
  o = blec_scan_options_new();
  blec_uuid bat = blec_uuid_from16(0x180F);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &bat));
  ASSERT_OK(blec_find_device_by_address_opts(f.ctx, o, "C0:0E:00:00:00:03", blec_test_ms(FX_WAIT_MS), &dev, &err));
  blec_device_unref(dev);
  dev = NULL;
  blec_scan_options_free(o);
  if (fx_cap(&f, BLEC_CAP_PASSIVE_SCAN)) {
    /* Passive: found, but no scan request was sent, so no scan response and no name;
     * and a find by that name cannot succeed. */
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_PASSIVE));
    ASSERT_OK(
        blec_find_device_by_address_opts(f.ctx, o, "C0:0E:00:00:00:03", blec_test_ms(FX_WAIT_MS), &dev, &err));
    ASSERT(blec_device_name(dev) == NULL);
    blec_device_unref(dev);
    dev = NULL;
    ASSERT_STATUS(blec_find_device_by_name_opts(f.ctx, o, "Lamp", 300, &dev, &err), BLEC_ERR_DEVICE_NOT_FOUND);
    blec_scan_options_free(o);
  }
  /* Bad arguments: refused with the detail filled, nothing returned. */
  ASSERT_STATUS(blec_find_device_by_address_opts(f.ctx, NULL, "C0:0E", 100, &dev, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_EQ_INT(err.status, BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_address_opts(f.ctx, NULL, NULL, 100, &dev, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_address_opts(NULL, NULL, "C0:0E:00:00:00:03", 100, &dev, &err),
                BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_address_opts(f.ctx, NULL, "C0:0E:00:00:00:03", 100, NULL, &err),
                BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_name_opts(f.ctx, NULL, NULL, 100, &dev, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_name_opts(NULL, NULL, "Lamp", 100, &dev, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(dev == NULL);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_by_address_of_an_absent_device_is_device_not_found) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_find_device_by_address(f.ctx, "11:22:33:44:55:66", 200, &dev, &err),
                BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_EQ_INT(err.status, BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT(dev == NULL);
  /* A device that stopped advertising cannot be found either. */
  ASSERT_OK(blec_world_peripheral_set_advertising(fx_peripheral(&f, LAB_ADDR), false));
  ASSERT_STATUS(blec_find_device_by_address(f.ctx, LAB_ADDR, 200, &dev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_by_address_rejects_malformed_addresses) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  const char *bad[] = {"", "C0:07:00:00:00", "C0:07:00:00:00:07:01", "C0_07_00_00_00_07", "G0:07:00:00:00:07",
                       "C0:07:00:00:00:7"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int s = blec_find_device_by_address(f.ctx, bad[i], 50, &dev, NULL);
    if (s != BLEC_ERR_INVALID_ARG)
      blec_test_fail_(__FILE__, __LINE__, "\"%s\" gave %s", bad[i], blec_status_name(s));
  }
  ASSERT_STATUS(blec_find_device_by_address(f.ctx, NULL, 50, &dev, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_address(NULL, LAB_ADDR, 50, &dev, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_find_device_by_address(f.ctx, LAB_ADDR, 50, NULL, NULL), BLEC_ERR_INVALID_ARG);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_by_name_matches_a_name_sent_only_in_the_scan_response) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_name(f.ctx, "Shy Sensor", blec_test_ms(FX_WAIT_MS), &dev, NULL));
  ASSERT_STR_EQ(blec_device_address(dev), SHY_ADDR);
  ASSERT_STR_EQ(blec_device_name(dev), "Shy Sensor");
  blec_device_unref(dev);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_by_name_needs_an_exact_match) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  ASSERT_STATUS(blec_find_device_by_name(f.ctx, "Shy", 300, &dev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_STATUS(blec_find_device_by_name(f.ctx, "hr sensor", 300, &dev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_STATUS(blec_find_device_by_name(f.ctx, NULL, 300, &dev, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_find_device_by_name(f.ctx, "HR Sensor", blec_test_ms(FX_WAIT_MS), &dev, NULL));
  ASSERT_STR_EQ(blec_device_address(dev), HR_ADDR);
  blec_device_unref(dev);
  fx_close(&f);
}

typedef struct pred_state {
  atomic_int calls;
  uint16_t company;
} pred_state;

static bool pred_company(const blec_device *dev, const blec_adv *adv, void *user) {
  pred_state *p = user;
  atomic_fetch_add(&p->calls, 1);
  ASSERT(dev != NULL);
  const uint8_t *d;
  size_t l;
  return blec_adv_manufacturer_find(adv, p->company, &d, &l) == BLEC_OK && l >= 2 && d[0] == 0x02 && d[1] == 0x15;
}

BLEC_TEST_IMPL(find_by_predicate_returns_the_first_match) {
  fx f;
  fx_open(&f, fx_world_lab());
  pred_state p;
  atomic_init(&p.calls, 0);
  p.company = 0x004C;
  blec_device *dev = NULL;
  uint64_t t0 = fx_now_ms();
  ASSERT_OK(blec_find_device(f.ctx, NULL, pred_company, &p, 30000, &dev, NULL));
  ASSERT(fx_now_ms() - t0 < 15000);
  ASSERT(atomic_load(&p.calls) >= 1);
  ASSERT_STR_EQ(blec_device_address(dev), BEACON_ADDR);
  if (fx_cap(&f, BLEC_CAP_RAW_ADVERTISING))
    ASSERT(!blec_adv_connectable(blec_device_adv(dev)));
  else
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "connectability");
  blec_device_unref(dev);
  /* No match: device not found after the timeout, the predicate saw other devices. */
  p.company = 0x1234;
  atomic_store(&p.calls, 0);
  ASSERT_STATUS(blec_find_device(f.ctx, NULL, pred_company, &p, 300, &dev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT(atomic_load(&p.calls) > 0);
  ASSERT_STATUS(blec_find_device(f.ctx, NULL, NULL, NULL, 300, &dev, NULL), BLEC_ERR_INVALID_ARG);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_honours_the_scan_options) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &hr));
  pred_state p;
  atomic_init(&p.calls, 0);
  p.company = 0x004C;
  blec_device *dev = NULL;
  /* The beacon does not list 180D: filtered out before the predicate. */
  ASSERT_STATUS(blec_find_device(f.ctx, o, pred_company, &p, 300, &dev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_async_reports_the_device_through_the_operation) {
  fx f;
  fx_open(&f, fx_world_lab());
  pred_state p;
  atomic_init(&p.calls, 0);
  p.company = 0x004C;
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  fx_in_call(&r, true);
  ASSERT_OK(blec_find_device_async(f.ctx, NULL, pred_company, &p, blec_test_ms(FX_WAIT_MS), fx_op_cb, &r, &op));
  fx_in_call(&r, false);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  ASSERT_STR_EQ(r.device, BEACON_ADDR);
  blec_device *dev = blec_op_device(op);
  ASSERT(dev != NULL);
  blec_device_ref(dev);
  blec_op_free(op);
  ASSERT_STR_EQ(blec_device_address(dev), BEACON_ADDR); /* our reference outlives the op */
  blec_device_unref(dev);
  fx_close(&f);
}

BLEC_TEST_IMPL(find_async_times_out_with_device_not_found) {
  fx f;
  fx_open(&f, fx_world_lab());
  pred_state p;
  atomic_init(&p.calls, 0);
  p.company = 0x1234;
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_find_device_async(f.ctx, NULL, pred_company, &p, 200, fx_op_cb, &r, &op));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT(blec_op_device(op) == NULL);
  blec_op_free(op);
  fx_close(&f);
}

/* ---- stream ------------------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(scanner_next_pulls_reports_from_the_stream) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_stream(o, 64));
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, o, NULL, NULL, &s));
  bool seen[N_LAB_ADDRESSES] = {0};
  size_t nseen = 0;
  uint64_t deadline = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (nseen < N_LAB_ADDRESSES) {
    ASSERT(fx_now_ms() < deadline);
    blec_device *dev = NULL;
    ASSERT_OK(blec_scanner_next(s, blec_test_ms(1000), &dev));
    ASSERT(dev != NULL);
    ASSERT(blec_device_adv(dev) != NULL);
    for (size_t i = 0; i < N_LAB_ADDRESSES; i++)
      if (!seen[i] && strcmp(blec_device_address(dev), lab_addresses[i]) == 0) {
        seen[i] = true;
        nseen++;
      }
    blec_device_unref(dev);
  }
  blec_scanner_free(s);
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_next_without_a_stream_is_state) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, NULL, NULL, &s));
  blec_device *dev = NULL;
  ASSERT_STATUS(blec_scanner_next(s, 100, &dev), BLEC_ERR_STATE);
  ASSERT(dev == NULL);
  blec_scanner_free(s);
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_next_times_out_when_nothing_comes) {
  fx f;
  fx_open(&f, fx_world_empty());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_stream(o, 8));
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, o, NULL, NULL, &s));
  blec_device *dev = NULL;
  ASSERT_STATUS(blec_scanner_next(s, 100, &dev), BLEC_ERR_TIMEOUT);
  ASSERT_STATUS(blec_scanner_next(s, 0, &dev), BLEC_ERR_TIMEOUT);
  ASSERT(dev == NULL);
  blec_scanner_free(s);
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_stream_keeps_the_newest_reports_and_drains_after_stop) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_stream(o, 3));
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, o, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_total(&rec) >= 20, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  int got = 0;
  blec_device *dev = NULL;
  int st;
  while ((st = blec_scanner_next(s, 0, &dev)) == BLEC_OK) {
    blec_device_unref(dev);
    dev = NULL;
    got++;
    ASSERT(got <= 3);
  }
  ASSERT_STATUS(st, BLEC_ERR_STATE); /* stopped and empty */
  ASSERT_EQ_INT(got, 3);
  ASSERT_STATUS(blec_scanner_next(s, 50, &dev), BLEC_ERR_STATE);
  blec_scanner_free(s);
  blec_scan_options_free(o);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

/* ---- signal-strength filter -------------------------------------------------------------------------- */

BLEC_TEST_IMPL(signal_filter_reports_only_devices_in_range) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_signal_filter(o, -58, -75, 1000, 0));
  fx_scan_rec all, rec;
  fx_scan_rec_init(&all);
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL, *s_all = NULL;
  if (FX_LACKS(&f, BLEC_CAP_SIGNAL_FILTER, fx_scan_start(&f, o, fx_detection_cb, &rec, &s))) {
    blec_scan_options_free(o);
    fx_close(&f);
    return;
  }
  ASSERT_OK(fx_scan_start(&f, o, fx_detection_cb, &rec, &s));
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &all, &s_all));
  WAIT_UNTIL(fx_scan_rec_count(&rec, LAB_ADDR) >= 3 && fx_scan_rec_count(&rec, HR_ADDR) >= 3 &&
                 fx_scan_rec_count(&rec, SECURE_ADDR) >= 3 && fx_scan_rec_count(&all, UART_ADDR) >= 10 &&
                 fx_scan_rec_count(&all, SHY_ADDR) >= 10,
             FX_WAIT_MS);
  blec_scanner_free(s);
  blec_scanner_free(s_all);
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, UART_ADDR), 0);   /* -60 */
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, ENV_ADDR), 0);    /* -65 */
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, SHY_ADDR), 0);    /* -70 */
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, BEACON_ADDR), 0); /* -80 */
  blec_scan_options_free(o);
  fx_close(&f);
  fx_scan_rec_destroy(&all);
  fx_scan_rec_destroy(&rec);
}

BLEC_TEST_IMPL(signal_filter_drops_a_device_that_stays_out_of_range) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_signal_filter(o, -58, -75, 200, 0));
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  if (FX_LACKS(&f, BLEC_CAP_SIGNAL_FILTER, fx_scan_start(&f, o, fx_detection_cb, &rec, &s))) {
    blec_scan_options_free(o);
    fx_close(&f);
    return;
  }
  ASSERT_OK(fx_scan_start(&f, o, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_count(&rec, LAB_ADDR) >= 3, FX_WAIT_MS);
  blec_world_peripheral *lab = fx_peripheral(&f, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_rssi(lab, -90, 0));
  /* Past the out-of-range timeout (200 ms, on the clock of the reports: the world's,
   * or the real one of an OS filter, 300 ms of it) the device is no longer reported. */
  fx_pass_world(&f, 3000);
  fx_settle(&f); /* what was reported before the timeout has arrived */
  int n = fx_scan_rec_count(&rec, LAB_ADDR);
  fx_settle(&f);
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, LAB_ADDR), n);
  /* Back in range: reported again. */
  ASSERT_OK(blec_world_peripheral_set_rssi(lab, -40, 0));
  WAIT_UNTIL(fx_scan_rec_count(&rec, LAB_ADDR) > n, FX_WAIT_MS);
  blec_scanner_free(s);
  blec_scan_options_free(o);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

typedef struct spacing_rec {
  blec__mutex m;
  uint64_t last_us;
  uint64_t min_gap_us;
  int count;
} spacing_rec;

static int spacing_count(spacing_rec *r) {
  blec__mutex_lock(&r->m);
  int c = r->count;
  blec__mutex_unlock(&r->m);
  return c;
}

static void spacing_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)adv;
  spacing_rec *r = user;
  if (strcmp(blec_device_address(dev), LAB_ADDR) != 0) return;
  uint64_t now = blec__now_us();
  blec__mutex_lock(&r->m);
  if (r->count > 0 && now - r->last_us < r->min_gap_us) r->min_gap_us = now - r->last_us;
  r->last_us = now;
  r->count++;
  blec__mutex_unlock(&r->m);
}

BLEC_TEST_IMPL(signal_filter_sampling_interval_spaces_reports_of_a_device) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_signal_filter(o, -100, -110, 5000, 150));
  spacing_rec r;
  memset(&r, 0, sizeof r);
  r.min_gap_us = UINT64_MAX;
  ASSERT_OK(blec__mutex_init(&r.m));
  blec_scanner *s = NULL;
  if (FX_LACKS(&f, BLEC_CAP_SIGNAL_FILTER, fx_scan_start(&f, o, spacing_cb, &r, &s))) {
    blec_scan_options_free(o);
    fx_close(&f);
    return;
  }
  ASSERT_OK(fx_scan_start(&f, o, spacing_cb, &r, &s));
  WAIT_UNTIL(spacing_count(&r) >= 4, FX_WAIT_MS);
  blec_scanner_free(s);
  /* Callback arrival may be later than the report, never earlier: allow 20 % of jitter. */
  ASSERT(r.min_gap_us >= 120000);
  blec__mutex_destroy(&r.m);
  blec_scan_options_free(o);
  fx_close(&f);
}

/* ---- advertisement filter ---------------------------------------------------------------------------- */

/* Scans with o beside an unfiltered scanner until enough time has passed; returns how many
 * distinct devices the filtered scanner reported, and checks they are all `want`. */
static int filtered_devices(fx *f, const blec_scan_options *o, const char *want) {
  fx_scan_rec all, rec;
  fx_scan_rec_init(&all);
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL, *s_all = NULL;
  ASSERT_OK(fx_scan_start(f, o, fx_detection_cb, &rec, &s));
  ASSERT_OK(fx_scan_start(f, NULL, fx_detection_cb, &all, &s_all));
  WAIT_UNTIL((!want || fx_scan_rec_count(&rec, want) >= 3) && fx_scan_rec_count(&all, BEACON_ADDR) >= 10 &&
                 fx_scan_rec_count(&all, SHY_ADDR) >= 10,
             FX_WAIT_MS);
  blec_scanner_free(s);
  blec_scanner_free(s_all);
  blec__mutex_lock(&rec.m);
  int n = rec.ndev;
  for (int i = 0; i < rec.ndev; i++)
    if (!want || strcmp(rec.dev[i].address, want) != 0)
      blec_test_fail_(__FILE__, __LINE__, "filter let %s through", rec.dev[i].address);
  blec__mutex_unlock(&rec.m);
  fx_scan_rec_destroy(&all);
  fx_scan_rec_destroy(&rec);
  return n;
}

/* Runs one advertisement-filter case; false when the backend lacks the capability. */
static bool adv_filter_case(fx *f, blec_scan_options *o, const char *want) {
  blec_scanner *s = NULL;
  if (FX_LACKS(f, BLEC_CAP_ADV_FILTER, fx_scan_start(f, o, NULL, NULL, &s))) return false;
  ASSERT_EQ_INT(filtered_devices(f, o, want), want ? 1 : 0);
  return true;
}

BLEC_TEST_IMPL(adv_filter_local_name_must_equal) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_filter_local_name(o, "HR Sensor"));
  if (adv_filter_case(&f, o, HR_ADDR)) {
    blec_scan_options_free(o);
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_filter_local_name(o, "HR"));
    adv_filter_case(&f, o, NULL);
  }
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_filter_service_uuids_must_all_be_advertised) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid a = blec_uuid_from16(0x180D), b = blec_uuid_from16(0x180F), c = blec_uuid_from16(0xAA00);
  ASSERT_OK(blec_scan_options_filter_service_uuid(o, &a));
  ASSERT_OK(blec_scan_options_filter_service_uuid(o, &b));
  if (adv_filter_case(&f, o, HR_ADDR)) {
    ASSERT_OK(blec_scan_options_filter_service_uuid(o, &c)); /* HR does not advertise AA00 */
    adv_filter_case(&f, o, NULL);
  }
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_filter_manufacturer_data_matches_company_and_prefix) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x004C, (const uint8_t[]){0x02, 0x15}, 2));
  if (adv_filter_case(&f, o, BEACON_ADDR)) {
    blec_scan_options_free(o);
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x004C, (const uint8_t[]){0x02, 0x16}, 2));
    adv_filter_case(&f, o, NULL);
    blec_scan_options_free(o);
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0xFFFF, NULL, 0)); /* any payload */
    adv_filter_case(&f, o, SHY_ADDR);
  }
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_filter_data_section_matches_type_and_prefix) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_filter_data_section(o, 0x16, (const uint8_t[]){0xAA, 0xFE, 0x10}, 3));
  if (adv_filter_case(&f, o, BEACON2_ADDR)) {
    blec_scan_options_free(o);
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_filter_data_section(o, 0x16, (const uint8_t[]){0xAA, 0xFE, 0x11}, 3));
    adv_filter_case(&f, o, NULL);
  }
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_filter_byte_pattern_matches_at_its_offset) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  /* Manufacturer AD payload: 4C 00 02 15 ...: 02 15 at offset 2. */
  ASSERT_OK(blec_scan_options_filter_byte_pattern(o, 0xFF, 2, (const uint8_t[]){0x02, 0x15}, 2));
  if (adv_filter_case(&f, o, BEACON_ADDR)) {
    blec_scan_options_free(o);
    o = blec_scan_options_new();
    ASSERT_OK(blec_scan_options_filter_byte_pattern(o, 0xFF, 3, (const uint8_t[]){0x02, 0x15}, 2));
    adv_filter_case(&f, o, NULL);
  }
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(adv_filter_conditions_combine) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_scan_options_filter_service_uuid(o, &hr));
  ASSERT_OK(blec_scan_options_filter_local_name(o, "Lab")); /* Lab does not list 180D */
  adv_filter_case(&f, o, NULL);
  blec_scan_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_stops_reporting_a_device_that_stops_advertising) {
  fx f;
  fx_open(&f, fx_world_lab_plus("peripheral C0:0D:00:00:00:0D public\n"
                                "  name \"Fleeting\"\n"
                                "  fault stop-advertising after 500ms\n"));
  fx_scan_rec rec;
  fx_scan_rec_init(&rec);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, fx_detection_cb, &rec, &s));
  WAIT_UNTIL(fx_scan_rec_count(&rec, LAB_ADDR) >= 100, FX_WAIT_MS); /* 1 s of world time */
  int n = fx_scan_rec_count(&rec, "C0:0D:00:00:00:0D");
  ASSERT(n >= 1);
  fx_settle(&f);
  ASSERT_EQ_INT(fx_scan_rec_count(&rec, "C0:0D:00:00:00:0D"), n);
  blec_scanner_free(s);
  fx_close(&f);
  fx_scan_rec_destroy(&rec);
}

/* ---- several readers ------------------------------------------------------------------------------------ */

static blec_world *stream_world(void) {
  return fx_world_text("blec-world 1\n"
                       "peripheral C0:5A:00:00:00:01 random\n"
                       "  name \"Streamer\"\n"
                       "  scan-response tx-power 3\n"
                       "  adv-interval 5ms\n");
}

BLEC_TEST_IMPL(scan_streams_each_see_every_report_with_its_advertisement) {
  fx f;
  fx_open(&f, stream_world());
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, NULL, NULL, &s));
  blec_scan_stream *a = NULL, *b = NULL;
  ASSERT_OK(blec_scan_stream_open(s, 4096, &a));
  ASSERT_OK(blec_scan_stream_open(s, 4096, &b));
  blec_device *dev = NULL;
  const blec_adv *adv = NULL;
  ASSERT_STATUS(blec_scan_stream_next(a, 10, &dev, &adv), BLEC_ERR_STATE); /* not scanning yet */
  ASSERT_OK(blec_scanner_start(s, NULL));
  /* Both readers get the same reports, in the same order; each report comes with the
   * advertisement data of that report (an advertisement or a scan response). */
  enum { N = 20 };
  uint64_t stamps[N];
  bool saw_rsp = false, saw_adv = false;
  for (int i = 0; i < N; i++) {
    ASSERT_OK(blec_scan_stream_next(a, blec_test_ms(FX_WAIT_MS), &dev, &adv));
    ASSERT(adv == blec_device_adv(dev));
    stamps[i] = blec_adv_timestamp_us(adv);
    if (blec_adv_last_type(adv) == BLEC_ADV_SCAN_RSP) {
      saw_rsp = true;
      int tx = 0;
      ASSERT(blec_adv_tx_power(adv, &tx) && tx == 3);
    } else {
      saw_adv = true;
    }
    blec_device_unref(dev);
  }
  if (fx_cap(&f, BLEC_CAP_RAW_ADVERTISING))
    ASSERT(saw_rsp && saw_adv);
  else
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "scan responses told apart in the streams");
  for (int i = 0; i < N; i++) {
    ASSERT_OK(blec_scan_stream_next(b, blec_test_ms(FX_WAIT_MS), &dev, NULL));
    ASSERT_EQ_INT(blec_adv_timestamp_us(blec_device_adv(dev)), stamps[i]);
    blec_device_unref(dev);
  }
  ASSERT_EQ_INT(blec_scan_stream_dropped(a), 0);
  /* Stopped: what is queued still comes, then STATE. */
  ASSERT_OK(blec_scanner_stop(s));
  int st;
  while ((st = blec_scan_stream_next(a, 0, &dev, NULL)) == BLEC_OK) blec_device_unref(dev);
  ASSERT_STATUS(st, BLEC_ERR_STATE);
  blec_scan_stream_close(a);
  /* A stream outlives its scanner's free, answering STATE. */
  blec_scanner_free(s);
  while ((st = blec_scan_stream_next(b, 0, &dev, NULL)) == BLEC_OK) blec_device_unref(dev);
  ASSERT_STATUS(st, BLEC_ERR_STATE);
  blec_scan_stream_close(b);
  blec_scan_stream_close(NULL);
  fx_close(&f);
}

BLEC_TEST_IMPL(scan_stream_overflow_is_counted_not_silent) {
  fx f;
  fx_open(&f, stream_world());
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_stream(o, 2));
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, o, NULL, NULL, &s));
  blec_scan_options_free(o);
  blec_scan_stream *st = NULL;
  ASSERT_OK(blec_scan_stream_open(s, 3, &st));
  ASSERT_OK(blec_scanner_start(s, NULL));
  /* Nobody reads: the queues fill and every further report is counted as dropped. */
  WAIT_UNTIL(blec_scan_stream_dropped(st) >= 10 && blec_scanner_stream_dropped(s) >= 10, FX_WAIT_MS);
  ASSERT_OK(blec_scanner_stop(s));
  uint64_t dropped = blec_scan_stream_dropped(st);
  blec_device *dev = NULL;
  int kept = 0;
  while (blec_scan_stream_next(st, 0, &dev, NULL) == BLEC_OK) {
    kept++;
    blec_device_unref(dev);
  }
  ASSERT_EQ_INT(kept, 3);
  ASSERT_EQ_INT(blec_scan_stream_dropped(st), dropped);
  blec_scan_stream *bad = NULL;
  ASSERT_STATUS(blec_scan_stream_open(NULL, 1, &bad), BLEC_ERR_INVALID_ARG);
  ASSERT(bad == NULL);
  ASSERT_STATUS(blec_scan_stream_open(s, 0, &bad), BLEC_ERR_INVALID_ARG);
  ASSERT(bad == NULL);
  blec_scan_stream_close(st);
  blec_scanner_free(s);
  fx_close(&f);
}
