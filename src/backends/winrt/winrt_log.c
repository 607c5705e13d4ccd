/* SPDX-License-Identifier: MIT */
/*
 * winrt_log.c — the backend's logging through blec's logger (blec__log): every HRESULT,
 * GATT status and WinRT event at debug level, as libusb's Windows backends log every OS
 * failure. A context whose work could not be ended in time (blec_ctx_free gave up on it)
 * stops logging first, so late work never reaches a freed context.
 */
#include <stdarg.h>
#include <stdio.h>

#include "backends/winrt/winrt_backend.h"

#ifndef RO_E_CLOSED
#define RO_E_CLOSED ((HRESULT)0x80000013L)
#endif
#ifndef E_ILLEGAL_METHOD_CALL
#define E_ILLEGAL_METHOD_CALL ((HRESULT)0x8000000EL)
#endif
#ifndef E_ILLEGAL_STATE_CHANGE
#define E_ILLEGAL_STATE_CHANGE ((HRESULT)0x8000000DL)
#endif
#ifndef RPC_E_DISCONNECTED
#define RPC_E_DISCONNECTED ((HRESULT)0x80010108L)
#endif

void wr_log(wr_ctx *w, blec_log_level level, const char *fmt, ...) {
  if (!w) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  AcquireSRWLockShared(&w->log_lock);
  if (w->log_alive) blec__log(w->ctx, level, "winrt: %s", buf);
  ReleaseSRWLockShared(&w->log_lock);
}

void wr_log_end(wr_ctx *w) {
  AcquireSRWLockExclusive(&w->log_lock);
  w->log_alive = false;
  ReleaseSRWLockExclusive(&w->log_lock);
}

const char *wr_hr_name(HRESULT hr) {
  switch (hr) {
    case S_OK: return "S_OK";
    case E_FAIL: return "E_FAIL";
    case E_OUTOFMEMORY: return "E_OUTOFMEMORY";
    case E_INVALIDARG: return "E_INVALIDARG";
    case E_NOTIMPL: return "E_NOTIMPL";
    case E_NOINTERFACE: return "E_NOINTERFACE";
    case E_POINTER: return "E_POINTER";
    case E_ACCESSDENIED: return "E_ACCESSDENIED";
    case E_ILLEGAL_METHOD_CALL: return "E_ILLEGAL_METHOD_CALL";
    case E_ILLEGAL_STATE_CHANGE: return "E_ILLEGAL_STATE_CHANGE";
    case RO_E_CLOSED: return "RO_E_CLOSED";
    case RPC_E_DISCONNECTED: return "RPC_E_DISCONNECTED";
    case REGDB_E_CLASSNOTREG: return "REGDB_E_CLASSNOTREG";
    default: break;
  }
  if (hr == HRESULT_FROM_WIN32(ERROR_CANCELLED)) return "ERROR_CANCELLED";
  if (hr == HRESULT_FROM_WIN32(ERROR_TIMEOUT)) return "ERROR_TIMEOUT";
  if (hr == HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_AVAILABLE)) return "ERROR_DEVICE_NOT_AVAILABLE";
  if (hr == HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED)) return "ERROR_DEVICE_NOT_CONNECTED";
  if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND)) return "ERROR_NOT_FOUND";
  if (hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)) return "RPC_S_SERVER_UNAVAILABLE";
  if (hr == HRESULT_FROM_WIN32(RPC_S_CALL_FAILED)) return "RPC_S_CALL_FAILED";
  if (HRESULT_FACILITY(hr) == 0x65) return "E_BLUETOOTH_ATT_*";
  return "";
}

HRESULT wr_hr(wr_ctx *w, HRESULT hr, const char *what) {
  if (FAILED(hr)) wr_log(w, BLEC_LOG_DEBUG, "%s: HRESULT 0x%08lx %s", what, (unsigned long)hr, wr_hr_name(hr));
  return hr;
}
