/* SPDX-License-Identifier: MIT */
/*
 * discover — scan for a few seconds and list every device seen, with its signal strength
 * and what it advertises. The C twin of bleak's examples/discover.py.
 *
 *   discover [SECONDS]
 *
 * Exits 0 when at least one device was seen, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const int SCAN_SECONDS = 5;
/* -------------------------------------------------------------------------------------- */

static void print_adv(const blec_adv *adv) {
  char uuid[BLEC_UUID_STRLEN];
  blec_uuid u;
  for (size_t i = 0; i < blec_adv_service_uuid_count(adv); i++) {
    if (blec_adv_service_uuid_at(adv, i, &u) == BLEC_OK)
      printf("    service      %s (%s)\n", blec_uuid_to_string(&u, uuid),
             blec_uuid_description(&u) ? blec_uuid_description(&u) : "Unknown");
  }
  for (size_t i = 0; i < blec_adv_manufacturer_count(adv); i++) {
    uint16_t company;
    const uint8_t *data;
    size_t len;
    if (blec_adv_manufacturer_at(adv, i, &company, &data, &len) != BLEC_OK) continue;
    const char *who = blec_company_name(company);
    printf("    manufacturer 0x%04X (%s):", company, who ? who : "unknown company");
    for (size_t k = 0; k < len; k++) printf(" %02x", data[k]);
    printf("\n");
  }
  for (size_t i = 0; i < blec_adv_service_data_count(adv); i++) {
    const uint8_t *data;
    size_t len;
    if (blec_adv_service_data_at(adv, i, &u, &data, &len) != BLEC_OK) continue;
    printf("    service data %s:", blec_uuid_to_string(&u, uuid));
    for (size_t k = 0; k < len; k++) printf(" %02x", data[k]);
    printf("\n");
  }
  int tx;
  if (blec_adv_tx_power(adv, &tx)) printf("    tx power     %d dBm\n", tx);
}

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : SCAN_SECONDS;
  blec_ctx *ctx;
  blec_error err;
  char why[256];

  /* NULL options: the platform's backend (or $BLEC_BACKEND), callbacks on blec's thread. */
  if (blec_ctx_new(NULL, &ctx, &err) != BLEC_OK) {
    fprintf(stderr, "discover: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  printf("scanning for %d s with the %s backend...\n", seconds, blec_ctx_backend_name(ctx));
  /* Active scan (the default) also collects scan responses; the list holds one entry per
   * device with its advertisement and scan response merged. */
  blec_device **devices;
  size_t count;
  int r = blec_discover(ctx, NULL, seconds * 1000, &devices, &count, &err);
  if (r != BLEC_OK) {
    fprintf(stderr, "discover: %s\n", blec_error_format(&err, why, sizeof why));
    blec_ctx_free(ctx);
    return 1;
  }

  for (size_t i = 0; i < count; i++) {
    const blec_adv *adv = blec_device_adv(devices[i]);
    const char *name = blec_device_name(devices[i]);
    printf("%s  %4d dBm  %s%s\n", blec_device_address(devices[i]), blec_adv_rssi(adv),
           name ? name : "(no name)", blec_adv_connectable(adv) ? "" : "  [not connectable]");
    print_adv(adv);
  }
  printf("%zu device(s) found\n", count);

  blec_device_list_free(devices, count);
  blec_ctx_free(ctx);
  return count > 0 ? 0 : 1;
}
