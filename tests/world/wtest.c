/* SPDX-License-Identifier: MIT */
/* wtest.c — helpers of the world engine's tests (see wtest.h). */
#include "wtest.h"

#include <stdlib.h>
#include <string.h>

blec_world *wt_world(const char *text) {
  blec_world *w = NULL;
  blec_error err;
  blec_error_clear(&err);
  int st = blec_world_load_string(text, "test", &w, &err);
  if (st != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "world does not parse: %s", err.message);
  return w;
}

blec_world_peripheral *wt_periph(blec_world *w, const char *address) {
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(w, address, &p));
  return p;
}

blec_uuid wt_uuid(const char *text) {
  blec_uuid u;
  ASSERT_OK(blec_uuid_parse(text, &u));
  return u;
}

uint16_t wt_char(blec_world_peripheral *p, const char *uuid) {
  blec_uuid u = wt_uuid(uuid);
  blec__wattr *a = NULL;
  size_t n = 0;
  ASSERT_OK(blec__world_peripheral_attributes(p, &a, &n));
  uint16_t h = 0;
  int found = 0;
  for (size_t i = 0; i < n; i++)
    if (a[i].kind == BLEC__WATTR_CHARACTERISTIC && blec_uuid_equal(&a[i].uuid, &u)) {
      h = a[i].handle;
      found++;
    }
  free(a);
  ASSERT_EQ_INT(found, 1);
  return h;
}

uint16_t wt_desc(blec_world_peripheral *p, uint16_t vh, const char *uuid) {
  blec_uuid u = wt_uuid(uuid);
  blec__wattr *a = NULL;
  size_t n = 0;
  ASSERT_OK(blec__world_peripheral_attributes(p, &a, &n));
  uint16_t h = 0;
  bool in = false;
  for (size_t i = 0; i < n && !h; i++) {
    if (a[i].kind != BLEC__WATTR_DESCRIPTOR)
      in = a[i].handle == vh;
    else if (in && blec_uuid_equal(&a[i].uuid, &u))
      h = a[i].handle;
  }
  free(a);
  return h;
}

uint64_t wt_now_ms(void) { return blec__now_us() / 1000u; }

void wt_pass(blec_world *w, int world_ms) {
  ASSERT_OK(blec__world_wait_passed(w, world_ms, blec_test_ms(WT_WAIT_MS)));
}

/* ---- completions --------------------------------------------------------------------------- */

void wt_done_init(wt_done *d) {
  memset(d, 0, sizeof *d);
  ASSERT_OK(blec__mutex_init(&d->m));
  ASSERT_OK(blec__cond_init(&d->c));
}

void wt_done_destroy(wt_done *d) {
  blec__cond_destroy(&d->c);
  blec__mutex_destroy(&d->m);
}

static void finish(wt_done *d) {
  d->calls++;
  d->thread = blec__thread_self();
  blec__cond_broadcast(&d->c);
  blec__mutex_unlock(&d->m);
}

void wt_done_cb(void *user, int status, int att) {
  wt_done *d = user;
  blec__mutex_lock(&d->m);
  d->status = status;
  d->att = att;
  finish(d);
}

void wt_read_cb(void *user, int status, int att, const uint8_t *data, size_t len) {
  wt_done *d = user;
  blec__mutex_lock(&d->m);
  d->status = status;
  d->att = att;
  d->len = len < sizeof d->data ? len : sizeof d->data;
  if (data && d->len) memcpy(d->data, data, d->len);
  if (status != BLEC_OK && (data || len)) d->status = 12345; /* failures carry no data */
  finish(d);
}

void wt_connect_cb(void *user, int status, blec__wlink *link) {
  wt_done *d = user;
  blec__mutex_lock(&d->m);
  d->status = status;
  d->link = link;
  if ((status == BLEC_OK) != (link != NULL)) d->status = 12345;
  finish(d);
}

void wt_discover_cb(void *user, int status, int att, const blec__wattr *attrs, size_t count) {
  wt_done *d = user;
  blec__mutex_lock(&d->m);
  d->status = status;
  d->att = att;
  d->nattrs = count < 128 ? count : 128;
  if (attrs) memcpy(d->attrs, attrs, d->nattrs * sizeof *attrs);
  finish(d);
}

