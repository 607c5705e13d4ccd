/* SPDX-License-Identifier: MIT */
/*
 * backends.c — blec-bench-backends (Windows builds with the simulated Windows stack): the
 * end-to-end figures of the `winrt` backend beside those of `virtual`, printed side by
 * side. Both serve the same world object: `virtual` through blec_ctx_options_set_world,
 * `winrt` through the simulated Windows Bluetooth stack (sim/winrt, which runs on the same
 * world engine in blec's shared library), so a row compares the two paths from one
 * peripheral to the same callback:
 *
 *  adv        detection callbacks per second, 100 peripherals advertising every 100 ms
 *             of a world running 100x faster than real time (100 000 packets/s offered:
 *             more than either backend takes, so the figure is what it delivers)
 *  notify     notifications per second of a characteristic streaming N values as fast as
 *             the engine goes, from start_notify to the N-th callback
 *  read       blocking reads of a 20-byte characteristic one after the other: round trips
 *             per second and the median
 *  connect    connect + MTU exchange + uncached discovery of 20 services x 3
 *             characteristics, from a scanned device: the median
 *
 * Each row checks its counters (every value in order, every device seen) and the run fails
 * (exit 1) when one is wrong; figures are never asserted. Under Wine the winrt column
 * measures the backend over Wine's COM and the simulator, not Windows: it shows what the
 * backend's own path costs beside virtual's, not what a PC with a radio would do.
 *
 *   blec-bench-backends [--quick]
 */
#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <roapi.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winstring.h>

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "blec_winrt_sim.h"
#include "world/world_stack.h"

static bool quick;
static int failures;
static int (*sim_set_world)(blec_world *world);

static double now_us(void) {
  static LARGE_INTEGER f;
  if (!f.QuadPart) QueryPerformanceFrequency(&f);
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart * 1e6 / (double)f.QuadPart;
}

static void fail(const char *what, int status) {
  fprintf(stderr, "blec-bench-backends: %s: %s\n", what, blec_status_name(status));
  failures++;
}

/* The simulated stack's control API, from the module Wine loaded for the first activation. */
static bool load_sim(void) {
  static const WCHAR cls[] = L"Windows.Storage.Streams.Buffer";
  static const IID iid_factory = {0x00000035, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
  HSTRING h = NULL;
  IUnknown *f = NULL;
  if (FAILED(WindowsCreateString(cls, (UINT32)wcslen(cls), &h))) return false;
  HRESULT hr = RoGetActivationFactory(h, &iid_factory, (void **)&f);
  WindowsDeleteString(h);
  if (FAILED(hr)) return false;
  IUnknown_Release(f);
  HMODULE m = GetModuleHandleW(L"blec_winrt_sim.dll");
  if (m) sim_set_world = (int (*)(blec_world *))(void (*)(void))GetProcAddress(m, "blec_winrt_sim_set_world");
  return sim_set_world != NULL;
}

/* A context on `backend` serving world w. */
/* The stack takes a new world once it closed what the previous row left (its own
 * watcher stop and link teardown end a moment after the context). */
static int hand_world(blec_world *w) {
  int r = BLEC_ERR_BUSY;
  for (int i = 0; i < 500 && r == BLEC_ERR_BUSY; i++) {
    r = sim_set_world(w);
    if (r == BLEC_ERR_BUSY) Sleep(10);
  }
  return r;
}

static int open_ctx(const char *backend, blec_world *w, blec_ctx **out) {
  if (!strcmp(backend, "winrt")) {
    int r = hand_world(w);
    if (r != BLEC_OK) return r;
  }
  blec_ctx_options *o = blec_ctx_options_new();
  if (!o) return BLEC_ERR_NO_MEMORY;
  int r = blec_ctx_options_set_backend(o, backend);
  if (r == BLEC_OK) r = blec_ctx_options_set_log_level(o, BLEC_LOG_ERROR);
  if (r == BLEC_OK && strcmp(backend, "winrt") != 0) r = blec_ctx_options_set_world(o, w);
  if (r == BLEC_OK) r = blec_ctx_new(o, out, NULL);
  blec_ctx_options_free(o);
  return r;
}

static void close_ctx(const char *backend, blec_ctx *ctx) {
  if (ctx) blec_ctx_free(ctx);
  if (!strcmp(backend, "winrt")) hand_world(NULL);
}

/* ---- the peripherals ------------------------------------------------------------------------- */

#define GATT_ADDR "C5:B0:00:00:00:01"

static int world_gatt(uint64_t stream_count, blec_world **out) {
  blec_world *w = NULL;
  int r = blec_world_new(&w);
  blec_world_peripheral *p = NULL;
  uint8_t seq[20];
  for (int i = 0; i < 20; i++) seq[i] = (uint8_t)i;
  blec_uuid svc = blec_uuid_from16(0xBE00), n = blec_uuid_from16(0xBE02), rd = blec_uuid_from16(0xBE03);
  uint16_t h_stream = 0;
  if (r == BLEC_OK) r = blec_world_add_peripheral(w, GATT_ADDR, BLEC_ADDRESS_PUBLIC, &p);
  if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, "Bench GATT", false);
  if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, 20);
  if (r == BLEC_OK) r = blec_world_add_service(p, &svc, NULL);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &n, BLEC_PROP_NOTIFY, seq, sizeof seq, &h_stream);
  if (r == BLEC_OK) r = blec_world_add_characteristic(p, &rd, BLEC_PROP_READ, seq, sizeof seq, NULL);
  if (r == BLEC_OK && stream_count) r = blec__world_characteristic_set_stream_ex(p, h_stream, 0, "counter", 16, stream_count);
  static const uint8_t v[4] = {1, 2, 3, 4};
  for (int s = 0; r == BLEC_OK && s < 20; s++) {
    blec_uuid su = blec_uuid_from16((uint16_t)(0xD000 + s * 16));
    r = blec_world_add_service(p, &su, NULL);
    for (int k = 1; r == BLEC_OK && k <= 3; k++) {
      blec_uuid cu = blec_uuid_from16((uint16_t)(0xD000 + s * 16 + k));
      r = blec_world_add_characteristic(p, &cu, BLEC_PROP_READ | BLEC_PROP_NOTIFY, v, sizeof v, NULL);
    }
  }
  if (r != BLEC_OK) {
    if (w) blec_world_unref(w);
    return r;
  }
  *out = w;
  return BLEC_OK;
}

