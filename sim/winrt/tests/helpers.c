/* SPDX-License-Identifier: MIT */
/* helpers.c — see sim_test.h. */
#include "sim_test.h"

#include <stdarg.h>

t_sim_api sim;
DWORD t_last_completion_thread;

void t_fail(const char *file, int line, const char *what) {
  fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
  fflush(stderr);
  ExitProcess(1);
}

void t_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

HSTRING t_hs(const WCHAR *s) {
  HSTRING h = NULL;
  CHECK_HR(WindowsCreateString(s, (UINT32)wcslen(s), &h));
  return h;
}

bool t_hs_eq(HSTRING h, const WCHAR *s) {
  UINT32 n = 0;
  const WCHAR *w = WindowsGetStringRawBuffer(h, &n);
  return n == wcslen(s) && (n == 0 || memcmp(w, s, n * sizeof(WCHAR)) == 0);
}

HRESULT t_factory(const WCHAR *cls, const IID *iid, void **out) {
  HSTRING h = t_hs(cls);
  HRESULT hr = RoGetActivationFactory(h, iid, out);
  WindowsDeleteString(h);
  return hr;
}

HRESULT t_activate(const WCHAR *cls, const IID *iid, void **out) {
  HSTRING h = t_hs(cls);
  IInspectable *obj = NULL;
  HRESULT hr = RoActivateInstance(h, &obj);
  WindowsDeleteString(h);
  if (FAILED(hr)) return hr;
  hr = IInspectable_QueryInterface(obj, iid, out);
  IInspectable_Release(obj);
  return hr;
}

void t_load_sim(void) {
  if (sim.blec_winrt_sim_live_objects) return;
  /* Wine loads the DLL for this activation; the control API comes from that module. */
  IBufferFactory *f = NULL;
  CHECK_HR(t_factory(L"Windows.Storage.Streams.Buffer", &IID_IBufferFactory, (void **)&f));
  IBufferFactory_Release(f);
  HMODULE m = GetModuleHandleW(L"blec_winrt_sim.dll");
  CHECK(m != NULL);
#define T_SIM_LOAD_(ret, name, params)                                                     \
  sim.name = (ret(*) params)(void (*)(void))GetProcAddress(m, #name);                      \
  CHECK(sim.name != NULL);
  BLEC_WINRT_SIM_FUNCS(T_SIM_LOAD_)
#undef T_SIM_LOAD_
}

void t_world(const char *text) {
  t_load_sim();
  char err[256];
  int st = sim.blec_winrt_sim_set_world_text(text, err, sizeof err);
  if (st != 0) {
    char m[400];
    snprintf(m, sizeof m, "world text refused (%d): %s", st, err);
    t_fail(__FILE__, __LINE__, m);
  }
}

DWORD t_ms(DWORD ms) {
  const char *m = getenv("BLEC_TEST_TIMEOUT_MULTIPLIER");
  double f = m ? atof(m) : 1.0;
  return f > 1.0 ? (DWORD)(ms * f) : ms;
}

void t_world_wait(DWORD ms) {
  t_load_sim();
  int64_t start = sim.blec_winrt_sim_world_clock_us();
  CHECK(start > 0);
  int64_t end = start + (int64_t)ms * 1000;
  CHECK(T_WAIT_UNTIL(sim.blec_winrt_sim_world_clock_us() >= end, ms + 5000));
}

void t_check_no_live_objects(void) {
  t_load_sim();
  if (sim.blec_winrt_sim_wait_no_live_objects((int)t_ms(5000)) == 0) return;
  static char dump[8192];
  long n = sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump);
  fprintf(stderr, "%ld live objects:\n%s", n, dump);
  t_fail(__FILE__, __LINE__, "objects of the stack are still alive");
}

/* ---- delegates ----------------------------------------------------------------------------- */

struct t_delegate {
  const void *lpVtbl;
  LONG refs;
  IID iid;
  t_invoke_fn fn;
  void *ctx;
};

