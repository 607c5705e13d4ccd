/* SPDX-License-Identifier: MIT */
/*
 * find_by_name — scan until a device with a given local name shows up, and return at
 * once. The C twin of bleak's examples/scanner_byname.py
 * (BleakScanner.find_device_by_name).
 *
 *   find_by_name [NAME] [TIMEOUT_SECONDS]
 *
 * The default name is that of a device which puts its name only in its scan response:
 * an active scan (the default) asks for scan responses and so still finds it. Exits 0
 * when found, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const NAME = "Smart Bulb";
static const int TIMEOUT_S = 10;
/* -------------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : NAME;
  int timeout_s = argc > 2 ? atoi(argv[2]) : TIMEOUT_S;
  blec_ctx *ctx;
  blec_device *dev;
  blec_error err;
  char why[256];

  if (blec_ctx_new(NULL, &ctx, &err) != BLEC_OK) {
    fprintf(stderr, "find_by_name: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  printf("looking for \"%s\" for up to %d s...\n", name, timeout_s);
  int r = blec_find_device_by_name(ctx, name, timeout_s * 1000, &dev, &err);
  if (r == BLEC_ERR_DEVICE_NOT_FOUND) {
    printf("could not find a device named \"%s\"\n", name);
  } else if (r != BLEC_OK) {
    fprintf(stderr, "find_by_name: %s\n", blec_error_format(&err, why, sizeof why));
  } else {
    const blec_adv *adv = blec_device_adv(dev);
    printf("found %s (%s address), %d dBm, %s\n", blec_device_address(dev),
           blec_device_address_type(dev) == BLEC_ADDRESS_RANDOM ? "random" : "public",
           blec_adv_rssi(adv), blec_adv_connectable(adv) ? "connectable" : "not connectable");
    blec_device_unref(dev); /* find returned a new reference */
  }
  blec_ctx_free(ctx);
  return r == BLEC_OK ? 0 : 1;
}
