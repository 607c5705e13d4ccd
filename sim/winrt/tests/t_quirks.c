/* SPDX-License-Identifier: MIT */
/*
 * t_quirks.c — the hard parts of Windows the stack can play (blec_winrt_sim_quirk), each
 * turned on alone and shown through the Windows API, and the switches themselves.
 */
#include "gatt_helpers.h"

static const char quirk_world[] =
    "blec-world 1\n"
    "peripheral 0A:00:00:00:00:01 public\n"
    "  name \"Lab\"\n"
    "  adv-interval 20ms\n"
    "  mtu 185\n"
    "  service ff00\n"
    "    characteristic ff01 read,write text:\"hello\"\n"
    "    characteristic ff02 notify u8:0\n"
    "      stream 10ms counter\n"
    "peripheral 0A:00:00:00:00:02 public\n"
    "  name \"Slow\"\n"
    "  adv-interval 20ms\n"
    "  response-delay 300ms\n"
    "  service ff00\n"
    "    characteristic ff01 read,write text:\"slow\"\n"
    "peripheral 0A:00:00:00:00:04 public\n"
    "  name \"Other\"\n"
    "  adv-interval 20ms\n"
    "  service ff00\n"
    "    characteristic ff01 read text:\"other\"\n";

#define LAB "0A:00:00:00:00:01"
#define SLOW "0A:00:00:00:00:02"
#define OTHER "0A:00:00:00:00:04"

static void set_quirk(int q, int v) { CHECK_HR(sim.blec_winrt_sim_set_quirk(q, v)); }

/* Values of BLEC_WINRT_SIM_QUIRK_LATE_CANCEL. */
enum { LATE_CANCEL_WHEN_DONE = 1, LATE_CANCEL_NEVER = 2 };

/* A device reached as blec's backend reaches it: its services and the ff00/ff01 pair. */
typedef struct dev {
  IBluetoothLEDevice *dev;
  ServiceView *services;
  IGattDeviceService *svc;
  CharView *chars;
  IGattCharacteristic *c;
} dev;

/* Discovery (Uncached) is the GATT request that brings the link up. */
static void dev_open(dev *d, const char *address, UINT16 chr16) {
  memset(d, 0, sizeof *d);
  d->dev = g_device(address);
  CHECK(d->dev != NULL);
  GattCommunicationStatus st;
  d->services = g_services(d->dev, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  d->svc = g_find_service(d->services, 0xFF00);
  CHECK(d->svc != NULL);
  d->chars = g_chars(d->svc, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  d->c = g_find_char(d->chars, chr16);
  CHECK(d->c != NULL);
}

/* Releases everything of the program (services closed, as bleak does). */
static void dev_close(dev *d) {
  IGattCharacteristic_Release(d->c);
  d->chars->lpVtbl->Release(d->chars);
  IGattDeviceService_Release(d->svc);
  g_close_services(d->services);
  g_close(d->dev);
  IBluetoothLEDevice_Release(d->dev);
}

/* ---- the switches --------------------------------------------------------------------------- */

void test_quirk_switches(void) {
  t_load_sim();
  for (int q = BLEC_WINRT_SIM_QUIRK_LATE_CANCEL; q < BLEC_WINRT_SIM_QUIRK_END_; q++)
    CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(q), 0); /* all off */
  CHECK_EQ_HR(sim.blec_winrt_sim_set_quirk(0, 1), E_INVALIDARG);
  CHECK_EQ_HR(sim.blec_winrt_sim_set_quirk(BLEC_WINRT_SIM_QUIRK_END_, 1), E_INVALIDARG);
  CHECK_EQ_HR(sim.blec_winrt_sim_set_quirk(-3, 1), E_INVALIDARG);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(0), 0);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(99), 0);
  /* Values out of each quirk's range. */
  CHECK_EQ_HR(sim.blec_winrt_sim_set_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL, 3), E_INVALIDARG);
  CHECK_EQ_HR(sim.blec_winrt_sim_set_quirk(BLEC_WINRT_SIM_QUIRK_STATUS_FLAP, 2), E_INVALIDARG);
  CHECK_EQ_HR(sim.blec_winrt_sim_set_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS, -1), E_INVALIDARG);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL), 0);
  set_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL, 2);
  set_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS, 1234);
  set_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD, 18362);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL), 2);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS), 1234);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD), 18362);
  set_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL, 0);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL), 0);
}

