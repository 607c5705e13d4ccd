/* SPDX-License-Identifier: MIT */
/*
 * test-cancel.c — cancellation, and releasing links and scans from inside their own
 * callbacks and from other threads (run under ASan to catch any use after free).
 */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"
#include "wtest.h"

static const char slow[] =
    "blec-world 1\n"
    "peripheral 00:00:00:00:00:01\n"
    "  name \"Slow\"\n"
    "  response-delay 1000s\n"
    "  service ff00\n"
    "    characteristic ff01 read,write text:\"v\"\n"
    "peripheral 00:00:00:00:00:02\n"
    "  connect-delay 1000s\n"
    "peripheral 00:00:00:00:00:03\n"
    "  service ff00\n"
    "    characteristic ff01 read,write,notify u8:0\n"
    "      stream 0ms counter\n"
    "    characteristic ff02 notify u8:0\n"
    "      stream 10ms counter\n";

static blec_world *world(void) {
  blec_world *w = wt_world(slow);
  ASSERT_OK(blec_world_set_time_scale(w, WT_FAST));
  return w;
}

BLEC_TEST_IMPL(cancel_completes_a_pending_request_at_once) {
  blec_world *w = world();
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, "00:00:00:00:00:01", &ev);
  wt_done a, b;
  wt_done_init(&a);
  wt_done_init(&b);
  int64_t ia = blec__wlink_write(l, 6, (const uint8_t *)"zz", 2, true, wt_done_cb, &a);
  int64_t ib = blec__wlink_read(l, 6, wt_read_cb, &b);
  ASSERT(ia > 0 && ib > ia);
  ASSERT(blec__world_cancel(w, ib));  /* behind the head */
  ASSERT(!blec__world_cancel(w, ib)); /* once */
  ASSERT_STATUS(wt_wait(&b, 1000), BLEC_ERR_CANCELLED);
  ASSERT(blec__world_cancel(w, ia)); /* the head itself */
  ASSERT_STATUS(wt_wait(&a, 1000), BLEC_ERR_CANCELLED);
  ASSERT_EQ_INT(wt_calls(&a), 1);
  ASSERT_EQ_INT(wt_calls(&b), 1);
  ASSERT(!blec__world_cancel(w, 123456));
  ASSERT(!blec__world_cancel(w, -1));
  /* The cancelled write had no effect. */
  uint8_t *v = NULL;
  size_t n = 0;
  ASSERT_OK(blec_world_get_value(blec__wlink_peripheral(l), 6, &v, &n));
  ASSERT_EQ_INT(n, 1);
  ASSERT_EQ_INT(v[0], 'v');
  blec_free(v);
  ASSERT(blec__wlink_connected(l));
  wt_done_destroy(&a);
  wt_done_destroy(&b);
  wt_close(l);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(cancel_a_connect) {
  blec_world *w = world();
  wt_events ev;
  wt_events_init(&ev);
  wt_done d;
  wt_done_init(&d);
  blec__wlink_events t = wt_events_table();
  int64_t id =
      blec__world_connect(w, "00:00:00:00:00:02", BLEC_ADDRESS_UNSPECIFIED, &t, &ev, wt_connect_cb, &d);
  ASSERT(id > 0);
  wt_pass(w, 500); /* half a world second of the 1000 s connect delay */
  ASSERT_EQ_INT(wt_calls(&d), 0);
  ASSERT(blec__world_cancel(w, id));
  ASSERT_STATUS(wt_wait(&d, 1000), BLEC_ERR_CANCELLED);
  ASSERT(d.link == NULL);
  ASSERT(!blec_world_peripheral_connected(wt_periph(w, "00:00:00:00:00:02")));
  ASSERT(!blec__world_cancel(w, id));
  wt_done_destroy(&d);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

/* ---- release from inside callbacks ------------------------------------------------------------ */

typedef struct releaser {
  blec__mutex m;
  blec__wlink *link;
  int values;
  int after; /* callbacks after the release */
  bool released;
  bool release_in_value;
  int sleep_ms;
  bool in_cb;
} releaser;

static void r_value(void *user, uint16_t h, const uint8_t *d, size_t n, bool ind) {
  (void)h;
  (void)d;
  (void)n;
  (void)ind;
  releaser *r = user;
  blec__mutex_lock(&r->m);
  if (r->released) r->after++;
  r->values++;
  r->in_cb = true;
  bool release = r->release_in_value && r->values == 3;
  int sleep_ms = r->sleep_ms;
  blec__mutex_unlock(&r->m);
  if (sleep_ms) blec__sleep_ms(sleep_ms);
  if (release) {
    blec__wlink_release(r->link);
    blec__mutex_lock(&r->m);
    r->released = true;
    blec__mutex_unlock(&r->m);
  }
  blec__mutex_lock(&r->m);
  r->in_cb = false;
  blec__mutex_unlock(&r->m);
}

static void r_mtu(void *user, int mtu) {
  (void)user;
  (void)mtu;
}

static void r_disconnected(void *user, int reason) {
  (void)reason;
  releaser *r = user;
  blec__wlink_release(r->link); /* a stack frees its link when told it is gone */
  blec__mutex_lock(&r->m);
  r->released = true;
  blec__mutex_unlock(&r->m);
}

static blec__wlink *connect_releaser(blec_world *w, const char *addr, releaser *r) {
  memset(r, 0, sizeof *r);
  ASSERT_OK(blec__mutex_init(&r->m));
  blec__wlink_events t = {r_value, r_mtu, r_disconnected};
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__world_connect(w, addr, BLEC_ADDRESS_UNSPECIFIED, &t, r, wt_connect_cb, &d) > 0);
  ASSERT_OK(wt_wait(&d, WT_WAIT_MS));
  r->link = d.link;
  wt_done_destroy(&d);
  return r->link;
}

