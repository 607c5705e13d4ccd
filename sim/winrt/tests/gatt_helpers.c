/* SPDX-License-Identifier: MIT */
/* gatt_helpers.c — see gatt_helpers.h. */
#include "gatt_helpers.h"

IBluetoothLEDevice *g_device(const char *address) {
  IBluetoothLEDeviceStatics *st = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.BluetoothLEDevice", &IID_IBluetoothLEDeviceStatics, (void **)&st));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *op = NULL;
  CHECK_HR(IBluetoothLEDeviceStatics_FromBluetoothAddressAsync(st, t_addr(address), &op));
  IBluetoothLEDeviceStatics_Release(st);
  return t_await_obj(op, H_DEVICE_OP, 5000);
}

IGattSession *g_session(IBluetoothLEDevice *dev) {
  IBluetoothLEDevice4 *d4 = NULL;
  CHECK_HR(IBluetoothLEDevice_QueryInterface(dev, &IID_IBluetoothLEDevice4, (void **)&d4));
  IBluetoothDeviceId *id = NULL;
  CHECK_HR(IBluetoothLEDevice4_get_BluetoothDeviceId(d4, &id));
  IBluetoothLEDevice4_Release(d4);
  IGattSessionStatics *st = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession", &IID_IGattSessionStatics,
                     (void **)&st));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession *op = NULL;
  CHECK_HR(IGattSessionStatics_FromDeviceIdAsync(st, id, &op));
  IGattSessionStatics_Release(st);
  IBluetoothDeviceId_Release(id);
  IGattSession *s = t_await_obj(op, H_SESSION, 5000);
  CHECK(s != NULL);
  return s;
}

ServiceView *g_services(IBluetoothLEDevice *dev, BluetoothCacheMode mode, GattCommunicationStatus *status) {
  IBluetoothLEDevice3 *d3 = NULL;
  CHECK_HR(IBluetoothLEDevice_QueryInterface(dev, &IID_IBluetoothLEDevice3, (void **)&d3));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult *op = NULL;
  CHECK_HR(IBluetoothLEDevice3_GetGattServicesWithCacheModeAsync(d3, mode, &op));
  IBluetoothLEDevice3_Release(d3);
  IGattDeviceServicesResult *r = t_await_obj(op, H_SERVICES, 10000);
  CHECK(r != NULL);
  CHECK_HR(IGattDeviceServicesResult_get_Status(r, status));
  ServiceView *v = NULL;
  CHECK_HR(IGattDeviceServicesResult_get_Services(r, &v));
  IGattDeviceServicesResult_Release(r);
  CHECK(v != NULL);
  return v;
}

UINT32 g_view_size(void *view) {
  UINT32 n = 0;
  CHECK_HR(((ServiceView *)view)->lpVtbl->get_Size(view, &n));
  return n;
}

static bool is16(GUID g, UINT16 v) {
  GUID w = t_uuid16(v);
  return IsEqualGUID(&g, &w) != 0;
}

IGattDeviceService *g_find_service(ServiceView *v, UINT16 uuid16) {
  UINT32 n = g_view_size(v);
  for (UINT32 i = 0; i < n; i++) {
    IGattDeviceService *s = NULL;
    CHECK_HR(v->lpVtbl->GetAt(v, i, &s));
    GUID g;
    CHECK_HR(IGattDeviceService_get_Uuid(s, &g));
    if (is16(g, uuid16)) return s;
    IGattDeviceService_Release(s);
  }
  return NULL;
}

CharView *g_chars(IGattDeviceService *s, BluetoothCacheMode mode, GattCommunicationStatus *status) {
  IGattDeviceService3 *s3 = NULL;
  CHECK_HR(IGattDeviceService_QueryInterface(s, &IID_IGattDeviceService3, (void **)&s3));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult *op = NULL;
  CHECK_HR(IGattDeviceService3_GetCharacteristicsWithCacheModeAsync(s3, mode, &op));
  IGattDeviceService3_Release(s3);
  IGattCharacteristicsResult *r = t_await_obj(op, H_CHARS, 10000);
  CHECK_HR(IGattCharacteristicsResult_get_Status(r, status));
  CharView *v = NULL;
  CHECK_HR(IGattCharacteristicsResult_get_Characteristics(r, &v));
  IGattCharacteristicsResult_Release(r);
  return v;
}

