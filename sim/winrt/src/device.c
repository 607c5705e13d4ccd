/* SPDX-License-Identifier: MIT */
/*
 * device.c — Windows.Devices.Bluetooth.BluetoothLEDevice and its statics.
 *
 * As on Windows: FromBluetoothAddressAsync gives a null device (not an error) for an address
 * that resolves to no device; a device object does not connect by itself (GATT requests and
 * GattSession do, stack.c); every object of one address shares the link, so
 * ConnectionStatus and ConnectionStatusChanged (on worker threads, in order, with null
 * args) follow that link; GetGattServicesAsync() uses the OS cache (Cached) unless told
 * Uncached; Close ends the object (later calls fail with RO_E_CLOSED).
 */
#include "gatt.h"

#include "blec_winrt_sim.h"

#include <stdlib.h>
#include <string.h>

typedef struct device {
  sim_obj obj;
  IBluetoothLEDevice d;
  IBluetoothLEDevice2 d2;
  IBluetoothLEDevice3 d3;
  IBluetoothLEDevice4 d4;
  IBluetoothLEDevice5 d5;
  IBluetoothLEDevice6 d6;
  IClosable closable;
  sim_dev *dev;
  volatile LONG closed;
  /* DEVICE_HOLDS_LINK: this object asked for services, so it counts in the link's holds
   * until it is closed (bleak's disconnect: the BluetoothLEDevice is disposed, not only the
   * session and services, before the link goes down). */
  volatile LONG holds_link;
  sim_event name_changed, services_changed, connection_changed, params_changed, phy_changed;
  sim_strand *strand;
  sim_listener listener;
} device;

#define DV(This) ((device *)sim_obj_from(This))
#define CHECK_OPEN(dv)                                                                     \
  do {                                                                                     \
    if ((dv)->closed) return RO_E_CLOSED;                                                  \
  } while (0)

static void device_close(device *dv) {
  if (InterlockedExchange(&dv->closed, 1)) return;
  sim_dev_unlisten(dv->dev, &dv->listener);
  sim_dev_owner_closed(dv->dev, dv);
  if (InterlockedExchange(&dv->holds_link, 0)) sim_dev_hold(dv->dev, -1);
}

static void device_destroy(sim_obj *o) {
  device *dv = (device *)o;
  device_close(dv);
  sim_event_clear(&dv->name_changed);
  sim_event_clear(&dv->services_changed);
  sim_event_clear(&dv->connection_changed);
  sim_event_clear(&dv->params_changed);
  sim_event_clear(&dv->phy_changed);
  sim_strand_free(dv->strand);
}

static const sim_itf device_itfs[] = {{&IID_IBluetoothLEDevice, offsetof(device, d)},
                                      {&IID_IBluetoothLEDevice2, offsetof(device, d2)},
                                      {&IID_IBluetoothLEDevice3, offsetof(device, d3)},
                                      {&IID_IBluetoothLEDevice4, offsetof(device, d4)},
                                      {&IID_IBluetoothLEDevice5, offsetof(device, d5)},
                                      {&IID_IBluetoothLEDevice6, offsetof(device, d6)},
                                      {&IID_IClosable, offsetof(device, closable)},
                                      {NULL, 0}};
static const sim_class device_class = {L"Windows.Devices.Bluetooth.BluetoothLEDevice", device_itfs, device_destroy};

/* ---- events --------------------------------------------------------------------------------- */

static void fire_connection(void *ctx) {
  device *dv = ctx;
  if (!dv->closed) sim_event_fire(&dv->connection_changed, &dv->d, NULL);
  sim_Release(&dv->d);
}

static void on_status(sim_obj *o, bool connected) {
  (void)connected;
  device *dv = (device *)o;
  sim_AddRef(&dv->d);
  sim_event_post(&dv->connection_changed, dv->strand, fire_connection, dv);
}

static void on_connection(sim_obj *o, bool connected, BluetoothError why) {
  (void)why;
  on_status(o, connected);
}

