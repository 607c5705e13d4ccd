/* SPDX-License-Identifier: MIT */
/*
 * winrt_backend_test.c — the `winrt` backend through blec's public API, under Wine against
 * the simulated Windows Bluetooth stack (sim/winrt). Each test gives the stack a world
 * through its control API, works through a context with backend "winrt", and ends with
 * no live object of the stack (every WinRT object the backend took was released).
 */
#define COBJMACROS
#include <windows.h>
#include <process.h>
#include <objbase.h>
#include <roapi.h>
#include <winstring.h>
#include <activation.h>

#include "blec/blec.h"
#include "blec/blec_winrt.h"
#include "blec_winrt_sim.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

/* ---- the stack's control API (from the module Wine loaded) ------------------------------ */

static struct {
#define SIM_FIELD_(ret, name, params) ret(*name) params;
  BLEC_WINRT_SIM_FUNCS(SIM_FIELD_)
#undef SIM_FIELD_
} sim;

static void load_sim(void) {
  if (sim.blec_winrt_sim_live_objects) return;
  static const WCHAR cls[] = L"Windows.Storage.Streams.Buffer";
  HSTRING h = NULL;
  ASSERT(SUCCEEDED(WindowsCreateString(cls, (UINT32)wcslen(cls), &h)));
  /* IActivationFactory's IID (the same on every Windows). */
  static const IID iid_factory = {0x00000035, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
  IUnknown *f = NULL;
  HRESULT hr = RoGetActivationFactory(h, &iid_factory, (void **)&f);
  WindowsDeleteString(h);
  ASSERT(SUCCEEDED(hr));
  IUnknown_Release(f);
  HMODULE m = GetModuleHandleW(L"blec_winrt_sim.dll");
  ASSERT(m != NULL);
#define SIM_LOAD_(ret, name, params)                                      \
  sim.name = (ret(*) params)(void (*)(void))GetProcAddress(m, #name);     \
  ASSERT(sim.name != NULL);
  BLEC_WINRT_SIM_FUNCS(SIM_LOAD_)
#undef SIM_LOAD_
}

static void world(const char *text) {
  load_sim();
  char err[256] = "";
  int st = sim.blec_winrt_sim_set_world_text(text, err, sizeof err);
  if (st != 0) blec_test_fail_(__FILE__, __LINE__, "world refused (%d): %s", st, err);
}

static void check_no_live_objects(void) {
  for (int i = 0; i < 500; i++) {
    sim.blec_winrt_sim_drain();
    if (sim.blec_winrt_sim_live_objects() == 0) return;
    Sleep(10);
  }
  static char dump[8192];
  long n = sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump);
  blec_test_fail_(__FILE__, __LINE__, "%ld objects of the stack still alive:\n%s", n, dump);
}

static blec_ctx *winrt_ctx(void) {
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(o, "winrt"));
  blec_ctx *ctx = NULL;
  blec_error err;
  ASSERT_OK(blec_ctx_new(o, &ctx, &err));
  blec_ctx_options_free(o);
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "winrt");
  return ctx;
}

static void end(blec_ctx *ctx) {
  ASSERT_OK(blec_ctx_free(ctx));
  check_no_live_objects();
}

static const char lab_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:01 public\n"
    "  name \"Lab\"\n"
    "  adv-interval 20ms\n"
    "  services aa00\n"
    "  manufacturer 0059 hex:0102\n"
    "  scan-response tx-power -8\n"
    "  mtu 185\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"hello\"\n"
    "      descriptor 2901 read text:\"lab value\"\n"
    "    characteristic aa02 write-without-response\n"
    "    characteristic aa05 write,write-without-response\n"
    "      echo aa06\n"
    "    characteristic aa06 notify\n"
    "  service 1812\n"
    "    characteristic 2a4d read u8:1\n"
    "peripheral AA:00:00:00:00:02 random\n"
    "  name \"Flaky\"\n"
    "  adv-interval 20ms\n"
    "  fault att-error 0x0e on-request 2\n"
    "  service ff00\n"
    "    characteristic ff01 read,write text:\"ok\"\n";

