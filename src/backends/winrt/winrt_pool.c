/* SPDX-License-Identifier: MIT */
/*
 * winrt_pool.c — the worker pool, strands and bounded calls of winrt_pool.h, on the
 * core's thread layer (threads.h). Workers join the multi-threaded apartment.
 *
 * Growth: a thread starts whenever more work is queued than threads are waiting for it
 * (queued > idle), so two quick posts with one idle thread start a second thread instead
 * of leaving the second job behind the first, which may take seconds (issue 10, defect 2:
 * counting "idle > 0" alone missed that the idle thread had been woken already).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <objbase.h>

#include "backends/winrt/winrt_pool.h"

#define WR_POOL_MAX 64

typedef struct wr_work {
  struct wr_work *next;
  wr_fn fn;
  void *arg;
} wr_work;

typedef struct wr_worker {
  struct wr_worker *next;
  wr_pool *p;
  blec__thread t;
} wr_worker;

struct wr_pool {
  blec__mutex lock;
  blec__cond work_cv; /* work queued, or stopping */
  blec__cond done_cv; /* a work item ended, or a thread left */
  wr_work *head, *tail;
  int queued, idle, busy, threads, alive;
  bool stopping, abandoned;
  wr_worker *workers;
};

static _Thread_local const wr_pool *t_pool;

static void pool_destroy(wr_pool *p) {
  for (wr_work *w = p->head, *next; w; w = next) {
    next = w->next;
    free(w);
  }
  for (wr_worker *k = p->workers, *next; k; k = next) {
    next = k->next;
    free(k);
  }
  blec__cond_destroy(&p->work_cv);
  blec__cond_destroy(&p->done_cv);
  blec__mutex_destroy(&p->lock);
  free(p);
}

static void worker_main(void *arg) {
  wr_worker *k = arg;
  wr_pool *p = k->p;
  HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  t_pool = p;
  blec__mutex_lock(&p->lock);
  for (;;) {
    while (!p->head && !p->stopping) {
      p->idle++;
      blec__cond_wait(&p->work_cv, &p->lock);
      p->idle--;
    }
    if (!p->head || p->abandoned) break; /* stopping: what is left is dropped only when abandoned */
    wr_work *w = p->head;
    p->head = w->next;
    if (!p->head) p->tail = NULL;
    p->queued--;
    p->busy++;
    blec__mutex_unlock(&p->lock);
    w->fn(w->arg);
    free(w);
    blec__mutex_lock(&p->lock);
    p->busy--;
    blec__cond_broadcast(&p->done_cv);
  }
  p->alive--;
  bool last = p->abandoned && p->alive == 0;
  blec__cond_broadcast(&p->done_cv);
  blec__mutex_unlock(&p->lock);
  t_pool = NULL;
  if (SUCCEEDED(hr)) CoUninitialize();
  /* An abandoned pool is freed by its last thread; the threads' handles are left to the
   * process (no one joins them). */
  if (last) pool_destroy(p);
}

int wr_pool_new(wr_pool **out) {
  *out = NULL;
  wr_pool *p = calloc(1, sizeof *p);
  if (!p) return BLEC_ERR_NO_MEMORY;
  if (blec__mutex_init(&p->lock) != BLEC_OK || blec__cond_init(&p->work_cv) != BLEC_OK ||
      blec__cond_init(&p->done_cv) != BLEC_OK) {
    free(p);
    return BLEC_ERR_NO_MEMORY;
  }
  *out = p;
  return BLEC_OK;
}

/* Starts one more thread. Called with the lock held. */
static void grow(wr_pool *p) {
  if (p->threads >= WR_POOL_MAX) return;
  wr_worker *k = calloc(1, sizeof *k);
  if (!k) return;
  k->p = p;
  if (blec__thread_create(&k->t, worker_main, k) != BLEC_OK) {
    free(k);
    return;
  }
  k->next = p->workers;
  p->workers = k;
  p->threads++;
  p->alive++;
}

