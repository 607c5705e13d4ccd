/* SPDX-License-Identifier: MIT */
/*
 * watcher.c — BluetoothLEAdvertisementWatcher with its Received and Stopped events and
 * their event-args classes, fed by a scan of the world.
 *
 * As on Windows (see README.md for the sources):
 *  - ScanningMode is Passive until set; Active scans also report scan responses.
 *  - Start returns at once; the status moves from Created (or Stopped) to Started a moment
 *    later on a worker thread, or to Aborted with a Stopped event whose Error is
 *    RadioNotAvailable when the radio is off or there is no adapter. Start fails with
 *    E_INVALIDARG when the signal-strength filter is out of its documented ranges.
 *  - Stop moves to Stopping, then Stopped with a Stopped event (Error Success); Stop when
 *    stopped or aborted does nothing. The radio going off while scanning gives Aborted and
 *    a Stopped event with RadioNotAvailable.
 *  - Received runs on worker threads, one at a time per watcher, in order; filters apply
 *    per packet (adv_filter.c); with a signal-strength filter a device that leaves the
 *    range is reported once with RawSignalStrengthInDBm -127 and its last advertisement.
 *  - A started watcher stays alive until it stops, even when the caller releases it.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "advertisement.h"
#include "blec_winrt_sim.h"
#include "stack.h"

#define TICKS_PER_SECOND 10000000LL
#define SAMPLING_DISABLED (255LL * TICKS_PER_SECOND / 10) /* 25.5 s: transitions only */

/* ==== event args ======================================================================== */

typedef struct recv_args {
  sim_obj obj;
  IBluetoothLEAdvertisementReceivedEventArgs a;
  IBluetoothLEAdvertisementReceivedEventArgs2 a2;
  INT16 rssi;
  UINT64 address;
  BluetoothAddressType address_type;
  BluetoothLEAdvertisementType type;
  DateTime timestamp;
  IBluetoothLEAdvertisement *adv;
  bool has_tx;
  INT16 tx;
  bool connectable, scannable, directed, scan_response;
} recv_args;

static void recv_args_destroy(sim_obj *o) { sim_release_any(((recv_args *)o)->adv); }
static const sim_itf recv_args_itfs[] = {
    {&IID_IBluetoothLEAdvertisementReceivedEventArgs, offsetof(recv_args, a)},
    {&IID_IBluetoothLEAdvertisementReceivedEventArgs2, offsetof(recv_args, a2)},
    {NULL, 0}};
static const sim_class recv_args_class = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementReceivedEventArgs", recv_args_itfs,
    recv_args_destroy};
