/* SPDX-License-Identifier: MIT */
/*
 * winrt_backend.h — shared declarations of the `winrt` backend (Windows only): the MTA
 * worker pool that makes every WinRT call, jobs (one per blec request, cancellable),
 * awaiting IAsyncOperation<T>, delegates written in C, HRESULT/GATT status mapping,
 * and the per-client state.
 */
#ifndef BLEC_WINRT_BACKEND_H
#define BLEC_WINRT_BACKEND_H

#define COBJMACROS
#define WIDL_using_Windows_Foundation
#define WIDL_using_Windows_Foundation_Collections
#define WIDL_using_Windows_Storage_Streams
#define WIDL_using_Windows_Devices_Bluetooth
#define WIDL_using_Windows_Devices_Bluetooth_Advertisement
#define WIDL_using_Windows_Devices_Bluetooth_GenericAttributeProfile
#define WIDL_using_Windows_Devices_Enumeration
#define WIDL_using_Windows_Devices_Radios

#include <stdbool.h>
#include <stdint.h>

#include <windows.h>
#include <objbase.h>
#include <winstring.h>
#include <roapi.h>

#include "blec_winrt_bluetooth.h"
#include "core/backend.h"

extern const blec__backend blec__backend_winrt;

/* ---- worker pool (winrt_thread.c) ------------------------------------------------------ */

/** MTA threads that make the backend's WinRT calls; grows while every thread is busy. */
typedef struct wr_pool wr_pool;
typedef void (*wr_fn)(void *arg);
int wr_pool_new(wr_pool **out);
/** Waits for queued and running work, then ends the threads. */
void wr_pool_free(wr_pool *p);
/** Queues fn(arg) on a pool thread. */
int wr_post(wr_pool *p, wr_fn fn, void *arg);
/** Runs fn(arg) on a pool thread and waits for it (inline when already on one). */
int wr_call(wr_pool *p, wr_fn fn, void *arg);

/* ---- context state (winrt_backend.c) ----------------------------------------------------- */

typedef struct wr_job wr_job;
typedef struct wr_ctx {
  wr_pool *pool;
  CRITICAL_SECTION lock; /* guards jobs */
  wr_job *jobs;          /* requests in flight (for cancel) */
} wr_ctx;
wr_ctx *wr_ctx_of(blec_ctx *ctx);

/* ---- jobs and awaiting (winrt_async.c) ------------------------------------------------- */

/** One blec request running on the pool: run(job) completes job->op. */
struct wr_job {
  wr_job *next;
  wr_ctx *w;
  blec_op *op; /* referenced */
  struct wr_client *wc; /* referenced when set (released when the job ends) */
  HANDLE cancel_ev;
  void (*run)(wr_job *job);
  /* request arguments */
  uint16_t handle;
  bool descriptor, flag;
  int mode;
  uint8_t *data;
  size_t len;
};
/** Starts a job for op (referenced until it ends): BLEC_OK or a negative status. */
int wr_job_start(blec_ctx *ctx, blec_op *op, void (*run)(wr_job *), const wr_job *args);
/** blec__backend.cancel: signals the job of op, which cancels its pending WinRT operation. */
void wr_job_cancel(blec_op *op);

/**
 * Waits for an IAsyncOperation<T> (any T), cancelling it through IAsyncInfo when the job
 * is cancelled (job may be NULL). Returns S_OK with *status, or a failure.
 */
HRESULT wr_await(wr_job *job, void *async_op, const IID *handler_iid, AsyncStatus *status);
/** Awaits, takes the pointer result and releases the operation. ERROR_CANCELLED when cancelled. */
HRESULT wr_await_ptr(wr_job *job, void *async_op, const IID *handler_iid, void **result);
/** Same for a 32-bit result (enums). */
HRESULT wr_await_u32(wr_job *job, void *async_op, const IID *handler_iid, UINT32 *result);

