/* SPDX-License-Identifier: MIT */
/*
 * winrt_client.c — a client's link on Windows. Windows has no connect call: connect
 * opens the BluetoothLEDevice (from its address, with the address type when known), a
 * GattSession with MaintainConnection (CanMaintainConnection checked first), and
 * registers for SessionStatusChanged, MaxPduSizeChanged and (advisory) the device's
 * ConnectionStatusChanged. The link may only come up with the first GATT request (bleak
 * #604, 986c718): discovery (winrt_gatt.c), under the core's Unreachable retry policy, is
 * that request, and it ends once the session is Active and the MTU exchanged.
 *
 * This program's connection is its GattSession's SessionStatus. The device's
 * ConnectionStatus is shared with other programs and flaps right after connecting (bleak
 * 216e981): it is logged, never taken for a disconnection. A session that goes Closed
 * after it was Active is a lost link: reported once, and the session is closed so that
 * Windows does not reconnect behind the program's back.
 *
 * Connect, discovery, disconnection, a lost link and the client's teardown run on the
 * client's strand, in order: the device and session references change hands only there
 * (issue 10, defect 3). Event handlers only record, wake the waiting job or post to the
 * strand; they never block (defect 6).
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

wr_client *wr_client_of(blec_client *c) { return blec__client_backend_priv(c); }

static void hold_client(void *c) { blec__client_ref(c); }
static void release_client(void *c) { blec__client_unref(c); }

wr_strand_owner wr_client_owner(blec_client *c) {
  wr_strand_owner o = {hold_client, release_client, c};
  return o;
}

int wr_client_post(blec_client *c, wr_fn fn, void *arg) {
  wr_strand_owner o = wr_client_owner(c);
  return wr_strand_post(wr_ctx_of(blec__client_ctx(c))->pool, &wr_client_of(c)->strand, &o, fn, arg);
}

void wr_client_wake_locked(wr_client *wc) {
  if (wc->waiter) SetEvent(wc->waiter->wake_ev);
}

bool wr_client_enter(wr_client *wc) {
  if (atomic_load(&wc->detached)) return false;
  return wr_gate_enter(&wc->events);
}

void wr_client_leave(wr_client *wc) { wr_gate_leave(&wc->events); }

bool wr_link_dropped(wr_job *job) {
  wr_client *wc = wr_client_of(job->c);
  /* A request's failure may come before the session's Closed event: give it a moment. */
  uint64_t deadline = GetTickCount64() + WR_LINK_DROP_GRACE_MS;
  for (;;) {
    blec__mutex_lock(&wc->lock);
    bool down = wc->state == WR_LINK_NONE || wc->drops != job->drops;
    IGattSession *s = !down && wc->session_seen_active ? wc->session : NULL;
    if (s) IGattSession_AddRef(s);
    blec__mutex_unlock(&wc->lock);
    if (down) return true;
    if (s) {
      GattSessionStatus st = GattSessionStatus_Active;
      HRESULT hr = wr_hr(job->w, IGattSession_get_SessionStatus(s, &st), "GattSession.SessionStatus");
      IGattSession_Release(s);
      if (FAILED(hr) || st != GattSessionStatus_Active) return true;
    }
    if (GetTickCount64() >= deadline) return false;
    Sleep(10);
  }
}

/* ---- event handlers: record, wake, post; never block -------------------------------------------- */

/* What each handler of one link knows: its client (a reference) and the link's generation. */
typedef struct note_ctx {
  blec_client *c;
  uint32_t gen;
} note_ctx;

static void note_ctx_free(void *p) {
  note_ctx *n = p;
  blec__client_unref(n->c);
  free(n);
}

static note_ctx *note_ctx_new(blec_client *c, uint32_t gen) {
  note_ctx *n = malloc(sizeof *n);
  if (!n) return NULL;
  n->c = blec__client_ref(c);
  n->gen = gen;
  return n;
}

/* A link lost: handled on the strand, after whatever runs there now. */
typedef struct lost_item {
  blec_client *c;
  uint32_t gen;
  BluetoothError error;
} lost_item;

