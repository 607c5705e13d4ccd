/* SPDX-License-Identifier: MIT */
/* helpers.c — see wr_test.h. */
#include "wr_test.h"
#include "blec/blec_world.h"

#include <process.h>
#include <stdio.h>
#include <string.h>

wt_sim_api sim;

/* The quirk switches, taken by name so that a stack without them is a visible skip. */
static HRESULT (*set_quirk)(int quirk, int value);
static int (*get_quirk)(int quirk);
/* The quirks as the environment set them when the stack loaded (BLEC_WINRT_SIM_HOSTILE=1
 * turns them all on): every test starts from them, not from a kind Windows. */
static int quirk_baseline[WT_QUIRK_DEVICE_HOLDS_LINK + 1];

void wt_load_sim(void) {
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
#define WT_SIM_LOAD_(ret, name, params)                                                          \
  sim.name = (ret(*) params)(void (*)(void))GetProcAddress(m, #name);                            \
  ASSERT(sim.name != NULL);
  BLEC_WINRT_SIM_FUNCS(WT_SIM_LOAD_)
#undef WT_SIM_LOAD_
  set_quirk = (HRESULT(*)(int, int))(void (*)(void))GetProcAddress(m, "blec_winrt_sim_set_quirk");
  get_quirk = (int (*)(int))(void (*)(void))GetProcAddress(m, "blec_winrt_sim_get_quirk");
  if (get_quirk)
    for (int q = WT_QUIRK_LATE_CANCEL; q <= WT_QUIRK_DEVICE_HOLDS_LINK; q++) quirk_baseline[q] = get_quirk(q);
}

/* The world engine the stack runs on: blec's shared library, loaded with the stack's DLL.
 * This program links blec statically (it tests the backend's internals too), so the
 * engine's calls are taken from that module by name. */
static struct {
  int (*load_string)(const char *text, const char *name, blec_world **out, blec_error *err);
  void (*unref)(blec_world *world);
  int (*find)(blec_world *world, const char *address, blec_world_peripheral **out);
  int (*set_delays)(blec_world_peripheral *p, int connect_ms, int response_ms);
  int (*set_value)(blec_world_peripheral *p, uint16_t handle, const uint8_t *value, size_t len, bool notify);
  int (*get_value)(blec_world_peripheral *p, uint16_t handle, uint8_t **value, size_t *len);
  void (*free_mem)(void *p);
} engine;
static blec_world *current_world;

static void load_engine(void) {
  if (engine.load_string) return;
  HMODULE m = GetModuleHandleW(L"libblec.dll");
  ASSERT(m != NULL);
#define WT_ENGINE_(field, name) engine.field = (__typeof__(engine.field))(void (*)(void))GetProcAddress(m, name);
  WT_ENGINE_(load_string, "blec_world_load_string")
  WT_ENGINE_(unref, "blec_world_unref")
  WT_ENGINE_(find, "blec_world_find_peripheral")
  WT_ENGINE_(set_delays, "blec_world_peripheral_set_delays")
  WT_ENGINE_(set_value, "blec_world_set_value")
  WT_ENGINE_(get_value, "blec_world_get_value")
  WT_ENGINE_(free_mem, "blec_free")
#undef WT_ENGINE_
  ASSERT(engine.load_string && engine.unref && engine.find && engine.set_delays && engine.set_value &&
         engine.get_value && engine.free_mem);
}

void wt_world(const char *text) {
  wt_load_sim();
  load_engine();
  if (set_quirk)
    for (int q = WT_QUIRK_LATE_CANCEL; q <= WT_QUIRK_DEVICE_HOLDS_LINK; q++) set_quirk(q, quirk_baseline[q]);
  blec_world *w = NULL;
  blec_error err;
  int st = engine.load_string(text, "test", &w, &err);
  if (st != 0) blec_test_fail_(__FILE__, __LINE__, "world refused (%d): %s", st, err.message);
  st = sim.blec_winrt_sim_set_world(w);
  if (st != 0) blec_test_fail_(__FILE__, __LINE__, "the stack refused the world (%d)", st);
  if (current_world) engine.unref(current_world);
  current_world = w;
}

static blec_world_peripheral *peripheral(const char *address) {
  blec_world_peripheral *p = NULL;
  ASSERT(current_world != NULL);
  ASSERT_OK(engine.find(current_world, address, &p));
  return p;
}

void wt_set_delays(const char *address, int connect_ms, int response_ms) {
  ASSERT_OK(engine.set_delays(peripheral(address), connect_ms, response_ms));
}

void wt_set_value(const char *address, uint16_t handle, const void *data, size_t len) {
  ASSERT_OK(engine.set_value(peripheral(address), handle, data, len, false));
}

size_t wt_get_value(const char *address, uint16_t handle, uint8_t *buf, size_t cap) {
  uint8_t *v = NULL;
  size_t n = 0;
  ASSERT_OK(engine.get_value(peripheral(address), handle, &v, &n));
  size_t k = n < cap ? n : cap;
  if (k) memcpy(buf, v, k);
  engine.free_mem(v);
  return n;
}

bool wt_quirk(wt_quirk_id q, int value) {
  wt_load_sim();
  if (!set_quirk) {
    printf("SKIP: the simulated stack of this build has no quirk %d (blec_winrt_sim_set_quirk)\n", (int)q);
    return false;
  }
  HRESULT hr = set_quirk((int)q, value);
  if (FAILED(hr)) {
    printf("SKIP: the simulated stack cannot play quirk %d (HRESULT 0x%08lx)\n", (int)q, (unsigned long)hr);
    return false;
  }
  return true;
}

int wt_quirk_get(wt_quirk_id q) {
  wt_load_sim();
  return get_quirk ? get_quirk((int)q) : -1;
}

/* ---- contexts -------------------------------------------------------------------------------- */

static blec_ctx *make_ctx(blec_log_cb cb) {
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(o, "winrt"));
  if (cb) {
    ASSERT_OK(blec_ctx_options_set_log_level(o, BLEC_LOG_DEBUG));
    ASSERT_OK(blec_ctx_options_set_log_callback(o, cb, NULL));
  }
  blec_ctx *ctx = NULL;
  blec_error err;
  ASSERT_OK(blec_ctx_new(o, &ctx, &err));
  blec_ctx_options_free(o);
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "winrt");
  return ctx;
}

