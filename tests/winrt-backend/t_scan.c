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
