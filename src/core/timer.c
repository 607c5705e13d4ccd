/* SPDX-License-Identifier: MIT */
/*
 * timer.c — operation deadlines (connect timeouts, discover/find durations). One thread
 * per context sleeps until the earliest deadline and aborts that op with
 * BLEC_ERR_TIMEOUT. Entries are removed when their op completes first.
 */
#include <stdlib.h>

#include "core/core.h"

static void timer_thread(void *arg) {
  blec__timers *t = arg;
  blec__mutex_lock(&t->lock);
  while (!t->stopping) {
    if (!t->head) {
      blec__cond_wait(&t->cond, &t->lock);
      continue;
    }
    uint64_t now = blec__now_us();
    if (t->head->due_us > now) {
      blec__cond_timedwait(&t->cond, &t->lock, (int64_t)((t->head->due_us - now + 999) / 1000));
      continue;
    }
    blec__timer_entry *e = t->head;
    t->head = e->next;
    blec__mutex_unlock(&t->lock);
    blec_op *op = e->op;
    free(e);
    blec__mutex_lock(&op->lock);
    op->timer_armed = false;
    blec__mutex_unlock(&op->lock);
    blec__op_abort(op, BLEC_ERR_TIMEOUT, "no result within the timeout");
    blec__op_unref(op);
    blec__mutex_lock(&t->lock);
  }
  blec__mutex_unlock(&t->lock);
}

int blec__timers_init(blec__timers *t) {
  t->head = NULL;
  t->stopping = false;
  t->thread_started = false;
  if (blec__mutex_init(&t->lock) != BLEC_OK) return BLEC_ERR_NO_MEMORY;
  if (blec__cond_init(&t->cond) != BLEC_OK) {
    blec__mutex_destroy(&t->lock);
    return BLEC_ERR_NO_MEMORY;
  }
  return BLEC_OK;
}

void blec__timers_destroy(blec__timers *t) {
  blec__mutex_lock(&t->lock);
  t->stopping = true;
  blec__cond_broadcast(&t->cond);
  blec__mutex_unlock(&t->lock);
  if (t->thread_started) blec__thread_join(&t->thread);
  blec__timer_entry *e = t->head;
  t->head = NULL;
  while (e) {
    blec__timer_entry *next = e->next;
    blec__mutex_lock(&e->op->lock);
    e->op->timer_armed = false;
    blec__mutex_unlock(&e->op->lock);
    blec__op_unref(e->op);
    free(e);
    e = next;
  }
  blec__cond_destroy(&t->cond);
  blec__mutex_destroy(&t->lock);
}

int blec__timers_add(blec__timers *t, blec_op *op, int timeout_ms) {
  if (timeout_ms < 0) return BLEC_OK;
  blec__timer_entry *e = malloc(sizeof *e);
  if (!e) return BLEC_ERR_NO_MEMORY;
  e->due_us = blec__now_us() + (uint64_t)timeout_ms * 1000u;
  e->op = blec__op_ref(op);
  blec__mutex_lock(&op->lock);
  op->timer_armed = true;
  blec__mutex_unlock(&op->lock);
  blec__mutex_lock(&t->lock);
  if (!t->thread_started && !t->stopping) {
    /* Started lazily: programs that never time anything never pay for the thread. */
    if (blec__thread_create(&t->thread, timer_thread, t) != BLEC_OK) {
      blec__mutex_unlock(&t->lock);
      blec__op_unref(op);
      free(e);
      return BLEC_ERR_NO_MEMORY;
    }
    t->thread_started = true;
  }
  blec__timer_entry **pp = &t->head;
  while (*pp && (*pp)->due_us <= e->due_us) pp = &(*pp)->next;
  e->next = *pp;
  *pp = e;
  blec__cond_signal(&t->cond);
  blec__mutex_unlock(&t->lock);
  return BLEC_OK;
}

void blec__timers_remove(blec__timers *t, blec_op *op) {
  blec__timer_entry *found = NULL;
  blec__mutex_lock(&t->lock);
  for (blec__timer_entry **pp = &t->head; *pp; pp = &(*pp)->next) {
    if ((*pp)->op == op) {
      found = *pp;
      *pp = found->next;
      break;
    }
  }
  blec__mutex_unlock(&t->lock);
  if (found) {
    blec__op_unref(found->op);
    free(found);
  }
}