static void link_lost(void *arg) {
  lost_item *it = arg;
  blec_client *c = it->c;
  wr_client *wc = wr_client_of(c);
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  blec__mutex_lock(&wc->lock);
  bool lost = wc->gen == it->gen && wc->state == WR_LINK_ACTIVE;
  blec__mutex_unlock(&wc->lock);
  if (lost) {
    wr_log(w, BLEC_LOG_DEBUG, "%s: session closed (BluetoothError %s): link lost", blec__client_address(c),
           wr_bluetooth_error_name(it->error));
    wr_remains *r = wr_link_take(w, wc);
    uint64_t mark = wr_jobs_mark(w); /* the link's jobs: not those asked from the callback */
    /* Windows does not say why a link ended; a radio turned off is seen on the radio. */
    blec_disconnect_reason reason = BLEC_DISCONNECT_REMOTE;
    blec_error e;
    if (it->error == BluetoothError_RadioNotAvailable ||
        (wr_check_bluetooth_now(w, &e) == BLEC_ERR_BLUETOOTH_UNAVAILABLE && e.reason == BLEC_UNAVAILABLE_POWERED_OFF))
      reason = BLEC_DISCONNECT_RADIO_OFF;
    if (wr_client_enter(wc)) {
      blec__client_disconnected(c, reason); /* fails the pending ops: DISCONNECTED */
      wr_client_leave(wc);
    }
    wr_jobs_cancel_client(w, c, NULL, mark); /* their WinRT operations end too */
    wr_link_close(w, r, 0, 0);         /* handed to the pool: the strand goes on */
  }
  blec__client_unref(c);
  free(it);
}

static HRESULT on_session_status(void *ctx, void *sender, void *args) {
  (void)sender;
  note_ctx *n = ctx;
  wr_client *wc = wr_client_of(n->c);
  /* Nothing of the context is touched once the client is freed (it may be gone). */
  if (!wr_client_enter(wc)) return S_OK;
  wr_ctx *w = wr_ctx_of(blec__client_ctx(n->c));
  GattSessionStatus st = GattSessionStatus_Closed;
  BluetoothError e = BluetoothError_Success;
  IGattSessionStatusChangedEventArgs *a = args;
  if (!a || FAILED(wr_hr(w, IGattSessionStatusChangedEventArgs_get_Status(a, &st), "SessionStatusChangedEventArgs.Status"))) {
    wr_client_leave(wc);
    return S_OK;
  }
  wr_hr(w, IGattSessionStatusChangedEventArgs_get_Error(a, &e), "SessionStatusChangedEventArgs.Error");
  wr_log(w, BLEC_LOG_DEBUG, "%s: SessionStatusChanged %s (BluetoothError %s)", blec__client_address(n->c),
         st == GattSessionStatus_Active ? "Active" : "Closed", wr_bluetooth_error_name(e));
  blec__mutex_lock(&wc->lock);
  bool current = wc->gen == n->gen;
  bool lost = false, lost_connecting = false;
  if (current) {
    lost_connecting = st == GattSessionStatus_Closed && wc->state == WR_LINK_OPEN && wc->session_seen_active;
    if (st == GattSessionStatus_Closed && wc->session_status == GattSessionStatus_Active) wc->drops++;
    wc->session_status = st;
    if (st == GattSessionStatus_Active) wc->session_seen_active = true;
    lost = st == GattSessionStatus_Closed && wc->state == WR_LINK_ACTIVE;
    wr_client_wake_locked(wc);
  }
  blec__mutex_unlock(&wc->lock);
  /* Lost while connecting: the discovery's requests end now (the connect fails). */
  if (lost_connecting) wr_jobs_cancel_client(w, n->c, NULL, WR_JOBS_ALL);
  if (lost) {
    lost_item *it = malloc(sizeof *it);
    if (it) {
      it->c = blec__client_ref(n->c);
      it->gen = n->gen;
      it->error = e;
      if (wr_client_post(n->c, link_lost, it) != BLEC_OK) {
        blec__client_unref(it->c);
        free(it);
      }
    }
  }
  wr_client_leave(wc);
  return S_OK;
}

