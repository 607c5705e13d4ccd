/* SPDX-License-Identifier: MIT */
/*
 * gatt_service.c — Windows.Devices.Bluetooth.GenericAttributeProfile.GattDeviceService and
 * its statics.
 *
 * As on Windows: an open service object keeps its device's link up once connected (the
 * link ends when every service is closed or released and no session maintains it);
 * after Close, the service and its characteristics and descriptors fail with RO_E_CLOSED;
 * GetCharacteristicsAsync() uses the OS cache unless told Uncached; the OS keeps the HID
 * service (0x1812) to itself: its characteristics give AccessDenied. A test can make one
 * service's characteristic discovery fail (service_faults.c).
 */
#include "gatt.h"

#include <stdio.h>
#include <stdlib.h>

#include "blec_winrt_sim.h"

typedef struct service {
  sim_obj obj;
  IGattDeviceService s;
  IClosable closable;
  IGattDeviceService2 s2;
  IGattDeviceService3 s3;
  sim_dev *dev;
  blec__wattr attr;
  volatile LONG closed;
} service;

#define SV(This) ((service *)sim_obj_from(This))
#define CHECK_OPEN(sv)                                                                     \
  do {                                                                                     \
    if ((sv)->closed) return RO_E_CLOSED;                                                  \
  } while (0)

static void service_close(service *sv) {
  if (InterlockedExchange(&sv->closed, 1)) return;
  sim_dev_owner_closed(sv->dev, &sv->s);
  sim_dev_hold(sv->dev, -1);
}

static void service_destroy(sim_obj *o) { service_close((service *)o); }

static const sim_itf service_itfs[] = {{&IID_IGattDeviceService, offsetof(service, s)},
                                       {&IID_IClosable, offsetof(service, closable)},
                                       {&IID_IGattDeviceService2, offsetof(service, s2)},
                                       {&IID_IGattDeviceService3, offsetof(service, s3)},
                                       {NULL, 0}};
static const sim_class service_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattDeviceService",
                                        service_itfs, service_destroy};

bool sim_service_denied(const GUID *uuid) {
  GUID hid = sim_guid_from_le((const BYTE[]){0x12, 0x18}, 2);
  return IsEqualGUID(uuid, &hid) != 0;
}

bool sim_service_closed(IGattDeviceService *s) { return SV(s)->closed != 0; }
sim_dev *sim_service_dev(IGattDeviceService *s) { return SV(s)->dev; }

/* ---- sync helpers ------------------------------------------------------------------------------ */

