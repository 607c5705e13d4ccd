/* SPDX-License-Identifier: MIT */
/*
 * winrt_backend.h — shared declarations of the `winrt` backend (Windows only): the
 * context state (pool, activation factories obtained once, logging), jobs (one per blec
 * request, cancellable), awaiting each IAsyncOperation<T> through its own typed calls,
 * delegates written in C, HRESULT / GATT status mapping, and the per-client state the
 * core allocates (client_priv_size).
 *
 * Threads. Every WinRT call is made on the backend's MTA pool (winrt_pool.h). A client's
 * connect, discovery, disconnection, link loss and teardown run on the client's strand,
 * one at a time in order, so the link's objects (device, session, GATT table) change
 * hands only there; reads and writes run beside them on the pool and take their own
 * reference to the object they use. WinRT event handlers never block: they record what
 * happened, wake a waiting job, or post to the strand.
 *
 * Bounds. No wait is unbounded: an operation that does not end after IAsyncInfo::Cancel,
 * a Close() that does not return, a teardown that does not finish are given up after
 * their budget (below), logged, and left to Windows.
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

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <windows.h>
#include <objbase.h>
#include <winstring.h>
#include <roapi.h>
#include <activation.h>

#include "blec_winrt_bluetooth.h"
#include "blec_winrt_enumeration.h"
#include "backends/winrt/winrt_pool.h"
#include "core/backend.h"

extern const blec__backend blec__backend_winrt;

/* ---- budgets (milliseconds) ----------------------------------------------------------- */
enum {
  /* How long an operation may take to end after IAsyncInfo::Cancel before it is abandoned. */
  WR_CANCEL_GRACE_MS = 1000,
  /* Bound of the adapter and radio checks (no blec op can cancel them). */
  WR_CHECK_BUDGET_MS = 5000,
  /* Bound of starting a watcher. */
  WR_SCAN_START_BUDGET_MS = 5000,
  /* How long closing a link's objects (Close() of services, session, device) may take. */
  WR_CLOSE_BUDGET_MS = 2000,
  /* How long a disconnect waits for the link to go down once this program let go of it
   * (every object of it closed): a released link usually ends within a second or two. */
  WR_LINK_DOWN_WAIT_MS = 2000,
  /* How often that wait asks Windows for the device's ConnectionStatus. */
  WR_LINK_DOWN_POLL_MS = 50,
  /* blec_client_free's wait for the client's last work (teardown included). */
  WR_CLIENT_FREE_BUDGET_MS = 3000,
  /* blec_ctx_free's wait for the pool's queued and running work. */
  WR_POOL_FREE_BUDGET_MS = 3000,
  /* How long connect waits for the OS's MTU exchange once the link is up. */
  WR_MTU_WAIT_MS = 1000,
  /* After a discovery answered from the OS cache, how long to wait for the session to go
   * Active before a GATT request to the device itself is made to bring the link up. */
  WR_LINK_REQUEST_AFTER_MS = 500,
  /* How long a request that failed as Unreachable looks for the link's drop to show. */
  WR_LINK_DROP_GRACE_MS = 300
};

/* ---- activation factories and statics, obtained once per context (winrt_statics.c) -- */
typedef enum wr_class_id {
  WR_DEVICE_STATICS,        /* IBluetoothLEDeviceStatics */
  WR_DEVICE_STATICS2,       /* IBluetoothLEDeviceStatics2 (same class) */
  WR_SESSION_STATICS,       /* IGattSessionStatics */
  WR_ADAPTER_STATICS,       /* IBluetoothAdapterStatics */
  WR_BUFFER_FACTORY,        /* IBufferFactory */
  WR_DEVINFO_STATICS,       /* IDeviceInformationStatics */
  WR_WATCHER_ACTIVATION,    /* IActivationFactory of BluetoothLEAdvertisementWatcher */
  WR_ADV_FILTER_ACTIVATION, /* IActivationFactory of BluetoothLEAdvertisementFilter */
  WR_SIGNAL_FILTER_ACTIVATION, /* IActivationFactory of BluetoothSignalStrengthFilter */
  WR_ADVERTISEMENT_ACTIVATION, /* IActivationFactory of BluetoothLEAdvertisement */
  WR_BYTE_PATTERN_FACTORY,  /* IBluetoothLEAdvertisementBytePatternFactory */
  WR_MANUFACTURER_FACTORY,  /* IBluetoothLEManufacturerDataFactory */
  WR_CLASS_COUNT
} wr_class_id;