static int world_advertisers(int n, blec_world **out) {
  blec_world *w = NULL;
  int r = blec_world_new(&w);
  if (r == BLEC_OK) r = blec_world_set_time_scale(w, 0.01); /* 100 ms interval: each due every ms */
  for (int i = 0; r == BLEC_OK && i < n; i++) {
    char addr[BLEC_ADDR_STRLEN], name[16];
    snprintf(addr, sizeof addr, "C6:B0:00:00:%02X:%02X", (unsigned)(i >> 8) & 0xFF, (unsigned)i & 0xFF);
    snprintf(name, sizeof name, "adv %d", i);
    blec_world_peripheral *p = NULL;
    static const uint8_t mfr[] = {0x59, 0x00, 0x01, 0x02, 0x03};
    r = blec_world_add_peripheral(w, addr, BLEC_ADDRESS_PUBLIC, &p);
    if (r == BLEC_OK) r = blec_world_peripheral_set_name(p, name, false);
    if (r == BLEC_OK) r = blec_world_peripheral_add_ad(p, false, 0xFF, mfr, sizeof mfr);
    if (r == BLEC_OK) r = blec_world_peripheral_set_adv_interval(p, 100);
  }
  if (r != BLEC_OK) {
    if (w) blec_world_unref(w);
    return r;
  }
  *out = w;
  return BLEC_OK;
}

/* ---- the rows --------------------------------------------------------------------------------- */

typedef struct figure {
  double value; /* < 0: not measured */
  const char *unit;
} figure;

typedef struct counter {
  atomic_ullong n, bad;
  int last; /* the previous value's first byte, -1 before the first */
  double last_us;
} counter;

static void on_adv(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)dev;
  counter *c = user;
  if (blec_adv_manufacturer_count(adv) != 1) atomic_fetch_add(&c->bad, 1);
  c->last_us = now_us();
  atomic_fetch_add(&c->n, 1);
}

static bool wait_count(counter *c, unsigned long long n, int ms) {
  double deadline = now_us() + ms * 1000.0;
  while (atomic_load(&c->n) < n) {
    if (now_us() > deadline) return false;
    Sleep(1);
  }
  return true;
}

