/* SPDX-License-Identifier: MIT */
/*
 * winrt_scan.c — scanning with a BluetoothLEAdvertisementWatcher in the scanner's mode.
 * Received: the advertisement's DataSections re-serialized to AD structures, with RSSI,
 * address, address type, scan-response flag and connectability → blec__scanner_report
 * (the core merges advertisement and scan response per address). Stopped with an error
 * (radio off, resource in use, disabled) → blec__scanner_stopped with the reason.
 *
 * Handlers run on the stack's threads. scan_stop marks the scan stopping, tears the
 * watcher down on the pool, then waits for handlers already inside (not when it is called
 * from one of them), so no report starts after it returns.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

typedef struct wr_scan {
  LONG refs;
  CRITICAL_SECTION lock;
  blec_scanner *s;
  bool stopping;
  int inflight;
  IBluetoothLEAdvertisementWatcher *watcher;
  void *received, *stopped;
  EventRegistrationToken received_tok, stopped_tok;
} wr_scan;

static DWORD scan_tls = TLS_OUT_OF_INDEXES; /* the wr_scan whose handler runs on this thread */
static INIT_ONCE scan_tls_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK scan_tls_init(PINIT_ONCE once, PVOID param, PVOID *ctx) {
  (void)once;
  (void)param;
  (void)ctx;
  scan_tls = TlsAlloc();
  return scan_tls != TLS_OUT_OF_INDEXES;
}

static void scan_unref(void *p) {
  wr_scan *sc = p;
  if (InterlockedDecrement(&sc->refs) != 0) return;
  DeleteCriticalSection(&sc->lock);
  free(sc);
}

static bool enter(wr_scan *sc) {
  EnterCriticalSection(&sc->lock);
  bool ok = !sc->stopping;
  if (ok) sc->inflight++;
  LeaveCriticalSection(&sc->lock);
  if (ok) TlsSetValue(scan_tls, sc);
  return ok;
}

static void leave(wr_scan *sc) {
  TlsSetValue(scan_tls, NULL);
  EnterCriticalSection(&sc->lock);
  sc->inflight--;
  LeaveCriticalSection(&sc->lock);
}

