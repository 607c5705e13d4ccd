/* SPDX-License-Identifier: MIT */
/*
 * async.c — one implementation of IAsyncOperation<T> (and IAsyncInfo) for every T.
 *
 * Every IAsyncOperation<T> has the same vtable (put_Completed, get_Completed,
 * GetResults) and every AsyncOperationCompletedHandler<T> the same Invoke; only the IIDs
 * and the way GetResults writes its value differ, which sim_async_type describes.
 *
 * Behaviour (Windows.Foundation.IAsyncOperation`1.Completed, IAsyncInfo docs): the
 * handler may be set once (a second time: E_ILLEGAL_DELEGATE_ASSIGNMENT); a handler set
 * after completion runs at once, inside put_Completed, on the caller's thread; otherwise
 * it runs on a worker thread after completion. GetResults before completion gives
 * E_ILLEGAL_METHOD_CALL, after an error the error's HRESULT. Close while running gives
 * E_ILLEGAL_STATE_CHANGE. Cancel moves a running operation to Canceled and calls the
 * handler with that status — at once, or, as Windows may (BLEC_WINRT_SIM_QUIRK_LATE_CANCEL),
 * only when the operation's own work ends, or not within 60 s.
 */
#include "sim.h"

#include <stdlib.h>

#define SIM_E_CANCELLED ((HRESULT)0x800704C7L) /* HRESULT_FROM_WIN32(ERROR_CANCELLED) */

#include "blec_winrt_sim.h"

/* LATE_CANCEL = NEVER: the Canceled completion comes this long after Cancel. */
#define SIM_LATE_CANCEL_NEVER_MS 60000

typedef struct async_vtbl {
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel;
  HRESULT(STDMETHODCALLTYPE *put_Completed)(void *This, IUnknown *handler);
  HRESULT(STDMETHODCALLTYPE *get_Completed)(void *This, IUnknown **handler);
  HRESULT(STDMETHODCALLTYPE *GetResults)(void *This, void *results);
} async_vtbl;

typedef struct completed_handler_vtbl {
  void *QueryInterface, *AddRef, *Release;
  HRESULT(STDMETHODCALLTYPE *Invoke)(void *This, void *op, AsyncStatus status);
} completed_handler_vtbl;

struct sim_async {
  sim_obj obj;
  struct {
    const void *lpVtbl;
  } op;
  IAsyncInfo info;
  sim_itf itfs[3];
  const sim_async_type *type;
  SRWLOCK lock;
  AsyncStatus status;
  HRESULT error;
  bool closed;
  bool handler_set;
  bool fired;
  IUnknown *handler;
  IUnknown *result;
  INT32 i32;
  UINT32 id;
  sim_cancel_fn cancel_fn;
  void *cancel_ctx;
  bool cancel_requested; /* Cancel called while a late cancel (quirk) keeps it Started */
  HANDLE never_timer;    /* LATE_CANCEL = NEVER: completes as Canceled when it fires */
};

static LONG g_next_id;

static sim_async *from_op(void *This) { return (sim_async *)sim_obj_from(This); }

static void async_destroy(sim_obj *o) {
  sim_async *a = (sim_async *)o;
  /* The timer held a reference until it fired: it has run; free its handle. */
  if (a->never_timer) DeleteTimerQueueTimer(NULL, a->never_timer, NULL);
  sim_release_any(a->result);
  sim_release_any(a->handler);
}

static const sim_itf no_itfs[] = {{NULL, 0}};
static const sim_class async_class = {L"Windows.Foundation.IAsyncOperation`1", no_itfs, async_destroy};

static void invoke_handler(sim_async *a, IUnknown *h, AsyncStatus st) {
  const completed_handler_vtbl *vt = *(const completed_handler_vtbl *const *)h;
  vt->Invoke(h, &a->op, st);
}

static void fire_work(void *ctx) {
  sim_async *a = ctx;
  AcquireSRWLockExclusive(&a->lock);
  IUnknown *h = a->handler;
  a->handler = NULL;
  AsyncStatus st = a->status;
  ReleaseSRWLockExclusive(&a->lock);
  if (h) {
    invoke_handler(a, h, st);
    IUnknown_Release(h);
  }
  sim_Release(&a->op);
}

