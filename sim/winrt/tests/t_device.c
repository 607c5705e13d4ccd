/* SPDX-License-Identifier: MIT */
/*
 * t_device.c — BluetoothLEDevice statics and properties, BluetoothDeviceId, the adapter and
 * its radio, and the IAsyncOperation/IAsyncInfo contract (other threads, a handler set
 * after completion, one handler only, GetResults/Close while running, Cancel).
 */
#include "gatt_helpers.h"

static const char device_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:01 public\n"
    "  name \"Lab\"\n"
    "  adv-interval 20ms\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"hello\"\n"
    "peripheral AA:00:00:00:00:02 random\n"
    "  name \"Slow\"\n"
    "  connect-delay 800ms\n"
    "  adv-interval 20ms\n"
    "  service ff00\n"
    "    characteristic ff01 read text:\"slow\"\n";

void test_device_from_address(void) {
  t_world(device_world);
  IBluetoothLEDevice *dev = g_device("AA:00:00:00:00:01");
  CHECK(dev != NULL);
  UINT64 a = 0;
  CHECK_HR(IBluetoothLEDevice_get_BluetoothAddress(dev, &a));
  CHECK(a == 0xAA0000000001ULL);
  HSTRING name = NULL;
  CHECK_HR(IBluetoothLEDevice_get_Name(dev, &name));
  CHECK(t_hs_eq(name, L"Lab"));
  WindowsDeleteString(name);
  CHECK_EQ_INT(g_status(dev), BluetoothConnectionStatus_Disconnected);
  IBluetoothLEDevice2 *d2 = NULL;
  CHECK_HR(IBluetoothLEDevice_QueryInterface(dev, &IID_IBluetoothLEDevice2, (void **)&d2));
  BluetoothAddressType at;
  CHECK_HR(IBluetoothLEDevice2_get_BluetoothAddressType(d2, &at));
  CHECK_EQ_INT(at, BluetoothAddressType_Public);
  IBluetoothLEAppearance *ap = NULL;
  CHECK_HR(IBluetoothLEDevice2_get_Appearance(d2, &ap));
  IBluetoothLEAppearance_Release(ap);
  IBluetoothLEDevice2_Release(d2);

  /* The id gives the same device back; BluetoothDeviceId says LE. */
  HSTRING id = NULL;
  CHECK_HR(IBluetoothLEDevice_get_DeviceId(dev, &id));
  IBluetoothLEDeviceStatics *st = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.BluetoothLEDevice", &IID_IBluetoothLEDeviceStatics, (void **)&st));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *op = NULL;
  CHECK_HR(IBluetoothLEDeviceStatics_FromIdAsync(st, id, &op));
  IBluetoothLEDevice *again = t_await_obj(op, H_DEVICE_OP, 5000);
  CHECK(again != NULL);
  CHECK_HR(IBluetoothLEDevice_get_BluetoothAddress(again, &a));
  CHECK(a == 0xAA0000000001ULL);
  IBluetoothLEDevice_Release(again);
  IBluetoothDeviceIdStatics *ids = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.BluetoothDeviceId", &IID_IBluetoothDeviceIdStatics, (void **)&ids));
  IBluetoothDeviceId *bid = NULL;
  CHECK_HR(IBluetoothDeviceIdStatics_FromId(ids, id, &bid));
  boolean le = FALSE;
  CHECK_HR(IBluetoothDeviceId_get_IsLowEnergyDevice(bid, &le));
  CHECK(le);
  IBluetoothDeviceId_Release(bid);
  IBluetoothDeviceIdStatics_Release(ids);
  WindowsDeleteString(id);

  /* An address no device has: a null device, not an error. */
  CHECK_HR(IBluetoothLEDeviceStatics_FromBluetoothAddressAsync(st, 0x010203040506ULL, &op));
  CHECK(t_await_obj(op, H_DEVICE_OP, 5000) == NULL);
  /* The right address with the wrong address type: null too. */
  IBluetoothLEDeviceStatics2 *st2 = NULL;
  CHECK_HR(IBluetoothLEDeviceStatics_QueryInterface(st, &IID_IBluetoothLEDeviceStatics2, (void **)&st2));
  CHECK_HR(IBluetoothLEDeviceStatics2_FromBluetoothAddressWithBluetoothAddressTypeAsync(
      st2, 0xAA0000000001ULL, BluetoothAddressType_Random, &op));
  CHECK(t_await_obj(op, H_DEVICE_OP, 5000) == NULL);
  CHECK_HR(IBluetoothLEDeviceStatics2_FromBluetoothAddressWithBluetoothAddressTypeAsync(
      st2, 0xAA0000000001ULL, BluetoothAddressType_Public, &op));
  IBluetoothLEDevice *typed = t_await_obj(op, H_DEVICE_OP, 5000);
  CHECK(typed != NULL);
  IBluetoothLEDevice_Release(typed);
  HSTRING sel = NULL;
  CHECK_HR(IBluetoothLEDeviceStatics_GetDeviceSelector(st, &sel));
  CHECK(WindowsGetStringLen(sel) > 0);
  WindowsDeleteString(sel);
  IBluetoothLEDeviceStatics2_Release(st2);
  IBluetoothLEDeviceStatics_Release(st);

  /* Close: later calls fail with RO_E_CLOSED. */
  g_close(dev);
  CHECK_EQ_HR(IBluetoothLEDevice_get_Name(dev, &name), (HRESULT)0x80000013L);
  IBluetoothLEDevice_Release(dev);
  t_check_no_live_objects();
}

