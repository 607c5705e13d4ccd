/* SPDX-License-Identifier: MIT */
/*
 * uuid.c — the blec_uuid value type: parsing, the 16/32-bit short forms against the
 * Bluetooth base UUID, formatting, and the names of assigned numbers (UUIDs, companies,
 * appearances) looked up in the generated tables of assigned_numbers.c.
 *
 * Accepted text (blec_uuid_parse), any case, nothing before or after (no whitespace):
 *   16-bit   "180d", "0x180D"
 *   32-bit   "0000180d", "0x12345678"
 *   128-bit  "0000180d-0000-1000-8000-00805f9b34fb", the same without dashes (32 hex
 *            digits), either of those inside braces "{...}".
 * The parser looks at no more than 39 characters and never past the terminating NUL.
 */
#include <stddef.h>
#include <string.h>

#include "blec/blec.h"
#include "core/assigned_numbers.h"
#include "core/core.h"

/* Bytes 4..15 of the Bluetooth base UUID 00000000-0000-1000-8000-00805f9b34fb. */
static const uint8_t base_tail[12] = {0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
                                      0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb};

/* Longest accepted text: "{" + 36 + "}" = 38 characters. */
#define MAX_TEXT 38

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads `ndigits` hex digits from s into *value; false if any is not a hex digit. */
static bool read_hex32(const char *s, size_t ndigits, uint32_t *value) {
  uint32_t v = 0;
  for (size_t i = 0; i < ndigits; i++) {
    int d = hex_value(s[i]);
    if (d < 0) return false;
    v = (v << 4) | (uint32_t)d;
  }
  *value = v;
  return true;
}

/* 32 hex digits, optionally with dashes after digits 8, 12, 16 and 20 (all or none),
 * of exactly `len` characters. */
static bool parse128(const char *s, size_t len, blec_uuid *out) {
  bool dashed;
  if (len == 36)
    dashed = true;
  else if (len == 32)
    dashed = false;
  else
    return false;
  size_t pos = 0;
  for (int i = 0; i < 16; i++) {
    if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
      if (s[pos] != '-') return false;
      pos++;
    }
    int hi = hex_value(s[pos]);
    int lo = hi < 0 ? -1 : hex_value(s[pos + 1]);
    if (hi < 0 || lo < 0) return false;
    out->b[i] = (uint8_t)(hi << 4 | lo);
    pos += 2;
  }
  return pos == len;
}

int blec_uuid_parse(const char *text, blec_uuid *out) {
  if (text == NULL || out == NULL) return BLEC_ERR_INVALID_ARG;
  /* Bounded length: stop at the NUL or one past the longest valid form. */
  size_t len = 0;
  while (len <= MAX_TEXT && text[len] != '\0') len++;
  if (len > MAX_TEXT) return BLEC_ERR_PARSE;

  blec_uuid u;
  if (len >= 2 && text[0] == '{') {
    if (text[len - 1] != '}' || !parse128(text + 1, len - 2, &u)) return BLEC_ERR_PARSE;
    *out = u;
    return BLEC_OK;
  }
  if (len == 32 || len == 36) {
    if (!parse128(text, len, &u)) return BLEC_ERR_PARSE;
    *out = u;
    return BLEC_OK;
  }
  const char *digits = text;
  size_t n = len;
  if (n >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    digits += 2;
    n -= 2;
  }
  uint32_t v;
  if ((n != 4 && n != 8) || !read_hex32(digits, n, &v)) return BLEC_ERR_PARSE;
  *out = blec_uuid_from32(v);
  return BLEC_OK;
}

blec_uuid blec_uuid_from32(uint32_t v) {
  blec_uuid u;
  u.b[0] = (uint8_t)(v >> 24);
  u.b[1] = (uint8_t)(v >> 16);
  u.b[2] = (uint8_t)(v >> 8);
  u.b[3] = (uint8_t)v;
  memcpy(u.b + 4, base_tail, sizeof base_tail);
  return u;
}

blec_uuid blec_uuid_from16(uint16_t v) { return blec_uuid_from32(v); }

blec_uuid blec_uuid_from_le_bytes(const uint8_t le[16]) {
  blec_uuid u;
  for (int i = 0; i < 16; i++) u.b[i] = le[15 - i];
  return u;
}

bool blec_uuid_to32(const blec_uuid *u, uint32_t *out) {
  if (u == NULL || memcmp(u->b + 4, base_tail, sizeof base_tail) != 0) return false;
  uint32_t v = (uint32_t)u->b[0] << 24 | (uint32_t)u->b[1] << 16 | (uint32_t)u->b[2] << 8 | u->b[3];
  if (out) *out = v;
  return true;
}

bool blec_uuid_to16(const blec_uuid *u, uint16_t *out) {
  uint32_t v;
  if (!blec_uuid_to32(u, &v) || v > 0xFFFF) return false;
  if (out) *out = (uint16_t)v;
  return true;
}

bool blec_uuid_equal(const blec_uuid *a, const blec_uuid *b) {
  if (a == NULL || b == NULL) return a == b;
  return memcmp(a->b, b->b, 16) == 0;
}

char *blec_uuid_to_string(const blec_uuid *u, char buf[BLEC_UUID_STRLEN]) {
  static const char hex[] = "0123456789abcdef";
  if (buf == NULL) return NULL;
  if (u == NULL) {
    buf[0] = '\0';
    return buf;
  }
  size_t pos = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[pos++] = '-';
    buf[pos++] = hex[u->b[i] >> 4];
    buf[pos++] = hex[u->b[i] & 0x0F];
  }
  buf[pos] = '\0';
  return buf;
}

/* As bleak's uuidstr_to_str: the names the program registered (register_uuids) first,
 * then 16-bit assigned numbers for UUIDs built on the base UUID, the vendor table for
 * the rest (the two tables do not overlap: the generator keeps base-UUID entries out of
 * the vendor table). A UUID without a name gives NULL, blec's one convention for "no
 * name" (bleak says "Unknown" or "Vendor specific"; the printable forms say "Unknown"). */
const char *blec_uuid_description(const blec_uuid *u) {
  if (u == NULL) return NULL;
  const char *name = blec__uuid_registered_name(u);
  if (name) return name;
  uint16_t v16;
  if (blec_uuid_to16(u, &v16)) {
    name = blec__uuid16_name(v16);
    if (name) return name;
  }
  return blec__uuid128_name(u->b);
}

const char *blec_company_name(uint16_t company_id) { return blec__company_name(company_id); }

/* An exact match, else the name of the value's category (value >> 6) with sub-category
 * 0, so a device with a sub-category missing from the table still gets its category
 * ("Heart Rate Sensor" for 0x0345). NULL when the category is unknown too. */
const char *blec_appearance_name(uint16_t appearance) {
  const char *name = blec__appearance_name(appearance);
  if (name) return name;
  return blec__appearance_name((uint16_t)(appearance & 0xFFC0u));
}
