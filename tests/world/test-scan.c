/* SPDX-License-Identifier: MIT */
/* test-scan.c — advertising as scans receive it: intervals, scan responses, radio, determinism. */
#include <string.h>

#include "world/world_internal.h"
#include "wtest.h"

static const char scan_world[] =
    "blec-world 1\n"
    "peripheral 00:00:00:00:00:01\n" /* connectable, with a scan response */
    "  name \"One\" \n"
    "  scan-response tx-power 4\n"
    "  adv-interval 100ms\n"
    "peripheral 00:00:00:00:00:02 random\n" /* not connectable, no scan response */
    "  connectable no\n"
    "  manufacturer 004c hex:0215\n"
    "  adv-interval 50ms\n"
    "peripheral 00:00:00:00:00:03\n" /* not connectable, scannable */
    "  connectable no\n"
    "  scan-response name \"Three\"\n"
    "  adv-interval 200ms\n"
    "peripheral 00:00:00:00:00:04\n" /* connectable, nothing in a scan response */
    "  name \"Four\"\n"
    "peripheral 00:00:00:00:00:05\n" /* held by another application */
    "  name \"Five\"\n"
    "  connected-elsewhere yes\n";

static blec__wscan *start(blec_world *w, bool active, wt_scan *rec) {
  blec__wscan_events t = wt_scan_table();
  blec__wscan *s = NULL;
  ASSERT_OK(blec__world_scan_start(w, active, &t, rec, &s));
  ASSERT(s != NULL);
  return s;
}

static int locked(wt_scan *s, const int *field) {
  blec__mutex_lock(&s->m);
  int v = *field;
  blec__mutex_unlock(&s->m);
  return v;
}

static bool self_stopped(wt_scan *s) {
  blec__mutex_lock(&s->m);
  bool v = s->self_stopped;
  blec__mutex_unlock(&s->m);
  return v;
}