static bool in_callback(releaser *r) {
  blec__mutex_lock(&r->m);
  bool v = r->values > 0 && r->in_cb;
  blec__mutex_unlock(&r->m);
  return v;
}

static bool rel_done(releaser *r) {
  blec__mutex_lock(&r->m);
  bool v = r->released;
  blec__mutex_unlock(&r->m);
  return v;
}

BLEC_TEST_IMPL(release_inside_a_notification_callback) {
  blec_world *w = world();
  releaser r;
  blec__wlink *l = connect_releaser(w, "00:00:00:00:00:03", &r);
  r.release_in_value = true;
  wt_subscribe(l, 3, 1); /* the 0 ms stream: values back to back */
  WAIT_UNTIL(rel_done(&r));
  wt_pass(w, 2000);
  blec__mutex_lock(&r.m);
  ASSERT_EQ_INT(r.after, 0);
  ASSERT_EQ_INT(r.values, 3);
  blec__mutex_unlock(&r.m);
  ASSERT(!blec_world_peripheral_connected(wt_periph(w, "00:00:00:00:00:03")));
  /* The peripheral is free for a new link. */
  wt_events ev;
  wt_events_init(&ev);
  l = wt_connect(w, "00:00:00:00:00:03", &ev);
  wt_close(l);
  wt_events_destroy(&ev);
  blec__mutex_destroy(&r.m);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(release_inside_the_disconnected_callback) {
  blec_world *w = world();
  releaser r;
  blec__wlink *l = connect_releaser(w, "00:00:00:00:00:01", &r);
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_read(l, 3, wt_read_cb, &d) > 0);
  ASSERT_OK(blec_world_peripheral_disconnect(wt_periph(w, "00:00:00:00:00:01")));
  ASSERT_STATUS(wt_wait(&d, WT_WAIT_MS), BLEC_ERR_DISCONNECTED);
  WAIT_UNTIL(rel_done(&r));
  wt_done_destroy(&d);
  blec__mutex_destroy(&r.m);
  blec_world_unref(w);
}

