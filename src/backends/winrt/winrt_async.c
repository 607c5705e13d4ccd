/* SPDX-License-Identifier: MIT */
/*
 * winrt_async.c — blec requests as jobs on the worker pool, IAsyncOperation<T> awaited
 * through a Completed handler, cancellation through IAsyncInfo::Cancel, and the C
 * delegates (completion handlers and event handlers).
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

/* ---- delegates ------------------------------------------------------------------------- */

/* Completion handler: Invoke(op, status) records the status and sets an event. Event
 * handler: Invoke(sender, args) calls fn. Both are agile and reference counted. */
typedef struct wr_delegate {
  const void *vtbl;
  LONG refs;
  IID iid;
  /* event handler */
  wr_event_fn fn;
  void *ctx;
  void (*release)(void *ctx);
  /* completion handler */
  HANDLE done;
  volatile LONG status;
} wr_delegate;

static HRESULT STDMETHODCALLTYPE dg_QueryInterface(wr_delegate *d, REFIID riid, void **out) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IAgileObject) || IsEqualIID(riid, &d->iid)) {
    InterlockedIncrement(&d->refs);
    *out = d;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE dg_AddRef(wr_delegate *d) { return (ULONG)InterlockedIncrement(&d->refs); }

static ULONG STDMETHODCALLTYPE dg_Release(wr_delegate *d) {
  LONG r = InterlockedDecrement(&d->refs);
  if (r == 0) {
    if (d->release) d->release(d->ctx);
    if (d->done) CloseHandle(d->done);
    free(d);
  }
  return (ULONG)r;
}

static HRESULT STDMETHODCALLTYPE dg_InvokeEvent(wr_delegate *d, void *sender, void *args) {
  return d->fn(d->ctx, sender, args);
}

static HRESULT STDMETHODCALLTYPE dg_InvokeDone(wr_delegate *d, void *op, AsyncStatus status) {
  (void)op;
  InterlockedExchange(&d->status, (LONG)status);
  SetEvent(d->done);
  return S_OK;
}

#define WR_UNKNOWN_SLOTS                                              \
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(wr_delegate *, REFIID, void **); \
  ULONG(STDMETHODCALLTYPE *AddRef)(wr_delegate *);                    \
  ULONG(STDMETHODCALLTYPE *Release)(wr_delegate *);
static const struct {
  WR_UNKNOWN_SLOTS
  HRESULT(STDMETHODCALLTYPE *Invoke)(wr_delegate *, void *, void *);
} event_vtbl = {dg_QueryInterface, dg_AddRef, dg_Release, dg_InvokeEvent};
static const struct {
  WR_UNKNOWN_SLOTS
  HRESULT(STDMETHODCALLTYPE *Invoke)(wr_delegate *, void *, AsyncStatus);
} done_vtbl = {dg_QueryInterface, dg_AddRef, dg_Release, dg_InvokeDone};

void *wr_delegate_new(const IID *iid, wr_event_fn fn, void *ctx, void (*release)(void *ctx)) {
  wr_delegate *d = calloc(1, sizeof *d);
  if (!d) {
    if (release) release(ctx);
    return NULL;
  }
  d->vtbl = &event_vtbl;
  d->refs = 1;
  d->iid = *iid;
  d->fn = fn;
  d->ctx = ctx;
  d->release = release;
  return d;
}

void wr_delegate_release(void *d) {
  if (d) dg_Release(d);
}

/* ---- awaiting ------------------------------------------------------------------------------ */

HRESULT wr_await(wr_job *job, void *async_op, const IID *handler_iid, AsyncStatus *status) {
  wr_delegate *d = calloc(1, sizeof *d);
  if (!d) return E_OUTOFMEMORY;
  d->vtbl = &done_vtbl;
  d->refs = 1;
  d->iid = *handler_iid;
  d->status = Started;
  d->done = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!d->done) {
    free(d);
    return E_FAIL;
  }
  /* Every IAsyncOperation<T> has the layout of IAsyncOperation<boolean> up to GetResults. */
  __FIAsyncOperation_1_boolean *any = async_op;
  HRESULT hr = __FIAsyncOperation_1_boolean_put_Completed(any, (__FIAsyncOperationCompletedHandler_1_boolean *)d);
  if (FAILED(hr)) {
    dg_Release(d);
    return hr;
  }
  HANDLE hs[2] = {d->done, job ? job->cancel_ev : NULL};
  DWORD r = WaitForMultipleObjects(job ? 2 : 1, hs, FALSE, INFINITE);
  if (r == WAIT_OBJECT_0 + 1) {
    IAsyncInfo *info = NULL;
    if (SUCCEEDED(__FIAsyncOperation_1_boolean_QueryInterface(any, &IID_IAsyncInfo, (void **)&info))) {
      IAsyncInfo_Cancel(info);
      IAsyncInfo_Release(info);
    }
    WaitForSingleObject(d->done, INFINITE);
  }
  *status = (AsyncStatus)d->status;
  dg_Release(d);
  return S_OK;
}