/* Run with BLEC_WINRT_SIM_HOSTILE=1 and BLEC_WINRT_SIM_HANDLE_MODE=declaration (ctest). */
void test_quirk_hostile_environment(void) {
  t_load_sim();
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL), 1);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS), 300);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_CONNECT_ON_REQUEST), 1);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS), 300);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_STATUS_FLAP), 1);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED), 1);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS), 1);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION), 1);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_DEVICE_HOLDS_LINK), 1);
  /* Not hostile: they change what Windows is, not how it behaves badly. */
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD), 0);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_HELD_ELSEWHERE), 0);
}

/* ---- LATE_CANCEL ---------------------------------------------------------------------------- */

static __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *read_op(
    IGattCharacteristic *c, IAsyncInfo **info) {
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *op = NULL;
  CHECK_HR(IGattCharacteristic_ReadValueWithCacheModeAsync(c, BluetoothCacheMode_Uncached, &op));
  CHECK_HR(IUnknown_QueryInterface((IUnknown *)op, &IID_IAsyncInfo, (void **)info));
  return op;
}

static AsyncStatus info_status(IAsyncInfo *info) {
  AsyncStatus s;
  CHECK_HR(IAsyncInfo_get_Status(info, &s));
  return s;
}

void test_quirk_late_cancel(void) {
  t_world(quirk_world);
  dev slow;
  dev_open(&slow, SLOW, 0xFF01);
  set_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL, LATE_CANCEL_WHEN_DONE);
  /* The device answers 300 ms later: Cancel leaves the operation Started until then. */
  int64_t served = sim.blec_winrt_sim_peripheral_request_count(SLOW);
  IAsyncInfo *info = NULL;
  void *op = read_op(slow.c, &info);
  CHECK_HR(IAsyncInfo_Cancel(info));
  CHECK_EQ_INT(info_status(info), Started);
  CHECK_EQ_INT(t_await(op, H_READ, 5000), Canceled);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_request_count(SLOW), served + 1); /* its work ended */
  IAsyncInfo_Release(info);
  IUnknown_Release((IUnknown *)op);
  dev_close(&slow);

  /* A device that stops answering: the OS withdraws the request after a while; the
   * operation is Canceled then, and the link serves the next request. */
  dev mute;
  dev_open(&mute, LAB, 0xFF01);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_set_delays(LAB, 0, 100000), 0);
  op = read_op(mute.c, &info);
  CHECK_HR(IAsyncInfo_Cancel(info));
  CHECK_EQ_INT(info_status(info), Started);
  CHECK_EQ_INT(t_await(op, H_READ, 5000), Canceled);
  IAsyncInfo_Release(info);
  IUnknown_Release((IUnknown *)op);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_set_delays(LAB, 0, 0), 0);
  BYTE buf[8];
  UINT32 len = 0;
  CHECK_EQ_INT(g_read(mute.c, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, NULL), GattCommunicationStatus_Success);
  dev_close(&mute);

  /* Quirk off: Canceled at once. */
  set_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL, 0);
  dev_open(&slow, SLOW, 0xFF01);
  op = read_op(slow.c, &info);
  CHECK_HR(IAsyncInfo_Cancel(info));
  CHECK_EQ_INT(info_status(info), Canceled);
  IAsyncInfo_Release(info);
  IUnknown_Release((IUnknown *)op);
  dev_close(&slow);
  t_check_no_live_objects();
}

static volatile LONG g_never_calls;
static HRESULT on_never(void *ctx, void *op, uintptr_t status) {
  (void)ctx;
  (void)op;
  (void)status;
  InterlockedIncrement(&g_never_calls);
  return S_OK;
}

