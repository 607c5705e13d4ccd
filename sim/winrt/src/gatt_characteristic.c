/* SPDX-License-Identifier: MIT */
/*
 * gatt_characteristic.c — Windows.Devices.Bluetooth.GenericAttributeProfile.GattCharacteristic
 * and its statics.
 *
 * As on Windows: ReadValueAsync() reads the value cache the OS keeps (the device when the
 * cache has no value), ReadValueAsync(Uncached) the device; WriteValueAsync(buffer) writes
 * with response; notifications and indications reach ValueChanged handlers (worker
 * threads, in order) once the CCCD is written with
 * WriteClientCharacteristicConfigurationDescriptorAsync; results carry
 * GattCommunicationStatus and, with ProtocolError, the ATT error; after the parent service
 * is closed every call fails with RO_E_CLOSED.
 */
#include "gatt.h"

#include <stdlib.h>
#include <string.h>

#include "blec_winrt_sim.h"

typedef struct chr {
  sim_obj obj;
  IGattCharacteristic c;
  IGattCharacteristic2 c2;
  IGattCharacteristic3 c3;
  sim_dev *dev;
  IGattDeviceService *service;
  blec__wattr attr;
  uint16_t cccd; /* 0: none */
  blec__wattr *descs;
  size_t n_descs;
  GattProtectionLevel protection;
  sim_event value_changed;
  sim_strand *strand;
  sim_listener listener;
} chr;

#define CH(This) ((chr *)sim_obj_from(This))
#define CHECK_OPEN(ch)                                                                     \
  do {                                                                                     \
    if (sim_service_closed((ch)->service)) return RO_E_CLOSED;                             \
  } while (0)

static void chr_destroy(sim_obj *o) {
  chr *ch = (chr *)o;
  sim_dev_unlisten(ch->dev, &ch->listener);
  sim_event_clear(&ch->value_changed);
  sim_strand_free(ch->strand);
  sim_release_any(ch->service);
  free(ch->descs);
}

static const sim_itf chr_itfs[] = {{&IID_IGattCharacteristic, offsetof(chr, c)},
                                   {&IID_IGattCharacteristic2, offsetof(chr, c2)},
                                   {&IID_IGattCharacteristic3, offsetof(chr, c3)},
                                   {NULL, 0}};
static const sim_class chr_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattCharacteristic", chr_itfs,
                                    chr_destroy};

/* ---- ValueChanged -------------------------------------------------------------------------------- */

typedef struct value_note {
  chr *ch;
  IGattValueChangedEventArgs *args;
} value_note;

static void fire_value(void *ctx) {
  value_note *n = ctx;
  sim_event_fire(&n->ch->value_changed, &n->ch->c, n->args);
  sim_release_any(n->args);
  sim_Release(&n->ch->c);
  free(n);
}

static void on_value(sim_obj *o, uint16_t handle, const BYTE *data, size_t len) {
  chr *ch = (chr *)o;
  if (handle != ch->attr.handle || sim_event_count(&ch->value_changed) == 0) return;
  value_note *n = malloc(sizeof *n);
  if (!n) return;
  if (FAILED(sim_value_changed_args(data, len, &n->args))) {
    free(n);
    return;
  }
  n->ch = ch;
  sim_AddRef(&ch->c);
  sim_event_post(&ch->value_changed, ch->strand, fire_value, n);
}

/* ---- asynchronous calls ------------------------------------------------------------------------------ */

typedef enum { CALL_READ, CALL_WRITE_STATUS, CALL_WRITE_RESULT, CALL_CCCD_READ, CALL_CCCD_WRITE_STATUS,
               CALL_CCCD_WRITE_RESULT, CALL_DESCRIPTORS } call_kind;

typedef struct call {
  sim_async *op;
  chr *ch;
  call_kind kind;
  bool has_uuid;
  GUID uuid;
} call;

