/* SPDX-License-Identifier: MIT */
/*
 * t_scan.c — BluetoothLEAdvertisementWatcher: active and passive scans, received and
 * stopped event args, the advertisement's parts, advertisement filters and byte patterns,
 * the signal-strength filter, the radio going off, no adapter.
 */
#include "sim_test.h"

static const char scan_world[] =
    "blec-world 1\n"
    "peripheral 11:22:33:44:55:01 public\n"
    "  name \"Alpha\"\n"
    "  services 180d\n"
    "  manufacturer 0059 hex:0102\n"
    "  scan-response tx-power -8\n"
    "  scan-response services 6e400001-b5a3-f393-e0a9-e50e24dcca9e\n"
    "  adv-interval 20ms\n"
    "  rssi -50\n"
    "  service 180d\n"
    "    characteristic 2a38 read u8:1\n"
    "peripheral 11:22:33:44:55:02 random\n"
    "  name \"Beta\"\n"
    "  services 180f\n"
    "  adv-interval 20ms\n"
    "  rssi -90\n"
    "  connectable no\n";

#define ALPHA 0x112233445501ULL
#define BETA 0x112233445502ULL

typedef struct seen {
  UINT64 addr;
  INT16 rssi;
  BluetoothLEAdvertisementType type;
  BluetoothAddressType atype;
  boolean is_sr, connectable;
  bool has_tx;
  INT16 tx;
  char name[32];
  bool has_180d, has_180f, has_nus;
  UINT16 mfr_company;
  BYTE mfr[8];
  UINT32 mfr_len, n_mfr_by_company;
  UINT32 n_sections, n_name_sections;
  bool has_flags;
  DWORD thread;
} seen;

typedef struct recorder {
  CRITICAL_SECTION cs;
  seen v[2048];
  int n;
  int stopped;
  BluetoothError stop_error;
  DWORD stop_thread;
  int concurrent, max_concurrent;
} recorder;

static void rec_init(recorder *r) {
  memset(r, 0, sizeof *r);
  InitializeCriticalSection(&r->cs);
}

