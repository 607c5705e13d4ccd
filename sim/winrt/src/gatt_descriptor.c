/* SPDX-License-Identifier: MIT */
/*
 * gatt_descriptor.c — Windows.Devices.Bluetooth.GenericAttributeProfile.GattDescriptor and
 * its statics; GattProtocolError's constants (the ATT error codes).
 *
 * Reads use the OS value cache unless Uncached (ReadValueAsync() reads the cache, as
 * documented); writes go with response; RO_E_CLOSED after the parent service is closed.
 */
#include "gatt.h"

#include <stdlib.h>

typedef struct desc {
  sim_obj obj;
  IGattDescriptor d;
  IGattDescriptor2 d2;
  sim_dev *dev;
  IGattDeviceService *service;
  blec__wattr attr;
  GattProtectionLevel protection;
} desc;

#define DS(This) ((desc *)sim_obj_from(This))
#define CHECK_OPEN(ds)                                                                     \
  do {                                                                                     \
    if (sim_service_closed((ds)->service)) return RO_E_CLOSED;                             \
  } while (0)

static void desc_destroy(sim_obj *o) { sim_release_any(((desc *)o)->service); }
static const sim_itf desc_itfs[] = {{&IID_IGattDescriptor, offsetof(desc, d)},
                                    {&IID_IGattDescriptor2, offsetof(desc, d2)},
                                    {NULL, 0}};
static const sim_class desc_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattDescriptor", desc_itfs,
                                     desc_destroy};

typedef struct call {
  sim_async *op;
  desc *ds;
  int kind; /* 0 read, 1 write status, 2 write result */
} call;

static void call_done(void *ctx, const sim_gatt_result *r) {
  call *k = ctx;
  IUnknown *res = NULL;
  HRESULT hr = S_OK;
  if (k->kind == 0)
    hr = sim_read_result(r->status, r->att, r->data, r->len, (IGattReadResult **)&res);
  else if (k->kind == 2)
    hr = sim_write_result(r->status, r->att, (IGattWriteResult **)&res);
  else
    sim_async_complete_i32(k->op, r->status);
  if (FAILED(hr))
    sim_async_fail(k->op, hr);
  else if (res)
    sim_async_complete_obj(k->op, res);
  sim_release_any(res);
  SIM_ASYNC_RELEASE(k->op);
  sim_Release(&k->ds->d);
  free(k);
}

static HRESULT begin(desc *ds, const sim_async_type *type, int kind, void **result, call **out) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(ds);
  call *k = calloc(1, sizeof *k);
  sim_async *op = sim_async_new(type);
  if (!k || !op) {
    free(k);
    if (op) SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  k->op = op;
  SIM_ASYNC_ADDREF(op);
  k->ds = ds;
  sim_AddRef(&ds->d);
  k->kind = kind;
  *result = sim_async_itf(op);
  *out = k;
  return S_OK;
}

static HRESULT read_value(desc *ds, BluetoothCacheMode mode, void **result) {
  if (mode != BluetoothCacheMode_Cached && mode != BluetoothCacheMode_Uncached) return E_INVALIDARG;
  call *k;
  HRESULT hr = begin(ds, &sim_at_read_result, 0, result, &k);
  if (SUCCEEDED(hr)) sim_dev_read(ds->dev, ds->attr.handle, mode, call_done, k, (sim_req_origin){k->op, ds->service});
  return hr;
}

static HRESULT write_value(desc *ds, IBuffer *buffer, bool with_result, void **result) {
  if (result) *result = NULL;
  if (!buffer) return E_INVALIDARG;
  BYTE *data;
  UINT32 len;
  HRESULT hr = sim_buffer_bytes(buffer, &data, &len);
  if (FAILED(hr)) return hr;
  call *k;
  hr = begin(ds, with_result ? &sim_at_write_result : &sim_at_comm_status, with_result ? 2 : 1, result, &k);
  if (SUCCEEDED(hr)) sim_dev_write(ds->dev, ds->attr.handle, data, len, true, call_done, k,
                                  (sim_req_origin){k->op, ds->service});
  return hr;
}

