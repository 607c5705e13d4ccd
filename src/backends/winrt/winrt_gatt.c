/* SPDX-License-Identifier: MIT */
/*
 * winrt_gatt.c — discovery through WinRT: the device's services (all of them, or only
 * those the program asked for, through GetGattServicesForUuidAsync, so that a service not
 * asked for cannot fail the connect), then the characteristics and descriptors of each,
 * with the connect's cache mode (the OS's choice unless the program chose one, as bleak's
 * use_cached_services). A service Windows keeps to itself (HID: AccessDenied) is
 * skipped, wherever it sits (issue 10, defect 1). Every property read is checked: a
 * failed AttributeHandle fails the discovery instead of becoming handle 0.
 *
 * Windows' documentation does not say whether GattCharacteristic.AttributeHandle is the
 * characteristic's declaration handle or its value handle; the GATT layout tells (a value
 * handle is never its service's handle + 1; a first descriptor right after the
 * characteristic's handle means it is the value handle), and blec's handles are value
 * handles either way.
 *
 * Discovery is also the GATT request that brings the link up (bleak #604): once it has
 * answered, it waits for the session to be Active (making one request to the device
 * itself when the answer came from the OS's cache) and for the MTU exchange, so that the
 * connect completes with the link really up and the real MTU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService ServiceView;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic CharView;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptor DescView;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult ServicesOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult CharsOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult DescsOp;

IUnknown *wr_client_attr(wr_client *wc, wr_attr_kind kind, uint16_t handle) {
  IUnknown *o = NULL;
  blec__mutex_lock(&wc->lock);
  for (size_t i = 0; i < wc->gatt.n && !o; i++)
    if (wc->gatt.v[i].kind == kind && wc->gatt.v[i].handle == handle) {
      o = wc->gatt.v[i].obj;
      IUnknown_AddRef(o);
    }
  blec__mutex_unlock(&wc->lock);
  return o;
}

static bool push(wr_table *t, wr_attr_kind kind, uint16_t handle, IUnknown *obj) {
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

/* Releases the entries from `mark` on (the table keeps its memory). */
static void truncate_table(wr_ctx *w, wr_table *t, size_t mark) {
  for (size_t k = mark; k < t->n; k++) {
    if (t->v[k].kind == WR_ATTR_SERVICE) wr_close(w, t->v[k].obj, "GattDeviceService.Close");
    IUnknown_Release(t->v[k].obj);
  }
  t->n = mark;
}

/* ---- one discovery ------------------------------------------------------------------------------------ */

typedef struct discover_job {
  wr_job base;
  blec_cache_mode mode;
} discover_job;

/* How a discovery ended, when not with success. */
typedef struct outcome {
  HRESULT hr;                /* failed HRESULT, or S_OK */
  GattCommunicationStatus st; /* when hr is S_OK: a status other than Success */
  int att;                   /* its ATT error, or -1 */
  const char *what;
  char where[96];            /* `what` naming the service that failed, when one did */
} outcome;

static bool failed(const outcome *o) { return FAILED(o->hr) || o->st != GattCommunicationStatus_Success; }

static void set_hr(outcome *o, HRESULT hr, const char *what) {
  o->hr = hr;
  o->what = what;
}

static void complete_outcome(wr_job *job, const outcome *o) {
  if (FAILED(o->hr))
    wr_complete_hr(job->op, o->hr, o->what);
  else
    wr_complete_gatt(job->op, o->st, o->att, o->what);
}

/* A service with the handle it sorts by. */
typedef struct found_service {
  IGattDeviceService *svc;
  uint16_t handle;
} found_service;

typedef struct service_list {
  found_service *v;
  size_t n, cap;
} service_list;

static void services_free(service_list *l) {
  for (size_t i = 0; i < l->n; i++)
    if (l->v[i].svc) IGattDeviceService_Release(l->v[i].svc);
  free(l->v);
}

static int by_handle(const void *a, const void *b) {
  const found_service *x = a, *y = b;
  return (int)x->handle - (int)y->handle;
}

