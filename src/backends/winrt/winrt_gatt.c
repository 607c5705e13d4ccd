/* SPDX-License-Identifier: MIT */
/*
 * winrt_gatt.c — GATT through WinRT: discovery (GetGattServicesAsync with the cache mode,
 * then the characteristics and descriptors of each service; a service Windows denies is
 * skipped), reads with a cache mode, writes with GattWriteOption, notifications by
 * writing the CCCD and handling ValueChanged. The backend owns the WinRT objects in its
 * own table (handle → object); the GATT model gets no backend pointers, so nothing in it
 * can outlive them.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

#define H_SERVICES &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult
#define H_CHARS &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult
#define H_DESCS &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult
#define H_READ &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult
#define H_WRITE &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult
#define H_VALUE &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattValueChangedEventArgs

typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService ServiceView;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic CharView;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptor DescView;

void wr_gatt_release(wr_attr *attrs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    wr_attr *a = &attrs[i];
    if (a->value_handler) {
      IGattCharacteristic_remove_ValueChanged((IGattCharacteristic *)a->obj, a->value_token);
      wr_delegate_release(a->value_handler);
    }
    if (a->kind == 0) wr_close(a->obj);
    IUnknown_Release(a->obj);
  }
  free(attrs);
}

IUnknown *wr_client_attr(wr_client *wc, uint16_t handle, int kind) {
  IUnknown *o = NULL;
  EnterCriticalSection(&wc->lock);
  for (size_t i = 0; i < wc->nattrs && !o; i++)
    if (wc->attrs[i].kind == kind && wc->attrs[i].handle == handle) {
      o = wc->attrs[i].obj;
      IUnknown_AddRef(o);
    }
  LeaveCriticalSection(&wc->lock);
  return o;
}

/* ---- discovery ------------------------------------------------------------------------------ */

typedef struct table {
  wr_attr *v;
  size_t n, cap;
} table;

static bool push(table *t, int kind, uint16_t handle, IUnknown *obj) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    wr_attr *v = realloc(t->v, cap * sizeof *v);
    if (!v) return false;
    t->v = v;
    t->cap = cap;
  }
  memset(&t->v[t->n], 0, sizeof t->v[0]);
  t->v[t->n].kind = kind;
  t->v[t->n].handle = handle;
  t->v[t->n].obj = obj;
  t->n++;
  return true;
}