static HRESULT on_received(void *ctx, void *sender, uintptr_t b) {
  recorder *r = ctx;
  IBluetoothLEAdvertisementReceivedEventArgs *a = (IBluetoothLEAdvertisementReceivedEventArgs *)b;
  CHECK(sender != NULL);
  EnterCriticalSection(&r->cs);
  r->concurrent++;
  if (r->concurrent > r->max_concurrent) r->max_concurrent = r->concurrent;
  LeaveCriticalSection(&r->cs);
  seen s;
  memset(&s, 0, sizeof s);
  s.thread = GetCurrentThreadId();
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs_get_BluetoothAddress(a, &s.addr));
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs_get_RawSignalStrengthInDBm(a, &s.rssi));
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs_get_AdvertisementType(a, &s.type));
  DateTime ts;
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs_get_Timestamp(a, &ts));
  CHECK(ts.UniversalTime > 0);
  IBluetoothLEAdvertisementReceivedEventArgs2 *a2 = NULL;
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs_QueryInterface(a, &IID_IBluetoothLEAdvertisementReceivedEventArgs2,
                                                                     (void **)&a2));
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs2_get_BluetoothAddressType(a2, &s.atype));
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs2_get_IsScanResponse(a2, &s.is_sr));
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs2_get_IsConnectable(a2, &s.connectable));
  __FIReference_1_INT16 *tx = NULL;
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs2_get_TransmitPowerLevelInDBm(a2, &tx));
  if (tx) {
    s.has_tx = true;
    CHECK_HR(__FIReference_1_INT16_get_Value(tx, &s.tx));
    __FIReference_1_INT16_Release(tx);
  }
  IBluetoothLEAdvertisementReceivedEventArgs2_Release(a2);

  IBluetoothLEAdvertisement *adv = NULL;
  CHECK_HR(IBluetoothLEAdvertisementReceivedEventArgs_get_Advertisement(a, &adv));
  HSTRING name = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_LocalName(adv, &name));
  UINT32 nl = 0;
  const WCHAR *w = WindowsGetStringRawBuffer(name, &nl);
  for (UINT32 i = 0; i < nl && i < sizeof s.name - 1; i++) s.name[i] = (char)w[i];
  WindowsDeleteString(name);
  __FIVector_1_GUID *uuids = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_ServiceUuids(adv, &uuids));
  UINT32 nu = 0;
  CHECK_HR(__FIVector_1_GUID_get_Size(uuids, &nu));
  GUID g180d = t_uuid16(0x180D), g180f = t_uuid16(0x180F);
  GUID nus = {0x6e400001, 0xb5a3, 0xf393, {0xe0, 0xa9, 0xe5, 0x0e, 0x24, 0xdc, 0xca, 0x9e}};
  for (UINT32 i = 0; i < nu; i++) {
    GUID g;
    CHECK_HR(__FIVector_1_GUID_GetAt(uuids, i, &g));
    s.has_180d |= IsEqualGUID(&g, &g180d) != 0;
    s.has_180f |= IsEqualGUID(&g, &g180f) != 0;
    s.has_nus |= IsEqualGUID(&g, &nus) != 0;
  }
  __FIVector_1_GUID_Release(uuids);
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData *mv = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_ManufacturerData(adv, &mv));
  UINT32 nm = 0;
  CHECK_HR(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_get_Size(mv, &nm));
  if (nm) {
    IBluetoothLEManufacturerData *md = NULL;
    CHECK_HR(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_GetAt(mv, 0, &md));
    CHECK_HR(IBluetoothLEManufacturerData_get_CompanyId(md, &s.mfr_company));
    IBuffer *buf = NULL;
    CHECK_HR(IBluetoothLEManufacturerData_get_Data(md, &buf));
    s.mfr_len = t_buffer_bytes(buf, s.mfr, sizeof s.mfr);
    IBuffer_Release(buf);
    IBluetoothLEManufacturerData_Release(md);
    __FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData *by = NULL;
    CHECK_HR(IBluetoothLEAdvertisement_GetManufacturerDataByCompanyId(adv, s.mfr_company, &by));
    CHECK_HR(__FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_get_Size(
        by, &s.n_mfr_by_company));
    __FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_Release(by);
  }
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_Release(mv);
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection *sv = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_DataSections(adv, &sv));
  CHECK_HR(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_get_Size(
      sv, &s.n_sections));
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_Release(sv);
  __FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection *names = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_GetSectionsByType(adv, 0x09, &names));
  CHECK_HR(__FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_get_Size(
      names, &s.n_name_sections));
  __FIVectorView_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_Release(names);
  __FIReference_1_BluetoothLEAdvertisementFlags *flags = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_Flags(adv, &flags));
  s.has_flags = flags != NULL;
  if (flags) __FIReference_1_BluetoothLEAdvertisementFlags_Release(flags);
  IBluetoothLEAdvertisement_Release(adv);

  EnterCriticalSection(&r->cs);
  if (r->n < (int)(sizeof r->v / sizeof r->v[0])) r->v[r->n++] = s;
  r->concurrent--;
  LeaveCriticalSection(&r->cs);
  return S_OK;
}

static HRESULT on_stopped(void *ctx, void *sender, uintptr_t b) {
  recorder *r = ctx;
  (void)sender;
  IBluetoothLEAdvertisementWatcherStoppedEventArgs *a = (IBluetoothLEAdvertisementWatcherStoppedEventArgs *)b;
  BluetoothError e;
  CHECK_HR(IBluetoothLEAdvertisementWatcherStoppedEventArgs_get_Error(a, &e));
  EnterCriticalSection(&r->cs);
  r->stopped++;
  r->stop_error = e;
  r->stop_thread = GetCurrentThreadId();
  LeaveCriticalSection(&r->cs);
  return S_OK;
}

static int count(recorder *r, UINT64 addr, int sr) {
  int k = 0;
  EnterCriticalSection(&r->cs);
  for (int i = 0; i < r->n; i++)
    if ((addr == 0 || r->v[i].addr == addr) && (sr < 0 || r->v[i].is_sr == sr)) k++;
  LeaveCriticalSection(&r->cs);
  return k;
}

static int stopped_count(recorder *r) {
  EnterCriticalSection(&r->cs);
  int k = r->stopped;
  LeaveCriticalSection(&r->cs);
  return k;
}

