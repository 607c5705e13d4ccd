/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief blec's Windows-specific extras: the COM apartment helpers of bleak's Windows
 * backend and the GattCommunicationStatus detail of a failure.
 *
 * As hidapi keeps its Windows-only calls in hidapi_winapi.h, blec.h stays
 * platform-neutral and these live here. The header itself is plain C11 and compiles
 * everywhere (it includes no Windows header); the apartment calls answer
 * BLEC_ERR_NOT_SUPPORTED off Windows, and blec_error.gatt_status is -1
 * (BLEC_GATT_STATUS_NONE) where no GattCommunicationStatus applies.
 */
#ifndef BLEC_BLEC_WINRT_H
#define BLEC_BLEC_WINRT_H

#include "blec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------
 * GattCommunicationStatus (blec_error.gatt_status)
 * ------------------------------------------------------------------------------- */
/** Windows GattCommunicationStatus values, reported by every backend that can. */
typedef enum blec_gatt_status {
  BLEC_GATT_STATUS_NONE = -1,          /**< no GATT status applies */
  BLEC_GATT_STATUS_SUCCESS = 0,        /**< Success */
  BLEC_GATT_STATUS_UNREACHABLE = 1,    /**< Unreachable: no answer from the device */
  BLEC_GATT_STATUS_PROTOCOL_ERROR = 2, /**< ProtocolError: an ATT error (blec_error.att_error) */
  BLEC_GATT_STATUS_ACCESS_DENIED = 3   /**< AccessDenied: the OS refused access */
} blec_gatt_status;

/** Name of a blec_gatt_status ("Unreachable", "None" for BLEC_GATT_STATUS_NONE); static; NULL for other values. */
BLEC_API const char *blec_gatt_status_name(int gatt_status);

/* ---------------------------------------------------------------------------------
 * Windows apartment helpers (bleak's assert_mta / allow_sta / uninitialize_sta). blec
 * never needs them — its WinRT work runs on its own MTA threads — but programs that want
 * the checks have them. Off Windows they return BLEC_ERR_NOT_SUPPORTED.
 * ------------------------------------------------------------------------------- */
/** COM apartment of a thread (Windows). */
typedef enum blec_apartment {
  BLEC_APARTMENT_NONE = 0, /**< COM not initialised on this thread */
  BLEC_APARTMENT_MTA = 1, /**< multi-threaded apartment */
  BLEC_APARTMENT_STA = 2, /**< single-threaded apartment */
  BLEC_APARTMENT_MAIN_STA = 3, /**< the main single-threaded apartment */
  BLEC_APARTMENT_NA = 4 /**< neutral apartment */
} blec_apartment;

/** The calling thread's apartment in *out. */
BLEC_API int blec_apartment_get(blec_apartment *out);
/**
 * BLEC_OK when the calling thread is MTA, has not initialised COM (as bleak's
 * assert_mta), or allow_sta was called; else BLEC_ERR_STATE.
 */
BLEC_API int blec_apartment_assert_mta(blec_error *err);
/** Makes blec_apartment_assert_mta accept STA threads (a GUI program with a message loop). */
BLEC_API int blec_apartment_allow_sta(void);
/** Undoes an implicit STA initialisation of the calling thread (CoUninitialize if STA). */
BLEC_API int blec_apartment_uninitialize_sta(void);

#ifdef __cplusplus
}
#endif

#endif /* BLEC_BLEC_WINRT_H */
