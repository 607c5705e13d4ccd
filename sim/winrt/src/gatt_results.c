/* SPDX-License-Identifier: MIT */
/*
 * gatt_results.c — the result objects of GATT operations (status, ProtocolError as an
 * IReference<UInt8> present only with ProtocolError, and the content), the value-changed
 * and session-status event args.
 */
#include "gatt.h"

#include <stdlib.h>

/* One layout for every result: the interfaces differ, the fields are shared. */
typedef struct result {
  sim_obj obj;
  struct {
    const void *lpVtbl;
  } r, r2; /* default interface, and the "2" interface with ProtocolError when the class has one */
  GattCommunicationStatus status;
  int att;
  IUnknown *content; /* view or buffer */
  INT32 value;       /* CCCD value */
  DateTime timestamp;
} result;

static void result_destroy(sim_obj *o) { sim_release_any(((result *)o)->content); }
#define RS(This) ((result *)sim_obj_from(This))

static HRESULT get_status(void *This, GattCommunicationStatus *value) {
  SIM_CHECK_OUT(value);
  *value = RS(This)->status;
  return S_OK;
}

static HRESULT get_protocol_error(void *This, IReference_BYTE **value) {
  SIM_CHECK_OUT(value);
  *value = NULL;
  result *r = RS(This);
  return r->status == GattCommunicationStatus_ProtocolError ? sim_box_u8((BYTE)r->att, value) : S_OK;
}

static HRESULT get_content(void *This, void **value) {
  SIM_CHECK_OUT(value);
  *value = RS(This)->content;
  sim_addref_any(*value);
  return S_OK;
}

static result *result_new(const sim_class *cls, const void *vt, const void *vt2, GattCommunicationStatus st, int att,
                          void *content) {
  result *r = sim_obj_new(cls, sizeof *r);
  if (!r) return NULL;
  r->r.lpVtbl = vt;
  r->r2.lpVtbl = vt2;
  r->status = st;
  r->att = att;
  r->content = content;
  sim_addref_any(content);
  return r;
}