/* ---- IBluetoothLEDevice --------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE dv_get_DeviceId(IBluetoothLEDevice *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  *value = sim_dev_id(DV(This)->dev);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE dv_get_Name(IBluetoothLEDevice *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  char *name = sim_dev_name(DV(This)->dev);
  *value = sim_hstring_utf8(name);
  free(name);
  return S_OK;
}

static HRESULT cached_services(device *dv, const GUID *uuid, IVectorView_Service **out) {
  blec__wattr *attrs = NULL;
  size_t n = 0;
  sim_dev_cached_attrs(dv->dev, &attrs, &n);
  HRESULT hr = sim_services_view(dv->dev, attrs, n, uuid, out);
  free(attrs);
  return hr;
}

static HRESULT STDMETHODCALLTYPE dv_get_GattServices(IBluetoothLEDevice *This, IVectorView_Service **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  return cached_services(DV(This), NULL, value);
}

static HRESULT STDMETHODCALLTYPE dv_get_ConnectionStatus(IBluetoothLEDevice *This, BluetoothConnectionStatus *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  *value = sim_dev_status_connected(DV(This)->dev) ? BluetoothConnectionStatus_Connected
                                                   : BluetoothConnectionStatus_Disconnected;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE dv_get_BluetoothAddress(IBluetoothLEDevice *This, UINT64 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  *value = sim_dev_address(DV(This)->dev);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE dv_GetGattService(IBluetoothLEDevice *This, GUID uuid, IGattDeviceService **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(DV(This));
  IVectorView_Service *view = NULL;
  HRESULT hr = cached_services(DV(This), &uuid, &view);
  if (FAILED(hr)) return hr;
  UINT32 n = 0;
  view->lpVtbl->get_Size(view, &n);
  if (n) hr = view->lpVtbl->GetAt(view, 0, result);
  view->lpVtbl->Release(view);
  return hr;
}

typedef __FITypedEventHandler_2_Windows__CDevices__CBluetooth__CBluetoothLEDevice_IInspectable DeviceHandler;

#define DEVICE_EVENT(Iface, Name, field)                                                                  \
  static HRESULT STDMETHODCALLTYPE dv_add_##Name##_##Iface(Iface *This, DeviceHandler *handler,          \
                                                           EventRegistrationToken *token) {               \
    SIM_ENTER();                                                                                          \
    CHECK_OPEN(DV(This));                                                                                 \
    return sim_event_add(&DV(This)->field, handler, token);                                               \
  }                                                                                                       \
  static HRESULT STDMETHODCALLTYPE dv_remove_##Name##_##Iface(Iface *This, EventRegistrationToken token) { \
    SIM_ENTER();                                                                                          \
    return sim_event_remove(&DV(This)->field, token);                                                     \
  }
DEVICE_EVENT(IBluetoothLEDevice, NameChanged, name_changed)
DEVICE_EVENT(IBluetoothLEDevice, GattServicesChanged, services_changed)
DEVICE_EVENT(IBluetoothLEDevice, ConnectionStatusChanged, connection_changed)
DEVICE_EVENT(IBluetoothLEDevice6, ConnectionParametersChanged, params_changed)
DEVICE_EVENT(IBluetoothLEDevice6, ConnectionPhyChanged, phy_changed)

SIM_VTABLE(IBluetoothLEDeviceVtbl, dv_vt) = {
    offsetof(device, d),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceId = dv_get_DeviceId, .get_Name = dv_get_Name,
     .get_GattServices = dv_get_GattServices, .get_ConnectionStatus = dv_get_ConnectionStatus,
     .get_BluetoothAddress = dv_get_BluetoothAddress, .GetGattService = dv_GetGattService,
     .add_NameChanged = dv_add_NameChanged_IBluetoothLEDevice, .remove_NameChanged = dv_remove_NameChanged_IBluetoothLEDevice,
     .add_GattServicesChanged = dv_add_GattServicesChanged_IBluetoothLEDevice,
     .remove_GattServicesChanged = dv_remove_GattServicesChanged_IBluetoothLEDevice,
     .add_ConnectionStatusChanged = dv_add_ConnectionStatusChanged_IBluetoothLEDevice,
     .remove_ConnectionStatusChanged = dv_remove_ConnectionStatusChanged_IBluetoothLEDevice}};

/* ---- IBluetoothLEDevice2: DeviceInformation, Appearance, address type ------------------------- */

typedef struct appearance {
  sim_obj obj;
  IBluetoothLEAppearance a;
  UINT16 raw;
} appearance;

static const sim_itf appearance_itfs[] = {{&IID_IBluetoothLEAppearance, offsetof(appearance, a)}, {NULL, 0}};
static const sim_class appearance_class = {L"Windows.Devices.Bluetooth.BluetoothLEAppearance", appearance_itfs, NULL};

