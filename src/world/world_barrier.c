/* SPDX-License-Identifier: MIT */
/*
 * world_barrier.c — blec__world_wait_passed: a marker event in the world's own timer
 * queue whose running proves that every event due before it ran. The marker lives on the
 * waiter's stack: the waiter takes it out of the queue itself when it gives up, under the
 * world lock, so the engine never sees a marker whose waiter left.
 */
#include <stdbool.h>

#include "world/world_internal.h"

typedef struct blec__wbarrier {
  blec__wev ev;
  bool reached;
} blec__wbarrier;

void blec__wbarrier_on_reached(blec_world *w, blec__wev *ev) {
  BLEC__W_CONTAINER(ev, blec__wbarrier, ev)->reached = true;
  blec__cond_broadcast(&w->cb_done); /* its waiters loop on their own condition */
}

int blec__world_wait_passed(blec_world *w, int world_ms, int timeout_ms) {
  if (!w || world_ms < 0 || timeout_ms < 0) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&w->lock);
  if (blec__wengine_on_thread(w)) {
    blec__mutex_unlock(&w->lock);
    return BLEC_ERR_STATE;
  }
  if (!w->thread_started || !w->started) {
    blec__mutex_unlock(&w->lock);
    return BLEC_OK;
  }
  blec__wbarrier b = {.ev = {.kind = BLEC__WEV_BARRIER}, .reached = false};
  blec__wengine_schedule(w, &b.ev, blec__world_now_locked(w) + (uint64_t)world_ms * 1000u);
  uint64_t deadline = blec__now_us() + (uint64_t)timeout_ms * 1000u;
  while (!b.reached) {
    uint64_t now = blec__now_us();
    if (now >= deadline) break;
    blec__cond_timedwait(&w->cb_done, &w->lock, (int64_t)((deadline - now) / 1000u) + 1);
  }
  bool reached = b.reached;
  blec__wengine_unschedule(w, &b.ev); /* still queued when it timed out */
  blec__mutex_unlock(&w->lock);
  return reached ? BLEC_OK : BLEC_ERR_TIMEOUT;
}