static const seen *find(recorder *r, UINT64 addr, int sr) {
  const seen *s = NULL;
  EnterCriticalSection(&r->cs);
  for (int i = 0; i < r->n && !s; i++)
    if (r->v[i].addr == addr && (sr < 0 || r->v[i].is_sr == sr)) s = &r->v[i];
  LeaveCriticalSection(&r->cs);
  return s;
}

typedef struct scan {
  IBluetoothLEAdvertisementWatcher *w;
  t_delegate *recv, *stop;
  EventRegistrationToken rt, st;
} scan;

static BluetoothLEAdvertisementWatcherStatus status_of(IBluetoothLEAdvertisementWatcher *w) {
  BluetoothLEAdvertisementWatcherStatus s;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_get_Status(w, &s));
  return s;
}

static void scan_open(scan *s, recorder *r, IBluetoothLEAdvertisementWatcher *w) {
  s->w = w;
  s->recv = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementReceivedEventArgs,
      on_received, r);
  s->stop = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcherStoppedEventArgs,
      on_stopped, r);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_add_Received(w, t_delegate_itf(s->recv), &s->rt));
  CHECK_HR(IBluetoothLEAdvertisementWatcher_add_Stopped(w, t_delegate_itf(s->stop), &s->st));
}

static void scan_close(scan *s) {
  CHECK_HR(IBluetoothLEAdvertisementWatcher_remove_Received(s->w, s->rt));
  CHECK_HR(IBluetoothLEAdvertisementWatcher_remove_Stopped(s->w, s->st));
  t_delegate_release(s->recv);
  t_delegate_release(s->stop);
  IBluetoothLEAdvertisementWatcher_Release(s->w);
}

static void start_and_wait(IBluetoothLEAdvertisementWatcher *w) {
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Start(w));
  CHECK(T_WAIT_UNTIL(status_of(w) == BluetoothLEAdvertisementWatcherStatus_Started, 2000));
}

static void stop_and_wait(IBluetoothLEAdvertisementWatcher *w, recorder *r) {
  int before = stopped_count(r);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Stop(w));
  CHECK(T_WAIT_UNTIL(stopped_count(r) == before + 1, 2000));
  CHECK_EQ_INT(status_of(w), BluetoothLEAdvertisementWatcherStatus_Stopped);
  CHECK_EQ_INT(r->stop_error, BluetoothError_Success);
}

static IBluetoothLEAdvertisementWatcher *new_watcher(void) {
  IBluetoothLEAdvertisementWatcher *w = NULL;
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                      &IID_IBluetoothLEAdvertisementWatcher, (void **)&w));
  return w;
}