void test_quirk_late_cancel_never(void) {
  t_world(quirk_world);
  dev slow;
  dev_open(&slow, SLOW, 0xFF01);
  set_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL, LATE_CANCEL_NEVER);
  int64_t served = sim.blec_winrt_sim_peripheral_request_count(SLOW);
  IAsyncInfo *info = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *op =
      read_op(slow.c, &info);
  t_delegate *d = t_delegate_new(H_READ, on_never, NULL);
  CHECK_HR(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult_put_Completed(
      op, t_delegate_itf(d)));
  t_delegate_release(d); /* the operation holds it */
  CHECK_HR(IAsyncInfo_Cancel(info));
  /* The work ends (the device answered), yet the operation is not complete. */
  CHECK(T_WAIT_UNTIL(sim.blec_winrt_sim_peripheral_request_count(SLOW) == served + 1, 3000));
  sim.blec_winrt_sim_drain();
  CHECK_EQ_INT(info_status(info), Started);
  CHECK_EQ_INT(g_never_calls, 0);
  IAsyncInfo_Release(info);
  IUnknown_Release((IUnknown *)op);
  dev_close(&slow);
  /* Only the operation stays (its 60 s timer holds it); everything else is released. */
  CHECK(T_WAIT_UNTIL(sim.blec_winrt_sim_live_objects() == 1, 5000));
  char dump[256];
  sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump);
  CHECK(strstr(dump, "IAsyncOperation") != NULL);
}

/* ---- CLOSE_BLOCKS_MS ---------------------------------------------------------------------------- */

/* Measured with the performance counter: under Wine, GetTickCount64 is the tick count the
 * wineserver last published, which lags on a loaded machine (a 300 ms Close measured less). */
static ULONGLONG close_ms(void *obj) {
  LARGE_INTEGER f, t0, t1;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&t0);
  g_close(obj);
  QueryPerformanceCounter(&t1);
  return (ULONGLONG)((t1.QuadPart - t0.QuadPart) * 1000 / f.QuadPart);
}

void test_quirk_close_blocks(void) {
  t_world(quirk_world);
  dev d;
  dev_open(&d, LAB, 0xFF01);
  IGattSession *s = g_session(d.dev);
  set_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS, 300);
  CHECK(close_ms(d.svc) >= 290);
  CHECK(close_ms(s) >= 290);
  CHECK(close_ms(d.dev) >= 290);
  IGattSession_Release(s);
  set_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS, 0);
  dev_close(&d);
  t_check_no_live_objects();
}

/* ---- CONNECT_ON_REQUEST --------------------------------------------------------------------------- */

void test_quirk_connect_on_request(void) {
  t_world(quirk_world);
  set_quirk(BLEC_WINRT_SIM_QUIRK_CONNECT_ON_REQUEST, 1);
  IBluetoothLEDevice *lab = g_device(LAB);
  conn_rec rec;
  g_conn_rec_init(&rec);
  EventRegistrationToken tok;
  t_delegate *w = g_watch_connection(lab, &rec, &tok);
  IGattSession *s = g_session(lab);
  CHECK_HR(IGattSession_put_MaintainConnection(s, TRUE));
  /* Another device connected through a request since: Lab's link would be up by now. */
  dev other;
  dev_open(&other, OTHER, 0xFF01);
  dev_close(&other);
  sim.blec_winrt_sim_drain();
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 0);
  CHECK_EQ_INT(g_status(lab), BluetoothConnectionStatus_Disconnected);
  CHECK_EQ_INT(rec.n, 0);
  /* The first GATT request brings it up; MaintainConnection then keeps it. */
  GattCommunicationStatus st;
  ServiceView *sv = g_services(lab, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  CHECK(T_WAIT_UNTIL(rec.connected >= 1, 3000));
  g_close_services(sv);
  sim.blec_winrt_sim_drain();
  CHECK_EQ_INT(g_status(lab), BluetoothConnectionStatus_Connected);
  g_close(s);
  IGattSession_Release(s);
  CHECK(T_WAIT_UNTIL(rec.disconnected >= 1, 3000));
  CHECK_HR(IBluetoothLEDevice_remove_ConnectionStatusChanged(lab, tok));
  t_delegate_release(w);
  IBluetoothLEDevice_Release(lab);
  t_check_no_live_objects();
}

/* ---- LINK_LINGERS_MS and HELD_ELSEWHERE -------------------------------------------------------------- */