static HRESULT on_device_status(void *ctx, void *sender, void *args) {
  (void)args;
  note_ctx *n = ctx;
  wr_client *wc = wr_client_of(n->c);
  if (!wr_client_enter(wc)) return S_OK;
  wr_ctx *w = wr_ctx_of(blec__client_ctx(n->c));
  BluetoothConnectionStatus cs = BluetoothConnectionStatus_Disconnected;
  if (!sender || FAILED(wr_hr(w, IBluetoothLEDevice_get_ConnectionStatus((IBluetoothLEDevice *)sender, &cs),
                              "BluetoothLEDevice.ConnectionStatus"))) {
    wr_client_leave(wc);
    return S_OK;
  }
  blec__mutex_lock(&wc->lock);
  bool flap = false;
  if (wc->gen == n->gen) {
    wc->device_status = cs;
    /* Advisory: shared with other programs, and it flaps right after connecting. */
    flap = cs == BluetoothConnectionStatus_Disconnected && wc->session_status == GattSessionStatus_Active;
    if (flap) wc->device_flaps++;
    wr_client_wake_locked(wc);
  }
  blec__mutex_unlock(&wc->lock);
  wr_log(w, BLEC_LOG_DEBUG, "%s: ConnectionStatusChanged %s%s", blec__client_address(n->c),
         cs == BluetoothConnectionStatus_Connected ? "Connected" : "Disconnected",
         flap ? " while the session is Active (ignored)" : "");
  wr_client_leave(wc);
  return S_OK;
}

static HRESULT on_mtu(void *ctx, void *sender, void *args) {
  (void)args;
  note_ctx *n = ctx;
  wr_client *wc = wr_client_of(n->c);
  if (!wr_client_enter(wc)) return S_OK;
  wr_ctx *w = wr_ctx_of(blec__client_ctx(n->c));
  UINT16 pdu = 0;
  /* A session closed meanwhile fails here (bleak ignores that race too). */
  if (!sender || FAILED(wr_hr(w, IGattSession_get_MaxPduSize((IGattSession *)sender, &pdu), "GattSession.MaxPduSize"))) {
    wr_client_leave(wc);
    return S_OK;
  }
  wr_log(w, BLEC_LOG_DEBUG, "%s: MaxPduSizeChanged %u", blec__client_address(n->c), (unsigned)pdu);
  blec__mutex_lock(&wc->lock);
  bool report = false;
  if (wc->gen == n->gen) {
    wc->pdu = pdu;
    report = wc->state == WR_LINK_ACTIVE;
    wr_client_wake_locked(wc);
  }
  blec__mutex_unlock(&wc->lock);
  if (report) blec__client_mtu(n->c, pdu);
  wr_client_leave(wc);
  return S_OK;
}

/* ---- connect ---------------------------------------------------------------------------------- */

typedef struct connect_job {
  wr_job base;
  UINT64 address;
  blec_address_type type;
} connect_job;

HRESULT wr_device_from_address(wr_job *job, UINT64 address, blec_address_type type, IBluetoothLEDevice **dev) {
  wr_ctx *w = job->w;
  *dev = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *op = NULL;
  HRESULT hr;
  IBluetoothLEDeviceStatics2 *st2 = NULL;
  if (type != BLEC_ADDRESS_UNSPECIFIED && SUCCEEDED(wr_statics(w, WR_DEVICE_STATICS2, (void **)&st2))) {
    hr = wr_hr(w,
               IBluetoothLEDeviceStatics2_FromBluetoothAddressWithBluetoothAddressTypeAsync(
                   st2, address, type == BLEC_ADDRESS_RANDOM ? BluetoothAddressType_Random : BluetoothAddressType_Public, &op),
               "BluetoothLEDevice.FromBluetoothAddressAsync(address, type)");
    IBluetoothLEDeviceStatics2_Release(st2);
  } else {
    IBluetoothLEDeviceStatics *st = NULL;
    hr = wr_statics(w, WR_DEVICE_STATICS, (void **)&st);
    if (SUCCEEDED(hr)) {
      hr = wr_hr(w, IBluetoothLEDeviceStatics_FromBluetoothAddressAsync(st, address, &op),
                 "BluetoothLEDevice.FromBluetoothAddressAsync");
      IBluetoothLEDeviceStatics_Release(st);
    }
  }
  if (FAILED(hr)) return hr;
  return wr_await_device(w, job, -1, op, dev);
}

