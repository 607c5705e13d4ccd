/* SPDX-License-Identifier: MIT */
/*
 * passive_scan_filters — a passive scan (no scan requests sent) that only reports iBeacons
 * within signal range, using the Windows-style filters: a signal-strength filter and an
 * advertisement filter on manufacturer data. The C twin of bleak's
 * examples/passive_scan.py with the WinRT backend's SignalStrengthFilter and
 * AdvertisementFilter arguments.
 *
 *   passive_scan_filters [SECONDS]
 *
 * Reports are pulled one by one from the scanner's stream (bleak's
 * `async for ... in scanner.advertisement_data()`). Exits 0 when at least one beacon was
 * reported and every report matched the filters, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const int SCAN_SECONDS = 5;
static const int IN_RANGE_DBM = -90;      /* reported once the RSSI reaches this... */
static const int OUT_OF_RANGE_DBM = -100; /* ...until it stays below this... */
static const int OUT_OF_RANGE_MS = 2000;  /* ...for this long */
static const int SAMPLING_MS = 0;         /* 0: every packet */
static const uint16_t COMPANY = 0x004C;   /* Apple: iBeacon manufacturer data */
static const uint8_t IBEACON_PREFIX[] = {0x02, 0x15};
/* -------------------------------------------------------------------------------------- */

static bool is_ibeacon(const blec_adv *adv) {
  const uint8_t *data;
  size_t len;
  return blec_adv_manufacturer_find(adv, COMPANY, &data, &len) == BLEC_OK && len >= 22 &&
         memcmp(data, IBEACON_PREFIX, sizeof IBEACON_PREFIX) == 0;
}

static void print_ibeacon(const blec_device *dev, const blec_adv *adv) {
  const uint8_t *d;
  size_t len;
  blec_adv_manufacturer_find(adv, COMPANY, &d, &len);
  /* 02 15, proximity UUID (16), major (2, BE), minor (2, BE), measured power (1). */
  printf("%s  %4d dBm  iBeacon uuid ", blec_device_address(dev), blec_adv_rssi(adv));
  for (int i = 2; i < 18; i++) printf("%02x%s", d[i], i == 5 || i == 7 || i == 9 || i == 11 ? "-" : "");
  printf(" major %u minor %u", d[18] << 8 | d[19], d[20] << 8 | d[21]);
  if (len >= 23) printf(" power %d dBm", (int8_t)d[22]);
  printf("\n");
}

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : SCAN_SECONDS;
  blec_ctx *ctx;
  blec_scanner *scanner = NULL;
  blec_error err;
  char why[256];

  if (blec_ctx_new(NULL, &ctx, &err) != BLEC_OK) {
    fprintf(stderr, "passive_scan_filters: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }
  uint32_t caps = blec_ctx_capabilities(ctx);
  if (!(caps & BLEC_CAP_SIGNAL_FILTER) || !(caps & BLEC_CAP_ADV_FILTER)) {
    fprintf(stderr, "passive_scan_filters: the %s backend has no scanning filters\n",
            blec_ctx_backend_name(ctx));
    blec_ctx_free(ctx);
    return 1;
  }

  blec_scan_options *opts = blec_scan_options_new();
  if (caps & BLEC_CAP_PASSIVE_SCAN) {
    blec_scan_options_set_mode(opts, BLEC_SCAN_PASSIVE);
  } else {
    printf("passive scanning not possible with the %s backend, scanning actively\n",
           blec_ctx_backend_name(ctx));
  }
  blec_scan_options_set_signal_filter(opts, IN_RANGE_DBM, OUT_OF_RANGE_DBM, OUT_OF_RANGE_MS,
                                       SAMPLING_MS);
  blec_scan_options_filter_manufacturer(opts, COMPANY, IBEACON_PREFIX, sizeof IBEACON_PREFIX);
  blec_scan_options_set_stream(opts, 64); /* keep up to 64 reports for blec_scanner_next */

  int r = blec_scanner_new(ctx, opts, NULL, NULL, &scanner);
  blec_scan_options_free(opts); /* the scanner copied them */
  if (r != BLEC_OK || (r = blec_scanner_start(scanner, &err)) != BLEC_OK) {
    fprintf(stderr, "passive_scan_filters: %s\n",
            r == err.status ? blec_error_format(&err, why, sizeof why) : blec_strerror(r));
    blec_scanner_free(scanner);
    blec_ctx_free(ctx);
    return 1;
  }

  printf("passive scan for %d s: iBeacons at %d dBm or better...\n", seconds, IN_RANGE_DBM);
  int reports = 0, wrong = 0;
  time_t deadline = time(NULL) + seconds;
  while (time(NULL) < deadline) {
    blec_device *dev;
    if (blec_scanner_next(scanner, 500, &dev) != BLEC_OK) continue; /* timeout: check the clock */
    const blec_adv *adv = blec_device_adv(dev);
    reports++;
    if (is_ibeacon(adv)) {
      print_ibeacon(dev, adv);
    } else {
      printf("%s  %4d dBm  passed the filter but is no iBeacon\n", blec_device_address(dev),
             blec_adv_rssi(adv));
      wrong++;
    }
    blec_device_unref(dev);
  }
  blec_scanner_stop(scanner);
  blec_scanner_free(scanner);
  blec_ctx_free(ctx);
  printf("%d report(s)\n", reports);
  return reports > 0 && wrong == 0 ? 0 : 1;
}