/* Characteristics and descriptors of one service into t. GattCommunicationStatus, or -1 on HRESULT failure. */
static int discover_service(wr_job *job, IGattDeviceService *svc, BluetoothCacheMode mode, table *t, HRESULT *hr_out) {
  IGattDeviceService3 *s3 = NULL;
  HRESULT hr = IGattDeviceService_QueryInterface(svc, &IID_IGattDeviceService3, (void **)&s3);
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult *op = NULL;
  IGattCharacteristicsResult *r = NULL;
  if (SUCCEEDED(hr)) hr = IGattDeviceService3_GetCharacteristicsWithCacheModeAsync(s3, mode, &op);
  if (s3) IGattDeviceService3_Release(s3);
  if (SUCCEEDED(hr)) hr = wr_await_ptr(job, op, H_CHARS, (void **)&r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    *hr_out = hr;
    return -1;
  }
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  CharView *cv = NULL;
  IGattCharacteristicsResult_get_Status(r, &st);
  if (st == GattCommunicationStatus_Success) hr = IGattCharacteristicsResult_get_Characteristics(r, &cv);
  IGattCharacteristicsResult_Release(r);
  if (st != GattCommunicationStatus_Success) return (int)st;
  if (FAILED(hr) || !cv) {
    *hr_out = FAILED(hr) ? hr : E_POINTER;
    return -1;
  }
  UINT32 n = 0;
  cv->lpVtbl->get_Size(cv, &n);
  int result = GattCommunicationStatus_Success;
  for (UINT32 i = 0; i < n && result == GattCommunicationStatus_Success; i++) {
    IGattCharacteristic *ch = NULL;
    if (FAILED(hr = cv->lpVtbl->GetAt(cv, i, &ch))) {
      *hr_out = hr;
      result = -1;
      break;
    }
    UINT16 h = 0;
    IGattCharacteristic_get_AttributeHandle(ch, &h);
    if (!push(t, 1, h, (IUnknown *)ch)) {
      IGattCharacteristic_Release(ch);
      *hr_out = E_OUTOFMEMORY;
      result = -1;
      break;
    }
    IGattCharacteristic3 *c3 = NULL;
    __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult *dop = NULL;
    IGattDescriptorsResult *dr = NULL;
    hr = IGattCharacteristic_QueryInterface(ch, &IID_IGattCharacteristic3, (void **)&c3);
    if (SUCCEEDED(hr)) hr = IGattCharacteristic3_GetDescriptorsWithCacheModeAsync(c3, mode, &dop);
    if (c3) IGattCharacteristic3_Release(c3);
    if (SUCCEEDED(hr)) hr = wr_await_ptr(job, dop, H_DESCS, (void **)&dr);
    if (SUCCEEDED(hr) && !dr) hr = E_POINTER;
    if (FAILED(hr)) {
      *hr_out = hr;
      result = -1;
      break;
    }
    GattCommunicationStatus dst = GattCommunicationStatus_Success;
    DescView *dv = NULL;
    IGattDescriptorsResult_get_Status(dr, &dst);
    if (dst == GattCommunicationStatus_Success) IGattDescriptorsResult_get_Descriptors(dr, &dv);
    IGattDescriptorsResult_Release(dr);
    if (dst != GattCommunicationStatus_Success) {
      result = (int)dst;
      break;
    }
    UINT32 nd = 0;
    if (dv) dv->lpVtbl->get_Size(dv, &nd);
    for (UINT32 k = 0; k < nd; k++) {
      IGattDescriptor *d = NULL;
      if (FAILED(dv->lpVtbl->GetAt(dv, k, &d))) continue;
      UINT16 dh = 0;
      IGattDescriptor_get_AttributeHandle(d, &dh);
      if (!push(t, 2, dh, (IUnknown *)d)) IGattDescriptor_Release(d);
    }
    if (dv) dv->lpVtbl->Release(dv);
  }
  cv->lpVtbl->Release(cv);
  return result;
}

static void add_to_model(blec_op *op, const table *t) {
  for (size_t i = 0; i < t->n; i++) {
    const wr_attr *a = &t->v[i];
    GUID g;
    memset(&g, 0, sizeof g);
    if (a->kind == 0) {
      IGattDeviceService_get_Uuid((IGattDeviceService *)a->obj, &g);
      uint16_t end = a->handle;
      for (size_t k = i + 1; k < t->n && t->v[k].kind != 0; k++)
        if (t->v[k].handle > end) end = t->v[k].handle;
      blec_uuid u = wr_uuid_from_guid(&g);
      blec__gatt_add_service(op, a->handle, end, &u, NULL);
    } else if (a->kind == 1) {
      GattCharacteristicProperties p = GattCharacteristicProperties_None;
      IGattCharacteristic_get_Uuid((IGattCharacteristic *)a->obj, &g);
      IGattCharacteristic_get_CharacteristicProperties((IGattCharacteristic *)a->obj, &p);
      blec_uuid u = wr_uuid_from_guid(&g);
      /* GattCharacteristicProperties has the bits of the declaration and extended properties, as BLEC_PROP_*. */
      blec__gatt_add_characteristic(op, a->handle, &u, (uint32_t)p & 0x3ffu, NULL);
    } else {
      IGattDescriptor_get_Uuid((IGattDescriptor *)a->obj, &g);
      blec_uuid u = wr_uuid_from_guid(&g);
      blec__gatt_add_descriptor(op, a->handle, &u, NULL);
    }
  }
}

