/* SPDX-License-Identifier: MIT */
/*
 * service_explorer — connect to a device and print its whole GATT tree: services,
 * characteristics with their properties and values, descriptors with their values.
 * The C twin of bleak's examples/service_explorer.py.
 *
 *   service_explorer [NAME | AA:BB:CC:DD:EE:FF]
 *
 * A read that fails is printed and the walk goes on, as in bleak. Exits 0 once the tree
 * was walked, 1 when the device cannot be found or connected.
 */
#include <stdio.h>
#include <string.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const DEVICE = "Heart Rate Sensor"; /* a name or an address */
static const int TIMEOUT_MS = 10000;
/* -------------------------------------------------------------------------------------- */

/* Prints bytes as hex, then as text when they are all printable. */
static void print_value(const uint8_t *data, size_t len) {
  bool text = len > 0;
  printf("[");
  for (size_t i = 0; i < len; i++) {
    printf(i ? " %02x" : "%02x", data[i]);
    if (data[i] < 0x20 || data[i] > 0x7e) text = false;
  }
  printf("]");
  if (text) printf(" \"%.*s\"", (int)len, (const char *)data);
}

static void print_error(const blec_error *err) {
  char line[256];
  printf("error: %s", blec_error_format(err, line, sizeof line));
}

static void print_characteristic(blec_client *client, blec_characteristic *chr) {
  char props[160], line[256];
  uint32_t p = blec_characteristic_properties(chr);
  /* As bleak prints a characteristic: "UUID (Handle: N): description". */
  printf("  [Characteristic] %s (%s)", blec_characteristic_format(chr, line, sizeof line),
         blec_properties_format(p, props, sizeof props));
  if (p & BLEC_PROP_READ) {
    uint8_t *data;
    size_t len;
    blec_error err;
    printf(", value: ");
    if (blec_client_read(client, chr, 0, TIMEOUT_MS, &data, &len, &err) == BLEC_OK) {
      print_value(data, len);
      blec_free(data);
    } else {
      print_error(&err);
    }
  }
  printf("\n");

  for (size_t i = 0; i < blec_characteristic_descriptor_count(chr); i++) {
    blec_descriptor *desc = blec_characteristic_descriptor_at(chr, i);
    uint8_t *data;
    size_t len;
    blec_error err;
    char dline[256];
    printf("    [Descriptor] %s, value: ", blec_descriptor_format(desc, dline, sizeof dline));
    if (blec_client_read_descriptor(client, desc, 0, TIMEOUT_MS, &data, &len, &err) == BLEC_OK) {
      print_value(data, len);
      blec_free(data);
    } else {
      print_error(&err);
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  const char *target = argc > 1 ? argv[1] : DEVICE;
  /* "AA:BB:CC:DD:EE:FF" is an address, anything else a name. */
  bool by_address = strlen(target) == 17 && target[2] == ':' && target[14] == ':';
  blec_ctx *ctx;
  blec_device *dev;
  blec_client *client;
  blec_error err;
  char why[256];

  if (blec_ctx_new(NULL, &ctx, &err) != BLEC_OK) {
    fprintf(stderr, "service_explorer: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }
  printf("looking for %s...\n", target);
  int r = by_address ? blec_find_device_by_address(ctx, target, TIMEOUT_MS, &dev, &err)
                     : blec_find_device_by_name(ctx, target, TIMEOUT_MS, &dev, &err);
  if (r != BLEC_OK) {
    fprintf(stderr, "service_explorer: could not find %s: %s\n", target,
            blec_error_format(&err, why, sizeof why));
    blec_ctx_free(ctx);
    return 1;
  }

  printf("connecting to %s...\n", blec_device_address(dev));
  /* A client made from the scanned device does not scan again on connect. */
  r = blec_client_new_from_device(ctx, dev, NULL, &client);
  blec_device_unref(dev); /* the client keeps what it needs */
  if (r != BLEC_OK) {
    fprintf(stderr, "service_explorer: %s\n", blec_strerror(r));
    blec_ctx_free(ctx);
    return 1;
  }
  if (blec_client_connect(client, TIMEOUT_MS, &err) != BLEC_OK) {
    fprintf(stderr, "service_explorer: connect: %s\n", blec_error_format(&err, why, sizeof why));
    blec_client_free(client);
    blec_ctx_free(ctx);
    return 1;
  }
  printf("connected, MTU %d\n", blec_client_mtu(client));

  /* The tree was discovered by connect; it belongs to the client. */
  for (size_t i = 0; i < blec_client_service_count(client); i++) {
    blec_service *svc = blec_client_service_at(client, i);
    char line[256];
    printf("[Service] %s\n", blec_service_format(svc, line, sizeof line));
    for (size_t k = 0; k < blec_service_characteristic_count(svc); k++)
      print_characteristic(client, blec_service_characteristic_at(svc, k));
  }

  printf("disconnecting...\n");
  blec_client_disconnect(client, TIMEOUT_MS, NULL);
  blec_client_free(client);
  blec_ctx_free(ctx);
  printf("disconnected\n");
  return 0;
}