/* Appends the services of one GetGattServices*Async result. */
static void take_services(wr_ctx *w, IGattDeviceServicesResult *r, service_list *l, outcome *o) {
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  HRESULT hr = wr_hr(w, IGattDeviceServicesResult_get_Status(r, &st), "GattDeviceServicesResult.Status");
  if (FAILED(hr)) {
    set_hr(o, hr, "GattDeviceServicesResult.Status");
    return;
  }
  wr_log(w, BLEC_LOG_DEBUG, "GetGattServicesAsync: %s", wr_gatt_status_name(st));
  if (st != GattCommunicationStatus_Success) {
    __FIReference_1_BYTE *pe = NULL;
    o->st = st;
    o->att = -1;
    o->what = "getting the services";
    if (st == GattCommunicationStatus_ProtocolError &&
        SUCCEEDED(wr_hr(w, IGattDeviceServicesResult_get_ProtocolError(r, &pe), "GattDeviceServicesResult.ProtocolError"))) {
      o->att = wr_protocol_error(pe);
      if (pe) __FIReference_1_BYTE_Release(pe);
    }
    return;
  }
  ServiceView *sv = NULL;
  hr = wr_hr(w, IGattDeviceServicesResult_get_Services(r, &sv), "GattDeviceServicesResult.Services");
  if (SUCCEEDED(hr) && !sv) hr = E_POINTER;
  UINT32 n = 0;
  if (SUCCEEDED(hr)) hr = wr_hr(w, sv->lpVtbl->get_Size(sv, &n), "Services.Size");
  for (UINT32 i = 0; SUCCEEDED(hr) && i < n; i++) {
    IGattDeviceService *s = NULL;
    UINT16 h = 0;
    hr = wr_hr(w, sv->lpVtbl->GetAt(sv, i, &s), "Services.GetAt");
    if (SUCCEEDED(hr)) hr = wr_hr(w, IGattDeviceService_get_AttributeHandle(s, &h), "GattDeviceService.AttributeHandle");
    if (SUCCEEDED(hr) && l->n == l->cap) {
      size_t cap = l->cap ? l->cap * 2 : 16;
      found_service *v = realloc(l->v, cap * sizeof *v);
      if (v) {
        l->v = v;
        l->cap = cap;
      } else {
        hr = E_OUTOFMEMORY;
      }
    }
    if (FAILED(hr)) {
      if (s) IGattDeviceService_Release(s);
      break;
    }
    l->v[l->n].svc = s;
    l->v[l->n].handle = h;
    l->n++;
  }
  if (sv) sv->lpVtbl->Release(sv);
  if (FAILED(hr)) set_hr(o, hr, "listing the services");
}

static void get_services(discover_job *j, IBluetoothLEDevice3 *d3, blec_client *c, service_list *l, outcome *o) {
  wr_ctx *w = j->base.w;
  BluetoothCacheMode mode = j->mode == BLEC_CACHE_UNCACHED ? BluetoothCacheMode_Uncached : BluetoothCacheMode_Cached;
  const blec_uuid *want = NULL;
  size_t nwant = blec__client_services(c, &want);
  for (size_t i = 0; i < (nwant ? nwant : 1) && !failed(o); i++) {
    ServicesOp *op = NULL;
    HRESULT hr;
    if (nwant) {
      GUID g = wr_guid_from_uuid(&want[i]);
      hr = j->mode == BLEC_CACHE_DEFAULT ? IBluetoothLEDevice3_GetGattServicesForUuidAsync(d3, g, &op)
                                         : IBluetoothLEDevice3_GetGattServicesForUuidWithCacheModeAsync(d3, g, mode, &op);
    } else {
      hr = j->mode == BLEC_CACHE_DEFAULT ? IBluetoothLEDevice3_GetGattServicesAsync(d3, &op)
                                         : IBluetoothLEDevice3_GetGattServicesWithCacheModeAsync(d3, mode, &op);
    }
    IGattDeviceServicesResult *r = NULL;
    if (SUCCEEDED(wr_hr(w, hr, "BluetoothLEDevice.GetGattServicesAsync")))
      hr = wr_await_services(w, &j->base, -1, op, &r);
    if (SUCCEEDED(hr) && !r) hr = E_POINTER;
    if (FAILED(hr)) {
      set_hr(o, hr, "GetGattServicesAsync");
      break;
    }
    take_services(w, r, l, o);
    IGattDeviceServicesResult_Release(r);
  }
  if (!failed(o)) qsort(l->v, l->n, sizeof *l->v, by_handle);
}

