/* SPDX-License-Identifier: MIT */
/* bench_detect.c — the detection callback of the advertisement benchmarks (core and end to
 * end) and the count of seen devices. */
#include <string.h>

#include "bench.h"

void bench_on_detect(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  bench_adv_counter *c = user;
  /* What a program looks at: the name and the manufacturer data of the merged data. */
  const char *name = blec_adv_local_name(adv);
  uint16_t company = 0;
  if (!name || strncmp(name, BENCH_NAME_PREFIX, strlen(BENCH_NAME_PREFIX)) != 0 || !dev ||
      blec_adv_manufacturer_count(adv) != 1 || blec_adv_manufacturer_at(adv, 0, &company, NULL, NULL) != BLEC_OK ||
      company != BENCH_COMPANY_ID)
    atomic_fetch_add(&c->bad, 1);
  bench_flow_deliver(&c->flow);
}

void bench_on_detect_bare(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)dev;
  (void)adv;
  bench_flow_deliver(&((bench_adv_counter *)user)->flow);
}

int bench_count_seen(blec_scanner *s, size_t *n) {
  blec_device **list;
  int r = blec_scanner_devices(s, &list, n);
  if (r == BLEC_OK) blec_device_list_free(list, *n);
  return r;
}
