/* SPDX-License-Identifier: MIT */
/* test-perf.c — throughput paths: the 0 ms stream, bursts and counts, 10 000 advertisers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"
#include "wtest.h"

typedef struct counter {
  blec__mutex m;
  uint64_t n;
  uint8_t last;
  int gaps; /* counter values that did not follow the previous one */
} counter;

static void c_value(void *user, uint16_t h, const uint8_t *d, size_t len, bool ind) {
  (void)h;
  (void)ind;
  counter *c = user;
  blec__mutex_lock(&c->m);
  if (len && c->n && d[0] != (uint8_t)(c->last + 1)) c->gaps++;
  if (len) c->last = d[0];
  c->n++;
  blec__mutex_unlock(&c->m);
}

static uint64_t c_count(counter *c) {
  blec__mutex_lock(&c->m);
  uint64_t n = c->n;
  blec__mutex_unlock(&c->m);
  return n;
}

static blec__wlink *connect_counter(blec_world *w, const char *addr, counter *c) {
  memset(c, 0, sizeof *c);
  ASSERT_OK(blec__mutex_init(&c->m));
  blec__wlink_events t = {c_value, NULL, NULL};
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__world_connect(w, addr, BLEC_ADDRESS_UNSPECIFIED, &t, c, wt_connect_cb, &d) > 0);
  ASSERT_OK(wt_wait(&d, WT_WAIT_MS));
  blec__wlink *l = d.link;
  wt_done_destroy(&d);
  return l;
}

BLEC_TEST_IMPL(perf_zero_interval_stream_runs_flat_out) {
  blec_world *w = wt_world(
      "blec-world 1\n"
      "peripheral 00:00:00:00:00:01\n"
      "  service ff00\n"
      "    characteristic ff01 notify u8:0\n"
      "      stream 0ms counter count 300000\n"
      "    characteristic ff02 read text:\"still answers\"\n");
  counter c;
  blec__wlink *l = connect_counter(w, "00:00:00:00:00:01", &c);
  uint64_t t0 = blec__now_us();
  wt_subscribe(l, 3, 1);
  /* Other requests are served while the stream runs. */
  uint8_t buf[32];
  size_t n = 0;
  ASSERT_OK(wt_read(l, 6, buf, &n, NULL));
  ASSERT_EQ_INT(n, 13);
  WAIT_UNTIL(c_count(&c) >= 300000);
  uint64_t us = blec__now_us() - t0;
  wt_pass(w, 20);
  ASSERT_EQ_INT(c_count(&c), 300000); /* exactly the count */
  ASSERT_EQ_INT(c.gaps, 0);
  printf("world: %.0f notifications/s on one link (0 ms stream)\n", 300000.0 * 1e6 / (double)(us ? us : 1));
  wt_close(l);
  blec__mutex_destroy(&c.m);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(perf_bursts_and_counts) {
  blec_world *w = wt_world(
      "blec-world 1\n"
      "peripheral 00:00:00:00:00:01\n"
      "  service ff00\n"
      "    characteristic ff01 notify u8:0\n"
      "      stream 1s counter burst 10 count 35\n");
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  counter c;
  blec__wlink *l = connect_counter(w, "00:00:00:00:00:01", &c);
  uint64_t t0 = blec__world_now_us(w);
  wt_subscribe(l, 3, 1);
  WAIT_UNTIL(c_count(&c) >= 10);
  ASSERT(blec__world_now_us(w) - t0 >= 1000000); /* the first tick one interval after subscribing */
  WAIT_UNTIL(c_count(&c) >= 35);
  wt_pass(w, 3000);
  ASSERT_EQ_INT(c_count(&c), 35);
  /* A new subscription starts a new count. */
  wt_subscribe(l, 3, 0);
  wt_subscribe(l, 3, 1);
  WAIT_UNTIL(c_count(&c) >= 70);
  wt_pass(w, 3000);
  ASSERT_EQ_INT(c_count(&c), 70);
  wt_close(l);
  blec__mutex_destroy(&c.m);
  blec_world_unref(w);
}

typedef struct seen {
  blec__mutex m;
  uint8_t *hit;
  int distinct;
  uint64_t reports;
} seen;

static void seen_report(void *user, const blec__wadv_report *r) {
  seen *s = user;
  uint64_t a;
  if (!blec__waddr_parse(r->address, &a)) return;
  blec__mutex_lock(&s->m);
  size_t i = (size_t)(a & 0xFFFF);
  if (i < 10000 && !s->hit[i]) {
    s->hit[i] = 1;
    s->distinct++;
  }
  s->reports++;
  blec__mutex_unlock(&s->m);
}

static int seen_distinct(seen *s) {
  blec__mutex_lock(&s->m);
  int n = s->distinct;
  blec__mutex_unlock(&s->m);
  return n;
}

BLEC_TEST_IMPL(perf_ten_thousand_advertisers) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new(&w));
  uint64_t t0 = blec__now_us();
  for (int i = 0; i < 10000; i++) {
    char addr[BLEC_ADDR_STRLEN], name[16];
    snprintf(addr, sizeof addr, "C0:00:00:00:%02X:%02X", (i >> 8) & 0xFF, i & 0xFF);
    snprintf(name, sizeof name, "dev%d", i);
    blec_world_peripheral *p = NULL;
    ASSERT_OK(blec_world_add_peripheral(w, addr, BLEC_ADDRESS_RANDOM, &p));
    ASSERT_OK(blec_world_peripheral_set_name(p, name, false));
    ASSERT_OK(blec_world_peripheral_set_rssi(p, -60, 5));
  }
  uint64_t t1 = blec__now_us();
  seen s;
  memset(&s, 0, sizeof s);
  ASSERT_OK(blec__mutex_init(&s.m));
  s.hit = calloc(10000, 1);
  ASSERT(s.hit != NULL);
  blec__wscan_events t = {seen_report, NULL};
  blec__wscan *sc = NULL;
  ASSERT_OK(blec__world_scan_start(w, true, &t, &s, &sc));
  WAIT_UNTIL(seen_distinct(&s) == 10000); /* one 100 ms interval of world time */
  uint64_t t2 = blec__now_us();
  blec__world_scan_stop(sc);
  printf("world: 10000 peripherals built in %.1f ms, all seen in %.1f ms (%llu reports)\n",
         (double)(t1 - t0) / 1000.0, (double)(t2 - t1) / 1000.0, (unsigned long long)s.reports);
  free(s.hit);
  blec__mutex_destroy(&s.m);
  blec_world_unref(w);
}