/* A characteristic's or descriptor's list result: its status (and ATT error). */
#define RESULT_STATUS(T, r, o, w, name)                                                                   \
  do {                                                                                                    \
    GattCommunicationStatus st_ = GattCommunicationStatus_Success;                                        \
    HRESULT hr_ = wr_hr(w, T##_get_Status(r, &st_), name ".Status");                                      \
    if (FAILED(hr_)) {                                                                                    \
      set_hr(o, hr_, name ".Status");                                                                     \
    } else if (st_ != GattCommunicationStatus_Success) {                                                  \
      __FIReference_1_BYTE *pe_ = NULL;                                                                   \
      (o)->st = st_;                                                                                      \
      (o)->att = -1;                                                                                      \
      (o)->what = "discovering " name;                                                                    \
      if (SUCCEEDED(T##_get_ProtocolError(r, &pe_)) && pe_) {                                             \
        (o)->att = wr_protocol_error(pe_);                                                                \
        __FIReference_1_BYTE_Release(pe_);                                                                \
      }                                                                                                   \
    }                                                                                                     \
  } while (0)

static void get_descriptors(discover_job *j, IGattCharacteristic *ch, wr_table *t, outcome *o) {
  wr_ctx *w = j->base.w;
  IGattCharacteristic3 *c3 = NULL;
  DescsOp *op = NULL;
  IGattDescriptorsResult *r = NULL;
  HRESULT hr = wr_qi(w, ch, WR_IF_CHARACTERISTIC3, (void **)&c3);
  if (SUCCEEDED(hr))
    hr = wr_hr(w,
               j->mode == BLEC_CACHE_DEFAULT
                   ? IGattCharacteristic3_GetDescriptorsAsync(c3, &op)
                   : IGattCharacteristic3_GetDescriptorsWithCacheModeAsync(
                         c3, j->mode == BLEC_CACHE_UNCACHED ? BluetoothCacheMode_Uncached : BluetoothCacheMode_Cached, &op),
               "GattCharacteristic.GetDescriptorsAsync");
  if (c3) IGattCharacteristic3_Release(c3);
  if (SUCCEEDED(hr)) hr = wr_await_descriptors(w, &j->base, -1, op, &r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    set_hr(o, hr, "GetDescriptorsAsync");
    return;
  }
  RESULT_STATUS(IGattDescriptorsResult, r, o, w, "descriptors");
  DescView *dv = NULL;
  if (!failed(o)) {
    hr = wr_hr(w, IGattDescriptorsResult_get_Descriptors(r, &dv), "GattDescriptorsResult.Descriptors");
    if (SUCCEEDED(hr) && !dv) hr = E_POINTER;
    if (FAILED(hr)) set_hr(o, hr, "GattDescriptorsResult.Descriptors");
  }
  IGattDescriptorsResult_Release(r);
  UINT32 n = 0;
  if (!failed(o) && FAILED(hr = wr_hr(w, dv->lpVtbl->get_Size(dv, &n), "Descriptors.Size"))) set_hr(o, hr, "Descriptors.Size");
  for (UINT32 k = 0; !failed(o) && k < n; k++) {
    IGattDescriptor *d = NULL;
    UINT16 h = 0;
    hr = wr_hr(w, dv->lpVtbl->GetAt(dv, k, &d), "Descriptors.GetAt");
    if (SUCCEEDED(hr)) hr = wr_hr(w, IGattDescriptor_get_AttributeHandle(d, &h), "GattDescriptor.AttributeHandle");
    if (SUCCEEDED(hr) && !push(t, WR_ATTR_DESCRIPTOR, h, (IUnknown *)d)) hr = E_OUTOFMEMORY;
    if (FAILED(hr)) {
      if (d) IGattDescriptor_Release(d);
      set_hr(o, hr, "listing the descriptors");
    }
  }
  if (dv) dv->lpVtbl->Release(dv);
}

/* Characteristics (and their descriptors) of one service. AccessDenied is returned in o. */
static void get_characteristics(discover_job *j, IGattDeviceService *svc, wr_table *t, outcome *o) {
  wr_ctx *w = j->base.w;
  IGattDeviceService3 *s3 = NULL;
  CharsOp *op = NULL;
  IGattCharacteristicsResult *r = NULL;
  HRESULT hr = wr_qi(w, svc, WR_IF_SERVICE3, (void **)&s3);
  if (SUCCEEDED(hr))
    hr = wr_hr(w,
               j->mode == BLEC_CACHE_DEFAULT
                   ? IGattDeviceService3_GetCharacteristicsAsync(s3, &op)
                   : IGattDeviceService3_GetCharacteristicsWithCacheModeAsync(
                         s3, j->mode == BLEC_CACHE_UNCACHED ? BluetoothCacheMode_Uncached : BluetoothCacheMode_Cached, &op),
               "GattDeviceService.GetCharacteristicsAsync");
  if (s3) IGattDeviceService3_Release(s3);
  if (SUCCEEDED(hr)) hr = wr_await_characteristics(w, &j->base, -1, op, &r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    set_hr(o, hr, "GetCharacteristicsAsync");
    return;
  }
  RESULT_STATUS(IGattCharacteristicsResult, r, o, w, "characteristics");
  CharView *cv = NULL;
  if (!failed(o)) {
    hr = wr_hr(w, IGattCharacteristicsResult_get_Characteristics(r, &cv), "GattCharacteristicsResult.Characteristics");
    if (SUCCEEDED(hr) && !cv) hr = E_POINTER;
    if (FAILED(hr)) set_hr(o, hr, "GattCharacteristicsResult.Characteristics");
  }
  IGattCharacteristicsResult_Release(r);
  UINT32 n = 0;
  if (!failed(o) && FAILED(hr = wr_hr(w, cv->lpVtbl->get_Size(cv, &n), "Characteristics.Size")))
    set_hr(o, hr, "Characteristics.Size");
  for (UINT32 i = 0; !failed(o) && i < n; i++) {
    IGattCharacteristic *ch = NULL;
    UINT16 h = 0;
    hr = wr_hr(w, cv->lpVtbl->GetAt(cv, i, &ch), "Characteristics.GetAt");
    if (SUCCEEDED(hr)) hr = wr_hr(w, IGattCharacteristic_get_AttributeHandle(ch, &h), "GattCharacteristic.AttributeHandle");
    if (SUCCEEDED(hr) && !push(t, WR_ATTR_CHARACTERISTIC, h, (IUnknown *)ch)) hr = E_OUTOFMEMORY;
    if (FAILED(hr)) {
      if (ch) IGattCharacteristic_Release(ch);
      set_hr(o, hr, "listing the characteristics");
      break;
    }
    get_descriptors(j, ch, t, o);
  }
  if (cv) cv->lpVtbl->Release(cv);
}

/*
 * Declaration or value handles? Evidence from the layout: a characteristic at its
 * service's handle + 1 is a declaration; one whose first descriptor follows it directly
 * is a value. Value handles unless the evidence says otherwise.
 */
static bool declaration_handles(wr_ctx *w, const wr_table *t) {
  int decl = 0, value = 0;
  uint16_t svc = 0;
  for (size_t i = 0; i < t->n; i++) {
    const wr_attr *a = &t->v[i];
    if (a->kind == WR_ATTR_SERVICE) svc = a->handle;
    if (a->kind != WR_ATTR_CHARACTERISTIC) continue;
    if (a->handle == svc + 1) decl++;
    if (i + 1 < t->n && t->v[i + 1].kind == WR_ATTR_DESCRIPTOR) {
      if (t->v[i + 1].handle == a->handle + 1) value++;
      else if (t->v[i + 1].handle == a->handle + 2) decl++;
    }
  }
  bool d = decl > value;
  wr_log(w, BLEC_LOG_DEBUG, "AttributeHandle of characteristics: %s handles (evidence %d declaration, %d value)",
         d ? "declaration" : "value", decl, value);
  return d;
}

/* o->what, told of which service: "discovering characteristics of service <uuid> (handle 0x…)". */
static void name_service(wr_ctx *w, IGattDeviceService *svc, uint16_t handle, outcome *o) {
  GUID g;
  char text[BLEC_UUID_STRLEN] = "?";
  if (SUCCEEDED(wr_hr(w, IGattDeviceService_get_Uuid(svc, &g), "GattDeviceService.Uuid"))) {
    blec_uuid u = wr_uuid_from_guid(&g);
    blec_uuid_to_string(&u, text);
  }
  snprintf(o->where, sizeof o->where, "%s of service %s (handle 0x%04x)", o->what ? o->what : "discovering", text,
           (unsigned)handle);
  o->what = o->where;
  wr_log(w, BLEC_LOG_DEBUG, "%s failed", o->where);
}

static void build(discover_job *j, blec_client *c, IBluetoothLEDevice3 *d3, wr_table *t, outcome *o) {
  wr_ctx *w = j->base.w;
  service_list l = {NULL, 0, 0};
  get_services(j, d3, c, &l, o);
  for (size_t i = 0; i < l.n && !failed(o); i++) {
    size_t mark = t->n;
    if (!push(t, WR_ATTR_SERVICE, l.v[i].handle, (IUnknown *)l.v[i].svc)) {
      set_hr(o, E_OUTOFMEMORY, "discovering");
      break;
    }
    l.v[i].svc = NULL; /* the table owns it */
    get_characteristics(j, (IGattDeviceService *)t->v[mark].obj, t, o);
    if (!FAILED(o->hr) && o->st == GattCommunicationStatus_AccessDenied) {
      /* Windows keeps some services (HID) to itself: this one goes, the rest stays. */
      wr_log(w, BLEC_LOG_DEBUG, "service at handle 0x%04x: AccessDenied, skipped", (unsigned)t->v[mark].handle);
      truncate_table(w, t, mark);
      o->st = GattCommunicationStatus_Success;
    } else if (failed(o)) {
      /* Any other failure fails the discovery, as bleak's get_services does; the detail
       * names the service (a subset of services leaves the others unopened). */
      name_service(w, (IGattDeviceService *)t->v[mark].obj, t->v[mark].handle, o);
    }
  }
  services_free(&l);
  if (failed(o) || !declaration_handles(w, t)) return;
  for (size_t i = 0; i < t->n; i++)
    if (t->v[i].kind == WR_ATTR_CHARACTERISTIC) t->v[i].handle++; /* the value follows its declaration */
}

/* The table into the discover op's attributes (in database order): BLEC_OK, or the
 * status of the first failure (a property Windows would not give, or the model's own;
 * BLEC_ERR_STATE when the op already ended). */
static int add_to_model(wr_ctx *w, blec_op *op, const wr_table *t, HRESULT *failed_hr) {
  for (size_t i = 0; i < t->n; i++) {
    const wr_attr *a = &t->v[i];
    GUID g;
    HRESULT hr;
    int r = BLEC_OK;
    if (a->kind == WR_ATTR_SERVICE) {
      hr = wr_hr(w, IGattDeviceService_get_Uuid((IGattDeviceService *)a->obj, &g), "GattDeviceService.Uuid");
      uint16_t end = a->handle;
      for (size_t k = i + 1; k < t->n && t->v[k].kind != WR_ATTR_SERVICE; k++)
        if (t->v[k].handle > end) end = t->v[k].handle;
      blec_uuid u = wr_uuid_from_guid(&g);
      if (SUCCEEDED(hr)) r = blec__gatt_add_service(op, a->handle, end, &u, NULL);
    } else if (a->kind == WR_ATTR_CHARACTERISTIC) {
      GattCharacteristicProperties p = GattCharacteristicProperties_None;
      hr = wr_hr(w, IGattCharacteristic_get_Uuid((IGattCharacteristic *)a->obj, &g), "GattCharacteristic.Uuid");
      if (SUCCEEDED(hr))
        hr = wr_hr(w, IGattCharacteristic_get_CharacteristicProperties((IGattCharacteristic *)a->obj, &p),
                   "GattCharacteristic.CharacteristicProperties");
      blec_uuid u = wr_uuid_from_guid(&g);
      /* GattCharacteristicProperties has the declaration's and the extended bits, as BLEC_PROP_*. */
      if (SUCCEEDED(hr)) r = blec__gatt_add_characteristic(op, a->handle, &u, (uint32_t)p & 0x3ffu, NULL);
    } else {
      hr = wr_hr(w, IGattDescriptor_get_Uuid((IGattDescriptor *)a->obj, &g), "GattDescriptor.Uuid");
      blec_uuid u = wr_uuid_from_guid(&g);
      if (SUCCEEDED(hr)) r = blec__gatt_add_descriptor(op, a->handle, &u, NULL);
    }
    if (FAILED(hr)) {
      *failed_hr = hr;
      return BLEC_ERR_OS;
    }
    if (r != BLEC_OK) return r;
  }
  return BLEC_OK;
}

/* ---- the link, brought up by the discovery ----------------------------------------------------------- */

static bool session_lost(wr_client *wc) {
  return (wc->session_seen_active && wc->session_status != GattSessionStatus_Active) || wc->state == WR_LINK_NONE;
}
/* The link is up, or it went down (the discovery then fails with DISCONNECTED). */
static bool session_settled(wr_client *wc) {
  return wc->session_status == GattSessionStatus_Active || session_lost(wc);
}

/* Waits (woken by the session's handlers) until ready(wc), the job ends or ms pass. */
static bool wait_client(wr_job *job, wr_client *wc, bool (*ready)(wr_client *), int ms) {
  uint64_t deadline = ms < 0 ? UINT64_MAX : GetTickCount64() + (uint64_t)ms;
  for (;;) {
    blec__mutex_lock(&wc->lock);
    bool ok = ready(wc);
    if (!ok) wc->waiter = job;
    blec__mutex_unlock(&wc->lock);
    if (ok) return true;
    uint64_t now = GetTickCount64();
    if (now >= deadline || wr_job_cancelled(job)) return false;
    wr_job_sleep(job, deadline == UINT64_MAX ? -1 : (int)(deadline - now));
  }
}

static bool pdu_known(wr_client *wc) { return wc->pdu > 23 || session_lost(wc); }

/* A request the OS cannot answer from its cache, so that it has to bring the link up. */
static void link_request(discover_job *j, IBluetoothLEDevice3 *d3, outcome *o) {
  wr_ctx *w = j->base.w;
  ServicesOp *op = NULL;
  IGattDeviceServicesResult *r = NULL;
  wr_log(w, BLEC_LOG_DEBUG, "the session is not Active after the discovery: an uncached request to bring the link up");
  HRESULT hr = wr_hr(w, IBluetoothLEDevice3_GetGattServicesWithCacheModeAsync(d3, BluetoothCacheMode_Uncached, &op),
                     "BluetoothLEDevice.GetGattServicesAsync(Uncached)");
  if (SUCCEEDED(hr)) hr = wr_await_services(w, &j->base, -1, op, &r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    set_hr(o, hr, "bringing the link up");
    return;
  }
  service_list l = {NULL, 0, 0};
  take_services(w, r, &l, o);
  services_free(&l);
  IGattDeviceServicesResult_Release(r);
}

static void discover_run(wr_job *job) {
  discover_job *j = (discover_job *)job;
  blec_client *c = job->c;
  wr_client *wc = wr_client_of(c);
  wr_ctx *w = job->w;
  blec__mutex_lock(&wc->lock);
  IBluetoothLEDevice *dev = wc->state == WR_LINK_OPEN || wc->state == WR_LINK_ACTIVE ? wc->dev : NULL;
  if (dev) IBluetoothLEDevice_AddRef(dev);
  blec__mutex_unlock(&wc->lock);
  if (!dev) {
    blec__op_complete(job->op, BLEC_ERR_NOT_CONNECTED);
    return;
  }
  IBluetoothLEDevice3 *d3 = NULL;
  HRESULT hr = wr_qi(w, dev, WR_IF_DEVICE3, (void **)&d3);
  IBluetoothLEDevice_Release(dev);
  if (FAILED(hr)) {
    wr_complete_missing(job->op, WR_IF_DEVICE3, "discovering services");
    return;
  }
  wr_table t = {NULL, 0, 0};
  outcome o = {.hr = S_OK, .st = GattCommunicationStatus_Success, .att = -1, .what = NULL};
  build(j, c, d3, &t, &o);
  /* The answer may have come from the OS's cache: the link must be up all the same. */
  if (!failed(&o) && !wait_client(job, wc, session_settled, WR_LINK_REQUEST_AFTER_MS) && !wr_job_cancelled(job)) {
    link_request(j, d3, &o);
    if (!failed(&o) && !wait_client(job, wc, session_settled, -1) && !wr_job_cancelled(job))
      set_hr(&o, HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED), "bringing the link up");
  }
  IBluetoothLEDevice3_Release(d3);
  if (!failed(&o) && wr_job_cancelled(job)) set_hr(&o, HRESULT_FROM_WIN32(ERROR_CANCELLED), "discovering");
  if (failed(&o)) {
    wr_table_release(w, &t);
    bool lost = wr_link_dropped(job);
    if (lost) { /* not Unreachable to retry: the link came and went */
      blec_error e;
      blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link went down during the discovery");
      blec__op_complete_error(job->op, &e);
    } else {
      complete_outcome(job, &o);
    }
    return;
  }
  /* The OS exchanges the MTU by itself once the link is up: wait for it, briefly. */
  wait_client(job, wc, pdu_known, WR_MTU_WAIT_MS);
  blec__mutex_lock(&wc->lock);
  bool ok = wc->state == WR_LINK_OPEN || wc->state == WR_LINK_ACTIVE;
  ok = ok && !session_lost(wc);
  wr_table old = wc->gatt;
  UINT16 pdu = wc->pdu;
  if (ok) {
    wc->gatt = t;
    wc->state = WR_LINK_ACTIVE;
  }
  blec__mutex_unlock(&wc->lock);
  if (!ok) {
    wr_table_release(w, &t);
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link went down during the discovery");
    blec__op_complete_error(job->op, &e);
    return;
  }
  wr_table_release(w, &old);
  wr_log(w, BLEC_LOG_DEBUG, "%s: %u attributes discovered, session Active, MTU %u", blec__client_address(c),
         (unsigned)t.n, (unsigned)pdu);
  HRESULT bad = S_OK;
  int m = add_to_model(w, job->op, &t, &bad);
  if (m == BLEC_ERR_STATE) return; /* the op ended meanwhile (cancelled, timed out) */
  if (FAILED(bad)) {
    wr_complete_hr(job->op, bad, "reading the discovered attributes");
    return;
  }
  if (m != BLEC_OK) {
    blec__op_complete(job->op, m);
    return;
  }
  blec__client_mtu(c, pdu);
  blec__op_complete(job->op, BLEC_OK);
}

int wr_discover(blec_client *c, blec_op *op, blec_cache_mode mode) {
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  discover_job *j = wr_job_new(w, c, op, sizeof *j, discover_run, "discover");
  if (!j) return BLEC_ERR_NO_MEMORY;
  j->mode = mode;
  return wr_job_start(&j->base, WR_JOB_STRAND);
}
