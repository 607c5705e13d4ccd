/* SPDX-License-Identifier: MIT */
/*
 * t_scan.c — the discovery session as bluetoothd sees it: the filter blec sets
 * (SetDiscoveryFilter: Transport le, DuplicateData, the scanners' service UUIDs) and a
 * session that bluetoothd ends without being asked (started again for the scanners).
 */
#include <string.h>

#include "bk.h"

static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:0D:00:00:00:01 public\n"
    "  name \"Scan\"\n"
    "  rssi -50\n"
    "  services 180d\n"
    "  service 180d\n"
    "    characteristic 2a37 read,notify u8:0\n";

#define ADDR "C0:0D:00:00:00:01"
#define ADAPTER "/org/bluez/hci0"

static blec_bluez_sim_filter last_filter(bk *t) {
  ASSERT_OK(blec_bluez_sim_sync(t->sim));
  blec_bluez_sim_filter f;
  ASSERT_OK(blec_bluez_sim_last_filter(t->sim, &f));
  return f;
}

BLEC_TEST_IMPL(discovery_filter_asks_le_duplicates_and_the_scanners_uuids) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  ASSERT(!last_filter(&t).set);
  /* A scanner with service UUIDs: they go to bluetoothd (128-bit), with le and duplicates. */
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid u1, u2;
  ASSERT_OK(blec_uuid_parse("180d", &u1));
  ASSERT_OK(blec_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &u2));
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &u1));
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &u2));
  bk_scan r;
  bk_scan_init(&r, ADDR, NULL);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, o, bk_scan_cb, &r, &s));
  blec_scan_options_free(o);
  ASSERT_OK(blec_scanner_start(s, NULL));
  blec_bluez_sim_filter f = last_filter(&t);
  ASSERT(f.set && !f.empty);
  ASSERT_STR_EQ(f.transport, "le");
  ASSERT(f.duplicate_data);
  ASSERT_EQ_INT(f.nuuids, 2);
  bool has1 = false, has2 = false;
  for (size_t i = 0; i < f.nuuids; i++) {
    has1 |= strcmp(f.uuids[i], "0000180d-0000-1000-8000-00805f9b34fb") == 0;
    has2 |= strcmp(f.uuids[i], "6e400001-b5a3-f393-e0a9-e50e24dcca9e") == 0;
  }
  ASSERT(has1 && has2);
  sd_bus *other = bk_bus();
  char blec_name[64];
  bk_blec_name(other, t.sim, blec_name, sizeof blec_name);
  ASSERT_STR_EQ(f.sender, blec_name);
  WAIT_UNTIL(bk_scan_total(&r) > 0, BK_WAIT_MS);
  /* A second scanner without UUIDs: the session's filter drops them (it wants every device). */
  blec_scanner *s2 = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, NULL, NULL, &s2));
  ASSERT_OK(blec_scanner_start(s2, NULL));
  f = last_filter(&t);
  ASSERT(f.set && !f.empty);
  ASSERT_STR_EQ(f.transport, "le");
  ASSERT(f.duplicate_data);
  ASSERT_EQ_INT(f.nuuids, 0);
  /* The last scanner gone: the session closes and its filter is removed. */
  blec_scanner_free(s2);
  blec_scanner_free(s);
  WAIT_UNTIL(!bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
  /* The empty filter follows StopDiscovery's reply. */
  WAIT_UNTIL(last_filter(&t).empty, BK_WAIT_MS);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
  blec__mutex_destroy(&r.m);
}

typedef struct scan_errors {
  atomic_int count;
} scan_errors;

static void on_scan_error(blec_scanner *s, const blec_error *err, void *user) {
  (void)s;
  (void)err;
  atomic_fetch_add(&((scan_errors *)user)->count, 1);
}

