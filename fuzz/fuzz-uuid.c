/* SPDX-License-Identifier: MIT */
/*
 * fuzz-uuid.c — libFuzzer target of blec_uuid_parse and the name lookups.
 *
 * The input, NUL-terminated in an exact-size heap copy (a read past the NUL is an
 * AddressSanitizer report), is parsed as UUID text. Whatever parses must format to the
 * canonical 36 lower-case characters and parse back to the same value; the short forms
 * must agree with each other. The first bytes also drive the company, appearance and
 * property lookups, and the first 16 are read as an over-the-air UUID.
 */
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

static void check_uuid(const blec_uuid *u) {
  char buf[BLEC_UUID_STRLEN];
  blec_uuid back;
  check(blec_uuid_to_string(u, buf) == buf);
  check(strlen(buf) == 36);
  for (int i = 0; i < 36; i++) {
    char c = buf[i];
    if (i == 8 || i == 13 || i == 18 || i == 23)
      check(c == '-');
    else
      check((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  check(blec_uuid_parse(buf, &back) == BLEC_OK && blec_uuid_equal(u, &back));

  uint16_t v16;
  uint32_t v32;
  bool is16 = blec_uuid_to16(u, &v16), is32 = blec_uuid_to32(u, &v32);
  if (is16) {
    blec_uuid w = blec_uuid_from16(v16);
    check(is32 && v32 == v16 && blec_uuid_equal(&w, u));
  }
  if (is32) {
    blec_uuid w = blec_uuid_from32(v32);
    check(blec_uuid_equal(&w, u));
  }
  /* NULL when the UUID has no name; a name is never empty. */
  const char *d = blec_uuid_description(u);
  check(d == NULL || d[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  text[size] = '\0';

  blec_uuid u;
  int r = blec_uuid_parse(text, &u);
  check(r == BLEC_OK || r == BLEC_ERR_PARSE);
  if (r == BLEC_OK) check_uuid(&u);
  free(text);

  if (size >= 16) {
    blec_uuid le = blec_uuid_from_le_bytes(data);
    for (int i = 0; i < 16; i++) check(le.b[i] == data[15 - i]);
    check_uuid(&le);
  }
  if (size >= 2) {
    uint16_t v = (uint16_t)(data[0] | data[1] << 8);
    const char *c = blec_company_name(v);
    if (c) check(c[0] != '\0');
    const char *a = blec_appearance_name(v);
    if (a) check(a[0] != '\0');
  }
  if (size >= 4) {
    uint32_t props = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
    char buf[256], small[8];
    blec_properties_format(props, buf, sizeof buf);
    check(strlen(buf) < sizeof buf);
    blec_properties_format(props, small, (size_t)(data[0] % sizeof small));
    if (data[0] % sizeof small) check(memchr(small, '\0', data[0] % sizeof small) != NULL);
    const char *n = blec_property_name(props);
    check(n == NULL || (props != 0 && (props & (props - 1)) == 0));
  }
  return 0;
}