static IBluetoothLEDevice *device_of(wr_client *wc) {
  EnterCriticalSection(&wc->lock);
  IBluetoothLEDevice *d = wc->up ? wc->dev : NULL;
  if (d) IBluetoothLEDevice_AddRef(d);
  LeaveCriticalSection(&wc->lock);
  return d;
}

static void discover_run(wr_job *job) {
  wr_client *wc = job->wc;
  IBluetoothLEDevice *dev = device_of(wc);
  if (!dev) {
    blec__op_complete(job->op, BLEC_ERR_NOT_CONNECTED);
    return;
  }
  BluetoothCacheMode mode = job->mode == BLEC_CACHE_UNCACHED ? BluetoothCacheMode_Uncached : BluetoothCacheMode_Cached;
  IBluetoothLEDevice3 *d3 = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult *op = NULL;
  IGattDeviceServicesResult *r = NULL;
  HRESULT hr = IBluetoothLEDevice_QueryInterface(dev, &IID_IBluetoothLEDevice3, (void **)&d3);
  if (SUCCEEDED(hr)) hr = IBluetoothLEDevice3_GetGattServicesWithCacheModeAsync(d3, mode, &op);
  if (d3) IBluetoothLEDevice3_Release(d3);
  IBluetoothLEDevice_Release(dev);
  if (SUCCEEDED(hr)) hr = wr_await_ptr(job, op, H_SERVICES, (void **)&r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "GetGattServicesAsync");
    return;
  }
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  IGattDeviceServicesResult_get_Status(r, &st);
  __FIReference_1_BYTE *pe = NULL;
  int proto = -1;
  if (st == GattCommunicationStatus_ProtocolError && SUCCEEDED(IGattDeviceServicesResult_get_ProtocolError(r, &pe)) && pe) {
    BYTE b = 0;
    if (SUCCEEDED(__FIReference_1_BYTE_get_Value(pe, &b))) proto = b;
    __FIReference_1_BYTE_Release(pe);
  }
  ServiceView *sv = NULL;
  if (st == GattCommunicationStatus_Success) hr = IGattDeviceServicesResult_get_Services(r, &sv);
  IGattDeviceServicesResult_Release(r);
  if (st != GattCommunicationStatus_Success) {
    wr_complete_gatt(job->op, st, proto, "getting the services");
    return;
  }
  if (FAILED(hr) || !sv) {
    wr_complete_hr(job->op, FAILED(hr) ? hr : E_POINTER, "GattDeviceServicesResult.Services");
    return;
  }
  table t = {NULL, 0, 0};
  UINT32 n = 0;
  sv->lpVtbl->get_Size(sv, &n);
  int fail = GattCommunicationStatus_Success;
  HRESULT fail_hr = S_OK;
  for (UINT32 i = 0; i < n && fail == GattCommunicationStatus_Success; i++) {
    IGattDeviceService *s = NULL;
    if (FAILED(fail_hr = sv->lpVtbl->GetAt(sv, i, &s))) {
      fail = -1;
      break;
    }
    UINT16 h = 0;
    IGattDeviceService_get_AttributeHandle(s, &h);
    size_t mark = t.n;
    if (!push(&t, 0, h, (IUnknown *)s)) {
      wr_close(s);
      IGattDeviceService_Release(s);
      fail = -1;
      fail_hr = E_OUTOFMEMORY;
      break;
    }
    int rs = discover_service(job, s, mode, &t, &fail_hr);
    if (rs == GattCommunicationStatus_AccessDenied) {
      /* Windows keeps some services (HID) to itself: skip, not fatal. */
      wr_gatt_release(t.v + mark, 0);
      for (size_t k = mark; k < t.n; k++) {
        if (t.v[k].kind == 0) wr_close(t.v[k].obj);
        IUnknown_Release(t.v[k].obj);
      }
      t.n = mark;
      continue;
    }
    fail = rs;
  }
  sv->lpVtbl->Release(sv);
  if (fail != GattCommunicationStatus_Success) {
    if (fail < 0)
      wr_complete_hr(job->op, fail_hr, "discovering characteristics and descriptors");
    else
      wr_complete_gatt(job->op, (GattCommunicationStatus)fail, -1, "discovering characteristics and descriptors");
    wr_gatt_release(t.v, t.n);
    return;
  }
  add_to_model(job->op, &t);
  EnterCriticalSection(&wc->lock);
  wr_attr *old = wc->attrs;
  size_t old_n = wc->nattrs;
  bool keep = wc->up;
  if (keep) {
    wc->attrs = t.v;
    wc->nattrs = t.n;
  }
  LeaveCriticalSection(&wc->lock);
  if (keep)
    wr_gatt_release(old, old_n);
  else
    wr_gatt_release(t.v, t.n);
  blec__op_complete(job->op, keep ? BLEC_OK : BLEC_ERR_DISCONNECTED);
}