blec_ctx *wt_ctx(void) { return make_ctx(NULL); }

static CRITICAL_SECTION log_cs;
static INIT_ONCE log_once = INIT_ONCE_STATIC_INIT;
static char log_buf[1 << 20];
static size_t log_len;

static BOOL CALLBACK log_init(PINIT_ONCE once, PVOID param, PVOID *ctx) {
  (void)once;
  (void)param;
  (void)ctx;
  InitializeCriticalSection(&log_cs);
  return TRUE;
}

static void on_log(blec_log_level level, const char *message, void *user) {
  (void)level;
  (void)user;
  EnterCriticalSection(&log_cs);
  size_t n = strlen(message);
  if (log_len + n + 2 < sizeof log_buf) {
    memcpy(log_buf + log_len, message, n);
    log_len += n;
    log_buf[log_len++] = '\n';
    log_buf[log_len] = 0;
  }
  LeaveCriticalSection(&log_cs);
  if (getenv("WT_ECHO_LOG")) printf("log: %s\n", message);
}

blec_ctx *wt_ctx_logged(void) {
  InitOnceExecuteOnce(&log_once, log_init, NULL, NULL);
  return make_ctx(on_log);
}

bool wt_log_contains(const char *text) {
  InitOnceExecuteOnce(&log_once, log_init, NULL, NULL);
  EnterCriticalSection(&log_cs);
  bool r = strstr(log_buf, text) != NULL;
  LeaveCriticalSection(&log_cs);
  return r;
}

void wt_check_heaps(void) {
  HANDLE heaps[64];
  DWORD n = GetProcessHeaps(64, heaps);
  ASSERT(n > 0);
  for (DWORD i = 0; i < n && i < 64; i++)
    if (!HeapValidate(heaps[i], 0, NULL)) blec_test_fail_(__FILE__, __LINE__, "heap %lu of the process is corrupt", (unsigned long)i);
}

void wt_check_no_live_objects(void) {
  uint64_t deadline = wt_now_ms() + (uint64_t)blec_test_ms(5000);
  for (;;) {
    sim.blec_winrt_sim_drain();
    if (sim.blec_winrt_sim_live_objects() == 0) return;
    if (wt_now_ms() > deadline) break;
    Sleep(1);
  }
  static char dump[8192];
  long n = sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump);
  blec_test_fail_(__FILE__, __LINE__, "%ld objects of the stack still alive:\n%s", n, dump);
}

void wt_end(blec_ctx *ctx) {
  ASSERT_OK(blec_ctx_free(ctx));
  wt_check_heaps();
  wt_check_no_live_objects();
}

/* ---- waiting ------------------------------------------------------------------------------------- */

uint64_t wt_now_ms(void) { return GetTickCount64(); }

static void barrier_cb(blec_op *op, void *user) {
  (void)op;
  InterlockedExchange((volatile LONG *)user, 1);
}