IGattCharacteristic *g_find_char(CharView *v, UINT16 uuid16) {
  UINT32 n = g_view_size(v);
  for (UINT32 i = 0; i < n; i++) {
    IGattCharacteristic *c = NULL;
    CHECK_HR(v->lpVtbl->GetAt(v, i, &c));
    GUID g;
    CHECK_HR(IGattCharacteristic_get_Uuid(c, &g));
    if (is16(g, uuid16)) return c;
    IGattCharacteristic_Release(c);
  }
  return NULL;
}

GattCommunicationStatus g_read(IGattCharacteristic *c, BluetoothCacheMode mode, BYTE *out, UINT32 cap, UINT32 *len,
                               int *protocol_error) {
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *op = NULL;
  CHECK_HR(IGattCharacteristic_ReadValueWithCacheModeAsync(c, mode, &op));
  IGattReadResult *r = t_await_obj(op, H_READ, 10000);
  GattCommunicationStatus st;
  CHECK_HR(IGattReadResult_get_Status(r, &st));
  if (len) *len = 0;
  IBuffer *b = NULL;
  CHECK_HR(IGattReadResult_get_Value(r, &b));
  if (st == GattCommunicationStatus_Success) {
    CHECK(b != NULL);
    UINT32 n = t_buffer_bytes(b, out, cap);
    if (len) *len = n;
  } else {
    CHECK(b == NULL);
  }
  if (b) IBuffer_Release(b);
  IGattReadResult2 *r2 = NULL;
  CHECK_HR(IGattReadResult_QueryInterface(r, &IID_IGattReadResult2, (void **)&r2));
  __FIReference_1_BYTE *pe = NULL;
  CHECK_HR(IGattReadResult2_get_ProtocolError(r2, &pe));
  if (protocol_error) *protocol_error = -1;
  if (pe) {
    BYTE v = 0;
    CHECK_HR(__FIReference_1_BYTE_get_Value(pe, &v));
    if (protocol_error) *protocol_error = v;
    __FIReference_1_BYTE_Release(pe);
  }
  CHECK((pe != NULL) == (st == GattCommunicationStatus_ProtocolError));
  IGattReadResult2_Release(r2);
  IGattReadResult_Release(r);
  return st;
}

GattCommunicationStatus g_write(IGattCharacteristic *c, const void *data, UINT32 len, GattWriteOption option) {
  IBuffer *b = t_buffer(data, len);
  __FIAsyncOperation_1_GattCommunicationStatus *op = NULL;
  CHECK_HR(IGattCharacteristic_WriteValueWithOptionAsync(c, b, option, &op));
  IBuffer_Release(b);
  return (GattCommunicationStatus)t_await_i32(op, H_STATUS, 10000);
}

GattCommunicationStatus g_cccd(IGattCharacteristic *c, GattClientCharacteristicConfigurationDescriptorValue v) {
  __FIAsyncOperation_1_GattCommunicationStatus *op = NULL;
  CHECK_HR(IGattCharacteristic_WriteClientCharacteristicConfigurationDescriptorAsync(c, v, &op));
  return (GattCommunicationStatus)t_await_i32(op, H_STATUS, 10000);
}

void g_close(void *obj) {
  IClosable *c = NULL;
  CHECK_HR(IUnknown_QueryInterface((IUnknown *)obj, &IID_IClosable, (void **)&c));
  CHECK_HR(IClosable_Close(c));
  IClosable_Release(c);
}

