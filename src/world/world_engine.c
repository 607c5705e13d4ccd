/* SPDX-License-Identifier: MIT */
/*
 * world_engine.c — the world thread: a timer queue (binary heap of intrusive nodes
 * ordered by due time then sequence number) and the loop that runs due events.
 *
 * The loop sleeps on a condition variable until the first event is due (no polling).
 * Events run with the world lock held; each callback into a stack runs with it released
 * and the object it belongs to marked (cb_link / cb_scan), so that a release from another
 * thread can wait for it, and a release from inside it is deferred until it returns.
 */
#include <stdlib.h>

#include "world/world_internal.h"

/* Events due within this much real time are run now rather than slept for: the
 * condition variable waits in whole milliseconds. Order is unaffected (the heap decides). */
#define EARLY_US 500

static bool before(const blec__wev *a, const blec__wev *b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(blec_world *w, size_t i, blec__wev *ev) {
  w->heap[i] = ev;
  ev->pos = i + 1;
}

static void sift_up(blec_world *w, size_t i) {
  blec__wev *ev = w->heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!before(ev, w->heap[parent])) break;
    heap_set(w, i, w->heap[parent]);
    i = parent;
  }
  heap_set(w, i, ev);
}

static void sift_down(blec_world *w, size_t i) {
  blec__wev *ev = w->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= w->nheap) break;
    if (c + 1 < w->nheap && before(w->heap[c + 1], w->heap[c])) c++;
    if (!before(w->heap[c], ev)) break;
    heap_set(w, i, w->heap[c]);
    i = c;
  }
  heap_set(w, i, ev);
}

void blec__wengine_unschedule(blec_world *w, blec__wev *ev) {
  if (!ev->pos) return;
  size_t i = ev->pos - 1;
  ev->pos = 0;
  blec__wev *last = w->heap[--w->nheap];
  if (i == w->nheap) return;
  heap_set(w, i, last);
  if (i > 0 && before(last, w->heap[(i - 1) / 2]))
    sift_up(w, i);
  else
    sift_down(w, i);
}

void blec__wengine_schedule(blec_world *w, blec__wev *ev, uint64_t due) {
  blec__wengine_unschedule(w, ev);
  if (w->nheap == w->cap_heap) {
    size_t cap = w->cap_heap ? w->cap_heap * 2 : 64;
    blec__wev **nh = realloc(w->heap, cap * sizeof *nh);
    if (!nh) {
      /* Out of memory: the event is lost, as a packet would be. Nothing else breaks. */
      return;
    }
    w->heap = nh;
    w->cap_heap = cap;
  }
  ev->due = due;
  ev->seq = ++w->seq;
  w->heap[w->nheap++] = ev;
  ev->pos = w->nheap;
  sift_up(w, w->nheap - 1);
  /* Wake the engine only when it sleeps and this event became the first one. */
  if (ev->pos == 1 && w->sleeping) blec__cond_signal(&w->wake);
}

bool blec__wengine_on_thread(blec_world *w) {
  return w->thread_started && w->engine_tid == blec__thread_self();
}

/* ---- callbacks ------------------------------------------------------------------------------ */

void blec__wengine_enter_link(blec_world *w, blec__wlink *l) {
  w->cb_link = l;
  blec__mutex_unlock(&w->lock);
}

bool blec__wengine_leave_link(blec_world *w, blec__wlink *l) {
  blec__mutex_lock(&w->lock);
  w->cb_link = NULL;
  if (!l->released) return true;
  if (l->release_waiting)
    blec__cond_broadcast(&w->cb_done); /* the releasing thread frees it */
  else
    blec__wlink_free(w, l); /* released from inside its own callback */
  return false;
}

void blec__wengine_enter_scan(blec_world *w, blec__wscan *s) {
  w->cb_scan = s;
  blec__mutex_unlock(&w->lock);
}

bool blec__wengine_leave_scan(blec_world *w, blec__wscan *s) {
  blec__mutex_lock(&w->lock);
  w->cb_scan = NULL;
  if (!s->released) return true;
  if (s->release_waiting)
    blec__cond_broadcast(&w->cb_done);
  else
    blec__wscan_free(w, s);
  return false;
}

void blec__wengine_wait_callbacks(blec_world *w, const void *obj) {
  while ((const void *)w->cb_link == obj || (const void *)w->cb_scan == obj)
    blec__cond_wait(&w->cb_done, &w->lock);
}

/* ---- the loop ------------------------------------------------------------------------------------ */

