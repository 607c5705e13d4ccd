/* SPDX-License-Identifier: MIT */
/*
 * scanner.c — scanning: per-address merge of advertisement and scan response, the
 * seen-devices table (cleared at each start), filters, the detection callback, the
 * pull stream, and internal "taps" used by find/discover.
 *
 * A report from the backend is merged under the scanner lock (so reports of one
 * address are merged in arrival order), then delivered: to the dispatcher for the
 * program's callback, to the stream, and to the internal tap (on the backend thread).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/adv.h"
#include "core/core.h"

typedef struct seen_entry {
  uint64_t key; /* 48-bit address + 1, 0 = empty slot */
  blec_device *dev;
  bool reported;  /* passed the filters at least once since start */
  bool in_range;  /* signal-strength filter state */
  uint64_t below_since_us;
  uint64_t last_report_us;
} seen_entry;

struct blec_scanner {
  atomic_int refs;
  blec_ctx *ctx;
  blec__mutex ctl;  /* serializes start/stop/free */
  blec__mutex lock; /* everything below */
  blec__cond stream_cond;
  blec_scan_options opts;
  blec_detection_cb cb;
  void *user;
  blec_scan_error_cb err_cb;
  void *err_user;
  bool running;
  bool freed;
  bool internal;
  uint64_t generation; /* per start: a scan error event of an earlier scan is not delivered */
  blec__stream *detections; /* while running with a callback: the bounded callback queue */
  _Atomic uint64_t drops;   /* detections the full queue dropped */
  seen_entry *table;
  size_t cap, count;
  blec_device **stream;
  size_t stream_head, stream_len;
  uint64_t stream_dropped;     /* reports the full stream dropped since start */
  blec_scan_stream *streams;   /* readers opened with blec_scan_stream_open (scan_stream.c) */
  blec__scan_tap tap;
  void (*on_stopped)(blec_scanner *s, const blec_error *err, void *arg);
  void *tap_arg;
  void *backend_priv;
};

static blec_scanner *scanner_ref(blec_scanner *s) {
  atomic_fetch_add(&s->refs, 1);
  return s;
}

static void clear_table(blec_scanner *s) {
  for (size_t i = 0; i < s->cap; i++)
    if (s->table[i].key) blec_device_unref(s->table[i].dev);
  if (s->table) memset(s->table, 0, s->cap * sizeof *s->table);
  s->count = 0;
}

static void clear_stream(blec_scanner *s) {
  for (size_t i = 0; i < s->stream_len; i++)
    blec_device_unref(s->stream[(s->stream_head + i) % s->opts.stream_capacity]);
  s->stream_head = s->stream_len = 0;
}

static void scanner_unref(blec_scanner *s) {
  if (atomic_fetch_sub(&s->refs, 1) != 1) return;
  clear_table(s);
  clear_stream(s);
  free(s->table);
  free(s->stream);
  blec__scan_options_clear(&s->opts);
  blec__cond_destroy(&s->stream_cond);
  blec__mutex_destroy(&s->lock);
  blec__mutex_destroy(&s->ctl);
  free(s);
}

/* ---- the seen table: open addressing keyed by the 48-bit address --------------------- */

static uint64_t address_key(const char *a) {
  uint64_t k = 0;
  for (int i = 0; i < 17; i += 3) {
    int hi = a[i] <= '9' ? a[i] - '0' : a[i] - 'A' + 10;
    int lo = a[i + 1] <= '9' ? a[i + 1] - '0' : a[i + 1] - 'A' + 10;
    k = (k << 8) | (uint64_t)(hi * 16 + lo);
  }
  return k + 1;
}

static size_t slot_of(uint64_t key, size_t cap) {
  uint64_t h = key * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 20) & (cap - 1);
}

static int grow(blec_scanner *s) {
  size_t ncap = s->cap ? s->cap * 2 : 64;
  seen_entry *t = calloc(ncap, sizeof *t);
  if (!t) return BLEC_ERR_NO_MEMORY;
  for (size_t i = 0; i < s->cap; i++) {
    if (!s->table[i].key) continue;
    size_t j = slot_of(s->table[i].key, ncap);
    while (t[j].key) j = (j + 1) & (ncap - 1);
    t[j] = s->table[i];
  }
  free(s->table);
  s->table = t;
  s->cap = ncap;
  return BLEC_OK;
}

