/* SPDX-License-Identifier: MIT */
/*
 * scan_stream.c — readers of a scanner's reports, as bleak's advertisement_data(): any
 * number of them, each with its own bounded queue, each report carrying the device and
 * the advertisement data of that very report, and what a full queue drops counted and
 * readable (not silent).
 *
 * Locks: the scanner calls the blec__scan_streams_* hooks under its own lock; each
 * stream has its own lock, always taken after the scanner's (never the other way), so a
 * reader waiting in next never blocks the report path for longer than a push.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "core/core.h"

struct blec_scan_stream {
  blec_scan_stream *next_stream; /* the scanner's list (under the scanner's lock) */
  blec_scanner *scanner;         /* held by a reference until close */
  blec__mutex lock;
  blec__cond cond;
  blec_device **q; /* ring of capacity entries */
  size_t capacity, head, len;
  bool scanning; /* the scanner's state, as last told */
  _Atomic uint64_t dropped;
};

/* ---- what the scanner calls (under its lock) ------------------------------------------ */

void blec__scan_streams_push(blec_scan_stream *list, blec_device *dev) {
  for (blec_scan_stream *st = list; st; st = st->next_stream) {
    blec__mutex_lock(&st->lock);
    if (st->len == st->capacity) { /* full: the oldest report goes, counted */
      blec_device_unref(st->q[st->head]);
      st->head = (st->head + 1) % st->capacity;
      st->len--;
      atomic_fetch_add_explicit(&st->dropped, 1, memory_order_relaxed);
    }
    st->q[(st->head + st->len) % st->capacity] = blec_device_ref(dev);
    st->len++;
    blec__cond_broadcast(&st->cond);
    blec__mutex_unlock(&st->lock);
  }
}

void blec__scan_streams_scanning(blec_scan_stream *list, bool scanning) {
  for (blec_scan_stream *st = list; st; st = st->next_stream) {
    blec__mutex_lock(&st->lock);
    st->scanning = scanning;
    blec__cond_broadcast(&st->cond);
    blec__mutex_unlock(&st->lock);
  }
}

/* ---- the public calls ------------------------------------------------------------------ */

int blec_scan_stream_open(blec_scanner *scanner, size_t capacity, blec_scan_stream **out) {
  if (out) *out = NULL;
  if (!scanner || !out || capacity == 0 || capacity > ((size_t)1 << 24)) return BLEC_ERR_INVALID_ARG;
  blec_scan_stream *st = calloc(1, sizeof *st);
  if (!st) return BLEC_ERR_NO_MEMORY;
  st->q = calloc(capacity, sizeof *st->q);
  st->capacity = capacity;
  atomic_init(&st->dropped, 0);
  if (!st->q || blec__mutex_init(&st->lock) != BLEC_OK) {
    free(st->q);
    free(st);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__cond_init(&st->cond) != BLEC_OK) {
    blec__mutex_destroy(&st->lock);
    free(st->q);
    free(st);
    return BLEC_ERR_NO_MEMORY;
  }
  int r = blec__scanner_attach_stream(scanner, st, &st->scanning);
  if (r != BLEC_OK) {
    blec__cond_destroy(&st->cond);
    blec__mutex_destroy(&st->lock);
    free(st->q);
    free(st);
    return r;
  }
  st->scanner = scanner;
  *out = st;
  return BLEC_OK;
}

int blec_scan_stream_next(blec_scan_stream *st, int timeout_ms, blec_device **dev, const blec_adv **adv) {
  if (dev) *dev = NULL;
  if (adv) *adv = NULL;
  if (!st || !dev) return BLEC_ERR_INVALID_ARG;
  blec__deadline d = blec__deadline_in(timeout_ms);
  blec__mutex_lock(&st->lock);
  while (!st->len) {
    if (!st->scanning) {
      blec__mutex_unlock(&st->lock);
      return BLEC_ERR_STATE;
    }
    if (!blec__deadline_wait(&d, &st->cond, &st->lock)) break;
  }
  int r = BLEC_ERR_TIMEOUT;
  if (st->len) {
    *dev = st->q[st->head];
    st->q[st->head] = NULL;
    st->head = (st->head + 1) % st->capacity;
    st->len--;
    if (adv) *adv = blec_device_adv(*dev);
    r = BLEC_OK;
  }
  blec__mutex_unlock(&st->lock);
  return r;
}

uint64_t blec_scan_stream_dropped(const blec_scan_stream *st) {
  return st ? atomic_load_explicit(&((blec_scan_stream *)st)->dropped, memory_order_relaxed) : 0;
}

void blec_scan_stream_close(blec_scan_stream *st) {
  if (!st) return;
  blec__scanner_detach_stream(st->scanner, st);
  for (size_t i = 0; i < st->len; i++) blec_device_unref(st->q[(st->head + i) % st->capacity]);
  blec__cond_destroy(&st->cond);
  blec__mutex_destroy(&st->lock);
  free(st->q);
  free(st);
}

blec_scan_stream *blec__scan_stream_next_in_list(const blec_scan_stream *st) { return st->next_stream; }
void blec__scan_stream_set_next_in_list(blec_scan_stream *st, blec_scan_stream *next) { st->next_stream = next; }