#define LAB "AA:00:00:00:00:01"
#define FLAKY "AA:00:00:00:00:02"

/* ---- context ---------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(context_and_capabilities) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  uint32_t caps = blec_ctx_capabilities(ctx);
  ASSERT(caps & BLEC_CAP_SCAN);
  ASSERT(caps & BLEC_CAP_CONNECT);
  ASSERT(!(caps & BLEC_CAP_PAIRING)); /* not implemented yet: must not be claimed */
  blec_error err;
  ASSERT_OK(blec_ctx_check_bluetooth(ctx, &err));
  sim.blec_winrt_sim_set_radio(0);
  ASSERT_STATUS(blec_ctx_check_bluetooth(ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  sim.blec_winrt_sim_set_radio(1);
  sim.blec_winrt_sim_set_adapter_present(0);
  ASSERT_STATUS(blec_ctx_check_bluetooth(ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_NO_ADAPTER);
  sim.blec_winrt_sim_set_adapter_present(1);
  end(ctx);
}

/* ---- scanning -------------------------------------------------------------------------------------- */

static void scan_for(blec_ctx *ctx, blec_scan_mode mode, int ms, blec_device ***list, size_t *count) {
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_mode(o, mode));
  blec_error err;
  ASSERT_OK(blec_discover(ctx, o, blec_test_ms(ms), list, count, &err));
  blec_scan_options_free(o);
}

static blec_device *find(blec_device **list, size_t n, const char *addr) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(blec_device_address(list[i]), addr)) return list[i];
  return NULL;
}

BLEC_TEST_IMPL(scan_merges_scan_response) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  scan_for(ctx, BLEC_SCAN_ACTIVE, 600, &list, &n);
  blec_device *lab = find(list, n, LAB), *flaky = find(list, n, FLAKY);
  ASSERT(lab != NULL);
  ASSERT(flaky != NULL);
  ASSERT_STR_EQ(blec_device_name(lab), "Lab");
  ASSERT_EQ_INT(blec_device_address_type(lab), BLEC_ADDRESS_PUBLIC);
  ASSERT_EQ_INT(blec_device_address_type(flaky), BLEC_ADDRESS_RANDOM);
  const blec_adv *adv = blec_device_adv(lab);
  blec_uuid aa00 = blec_uuid_from16(0xaa00);
  ASSERT(blec_adv_has_service_uuid(adv, &aa00));
  const uint8_t *md = NULL;
  size_t mlen = 0;
  ASSERT_OK(blec_adv_manufacturer_find(adv, 0x0059, &md, &mlen));
  ASSERT_EQ_INT(mlen, 2);
  ASSERT_EQ_INT(md[0], 1);
  int tx = 0;
  ASSERT(blec_adv_tx_power(adv, &tx)); /* only in the scan response: merged */
  ASSERT_EQ_INT(tx, -8);
  size_t srlen = 0;
  ASSERT(blec_adv_payload(adv, true, &srlen) != NULL && srlen > 0);
  ASSERT(blec_adv_connectable(adv));
  ASSERT(blec_adv_rssi(adv) < 0);
  blec_device_list_free(list, n);
  end(ctx);
}

BLEC_TEST_IMPL(passive_scan_has_no_scan_response) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  scan_for(ctx, BLEC_SCAN_PASSIVE, 400, &list, &n);
  blec_device *lab = find(list, n, LAB);
  ASSERT(lab != NULL);
  int tx = 0;
  ASSERT(!blec_adv_tx_power(blec_device_adv(lab), &tx));
  blec_device_list_free(list, n);
  end(ctx);
}

typedef struct scan_err {
  volatile LONG calls;
  blec_error err;
} scan_err;

