/* SPDX-License-Identifier: MIT */
/*
 * session.c — Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession.
 *
 * As on Windows: MaintainConnection = true connects the device and keeps it connected
 * (reconnecting after a loss) until it is set back to false or the session is closed;
 * SessionStatus is Active while the link is up; MaxPduSize is the ATT MTU, which the OS
 * exchanges by itself after connecting, so it starts at 23 and MaxPduSizeChanged follows;
 * events run on worker threads, in order.
 */
#include "gatt.h"

#include <stdlib.h>

typedef struct session {
  sim_obj obj;
  IGattSession s;
  IClosable closable;
  sim_dev *dev;
  SRWLOCK lock;
  bool maintain;
  volatile LONG closed;
  sim_event pdu_changed, status_changed;
  sim_strand *strand;
  sim_listener listener;
} session;

#define SS(This) ((session *)sim_obj_from(This))

static void session_close(session *s) {
  if (InterlockedExchange(&s->closed, 1)) return;
  sim_dev_unlisten(s->dev, &s->listener);
  AcquireSRWLockExclusive(&s->lock);
  bool m = s->maintain;
  s->maintain = false;
  ReleaseSRWLockExclusive(&s->lock);
  if (m) sim_dev_maintain(s->dev, -1);
}

static void session_destroy(sim_obj *o) {
  session *s = (session *)o;
  session_close(s);
  sim_event_clear(&s->pdu_changed);
  sim_event_clear(&s->status_changed);
  sim_strand_free(s->strand);
}

static const sim_itf session_itfs[] = {{&IID_IGattSession, offsetof(session, s)},
                                       {&IID_IClosable, offsetof(session, closable)},
                                       {NULL, 0}};
static const sim_class session_class = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession",
                                        session_itfs, session_destroy};

/* ---- events ------------------------------------------------------------------------------- */

typedef enum note_kind { NOTE_STATUS, NOTE_MTU } note_kind;

typedef struct note {
  session *s;
  note_kind kind;
  bool connected;    /* NOTE_STATUS */
  BluetoothError why; /* NOTE_STATUS: why the link ended */
} note;

static void fire_note(void *ctx) {
  note *n = ctx;
  session *s = n->s;
  if (!s->closed) {
    if (n->kind == NOTE_MTU) {
      sim_event_fire(&s->pdu_changed, &s->s, NULL);
    } else {
      IGattSessionStatusChangedEventArgs *a = NULL;
      if (SUCCEEDED(sim_session_status_args(n->why, n->connected ? GattSessionStatus_Active : GattSessionStatus_Closed,
                                            &a))) {
        sim_event_fire(&s->status_changed, &s->s, a);
        sim_release_any(a);
      }
    }
  }
  sim_Release(&s->s);
  free(n);
}

static void post_note(session *s, note_kind kind, bool connected, BluetoothError why) {
  note *n = malloc(sizeof *n);
  if (!n) return;
  n->s = s;
  n->kind = kind;
  n->connected = connected;
  n->why = why;
  sim_AddRef(&s->s);
  sim_event_post(kind == NOTE_MTU ? &s->pdu_changed : &s->status_changed, s->strand, fire_note, n);
}

static void on_connection(sim_obj *o, bool connected, BluetoothError why) {
  post_note((session *)o, NOTE_STATUS, connected, why);
}
static void on_mtu(sim_obj *o, int mtu) {
  (void)mtu;
  post_note((session *)o, NOTE_MTU, true, BluetoothError_Success);
}

/* ---- IGattSession ----------------------------------------------------------------------------- */

#define CHECK_OPEN(s)                                                                      \
  do {                                                                                     \
    if ((s)->closed) return RO_E_CLOSED;                                                   \
  } while (0)