void test_scan_active_with_scan_response(void) {
  t_world(scan_world);
  static recorder r;
  rec_init(&r);
  IBluetoothLEAdvertisementWatcher *w = new_watcher();
  BluetoothLEScanningMode mode;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_get_ScanningMode(w, &mode));
  CHECK_EQ_INT(mode, BluetoothLEScanningMode_Passive);
  CHECK_EQ_INT(status_of(w), BluetoothLEAdvertisementWatcherStatus_Created);
  TimeSpan ts;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_get_MaxOutOfRangeTimeout(w, &ts));
  CHECK_EQ_INT(ts.Duration, 600000000);
  IBluetoothLEAdvertisementWatcher2 *w2 = NULL;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_QueryInterface(w, &IID_IBluetoothLEAdvertisementWatcher2, (void **)&w2));
  CHECK_HR(IBluetoothLEAdvertisementWatcher2_put_AllowExtendedAdvertisements(w2, TRUE));
  boolean ext = FALSE;
  CHECK_HR(IBluetoothLEAdvertisementWatcher2_get_AllowExtendedAdvertisements(w2, &ext));
  CHECK(ext);
  IBluetoothLEAdvertisementWatcher2_Release(w2);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_put_ScanningMode(w, BluetoothLEScanningMode_Active));
  scan s;
  scan_open(&s, &r, w);
  start_and_wait(w);
  CHECK(T_WAIT_UNTIL(count(&r, ALPHA, 0) > 0 && count(&r, ALPHA, 1) > 0 && count(&r, BETA, 0) > 0, 3000));
  stop_and_wait(w, &r);
  int n_after_stop = count(&r, 0, -1);
  t_world_wait(100); /* five advertising intervals */
  CHECK_EQ_INT(count(&r, 0, -1), n_after_stop); /* nothing after Stopped */

  const seen *a = find(&r, ALPHA, 0);
  CHECK_EQ_INT(a->type, BluetoothLEAdvertisementType_ConnectableUndirected);
  CHECK_EQ_INT(a->atype, BluetoothAddressType_Public);
  CHECK_EQ_INT(a->rssi, -50);
  CHECK(a->connectable);
  CHECK(strcmp(a->name, "Alpha") == 0);
  CHECK(a->has_180d && !a->has_180f);
  CHECK(a->has_flags);
  CHECK_EQ_INT(a->mfr_company, 0x0059);
  CHECK_EQ_INT(a->mfr_len, 2);
  CHECK(a->mfr[0] == 1 && a->mfr[1] == 2);
  CHECK_EQ_INT(a->n_mfr_by_company, 1);
  CHECK(a->n_sections >= 4); /* flags, name, UUIDs, manufacturer data: every section is there */
  CHECK_EQ_INT(a->n_name_sections, 1);
  CHECK(!a->has_tx);
  CHECK(a->thread != GetCurrentThreadId()); /* events on worker threads */
  const seen *sr = find(&r, ALPHA, 1);
  CHECK_EQ_INT(sr->type, BluetoothLEAdvertisementType_ScanResponse);
  CHECK(sr->has_tx);
  CHECK_EQ_INT(sr->tx, -8);
  CHECK(sr->has_nus && !sr->has_180d);
  const seen *b = find(&r, BETA, 0);
  CHECK_EQ_INT(b->atype, BluetoothAddressType_Random);
  CHECK(!b->connectable);
  CHECK(strcmp(b->name, "Beta") == 0);
  CHECK(b->has_180f);
  CHECK_EQ_INT(r.max_concurrent, 1); /* one at a time per watcher */
  CHECK(r.stop_thread != GetCurrentThreadId());

  /* Stop again: nothing happens. */
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Stop(w));
  sim.blec_winrt_sim_drain(); /* a Stopped event would be queued by now */
  CHECK_EQ_INT(stopped_count(&r), 1);
  scan_close(&s);
  t_check_no_live_objects();
}

void test_scan_passive_without_scan_response(void) {
  t_world(scan_world);
  static recorder r;
  rec_init(&r);
  IBluetoothLEAdvertisementWatcher *w = new_watcher();
  scan s;
  scan_open(&s, &r, w);
  start_and_wait(w);
  CHECK(T_WAIT_UNTIL(count(&r, ALPHA, 0) >= 5, 3000));
  stop_and_wait(w, &r);
  CHECK_EQ_INT(count(&r, 0, 1), 0);
  /* Restart after Stopped works and clears nothing of the watcher's settings. */
  start_and_wait(w);
  int before = count(&r, ALPHA, 0);
  CHECK(T_WAIT_UNTIL(count(&r, ALPHA, 0) > before, 3000));
  stop_and_wait(w, &r);
  scan_close(&s);
  t_check_no_live_objects();
}

static IBuffer *bytes2(BYTE a, BYTE b) {
  BYTE d[2] = {a, b};
  return t_buffer(d, 2);
}

/* Runs an active scan for ms with watcher w, returning the recorder. */
static void run_scan(IBluetoothLEAdvertisementWatcher *w, recorder *r, DWORD ms) {
  rec_init(r);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_put_ScanningMode(w, BluetoothLEScanningMode_Active));
  scan s;
  scan_open(&s, r, w);
  IBluetoothLEAdvertisementWatcher_AddRef(w);
  start_and_wait(w);
  t_world_wait(ms);
  stop_and_wait(w, r);
  scan_close(&s);
}

