/* SPDX-License-Identifier: MIT */
/*
 * t_passive.c — passive scanning through BlueZ's advertisement monitors: refused with its
 * reason where bluetoothd offers none (5.66 without --experimental) or where the scan has
 * no filter to make patterns of; with --experimental, the monitor's patterns come from
 * the scan's filters and only matching devices are reported, without a discovery session;
 * patterns bluetoothd refuses fail the start; nobody but org.bluez's owner may call the
 * monitor.
 */
#include <stdio.h>
#include <string.h>

#include "bk.h"

static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:0D:00:00:00:01 public\n"
    "  name \"Tagged\"\n"
    "  manufacturer 0059 hex:0102\n"
    "  adv-interval 20ms\n"
    "peripheral C0:0D:00:00:00:02 public\n"
    "  name \"Heart\"\n"
    "  services 180f 180d\n"
    "  manufacturer 004c hex:0102\n"
    "  adv-interval 20ms\n";

#define TAGGED "C0:0D:00:00:00:01"
#define HEART "C0:0D:00:00:00:02"

static void start_experimental(bk *t) {
  bk_world(t, world_text);
  blec_bluez_sim_config *cfg = NULL;
  ASSERT_OK(blec_bluez_sim_config_new(&cfg));
  ASSERT_OK(blec_bluez_sim_config_set_experimental(cfg, true));
  bk_sim_start(t, cfg);
  blec_bluez_sim_config_free(cfg);
  bk_ctx(t, NULL);
}

static blec_scan_options *passive(void) {
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_mode(o, BLEC_SCAN_PASSIVE));
  return o;
}

/* Starts a passive scan with o and asserts it fails NOT_SUPPORTED saying `why`. */
static void assert_refused(bk *t, blec_scan_options *o, const char *why) {
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t->ctx, o, NULL, NULL, &s));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_NOT_SUPPORTED);
  if (!strstr(err.message, why)) blec_test_fail_(__FILE__, __LINE__, "'%s' does not say '%s'", err.message, why);
  ASSERT(!blec_scanner_is_scanning(s));
  blec_scanner_free(s);
  blec_scan_options_free(o);
}

BLEC_TEST_IMPL(passive_scanning_needs_an_advertisement_monitor) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL); /* BlueZ 5.66 without --experimental: no AdvertisementMonitorManager1 */
  bk_ctx(&t, NULL);
  ASSERT(!(blec_ctx_capabilities(t.ctx) & BLEC_CAP_PASSIVE_SCAN));
  blec_scan_options *o = passive();
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x0059, NULL, 0));
  assert_refused(&t, o, "AdvertisementMonitorManager1");
  bk_close(&t);
}

static int locked(bk_scan *r, const int *field) {
  blec__mutex_lock(&r->m);
  int v = *field;
  blec__mutex_unlock(&r->m);
  return v;
}

/* Passive scan with o until `want` was reported `n` times; returns the recorder's counts. */
static void scan_until(bk *t, blec_scan_options *o, const char *want, int n, bk_scan *r) {
  sd_bus *other = bk_bus();
  bk_scan_init(r, want, NULL);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t->ctx, o, bk_scan_cb, r, &s));
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(locked(r, &r->by_addr) >= n, BK_WAIT_MS);
  /* Passive: no discovery session was opened for it. */
  ASSERT(!bk_bool_property(other, "/org/bluez/hci0", "org.bluez.Adapter1", "Discovering"));
  ASSERT_OK(blec_scanner_stop(s));
  blec_scanner_free(s);
  blec_scan_options_free(o);
  sd_bus_flush_close_unref(other);
}


