/* SPDX-License-Identifier: MIT */
/*
 * winrt_delegate.c — event handlers written in C: one reference-counted, agile object
 * per registration whose Invoke(sender, args) calls the backend's function, marked as a
 * callback from Windows' thread pool so that any wait inside it is caught (and counted).
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"

typedef struct wr_delegate {
  const void *vtbl;
  LONG refs;
  IID iid;
  wr_event_fn fn;
  void *ctx;
  void (*release)(void *ctx);
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
    free(d);
  }
  return (ULONG)r;
}

static HRESULT STDMETHODCALLTYPE dg_Invoke(wr_delegate *d, void *sender, void *args) {
  wr_callback_enter();
  HRESULT hr = d->fn(d->ctx, sender, args);
  wr_callback_leave();
  return hr;
}

/* Every TypedEventHandler<S, A> has this layout: IUnknown, then Invoke(sender, args). */
static const struct {
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(wr_delegate *, REFIID, void **);
  ULONG(STDMETHODCALLTYPE *AddRef)(wr_delegate *);
  ULONG(STDMETHODCALLTYPE *Release)(wr_delegate *);
  HRESULT(STDMETHODCALLTYPE *Invoke)(wr_delegate *, void *, void *);
} event_vtbl = {dg_QueryInterface, dg_AddRef, dg_Release, dg_Invoke};

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
