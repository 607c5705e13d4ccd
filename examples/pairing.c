/* SPDX-License-Identifier: MIT */
/*
 * pairing — read a characteristic that needs a paired link: the read fails with an
 * ATT security error, we pair, the read succeeds; then unpair. The C twin of bleak's
 * examples/pairing.py (its --explicit path: connect, then client.pair()).
 *
 *   pairing [NAME | AA:BB:CC:DD:EE:FF] [CHARACTERISTIC]
 *
 * To pair while connecting instead (bleak's pair=True), set
 * blec_client_options_set_pair(opts, true) before blec_client_connect.
 * Exits 0 when the characteristic could be read after pairing, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const DEVICE = "Smart Lock"; /* a name or an address */
/* Lock State: answers Insufficient Authentication until paired with authentication. */
static const char *const PROTECTED = "8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d";
static const blec_protection_level LEVEL = BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
static const int TIMEOUT_MS = 10000;
/* -------------------------------------------------------------------------------------- */

/* Reads chr and prints the value or why it failed; returns the status. */
static int read_and_print(blec_client *client, blec_characteristic *chr) {
  uint8_t *data;
  size_t len;
  blec_error err;
  char why[256];
  int r = blec_client_read(client, chr, 0, TIMEOUT_MS, &data, &len, &err);
  if (r == BLEC_OK) {
    printf("  value:");
    for (size_t i = 0; i < len; i++) printf(" %02x", data[i]);
    printf("\n");
    blec_free(data);
  } else {
    printf("  failed: %s\n", blec_error_format(&err, why, sizeof why));
    if (r == BLEC_ERR_ATT && (err.att_error == BLEC_ATT_INSUFFICIENT_AUTHENTICATION ||
                              err.att_error == BLEC_ATT_INSUFFICIENT_ENCRYPTION))
      printf("  (the characteristic needs a paired link)\n");
  }
  return r;
}

int main(int argc, char **argv) {
  const char *target = argc > 1 ? argv[1] : DEVICE;
  const char *spec = argc > 2 ? argv[2] : PROTECTED;
  bool by_address = strlen(target) == 17 && target[2] == ':';
  blec_ctx *ctx;
  blec_device *dev;
  blec_client *client = NULL;
  blec_characteristic *chr;
  blec_error err;
  char why[256];

  if (blec_ctx_new(NULL, &ctx, &err) != BLEC_OK) {
    fprintf(stderr, "pairing: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }
  if (!(blec_ctx_capabilities(ctx) & BLEC_CAP_PAIRING)) {
    fprintf(stderr, "pairing: the %s backend cannot pair\n", blec_ctx_backend_name(ctx));
    blec_ctx_free(ctx);
    return 1;
  }

  printf("scanning...\n");
  int r = by_address ? blec_find_device_by_address(ctx, target, TIMEOUT_MS, &dev, &err)
                     : blec_find_device_by_name(ctx, target, TIMEOUT_MS, &dev, &err);
  if (r == BLEC_OK) {
    r = blec_client_new_from_device(ctx, dev, NULL, &client);
    blec_device_unref(dev);
  }
  if (r == BLEC_OK) r = blec_client_connect(client, TIMEOUT_MS, &err);
  if (r == BLEC_OK) r = blec_client_characteristic_by_spec(client, spec, &chr);
  if (r != BLEC_OK) {
    if (err.status != r) {
      blec_error_clear(&err);
      err.status = r;
    }
    fprintf(stderr, "pairing: %s: %s\n", target, blec_error_format(&err, why, sizeof why));
    blec_client_free(client);
    blec_ctx_free(ctx);
    return 1;
  }
  printf("connected to %s (%s)\n", blec_client_address(client),
         blec_client_name(client) ? blec_client_name(client) : "no name");

  printf("reading %s before pairing...\n", spec);
  read_and_print(client, chr);

  printf("pairing...\n");
  r = blec_client_pair(client, LEVEL, TIMEOUT_MS, &err);
  if (r != BLEC_OK) {
    fprintf(stderr, "pairing: pair: %s\n", blec_error_format(&err, why, sizeof why));
  } else {
    printf("paired\nreading %s again...\n", spec);
    r = read_and_print(client, chr);
  }

  /* Forget the pairing so the next run starts over (it disconnects, as on Windows). */
  if (blec_client_unpair(client, TIMEOUT_MS, &err) == BLEC_OK) printf("unpaired\n");
  else printf("unpair: %s\n", blec_error_format(&err, why, sizeof why));

  blec_client_free(client);
  blec_ctx_free(ctx);
  return r == BLEC_OK ? 0 : 1;
}