static HRESULT STDMETHODCALLTYPE d_QueryInterface(t_delegate *d, REFIID riid, void **out) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IAgileObject) || IsEqualIID(riid, &d->iid)) {
    InterlockedIncrement(&d->refs);
    *out = d;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE d_AddRef(t_delegate *d) { return (ULONG)InterlockedIncrement(&d->refs); }
static ULONG STDMETHODCALLTYPE d_Release(t_delegate *d) {
  LONG r = InterlockedDecrement(&d->refs);
  if (r == 0) free(d);
  return (ULONG)r;
}
static HRESULT STDMETHODCALLTYPE d_Invoke(t_delegate *d, void *a, void *b) { return d->fn(d->ctx, a, (uintptr_t)b); }

static const struct {
  void *QueryInterface, *AddRef, *Release, *Invoke;
} d_vtbl = {(void *)d_QueryInterface, (void *)d_AddRef, (void *)d_Release, (void *)d_Invoke};

t_delegate *t_delegate_new(const IID *iid, t_invoke_fn fn, void *ctx) {
  t_delegate *d = calloc(1, sizeof *d);
  CHECK(d != NULL);
  d->lpVtbl = &d_vtbl;
  d->refs = 1;
  d->iid = *iid;
  d->fn = fn;
  d->ctx = ctx;
  return d;
}

void *t_delegate_itf(t_delegate *d) { return d; }
void t_delegate_release(t_delegate *d) { d_Release(d); }

/* ---- asynchronous operations ---------------------------------------------------------------- */

typedef struct await_ctx {
  HANDLE ev;
  AsyncStatus status;
  DWORD thread;
  int calls;
} await_ctx;

static HRESULT on_completed(void *ctx, void *op, uintptr_t b) {
  (void)op;
  await_ctx *c = ctx;
  c->status = T_STATUS(b);
  c->thread = GetCurrentThreadId();
  c->calls++;
  SetEvent(c->ev);
  return S_OK;
}

AsyncStatus t_await(void *op, const IID *handler_iid, DWORD timeout_ms) {
  CHECK(op != NULL);
  await_ctx c = {CreateEventW(NULL, TRUE, FALSE, NULL), Started, 0, 0};
  t_delegate *d = t_delegate_new(handler_iid, on_completed, &c);
  /* Every IAsyncOperation<T> has the vtable of IAsyncOperation<boolean>. */
  __FIAsyncOperation_1_boolean *any = op;
  CHECK_HR(__FIAsyncOperation_1_boolean_put_Completed(any, (__FIAsyncOperationCompletedHandler_1_boolean *)d));
  if (WaitForSingleObject(c.ev, t_ms(timeout_ms)) != WAIT_OBJECT_0) t_fail(__FILE__, __LINE__, "operation timed out");
  CloseHandle(c.ev);
  CHECK_EQ_INT(c.calls, 1);
  t_last_completion_thread = c.thread;
  t_delegate_release(d);
  return c.status;
}

void *t_await_obj(void *op, const IID *handler_iid, DWORD timeout_ms) {
  AsyncStatus st = t_await(op, handler_iid, timeout_ms);
  CHECK_EQ_INT(st, Completed);
  void *result = NULL;
  /* GetResults of IAsyncOperation<T*> writes one pointer. */
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *any = op;
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_GetResults(
      any, (IBluetoothLEDevice **)&result));
  IUnknown_Release((IUnknown *)op);
  return result;
}

INT32 t_await_i32(void *op, const IID *handler_iid, DWORD timeout_ms) {
  AsyncStatus st = t_await(op, handler_iid, timeout_ms);
  CHECK_EQ_INT(st, Completed);
  INT32 v = -1;
  __FIAsyncOperation_1_UINT32 *any = op;
  CHECK_HR(__FIAsyncOperation_1_UINT32_GetResults(any, (UINT32 *)&v));
  IUnknown_Release((IUnknown *)op);
  return v;
}

/* ---- small helpers ------------------------------------------------------------------------------ */

IBuffer *t_buffer(const void *data, UINT32 len) {
  IBufferFactory *f = NULL;
  CHECK_HR(t_factory(L"Windows.Storage.Streams.Buffer", &IID_IBufferFactory, (void **)&f));
  IBuffer *b = NULL;
  CHECK_HR(IBufferFactory_Create(f, len, &b));
  IBufferFactory_Release(f);
  IBufferByteAccess *bba = NULL;
  CHECK_HR(IBuffer_QueryInterface(b, &IID_IBufferByteAccess, (void **)&bba));
  BYTE *p = NULL;
  CHECK_HR(IBufferByteAccess_Buffer(bba, &p));
  if (len) memcpy(p, data, len);
  IBufferByteAccess_Release(bba);
  CHECK_HR(IBuffer_put_Length(b, len));
  return b;
}