static HRESULT STDMETHODCALLTYPE ss_get_DeviceId(IGattSession *This, IBluetoothDeviceId **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  CHECK_OPEN(SS(This));
  return sim_device_id_new(SS(This)->dev, value);
}
static HRESULT STDMETHODCALLTYPE ss_get_CanMaintainConnection(IGattSession *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SS(This));
  *value = sim_session_can_maintain() ? TRUE : FALSE;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_put_MaintainConnection(IGattSession *This, boolean value) {
  SIM_ENTER();
  session *s = SS(This);
  CHECK_OPEN(s);
  AcquireSRWLockExclusive(&s->lock);
  bool old = s->maintain;
  s->maintain = value != 0;
  ReleaseSRWLockExclusive(&s->lock);
  if (old != (value != 0)) sim_dev_maintain(s->dev, value ? 1 : -1);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_get_MaintainConnection(IGattSession *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SS(This));
  *value = SS(This)->maintain;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_get_MaxPduSize(IGattSession *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SS(This));
  *value = (UINT16)sim_dev_mtu(SS(This)->dev);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_get_SessionStatus(IGattSession *This, GattSessionStatus *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  CHECK_OPEN(SS(This));
  *value = sim_dev_connected(SS(This)->dev) ? GattSessionStatus_Active : GattSessionStatus_Closed;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ss_add_MaxPduSizeChanged(
    IGattSession *This, __FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_IInspectable *handler,
    EventRegistrationToken *token) {
  SIM_ENTER();
  CHECK_OPEN(SS(This));
  return sim_event_add(&SS(This)->pdu_changed, handler, token);
}
static HRESULT STDMETHODCALLTYPE ss_remove_MaxPduSizeChanged(IGattSession *This, EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&SS(This)->pdu_changed, token);
}
static HRESULT STDMETHODCALLTYPE ss_add_SessionStatusChanged(
    IGattSession *This,
    __FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSessionStatusChangedEventArgs
        *handler,
    EventRegistrationToken *token) {
  SIM_ENTER();
  CHECK_OPEN(SS(This));
  return sim_event_add(&SS(This)->status_changed, handler, token);
}
static HRESULT STDMETHODCALLTYPE ss_remove_SessionStatusChanged(IGattSession *This, EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&SS(This)->status_changed, token);
}
SIM_VTABLE(IGattSessionVtbl, ss_vt) = {
    offsetof(session, s),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceId = ss_get_DeviceId, .get_CanMaintainConnection = ss_get_CanMaintainConnection,
     .put_MaintainConnection = ss_put_MaintainConnection, .get_MaintainConnection = ss_get_MaintainConnection,
     .get_MaxPduSize = ss_get_MaxPduSize, .get_SessionStatus = ss_get_SessionStatus,
     .add_MaxPduSizeChanged = ss_add_MaxPduSizeChanged, .remove_MaxPduSizeChanged = ss_remove_MaxPduSizeChanged,
     .add_SessionStatusChanged = ss_add_SessionStatusChanged,
     .remove_SessionStatusChanged = ss_remove_SessionStatusChanged}};

static HRESULT STDMETHODCALLTYPE ss_Close(IClosable *This) {
  SIM_ENTER();
  sim_quirk_close_blocks(); /* bleak #1359: Close() can take long */
  session_close(SS(This));
  return S_OK;
}
SIM_VTABLE(IClosableVtbl, ss_close_vt) = {offsetof(session, closable), {SIM_INSPECTABLE_SLOTS, .Close = ss_Close}};

HRESULT sim_session_new(sim_dev *d, IGattSession **out) {
  *out = NULL;
  session *s = sim_obj_new(&session_class, sizeof *s);
  if (!s) return E_OUTOFMEMORY;
  s->s.lpVtbl = (IGattSessionVtbl *)&ss_vt.v;
  s->closable.lpVtbl = (IClosableVtbl *)&ss_close_vt.v;
  s->dev = d;
  InitializeSRWLock(&s->lock);
  sim_event_init(&s->pdu_changed);
  sim_event_init(&s->status_changed);
  s->strand = sim_strand_new();
  if (!s->strand) {
    s->closed = 1;
    sim_Release(&s->s);
    return E_OUTOFMEMORY;
  }
  s->listener.obj = &s->obj;
  s->listener.connection = on_connection;
  s->listener.mtu = on_mtu;
  sim_dev_listen(d, &s->listener);
  *out = &s->s;
  return S_OK;
}

/* ---- statics ------------------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE sst_FromDeviceIdAsync(
    IGattSessionStatics *This, IBluetoothDeviceId *id,
    __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (!id) return E_INVALIDARG;
  sim_dev *d = sim_device_id_dev(id);
  sim_async *op = sim_async_new(&sim_at_session);
  if (!op) return E_OUTOFMEMORY;
  IGattSession *s = NULL;
  HRESULT hr = d ? sim_session_new(d, &s) : S_OK;
  if (FAILED(hr)) {
    SIM_ASYNC_RELEASE(op);
    return hr;
  }
  sim_async_post_obj(op, s);
  sim_release_any(s);
  *result = sim_async_itf(op);
  return S_OK;
}
SIM_VTABLE(IGattSessionStaticsVtbl, sst_vt) = {SIM_FACTORY_SLOT(0),
                                               {SIM_INSPECTABLE_SLOTS, .FromDeviceIdAsync = sst_FromDeviceIdAsync}};

const sim_factory_desc sim_session_factory = {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession",
                                              NULL,
                                              {{&IID_IGattSessionStatics, &sst_vt.v}}};
