/* SPDX-License-Identifier: MIT */
/* fixture.c — context, waiting and recorders shared by the conformance tests. */
#include "fixture.h"
#include "stack.h"
#include "world/world_stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- context --------------------------------------------------------------------------- */

const char *fx_backend(void) {
  const char *b = getenv("BLEC_TEST_BACKEND");
  return (b && *b) ? b : "virtual";
}

blec_world *fx_world_empty(void) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new(&w));
  ASSERT_OK(blec_world_set_time_scale(w, FX_TIME_SCALE));
  return w;
}

blec_world *fx_world_text(const char *text) {
  blec_world *w = NULL;
  blec_error err;
  blec_error_clear(&err);
  int s = blec_world_load_string(text, "test-world", &w, &err);
  if (s != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__, "world text does not parse: %s (%s)", err.message,
                    blec_status_name(s));
  ASSERT_OK(blec_world_set_time_scale(w, FX_TIME_SCALE));
  return w;
}

void fx_open_log(fx *f, blec_world *world, blec_delivery mode, blec_log_level level, blec_log_cb cb,
                 void *user) {
  memset(f, 0, sizeof *f);
  fx_attach_world(f, world);
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(o, fx_backend()));
  ASSERT_OK(blec_ctx_options_set_delivery(o, mode));
  ASSERT_OK(blec_ctx_options_set_log_level(o, level));
  if (cb) ASSERT_OK(blec_ctx_options_set_log_callback(o, cb, user));
  if (world) ASSERT_OK(blec_ctx_options_set_world(o, world));
  blec_error err;
  blec_error_clear(&err);
  int s = blec_ctx_new(o, &f->ctx, &err);
  blec_ctx_options_free(o);
  if (s != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__, "blec_ctx_new(%s) failed: %s: %s", fx_backend(),
                    blec_status_name(s), err.message);
  ASSERT(f->ctx != NULL);
  f->world = world;
  f->caps = blec_ctx_capabilities(f->ctx);
  f->delivery = mode;
}

void fx_attach_world(fx *f, blec_world *world) {
  /* A backend behind a simulated OS stack meets the test's world through that stack. */
  f->stack = fx_stack_for_backend(fx_backend());
  if (f->stack) f->stack->attach(world);
}

void fx_open_mode(fx *f, blec_world *world, blec_delivery mode) {
  fx_open_log(f, world, mode, BLEC_LOG_WARNING, NULL, NULL);
}

void fx_open(fx *f, blec_world *world) { fx_open_mode(f, world, BLEC_DELIVERY_THREAD); }

void fx_close(fx *f) {
  if (f->ctx) ASSERT_OK(blec_ctx_free(f->ctx));
  f->ctx = NULL;
  if (f->stack) f->stack->detach();
  f->stack = NULL;
  if (f->world) blec_world_unref(f->world);
  f->world = NULL;
}

bool fx_cap(const fx *f, uint32_t cap) { return (f->caps & cap) == cap; }

void fx_note_unsupported(const char *what) {
  printf("# backend %s lacks %s: checked that it answers BLEC_ERR_NOT_SUPPORTED\n", fx_backend(),
         what);
}

void fx_note_skipped(const char *cap, const char *what) {
  printf("# backend %s lacks %s: %s not checked\n", fx_backend(), cap, what);
}

bool fx_expect_not_supported_(int status, const char *cap, const char *call, const char *file, int line) {
  if (status != BLEC_ERR_NOT_SUPPORTED)
    blec_test_fail_(file, line, "backend lacks %s but %s returned %s, wanted BLEC_ERR_NOT_SUPPORTED", cap,
                    call, blec_status_name(status));
  fx_note_unsupported(cap);
  return true;
}

/* ---- time ---------------------------------------------------------------------------------- */

uint64_t fx_now_ms(void) { return blec__now_us() / 1000u; }
void fx_sleep_ms(int ms) { blec__sleep_ms(ms); }

