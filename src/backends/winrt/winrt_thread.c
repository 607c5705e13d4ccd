/* SPDX-License-Identifier: MIT */
/*
 * winrt_thread.c — the MTA worker pool that owns every WinRT call of the backend. blec's
 * request functions run on the program's threads (STA and GUI threads included), so they
 * only post work here. A job may wait for its WinRT operations, so the pool starts one
 * more thread whenever work is queued and no thread is idle.
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"

#define WR_POOL_MAX 64

typedef struct wr_work {
  struct wr_work *next;
  wr_fn fn;
  void *arg;
  HANDLE done; /* wr_call's event, or NULL */
} wr_work;

struct wr_pool {
  CRITICAL_SECTION lock;
  CONDITION_VARIABLE cv, idle_cv;
  wr_work *head, *tail;
  int threads, idle, busy;
  bool stopping;
  HANDLE handles[WR_POOL_MAX];
};

static DWORD wr_tls = TLS_OUT_OF_INDEXES;
static INIT_ONCE wr_tls_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK tls_init(PINIT_ONCE once, PVOID param, PVOID *ctx) {
  (void)once;
  (void)param;
  (void)ctx;
  wr_tls = TlsAlloc();
  return wr_tls != TLS_OUT_OF_INDEXES;
}

static DWORD WINAPI pool_main(LPVOID arg) {
  wr_pool *p = arg;
  HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  TlsSetValue(wr_tls, p);
  EnterCriticalSection(&p->lock);
  for (;;) {
    while (!p->head && !p->stopping) {
      p->idle++;
      SleepConditionVariableCS(&p->cv, &p->lock, INFINITE);
      p->idle--;
    }
    if (!p->head) break; /* stopping and nothing left */
    wr_work *w = p->head;
    p->head = w->next;
    if (!p->head) p->tail = NULL;
    p->busy++;
    LeaveCriticalSection(&p->lock);
    w->fn(w->arg);
    if (w->done)
      SetEvent(w->done);
    else
      free(w);
    EnterCriticalSection(&p->lock);
    p->busy--;
    if (!p->head && p->busy == 0) WakeAllConditionVariable(&p->idle_cv);
  }
  LeaveCriticalSection(&p->lock);
  TlsSetValue(wr_tls, NULL);
  if (SUCCEEDED(hr)) CoUninitialize();
  return 0;
}

int wr_pool_new(wr_pool **out) {
  if (!InitOnceExecuteOnce(&wr_tls_once, tls_init, NULL, NULL)) return BLEC_ERR_OS;
  wr_pool *p = calloc(1, sizeof *p);
  if (!p) return BLEC_ERR_NO_MEMORY;
  InitializeCriticalSection(&p->lock);
  InitializeConditionVariable(&p->cv);
  InitializeConditionVariable(&p->idle_cv);
  *out = p;
  return BLEC_OK;
}

/* Queues w; starts a thread when none is idle. Called with the lock held. */
static int enqueue(wr_pool *p, wr_work *w) {
  if (p->stopping) return BLEC_ERR_STATE;
  w->next = NULL;
  if (p->tail)
    p->tail->next = w;
  else
    p->head = w;
  p->tail = w;
  if (p->idle > 0) {
    WakeConditionVariable(&p->cv);
  } else if (p->threads < WR_POOL_MAX) {
    HANDLE h = CreateThread(NULL, 0, pool_main, p, 0, NULL);
    if (h) p->handles[p->threads++] = h;
  }
  return p->threads > 0 ? BLEC_OK : BLEC_ERR_OS;
}

int wr_post(wr_pool *p, wr_fn fn, void *arg) {
  wr_work *w = calloc(1, sizeof *w);
  if (!w) return BLEC_ERR_NO_MEMORY;
  w->fn = fn;
  w->arg = arg;
  EnterCriticalSection(&p->lock);
  int r = enqueue(p, w);
  if (r != BLEC_OK && p->head == w) { /* only possible when no thread could start */
    p->head = p->tail = NULL;
  }
  LeaveCriticalSection(&p->lock);
  if (r != BLEC_OK) free(w);
  return r;
}

int wr_call(wr_pool *p, wr_fn fn, void *arg) {
  if (TlsGetValue(wr_tls) == p) {
    fn(arg);
    return BLEC_OK;
  }
  wr_work w = {NULL, fn, arg, CreateEventW(NULL, TRUE, FALSE, NULL)};
  if (!w.done) return BLEC_ERR_OS;
  EnterCriticalSection(&p->lock);
  int r = enqueue(p, &w);
  LeaveCriticalSection(&p->lock);
  if (r == BLEC_OK) WaitForSingleObject(w.done, INFINITE);
  CloseHandle(w.done);
  return r;
}

void wr_pool_free(wr_pool *p) {
  if (!p) return;
  EnterCriticalSection(&p->lock);
  while (p->head || p->busy) SleepConditionVariableCS(&p->idle_cv, &p->lock, INFINITE);
  p->stopping = true;
  WakeAllConditionVariable(&p->cv);
  LeaveCriticalSection(&p->lock);
  for (int i = 0; i < p->threads; i++) {
    WaitForSingleObject(p->handles[i], INFINITE);
    CloseHandle(p->handles[i]);
  }
  DeleteCriticalSection(&p->lock);
  free(p);
}