void wt_dispatch_barrier(blec_ctx *ctx) {
  /* A client never connected: its disconnect completes at once, through the dispatcher. */
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, "00:00:00:00:00:01", NULL, &c));
  volatile LONG done = 0;
  ASSERT_OK(blec_client_disconnect_async(c, barrier_cb, (void *)&done, NULL));
  WT_WAIT_FOR(done, 5000);
  blec_client_free(c);
}

typedef struct runner {
  void (*fn)(void *);
  void *arg;
} runner;

static unsigned __stdcall run_main(void *p) {
  runner *r = p;
  r->fn(r->arg);
  return 0;
}

void wt_must_return_within(void (*fn)(void *), void *arg, int ms, const char *what) {
  runner r = {fn, arg};
  HANDLE t = (HANDLE)_beginthreadex(NULL, 0, run_main, &r, 0, NULL);
  ASSERT(t != NULL);
  DWORD w = WaitForSingleObject(t, (DWORD)blec_test_ms(ms));
  if (w != WAIT_OBJECT_0) blec_test_fail_(__FILE__, __LINE__, "%s did not return within %d ms", what, blec_test_ms(ms));
  CloseHandle(t);
}

/* ---- scanning and connecting ---------------------------------------------------------------------- */

void wt_scan_for(blec_ctx *ctx, blec_scan_mode mode, int ms, blec_device ***list, size_t *count) {
  blec_scan_options *o = blec_scan_options_new();
  ASSERT_OK(blec_scan_options_set_mode(o, mode));
  blec_error err;
  ASSERT_OK(blec_discover(ctx, o, blec_test_ms(ms), list, count, &err));
  blec_scan_options_free(o);
}

blec_device *wt_find(blec_device **list, size_t n, const char *addr) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(blec_device_address(list[i]), addr)) return list[i];
  return NULL;
}

blec_client *wt_connect(blec_ctx *ctx, const char *addr, const blec_client_options *opts) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, addr, opts, &c));
  blec_error err;
  int r = blec_client_connect(c, blec_test_ms(10000), &err);
  if (r != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "connect %s: %s (%s)", addr, blec_status_name(r), err.message);
  return c;
}

blec_client *wt_connect_subset(blec_ctx *ctx, const char *addr, uint16_t service16) {
  blec_client_options *o = blec_client_options_new();
  ASSERT(o != NULL);
  blec_uuid u = blec_uuid_from16(service16);
  ASSERT_OK(blec_client_options_add_service(o, &u));
  blec_client *c = wt_connect(ctx, addr, o);
  blec_client_options_free(o);
  return c;
}

void wt_check_subset_connect(blec_ctx *ctx, const char *addr, uint16_t service16, uint16_t chr16, char value) {
  blec_client *c = wt_connect_subset(ctx, addr, service16);
  ASSERT_EQ_INT(blec_client_service_count(c), 1);
  uint8_t buf[4];
  ASSERT_EQ_INT(wt_read(c, wt_chr(c, chr16), 0, buf, sizeof buf), 1);
  ASSERT_EQ_INT(buf[0], (uint8_t)value);
  blec_client_free(c);
  wt_check_heaps();
}

size_t wt_read(blec_client *c, const blec_characteristic *chr, unsigned flags, uint8_t *buf, size_t cap) {
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  int r = blec_client_read(c, chr, flags, blec_test_ms(5000), &data, &len, &err);
  if (r != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "read: %s (%s)", blec_status_name(r), err.message);
  size_t k = len < cap ? len : cap;
  if (k) memcpy(buf, data, k);
  blec_free(data);
  return len;
}

blec_characteristic *wt_chr(blec_client *c, uint16_t uuid16) {
  blec_characteristic *chr = NULL;
  blec_uuid u = blec_uuid_from16(uuid16);
  ASSERT_OK(blec_client_characteristic(c, &u, &chr));
  return chr;
}

/* ---- recorders --------------------------------------------------------------------------------------- */

void wt_values_init(wt_values *v) {
  memset(v, 0, sizeof *v);
  InitializeCriticalSection(&v->cs);
}

void wt_values_free(wt_values *v) { DeleteCriticalSection(&v->cs); }

int wt_values_count(wt_values *v) {
  EnterCriticalSection(&v->cs);
  int n = v->n;
  LeaveCriticalSection(&v->cs);
  return n;
}

void wt_on_value(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  wt_values *v = user;
  EnterCriticalSection(&v->cs);
  v->n++;
  v->last_len = len < sizeof v->last ? len : sizeof v->last;
  memcpy(v->last, data, v->last_len);
  LeaveCriticalSection(&v->cs);
}

void wt_on_disconnected(blec_client *c, blec_disconnect_reason reason, void *user) {
  (void)c;
  wt_disc *d = user;
  d->reason = reason;
  InterlockedIncrement(&d->calls);
}

const char wt_lab_world[] =
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