static figure row_adv(const char *backend) {
  figure f = {-1, "adv/s"};
  const unsigned long long N = quick ? 500 : 20000;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_scanner *s = NULL;
  counter c;
  memset(&c, 0, sizeof c);
  int r = world_advertisers(100, &w);
  if (r == BLEC_OK) r = open_ctx(backend, w, &ctx);
  if (r == BLEC_OK) r = blec_scanner_new(ctx, NULL, on_adv, &c, &s);
  double t0 = now_us();
  if (r == BLEC_OK) r = blec_scanner_start(s, NULL);
  if (r == BLEC_OK && !wait_count(&c, N, 60000)) r = BLEC_ERR_TIMEOUT;
  if (r == BLEC_OK && atomic_load(&c.bad)) r = BLEC_ERR_INTERNAL;
  if (r == BLEC_OK) f.value = (double)N / ((c.last_us - t0) / 1e6);
  else fail("adv", r);
  blec_scanner_free(s);
  close_ctx(backend, ctx);
  if (w) blec_world_unref(w);
  return f;
}

static void on_value(blec_client *cl, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)cl;
  (void)chr;
  counter *c = user;
  /* The "counter" generator adds 1 to the first byte of each value: none lost, in order. */
  if (len == 0 || (c->last >= 0 && data[0] != (uint8_t)(c->last + 1))) atomic_fetch_add(&c->bad, 1);
  if (len) c->last = data[0];
  c->last_us = now_us();
  atomic_fetch_add(&c->n, 1);
}

static int connect_gatt(blec_ctx *ctx, blec_client **out) {
  blec_client *c = NULL;
  int r = blec_client_new(ctx, GATT_ADDR, NULL, &c);
  if (r == BLEC_OK) r = blec_client_connect(c, 30000, NULL);
  if (r != BLEC_OK) {
    blec_client_free(c);
    return r;
  }
  *out = c;
  return BLEC_OK;
}