static HRESULT on_radio_state(void *ctx, void *sender, uintptr_t args) {
  (void)sender;
  (void)args;
  InterlockedIncrement((volatile LONG *)ctx);
  return S_OK;
}

void test_adapter_and_radio(void) {
  t_world(device_world);
  IBluetoothAdapterStatics *st = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.BluetoothAdapter", &IID_IBluetoothAdapterStatics, (void **)&st));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter *op = NULL;
  CHECK_HR(IBluetoothAdapterStatics_GetDefaultAsync(st, &op));
  IBluetoothAdapter *a =
      t_await_obj(op, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothAdapter, 5000);
  CHECK(a != NULL);
  boolean b = FALSE;
  CHECK_HR(IBluetoothAdapter_get_IsLowEnergySupported(a, &b));
  CHECK(b);
  CHECK_HR(IBluetoothAdapter_get_IsCentralRoleSupported(a, &b));
  CHECK(b);
  UINT64 addr = 0;
  CHECK_HR(IBluetoothAdapter_get_BluetoothAddress(a, &addr));
  CHECK(addr != 0);
  __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio *rop = NULL;
  CHECK_HR(IBluetoothAdapter_GetRadioAsync(a, &rop));
  IRadio *radio = t_await_obj(rop, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CRadios__CRadio, 5000);
  CHECK(radio != NULL);
  RadioState rs;
  CHECK_HR(IRadio_get_State(radio, &rs));
  CHECK_EQ_INT(rs, RadioState_On);
  RadioKind kind;
  CHECK_HR(IRadio_get_Kind(radio, &kind));
  CHECK_EQ_INT(kind, RadioKind_Bluetooth);
  /* Switch the radio off through Radio.SetStateAsync: StateChanged, then State Off. */
  static volatile LONG changes;
  changes = 0;
  t_delegate *d = t_delegate_new(&IID___FITypedEventHandler_2_Windows__CDevices__CRadios__CRadio_IInspectable,
                                 on_radio_state, (void *)&changes);
  EventRegistrationToken tok;
  CHECK_HR(IRadio_add_StateChanged(radio, t_delegate_itf(d), &tok));
  __FIAsyncOperation_1_RadioAccessStatus *sop = NULL;
  CHECK_HR(IRadio_SetStateAsync(radio, RadioState_Off, &sop));
  CHECK_EQ_INT(t_await_i32(sop, &IID___FIAsyncOperationCompletedHandler_1_RadioAccessStatus, 5000),
               RadioAccessStatus_Allowed);
  CHECK(T_WAIT_UNTIL(changes == 1, 2000));
  CHECK_HR(IRadio_get_State(radio, &rs));
  CHECK_EQ_INT(rs, RadioState_Off);
  CHECK_HR(IRadio_SetStateAsync(radio, RadioState_On, &sop));
  t_await_i32(sop, &IID___FIAsyncOperationCompletedHandler_1_RadioAccessStatus, 5000);
  CHECK(T_WAIT_UNTIL(changes == 2, 2000));
  CHECK_HR(IRadio_remove_StateChanged(radio, tok));
  t_delegate_release(d);
  IRadio_Release(radio);
  IBluetoothAdapter_Release(a);

  /* Radio statics list the Bluetooth radio. */
  IRadioStatics *rst = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Radios.Radio", &IID_IRadioStatics, (void **)&rst));
  __FIAsyncOperation_1___FIVectorView_1_Windows__CDevices__CRadios__CRadio *lop = NULL;
  CHECK_HR(IRadioStatics_GetRadiosAsync(rst, &lop));
  __FIVectorView_1_Windows__CDevices__CRadios__CRadio *radios = t_await_obj(
      lop, &IID___FIAsyncOperationCompletedHandler_1___FIVectorView_1_Windows__CDevices__CRadios__CRadio, 5000);
  CHECK_EQ_INT(g_view_size(radios), 1);
  __FIVectorView_1_Windows__CDevices__CRadios__CRadio_Release(radios);

  /* Without an adapter: no default adapter, no radio. */
  sim.blec_winrt_sim_set_adapter_present(0);
  CHECK_HR(IBluetoothAdapterStatics_GetDefaultAsync(st, &op));
  CHECK(t_await_obj(op, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothAdapter,
                    5000) == NULL);
  CHECK_HR(IRadioStatics_GetRadiosAsync(rst, &lop));
  radios = t_await_obj(lop, &IID___FIAsyncOperationCompletedHandler_1___FIVectorView_1_Windows__CDevices__CRadios__CRadio,
                       5000);
  CHECK_EQ_INT(g_view_size(radios), 0);
  __FIVectorView_1_Windows__CDevices__CRadios__CRadio_Release(radios);
  sim.blec_winrt_sim_set_adapter_present(1);
  IRadioStatics_Release(rst);
  IBluetoothAdapterStatics_Release(st);
  t_check_no_live_objects();
}