static HRESULT await_result(wr_job *job, void *async_op, const IID *handler_iid, void *result) {
  AsyncStatus st = Started;
  HRESULT hr = wr_await(job, async_op, handler_iid, &st);
  if (SUCCEEDED(hr)) {
    if (st == Completed) {
      /* GetResults writes one pointer or one 32-bit value: both fit the pointer slot. */
      hr = __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_GetResults(
          (__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *)async_op, result);
    } else if (st == Canceled) {
      hr = HRESULT_FROM_WIN32(ERROR_CANCELLED);
    } else {
      IAsyncInfo *info = NULL;
      hr = E_FAIL;
      if (SUCCEEDED(IUnknown_QueryInterface((IUnknown *)async_op, &IID_IAsyncInfo, (void **)&info))) {
        HRESULT ec = E_FAIL;
        if (SUCCEEDED(IAsyncInfo_get_ErrorCode(info, &ec)) && FAILED(ec)) hr = ec;
        IAsyncInfo_Release(info);
      }
    }
  }
  IUnknown_Release((IUnknown *)async_op);
  return hr;
}

HRESULT wr_await_ptr(wr_job *job, void *async_op, const IID *handler_iid, void **result) {
  *result = NULL;
  return await_result(job, async_op, handler_iid, result);
}

HRESULT wr_await_u32(wr_job *job, void *async_op, const IID *handler_iid, UINT32 *result) {
  union {
    void *p;
    UINT32 u;
  } v;
  v.p = NULL;
  HRESULT hr = await_result(job, async_op, handler_iid, &v);
  *result = v.u;
  return hr;
}

/* ---- jobs ----------------------------------------------------------------------------------- */

static void job_main(void *arg) {
  wr_job *job = arg;
  job->run(job);
  wr_ctx *w = job->w;
  EnterCriticalSection(&w->lock);
  for (wr_job **pp = &w->jobs; *pp; pp = &(*pp)->next)
    if (*pp == job) {
      *pp = job->next;
      break;
    }
  LeaveCriticalSection(&w->lock);
  blec__op_unref(job->op);
  if (job->wc) wr_client_unref(job->wc);
  CloseHandle(job->cancel_ev);
  free(job->data);
  free(job);
}

int wr_job_start(blec_ctx *ctx, blec_op *op, void (*run)(wr_job *), const wr_job *args) {
  wr_ctx *w = wr_ctx_of(ctx);
  wr_job *job = malloc(sizeof *job);
  if (!job) return BLEC_ERR_NO_MEMORY;
  if (args)
    *job = *args;
  else
    memset(job, 0, sizeof *job);
  job->w = w;
  job->run = run;
  job->op = op;
  job->cancel_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!job->cancel_ev) {
    free(job);
    return BLEC_ERR_OS;
  }
  blec__op_ref(op);
  EnterCriticalSection(&w->lock);
  job->next = w->jobs;
  w->jobs = job;
  LeaveCriticalSection(&w->lock);
  int r = wr_post(w->pool, job_main, job);
  if (r != BLEC_OK) {
    EnterCriticalSection(&w->lock);
    for (wr_job **pp = &w->jobs; *pp; pp = &(*pp)->next)
      if (*pp == job) {
        *pp = job->next;
        break;
      }
    LeaveCriticalSection(&w->lock);
    blec__op_unref(op);
    CloseHandle(job->cancel_ev);
    free(job); /* job->data and job->wc stay the caller's */
  }
  return r;
}

void wr_job_cancel(blec_op *op) {
  blec_client *c = blec__op_client(op);
  if (!c) return;
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  EnterCriticalSection(&w->lock);
  for (wr_job *j = w->jobs; j; j = j->next)
    if (j->op == op) SetEvent(j->cancel_ev);
  LeaveCriticalSection(&w->lock);
}