/* With the lock held, after the status left Started: schedules the handler if set. */
static void schedule_fire_locked(sim_async *a) {
  if (a->handler_set && !a->fired && a->handler) {
    a->fired = true;
    sim_AddRef(&a->op);
    sim_work_post(fire_work, a);
  }
}

static HRESULT STDMETHODCALLTYPE op_put_Completed(void *This, IUnknown *handler) {
  SIM_ENTER();
  sim_async *a = from_op(This);
  AcquireSRWLockExclusive(&a->lock);
  if (a->closed) {
    ReleaseSRWLockExclusive(&a->lock);
    return E_ILLEGAL_METHOD_CALL;
  }
  if (a->handler_set) {
    ReleaseSRWLockExclusive(&a->lock);
    return E_ILLEGAL_DELEGATE_ASSIGNMENT;
  }
  a->handler_set = true;
  if (!handler) {
    ReleaseSRWLockExclusive(&a->lock);
    return S_OK;
  }
  IUnknown_AddRef(handler);
  if (a->status != Started) {
    /* Already complete: the handler runs now, on this thread. */
    a->fired = true;
    AsyncStatus st = a->status;
    ReleaseSRWLockExclusive(&a->lock);
    invoke_handler(a, handler, st);
    IUnknown_Release(handler);
    return S_OK;
  }
  a->handler = handler;
  ReleaseSRWLockExclusive(&a->lock);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE op_get_Completed(void *This, IUnknown **handler) {
  SIM_ENTER();
  SIM_CHECK_OUT(handler);
  sim_async *a = from_op(This);
  AcquireSRWLockShared(&a->lock);
  *handler = a->handler;
  if (a->handler) IUnknown_AddRef(a->handler);
  ReleaseSRWLockShared(&a->lock);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE op_GetResults(void *This, void *results) {
  SIM_ENTER();
  sim_async *a = from_op(This);
  if (a->type->kind != SIM_RESULT_NONE && !results) return E_POINTER;
  HRESULT hr = S_OK;
  AcquireSRWLockShared(&a->lock);
  if (a->closed) {
    hr = E_ILLEGAL_METHOD_CALL;
  } else if (a->status == Error) {
    hr = a->error;
  } else if (a->status != Completed) {
    hr = E_ILLEGAL_METHOD_CALL;
  } else {
    switch (a->type->kind) {
    case SIM_RESULT_OBJECT:
      *(IUnknown **)results = a->result;
      if (a->result) IUnknown_AddRef(a->result);
      break;
    case SIM_RESULT_I32:
      *(INT32 *)results = a->i32;
      break;
    case SIM_RESULT_BOOL:
      *(boolean *)results = a->i32 != 0;
      break;
    case SIM_RESULT_NONE:
      break;
    }
  }
  ReleaseSRWLockShared(&a->lock);
  return hr;
}

SIM_VTABLE(async_vtbl, op_vtbl) = {offsetof(sim_async, op),
                                   {SIM_INSPECTABLE_SLOTS, .put_Completed = op_put_Completed,
                                    .get_Completed = op_get_Completed, .GetResults = op_GetResults}};

/* ---- IAsyncInfo ------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE info_get_Id(IAsyncInfo *This, UINT32 *id) {
  SIM_ENTER();
  SIM_CHECK_OUT(id);
  sim_async *a = (sim_async *)sim_obj_from(This);
  if (a->closed) return E_ILLEGAL_METHOD_CALL;
  *id = a->id;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE info_get_Status(IAsyncInfo *This, AsyncStatus *status) {
  SIM_ENTER();
  SIM_CHECK_OUT(status);
  sim_async *a = (sim_async *)sim_obj_from(This);
  AcquireSRWLockShared(&a->lock);
  bool closed = a->closed;
  *status = a->status;
  ReleaseSRWLockShared(&a->lock);
  return closed ? E_ILLEGAL_METHOD_CALL : S_OK;
}

static HRESULT STDMETHODCALLTYPE info_get_ErrorCode(IAsyncInfo *This, HRESULT *code) {
  SIM_ENTER();
  SIM_CHECK_OUT(code);
  sim_async *a = (sim_async *)sim_obj_from(This);
  AcquireSRWLockShared(&a->lock);
  bool closed = a->closed;
  *code = a->status == Error ? a->error : a->status == Canceled ? SIM_E_CANCELLED : S_OK;
  ReleaseSRWLockShared(&a->lock);
  return closed ? E_ILLEGAL_METHOD_CALL : S_OK;
}

static void cancel_now(sim_async *a);

static void CALLBACK never_timer_fired(void *ctx, BOOLEAN fired) {
  (void)fired;
  cancel_now(ctx);
  sim_Release(&((sim_async *)ctx)->op); /* the timer's reference */
}

static HRESULT STDMETHODCALLTYPE info_Cancel(IAsyncInfo *This) {
  SIM_ENTER();
  sim_async *a = (sim_async *)sim_obj_from(This);
  int late = sim_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL);
  AcquireSRWLockExclusive(&a->lock);
  if (a->closed) {
    ReleaseSRWLockExclusive(&a->lock);
    return E_ILLEGAL_METHOD_CALL;
  }
  if (a->status != Started || a->cancel_requested) {
    ReleaseSRWLockExclusive(&a->lock);
    return S_OK;
  }
  if (late == SIM_LATE_CANCEL_OFF) {
    a->status = Canceled;
    schedule_fire_locked(a);
  } else {
    /* Still Started: Canceled comes when the work ends (complete) or the timer fires. */
    a->cancel_requested = true;
    if (late == SIM_LATE_CANCEL_NEVER) {
      sim_AddRef(&a->op);
      if (!CreateTimerQueueTimer(&a->never_timer, NULL, never_timer_fired, a, SIM_LATE_CANCEL_NEVER_MS, 0,
                                 WT_EXECUTEONLYONCE)) {
        a->never_timer = NULL;
        sim_Release(&a->op);
      }
    }
  }
  sim_cancel_fn fn = a->cancel_fn;
  void *ctx = a->cancel_ctx;
  a->cancel_fn = NULL;
  ReleaseSRWLockExclusive(&a->lock);
  if (fn) fn(ctx);
  return S_OK;
}

