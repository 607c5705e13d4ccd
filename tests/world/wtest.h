/* SPDX-License-Identifier: MIT */
/*
 * wtest.h — helpers of the world engine's tests: they drive the world through
 * world_stack.h as a Bluetooth stack does, with recorders for every callback and blocking
 * wrappers around the asynchronous requests.
 */
#ifndef BLEC_WTEST_H
#define BLEC_WTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "blec/blec_world.h"
#include "core/threads.h"
#include "test.h"
#include "world/world_stack.h"

/* Prototypes of every test of the suite (keeps -Wmissing-prototypes quiet). */
#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

/** A time scale that makes world seconds real hundredths of seconds. */
#define WT_FAST 0.01

/** Real milliseconds to wait for things that must happen (scaled for slow builds). */
#define WT_WAIT_MS 5000

/** Waits until expr holds, failing the test after WT_WAIT_MS. */
#define WAIT_UNTIL(expr)                                                                   \
  do {                                                                                     \
    uint64_t end_ = wt_now_ms() + (uint64_t)blec_test_ms(WT_WAIT_MS);                     \
    while (!(expr)) {                                                                      \
      if (wt_now_ms() > end_) blec_test_fail_(__FILE__, __LINE__, "timed out: %s", #expr); \
      blec__sleep_ms(1);                                                                   \
    }                                                                                      \
  } while (0)

/** Parses text (asserting it parses). */
blec_world *wt_world(const char *text);
blec_world_peripheral *wt_periph(blec_world *w, const char *address);
/** The value handle of the (only) characteristic with this UUID text. */
uint16_t wt_char(blec_world_peripheral *p, const char *uuid);
/** The handle of descriptor `uuid` of the characteristic at value handle vh, 0 if none. */
uint16_t wt_desc(blec_world_peripheral *p, uint16_t vh, const char *uuid);
blec_uuid wt_uuid(const char *text);
uint64_t wt_now_ms(void);
/**
 * Lets `world_ms` of world time pass (blec__world_wait_passed, failing the test after
 * WT_WAIT_MS): once it returns, every event due within the window ran and its callbacks
 * returned, so a test may check that one of them did not happen.
 */
void wt_pass(blec_world *w, int world_ms);

/* ---- one request's completion ----------------------------------------------------------- */

typedef struct wt_done {
  blec__mutex m;
  blec__cond c;
  int calls;
  int status, att;
  uint8_t data[600];
  size_t len;
  blec__wlink *link;
  size_t nattrs;
  blec__wattr attrs[128];
  uint64_t thread;
} wt_done;

void wt_done_init(wt_done *d);
void wt_done_destroy(wt_done *d);
void wt_done_cb(void *user, int status, int att);
void wt_read_cb(void *user, int status, int att, const uint8_t *data, size_t len);
void wt_connect_cb(void *user, int status, blec__wlink *link);
void wt_discover_cb(void *user, int status, int att, const blec__wattr *attrs, size_t count);
/** Waits (failing the test after ms) for the first completion; returns its status. */
int wt_wait(wt_done *d, int ms);
/** Number of completions so far. */
int wt_calls(wt_done *d);

/* ---- a link's events ----------------------------------------------------------------------- */

#define WT_VALUES 256
typedef struct wt_events {
  blec__mutex m;
  int values, indications;
  uint16_t handle[WT_VALUES];
  uint8_t first[WT_VALUES];
  uint8_t last[600];
  size_t last_len;
  int mtu;
  int mtu_calls;
  int disconnected;
  int reason;
  int order;             /* completions and events counted in arrival order */
  int disconnected_order;
} wt_events;

void wt_events_init(wt_events *e);
void wt_events_destroy(wt_events *e);
blec__wlink_events wt_events_table(void);
int wt_values(wt_events *e);
int wt_disconnects(wt_events *e);

/* ---- blocking wrappers (assert the request started) ------------------------------------------- */

/** Connects; returns the status, the link in *out on success. */
int wt_connect_status(blec_world *w, const char *address, wt_events *ev, blec__wlink **out);
/** Connects, asserting success. */
blec__wlink *wt_connect(blec_world *w, const char *address, wt_events *ev);
int wt_read(blec__wlink *l, uint16_t handle, uint8_t *buf, size_t *len, int *att);
int wt_write(blec__wlink *l, uint16_t handle, const void *data, size_t len, bool with_response, int *att);
int wt_pair(blec__wlink *l, blec_protection_level level);
int wt_unpair(blec__wlink *l);
int wt_mtu(blec__wlink *l, int mtu, int *att);
/** Writes the CCCD of value handle vh (bits 1 notify, 2 indicate), asserting success. */
void wt_subscribe(blec__wlink *l, uint16_t vh, uint16_t bits);
/** Disconnects (waiting) and releases. */
void wt_close(blec__wlink *l);

/* ---- scans ------------------------------------------------------------------------------------- */

#define WT_REPORTS 4096
typedef struct wt_report {
  char address[BLEC_ADDR_STRLEN];
  int rssi;
  int type;
  int tx_power;
  bool connectable, scannable;
  uint64_t ts;
  uint8_t data[256];
  size_t len;
} wt_report;

typedef struct wt_scan {
  blec__mutex m;
  wt_report *r;
  int n;
  int stopped, stop_status, stop_reason;
  int sleep_ms;           /* each report callback sleeps this long */
  int in_callback;
  blec__wscan *stop_me;   /* stopped from inside the next report callback */
  int after_stop;         /* reports that arrived after stop_me was stopped */
  bool self_stopped;
} wt_scan;

void wt_scan_init(wt_scan *s);
void wt_scan_destroy(wt_scan *s);
blec__wscan_events wt_scan_table(void);
int wt_scan_count(wt_scan *s);
/** Reports of one address and type (-1: any type). */
int wt_scan_count_of(wt_scan *s, const char *address, int type);

#endif /* BLEC_WTEST_H */