#define RA(This) ((recv_args *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE ra_get_RawSignalStrengthInDBm(IBluetoothLEAdvertisementReceivedEventArgs *This,
                                                              INT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RA(This)->rssi;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ra_get_BluetoothAddress(IBluetoothLEAdvertisementReceivedEventArgs *This,
                                                        UINT64 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RA(This)->address;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ra_get_AdvertisementType(IBluetoothLEAdvertisementReceivedEventArgs *This,
                                                         BluetoothLEAdvertisementType *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RA(This)->type;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ra_get_Timestamp(IBluetoothLEAdvertisementReceivedEventArgs *This, DateTime *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RA(This)->timestamp;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ra_get_Advertisement(IBluetoothLEAdvertisementReceivedEventArgs *This,
                                                     IBluetoothLEAdvertisement **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RA(This)->adv;
  sim_addref_any(*value);
  return S_OK;
}

SIM_VTABLE(IBluetoothLEAdvertisementReceivedEventArgsVtbl, ra_vt) = {
    offsetof(recv_args, a),
    {SIM_INSPECTABLE_SLOTS, .get_RawSignalStrengthInDBm = ra_get_RawSignalStrengthInDBm,
     .get_BluetoothAddress = ra_get_BluetoothAddress, .get_AdvertisementType = ra_get_AdvertisementType,
     .get_Timestamp = ra_get_Timestamp, .get_Advertisement = ra_get_Advertisement}};

static HRESULT STDMETHODCALLTYPE ra2_get_BluetoothAddressType(IBluetoothLEAdvertisementReceivedEventArgs2 *This,
                                                             BluetoothAddressType *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RA(This)->address_type;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ra2_get_TransmitPowerLevelInDBm(IBluetoothLEAdvertisementReceivedEventArgs2 *This,
                                                                IReference_INT16 **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  return RA(This)->has_tx ? sim_box_i16(RA(This)->tx, value) : S_OK;
}
#define RA2_BOOL(Name, field)                                                                         \
  static HRESULT STDMETHODCALLTYPE ra2_get_##Name(IBluetoothLEAdvertisementReceivedEventArgs2 *This, \
                                                  boolean *value) {                                   \
    SIM_ENTER();                                                                                      \
    SIM_CHECK_OUT(value);                                                                             \
    *value = field;                                                                                   \
    return S_OK;                                                                                      \
  }
RA2_BOOL(IsAnonymous, ((void)This, FALSE))
RA2_BOOL(IsConnectable, RA(This)->connectable)
RA2_BOOL(IsScannable, RA(This)->scannable)
RA2_BOOL(IsDirected, RA(This)->directed)
RA2_BOOL(IsScanResponse, RA(This)->scan_response)

SIM_VTABLE(IBluetoothLEAdvertisementReceivedEventArgs2Vtbl, ra2_vt) = {
    offsetof(recv_args, a2),
    {SIM_INSPECTABLE_SLOTS, .get_BluetoothAddressType = ra2_get_BluetoothAddressType,
     .get_TransmitPowerLevelInDBm = ra2_get_TransmitPowerLevelInDBm, .get_IsAnonymous = ra2_get_IsAnonymous,
     .get_IsConnectable = ra2_get_IsConnectable, .get_IsScannable = ra2_get_IsScannable,
     .get_IsDirected = ra2_get_IsDirected, .get_IsScanResponse = ra2_get_IsScanResponse}};

/* A copy of one received packet, as the watcher keeps it. */
typedef struct packet {
  UINT64 address;
  blec_address_type address_type;
  int tx_power;
  blec_adv_type type;
  bool connectable, scannable;
  BYTE data[255];
  size_t len;
} packet;

static HRESULT recv_args_new(const packet *p, INT16 rssi, recv_args **out) {
  recv_args *a = sim_obj_new(&recv_args_class, sizeof *a);
  if (!a) return E_OUTOFMEMORY;
  a->a.lpVtbl = (IBluetoothLEAdvertisementReceivedEventArgsVtbl *)&ra_vt.v;
  a->a2.lpVtbl = (IBluetoothLEAdvertisementReceivedEventArgs2Vtbl *)&ra2_vt.v;
  a->rssi = rssi;
  a->address = p->address;
  a->address_type = p->address_type == BLEC_ADDRESS_RANDOM ? BluetoothAddressType_Random : BluetoothAddressType_Public;
  switch (p->type) {
  case BLEC_ADV_DIRECT_IND: a->type = BluetoothLEAdvertisementType_ConnectableDirected; break;
  case BLEC_ADV_SCAN_IND: a->type = BluetoothLEAdvertisementType_ScannableUndirected; break;
  case BLEC_ADV_NONCONN_IND: a->type = BluetoothLEAdvertisementType_NonConnectableUndirected; break;
  case BLEC_ADV_SCAN_RSP: a->type = BluetoothLEAdvertisementType_ScanResponse; break;
  default: a->type = BluetoothLEAdvertisementType_ConnectableUndirected; break;
  }
  a->timestamp = sim_now_datetime();
  a->has_tx = p->tx_power != 127;
  a->tx = (INT16)p->tx_power;
  a->connectable = p->connectable;
  a->scannable = p->scannable;
  a->directed = p->type == BLEC_ADV_DIRECT_IND;
  a->scan_response = p->type == BLEC_ADV_SCAN_RSP;
  HRESULT hr = sim_adv_parse(p->data, p->len, &a->adv);
  if (FAILED(hr)) {
    sim_Release(&a->a);
    return hr;
  }
  *out = a;
  return S_OK;
}

typedef struct stop_args {
  sim_obj obj;
  IBluetoothLEAdvertisementWatcherStoppedEventArgs a;
  BluetoothError error;
} stop_args;

static const sim_itf stop_args_itfs[] = {
    {&IID_IBluetoothLEAdvertisementWatcherStoppedEventArgs, offsetof(stop_args, a)}, {NULL, 0}};
static const sim_class stop_args_class = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcherStoppedEventArgs", stop_args_itfs,
    NULL};

static HRESULT STDMETHODCALLTYPE sa_get_Error(IBluetoothLEAdvertisementWatcherStoppedEventArgs *This,
                                             BluetoothError *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = ((stop_args *)sim_obj_from(This))->error;
  return S_OK;
}

SIM_VTABLE(IBluetoothLEAdvertisementWatcherStoppedEventArgsVtbl, sa_vt) = {
    offsetof(stop_args, a), {SIM_INSPECTABLE_SLOTS, .get_Error = sa_get_Error}};

/* ==== the watcher ========================================================================== */

typedef struct dev_state {
  UINT64 address;
  bool in_range;
  UINT64 last_good_ms; /* last packet above the out-of-range threshold */
  UINT64 last_emit_ms;
  int rssi_sum, rssi_n;
  packet last;
} dev_state;

typedef struct watcher {
  sim_obj obj;
  IBluetoothLEAdvertisementWatcher w;
  IBluetoothLEAdvertisementWatcher2 w2;
  SRWLOCK lock;
  BluetoothLEAdvertisementWatcherStatus status;
  BluetoothLEScanningMode mode;
  boolean allow_extended;
  IBluetoothSignalStrengthFilter *ssf;
  IBluetoothLEAdvertisementFilter *af;
  sim_event received, stopped;
  sim_strand *strand;
  /* The scan, between start_work and its end. */
  UINT64 gen;         /* incremented at each start: stale deliveries are dropped */
  bool start_pending; /* Start called, start_work not run yet */
  bool accepting;     /* reports are taken */
  blec_world *world;
  blec__wscan *scan;
  sim_adv_match match;
  sim_rssi_cfg rssi;
  dev_state *devs;
  size_t n_devs, cap_devs;
  HANDLE timer;
  volatile LONG received_queued; /* Received events posted, not delivered yet */
} watcher;

#define WT(This) ((watcher *)sim_obj_from(This))

static void watcher_destroy(sim_obj *o) {
  watcher *w = (watcher *)o;
  sim_event_clear(&w->received);
  sim_event_clear(&w->stopped);
  sim_release_any(w->ssf);
  sim_release_any(w->af);
  sim_adv_match_free(&w->match);
  free(w->devs);
  sim_strand_free(w->strand);
}

static const sim_itf watcher_itfs[] = {{&IID_IBluetoothLEAdvertisementWatcher, offsetof(watcher, w)},
                                       {&IID_IBluetoothLEAdvertisementWatcher2, offsetof(watcher, w2)},
                                       {NULL, 0}};
static const sim_class watcher_class = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                                        watcher_itfs, watcher_destroy};

/* ---- deliveries (on the watcher's strand) ------------------------------------------------- */

typedef struct delivery {
  watcher *w;
  UINT64 gen;
  recv_args *args;
} delivery;

static void fire_received(void *ctx) {
  delivery *d = ctx;
  watcher *w = d->w;
  InterlockedDecrement(&w->received_queued);
  AcquireSRWLockShared(&w->lock);
  bool live = w->gen == d->gen && w->status == BluetoothLEAdvertisementWatcherStatus_Started;
  ReleaseSRWLockShared(&w->lock);
  if (live) sim_event_fire(&w->received, &w->w, &d->args->a);
  sim_Release(&d->args->a);
  sim_Release(&w->w);
  free(d);
}

/*
 * Most Received events queued for a handler that has not taken them yet; a packet heard
 * beyond is dropped (*ours*: a radio hears what the air carries and a slow handler makes the
 * stack skip packets, not queue them for ever; a world running 1000x faster than real time
 * would otherwise queue millions, each an object, while the handler takes thousands).
 */
#define SIM_RECEIVED_BACKLOG 1024

/* With the lock held: queues a Received event for packet p with rssi. */
static void post_received_locked(watcher *w, const packet *p, INT16 rssi) {
  if (InterlockedCompareExchange(&w->received_queued, 0, 0) >= SIM_RECEIVED_BACKLOG) return;
  recv_args *a = NULL;
  if (FAILED(recv_args_new(p, rssi, &a))) return;
  delivery *d = malloc(sizeof *d);
  if (!d) {
    sim_Release(&a->a);
    return;
  }
  sim_AddRef(&w->w);
  d->w = w;
  d->gen = w->gen;
  d->args = a;
  InterlockedIncrement(&w->received_queued);
  sim_event_post(&w->received, w->strand, fire_received, d);
}

static void fire_stopped(watcher *w, BluetoothError error) {
  stop_args *a = sim_obj_new(&stop_args_class, sizeof *a);
  if (!a) return;
  a->a.lpVtbl = (IBluetoothLEAdvertisementWatcherStoppedEventArgsVtbl *)&sa_vt.v;
  a->error = error;
  sim_event_fire(&w->stopped, &w->w, &a->a);
  sim_Release(&a->a);
}

/* ---- signal strength ------------------------------------------------------------------------ */

static UINT64 now_ms(void) { return GetTickCount64(); }

static dev_state *dev_find(watcher *w, UINT64 address) {
  for (size_t i = 0; i < w->n_devs; i++)
    if (w->devs[i].address == address) return &w->devs[i];
  if (w->n_devs == w->cap_devs) {
    size_t cap = w->cap_devs ? w->cap_devs * 2 : 8;
    dev_state *v = realloc(w->devs, cap * sizeof *v);
    if (!v) return NULL;
    w->devs = v;
    w->cap_devs = cap;
  }
  dev_state *d = &w->devs[w->n_devs++];
  memset(d, 0, sizeof *d);
  d->address = address;
  return d;
}

/* With the lock held: the signal-strength filter's verdict on a packet. */
static void rssi_filter_locked(watcher *w, const packet *p, int rssi) {
  dev_state *d = dev_find(w, p->address);
  if (!d) return;
  UINT64 now = now_ms();
  bool entered = false;
  if (!d->in_range && rssi >= w->rssi.in_range_dbm) {
    d->in_range = true;
    d->last_good_ms = now;
    d->last_emit_ms = 0;
    d->rssi_sum = d->rssi_n = 0;
    entered = true;
  }
  if (!d->in_range) return;
  if (rssi > w->rssi.out_of_range_dbm) d->last_good_ms = now;
  d->last = *p;
  INT64 sampling_ms = w->rssi.sampling_100ns / 10000;
  if (w->rssi.sampling_100ns >= SAMPLING_DISABLED) {
    if (entered) post_received_locked(w, p, (INT16)rssi);
  } else if (sampling_ms <= 0) {
    post_received_locked(w, p, (INT16)rssi);
  } else {
    d->rssi_sum += rssi;
    d->rssi_n++;
    if (entered || now - d->last_emit_ms >= (UINT64)sampling_ms) {
      post_received_locked(w, p, (INT16)(d->rssi_sum / d->rssi_n));
      d->last_emit_ms = now;
      d->rssi_sum = d->rssi_n = 0;
    }
  }
}

/* Out-of-range timer: devices silent (or too weak) for the timeout leave the range. */
static void CALLBACK rssi_tick(void *ctx, BOOLEAN fired) {
  (void)fired;
  watcher *w = ctx;
  AcquireSRWLockExclusive(&w->lock);
  if (w->accepting) {
    UINT64 now = now_ms();
    UINT64 timeout_ms = (UINT64)(w->rssi.out_of_range_timeout_100ns / 10000);
    for (size_t i = 0; i < w->n_devs; i++) {
      dev_state *d = &w->devs[i];
      if (d->in_range && now - d->last_good_ms >= timeout_ms) {
        d->in_range = false;
        post_received_locked(w, &d->last, -127);
      }
    }
  }
  ReleaseSRWLockExclusive(&w->lock);
}

/* ---- world callbacks (world thread) --------------------------------------------------------- */

static void on_report(void *user, const blec__wadv_report *r) {
  watcher *w = user;
  packet p;
  if (!sim_addr_parse(r->address, &p.address)) return;
  p.address_type = r->address_type;
  p.tx_power = r->tx_power;
  p.type = r->type;
  p.connectable = r->connectable;
  p.scannable = r->scannable;
  p.len = r->len < sizeof p.data ? r->len : sizeof p.data;
  if (p.len) memcpy(p.data, r->data, p.len);
  sim_stack_seen(p.address, r->address_type == BLEC_ADDRESS_RANDOM);
  AcquireSRWLockExclusive(&w->lock);
  if (w->accepting && sim_adv_match_packet(&w->match, p.data, p.len)) {
    if (w->rssi.active)
      rssi_filter_locked(w, &p, r->rssi);
    else
      post_received_locked(w, &p, (INT16)r->rssi);
  }
  ReleaseSRWLockExclusive(&w->lock);
}

typedef struct work {
  watcher *w;
  UINT64 gen;
  BluetoothError error;
} work;

static void post_work(watcher *w, sim_work_fn fn, UINT64 gen, BluetoothError error) {
  work *k = malloc(sizeof *k);
  if (!k) return;
  sim_AddRef(&w->w);
  k->w = w;
  k->gen = gen;
  k->error = error;
  sim_strand_post(w->strand, fn, k);
}

/* Ends the scan (strand): status, Stopped event, the scan's reference on the watcher. */
static void end_scan(watcher *w, BluetoothLEAdvertisementWatcherStatus status, BluetoothError error) {
  AcquireSRWLockExclusive(&w->lock);
  w->accepting = false;
  blec__wscan *scan = w->scan;
  blec_world *world = w->world;
  HANDLE timer = w->timer;
  w->scan = NULL;
  w->world = NULL;
  w->timer = NULL;
  ReleaseSRWLockExclusive(&w->lock);
  if (timer) DeleteTimerQueueTimer(NULL, timer, INVALID_HANDLE_VALUE);
  if (scan) blec__world_scan_stop(scan);
  AcquireSRWLockExclusive(&w->lock);
  w->status = status;
  w->n_devs = 0;
  ReleaseSRWLockExclusive(&w->lock);
  fire_stopped(w, error);
  if (scan) {
    blec_world_unref(world);
    sim_world_use(-1);
    sim_Release(&w->w); /* the scan's reference */
  }
}

static void aborted_work(void *ctx) {
  work *k = ctx;
  watcher *w = k->w;
  AcquireSRWLockShared(&w->lock);
  bool current = w->gen == k->gen && w->scan != NULL;
  ReleaseSRWLockShared(&w->lock);
  if (current) end_scan(w, BluetoothLEAdvertisementWatcherStatus_Aborted, k->error);
  sim_Release(&w->w);
  free(k);
}

static void on_stopped(void *user, int status, int reason) {
  (void)status;
  watcher *w = user;
  AcquireSRWLockExclusive(&w->lock);
  w->accepting = false;
  UINT64 gen = w->gen;
  ReleaseSRWLockExclusive(&w->lock);
  post_work(w, aborted_work, gen,
            reason == BLEC_UNAVAILABLE_RESOURCE_IN_USE ? BluetoothError_ResourceInUse : BluetoothError_RadioNotAvailable);
}

static const blec__wscan_events scan_events = {on_report, on_stopped};

/* ---- Start / Stop work (strand) ---------------------------------------------------------------- */

static void start_work(void *ctx) {
  work *k = ctx;
  watcher *w = k->w;
  /* start_pending stays set until the status says how the start ended, so that a Stop
   * made meanwhile still queues its stop_work (after this one). */
  AcquireSRWLockExclusive(&w->lock);
  bool active = w->mode == BluetoothLEScanningMode_Active;
  bool rssi_active = w->rssi.active;
  w->accepting = true;
  w->n_devs = 0;
  ReleaseSRWLockExclusive(&w->lock);
  blec_world *world = sim_adapter_present() ? sim_world_ref() : NULL;
  blec__wscan *scan = NULL;
  int st = world ? blec__world_scan_start(world, active, &scan_events, w, &scan) : BLEC_ERR_BLUETOOTH_UNAVAILABLE;
  if (st != BLEC_OK) {
    AcquireSRWLockExclusive(&w->lock);
    w->accepting = false;
    w->start_pending = false;
    w->status = BluetoothLEAdvertisementWatcherStatus_Aborted;
    ReleaseSRWLockExclusive(&w->lock);
    if (world) blec_world_unref(world);
    fire_stopped(w, st == BLEC_ERR_BLUETOOTH_UNAVAILABLE ? BluetoothError_RadioNotAvailable : BluetoothError_OtherError);
  } else {
    sim_world_use(+1);
    sim_AddRef(&w->w); /* the scan's reference: a started watcher stays alive */
    HANDLE timer = NULL;
    if (rssi_active) CreateTimerQueueTimer(&timer, NULL, rssi_tick, w, 100, 100, WT_EXECUTEDEFAULT);
    AcquireSRWLockExclusive(&w->lock);
    w->scan = scan;
    w->world = world;
    w->timer = timer;
    w->start_pending = false;
    if (w->status != BluetoothLEAdvertisementWatcherStatus_Stopping)
      w->status = BluetoothLEAdvertisementWatcherStatus_Started;
    ReleaseSRWLockExclusive(&w->lock);
  }
  sim_Release(&w->w);
  free(k);
}

static void stop_work(void *ctx) {
  work *k = ctx;
  watcher *w = k->w;
  AcquireSRWLockShared(&w->lock);
  bool running = w->scan != NULL;
  ReleaseSRWLockShared(&w->lock);
  if (running) end_scan(w, BluetoothLEAdvertisementWatcherStatus_Stopped, BluetoothError_Success);
  sim_Release(&w->w);
  free(k);
}

/* ==== IBluetoothLEAdvertisementWatcher ========================================================== */

#define TIMESPAN_GETTER(Name, ticks)                                                                  \
  static HRESULT STDMETHODCALLTYPE wt_get_##Name(IBluetoothLEAdvertisementWatcher *This, TimeSpan *v) { \
    SIM_ENTER();                                                                                      \
    (void)This;                                                                                       \
    SIM_CHECK_OUT(v);                                                                                 \
    v->Duration = ticks;                                                                              \
    return S_OK;                                                                                      \
  }
