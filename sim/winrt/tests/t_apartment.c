/* SPDX-License-Identifier: MIT */
/*
 * t_apartment.c — the stack records the COM apartment of every calling thread and, in
 * strict mode, refuses calls from outside the multi-threaded apartment (Wine does not
 * enforce a class's threading model, so this is what catches apartment mistakes); and
 * the live-object count the stack keeps.
 */
#include "sim_test.h"

typedef struct call_ctx {
  IBuffer *b;
  DWORD coinit; /* COINIT_APARTMENTTHREADED, COINIT_MULTITHREADED, or 0: no COM init */
  HRESULT hr;
  HRESULT activation_hr;
} call_ctx;

static DWORD WINAPI call_from_thread(void *p) {
  call_ctx *c = p;
  if (c->coinit) CHECK_HR(CoInitializeEx(NULL, c->coinit));
  UINT32 cap = 0;
  c->hr = IBuffer_get_Capacity(c->b, &cap);
  IInspectable *w = NULL;
  c->activation_hr = t_activate(L"Windows.Storage.Streams.DataWriter", &IID_IDataWriter, (void **)&w);
  if (w) IInspectable_Release(w);
  if (c->coinit) CoUninitialize();
  return 0;
}

static void run_on_thread(call_ctx *c) {
  HANDLE h = CreateThread(NULL, 0, call_from_thread, c, 0, NULL);
  CHECK(h != NULL);
  /* The first STA of a fresh wineserver starts explorer.exe /desktop: seconds. */
  CHECK(WaitForSingleObject(h, 45000) == WAIT_OBJECT_0);
  CloseHandle(h);
}

void test_apartment_recording_and_strict_mode(void) {
  t_load_sim();
  sim.blec_winrt_sim_reset_apartment_stats();
  IBuffer *b = t_buffer("abc", 3);
  blec_winrt_sim_apartment_stats st;
  sim.blec_winrt_sim_get_apartment_stats(&st);
  CHECK(st.calls_mta > 0); /* main joined the MTA */
  CHECK_EQ_INT(st.calls_sta, 0);

  /* A single-threaded apartment: recorded, allowed by default. */
  call_ctx c = {b, COINIT_APARTMENTTHREADED, E_FAIL, E_FAIL};
  run_on_thread(&c);
  CHECK_HR(c.hr);
  CHECK_HR(c.activation_hr);
  sim.blec_winrt_sim_get_apartment_stats(&st);
  CHECK(st.calls_sta > 0);
  CHECK(st.last_off_mta_thread != 0);
  CHECK(strstr(st.last_off_mta_method, "Capacity") != NULL || strstr(st.last_off_mta_method, "Activate") != NULL);

  /* A thread without COM in a process with an MTA: the implicit MTA. */
  call_ctx n = {b, 0, E_FAIL, E_FAIL};
  run_on_thread(&n);
  CHECK_HR(n.hr);
  sim.blec_winrt_sim_get_apartment_stats(&st);
  CHECK(st.calls_implicit_mta > 0);

  /* Strict: calls from the STA fail with RPC_E_WRONG_THREAD; MTA calls still work. */
  sim.blec_winrt_sim_set_apartment_strict(1);
  call_ctx s = {b, COINIT_APARTMENTTHREADED, S_OK, S_OK};
  run_on_thread(&s);
  CHECK_EQ_HR(s.hr, RPC_E_WRONG_THREAD);
  CHECK(FAILED(s.activation_hr));
  call_ctx m = {b, COINIT_MULTITHREADED, E_FAIL, E_FAIL};
  run_on_thread(&m);
  CHECK_HR(m.hr);
  CHECK_HR(m.activation_hr);
  UINT32 cap = 0;
  CHECK_HR(IBuffer_get_Capacity(b, &cap));
  sim.blec_winrt_sim_get_apartment_stats(&st);
  CHECK(st.calls_refused >= 2);
  sim.blec_winrt_sim_set_apartment_strict(0);
  IBuffer_Release(b);
  t_check_no_live_objects();
}

void test_live_objects_are_counted(void) {
  t_load_sim();
  CHECK_EQ_INT(sim.blec_winrt_sim_live_objects(), 0);
  IDataWriter *w = NULL;
  CHECK_HR(t_activate(L"Windows.Storage.Streams.DataWriter", &IID_IDataWriter, (void **)&w));
  CHECK_EQ_INT(sim.blec_winrt_sim_live_objects(), 1);
  char dump[512];
  CHECK_EQ_INT(sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump), 1);
  CHECK(strstr(dump, "Windows.Storage.Streams.DataWriter") != NULL);
  IDataWriter_Release(w);
  CHECK_EQ_INT(sim.blec_winrt_sim_live_objects(), 0);

  /* A started watcher stays alive after its last reference goes, until it stops. */
  t_world("blec-world 1\nperipheral 11:22:33:44:55:66\n  name \"X\"\n  adv-interval 50ms\n");
  IBluetoothLEAdvertisementWatcher *wt = NULL;
  CHECK_HR(t_activate(L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementWatcher",
                      &IID_IBluetoothLEAdvertisementWatcher, (void **)&wt));
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Start(wt));
  BluetoothLEAdvertisementWatcherStatus s;
  CHECK(T_WAIT_UNTIL((IBluetoothLEAdvertisementWatcher_get_Status(wt, &s), s == BluetoothLEAdvertisementWatcherStatus_Started), 2000));
  IBluetoothLEAdvertisementWatcher_AddRef(wt);
  IBluetoothLEAdvertisementWatcher_Release(wt);
  long live = sim.blec_winrt_sim_live_objects();
  CHECK(live >= 3); /* the watcher and its two default filters */
  CHECK_HR(IBluetoothLEAdvertisementWatcher_Stop(wt));
  IBluetoothLEAdvertisementWatcher_Release(wt);
  t_check_no_live_objects();
}