static HRESULT empty_view(const sim_vector_type *t, void **out) {
  *out = sim_view_new(t, NULL, 0);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT cached_characteristics(service *sv, const GUID *uuid, IVectorView_Characteristic **out) {
  blec__wattr *attrs = NULL;
  size_t n = 0;
  sim_dev_cached_attrs(sv->dev, &attrs, &n);
  HRESULT hr = sim_characteristics_view(sv->dev, &sv->s, attrs, n, sv->attr.handle, sv->attr.end_handle, uuid, out);
  free(attrs);
  return hr;
}

/* ---- IGattDeviceService ------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE sv_GetCharacteristics(IGattDeviceService *This, GUID uuid,
                                                       IVectorView_Characteristic **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(SV(This));
  return cached_characteristics(SV(This), &uuid, result);
}
static HRESULT STDMETHODCALLTYPE sv_GetIncludedServices(IGattDeviceService *This, GUID uuid,
                                                        IVectorView_Service **result) {
  SIM_ENTER();
  (void)uuid;
  SIM_CHECK_OUT(result);
  CHECK_OPEN(SV(This));
  return empty_view(&sim_vt_services, (void **)result);
}
static HRESULT STDMETHODCALLTYPE sv_get_DeviceId(IGattDeviceService *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SV(This));
  HSTRING dev = sim_dev_id(SV(This)->dev);
  char *d = sim_utf8(dev);
  WindowsDeleteString(dev);
  char id[160];
  snprintf(id, sizeof id, "%s#service%04x", d ? d : "", SV(This)->attr.handle);
  free(d);
  *value = sim_hstring_utf8(id);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sv_get_Uuid(IGattDeviceService *This, GUID *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SV(This));
  *value = sim_guid_from_uuid(&SV(This)->attr.uuid);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sv_get_AttributeHandle(IGattDeviceService *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SV(This));
  *value = SV(This)->attr.handle;
  return S_OK;
}
SIM_VTABLE(IGattDeviceServiceVtbl, sv_vt) = {
    offsetof(service, s),
    {SIM_INSPECTABLE_SLOTS, .GetCharacteristics = sv_GetCharacteristics,
     .GetIncludedServices = sv_GetIncludedServices, .get_DeviceId = sv_get_DeviceId, .get_Uuid = sv_get_Uuid,
     .get_AttributeHandle = sv_get_AttributeHandle}};

static HRESULT STDMETHODCALLTYPE sv_Close(IClosable *This) {
  SIM_ENTER();
  sim_quirk_close_blocks(); /* bleak #1359: Close() can take long */
  service_close(SV(This));
  return S_OK;
}
SIM_VTABLE(IClosableVtbl, sv_close_vt) = {offsetof(service, closable), {SIM_INSPECTABLE_SLOTS, .Close = sv_Close}};

/* ---- IGattDeviceService2 ------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE sv2_get_Device(IGattDeviceService2 *This, IBluetoothLEDevice **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  CHECK_OPEN(SV(This));
  return sim_device_new(SV(This)->dev, value);
}
static HRESULT STDMETHODCALLTYPE sv2_get_ParentServices(IGattDeviceService2 *This, IVectorView_Service **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SV(This));
  return empty_view(&sim_vt_services, (void **)value);
}
static HRESULT STDMETHODCALLTYPE sv2_GetAllCharacteristics(IGattDeviceService2 *This,
                                                           IVectorView_Characteristic **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(SV(This));
  return cached_characteristics(SV(This), NULL, result);
}
static HRESULT STDMETHODCALLTYPE sv2_GetAllIncludedServices(IGattDeviceService2 *This, IVectorView_Service **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  CHECK_OPEN(SV(This));
  return empty_view(&sim_vt_services, (void **)result);
}
SIM_VTABLE(IGattDeviceService2Vtbl, sv2_vt) = {
    offsetof(service, s2),
    {SIM_INSPECTABLE_SLOTS, .get_Device = sv2_get_Device, .get_ParentServices = sv2_get_ParentServices,
     .GetAllCharacteristics = sv2_GetAllCharacteristics, .GetAllIncludedServices = sv2_GetAllIncludedServices}};

/* ---- IGattDeviceService3 ------------------------------------------------------------------------ */

typedef struct chars_call {
  sim_async *op;
  service *sv;
  bool has_uuid;
  GUID uuid;
  int fault; /* blec_winrt_sim_service_fault_kind of this service */
  int fault_att;
} chars_call;