/* The documented valid ranges of the signal-strength filter's intervals. */
TIMESPAN_GETTER(MinSamplingInterval, 0)
TIMESPAN_GETTER(MaxSamplingInterval, SAMPLING_DISABLED)
TIMESPAN_GETTER(MinOutOfRangeTimeout, TICKS_PER_SECOND)
TIMESPAN_GETTER(MaxOutOfRangeTimeout, 60 * TICKS_PER_SECOND)

static HRESULT STDMETHODCALLTYPE wt_get_Status(IBluetoothLEAdvertisementWatcher *This,
                                               BluetoothLEAdvertisementWatcherStatus *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  watcher *w = WT(This);
  AcquireSRWLockShared(&w->lock);
  *value = w->status;
  ReleaseSRWLockShared(&w->lock);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wt_get_ScanningMode(IBluetoothLEAdvertisementWatcher *This,
                                                     BluetoothLEScanningMode *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = WT(This)->mode;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wt_put_ScanningMode(IBluetoothLEAdvertisementWatcher *This,
                                                     BluetoothLEScanningMode value) {
  SIM_ENTER();
  if (value < BluetoothLEScanningMode_Passive || value > BluetoothLEScanningMode_None) return E_INVALIDARG;
  WT(This)->mode = value;
  return S_OK;
}

static HRESULT swap_obj(watcher *w, void *slot, void *value) {
  sim_addref_any(value);
  AcquireSRWLockExclusive(&w->lock);
  void *old = *(void **)slot;
  *(void **)slot = value;
  ReleaseSRWLockExclusive(&w->lock);
  sim_release_any(old);
  return S_OK;
}
static HRESULT get_obj(watcher *w, void *slot, void **value) {
  SIM_CHECK_OUT(value);
  AcquireSRWLockShared(&w->lock);
  *value = *(void **)slot;
  sim_addref_any(*value);
  ReleaseSRWLockShared(&w->lock);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE wt_get_SignalStrengthFilter(IBluetoothLEAdvertisementWatcher *This,
                                                             IBluetoothSignalStrengthFilter **value) {
  SIM_ENTER();
  return get_obj(WT(This), &WT(This)->ssf, (void **)value);
}
static HRESULT STDMETHODCALLTYPE wt_put_SignalStrengthFilter(IBluetoothLEAdvertisementWatcher *This,
                                                             IBluetoothSignalStrengthFilter *value) {
  SIM_ENTER();
  return swap_obj(WT(This), &WT(This)->ssf, value);
}
static HRESULT STDMETHODCALLTYPE wt_get_AdvertisementFilter(IBluetoothLEAdvertisementWatcher *This,
                                                            IBluetoothLEAdvertisementFilter **value) {
  SIM_ENTER();
  return get_obj(WT(This), &WT(This)->af, (void **)value);
}
static HRESULT STDMETHODCALLTYPE wt_put_AdvertisementFilter(IBluetoothLEAdvertisementWatcher *This,
                                                            IBluetoothLEAdvertisementFilter *value) {
  SIM_ENTER();
  return swap_obj(WT(This), &WT(This)->af, value);
}

/*
 * WindowsAppSDK #3503: with the adapter disabled, Start throws ERROR_DEVICE_NOT_AVAILABLE
 * instead of raising Stopped with RadioNotAvailable as its page says; the watcher is then
 * Aborted and no Stopped event comes (bleak #1148: "we will never get the Stopped event").
 */
static bool start_fails_now(void) {
  if (!sim_quirk(BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS)) return false;
  if (!sim_adapter_present()) return true;
  blec_world *world = sim_world_ref();
  bool off = world && !blec_world_radio(world);
  if (world) blec_world_unref(world);
  return off;
}

static HRESULT STDMETHODCALLTYPE wt_Start(IBluetoothLEAdvertisementWatcher *This) {
  SIM_ENTER();
  watcher *w = WT(This);
  if (start_fails_now()) {
    AcquireSRWLockExclusive(&w->lock);
    if (!w->start_pending && w->status != BluetoothLEAdvertisementWatcherStatus_Started)
      w->status = BluetoothLEAdvertisementWatcherStatus_Aborted;
    ReleaseSRWLockExclusive(&w->lock);
    return SIM_E_DEVICE_NOT_AVAILABLE;
  }
  IBluetoothSignalStrengthFilter *ssf = NULL;
  IBluetoothLEAdvertisementFilter *af = NULL;
  AcquireSRWLockShared(&w->lock);
  bool busy = w->start_pending || w->status == BluetoothLEAdvertisementWatcherStatus_Started;
  ssf = w->ssf;
  af = w->af;
  sim_addref_any(ssf);
  sim_addref_any(af);
  ReleaseSRWLockShared(&w->lock);
  if (busy) {
    sim_release_any(ssf);
    sim_release_any(af);
    return S_OK;
  }
  /* The OS takes the filters as they are now. */
  sim_rssi_cfg rssi;
  sim_adv_match match;
  HRESULT hr = sim_rssi_cfg_read(ssf, &rssi);
  if (SUCCEEDED(hr)) hr = sim_adv_match_init(&match, af);
  sim_release_any(ssf);
  sim_release_any(af);
  if (FAILED(hr)) return hr;
  AcquireSRWLockExclusive(&w->lock);
  sim_adv_match_free(&w->match);
  w->match = match;
  w->rssi = rssi;
  w->gen++;
  w->start_pending = true;
  UINT64 gen = w->gen;
  ReleaseSRWLockExclusive(&w->lock);
  post_work(w, start_work, gen, BluetoothError_Success);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE wt_Stop(IBluetoothLEAdvertisementWatcher *This) {
  SIM_ENTER();
  watcher *w = WT(This);
  AcquireSRWLockExclusive(&w->lock);
  bool act = w->start_pending || w->status == BluetoothLEAdvertisementWatcherStatus_Started;
  if (act) w->status = BluetoothLEAdvertisementWatcherStatus_Stopping;
  UINT64 gen = w->gen;
  ReleaseSRWLockExclusive(&w->lock);
  if (act) post_work(w, stop_work, gen, BluetoothError_Success);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE wt_add_Received(
    IBluetoothLEAdvertisementWatcher *This,
    __FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementReceivedEventArgs
        *handler,
    EventRegistrationToken *token) {
  SIM_ENTER();
  return sim_event_add(&WT(This)->received, handler, token);
}
static HRESULT STDMETHODCALLTYPE wt_remove_Received(IBluetoothLEAdvertisementWatcher *This,
                                                    EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&WT(This)->received, token);
}
static HRESULT STDMETHODCALLTYPE wt_add_Stopped(
    IBluetoothLEAdvertisementWatcher *This,
    __FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcherStoppedEventArgs
        *handler,
    EventRegistrationToken *token) {
  SIM_ENTER();
  return sim_event_add(&WT(This)->stopped, handler, token);
}
static HRESULT STDMETHODCALLTYPE wt_remove_Stopped(IBluetoothLEAdvertisementWatcher *This,
                                                   EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&WT(This)->stopped, token);
}

SIM_VTABLE(IBluetoothLEAdvertisementWatcherVtbl, wt_vt) = {
    offsetof(watcher, w),
    {SIM_INSPECTABLE_SLOTS, .get_MinSamplingInterval = wt_get_MinSamplingInterval,
     .get_MaxSamplingInterval = wt_get_MaxSamplingInterval, .get_MinOutOfRangeTimeout = wt_get_MinOutOfRangeTimeout,
     .get_MaxOutOfRangeTimeout = wt_get_MaxOutOfRangeTimeout, .get_Status = wt_get_Status,
     .get_ScanningMode = wt_get_ScanningMode, .put_ScanningMode = wt_put_ScanningMode,
     .get_SignalStrengthFilter = wt_get_SignalStrengthFilter, .put_SignalStrengthFilter = wt_put_SignalStrengthFilter,
     .get_AdvertisementFilter = wt_get_AdvertisementFilter, .put_AdvertisementFilter = wt_put_AdvertisementFilter,
     .Start = wt_Start, .Stop = wt_Stop, .add_Received = wt_add_Received, .remove_Received = wt_remove_Received,
     .add_Stopped = wt_add_Stopped, .remove_Stopped = wt_remove_Stopped}};

static HRESULT STDMETHODCALLTYPE wt2_get_AllowExtendedAdvertisements(IBluetoothLEAdvertisementWatcher2 *This,
                                                                     boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = WT(This)->allow_extended;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wt2_put_AllowExtendedAdvertisements(IBluetoothLEAdvertisementWatcher2 *This,
                                                                     boolean value) {
  SIM_ENTER();
  WT(This)->allow_extended = value;
  return S_OK;
}

SIM_VTABLE(IBluetoothLEAdvertisementWatcher2Vtbl, wt2_vt) = {
    offsetof(watcher, w2),
    {SIM_INSPECTABLE_SLOTS, .get_AllowExtendedAdvertisements = wt2_get_AllowExtendedAdvertisements,
     .put_AllowExtendedAdvertisements = wt2_put_AllowExtendedAdvertisements}};

/* ==== construction ================================================================================= */

static HRESULT watcher_new(IBluetoothLEAdvertisementFilter *af, IBluetoothLEAdvertisementWatcher **out) {
  *out = NULL;
  watcher *w = sim_obj_new(&watcher_class, sizeof *w);
  if (!w) return E_OUTOFMEMORY;
  w->w.lpVtbl = (IBluetoothLEAdvertisementWatcherVtbl *)&wt_vt.v;
  w->w2.lpVtbl = (IBluetoothLEAdvertisementWatcher2Vtbl *)&wt2_vt.v;
  InitializeSRWLock(&w->lock);
  sim_event_init(&w->received);
  sim_event_init(&w->stopped);
  w->status = BluetoothLEAdvertisementWatcherStatus_Created;
  w->mode = BluetoothLEScanningMode_Passive;
  w->strand = sim_strand_new();
  HRESULT hr = w->strand ? sim_signal_filter_new(&w->ssf) : E_OUTOFMEMORY;
  if (SUCCEEDED(hr)) {
    if (af) {
      IBluetoothLEAdvertisementFilter_AddRef(af);
      w->af = af;
    } else {
      hr = sim_adv_filter_new(&w->af);
    }
  }
  if (FAILED(hr)) {
    sim_Release(&w->w);
    return hr;
  }
  *out = &w->w;
  return S_OK;
}

static HRESULT watcher_activate(IInspectable **out) {
  return watcher_new(NULL, (IBluetoothLEAdvertisementWatcher **)out);
}

static HRESULT STDMETHODCALLTYPE wf_Create(IBluetoothLEAdvertisementWatcherFactory *This,
                                           IBluetoothLEAdvertisementFilter *filter,
                                           IBluetoothLEAdvertisementWatcher **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (!filter) return E_INVALIDARG;
  return watcher_new(filter, result);
}

SIM_VTABLE(IBluetoothLEAdvertisementWatcherFactoryVtbl, wf_vt) = {SIM_FACTORY_SLOT(0),
                                                                  {SIM_INSPECTABLE_SLOTS, .Create = wf_Create}};

const sim_factory_desc sim_watcher_factory = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                                              watcher_activate,
                                              {{&IID_IBluetoothLEAdvertisementWatcherFactory, &wf_vt.v}}};
