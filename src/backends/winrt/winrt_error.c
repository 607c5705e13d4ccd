/* SPDX-License-Identifier: MIT */
/*
 * winrt_error.c — the one place where WinRT failures become blec statuses: HRESULTs
 * (ATT errors Windows reports as 0x8065xxxx HRESULTs, access denied, a restarted
 * Bluetooth service), GattCommunicationStatus with ProtocolError, BluetoothError, and the
 * adapter / radio check.
 */
#include "backends/winrt/winrt_backend.h"

#ifndef RO_E_CLOSED
#define RO_E_CLOSED ((HRESULT)0x80000013L)
#endif
#ifndef RPC_E_DISCONNECTED
#define RPC_E_DISCONNECTED ((HRESULT)0x80010108L)
#endif

/* FACILITY_BLUETOOTH_ATT (0x65): E_BLUETOOTH_ATT_* = 0x80650000 | ATT error code. */
#define WR_FACILITY_BLUETOOTH_ATT 0x65

static bool att_hr(HRESULT hr) { return FAILED(hr) && HRESULT_FACILITY(hr) == WR_FACILITY_BLUETOOTH_ATT; }

/* The Bluetooth service (or the broker) went away under us: every object of it is dead. */
static bool service_gone(HRESULT hr) {
  return hr == RPC_E_DISCONNECTED || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) ||
         hr == HRESULT_FROM_WIN32(RPC_S_CALL_FAILED);
}

int wr_status_from_hr(HRESULT hr) {
  if (SUCCEEDED(hr)) return BLEC_OK;
  if (att_hr(hr)) return BLEC_ERR_ATT;
  if (service_gone(hr)) return BLEC_ERR_DISCONNECTED;
  switch (hr) {
    case E_OUTOFMEMORY: return BLEC_ERR_NO_MEMORY;
    case E_INVALIDARG: return BLEC_ERR_INVALID_ARG;
    case RO_E_CLOSED: return BLEC_ERR_NOT_CONNECTED;
    case E_NOTIMPL:
    case E_NOINTERFACE: return BLEC_ERR_NOT_SUPPORTED;
    default: break;
  }
  if (hr == HRESULT_FROM_WIN32(ERROR_CANCELLED) || hr == HRESULT_FROM_WIN32(ERROR_OPERATION_ABORTED))
    return BLEC_ERR_CANCELLED;
  if (hr == HRESULT_FROM_WIN32(ERROR_TIMEOUT) || hr == HRESULT_FROM_WIN32(ERROR_SEM_TIMEOUT)) return BLEC_ERR_TIMEOUT;
  if (hr == HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED)) return BLEC_ERR_NOT_CONNECTED;
  if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND)) return BLEC_ERR_NOT_FOUND;
  return BLEC_ERR_OS;
}

/* An ATT error the peripheral answered, whether Windows said it as an HRESULT or as
 * ProtocolError with the code: the code, its name and what was being done. */
static void set_att_error(blec_error *e, int st, const char *what, int code) {
  const char *name = blec_att_error_name(code);
  blec__error_set(e, st, "%s: the peripheral answered ATT error 0x%02x (%s)", what, (unsigned)code,
                  name ? name : "unknown");
  e->att_error = code;
  e->gatt_status = BLEC_GATT_STATUS_PROTOCOL_ERROR;
}

void wr_error_from_hr(blec_error *e, HRESULT hr, const char *what) {
  int st = wr_status_from_hr(hr);
  if (att_hr(hr)) {
    set_att_error(e, st, what, (int)(hr & 0xff));
  } else if (hr == E_ACCESSDENIED) {
    blec__error_set(e, st,
                    "%s: Windows denied access (E_ACCESSDENIED): the app's Bluetooth permission (Settings > "
                    "Privacy) or a policy",
                    what);
    e->gatt_status = BLEC_GATT_STATUS_ACCESS_DENIED;
  } else if (service_gone(hr)) {
    blec__error_set(e, st,
                    "%s: the Windows Bluetooth service stopped or restarted (HRESULT 0x%08lx): connect again",
                    what, (unsigned long)hr);
  } else {
    const char *name = wr_hr_name(hr);
    blec__error_set(e, st, "%s failed (HRESULT 0x%08lx%s%s)", what, (unsigned long)hr, *name ? " " : "", name);
  }
  e->os_status = (int32_t)hr;
}