/* The session of the device (IBluetoothLEDevice4's BluetoothDeviceId: Windows 10 1709). */
static HRESULT open_session(connect_job *j, IBluetoothLEDevice *dev, IGattSession **session, bool *missing4) {
  wr_ctx *w = j->base.w;
  IBluetoothLEDevice4 *d4 = NULL;
  IBluetoothDeviceId *id = NULL;
  IGattSessionStatics *ss = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession *op = NULL;
  HRESULT hr = wr_qi(w, dev, WR_IF_DEVICE4, (void **)&d4);
  if (FAILED(hr)) {
    *missing4 = true;
    return hr;
  }
  hr = wr_hr(w, IBluetoothLEDevice4_get_BluetoothDeviceId(d4, &id), "BluetoothLEDevice.BluetoothDeviceId");
  IBluetoothLEDevice4_Release(d4);
  if (SUCCEEDED(hr) && !id) hr = E_POINTER;
  if (SUCCEEDED(hr)) hr = wr_statics(w, WR_SESSION_STATICS, (void **)&ss);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IGattSessionStatics_FromDeviceIdAsync(ss, id, &op), "GattSession.FromDeviceIdAsync");
  if (ss) IGattSessionStatics_Release(ss);
  if (id) IBluetoothDeviceId_Release(id);
  if (SUCCEEDED(hr)) hr = wr_await_session(w, &j->base, -1, op, session);
  if (SUCCEEDED(hr) && !*session) hr = HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED);
  return hr;
}

static void set_name(wr_ctx *w, blec_client *c, IBluetoothLEDevice *dev) {
  HSTRING h = NULL;
  if (FAILED(wr_hr(w, IBluetoothLEDevice_get_Name(dev, &h), "BluetoothLEDevice.Name"))) return;
  char *name = wr_hstring_utf8(h);
  if (name) blec__client_set_name(c, name);
  free(name);
  WindowsDeleteString(h);
}

/* A handler for the link of generation gen: registered by `add`, kept in *slot. */
static HRESULT add_handler(blec_client *c, uint32_t gen, const IID *iid, wr_event_fn fn, void **slot,
                           HRESULT (*add)(void *obj, void *handler, EventRegistrationToken *tok), void *obj,
                           EventRegistrationToken *tok, const char *what) {
  note_ctx *n = note_ctx_new(c, gen);
  void *d = n ? wr_delegate_new(iid, fn, n, note_ctx_free) : NULL;
  if (!d) return E_OUTOFMEMORY;
  HRESULT hr = wr_hr(wr_ctx_of(blec__client_ctx(c)), add(obj, d, tok), what);
  if (FAILED(hr)) {
    wr_delegate_release(d);
    return hr;
  }
  *slot = d;
  return S_OK;
}

static HRESULT add_session_status(void *o, void *h, EventRegistrationToken *t) {
  return IGattSession_add_SessionStatusChanged((IGattSession *)o, h, t);
}
static HRESULT add_mtu(void *o, void *h, EventRegistrationToken *t) {
  return IGattSession_add_MaxPduSizeChanged((IGattSession *)o, h, t);
}
static HRESULT add_device_status(void *o, void *h, EventRegistrationToken *t) {
  return IBluetoothLEDevice_add_ConnectionStatusChanged((IBluetoothLEDevice *)o, h, t);
}

#define H_SESSION_STATUS \
  &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSessionStatusChangedEventArgs
#define H_SESSION_MTU &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_IInspectable
#define H_DEVICE_STATUS &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CBluetoothLEDevice_IInspectable