BLEC_TEST_IMPL(passive_scanning_reports_what_the_monitor_matches) {
  bk t;
  start_experimental(&t);
  ASSERT(blec_ctx_capabilities(t.ctx) & BLEC_CAP_PASSIVE_SCAN);
  /* No filter: nothing to make a monitor's patterns of. */
  assert_refused(&t, passive(), "pattern");

  /* Manufacturer data: the tagged device only. Both advertise at the same pace, so the
   * third report of one means the other advertised meanwhile. */
  blec_scan_options *o = passive();
  const uint8_t tag[] = {0x01};
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x0059, tag, sizeof tag));
  bk_scan r;
  scan_until(&t, o, TAGGED, 3, &r);
  ASSERT_EQ_INT(locked(&r, &r.other), 0);
  ASSERT_STR_EQ(r.last_name, "Tagged");
  blec__mutex_destroy(&r.m);

  /* A service UUID (bleak's service list): anywhere in the advertised list. */
  o = passive();
  blec_uuid hr;
  ASSERT_OK(blec_uuid_parse("180d", &hr));
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &hr));
  scan_until(&t, o, HEART, 3, &r);
  ASSERT_EQ_INT(locked(&r, &r.other), 0);
  blec__mutex_destroy(&r.m);

  /* The local name. */
  o = passive();
  ASSERT_OK(blec_scan_options_filter_local_name(o, "Heart"));
  scan_until(&t, o, HEART, 3, &r);
  ASSERT_EQ_INT(locked(&r, &r.other), 0);
  blec__mutex_destroy(&r.m);
  bk_close(&t);
}

BLEC_TEST_IMPL(passive_scanning_refused_patterns_fail_the_start) {
  bk t;
  start_experimental(&t);
  /* AD type 0x50 is no AD type: bluetoothd releases the monitor instead of activating it. */
  blec_scan_options *o = passive();
  const uint8_t b[] = {0x01};
  ASSERT_OK(blec_scan_options_filter_byte_pattern(o, 0x50, 0, b, sizeof b));
  assert_refused(&t, o, "released");
  /* And the context still scans passively with good patterns. */
  o = passive();
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x0059, NULL, 0));
  bk_scan r;
  scan_until(&t, o, TAGGED, 2, &r);
  blec__mutex_destroy(&r.m);
  bk_close(&t);
}

BLEC_TEST_IMPL(monitor_calls_of_other_connections_are_refused) {
  bk t;
  start_experimental(&t);
  sd_bus *other = bk_bus();
  char blec_name[64];
  bk_blec_name(other, t.sim, blec_name, sizeof blec_name);
  blec_scan_options *o = passive();
  ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x0059, NULL, 0));
  bk_scan r;
  bk_scan_init(&r, HEART, NULL);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, o, bk_scan_cb, &r, &s));
  ASSERT_OK(blec_scanner_start(s, NULL));
  /* Wait for the tagged device, then tell the monitor the heart sensor was found. */
  WAIT_UNTIL(locked(&r, &r.other) >= 1, BK_WAIT_MS);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int rr = sd_bus_call_method(other, blec_name, "/org/blec/monitor1/m0", "org.bluez.AdvertisementMonitor1",
                              "DeviceFound", &e, NULL, "o", "/org/bluez/hci0/dev_C0_0D_00_00_00_02");
  ASSERT(rr < 0);
  ASSERT(sd_bus_error_has_name(&e, "org.bluez.Error.Rejected"));
  sd_bus_error_free(&e);
  rr = sd_bus_call_method(other, blec_name, "/org/blec/monitor1/m0", "org.bluez.AdvertisementMonitor1", "Release",
                          &e, NULL, NULL);
  ASSERT(rr < 0);
  sd_bus_error_free(&e);
  /* Proof the window passed: more tagged reports, still none of the heart sensor, and the
   * scanner is still scanning (the forged Release was not believed). */
  int seen = locked(&r, &r.other);
  WAIT_UNTIL(locked(&r, &r.other) >= seen + 2, BK_WAIT_MS);
  ASSERT_EQ_INT(locked(&r, &r.by_addr), 0);
  ASSERT(blec_scanner_is_scanning(s));
  blec_scanner_free(s);
  blec_scan_options_free(o);
  blec__mutex_destroy(&r.m);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
}