BLEC_TEST_IMPL(scan_reports_every_interval_with_world_timestamps) {
  blec_world *w = wt_world(scan_world);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = start(w, false, &rec);
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1) >= 6);
  blec__world_scan_stop(s);
  /* Consecutive packets of one peripheral are exactly one interval apart. */
  uint64_t last1 = 0, last2 = 0;
  int n1 = 0, n2 = 0;
  for (int i = 0; i < rec.n && i < WT_REPORTS; i++) {
    wt_report *r = &rec.r[i];
    if (!strcmp(r->address, "00:00:00:00:00:01")) {
      if (n1++) ASSERT_EQ_INT(r->ts - last1, 100000);
      last1 = r->ts;
      ASSERT_EQ_INT(r->type, BLEC_ADV_IND);
      ASSERT(r->connectable && r->scannable);
      ASSERT_EQ_INT(r->rssi, -60); /* the default, no variation */
    } else if (!strcmp(r->address, "00:00:00:00:00:02")) {
      if (n2++) ASSERT_EQ_INT(r->ts - last2, 50000);
      last2 = r->ts;
      ASSERT_EQ_INT(r->type, BLEC_ADV_NONCONN_IND);
      ASSERT(!r->connectable && !r->scannable);
      ASSERT_EQ_INT(r->len, 9);
      ASSERT_MEM_EQ(r->data, "\x02\x01\x04\x05\xff\x4c\x00\x02\x15", 9);
    }
  }
  /* Twice as many of the 50 ms peripheral (within one). */
  if (n2 < 2 * n1 - 2 || n2 > 2 * n1 + 2)
    blec_test_fail_(__FILE__, __LINE__, "%d packets at 50 ms for %d at 100 ms (of %d reports)", n2, n1,
                    rec.n);
  ASSERT(blec__world_now_us(w) >= 500000);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_response_goes_to_active_scans_of_scannable_peripherals) {
  blec_world *w = wt_world(scan_world);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan active, passive;
  wt_scan_init(&active);
  wt_scan_init(&passive);
  blec__wscan *sa = start(w, true, &active);
  blec__wscan *sp = start(w, false, &passive);
  WAIT_UNTIL(wt_scan_count_of(&passive, "00:00:00:00:00:03", -1) >= 3 &&
             wt_scan_count_of(&active, "00:00:00:00:00:03", BLEC_ADV_SCAN_RSP) >= 3);
  blec__world_scan_stop(sa);
  blec__world_scan_stop(sp);
  ASSERT_EQ_INT(wt_scan_count_of(&passive, "00:00:00:00:00:01", BLEC_ADV_SCAN_RSP), 0);
  ASSERT_EQ_INT(wt_scan_count_of(&passive, "00:00:00:00:00:03", BLEC_ADV_SCAN_RSP), 0);
  ASSERT(wt_scan_count_of(&active, "00:00:00:00:00:01", BLEC_ADV_SCAN_RSP) > 0);
  ASSERT(wt_scan_count_of(&active, "00:00:00:00:00:03", BLEC_ADV_SCAN_IND) > 0);
  /* Not scannable, or nothing to answer: no scan response. */
  ASSERT_EQ_INT(wt_scan_count_of(&active, "00:00:00:00:00:02", BLEC_ADV_SCAN_RSP), 0);
  ASSERT_EQ_INT(wt_scan_count_of(&active, "00:00:00:00:00:04", BLEC_ADV_SCAN_RSP), 0);
  ASSERT(wt_scan_count_of(&active, "00:00:00:00:00:04", BLEC_ADV_IND) > 0);
  /* Connected elsewhere: never advertises. */
  ASSERT_EQ_INT(wt_scan_count_of(&active, "00:00:00:00:00:05", -1), 0);
  /* A scan response follows its advertisement at once, same timestamp, its own payload. */
  for (int i = 0; i + 1 < active.n && i + 1 < WT_REPORTS; i++) {
    wt_report *r = &active.r[i + 1];
    if (r->type != BLEC_ADV_SCAN_RSP) continue;
    ASSERT_STR_EQ(active.r[i].address, r->address);
    ASSERT_EQ_INT(active.r[i].ts, r->ts);
    if (!strcmp(r->address, "00:00:00:00:00:01")) {
      ASSERT_EQ_INT(r->tx_power, 4);
      ASSERT_EQ_INT(active.r[i].tx_power, 127);
      ASSERT_MEM_EQ(r->data, "\x02\x0a\x04", 3);
    } else {
      ASSERT_MEM_EQ(r->data, "\x06\x09Three", 7);
    }
  }
  wt_scan_destroy(&active);
  wt_scan_destroy(&passive);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_radio_off_stops_scans_and_refuses_new_ones) {
  blec_world *w = wt_world(scan_world);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = start(w, true, &rec);
  WAIT_UNTIL(wt_scan_count(&rec) > 0);
  ASSERT_OK(blec_world_set_radio(w, false));
  ASSERT(!blec_world_radio(w));
  WAIT_UNTIL(locked(&rec, &rec.stopped) == 1);
  ASSERT_EQ_INT(rec.stop_status, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(rec.stop_reason, BLEC_UNAVAILABLE_POWERED_OFF);
  int n = wt_scan_count(&rec);
  wt_pass(w, 5000); /* nothing more arrives */
  ASSERT_EQ_INT(wt_scan_count(&rec), n);
  blec__wscan_events t = wt_scan_table();
  blec__wscan *s2 = (blec__wscan *)1;
  ASSERT_STATUS(blec__world_scan_start(w, true, &t, &rec, &s2), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT(s2 == NULL);
  blec__world_scan_stop(s); /* still to be freed by its owner */
  ASSERT_OK(blec_world_set_radio(w, true));
  s2 = start(w, false, &rec);
  WAIT_UNTIL(wt_scan_count(&rec) > n);
  blec__world_scan_stop(s2);
  ASSERT_EQ_INT(rec.stopped, 1);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_stop_from_its_own_callback_ends_its_reports) {
  blec_world *w = wt_world(scan_world);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec, other;
  wt_scan_init(&rec);
  wt_scan_init(&other);
  blec__wscan *s = start(w, true, &rec);
  blec__wscan *o = start(w, true, &other);
  blec__mutex_lock(&rec.m);
  rec.stop_me = s;
  blec__mutex_unlock(&rec.m);
  WAIT_UNTIL(self_stopped(&rec));
  int before = wt_scan_count(&other);
  WAIT_UNTIL(wt_scan_count(&other) > before + 5); /* the world goes on */
  ASSERT_EQ_INT(rec.after_stop, 0);
  blec__world_scan_stop(o);
  wt_scan_destroy(&rec);
  wt_scan_destroy(&other);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_stop_waits_for_a_running_callback) {
  blec_world *w = wt_world(scan_world);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec;
  wt_scan_init(&rec);
  rec.sleep_ms = 30;
  blec__wscan *s = start(w, false, &rec);
  WAIT_UNTIL(locked(&rec, &rec.in_callback) > 0);
  blec__world_scan_stop(s);
  /* No callback is running once stop returned, and none starts later. */
  blec__mutex_lock(&rec.m);
  int in = rec.in_callback, n = rec.n;
  blec__mutex_unlock(&rec.m);
  ASSERT_EQ_INT(in, 0);
  wt_pass(w, 5000);
  ASSERT_EQ_INT(wt_scan_count(&rec), n);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_advertising_stops_at_run_time_and_by_fault) {
  blec_world *w = wt_world(
      "blec-world 1\n"
      "peripheral 00:00:00:00:00:01\n  adv-interval 10ms\n"
      "peripheral 00:00:00:00:00:02\n  adv-interval 10ms\n  fault stop-advertising after 300ms\n");
  ASSERT_OK(blec_world_set_time_scale(w, 0.1)); /* 30 ms of real time to count packets in */
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = start(w, false, &rec);
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1) >= 60);
  int n2 = wt_scan_count_of(&rec, "00:00:00:00:00:02", -1);
  if (n2 < 28 || n2 > 31) blec_test_fail_(__FILE__, __LINE__, "%d packets in 300 ms of 10 ms packets", n2);
  blec__mutex_lock(&rec.m);
  for (int i = 0; i < rec.n && i < WT_REPORTS; i++)
    if (!strcmp(rec.r[i].address, "00:00:00:00:00:02")) ASSERT(rec.r[i].ts <= 300000);
  blec__mutex_unlock(&rec.m);
  /* Turned off and on at run time. */
  blec_world_peripheral *p1 = wt_periph(w, "00:00:00:00:00:01");
  ASSERT_OK(blec_world_peripheral_set_advertising(p1, false));
  int n1 = wt_scan_count_of(&rec, "00:00:00:00:00:01", -1);
  wt_pass(w, 2000);
  ASSERT_EQ_INT(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1), n1);
  ASSERT_OK(blec_world_peripheral_set_advertising(p1, true));
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1) > n1);
  blec__world_scan_stop(s);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

