/* SPDX-License-Identifier: MIT */
/*
 * world_parse_adv.c — advertising fields of the world file format: after "adv" (the
 * advertisement), "scan-response", or alone (the advertisement). See docs/world-format.md.
 */
#include <string.h>

#include "world/world_parse.h"

/* Adds one AD structure to part 0 (advertisement) or 1 (scan response). */
static int add_ad(blec__wparser *ps, int part, uint8_t type, const uint8_t *data, size_t len) {
  int st = blec_world_peripheral_add_ad(ps->p, part == 1, type, data, len);
  if (st == BLEC_ERR_INVALID_ARG)
    return blec__wp_fail(ps, "the %s is too long (at most %d bytes, flags and name included)",
                         part ? "scan response" : "advertisement", BLEC__W_MAX_ADV);
  return blec__wp_built(ps, st, "cannot add the AD structure");
}

static size_t uuid_le(const blec_uuid *u, uint8_t *out) {
  uint32_t v32;
  uint16_t v16;
  if (blec_uuid_to16(u, &v16)) {
    out[0] = (uint8_t)v16;
    out[1] = (uint8_t)(v16 >> 8);
    return 2;
  }
  if (blec_uuid_to32(u, &v32)) {
    for (int i = 0; i < 4; i++) out[i] = (uint8_t)(v32 >> (8 * i));
    return 4;
  }
  for (int i = 0; i < 16; i++) out[i] = u->b[15 - i];
  return 16;
}

static int ad_services(blec__wparser *ps, int part, char **t, size_t n) {
  uint8_t list[3][BLEC__W_MAX_ADV];
  size_t len[3] = {0, 0, 0};
  for (size_t i = 1; i < n; i++) {
    blec_uuid u;
    uint8_t b[16];
    if (blec__wp_uuid(ps, t[i], &u)) return BLEC_ERR_PARSE;
    size_t k = uuid_le(&u, b);
    int g = k == 2 ? 0 : k == 4 ? 1 : 2;
    if (len[g] + k > BLEC__W_MAX_ADV - 2)
      return blec__wp_fail(ps, "too many service UUIDs for one AD structure");
    memcpy(list[g] + len[g], b, k);
    len[g] += k;
  }
  static const uint8_t types[3] = {0x03, 0x05, 0x07}; /* complete lists of 16-, 32-, 128-bit */
  for (int g = 0; g < 3; g++)
    if (len[g] && add_ad(ps, part, types[g], list[g], len[g])) return BLEC_ERR_PARSE;
  return BLEC_OK;
}