int wr_post(wr_pool *p, wr_fn fn, void *arg) {
  wr_work *w = calloc(1, sizeof *w);
  if (!w) return BLEC_ERR_NO_MEMORY;
  w->fn = fn;
  w->arg = arg;
  blec__mutex_lock(&p->lock);
  if (p->stopping) {
    blec__mutex_unlock(&p->lock);
    free(w);
    return BLEC_ERR_STATE;
  }
  if (p->tail)
    p->tail->next = w;
  else
    p->head = w;
  p->tail = w;
  p->queued++;
  /* Every queued item needs a thread of its own: one waiting now, or a new one. */
  if (p->queued > p->idle) grow(p);
  if (p->alive == 0) { /* no thread at all could start: take the item back */
    p->head = p->tail = NULL;
    p->queued = 0;
    blec__mutex_unlock(&p->lock);
    free(w);
    return BLEC_ERR_NO_MEMORY;
  }
  blec__cond_signal(&p->work_cv);
  blec__mutex_unlock(&p->lock);
  return BLEC_OK;
}

bool wr_on_pool(const wr_pool *p) { return p && t_pool == p; }

int wr_pool_idle_threads(wr_pool *p) {
  blec__mutex_lock(&p->lock);
  int n = p->idle;
  blec__mutex_unlock(&p->lock);
  return n;
}

int wr_pool_threads(wr_pool *p) {
  blec__mutex_lock(&p->lock);
  int n = p->alive;
  blec__mutex_unlock(&p->lock);
  return n;
}

/* Waits on cv until pred(p) or the deadline (µs on blec__now_us); true when pred holds. */
static bool wait_until(wr_pool *p, blec__cond *cv, bool (*pred)(const wr_pool *), uint64_t deadline_us) {
  while (!pred(p)) {
    uint64_t now = blec__now_us();
    if (now >= deadline_us) return false;
    blec__cond_timedwait(cv, &p->lock, (int64_t)((deadline_us - now + 999) / 1000));
  }
  return true;
}

static bool idle_pred(const wr_pool *p) { return !p->head && p->busy == 0; }
static bool gone_pred(const wr_pool *p) { return p->alive == 0; }

bool wr_pool_free(wr_pool *p, int wait_ms) {
  if (!p) return true;
  uint64_t deadline = blec__now_us() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) * 1000u;
  blec__mutex_lock(&p->lock);
  wait_until(p, &p->done_cv, idle_pred, deadline);
  p->stopping = true;
  blec__cond_broadcast(&p->work_cv);
  if (!wait_until(p, &p->done_cv, gone_pred, deadline)) {
    p->abandoned = true; /* the last thread frees the pool */
    blec__cond_broadcast(&p->work_cv);
    blec__mutex_unlock(&p->lock);
    return false;
  }
  blec__mutex_unlock(&p->lock);
  for (wr_worker *k = p->workers; k; k = k->next) blec__thread_join(&k->t);
  pool_destroy(p);
  return true;
}

/* ---- strands ---------------------------------------------------------------------------------- */

struct wr_strand_item {
  wr_strand_item *next;
  wr_fn fn;
  void *arg;
};

typedef struct strand_run {
  wr_strand *s;
  wr_strand_owner owner;
} strand_run;

static void strand_runner(void *arg) {
  strand_run *run = arg;
  wr_strand *s = run->s;
  for (;;) {
    blec__mutex_lock(&s->lock);
    wr_strand_item *it = s->head;
    if (!it) {
      s->running = false;
      blec__mutex_unlock(&s->lock);
      break;
    }
    s->head = it->next;
    if (!s->head) s->tail = NULL;
    blec__mutex_unlock(&s->lock);
    it->fn(it->arg);
    free(it);
  }
  if (run->owner.release) run->owner.release(run->owner.owner);
  free(run);
}

