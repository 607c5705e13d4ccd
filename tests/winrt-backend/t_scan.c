/* SPDX-License-Identifier: MIT */
/* t_scan.c — the context and scanning on the winrt backend. */
#include "wr_test.h"

#include <string.h>

BLEC_TEST_IMPL(context_and_capabilities) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  uint32_t caps = blec_ctx_capabilities(ctx);
  ASSERT(caps & BLEC_CAP_SCAN);
  ASSERT(caps & BLEC_CAP_CONNECT);
  blec_error err;
  ASSERT_OK(blec_ctx_check_bluetooth(ctx, &err));
  sim.blec_winrt_sim_set_radio(0);
  ASSERT_STATUS(blec_ctx_check_bluetooth(ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  sim.blec_winrt_sim_set_radio(1);
  sim.blec_winrt_sim_set_adapter_present(0);
  ASSERT_STATUS(blec_ctx_check_bluetooth(ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_NO_ADAPTER);
  sim.blec_winrt_sim_set_adapter_present(1);
  ASSERT_OK(blec_ctx_check_bluetooth(ctx, &err));
  wt_end(ctx);
}

BLEC_TEST_IMPL(scan_merges_scan_response) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  wt_scan_for(ctx, BLEC_SCAN_ACTIVE, 600, &list, &n);
  blec_device *lab = wt_find(list, n, WT_LAB), *flaky = wt_find(list, n, WT_FLAKY);
  ASSERT(lab != NULL);
  ASSERT(flaky != NULL);
  ASSERT_STR_EQ(blec_device_name(lab), "Lab");
  ASSERT_EQ_INT(blec_device_address_type(lab), BLEC_ADDRESS_PUBLIC);
  ASSERT_EQ_INT(blec_device_address_type(flaky), BLEC_ADDRESS_RANDOM);
  const blec_adv *adv = blec_device_adv(lab);
  blec_uuid aa00 = blec_uuid_from16(0xaa00);
  ASSERT(blec_adv_has_service_uuid(adv, &aa00));
  const uint8_t *md = NULL;
  size_t mlen = 0;
  ASSERT_OK(blec_adv_manufacturer_find(adv, 0x0059, &md, &mlen));
  ASSERT_EQ_INT(mlen, 2);
  ASSERT_EQ_INT(md[0], 1);
  int tx = 0;
  ASSERT(blec_adv_tx_power(adv, &tx)); /* only in the scan response: merged */
  ASSERT_EQ_INT(tx, -8);
  size_t srlen = 0;
  ASSERT(blec_adv_payload(adv, true, &srlen) != NULL && srlen > 0);
  ASSERT(blec_adv_connectable(adv));
  ASSERT(blec_adv_rssi(adv) < 0);
  blec_device_list_free(list, n);
  wt_end(ctx);
}

BLEC_TEST_IMPL(passive_scan_has_no_scan_response) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  wt_scan_for(ctx, BLEC_SCAN_PASSIVE, 400, &list, &n);
  blec_device *lab = wt_find(list, n, WT_LAB);
  ASSERT(lab != NULL);
  int tx = 0;
  ASSERT(!blec_adv_tx_power(blec_device_adv(lab), &tx));
  blec_device_list_free(list, n);
  wt_end(ctx);
}

typedef struct scan_err {
  volatile LONG calls;
  blec_error err;
} scan_err;

static void on_scan_error(blec_scanner *s, const blec_error *err, void *user) {
  (void)s;
  scan_err *e = user;
  e->err = *err;
  InterlockedIncrement(&e->calls);
}

static void on_detect(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)dev;
  (void)adv;
  InterlockedIncrement((volatile LONG *)user);
}

BLEC_TEST_IMPL(radio_off_scanner_error) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  volatile LONG seen = 0;
  scan_err e;
  memset(&e, 0, sizeof e);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(ctx, NULL, on_detect, (void *)&seen, &s));
  blec_scanner_set_error_callback(s, on_scan_error, &e);
  blec_error err;
  ASSERT_OK(blec_scanner_start(s, &err));
  WT_WAIT_FOR(seen > 0, 2000);
  sim.blec_winrt_sim_set_radio(0);
  WT_WAIT_FOR(e.calls > 0, 3000);
  ASSERT_EQ_INT(e.err.status, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(e.err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT(!blec_scanner_is_scanning(s));
  /* Starting with the radio off fails at once, with the reason. */
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  sim.blec_winrt_sim_drain();
  wt_dispatch_barrier(ctx);
  ASSERT_EQ_INT(e.calls, 1);
  sim.blec_winrt_sim_set_radio(1);
  blec_scanner_free(s);
  wt_end(ctx);
}

BLEC_TEST_IMPL(scanner_freed_right_after_start_releases_the_watcher) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx_logged();
  for (int i = 0; i < 3; i++) {
    blec_scanner *s = NULL;
    ASSERT_OK(blec_scanner_new(ctx, NULL, NULL, NULL, &s));
    blec_error err;
    ASSERT_OK(blec_scanner_start(s, &err));
    blec_scanner_free(s);
  }
  wt_end(ctx);
}