/* AD keywords, after "adv" / "scan-response" or alone (advertisement). t[0] is the keyword. */
static int ad_keyword(blec__wparser *ps, int part, char **t, size_t n) {
  const char *k = t[0];
  int64_t v;
  uint8_t b[BLEC__W_MAX_VALUE + 16];
  if (!strcmp(k, "name")) {
    if (n != 2) return blec__wp_fail(ps, "wrong arguments for 'name' (expected: name \"TEXT\")");
    return blec__wp_set_name(ps, t[1], part == 0 ? BLEC__WNAME_ADV : BLEC__WNAME_SCAN_RSP);
  }
  if (!strcmp(k, "short-name")) {
    char name[250];
    if (n != 2) return blec__wp_fail(ps, "wrong arguments for 'short-name' (expected: short-name \"TEXT\")");
    if (blec__wp_name(ps, t[1], name, sizeof name)) return BLEC_ERR_PARSE;
    return add_ad(ps, part, 0x08, (const uint8_t *)name, strlen(name));
  }
  if (!strcmp(k, "services")) {
    if (n < 2) return blec__wp_fail(ps, "wrong arguments for 'services' (expected: services UUID...)");
    return ad_services(ps, part, t, n);
  }
  if (!strcmp(k, "manufacturer")) {
    uint16_t company;
    if (n < 3)
      return blec__wp_fail(
          ps,
          "wrong arguments for 'manufacturer' (expected: manufacturer COMPANY VALUE, as 004c hex:0215...)");
    if (!blec__wlex_hex16(t[1], &company))
      return blec__wp_fail(ps, "bad company id '%.30s' (expected up to 4 hex digits, as 004c)", t[1]);
    if (blec__wp_value(ps, t + 2, n - 2)) return BLEC_ERR_PARSE;
    b[0] = (uint8_t)company;
    b[1] = (uint8_t)(company >> 8);
    if (ps->vlen > 252) return blec__wp_fail(ps, "manufacturer data too long (at most 252 bytes)");
    memcpy(b + 2, ps->val, ps->vlen);
    return add_ad(ps, part, 0xFF, b, ps->vlen + 2);
  }
  if (!strcmp(k, "service-data")) {
    blec_uuid u;
    if (n < 3)
      return blec__wp_fail(ps, "wrong arguments for 'service-data' (expected: service-data UUID VALUE)");
    if (blec__wp_uuid(ps, t[1], &u) || blec__wp_value(ps, t + 2, n - 2)) return BLEC_ERR_PARSE;
    size_t ul = uuid_le(&u, b);
    if (ps->vlen + ul > 254)
      return blec__wp_fail(ps, "service data too long (at most 254 bytes with the UUID)");
    memcpy(b + ul, ps->val, ps->vlen);
    return add_ad(ps, part, ul == 2 ? 0x16 : ul == 4 ? 0x20 : 0x21, b, ul + ps->vlen);
  }
  if (!strcmp(k, "tx-power") || !strcmp(k, "appearance") || !strcmp(k, "flags")) {
    if (n != 2) return blec__wp_fail(ps, "wrong arguments for '%s' (expected: %s NUMBER)", k, k);
    bool tx = k[0] == 't', app = k[0] == 'a';
    if (blec__wp_int(ps, k, t[1], tx ? -127 : 0, tx ? 127 : app ? 65535 : 255, &v)) return BLEC_ERR_PARSE;
    uint64_t u = (uint64_t)v;
    b[0] = (uint8_t)(u & 0xFF);
    b[1] = (uint8_t)((u >> 8) & 0xFF);
    return add_ad(ps, part, tx ? 0x0A : app ? 0x19 : 0x01, b, app ? 2 : 1);
  }
  if (!strcmp(k, "ad")) {
    if (n < 3)
      return blec__wp_fail(ps, "wrong arguments for 'ad' (expected: ad TYPE VALUE, as ad 0x16 hex:aafe10)");
    if (blec__wp_int(ps, k, t[1], 0, 255, &v) || blec__wp_value(ps, t + 2, n - 2)) return BLEC_ERR_PARSE;
    if (ps->vlen > 254) return blec__wp_fail(ps, "AD structure too long (at most 254 bytes)");
    return add_ad(ps, part, (uint8_t)v, ps->val, ps->vlen);
  }
  if (!strcmp(k, "raw")) {
    if (n < 2) return blec__wp_fail(ps, "wrong arguments for 'raw' (expected: raw VALUE)");
    if (blec__wp_value(ps, t + 1, n - 1)) return BLEC_ERR_PARSE;
    if (ps->vlen > BLEC__W_MAX_ADV)
      return blec__wp_fail(ps, "raw payload too long (at most %d bytes)", BLEC__W_MAX_ADV);
    return blec__wp_built(ps, blec_world_peripheral_set_adv_data(ps->p, part == 1, ps->val, ps->vlen),
                          "bad raw payload");
  }
  return blec__wp_fail(ps,
                       "unknown advertising field '%.30s' (expected name, short-name, services, "
                       "manufacturer, service-data, tx-power, appearance, flags, ad or raw)",
                       k);
}

int blec__wp_kw_adv_part(blec__wparser *ps, char **t, size_t n) {
  return ad_keyword(ps, t[0][0] == 's' ? 1 : 0, t + 1, n - 1);
}

int blec__wp_kw_ad_bare(blec__wparser *ps, char **t, size_t n) { return ad_keyword(ps, 0, t, n); }
