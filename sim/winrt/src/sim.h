/* SPDX-License-Identifier: MIT */
/*
 * sim.h — internals of the simulated Windows Bluetooth stack (blec_winrt_sim.dll).
 *
 * COM in C. Every object starts with a sim_obj (class, reference count, live-list links)
 * and holds one member per interface it implements, each a widl interface struct whose
 * lpVtbl points into a sim_vtable: a vtable preceded by the offset of that member in the
 * object. So one set of IUnknown/IInspectable functions (sim_QueryInterface, ...) serves
 * every interface of every class: from an interface pointer it finds the offset just
 * before the vtable, hence the object, and answers from the class's interface table.
 *
 * Every method other than AddRef/Release starts with SIM_ENTER(), which records the COM
 * apartment of the calling thread and, in apartment-strict mode, fails calls made from
 * a thread outside the multi-threaded apartment (control.c).
 */
#ifndef BLEC_SIM_WINRT_SIM_H
#define BLEC_SIM_WINRT_SIM_H

#ifndef COBJMACROS
#define COBJMACROS
#endif
#define WIDL_using_Windows_Foundation
#define WIDL_using_Windows_Foundation_Collections
#define WIDL_using_Windows_Storage_Streams
#define WIDL_using_Windows_Devices_Bluetooth
#define WIDL_using_Windows_Devices_Bluetooth_Advertisement
#define WIDL_using_Windows_Devices_Bluetooth_GenericAttributeProfile
#define WIDL_using_Windows_Devices_Enumeration
#define WIDL_using_Windows_Devices_Radios

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <windows.h>
#include <objbase.h>
#include <winstring.h>
#include <roapi.h>
#include <activation.h>

#include "blec_winrt_bluetooth.h"

#include "blec/blec.h"

/* HRESULTs of the Windows Runtime that mingw-w64 10's winerror.h lacks. */
#ifndef E_BOUNDS
#define E_BOUNDS ((HRESULT)0x8000000BL)
#endif
#ifndef E_CHANGED_STATE
#define E_CHANGED_STATE ((HRESULT)0x8000000CL)
#endif
#ifndef E_ILLEGAL_STATE_CHANGE
#define E_ILLEGAL_STATE_CHANGE ((HRESULT)0x8000000DL)
#endif
#ifndef E_ILLEGAL_METHOD_CALL
#define E_ILLEGAL_METHOD_CALL ((HRESULT)0x8000000EL)
#endif
#ifndef E_ILLEGAL_DELEGATE_ASSIGNMENT
#define E_ILLEGAL_DELEGATE_ASSIGNMENT ((HRESULT)0x80000018L)
#endif
#ifndef RO_E_CLOSED
#define RO_E_CLOSED ((HRESULT)0x80000013L)
#endif
/* HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_AVAILABLE), HRESULT_FROM_WIN32(ERROR_NOT_FOUND) */
#define SIM_E_DEVICE_NOT_AVAILABLE ((HRESULT)0x800710DFL)
#define SIM_E_NOT_FOUND ((HRESULT)0x80070490L)

/* ---- short names for parameterized interfaces (widl spells them out) ----------------- */
#define SIM_NS_BT Windows__CDevices__CBluetooth__C
typedef __FIReference_1_INT16 IReference_INT16;
typedef __FIReference_1_BYTE IReference_BYTE;
typedef __FIReference_1_UINT32 IReference_UINT32;
typedef __FIReference_1_TimeSpan IReference_TimeSpan;
typedef __FIReference_1_BluetoothLEAdvertisementFlags IReference_AdvFlags;

typedef __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData IVector_MfrData;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData
    IVectorView_MfrData;
typedef __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection
    IVector_DataSection;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection
    IVectorView_DataSection;
typedef __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern
    IVector_BytePattern;

/* ---- objects -------------------------------------------------------------------------- */

/** One interface a class answers QueryInterface for: its IID and the member's offset. */
typedef struct sim_itf {
  const IID *iid;
  size_t offset;
} sim_itf;