static seen_entry *lookup_or_insert(blec_scanner *s, uint64_t key) {
  if ((s->count + 1) * 10 > s->cap * 7 && grow(s) != BLEC_OK) return NULL;
  size_t j = slot_of(key, s->cap);
  while (s->table[j].key && s->table[j].key != key) j = (j + 1) & (s->cap - 1);
  if (!s->table[j].key) {
    memset(&s->table[j], 0, sizeof s->table[j]);
    s->table[j].key = key;
    s->count++;
  }
  return &s->table[j];
}

/* ---- delivery ------------------------------------------------------------------------- */

/* The detection callback's stream: pointer values, each a device reference. */
typedef struct detection_stream {
  blec__stream base; /* first: the dispatcher's part */
  blec_scanner *s;   /* reference */
} detection_stream;

/* The view is the device's advertisement: the device object itself is not read on this
 * thread (its line stays with the reporting thread, which releases the device later). */
static void detection_deliver(blec__stream *st, void *ptr, const void *view) {
  blec_scanner *s = ((detection_stream *)st)->s;
  s->cb(s, ptr, view, s->user); /* cb, user: fixed at creation; dev released later */
}

static void detection_release(void *ptr) { blec_device_unref(ptr); }

static void detection_destroy(blec__stream *st) {
  scanner_unref(((detection_stream *)st)->s);
  free(st);
}

static const blec__stream_kind detection_kind = {NULL, detection_deliver, detection_release, detection_destroy};

static blec__stream *detections_new(blec_scanner *s) {
  detection_stream *d = malloc(sizeof *d);
  if (!d) return NULL;
  blec__stream_init(&d->base, &detection_kind, s, s->opts.callback_queue, s->opts.callback_overflow,
                    &s->drops);
  d->s = scanner_ref(s);
  return &d->base;
}

/* Ends the detection stream taken out of the scanner: none delivered after it, and one
 * running on another thread ends first when `wait` (issue 13, item 9). */
static void detections_end(blec_scanner *s, blec__stream *st, bool wait) {
  if (!st) return;
  blec__stream_close(&s->ctx->dispatcher, st);
  if (wait) blec__dispatcher_wait_for(&s->ctx->dispatcher, s, NULL);
  blec__stream_release(&s->ctx->dispatcher, st);
}

/* Signal-strength filter (Windows BluetoothSignalStrengthFilter semantics). */
static bool signal_filter_pass(const blec_scan_options *o, seen_entry *e, int rssi, uint64_t now) {
  if (o->in_range_dbm == INT16_MIN && o->out_of_range_dbm == INT16_MIN && o->sampling_interval_ms <= 0)
    return true;
  if (!e->in_range) {
    if (o->in_range_dbm != INT16_MIN && rssi < o->in_range_dbm) return false;
    e->in_range = true;
    e->below_since_us = 0;
  } else if (o->out_of_range_dbm != INT16_MIN) {
    if (rssi < o->out_of_range_dbm) {
      if (!e->below_since_us) e->below_since_us = now;
      uint64_t limit = o->out_of_range_timeout_ms > 0 ? (uint64_t)o->out_of_range_timeout_ms * 1000u : 0;
      if (now - e->below_since_us >= limit) {
        e->in_range = false;
        return false;
      }
    } else {
      e->below_since_us = 0;
    }
  }
  if (o->sampling_interval_ms > 0 && e->last_report_us &&
      now - e->last_report_us < (uint64_t)o->sampling_interval_ms * 1000u)
    return false;
  e->last_report_us = now;
  return true;
}