static int start(blec_client *c, blec_op *op, void (*run)(wr_job *), wr_job *args) {
  wr_client *wc = wr_client_of(c, false);
  if (!wc) {
    free(args->data);
    return BLEC_ERR_NOT_CONNECTED;
  }
  InterlockedIncrement(&wc->refs);
  args->wc = wc;
  int r = wr_job_start(blec__client_ctx(c), op, run, args);
  if (r != BLEC_OK) {
    wr_client_unref(wc);
    free(args->data);
  }
  return r;
}

int wr_discover(blec_client *c, blec_op *op, blec_cache_mode mode) {
  wr_job a;
  memset(&a, 0, sizeof a);
  a.mode = (int)mode;
  return start(c, op, discover_run, &a);
}

/* ---- read / write ----------------------------------------------------------------------------- */

static IUnknown *attr_or_fail(wr_job *job) {
  IUnknown *o = wr_client_attr(job->wc, job->handle, job->descriptor ? 2 : 1);
  if (!o) {
    EnterCriticalSection(&job->wc->lock);
    bool up = job->wc->up;
    LeaveCriticalSection(&job->wc->lock);
    blec__op_complete(job->op, !up                ? BLEC_ERR_NOT_CONNECTED
                               : job->descriptor ? BLEC_ERR_DESCRIPTOR_NOT_FOUND
                                                 : BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  }
  return o;
}

static int protocol_error_of(void *result, const IID *iid2) {
  /* IGattReadResult2 and IGattWriteResult share get_ProtocolError's slot after IInspectable. */
  IGattWriteResult *w = NULL;
  int v = -1;
  if (SUCCEEDED(IUnknown_QueryInterface((IUnknown *)result, iid2, (void **)&w))) {
    __FIReference_1_BYTE *pe = NULL;
    HRESULT hr = IsEqualIID(iid2, &IID_IGattReadResult2) ? IGattReadResult2_get_ProtocolError((IGattReadResult2 *)w, &pe)
                                                         : IGattWriteResult_get_ProtocolError(w, &pe);
    if (SUCCEEDED(hr) && pe) {
      BYTE b = 0;
      if (SUCCEEDED(__FIReference_1_BYTE_get_Value(pe, &b))) v = b;
      __FIReference_1_BYTE_Release(pe);
    }
    IUnknown_Release((IUnknown *)w);
  }
  return v;
}

static void read_run(wr_job *job) {
  IUnknown *o = attr_or_fail(job);
  if (!o) return;
  BluetoothCacheMode mode = job->flag ? BluetoothCacheMode_Cached : BluetoothCacheMode_Uncached;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *op = NULL;
  HRESULT hr = job->descriptor ? IGattDescriptor_ReadValueWithCacheModeAsync((IGattDescriptor *)o, mode, &op)
                               : IGattCharacteristic_ReadValueWithCacheModeAsync((IGattCharacteristic *)o, mode, &op);
  IUnknown_Release(o);
  IGattReadResult *r = NULL;
  if (SUCCEEDED(hr)) hr = wr_await_ptr(job, op, H_READ, (void **)&r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "ReadValueAsync");
    return;
  }
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  IGattReadResult_get_Status(r, &st);
  if (st != GattCommunicationStatus_Success) {
    wr_complete_gatt(job->op, st, protocol_error_of(r, &IID_IGattReadResult2), "reading");
  } else {
    IBuffer *b = NULL;
    BYTE *p = NULL;
    UINT32 n = 0;
    hr = IGattReadResult_get_Value(r, &b);
    if (SUCCEEDED(hr) && b) hr = wr_buffer_bytes(b, &p, &n);
    if (FAILED(hr))
      wr_complete_hr(job->op, hr, "GattReadResult.Value");
    else
      blec__op_complete_data(job->op, p, n);
    if (b) IBuffer_Release(b);
  }
  IGattReadResult_Release(r);
}