static void on_scan_error(blec_scanner *s, const blec_error *err, void *user) {
  (void)s;
  scan_err *e = user;
  e->err = *err;
  InterlockedIncrement(&e->calls);
}

static void on_detect(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)dev;
  (void)adv;
  InterlockedIncrement((volatile LONG *)user);
}

BLEC_TEST_IMPL(radio_off_scanner_error) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  volatile LONG seen = 0;
  scan_err e;
  memset(&e, 0, sizeof e);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(ctx, NULL, on_detect, (void *)&seen, &s));
  blec_scanner_set_error_callback(s, on_scan_error, &e);
  blec_error err;
  ASSERT_OK(blec_scanner_start(s, &err));
  for (int i = 0; i < 200 && seen == 0; i++) Sleep(10);
  ASSERT(seen > 0);
  sim.blec_winrt_sim_set_radio(0);
  for (int i = 0; i < 300 && e.calls == 0; i++) Sleep(10);
  ASSERT_EQ_INT(e.calls, 1);
  ASSERT_EQ_INT(e.err.status, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(e.err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT(!blec_scanner_is_scanning(s));
  /* Starting with the radio off fails at once, with the reason. */
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  sim.blec_winrt_sim_set_radio(1);
  blec_scanner_free(s);
  end(ctx);
}

/* ---- clients ------------------------------------------------------------------------------------------ */

static blec_client *connect_to(blec_ctx *ctx, const char *addr) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, addr, NULL, &c));
  blec_error err;
  int r = blec_client_connect(c, blec_test_ms(10000), &err);
  if (r != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "connect: %s (%s)", blec_status_name(r), err.message);
  return c;
}

BLEC_TEST_IMPL(connect_mtu_and_name) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = connect_to(ctx, LAB);
  ASSERT(blec_client_is_connected(c));
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 1);
  ASSERT_EQ_INT(blec_client_mtu(c), 185); /* the OS's exchange was awaited: not 23 */
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 182);
  ASSERT_STR_EQ(blec_client_name(c), "Lab");
  blec_error err;
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT(!blec_client_is_connected(c));
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 0);
  blec_client_free(c);
  end(ctx);
}

BLEC_TEST_IMPL(connect_unknown_device) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, "01:02:03:04:05:06", NULL, &c));
  blec_error err;
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(5000), &err), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_free(c);
  /* The right address with the wrong address type is no device either. */
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_address_type(o, BLEC_ADDRESS_RANDOM));
  ASSERT_OK(blec_client_new(ctx, LAB, o, &c));
  blec_client_options_free(o);
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(5000), &err), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_free(c);
  end(ctx);
}

BLEC_TEST_IMPL(services_tree) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = connect_to(ctx, LAB);
  blec_service *svc = NULL;
  blec_uuid aa00 = blec_uuid_from16(0xaa00), hid = blec_uuid_from16(0x1812);
  ASSERT_OK(blec_client_service(c, &aa00, &svc));
  ASSERT_STATUS(blec_client_service(c, &hid, &svc), BLEC_ERR_SERVICE_NOT_FOUND); /* denied: skipped */
  ASSERT_OK(blec_client_service(c, &aa00, &svc));
  ASSERT_EQ_INT(blec_service_characteristic_count(svc), 4);
  blec_characteristic *aa01 = blec_service_characteristic_at(svc, 0);
  uint16_t u16 = 0;
  blec_uuid u = blec_characteristic_uuid(aa01);
  ASSERT(blec_uuid_to16(&u, &u16));
  ASSERT_EQ_INT(u16, 0xaa01);
  ASSERT_EQ_INT(blec_characteristic_properties(aa01), BLEC_PROP_READ | BLEC_PROP_WRITE);
  ASSERT_EQ_INT(blec_characteristic_descriptor_count(aa01), 1);
  blec_characteristic *aa06 = blec_service_characteristic_at(svc, 3);
  ASSERT_EQ_INT(blec_characteristic_properties(aa06), BLEC_PROP_NOTIFY);
  blec_uuid cccd = blec_uuid_from16(0x2902);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_characteristic_descriptor(aa06, &cccd, &d));
  ASSERT(blec_descriptor_handle(d) > blec_characteristic_handle(aa06));
  blec_client_free(c);
  end(ctx);
}

