/* SPDX-License-Identifier: MIT */
/*
 * two_devices — two clients at once: both connect concurrently, then each streams values
 * (notifications from a heart-rate sensor, indications from an environmental sensor)
 * until both have sent COUNT. The C twin of bleak's examples/two_devices.py.
 *
 *   two_devices [COUNT]
 *
 * The connects are asynchronous; their completions, and every value, run on the main
 * thread inside blec_ctx_dispatch() (queued delivery), one at a time. A completion may
 * call blocking blec functions: here it subscribes. Exits 0 when both devices sent COUNT
 * values, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const struct {
  const char *device; /* a name or an address */
  const char *characteristic;
} TARGETS[2] = {
    {"Heart Rate Sensor", "2a37"},  /* Heart Rate Measurement: notifications */
    {"Environment Sensor", "2a6e"}, /* Temperature: indications */
};
static const int COUNT = 5;
static const int TIMEOUT_S = 30;
/* -------------------------------------------------------------------------------------- */

typedef struct peer {
  const char *device;
  const char *spec;
  blec_client *client;
  blec_characteristic *chr; /* set once subscribed */
  blec_op *connecting;
  int values;
  bool failed;
} peer;

static void on_value(blec_client *client, blec_characteristic *chr, const uint8_t *data, size_t len,
                     void *user) {
  (void)client;
  peer *p = user;
  p->values++;
  const char *what = blec_characteristic_description(chr); /* NULL: no name */
  printf("%-12s %s:", p->device, what ? what : "Unknown");
  for (size_t i = 0; i < len; i++) printf(" %02x", data[i]);
  printf("\n");
}

/* Connect completion: runs once, in blec_ctx_dispatch() on the main thread. */
static void on_connected(blec_op *op, void *user) {
  peer *p = user;
  blec_error err;
  char why[256];
  blec_characteristic *chr;
  if (blec_op_status(op) != BLEC_OK) {
    printf("%-12s connect failed: %s\n", p->device, blec_error_format(blec_op_error(op), why, sizeof why));
    p->failed = true;
    return;
  }
  printf("%-12s connected (%s)\n", p->device, blec_client_address(p->client));
  blec_error_clear(&err);
  int r = blec_client_characteristic_by_spec(p->client, p->spec, &chr);
  if (r == BLEC_OK) r = blec_client_start_notify(p->client, chr, 0, on_value, p, 5000, &err);
  else err.status = r;
  if (r != BLEC_OK) {
    printf("%-12s subscribe failed: %s\n", p->device, blec_error_format(&err, why, sizeof why));
    p->failed = true;
    return;
  }
  p->chr = chr;
}

static bool finished(const peer *p, int want) { return p->failed || p->values >= want; }

int main(int argc, char **argv) {
  int want = argc > 1 ? atoi(argv[1]) : COUNT;
  blec_ctx_options *opts = blec_ctx_options_new();
  blec_ctx *ctx;
  blec_error err;
  char why[256];
  peer peers[2];

  blec_ctx_options_set_delivery(opts, BLEC_DELIVERY_QUEUED);
  int r = blec_ctx_new(opts, &ctx, &err);
  blec_ctx_options_free(opts);
  if (r != BLEC_OK) {
    fprintf(stderr, "two_devices: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  /* Find both, then start both connects: they proceed at the same time. */
  memset(peers, 0, sizeof peers);
  for (int i = 0; i < 2; i++) {
    peer *p = &peers[i];
    p->device = TARGETS[i].device;
    p->spec = TARGETS[i].characteristic;
    blec_device *dev;
    bool by_address = strlen(p->device) == 17 && p->device[2] == ':';
    r = by_address ? blec_client_new(ctx, p->device, NULL, &p->client)
                   : blec_find_device_by_name(ctx, p->device, 10000, &dev, &err);
    if (r == BLEC_OK && !by_address) {
      r = blec_client_new_from_device(ctx, dev, NULL, &p->client);
      blec_device_unref(dev);
    }
    if (r == BLEC_OK) r = blec_client_connect_async(p->client, on_connected, p, &p->connecting);
    if (r != BLEC_OK) {
      printf("%-12s %s\n", p->device, blec_strerror(r));
      p->failed = true;
    }
  }

  time_t deadline = time(NULL) + TIMEOUT_S;
  while (!(finished(&peers[0], want) && finished(&peers[1], want)) && time(NULL) < deadline)
    blec_ctx_dispatch(ctx, 200);

  int status = 0;
  for (int i = 0; i < 2; i++) {
    peer *p = &peers[i];
    if (p->values < want) {
      fprintf(stderr, "two_devices: %s sent %d of %d values\n", p->device, p->values, want);
      status = 1;
    }
    if (p->chr) blec_client_stop_notify(p->client, p->chr, 5000, NULL);
    if (p->connecting) {
      blec_op_cancel(p->connecting); /* in case it still runs; harmless otherwise */
      blec_op_free(p->connecting);
    }
    blec_client_free(p->client); /* disconnects and waits */
  }
  blec_ctx_free(ctx);
  return status;
}