/* ---- context state (winrt_backend.c) --------------------------------------------------- */
typedef struct wr_job wr_job;
typedef struct wr_ctx {
  blec_ctx *ctx;
  wr_pool *pool;
  SRWLOCK log_lock; /* shared while logging; exclusive to end logging */
  bool log_alive;   /* false once blec_ctx_free gave up on work still running */
  blec__mutex lock; /* guards jobs */
  wr_job *jobs;     /* requests in flight (for cancel) */
  uint64_t job_seq; /* the last wr_job.seq given */
  blec__mutex statics_lock;
  IUnknown *statics[WR_CLASS_COUNT];
  bool statics_released; /* wr_statics_release ran: nothing is cached any more */
} wr_ctx;
wr_ctx *wr_ctx_of(blec_ctx *ctx);

/** The factory or statics (AddRef'd) in *out, obtained on first use. Pool threads only. */
HRESULT wr_statics(wr_ctx *w, wr_class_id id, void **out);
/** A new instance of an activatable class through its cached factory, as interface iid. */
HRESULT wr_activate(wr_ctx *w, wr_class_id factory, const IID *iid, void **out);
/** Releases every cached factory (on a pool thread, at exit). */
void wr_statics_release(wr_ctx *w);

/* ---- logging (winrt_log.c) ------------------------------------------------------------- */
void wr_log(wr_ctx *w, blec_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/** Logs a failed HRESULT at debug level ("what: HRESULT 0x... (meaning)"); returns hr. */
HRESULT wr_hr(wr_ctx *w, HRESULT hr, const char *what);
/** Short text for well-known HRESULTs ("E_ACCESSDENIED"), else "". */
const char *wr_hr_name(HRESULT hr);
/** Stops logging through the context (it is being freed while work still runs). */
void wr_log_end(wr_ctx *w);

/* ---- interfaces newer than the oldest Windows supported (winrt_versions.c) -------------- */
typedef enum wr_iface_id {
  WR_IF_DEVICE_STATICS2, /* FromBluetoothAddressAsync with an address type */
  WR_IF_DEVICE3,         /* GetGattServicesAsync with cache mode / for a UUID */
  WR_IF_DEVICE4,         /* BluetoothDeviceId: what a GattSession is opened from */
  WR_IF_SERVICE3,        /* characteristics with a cache mode */
  WR_IF_CHARACTERISTIC3, /* descriptors with a cache mode, writes with a result */
  WR_IF_DESCRIPTOR2,     /* descriptor writes with a result */
  WR_IF_READ_RESULT2,    /* the ATT error of a failed read */
  WR_IF_RECEIVED2,       /* address type, scan response and connectable flags of an advertisement */
  WR_IF_WATCHER2,        /* extended advertisements */
  WR_IF_DEVINFO2,        /* DeviceInformation.Pairing */
  WR_IF_PAIRING2,        /* custom pairing, protection levels, unpairing */
  WR_IF_COUNT
} wr_iface_id;
/** The oldest Windows blec's winrt backend connects on (IBluetoothLEDevice4). */
#define WR_MINIMUM_WINDOWS "Windows 10 version 1709 (build 16299)"
/** QueryInterface for an interface that older Windows lacks; logs a miss at debug level. */
HRESULT wr_qi(wr_ctx *w, void *obj, wr_iface_id id, void **out);
/** "needs Windows 10 version 2004 (build 19041)"-style text for the interface. */
const char *wr_iface_needs(wr_iface_id id);
/** Completes op with BLEC_ERR_NOT_SUPPORTED saying which Windows the interface needs. */
void wr_complete_missing(blec_op *op, wr_iface_id id, const char *what);

/* ---- delegates (winrt_delegate.c) ----------------------------------------------------------- */
/**
 * An event handler: fn(ctx, sender, args) runs on Windows' threads, marked as a callback
 * (wr_in_callback); release(ctx) runs when the delegate dies (Windows holds it while it
 * is registered). NULL when out of memory (release(ctx) has run then).
 */
typedef HRESULT (*wr_event_fn)(void *ctx, void *sender, void *args);
void *wr_delegate_new(const IID *iid, wr_event_fn fn, void *ctx, void (*release)(void *ctx));
void wr_delegate_release(void *d);

/* ---- jobs and awaiting (winrt_job.c, winrt_await.c) ------------------------------------ */
/** Where a job runs. */
typedef enum wr_job_queue {
  WR_JOB_POOL = 1,  /* any pool thread, beside other jobs (reads, writes, pairing) */
  WR_JOB_STRAND = 2, /* the client's strand, after what is queued there (link changes) */
  /* the pool, but its WinRT request is made after those of the client's earlier ordered
   * jobs (reads, writes, subscriptions): ATT serves one link's requests in the order they
   * are sent, so the program's order is kept; the awaiting overlaps */
  WR_JOB_POOL_ORDERED = 3
} wr_job_queue;

/** One blec request running on the pool: run(job) completes job->op. Request-specific
 * argument structs start with this. */
struct wr_job {
  wr_job *next; /* in wr_ctx.jobs */
  wr_ctx *w;
  blec_op *op;     /* referenced */
  blec_client *c;  /* referenced, or NULL */
  HANDLE cancel_ev; /* manual reset: set by wr_job_cancel */
  HANDLE wake_ev;   /* auto reset: set by the handlers a job waits for */
  void (*run)(wr_job *job);
  const char *what; /* for logs */
  uint32_t drops;   /* the client's link drops when the job started (wr_client.drops) */
  uint64_t seq;     /* order of start in the context (wr_jobs_mark) */
  /* GATT requests are handed to Windows in the program's order (WR_JOB_POOL_ORDERED). */
  bool ordered;
  bool turn_passed;
  bool answer_passed;
  uint64_t ticket;
};
/**
 * A zeroed job of `size` bytes (a request struct starting with wr_job) for op, or NULL
 * (out of memory). The job references op and c (c may be NULL).
 */
void *wr_job_new(wr_ctx *w, blec_client *c, blec_op *op, size_t size, void (*run)(wr_job *), const char *what);
/** Runs the job: BLEC_OK, or an error (the job is freed then, its op not completed). */
int wr_job_start(wr_job *job, wr_job_queue where);
/** blec__backend.cancel: signals the job of op, which cancels its pending WinRT operation. */
void wr_job_cancel(blec_op *op);
bool wr_job_cancelled(wr_job *job);
/**
 * An ordered job: waits until the client's earlier ordered jobs made their WinRT request
 * (bounded: a request that cannot be made within WR_TURN_WAIT_MS is not waited for).
 */
void wr_job_wait_turn(wr_job *job);
/** An ordered job made its request (or will make none): the next one may go. Idempotent. */
void wr_job_pass_turn(wr_job *job);
/**
 * An ordered job has its answer: waits until the client's earlier ordered jobs reported
 * theirs (or its own op ended otherwise), so that their ops complete in the order ATT
 * answered them even when the answers reach different pool threads. The turn passes when
 * the job ends.
 */
void wr_job_wait_answer_turn(wr_job *job);
/**
 * Waits for job->wake_ev for at most ms (< 0: until cancelled): true when woken, false
 * on cancel or timeout.
 */
bool wr_job_sleep(wr_job *job, int ms);

/** How one IAsyncOperation<T> is driven: its own typed vtable calls. */
typedef struct wr_async_type {
  const char *name; /* "IAsyncOperation<BluetoothLEDevice>" */
  const IID *handler_iid;
  HRESULT (*put_completed)(void *op, void *handler);
  HRESULT (*get_results)(void *op, void *result);
} wr_async_type;
/**
 * Waits for an operation (taking the caller's reference to it): until it ends, the job is
 * cancelled, or budget_ms passes (< 0: no budget; job must then not be NULL). A cancelled
 * or timed out operation is cancelled through IAsyncInfo; if it has not ended
 * WR_CANCEL_GRACE_MS later it is abandoned (logged). Returns S_OK with *result set,
 * HRESULT_FROM_WIN32(ERROR_CANCELLED), HRESULT_FROM_WIN32(ERROR_TIMEOUT), or the
 * operation's error.
 */
HRESULT wr_await(wr_ctx *w, wr_job *job, int budget_ms, const wr_async_type *type, void *op, void *result);

/* The IAsyncOperation<T> instantiations the backend awaits: X(name, operation, handler, result). */
#define WR_ASYNC_TYPES(X)                                                                                       \
  X(device, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice,                                \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice, IBluetoothLEDevice *)   \
  X(adapter, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothAdapter,                               \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothAdapter, IBluetoothAdapter *)     \
  X(radio, __FIAsyncOperation_1_Windows__CDevices__CRadios__CRadio,                                               \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CRadios__CRadio, IRadio *)                              \
  X(session, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession,           \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession,     \
    IGattSession *)                                                                                               \
  X(services, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult, \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult, \
    IGattDeviceServicesResult *)                                                                                  \
  X(characteristics,                                                                                            \
    __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult,       \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult, \
    IGattCharacteristicsResult *)                                                                                 \
  X(descriptors, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult, \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult, \
    IGattDescriptorsResult *)                                                                                     \
  X(read, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult,           \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult,  \
    IGattReadResult *)                                                                                            \
  X(write, __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult,         \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult, \
    IGattWriteResult *)                                                                                           \
  X(devinfo, __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceInformation,                            \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CEnumeration__CDeviceInformation, IDeviceInformation *) \
  X(pairing, __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDevicePairingResult,                          \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CEnumeration__CDevicePairingResult,                     \
    IDevicePairingResult *)                                                                                       \
  X(unpairing, __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceUnpairingResult,                      \
    __FIAsyncOperationCompletedHandler_1_Windows__CDevices__CEnumeration__CDeviceUnpairingResult,                   \
    IDeviceUnpairingResult *)

/* wr_await_<name>(w, job, budget_ms, op, result): wr_await with the type's own calls. */
#define WR_DECLARE_AWAIT_(name, Op, Handler, Result)                                                             \
  extern const wr_async_type wr_async_##name;                                                                     \
  static inline HRESULT wr_await_##name(wr_ctx *w, wr_job *job, int budget_ms, Op *op, Result *result) {         \
    *result = NULL;                                                                                               \
    return wr_await(w, job, budget_ms, &wr_async_##name, op, result);                                             \
  }
WR_ASYNC_TYPES(WR_DECLARE_AWAIT_)
#undef WR_DECLARE_AWAIT_

/* ---- helpers (winrt_util.c) ------------------------------------------------------------------ */
/** A new Buffer holding data (factory cached per context). */
HRESULT wr_buffer_new(wr_ctx *w, const uint8_t *data, UINT32 len, IBuffer **out);
/** The bytes of a buffer (borrowed while it lives). */
HRESULT wr_buffer_bytes(IBuffer *b, BYTE **p, UINT32 *len);
blec_uuid wr_uuid_from_guid(const GUID *g);
GUID wr_guid_from_uuid(const blec_uuid *u);
void wr_address_format(UINT64 a, char out[18]);
int wr_address_parse(const char *s, UINT64 *out);
/** Closes an object through IClosable (if it has it); logs a failure. */
void wr_close(wr_ctx *w, void *obj, const char *what);
/** An HSTRING as a new UTF-8 string (free()), or NULL. */
char *wr_hstring_utf8(HSTRING h);
/** A new HSTRING from UTF-8 (NULL for ""), or an error. */
HRESULT wr_hstring_from_utf8(const char *s, HSTRING *out);

/* ---- errors (winrt_error.c) --------------------------------------------------------------------- */
/** blec_error for a failed HRESULT (what: which call): status, os_status, detail. */
void wr_error_from_hr(blec_error *e, HRESULT hr, const char *what);
/** The blec status of a failed HRESULT. */
int wr_status_from_hr(HRESULT hr);
/** Completes op for a failed HRESULT. */
void wr_complete_hr(blec_op *op, HRESULT hr, const char *what);
/** Completes op for a GATT status that is not Success (protocol_error < 0 when none). */
void wr_complete_gatt(blec_op *op, GattCommunicationStatus st, int protocol_error, const char *what);
/** blec_error for a BluetoothError reported by Windows (watcher stopped, session closed). */
void wr_error_from_bluetooth_error(blec_error *e, BluetoothError be, const char *what);
/** Name of a BluetoothError ("RadioNotAvailable"). */
const char *wr_bluetooth_error_name(BluetoothError be);
/** Name of a GattCommunicationStatus ("Unreachable"). */
const char *wr_gatt_status_name(GattCommunicationStatus st);
/** The ATT error of a GATT result's ProtocolError (IReference<BYTE>), or -1. */
int wr_protocol_error(__FIReference_1_BYTE *pe);
/** The adapter and radio right now: BLEC_OK or BLEC_ERR_BLUETOOTH_UNAVAILABLE with a reason. */
int wr_check_bluetooth_now(wr_ctx *w, blec_error *err);

/* ---- scanner (winrt_scan.c, winrt_scan_filter.c) ------------------------------------------------ */
int wr_scan_start(blec_scanner *s, blec_error *err);
void wr_scan_stop(blec_scanner *s);
/** Puts the scan options' Windows filters on the watcher (on a pool thread); err not NULL. */
int wr_scan_apply_filters(wr_ctx *w, IBluetoothLEAdvertisementWatcher *watcher, const blec_scan_options *o,
                          blec_error *err);

/* ---- gates: handlers in flight (winrt_gate.c) ------------------------------------------------------ */
/**
 * Lets WinRT event handlers use an object until it closes: enter before using it, leave
 * after; close makes later enters fail and waits for those inside (never for the calling
 * thread's own). All-zero is open.
 */
typedef struct wr_gate {
  atomic_int inside;
  atomic_bool closed;
} wr_gate;
bool wr_gate_enter(wr_gate *g);
void wr_gate_leave(wr_gate *g);
/** Closes; waits at most budget_ms for handlers inside (other than this thread's). False if some stayed. */
bool wr_gate_close(wr_gate *g, int budget_ms, bool self_inside);
void wr_gate_reopen(wr_gate *g);

/* ---- clients (winrt_client.c, winrt_link.c, winrt_gatt.c, winrt_io.c, winrt_pair.c) -------------- */

/** Kinds of attribute objects in a client's GATT table. */
typedef enum wr_attr_kind { WR_ATTR_SERVICE = 1, WR_ATTR_CHARACTERISTIC = 2, WR_ATTR_DESCRIPTOR = 3 } wr_attr_kind;

typedef struct wr_attr {
  wr_attr_kind kind;
  uint16_t handle;  /* ATT handle: a characteristic's value handle */
  IUnknown *obj;    /* IGattDeviceService / IGattCharacteristic / IGattDescriptor */
  void *value_handler; /* ValueChanged delegate while subscribed (characteristics) */
  EventRegistrationToken value_token;
  uint64_t value_owner; /* ticket of the last subscription job that wanted the handler */
} wr_attr;

/** A GATT table: the WinRT objects of one discovery. */
typedef struct wr_table {
  wr_attr *v;
  size_t n, cap;
} wr_table;

/** Where a client's link is. */
typedef enum wr_link_state {
  WR_LINK_NONE = 0,    /* no objects */
  WR_LINK_OPEN = 1,    /* device and session open, MaintainConnection set; up or coming */
  WR_LINK_ACTIVE = 2,  /* discovery done: the program has the link */
  WR_LINK_CLOSING = 3  /* being taken apart */
} wr_link_state;

/** A link's objects, taken out of the client to be closed (winrt_link.c). */
typedef struct wr_remains wr_remains;

/**
 * The backend's state of a client: the core allocates it zeroed (all-zero is the initial
 * state: SRW locks and condition variables need no initialisation on Windows).
 */
typedef struct wr_client {
  blec__mutex lock; /* guards the fields marked (L); the strand changes them, others read */
  wr_strand strand;
  wr_gate events;   /* event handlers in flight */
  atomic_bool detached; /* blec_client_free ran: no more reports to the core */
  IBluetoothLEDevice *dev;  /* (L) */
  IGattSession *session;    /* (L) */
  void *status_handler, *session_handler, *mtu_handler;
  EventRegistrationToken status_token, session_token, mtu_token;
  wr_link_state state;       /* (L) */
  uint32_t gen;              /* (L) connection attempt, stamped on handlers' notes */
  GattSessionStatus session_status; /* (L) last seen */
  bool session_seen_active;  /* (L) the session was Active in this attempt */
  BluetoothConnectionStatus device_status; /* (L) last seen (advisory: shared with other programs) */
  int device_flaps;          /* (L) Disconnected reports while the session was Active */
  uint32_t drops;            /* (L) times the session went from Active to Closed */
  UINT16 pdu;                /* (L) last MaxPduSize seen */
  wr_job *waiter;            /* (L) the job waiting for status changes, woken by handlers */
  wr_table gatt;             /* (L) */
  uint64_t issue_tickets;    /* (L) ordered jobs begun (wr_job.ticket) */
  uint64_t issue_turn;       /* (L) the ticket whose request may be made now */
  uint64_t answer_turn;      /* (L) the ticket whose op may complete now */
  blec__cond issue_cv;       /* with lock: issue_turn moved */
} wr_client;

wr_client *wr_client_of(blec_client *c);
/** The client's strand owner (holds a client reference while work is queued). */
wr_strand_owner wr_client_owner(blec_client *c);
/** Queues fn(arg) on the client's strand. */
int wr_client_post(blec_client *c, wr_fn fn, void *arg);
/** Every job started so far has a seq <= this mark. */
uint64_t wr_jobs_mark(wr_ctx *w);
/** Every job, whenever it started. */
#define WR_JOBS_ALL UINT64_MAX
/**
 * Signals every job of client c but `except` started up to `upto` (a wr_jobs_mark, or
 * WR_JOBS_ALL) to cancel: the link they were for is going away. A job the program asked
 * for after the mark (a reconnect from the disconnected callback) is left alone.
 */
void wr_jobs_cancel_client(wr_ctx *w, blec_client *c, const wr_job *except, uint64_t upto);
/** Wakes the job waiting for the client's status, if any. Lock held. */
void wr_client_wake_locked(wr_client *wc);
/** A report of the backend to the core is allowed (the client not freed): enter its gate. */
bool wr_client_enter(wr_client *wc);
void wr_client_leave(wr_client *wc);

/**
 * Whether the link a job of the client started on dropped since (its session went Closed,
 * or the link was taken apart), waiting WR_LINK_DROP_GRACE_MS for the session's event.
 */
bool wr_link_dropped(wr_job *job);
/** Takes every link object out of wc (lock taken here): what the closer closes. NULL if none. */
wr_remains *wr_link_take(wr_ctx *w, wr_client *wc);
/**
 * Closes remains on the pool and waits at most budget_ms for it (0: does not wait).
 * `link_down_ms` > 0: after letting go, waits that long for the device to be
 * disconnected. Returns BLEC_OK; BLEC_ERR_BUSY when Windows keeps the link up after
 * link_down_ms; BLEC_ERR_TIMEOUT when closing took longer than budget_ms (it goes on).
 */
int wr_link_close(wr_ctx *w, wr_remains *r, int link_down_ms, int budget_ms);
/** The device at an address (with its type when not UNSPECIFIED); *dev NULL: Windows knows none. */
HRESULT wr_device_from_address(wr_job *job, UINT64 address, blec_address_type type, IBluetoothLEDevice **dev);
/** Opens the link (device, session, handlers, MaintainConnection): the connect job. */
int wr_connect(blec_client *c, blec_op *op);
int wr_disconnect(blec_client *c, blec_op *op);
void wr_client_free(blec_client *c);

/** Releases a table's objects (services closed, handlers removed). Pool threads only. */
void wr_table_release(wr_ctx *w, wr_table *t);
/** The object (AddRef'd) of kind at handle in the current table, or NULL. */
IUnknown *wr_client_attr(wr_client *wc, wr_attr_kind kind, uint16_t handle);

int wr_discover(blec_client *c, blec_op *op, blec_cache_mode mode);
int wr_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached);
int wr_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response);
int wr_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode);
int wr_pair(blec_client *c, blec_op *op, blec_protection_level level);
int wr_unpair(blec_client *c, blec_op *op);

#endif /* BLEC_WINRT_BACKEND_H */