void test_quirk_link_lingers(void) {
  t_world(quirk_world);
  set_quirk(BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS, 400);
  dev d;
  dev_open(&d, LAB, 0xFF01);
  dev_close(&d);
  /* Everything released: the link is still up, and a new device object says so. */
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 1);
  IBluetoothLEDevice *again = g_device(LAB);
  CHECK_EQ_INT(g_status(again), BluetoothConnectionStatus_Connected);
  IBluetoothLEDevice_Release(again);
  /* Then it ends by itself. */
  CHECK(T_WAIT_UNTIL(sim.blec_winrt_sim_peripheral_connected(LAB) == 0, 3000));
  /* A request during the linger keeps the link, and the link ends after it. */
  dev_open(&d, LAB, 0xFF01);
  dev_close(&d);
  dev_open(&d, LAB, 0xFF01);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 1);
  dev_close(&d);
  CHECK(T_WAIT_UNTIL(sim.blec_winrt_sim_peripheral_connected(LAB) == 0, 3000));
  t_check_no_live_objects();
}

void test_quirk_held_elsewhere(void) {
  t_world(quirk_world);
  set_quirk(BLEC_WINRT_SIM_QUIRK_HELD_ELSEWHERE, 1);
  dev lab;
  dev_open(&lab, LAB, 0xFF01);
  conn_rec rec;
  g_conn_rec_init(&rec);
  EventRegistrationToken tok;
  t_delegate *w = g_watch_connection(lab.dev, &rec, &tok);
  set_quirk(BLEC_WINRT_SIM_QUIRK_HELD_ELSEWHERE, 0);
  dev other;
  dev_open(&other, OTHER, 0xFF01);
  /* Both released; Other's link ends (the window passed), Lab's stays: another program holds it. */
  IBluetoothLEDevice *watched = lab.dev;
  IBluetoothLEDevice_AddRef(watched);
  dev_close(&lab);
  dev_close(&other);
  CHECK(T_WAIT_UNTIL(sim.blec_winrt_sim_peripheral_connected(OTHER) == 0, 3000));
  sim.blec_winrt_sim_drain();
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 1);
  IBluetoothLEDevice *again = g_device(LAB);
  CHECK_EQ_INT(g_status(again), BluetoothConnectionStatus_Connected);
  IBluetoothLEDevice_Release(again);
  CHECK_EQ_INT(rec.disconnected, 0);
  CHECK_HR(IBluetoothLEDevice_remove_ConnectionStatusChanged(watched, tok));
  t_delegate_release(w);
  IBluetoothLEDevice_Release(watched);
  /* That program leaves (a new world): the link ends. */
  t_world(quirk_world);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 0);
  t_check_no_live_objects();
}

/* ---- STATUS_FLAP ------------------------------------------------------------------------------------ */

static volatile LONG g_session_closed_events;
static HRESULT on_session_status(void *ctx, void *sender, uintptr_t args) {
  (void)ctx;
  (void)sender;
  GattSessionStatus s;
  CHECK_HR(IGattSessionStatusChangedEventArgs_get_Status((IGattSessionStatusChangedEventArgs *)args, &s));
  if (s == GattSessionStatus_Closed) InterlockedIncrement(&g_session_closed_events);
  return S_OK;
}

void test_quirk_status_flap(void) {
  t_world(quirk_world);
  set_quirk(BLEC_WINRT_SIM_QUIRK_STATUS_FLAP, 1);
  IBluetoothLEDevice *lab = g_device(LAB);
  conn_rec rec;
  g_conn_rec_init(&rec);
  EventRegistrationToken tok, stok;
  t_delegate *w = g_watch_connection(lab, &rec, &tok);
  IGattSession *s = g_session(lab);
  t_delegate *sd = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSessionStatusChangedEventArgs,
      on_session_status, NULL);
  CHECK_HR(IGattSession_add_SessionStatusChanged(s, t_delegate_itf(sd), &stok));
  CHECK_HR(IGattSession_put_MaintainConnection(s, TRUE));
  /* Connected, Disconnected, Connected: three events (each handler reads the status as it
   * is when it runs, so the first may already see the flap). */
  CHECK(T_WAIT_UNTIL(rec.n >= 3, 3000));
  CHECK(rec.disconnected >= 1);
  CHECK(T_WAIT_UNTIL(g_status(lab) == BluetoothConnectionStatus_Connected, 3000));
  sim.blec_winrt_sim_drain();
  CHECK_EQ_INT(rec.n, 3);
  /* The link and this program's session did not flap. */
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 1);
  GattSessionStatus ss;
  CHECK_HR(IGattSession_get_SessionStatus(s, &ss));
  CHECK_EQ_INT(ss, GattSessionStatus_Active);
  CHECK_EQ_INT(g_session_closed_events, 0);
  CHECK_HR(IGattSession_remove_SessionStatusChanged(s, stok));
  t_delegate_release(sd);
  int before = rec.disconnected;
  g_close(s);
  IGattSession_Release(s);
  CHECK(T_WAIT_UNTIL(rec.disconnected > before, 3000));
  CHECK_HR(IBluetoothLEDevice_remove_ConnectionStatusChanged(lab, tok));
  t_delegate_release(w);
  IBluetoothLEDevice_Release(lab);
  t_check_no_live_objects();
}

