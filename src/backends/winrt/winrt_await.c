/* SPDX-License-Identifier: MIT */
/*
 * winrt_await.c — waiting for an IAsyncOperation<T> through a Completed handler, with
 * each T's own typed vtable calls (put_Completed, GetResults), cancellation through
 * IAsyncInfo, and a bound on everything: an operation that does not end within its
 * budget is cancelled, and one that still does not end WR_CANCEL_GRACE_MS after Cancel
 * is abandoned to Windows (Windows operations may complete long after Cancel). The
 * Completed handler owns its memory, so an abandoned operation completing later touches
 * nothing of ours.
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"

/* ---- the typed calls of each IAsyncOperation<T> ------------------------------------------ */

#define WR_DEFINE_ASYNC_TYPE_(name, Op, Handler, Result)                                                   \
  static HRESULT name##_put_completed(void *op, void *handler) {                                           \
    return Op##_put_Completed((Op *)op, (Handler *)handler);                                                \
  }                                                                                                        \
  static HRESULT name##_get_results(void *op, void *result) { return Op##_GetResults((Op *)op, (Result *)result); } \
  const wr_async_type wr_async_##name = {"IAsyncOperation<" #name ">", &IID_##Handler, name##_put_completed,     \
                                         name##_get_results};
WR_ASYNC_TYPES(WR_DEFINE_ASYNC_TYPE_)
#undef WR_DEFINE_ASYNC_TYPE_

/* ---- the Completed handler ------------------------------------------------------------------ */

typedef struct done_handler {
  const void *vtbl;
  LONG refs;
  IID iid;
  HANDLE ev;
  volatile LONG status;
} done_handler;

static HRESULT STDMETHODCALLTYPE dh_QueryInterface(done_handler *d, REFIID riid, void **out) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IAgileObject) || IsEqualIID(riid, &d->iid)) {
    InterlockedIncrement(&d->refs);
    *out = d;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE dh_AddRef(done_handler *d) { return (ULONG)InterlockedIncrement(&d->refs); }

static ULONG STDMETHODCALLTYPE dh_Release(done_handler *d) {
  LONG r = InterlockedDecrement(&d->refs);
  if (r == 0) {
    CloseHandle(d->ev);
    free(d);
  }
  return (ULONG)r;
}

/* Invoke(operation, status): every AsyncOperationCompletedHandler<T> has this layout. */
static HRESULT STDMETHODCALLTYPE dh_Invoke(done_handler *d, void *op, AsyncStatus status) {
  (void)op;
  InterlockedExchange(&d->status, (LONG)status);
  SetEvent(d->ev);
  return S_OK;
}

static const struct {
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(done_handler *, REFIID, void **);
  ULONG(STDMETHODCALLTYPE *AddRef)(done_handler *);
  ULONG(STDMETHODCALLTYPE *Release)(done_handler *);
  HRESULT(STDMETHODCALLTYPE *Invoke)(done_handler *, void *, AsyncStatus);
} done_vtbl = {dh_QueryInterface, dh_AddRef, dh_Release, dh_Invoke};

static done_handler *done_new(const IID *iid) {
  done_handler *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!d->ev) {
    free(d);
    return NULL;
  }
  d->vtbl = &done_vtbl;
  d->refs = 1;
  d->iid = *iid;
  d->status = Started;
  return d;
}

/* ---- awaiting ------------------------------------------------------------------------------------- */

/* Why a wait ended. */
typedef enum wait_end { WAIT_DONE = 1, WAIT_CANCELLED = 2, WAIT_OUT_OF_BUDGET = 3 } wait_end;

/* How often a job's wait looks whether the core completed its op by itself (a lost link
 * fails pending ops without cancelling their backend work). */
#define OP_CHECK_MS 250

static wait_end wait_done(done_handler *d, wr_job *job, int budget_ms) {
  uint64_t deadline = budget_ms >= 0 ? GetTickCount64() + (uint64_t)budget_ms : UINT64_MAX;
  HANDLE hs[2] = {d->ev, job ? job->cancel_ev : NULL};
  for (;;) {
    uint64_t now = GetTickCount64();
    if (now >= deadline) return WAIT_OUT_OF_BUDGET;
    DWORD slice = deadline - now < OP_CHECK_MS ? (DWORD)(deadline - now) : OP_CHECK_MS;
    DWORD r = WaitForMultipleObjects(job ? 2 : 1, hs, FALSE, slice);
    if (r == WAIT_OBJECT_0) return WAIT_DONE;
    if (r == WAIT_OBJECT_0 + 1) return WAIT_CANCELLED;
    if (job && blec__op_is_done(job->op)) return WAIT_CANCELLED;
  }
}

HRESULT wr_await(wr_ctx *w, wr_job *job, int budget_ms, const wr_async_type *type, void *op, void *result) {
  if (wr_in_callback()) {
    long n = wr_note_wait_in_callback();
    wr_log(w, BLEC_LOG_ERROR, "awaiting %s inside a callback from Windows (%ld so far)", type->name, n);
  }
  done_handler *d = done_new(type->handler_iid);
  if (!d) {
    IUnknown_Release((IUnknown *)op);
    return E_OUTOFMEMORY;
  }
  HRESULT hr = type->put_completed(op, d);
  if (FAILED(hr)) {
    wr_hr(w, hr, type->name);
    dh_Release(d);
    IUnknown_Release((IUnknown *)op);
    return hr;
  }
  IAsyncInfo *info = NULL;
  wait_end end = wait_done(d, job, budget_ms);
  if (end != WAIT_DONE) {
    wr_log(w, BLEC_LOG_DEBUG, "%s: %s, IAsyncInfo::Cancel", type->name,
           end == WAIT_CANCELLED ? "cancelled" : "out of its budget");
    if (SUCCEEDED(IUnknown_QueryInterface((IUnknown *)op, &IID_IAsyncInfo, (void **)&info)))
      wr_hr(w, IAsyncInfo_Cancel(info), "IAsyncInfo::Cancel");
    if (WaitForSingleObject(d->ev, WR_CANCEL_GRACE_MS) != WAIT_OBJECT_0) {
      /* Windows keeps the operation (and our handler, which owns its memory). */
      wr_log(w, BLEC_LOG_WARNING, "%s did not end %d ms after IAsyncInfo::Cancel: abandoned to Windows", type->name,
             WR_CANCEL_GRACE_MS);
      if (info) IAsyncInfo_Release(info);
      dh_Release(d);
      IUnknown_Release((IUnknown *)op);
      return HRESULT_FROM_WIN32(end == WAIT_CANCELLED ? ERROR_CANCELLED : ERROR_TIMEOUT);
    }
  }
  AsyncStatus st = (AsyncStatus)InterlockedCompareExchange(&d->status, 0, 0);
  dh_Release(d);
  if (st == Completed) {
    hr = wr_hr(w, type->get_results(op, result), type->name);
  } else if (st == Canceled) {
    hr = HRESULT_FROM_WIN32(end == WAIT_OUT_OF_BUDGET ? ERROR_TIMEOUT : ERROR_CANCELLED);
  } else {
    hr = E_FAIL;
    if (info || SUCCEEDED(IUnknown_QueryInterface((IUnknown *)op, &IID_IAsyncInfo, (void **)&info))) {
      HRESULT ec = E_FAIL;
      if (SUCCEEDED(IAsyncInfo_get_ErrorCode(info, &ec)) && FAILED(ec)) hr = ec;
    }
    wr_hr(w, hr, type->name);
  }
  if (info) IAsyncInfo_Release(info);
  IUnknown_Release((IUnknown *)op);
  return hr;
}