void test_scan_advertisement_filter(void) {
  t_world(scan_world);
  static recorder r;

  /* Service UUID filter, given at construction through the factory. */
  IBluetoothLEAdvertisementFilter *f = NULL;
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                      &IID_IBluetoothLEAdvertisementFilter, (void **)&f));
  IBluetoothLEAdvertisement *fa = NULL;
  CHECK_HR(IBluetoothLEAdvertisementFilter_get_Advertisement(f, &fa));
  __FIVector_1_GUID *uuids = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_ServiceUuids(fa, &uuids));
  CHECK_HR(__FIVector_1_GUID_Append(uuids, t_uuid16(0x180F)));
  __FIVector_1_GUID_Release(uuids);
  IBluetoothLEAdvertisement_Release(fa);
  IBluetoothLEAdvertisementWatcherFactory *wf = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                     &IID_IBluetoothLEAdvertisementWatcherFactory, (void **)&wf));
  IBluetoothLEAdvertisementWatcher *w = NULL;
  CHECK_HR(IBluetoothLEAdvertisementWatcherFactory_Create(wf, f, &w));
  IBluetoothLEAdvertisementWatcherFactory_Release(wf);
  IBluetoothLEAdvertisementFilter *back = NULL;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_get_AdvertisementFilter(w, &back));
  CHECK(back == f);
  IBluetoothLEAdvertisementFilter_Release(back);
  IBluetoothLEAdvertisementFilter_Release(f);
  run_scan(w, &r, 300);
  CHECK(count(&r, BETA, -1) > 0);
  CHECK_EQ_INT(count(&r, ALPHA, -1), 0);

  /* Local name: per packet, so Alpha's scan response (no name) is filtered out too. */
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                      &IID_IBluetoothLEAdvertisementFilter, (void **)&f));
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisement",
                      &IID_IBluetoothLEAdvertisement, (void **)&fa));
  HSTRING name = t_hs(L"Alpha");
  CHECK_HR(IBluetoothLEAdvertisement_put_LocalName(fa, name));
  WindowsDeleteString(name);
  CHECK_HR(IBluetoothLEAdvertisementFilter_put_Advertisement(f, fa));
  IBluetoothLEAdvertisement_Release(fa);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_put_AdvertisementFilter(w, f));
  IBluetoothLEAdvertisementFilter_Release(f);
  run_scan(w, &r, 300);
  CHECK(count(&r, ALPHA, 0) > 0);
  CHECK_EQ_INT(count(&r, ALPHA, 1), 0);
  CHECK_EQ_INT(count(&r, BETA, -1), 0);

  /* Manufacturer data made with the factory: company 0x0059 starting with 01. */
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                      &IID_IBluetoothLEAdvertisementFilter, (void **)&f));
  CHECK_HR(IBluetoothLEAdvertisementFilter_get_Advertisement(f, &fa));
  IBluetoothLEManufacturerDataFactory *mf = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEManufacturerData",
                     &IID_IBluetoothLEManufacturerDataFactory, (void **)&mf));
  BYTE one = 1;
  IBuffer *ob = t_buffer(&one, 1);
  IBluetoothLEManufacturerData *md = NULL;
  CHECK_HR(IBluetoothLEManufacturerDataFactory_Create(mf, 0x0059, ob, &md));
  IBuffer_Release(ob);
  IBluetoothLEManufacturerDataFactory_Release(mf);
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData *mv = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_ManufacturerData(fa, &mv));
  CHECK_HR(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_Append(mv, md));
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_Release(mv);
  IBluetoothLEManufacturerData_Release(md);
  IBluetoothLEAdvertisement_Release(fa);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_put_AdvertisementFilter(w, f));
  IBluetoothLEAdvertisementFilter_Release(f);
  run_scan(w, &r, 300);
  CHECK(count(&r, ALPHA, 0) > 0);
  CHECK_EQ_INT(count(&r, BETA, -1), 0);

  /* Byte patterns: the manufacturer section of Beta does not exist, Alpha's matches at 0. */
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                      &IID_IBluetoothLEAdvertisementFilter, (void **)&f));
  IBluetoothLEAdvertisementBytePatternFactory *pf = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementBytePattern",
                     &IID_IBluetoothLEAdvertisementBytePatternFactory, (void **)&pf));
  IBuffer *pb = bytes2(0x59, 0x00);
  IBluetoothLEAdvertisementBytePattern *p = NULL;
  CHECK_HR(IBluetoothLEAdvertisementBytePatternFactory_Create(pf, 0xFF, 0, pb, &p));
  IBuffer_Release(pb);
  IBluetoothLEAdvertisementBytePatternFactory_Release(pf);
  INT16 off = -1;
  CHECK_HR(IBluetoothLEAdvertisementBytePattern_get_Offset(p, &off));
  CHECK_EQ_INT(off, 0);
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern *pv = NULL;
  CHECK_HR(IBluetoothLEAdvertisementFilter_get_BytePatterns(f, &pv));
  CHECK_HR(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern_Append(pv, p));
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern_Release(pv);
  IBluetoothLEAdvertisementBytePattern_Release(p);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_put_AdvertisementFilter(w, f));
  IBluetoothLEAdvertisementFilter_Release(f);
  run_scan(w, &r, 300);
  CHECK(count(&r, ALPHA, 0) > 0);
  CHECK_EQ_INT(count(&r, BETA, -1), 0);

  /* A data section filter (type 0x09, "Be") through the section factory. */
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                      &IID_IBluetoothLEAdvertisementFilter, (void **)&f));
  CHECK_HR(IBluetoothLEAdvertisementFilter_get_Advertisement(f, &fa));
  IBluetoothLEAdvertisementDataSectionFactory *sf = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementDataSection",
                     &IID_IBluetoothLEAdvertisementDataSectionFactory, (void **)&sf));
  IBuffer *be = bytes2('B', 'e');
  IBluetoothLEAdvertisementDataSection *sec = NULL;
  CHECK_HR(IBluetoothLEAdvertisementDataSectionFactory_Create(sf, 0x09, be, &sec));
  IBuffer_Release(be);
  IBluetoothLEAdvertisementDataSectionFactory_Release(sf);
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection *sv = NULL;
  CHECK_HR(IBluetoothLEAdvertisement_get_DataSections(fa, &sv));
  CHECK_HR(__FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_Append(sv, sec));
  __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection_Release(sv);
  IBluetoothLEAdvertisementDataSection_Release(sec);
  IBluetoothLEAdvertisement_Release(fa);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_put_AdvertisementFilter(w, f));
  IBluetoothLEAdvertisementFilter_Release(f);
  run_scan(w, &r, 300);
  CHECK(count(&r, BETA, 0) > 0);
  CHECK_EQ_INT(count(&r, ALPHA, -1), 0);

  IBluetoothLEAdvertisementWatcher_Release(w);

  /* The data types statics give the assigned numbers. */
  IBluetoothLEAdvertisementDataTypesStatics *dt = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementDataTypes",
                     &IID_IBluetoothLEAdvertisementDataTypesStatics, (void **)&dt));
  BYTE v = 0;
  CHECK_HR(IBluetoothLEAdvertisementDataTypesStatics_get_ManufacturerSpecificData(dt, &v));
  CHECK_EQ_INT(v, 0xFF);
  CHECK_HR(IBluetoothLEAdvertisementDataTypesStatics_get_ServiceData128BitUuids(dt, &v));
  CHECK_EQ_INT(v, 0x21);
  IBluetoothLEAdvertisementDataTypesStatics_Release(dt);
  t_check_no_live_objects();
}

