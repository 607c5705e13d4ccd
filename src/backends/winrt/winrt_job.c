/* SPDX-License-Identifier: MIT */
/*
 * winrt_job.c — blec requests as jobs: a job holds its op (and client), runs on the pool
 * or on the client's strand, completes the op, and can be cancelled (the core aborts an
 * op through blec__backend.cancel; the job then cancels its WinRT operation).
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"

void *wr_job_new(wr_ctx *w, blec_client *c, blec_op *op, size_t size, void (*run)(wr_job *), const char *what) {
  wr_job *job = calloc(1, size);
  if (!job) return NULL;
  job->cancel_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  job->wake_ev = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (!job->cancel_ev || !job->wake_ev) {
    if (job->cancel_ev) CloseHandle(job->cancel_ev);
    if (job->wake_ev) CloseHandle(job->wake_ev);
    free(job);
    return NULL;
  }
  job->w = w;
  job->op = blec__op_ref(op);
  job->c = c ? blec__client_ref(c) : NULL;
  if (c) {
    wr_client *wc = wr_client_of(c);
    blec__mutex_lock(&wc->lock);
    job->drops = wc->drops;
    blec__mutex_unlock(&wc->lock);
  }
  job->run = run;
  job->what = what;
  return job;
}

static void unlist(wr_job *job) {
  wr_ctx *w = job->w;
  blec__mutex_lock(&w->lock);
  for (wr_job **pp = &w->jobs; *pp; pp = &(*pp)->next)
    if (*pp == job) {
      *pp = job->next;
      break;
    }
  blec__mutex_unlock(&w->lock);
}

/* How long an ordered job waits for its predecessors' requests (each is one WinRT call
 * that returns at once; only a stuck Windows makes this wait end). */
#define WR_TURN_WAIT_MS 5000

/*
 * Two turns per ordered job, each a counter of the client (the ticket whose turn it is):
 * the request turn (issue_turn) and the answer turn (answer_turn). A job waits for its
 * ticket on one of them, and passes it on once, whatever happened to it.
 */
static bool waited_enough(wr_job *job, bool until_done, uint64_t deadline) {
  return GetTickCount64() >= deadline || (until_done && blec__op_is_done(job->op));
}

static void turn_wait(wr_job *job, const uint64_t *turn, bool passed, bool until_done) {
  if (!job->ordered || passed) return;
  wr_client *wc = wr_client_of(job->c);
  uint64_t deadline = GetTickCount64() + WR_TURN_WAIT_MS;
  blec__mutex_lock(&wc->lock);
  /* In slices: an op the core ended (timeout, cancel, link loss) needs no answer turn. */
  while (*turn < job->ticket && !waited_enough(job, until_done, deadline)) blec__cond_timedwait(&wc->issue_cv, &wc->lock, 50);
  bool late = *turn < job->ticket && !(until_done && blec__op_is_done(job->op));
  blec__mutex_unlock(&wc->lock);
  if (late)
    wr_log(job->w, BLEC_LOG_WARNING, "%s: an earlier request did not get its turn within %d ms: not waiting for it",
           job->what, WR_TURN_WAIT_MS);
}

static void turn_pass(wr_job *job, uint64_t *turn, bool *passed) {
  if (!job->ordered || *passed) return;
  *passed = true;
  wr_client *wc = wr_client_of(job->c);
  blec__mutex_lock(&wc->lock);
  /* max: a job that stopped waiting went ahead; a late predecessor must not move back. */
  if (*turn < job->ticket + 1) *turn = job->ticket + 1;
  blec__cond_broadcast(&wc->issue_cv);
  blec__mutex_unlock(&wc->lock);
}

void wr_job_wait_turn(wr_job *job) {
  if (job->ordered) turn_wait(job, &wr_client_of(job->c)->issue_turn, job->turn_passed, false);
}
void wr_job_pass_turn(wr_job *job) {
  if (job->ordered) turn_pass(job, &wr_client_of(job->c)->issue_turn, &job->turn_passed);
}
void wr_job_wait_answer_turn(wr_job *job) {
  if (job->ordered) turn_wait(job, &wr_client_of(job->c)->answer_turn, job->answer_passed, true);
}
static void pass_answer_turn(wr_job *job) {
  if (job->ordered) turn_pass(job, &wr_client_of(job->c)->answer_turn, &job->answer_passed);
}