/* ---- EVENTS_UNORDERED ---------------------------------------------------------------------------------- */

static volatile LONG g_mtu_events;
static volatile LONG g_status_saw_mtu; /* 1: the status handler saw an MTU event while it ran */

static HRESULT on_mtu(void *ctx, void *sender, uintptr_t args) {
  (void)ctx;
  (void)sender;
  (void)args;
  InterlockedIncrement(&g_mtu_events);
  return S_OK;
}

/* The session's first status event waits for its MTU event: only possible when the two
 * sources of one object are not delivered in order, one after the other. */
static HRESULT on_status_waiting(void *ctx, void *sender, uintptr_t args) {
  (void)ctx;
  (void)sender;
  (void)args;
  if (T_WAIT_UNTIL(g_mtu_events > 0, 2000)) InterlockedExchange(&g_status_saw_mtu, 1);
  return S_OK;
}

void test_quirk_events_unordered(void) {
  t_world(quirk_world);
  set_quirk(BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED, 1);
  IBluetoothLEDevice *lab = g_device(LAB);
  IGattSession *s = g_session(lab);
  EventRegistrationToken mtok, stok;
  t_delegate *md = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_IInspectable,
      on_mtu, NULL);
  t_delegate *sd = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSessionStatusChangedEventArgs,
      on_status_waiting, NULL);
  CHECK_HR(IGattSession_add_MaxPduSizeChanged(s, t_delegate_itf(md), &mtok));
  CHECK_HR(IGattSession_add_SessionStatusChanged(s, t_delegate_itf(sd), &stok));
  CHECK_HR(IGattSession_put_MaintainConnection(s, TRUE));
  CHECK(T_WAIT_UNTIL(g_status_saw_mtu == 1, 5000));

  /* Notifications of one characteristic: in order, one at a time, on several threads. */
  GattCommunicationStatus st;
  ServiceView *sv = g_services(lab, BluetoothCacheMode_Uncached, &st);
  IGattDeviceService *svc = g_find_service(sv, 0xFF00);
  CharView *cv = g_chars(svc, BluetoothCacheMode_Uncached, &st);
  IGattCharacteristic *n = g_find_char(cv, 0xFF02);
  value_rec vr;
  g_value_rec_init(&vr);
  EventRegistrationToken vtok;
  t_delegate *vd = g_watch_values(n, &vr, &vtok);
  CHECK_EQ_INT(g_cccd(n, GattClientCharacteristicConfigurationDescriptorValue_Notify), GattCommunicationStatus_Success);
  CHECK(T_WAIT_UNTIL(g_value_count(&vr) >= 30, 5000));
  CHECK_EQ_INT(vr.max_concurrent, 1);
  CHECK(vr.out_of_order == 0);
  CHECK(vr.threads_seen >= 2);
  CHECK_HR(IGattCharacteristic_remove_ValueChanged(n, vtok));
  t_delegate_release(vd);
  IGattCharacteristic_Release(n);
  cv->lpVtbl->Release(cv);
  IGattDeviceService_Release(svc);
  g_close_services(sv);
  CHECK_HR(IGattSession_remove_MaxPduSizeChanged(s, mtok));
  CHECK_HR(IGattSession_remove_SessionStatusChanged(s, stok));
  t_delegate_release(md);
  t_delegate_release(sd);
  g_close(s);
  IGattSession_Release(s);
  IBluetoothLEDevice_Release(lab);
  t_check_no_live_objects();
}