BLEC_TEST_IMPL(discovery_ended_by_bluetoothd_starts_again_for_running_scanners) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  bk_scan r;
  bk_scan_init(&r, ADDR, NULL);
  scan_errors errs;
  atomic_init(&errs.count, 0);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, bk_scan_cb, &r, &s));
  blec_scanner_set_error_callback(s, on_scan_error, &errs);
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(bk_scan_total(&r) > 0, BK_WAIT_MS);
  sd_bus *other = bk_bus();
  for (int round = 0; round < 3; round++) {
    /* bluetoothd drops the session: Discovering false, no report until it is asked again. */
    ASSERT_OK(blec_bluez_sim_end_discovery(t.sim));
    WAIT_UNTIL(bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
    int before = bk_scan_total(&r);
    WAIT_UNTIL(bk_scan_total(&r) > before + 2, BK_WAIT_MS);
    ASSERT(blec_scanner_is_scanning(s));
  }
  ASSERT_EQ_INT(atomic_load(&errs.count), 0);
  /* Stopped by the program, a later start opens a session again. */
  ASSERT_OK(blec_scanner_stop(s));
  WAIT_UNTIL(!bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
  int before = bk_scan_total(&r);
  WAIT_UNTIL(bk_scan_total(&r) > before, BK_WAIT_MS);
  blec_scanner_free(s);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
  blec__mutex_destroy(&r.m);
}

static int start_scanner(void *s) { return blec_scanner_start(s, NULL); }

BLEC_TEST_IMPL(notifications_flow_while_bluetoothd_holds_a_discovery_call) {
  bk t;
  bk_up(&t, world_text);
  bk_notes n;
  blec_characteristic *ch = NULL;
  blec_client *c = bk_subscribed(&t, ADDR, "2a37", &n, &ch);
  sd_bus *other = bk_bus();
  /* The connect's discovery is over; the next Start/StopDiscovery waits for the switch. */
  WAIT_UNTIL(!bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_HOLD_DISCOVERY, 1));
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  blec_scan_options *o = blec_scan_options_new();
  blec_uuid mark;
  ASSERT_OK(blec_uuid_parse("0000fe01-0000-1000-8000-00805f9b34fb", &mark));
  ASSERT_OK(blec_scan_options_add_service_uuid(o, &mark));
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, o, NULL, NULL, &s));
  blec_scan_options_free(o);
  bk_call start;
  bk_call_start(&start, start_scanner, s);
  /* The scanner's filter reached bluetoothd: its StartDiscovery follows, and is held. */
  WAIT_UNTIL(last_filter(&t).nuuids == 1 && !strcmp(last_filter(&t).uuids[0], "0000fe01-0000-1000-8000-00805f9b34fb"),
             BK_WAIT_MS);
  /* Meanwhile the backend's thread still serves notifications. */
  bk_expect_notifications(&t, ADDR, ch, &n, 5, 0x40);
  ASSERT(!bk_call_done(&start)); /* held: the start cannot have returned */
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_HOLD_DISCOVERY, 0));
  ASSERT_OK(bk_call_join(&start));
  WAIT_UNTIL(bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
  blec_scanner_free(s);
  blec_client_free(c);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
  blec__mutex_destroy(&n.m);
}

BLEC_TEST_IMPL(discovery_a_refused_start_is_not_taken_for_a_running_one) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  sd_bus *other = bk_bus();
  /* The kernel refuses one start: bluetoothd answers InProgress and drops the session.
   * blec clears and asks again, and the scan runs for real. */
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS, 1));
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  bk_scan r;
  bk_scan_init(&r, ADDR, NULL);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, bk_scan_cb, &r, &s));
  ASSERT_OK(blec_scanner_start(s, NULL));
  ASSERT(bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"));
  WAIT_UNTIL(bk_scan_total(&r) > 0, BK_WAIT_MS);
  blec_scanner_free(s);
  WAIT_UNTIL(!bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
  /* Refused twice: the start fails busy, and blec does not believe it discovers — the
   * next start asks bluetoothd again and runs. */
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS, 2));
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, bk_scan_cb, &r, &s));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BUSY);
  ASSERT(strstr(err.message, "InProgress") != NULL);
  ASSERT(!bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"));
  blec_scanner_free(s);
  int before = bk_scan_total(&r);
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, bk_scan_cb, &r, &s));
  ASSERT_OK(blec_scanner_start(s, NULL));
  ASSERT(bk_bool_property(other, ADAPTER, "org.bluez.Adapter1", "Discovering"));
  WAIT_UNTIL(bk_scan_total(&r) > before, BK_WAIT_MS);
  blec_scanner_free(s);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
  blec__mutex_destroy(&r.m);
}