/* Releases its link from the completion of the disconnect (the common stack pattern). */
static void release_on_done(void *user, int status, int att) {
  (void)att;
  releaser *r = user;
  ASSERT_EQ_INT(status, BLEC_OK);
  blec__wlink_release(r->link);
  blec__mutex_lock(&r->m);
  r->released = true;
  blec__mutex_unlock(&r->m);
}

BLEC_TEST_IMPL(release_inside_a_completion_with_requests_pending) {
  blec_world *w = world();
  releaser r, r2;
  blec__wlink *l = connect_releaser(w, "00:00:00:00:00:01", &r);
  /* Released inside the completion of the disconnect. */
  ASSERT(blec__wlink_disconnect(l, release_on_done, &r) > 0);
  WAIT_UNTIL(rel_done(&r));
  /* Released inside a completion while other requests wait behind it: they are dropped. */
  ASSERT_OK(blec_world_peripheral_set_delays(wt_periph(w, "00:00:00:00:00:01"), 0, 10000)); /* 100 ms real */
  l = connect_releaser(w, "00:00:00:00:00:01", &r2);
  ASSERT(blec__wlink_write(l, 6, (const uint8_t *)"a", 1, true, release_on_done, &r2) > 0);
  wt_done later;
  wt_done_init(&later);
  ASSERT(blec__wlink_read(l, 3, wt_read_cb, &later) > 0);
  WAIT_UNTIL(rel_done(&r2));
  wt_pass(w, 11000); /* past the read's 10 s response delay */
  ASSERT_EQ_INT(wt_calls(&later), 0); /* dropped with the link */
  wt_done_destroy(&later);
  blec__mutex_destroy(&r.m);
  blec__mutex_destroy(&r2.m);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(release_from_another_thread_waits_for_the_callback) {
  blec_world *w = world();
  releaser r;
  blec__wlink *l = connect_releaser(w, "00:00:00:00:00:03", &r);
  r.sleep_ms = 20;
  wt_subscribe(l, 6, 1);
  WAIT_UNTIL(in_callback(&r));
  blec__wlink_release(l); /* waits for the sleeping callback */
  blec__mutex_lock(&r.m);
  bool in = r.in_cb;
  int n = r.values;
  blec__mutex_unlock(&r.m);
  ASSERT(!in);
  wt_pass(w, 5000);
  blec__mutex_lock(&r.m);
  ASSERT_EQ_INT(r.values, n);
  blec__mutex_unlock(&r.m);
  blec__mutex_destroy(&r.m);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(release_a_live_link_silently) {
  blec_world *w = world();
  wt_events ev;
  wt_events_init(&ev);
  blec__wlink *l = wt_connect(w, "00:00:00:00:00:01", &ev);
  wt_done d;
  wt_done_init(&d);
  ASSERT(blec__wlink_read(l, 3, wt_read_cb, &d) > 0);
  blec__wlink_release(l);
  wt_pass(w, 1000);
  ASSERT_EQ_INT(wt_calls(&d), 0); /* dropped with the link */
  ASSERT_EQ_INT(wt_disconnects(&ev), 0);
  ASSERT(!blec_world_peripheral_connected(wt_periph(w, "00:00:00:00:00:01")));
  wt_done_destroy(&d);
  wt_events_destroy(&ev);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(unref_with_links_and_scans_open_frees_everything) {
  /* A stack that forgets to release: the world still frees everything (ASan checks). */
  blec_world *w = world();
  wt_events ev;
  wt_events_init(&ev);
  wt_connect(w, "00:00:00:00:00:03", &ev);
  wt_scan rec;
  wt_scan_init(&rec);
  blec__wscan_events t = wt_scan_table();
  blec__wscan *s = NULL;
  ASSERT_OK(blec__world_scan_start(w, true, &t, &rec, &s));
  wt_done d;
  wt_done_init(&d);
  blec__wlink_events lt = wt_events_table();
  ASSERT(blec__world_connect(w, "00:00:00:00:00:02", BLEC_ADDRESS_UNSPECIFIED, &lt, &ev, wt_connect_cb, &d) >
         0);
  wt_pass(w, 500); /* the scan runs and the connect waits (1000 s delay) */
  blec_world_unref(w);
  ASSERT_EQ_INT(wt_calls(&d), 0);
  wt_done_destroy(&d);
  wt_scan_destroy(&rec);
  wt_events_destroy(&ev);
}

BLEC_TEST_IMPL(world_references_and_engine_lifetime) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new(&w));
  ASSERT(blec_world_ref(w) == w);
  blec_world_unref(w);
  ASSERT(blec_world_ref(NULL) == NULL);
  blec_world_unref(NULL);
  ASSERT_STATUS(blec_world_set_time_scale(w, 0), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_world_set_time_scale(w, -1), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_world_set_time_scale(w, 2.5));
  /* Many start/stop cycles of the engine thread. */
  for (int i = 0; i < 50; i++) {
    blec_world *x = wt_world(slow);
    ASSERT_OK(blec_world_set_time_scale(x, WT_FAST));
    wt_scan rec;
    wt_scan_init(&rec);
    blec__wscan_events t = wt_scan_table();
    blec__wscan *s = NULL;
    ASSERT_OK(blec__world_scan_start(x, i % 2 == 0, &t, &rec, &s));
    if (i % 3 == 0) wt_pass(x, 100); /* the engine runs a little before stopping */
    blec__world_scan_stop(s);
    blec_world_unref(x);
    wt_scan_destroy(&rec);
  }
  blec_world_unref(w);
}

/* The pattern of a stack: it releases its link when told the link is gone, while its own
 * disconnect request may be waiting: that request still completes. */
typedef struct disc_race {
  blec__mutex m;
  blec__cond c;
  blec__wlink *link;
  bool issued;
  int released;
  wt_done done;
} disc_race;

static void race_disconnected(void *user, int reason) {
  (void)reason;
  disc_race *d = user;
  blec__mutex_lock(&d->m);
  while (!d->issued) blec__cond_wait(&d->c, &d->m); /* our disconnect is in */
  blec__mutex_unlock(&d->m);
  blec__wlink_release(d->link);
  blec__mutex_lock(&d->m);
  d->released++;
  blec__mutex_unlock(&d->m);
}

BLEC_TEST_IMPL(release_in_disconnected_still_completes_a_waiting_disconnect) {
  blec_world *w = world();
  disc_race d;
  memset(&d, 0, sizeof d);
  ASSERT_OK(blec__mutex_init(&d.m));
  ASSERT_OK(blec__cond_init(&d.c));
  wt_done_init(&d.done);
  blec__wlink_events t = {NULL, NULL, race_disconnected};
  wt_done c;
  wt_done_init(&c);
  ASSERT(blec__world_connect(w, "00:00:00:00:00:01", BLEC_ADDRESS_UNSPECIFIED, &t, &d, wt_connect_cb, &c) >
         0);
  ASSERT_OK(wt_wait(&c, WT_WAIT_MS));
  d.link = c.link;
  wt_done_destroy(&c);
  /* The peripheral ends the link; our disconnect comes while that is being reported. */
  ASSERT_OK(blec_world_peripheral_disconnect(wt_periph(w, "00:00:00:00:00:01")));
  ASSERT(blec__wlink_disconnect(d.link, wt_done_cb, &d.done) > 0);
  blec__mutex_lock(&d.m);
  d.issued = true;
  blec__cond_broadcast(&d.c);
  blec__mutex_unlock(&d.m);
  ASSERT_OK(wt_wait(&d.done, WT_WAIT_MS));
  WAIT_UNTIL(wt_calls(&d.done) == 1);
  wt_pass(w, 1000);
  ASSERT_EQ_INT(wt_calls(&d.done), 1);
  blec__mutex_lock(&d.m);
  ASSERT_EQ_INT(d.released, 1);
  blec__mutex_unlock(&d.m);
  wt_done_destroy(&d.done);
  blec__cond_destroy(&d.c);
  blec__mutex_destroy(&d.m);
  blec_world_unref(w);
}
