/* SPDX-License-Identifier: MIT */
/*
 * winrt_scan.c — scanning with a BluetoothLEAdvertisementWatcher in the scanner's mode,
 * extended advertisements allowed where the watcher supports them
 * (IBluetoothLEAdvertisementWatcher2, as bleak), the scan options' Windows filters on it.
 * Received: the advertisement's DataSections re-serialized to AD structures, with RSSI,
 * address, address type, scan-response flag and connectability → blec__scanner_report
 * (the core merges advertisement and scan response per address). Stopped with an error
 * → blec__scanner_stopped with the reason.
 *
 * Before Windows 10 2004 (no IBluetoothLEAdvertisementReceivedEventArgs2) Windows does
 * not say an advertiser's address type: it is reported "unspecified" (a connect then
 * gives none), never guessed as public.
 *
 * Start runs on the pool (bounded); stop never blocks: it closes the scan's gate (only
 * waiting for other handlers inside it, which never block) and leaves the watcher's
 * teardown to the pool, so it may be called from a Received handler (a find that found
 * its device). Start and teardown of one scan run on its own strand, in order.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"
#include "core/core.h" /* blec_scan_options: the filters to put on the watcher */

typedef struct wr_scan {
  LONG refs;
  wr_ctx *w;
  blec_scanner *s; /* reported to while the gate is open */
  blec_scan_options opts; /* a copy: a start given up on may still read it */
  wr_gate gate;
  wr_strand strand;
  IBluetoothLEAdvertisementWatcher *watcher;
  void *received, *stopped;
  EventRegistrationToken received_tok, stopped_tok;
  bool signal_filter; /* Windows' signal-strength filter is on: RSSI −127 means "out of range" */
  uint64_t packets;
} wr_scan;

static void scan_hold(void *p) { InterlockedIncrement(&((wr_scan *)p)->refs); }
static void scan_release(void *p) {
  wr_scan *sc = p;
  if (InterlockedDecrement(&sc->refs) != 0) return;
  blec__scan_options_clear(&sc->opts);
  free(sc);
}

/* The scan whose Received handler runs on this thread (so stop does not wait for itself). */
static _Thread_local wr_scan *t_inside;

/* ---- events -------------------------------------------------------------------------------------- */

/* DataSections → [len][type][data] AD structures. */
static size_t serialize(wr_ctx *w, IBluetoothLEAdvertisement *adv, uint8_t *out, size_t cap) {
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection *sv = NULL;
  if (FAILED(wr_hr(w, IBluetoothLEAdvertisement_get_DataSections(adv, &sv), "Advertisement.DataSections")) || !sv)
    return 0;
  UINT32 n = 0;
  size_t len = 0;
  if (FAILED(wr_hr(w, __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_get_Size(sv, &n),
                   "DataSections.Size")))
    n = 0;
  for (UINT32 i = 0; i < n; i++) {
    IBluetoothLEAdvertisementDataSection *sec = NULL;
    if (FAILED(wr_hr(w, __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_GetAt(sv, i, &sec),
                     "DataSections.GetAt")))
      continue;
    BYTE type = 0;
    IBuffer *b = NULL;
    BYTE *p = NULL;
    UINT32 bl = 0;
    if (SUCCEEDED(wr_hr(w, IBluetoothLEAdvertisementDataSection_get_DataType(sec, &type), "DataSection.DataType")) &&
        SUCCEEDED(wr_hr(w, IBluetoothLEAdvertisementDataSection_get_Data(sec, &b), "DataSection.Data")) && b &&
        SUCCEEDED(wr_buffer_bytes(b, &p, &bl)) && bl <= 253 && len + 2 + bl <= cap) {
      out[len++] = (uint8_t)(bl + 1);
      out[len++] = type;
      if (bl) memcpy(out + len, p, bl);
      len += bl;
    }
    if (b) IBuffer_Release(b);
    IBluetoothLEAdvertisementDataSection_Release(sec);
  }
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_Release(sv);
  return len;
}

static blec_adv_type adv_type_of(BluetoothLEAdvertisementType t) {
  switch (t) {
    case BluetoothLEAdvertisementType_ConnectableDirected: return BLEC_ADV_DIRECT_IND;
    case BluetoothLEAdvertisementType_ScannableUndirected: return BLEC_ADV_SCAN_IND;
    case BluetoothLEAdvertisementType_NonConnectableUndirected: return BLEC_ADV_NONCONN_IND;
    case BluetoothLEAdvertisementType_ScanResponse: return BLEC_ADV_SCAN_RSP;
    default: return BLEC_ADV_IND;
  }
}

