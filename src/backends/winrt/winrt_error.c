/* SPDX-License-Identifier: MIT */
/*
 * winrt_error.c — the one place where WinRT failures become blec statuses: HRESULTs,
 * GattCommunicationStatus with ProtocolError, the watcher's BluetoothError, and the
 * adapter/radio check.
 */
#include "backends/winrt/winrt_backend.h"

#ifndef RO_E_CLOSED
#define RO_E_CLOSED ((HRESULT)0x80000013L)
#endif

int wr_status_from_hr(HRESULT hr) {
  if (SUCCEEDED(hr)) return BLEC_OK;
  switch (hr) {
    case E_OUTOFMEMORY: return BLEC_ERR_NO_MEMORY;
    case E_INVALIDARG: return BLEC_ERR_INVALID_ARG;
    case RO_E_CLOSED: return BLEC_ERR_NOT_CONNECTED;
    case E_NOTIMPL: return BLEC_ERR_NOT_SUPPORTED;
    default: break;
  }
  if (hr == HRESULT_FROM_WIN32(ERROR_CANCELLED) || hr == HRESULT_FROM_WIN32(ERROR_OPERATION_ABORTED))
    return BLEC_ERR_CANCELLED;
  if (hr == HRESULT_FROM_WIN32(ERROR_TIMEOUT) || hr == HRESULT_FROM_WIN32(ERROR_SEM_TIMEOUT)) return BLEC_ERR_TIMEOUT;
  if (hr == HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED)) return BLEC_ERR_NOT_CONNECTED;
  if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND)) return BLEC_ERR_NOT_FOUND;
  return BLEC_ERR_OS;
}

void wr_complete_hr(blec_op *op, HRESULT hr, const char *what) {
  blec_error e;
  int st = wr_status_from_hr(hr);
  blec__error_set(&e, st, "%s failed (HRESULT 0x%08lx)", what, (unsigned long)hr);
  e.os_status = (int32_t)hr;
  blec__op_complete_error(op, &e);
}

void wr_complete_gatt(blec_op *op, GattCommunicationStatus st, int protocol_error, const char *what) {
  blec_error e;
  switch (st) {
    case GattCommunicationStatus_ProtocolError:
      if (protocol_error >= 0) {
        blec__op_complete_att(op, protocol_error);
        return;
      }
      blec__error_set(&e, BLEC_ERR_OS, "%s: protocol error without a code", what);
      e.gatt_status = BLEC_GATT_STATUS_PROTOCOL_ERROR;
      break;
    case GattCommunicationStatus_Unreachable:
      blec__error_set(&e, BLEC_ERR_OS, "%s: the device is unreachable", what);
      e.gatt_status = BLEC_GATT_STATUS_UNREACHABLE;
      break;
    case GattCommunicationStatus_AccessDenied:
      blec__error_set(&e, BLEC_ERR_OS, "%s: access denied by the system", what);
      e.gatt_status = BLEC_GATT_STATUS_ACCESS_DENIED;
      break;
    default:
      blec__error_set(&e, BLEC_ERR_OS, "%s: GATT status %d", what, (int)st);
      break;
  }
  blec__op_complete_error(op, &e);
}

int wr_reason_from_bluetooth_error(BluetoothError e) {
  switch (e) {
    case BluetoothError_RadioNotAvailable: return BLEC_UNAVAILABLE_POWERED_OFF;
    case BluetoothError_ResourceInUse: return BLEC_UNAVAILABLE_RESOURCE_IN_USE;
    case BluetoothError_DisabledByPolicy: return BLEC_UNAVAILABLE_DENIED_BY_SYSTEM;
    case BluetoothError_DisabledByUser: return BLEC_UNAVAILABLE_DENIED_BY_USER;
    case BluetoothError_NotSupported: return BLEC_UNAVAILABLE_NO_CENTRAL_ROLE;
    case BluetoothError_DeviceNotConnected: return BLEC_UNAVAILABLE_NO_ADAPTER;
    default: return BLEC_UNAVAILABLE_POWERED_OFF;
  }
}

/* BluetoothAdapter.GetDefaultAsync: none → no adapter; no central role; radio state. */
int wr_check_bluetooth_now(blec_error *err) {
  IBluetoothAdapterStatics *st = NULL;
  HRESULT hr = wr_factory(L"Windows.Devices.Bluetooth.BluetoothAdapter", &IID_IBluetoothAdapterStatics, (void **)&st);
  if (FAILED(hr)) {
    blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "no Bluetooth stack (HRESULT 0x%08lx)", (unsigned long)hr);
    if (err) {
      err->reason = BLEC_UNAVAILABLE_NO_ADAPTER;
      err->os_status = (int32_t)hr;
    }
    return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
  }
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter *op = NULL;
  IBluetoothAdapter *a = NULL;
  hr = IBluetoothAdapterStatics_GetDefaultAsync(st, &op);
  IBluetoothAdapterStatics_Release(st);
  if (SUCCEEDED(hr))
    hr = wr_await_ptr(NULL, op, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothAdapter,
                      (void **)&a);
  int reason = BLEC_UNAVAILABLE_NONE;
  if (FAILED(hr) || !a) {
    reason = BLEC_UNAVAILABLE_NO_ADAPTER;
  } else {
    boolean central = TRUE;
    if (SUCCEEDED(IBluetoothAdapter_get_IsCentralRoleSupported(a, &central)) && !central)
      reason = BLEC_UNAVAILABLE_NO_CENTRAL_ROLE;
    __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio *rop = NULL;
    IRadio *radio = NULL;
    if (!reason && SUCCEEDED(IBluetoothAdapter_GetRadioAsync(a, &rop)) &&
        SUCCEEDED(wr_await_ptr(NULL, rop, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CRadios__CRadio,
                               (void **)&radio)) &&
        radio) {
      RadioState rs = RadioState_On;
      if (SUCCEEDED(IRadio_get_State(radio, &rs)) && rs != RadioState_On) reason = BLEC_UNAVAILABLE_POWERED_OFF;
      IRadio_Release(radio);
    }
    IBluetoothAdapter_Release(a);
  }
  if (!reason) return BLEC_OK;
  blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "%s", blec_unavailable_reason_name(reason));
  if (err) err->reason = reason;
  return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
}