static void call_done(void *ctx, const sim_gatt_result *r) {
  call *k = ctx;
  chr *ch = k->ch;
  HRESULT hr = S_OK;
  IUnknown *res = NULL;
  switch (k->kind) {
  case CALL_READ:
    hr = sim_read_result(r->status, r->att, r->data, r->len, (IGattReadResult **)&res);
    break;
  case CALL_WRITE_STATUS:
  case CALL_CCCD_WRITE_STATUS:
    sim_async_complete_i32(k->op, r->status);
    break;
  case CALL_WRITE_RESULT:
  case CALL_CCCD_WRITE_RESULT:
    hr = sim_write_result(r->status, r->att, (IGattWriteResult **)&res);
    break;
  case CALL_CCCD_READ: {
    int v = r->status == GattCommunicationStatus_Success && r->len >= 1 ? (r->data[0] & 0x03) : 0;
    GattClientCharacteristicConfigurationDescriptorValue cv =
        v & 0x02 ? GattClientCharacteristicConfigurationDescriptorValue_Indicate
                 : v & 0x01 ? GattClientCharacteristicConfigurationDescriptorValue_Notify
                            : GattClientCharacteristicConfigurationDescriptorValue_None;
    hr = sim_cccd_result(r->status, r->att, cv, (IGattReadClientCharacteristicConfigurationDescriptorResult **)&res);
    break;
  }
  case CALL_DESCRIPTORS: {
    bool ok = r->status == GattCommunicationStatus_Success;
    IVectorView_Descriptor *view = NULL;
    hr = sim_descriptors_view(ch->dev, ch->service, ok ? r->attrs : NULL, ok ? r->n_attrs : 0, ch->attr.handle,
                              k->has_uuid ? &k->uuid : NULL, &view);
    if (SUCCEEDED(hr)) hr = sim_descriptors_result(r->status, r->att, view, (IGattDescriptorsResult **)&res);
    sim_release_any(view);
    break;
  }
  }
  if (FAILED(hr))
    sim_async_fail(k->op, hr);
  else if (res)
    sim_async_complete_obj(k->op, res);
  sim_release_any(res);
  SIM_ASYNC_RELEASE(k->op);
  sim_Release(&ch->c);
  free(k);
}

/* A request of this call belongs to the characteristic's service. */
static sim_req_origin origin(call *k) { return (sim_req_origin){k->op, k->ch->service}; }

static HRESULT begin(chr *ch, const sim_async_type *type, call_kind kind, void **result, call **out) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(ch);
  call *k = calloc(1, sizeof *k);
  sim_async *op = sim_async_new(type);
  if (!k || !op) {
    free(k);
    if (op) SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  k->op = op;
  SIM_ASYNC_ADDREF(op);
  k->ch = ch;
  sim_AddRef(&ch->c);
  k->kind = kind;
  *result = sim_async_itf(op);
  *out = k;
  return S_OK;
}

static HRESULT read_value(chr *ch, BluetoothCacheMode mode, void **result) {
  if (mode != BluetoothCacheMode_Cached && mode != BluetoothCacheMode_Uncached) return E_INVALIDARG;
  call *k;
  HRESULT hr = begin(ch, &sim_at_read_result, CALL_READ, result, &k);
  if (SUCCEEDED(hr)) sim_dev_read(ch->dev, ch->attr.handle, mode, call_done, k, origin(k));
  return hr;
}

static HRESULT write_value(chr *ch, IBuffer *buffer, GattWriteOption option, bool with_result, void **result) {
  if (!buffer) return E_INVALIDARG;
  if (option != GattWriteOption_WriteWithResponse && option != GattWriteOption_WriteWithoutResponse)
    return E_INVALIDARG;
  BYTE *data;
  UINT32 len;
  HRESULT hr = sim_buffer_bytes(buffer, &data, &len);
  if (FAILED(hr)) return hr;
  call *k;
  hr = begin(ch, with_result ? &sim_at_write_result : &sim_at_comm_status,
             with_result ? CALL_WRITE_RESULT : CALL_WRITE_STATUS, result, &k);
  if (SUCCEEDED(hr))
    sim_dev_write(ch->dev, ch->attr.handle, data, len, option == GattWriteOption_WriteWithResponse, call_done, k,
                  origin(k));
  return hr;
}