/** An event handler delegate: fn(ctx, sender, args); release(ctx) when the delegate dies. */
typedef HRESULT (*wr_event_fn)(void *ctx, void *sender, void *args);
void *wr_delegate_new(const IID *iid, wr_event_fn fn, void *ctx, void (*release)(void *ctx));
void wr_delegate_release(void *d);

/* ---- helpers (winrt_util.c) --------------------------------------------------------------- */

HRESULT wr_factory(const WCHAR *cls, const IID *iid, void **out);
HRESULT wr_activate(const WCHAR *cls, const IID *iid, void **out);
/** A new Buffer holding data. */
HRESULT wr_buffer_new(const uint8_t *data, UINT32 len, IBuffer **out);
/** The bytes of a buffer (borrowed while it lives). */
HRESULT wr_buffer_bytes(IBuffer *b, BYTE **p, UINT32 *len);
blec_uuid wr_uuid_from_guid(const GUID *g);
void wr_address_format(UINT64 a, char out[18]);
int wr_address_parse(const char *s, UINT64 *out);
/** Closes an object through IClosable (if it has it). */
void wr_close(void *obj);
/** An HSTRING as a new UTF-8 string (free()), or NULL. */
char *wr_hstring_utf8(HSTRING h);

/* ---- errors (winrt_error.c) --------------------------------------------------------------- */

/** The blec status of a failed HRESULT. */
int wr_status_from_hr(HRESULT hr);
/** Completes op for a failed HRESULT (what: which call). */
void wr_complete_hr(blec_op *op, HRESULT hr, const char *what);
/** Completes op for a GATT status that is not Success (protocol_error < 0 when none). */
void wr_complete_gatt(blec_op *op, GattCommunicationStatus st, int protocol_error, const char *what);
/** The unavailable reason of a watcher's BluetoothError. */
int wr_reason_from_bluetooth_error(BluetoothError e);
/** blec_error for Bluetooth being unavailable (check_bluetooth, scan start). */
int wr_check_bluetooth_now(blec_error *err);

/* ---- scanner (winrt_scan.c) --------------------------------------------------------------- */
int wr_scan_start(blec_scanner *s, blec_error *err);
void wr_scan_stop(blec_scanner *s);

/* ---- client (winrt_client.c, winrt_gatt.c) --------------------------------------------- */

typedef struct wr_attr {
  int kind; /* 0 service, 1 characteristic, 2 descriptor */
  uint16_t handle;
  IUnknown *obj; /* IGattDeviceService / IGattCharacteristic / IGattDescriptor */
  void *value_handler; /* ValueChanged delegate while subscribed (characteristics) */
  EventRegistrationToken value_token;
} wr_attr;

typedef struct wr_client {
  LONG refs;
  CRITICAL_SECTION lock;
  blec_client *c; /* NULL once the client is freed */
  wr_ctx *w;
  IBluetoothLEDevice *dev;
  IGattSession *session;
  void *status_handler, *mtu_handler;
  EventRegistrationToken status_token, mtu_token;
  HANDLE changed_ev; /* set on every connection status / MTU change */
  bool up;           /* link reported Connected since connect */
  bool closing;      /* our own disconnect: no disconnected callback */
  wr_attr *attrs;
  size_t nattrs;
} wr_client;

wr_client *wr_client_of(blec_client *c, bool create);
void wr_client_unref(wr_client *wc);
/** Releases the GATT table (services closed); called with no lock held, on the pool. */
void wr_gatt_release(wr_attr *attrs, size_t n);
/** The table entry's object for handle (AddRef'd), or NULL. */
IUnknown *wr_client_attr(wr_client *wc, uint16_t handle, int kind);

int wr_connect(blec_client *c, blec_op *op);
int wr_disconnect(blec_client *c, blec_op *op);
void wr_client_free(blec_client *c);
int wr_discover(blec_client *c, blec_op *op, blec_cache_mode mode);
int wr_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached);
int wr_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response);
int wr_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode);

#endif /* BLEC_WINRT_BACKEND_H */
