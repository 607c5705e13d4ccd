/* SPDX-License-Identifier: MIT */
/*
 * adapter.c — Windows.Devices.Bluetooth.BluetoothAdapter and Windows.Devices.Radios.Radio.
 *
 * The simulated PC has one LE adapter (central role, no peripheral role) unless the
 * control API removes it: then BluetoothAdapter.GetDefaultAsync gives null and
 * Radio.GetRadiosAsync an empty list, as on a PC without Bluetooth. The radio's state is
 * the world's radio; SetStateAsync switches it (Allowed) and every Radio object raises
 * StateChanged (worker threads).
 */
#include "gatt.h"

#include <stdlib.h>

#include "blec_winrt_sim.h"

/* ==== Radio ================================================================================== */

typedef struct radio {
  sim_obj obj;
  IRadio r;
  sim_event state_changed;
  sim_strand *strand;
  struct radio *next; /* g_radios */
} radio;

static SRWLOCK g_radios_lock = SRWLOCK_INIT;
static radio *g_radios;

#define RD(This) ((radio *)sim_obj_from(This))

static void radio_destroy(sim_obj *o) {
  radio *r = (radio *)o;
  AcquireSRWLockExclusive(&g_radios_lock);
  for (radio **p = &g_radios; *p; p = &(*p)->next) {
    if (*p == r) {
      *p = r->next;
      break;
    }
  }
  ReleaseSRWLockExclusive(&g_radios_lock);
  sim_event_clear(&r->state_changed);
  sim_strand_free(r->strand);
}

static const sim_itf radio_itfs[] = {{&IID_IRadio, offsetof(radio, r)}, {NULL, 0}};
static const sim_class radio_class = {L"Windows.Devices.Radios.Radio", radio_itfs, radio_destroy};

static void fire_state(void *ctx) {
  radio *r = ctx;
  sim_event_fire(&r->state_changed, &r->r, NULL);
  sim_Release(&r->r);
}

void sim_radio_notify(void) {
  radio *snap[32];
  size_t n = 0;
  AcquireSRWLockExclusive(&g_radios_lock);
  for (radio *r = g_radios; r && n < 32; r = r->next)
    if (sim_obj_tryref(&r->obj)) snap[n++] = r;
  ReleaseSRWLockExclusive(&g_radios_lock);
  for (size_t i = 0; i < n; i++) sim_strand_post(snap[i]->strand, fire_state, snap[i]);
}

static RadioState radio_state(void) {
  if (sim_radio_state_unknown()) return RadioState_Unknown;
  blec_world *w = sim_world_ref();
  bool on = w && blec_world_radio(w);
  if (w) blec_world_unref(w);
  return on ? RadioState_On : RadioState_Off;
}