static figure row_notify(const char *backend) {
  figure f = {-1, "notif/s"};
  const unsigned long long N = quick ? 500 : 20000;
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  counter k;
  memset(&k, 0, sizeof k);
  k.last = -1;
  int r = world_gatt(N, &w);
  if (r == BLEC_OK) r = open_ctx(backend, w, &ctx);
  if (r == BLEC_OK) r = connect_gatt(ctx, &c);
  blec_characteristic *ch = NULL;
  blec_uuid u = blec_uuid_from16(0xBE02);
  if (r == BLEC_OK) r = blec_client_characteristic(c, &u, &ch);
  double t0 = now_us();
  if (r == BLEC_OK) r = blec_client_start_notify(c, ch, 0, on_value, &k, 30000, NULL);
  if (r == BLEC_OK && !wait_count(&k, N, 120000)) r = BLEC_ERR_TIMEOUT;
  if (r == BLEC_OK && atomic_load(&k.bad)) r = BLEC_ERR_INTERNAL;
  if (r == BLEC_OK) f.value = (double)N / ((k.last_us - t0) / 1e6);
  else fail("notify", r);
  blec_client_free(c);
  close_ctx(backend, ctx);
  if (w) blec_world_unref(w);
  return f;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void row_read(const char *backend, figure *rate, figure *median) {
  rate->value = median->value = -1;
  rate->unit = "reads/s";
  median->unit = "us";
  const int M = quick ? 20 : 1000;
  double *lat = calloc((size_t)M, sizeof *lat);
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_client *c = NULL;
  int r = lat ? world_gatt(0, &w) : BLEC_ERR_NO_MEMORY;
  if (r == BLEC_OK) r = open_ctx(backend, w, &ctx);
  if (r == BLEC_OK) r = connect_gatt(ctx, &c);
  blec_characteristic *ch = NULL;
  blec_uuid u = blec_uuid_from16(0xBE03);
  if (r == BLEC_OK) r = blec_client_characteristic(c, &u, &ch);
  double total = 0;
  for (int i = 0; r == BLEC_OK && i < M; i++) {
    uint8_t *data = NULL;
    size_t len = 0;
    double t0 = now_us();
    r = blec_client_read(c, ch, 0, 30000, &data, &len, NULL);
    lat[i] = now_us() - t0;
    total += lat[i];
    if (r == BLEC_OK && (len != 20 || data[19] != 19)) r = BLEC_ERR_INTERNAL;
    blec_free(data);
  }
  if (r == BLEC_OK) {
    qsort(lat, (size_t)M, sizeof *lat, cmp_double);
    rate->value = M / (total / 1e6);
    median->value = lat[M / 2];
  } else {
    fail("read", r);
  }
  blec_client_free(c);
  close_ctx(backend, ctx);
  if (w) blec_world_unref(w);
  free(lat);
}

static figure row_connect(const char *backend) {
  figure f = {-1, "ms"};
  const int K = quick ? 2 : 20;
  double lat[20];
  blec_world *w = NULL;
  blec_ctx *ctx = NULL;
  blec_device *dev = NULL;
  int r = world_gatt(0, &w);
  if (r == BLEC_OK) r = open_ctx(backend, w, &ctx);
  if (r == BLEC_OK) r = blec_find_device_by_address(ctx, GATT_ADDR, 30000, &dev, NULL);
  blec_client_options *o = blec_client_options_new();
  if (r == BLEC_OK) r = o ? blec_client_options_set_cache_mode(o, BLEC_CACHE_UNCACHED) : BLEC_ERR_NO_MEMORY;
  for (int i = 0; r == BLEC_OK && i < K; i++) {
    blec_client *c = NULL;
    r = blec_client_new_from_device(ctx, dev, o, &c);
    double t0 = now_us();
    if (r == BLEC_OK) r = blec_client_connect(c, 30000, NULL);
    lat[i] = (now_us() - t0) / 1000.0;
    if (r == BLEC_OK && blec_client_service_count(c) < 21) r = BLEC_ERR_INTERNAL;
    if (r == BLEC_OK) r = blec_client_disconnect(c, 30000, NULL);
    blec_client_free(c);
  }
  if (r == BLEC_OK) {
    qsort(lat, (size_t)K, sizeof lat[0], cmp_double);
    f.value = lat[K / 2];
  } else {
    fail("connect", r);
  }
  blec_client_options_free(o);
  blec_device_unref(dev);
  close_ctx(backend, ctx);
  if (w) blec_world_unref(w);
  return f;
}

/* ---- the table ---------------------------------------------------------------------------------- */

static void cell(char *buf, size_t n, figure f) {
  if (f.value < 0)
    snprintf(buf, n, "failed");
  else if (f.value >= 100)
    snprintf(buf, n, "%.0f %s", f.value, f.unit);
  else
    snprintf(buf, n, "%.1f %s", f.value, f.unit);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) {
      quick = true;
    } else {
      fprintf(stderr, "usage: blec-bench-backends [--quick]\n");
      return 2;
    }
  }
  CoInitializeEx(NULL, COINIT_MULTITHREADED);
  if (!load_sim()) {
    fprintf(stderr, "blec-bench-backends: the simulated Windows stack is not registered in this prefix\n");
    return 1;
  }
  static const char *const backends[] = {"virtual", "winrt"};
  figure adv[2], notify[2], rrate[2], rmed[2], conn[2];
  for (int b = 0; b < 2; b++) {
    fprintf(stderr, "blec-bench-backends: %s...\n", backends[b]);
    adv[b] = row_adv(backends[b]);
    notify[b] = row_notify(backends[b]);
    row_read(backends[b], &rrate[b], &rmed[b]);
    conn[b] = row_connect(backends[b]);
  }
  struct {
    const char *name, *what;
    figure *f;
  } rows[] = {
      {"adv", "detection callbacks, 100 000 advertisements/s offered", adv},
      {"notify", "notifications, streamed as fast as possible", notify},
      {"read", "blocking 20-byte reads, one after the other", rrate},
      {"read.median", "one read's round trip", rmed},
      {"connect.median", "connect + MTU + uncached discovery, 20 services", conn},
  };
  printf("%-15s %-18s %-18s %s\n", "row", "virtual", "winrt (Wine + sim)", "what");
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char v[32], wv[32];
    cell(v, sizeof v, rows[i].f[0]);
    cell(wv, sizeof wv, rows[i].f[1]);
    printf("%-15s %-18s %-18s %s\n", rows[i].name, v, wv, rows[i].what);
  }
  CoUninitialize();
  return failures ? 1 : 0;
}
