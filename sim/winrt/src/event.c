/* SPDX-License-Identifier: MIT */
/*
 * event.c — event sources (lists of TypedEventHandler delegates) and the worker threads
 * that deliver events and completions, as the Windows thread pool does for the real
 * stack: never on the caller's thread, never on the world engine's thread.
 *
 * Workers join the multi-threaded apartment. A worker is added whenever work is queued
 * and no worker is idle, so a handler that blocks (waiting for another operation of the
 * stack) never stalls the deliveries it waits for. Strands keep the events of one source
 * in order while different sources run in parallel.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "blec_winrt_sim.h"

/* ---- worker threads ---------------------------------------------------------------- */

typedef struct work_item {
  sim_work_fn fn;
  void *ctx;
  struct work_item *next;
} work_item;

static SRWLOCK g_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE g_work_cv = CONDITION_VARIABLE_INIT;
static CONDITION_VARIABLE g_drain_cv = CONDITION_VARIABLE_INIT;
static work_item *g_head, *g_tail;
static size_t g_queued, g_idle, g_busy, g_threads;
static _Thread_local bool t_worker;

enum { MAX_WORKERS = 256 };

static DWORD WINAPI worker_main(void *arg) {
  (void)arg;
  t_worker = true;
  CoInitializeEx(NULL, COINIT_MULTITHREADED);
  AcquireSRWLockExclusive(&g_lock);
  for (;;) {
    while (!g_head) {
      g_idle++;
      SleepConditionVariableSRW(&g_work_cv, &g_lock, INFINITE, 0);
      g_idle--;
    }
    work_item *it = g_head;
    g_head = it->next;
    if (!g_head) g_tail = NULL;
    g_queued--;
    g_busy++;
    ReleaseSRWLockExclusive(&g_lock);
    it->fn(it->ctx);
    free(it);
    AcquireSRWLockExclusive(&g_lock);
    g_busy--;
    if (!g_head && g_busy == 0) WakeAllConditionVariable(&g_drain_cv);
  }
  return 0;
}

void sim_work_post(sim_work_fn fn, void *ctx) {
  work_item *it = malloc(sizeof *it);
  if (!it) {
    /* Out of memory: run it here rather than lose a completion. */
    fn(ctx);
    return;
  }
  it->fn = fn;
  it->ctx = ctx;
  it->next = NULL;
  AcquireSRWLockExclusive(&g_lock);
  if (g_tail)
    g_tail->next = it;
  else
    g_head = it;
  g_tail = it;
  g_queued++;
  if (g_queued > g_idle && g_threads < MAX_WORKERS) {
    HANDLE h = CreateThread(NULL, 0, worker_main, NULL, 0, NULL);
    if (h) {
      g_threads++;
      CloseHandle(h);
    }
  }
  WakeConditionVariable(&g_work_cv);
  ReleaseSRWLockExclusive(&g_lock);
}

void sim_work_drain(void) {
  AcquireSRWLockExclusive(&g_lock);
  while (g_head || g_busy > (t_worker ? 1u : 0u))
    SleepConditionVariableSRW(&g_drain_cv, &g_lock, 50, 0);
  ReleaseSRWLockExclusive(&g_lock);
}

bool sim_on_worker(void) { return t_worker; }

/* ---- strands ------------------------------------------------------------------------ */

struct sim_strand {
  SRWLOCK lock;
  work_item *head, *tail;
  bool running;
  bool dying;
  bool hop; /* each item on whichever worker is free (EVENTS_UNORDERED), still one at a time */
};

sim_strand *sim_strand_new(void) {
  sim_strand *s = calloc(1, sizeof *s);
  if (s) InitializeSRWLock(&s->lock);
  return s;
}

static void strand_run(void *ctx) {
  sim_strand *s = ctx;
  for (;;) {
    AcquireSRWLockExclusive(&s->lock);
    work_item *it = s->head;
    if (!it) {
      s->running = false;
      bool dying = s->dying;
      ReleaseSRWLockExclusive(&s->lock);
      if (dying) free(s);
      return;
    }
    s->head = it->next;
    if (!s->head) s->tail = NULL;
    bool hop = s->hop;
    ReleaseSRWLockExclusive(&s->lock);
    it->fn(it->ctx);
    free(it);
    if (hop) {
      /* The next item goes back to the pool: another thread may take it. */
      sim_work_post(strand_run, s);
      return;
    }
  }
}

void sim_strand_post(sim_strand *s, sim_work_fn fn, void *ctx) {
  if (!s) {
    sim_work_post(fn, ctx);
    return;
  }
  work_item *it = malloc(sizeof *it);
  if (!it) {
    fn(ctx);
    return;
  }
  it->fn = fn;
  it->ctx = ctx;
  it->next = NULL;
  AcquireSRWLockExclusive(&s->lock);
  if (s->tail)
    s->tail->next = it;
  else
    s->head = it;
  s->tail = it;
  bool start = !s->running;
  s->running = true;
  ReleaseSRWLockExclusive(&s->lock);
  if (start) sim_work_post(strand_run, s);
}