void fx_pass_world(fx *f, int world_ms) {
  blec_world *w = blec_ctx_world(f->ctx);
  if (!w) w = f->world;
  if (w) ASSERT_OK(blec__world_wait_passed(w, world_ms, blec_test_ms(FX_WAIT_MS)));
}

/* A client of an address no world has: nothing of the test's own goes through it. */
#define MARKER_ADDR "00:00:5E:00:53:FF"

static void wait_marker(fx *f, fx_opres *r) {
  if (f->delivery != BLEC_DELIVERY_QUEUED) {
    fx_opres_wait(r, FX_WAIT_MS);
    return;
  }
  uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (atomic_load(&r->calls) == 0) {
    if (fx_now_ms() > dl) blec_test_fail_(__FILE__, __LINE__, "the dispatcher marker did not run");
    blec_ctx_dispatch(f->ctx, 10);
  }
}

/* Disconnecting a client that is down completes at once, through its sequence and then
 * the dispatcher, like every report of that client. */
static void disconnect_marker(fx *f, blec_client *c) {
  fx_opres r;
  fx_opres_init(&r);
  ASSERT_OK(blec_client_disconnect_async(c, fx_op_cb, &r, NULL));
  wait_marker(f, &r);
  ASSERT_OK(r.status);
}

void fx_drain(fx *f) {
  blec_client *marker = NULL;
  ASSERT_OK(blec_client_new(f->ctx, MARKER_ADDR, NULL, &marker));
  disconnect_marker(f, marker);
  blec_client_free(marker);
}

void fx_settle(fx *f) { fx_settle_client(f, NULL); }

void fx_settle_client(fx *f, blec_client *c) {
  fx_pass_world(f, FX_SETTLE_WORLD_MS);
  if (f->stack && f->stack->flush) f->stack->flush();
  if (c && !blec_client_is_connected(c)) disconnect_marker(f, c);
  fx_drain(f);
}

/* ---- world ----------------------------------------------------------------------------------- */

blec_world_peripheral *fx_peripheral(fx *f, const char *address) {
  blec_world_peripheral *p = NULL;
  ASSERT(f->world != NULL);
  ASSERT_OK(blec_world_find_peripheral(f->world, address, &p));
  ASSERT(p != NULL);
  return p;
}

/* ---- recorders --------------------------------------------------------------------------------- */

void fx_opres_init(fx_opres *r) {
  memset(r, 0, sizeof *r);
  atomic_init(&r->calls, 0);
  atomic_init(&r->in_call, 0);
  atomic_init(&r->ran_in_call, 0);
  atomic_init(&r->caller, 0);
  r->status = 1;
}

void fx_in_call(fx_opres *r, bool in) {
  atomic_store(&r->caller, blec__thread_self());
  atomic_store(&r->in_call, in ? 1 : 0);
}

void fx_op_cb(blec_op *op, void *user) {
  fx_opres *r = user;
  if (atomic_load(&r->in_call) && atomic_load(&r->caller) == blec__thread_self()) atomic_store(&r->ran_in_call, 1);
  if (atomic_load(&r->calls) == 0) {
    r->status = blec_op_status(op);
    const blec_error *e = blec_op_error(op);
    if (e) r->err = *e;
    size_t len = 0;
    const uint8_t *d = blec_op_data(op, &len);
    if (d) {
      r->has_data = true;
      r->len = len < sizeof r->data ? len : sizeof r->data;
      memcpy(r->data, d, r->len);
    }
    blec_device *dev = blec_op_device(op);
    if (dev) snprintf(r->device, sizeof r->device, "%s", blec_device_address(dev));
    size_t n = 0;
    if (blec_op_devices(op, &n)) r->ndevices = n;
    r->thread = blec__thread_self();
  }
  atomic_fetch_add(&r->calls, 1);
}

int fx_opres_wait(fx_opres *r, int ms) {
  WAIT_UNTIL(atomic_load(&r->calls) > 0, ms);
  return r->status;
}