/* ---- GattDeviceServicesResult ------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE sr_get_Status(IGattDeviceServicesResult *This, GattCommunicationStatus *v) {
  SIM_ENTER();
  return get_status(This, v);
}
static HRESULT STDMETHODCALLTYPE sr_get_ProtocolError(IGattDeviceServicesResult *This, IReference_BYTE **v) {
  SIM_ENTER();
  return get_protocol_error(This, v);
}
static HRESULT STDMETHODCALLTYPE sr_get_Services(IGattDeviceServicesResult *This, IVectorView_Service **v) {
  SIM_ENTER();
  return get_content(This, (void **)v);
}
SIM_VTABLE(IGattDeviceServicesResultVtbl, sr_vt) = {
    offsetof(result, r),
    {SIM_INSPECTABLE_SLOTS, .get_Status = sr_get_Status, .get_ProtocolError = sr_get_ProtocolError,
     .get_Services = sr_get_Services}};
static const sim_itf sr_itfs[] = {{&IID_IGattDeviceServicesResult, offsetof(result, r)}, {NULL, 0}};
static const sim_class sr_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattDeviceServicesResult",
                                   sr_itfs, result_destroy};

HRESULT sim_services_result(GattCommunicationStatus st, int att, IVectorView_Service *services,
                            IGattDeviceServicesResult **out) {
  result *r = result_new(&sr_class, &sr_vt.v, NULL, st, att, services);
  if (!r) return E_OUTOFMEMORY;
  *out = (IGattDeviceServicesResult *)&r->r;
  return S_OK;
}

/* ---- GattCharacteristicsResult --------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE cr_get_Status(IGattCharacteristicsResult *This, GattCommunicationStatus *v) {
  SIM_ENTER();
  return get_status(This, v);
}
static HRESULT STDMETHODCALLTYPE cr_get_ProtocolError(IGattCharacteristicsResult *This, IReference_BYTE **v) {
  SIM_ENTER();
  return get_protocol_error(This, v);
}
static HRESULT STDMETHODCALLTYPE cr_get_Characteristics(IGattCharacteristicsResult *This,
                                                        IVectorView_Characteristic **v) {
  SIM_ENTER();
  return get_content(This, (void **)v);
}
SIM_VTABLE(IGattCharacteristicsResultVtbl, cr_vt) = {
    offsetof(result, r),
    {SIM_INSPECTABLE_SLOTS, .get_Status = cr_get_Status, .get_ProtocolError = cr_get_ProtocolError,
     .get_Characteristics = cr_get_Characteristics}};
static const sim_itf cr_itfs[] = {{&IID_IGattCharacteristicsResult, offsetof(result, r)}, {NULL, 0}};
static const sim_class cr_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattCharacteristicsResult",
                                   cr_itfs, result_destroy};

HRESULT sim_characteristics_result(GattCommunicationStatus st, int att, IVectorView_Characteristic *chars,
                                   IGattCharacteristicsResult **out) {
  result *r = result_new(&cr_class, &cr_vt.v, NULL, st, att, chars);
  if (!r) return E_OUTOFMEMORY;
  *out = (IGattCharacteristicsResult *)&r->r;
  return S_OK;
}

/* ---- GattDescriptorsResult --------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE dr_get_Status(IGattDescriptorsResult *This, GattCommunicationStatus *v) {
  SIM_ENTER();
  return get_status(This, v);
}
static HRESULT STDMETHODCALLTYPE dr_get_ProtocolError(IGattDescriptorsResult *This, IReference_BYTE **v) {
  SIM_ENTER();
  return get_protocol_error(This, v);
}
static HRESULT STDMETHODCALLTYPE dr_get_Descriptors(IGattDescriptorsResult *This, IVectorView_Descriptor **v) {
  SIM_ENTER();
  return get_content(This, (void **)v);
}
SIM_VTABLE(IGattDescriptorsResultVtbl, dr_vt) = {
    offsetof(result, r),
    {SIM_INSPECTABLE_SLOTS, .get_Status = dr_get_Status, .get_ProtocolError = dr_get_ProtocolError,
     .get_Descriptors = dr_get_Descriptors}};
static const sim_itf dr_itfs[] = {{&IID_IGattDescriptorsResult, offsetof(result, r)}, {NULL, 0}};
static const sim_class dr_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattDescriptorsResult",
                                   dr_itfs, result_destroy};

HRESULT sim_descriptors_result(GattCommunicationStatus st, int att, IVectorView_Descriptor *descs,
                               IGattDescriptorsResult **out) {
  result *r = result_new(&dr_class, &dr_vt.v, NULL, st, att, descs);
  if (!r) return E_OUTOFMEMORY;
  *out = (IGattDescriptorsResult *)&r->r;
  return S_OK;
}

/* ---- GattReadResult ------------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE rr_get_Status(IGattReadResult *This, GattCommunicationStatus *v) {
  SIM_ENTER();
  return get_status(This, v);
}
static HRESULT STDMETHODCALLTYPE rr_get_Value(IGattReadResult *This, IBuffer **v) {
  SIM_ENTER();
  return get_content(This, (void **)v);
}
static HRESULT STDMETHODCALLTYPE rr2_get_ProtocolError(IGattReadResult2 *This, IReference_BYTE **v) {
  SIM_ENTER();
  return get_protocol_error(This, v);
}
SIM_VTABLE(IGattReadResultVtbl, rr_vt) = {
    offsetof(result, r), {SIM_INSPECTABLE_SLOTS, .get_Status = rr_get_Status, .get_Value = rr_get_Value}};
SIM_VTABLE(IGattReadResult2Vtbl, rr2_vt) = {offsetof(result, r2),
                                            {SIM_INSPECTABLE_SLOTS, .get_ProtocolError = rr2_get_ProtocolError}};
static const sim_itf rr_itfs[] = {{&IID_IGattReadResult, offsetof(result, r)},
                                  {&IID_IGattReadResult2, offsetof(result, r2)},
                                  {NULL, 0}};
static const sim_class rr_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattReadResult", rr_itfs,
                                   result_destroy};

HRESULT sim_read_result(GattCommunicationStatus st, int att, const BYTE *data, size_t len, IGattReadResult **out) {
  IBuffer *b = NULL;
  if (st == GattCommunicationStatus_Success) {
    HRESULT hr = sim_buffer_new(data, (UINT32)len, &b);
    if (FAILED(hr)) return hr;
  }
  result *r = result_new(&rr_class, &rr_vt.v, &rr2_vt.v, st, att, b);
  sim_release_any(b);
  if (!r) return E_OUTOFMEMORY;
  *out = (IGattReadResult *)&r->r;
  return S_OK;
}

/* ---- GattWriteResult --------------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE wr_get_Status(IGattWriteResult *This, GattCommunicationStatus *v) {
  SIM_ENTER();
  return get_status(This, v);
}
static HRESULT STDMETHODCALLTYPE wr_get_ProtocolError(IGattWriteResult *This, IReference_BYTE **v) {
  SIM_ENTER();
  return get_protocol_error(This, v);
}
SIM_VTABLE(IGattWriteResultVtbl, wr_vt) = {
    offsetof(result, r),
    {SIM_INSPECTABLE_SLOTS, .get_Status = wr_get_Status, .get_ProtocolError = wr_get_ProtocolError}};
static const sim_itf wr_itfs[] = {{&IID_IGattWriteResult, offsetof(result, r)}, {NULL, 0}};
static const sim_class wr_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattWriteResult", wr_itfs,
                                   result_destroy};

HRESULT sim_write_result(GattCommunicationStatus st, int att, IGattWriteResult **out) {
  result *r = result_new(&wr_class, &wr_vt.v, NULL, st, att, NULL);
  if (!r) return E_OUTOFMEMORY;
  *out = (IGattWriteResult *)&r->r;
  return S_OK;
}

/* ---- GattReadClientCharacteristicConfigurationDescriptorResult ------------------------------------- */

