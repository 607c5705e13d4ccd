/* SPDX-License-Identifier: MIT */
/*
 * gatt_lookup.c — the lookups and one-call operations bleak users reach for: a
 * characteristic by UUID within one service, a characteristic by text with the detail of
 * a failure (an ambiguous UUID names the services that hold it, as the user must then
 * choose), and read / write by UUID text or handle in one call (bleak's
 * read_gatt_char("2a19")). Built on the public tree accessors.
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"

int blec_service_characteristic(const blec_service *svc, const blec_uuid *uuid, blec_characteristic **out) {
  if (out) *out = NULL;
  if (!svc || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  blec_characteristic *found = NULL;
  size_t n = blec_service_characteristic_count(svc);
  for (size_t i = 0; i < n; i++) {
    blec_characteristic *c = blec_service_characteristic_at(svc, i);
    blec_uuid u = blec_characteristic_uuid(c);
    if (!blec_uuid_equal(&u, uuid)) continue;
    if (found) return BLEC_ERR_AMBIGUOUS;
    found = c;
  }
  *out = found;
  return found ? BLEC_OK : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
}

/* "180f (handle 10), Heart Rate (handle 4)": the services holding a characteristic `uuid`. */
static void services_holding(const blec_client *c, const blec_uuid *uuid, char *buf, size_t size) {
  size_t len = 0, shown = 0;
  buf[0] = '\0';
  size_t n = blec_client_service_count(c);
  for (size_t i = 0; i < n && len < size; i++) {
    blec_service *svc = blec_client_service_at(c, i);
    blec_characteristic *chr = NULL;
    if (blec_service_characteristic(svc, uuid, &chr) == BLEC_ERR_CHARACTERISTIC_NOT_FOUND) continue;
    blec_uuid su = blec_service_uuid(svc);
    char ub[BLEC_UUID_STRLEN];
    const char *name = blec_service_description(svc);
    int w = snprintf(buf + len, size - len, "%s%s (handle %u)", shown++ ? ", " : "",
                     name ? name : blec_uuid_to_string(&su, ub), blec_service_handle(svc));
    if (w < 0) break;
    len += (size_t)w;
  }
}

int blec_client_find_characteristic(const blec_client *client, const char *spec, blec_characteristic **out,
                                    blec_error *err) {
  blec_error_clear(err);
  if (out) *out = NULL;
  if (!client || !spec || !out) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "client, spec and out are required");
    return BLEC_ERR_INVALID_ARG;
  }
  int st = blec_client_characteristic_by_spec(client, spec, out);
  switch (st) {
    case BLEC_OK: break;
    case BLEC_ERR_INVALID_ARG:
      blec__error_set(err, st, "'%.60s' is neither a UUID nor a handle (#14, handle:14)", spec);
      break;
    case BLEC_ERR_CHARACTERISTIC_NOT_FOUND:
      blec__error_set(err, st, "the device has no characteristic %.60s", spec);
      break;
    case BLEC_ERR_AMBIGUOUS: {
      blec_uuid u;
      char where[140];
      blec_uuid_parse(spec, &u); /* a handle is never ambiguous: spec is a UUID */
      services_holding(client, &u, where, sizeof where);
      blec__error_set(err, st,
                      "%.40s names a characteristic in several services: %s; name one by its handle or "
                      "look it up in its service (blec_service_characteristic)",
                      spec, where);
      break;
    }
    default: blec__error_set(err, st, "%s", blec_strerror(st)); break;
  }
  return st;
}

int blec_client_read_spec(blec_client *client, const char *spec, unsigned flags, int timeout_ms, uint8_t **data,
                          size_t *len, blec_error *err) {
  if (data) *data = NULL;
  if (len) *len = 0;
  blec_characteristic *chr = NULL;
  int st = blec_client_find_characteristic(client, spec, &chr, err);
  if (st != BLEC_OK) return st;
  return blec_client_read(client, chr, flags, timeout_ms, data, len, err);
}

int blec_client_write_spec(blec_client *client, const char *spec, const uint8_t *data, size_t len,
                           blec_write_mode mode, int timeout_ms, blec_error *err) {
  blec_characteristic *chr = NULL;
  int st = blec_client_find_characteristic(client, spec, &chr, err);
  if (st != BLEC_OK) return st;
  return blec_client_write(client, chr, data, len, mode, timeout_ms, err);
}