typedef struct sim_obj sim_obj;

typedef struct sim_class {
  const WCHAR *name;          /* runtime class name (GetRuntimeClassName) */
  const sim_itf *itfs;        /* the first is the default interface; ends with {NULL, 0} */
  void (*destroy)(sim_obj *); /* releases members; the framework frees the memory */
} sim_class;

struct sim_obj {
  const sim_class *cls;
  const sim_itf *itfs; /* cls->itfs, or a table of the object's own (generic types) */
  LONG refs;
  sim_obj *live_prev, *live_next; /* the live-object list (control.c) */
};

/** A vtable with the offset of its interface member in front of it. */
#define SIM_VTABLE(VtblType, var) static const struct { size_t offset; VtblType v; } var
/** The IUnknown and IInspectable slots shared by every interface. */
#define SIM_INSPECTABLE_SLOTS                                                              \
  .QueryInterface = (void *)sim_QueryInterface, .AddRef = (void *)sim_AddRef,              \
  .Release = (void *)sim_Release, .GetIids = (void *)sim_GetIids,                          \
  .GetRuntimeClassName = (void *)sim_GetRuntimeClassName,                                  \
  .GetTrustLevel = (void *)sim_GetTrustLevel
#define SIM_UNKNOWN_SLOTS                                                                  \
  .QueryInterface = (void *)sim_QueryInterface, .AddRef = (void *)sim_AddRef,              \
  .Release = (void *)sim_Release

/** Allocates a zeroed object of `size` bytes for class `cls` with one reference. */
void *sim_obj_new(const sim_class *cls, size_t size);
/** The object behind any of its interface pointers. */
sim_obj *sim_obj_from(const void *itf);
/** The object's member for `iid`, AddRef'd, or NULL. */
void *sim_obj_get(sim_obj *obj, const IID *iid);
/** The default (first) interface of an object, not AddRef'd. */
void *sim_obj_default(sim_obj *obj);
#define SIM_OBJ(p) ((sim_obj *)(p))
#define SIM_ADDREF(p) ((void)sim_AddRef(p))
#define SIM_RELEASE(p) ((void)((p) ? sim_Release(p) : 0))

HRESULT STDMETHODCALLTYPE sim_QueryInterface(void *itf, REFIID riid, void **out);
ULONG STDMETHODCALLTYPE sim_AddRef(void *itf);
ULONG STDMETHODCALLTYPE sim_Release(void *itf);
HRESULT STDMETHODCALLTYPE sim_GetIids(void *itf, ULONG *count, IID **iids);
HRESULT STDMETHODCALLTYPE sim_GetRuntimeClassName(void *itf, HSTRING *name);
HRESULT STDMETHODCALLTYPE sim_GetTrustLevel(void *itf, TrustLevel *level);

/** Releases any interface pointer (NULL allowed), ours or the caller's. */
static inline void sim_release_any(void *p) {
  if (p) IUnknown_Release((IUnknown *)p);
}
static inline void sim_addref_any(void *p) {
  if (p) IUnknown_AddRef((IUnknown *)p);
}

/* ---- apartments, live objects, control (control.c) ----------------------------------- */

/** Records the caller's apartment; in strict mode fails (RPC_E_WRONG_THREAD) off the MTA. */
HRESULT sim_enter(const char *method);
#define SIM_ENTER()                                                                        \
  do {                                                                                     \
    HRESULT enter_hr_ = sim_enter(__func__);                                               \
    if (FAILED(enter_hr_)) return enter_hr_;                                               \
  } while (0)
void sim_live_add(sim_obj *obj);
void sim_live_remove(sim_obj *obj);
/** Error for a NULL out-pointer argument. */
#define SIM_CHECK_OUT(p)                                                                   \
  do {                                                                                     \
    if (!(p)) return E_POINTER;                                                            \
  } while (0)