/* The RSSI sequence of a peripheral under a seed, from a fresh world. */
static void rssi_sequence(uint64_t seed, int *out, int n) {
  blec_world *w = wt_world(
      "blec-world 1\n"
      "peripheral 00:00:00:00:00:01\n  adv-interval 10ms\n  rssi -60 \xC2\xB1"
      "10\n"
      "peripheral 00:00:00:00:00:02\n  adv-interval 7ms\n  rssi -50 \xC2\xB1"
      "20\n");
  ASSERT_OK(blec_world_set_seed(w, seed));
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = start(w, false, &rec);
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1) >= n);
  blec__world_scan_stop(s);
  int k = 0;
  for (int i = 0; i < rec.n && k < n; i++)
    if (!strcmp(rec.r[i].address, "00:00:00:00:00:01")) out[k++] = rec.r[i].rssi;
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_rssi_is_deterministic_per_seed) {
  int a[40], b[40], c[40];
  rssi_sequence(42, a, 40);
  rssi_sequence(42, b, 40);
  rssi_sequence(43, c, 40);
  ASSERT_MEM_EQ(a, b, sizeof a);
  ASSERT(memcmp(a, c, sizeof a) != 0);
  int lo = 0, hi = -200, distinct = 0;
  for (int i = 0; i < 40; i++) {
    ASSERT(a[i] >= -70 && a[i] <= -50);
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
    if (i && a[i] != a[i - 1]) distinct++;
  }
  ASSERT(distinct > 10); /* it varies */
}