/* ---- issue 11: the Windows filters on the watcher -------------------------------------------------- */

static blec_device *scan_with(blec_ctx *ctx, blec_scan_options *o, const char *addr) {
  blec_device **list = NULL;
  size_t n = 0;
  blec_error err;
  ASSERT_OK(blec_discover(ctx, o, blec_test_ms(600), &list, &n, &err));
  blec_device *d = wt_find(list, n, addr);
  if (d) blec_device_ref(d);
  blec_device_list_free(list, n);
  return d;
}

BLEC_TEST_IMPL(advertisement_filter_runs_in_windows_per_packet) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx_logged();
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_ADV_FILTER);
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_filter_local_name(o, "Lab"));
  blec_device *lab = scan_with(ctx, o, WT_LAB);
  ASSERT(lab != NULL);
  ASSERT(wt_log_contains("advertisement filter: name Lab"));
  /* Windows filters each packet: Lab's scan response carries no name, so it never came. */
  size_t len = 0;
  blec_adv_payload(blec_device_adv(lab), true, &len);
  ASSERT_EQ_INT(len, 0);
  blec_device_unref(lab);
  ASSERT(scan_with(ctx, o, WT_FLAKY) == NULL);
  blec_scan_options_free(o);
  /* Manufacturer data and byte patterns. */
  o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x0059, (const uint8_t *)"\x01", 1));
  lab = scan_with(ctx, o, WT_LAB);
  ASSERT(lab != NULL);
  blec_device_unref(lab);
  blec_scan_options_free(o);
  o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_filter_byte_pattern(o, 0xFF, 2, (const uint8_t *)"\x01\x02", 2));
  lab = scan_with(ctx, o, WT_LAB);
  ASSERT(lab != NULL);
  blec_device_unref(lab);
  ASSERT_OK(blec_scan_options_filter_byte_pattern(o, 0xFF, 2, (const uint8_t *)"\x02\x02", 2));
  ASSERT(scan_with(ctx, o, WT_LAB) == NULL);
  blec_scan_options_free(o);
  wt_end(ctx);
}

BLEC_TEST_IMPL(signal_strength_filter_runs_in_windows) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx_logged();
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_SIGNAL_FILTER);
  blec_scan_options *o = blec_scan_options_new();
  /* 200 ms is below Windows' shortest out-of-range timeout: clamped, not refused. */
  ASSERT_OK(blec_scan_options_set_signal_filter(o, -70, -80, 200, 0));
  blec_device *lab = scan_with(ctx, o, WT_LAB);
  ASSERT(lab != NULL);
  ASSERT(wt_log_contains("signal-strength filter: in -70 dBm, out -80 dBm, timeout 200 ms"));
  blec_device_unref(lab);
  blec_scan_options_free(o);
  o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_signal_filter(o, -20, -30, 1000, 0)); /* stronger than any device */
  ASSERT(scan_with(ctx, o, WT_LAB) == NULL);
  blec_scan_options_free(o);
  wt_end(ctx);
}

static const char extended_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:51 public\n"
    "  adv-interval 20ms\n"
    "  raw hex:020106 2dff5900000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a\n";
#define EXT "AA:00:00:00:00:51"

BLEC_TEST_IMPL(extended_advertisements_allowed_where_windows_has_them) {
  wt_world(extended_world);
  blec_ctx *ctx = wt_ctx_logged();
  blec_device *d = scan_with(ctx, NULL, EXT);
  ASSERT(d != NULL);
  const uint8_t *md = NULL;
  size_t mlen = 0;
  ASSERT_OK(blec_adv_manufacturer_find(blec_device_adv(d), 0x0059, &md, &mlen));
  ASSERT_EQ_INT(mlen, 42); /* the whole 48-byte payload arrived */
  blec_device_unref(d);
  ASSERT(!wt_log_contains("IBluetoothLEAdvertisementWatcher2"));
  wt_end(ctx);
}