/* ---- WATCHER_START_FAILS -------------------------------------------------------------------------------- */

static volatile LONG g_stopped;
static volatile LONG g_stopped_error;
static HRESULT on_stopped(void *ctx, void *sender, uintptr_t args) {
  (void)ctx;
  (void)sender;
  BluetoothError e;
  CHECK_HR(IBluetoothLEAdvertisementWatcherStoppedEventArgs_get_Error((IBluetoothLEAdvertisementWatcherStoppedEventArgs *)args,
                                                                      &e));
  InterlockedExchange(&g_stopped_error, (LONG)e);
  InterlockedIncrement(&g_stopped);
  return S_OK;
}

static BluetoothLEAdvertisementWatcherStatus watcher_status(IBluetoothLEAdvertisementWatcher *w) {
  BluetoothLEAdvertisementWatcherStatus s;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_get_Status(w, &s));
  return s;
}

void test_quirk_watcher_start_fails(void) {
  t_world(quirk_world);
  set_quirk(BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS, 1);
  IBluetoothLEAdvertisementWatcher *w = NULL;
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                      &IID_IBluetoothLEAdvertisementWatcher, (void **)&w));
  t_delegate *d = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcher_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementWatcherStoppedEventArgs,
      on_stopped, NULL);
  EventRegistrationToken tok;
  CHECK_HR(IBluetoothLEAdvertisementWatcher_add_Stopped(w, t_delegate_itf(d), &tok));
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(0), 0);
  /* HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_AVAILABLE), Aborted, and no Stopped event. */
  CHECK_EQ_HR(IBluetoothLEAdvertisementWatcher_Start(w), (HRESULT)0x800710DFL);
  CHECK_EQ_INT(watcher_status(w), BluetoothLEAdvertisementWatcherStatus_Aborted);
  /* With the radio back, Start and Stop: the one Stopped event is this Stop's. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(1), 0);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Start(w));
  CHECK(T_WAIT_UNTIL(watcher_status(w) == BluetoothLEAdvertisementWatcherStatus_Started, 3000));
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Stop(w));
  CHECK(T_WAIT_UNTIL(g_stopped >= 1, 3000));
  sim.blec_winrt_sim_drain();
  CHECK_EQ_INT(g_stopped, 1);
  CHECK_EQ_INT(g_stopped_error, BluetoothError_Success);
  /* Quirk off: the documented way, a Stopped event with RadioNotAvailable. */
  set_quirk(BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS, 0);
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(0), 0);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Start(w));
  CHECK(T_WAIT_UNTIL(g_stopped >= 2, 3000));
  CHECK_EQ_INT(g_stopped_error, BluetoothError_RadioNotAvailable);
  CHECK_EQ_INT(watcher_status(w), BluetoothLEAdvertisementWatcherStatus_Aborted);
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(1), 0);
  CHECK_HR(IBluetoothLEAdvertisementWatcher_remove_Stopped(w, tok));
  t_delegate_release(d);
  IBluetoothLEAdvertisementWatcher_Release(w);
  t_check_no_live_objects();
}

/* ---- HANDLE_IS_DECLARATION ------------------------------------------------------------------------------- */

static UINT16 char_handle(IGattCharacteristic *c) {
  UINT16 h = 0;
  CHECK_HR(IGattCharacteristic_get_AttributeHandle(c, &h));
  return h;
}

static UINT16 service_handle(IGattDeviceService *s) {
  UINT16 h = 0;
  CHECK_HR(IGattDeviceService_get_AttributeHandle(s, &h));
  return h;
}

void test_quirk_handle_is_declaration(void) {
  t_world(quirk_world);
  dev d;
  dev_open(&d, LAB, 0xFF01);
  /* ff01 is the service's first characteristic: declaration = service + 1, value = + 2. */
  UINT16 svc = service_handle(d.svc);
  CHECK_EQ_INT(char_handle(d.c), svc + 2);
  set_quirk(BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION, 1);
  CHECK_EQ_INT(char_handle(d.c), svc + 1);
  /* Reads still reach the value (the handle is only what the property says). */
  BYTE buf[8];
  UINT32 len = 0;
  CHECK_EQ_INT(g_read(d.c, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, NULL), GattCommunicationStatus_Success);
  CHECK_EQ_INT(len, 5);
  set_quirk(BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION, 0);
  dev_close(&d);
  t_check_no_live_objects();
}