UINT32 t_buffer_bytes(IBuffer *b, BYTE *out, UINT32 cap) {
  UINT32 len = 0;
  CHECK_HR(IBuffer_get_Length(b, &len));
  IBufferByteAccess *bba = NULL;
  CHECK_HR(IBuffer_QueryInterface(b, &IID_IBufferByteAccess, (void **)&bba));
  BYTE *p = NULL;
  CHECK_HR(IBufferByteAccess_Buffer(bba, &p));
  memcpy(out, p, len < cap ? len : cap);
  IBufferByteAccess_Release(bba);
  return len;
}

GUID t_uuid16(UINT16 v) {
  GUID g = {0x00000000, 0x0000, 0x1000, {0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb}};
  g.Data1 = v;
  return g;
}

UINT64 t_addr(const char *s) {
  unsigned b[6];
  CHECK(sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6);
  UINT64 v = 0;
  for (int i = 0; i < 6; i++) v = (v << 8) | b[i];
  return v;
}

/* ---- boxed values ------------------------------------------------------------------------------ */

typedef struct t_box {
  const void *lpVtbl;
  LONG refs;
  const IID *iid;
  union {
    INT16 i16;
    TimeSpan ts;
  } v;
} t_box;

static HRESULT STDMETHODCALLTYPE box_QueryInterface(t_box *b, REFIID riid, void **out) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IInspectable) ||
      IsEqualIID(riid, &IID_IAgileObject) || IsEqualIID(riid, b->iid)) {
    InterlockedIncrement(&b->refs);
    *out = b;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE box_AddRef(t_box *b) { return (ULONG)InterlockedIncrement(&b->refs); }
static ULONG STDMETHODCALLTYPE box_Release(t_box *b) {
  LONG r = InterlockedDecrement(&b->refs);
  if (r == 0) free(b);
  return (ULONG)r;
}
static HRESULT STDMETHODCALLTYPE box_GetIids(t_box *b, ULONG *n, IID **iids) {
  (void)b;
  *n = 0;
  *iids = NULL;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_GetRuntimeClassName(t_box *b, HSTRING *name) {
  (void)b;
  *name = NULL;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_GetTrustLevel(t_box *b, TrustLevel *level) {
  (void)b;
  *level = BaseTrust;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_get_i16(t_box *b, INT16 *v) {
  *v = b->v.i16;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_get_ts(t_box *b, TimeSpan *v) {
  *v = b->v.ts;
  return S_OK;
}

static const struct {
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel, *get_Value;
} box_i16_vtbl = {(void *)box_QueryInterface, (void *)box_AddRef, (void *)box_Release, (void *)box_GetIids,
                  (void *)box_GetRuntimeClassName, (void *)box_GetTrustLevel, (void *)box_get_i16},
  box_ts_vtbl = {(void *)box_QueryInterface, (void *)box_AddRef, (void *)box_Release, (void *)box_GetIids,
                 (void *)box_GetRuntimeClassName, (void *)box_GetTrustLevel, (void *)box_get_ts};

__FIReference_1_INT16 *t_box_i16(INT16 v) {
  t_box *b = calloc(1, sizeof *b);
  CHECK(b != NULL);
  b->lpVtbl = &box_i16_vtbl;
  b->refs = 1;
  b->iid = &IID___FIReference_1_INT16;
  b->v.i16 = v;
  return (__FIReference_1_INT16 *)b;
}

__FIReference_1_TimeSpan *t_box_timespan(INT64 ticks) {
  t_box *b = calloc(1, sizeof *b);
  CHECK(b != NULL);
  b->lpVtbl = &box_ts_vtbl;
  b->refs = 1;
  b->iid = &IID___FIReference_1_TimeSpan;
  b->v.ts.Duration = ticks;
  return (__FIReference_1_TimeSpan *)b;
}
