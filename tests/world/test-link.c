/* SPDX-License-Identifier: MIT */
/* test-link.c — links: GATT reads and writes, notifications, echo, MTU, pairing, connect rules. */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"
#include "wtest.h"

static const char lab[] =
    "blec-world 1\n"
    "peripheral 00:00:00:00:00:01\n"
    "  name \"Lab\"\n"
    "  mtu 185\n"
    "  pairing encryption\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"hello\"\n"
    "    characteristic aa02 write-without-response\n"
    "    characteristic aa03 write\n"
    "    characteristic aa04 read,notify,indicate u8:0\n"
    "      stream 100ms counter\n"
    "    characteristic aa05 read text:\"enc\"\n"
    "      security encryption\n"
    "    characteristic aa06 read text:\"auth\"\n"
    "      security authentication\n"
    "    characteristic aa07 write,write-without-response\n"
    "      echo aa08\n"
    "    characteristic aa08 notify\n"
    "    characteristic aa09 indicate u8:0\n"
    "      stream 100ms counter\n"
    "    characteristic aa0a read text:\"d\"\n"
    "      descriptor 2901 read text:\"desc\"\n"
    "      descriptor aa50 u8:7\n"
    "    characteristic aa0b notify\n"
    "      stream 50ms heart-rate\n"
    "peripheral 00:00:00:00:00:02 random\n"
    "  connectable no\n"
    "peripheral 00:00:00:00:00:03\n"
    "  connected-elsewhere yes\n"
    "  service ff00\n"
    "    characteristic ff01 read text:\"elsewhere\"\n"
    "peripheral 00:00:00:00:00:04\n"
    "  advertising no\n";

#define LAB "00:00:00:00:00:01"

static blec_world *lab_world(void) {
  blec_world *w = wt_world(lab);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  return w;
}

static void read_is_n(blec__wlink *l, uint16_t h, const char *want, size_t len) {
  uint8_t buf[600];
  size_t n = 0;
  ASSERT_OK(wt_read(l, h, buf, &n, NULL));
  ASSERT_EQ_INT(n, len);
  ASSERT_MEM_EQ(buf, want, n);
}

static void read_is(blec__wlink *l, uint16_t h, const char *want) { read_is_n(l, h, want, strlen(want)); }

static void read_fails(blec__wlink *l, uint16_t h, int att) {
  int got = 0;
  ASSERT_STATUS(wt_read(l, h, NULL, NULL, &got), BLEC_ERR_ATT);
  ASSERT_EQ_INT(got, att);
}