static HRESULT STDMETHODCALLTYPE ds_get_ProtectionLevel(IGattDescriptor *This, GattProtectionLevel *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DS(This));
  *value = DS(This)->protection;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ds_put_ProtectionLevel(IGattDescriptor *This, GattProtectionLevel value) {
  SIM_ENTER();
  CHECK_OPEN(DS(This));
  if (value < GattProtectionLevel_Plain || value > GattProtectionLevel_EncryptionAndAuthenticationRequired)
    return E_INVALIDARG;
  DS(This)->protection = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ds_get_Uuid(IGattDescriptor *This, GUID *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DS(This));
  *value = sim_guid_from_uuid(&DS(This)->attr.uuid);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ds_get_AttributeHandle(IGattDescriptor *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(DS(This));
  *value = DS(This)->attr.handle;
  return S_OK;
}

typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult ReadOp;

static HRESULT STDMETHODCALLTYPE ds_ReadValueAsync(IGattDescriptor *This, ReadOp **result) {
  SIM_ENTER();
  return read_value(DS(This), BluetoothCacheMode_Cached, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ds_ReadValueWithCacheModeAsync(IGattDescriptor *This, BluetoothCacheMode mode,
                                                                ReadOp **result) {
  SIM_ENTER();
  return read_value(DS(This), mode, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ds_WriteValueAsync(IGattDescriptor *This, IBuffer *buffer,
                                                    __FIAsyncOperation_1_GattCommunicationStatus **result) {
  SIM_ENTER();
  return write_value(DS(This), buffer, false, (void **)result);
}
SIM_VTABLE(IGattDescriptorVtbl, ds_vt) = {
    offsetof(desc, d),
    {SIM_INSPECTABLE_SLOTS, .get_ProtectionLevel = ds_get_ProtectionLevel,
     .put_ProtectionLevel = ds_put_ProtectionLevel, .get_Uuid = ds_get_Uuid,
     .get_AttributeHandle = ds_get_AttributeHandle, .ReadValueAsync = ds_ReadValueAsync,
     .ReadValueWithCacheModeAsync = ds_ReadValueWithCacheModeAsync, .WriteValueAsync = ds_WriteValueAsync}};

static HRESULT STDMETHODCALLTYPE ds2_WriteValueWithResultAsync(
    IGattDescriptor2 *This, IBuffer *buffer,
    __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult **result) {
  SIM_ENTER();
  return write_value(DS(This), buffer, true, (void **)result);
}
SIM_VTABLE(IGattDescriptor2Vtbl, ds2_vt) = {
    offsetof(desc, d2), {SIM_INSPECTABLE_SLOTS, .WriteValueWithResultAsync = ds2_WriteValueWithResultAsync}};

static HRESULT desc_new(sim_dev *d, IGattDeviceService *service, const blec__wattr *attr, IGattDescriptor **out) {
  desc *ds = sim_obj_new(&desc_class, sizeof *ds);
  if (!ds) return E_OUTOFMEMORY;
  ds->d.lpVtbl = (IGattDescriptorVtbl *)&ds_vt.v;
  ds->d2.lpVtbl = (IGattDescriptor2Vtbl *)&ds2_vt.v;
  ds->dev = d;
  ds->service = service;
  IGattDeviceService_AddRef(service);
  ds->attr = *attr;
  *out = &ds->d;
  return S_OK;
}

HRESULT sim_descriptors_view(sim_dev *d, IGattDeviceService *service, const blec__wattr *attrs, size_t n, uint16_t vh,
                             const GUID *uuid, IVectorView_Descriptor **out) {
  *out = NULL;
  IGattDescriptor **v = calloc(n ? n : 1, sizeof *v);
  if (!v) return E_OUTOFMEMORY;
  UINT32 k = 0;
  HRESULT hr = S_OK;
  size_t i = 0;
  while (i < n && !(attrs[i].kind == BLEC__WATTR_CHARACTERISTIC && attrs[i].handle == vh)) i++;
  for (i++; i < n && attrs[i].kind == BLEC__WATTR_DESCRIPTOR && SUCCEEDED(hr); i++) {
    GUID g = sim_guid_from_uuid(&attrs[i].uuid);
    if (uuid && !IsEqualGUID(&g, uuid)) continue;
    hr = desc_new(d, service, &attrs[i], &v[k]);
    if (SUCCEEDED(hr)) k++;
  }
  if (SUCCEEDED(hr)) {
    *out = sim_view_new(&sim_vt_descriptors, (void *const *)v, k);
    if (!*out) hr = E_OUTOFMEMORY;
  }
  for (UINT32 j = 0; j < k; j++) IGattDescriptor_Release(v[j]);
  free(v);
  return hr;
}

/* ---- statics --------------------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE dst_ConvertShortIdToUuid(IGattDescriptorStatics *This, UINT16 id, GUID *result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  blec_uuid u = blec_uuid_from16(id);
  *result = sim_guid_from_uuid(&u);
  return S_OK;
}
SIM_VTABLE(IGattDescriptorStaticsVtbl, dst_vt) = {SIM_FACTORY_SLOT(0),
                                                  {SIM_INSPECTABLE_SLOTS, .ConvertShortIdToUuid = dst_ConvertShortIdToUuid}};
const sim_factory_desc sim_descriptor_factory = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattDescriptor",
                                                 NULL,
                                                 {{&IID_IGattDescriptorStatics, &dst_vt.v}}};

#define PROTOCOL_ERROR(name, v)                                                                  \
  static HRESULT STDMETHODCALLTYPE pe_get_##name(IGattProtocolErrorStatics *This, BYTE *value) { \
    SIM_ENTER();                                                                                 \
    (void)This;                                                                                  \
    SIM_CHECK_OUT(value);                                                                        \
    *value = v;                                                                                  \
    return S_OK;                                                                                 \
  }
/* The ATT error codes (Bluetooth Core, Vol 3, Part F, 3.4.1.1). */
PROTOCOL_ERROR(InvalidHandle, 0x01)
PROTOCOL_ERROR(ReadNotPermitted, 0x02)
PROTOCOL_ERROR(WriteNotPermitted, 0x03)
PROTOCOL_ERROR(InvalidPdu, 0x04)
PROTOCOL_ERROR(InsufficientAuthentication, 0x05)
PROTOCOL_ERROR(RequestNotSupported, 0x06)
PROTOCOL_ERROR(InvalidOffset, 0x07)
PROTOCOL_ERROR(InsufficientAuthorization, 0x08)
PROTOCOL_ERROR(PrepareQueueFull, 0x09)
PROTOCOL_ERROR(AttributeNotFound, 0x0A)
PROTOCOL_ERROR(AttributeNotLong, 0x0B)
PROTOCOL_ERROR(InsufficientEncryptionKeySize, 0x0C)
PROTOCOL_ERROR(InvalidAttributeValueLength, 0x0D)
PROTOCOL_ERROR(UnlikelyError, 0x0E)
PROTOCOL_ERROR(InsufficientEncryption, 0x0F)
PROTOCOL_ERROR(UnsupportedGroupType, 0x10)
PROTOCOL_ERROR(InsufficientResources, 0x11)

SIM_VTABLE(IGattProtocolErrorStaticsVtbl, pe_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .get_InvalidHandle = pe_get_InvalidHandle, .get_ReadNotPermitted = pe_get_ReadNotPermitted,
     .get_WriteNotPermitted = pe_get_WriteNotPermitted, .get_InvalidPdu = pe_get_InvalidPdu,
     .get_InsufficientAuthentication = pe_get_InsufficientAuthentication,
     .get_RequestNotSupported = pe_get_RequestNotSupported, .get_InvalidOffset = pe_get_InvalidOffset,
     .get_InsufficientAuthorization = pe_get_InsufficientAuthorization,
     .get_PrepareQueueFull = pe_get_PrepareQueueFull, .get_AttributeNotFound = pe_get_AttributeNotFound,
     .get_AttributeNotLong = pe_get_AttributeNotLong,
     .get_InsufficientEncryptionKeySize = pe_get_InsufficientEncryptionKeySize,
     .get_InvalidAttributeValueLength = pe_get_InvalidAttributeValueLength, .get_UnlikelyError = pe_get_UnlikelyError,
     .get_InsufficientEncryption = pe_get_InsufficientEncryption,
     .get_UnsupportedGroupType = pe_get_UnsupportedGroupType,
     .get_InsufficientResources = pe_get_InsufficientResources}};
const sim_factory_desc sim_protocol_error_factory = {
    L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattProtocolError",
    NULL,
    {{&IID_IGattProtocolErrorStatics, &pe_vt.v}}};