void blec__scanner_report(blec_scanner *s, const blec__report *r) {
  char addr[BLEC_ADDR_STRLEN];
  if (!s || !r || blec__address_normalize(r->address, addr) != BLEC_OK) return;
  uint64_t now = r->timestamp_us ? r->timestamp_us : blec__now_us();
  scanner_ref(s);
  blec__mutex_lock(&s->lock);
  if (!s->running) goto out_unlock;
  seen_entry *e = lookup_or_insert(s, address_key(addr));
  if (!e) goto out_unlock;
  const blec_adv *prev = e->dev ? e->dev->adv : NULL;
  blec__adv_meta meta;
  meta.rssi = r->rssi;
  meta.address_type = r->address_type;
  meta.last_type = r->type;
  meta.timestamp_us = now;
  const uint8_t *adv = r->data, *rsp = NULL;
  size_t adv_len = r->len, rsp_len = 0;
  if (r->type == BLEC_ADV_SCAN_RSP) {
    /* A scan response keeps the advertisement's payload and connectability. */
    adv = prev ? blec_adv_payload(prev, false, &adv_len) : NULL;
    if (!prev) adv_len = 0;
    rsp = r->data;
    rsp_len = r->len;
    meta.connectable = prev ? blec_adv_connectable(prev) : false;
  } else {
    if (prev) rsp = blec_adv_payload(prev, true, &rsp_len);
    meta.connectable = r->connectable;
  }
  blec_adv *merged = NULL;
  if (blec__adv_build(adv, adv_len, rsp, rsp_len, &meta, &merged) != BLEC_OK) goto out_unlock;
  blec_device *dev = blec__device_new(addr, r->address_type, merged, r->backend_id);
  blec_adv_unref(merged);
  if (!dev) goto out_unlock;
  blec_device *old = e->dev;
  e->dev = dev;
  bool pass = blec__scan_filter_match(&s->opts, dev->adv) && signal_filter_pass(&s->opts, e, r->rssi, now);
  bool first_drop = false;
  if (pass) {
    e->reported = true;
    /* Into the callback's bounded queue, in merge order (the stream owns the reference). */
    if (s->detections)
      first_drop = blec__stream_push_ptr(&s->ctx->dispatcher, s->detections, blec_device_ref(dev), dev->adv);
    size_t cap = s->opts.stream_capacity;
    if (cap) {
      if (s->stream_len == cap) { /* full: the oldest report goes, counted */
        blec_device_unref(s->stream[s->stream_head]);
        s->stream_head = (s->stream_head + 1) % cap;
        s->stream_len--;
        s->stream_dropped++;
      }
      s->stream[(s->stream_head + s->stream_len) % cap] = blec_device_ref(dev);
      s->stream_len++;
      blec__cond_broadcast(&s->stream_cond);
    }
    blec__scan_streams_push(s->streams, dev);
  }
  blec__scan_tap tap = pass ? s->tap : NULL;
  void *tap_arg = s->tap_arg;
  if (tap) blec_device_ref(dev);
  blec__mutex_unlock(&s->lock);
  if (old) blec_device_unref(old);
  if (first_drop)
    blec__log(s->ctx, BLEC_LOG_WARNING,
              "advertisements arrive faster than the detection callback takes them: the queue (%lu) drops %s ones "
              "(blec_scanner_detections_dropped counts them)",
              (unsigned long)s->opts.callback_queue, s->opts.callback_overflow == BLEC_OVERFLOW_DROP_OLDEST ? "the oldest" : "the newest");
  if (tap) {
    tap(s, dev, tap_arg);
    blec_device_unref(dev);
  }
  scanner_unref(s);
  return;
out_unlock:
  blec__mutex_unlock(&s->lock);
  scanner_unref(s);
}

typedef struct scan_error_event {
  blec__event ev;
  blec_scanner *s;
  uint64_t generation; /* the scan that ended (a later stop or start makes it stale) */
  blec_error err;
} scan_error_event;

static void scan_error_run(blec__event *ev) {
  scan_error_event *e = (scan_error_event *)ev;
  blec__mutex_lock(&e->s->lock);
  bool live = !e->s->freed && e->s->generation == e->generation;
  blec_scan_error_cb cb = e->s->err_cb;
  void *user = e->s->err_user;
  blec__mutex_unlock(&e->s->lock);
  if (live && cb) cb(e->s, &e->err, user);
  scanner_unref(e->s);
  free(e);
}

static void scan_error_drop(blec__event *ev) {
  scan_error_event *e = (scan_error_event *)ev;
  scanner_unref(e->s);
  free(e);
}