static HRESULT STDMETHODCALLTYPE rd_SetStateAsync(IRadio *This, RadioState state,
                                                  __FIAsyncOperation_1_RadioAccessStatus **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (state != RadioState_On && state != RadioState_Off) return E_INVALIDARG;
  sim_async *op = sim_async_new(&sim_at_radio_access_status);
  if (!op) return E_OUTOFMEMORY;
  if (radio_state() != state) blec_winrt_sim_set_radio(state == RadioState_On);
  sim_async_post_i32(op, RadioAccessStatus_Allowed);
  *result = sim_async_itf(op);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_add_StateChanged(IRadio *This,
                                                     __FITypedEventHandler_2_Windows__CDevices__CRadios__CRadio_IInspectable *handler,
                                                     EventRegistrationToken *token) {
  SIM_ENTER();
  return sim_event_add(&RD(This)->state_changed, handler, token);
}
static HRESULT STDMETHODCALLTYPE rd_remove_StateChanged(IRadio *This, EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&RD(This)->state_changed, token);
}
static HRESULT STDMETHODCALLTYPE rd_get_State(IRadio *This, RadioState *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = radio_state();
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_get_Name(IRadio *This, HSTRING *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = sim_hstring(L"Bluetooth");
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_get_Kind(IRadio *This, RadioKind *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = RadioKind_Bluetooth;
  return S_OK;
}
SIM_VTABLE(IRadioVtbl, rd_vt) = {offsetof(radio, r),
                                 {SIM_INSPECTABLE_SLOTS, .SetStateAsync = rd_SetStateAsync,
                                  .add_StateChanged = rd_add_StateChanged, .remove_StateChanged = rd_remove_StateChanged,
                                  .get_State = rd_get_State, .get_Name = rd_get_Name, .get_Kind = rd_get_Kind}};

static HRESULT radio_new(IRadio **out) {
  radio *r = sim_obj_new(&radio_class, sizeof *r);
  if (!r) return E_OUTOFMEMORY;
  r->r.lpVtbl = (IRadioVtbl *)&rd_vt.v;
  sim_event_init(&r->state_changed);
  r->strand = sim_strand_new();
  if (!r->strand) {
    sim_Release(&r->r);
    return E_OUTOFMEMORY;
  }
  AcquireSRWLockExclusive(&g_radios_lock);
  r->next = g_radios;
  g_radios = r;
  ReleaseSRWLockExclusive(&g_radios_lock);
  *out = &r->r;
  return S_OK;
}

static HRESULT radio_op(bool present, __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_radio);
  if (!op) return E_OUTOFMEMORY;
  IRadio *r = NULL;
  if (present && FAILED(radio_new(&r))) {
    SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  sim_async_post_obj(op, r);
  sim_release_any(r);
  *result = sim_async_itf(op);
  return S_OK;
}

#define RADIO_ID L"\\\\?\\SWD#RADIO#BLUETOOTH#{a8804298-2d5f-42e3-9531-9c8c39eb29ce}"

static HRESULT STDMETHODCALLTYPE rs_GetRadiosAsync(
    IRadioStatics *This,
    __FIAsyncOperation_1___FIVectorView_1_Windows__CDevices__CRadios__CRadio **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_radios);
  if (!op) return E_OUTOFMEMORY;
  IRadio *r = NULL;
  if (sim_adapter_present() && FAILED(radio_new(&r))) {
    SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  void *view = sim_view_new(&sim_vt_radios, (void *const *)&r, r ? 1 : 0);
  sim_release_any(r);
  if (!view) {
    SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  sim_async_post_obj(op, view);
  sim_release_any(view);
  *result = sim_async_itf(op);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rs_GetDeviceSelector(IRadioStatics *This, HSTRING *result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = sim_hstring(L"System.Devices.InterfaceClassGuid:=\"{a8804298-2d5f-42e3-9531-9c8c39eb29ce}\"");
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rs_FromIdAsync(IRadioStatics *This, HSTRING id,
                                                __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio **result) {
  SIM_ENTER();
  (void)This;
  UINT32 n = 0;
  const WCHAR *s = WindowsGetStringRawBuffer(id, &n);
  return radio_op(sim_adapter_present() && n == wcslen(RADIO_ID) && wcscmp(s, RADIO_ID) == 0, result);
}
static HRESULT STDMETHODCALLTYPE rs_RequestAccessAsync(IRadioStatics *This,
                                                       __FIAsyncOperation_1_RadioAccessStatus **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_radio_access_status);
  if (!op) return E_OUTOFMEMORY;
  sim_async_post_i32(op, RadioAccessStatus_Allowed);
  *result = sim_async_itf(op);
  return S_OK;
}
SIM_VTABLE(IRadioStaticsVtbl, rs_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .GetRadiosAsync = rs_GetRadiosAsync, .GetDeviceSelector = rs_GetDeviceSelector,
     .FromIdAsync = rs_FromIdAsync, .RequestAccessAsync = rs_RequestAccessAsync}};

const sim_factory_desc sim_radio_factory = {L"Windows.Devices.Radios.Radio", NULL, {{&IID_IRadioStatics, &rs_vt.v}}};

/* ==== BluetoothAdapter ========================================================================== */

typedef struct adapter {
  sim_obj obj;
  IBluetoothAdapter a;
  IBluetoothAdapter2 a2;
  IBluetoothAdapter3 a3;
} adapter;

static const sim_itf adapter_itfs[] = {{&IID_IBluetoothAdapter, offsetof(adapter, a)},
                                       {&IID_IBluetoothAdapter2, offsetof(adapter, a2)},
                                       {&IID_IBluetoothAdapter3, offsetof(adapter, a3)},
                                       {NULL, 0}};
static const sim_class adapter_class = {L"Windows.Devices.Bluetooth.BluetoothAdapter", adapter_itfs, NULL};

#define ADAPTER_ID L"\\\\?\\USB#VID_8087&PID_0029#5&1a2b3c4d&0&10#{92383b0e-f90e-4ac9-8d44-8c2d0d0ebda2}"

#define ADAPTER_BOOL(Iface, Name, v)                                                           \
  static HRESULT STDMETHODCALLTYPE ad_get_##Name(Iface *This, boolean *value) {                \
    SIM_ENTER();                                                                               \
    (void)This;                                                                                \
    SIM_CHECK_OUT(value);                                                                      \
    *value = v;                                                                                \
    return S_OK;                                                                               \
  }
ADAPTER_BOOL(IBluetoothAdapter, IsClassicSupported, TRUE)
ADAPTER_BOOL(IBluetoothAdapter, IsLowEnergySupported, TRUE)
ADAPTER_BOOL(IBluetoothAdapter, IsPeripheralRoleSupported, FALSE)
ADAPTER_BOOL(IBluetoothAdapter, IsCentralRoleSupported, TRUE)
ADAPTER_BOOL(IBluetoothAdapter, IsAdvertisementOffloadSupported, FALSE)
ADAPTER_BOOL(IBluetoothAdapter2, AreClassicSecureConnectionsSupported, TRUE)
ADAPTER_BOOL(IBluetoothAdapter2, AreLowEnergySecureConnectionsSupported, TRUE)
ADAPTER_BOOL(IBluetoothAdapter3, IsExtendedAdvertisingSupported, FALSE)

static HRESULT STDMETHODCALLTYPE ad_get_DeviceId(IBluetoothAdapter *This, HSTRING *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = sim_hstring(ADAPTER_ID);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ad_get_BluetoothAddress(IBluetoothAdapter *This, UINT64 *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = SIM_ADAPTER_ADDRESS;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ad_GetRadioAsync(IBluetoothAdapter *This,
                                                  __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio **result) {
  SIM_ENTER();
  (void)This;
  return radio_op(sim_adapter_present(), result);
}
SIM_VTABLE(IBluetoothAdapterVtbl, ad_vt) = {
    offsetof(adapter, a),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceId = ad_get_DeviceId, .get_BluetoothAddress = ad_get_BluetoothAddress,
     .get_IsClassicSupported = ad_get_IsClassicSupported, .get_IsLowEnergySupported = ad_get_IsLowEnergySupported,
     .get_IsPeripheralRoleSupported = ad_get_IsPeripheralRoleSupported,
     .get_IsCentralRoleSupported = ad_get_IsCentralRoleSupported,
     .get_IsAdvertisementOffloadSupported = ad_get_IsAdvertisementOffloadSupported,
     .GetRadioAsync = ad_GetRadioAsync}};
SIM_VTABLE(IBluetoothAdapter2Vtbl, ad2_vt) = {
    offsetof(adapter, a2),
    {SIM_INSPECTABLE_SLOTS, .get_AreClassicSecureConnectionsSupported = ad_get_AreClassicSecureConnectionsSupported,
     .get_AreLowEnergySecureConnectionsSupported = ad_get_AreLowEnergySecureConnectionsSupported}};

static HRESULT STDMETHODCALLTYPE ad3_get_MaxAdvertisementDataLength(IBluetoothAdapter3 *This, UINT32 *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = 31;
  return S_OK;
}
SIM_VTABLE(IBluetoothAdapter3Vtbl, ad3_vt) = {
    offsetof(adapter, a3),
    {SIM_INSPECTABLE_SLOTS, .get_IsExtendedAdvertisingSupported = ad_get_IsExtendedAdvertisingSupported,
     .get_MaxAdvertisementDataLength = ad3_get_MaxAdvertisementDataLength}};

static HRESULT adapter_op(bool present, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_adapter);
  if (!op) return E_OUTOFMEMORY;
  adapter *a = NULL;
  if (present) {
    a = sim_obj_new(&adapter_class, sizeof *a);
    if (!a) {
      SIM_ASYNC_RELEASE(op);
      return E_OUTOFMEMORY;
    }
    a->a.lpVtbl = (IBluetoothAdapterVtbl *)&ad_vt.v;
    a->a2.lpVtbl = (IBluetoothAdapter2Vtbl *)&ad2_vt.v;
    a->a3.lpVtbl = (IBluetoothAdapter3Vtbl *)&ad3_vt.v;
  }
  sim_async_post_obj(op, a ? &a->a : NULL);
  if (a) sim_Release(&a->a);
  *result = sim_async_itf(op);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE as_GetDeviceSelector(IBluetoothAdapterStatics *This, HSTRING *result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = sim_hstring(L"System.Devices.InterfaceClassGuid:=\"{92383b0e-f90e-4ac9-8d44-8c2d0d0ebda2}\"");
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE as_FromIdAsync(IBluetoothAdapterStatics *This, HSTRING id,
                                                __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter **result) {
  SIM_ENTER();
  (void)This;
  UINT32 n = 0;
  const WCHAR *s = WindowsGetStringRawBuffer(id, &n);
  return adapter_op(sim_adapter_present() && n == wcslen(ADAPTER_ID) && wcscmp(s, ADAPTER_ID) == 0, result);
}
static HRESULT STDMETHODCALLTYPE as_GetDefaultAsync(IBluetoothAdapterStatics *This,
                                                    __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter **result) {
  SIM_ENTER();
  (void)This;
  return adapter_op(sim_adapter_present(), result);
}
SIM_VTABLE(IBluetoothAdapterStaticsVtbl, as_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .GetDeviceSelector = as_GetDeviceSelector, .FromIdAsync = as_FromIdAsync,
     .GetDefaultAsync = as_GetDefaultAsync}};

const sim_factory_desc sim_adapter_factory = {L"Windows.Devices.Bluetooth.BluetoothAdapter",
                                              NULL,
                                              {{&IID_IBluetoothAdapterStatics, &as_vt.v}}};
