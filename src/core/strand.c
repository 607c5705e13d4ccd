/* SPDX-License-Identifier: MIT */
/*
 * strand.c — a serial executor with no thread of its own. Tasks posted to one strand run
 * one at a time, in the order they were posted, on the thread that posts while the strand
 * is idle (a task posted while another runs is run by that thread right after). An
 * object whose transitions all run on its strand has one owner at a time by
 * construction (STYLE.md, "one strand per object").
 *
 * Tasks must not block: they run on backend threads, timers and program threads alike.
 */
#include "core/core.h"

int blec__strand_init(blec__strand *s) {
  s->head = s->tail = NULL;
  s->busy = false;
  if (blec__mutex_init(&s->lock) != BLEC_OK) return BLEC_ERR_NO_MEMORY;
  if (blec__cond_init(&s->idle) != BLEC_OK) {
    blec__mutex_destroy(&s->lock);
    return BLEC_ERR_NO_MEMORY;
  }
  return BLEC_OK;
}

void blec__strand_destroy(blec__strand *s) {
  blec__cond_destroy(&s->idle);
  blec__mutex_destroy(&s->lock);
}

void blec__strand_post(blec__strand *s, blec__task *t) {
  t->next = NULL;
  blec__mutex_lock(&s->lock);
  if (s->tail)
    s->tail->next = t;
  else
    s->head = t;
  s->tail = t;
  if (s->busy) { /* the running thread takes it */
    blec__mutex_unlock(&s->lock);
    return;
  }
  s->busy = true;
  while (s->head) {
    blec__task *run = s->head;
    s->head = run->next;
    if (!s->head) s->tail = NULL;
    blec__mutex_unlock(&s->lock);
    run->run(run);
    blec__mutex_lock(&s->lock);
  }
  s->busy = false;
  blec__cond_broadcast(&s->idle);
  blec__mutex_unlock(&s->lock);
}

void blec__strand_wait_idle(blec__strand *s) {
  blec__mutex_lock(&s->lock);
  while (s->busy) blec__cond_wait(&s->idle, &s->lock);
  blec__mutex_unlock(&s->lock);
}