/* What IBluetoothLEAdvertisementReceivedEventArgs2 (Windows 10 2004) adds, when present. */
static void read_args2(wr_scan *sc, IBluetoothLEAdvertisementReceivedEventArgs *a, blec__report *r) {
  IBluetoothLEAdvertisementReceivedEventArgs2 *a2 = NULL;
  r->address_type = BLEC_ADDRESS_UNSPECIFIED;
  if (FAILED(IBluetoothLEAdvertisementReceivedEventArgs_QueryInterface(a, &IID_IBluetoothLEAdvertisementReceivedEventArgs2,
                                                                        (void **)&a2)))
    return; /* older Windows: not said (logged once per scan by the caller) */
  BluetoothAddressType at = BluetoothAddressType_Unspecified;
  if (SUCCEEDED(wr_hr(sc->w, IBluetoothLEAdvertisementReceivedEventArgs2_get_BluetoothAddressType(a2, &at),
                      "ReceivedEventArgs.BluetoothAddressType")))
    r->address_type = at == BluetoothAddressType_Random   ? BLEC_ADDRESS_RANDOM
                      : at == BluetoothAddressType_Public ? BLEC_ADDRESS_PUBLIC
                                                          : BLEC_ADDRESS_UNSPECIFIED;
  boolean b = FALSE;
  if (SUCCEEDED(wr_hr(sc->w, IBluetoothLEAdvertisementReceivedEventArgs2_get_IsScanResponse(a2, &b),
                      "ReceivedEventArgs.IsScanResponse")) &&
      b)
    r->type = BLEC_ADV_SCAN_RSP;
  if (r->type != BLEC_ADV_SCAN_RSP &&
      SUCCEEDED(wr_hr(sc->w, IBluetoothLEAdvertisementReceivedEventArgs2_get_IsConnectable(a2, &b),
                      "ReceivedEventArgs.IsConnectable")))
    r->connectable = b != 0;
  IBluetoothLEAdvertisementReceivedEventArgs2_Release(a2);
}

static HRESULT on_received(void *ctx, void *sender, void *args) {
  (void)sender;
  wr_scan *sc = ctx;
  IBluetoothLEAdvertisementReceivedEventArgs *a = args;
  if (!a || !wr_gate_enter(&sc->gate)) return S_OK;
  t_inside = sc;
  wr_ctx *w = sc->w;
  UINT64 addr = 0;
  INT16 rssi = -127;
  BluetoothLEAdvertisementType type = BluetoothLEAdvertisementType_ConnectableUndirected;
  /* Without an address there is nothing to report. */
  if (FAILED(wr_hr(w, IBluetoothLEAdvertisementReceivedEventArgs_get_BluetoothAddress(a, &addr),
                   "ReceivedEventArgs.BluetoothAddress")) ||
      FAILED(wr_hr(w, IBluetoothLEAdvertisementReceivedEventArgs_get_RawSignalStrengthInDBm(a, &rssi),
                   "ReceivedEventArgs.RawSignalStrengthInDBm")) ||
      FAILED(wr_hr(w, IBluetoothLEAdvertisementReceivedEventArgs_get_AdvertisementType(a, &type),
                   "ReceivedEventArgs.AdvertisementType"))) {
    t_inside = NULL;
    wr_gate_leave(&sc->gate);
    return S_OK;
  }
  if (sc->signal_filter && rssi == -127) {
    /* The signal-strength filter's "gone out of range" report, not an advertisement. */
    wr_log(w, BLEC_LOG_DEBUG, "Received: %012llx out of range", (unsigned long long)addr);
    t_inside = NULL;
    wr_gate_leave(&sc->gate);
    return S_OK;
  }
  blec__report r;
  memset(&r, 0, sizeof r);
  r.type = adv_type_of(type);
  r.connectable = r.type == BLEC_ADV_IND || r.type == BLEC_ADV_DIRECT_IND;
  read_args2(sc, a, &r);
  uint8_t data[1650]; /* extended advertisements carry up to 1650 bytes */
  IBluetoothLEAdvertisement *adv = NULL;
  if (SUCCEEDED(wr_hr(w, IBluetoothLEAdvertisementReceivedEventArgs_get_Advertisement(a, &adv),
                      "ReceivedEventArgs.Advertisement")) &&
      adv) {
    r.len = serialize(w, adv, data, sizeof data);
    IBluetoothLEAdvertisement_Release(adv);
  }
  char address[18];
  wr_address_format(addr, address);
  r.address = address;
  r.rssi = rssi;
  r.data = data;
  if (sc->packets++ == 0)
    wr_log(w, BLEC_LOG_DEBUG, "Received: first packet, %s %d dBm type %d (address type %s)", address, rssi, (int)type,
           r.address_type == BLEC_ADDRESS_UNSPECIFIED ? "not said by this Windows" : "said");
  blec__scanner_report(sc->s, &r);
  t_inside = NULL;
  wr_gate_leave(&sc->gate);
  return S_OK;
}

