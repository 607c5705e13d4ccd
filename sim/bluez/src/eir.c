/* SPDX-License-Identifier: MIT */
/*
 * eir.c — bluetoothd's reading of advertising data (BlueZ 5.66 src/eir.c eir_parse),
 * on blec's own AD-structure iterator (src/core/adv.c blec__ad_foreach, fuzzed by
 * fuzz/fuzz-adv.c). Fuzzed as a whole by fuzz/fuzz-bluez-eir.c.
 */
#include <ctype.h>
#include <string.h>

#include "core/adv.h"
#include "eir.h"

enum {
  AD_FLAGS = 0x01,
  AD_UUID16_SOME = 0x02,
  AD_UUID16_ALL = 0x03,
  AD_UUID32_SOME = 0x04,
  AD_UUID32_ALL = 0x05,
  AD_UUID128_SOME = 0x06,
  AD_UUID128_ALL = 0x07,
  AD_NAME_SHORT = 0x08,
  AD_NAME_COMPLETE = 0x09,
  AD_TX_POWER = 0x0A,
  AD_CLASS_OF_DEV = 0x0D,
  AD_SSP_HASH = 0x0E,
  AD_SSP_RANDOMIZER = 0x0F,
  AD_DEVICE_ID = 0x10,
  AD_SVC_DATA16 = 0x16,
  AD_GAP_APPEARANCE = 0x19,
  AD_SVC_DATA32 = 0x20,
  AD_SVC_DATA128 = 0x21,
  AD_MANUFACTURER = 0xFF
};

/* eir_parse_sd's bound (EIR_SD_MAX_LEN). */
#define SD_MAX_LEN 238

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void add_uuid(bz_eir *e, blec_uuid u) {
  if (e->nuuids == BZ_EIR_MAX_UUIDS) return;
  blec_uuid_to_string(&u, e->uuids[e->nuuids++]);
}

/* Strict UTF-8 without NUL (what g_utf8_validate accepts for a length-bounded string). */
static bool valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp;
    if (c == 0) return false;
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) k = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) k = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) k = 3, cp = c & 0x07;
    else return false;
    if (i + k >= n) return false; /* truncated sequence */
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += k + 1;
  }
  return true;
}

/* name2utf8: valid UTF-8 as is; otherwise up to the first NUL, non-ASCII bytes as
 * spaces, surrounding white space removed. */
static void set_name(bz_eir *e, const uint8_t *d, size_t n, bool complete) {
  while (n > 0 && d[n - 1] == 0) n--; /* some vendors put a NUL terminator in the name */
  if (n > BZ_EIR_NAME_MAX) n = BZ_EIR_NAME_MAX;
  if (valid_utf8(d, n)) {
    memcpy(e->name, d, n);
    e->name[n] = 0;
  } else {
    size_t m = 0;
    while (m < n && d[m]) {
      e->name[m] = d[m] < 0x80 ? (char)d[m] : ' ';
      m++;
    }
    e->name[m] = 0;
    size_t start = 0;
    while (e->name[start] && isspace((unsigned char)e->name[start])) start++;
    size_t end = strlen(e->name);
    while (end > start && isspace((unsigned char)e->name[end - 1])) end--;
    memmove(e->name, e->name + start, end - start);
    e->name[end - start] = 0;
  }
  e->has_name = true;
  e->name_complete = complete;
}

static void add_item(bz_eir_item *list, size_t *n, const bz_eir_item *it) {
  if (*n == BZ_EIR_MAX_ITEMS) return;
  list[(*n)++] = *it;
}

static void service_data(bz_eir *e, blec_uuid u, const uint8_t *d, size_t n) {
  bz_eir_item it;
  memset(&it, 0, sizeof it);
  blec_uuid_to_string(&u, it.uuid);
  it.data = d;
  it.len = n;
  add_item(e->sd, &e->nsd, &it);
}

static int on_structure(void *user, uint8_t type, const uint8_t *d, size_t n) {
  bz_eir *e = user;
  bz_eir_item it;
  switch (type) {
    case AD_UUID16_SOME:
    case AD_UUID16_ALL:
      for (size_t i = 0; i + 2 <= n; i += 2) add_uuid(e, blec_uuid_from16(le16(d + i)));
      break;
    case AD_UUID32_SOME:
    case AD_UUID32_ALL:
      for (size_t i = 0; i + 4 <= n; i += 4) add_uuid(e, blec_uuid_from32(le32(d + i)));
      break;
    case AD_UUID128_SOME:
    case AD_UUID128_ALL:
      for (size_t i = 0; i + 16 <= n; i += 16) add_uuid(e, blec_uuid_from_le_bytes(d + i));
      break;
    case AD_FLAGS:
      if (n > 0) e->flags = d[0];
      break;
    case AD_NAME_SHORT:
    case AD_NAME_COMPLETE:
      set_name(e, d, n, type == AD_NAME_COMPLETE);
      break;
    case AD_TX_POWER:
      if (n >= 1) e->tx_power = (int8_t)d[0];
      break;
    case AD_GAP_APPEARANCE:
      if (n >= 2) e->appearance = le16(d);
      break;
    case AD_CLASS_OF_DEV:
    case AD_SSP_HASH:
    case AD_SSP_RANDOMIZER:
    case AD_DEVICE_ID:
      break; /* BR/EDR and OOB fields: not used for LE devices here */
    case AD_SVC_DATA16:
      if (n >= 2 && n <= SD_MAX_LEN) service_data(e, blec_uuid_from16(le16(d)), d + 2, n - 2);
      break;
    case AD_SVC_DATA32:
      if (n >= 4 && n <= SD_MAX_LEN) service_data(e, blec_uuid_from32(le32(d)), d + 4, n - 4);
      break;
    case AD_SVC_DATA128:
      if (n >= 16 && n <= SD_MAX_LEN) service_data(e, blec_uuid_from_le_bytes(d), d + 16, n - 16);
      break;
    case AD_MANUFACTURER:
      if (n < 2) break;
      memset(&it, 0, sizeof it);
      it.company = le16(d);
      it.data = d + 2;
      it.len = n - 2;
      add_item(e->msd, &e->nmsd, &it);
      break;
    default:
      memset(&it, 0, sizeof it);
      it.type = type;
      it.data = d;
      it.len = n;
      add_item(e->ad, &e->nad, &it);
      break;
  }
  return 0;
}

void bz_eir_parse(const uint8_t *data, size_t len, bz_eir *out) {
  memset(out, 0, sizeof *out);
  out->tx_power = 127;
  if (!data || len == 0) return;
  (void)blec__ad_foreach(data, len, on_structure, out);
}