static bool last_is_named_late(wt_scan *rec) {
  blec__mutex_lock(&rec->m);
  bool r = rec->n > 0 && rec->r[rec->n - 1].len == 9 && !memcmp(rec->r[rec->n - 1].data, "\x02\x01\x06\x05\x09Late", 9);
  blec__mutex_unlock(&rec->m);
  return r;
}

BLEC_TEST_IMPL(scan_sees_peripherals_added_while_running) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new(&w));
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = start(w, false, &rec);
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_add_peripheral(w, "00:00:00:00:00:09", BLEC_ADDRESS_RANDOM, &p));
  ASSERT_STATUS(blec_world_add_peripheral(w, "00:00:00:00:00:09", BLEC_ADDRESS_RANDOM, NULL), BLEC_ERR_BUSY);
  ASSERT_OK(blec_world_peripheral_set_name(p, "Late", false));
  /* Seen at once, and its name once the change reached the air (the first packets may
   * go out before it; a slow machine, ThreadSanitizer, sends several). */
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:09", -1) >= 1 && last_is_named_late(&rec));
  blec__world_scan_stop(s);
  ASSERT_MEM_EQ(rec.r[rec.n - 1].data, "\x02\x01\x06\x05\x09Late", 9);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(scan_silent_while_connected_and_raw_payloads) {
  blec_world *w = wt_world(
      "blec-world 1\n"
      "peripheral 00:00:00:00:00:01\n"
      "  adv-interval 10ms\n"
      "  advertise-while-connected no\n"
      "  short-name \"Sh\"\n"
      "peripheral 00:00:00:00:00:02\n"
      "  connectable no\n"
      "  adv-interval 10ms\n"
      "  raw hex:0201 04 03ff 3412\n");
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan *s = start(w, false, &rec);
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1) >= 3 &&
             wt_scan_count_of(&rec, "00:00:00:00:00:02", -1) >= 3);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, "00:00:00:00:00:01", &ev);
  wt_pass(w, 0); /* every report due before the connection ran */
  int n = wt_scan_count_of(&rec, "00:00:00:00:00:01", -1);
  int m = wt_scan_count_of(&rec, "00:00:00:00:00:02", -1);
  wt_pass(w, 2000);
  ASSERT_EQ_INT(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1), n); /* silent while connected */
  ASSERT(wt_scan_count_of(&rec, "00:00:00:00:00:02", -1) > m + 20);
  wt_close(l);
  WAIT_UNTIL(wt_scan_count_of(&rec, "00:00:00:00:00:01", -1) > n); /* back once disconnected */
  blec__world_scan_stop(s);
  for (int i = 0; i < rec.n && i < WT_REPORTS; i++) {
    if (!strcmp(rec.r[i].address, "00:00:00:00:00:02")) {
      ASSERT_EQ_INT(rec.r[i].len, 7);
      ASSERT_MEM_EQ(rec.r[i].data, "\x02\x01\x04\x03\xff\x34\x12", 7);
    } else {
      ASSERT_EQ_INT(rec.r[i].len, 7);
      ASSERT_MEM_EQ(rec.r[i].data, "\x02\x01\x06\x03\x08Sh", 7);
    }
  }
  wt_events_destroy(&ev);
  wt_scan_destroy(&rec);
  blec_world_unref(w);
}