BLEC_TEST_IMPL(read_write) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = connect_to(ctx, LAB);
  blec_characteristic *aa01 = NULL;
  blec_uuid u = blec_uuid_from16(0xaa01);
  ASSERT_OK(blec_client_characteristic(c, &u, &aa01));
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(data, "hello", 5);
  blec_free(data);
  ASSERT_OK(blec_client_write(c, aa01, (const uint8_t *)"bye", 3, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 3);
  ASSERT_MEM_EQ(data, "bye", 3);
  blec_free(data);
  /* Descriptor read. */
  blec_descriptor *d = blec_characteristic_descriptor_at(aa01, 0);
  ASSERT(d != NULL);
  ASSERT_OK(blec_client_read_descriptor(c, d, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 9);
  ASSERT_MEM_EQ(data, "lab value", 9);
  blec_free(data);
  /* Write without response. */
  blec_characteristic *aa02 = NULL;
  u = blec_uuid_from16(0xaa02);
  ASSERT_OK(blec_client_characteristic(c, &u, &aa02));
  int64_t before = sim.blec_winrt_sim_peripheral_request_count(LAB);
  ASSERT_OK(blec_client_write(c, aa02, (const uint8_t *)"\x01", 1, BLEC_WRITE_DEFAULT, blec_test_ms(5000), &err));
  ASSERT(before >= 0);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT_STATUS(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err), BLEC_ERR_NOT_CONNECTED);
  blec_client_free(c);
  end(ctx);
}

typedef struct values {
  CRITICAL_SECTION cs;
  int n;
  uint8_t last[32];
  size_t last_len;
} values;

static void on_value(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  values *v = user;
  EnterCriticalSection(&v->cs);
  v->n++;
  v->last_len = len < sizeof v->last ? len : sizeof v->last;
  memcpy(v->last, data, v->last_len);
  LeaveCriticalSection(&v->cs);
}

static int value_count(values *v) {
  EnterCriticalSection(&v->cs);
  int n = v->n;
  LeaveCriticalSection(&v->cs);
  return n;
}