static void chars_done(void *ctx, const sim_gatt_result *r) {
  chars_call *c = ctx;
  service *sv = c->sv;
  GattCommunicationStatus st = r->status;
  int att = r->att;
  GUID su = sim_guid_from_uuid(&sv->attr.uuid);
  if (st == GattCommunicationStatus_Success && sim_service_denied(&su)) st = GattCommunicationStatus_AccessDenied;
  if (st == GattCommunicationStatus_Success && c->fault == BLEC_WINRT_SIM_SERVICE_UNREACHABLE)
    st = GattCommunicationStatus_Unreachable;
  if (st == GattCommunicationStatus_Success && c->fault == BLEC_WINRT_SIM_SERVICE_PROTOCOL_ERROR) {
    st = GattCommunicationStatus_ProtocolError;
    att = c->fault_att;
  }
  bool ok = st == GattCommunicationStatus_Success;
  IVectorView_Characteristic *view = NULL;
  IGattCharacteristicsResult *res = NULL;
  HRESULT hr = sim_characteristics_view(sv->dev, &sv->s, ok ? r->attrs : NULL, ok ? r->n_attrs : 0, sv->attr.handle,
                                        sv->attr.end_handle, c->has_uuid ? &c->uuid : NULL, &view);
  if (SUCCEEDED(hr)) hr = sim_characteristics_result(st, att, view, &res);
  if (SUCCEEDED(hr))
    sim_async_complete_obj(c->op, res);
  else
    sim_async_fail(c->op, hr);
  sim_release_any(res);
  sim_release_any(view);
  SIM_ASYNC_RELEASE(c->op);
  sim_Release(&sv->s);
  free(c);
}

typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult
    CharsOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult
    ServicesOp;