int wt_wait(wt_done *d, int ms) {
  uint64_t end = wt_now_ms() + (uint64_t)blec_test_ms(ms);
  blec__mutex_lock(&d->m);
  while (d->calls == 0) {
    uint64_t now = wt_now_ms();
    if (now >= end) {
      blec__mutex_unlock(&d->m);
      blec_test_fail_(__FILE__, __LINE__, "no completion within %d ms", ms);
    }
    blec__cond_timedwait(&d->c, &d->m, (int64_t)(end - now));
  }
  int st = d->status;
  blec__mutex_unlock(&d->m);
  return st;
}

int wt_calls(wt_done *d) {
  blec__mutex_lock(&d->m);
  int n = d->calls;
  blec__mutex_unlock(&d->m);
  return n;
}

/* ---- link events ----------------------------------------------------------------------------- */

void wt_events_init(wt_events *e) {
  memset(e, 0, sizeof *e);
  ASSERT_OK(blec__mutex_init(&e->m));
}

void wt_events_destroy(wt_events *e) { blec__mutex_destroy(&e->m); }

static void ev_value(void *user, uint16_t handle, const uint8_t *data, size_t len, bool indication) {
  wt_events *e = user;
  blec__mutex_lock(&e->m);
  if (e->values < WT_VALUES) {
    e->handle[e->values] = handle;
    e->first[e->values] = len ? data[0] : 0;
  }
  e->values++;
  if (indication) e->indications++;
  e->last_len = len < sizeof e->last ? len : sizeof e->last;
  if (len) memcpy(e->last, data, e->last_len);
  blec__mutex_unlock(&e->m);
}

static void ev_mtu(void *user, int mtu) {
  wt_events *e = user;
  blec__mutex_lock(&e->m);
  e->mtu = mtu;
  e->mtu_calls++;
  blec__mutex_unlock(&e->m);
}

static void ev_disconnected(void *user, int reason) {
  wt_events *e = user;
  blec__mutex_lock(&e->m);
  e->disconnected++;
  e->reason = reason;
  e->disconnected_order = ++e->order;
  blec__mutex_unlock(&e->m);
}

blec__wlink_events wt_events_table(void) {
  blec__wlink_events t = {ev_value, ev_mtu, ev_disconnected};
  return t;
}

int wt_values(wt_events *e) {
  blec__mutex_lock(&e->m);
  int n = e->values;
  blec__mutex_unlock(&e->m);
  return n;
}

int wt_disconnects(wt_events *e) {
  blec__mutex_lock(&e->m);
  int n = e->disconnected;
  blec__mutex_unlock(&e->m);
  return n;
}

/* ---- blocking wrappers --------------------------------------------------------------------------- */

int wt_connect_status(blec_world *w, const char *address, wt_events *ev, blec__wlink **out) {
  wt_done d;
  wt_done_init(&d);
  blec__wlink_events t = wt_events_table();
  int64_t id = blec__world_connect(w, address, BLEC_ADDRESS_UNSPECIFIED, &t, ev, wt_connect_cb, &d);
  ASSERT(id > 0);
  int st = wt_wait(&d, WT_WAIT_MS);
  if (out) *out = d.link;
  wt_done_destroy(&d);
  return st;
}

blec__wlink *wt_connect(blec_world *w, const char *address, wt_events *ev) {
  blec__wlink *l = NULL;
  ASSERT_OK(wt_connect_status(w, address, ev, &l));
  ASSERT(l != NULL);
  ASSERT(blec__wlink_connected(l));
  return l;
}

int wt_read(blec__wlink *l, uint16_t handle, uint8_t *buf, size_t *len, int *att) {
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_read(l, handle, wt_read_cb, &d) > 0);
  int st = wt_wait(&d, WT_WAIT_MS);
  if (buf && len) {
    memcpy(buf, d.data, d.len);
    *len = d.len;
  }
  if (att) *att = d.att;
  wt_done_destroy(&d);
  return st;
}

int wt_write(blec__wlink *l, uint16_t handle, const void *data, size_t len, bool with_response, int *att) {
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_write(l, handle, data, len, with_response, wt_done_cb, &d) > 0);
  int st = wt_wait(&d, WT_WAIT_MS);
  if (att) *att = d.att;
  wt_done_destroy(&d);
  return st;
}