static void job_free(wr_job *job) {
  wr_job_pass_turn(job); /* one that never ran, or ended before its request */
  pass_answer_turn(job);
  unlist(job);
  if (job->c) {
    /* A job that waited for the client's status is no longer there to be woken. */
    wr_client *wc = wr_client_of(job->c);
    blec__mutex_lock(&wc->lock);
    if (wc->waiter == job) wc->waiter = NULL;
    blec__mutex_unlock(&wc->lock);
    blec__client_unref(job->c);
  }
  blec__op_unref(job->op);
  CloseHandle(job->cancel_ev);
  CloseHandle(job->wake_ev);
  free(job);
}

static void job_main(void *arg) {
  wr_job *job = arg;
  wr_log(job->w, BLEC_LOG_DEBUG, "%s: start", job->what);
  wr_job_wait_turn(job);
  job->run(job);
  wr_job_pass_turn(job);
  pass_answer_turn(job);
  wr_log(job->w, BLEC_LOG_DEBUG, "%s: end (%s)", job->what,
         blec__op_is_done(job->op) ? blec_status_name(blec_op_status(job->op)) : "op still open");
  job_free(job);
}

int wr_job_start(wr_job *job, wr_job_queue where) {
  wr_ctx *w = job->w;
  if (where == WR_JOB_POOL_ORDERED && job->c) {
    wr_client *wc = wr_client_of(job->c);
    blec__mutex_lock(&wc->lock);
    job->ordered = true;
    job->ticket = wc->issue_tickets++;
    blec__mutex_unlock(&wc->lock);
  }
  blec__mutex_lock(&w->lock);
  job->seq = ++w->job_seq;
  job->next = w->jobs;
  w->jobs = job;
  blec__mutex_unlock(&w->lock);
  int r;
  if (where == WR_JOB_STRAND) {
    r = wr_client_post(job->c, job_main, job);
  } else {
    r = wr_post(w->pool, job_main, job);
  }
  if (r != BLEC_OK) {
    wr_log(w, BLEC_LOG_ERROR, "%s could not be queued (%s)", job->what, blec_status_name(r));
    job_free(job);
  }
  return r;
}

void wr_job_cancel(blec_op *op) {
  blec_client *c = blec__op_client(op);
  if (!c) return;
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  blec__mutex_lock(&w->lock);
  for (wr_job *j = w->jobs; j; j = j->next)
    if (j->op == op) SetEvent(j->cancel_ev);
  blec__mutex_unlock(&w->lock);
}

uint64_t wr_jobs_mark(wr_ctx *w) {
  blec__mutex_lock(&w->lock);
  uint64_t m = w->job_seq;
  blec__mutex_unlock(&w->lock);
  return m;
}

void wr_jobs_cancel_client(wr_ctx *w, blec_client *c, const wr_job *except, uint64_t upto) {
  blec__mutex_lock(&w->lock);
  for (wr_job *j = w->jobs; j; j = j->next)
    if (j->c == c && j != except && j->seq <= upto) SetEvent(j->cancel_ev);
  blec__mutex_unlock(&w->lock);
}

bool wr_job_cancelled(wr_job *job) {
  return WaitForSingleObject(job->cancel_ev, 0) == WAIT_OBJECT_0 || blec__op_is_done(job->op);
}

bool wr_job_sleep(wr_job *job, int ms) {
  uint64_t deadline = ms < 0 ? UINT64_MAX : GetTickCount64() + (uint64_t)ms;
  HANDLE hs[2] = {job->wake_ev, job->cancel_ev};
  for (;;) {
    if (wr_job_cancelled(job)) return false;
    uint64_t now = GetTickCount64();
    if (now >= deadline) return false;
    /* In slices: the core may complete the op by itself (a lost link) without a cancel. */
    DWORD slice = deadline - now < 250 ? (DWORD)(deadline - now) : 250;
    DWORD r = WaitForMultipleObjects(2, hs, FALSE, slice);
    if (r == WAIT_OBJECT_0) return !blec__op_is_done(job->op);
    if (r == WAIT_OBJECT_0 + 1) return false;
  }
}