static HRESULT on_stopped(void *ctx, void *sender, void *args) {
  (void)sender;
  wr_scan *sc = ctx;
  IBluetoothLEAdvertisementWatcherStoppedEventArgs *a = args;
  BluetoothError e = BluetoothError_Success;
  if (a) wr_hr(sc->w, IBluetoothLEAdvertisementWatcherStoppedEventArgs_get_Error(a, &e), "WatcherStoppedEventArgs.Error");
  wr_log(sc->w, BLEC_LOG_DEBUG, "Stopped: BluetoothError %s after %llu packets", wr_bluetooth_error_name(e),
         (unsigned long long)sc->packets);
  if (e == BluetoothError_Success || !wr_gate_enter(&sc->gate)) return S_OK; /* our own Stop */
  blec_error err;
  wr_error_from_bluetooth_error(&err, e, "the scan stopped");
  blec__scanner_stopped(sc->s, &err);
  wr_gate_leave(&sc->gate);
  return S_OK;
}

/* ---- start and teardown (on the scan's strand) --------------------------------------------------- */

static void teardown(void *arg) {
  wr_scan *sc = arg;
  wr_ctx *w = sc->w;
  if (sc->watcher) {
    if (sc->received) wr_hr(w, IBluetoothLEAdvertisementWatcher_remove_Received(sc->watcher, sc->received_tok), "Watcher.remove_Received");
    if (sc->stopped) wr_hr(w, IBluetoothLEAdvertisementWatcher_remove_Stopped(sc->watcher, sc->stopped_tok), "Watcher.remove_Stopped");
    wr_hr(w, IBluetoothLEAdvertisementWatcher_Stop(sc->watcher), "Watcher.Stop");
    ULONG left = IBluetoothLEAdvertisementWatcher_Release(sc->watcher);
    wr_log(w, BLEC_LOG_DEBUG, "watcher stopped and released (%lu references left to Windows)", (unsigned long)left);
    sc->watcher = NULL;
  }
  wr_delegate_release(sc->received);
  wr_delegate_release(sc->stopped);
  sc->received = sc->stopped = NULL;
}

static void teardown_and_release(void *arg) {
  teardown(arg);
  scan_release(arg);
}

typedef struct start_args {
  wr_scan *sc;
  blec_error err;
  int status;
} start_args;

static HRESULT add_handlers(wr_scan *sc) {
  scan_hold(sc);
  sc->received = wr_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementReceivedEventArgs,
      on_received, sc, scan_release);
  scan_hold(sc);
  sc->stopped = wr_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcherStoppedEventArgs,
      on_stopped, sc, scan_release);
  if (!sc->received || !sc->stopped) return E_OUTOFMEMORY;
  HRESULT hr = wr_hr(sc->w, IBluetoothLEAdvertisementWatcher_add_Received(sc->watcher, sc->received, &sc->received_tok),
                     "Watcher.add_Received");
  if (SUCCEEDED(hr))
    hr = wr_hr(sc->w, IBluetoothLEAdvertisementWatcher_add_Stopped(sc->watcher, sc->stopped, &sc->stopped_tok),
               "Watcher.add_Stopped");
  return hr;
}

/* Extended advertisements where the watcher supports them (Windows 10 2004), as bleak. */
static void allow_extended(wr_scan *sc) {
  IBluetoothLEAdvertisementWatcher2 *w2 = NULL;
  if (FAILED(wr_qi(sc->w, sc->watcher, WR_IF_WATCHER2, (void **)&w2))) return;
  wr_hr(sc->w, IBluetoothLEAdvertisementWatcher2_put_AllowExtendedAdvertisements(w2, TRUE),
        "Watcher.AllowExtendedAdvertisements");
  IBluetoothLEAdvertisementWatcher2_Release(w2);
}

/* Start failed with ERROR_DEVICE_NOT_AVAILABLE (the radio is off, WindowsAppSDK #3503):
 * the adapter check says why. */
static void start_refused(start_args *a, HRESULT hr) {
  if (wr_check_bluetooth_now(a->sc->w, &a->err) == BLEC_OK) {
    blec__error_set(&a->err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "the watcher could not start: %s",
                    blec_unavailable_reason_name(BLEC_UNAVAILABLE_POWERED_OFF));
    a->err.reason = BLEC_UNAVAILABLE_POWERED_OFF;
  }
  a->err.os_status = (int32_t)hr;
  a->status = a->err.status;
}