/* A late cancel ends: the operation becomes Canceled (unless it ended otherwise before). */
static void cancel_now(sim_async *a) {
  AcquireSRWLockExclusive(&a->lock);
  if (a->status == Started) {
    a->status = Canceled;
    a->cancel_fn = NULL;
    schedule_fire_locked(a);
  }
  ReleaseSRWLockExclusive(&a->lock);
}

static HRESULT STDMETHODCALLTYPE info_Close(IAsyncInfo *This) {
  SIM_ENTER();
  sim_async *a = (sim_async *)sim_obj_from(This);
  IUnknown *result = NULL;
  AcquireSRWLockExclusive(&a->lock);
  if (a->status == Started && !a->closed) {
    ReleaseSRWLockExclusive(&a->lock);
    return E_ILLEGAL_STATE_CHANGE;
  }
  if (!a->closed) {
    a->closed = true;
    result = a->result;
    a->result = NULL;
  }
  ReleaseSRWLockExclusive(&a->lock);
  sim_release_any(result);
  return S_OK;
}

SIM_VTABLE(IAsyncInfoVtbl, info_vtbl) = {
    offsetof(sim_async, info),
    {SIM_INSPECTABLE_SLOTS, .get_Id = info_get_Id, .get_Status = info_get_Status,
     .get_ErrorCode = info_get_ErrorCode, .Cancel = info_Cancel, .Close = info_Close}};

/* ---- producer side ---------------------------------------------------------------------- */