static HRESULT write_cccd(chr *ch, GattClientCharacteristicConfigurationDescriptorValue v, bool with_result,
                          void **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (v != GattClientCharacteristicConfigurationDescriptorValue_None &&
      v != GattClientCharacteristicConfigurationDescriptorValue_Notify &&
      v != GattClientCharacteristicConfigurationDescriptorValue_Indicate)
    return E_INVALIDARG;
  /* Notify and indicate need the property (and a CCCD). */
  if ((v == GattClientCharacteristicConfigurationDescriptorValue_Notify && !(ch->attr.props & BLEC_PROP_NOTIFY)) ||
      (v == GattClientCharacteristicConfigurationDescriptorValue_Indicate && !(ch->attr.props & BLEC_PROP_INDICATE)) ||
      !ch->cccd)
    return E_INVALIDARG;
  BYTE bytes[2] = {(BYTE)v, 0};
  call *k;
  HRESULT hr = begin(ch, with_result ? &sim_at_write_result : &sim_at_comm_status,
                     with_result ? CALL_CCCD_WRITE_RESULT : CALL_CCCD_WRITE_STATUS, result, &k);
  if (SUCCEEDED(hr)) sim_dev_write(ch->dev, ch->cccd, bytes, 2, true, call_done, k, origin(k));
  return hr;
}

/* ---- IGattCharacteristic ------------------------------------------------------------------------- */

static HRESULT cached_descriptors(chr *ch, const GUID *uuid, IVectorView_Descriptor **out) {
  blec__wattr *attrs = NULL;
  size_t n = 0;
  sim_dev_cached_attrs(ch->dev, &attrs, &n);
  HRESULT hr = sim_descriptors_view(ch->dev, ch->service, attrs, n, ch->attr.handle, uuid, out);
  free(attrs);
  return hr;
}