void g_close_services(ServiceView *v) {
  UINT32 n = g_view_size(v);
  for (UINT32 i = 0; i < n; i++) {
    IGattDeviceService *s = NULL;
    CHECK_HR(v->lpVtbl->GetAt(v, i, &s));
    g_close(s);
    IGattDeviceService_Release(s);
  }
  v->lpVtbl->Release(v);
}

BluetoothConnectionStatus g_status(IBluetoothLEDevice *dev) {
  BluetoothConnectionStatus st;
  CHECK_HR(IBluetoothLEDevice_get_ConnectionStatus(dev, &st));
  return st;
}

void g_conn_rec_init(conn_rec *r) {
  memset(r, 0, sizeof *r);
  InitializeCriticalSection(&r->cs);
}

static HRESULT on_connection(void *ctx, void *sender, uintptr_t args) {
  conn_rec *r = ctx;
  CHECK(args == 0); /* TypedEventHandler<BluetoothLEDevice, Object>: null args */
  BluetoothConnectionStatus st = g_status((IBluetoothLEDevice *)sender);
  EnterCriticalSection(&r->cs);
  r->n++;
  if (st == BluetoothConnectionStatus_Connected)
    r->connected++;
  else
    r->disconnected++;
  r->thread = GetCurrentThreadId();
  LeaveCriticalSection(&r->cs);
  return S_OK;
}

t_delegate *g_watch_connection(IBluetoothLEDevice *dev, conn_rec *r, EventRegistrationToken *tok) {
  t_delegate *d = t_delegate_new(&IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CBluetoothLEDevice_IInspectable,
                                 on_connection, r);
  CHECK_HR(IBluetoothLEDevice_add_ConnectionStatusChanged(dev, t_delegate_itf(d), tok));
  return d;
}

void g_value_rec_init(value_rec *r) {
  memset(r, 0, sizeof *r);
  InitializeCriticalSection(&r->cs);
}

static HRESULT on_value(void *ctx, void *sender, uintptr_t b) {
  value_rec *r = ctx;
  CHECK(sender != NULL);
  IGattValueChangedEventArgs *a = (IGattValueChangedEventArgs *)b;
  EnterCriticalSection(&r->cs);
  r->concurrent++;
  if (r->concurrent > r->max_concurrent) r->max_concurrent = r->concurrent;
  LeaveCriticalSection(&r->cs);
  IBuffer *v = NULL;
  CHECK_HR(IGattValueChangedEventArgs_get_CharacteristicValue(a, &v));
  BYTE tmp[32];
  UINT32 n = t_buffer_bytes(v, tmp, sizeof tmp);
  IBuffer_Release(v);
  DateTime ts;
  CHECK_HR(IGattValueChangedEventArgs_get_Timestamp(a, &ts));
  CHECK(ts.UniversalTime > 0);
  EnterCriticalSection(&r->cs);
  if (r->n > 0 && n >= 1 && r->last_len >= 1 && tmp[0] != (BYTE)(r->last[0] + 1)) r->out_of_order++;
  bool known = false;
  for (int i = 0; i < r->threads_seen; i++) known |= r->threads[i] == GetCurrentThreadId();
  if (!known && r->threads_seen < 8) r->threads[r->threads_seen++] = GetCurrentThreadId();
  r->n++;
  memcpy(r->last, tmp, n < sizeof r->last ? n : sizeof r->last);
  r->last_len = n;
  r->thread = GetCurrentThreadId();
  r->concurrent--;
  LeaveCriticalSection(&r->cs);
  return S_OK;
}

t_delegate *g_watch_values(IGattCharacteristic *c, value_rec *r, EventRegistrationToken *tok) {
  t_delegate *d = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattValueChangedEventArgs,
      on_value, r);
  CHECK_HR(IGattCharacteristic_add_ValueChanged(c, t_delegate_itf(d), tok));
  return d;
}

int g_value_count(value_rec *r) {
  EnterCriticalSection(&r->cs);
  int n = r->n;
  LeaveCriticalSection(&r->cs);
  return n;
}