int wr_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached) {
  wr_job a;
  memset(&a, 0, sizeof a);
  a.handle = handle;
  a.descriptor = descriptor;
  a.flag = cached;
  return start(c, op, read_run, &a);
}

static void finish_write(wr_job *job, HRESULT hr, IGattWriteResult *r, const char *what) {
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, what);
    return;
  }
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  IGattWriteResult_get_Status(r, &st);
  if (st == GattCommunicationStatus_Success)
    blec__op_complete(job->op, BLEC_OK);
  else
    wr_complete_gatt(job->op, st, protocol_error_of(r, &IID_IGattWriteResult), what);
  IGattWriteResult_Release(r);
}

static void write_run(wr_job *job) {
  IUnknown *o = attr_or_fail(job);
  if (!o) return;
  IBuffer *b = NULL;
  HRESULT hr = wr_buffer_new(job->data, (UINT32)job->len, &b);
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult *op = NULL;
  if (SUCCEEDED(hr)) {
    if (job->descriptor) {
      IGattDescriptor2 *d2 = NULL;
      hr = IUnknown_QueryInterface(o, &IID_IGattDescriptor2, (void **)&d2);
      if (SUCCEEDED(hr)) {
        hr = IGattDescriptor2_WriteValueWithResultAsync(d2, b, &op);
        IGattDescriptor2_Release(d2);
      }
    } else {
      IGattCharacteristic3 *c3 = NULL;
      hr = IUnknown_QueryInterface(o, &IID_IGattCharacteristic3, (void **)&c3);
      if (SUCCEEDED(hr)) {
        hr = IGattCharacteristic3_WriteValueWithResultAndOptionAsync(
            c3, b, job->flag ? GattWriteOption_WriteWithResponse : GattWriteOption_WriteWithoutResponse, &op);
        IGattCharacteristic3_Release(c3);
      }
    }
    IBuffer_Release(b);
  }
  IUnknown_Release(o);
  IGattWriteResult *r = NULL;
  if (SUCCEEDED(hr)) hr = wr_await_ptr(job, op, H_WRITE, (void **)&r);
  finish_write(job, hr, r, "writing");
}

int wr_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response) {
  wr_job a;
  memset(&a, 0, sizeof a);
  a.handle = handle;
  a.descriptor = descriptor;
  a.flag = with_response;
  a.len = len;
  a.data = malloc(len ? len : 1);
  if (!a.data) return BLEC_ERR_NO_MEMORY;
  if (len) memcpy(a.data, data, len);
  return start(c, op, write_run, &a);
}

/* ---- notifications -------------------------------------------------------------------------------- */

typedef struct value_ctx {
  wr_client *wc;
  uint16_t handle;
} value_ctx;

static void value_ctx_free(void *p) {
  value_ctx *v = p;
  wr_client_unref(v->wc);
  free(v);
}

static HRESULT on_value(void *ctx, void *sender, void *args) {
  (void)sender;
  value_ctx *v = ctx;
  IGattValueChangedEventArgs *a = args;
  IBuffer *b = NULL;
  if (!a || FAILED(IGattValueChangedEventArgs_get_CharacteristicValue(a, &b)) || !b) return S_OK;
  BYTE *p = NULL;
  UINT32 n = 0;
  if (SUCCEEDED(wr_buffer_bytes(b, &p, &n))) {
    EnterCriticalSection(&v->wc->lock);
    blec_client *c = v->wc->c && v->wc->up ? blec__client_ref(v->wc->c) : NULL;
    LeaveCriticalSection(&v->wc->lock);
    if (c) {
      blec__client_value(c, v->handle, p, n);
      blec__client_unref(c);
    }
  }
  IBuffer_Release(b);
  return S_OK;
}