/* ---- WINDOWS_BUILD ------------------------------------------------------------------------------------------ */

static HRESULT qi(void *obj, const IID *iid) {
  IUnknown *p = NULL;
  HRESULT hr = IUnknown_QueryInterface((IUnknown *)obj, iid, (void **)&p);
  if (p) IUnknown_Release(p);
  return hr;
}

static bool iids_have(void *obj, const IID *iid) {
  ULONG n = 0;
  IID *v = NULL;
  CHECK_HR(IInspectable_GetIids((IInspectable *)obj, &n, &v));
  bool found = false;
  for (ULONG i = 0; i < n; i++) found |= IsEqualIID(&v[i], iid) != 0;
  CoTaskMemFree(v);
  return found;
}

void test_quirk_windows_build(void) {
  t_world(quirk_world);
  IBluetoothLEDevice *lab = g_device(LAB);
  CHECK_HR(qi(lab, &IID_IBluetoothLEDevice6));
  /* Windows 10 1809: no contract 10 (19041) or 13 (Windows 11) interfaces. */
  set_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD, 17763);
  CHECK_HR(qi(lab, &IID_IBluetoothLEDevice5));
  CHECK_EQ_HR(qi(lab, &IID_IBluetoothLEDevice6), E_NOINTERFACE);
  CHECK(iids_have(lab, &IID_IBluetoothLEDevice5));
  CHECK(!iids_have(lab, &IID_IBluetoothLEDevice6));
  IBluetoothLEAdvertisementWatcher *w = NULL;
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                      &IID_IBluetoothLEAdvertisementWatcher, (void **)&w));
  CHECK_EQ_HR(qi(w, &IID_IBluetoothLEAdvertisementWatcher2), E_NOINTERFACE);
  IBluetoothLEAdvertisementWatcher_Release(w);
  /* Windows 10 1607: no GattSession (1703) — its class is not even registered. */
  set_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD, 14393);
  CHECK_EQ_HR(qi(lab, &IID_IBluetoothLEDevice3), E_NOINTERFACE);
  CHECK_HR(qi(lab, &IID_IBluetoothLEDevice2));
  IGattSessionStatics *ss = NULL;
  CHECK_EQ_HR(t_factory(L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession", &IID_IGattSessionStatics,
                        (void **)&ss),
              REGDB_E_CLASSNOTREG);
  CHECK(ss == NULL);
  /* The newest again. */
  set_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD, 0);
  CHECK_HR(qi(lab, &IID_IBluetoothLEDevice6));
  IBluetoothLEDevice_Release(lab);
  t_check_no_live_objects();
}

/* ---- from a world file ------------------------------------------------------------------------------------ */

void test_quirk_from_world_file(void) {
  t_load_sim();
  set_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS, 50);
  t_world("blec-world 1\n"
          "windows late-cancel never\n"
          "windows link-lingers 250ms\n"
          "windows build 17763\n"
          "windows handle-is-declaration yes\n"
          "peripheral 0A:00:00:00:00:01 public\n"
          "  adv-interval 20ms\n"
          "  service ff00\n"
          "    characteristic ff01 read text:\"hello\"\n");
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL), 2);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS), 250);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD), 17763);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION), 1);
  /* What the world does not set stays as it was. */
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS), 50);
  CHECK_EQ_INT(sim.blec_winrt_sim_get_quirk(BLEC_WINRT_SIM_QUIRK_STATUS_FLAP), 0);
  /* And it is played: Windows 1809 has no IBluetoothLEDevice6. */
  IBluetoothLEDevice *lab = g_device(LAB);
  CHECK_EQ_HR(qi(lab, &IID_IBluetoothLEDevice6), E_NOINTERFACE);
  IBluetoothLEDevice_Release(lab);
  t_check_no_live_objects();
}