sim_async *sim_async_new(const sim_async_type *type) {
  sim_async *a = sim_obj_new(&async_class, sizeof *a);
  if (!a) return NULL;
  a->op.lpVtbl = &op_vtbl.v;
  a->info.lpVtbl = (IAsyncInfoVtbl *)&info_vtbl.v;
  a->itfs[0].iid = type->op_iid;
  a->itfs[0].offset = offsetof(sim_async, op);
  a->itfs[1].iid = &IID_IAsyncInfo;
  a->itfs[1].offset = offsetof(sim_async, info);
  a->obj.itfs = a->itfs;
  a->type = type;
  InitializeSRWLock(&a->lock);
  a->status = Started;
  a->id = (UINT32)InterlockedIncrement(&g_next_id);
  return a;
}

void *sim_async_itf(sim_async *op) { return &op->op; }

void sim_async_set_cancel(sim_async *op, sim_cancel_fn fn, void *ctx) {
  AcquireSRWLockExclusive(&op->lock);
  op->cancel_fn = fn;
  op->cancel_ctx = ctx;
  ReleaseSRWLockExclusive(&op->lock);
}

static void complete(sim_async *a, AsyncStatus st, HRESULT hr, IUnknown *obj, INT32 v) {
  AcquireSRWLockExclusive(&a->lock);
  if (a->status != Started || (a->cancel_requested && a->never_timer)) {
    /* Done already, or a cancel that answers only when its timer fires. */
    ReleaseSRWLockExclusive(&a->lock);
    return;
  }
  if (a->cancel_requested) {
    /* A late cancel: the work ended, so now the operation is Canceled. */
    a->status = Canceled;
    a->cancel_fn = NULL;
    schedule_fire_locked(a);
    ReleaseSRWLockExclusive(&a->lock);
    return;
  }
  a->status = st;
  a->error = hr;
  a->cancel_fn = NULL;
  if (obj) {
    IUnknown_AddRef(obj);
    a->result = obj;
  }
  a->i32 = v;
  schedule_fire_locked(a);
  ReleaseSRWLockExclusive(&a->lock);
}

void sim_async_complete_obj(sim_async *op, void *obj) { complete(op, Completed, S_OK, obj, 0); }
void sim_async_complete_i32(sim_async *op, INT32 v) { complete(op, Completed, S_OK, NULL, v); }
void sim_async_fail(sim_async *op, HRESULT hr) { complete(op, Error, hr, NULL, 0); }

bool sim_async_cancelled(sim_async *op) {
  AcquireSRWLockShared(&op->lock);
  bool c = op->status == Canceled;
  ReleaseSRWLockShared(&op->lock);
  return c;
}

/* ---- completing from a worker thread ------------------------------------------------------ */

typedef struct later {
  sim_async *op;
  IUnknown *obj;
  INT32 v;
  HRESULT hr;
} later;

static void later_work(void *ctx) {
  later *l = ctx;
  if (FAILED(l->hr))
    sim_async_fail(l->op, l->hr);
  else if (l->obj)
    sim_async_complete_obj(l->op, l->obj);
  else
    sim_async_complete_i32(l->op, l->v);
  sim_release_any(l->obj);
  sim_Release(&l->op->op);
  free(l);
}

static void post_later(sim_async *op, IUnknown *obj, INT32 v, HRESULT hr) {
  later *l = malloc(sizeof *l);
  if (!l) {
    if (FAILED(hr)) sim_async_fail(op, hr);
    else if (obj) sim_async_complete_obj(op, obj);
    else sim_async_complete_i32(op, v);
    return;
  }
  sim_AddRef(&op->op);
  if (obj) IUnknown_AddRef(obj);
  l->op = op;
  l->obj = obj;
  l->v = v;
  l->hr = hr;
  sim_work_post(later_work, l);
}

void sim_async_post_obj(sim_async *op, void *obj) { post_later(op, obj, 0, S_OK); }
void sim_async_post_i32(sim_async *op, INT32 v) { post_later(op, NULL, v, S_OK); }
void sim_async_post_fail(sim_async *op, HRESULT hr) { post_later(op, NULL, 0, hr); }