void sim_strand_free(sim_strand *s) {
  if (!s) return;
  AcquireSRWLockExclusive(&s->lock);
  bool now = !s->running;
  s->dying = true;
  ReleaseSRWLockExclusive(&s->lock);
  if (now) free(s);
}

/* ---- event sources ------------------------------------------------------------------ */

/* Every TypedEventHandler<S, A> has this layout: IUnknown, then Invoke(sender, args). */
typedef struct handler_vtbl {
  void *QueryInterface, *AddRef, *Release;
  HRESULT(STDMETHODCALLTYPE *Invoke)(void *This, void *sender, void *args);
} handler_vtbl;

static LONG64 g_next_token;

void sim_event_init(sim_event *e) {
  InitializeSRWLock(&e->lock);
  e->v = NULL;
  e->n = e->cap = 0;
  e->strand = NULL;
}

/*
 * EVENTS_UNORDERED: each event source of an object (ConnectionStatusChanged,
 * SessionStatusChanged, ValueChanged of one characteristic, Received...) gets a strand of
 * its own whose deliveries hop between pool threads, so the events of one object come on
 * several threads, those of different sources overlap and arrive in any order. One
 * source's own events keep their order (the ATT bearer delivers one characteristic's
 * notifications in order; a client could not restore an order Windows lost).
 */
void sim_event_post(sim_event *e, sim_strand *object_strand, sim_work_fn fn, void *ctx) {
  if (!sim_quirk(BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED)) {
    sim_strand_post(object_strand, fn, ctx);
    return;
  }
  AcquireSRWLockExclusive(&e->lock);
  if (!e->strand) {
    e->strand = sim_strand_new();
    if (e->strand) e->strand->hop = true;
  }
  sim_strand *s = e->strand;
  ReleaseSRWLockExclusive(&e->lock);
  sim_strand_post(s ? s : object_strand, fn, ctx);
}

void sim_event_clear(sim_event *e) {
  AcquireSRWLockExclusive(&e->lock);
  struct sim_event_entry *v = e->v;
  size_t n = e->n;
  sim_strand *strand = e->strand;
  e->v = NULL;
  e->n = e->cap = 0;
  e->strand = NULL;
  ReleaseSRWLockExclusive(&e->lock);
  sim_strand_free(strand);
  for (size_t i = 0; i < n; i++) IUnknown_Release(v[i].handler);
  free(v);
}

HRESULT sim_event_add(sim_event *e, void *handler, EventRegistrationToken *token) {
  if (!handler) return E_INVALIDARG;
  if (!token) return E_POINTER;
  AcquireSRWLockExclusive(&e->lock);
  if (e->n == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 4;
    struct sim_event_entry *v = realloc(e->v, cap * sizeof *v);
    if (!v) {
      ReleaseSRWLockExclusive(&e->lock);
      return E_OUTOFMEMORY;
    }
    e->v = v;
    e->cap = cap;
  }
  IUnknown_AddRef((IUnknown *)handler);
  INT64 t = InterlockedIncrement64(&g_next_token);
  e->v[e->n].token = t;
  e->v[e->n].handler = handler;
  e->n++;
  ReleaseSRWLockExclusive(&e->lock);
  token->value = t;
  return S_OK;
}

HRESULT sim_event_remove(sim_event *e, EventRegistrationToken token) {
  IUnknown *h = NULL;
  AcquireSRWLockExclusive(&e->lock);
  for (size_t i = 0; i < e->n; i++) {
    if (e->v[i].token == token.value) {
      h = e->v[i].handler;
      memmove(&e->v[i], &e->v[i + 1], (e->n - i - 1) * sizeof e->v[0]);
      e->n--;
      break;
    }
  }
  ReleaseSRWLockExclusive(&e->lock);
  /* Removing an unknown token is not an error for WinRT event sources. */
  if (h) IUnknown_Release(h);
  return S_OK;
}

size_t sim_event_count(sim_event *e) {
  AcquireSRWLockShared(&e->lock);
  size_t n = e->n;
  ReleaseSRWLockShared(&e->lock);
  return n;
}

void sim_event_fire(sim_event *e, void *sender, void *args) {
  IUnknown *stack_buf[8];
  IUnknown **hs = stack_buf;
  AcquireSRWLockShared(&e->lock);
  size_t n = e->n;
  if (n > 8) {
    hs = malloc(n * sizeof *hs);
    if (!hs) {
      ReleaseSRWLockShared(&e->lock);
      return;
    }
  }
  for (size_t i = 0; i < n; i++) {
    hs[i] = e->v[i].handler;
    IUnknown_AddRef(hs[i]);
  }
  ReleaseSRWLockShared(&e->lock);
  for (size_t i = 0; i < n; i++) {
    const handler_vtbl *vt = *(const handler_vtbl *const *)hs[i];
    vt->Invoke(hs[i], sender, args);
    IUnknown_Release(hs[i]);
  }
  if (hs != stack_buf) free(hs);
}