void fx_notes_init(fx_notes *n) {
  memset(n, 0, sizeof *n);
  ASSERT_OK(blec__mutex_init(&n->m));
}

void fx_notes_destroy(fx_notes *n) { blec__mutex_destroy(&n->m); }

int fx_notes_count(fx_notes *n) {
  blec__mutex_lock(&n->m);
  int c = n->count;
  blec__mutex_unlock(&n->m);
  return c;
}

void fx_notify_cb(blec_client *client, blec_characteristic *chr, const uint8_t *data, size_t len,
                  void *user) {
  (void)client;
  fx_notes *n = user;
  blec__mutex_lock(&n->m);
  if (n->stored < FX_NOTIFY_MAX) n->first_byte[n->stored++] = len ? data[0] : 0;
  n->last_len = len < sizeof n->last ? len : sizeof n->last;
  if (len) memcpy(n->last, data, n->last_len);
  n->last_handle = chr ? blec_characteristic_handle(chr) : 0;
  n->thread = blec__thread_self();
  n->count++;
  blec__mutex_unlock(&n->m);
}

size_t fx_notes_last(fx_notes *n, uint8_t *buf, size_t cap) {
  blec__mutex_lock(&n->m);
  size_t l = n->last_len < cap ? n->last_len : cap;
  memcpy(buf, n->last, l);
  blec__mutex_unlock(&n->m);
  return l;
}

void fx_disc_init(fx_disc *d) {
  atomic_init(&d->count, 0);
  atomic_init(&d->reason, -1);
}

void fx_disconnected_cb(blec_client *client, blec_disconnect_reason reason, void *user) {
  (void)client;
  fx_disc *d = user;
  atomic_store(&d->reason, (int)reason);
  atomic_fetch_add(&d->count, 1);
}

void fx_scan_rec_init(fx_scan_rec *r) {
  memset(r, 0, sizeof *r);
  ASSERT_OK(blec__mutex_init(&r->m));
}

void fx_scan_rec_destroy(fx_scan_rec *r) { blec__mutex_destroy(&r->m); }

void fx_scan_rec_reset(fx_scan_rec *r) {
  blec__mutex_lock(&r->m);
  r->ndev = 0;
  r->total = 0;
  r->bad_args = 0;
  r->mismatched = 0;
  memset(r->dev, 0, sizeof r->dev);
  blec__mutex_unlock(&r->m);
}

static fx_seen *seen_find(fx_scan_rec *r, const char *address, bool add) {
  for (int i = 0; i < r->ndev; i++)
    if (strcmp(r->dev[i].address, address) == 0) return &r->dev[i];
  if (!add || r->ndev >= FX_SEEN_MAX) return NULL;
  fx_seen *s = &r->dev[r->ndev++];
  snprintf(s->address, sizeof s->address, "%s", address);
  s->rssi_min = 1000;
  s->rssi_max = -1000;
  return s;
}

void fx_detection_cb(blec_scanner *scanner, blec_device *dev, const blec_adv *adv, void *user) {
  (void)scanner;
  fx_scan_rec *r = user;
  blec__mutex_lock(&r->m);
  r->total++;
  if (!dev || !adv) {
    r->bad_args++;
    blec__mutex_unlock(&r->m);
    return;
  }
  fx_seen *s = seen_find(r, blec_device_address(dev), true);
  if (s) {
    s->count++;
    if (blec_adv_last_type(adv) == BLEC_ADV_SCAN_RSP) s->scan_responses++;
    const char *name = blec_adv_local_name(adv);
    if (name) {
      s->with_name++;
      snprintf(s->name, sizeof s->name, "%s", name);
    }
    if (blec_adv_connectable(adv)) s->connectable++;
    int rssi = blec_adv_rssi(adv);
    if (rssi < s->rssi_min) s->rssi_min = rssi;
    if (rssi > s->rssi_max) s->rssi_max = rssi;
  }
  blec__mutex_unlock(&r->m);
}