int wr_strand_post(wr_pool *p, wr_strand *s, const wr_strand_owner *owner, wr_fn fn, void *arg) {
  wr_strand_item *it = calloc(1, sizeof *it);
  if (!it) return BLEC_ERR_NO_MEMORY;
  it->fn = fn;
  it->arg = arg;
  blec__mutex_lock(&s->lock);
  if (s->tail)
    s->tail->next = it;
  else
    s->head = it;
  s->tail = it;
  bool start = !s->running;
  s->running = true;
  blec__mutex_unlock(&s->lock);
  if (!start) return BLEC_OK;
  strand_run *run = malloc(sizeof *run);
  int r = BLEC_ERR_NO_MEMORY;
  if (run) {
    run->s = s;
    run->owner = *owner;
    if (owner->hold) owner->hold(owner->owner);
    r = wr_post(p, strand_runner, run);
    if (r != BLEC_OK && owner->release) owner->release(owner->owner);
    if (r != BLEC_OK) free(run);
  }
  if (r != BLEC_OK) { /* the strand was idle: its queue holds this item alone */
    blec__mutex_lock(&s->lock);
    s->head = s->tail = NULL;
    s->running = false;
    blec__mutex_unlock(&s->lock);
    free(it);
  }
  return r;
}

/* ---- bounded calls ------------------------------------------------------------------------------ */

typedef struct call_block {
  blec__mutex m;
  blec__cond cv;
  int refs; /* the caller's and the work's */
  bool done;
  wr_fn fn;
  size_t size;
  unsigned char args[];
} call_block;

static void call_drop(call_block *b) {
  blec__mutex_lock(&b->m);
  bool last = --b->refs == 0;
  blec__mutex_unlock(&b->m);
  if (!last) return;
  blec__cond_destroy(&b->cv);
  blec__mutex_destroy(&b->m);
  free(b);
}

static void call_run(void *arg) {
  call_block *b = arg;
  b->fn(b->args);
  blec__mutex_lock(&b->m);
  b->done = true;
  blec__cond_broadcast(&b->cv);
  blec__mutex_unlock(&b->m);
  call_drop(b);
}

typedef struct call_target {
  wr_pool *p;
  wr_strand *s;
  const wr_strand_owner *owner;
} call_target;

static int call(const call_target *t, wr_fn fn, void *args, size_t size, int timeout_ms) {
  if (wr_in_callback()) wr_note_wait_in_callback();
  /* Posted even from a pool thread: the pool grows while all its threads are busy, and
   * only a call on another thread can be given up on. */
  call_block *b = malloc(sizeof *b + size);
  if (!b) return BLEC_ERR_NO_MEMORY;
  if (blec__mutex_init(&b->m) != BLEC_OK || blec__cond_init(&b->cv) != BLEC_OK) {
    free(b);
    return BLEC_ERR_NO_MEMORY;
  }
  b->refs = 2;
  b->done = false;
  b->fn = fn;
  b->size = size;
  if (size) memcpy(b->args, args, size);
  int r = t->s ? wr_strand_post(t->p, t->s, t->owner, call_run, b) : wr_post(t->p, call_run, b);
  if (r != BLEC_OK) {
    b->refs = 1;
    call_drop(b);
    return r;
  }
  uint64_t deadline = blec__now_us() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000u;
  blec__mutex_lock(&b->m);
  while (!b->done) {
    uint64_t now = blec__now_us();
    if (now >= deadline) break;
    blec__cond_timedwait(&b->cv, &b->m, (int64_t)((deadline - now + 999) / 1000));
  }
  bool done = b->done;
  if (done && size) memcpy(args, b->args, size);
  blec__mutex_unlock(&b->m);
  call_drop(b);
  return done ? BLEC_OK : BLEC_ERR_TIMEOUT;
}

int wr_call(wr_pool *p, wr_fn fn, void *args, size_t size, int timeout_ms) {
  call_target t = {p, NULL, NULL};
  return call(&t, fn, args, size, timeout_ms);
}

int wr_strand_call(wr_pool *p, wr_strand *s, const wr_strand_owner *owner, wr_fn fn, void *args, size_t size,
                   int timeout_ms) {
  call_target t = {p, s, owner};
  return call(&t, fn, args, size, timeout_ms);
}

/* ---- waits inside callbacks ------------------------------------------------------------------------ */

static _Thread_local int t_callback_depth;
static atomic_long waits_in_callbacks;

void wr_callback_enter(void) { t_callback_depth++; }
void wr_callback_leave(void) { t_callback_depth--; }
bool wr_in_callback(void) { return t_callback_depth > 0; }
long wr_note_wait_in_callback(void) { return atomic_fetch_add(&waits_in_callbacks, 1) + 1; }
long wr_waits_in_callbacks(void) { return atomic_load(&waits_in_callbacks); }