static DWORD g_handler_thread;
static volatile LONG g_handler_calls;
static AsyncStatus g_handler_status;

static HRESULT on_done(void *ctx, void *op, uintptr_t status) {
  (void)ctx;
  (void)op;
  g_handler_thread = GetCurrentThreadId();
  g_handler_status = T_STATUS(status);
  InterlockedIncrement(&g_handler_calls);
  return S_OK;
}

void test_async_operation_contract(void) {
  t_world(device_world);
  IBluetoothLEDeviceStatics *st = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.BluetoothLEDevice", &IID_IBluetoothLEDeviceStatics, (void **)&st));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *op = NULL;
  CHECK_HR(IBluetoothLEDeviceStatics_FromBluetoothAddressAsync(st, 0xAA0000000001ULL, &op));
  IAsyncInfo *info = NULL;
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_QueryInterface(op, &IID_IAsyncInfo,
                                                                                                 (void **)&info));
  UINT32 id = 0;
  CHECK_HR(IAsyncInfo_get_Id(info, &id));
  CHECK(id != 0);
  /* Let it complete before any handler is set. */
  AsyncStatus s = Started;
  CHECK(T_WAIT_UNTIL((IAsyncInfo_get_Status(info, &s), s == Completed), 3000));
  /* A handler set after completion runs at once, inside put_Completed, on this thread. */
  t_delegate *d = t_delegate_new(H_DEVICE_OP, on_done, NULL);
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_put_Completed(op, t_delegate_itf(d)));
  CHECK_EQ_INT(g_handler_calls, 1);
  CHECK(g_handler_thread == GetCurrentThreadId());
  CHECK_EQ_INT(g_handler_status, Completed);
  /* Only one handler per operation. */
  CHECK_EQ_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_put_Completed(op, t_delegate_itf(d)),
              E_ILLEGAL_DELEGATE_ASSIGNMENT);
  IBluetoothLEDevice *dev = NULL;
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_GetResults(op, &dev));
  CHECK(dev != NULL);
  HRESULT ec = E_FAIL;
  CHECK_HR(IAsyncInfo_get_ErrorCode(info, &ec));
  CHECK_EQ_HR(ec, S_OK);
  CHECK_HR(IAsyncInfo_Close(info));
  CHECK_EQ_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_GetResults(op, &dev),
              E_ILLEGAL_METHOD_CALL);
  IAsyncInfo_Release(info);
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice_Release(op);
  t_delegate_release(d);
  IBluetoothLEDevice_Release(dev);

  /* A slow operation (800 ms to connect): results and Close refused while it runs, Cancel. */
  IBluetoothLEDevice *slow = g_device("AA:00:00:00:00:02");
  IBluetoothLEDevice3 *d3 = NULL;
  CHECK_HR(IBluetoothLEDevice_QueryInterface(slow, &IID_IBluetoothLEDevice3, (void **)&d3));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult *sop = NULL;
  CHECK_HR(IBluetoothLEDevice3_GetGattServicesWithCacheModeAsync(d3, BluetoothCacheMode_Uncached, &sop));
  IGattDeviceServicesResult *res = NULL;
  CHECK_EQ_HR(
      __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult_GetResults(
          sop, &res),
      E_ILLEGAL_METHOD_CALL);
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult_QueryInterface(
      sop, &IID_IAsyncInfo, (void **)&info));
  CHECK_EQ_HR(IAsyncInfo_Close(info), E_ILLEGAL_STATE_CHANGE);
  g_handler_calls = 0;
  d = t_delegate_new(H_SERVICES, on_done, NULL);
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult_put_Completed(
      sop, t_delegate_itf(d)));
  CHECK_HR(IAsyncInfo_Cancel(info));
  CHECK(T_WAIT_UNTIL(g_handler_calls == 1, 2000));
  CHECK_EQ_INT(g_handler_status, Canceled);
  CHECK(g_handler_thread != GetCurrentThreadId());
  CHECK_HR(IAsyncInfo_get_Status(info, &s));
  CHECK_EQ_INT(s, Canceled);
  CHECK_HR(IAsyncInfo_get_ErrorCode(info, &ec));
  CHECK_EQ_HR(ec, (HRESULT)0x800704C7L);
  CHECK_EQ_HR(
      __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult_GetResults(
          sop, &res),
      E_ILLEGAL_METHOD_CALL);
  CHECK_HR(IAsyncInfo_Close(info));
  IAsyncInfo_Release(info);
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult_Release(sop);
  IBluetoothLEDevice3_Release(d3);
  IBluetoothLEDevice_Release(slow);
  IBluetoothLEDeviceStatics_Release(st);
  /* The request underneath ends too (it holds the operation until then: no live object
   * left means it ended); the handler is not called again. */
  t_check_no_live_objects();
  CHECK_EQ_INT(g_handler_calls, 1);
  t_delegate_release(d);
}