void wr_complete_hr(blec_op *op, HRESULT hr, const char *what) {
  blec_error e;
  wr_error_from_hr(&e, hr, what);
  blec__op_complete_error(op, &e);
}

const char *wr_gatt_status_name(GattCommunicationStatus st) {
  switch (st) {
    case GattCommunicationStatus_Success: return "Success";
    case GattCommunicationStatus_Unreachable: return "Unreachable";
    case GattCommunicationStatus_ProtocolError: return "ProtocolError";
    case GattCommunicationStatus_AccessDenied: return "AccessDenied";
    default: return "unknown";
  }
}

void wr_complete_gatt(blec_op *op, GattCommunicationStatus st, int protocol_error, const char *what) {
  blec_error e;
  switch (st) {
    case GattCommunicationStatus_ProtocolError:
      if (protocol_error >= 0) {
        set_att_error(&e, BLEC_ERR_ATT, what, protocol_error);
        break;
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

int wr_protocol_error(__FIReference_1_BYTE *pe) {
  BYTE b = 0;
  if (pe && SUCCEEDED(__FIReference_1_BYTE_get_Value(pe, &b))) return b;
  return -1;
}

const char *wr_bluetooth_error_name(BluetoothError be) {
  switch (be) {
    case BluetoothError_Success: return "Success";
    case BluetoothError_RadioNotAvailable: return "RadioNotAvailable";
    case BluetoothError_ResourceInUse: return "ResourceInUse";
    case BluetoothError_DeviceNotConnected: return "DeviceNotConnected";
    case BluetoothError_OtherError: return "OtherError";
    case BluetoothError_DisabledByPolicy: return "DisabledByPolicy";
    case BluetoothError_NotSupported: return "NotSupported";
    case BluetoothError_DisabledByUser: return "DisabledByUser";
    case BluetoothError_ConsentRequired: return "ConsentRequired";
    case BluetoothError_TransportNotSupported: return "TransportNotSupported";
    default: return "unknown";
  }
}

/* Only the errors that say Bluetooth itself is unusable are "Bluetooth not available";
 * OtherError and DeviceNotConnected are not (OtherError is not "powered off"). */
void wr_error_from_bluetooth_error(blec_error *e, BluetoothError be, const char *what) {
  int reason = BLEC_UNAVAILABLE_NONE;
  switch (be) {
    case BluetoothError_RadioNotAvailable: reason = BLEC_UNAVAILABLE_POWERED_OFF; break;
    case BluetoothError_ResourceInUse: reason = BLEC_UNAVAILABLE_RESOURCE_IN_USE; break;
    case BluetoothError_DisabledByPolicy: reason = BLEC_UNAVAILABLE_DENIED_BY_SYSTEM; break;
    case BluetoothError_DisabledByUser:
    case BluetoothError_ConsentRequired: reason = BLEC_UNAVAILABLE_DENIED_BY_USER; break;
    case BluetoothError_NotSupported:
    case BluetoothError_TransportNotSupported: reason = BLEC_UNAVAILABLE_NO_CENTRAL_ROLE; break;
    default: break;
  }
  if (reason != BLEC_UNAVAILABLE_NONE) {
    blec__error_set(e, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "%s: %s (BluetoothError %s)", what,
                    blec_unavailable_reason_name(reason), wr_bluetooth_error_name(be));
    e->reason = reason;
  } else if (be == BluetoothError_DeviceNotConnected) {
    blec__error_set(e, BLEC_ERR_DISCONNECTED, "%s: the device is not connected (BluetoothError DeviceNotConnected)",
                    what);
  } else {
    blec__error_set(e, BLEC_ERR_OS, "%s: Windows reported BluetoothError %s (%d)", what, wr_bluetooth_error_name(be),
                    (int)be);
  }
}

/* ---- the adapter and its radio (bounded: no blec op can cancel them) ------------------------------- */

static int unavailable(blec_error *err, int reason, HRESULT hr, const char *why) {
  blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "%s: %s", blec_unavailable_reason_name(reason), why);
  if (err) {
    err->reason = reason;
    err->os_status = (int32_t)hr;
  }
  return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
}

int wr_check_bluetooth_now(wr_ctx *w, blec_error *err) {
  IBluetoothAdapterStatics *st = NULL;
  HRESULT hr = wr_statics(w, WR_ADAPTER_STATICS, (void **)&st);
  if (FAILED(hr)) return unavailable(err, BLEC_UNAVAILABLE_NO_ADAPTER, hr, "Windows has no Bluetooth stack");
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter *op = NULL;
  IBluetoothAdapter *a = NULL;
  hr = wr_hr(w, IBluetoothAdapterStatics_GetDefaultAsync(st, &op), "BluetoothAdapter.GetDefaultAsync");
  IBluetoothAdapterStatics_Release(st);
  if (SUCCEEDED(hr)) hr = wr_await_adapter(w, NULL, WR_CHECK_BUDGET_MS, op, &a);
  if (hr == E_ACCESSDENIED) return unavailable(err, BLEC_UNAVAILABLE_DENIED_BY_SYSTEM, hr, "Windows denied access");
  if (FAILED(hr) || !a) return unavailable(err, BLEC_UNAVAILABLE_NO_ADAPTER, hr, "no default Bluetooth adapter");
  boolean central = TRUE;
  hr = wr_hr(w, IBluetoothAdapter_get_IsCentralRoleSupported(a, &central), "BluetoothAdapter.IsCentralRoleSupported");
  if (SUCCEEDED(hr) && !central) {
    IBluetoothAdapter_Release(a);
    return unavailable(err, BLEC_UNAVAILABLE_NO_CENTRAL_ROLE, S_OK, "the adapter cannot be a central");
  }
  __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio *rop = NULL;
  IRadio *radio = NULL;
  hr = wr_hr(w, IBluetoothAdapter_GetRadioAsync(a, &rop), "BluetoothAdapter.GetRadioAsync");
  IBluetoothAdapter_Release(a);
  if (SUCCEEDED(hr)) hr = wr_await_radio(w, NULL, WR_CHECK_BUDGET_MS, rop, &radio);
  if (hr == E_ACCESSDENIED) return unavailable(err, BLEC_UNAVAILABLE_DENIED_BY_SYSTEM, hr, "Windows denied access to the radio");
  if (FAILED(hr) || !radio) return unavailable(err, BLEC_UNAVAILABLE_NO_ADAPTER, hr, "the adapter has no radio");
  RadioState rs = RadioState_Unknown;
  hr = wr_hr(w, IRadio_get_State(radio, &rs), "Radio.State");
  IRadio_Release(radio);
  wr_log(w, BLEC_LOG_DEBUG, "adapter: central role %s, radio state %d", central ? "yes" : "no", (int)rs);
  if (FAILED(hr)) return unavailable(err, BLEC_UNAVAILABLE_NO_ADAPTER, hr, "the radio's state is unknown");
  if (rs == RadioState_Disabled) return unavailable(err, BLEC_UNAVAILABLE_DENIED_BY_SYSTEM, S_OK, "the radio is disabled");
  /* Unknown: "the radio state is unknown, or the radio is in a bad or uncontrollable state"
   * (RadioState's page): nothing says it is off. */
  if (rs == RadioState_Unknown)
    return unavailable(err, BLEC_UNAVAILABLE_UNKNOWN, S_OK, "Windows reports the radio's state as unknown");
  if (rs != RadioState_On) return unavailable(err, BLEC_UNAVAILABLE_POWERED_OFF, S_OK, "the radio is off");
  return BLEC_OK;
}