static HRESULT STDMETHODCALLTYPE ch_GetDescriptors(IGattCharacteristic *This, GUID uuid, IVectorView_Descriptor **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(CH(This));
  return cached_descriptors(CH(This), &uuid, result);
}
static HRESULT STDMETHODCALLTYPE ch_get_CharacteristicProperties(IGattCharacteristic *This,
                                                                 GattCharacteristicProperties *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(CH(This));
  /* blec's property bits are the GATT ones, as Windows' are. */
  *value = (GattCharacteristicProperties)CH(This)->attr.props;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch_get_ProtectionLevel(IGattCharacteristic *This, GattProtectionLevel *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(CH(This));
  *value = CH(This)->protection;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch_put_ProtectionLevel(IGattCharacteristic *This, GattProtectionLevel value) {
  SIM_ENTER();
  CHECK_OPEN(CH(This));
  if (value < GattProtectionLevel_Plain || value > GattProtectionLevel_EncryptionAndAuthenticationRequired)
    return E_INVALIDARG;
  CH(This)->protection = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch_get_UserDescription(IGattCharacteristic *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  chr *ch = CH(This);
  CHECK_OPEN(ch);
  /* The Characteristic User Description (0x2901) the OS has in its cache. */
  blec_uuid ud = blec_uuid_from16(0x2901);
  for (size_t i = 0; i < ch->n_descs; i++) {
    if (!blec_uuid_equal(&ch->descs[i].uuid, &ud)) continue;
    BYTE *data;
    size_t len;
    if (sim_dev_cached_value(ch->dev, ch->descs[i].handle, &data, &len)) {
      char *s = malloc(len + 1);
      if (s) {
        memcpy(s, data, len);
        s[len] = 0;
        *value = sim_hstring_utf8(s);
        free(s);
      }
      free(data);
    }
    break;
  }
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch_get_Uuid(IGattCharacteristic *This, GUID *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(CH(This));
  *value = sim_guid_from_uuid(&CH(This)->attr.uuid);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch_get_AttributeHandle(IGattCharacteristic *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(CH(This));
  /* Windows' documentation does not say which handle this is ("the handle used to uniquely
   * identify GATT-based characteristic attributes"): by default the value handle; the
   * declaration handle (one less) with BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION. */
  *value = (UINT16)(CH(This)->attr.handle - (sim_quirk(BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION) ? 1 : 0));
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch_get_PresentationFormats(IGattCharacteristic *This, IVectorView_Format **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(CH(This));
  *value = sim_view_new(&sim_vt_formats, NULL, 0);
  return *value ? S_OK : E_OUTOFMEMORY;
}

typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult ReadOp;
typedef __FIAsyncOperation_1_GattCommunicationStatus StatusOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult WriteOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadClientCharacteristicConfigurationDescriptorResult
    CccdOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult DescsOp;

static HRESULT STDMETHODCALLTYPE ch_ReadValueAsync(IGattCharacteristic *This, ReadOp **result) {
  SIM_ENTER();
  return read_value(CH(This), BluetoothCacheMode_Cached, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch_ReadValueWithCacheModeAsync(IGattCharacteristic *This, BluetoothCacheMode mode,
                                                                ReadOp **result) {
  SIM_ENTER();
  return read_value(CH(This), mode, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch_WriteValueAsync(IGattCharacteristic *This, IBuffer *buffer, StatusOp **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  return write_value(CH(This), buffer, GattWriteOption_WriteWithResponse, false, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch_WriteValueWithOptionAsync(IGattCharacteristic *This, IBuffer *buffer,
                                                              GattWriteOption option, StatusOp **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  return write_value(CH(This), buffer, option, false, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch_ReadClientCharacteristicConfigurationDescriptorAsync(IGattCharacteristic *This,
                                                                                         CccdOp **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  chr *ch = CH(This);
  CHECK_OPEN(ch);
  if (!ch->cccd) return E_INVALIDARG;
  call *k;
  HRESULT hr = begin(ch, &sim_at_cccd_result, CALL_CCCD_READ, (void **)result, &k);
  if (SUCCEEDED(hr)) sim_dev_read(ch->dev, ch->cccd, BluetoothCacheMode_Uncached, call_done, k, origin(k));
  return hr;
}
static HRESULT STDMETHODCALLTYPE ch_WriteClientCharacteristicConfigurationDescriptorAsync(
    IGattCharacteristic *This, GattClientCharacteristicConfigurationDescriptorValue v, StatusOp **result) {
  SIM_ENTER();
  if (result) *result = NULL;
  if (sim_service_closed(CH(This)->service)) return RO_E_CLOSED;
  return write_cccd(CH(This), v, false, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch_add_ValueChanged(
    IGattCharacteristic *This,
    __FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattValueChangedEventArgs
        *handler,
    EventRegistrationToken *token) {
  SIM_ENTER();
  CHECK_OPEN(CH(This));
  return sim_event_add(&CH(This)->value_changed, handler, token);
}
static HRESULT STDMETHODCALLTYPE ch_remove_ValueChanged(IGattCharacteristic *This, EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&CH(This)->value_changed, token);
}
SIM_VTABLE(IGattCharacteristicVtbl, ch_vt) = {
    offsetof(chr, c),
    {SIM_INSPECTABLE_SLOTS, .GetDescriptors = ch_GetDescriptors,
     .get_CharacteristicProperties = ch_get_CharacteristicProperties, .get_ProtectionLevel = ch_get_ProtectionLevel,
     .put_ProtectionLevel = ch_put_ProtectionLevel, .get_UserDescription = ch_get_UserDescription,
     .get_Uuid = ch_get_Uuid, .get_AttributeHandle = ch_get_AttributeHandle,
     .get_PresentationFormats = ch_get_PresentationFormats, .ReadValueAsync = ch_ReadValueAsync,
     .ReadValueWithCacheModeAsync = ch_ReadValueWithCacheModeAsync, .WriteValueAsync = ch_WriteValueAsync,
     .WriteValueWithOptionAsync = ch_WriteValueWithOptionAsync,
     .ReadClientCharacteristicConfigurationDescriptorAsync = ch_ReadClientCharacteristicConfigurationDescriptorAsync,
     .WriteClientCharacteristicConfigurationDescriptorAsync = ch_WriteClientCharacteristicConfigurationDescriptorAsync,
     .add_ValueChanged = ch_add_ValueChanged, .remove_ValueChanged = ch_remove_ValueChanged}};

/* ---- IGattCharacteristic2 ------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE ch2_get_Service(IGattCharacteristic2 *This, IGattDeviceService **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(CH(This));
  *value = CH(This)->service;
  IGattDeviceService_AddRef(*value);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ch2_GetAllDescriptors(IGattCharacteristic2 *This, IVectorView_Descriptor **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  CHECK_OPEN(CH(This));
  return cached_descriptors(CH(This), NULL, result);
}
SIM_VTABLE(IGattCharacteristic2Vtbl, ch2_vt) = {
    offsetof(chr, c2),
    {SIM_INSPECTABLE_SLOTS, .get_Service = ch2_get_Service, .GetAllDescriptors = ch2_GetAllDescriptors}};

/* ---- IGattCharacteristic3 ------------------------------------------------------------------------- */

static HRESULT get_descriptors(chr *ch, const GUID *uuid, BluetoothCacheMode mode, DescsOp **result) {
  if (mode != BluetoothCacheMode_Cached && mode != BluetoothCacheMode_Uncached) return E_INVALIDARG;
  call *k;
  HRESULT hr = begin(ch, &sim_at_descriptors_result, CALL_DESCRIPTORS, (void **)result, &k);
  if (FAILED(hr)) return hr;
  if (uuid) {
    k->has_uuid = true;
    k->uuid = *uuid;
  }
  sim_dev_discover(ch->dev, mode, call_done, k, origin(k));
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE ch3_GetDescriptorsAsync(IGattCharacteristic3 *This, DescsOp **result) {
  SIM_ENTER();
  return get_descriptors(CH(This), NULL, BluetoothCacheMode_Cached, result);
}
static HRESULT STDMETHODCALLTYPE ch3_GetDescriptorsWithCacheModeAsync(IGattCharacteristic3 *This,
                                                                      BluetoothCacheMode mode, DescsOp **result) {
  SIM_ENTER();
  return get_descriptors(CH(This), NULL, mode, result);
}
static HRESULT STDMETHODCALLTYPE ch3_GetDescriptorsForUuidAsync(IGattCharacteristic3 *This, GUID uuid,
                                                                DescsOp **result) {
  SIM_ENTER();
  return get_descriptors(CH(This), &uuid, BluetoothCacheMode_Cached, result);
}
static HRESULT STDMETHODCALLTYPE ch3_GetDescriptorsForUuidWithCacheModeAsync(IGattCharacteristic3 *This, GUID uuid,
                                                                             BluetoothCacheMode mode,
                                                                             DescsOp **result) {
  SIM_ENTER();
  return get_descriptors(CH(This), &uuid, mode, result);
}
static HRESULT STDMETHODCALLTYPE ch3_WriteValueWithResultAsync(IGattCharacteristic3 *This, IBuffer *buffer,
                                                               WriteOp **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  return write_value(CH(This), buffer, GattWriteOption_WriteWithResponse, true, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch3_WriteValueWithResultAndOptionAsync(IGattCharacteristic3 *This, IBuffer *buffer,
                                                                        GattWriteOption option, WriteOp **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  return write_value(CH(This), buffer, option, true, (void **)result);
}
static HRESULT STDMETHODCALLTYPE ch3_WriteClientCharacteristicConfigurationDescriptorWithResultAsync(
    IGattCharacteristic3 *This, GattClientCharacteristicConfigurationDescriptorValue v, WriteOp **result) {
  SIM_ENTER();
  if (result) *result = NULL;
  if (sim_service_closed(CH(This)->service)) return RO_E_CLOSED;
  return write_cccd(CH(This), v, true, (void **)result);
}
SIM_VTABLE(IGattCharacteristic3Vtbl, ch3_vt) = {
    offsetof(chr, c3),
    {SIM_INSPECTABLE_SLOTS, .GetDescriptorsAsync = ch3_GetDescriptorsAsync,
     .GetDescriptorsWithCacheModeAsync = ch3_GetDescriptorsWithCacheModeAsync,
     .GetDescriptorsForUuidAsync = ch3_GetDescriptorsForUuidAsync,
     .GetDescriptorsForUuidWithCacheModeAsync = ch3_GetDescriptorsForUuidWithCacheModeAsync,
     .WriteValueWithResultAsync = ch3_WriteValueWithResultAsync,
     .WriteValueWithResultAndOptionAsync = ch3_WriteValueWithResultAndOptionAsync,
     .WriteClientCharacteristicConfigurationDescriptorWithResultAsync =
         ch3_WriteClientCharacteristicConfigurationDescriptorWithResultAsync}};

/* ---- construction -------------------------------------------------------------------------------------- */

static HRESULT chr_new(sim_dev *d, IGattDeviceService *service, const blec__wattr *attr, const blec__wattr *descs,
                       size_t n_descs, IGattCharacteristic **out) {
  chr *ch = sim_obj_new(&chr_class, sizeof *ch);
  if (!ch) return E_OUTOFMEMORY;
  ch->c.lpVtbl = (IGattCharacteristicVtbl *)&ch_vt.v;
  ch->c2.lpVtbl = (IGattCharacteristic2Vtbl *)&ch2_vt.v;
  ch->c3.lpVtbl = (IGattCharacteristic3Vtbl *)&ch3_vt.v;
  ch->dev = d;
  ch->service = service;
  IGattDeviceService_AddRef(service);
  ch->attr = *attr;
  sim_event_init(&ch->value_changed);
  ch->descs = malloc((n_descs ? n_descs : 1) * sizeof *ch->descs);
  ch->strand = sim_strand_new();
  if (!ch->descs || !ch->strand) {
    sim_Release(&ch->c);
    return E_OUTOFMEMORY;
  }
  memcpy(ch->descs, descs, n_descs * sizeof *descs);
  ch->n_descs = n_descs;
  blec_uuid cccd = blec_uuid_from16(0x2902);
  for (size_t i = 0; i < n_descs; i++)
    if (blec_uuid_equal(&descs[i].uuid, &cccd)) ch->cccd = descs[i].handle;
  ch->listener.obj = &ch->obj;
  ch->listener.value = on_value;
  sim_dev_listen(d, &ch->listener);
  *out = &ch->c;
  return S_OK;
}

HRESULT sim_characteristics_view(sim_dev *d, IGattDeviceService *service, const blec__wattr *attrs, size_t n,
                                 uint16_t start, uint16_t end, const GUID *uuid, IVectorView_Characteristic **out) {
  *out = NULL;
  IGattCharacteristic **v = calloc(n ? n : 1, sizeof *v);
  if (!v) return E_OUTOFMEMORY;
  UINT32 k = 0;
  HRESULT hr = S_OK;
  for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
    if (attrs[i].kind != BLEC__WATTR_CHARACTERISTIC || attrs[i].handle < start || attrs[i].handle > end) continue;
    GUID g = sim_guid_from_uuid(&attrs[i].uuid);
    if (uuid && !IsEqualGUID(&g, uuid)) continue;
    size_t nd = 0;
    while (i + 1 + nd < n && attrs[i + 1 + nd].kind == BLEC__WATTR_DESCRIPTOR) nd++;
    hr = chr_new(d, service, &attrs[i], &attrs[i + 1], nd, &v[k]);
    if (SUCCEEDED(hr)) k++;
  }
  if (SUCCEEDED(hr)) {
    *out = sim_view_new(&sim_vt_characteristics, (void *const *)v, k);
    if (!*out) hr = E_OUTOFMEMORY;
  }
  for (UINT32 i = 0; i < k; i++) IGattCharacteristic_Release(v[i]);
  free(v);
  return hr;
}

/* ---- statics ------------------------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE cs_ConvertShortIdToUuid(IGattCharacteristicStatics *This, UINT16 id, GUID *result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  blec_uuid u = blec_uuid_from16(id);
  *result = sim_guid_from_uuid(&u);
  return S_OK;
}
SIM_VTABLE(IGattCharacteristicStaticsVtbl, cs_vt) = {
    SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .ConvertShortIdToUuid = cs_ConvertShortIdToUuid}};

const sim_factory_desc sim_characteristic_factory = {
    L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattCharacteristic",
    NULL,
    {{&IID_IGattCharacteristicStatics, &cs_vt.v}}};