void blec__scanner_stopped(blec_scanner *s, const blec_error *err) {
  blec__mutex_lock(&s->lock);
  bool was = s->running;
  s->running = false;
  uint64_t gen = s->generation;
  blec__stream *detections = s->detections;
  s->detections = NULL;
  blec__cond_broadcast(&s->stream_cond);
  blec__scan_streams_scanning(s->streams, false);
  void (*on_stopped)(blec_scanner *, const blec_error *, void *) = s->on_stopped;
  void *arg = s->tap_arg;
  bool internal = s->internal;
  blec__mutex_unlock(&s->lock);
  detections_end(s, detections, false); /* a backend thread: never waits on callbacks */
  if (!was) return;
  blec__log(s->ctx, BLEC_LOG_WARNING, "scanning stopped: %s", blec_strerror(err ? err->status : 0));
  if (internal) {
    if (on_stopped) on_stopped(s, err, arg);
    return;
  }
  scan_error_event *e = malloc(sizeof *e);
  if (!e) return;
  e->ev.run = scan_error_run;
  e->ev.drop = scan_error_drop;
  e->s = scanner_ref(s);
  e->generation = gen;
  if (err)
    e->err = *err;
  else
    blec__error_set(&e->err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "scanning stopped");
  blec__dispatcher_post_for(&s->ctx->dispatcher, &e->ev, s);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static int scanner_create(blec_ctx *ctx, const blec_scan_options *opts, blec_scanner **out) {
  blec_scanner *s = calloc(1, sizeof *s);
  if (!s) return BLEC_ERR_NO_MEMORY;
  atomic_init(&s->refs, 1);
  atomic_init(&s->drops, 0);
  s->ctx = ctx;
  if (blec__scan_options_copy(&s->opts, opts) != BLEC_OK) goto fail;
  if (s->opts.stream_capacity && !(s->stream = calloc(s->opts.stream_capacity, sizeof *s->stream)))
    goto fail_opts;
  if (blec__mutex_init(&s->ctl) != BLEC_OK) goto fail_stream;
  if (blec__mutex_init(&s->lock) != BLEC_OK) goto fail_ctl;
  if (blec__cond_init(&s->stream_cond) != BLEC_OK) goto fail_lock;
  *out = s;
  return BLEC_OK;
fail_lock:
  blec__mutex_destroy(&s->lock);
fail_ctl:
  blec__mutex_destroy(&s->ctl);
fail_stream:
  free(s->stream);
fail_opts:
  blec__scan_options_clear(&s->opts);
fail:
  free(s);
  return BLEC_ERR_NO_MEMORY;
}

int blec_scanner_new(blec_ctx *ctx, const blec_scan_options *opts, blec_detection_cb cb, void *user,
                     blec_scanner **out) {
  if (!ctx || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  if (!(ctx->caps & BLEC_CAP_SCAN)) return BLEC_ERR_NOT_SUPPORTED;
  blec_scanner *s;
  int r = scanner_create(ctx, opts, &s);
  if (r != BLEC_OK) return r;
  s->cb = cb;
  s->user = user;
  blec__mutex_lock(&ctx->lock);
  ctx->live_scanners++;
  blec__mutex_unlock(&ctx->lock);
  *out = s;
  return BLEC_OK;
}

blec_scanner *blec__scanner_new_internal(blec_ctx *ctx, const blec_scan_options *opts, blec__scan_tap tap,
                                         void (*on_stopped)(blec_scanner *, const blec_error *, void *),
                                         void *tap_arg) {
  blec_scanner *s;
  if (scanner_create(ctx, opts, &s) != BLEC_OK) return NULL;
  s->internal = true;
  s->tap = tap;
  s->on_stopped = on_stopped;
  s->tap_arg = tap_arg;
  return s;
}

void blec_scanner_set_error_callback(blec_scanner *s, blec_scan_error_cb cb, void *user) {
  if (!s) return;
  blec__mutex_lock(&s->lock);
  s->err_cb = cb;
  s->err_user = user;
  blec__mutex_unlock(&s->lock);
}

static int check_caps(const blec_scanner *s, blec_error *err) {
  uint32_t caps = s->ctx->caps;
  const blec_scan_options *o = &s->opts;
  if (o->mode == BLEC_SCAN_PASSIVE && !(caps & BLEC_CAP_PASSIVE_SCAN)) {
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED, "the %s backend cannot scan passively%s%s", s->ctx->backend->name,
                    s->ctx->passive_why ? ": " : "", s->ctx->passive_why ? s->ctx->passive_why : "");
    return BLEC_ERR_NOT_SUPPORTED;
  }
  bool signal = o->in_range_dbm != INT16_MIN || o->out_of_range_dbm != INT16_MIN || o->sampling_interval_ms > 0;
  if (signal && !(caps & BLEC_CAP_SIGNAL_FILTER)) {
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED, "the %s backend has no signal-strength filter",
                    s->ctx->backend->name);
    return BLEC_ERR_NOT_SUPPORTED;
  }
  bool advf = o->local_name || o->nfilter_services || o->nbyte_filters;
  if (advf && !(caps & BLEC_CAP_ADV_FILTER)) {
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED, "the %s backend has no advertisement filter",
                    s->ctx->backend->name);
    return BLEC_ERR_NOT_SUPPORTED;
  }
  return BLEC_OK;
}