static void start_fn(void *arg) {
  start_args *a = arg;
  wr_scan *sc = a->sc;
  wr_ctx *w = sc->w;
  a->status = wr_check_bluetooth_now(w, &a->err);
  if (a->status != BLEC_OK) return;
  HRESULT hr = wr_activate(w, WR_WATCHER_ACTIVATION, &IID_IBluetoothLEAdvertisementWatcher, (void **)&sc->watcher);
  if (SUCCEEDED(hr))
    hr = wr_hr(w, IBluetoothLEAdvertisementWatcher_put_ScanningMode(sc->watcher, sc->opts.mode == BLEC_SCAN_PASSIVE
                                                                                     ? BluetoothLEScanningMode_Passive
                                                                                     : BluetoothLEScanningMode_Active),
               "Watcher.ScanningMode");
  if (SUCCEEDED(hr)) {
    allow_extended(sc);
    a->status = wr_scan_apply_filters(w, sc->watcher, &sc->opts, &a->err);
    if (a->status != BLEC_OK) {
      teardown(sc);
      return;
    }
    sc->signal_filter = sc->opts.in_range_dbm != INT16_MIN || sc->opts.out_of_range_dbm != INT16_MIN ||
                        sc->opts.sampling_interval_ms > 0;
    hr = add_handlers(sc);
  }
  if (SUCCEEDED(hr)) hr = wr_hr(w, IBluetoothLEAdvertisementWatcher_Start(sc->watcher), "Watcher.Start");
  if (FAILED(hr)) {
    teardown(sc);
    if (hr == HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_AVAILABLE)) {
      start_refused(a, hr);
      return;
    }
    wr_error_from_hr(&a->err, hr, "starting the advertisement watcher");
    a->status = a->err.status;
    return;
  }
  wr_log(w, BLEC_LOG_DEBUG, "watcher started (%s)", sc->opts.mode == BLEC_SCAN_PASSIVE ? "passive" : "active");
}

int wr_scan_start(blec_scanner *s, blec_error *err) {
  wr_ctx *w = wr_ctx_of(blec__scanner_ctx(s));
  wr_scan *sc = calloc(1, sizeof *sc);
  if (!sc) return BLEC_ERR_NO_MEMORY;
  sc->refs = 1;
  sc->w = w;
  sc->s = s;
  if (blec__scan_options_copy(&sc->opts, blec__scanner_opts(s)) != BLEC_OK) {
    free(sc);
    return BLEC_ERR_NO_MEMORY;
  }
  start_args a;
  memset(&a, 0, sizeof a);
  a.sc = sc;
  blec_error_clear(&a.err);
  wr_strand_owner owner = {scan_hold, scan_release, sc};
  int r = wr_strand_call(w->pool, &sc->strand, &owner, start_fn, &a, sizeof a,
                         WR_SCAN_START_BUDGET_MS + 2 * WR_CHECK_BUDGET_MS);
  if (r == BLEC_ERR_TIMEOUT) {
    /* Windows did not answer: whatever the start achieves is torn down after it. */
    wr_log(w, BLEC_LOG_WARNING, "starting the watcher did not end: given up");
    atomic_store(&sc->gate.closed, true);
    scan_hold(sc);
    if (wr_strand_post(w->pool, &sc->strand, &owner, teardown_and_release, sc) != BLEC_OK) scan_release(sc);
    scan_release(sc);
    blec__error_set(err, BLEC_ERR_TIMEOUT, "Windows did not start the scan in time");
    return BLEC_ERR_TIMEOUT;
  }
  if (r == BLEC_OK) r = a.status;
  if (r != BLEC_OK) {
    if (err) *err = a.err;
    scan_release(sc);
    return r;
  }
  blec__scanner_set_backend_priv(s, sc);
  return BLEC_OK;
}

void wr_scan_stop(blec_scanner *s) {
  wr_scan *sc = blec__scanner_backend_priv(s);
  if (!sc) return;
  blec__scanner_set_backend_priv(s, NULL);
  /* No report starts after this; handlers already inside (other threads) finish first —
   * they never block. The calling handler itself (a find that matched) is not waited for. */
  if (!wr_gate_close(&sc->gate, WR_CANCEL_GRACE_MS, t_inside == sc))
    wr_log(sc->w, BLEC_LOG_WARNING, "a Received handler did not leave the scanner in time");
  wr_strand_owner owner = {scan_hold, scan_release, sc};
  scan_hold(sc);
  if (wr_strand_post(sc->w->pool, &sc->strand, &owner, teardown_and_release, sc) != BLEC_OK) {
    scan_release(sc); /* the pool is gone: nothing can run the teardown */
    wr_log(sc->w, BLEC_LOG_ERROR, "the watcher's teardown could not be queued");
  }
  scan_release(sc);
}