/* DataSections → [len][type][data] AD structures. */
static size_t serialize(IBluetoothLEAdvertisement *adv, uint8_t *out, size_t cap) {
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection *sv = NULL;
  if (FAILED(IBluetoothLEAdvertisement_get_DataSections(adv, &sv)) || !sv) return 0;
  UINT32 n = 0;
  size_t len = 0;
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_get_Size(sv, &n);
  for (UINT32 i = 0; i < n; i++) {
    IBluetoothLEAdvertisementDataSection *sec = NULL;
    if (FAILED(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_GetAt(
            sv, i, &sec)))
      continue;
    BYTE type = 0;
    IBuffer *b = NULL;
    BYTE *p = NULL;
    UINT32 bl = 0;
    if (SUCCEEDED(IBluetoothLEAdvertisementDataSection_get_DataType(sec, &type)) &&
        SUCCEEDED(IBluetoothLEAdvertisementDataSection_get_Data(sec, &b)) && b && SUCCEEDED(wr_buffer_bytes(b, &p, &bl)) &&
        bl <= 253 && len + 2 + bl <= cap) {
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

static HRESULT on_received(void *ctx, void *sender, void *args) {
  (void)sender;
  wr_scan *sc = ctx;
  IBluetoothLEAdvertisementReceivedEventArgs *a = args;
  if (!a || !enter(sc)) return S_OK;
  UINT64 addr = 0;
  INT16 rssi = -127;
  BluetoothLEAdvertisementType type = BluetoothLEAdvertisementType_ConnectableUndirected;
  IBluetoothLEAdvertisementReceivedEventArgs_get_BluetoothAddress(a, &addr);
  IBluetoothLEAdvertisementReceivedEventArgs_get_RawSignalStrengthInDBm(a, &rssi);
  IBluetoothLEAdvertisementReceivedEventArgs_get_AdvertisementType(a, &type);
  blec__report r;
  memset(&r, 0, sizeof r);
  switch (type) {
    case BluetoothLEAdvertisementType_ConnectableDirected: r.type = BLEC_ADV_DIRECT_IND; break;
    case BluetoothLEAdvertisementType_ScannableUndirected: r.type = BLEC_ADV_SCAN_IND; break;
    case BluetoothLEAdvertisementType_NonConnectableUndirected: r.type = BLEC_ADV_NONCONN_IND; break;
    case BluetoothLEAdvertisementType_ScanResponse: r.type = BLEC_ADV_SCAN_RSP; break;
    default: r.type = BLEC_ADV_IND; break;
  }
  r.connectable = r.type == BLEC_ADV_IND || r.type == BLEC_ADV_DIRECT_IND;
  r.address_type = BLEC_ADDRESS_PUBLIC;
  IBluetoothLEAdvertisementReceivedEventArgs2 *a2 = NULL;
  if (SUCCEEDED(IBluetoothLEAdvertisementReceivedEventArgs_QueryInterface(
          a, &IID_IBluetoothLEAdvertisementReceivedEventArgs2, (void **)&a2))) {
    BluetoothAddressType at = BluetoothAddressType_Public;
    boolean b = FALSE;
    if (SUCCEEDED(IBluetoothLEAdvertisementReceivedEventArgs2_get_BluetoothAddressType(a2, &at)))
      r.address_type = at == BluetoothAddressType_Random ? BLEC_ADDRESS_RANDOM : BLEC_ADDRESS_PUBLIC;
    if (SUCCEEDED(IBluetoothLEAdvertisementReceivedEventArgs2_get_IsScanResponse(a2, &b)) && b) r.type = BLEC_ADV_SCAN_RSP;
    if (r.type != BLEC_ADV_SCAN_RSP && SUCCEEDED(IBluetoothLEAdvertisementReceivedEventArgs2_get_IsConnectable(a2, &b)))
      r.connectable = b != 0;
    IBluetoothLEAdvertisementReceivedEventArgs2_Release(a2);
  }
  uint8_t data[1650];
  IBluetoothLEAdvertisement *adv = NULL;
  if (SUCCEEDED(IBluetoothLEAdvertisementReceivedEventArgs_get_Advertisement(a, &adv)) && adv) {
    r.len = serialize(adv, data, sizeof data);
    IBluetoothLEAdvertisement_Release(adv);
  }
  char address[18];
  wr_address_format(addr, address);
  r.address = address;
  r.rssi = rssi;
  r.data = data;
  blec__scanner_report(sc->s, &r);
  leave(sc);
  return S_OK;
}

static HRESULT on_stopped(void *ctx, void *sender, void *args) {
  (void)sender;
  wr_scan *sc = ctx;
  IBluetoothLEAdvertisementWatcherStoppedEventArgs *a = args;
  BluetoothError e = BluetoothError_Success;
  if (!a || FAILED(IBluetoothLEAdvertisementWatcherStoppedEventArgs_get_Error(a, &e)) || e == BluetoothError_Success)
    return S_OK; /* our own Stop */
  if (!enter(sc)) return S_OK;
  blec_error err;
  int reason = wr_reason_from_bluetooth_error(e);
  blec__error_set(&err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "the scan stopped: %s (BluetoothError %d)",
                  blec_unavailable_reason_name(reason), (int)e);
  err.reason = reason;
  blec__scanner_stopped(sc->s, &err);
  leave(sc);
  return S_OK;
}

typedef struct start_args {
  wr_scan *sc;
  blec_scan_mode mode;
  blec_error *err;
  int status;
} start_args;

static void teardown(void *arg) {
  wr_scan *sc = arg;
  if (!sc->watcher) return;
  if (sc->received) IBluetoothLEAdvertisementWatcher_remove_Received(sc->watcher, sc->received_tok);
  if (sc->stopped) IBluetoothLEAdvertisementWatcher_remove_Stopped(sc->watcher, sc->stopped_tok);
  IBluetoothLEAdvertisementWatcher_Stop(sc->watcher);
  IBluetoothLEAdvertisementWatcher_Release(sc->watcher);
  sc->watcher = NULL;
  wr_delegate_release(sc->received);
  wr_delegate_release(sc->stopped);
  sc->received = sc->stopped = NULL;
}

static void start_fn(void *arg) {
  start_args *a = arg;
  wr_scan *sc = a->sc;
  a->status = wr_check_bluetooth_now(a->err);
  if (a->status != BLEC_OK) return;
  HRESULT hr = wr_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                           &IID_IBluetoothLEAdvertisementWatcher, (void **)&sc->watcher);
  if (SUCCEEDED(hr))
    hr = IBluetoothLEAdvertisementWatcher_put_ScanningMode(
        sc->watcher, a->mode == BLEC_SCAN_PASSIVE ? BluetoothLEScanningMode_Passive : BluetoothLEScanningMode_Active);
  if (SUCCEEDED(hr)) {
    InterlockedIncrement(&sc->refs);
    sc->received = wr_delegate_new(
        &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementReceivedEventArgs,
        on_received, sc, scan_unref);
    InterlockedIncrement(&sc->refs);
    sc->stopped = wr_delegate_new(
        &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcherStoppedEventArgs,
        on_stopped, sc, scan_unref);
    if (!sc->received || !sc->stopped) hr = E_OUTOFMEMORY;
  }
  if (SUCCEEDED(hr)) hr = IBluetoothLEAdvertisementWatcher_add_Received(sc->watcher, sc->received, &sc->received_tok);
  if (SUCCEEDED(hr)) hr = IBluetoothLEAdvertisementWatcher_add_Stopped(sc->watcher, sc->stopped, &sc->stopped_tok);
  if (SUCCEEDED(hr)) hr = IBluetoothLEAdvertisementWatcher_Start(sc->watcher);
  if (FAILED(hr)) {
    teardown(sc);
    a->status = wr_status_from_hr(hr);
    blec__error_set(a->err, a->status, "starting the advertisement watcher failed (HRESULT 0x%08lx)", (unsigned long)hr);
    if (a->err) a->err->os_status = (int32_t)hr;
  }
}

int wr_scan_start(blec_scanner *s, blec_error *err) {
  InitOnceExecuteOnce(&scan_tls_once, scan_tls_init, NULL, NULL);
  const blec_scan_options *o = blec__scanner_opts(s);
  (void)o;
  wr_scan *sc = calloc(1, sizeof *sc);
  if (!sc) return BLEC_ERR_NO_MEMORY;
  sc->refs = 1;
  sc->s = s;
  InitializeCriticalSection(&sc->lock);
  start_args a = {sc, blec__scanner_mode(s), err, BLEC_OK};
  int r = wr_call(wr_ctx_of(blec__scanner_ctx(s))->pool, start_fn, &a);
  if (r == BLEC_OK) r = a.status;
  if (r != BLEC_OK) {
    scan_unref(sc);
    return r;
  }
  blec__scanner_set_backend_priv(s, sc);
  return BLEC_OK;
}

void wr_scan_stop(blec_scanner *s) {
  wr_scan *sc = blec__scanner_backend_priv(s);
  if (!sc) return;
  blec__scanner_set_backend_priv(s, NULL);
  EnterCriticalSection(&sc->lock);
  sc->stopping = true;
  LeaveCriticalSection(&sc->lock);
  wr_call(wr_ctx_of(blec__scanner_ctx(s))->pool, teardown, sc);
  /* Handlers already inside finish (unless this thread is one of them). */
  int self = TlsGetValue(scan_tls) == sc ? 1 : 0;
  for (;;) {
    EnterCriticalSection(&sc->lock);
    int n = sc->inflight;
    LeaveCriticalSection(&sc->lock);
    if (n <= self) break;
    Sleep(1);
  }
  scan_unref(sc);
}