int blec_scanner_start(blec_scanner *s, blec_error *err) {
  blec_error_clear(err);
  if (!s) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "scanner is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  int r = check_caps(s, err);
  if (r != BLEC_OK) return r;
  blec__mutex_lock(&s->ctl);
  blec__mutex_lock(&s->lock);
  if (s->running || s->freed) {
    blec__mutex_unlock(&s->lock);
    blec__mutex_unlock(&s->ctl);
    blec__error_set(err, BLEC_ERR_BUSY, "the scanner is already scanning");
    return BLEC_ERR_BUSY;
  }
  blec__stream *detections = NULL;
  if (s->cb && !s->internal && !(detections = detections_new(s))) {
    blec__mutex_unlock(&s->lock);
    blec__mutex_unlock(&s->ctl);
    blec__error_set(err, BLEC_ERR_NO_MEMORY, "out of memory");
    return BLEC_ERR_NO_MEMORY;
  }
  clear_table(s);
  clear_stream(s);
  s->stream_dropped = 0;
  s->running = true;
  s->generation++;
  s->detections = detections;
  blec__scan_streams_scanning(s->streams, true);
  blec__mutex_unlock(&s->lock);
  r = s->ctx->backend->scan_start(s, err);
  if (r != BLEC_OK) {
    blec__mutex_lock(&s->lock);
    s->running = false;
    s->generation++;
    detections = s->detections;
    s->detections = NULL;
    blec__scan_streams_scanning(s->streams, false);
    blec__mutex_unlock(&s->lock);
    detections_end(s, detections, false);
    if (err && err->status == BLEC_OK) blec__error_set(err, r, "scanning could not start");
  } else {
    blec__log(s->ctx, BLEC_LOG_DEBUG, "scanning started (%s)", s->opts.mode == BLEC_SCAN_PASSIVE ? "passive" : "active");
  }
  blec__mutex_unlock(&s->ctl);
  return r;
}

int blec_scanner_stop(blec_scanner *s) {
  if (!s) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&s->ctl);
  blec__mutex_lock(&s->lock);
  bool was = s->running;
  s->running = false;
  s->generation++;
  blec__stream *detections = s->detections;
  s->detections = NULL;
  blec__cond_broadcast(&s->stream_cond);
  blec__scan_streams_scanning(s->streams, false);
  blec__mutex_unlock(&s->lock);
  /* Even when the backend already ended the scan (radio off), its state is released. */
  if (s->backend_priv || was) s->ctx->backend->scan_stop(s);
  blec__mutex_unlock(&s->ctl);
  /* No callback of the scanner runs once this returns (but the one calling it). */
  detections_end(s, detections, false);
  if (!s->internal) blec__dispatcher_wait_for(&s->ctx->dispatcher, s, NULL);
  return was ? BLEC_OK : BLEC_ERR_STATE;
}

uint64_t blec_scanner_detections_dropped(const blec_scanner *s) {
  return s ? atomic_load(&((blec_scanner *)s)->drops) : 0;
}

bool blec_scanner_is_scanning(const blec_scanner *s) {
  if (!s) return false;
  blec_scanner *m = (blec_scanner *)s;
  blec__mutex_lock(&m->lock);
  bool r = m->running;
  blec__mutex_unlock(&m->lock);
  return r;
}

void blec__scanner_release(blec_scanner *s) {
  if (!s) return;
  blec_scanner_stop(s);
  blec__mutex_lock(&s->lock);
  s->freed = true;
  blec__mutex_unlock(&s->lock);
  if (!s->internal) blec__dispatcher_wait_for(&s->ctx->dispatcher, s, NULL); /* a scan error callback */
  scanner_unref(s);
}

void blec_scanner_free(blec_scanner *s) {
  if (!s) return;
  blec_ctx *ctx = s->ctx;
  blec__scanner_release(s);
  blec__mutex_lock(&ctx->lock);
  ctx->live_scanners--;
  blec__mutex_unlock(&ctx->lock);
}

