/* SPDX-License-Identifier: MIT */
/*
 * apartment.c — the COM apartment helpers of blec.h on Windows, with the behaviour of
 * bleak's assert_mta / allow_sta / uninitialize_sta:
 *
 *  - a thread where COM is not initialised passes the check (WinRT will initialise it;
 *    blec itself never needs the caller's apartment: its WinRT work runs on its own MTA
 *    threads);
 *  - a thread in the multi-threaded apartment, including the implicit MTA of a process
 *    that has one, passes;
 *  - a single-threaded apartment (STA, main STA) or a neutral one fails with
 *    BLEC_ERR_STATE, unless the program said it runs a message loop (allow_sta), which
 *    holds for the whole process from then on;
 *  - uninitialize_sta undoes one STA initialisation of the calling thread (the implicit
 *    one some packages make) and leaves MTA and uninitialised threads alone.
 *
 * bleak, being asynchronous, also accepts an STA thread whose message loop turns while it
 * waits; a blocking C call cannot watch its own thread's loop, so blec asks for
 * allow_sta instead.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <objbase.h>
#include <stdio.h>

#include "blec/blec.h"
#include "blec/blec_winrt.h"

static volatile LONG sta_allowed;

/* CoGetApartmentType, with "not initialised" as BLEC_APARTMENT_NONE. */
static HRESULT current_apartment(blec_apartment *out) {
  APTTYPE type;
  APTTYPEQUALIFIER qualifier;
  HRESULT hr = CoGetApartmentType(&type, &qualifier);
  if (hr == CO_E_NOTINITIALIZED) {
    *out = BLEC_APARTMENT_NONE;
    return S_OK;
  }
  if (FAILED(hr)) return hr;
  switch (type) {
  case APTTYPE_STA:
    *out = BLEC_APARTMENT_STA;
    break;
  case APTTYPE_MAINSTA:
    *out = BLEC_APARTMENT_MAIN_STA;
    break;
  case APTTYPE_NA:
    *out = BLEC_APARTMENT_NA;
    break;
  case APTTYPE_MTA:
  default:
    *out = BLEC_APARTMENT_MTA;
    break;
  }
  return S_OK;
}

int blec_apartment_get(blec_apartment *out) {
  if (!out) return BLEC_ERR_INVALID_ARG;
  HRESULT hr = current_apartment(out);
  if (FAILED(hr)) {
    *out = BLEC_APARTMENT_NONE;
    return BLEC_ERR_OS;
  }
  return BLEC_OK;
}

static const char *apartment_name(blec_apartment a) {
  switch (a) {
  case BLEC_APARTMENT_STA:
    return "a single-threaded apartment (STA)";
  case BLEC_APARTMENT_MAIN_STA:
    return "the main single-threaded apartment (main STA)";
  case BLEC_APARTMENT_NA:
    return "the neutral apartment (NA)";
  default:
    return "an unexpected apartment";
  }
}

int blec_apartment_assert_mta(blec_error *err) {
  if (err) blec_error_clear(err);
  if (InterlockedCompareExchange(&sta_allowed, 0, 0)) return BLEC_OK;
  blec_apartment a;
  HRESULT hr = current_apartment(&a);
  if (FAILED(hr)) {
    if (err) {
      err->status = BLEC_ERR_OS;
      err->os_status = (int32_t)hr;
      snprintf(err->message, sizeof err->message, "CoGetApartmentType failed (HRESULT 0x%08lX)",
               (unsigned long)hr);
    }
    return BLEC_ERR_OS;
  }
  if (a == BLEC_APARTMENT_NONE || a == BLEC_APARTMENT_MTA) return BLEC_OK;
  if (err) {
    err->status = BLEC_ERR_STATE;
    snprintf(err->message, sizeof err->message,
             "the calling thread is in %s: call blec_apartment_allow_sta() if it runs a Windows "
             "message loop, or blec_apartment_uninitialize_sta() to undo an implicit "
             "initialisation",
             apartment_name(a));
  }
  return BLEC_ERR_STATE;
}

int blec_apartment_allow_sta(void) {
  InterlockedExchange(&sta_allowed, 1);
  return BLEC_OK;
}

int blec_apartment_uninitialize_sta(void) {
  blec_apartment a;
  if (FAILED(current_apartment(&a))) return BLEC_ERR_OS;
  if (a == BLEC_APARTMENT_STA || a == BLEC_APARTMENT_MAIN_STA) CoUninitialize();
  return BLEC_OK;
}
