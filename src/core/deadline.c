/* SPDX-License-Identifier: MIT */
/* deadline.c — waits bounded by a call's timeout_ms (see core.h). */
#include "core/core.h"

blec__deadline blec__deadline_in(int timeout_ms) {
  blec__deadline d;
  d.timeout_ms = timeout_ms;
  d.due_us = timeout_ms > 0 ? blec__now_us() + (uint64_t)timeout_ms * 1000u : 0;
  return d;
}

bool blec__deadline_wait(const blec__deadline *d, blec__cond *c, blec__mutex *m) {
  if (d->timeout_ms == 0) return false;
  int64_t left = -1;
  if (d->timeout_ms > 0) {
    uint64_t now = blec__now_us();
    if (now >= d->due_us) return false;
    left = (int64_t)((d->due_us - now + 999) / 1000);
  }
  blec__cond_timedwait(c, m, left);
  return true;
}