static void connect_run(wr_job *job) {
  connect_job *j = (connect_job *)job;
  blec_client *c = job->c;
  wr_client *wc = wr_client_of(c);
  wr_ctx *w = job->w;
  /* Whatever an earlier link left (a disconnect that gave up waiting) goes first. */
  wr_link_close(w, wr_link_take(w, wc), 0, 0);
  blec_error e;
  if (wr_check_bluetooth_now(w, &e) != BLEC_OK) {
    blec__op_complete_error(job->op, &e);
    return;
  }

  IBluetoothLEDevice *dev = NULL;
  HRESULT hr = wr_device_from_address(job, j->address, j->type, &dev);
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "BluetoothLEDevice.FromBluetoothAddressAsync");
    return;
  }
  if (!dev) {
    blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "Windows knows no Bluetooth LE device %s%s", blec__client_address(c),
                    j->type == BLEC_ADDRESS_RANDOM ? " with a random address"
                    : j->type == BLEC_ADDRESS_PUBLIC ? " with a public address" : "");
    blec__op_complete_error(job->op, &e);
    return;
  }
  set_name(w, c, dev);

  /* From here the objects are the link's: on failure they are taken and closed together. */
  blec__mutex_lock(&wc->lock);
  uint32_t gen = wc->gen;
  wc->dev = dev;
  wc->state = WR_LINK_OPEN;
  wc->session_status = GattSessionStatus_Closed;
  wc->session_seen_active = false;
  wc->device_status = BluetoothConnectionStatus_Disconnected;
  wc->device_flaps = 0;
  wc->pdu = 23;
  blec__mutex_unlock(&wc->lock);

  void *status_h = NULL, *session_h = NULL, *mtu_h = NULL;
  EventRegistrationToken status_t = {0}, session_t = {0}, mtu_t = {0};
  hr = add_handler(c, gen, H_DEVICE_STATUS, on_device_status, &status_h, add_device_status, dev, &status_t,
                   "BluetoothLEDevice.add_ConnectionStatusChanged");
  blec__mutex_lock(&wc->lock);
  wc->status_handler = status_h;
  wc->status_token = status_t;
  blec__mutex_unlock(&wc->lock);

  IGattSession *session = NULL;
  bool missing4 = false;
  if (SUCCEEDED(hr)) hr = open_session(j, dev, &session, &missing4);
  if (session) {
    blec__mutex_lock(&wc->lock);
    wc->session = session;
    blec__mutex_unlock(&wc->lock);
  }
  boolean can = TRUE;
  if (SUCCEEDED(hr)) hr = wr_hr(w, IGattSession_get_CanMaintainConnection(session, &can), "GattSession.CanMaintainConnection");
  if (SUCCEEDED(hr) && !can) {
    wr_link_close(w, wr_link_take(w, wc), 0, 0);
    blec__error_set(&e, BLEC_ERR_NOT_SUPPORTED, "Windows cannot keep a GATT session with %s (CanMaintainConnection is false)",
                    blec__client_address(c));
    blec__op_complete_error(job->op, &e);
    return;
  }
  if (SUCCEEDED(hr))
    hr = add_handler(c, gen, H_SESSION_STATUS, on_session_status, &session_h, add_session_status, session, &session_t,
                     "GattSession.add_SessionStatusChanged");
  if (SUCCEEDED(hr))
    hr = add_handler(c, gen, H_SESSION_MTU, on_mtu, &mtu_h, add_mtu, session, &mtu_t, "GattSession.add_MaxPduSizeChanged");
  blec__mutex_lock(&wc->lock);
  wc->session_handler = session_h;
  wc->session_token = session_t;
  wc->mtu_handler = mtu_h;
  wc->mtu_token = mtu_t;
  blec__mutex_unlock(&wc->lock);
  GattSessionStatus st = GattSessionStatus_Closed;
  UINT16 pdu = 23;
  if (SUCCEEDED(hr)) hr = wr_hr(w, IGattSession_get_SessionStatus(session, &st), "GattSession.SessionStatus");
  if (SUCCEEDED(hr)) hr = wr_hr(w, IGattSession_get_MaxPduSize(session, &pdu), "GattSession.MaxPduSize");
  if (SUCCEEDED(hr)) {
    blec__mutex_lock(&wc->lock);
    /* The handlers may have run already: keep what they saw when it is newer. */
    if (st == GattSessionStatus_Active) {
      wc->session_status = st;
      wc->session_seen_active = true;
    }
    if (pdu > wc->pdu) wc->pdu = pdu;
    blec__mutex_unlock(&wc->lock);
    /* Windows has no connect call: the session, maintained, makes it connect. */
    hr = wr_hr(w, IGattSession_put_MaintainConnection(session, TRUE), "GattSession.MaintainConnection = true");
  }
  if (FAILED(hr)) {
    wr_link_close(w, wr_link_take(w, wc), 0, 0);
    if (missing4) {
      wr_complete_missing(job->op, WR_IF_DEVICE4, "connecting");
      return;
    }
    wr_complete_hr(job->op, hr, "opening a GATT session");
    return;
  }
  wr_log(w, BLEC_LOG_DEBUG, "%s: session open (status %s, MaxPduSize %u), MaintainConnection set", blec__client_address(c),
         st == GattSessionStatus_Active ? "Active" : "Closed", (unsigned)pdu);
  blec__client_mtu(c, pdu);
  if (!blec__op_complete(job->op, BLEC_OK)) /* aborted meanwhile */
    wr_link_close(w, wr_link_take(w, wc), 0, 0);
}

int wr_connect(blec_client *c, blec_op *op) {
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  UINT64 addr = 0;
  if (wr_address_parse(blec__client_address(c), &addr) != BLEC_OK) return BLEC_ERR_INVALID_ARG;
  wr_client *wc = wr_client_of(c);
  if (atomic_load(&wc->detached)) return BLEC_ERR_STATE;
  connect_job *j = wr_job_new(w, c, op, sizeof *j, connect_run, "connect");
  if (!j) return BLEC_ERR_NO_MEMORY;
  j->address = addr;
  j->type = blec__client_address_type(c);
  return wr_job_start(&j->base, WR_JOB_STRAND);
}