void test_scan_signal_strength_filter(void) {
  t_world(scan_world);
  static recorder r;
  IBluetoothLEAdvertisementWatcher *w = new_watcher();
  IBluetoothSignalStrengthFilter *ssf = NULL;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_get_SignalStrengthFilter(w, &ssf));
  CHECK(ssf != NULL);
  __FIReference_1_INT16 *none = NULL;
  CHECK_HR(IBluetoothSignalStrengthFilter_get_InRangeThresholdInDBm(ssf, &none));
  CHECK(none == NULL);

  /* Out of the watcher's ranges: Start fails. */
  __FIReference_1_INT16 *bad = t_box_i16(30);
  CHECK_HR(IBluetoothSignalStrengthFilter_put_InRangeThresholdInDBm(ssf, bad));
  __FIReference_1_INT16_Release(bad);
  CHECK_EQ_HR(IBluetoothLEAdvertisementWatcher_Start(w), E_INVALIDARG);

  /* In range at -70 dBm or more, out of range at -80 or less for 1 s. */
  __FIReference_1_INT16 *in = t_box_i16(-70), *out = t_box_i16(-80);
  __FIReference_1_TimeSpan *timeout = t_box_timespan(10000000);
  CHECK_HR(IBluetoothSignalStrengthFilter_put_InRangeThresholdInDBm(ssf, in));
  CHECK_HR(IBluetoothSignalStrengthFilter_put_OutOfRangeThresholdInDBm(ssf, out));
  CHECK_HR(IBluetoothSignalStrengthFilter_put_OutOfRangeTimeout(ssf, timeout));
  __FIReference_1_INT16_Release(in);
  __FIReference_1_INT16_Release(out);
  __FIReference_1_TimeSpan_Release(timeout);
  IBluetoothSignalStrengthFilter_Release(ssf);

  rec_init(&r);
  scan s;
  scan_open(&s, &r, w);
  start_and_wait(w);
  CHECK(T_WAIT_UNTIL(count(&r, ALPHA, -1) > 3, 3000));
  /* Alpha goes quiet: after the timeout it is reported once more, at -127. */
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_set_advertising("11:22:33:44:55:01", 0), 0);
  bool gone = T_WAIT_UNTIL(({
                             bool f127 = false;
                             EnterCriticalSection(&r.cs);
                             for (int i = 0; i < r.n; i++) f127 |= r.v[i].addr == ALPHA && r.v[i].rssi == -127;
                             LeaveCriticalSection(&r.cs);
                             f127;
                           }),
                           4000);
  CHECK(gone);
  stop_and_wait(w, &r);
  CHECK_EQ_INT(count(&r, BETA, -1), 0); /* -90 dBm never gets in range */
  int outs = 0;
  for (int i = 0; i < r.n; i++)
    if (r.v[i].rssi == -127) {
      outs++;
      CHECK(strcmp(r.v[i].name, "Alpha") == 0); /* the last advertisement seen */
    }
  CHECK_EQ_INT(outs, 1);
  scan_close(&s);
  t_check_no_live_objects();
}

