/* SPDX-License-Identifier: MIT */
/* test-fault.c — every fault of the world: ATT errors, link loss, delays, remote end, radio off. */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"
#include "wtest.h"

#ifndef BLEC_WORLDS_DIR
#define BLEC_WORLDS_DIR "worlds"
#endif

static blec_world *faults(void) {
  blec_world *w = NULL;
  blec_error err;
  int st = blec_world_load_file(BLEC_WORLDS_DIR "/faults.world", &w, &err);
  if (st != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "%s", err.message);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  return w;
}

BLEC_TEST_IMPL(fault_att_error_on_the_nth_request_of_each_connection) {
  blec_world *w = faults();
  wt_events ev;
  wt_events_init(&ev);
  for (int round = 0; round < 2; round++) {
    blec__wlink *l = wt_connect(w, "FA:00:00:00:00:01", &ev);
    uint16_t h = wt_char(blec__wlink_peripheral(l), "ff01");
    int att = 0;
    ASSERT_OK(wt_read(l, h, NULL, NULL, NULL));
    ASSERT_OK(wt_write(l, h, "a", 1, true, NULL));
    ASSERT_STATUS(wt_write(l, h, "b", 1, true, &att), BLEC_ERR_ATT);
    ASSERT_EQ_INT(att, 0x0E);
    uint8_t buf[8];
    size_t n = 0;
    ASSERT_OK(wt_read(l, h, buf, &n, NULL));
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(buf[0], 'a'); /* the failed write had no effect */
    wt_close(l);
  }
  ASSERT_EQ_INT(blec_world_peripheral_request_count(wt_periph(w, "FA:00:00:00:00:01")), 8);
  /* Added at run time, counted per connection like the file's. */
  blec_world_peripheral *p = wt_periph(w, "FA:00:00:00:00:05");
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 0));
  ASSERT_OK(blec_world_fault_att_error(p, 1, 0x80));
  ASSERT_STATUS(blec_world_fault_att_error(p, 0, 0x80), BLEC_ERR_INVALID_ARG);
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:05", &ev);
  int att = 0;
  ASSERT_STATUS(wt_read(l, wt_char(p, "ff01"), NULL, NULL, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, 0x80);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

typedef struct pending {
  wt_done d[3];
  wt_events ev;
} pending;

static void start_pending(blec__wlink *l, pending *pe, uint16_t h) {
  for (int i = 0; i < 3; i++) {
    wt_done_init(&pe->d[i]);
    ASSERT(blec__wlink_read(l, h, wt_read_cb, &pe->d[i]) > 0);
  }
}

static void check_pending_then_disconnected(blec_world *w, pending *pe, int reason) {
  WAIT_UNTIL(wt_disconnects(&pe->ev) == 1);
  ASSERT_EQ_INT(pe->ev.reason, reason);
  for (int i = 0; i < 3; i++) {
    /* Completed before the disconnection was reported. */
    ASSERT_EQ_INT(wt_calls(&pe->d[i]), 1);
    ASSERT_EQ_INT(pe->d[i].status, BLEC_ERR_DISCONNECTED);
    wt_done_destroy(&pe->d[i]);
  }
  wt_pass(w, 2000);
  ASSERT_EQ_INT(wt_disconnects(&pe->ev), 1);
}

BLEC_TEST_IMPL(fault_link_loss_after_a_time) {
  blec_world *w = faults();
  ASSERT_OK(blec_world_set_time_scale(w, 0.1)); /* 200 ms of real time to see the link up */
  blec_world_peripheral *p = wt_periph(w, "FA:00:00:00:00:02");
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 1000000)); /* requests stay pending */
  pending pe;
  wt_events_init(&pe.ev);
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:02", &pe.ev);
  uint64_t t0 = blec__world_now_us(w);
  start_pending(l, &pe, wt_char(p, "ff01"));
  check_pending_then_disconnected(w, &pe, BLEC_DISCONNECT_LINK_LOSS);
  uint64_t t1 = blec__world_now_us(w);
  ASSERT(t1 - t0 >= 1900000 && t1 - t0 < 60000000);
  ASSERT(!blec__wlink_connected(l));
  ASSERT(!blec_world_peripheral_connected(p));
  wt_close(l);
  wt_events_destroy(&pe.ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(fault_link_loss_after_requests) {
  blec_world *w = faults();
  blec_world_peripheral *p = wt_periph(w, "FA:00:00:00:00:03");
  wt_events ev;
  wt_events_init(&ev);
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 1000)); /* the three below queue up */
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:03", &ev);
  uint16_t h = wt_char(p, "ff01");
  for (int i = 0; i < 4; i++) ASSERT_OK(wt_read(l, h, NULL, NULL, NULL));
  /* The fifth is answered, then the link drops; requests queued behind it fail. */
  wt_done d[3];
  for (int i = 0; i < 3; i++) {
    wt_done_init(&d[i]);
    ASSERT(blec__wlink_read(l, h, wt_read_cb, &d[i]) > 0);
  }
  WAIT_UNTIL(wt_disconnects(&ev) == 1);
  ASSERT_EQ_INT(ev.reason, BLEC_DISCONNECT_LINK_LOSS);
  ASSERT_EQ_INT(d[0].status, BLEC_OK);
  ASSERT_EQ_INT(d[1].status, BLEC_ERR_DISCONNECTED);
  ASSERT_EQ_INT(d[2].status, BLEC_ERR_DISCONNECTED);
  for (int i = 0; i < 3; i++) wt_done_destroy(&d[i]);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), 5);
  wt_close(l);
  /* Counted per connection: a new link gets five again. */
  l = wt_connect(w, "FA:00:00:00:00:03", &ev);
  for (int i = 0; i < 4; i++) ASSERT_OK(wt_read(l, h, NULL, NULL, NULL));
  ASSERT(blec__wlink_connected(l));
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(fault_remote_disconnect) {
  blec_world *w = faults();
  blec_world_peripheral *p = wt_periph(w, "FA:00:00:00:00:05");
  ASSERT_STATUS(blec_world_peripheral_disconnect(p), BLEC_ERR_NOT_CONNECTED);
  /* The reads must still be pending when the link drops, however slow this machine is. */
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 1000000));
  pending pe;
  wt_events_init(&pe.ev);
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:05", &pe.ev);
  start_pending(l, &pe, wt_char(p, "ff01"));
  ASSERT_OK(blec_world_peripheral_disconnect(p));
  ASSERT(!blec_world_peripheral_connected(p));
  check_pending_then_disconnected(w, &pe, BLEC_DISCONNECT_REMOTE);
  blec__wlink_release(l);
  wt_events_destroy(&pe.ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(fault_radio_off_drops_links) {
  blec_world *w = faults();
  blec_world_peripheral *p = wt_periph(w, "FA:00:00:00:00:05");
  /* The reads must still be pending when the radio goes off, however slow this machine is. */
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 1000000));
  pending pe;
  wt_events_init(&pe.ev);
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:05", &pe.ev);
  start_pending(l, &pe, wt_char(p, "ff01"));
  ASSERT_OK(blec_world_set_radio(w, false));
  check_pending_then_disconnected(w, &pe, BLEC_DISCONNECT_RADIO_OFF);
  blec__wlink_release(l);
  wt_events_destroy(&pe.ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(fault_delays_of_connect_and_responses) {
  blec_world *w = faults(); /* Slow Sensor: connect 500 ms, responses 200 ms */
  wt_events ev;
  wt_events_init(&ev);
  uint64_t t0 = blec__world_now_us(w); /* 0: the world has not started */
  ASSERT_EQ_INT(t0, 0);
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:05", &ev);
  uint64_t t1 = blec__world_now_us(w);
  ASSERT(t1 >= 500000);
  uint8_t buf[8];
  size_t n = 0;
  ASSERT_OK(wt_read(l, wt_char(blec__wlink_peripheral(l), "ff01"), buf, &n, NULL));
  ASSERT_MEM_EQ(buf, "slow", 4);
  uint64_t t2 = blec__world_now_us(w);
  ASSERT(t2 - t1 >= 200000);
  wt_close(l);
  /* An unknown address fails after the world's not-found delay. */
  ASSERT_OK(blec__world_set_default_connect_delay(w, 300));
  uint64_t t3 = blec__world_now_us(w);
  ASSERT_STATUS(wt_connect_status(w, "FA:00:00:00:00:77", &ev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT(blec__world_now_us(w) - t3 >= 300000);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(fault_discovery_unreachable_then_answers) {
  blec_world *w = faults();
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:06", &ev);
  for (int i = 0; i < 3; i++) {
    wt_done d;
    wt_done_init(&d);
    ASSERT(blec__wlink_discover(l, wt_discover_cb, &d) > 0);
    int st = wt_wait(&d, WT_WAIT_MS);
    if (i < 2) {
      ASSERT_EQ_INT(st, BLEC_ERR_TIMEOUT);
      ASSERT_EQ_INT(d.nattrs, 0);
    } else {
      ASSERT_OK(st);
      ASSERT(d.nattrs >= 4);
    }
    wt_done_destroy(&d);
  }
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(fault_stop_advertising_makes_connects_fail) {
  blec_world *w = faults();
  ASSERT_OK(blec_world_set_time_scale(w, 0.1)); /* 500 ms of real time before it stops */
  wt_events ev;
  wt_events_init(&ev);
  /* Before five seconds it connects (and starts the world clock). */
  blec__wlink *l = wt_connect(w, "FA:00:00:00:00:04", &ev);
  wt_close(l);
  WAIT_UNTIL(blec__world_now_us(w) > 5000000);
  wt_pass(w, 0); /* the fault, due at five seconds, ran */
  ASSERT_STATUS(wt_connect_status(w, "FA:00:00:00:00:04", &ev, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  /* Turned on again, it is reachable. */
  ASSERT_OK(blec_world_peripheral_set_advertising(wt_periph(w, "FA:00:00:00:00:04"), true));
  l = wt_connect(w, "FA:00:00:00:00:04", &ev);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}
