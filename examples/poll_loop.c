/* SPDX-License-Identifier: MIT */
/*
 * poll_loop — blec inside the program's own event loop. With BLEC_DELIVERY_QUEUED no
 * library thread calls the program: callbacks wait in a queue, blec_ctx_wait_handle()
 * becomes ready (a readable fd on POSIX, a signalled HANDLE on Windows), and the loop
 * runs them with blec_ctx_dispatch(ctx, 0) next to its other work — the way libusb and
 * libuv plug into foreign loops, and the C counterpart of bleak running on asyncio's loop.
 *
 *   poll_loop [NAME] [COUNT]
 *
 * It scans for SCAN_SECONDS printing each new device, then connects to NAME and prints
 * COUNT heart-rate notifications, every callback running in the loop below. Exits 0 when
 * COUNT values arrived, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <blec/blec.h>

/* The one platform-specific piece: waiting for the handle with a timeout. A real program
 * waits for its own sockets/handles in the same call (more pollfds, or
 * WaitForMultipleObjects). Returns > 0 when ready, 0 on timeout, < 0 on error. */
#ifdef _WIN32
#include <windows.h>
static int wait_ready(blec_os_handle handle, int timeout_ms) {
  DWORD r = WaitForSingleObject((HANDLE)handle, (DWORD)timeout_ms);
  return r == WAIT_OBJECT_0 ? 1 : r == WAIT_TIMEOUT ? 0 : -1;
}
#else
#include <poll.h>
static int wait_ready(blec_os_handle handle, int timeout_ms) {
  struct pollfd pfd = {.fd = (int)handle, .events = POLLIN};
  return poll(&pfd, 1, timeout_ms);
}
#endif

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const DEVICE = "Heart Rate Sensor";
static const char *const CHARACTERISTIC = "2a37"; /* Heart Rate Measurement */
static const int SCAN_SECONDS = 2;
static const int COUNT = 5;
static const int TIMEOUT_S = 30;
/* -------------------------------------------------------------------------------------- */

static int seen, values, wanted;
static bool stop_loop;

static void on_detect(blec_scanner *scanner, blec_device *dev, const blec_adv *adv, void *user) {
  (void)scanner;
  (void)user;
  /* Called for every packet; print a device once (when it is the first report of it). */
  blec_device **list;
  size_t n;
  if (blec_scanner_devices(scanner, &list, &n) != BLEC_OK) return;
  if ((int)n > seen) {
    seen = (int)n;
    printf("seen %s %4d dBm %s\n", blec_device_address(dev), blec_adv_rssi(adv),
           blec_device_name(dev) ? blec_device_name(dev) : "");
  }
  blec_device_list_free(list, n);
}

static void on_notify(blec_client *client, blec_characteristic *chr, const uint8_t *data,
                      size_t len, void *user) {
  (void)client;
  (void)chr;
  (void)user;
  values++;
  printf("value %d:", values);
  for (size_t i = 0; i < len; i++) printf(" %02x", data[i]);
  printf("\n");
}

static void on_disconnected(blec_client *client, blec_disconnect_reason reason, void *user) {
  (void)client;
  (void)user;
  printf("disconnected (reason %d)\n", (int)reason);
  stop_loop = true;
}

/* The event loop: wait, dispatch, check for the end; until done() or the deadline. */
static void run_loop(blec_ctx *ctx, time_t deadline, bool (*done)(void)) {
  blec_os_handle h = blec_ctx_wait_handle(ctx);
  while (!done() && !stop_loop && time(NULL) < deadline) {
    int ready = wait_ready(h, 200);
    if (ready < 0) {
      perror("poll_loop: wait");
      return;
    }
    if (ready > 0) blec_ctx_dispatch(ctx, 0); /* runs what is queued, never blocks */
    /* ... the program's own work would go here ... */
  }
}

static bool never(void) { return false; }
static bool enough_values(void) { return values >= wanted; }

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : DEVICE;
  wanted = argc > 2 ? atoi(argv[2]) : COUNT;
  blec_ctx_options *opts = blec_ctx_options_new();
  blec_ctx *ctx;
  blec_scanner *scanner = NULL;
  blec_client *client = NULL;
  blec_characteristic *chr;
  blec_error err;
  char why[256];

  blec_ctx_options_set_delivery(opts, BLEC_DELIVERY_QUEUED);
  int r = blec_ctx_new(opts, &ctx, &err);
  blec_ctx_options_free(opts);
  if (r != BLEC_OK) {
    fprintf(stderr, "poll_loop: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  /* 1. Scan; the detection callback runs in run_loop(). */
  r = blec_scanner_new(ctx, NULL, on_detect, NULL, &scanner);
  if (r == BLEC_OK && blec_scanner_start(scanner, &err) == BLEC_OK) {
    run_loop(ctx, time(NULL) + SCAN_SECONDS, never);
    blec_scanner_stop(scanner);
  }
  /* Pick the device from what the scanner saw. */
  blec_device **list = NULL, *dev = NULL;
  size_t n = 0;
  if (scanner && blec_scanner_devices(scanner, &list, &n) == BLEC_OK) {
    for (size_t i = 0; i < n && !dev; i++)
      if (blec_device_name(list[i]) && !strcmp(blec_device_name(list[i]), name)) dev = list[i];
  }
  printf("%d device(s) seen\n", seen);
  if (!dev) {
    fprintf(stderr, "poll_loop: %s was not seen\n", name);
    blec_device_list_free(list, n);
    blec_scanner_free(scanner);
    blec_ctx_free(ctx);
    return 1;
  }

  /* 2. Connect (a blocking call is fine: waiting never depends on the queue) and
   * subscribe; the notification callback runs in run_loop(). */
  blec_error_clear(&err);
  r = blec_client_new_from_device(ctx, dev, NULL, &client);
  blec_device_list_free(list, n);
  blec_scanner_free(scanner);
  if (r == BLEC_OK) {
    blec_client_set_disconnected_callback(client, on_disconnected, NULL);
    r = blec_client_connect(client, -1, &err);
  }
  if (r == BLEC_OK) r = blec_client_characteristic_by_spec(client, CHARACTERISTIC, &chr);
  if (r == BLEC_OK) r = blec_client_start_notify(client, chr, 0, on_notify, NULL, 5000, &err);
  if (r != BLEC_OK) {
    if (err.status != r) {
      blec_error_clear(&err);
      err.status = r;
    }
    fprintf(stderr, "poll_loop: %s: %s\n", name, blec_error_format(&err, why, sizeof why));
    blec_client_free(client);
    blec_ctx_free(ctx);
    return 1;
  }
  printf("connected to %s\n", blec_client_address(client));
  run_loop(ctx, time(NULL) + TIMEOUT_S, enough_values);

  int got = values;
  blec_client_free(client); /* disconnects; its callback is queued, then dropped below */
  blec_ctx_free(ctx);
  if (got < wanted) {
    fprintf(stderr, "poll_loop: %d of %d values arrived\n", got, wanted);
    return 1;
  }
  return 0;
}