/* ---- the hard parts of Windows (quirks.c) ---------------------------------------------- */

/** Values of BLEC_WINRT_SIM_QUIRK_LATE_CANCEL. */
typedef enum sim_late_cancel {
  SIM_LATE_CANCEL_OFF = 0,
  SIM_LATE_CANCEL_WHEN_DONE = 1, /* Canceled only when the operation's own work ends */
  SIM_LATE_CANCEL_NEVER = 2      /* not within 60 s */
} sim_late_cancel;

/** A quirk's value now (blec_winrt_sim_quirk; the enum lives in blec_winrt_sim.h). */
int sim_quirk(int quirk);
/** Close() of a service, session or device: blocks as BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS says. */
void sim_quirk_close_blocks(void);
/** Whether an interface / a runtime class is newer than the Windows build played (windows_build.c). */
bool sim_itf_hidden(const IID *iid);
bool sim_class_hidden(const WCHAR *name);

/* ---- strings, GUIDs, addresses (util.c) ----------------------------------------------- */

HSTRING sim_hstring(const WCHAR *s);
/** From UTF-8 (NULL gives an empty HSTRING, which is NULL). */
HSTRING sim_hstring_utf8(const char *s);
/** New UTF-8 copy of an HSTRING (free()). */
char *sim_utf8(HSTRING h);
/** The calling thread's Windows time (100 ns since 1601) as a DateTime. */
DateTime sim_now_datetime(void);
/** "AA:BB:CC:DD:EE:FF" <-> 48-bit value. */
bool sim_addr_parse(const char *text, UINT64 *out);
/** blec_winrt_sim_set_radio_state_unknown(1): Radio.State reads Unknown (world.c). */
bool sim_radio_state_unknown(void);
/** False after blec_winrt_sim_set_can_maintain_connection(0) (world.c). */
bool sim_session_can_maintain(void);
/** True after blec_winrt_sim_set_pairing_default_no_minimum(1) (world.c). */
bool sim_pairing_default_has_no_minimum(void);
void sim_addr_format(UINT64 addr, char out[18]);

/* GUIDs of Bluetooth UUIDs */
GUID sim_guid_from_uuid(const blec_uuid *u);
blec_uuid sim_uuid_from_guid(const GUID *g);
/** A UUID as it is sent over the air (little-endian, 2, 4 or 16 bytes). */
GUID sim_guid_from_le(const BYTE *le, size_t n);

/* Byte buffers */
typedef struct sim_bytes {
  BYTE *data;
  UINT32 len;
} sim_bytes;
void sim_bytes_free(sim_bytes *b);
int sim_bytes_set(sim_bytes *b, const void *data, size_t len);

/* ---- buffers (buffer.c) ---------------------------------------------------------------- */

/** A new Buffer holding a copy of data (length = capacity = len). */
HRESULT sim_buffer_new(const void *data, UINT32 len, IBuffer **out);
/** Bytes of any IBuffer (through IBufferByteAccess); *data NULL when empty. */
HRESULT sim_buffer_bytes(IBuffer *buf, BYTE **data, UINT32 *len);

/* ---- asynchronous operations (async.c) ------------------------------------------------- */

typedef enum sim_result_kind {
  SIM_RESULT_OBJECT = 0, /* an interface pointer */
  SIM_RESULT_I32 = 1,    /* an enum or a 32-bit integer */
  SIM_RESULT_BOOL = 2,   /* a boolean */
  SIM_RESULT_NONE = 3    /* IAsyncAction */
} sim_result_kind;

/** One instantiation of IAsyncOperation<T>: its IIDs and the result kind. */
typedef struct sim_async_type {
  const IID *op_iid;
  const IID *handler_iid;
  sim_result_kind kind;
} sim_async_type;