int fx_scan_rec_count(fx_scan_rec *r, const char *address) {
  blec__mutex_lock(&r->m);
  fx_seen *s = seen_find(r, address, false);
  int c = s ? s->count : 0;
  blec__mutex_unlock(&r->m);
  return c;
}

int fx_scan_rec_total(fx_scan_rec *r) {
  blec__mutex_lock(&r->m);
  int c = r->total;
  blec__mutex_unlock(&r->m);
  return c;
}

bool fx_scan_rec_get(fx_scan_rec *r, const char *address, fx_seen *out) {
  blec__mutex_lock(&r->m);
  fx_seen *s = seen_find(r, address, false);
  if (s) *out = *s;
  blec__mutex_unlock(&r->m);
  return s != NULL;
}

/* ---- scanner helpers ------------------------------------------------------------------------------ */

int fx_scan_start(fx *f, const blec_scan_options *o, blec_detection_cb cb, void *user,
                  blec_scanner **out) {
  *out = NULL;
  blec_scanner *s = NULL;
  int st = blec_scanner_new(f->ctx, o, cb, user, &s);
  if (st != BLEC_OK) return st;
  ASSERT(s != NULL);
  st = blec_scanner_start(s, NULL);
  if (st != BLEC_OK) {
    blec_scanner_free(s);
    return st;
  }
  *out = s;
  return BLEC_OK;
}

/* ---- client helpers ------------------------------------------------------------------------------ */

blec_uuid fx_uuid(const char *text) {
  blec_uuid u;
  ASSERT_OK(blec_uuid_parse(text, &u));
  return u;
}

blec_client *fx_connect(fx *f, const char *address, const blec_client_options *opts) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f->ctx, address, opts, &c));
  blec_error err;
  blec_error_clear(&err);
  int s = blec_client_connect(c, blec_test_ms(10000), &err);
  if (s != BLEC_OK) {
    char buf[256];
    blec_test_fail_(__FILE__, __LINE__, "connect to %s failed: %s: %s", address, blec_status_name(s),
                    blec_error_format(&err, buf, sizeof buf));
  }
  ASSERT(blec_client_is_connected(c));
  return c;
}

blec_characteristic *fx_chr(blec_client *c, const char *uuid_text) {
  blec_uuid u = fx_uuid(uuid_text);
  blec_characteristic *chr = NULL;
  int s = blec_client_characteristic(c, &u, &chr);
  if (s != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__, "characteristic %s: %s", uuid_text, blec_status_name(s));
  ASSERT(chr != NULL);
  return chr;
}

blec_descriptor *fx_desc(blec_client *c, const char *chr_uuid, const char *desc_uuid) {
  blec_characteristic *chr = fx_chr(c, chr_uuid);
  blec_uuid u = fx_uuid(desc_uuid);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_characteristic_descriptor(chr, &u, &d));
  ASSERT(d != NULL);
  return d;
}

size_t fx_read(blec_client *c, const blec_characteristic *chr, uint8_t *buf, size_t cap) {
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  blec_error_clear(&err);
  int s = blec_client_read(c, chr, 0, blec_test_ms(FX_WAIT_MS), &data, &len, &err);
  if (s != BLEC_OK) {
    char b[256];
    blec_test_fail_(__FILE__, __LINE__, "read failed: %s", blec_error_format(&err, b, sizeof b));
  }
  ASSERT(len <= cap);
  if (len) {
    ASSERT(data != NULL);
    memcpy(buf, data, len);
  }
  blec_free(data);
  return len;
}

void fx_assert_world_value(blec_world_peripheral *p, uint16_t handle, const void *data, size_t len) {
  uint8_t *v = NULL;
  size_t l = 0;
  ASSERT_OK(blec_world_get_value(p, handle, &v, &l));
  ASSERT_EQ_INT(l, len);
  if (len) ASSERT_MEM_EQ(v, data, len);
  blec_free(v);
}