int blec_scanner_devices(blec_scanner *s, blec_device ***list, size_t *count) {
  if (!s || !list || !count) return BLEC_ERR_INVALID_ARG;
  *list = NULL;
  *count = 0;
  blec__mutex_lock(&s->lock);
  size_t n = 0;
  for (size_t i = 0; i < s->cap; i++) n += s->table[i].key && s->table[i].reported;
  blec_device **l = malloc((n ? n : 1) * sizeof *l);
  if (!l) {
    blec__mutex_unlock(&s->lock);
    return BLEC_ERR_NO_MEMORY;
  }
  size_t k = 0;
  for (size_t i = 0; i < s->cap; i++)
    if (s->table[i].key && s->table[i].reported) l[k++] = blec_device_ref(s->table[i].dev);
  blec__mutex_unlock(&s->lock);
  *list = l;
  *count = k;
  return BLEC_OK;
}

int blec_scanner_next(blec_scanner *s, int timeout_ms, blec_device **dev) {
  if (!s || !dev) return BLEC_ERR_INVALID_ARG;
  *dev = NULL;
  blec__deadline d = blec__deadline_in(timeout_ms);
  blec__mutex_lock(&s->lock);
  if (!s->opts.stream_capacity) {
    blec__mutex_unlock(&s->lock);
    return BLEC_ERR_STATE;
  }
  while (!s->stream_len) {
    if (!s->running) {
      blec__mutex_unlock(&s->lock);
      return BLEC_ERR_STATE;
    }
    if (!blec__deadline_wait(&d, &s->stream_cond, &s->lock)) break;
  }
  int r = BLEC_ERR_TIMEOUT;
  if (s->stream_len) {
    *dev = s->stream[s->stream_head];
    s->stream_head = (s->stream_head + 1) % s->opts.stream_capacity;
    s->stream_len--;
    r = BLEC_OK;
  }
  blec__mutex_unlock(&s->lock);
  return r;
}

/* ---- readers (scan_stream.c) --------------------------------------------------------------- */

int blec__scanner_attach_stream(blec_scanner *s, blec_scan_stream *st, bool *scanning) {
  blec__mutex_lock(&s->lock);
  if (s->freed) {
    blec__mutex_unlock(&s->lock);
    return BLEC_ERR_STATE;
  }
  scanner_ref(s); /* the scanner stays (ended) until the stream is closed */
  *scanning = s->running;
  blec__scan_stream_set_next_in_list(st, s->streams);
  s->streams = st;
  blec__mutex_unlock(&s->lock);
  return BLEC_OK;
}

void blec__scanner_detach_stream(blec_scanner *s, blec_scan_stream *st) {
  blec__mutex_lock(&s->lock);
  blec_scan_stream *prev = NULL, *cur = s->streams;
  while (cur && cur != st) {
    prev = cur;
    cur = blec__scan_stream_next_in_list(cur);
  }
  if (cur && prev)
    blec__scan_stream_set_next_in_list(prev, blec__scan_stream_next_in_list(cur));
  else if (cur)
    s->streams = blec__scan_stream_next_in_list(cur);
  blec__mutex_unlock(&s->lock);
  scanner_unref(s);
}

uint64_t blec_scanner_stream_dropped(const blec_scanner *s) {
  if (!s) return 0;
  blec_scanner *m = (blec_scanner *)s;
  blec__mutex_lock(&m->lock);
  uint64_t n = m->stream_dropped;
  blec__mutex_unlock(&m->lock);
  return n;
}

/* ---- backend accessors ------------------------------------------------------------------- */
void *blec__scanner_backend_priv(const blec_scanner *s) { return s->backend_priv; }
void blec__scanner_set_backend_priv(blec_scanner *s, void *p) { s->backend_priv = p; }
blec_ctx *blec__scanner_ctx(const blec_scanner *s) { return s->ctx; }
blec_scan_mode blec__scanner_mode(const blec_scanner *s) { return s->opts.mode; }
const blec_scan_options *blec__scanner_opts(const blec_scanner *s) { return &s->opts; }
size_t blec__scanner_services(const blec_scanner *s, const blec_uuid **list) {
  *list = s->opts.services;
  return s->opts.nservices;
}