int wt_pair(blec__wlink *l, blec_protection_level level) {
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_pair(l, level, wt_done_cb, &d) > 0);
  int st = wt_wait(&d, WT_WAIT_MS);
  wt_done_destroy(&d);
  return st;
}

int wt_unpair(blec__wlink *l) {
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_unpair(l, wt_done_cb, &d) > 0);
  int st = wt_wait(&d, WT_WAIT_MS);
  wt_done_destroy(&d);
  return st;
}

int wt_mtu(blec__wlink *l, int mtu, int *att) {
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_exchange_mtu(l, mtu, wt_done_cb, &d) > 0);
  int st = wt_wait(&d, WT_WAIT_MS);
  if (att) *att = d.att;
  wt_done_destroy(&d);
  return st;
}

void wt_subscribe(blec__wlink *l, uint16_t vh, uint16_t bits) {
  uint16_t cccd = wt_desc(blec__wlink_peripheral(l), vh, "2902");
  ASSERT(cccd != 0);
  uint8_t v[2] = {(uint8_t)bits, (uint8_t)(bits >> 8)};
  ASSERT_OK(wt_write(l, cccd, v, 2, true, NULL));
}

void wt_close(blec__wlink *l) {
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_disconnect(l, wt_done_cb, &d) > 0);
  ASSERT_OK(wt_wait(&d, WT_WAIT_MS));
  wt_done_destroy(&d);
  blec__wlink_release(l);
}

/* ---- scans -------------------------------------------------------------------------------------------- */

void wt_scan_init(wt_scan *s) {
  memset(s, 0, sizeof *s);
  ASSERT_OK(blec__mutex_init(&s->m));
  s->r = calloc(WT_REPORTS, sizeof *s->r);
  ASSERT(s->r != NULL);
}

void wt_scan_destroy(wt_scan *s) {
  free(s->r);
  blec__mutex_destroy(&s->m);
}

static void scan_report(void *user, const blec__wadv_report *r) {
  wt_scan *s = user;
  blec__mutex_lock(&s->m);
  if (s->self_stopped) s->after_stop++;
  s->in_callback++;
  if (s->n < WT_REPORTS) {
    wt_report *o = &s->r[s->n];
    strncpy(o->address, r->address, sizeof o->address - 1);
    o->rssi = r->rssi;
    o->type = (int)r->type;
    o->tx_power = r->tx_power;
    o->connectable = r->connectable;
    o->scannable = r->scannable;
    o->ts = r->timestamp_us;
    o->len = r->len < sizeof o->data ? r->len : sizeof o->data;
    if (r->len) memcpy(o->data, r->data, o->len);
  }
  s->n++;
  blec__wscan *stop = s->stop_me;
  s->stop_me = NULL;
  int sleep_ms = s->sleep_ms;
  blec__mutex_unlock(&s->m);
  if (sleep_ms) blec__sleep_ms(sleep_ms);
  if (stop) {
    blec__world_scan_stop(stop); /* from inside its own callback */
    blec__mutex_lock(&s->m);
    s->self_stopped = true;
    blec__mutex_unlock(&s->m);
  }
  blec__mutex_lock(&s->m);
  s->in_callback--;
  blec__mutex_unlock(&s->m);
}

static void scan_stopped(void *user, int status, int reason) {
  wt_scan *s = user;
  blec__mutex_lock(&s->m);
  s->stopped++;
  s->stop_status = status;
  s->stop_reason = reason;
  blec__mutex_unlock(&s->m);
}

blec__wscan_events wt_scan_table(void) {
  blec__wscan_events t = {scan_report, scan_stopped};
  return t;
}

int wt_scan_count(wt_scan *s) {
  blec__mutex_lock(&s->m);
  int n = s->n;
  blec__mutex_unlock(&s->m);
  return n;
}

int wt_scan_count_of(wt_scan *s, const char *address, int type) {
  blec__mutex_lock(&s->m);
  int n = 0, lim = s->n < WT_REPORTS ? s->n : WT_REPORTS;
  for (int i = 0; i < lim; i++)
    if (!strcmp(s->r[i].address, address) && (type < 0 || s->r[i].type == type)) n++;
  blec__mutex_unlock(&s->m);
  return n;
}