static void run_event(blec_world *w, blec__wev *ev) {
  switch (ev->kind) {
    case BLEC__WEV_ADV:
      blec__wscan_on_adv(w, BLEC__W_CONTAINER(ev, blec_world_peripheral, ev_adv));
      break;
    case BLEC__WEV_STOP_ADV:
      blec__wscan_on_stop_adv(w, BLEC__W_CONTAINER(ev, blec_world_peripheral, ev_stop_adv));
      break;
    case BLEC__WEV_CONNECT:
      blec__wlink_on_connect(w, BLEC__W_CONTAINER(ev, blec__wreq, ev));
      break;
    case BLEC__WEV_REQ_DONE:
      blec__wlink_on_req_done(w, BLEC__W_CONTAINER(ev, blec__wreq, ev));
      break;
    case BLEC__WEV_LINK_REQ:
      blec__wlink_on_head(w, BLEC__W_CONTAINER(ev, blec__wlink, ev_req));
      break;
    case BLEC__WEV_LINK_LOSS:
      blec__wlink_on_loss(w, BLEC__W_CONTAINER(ev, blec__wlink, ev_loss));
      break;
    case BLEC__WEV_LINK_DROP:
      blec__wlink_on_drop(w, BLEC__W_CONTAINER(ev, blec__wlink, ev_drop));
      break;
    case BLEC__WEV_STREAM:
      blec__wstream_on_tick(w, BLEC__W_CONTAINER(ev, blec__wsub, ev));
      break;
    case BLEC__WEV_SCAN_STOPPED:
      blec__wscan_on_stopped(w, BLEC__W_CONTAINER(ev, blec__wscan, ev_stopped));
      break;
    case BLEC__WEV_ORPHAN:
      blec__wlink_on_orphan(w, BLEC__W_CONTAINER(ev, blec__wreq, ev));
      break;
    case BLEC__WEV_BARRIER:
      blec__wbarrier_on_reached(w, ev);
      break;
    default:
      break;
  }
}

static void engine_main(void *arg) {
  blec_world *w = arg;
  blec__mutex_lock(&w->lock);
  w->engine_tid = blec__thread_self();
  blec__cond_broadcast(&w->wake); /* blec__wengine_start waits for engine_tid */
  while (!w->stopping) {
    if (w->nheap == 0) {
      w->sleeping = true;
      blec__cond_wait(&w->wake, &w->lock);
      w->sleeping = false;
      continue;
    }
    blec__wev *ev = w->heap[0];
    /* Compared with the real clock (not vnow), so running early never accumulates. */
    uint64_t now = w->wbase;
    if (w->started) now += (uint64_t)((double)(blec__now_us() - w->rbase) / w->scale);
    if (ev->due > now) {
      double real_us = (double)(ev->due - now) * w->scale;
      if (real_us >= EARLY_US) {
        double ms = real_us / 1000.0;
        int64_t wait = ms > 3.6e6 ? 3600000 : (int64_t)ms + 1;
        w->sleeping = true;
        blec__cond_timedwait(&w->wake, &w->lock, wait);
        w->sleeping = false;
        continue;
      }
    }
    blec__wengine_unschedule(w, ev);
    if (ev->due > w->vnow) w->vnow = ev->due;
    run_event(w, ev);
  }
  if (w->destroy_on_exit) {
    blec__world_destroy_from_engine(w); /* unlocks and frees */
    return;
  }
  blec__mutex_unlock(&w->lock);
}

int blec__wengine_start(blec_world *w) {
  if (!w->thread_started) {
    w->stopping = false;
    w->engine_tid = 0;
    if (blec__thread_create(&w->thread, engine_main, w) != BLEC_OK) return BLEC_ERR_NO_MEMORY;
    w->thread_started = true;
    /* Know the engine's id before any callback could ask "am I the engine?". */
    while (w->engine_tid == 0) blec__cond_wait(&w->wake, &w->lock);
  }
  if (!w->started) {
    /* The world clock starts now (once the thread runs, so that starting it costs no
     * world time); faults counted from the world's start are queued. */
    w->started = true;
    w->rbase = blec__now_us();
    for (size_t i = 0; i < w->nperiph; i++) {
      blec_world_peripheral *p = w->periph[i];
      if (p->stop_adv_ms >= 0)
        blec__wengine_schedule(w, &p->ev_stop_adv, w->wbase + (uint64_t)p->stop_adv_ms * 1000u);
    }
  }
  return BLEC_OK;
}

void blec__wengine_stop(blec_world *w) {
  if (!w->thread_started) return;
  w->stopping = true;
  blec__cond_broadcast(&w->wake);
  blec__mutex_unlock(&w->lock);
  blec__thread_join(&w->thread);
  blec__mutex_lock(&w->lock);
  w->thread_started = false;
}