BLEC_TEST_IMPL(link_reads_and_writes_with_att_errors) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  ASSERT(blec__wlink_peripheral(l) == p);
  ASSERT(blec_world_peripheral_connected(p));
  ASSERT_EQ_INT(blec__wlink_mtu(l), 23);
  uint16_t rw = wt_char(p, "aa01"), wonly = wt_char(p, "aa03"), ro = wt_char(p, "aa0a");
  read_is(l, rw, "hello");
  read_is(l, 3, "Lab"); /* GAP Device Name */
  ASSERT_OK(wt_write(l, rw, "bye", 3, true, NULL));
  read_is(l, rw, "bye");
  uint8_t *v = NULL;
  size_t n = 0;
  ASSERT_OK(blec_world_get_value(p, rw, &v, &n));
  ASSERT_EQ_INT(n, 3);
  blec_free(v);
  int att = 0;
  ASSERT_STATUS(wt_write(l, ro, "x", 1, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_WRITE_NOT_PERMITTED);
  read_fails(l, wonly, BLEC_ATT_READ_NOT_PERMITTED);
  read_fails(l, 0, BLEC_ATT_INVALID_HANDLE);
  read_fails(l, 999, BLEC_ATT_INVALID_HANDLE);
  ASSERT_STATUS(wt_write(l, 999, "x", 1, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_INVALID_HANDLE);
  ASSERT_STATUS(wt_write(l, rw - 1, "x", 1, true, &att), BLEC_ERR_ATT); /* a declaration */
  ASSERT_EQ_INT(att, BLEC_ATT_WRITE_NOT_PERMITTED);
  /* Longer than an attribute can be. */
  uint8_t big[600];
  memset(big, 1, sizeof big);
  ASSERT_STATUS(wt_write(l, rw, big, sizeof big, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH);
  ASSERT_OK(wt_write(l, rw, big, 512, true, NULL));
  /* Descriptors: 2901 is read-only, AA50 read/write. */
  uint16_t d2901 = wt_desc(p, ro, "2901"), daa50 = wt_desc(p, ro, "aa50");
  read_is(l, d2901, "desc");
  ASSERT_STATUS(wt_write(l, d2901, "x", 1, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_WRITE_NOT_PERMITTED);
  read_is(l, daa50, "\x07");
  ASSERT_OK(wt_write(l, daa50, "\x09", 1, true, NULL));
  read_is(l, daa50, "\x09");
  /* Reads and writes with response are the counted requests (GAP read included). */
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), 17);
  wt_close(l);
  ASSERT(!blec_world_peripheral_connected(p));
  ASSERT_EQ_INT(wt_disconnects(&ev), 0); /* a requested disconnect is reported by its completion */
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_serves_a_database_with_gaps_by_handle) {
  blec_world *w = wt_world("blec-world 1\n"
                           "peripheral C0:FF:EE:6A:95:01\n"
                           "  service 180f handle:0x10\n"
                           "    characteristic 2a19 handle:0x20 read,write,notify u8:77\n"
                           "      descriptor 2901 handle:0x30 read text:\"Gap\"\n");
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, "C0:FF:EE:6A:95:01", &ev);
  read_is(l, 0x20, "\x4d");
  read_is(l, 0x30, "Gap");
  ASSERT_OK(wt_write(l, 0x20, "N", 1, true, NULL));
  read_is(l, 0x20, "N");
  /* Before the first attribute, between them and after the last: no attribute there. */
  static const uint16_t holes[] = {1, 0x0F, 0x11, 0x1E, 0x22, 0x2F, 0x31};
  for (size_t i = 0; i < sizeof holes / sizeof holes[0]; i++) {
    read_fails(l, holes[i], BLEC_ATT_INVALID_HANDLE);
    int att = 0;
    ASSERT_STATUS(wt_write(l, holes[i], "x", 1, true, &att), BLEC_ERR_ATT);
    ASSERT_EQ_INT(att, BLEC_ATT_INVALID_HANDLE);
  }
  /* The CCCD right after the value, subscribed through it. */
  wt_subscribe(l, 0x20, 1);
  read_is_n(l, 0x21, "\x01\x00", 2);
  ASSERT_OK(blec_world_set_value(blec__wlink_peripheral(l), 0x20, (const uint8_t *)"Z", 1, true));
  WAIT_UNTIL(wt_values(&ev) >= 1);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_write_without_response_applies_silently) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  uint16_t wwr = wt_char(p, "aa02"), wonly = wt_char(p, "aa03");
  ASSERT_OK(wt_write(l, wwr, "abc", 3, false, NULL));
  uint8_t *v = NULL;
  size_t n = 0;
  ASSERT_OK(blec_world_get_value(p, wwr, &v, &n));
  ASSERT_EQ_INT(n, 3);
  ASSERT_MEM_EQ(v, "abc", 3);
  blec_free(v);
  /* A command to a characteristic without write-without-response is dropped, unanswered. */
  ASSERT_OK(wt_write(l, wonly, "zz", 2, false, NULL));
  ASSERT_OK(blec_world_get_value(p, wonly, &v, &n));
  ASSERT_EQ_INT(n, 0);
  blec_free(v);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), 0); /* commands are not requests */
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_notifications_stream_while_subscribed) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  uint16_t h = wt_char(p, "aa04"), cccd = wt_desc(p, h, "2902");
  ASSERT_EQ_INT(cccd, h + 1);
  wt_pass(w, 2000); /* nothing before subscribing */
  ASSERT_EQ_INT(wt_values(&ev), 0);
  read_is_n(l, cccd, "\x00\x00", 2);
  wt_subscribe(l, h, 1);
  read_is_n(l, cccd, "\x01\x00", 2);
  WAIT_UNTIL(wt_values(&ev) >= 5);
  blec__mutex_lock(&ev.m);
  for (int i = 0; i < 5; i++) {
    ASSERT_EQ_INT(ev.handle[i], h);
    ASSERT_EQ_INT(ev.first[i], i + 1); /* counter */
  }
  ASSERT_EQ_INT(ev.indications, 0);
  blec__mutex_unlock(&ev.m);
  wt_subscribe(l, h, 0);
  int n = wt_values(&ev);
  wt_pass(w, 2000);
  ASSERT_EQ_INT(wt_values(&ev), n);
  /* Reading follows the stream; enabling what the characteristic cannot do is refused. */
  uint8_t buf[4];
  size_t len = 0;
  ASSERT_OK(wt_read(l, h, buf, &len, NULL));
  ASSERT_EQ_INT(buf[0], n);
  int att = 0;
  ASSERT_STATUS(wt_write(l, cccd, "\x04\x00", 2, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_VALUE_NOT_ALLOWED);
  ASSERT_STATUS(wt_write(l, cccd, "\x01", 1, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH);
  uint16_t hr = wt_char(p, "aa0b");
  wt_subscribe(l, hr, 1);
  WAIT_UNTIL(wt_values(&ev) >= n + 10);
  blec__mutex_lock(&ev.m);
  ASSERT_EQ_INT(ev.last_len, 2);
  ASSERT_EQ_INT(ev.last[0], 0x06);
  ASSERT(ev.last[1] >= 55 && ev.last[1] <= 110);
  blec__mutex_unlock(&ev.m);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_indications_are_flagged) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  uint16_t h = wt_char(p, "aa09");
  int att = 0;
  ASSERT_STATUS(wt_write(l, wt_desc(p, h, "2902"), "\x01\x00", 2, true, &att), BLEC_ERR_ATT);
  ASSERT_EQ_INT(att, BLEC_ATT_VALUE_NOT_ALLOWED); /* indicate only */
  wt_subscribe(l, h, 2);
  WAIT_UNTIL(wt_values(&ev) >= 3);
  blec__mutex_lock(&ev.m);
  ASSERT_EQ_INT(ev.indications, ev.values);
  blec__mutex_unlock(&ev.m);
  /* Both bits on a notify+indicate characteristic: notifications. */
  uint16_t both = wt_char(p, "aa04");
  wt_subscribe(l, h, 0);
  int before = wt_values(&ev);
  wt_subscribe(l, both, 3);
  WAIT_UNTIL(wt_values(&ev) >= before + 3);
  blec__mutex_lock(&ev.m);
  ASSERT(ev.indications <= before + 1);
  blec__mutex_unlock(&ev.m);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_echo_turns_writes_into_notifications) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  uint16_t rx = wt_char(p, "aa07"), tx = wt_char(p, "aa08");
  ASSERT_OK(wt_write(l, rx, "unheard", 7, true, NULL));
  wt_pass(w, 1000);
  ASSERT_EQ_INT(wt_values(&ev), 0); /* not subscribed */
  wt_subscribe(l, tx, 1);
  ASSERT_OK(wt_write(l, rx, "ping", 4, true, NULL));
  WAIT_UNTIL(wt_values(&ev) == 1);
  blec__mutex_lock(&ev.m);
  ASSERT_EQ_INT(ev.handle[0], tx);
  ASSERT_EQ_INT(ev.last_len, 4);
  ASSERT_MEM_EQ(ev.last, "ping", 4);
  blec__mutex_unlock(&ev.m);
  uint8_t big[200];
  for (int i = 0; i < 200; i++) big[i] = (uint8_t)i;
  ASSERT_OK(wt_write(l, rx, big, sizeof big, false, NULL));
  WAIT_UNTIL(wt_values(&ev) == 2);
  blec__mutex_lock(&ev.m);
  ASSERT_EQ_INT(ev.last_len, 200);
  ASSERT_MEM_EQ(ev.last, big, 200);
  blec__mutex_unlock(&ev.m);
  /* The world can push values too. */
  ASSERT_OK(blec_world_set_value(p, tx, (const uint8_t *)"pushed", 6, true));
  WAIT_UNTIL(wt_values(&ev) == 3);
  blec__mutex_lock(&ev.m);
  ASSERT_MEM_EQ(ev.last, "pushed", 6);
  blec__mutex_unlock(&ev.m);
  ASSERT_OK(blec_world_set_value(p, tx, (const uint8_t *)"quiet", 5, false));
  wt_pass(w, 1000);
  ASSERT_EQ_INT(wt_values(&ev), 3);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_mtu_exchange_takes_the_smaller) {
  blec_world *w = lab_world();
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  ASSERT_OK(wt_mtu(l, 517, NULL));
  ASSERT_EQ_INT(blec__wlink_mtu(l), 185);
  blec__mutex_lock(&ev.m);
  ASSERT_EQ_INT(ev.mtu_calls, 1);
  ASSERT_EQ_INT(ev.mtu, 185);
  blec__mutex_unlock(&ev.m);
  int att = 0;
  ASSERT_STATUS(wt_mtu(l, 100, &att), BLEC_ERR_ATT); /* once per connection */
  ASSERT_EQ_INT(att, BLEC_ATT_REQUEST_NOT_SUPPORTED);
  ASSERT_EQ_INT(blec__wlink_mtu(l), 185);
  ASSERT(blec__wlink_exchange_mtu(l, 10, wt_done_cb, NULL) < 0);
  wt_close(l);
  l = wt_connect(w, LAB, &ev);
  ASSERT_EQ_INT(blec__wlink_mtu(l), 23);
  ASSERT_OK(wt_mtu(l, 100, NULL));
  ASSERT_EQ_INT(blec__wlink_mtu(l), 100);
  wt_close(l);
  l = wt_connect(w, LAB, &ev);
  ASSERT_OK(wt_mtu(l, 23, NULL)); /* unchanged: no event */
  wt_close(l);
  blec__mutex_lock(&ev.m);
  ASSERT_EQ_INT(ev.mtu_calls, 2);
  blec__mutex_unlock(&ev.m);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_security_needs_pairing_and_bonds_persist) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  uint16_t enc = wt_char(p, "aa05"), auth = wt_char(p, "aa06");
  read_fails(l, enc, BLEC_ATT_INSUFFICIENT_ENCRYPTION);
  read_fails(l, auth, BLEC_ATT_INSUFFICIENT_AUTHENTICATION);
  ASSERT(!blec__world_is_paired(w, LAB));
  ASSERT_STATUS(wt_pair(l, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION), BLEC_ERR_PAIRING);
  ASSERT(!blec__world_is_paired(w, LAB));
  ASSERT_OK(wt_pair(l, BLEC_PROTECTION_DEFAULT));
  ASSERT(blec__world_is_paired(w, "00:00:00:00:00:01"));
  read_is(l, enc, "enc");
  read_fails(l, auth, BLEC_ATT_INSUFFICIENT_AUTHENTICATION);
  wt_close(l);
  /* The bond outlives the link. */
  l = wt_connect(w, LAB, &ev);
  read_is(l, enc, "enc");
  /* Unpairing ends the link: the unpair completes, then the disconnection. */
  ASSERT_OK(wt_unpair(l));
  WAIT_UNTIL(wt_disconnects(&ev) == 1);
  ASSERT_EQ_INT(ev.reason, BLEC_DISCONNECT_UNPAIRED);
  ASSERT(!blec__wlink_connected(l));
  ASSERT(!blec__world_is_paired(w, LAB));
  ASSERT(blec__wlink_read(l, enc, wt_read_cb, NULL) < 0);
  wt_close(l); /* already down: completes at once */
  l = wt_connect(w, LAB, &ev);
  read_fails(l, enc, BLEC_ATT_INSUFFICIENT_ENCRYPTION);
  ASSERT_OK(wt_unpair(l)); /* no bond: nothing happens */
  ASSERT(blec__wlink_connected(l));
  ASSERT_OK(wt_pair(l, BLEC_PROTECTION_ENCRYPTION));
  /* Unpairing from the OS side, without the link. */
  ASSERT_OK(blec__world_unpair(w, LAB));
  WAIT_UNTIL(wt_disconnects(&ev) == 2);
  ASSERT_EQ_INT(ev.reason, BLEC_DISCONNECT_UNPAIRED);
  ASSERT_STATUS(blec__world_unpair(w, "00:00:00:00:00:99"), BLEC_ERR_NOT_FOUND);
  blec__wlink_release(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_connect_rules) {
  blec_world *w = lab_world();
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = NULL;
  ASSERT_STATUS(wt_connect_status(w, "00:00:00:00:00:99", &ev, &l), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_STATUS(wt_connect_status(w, "00:00:00:00:00:02", &ev, &l), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_STATUS(wt_connect_status(w, "00:00:00:00:00:04", &ev, &l), BLEC_ERR_DEVICE_NOT_FOUND);
  /* Connected elsewhere: not advertising, yet reachable by address. */
  l = wt_connect(w, "00:00:00:00:00:03", &ev);
  read_is(l, wt_char(blec__wlink_peripheral(l), "ff01"), "elsewhere");
  wt_close(l);
  /* One central link at a time. */
  l = wt_connect(w, LAB, &ev);
  blec__wlink *l2 = NULL;
  ASSERT_STATUS(wt_connect_status(w, "00:00:00:00:00:01", &ev, &l2), BLEC_ERR_BUSY);
  wt_close(l);
  /* The address type must match when given. */
  wt_done d;
  wt_done_init(&d);
  blec__wlink_events t = wt_events_table();
  ASSERT(blec__world_connect(w, LAB, BLEC_ADDRESS_RANDOM, &t, &ev, wt_connect_cb, &d) > 0);
  ASSERT_STATUS(wt_wait(&d, WT_WAIT_MS), BLEC_ERR_DEVICE_NOT_FOUND);
  wt_done_destroy(&d);
  wt_done_init(&d);
  ASSERT(blec__world_connect(w, "00:00:00:00:00:03", BLEC_ADDRESS_PUBLIC, &t, &ev, wt_connect_cb, &d) > 0);
  ASSERT_OK(wt_wait(&d, WT_WAIT_MS));
  wt_close(d.link);
  wt_done_destroy(&d);
  /* Bad arguments never start anything. */
  ASSERT_STATUS(blec__world_connect(w, "nonsense", BLEC_ADDRESS_PUBLIC, &t, &ev, wt_connect_cb, &d),
                BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec__world_connect(w, LAB, BLEC_ADDRESS_PUBLIC, &t, &ev, NULL, &d), BLEC_ERR_INVALID_ARG);
  /* Radio off: connects fail as unavailable. */
  ASSERT_OK(blec_world_set_radio(w, false));
  ASSERT_STATUS(wt_connect_status(w, LAB, &ev, &l), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(wt_disconnects(&ev), 0);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_discovery_lists_the_database) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_discover(l, wt_discover_cb, &d) > 0);
  ASSERT_OK(wt_wait(&d, WT_WAIT_MS));
  blec__wattr *a = NULL;
  size_t n = 0;
  ASSERT_OK(blec__world_peripheral_attributes(p, &a, &n));
  ASSERT_EQ_INT(d.nattrs, n);
  ASSERT_MEM_EQ(d.attrs, a, n * sizeof *a);
  /* GAP, then AA00 holding everything to the last handle. */
  ASSERT_EQ_INT(a[0].kind, BLEC__WATTR_SERVICE);
  ASSERT_EQ_INT(a[2].kind, BLEC__WATTR_SERVICE);
  ASSERT_EQ_INT(a[2].handle, 4);
  ASSERT_EQ_INT(a[2].end_handle, a[n - 1].handle);
  uint16_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    ASSERT(a[i].handle > prev);
    prev = a[i].handle;
  }
  free(a);
  wt_done_destroy(&d);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

/* Completion order of pipelined requests. */
typedef struct order_rec {
  blec__mutex m;
  int n;
  int order[32];
} order_rec;
typedef struct order_slot {
  order_rec *rec;
  int index;
  int status;
} order_slot;

static void order_done(void *user, int status, int att) {
  (void)att;
  order_slot *s = user;
  blec__mutex_lock(&s->rec->m);
  s->status = status;
  s->rec->order[s->rec->n++] = s->index;
  blec__mutex_unlock(&s->rec->m);
}

static void order_read(void *user, int status, int att, const uint8_t *d, size_t n) {
  (void)d;
  (void)n;
  order_done(user, status, att);
}

static int order_count(order_rec *r) {
  blec__mutex_lock(&r->m);
  int n = r->n;
  blec__mutex_unlock(&r->m);
  return n;
}

BLEC_TEST_IMPL(link_requests_complete_in_order) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 30));
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  order_rec rec;
  memset(&rec, 0, sizeof rec);
  ASSERT_OK(blec__mutex_init(&rec.m));
  order_slot s[12];
  uint16_t rw = wt_char(p, "aa01");
  uint64_t t0 = blec__world_now_us(w);
  for (int i = 0; i < 12; i++) {
    s[i].rec = &rec;
    s[i].index = i;
    int64_t id = i % 3 == 0 ? blec__wlink_read(l, rw, order_read, &s[i])
                 : i % 3 == 1
                     ? blec__wlink_write(l, rw, (const uint8_t *)"x", 1, i % 2 == 0, order_done, &s[i])
                     : blec__wlink_exchange_mtu(l, 50, order_done, &s[i]);
    ASSERT(id > 0);
  }
  WAIT_UNTIL(order_count(&rec) == 12);
  for (int i = 0; i < 12; i++) ASSERT_EQ_INT(rec.order[i], i);
  /* One at a time, each after the response delay (writes without response at once). */
  ASSERT(blec__world_now_us(w) - t0 >= 10 * 30000);
  blec__mutex_destroy(&rec.m);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_disconnect_fails_pending_requests_first) {
  blec_world *w = lab_world();
  blec_world_peripheral *p = wt_periph(w, LAB);
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 1000000));
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, LAB, &ev);
  order_rec rec;
  memset(&rec, 0, sizeof rec);
  ASSERT_OK(blec__mutex_init(&rec.m));
  order_slot s[3] = {{&rec, 0, 99}, {&rec, 1, 99}, {&rec, 2, 99}};
  ASSERT(blec__wlink_read(l, 3, order_read, &s[0]) > 0);
  ASSERT(blec__wlink_write(l, 3, (const uint8_t *)"x", 1, true, order_done, &s[1]) > 0);
  ASSERT(blec__wlink_disconnect(l, order_done, &s[2]) > 0);
  ASSERT(!blec__wlink_connected(l)); /* down at once */
  ASSERT_STATUS(blec__wlink_read(l, 3, order_read, &s[0]), BLEC_ERR_NOT_CONNECTED);
  WAIT_UNTIL(order_count(&rec) == 3);
  ASSERT_EQ_INT(rec.order[0], 0);
  ASSERT_EQ_INT(rec.order[1], 1);
  ASSERT_EQ_INT(rec.order[2], 2);
  ASSERT_EQ_INT(s[0].status, BLEC_ERR_DISCONNECTED);
  ASSERT_EQ_INT(s[1].status, BLEC_ERR_DISCONNECTED);
  ASSERT_EQ_INT(s[2].status, BLEC_OK);
  ASSERT(!blec_world_peripheral_connected(p));
  wt_pass(w, 1000);
  ASSERT_EQ_INT(wt_disconnects(&ev), 0);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), 0); /* never answered */
  blec__wlink_release(l);
  blec__mutex_destroy(&rec.m);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(link_bonded_peripherals_start_encrypted) {
  blec_world *w = wt_world(
      "blec-world 1\n"
      "peripheral 00:00:00:00:00:01\n"
      "  bonded encryption\n"
      "  service ff00\n"
      "    characteristic ff01 read text:\"enc\"\n"
      "      security encryption\n"
      "    characteristic ff02 read text:\"auth\"\n"
      "      security authentication\n");
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  ASSERT(blec__world_is_paired(w, "00:00:00:00:00:01"));
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, "00:00:00:00:00:01", &ev);
  read_is(l, 3, "enc");
  read_fails(l, 5, BLEC_ATT_INSUFFICIENT_AUTHENTICATION);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}