static HRESULT STDMETHODCALLTYPE ap_get_RawValue(IBluetoothLEAppearance *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = ((appearance *)sim_obj_from(This))->raw;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ap_get_Category(IBluetoothLEAppearance *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = (UINT16)(((appearance *)sim_obj_from(This))->raw >> 6);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ap_get_SubCategory(IBluetoothLEAppearance *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = (UINT16)(((appearance *)sim_obj_from(This))->raw & 0x3F);
  return S_OK;
}
SIM_VTABLE(IBluetoothLEAppearanceVtbl, ap_vt) = {
    offsetof(appearance, a),
    {SIM_INSPECTABLE_SLOTS, .get_RawValue = ap_get_RawValue, .get_Category = ap_get_Category,
     .get_SubCategory = ap_get_SubCategory}};

static HRESULT STDMETHODCALLTYPE dv2_get_DeviceInformation(IBluetoothLEDevice2 *This, IDeviceInformation **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  CHECK_OPEN(DV(This));
  return sim_device_information_new(DV(This)->dev, value);
}
static HRESULT STDMETHODCALLTYPE dv2_get_Appearance(IBluetoothLEDevice2 *This, IBluetoothLEAppearance **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  CHECK_OPEN(DV(This));
  appearance *a = sim_obj_new(&appearance_class, sizeof *a);
  if (!a) return E_OUTOFMEMORY;
  a->a.lpVtbl = (IBluetoothLEAppearanceVtbl *)&ap_vt.v;
  *value = &a->a;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE dv2_get_BluetoothAddressType(IBluetoothLEDevice2 *This, BluetoothAddressType *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  *value = sim_dev_address_type(DV(This)->dev);
  return S_OK;
}
SIM_VTABLE(IBluetoothLEDevice2Vtbl, dv2_vt) = {
    offsetof(device, d2),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceInformation = dv2_get_DeviceInformation, .get_Appearance = dv2_get_Appearance,
     .get_BluetoothAddressType = dv2_get_BluetoothAddressType}};

/* ---- IBluetoothLEDevice3: GATT services -------------------------------------------------------- */

typedef struct services_call {
  sim_async *op;
  device *dv;
  bool has_uuid;
  GUID uuid;
} services_call;

static void services_done(void *ctx, const sim_gatt_result *r) {
  services_call *c = ctx;
  IVectorView_Service *view = NULL;
  IGattDeviceServicesResult *res = NULL;
  bool ok = r->status == GattCommunicationStatus_Success;
  HRESULT hr = sim_services_view(c->dv->dev, ok ? r->attrs : NULL, ok ? r->n_attrs : 0, c->has_uuid ? &c->uuid : NULL,
                                 &view);
  if (SUCCEEDED(hr)) hr = sim_services_result(r->status, r->att, view, &res);
  if (SUCCEEDED(hr))
    sim_async_complete_obj(c->op, res);
  else
    sim_async_fail(c->op, hr);
  sim_release_any(res);
  sim_release_any(view);
  SIM_ASYNC_RELEASE(c->op);
  sim_Release(&c->dv->d);
  free(c);
}

static HRESULT get_services(device *dv, const GUID *uuid, BluetoothCacheMode mode, void **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(dv);
  if (mode != BluetoothCacheMode_Cached && mode != BluetoothCacheMode_Uncached) return E_INVALIDARG;
  if (sim_quirk(BLEC_WINRT_SIM_QUIRK_DEVICE_HOLDS_LINK) && !InterlockedExchange(&dv->holds_link, 1))
    sim_dev_hold(dv->dev, +1);
  services_call *c = calloc(1, sizeof *c);
  sim_async *op = sim_async_new(&sim_at_services_result);
  if (!c || !op) {
    free(c);
    if (op) SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  c->op = op;
  SIM_ASYNC_ADDREF(op);
  c->dv = dv;
  sim_AddRef(&dv->d);
  if (uuid) {
    c->has_uuid = true;
    c->uuid = *uuid;
  }
  *result = sim_async_itf(op);
  sim_dev_discover(dv->dev, mode, services_done, c, (sim_req_origin){op, dv});
  return S_OK;
}

typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult
    ServicesOp;

static HRESULT STDMETHODCALLTYPE dv3_get_DeviceAccessInformation(IBluetoothLEDevice3 *This,
                                                                 IDeviceAccessInformation **value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = NULL;
  return E_NOTIMPL;
}
static HRESULT STDMETHODCALLTYPE dv3_RequestAccessAsync(IBluetoothLEDevice3 *This,
                                                        __FIAsyncOperation_1_DeviceAccessStatus **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(DV(This));
  sim_async *op = sim_async_new(&sim_at_access_status);
  if (!op) return E_OUTOFMEMORY;
  sim_async_post_i32(op, DeviceAccessStatus_Allowed);
  *result = sim_async_itf(op);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE dv3_GetGattServicesAsync(IBluetoothLEDevice3 *This, ServicesOp **result) {
  SIM_ENTER();
  return get_services(DV(This), NULL, BluetoothCacheMode_Cached, (void **)result);
}
static HRESULT STDMETHODCALLTYPE dv3_GetGattServicesWithCacheModeAsync(IBluetoothLEDevice3 *This, BluetoothCacheMode mode,
                                                                       ServicesOp **result) {
  SIM_ENTER();
  return get_services(DV(This), NULL, mode, (void **)result);
}
static HRESULT STDMETHODCALLTYPE dv3_GetGattServicesForUuidAsync(IBluetoothLEDevice3 *This, GUID uuid,
                                                                 ServicesOp **result) {
  SIM_ENTER();
  return get_services(DV(This), &uuid, BluetoothCacheMode_Cached, (void **)result);
}
static HRESULT STDMETHODCALLTYPE dv3_GetGattServicesForUuidWithCacheModeAsync(IBluetoothLEDevice3 *This, GUID uuid,
                                                                              BluetoothCacheMode mode,
                                                                              ServicesOp **result) {
  SIM_ENTER();
  return get_services(DV(This), &uuid, mode, (void **)result);
}
SIM_VTABLE(IBluetoothLEDevice3Vtbl, dv3_vt) = {
    offsetof(device, d3),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceAccessInformation = dv3_get_DeviceAccessInformation,
     .RequestAccessAsync = dv3_RequestAccessAsync, .GetGattServicesAsync = dv3_GetGattServicesAsync,
     .GetGattServicesWithCacheModeAsync = dv3_GetGattServicesWithCacheModeAsync,
     .GetGattServicesForUuidAsync = dv3_GetGattServicesForUuidAsync,
     .GetGattServicesForUuidWithCacheModeAsync = dv3_GetGattServicesForUuidWithCacheModeAsync}};

/* ---- IBluetoothLEDevice4, 5, 6 -------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE dv4_get_BluetoothDeviceId(IBluetoothLEDevice4 *This, IBluetoothDeviceId **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  CHECK_OPEN(DV(This));
  return sim_device_id_new(DV(This)->dev, value);
}
SIM_VTABLE(IBluetoothLEDevice4Vtbl, dv4_vt) = {offsetof(device, d4),
                                               {SIM_INSPECTABLE_SLOTS, .get_BluetoothDeviceId = dv4_get_BluetoothDeviceId}};

static HRESULT STDMETHODCALLTYPE dv5_get_WasSecureConnectionUsedForPairing(IBluetoothLEDevice5 *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DV(This));
  *value = FALSE; /* the world's pairing is legacy pairing */
  return S_OK;
}
SIM_VTABLE(IBluetoothLEDevice5Vtbl, dv5_vt) = {
    offsetof(device, d5),
    {SIM_INSPECTABLE_SLOTS, .get_WasSecureConnectionUsedForPairing = dv5_get_WasSecureConnectionUsedForPairing}};

/* Connection parameters and PHY (contract 13) are not simulated. */
static HRESULT STDMETHODCALLTYPE dv6_GetConnectionParameters(IBluetoothLEDevice6 *This,
                                                             IBluetoothLEConnectionParameters **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}
static HRESULT STDMETHODCALLTYPE dv6_GetConnectionPhy(IBluetoothLEDevice6 *This, IBluetoothLEConnectionPhy **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}
static HRESULT STDMETHODCALLTYPE dv6_RequestPreferredConnectionParameters(
    IBluetoothLEDevice6 *This, IBluetoothLEPreferredConnectionParameters *params,
    IBluetoothLEPreferredConnectionParametersRequest **result) {
  SIM_ENTER();
  (void)This;
  (void)params;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}
SIM_VTABLE(IBluetoothLEDevice6Vtbl, dv6_vt) = {
    offsetof(device, d6),
    {SIM_INSPECTABLE_SLOTS, .GetConnectionParameters = dv6_GetConnectionParameters,
     .GetConnectionPhy = dv6_GetConnectionPhy,
     .RequestPreferredConnectionParameters = dv6_RequestPreferredConnectionParameters,
     .add_ConnectionParametersChanged = dv_add_ConnectionParametersChanged_IBluetoothLEDevice6,
     .remove_ConnectionParametersChanged = dv_remove_ConnectionParametersChanged_IBluetoothLEDevice6,
     .add_ConnectionPhyChanged = dv_add_ConnectionPhyChanged_IBluetoothLEDevice6,
     .remove_ConnectionPhyChanged = dv_remove_ConnectionPhyChanged_IBluetoothLEDevice6}};

static HRESULT STDMETHODCALLTYPE dv_Close(IClosable *This) {
  SIM_ENTER();
  sim_quirk_close_blocks(); /* bleak #1359: Close() can take long */
  device_close(DV(This));
  return S_OK;
}
SIM_VTABLE(IClosableVtbl, dv_close_vt) = {offsetof(device, closable), {SIM_INSPECTABLE_SLOTS, .Close = dv_Close}};

HRESULT sim_device_new(sim_dev *d, IBluetoothLEDevice **out) {
  *out = NULL;
  device *dv = sim_obj_new(&device_class, sizeof *dv);
  if (!dv) return E_OUTOFMEMORY;
  dv->d.lpVtbl = (IBluetoothLEDeviceVtbl *)&dv_vt.v;
  dv->d2.lpVtbl = (IBluetoothLEDevice2Vtbl *)&dv2_vt.v;
  dv->d3.lpVtbl = (IBluetoothLEDevice3Vtbl *)&dv3_vt.v;
  dv->d4.lpVtbl = (IBluetoothLEDevice4Vtbl *)&dv4_vt.v;
  dv->d5.lpVtbl = (IBluetoothLEDevice5Vtbl *)&dv5_vt.v;
  dv->d6.lpVtbl = (IBluetoothLEDevice6Vtbl *)&dv6_vt.v;
  dv->closable.lpVtbl = (IClosableVtbl *)&dv_close_vt.v;
  dv->dev = d;
  sim_event_init(&dv->name_changed);
  sim_event_init(&dv->services_changed);
  sim_event_init(&dv->connection_changed);
  sim_event_init(&dv->params_changed);
  sim_event_init(&dv->phy_changed);
  dv->strand = sim_strand_new();
  if (!dv->strand) {
    dv->closed = 1;
    sim_Release(&dv->d);
    return E_OUTOFMEMORY;
  }
  dv->listener.obj = &dv->obj;
  dv->listener.connection = on_connection;
  dv->listener.device_status = on_status;
  sim_dev_listen(d, &dv->listener);
  *out = &dv->d;
  return S_OK;
}

/* ---- statics ------------------------------------------------------------------------------------ */

typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice DeviceOp;

/* The device, or a null result (no such device, or one the OS does not know), a moment
 * later on a worker. */
static HRESULT device_op(sim_dev *d, DeviceOp **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_device);
  if (!op) return E_OUTOFMEMORY;
  IBluetoothLEDevice *dv = NULL;
  if (d && sim_adapter_present() && sim_dev_known(d)) {
    HRESULT hr = sim_device_new(d, &dv);
    if (FAILED(hr)) {
      SIM_ASYNC_RELEASE(op);
      return hr;
    }
  }
  sim_async_post_obj(op, dv);
  sim_release_any(dv);
  *result = sim_async_itf(op);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE ds_FromIdAsync(IBluetoothLEDeviceStatics *This, HSTRING id, DeviceOp **result) {
  SIM_ENTER();
  (void)This;
  return device_op(sim_dev_from_id(id), result);
}
static HRESULT STDMETHODCALLTYPE ds_FromBluetoothAddressAsync(IBluetoothLEDeviceStatics *This, UINT64 address,
                                                              DeviceOp **result) {
  SIM_ENTER();
  (void)This;
  return device_op(sim_dev_find(address, BluetoothAddressType_Unspecified), result);
}
static HRESULT selector(const char *text, HSTRING *result) {
  SIM_CHECK_OUT(result);
  *result = sim_hstring_utf8(text);
  return S_OK;
}
/* An AQS string naming Bluetooth LE devices (its exact text does not matter to the stack). */
#define LE_SELECTOR "System.Devices.Aep.ProtocolId:=\"{bb7bb05e-5972-42b5-94fc-76eaa7084d49}\""
static HRESULT STDMETHODCALLTYPE ds_GetDeviceSelector(IBluetoothLEDeviceStatics *This, HSTRING *result) {
  SIM_ENTER();
  (void)This;
  return selector(LE_SELECTOR, result);
}
SIM_VTABLE(IBluetoothLEDeviceStaticsVtbl, ds_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .FromIdAsync = ds_FromIdAsync, .FromBluetoothAddressAsync = ds_FromBluetoothAddressAsync,
     .GetDeviceSelector = ds_GetDeviceSelector}};

static HRESULT STDMETHODCALLTYPE ds2_GetDeviceSelectorFromPairingState(IBluetoothLEDeviceStatics2 *This, boolean v,
                                                                       HSTRING *result) {
  SIM_ENTER();
  (void)This;
  return selector(v ? LE_SELECTOR " AND System.Devices.Aep.IsPaired:=System.StructuredQueryType.Boolean#True"
                    : LE_SELECTOR " AND System.Devices.Aep.IsPaired:=System.StructuredQueryType.Boolean#False",
                  result);
}
static HRESULT STDMETHODCALLTYPE ds2_GetDeviceSelectorFromConnectionStatus(IBluetoothLEDeviceStatics2 *This,
                                                                           BluetoothConnectionStatus st,
                                                                           HSTRING *result) {
  SIM_ENTER();
  (void)This;
  (void)st;
  return selector(LE_SELECTOR, result);
}
static HRESULT STDMETHODCALLTYPE ds2_GetDeviceSelectorFromDeviceName(IBluetoothLEDeviceStatics2 *This, HSTRING name,
                                                                     HSTRING *result) {
  SIM_ENTER();
  (void)This;
  (void)name;
  return selector(LE_SELECTOR, result);
}
static HRESULT STDMETHODCALLTYPE ds2_GetDeviceSelectorFromBluetoothAddress(IBluetoothLEDeviceStatics2 *This,
                                                                           UINT64 address, HSTRING *result) {
  SIM_ENTER();
  (void)This;
  (void)address;
  return selector(LE_SELECTOR, result);
}
static HRESULT STDMETHODCALLTYPE ds2_GetDeviceSelectorFromBluetoothAddressWithBluetoothAddressType(
    IBluetoothLEDeviceStatics2 *This, UINT64 address, BluetoothAddressType type, HSTRING *result) {
  SIM_ENTER();
  (void)This;
  (void)address;
  (void)type;
  return selector(LE_SELECTOR, result);
}
static HRESULT STDMETHODCALLTYPE ds2_GetDeviceSelectorFromAppearance(IBluetoothLEDeviceStatics2 *This,
                                                                     IBluetoothLEAppearance *appearance_,
                                                                     HSTRING *result) {
  SIM_ENTER();
  (void)This;
  (void)appearance_;
  return selector(LE_SELECTOR, result);
}
static HRESULT STDMETHODCALLTYPE ds2_FromBluetoothAddressWithBluetoothAddressTypeAsync(IBluetoothLEDeviceStatics2 *This,
                                                                                       UINT64 address,
                                                                                       BluetoothAddressType type,
                                                                                       DeviceOp **result) {
  SIM_ENTER();
  (void)This;
  if (type < BluetoothAddressType_Public || type > BluetoothAddressType_Unspecified) return E_INVALIDARG;
  return device_op(sim_dev_find(address, type), result);
}
SIM_VTABLE(IBluetoothLEDeviceStatics2Vtbl, ds2_vt) = {
    SIM_FACTORY_SLOT(1),
    {SIM_INSPECTABLE_SLOTS, .GetDeviceSelectorFromPairingState = ds2_GetDeviceSelectorFromPairingState,
     .GetDeviceSelectorFromConnectionStatus = ds2_GetDeviceSelectorFromConnectionStatus,
     .GetDeviceSelectorFromDeviceName = ds2_GetDeviceSelectorFromDeviceName,
     .GetDeviceSelectorFromBluetoothAddress = ds2_GetDeviceSelectorFromBluetoothAddress,
     .GetDeviceSelectorFromBluetoothAddressWithBluetoothAddressType =
         ds2_GetDeviceSelectorFromBluetoothAddressWithBluetoothAddressType,
     .GetDeviceSelectorFromAppearance = ds2_GetDeviceSelectorFromAppearance,
     .FromBluetoothAddressWithBluetoothAddressTypeAsync = ds2_FromBluetoothAddressWithBluetoothAddressTypeAsync}};

const sim_factory_desc sim_device_factory = {
    L"Windows.Devices.Bluetooth.BluetoothLEDevice",
    NULL,
    {{&IID_IBluetoothLEDeviceStatics, &ds_vt.v}, {&IID_IBluetoothLEDeviceStatics2, &ds2_vt.v}}};