/* Adds (on) or removes (off) the ValueChanged handler of the table entry. */
static HRESULT set_handler(wr_client *wc, uint16_t handle, bool on) {
  HRESULT hr = S_OK;
  void *old = NULL;
  IGattCharacteristic *ch = NULL;
  EventRegistrationToken tok;
  EnterCriticalSection(&wc->lock);
  for (size_t i = 0; i < wc->nattrs; i++) {
    wr_attr *a = &wc->attrs[i];
    if (a->kind != 1 || a->handle != handle) continue;
    ch = (IGattCharacteristic *)a->obj;
    if (on && !a->value_handler) {
      value_ctx *v = malloc(sizeof *v);
      if (!v) {
        hr = E_OUTOFMEMORY;
        break;
      }
      v->wc = wc;
      v->handle = handle;
      InterlockedIncrement(&wc->refs);
      void *d = wr_delegate_new(H_VALUE, on_value, v, value_ctx_free);
      hr = d ? IGattCharacteristic_add_ValueChanged(ch, d, &a->value_token) : E_OUTOFMEMORY;
      if (SUCCEEDED(hr))
        a->value_handler = d;
      else
        wr_delegate_release(d);
    } else if (!on && a->value_handler) {
      old = a->value_handler;
      tok = a->value_token;
      a->value_handler = NULL;
      IGattCharacteristic_AddRef(ch);
    }
    break;
  }
  LeaveCriticalSection(&wc->lock);
  if (old) {
    IGattCharacteristic_remove_ValueChanged(ch, tok);
    IGattCharacteristic_Release(ch);
    wr_delegate_release(old);
  }
  return hr;
}

static void subscribe_run(wr_job *job) {
  IUnknown *o = attr_or_fail(job);
  if (!o) return;
  bool on = job->mode != BLEC__CCCD_OFF;
  HRESULT hr = on ? set_handler(job->wc, job->handle, true) : S_OK;
  GattClientCharacteristicConfigurationDescriptorValue v =
      job->mode == BLEC__CCCD_NOTIFY     ? GattClientCharacteristicConfigurationDescriptorValue_Notify
      : job->mode == BLEC__CCCD_INDICATE ? GattClientCharacteristicConfigurationDescriptorValue_Indicate
                                         : GattClientCharacteristicConfigurationDescriptorValue_None;
  IGattCharacteristic3 *c3 = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult *op = NULL;
  if (SUCCEEDED(hr)) hr = IUnknown_QueryInterface(o, &IID_IGattCharacteristic3, (void **)&c3);
  if (SUCCEEDED(hr)) hr = IGattCharacteristic3_WriteClientCharacteristicConfigurationDescriptorWithResultAsync(c3, v, &op);
  if (c3) IGattCharacteristic3_Release(c3);
  IUnknown_Release(o);
  IGattWriteResult *r = NULL;
  if (SUCCEEDED(hr)) hr = wr_await_ptr(job, op, H_WRITE, (void **)&r);
  GattCommunicationStatus st = GattCommunicationStatus_Unreachable;
  if (SUCCEEDED(hr) && r) IGattWriteResult_get_Status(r, &st);
  /* Off, or on that failed: no handler left behind. */
  if (!on || st != GattCommunicationStatus_Success) set_handler(job->wc, job->handle, false);
  finish_write(job, hr, r, "writing the CCCD");
}

int wr_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode) {
  wr_job a;
  memset(&a, 0, sizeof a);
  a.handle = value_handle;
  a.mode = (int)mode;
  return start(c, op, subscribe_run, &a);
}