/* ---- disconnect ------------------------------------------------------------------------------- */

static void disconnect_run(wr_job *job) {
  blec_client *c = job->c;
  wr_ctx *w = job->w;
  wr_remains *r = wr_link_take(w, wr_client_of(c));
  /* Requests still in flight keep a link up: they end now (those asked after this
   * disconnect — a connect once the program gave up waiting for it — are for the next link). */
  wr_jobs_cancel_client(w, c, job, job->seq);
  if (wr_job_cancelled(job)) {
    /* The program stopped waiting (a short timeout, a cancel): nobody reads how the closing
     * went, so it goes on on the pool and the strand is free at once for what comes next. A
     * reconnect would otherwise wait behind Close() calls that may each block (bleak #1359)
     * and the wait for the link to go down: seconds per disconnect in the hostile pass. */
    wr_link_close(w, r, 0, 0);
    blec__op_complete(job->op, BLEC_OK); /* taken apart: done (no effect on an op that ended) */
    return;
  }
  int st = wr_link_close(w, r, WR_LINK_DOWN_WAIT_MS, WR_CLOSE_BUDGET_MS);
  blec_error e;
  blec_error_clear(&e);
  if (st == BLEC_ERR_BUSY) {
    /* Our connection is closed, every object of it released; what keeps the link is not
     * ours to know: another program (bleak #1759) or Windows ending it late. */
    wr_log(w, BLEC_LOG_INFO, "%s: disconnected; Windows still reports the device connected after %d ms",
           blec__client_address(c), WR_LINK_DOWN_WAIT_MS);
    blec__error_set(&e, BLEC_OK,
                    "disconnected; Windows still reports %s connected after blec released it: another program may "
                    "hold the link, or Windows keeps it a few seconds",
                    blec__client_address(c));
  } else if (st == BLEC_ERR_TIMEOUT) {
    blec__error_set(&e, BLEC_OK, "disconnected; Windows had not finished closing the link after %d ms (left to it)",
                    WR_CLOSE_BUDGET_MS + WR_LINK_DOWN_WAIT_MS);
  }
  blec__op_complete_error(job->op, &e);
}

int wr_disconnect(blec_client *c, blec_op *op) {
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  wr_job *j = wr_job_new(w, c, op, sizeof *j, disconnect_run, "disconnect");
  if (!j) return BLEC_ERR_NO_MEMORY;
  /* A connect still on the strand (the core aborted it) ends at once: it is cancelled. */
  wr_jobs_cancel_client(w, c, NULL, WR_JOBS_ALL);
  return wr_job_start(j, WR_JOB_STRAND);
}

/* ---- the client's end ---------------------------------------------------------------------------- */

typedef struct free_args {
  wr_ctx *w;
  blec_client *c;
} free_args;

static void free_fn(void *arg) {
  free_args *a = arg;
  wr_remains *r = wr_link_take(a->w, wr_client_of(a->c));
  if (r) wr_link_close(a->w, r, 0, WR_CLOSE_BUDGET_MS);
}

void wr_client_free(blec_client *c) {
  wr_ctx *w = wr_ctx_of(blec__client_ctx(c));
  wr_client *wc = wr_client_of(c);
  atomic_store(&wc->detached, true);
  wr_jobs_cancel_client(w, c, NULL, WR_JOBS_ALL);
  if (!wr_gate_close(&wc->events, WR_CANCEL_GRACE_MS, false))
    wr_log(w, BLEC_LOG_WARNING, "%s: an event handler did not leave in time", blec__client_address(c));
  /* After what is queued on the strand; bounded (a Close() may hang). */
  free_args a = {w, c};
  wr_strand_owner o = wr_client_owner(c);
  if (wr_strand_call(w->pool, &wc->strand, &o, free_fn, &a, sizeof a, WR_CLIENT_FREE_BUDGET_MS) == BLEC_ERR_TIMEOUT)
    wr_log(w, BLEC_LOG_WARNING, "%s: the client's WinRT objects were not released within %d ms: left to Windows",
           blec__client_address(c), WR_CLIENT_FREE_BUDGET_MS);
}
