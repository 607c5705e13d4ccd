/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c — the one queue through which every user callback of a context runs, in
 * order, one at a time: on the dispatch thread (BLEC_DELIVERY_THREAD) or in
 * blec_ctx_dispatch on the program's thread (BLEC_DELIVERY_QUEUED, woken through the
 * waitable handle). Blocking calls never wait on this queue (they wait on their op), so a
 * callback may make any blocking call without deadlock.
 */
#include <stdlib.h>

#include "core/core.h"

static void dispatch_thread(void *arg);

/* The dispatch thread's longest poll for more work after a batch (spin_for_work). */
#define SPIN_US 50

int blec__dispatcher_init(blec__dispatcher *d, blec_delivery mode) {
  d->head = d->tail = NULL;
  d->mode = mode;
  d->stopping = false;
  d->thread_started = false;
  d->runner = 0;
  atomic_init(&d->has_work, false);
  d->spin_us = SPIN_US;
  if (blec__mutex_init(&d->lock) != BLEC_OK) return BLEC_ERR_NO_MEMORY;
  if (blec__cond_init(&d->cond) != BLEC_OK) goto fail_mutex;
  if (blec__waitable_init(&d->waitable) != BLEC_OK) goto fail_cond;
  if (mode == BLEC_DELIVERY_THREAD) {
    if (blec__thread_create(&d->thread, dispatch_thread, d) != BLEC_OK) goto fail_waitable;
    d->thread_started = true;
  }
  return BLEC_OK;
fail_waitable:
  blec__waitable_destroy(&d->waitable);
fail_cond:
  blec__cond_destroy(&d->cond);
fail_mutex:
  blec__mutex_destroy(&d->lock);
  return BLEC_ERR_NO_MEMORY;
}

void blec__dispatcher_destroy(blec__dispatcher *d) {
  blec__mutex_lock(&d->lock);
  d->stopping = true;
  blec__cond_broadcast(&d->cond);
  blec__mutex_unlock(&d->lock);
  if (d->thread_started) blec__thread_join(&d->thread);
  /* Dropping an event may post nothing (posts after stopping are dropped at once). */
  blec__mutex_lock(&d->lock);
  blec__event *ev = d->head;
  d->head = d->tail = NULL;
  blec__mutex_unlock(&d->lock);
  while (ev) {
    blec__event *next = ev->next;
    ev->drop(ev);
    ev = next;
  }
  blec__waitable_destroy(&d->waitable);
  blec__cond_destroy(&d->cond);
  blec__mutex_destroy(&d->lock);
}

void blec__dispatcher_post(blec__dispatcher *d, blec__event *ev) {
  ev->next = NULL;
  blec__mutex_lock(&d->lock);
  if (d->stopping) {
    blec__mutex_unlock(&d->lock);
    ev->drop(ev);
    return;
  }
  bool was_empty = d->head == NULL;
  if (d->tail)
    d->tail->next = ev;
  else
    d->head = ev;
  d->tail = ev;
  atomic_store_explicit(&d->has_work, true, memory_order_release);
  if (was_empty) {
    if (d->mode == BLEC_DELIVERY_QUEUED) blec__waitable_set(&d->waitable);
    blec__cond_signal(&d->cond);
  }
  blec__mutex_unlock(&d->lock);
}

/* Takes the whole queue at once: one lock round trip per batch, not per event. */
static blec__event *take_all_locked(blec__dispatcher *d) {
  blec__event *list = d->head;
  d->head = d->tail = NULL;
  atomic_store_explicit(&d->has_work, false, memory_order_relaxed);
  if (d->mode == BLEC_DELIVERY_QUEUED) blec__waitable_clear(&d->waitable);
  return list;
}

static int run_list(blec__dispatcher *d, blec__event *list) {
  int n = 0;
  uint64_t self = blec__thread_self();
  d->runner = self;
  while (list) {
    blec__event *next = list->next;
    list->run(list);
    list = next;
    n++;
  }
  d->runner = 0;
  return n;
}

/*
 * After a batch the thread polls briefly before it sleeps: under a steady stream
 * (advertisements, notifications) the next event usually arrives within microseconds,
 * and a sleep/wake-up pair per event would cost more than the event itself. The budget
 * adapts: a poll that ends empty halves it (events spaced wider than the budget, say an
 * advertisement every half millisecond, would otherwise cost a whole poll each), one
 * that finds work, or a batch of several events (they queued up while the thread woke),
 * restores it.
 */

static void spin_for_work(blec__dispatcher *d, int batch) {
  if (batch > 1) d->spin_us = SPIN_US;
  if (!d->spin_us) return;
  uint64_t until = blec__now_us() + d->spin_us;
  while (!atomic_load_explicit(&d->has_work, memory_order_acquire)) {
    if (blec__now_us() >= until) {
      d->spin_us /= 2;
      return;
    }
  }
  d->spin_us = SPIN_US;
}

static void dispatch_thread(void *arg) {
  blec__dispatcher *d = arg;
  blec__mutex_lock(&d->lock);
  for (;;) {
    while (!d->head && !d->stopping) blec__cond_wait(&d->cond, &d->lock);
    if (!d->head && d->stopping) break;
    blec__event *list = take_all_locked(d);
    blec__mutex_unlock(&d->lock);
    spin_for_work(d, run_list(d, list));
    blec__mutex_lock(&d->lock);
    if (d->stopping) break;
  }
  blec__mutex_unlock(&d->lock);
}

int blec__dispatcher_run(blec__dispatcher *d, int timeout_ms) {
  if (d->mode != BLEC_DELIVERY_QUEUED) return BLEC_ERR_STATE;
  if (blec__dispatcher_in_callback(d)) return BLEC_ERR_STATE;
  blec__mutex_lock(&d->lock);
  if (!d->head && timeout_ms != 0) {
    uint64_t deadline = timeout_ms > 0 ? blec__now_us() + (uint64_t)timeout_ms * 1000u : 0;
    while (!d->head && !d->stopping) {
      int64_t left = -1;
      if (timeout_ms > 0) {
        uint64_t now = blec__now_us();
        if (now >= deadline) break;
        left = (int64_t)((deadline - now + 999) / 1000);
      }
      blec__cond_timedwait(&d->cond, &d->lock, left);
    }
  }
  blec__event *list = take_all_locked(d);
  blec__mutex_unlock(&d->lock);
  return run_list(d, list);
}

bool blec__dispatcher_in_callback(blec__dispatcher *d) {
  return d->runner != 0 && d->runner == blec__thread_self();
}
