/* SPDX-License-Identifier: MIT */
/*
 * scan_filter.c — which merged advertisements a scanner reports: bleak's service-UUID
 * list (any one listed service matches) and the Windows BluetoothLEAdvertisementFilter
 * (local name, service UUIDs, manufacturer data, data sections, byte patterns: every
 * condition set must hold). The signal-strength filter is stateful and lives in scanner.c.
 */
#include <string.h>

#include "core/core.h"

static bool any_raw_matches(const blec_adv *adv, const blec__byte_filter *f) {
  size_t n = blec_adv_raw_count(adv);
  for (size_t i = 0; i < n; i++) {
    uint8_t type;
    const uint8_t *data;
    size_t len;
    if (blec_adv_raw_at(adv, i, &type, &data, &len) != BLEC_OK || type != f->ad_type) continue;
    size_t off = f->offset < 0 ? 0 : (size_t)f->offset;
    if (len >= off + f->len && memcmp(data + off, f->data, f->len) == 0) return true;
  }
  return false;
}

static bool byte_filter_matches(const blec_adv *adv, const blec__byte_filter *f) {
  if (f->is_manufacturer) {
    /* A company id may appear in several structures: any of them may match. */
    size_t n = blec_adv_manufacturer_count(adv);
    for (size_t i = 0; i < n; i++) {
      uint16_t company;
      const uint8_t *data;
      size_t len;
      if (blec_adv_manufacturer_at(adv, i, &company, &data, &len) != BLEC_OK) continue;
      if (company == f->company && len >= f->len && memcmp(data, f->data, f->len) == 0) return true;
    }
    return false;
  }
  return any_raw_matches(adv, f);
}

bool blec__scan_filter_match(const blec_scan_options *o, const blec_adv *adv) {
  if (o->nservices) {
    bool any = false;
    for (size_t i = 0; i < o->nservices && !any; i++) any = blec_adv_has_service_uuid(adv, &o->services[i]);
    if (!any) return false;
  }
  if (o->local_name) {
    const char *name = blec_adv_local_name(adv);
    if (!name || strcmp(name, o->local_name) != 0) return false;
  }
  for (size_t i = 0; i < o->nfilter_services; i++)
    if (!blec_adv_has_service_uuid(adv, &o->filter_services[i])) return false;
  for (size_t i = 0; i < o->nbyte_filters; i++)
    if (!byte_filter_matches(adv, &o->byte_filters[i])) return false;
  return true;
}