#define SIM_ASYNC_TYPE(var, op, handler, kind_)                                          \
  const sim_async_type var = {&IID_##op, &IID_##handler, kind_}

typedef struct sim_async sim_async;
/** Cancellation hook: called once, from Cancel, while the operation is Started. */
typedef void (*sim_cancel_fn)(void *ctx);

/** A new started operation (one reference for the caller, who hands it out). */
sim_async *sim_async_new(const sim_async_type *type);
/** The operation as the interface pointer to hand out (no new reference). */
void *sim_async_itf(sim_async *op);
void sim_async_set_cancel(sim_async *op, sim_cancel_fn fn, void *ctx);
/**
 * Completes the operation from any thread: status Completed with the result (obj is
 * AddRef'd by the operation; i32/bool for the other kinds) or Error with hr. The
 * completion handler runs later on a worker thread. A cancelled operation ignores it.
 */
void sim_async_complete_obj(sim_async *op, void *obj);
void sim_async_complete_i32(sim_async *op, INT32 v);
void sim_async_fail(sim_async *op, HRESULT hr);
/** Whether Cancel was called. */
bool sim_async_cancelled(sim_async *op);
/** The same completions, made from a worker thread a moment later (never in the caller). */
void sim_async_post_obj(sim_async *op, void *obj);
void sim_async_post_i32(sim_async *op, INT32 v);
void sim_async_post_fail(sim_async *op, HRESULT hr);
#define SIM_ASYNC_ADDREF(op) ((void)sim_AddRef(sim_async_itf(op)))
#define SIM_ASYNC_RELEASE(op) ((void)sim_Release(sim_async_itf(op)))

/* ---- events and worker threads (event.c) ----------------------------------------------- */

typedef struct sim_strand sim_strand;

typedef struct sim_event {
  SRWLOCK lock;
  struct sim_event_entry {
    INT64 token;
    IUnknown *handler;
  } *v;
  size_t n, cap;
  sim_strand *strand; /* EVENTS_UNORDERED: this source's own deliveries (event.c) */
} sim_event;

void sim_event_init(sim_event *e);
/** Releases every handler. */
void sim_event_clear(sim_event *e);
HRESULT sim_event_add(sim_event *e, void *handler, EventRegistrationToken *token);
HRESULT sim_event_remove(sim_event *e, EventRegistrationToken token);
/** Calls Invoke(sender, args) of each handler on the calling thread. */
void sim_event_fire(sim_event *e, void *sender, void *args);
size_t sim_event_count(sim_event *e);

/**
 * Worker threads (multi-threaded apartment), the stand-in for the Windows thread pool:
 * a new thread starts whenever work is queued and none is idle, so a handler that blocks
 * never stalls other deliveries. A strand runs its items one at a time, in order.
 */
typedef void (*sim_work_fn)(void *ctx);
void sim_work_post(sim_work_fn fn, void *ctx);
sim_strand *sim_strand_new(void);
/** Frees the strand once its queued items have run. */
void sim_strand_free(sim_strand *s);
void sim_strand_post(sim_strand *s, sim_work_fn fn, void *ctx);
/**
 * Queues the delivery of one event of source e: on the object's strand (in order with the
 * object's other events), or as BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED says (event.c).
 */
void sim_event_post(sim_event *e, sim_strand *object_strand, sim_work_fn fn, void *ctx);
/** Blocks until no work item is queued or running (tests, teardown). */
void sim_work_drain(void);
/** Whether the calling thread is one of the worker threads. */
bool sim_on_worker(void);

/* ---- vectors (vector.c, vector_guid.c) -------------------------------------------------- */

/** One instantiation of IVector<T*>/IVectorView<T*>/IIterable<T*>/IIterator<T*>. */
typedef struct sim_vector_type {
  const IID *vector_iid; /* NULL when only a view is needed */
  const IID *view_iid;
  const IID *iterable_iid;
  const IID *iterator_iid;
} sim_vector_type;

/** From the common suffix of the instantiations' C names (the element's spelled-out name). */
#define SIM_VECTOR_TYPE(var, suffix)                                                       \
  const sim_vector_type var = {&IID___FIVector_1_##suffix, &IID___FIVectorView_1_##suffix,  \
                               &IID___FIIterable_1_##suffix, &IID___FIIterator_1_##suffix}
/** The same for read-only collections (no IVector<T> declared). */
#define SIM_VIEW_TYPE(var, suffix)                                                         \
  const sim_vector_type var = {NULL, &IID___FIVectorView_1_##suffix,                        \
                               &IID___FIIterable_1_##suffix, &IID___FIIterator_1_##suffix}

typedef struct sim_vector sim_vector;
/** A new empty vector (IVector<T*> when the type has one, else a view). */
sim_vector *sim_vector_new(const sim_vector_type *type);
/** Appends an element (AddRef'd by the vector). */
HRESULT sim_vector_append(sim_vector *v, void *elem);
/** The vector's IVector<T*> (or view) interface, no new reference. */
void *sim_vector_itf(sim_vector *v);
/** A new read-only view over a copy of the elements (one reference for the caller). */
void *sim_vector_view(sim_vector *v);
UINT32 sim_vector_size(sim_vector *v);
/** Element i, not AddRef'd (valid while the vector holds it). */
void *sim_vector_at(sim_vector *v, UINT32 i);
/** A read-only view over an array of elements (each AddRef'd). */
void *sim_view_new(const sim_vector_type *type, void *const *elems, UINT32 n);
/** Elements of a vector of ours reached through its interface: NULL if not ours. */
sim_vector *sim_vector_from_itf(void *itf);

/* IVector<Guid> */
typedef struct sim_guid_vector sim_guid_vector;
sim_guid_vector *sim_guid_vector_new(void);
__FIVector_1_GUID *sim_guid_vector_itf(sim_guid_vector *v);
HRESULT sim_guid_vector_append(sim_guid_vector *v, const GUID *g);
/** Copies the GUIDs of any IVector<Guid> (ours or not); free() *out. */
HRESULT sim_guid_vector_copy(__FIVector_1_GUID *itf, GUID **out, UINT32 *n);

/* ---- boxed values (reference.c) -------------------------------------------------------- */

HRESULT sim_box_i16(INT16 v, IReference_INT16 **out);
HRESULT sim_box_u8(BYTE v, IReference_BYTE **out);
HRESULT sim_box_u32(UINT32 v, IReference_UINT32 **out);
HRESULT sim_box_timespan(TimeSpan v, IReference_TimeSpan **out);
HRESULT sim_box_adv_flags(BluetoothLEAdvertisementFlags v, IReference_AdvFlags **out);

/* ---- activation factories (factory.c) -------------------------------------------------- */

/** Statics / factory interfaces a class's activation factory offers besides IActivationFactory. */
#define SIM_FACTORY_MAX_EXTRA 3
typedef struct sim_factory_desc {
  const WCHAR *name;
  /** ActivateInstance, or NULL (E_NOTIMPL) for classes without a default constructor. */
  HRESULT (*activate)(IInspectable **out);
  struct {
    const IID *iid;
    const void *vtbl; /* the .v member of a SIM_VTABLE with offset SIM_FACTORY_SLOT(i) */
  } extra[SIM_FACTORY_MAX_EXTRA];
} sim_factory_desc;

typedef struct sim_factory {
  sim_obj obj;
  IActivationFactory activation;
  struct {
    const void *lpVtbl;
  } slot[SIM_FACTORY_MAX_EXTRA];
  const sim_factory_desc *desc;
  sim_itf itfs[SIM_FACTORY_MAX_EXTRA + 2];
} sim_factory;
#define SIM_FACTORY_SLOT(i) (offsetof(sim_factory, slot) + (i) * sizeof(void *))

/** Every class the DLL registers (classes.c); NULL-terminated. */
extern const sim_factory_desc *const sim_factories[];
extern const sim_factory_desc sim_buffer_factory, sim_datareader_factory, sim_datawriter_factory;

#endif /* BLEC_SIM_WINRT_SIM_H */