static HRESULT get_chars(service *sv, const GUID *uuid, BluetoothCacheMode mode, CharsOp **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(sv);
  if (mode != BluetoothCacheMode_Cached && mode != BluetoothCacheMode_Uncached) return E_INVALIDARG;
  chars_call *c = calloc(1, sizeof *c);
  sim_async *op = sim_async_new(&sim_at_characteristics_result);
  if (!c || !op) {
    free(c);
    if (op) SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  c->op = op;
  SIM_ASYNC_ADDREF(op);
  c->sv = sv;
  sim_AddRef(&sv->s);
  if (uuid) {
    c->has_uuid = true;
    c->uuid = *uuid;
  }
  GUID su = sim_guid_from_uuid(&sv->attr.uuid);
  c->fault = sim_service_fault(sim_dev_address(sv->dev), &su, &c->fault_att);
  *result = sim_async_itf(op);
  /* A fault plays on cached answers too: the OS cache is filled by whole-database requests
   * here, so a failure only of the device's answer would never be seen (ours). */
  if (c->fault == BLEC_WINRT_SIM_SERVICE_NO_ANSWER)
    sim_dev_no_answer(sv->dev, chars_done, c, (sim_req_origin){op, &sv->s});
  else
    sim_dev_discover(sv->dev, mode, chars_done, c, (sim_req_origin){op, &sv->s});
  return S_OK;
}

static HRESULT empty_services_op(ServicesOp **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_services_result);
  if (!op) return E_OUTOFMEMORY;
  IVectorView_Service *view = sim_view_new(&sim_vt_services, NULL, 0);
  IGattDeviceServicesResult *res = NULL;
  HRESULT hr = view ? sim_services_result(GattCommunicationStatus_Success, 0, view, &res) : E_OUTOFMEMORY;
  sim_release_any(view);
  if (FAILED(hr)) {
    SIM_ASYNC_RELEASE(op);
    return hr;
  }
  sim_async_post_obj(op, res);
  sim_release_any(res);
  *result = sim_async_itf(op);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE sv3_get_DeviceAccessInformation(IGattDeviceService3 *This,
                                                                 IDeviceAccessInformation **value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = NULL;
  return E_NOTIMPL;
}
static HRESULT STDMETHODCALLTYPE sv3_get_Session(IGattDeviceService3 *This, IGattSession **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  CHECK_OPEN(SV(This));
  return sim_session_new(SV(This)->dev, value);
}
static HRESULT STDMETHODCALLTYPE sv3_get_SharingMode(IGattDeviceService3 *This, GattSharingMode *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SV(This));
  *value = GattSharingMode_SharedReadAndWrite;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sv3_RequestAccessAsync(IGattDeviceService3 *This,
                                                        __FIAsyncOperation_1_DeviceAccessStatus **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(SV(This));
  sim_async *op = sim_async_new(&sim_at_access_status);
  if (!op) return E_OUTOFMEMORY;
  sim_async_post_i32(op, DeviceAccessStatus_Allowed);
  *result = sim_async_itf(op);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sv3_OpenAsync(IGattDeviceService3 *This, GattSharingMode mode,
                                               __FIAsyncOperation_1_GattOpenStatus **result) {
  SIM_ENTER();
  (void)mode;
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(SV(This));
  sim_async *op = sim_async_new(&sim_at_open_status);
  if (!op) return E_OUTOFMEMORY;
  sim_async_post_i32(op, GattOpenStatus_Success);
  *result = sim_async_itf(op);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sv3_GetCharacteristicsAsync(IGattDeviceService3 *This, CharsOp **result) {
  SIM_ENTER();
  return get_chars(SV(This), NULL, BluetoothCacheMode_Cached, result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetCharacteristicsWithCacheModeAsync(IGattDeviceService3 *This,
                                                                          BluetoothCacheMode mode, CharsOp **result) {
  SIM_ENTER();
  return get_chars(SV(This), NULL, mode, result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetCharacteristicsForUuidAsync(IGattDeviceService3 *This, GUID uuid,
                                                                    CharsOp **result) {
  SIM_ENTER();
  return get_chars(SV(This), &uuid, BluetoothCacheMode_Cached, result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetCharacteristicsForUuidWithCacheModeAsync(IGattDeviceService3 *This, GUID uuid,
                                                                                 BluetoothCacheMode mode,
                                                                                 CharsOp **result) {
  SIM_ENTER();
  return get_chars(SV(This), &uuid, mode, result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetIncludedServicesAsync(IGattDeviceService3 *This, ServicesOp **result) {
  SIM_ENTER();
  if (SV(This)->closed) return RO_E_CLOSED;
  return empty_services_op(result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetIncludedServicesWithCacheModeAsync(IGattDeviceService3 *This,
                                                                           BluetoothCacheMode mode,
                                                                           ServicesOp **result) {
  SIM_ENTER();
  (void)mode;
  if (SV(This)->closed) return RO_E_CLOSED;
  return empty_services_op(result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetIncludedServicesForUuidAsync(IGattDeviceService3 *This, GUID uuid,
                                                                     ServicesOp **result) {
  SIM_ENTER();
  (void)uuid;
  if (SV(This)->closed) return RO_E_CLOSED;
  return empty_services_op(result);
}
static HRESULT STDMETHODCALLTYPE sv3_GetIncludedServicesForUuidWithCacheModeAsync(IGattDeviceService3 *This,
                                                                                  GUID uuid, BluetoothCacheMode mode,
                                                                                  ServicesOp **result) {
  SIM_ENTER();
  (void)uuid;
  (void)mode;
  if (SV(This)->closed) return RO_E_CLOSED;
  return empty_services_op(result);
}
SIM_VTABLE(IGattDeviceService3Vtbl, sv3_vt) = {
    offsetof(service, s3),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceAccessInformation = sv3_get_DeviceAccessInformation,
     .get_Session = sv3_get_Session, .get_SharingMode = sv3_get_SharingMode,
     .RequestAccessAsync = sv3_RequestAccessAsync, .OpenAsync = sv3_OpenAsync,
     .GetCharacteristicsAsync = sv3_GetCharacteristicsAsync,
     .GetCharacteristicsWithCacheModeAsync = sv3_GetCharacteristicsWithCacheModeAsync,
     .GetCharacteristicsForUuidAsync = sv3_GetCharacteristicsForUuidAsync,
     .GetCharacteristicsForUuidWithCacheModeAsync = sv3_GetCharacteristicsForUuidWithCacheModeAsync,
     .GetIncludedServicesAsync = sv3_GetIncludedServicesAsync,
     .GetIncludedServicesWithCacheModeAsync = sv3_GetIncludedServicesWithCacheModeAsync,
     .GetIncludedServicesForUuidAsync = sv3_GetIncludedServicesForUuidAsync,
     .GetIncludedServicesForUuidWithCacheModeAsync = sv3_GetIncludedServicesForUuidWithCacheModeAsync}};

/* ---- construction ----------------------------------------------------------------------------------- */

static HRESULT service_new(sim_dev *d, const blec__wattr *attr, IGattDeviceService **out) {
  service *sv = sim_obj_new(&service_class, sizeof *sv);
  if (!sv) return E_OUTOFMEMORY;
  sv->s.lpVtbl = (IGattDeviceServiceVtbl *)&sv_vt.v;
  sv->closable.lpVtbl = (IClosableVtbl *)&sv_close_vt.v;
  sv->s2.lpVtbl = (IGattDeviceService2Vtbl *)&sv2_vt.v;
  sv->s3.lpVtbl = (IGattDeviceService3Vtbl *)&sv3_vt.v;
  sv->dev = d;
  sv->attr = *attr;
  sim_dev_hold(d, +1);
  *out = &sv->s;
  return S_OK;
}

HRESULT sim_services_view(sim_dev *d, const blec__wattr *attrs, size_t n, const GUID *uuid, IVectorView_Service **out) {
  *out = NULL;
  IGattDeviceService **v = calloc(n ? n : 1, sizeof *v);
  if (!v) return E_OUTOFMEMORY;
  UINT32 k = 0;
  HRESULT hr = S_OK;
  for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
    if (attrs[i].kind != BLEC__WATTR_SERVICE) continue;
    GUID g = sim_guid_from_uuid(&attrs[i].uuid);
    if (uuid && !IsEqualGUID(&g, uuid)) continue;
    hr = service_new(d, &attrs[i], &v[k]);
    if (SUCCEEDED(hr)) k++;
  }
  if (SUCCEEDED(hr)) {
    *out = sim_view_new(&sim_vt_services, (void *const *)v, k);
    if (!*out) hr = E_OUTOFMEMORY;
  }
  for (UINT32 i = 0; i < k; i++) IGattDeviceService_Release(v[i]);
  free(v);
  return hr;
}

/* ---- statics ---------------------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE ss_FromIdAsync(
    IGattDeviceServiceStatics *This, HSTRING id,
    __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService **result) {
  SIM_ENTER();
  (void)This;
  (void)id;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL; /* service device interfaces are not enumerated by the simulated OS */
}
static HRESULT STDMETHODCALLTYPE ss_GetDeviceSelectorFromUuid(IGattDeviceServiceStatics *This, GUID uuid,
                                                              HSTRING *result) {
  SIM_ENTER();
  (void)This;
  (void)uuid;
  SIM_CHECK_OUT(result);
  *result = sim_hstring(L"System.Devices.InterfaceClassGuid:=\"{6e3bb679-4372-40c8-9eaa-4509df260cd8}\"");
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_GetDeviceSelectorFromShortId(IGattDeviceServiceStatics *This, UINT16 id,
                                                                 HSTRING *result) {
  SIM_ENTER();
  (void)id;
  return ss_GetDeviceSelectorFromUuid(This, GUID_NULL, result);
}
static HRESULT STDMETHODCALLTYPE ss_ConvertShortIdToUuid(IGattDeviceServiceStatics *This, UINT16 id, GUID *result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  blec_uuid u = blec_uuid_from16(id);
  *result = sim_guid_from_uuid(&u);
  return S_OK;
}
SIM_VTABLE(IGattDeviceServiceStaticsVtbl, sst_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .FromIdAsync = ss_FromIdAsync, .GetDeviceSelectorFromUuid = ss_GetDeviceSelectorFromUuid,
     .GetDeviceSelectorFromShortId = ss_GetDeviceSelectorFromShortId, .ConvertShortIdToUuid = ss_ConvertShortIdToUuid}};

const sim_factory_desc sim_service_factory = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattDeviceService",
                                              NULL,
                                              {{&IID_IGattDeviceServiceStatics, &sst_vt.v}}};
