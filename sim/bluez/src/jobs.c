/* SPDX-License-Identifier: MIT */
/*
 * jobs.c — the queue from other threads (world callbacks, API calls) to the bus thread:
 * a locked list and an eventfd the bus thread's event loop watches. Jobs run in the
 * order they were posted.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim.h"

static void drop_job(bz_job *j) {
  if (j->drop) j->drop(j->arg);
  else free(j->arg);
  free(j);
}

int bz_post(bz_sim *s, bz_job_fn fn, void *arg, void (*drop)(void *)) {
  bz_job *j = malloc(sizeof *j);
  if (!j) {
    if (drop) drop(arg);
    else free(arg);
    return BLEC_ERR_NO_MEMORY;
  }
  j->fn = fn;
  j->arg = arg;
  j->drop = drop;
  j->next = NULL;
  blec__mutex_lock(&s->lock);
  if (s->qclosed) {
    blec__mutex_unlock(&s->lock);
    drop_job(j);
    return BLEC_ERR_CANCELLED;
  }
  bool was_empty = s->qhead == NULL;
  if (s->qtail) s->qtail->next = j;
  else s->qhead = j;
  s->qtail = j;
  blec__mutex_unlock(&s->lock);
  if (was_empty) {
    uint64_t one = 1;
    ssize_t n;
    do n = write(s->qfd, &one, sizeof one);
    while (n < 0 && errno == EINTR);
  }
  return BLEC_OK;
}

/* Takes every queued job (in order). */
static bz_job *take_all(bz_sim *s) {
  blec__mutex_lock(&s->lock);
  bz_job *list = s->qhead;
  s->qhead = s->qtail = NULL;
  blec__mutex_unlock(&s->lock);
  return list;
}

/*
 * Runs the jobs queued now (not those they post: those come with the next wake-up). Each
 * world event is one turn of bluetoothd's main loop: what it queued goes out when the
 * loop would go idle, before the next event is handled.
 */
static int on_jobs(sd_event_source *src, int fd, uint32_t revents, void *user) {
  (void)src;
  (void)revents;
  bz_sim *s = user;
  uint64_t v;
  ssize_t n;
  do n = read(fd, &v, sizeof v);
  while (n < 0 && errno == EINTR);
  bz_job *list = take_all(s);
  while (list) {
    bz_job *j = list;
    list = j->next;
    /* After the quit job the objects jobs point to are gone: the rest is dropped. */
    if (s->stopping) {
      drop_job(j);
      continue;
    }
    j->fn(s, j->arg);
    free(j);
    bz_flush_idle(s);
  }
  return 0;
}

int bz_jobs_init(bz_sim *s) {
  s->qfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->qfd < 0) return -errno;
  return sd_event_add_io(s->event, &s->qsrc, s->qfd, EPOLLIN, on_jobs, s);
}

void bz_jobs_close(bz_sim *s) {
  blec__mutex_lock(&s->lock);
  s->qclosed = true;
  blec__mutex_unlock(&s->lock);
  bz_job *list = take_all(s);
  while (list) {
    bz_job *j = list;
    list = j->next;
    drop_job(j);
  }
  s->qsrc = sd_event_source_unref(s->qsrc);
  if (s->qfd >= 0) close(s->qfd);
  s->qfd = -1;
}