void test_scan_radio_off_and_no_adapter(void) {
  t_world(scan_world);
  static recorder r;
  rec_init(&r);
  IBluetoothLEAdvertisementWatcher *w = new_watcher();
  scan s;
  scan_open(&s, &r, w);
  start_and_wait(w);
  CHECK(T_WAIT_UNTIL(count(&r, 0, -1) > 0, 3000));
  /* The radio goes off while scanning: Aborted, Stopped with RadioNotAvailable. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(0), 0);
  CHECK(T_WAIT_UNTIL(stopped_count(&r) == 1, 3000));
  CHECK_EQ_INT(r.stop_error, BluetoothError_RadioNotAvailable);
  CHECK_EQ_INT(status_of(w), BluetoothLEAdvertisementWatcherStatus_Aborted);
  /* Start with the radio off: Start succeeds, then Aborted and a Stopped event. */
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Start(w));
  CHECK(T_WAIT_UNTIL(stopped_count(&r) == 2, 3000));
  CHECK_EQ_INT(r.stop_error, BluetoothError_RadioNotAvailable);
  CHECK_EQ_INT(status_of(w), BluetoothLEAdvertisementWatcherStatus_Aborted);
  /* Radio back on: scanning works again. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(1), 0);
  int before = count(&r, 0, -1);
  start_and_wait(w);
  CHECK(T_WAIT_UNTIL(count(&r, 0, -1) > before, 3000));
  stop_and_wait(w, &r);
  /* No adapter at all: the same as a radio that is off. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_adapter_present(0), 0);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Start(w));
  CHECK(T_WAIT_UNTIL(stopped_count(&r) == 4, 3000));
  CHECK_EQ_INT(r.stop_error, BluetoothError_RadioNotAvailable);
  CHECK_EQ_INT(status_of(w), BluetoothLEAdvertisementWatcherStatus_Aborted);
  CHECK_EQ_INT(sim.blec_winrt_sim_set_adapter_present(1), 0);
  scan_close(&s);
  t_check_no_live_objects();
}