BLEC_TEST_IMPL(notify) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = connect_to(ctx, LAB);
  blec_characteristic *rx = NULL, *tx = NULL;
  blec_uuid u5 = blec_uuid_from16(0xaa05), u6 = blec_uuid_from16(0xaa06);
  ASSERT_OK(blec_client_characteristic(c, &u5, &rx));
  ASSERT_OK(blec_client_characteristic(c, &u6, &tx));
  values v;
  memset(&v, 0, sizeof v);
  InitializeCriticalSection(&v.cs);
  blec_error err;
  ASSERT_OK(blec_client_start_notify(c, tx, 0, on_value, &v, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_write(c, rx, (const uint8_t *)"ping", 4, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  for (int i = 0; i < 300 && value_count(&v) == 0; i++) Sleep(10);
  ASSERT_EQ_INT(value_count(&v), 1);
  ASSERT_EQ_INT(v.last_len, 4);
  ASSERT_MEM_EQ(v.last, "ping", 4);
  ASSERT_OK(blec_client_stop_notify(c, tx, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_write(c, rx, (const uint8_t *)"pong", 4, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  Sleep(200);
  ASSERT_EQ_INT(value_count(&v), 1); /* unsubscribed: no more values */
  blec_client_free(c);
  end(ctx);
  DeleteCriticalSection(&v.cs);
}

BLEC_TEST_IMPL(att_error_mapping) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = connect_to(ctx, FLAKY);
  blec_characteristic *ff01 = NULL;
  blec_uuid u = blec_uuid_from16(0xff01);
  ASSERT_OK(blec_client_characteristic(c, &u, &ff01));
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  /* Requests of the connection: the second answers ATT 0x0e. */
  int r1 = blec_client_read(c, ff01, 0, blec_test_ms(5000), &data, &len, &err);
  if (r1 == BLEC_OK) blec_free(data);
  int r2 = blec_client_read(c, ff01, 0, blec_test_ms(5000), &data, &len, &err);
  if (r2 == BLEC_OK) blec_free(data);
  ASSERT(r1 == BLEC_ERR_ATT || r2 == BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.status, BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, 0x0e);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  blec_client_free(c);
  end(ctx);
}

typedef struct disc {
  volatile LONG calls;
  blec_disconnect_reason reason;
} disc;

static void on_disconnected(blec_client *c, blec_disconnect_reason reason, void *user) {
  (void)c;
  disc *d = user;
  d->reason = reason;
  InterlockedIncrement(&d->calls);
}

BLEC_TEST_IMPL(remote_disconnect) {
  world(lab_world);
  blec_ctx *ctx = winrt_ctx();
  blec_client *c = connect_to(ctx, LAB);
  disc d = {0, BLEC_DISCONNECT_REQUESTED};
  blec_client_set_disconnected_callback(c, on_disconnected, &d);
  ASSERT_OK(sim.blec_winrt_sim_peripheral_disconnect(LAB));
  for (int i = 0; i < 300 && d.calls == 0; i++) Sleep(10);
  ASSERT_EQ_INT(d.calls, 1);
  ASSERT_EQ_INT(d.reason, BLEC_DISCONNECT_REMOTE);
  ASSERT(!blec_client_is_connected(c));
  Sleep(300); /* the OS must not reconnect behind the program's back */
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 0);
  ASSERT_EQ_INT(d.calls, 1);
  /* And it connects again. */
  blec_error err;
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  end(ctx);
}

/* Every call made by a single-threaded-apartment thread: the stack, strict, refuses calls
 * from outside the MTA, so this passes only if the backend makes them on its own threads. */
static unsigned __stdcall sta_main(void *arg) {
  (void)arg;
  CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  blec_apartment_allow_sta();
  blec_ctx *ctx = winrt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  scan_for(ctx, BLEC_SCAN_ACTIVE, 300, &list, &n);
  ASSERT(find(list, n, LAB) != NULL);
  blec_device_list_free(list, n);
  blec_client *c = connect_to(ctx, LAB);
  blec_characteristic *aa01 = NULL;
  blec_uuid u = blec_uuid_from16(0xaa01);
  ASSERT_OK(blec_client_characteristic(c, &u, &aa01));
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  blec_free(data);
  blec_client_free(c);
  ASSERT_OK(blec_ctx_free(ctx));
  CoUninitialize();
  return 0;
}

BLEC_TEST_IMPL(calls_from_sta_thread) {
  world(lab_world);
  sim.blec_winrt_sim_reset_apartment_stats();
  sim.blec_winrt_sim_set_apartment_strict(1);
  HANDLE t = (HANDLE)_beginthreadex(NULL, 0, sta_main, NULL, 0, NULL);
  ASSERT(t != NULL);
  ASSERT_EQ_INT(WaitForSingleObject(t, (DWORD)blec_test_ms(30000)), WAIT_OBJECT_0);
  CloseHandle(t);
  blec_winrt_sim_apartment_stats st;
  sim.blec_winrt_sim_get_apartment_stats(&st);
  sim.blec_winrt_sim_set_apartment_strict(0);
  ASSERT_EQ_INT(st.calls_refused, 0);
  ASSERT_EQ_INT(st.calls_sta, 0);
  ASSERT(st.calls_mta > 0);
  check_no_live_objects();
}