static HRESULT STDMETHODCALLTYPE ccr_get_Status(IGattReadClientCharacteristicConfigurationDescriptorResult *This,
                                                GattCommunicationStatus *v) {
  SIM_ENTER();
  return get_status(This, v);
}
static HRESULT STDMETHODCALLTYPE ccr_get_ClientCharacteristicConfigurationDescriptor(
    IGattReadClientCharacteristicConfigurationDescriptorResult *This,
    GattClientCharacteristicConfigurationDescriptorValue *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = (GattClientCharacteristicConfigurationDescriptorValue)RS(This)->value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ccr2_get_ProtocolError(IGattReadClientCharacteristicConfigurationDescriptorResult2 *This,
                                                        IReference_BYTE **v) {
  SIM_ENTER();
  return get_protocol_error(This, v);
}
SIM_VTABLE(IGattReadClientCharacteristicConfigurationDescriptorResultVtbl, ccr_vt) = {
    offsetof(result, r),
    {SIM_INSPECTABLE_SLOTS, .get_Status = ccr_get_Status,
     .get_ClientCharacteristicConfigurationDescriptor = ccr_get_ClientCharacteristicConfigurationDescriptor}};
SIM_VTABLE(IGattReadClientCharacteristicConfigurationDescriptorResult2Vtbl, ccr2_vt) = {
    offsetof(result, r2), {SIM_INSPECTABLE_SLOTS, .get_ProtocolError = ccr2_get_ProtocolError}};
static const sim_itf ccr_itfs[] = {
    {&IID_IGattReadClientCharacteristicConfigurationDescriptorResult, offsetof(result, r)},
    {&IID_IGattReadClientCharacteristicConfigurationDescriptorResult2, offsetof(result, r2)},
    {NULL, 0}};
static const sim_class ccr_class = {
    L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattReadClientCharacteristicConfigurationDescriptorResult",
    ccr_itfs, result_destroy};

HRESULT sim_cccd_result(GattCommunicationStatus st, int att, GattClientCharacteristicConfigurationDescriptorValue v,
                        IGattReadClientCharacteristicConfigurationDescriptorResult **out) {
  result *r = result_new(&ccr_class, &ccr_vt.v, &ccr2_vt.v, st, att, NULL);
  if (!r) return E_OUTOFMEMORY;
  r->value = v;
  *out = (IGattReadClientCharacteristicConfigurationDescriptorResult *)&r->r;
  return S_OK;
}

/* ---- GattValueChangedEventArgs ----------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE vc_get_CharacteristicValue(IGattValueChangedEventArgs *This, IBuffer **v) {
  SIM_ENTER();
  return get_content(This, (void **)v);
}
static HRESULT STDMETHODCALLTYPE vc_get_Timestamp(IGattValueChangedEventArgs *This, DateTime *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = RS(This)->timestamp;
  return S_OK;
}
SIM_VTABLE(IGattValueChangedEventArgsVtbl, vc_vt) = {
    offsetof(result, r),
    {SIM_INSPECTABLE_SLOTS, .get_CharacteristicValue = vc_get_CharacteristicValue, .get_Timestamp = vc_get_Timestamp}};
static const sim_itf vc_itfs[] = {{&IID_IGattValueChangedEventArgs, offsetof(result, r)}, {NULL, 0}};
static const sim_class vc_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattValueChangedEventArgs",
                                   vc_itfs, result_destroy};

HRESULT sim_value_changed_args(const BYTE *data, size_t len, IGattValueChangedEventArgs **out) {
  IBuffer *b = NULL;
  HRESULT hr = sim_buffer_new(data, (UINT32)len, &b);
  if (FAILED(hr)) return hr;
  result *r = result_new(&vc_class, &vc_vt.v, NULL, GattCommunicationStatus_Success, 0, b);
  sim_release_any(b);
  if (!r) return E_OUTOFMEMORY;
  r->timestamp = sim_now_datetime();
  *out = (IGattValueChangedEventArgs *)&r->r;
  return S_OK;
}

/* ---- GattSessionStatusChangedEventArgs ------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE ss_get_Error(IGattSessionStatusChangedEventArgs *This, BluetoothError *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = (BluetoothError)RS(This)->att;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_get_Status(IGattSessionStatusChangedEventArgs *This, GattSessionStatus *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = (GattSessionStatus)RS(This)->value;
  return S_OK;
}
SIM_VTABLE(IGattSessionStatusChangedEventArgsVtbl, ss_vt) = {
    offsetof(result, r), {SIM_INSPECTABLE_SLOTS, .get_Error = ss_get_Error, .get_Status = ss_get_Status}};
static const sim_itf ss_itfs[] = {{&IID_IGattSessionStatusChangedEventArgs, offsetof(result, r)}, {NULL, 0}};
static const sim_class ss_class = {
    L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSessionStatusChangedEventArgs", ss_itfs, result_destroy};

HRESULT sim_session_status_args(BluetoothError error, GattSessionStatus st, IGattSessionStatusChangedEventArgs **out) {
  result *r = result_new(&ss_class, &ss_vt.v, NULL, GattCommunicationStatus_Success, (int)error, NULL);
  if (!r) return E_OUTOFMEMORY;
  r->value = st;
  *out = (IGattSessionStatusChangedEventArgs *)&r->r;
  return S_OK;
}
