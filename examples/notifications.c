/* SPDX-License-Identifier: MIT */
/*
 * notifications — subscribe to a heart-rate sensor's Heart Rate Measurement (0x2A37) and
 * print N values. The C twin of bleak's examples/enable_notifications.py.
 *
 *   notifications [NAME | AA:BB:CC:DD:EE:FF] [COUNT]
 *
 * The context runs in queued delivery mode: the notification callback runs here, on the
 * main thread, inside blec_ctx_dispatch() — so the counter needs no lock. (With the
 * default BLEC_DELIVERY_THREAD it would run on blec's dispatch thread instead.)
 * Exits 0 when COUNT values arrived, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const DEVICE = "Heart Rate Sensor"; /* a name or an address */
static const char *const CHARACTERISTIC = "2a37"; /* Heart Rate Measurement */
static const int COUNT = 10;
static const int TIMEOUT_S = 30; /* for the whole run */
/* -------------------------------------------------------------------------------------- */

static int received;

/* Heart Rate Measurement: flags, then the rate as uint8 or (flags bit 0) uint16 LE. */
static void on_notify(blec_client *client, blec_characteristic *chr, const uint8_t *data,
                      size_t len, void *user) {
  (void)client;
  (void)user;
  char uuid[BLEC_UUID_STRLEN];
  blec_uuid u = blec_characteristic_uuid(chr);
  received++;
  printf("%3d  %s:", received, blec_uuid_to_string(&u, uuid));
  for (size_t i = 0; i < len; i++) printf(" %02x", data[i]);
  if (len >= 2 && !(data[0] & 1)) printf("  -> %u bpm", data[1]);
  else if (len >= 3) printf("  -> %u bpm", data[1] | (unsigned)data[2] << 8);
  printf("\n");
}

int main(int argc, char **argv) {
  const char *target = argc > 1 ? argv[1] : DEVICE;
  int want = argc > 2 ? atoi(argv[2]) : COUNT;
  blec_ctx_options *opts = blec_ctx_options_new();
  blec_ctx *ctx;
  blec_client *client = NULL;
  blec_characteristic *chr;
  blec_error err;
  char why[256];

  blec_ctx_options_set_delivery(opts, BLEC_DELIVERY_QUEUED);
  int r = blec_ctx_new(opts, &ctx, &err);
  blec_ctx_options_free(opts);
  if (r != BLEC_OK) {
    fprintf(stderr, "notifications: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  /* A client made from a name has to find the device first; from an address it scans
   * for it on connect, as bleak's BleakClient("AA:BB:...") does. */
  if (strlen(target) == 17 && target[2] == ':') {
    r = blec_client_new(ctx, target, NULL, &client);
  } else {
    blec_device *dev;
    r = blec_find_device_by_name(ctx, target, 10000, &dev, &err);
    if (r == BLEC_OK) {
      r = blec_client_new_from_device(ctx, dev, NULL, &client);
      blec_device_unref(dev);
    }
  }
  if (r == BLEC_OK) r = blec_client_connect(client, -1, &err);
  if (r == BLEC_OK) r = blec_client_characteristic_by_spec(client, CHARACTERISTIC, &chr);
  if (r == BLEC_OK) r = blec_client_start_notify(client, chr, 0, on_notify, NULL, 5000, &err);
  if (r != BLEC_OK) {
    if (err.status != r) {
      blec_error_clear(&err);
      err.status = r;
    }
    fprintf(stderr, "notifications: %s: %s\n", target, blec_error_format(&err, why, sizeof why));
    blec_client_free(client);
    blec_ctx_free(ctx);
    return 1;
  }
  printf("connected to %s, waiting for %d notifications...\n", blec_client_address(client), want);

  /* The program's loop: run queued callbacks until enough values arrived. */
  time_t deadline = time(NULL) + TIMEOUT_S;
  while (received < want && time(NULL) < deadline && blec_client_is_connected(client))
    blec_ctx_dispatch(ctx, 200);

  blec_client_stop_notify(client, chr, 5000, NULL);
  blec_client_disconnect(client, 5000, NULL);
  blec_client_free(client);
  blec_ctx_free(ctx);
  if (received < want) {
    fprintf(stderr, "notifications: only %d of %d values arrived\n", received, want);
    return 1;
  }
  return 0;
}
