/* SPDX-License-Identifier: MIT */
/* test-uuid.c — blec_uuid parsing, short forms, byte order and formatting. */
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"
#include "test.h"

/* Prototypes of every test of the suite (keeps -Wmissing-prototypes quiet). */
#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

static const char HR_128[] = "0000180d-0000-1000-8000-00805f9b34fb";

/* Parses a heap copy of exactly strlen(text)+1 bytes, so that a sanitizer build catches
 * any read past the terminating NUL. */
static int parse_exact(const char *text, blec_uuid *out) {
  size_t n = strlen(text) + 1;
  char *copy = malloc(n);
  ASSERT(copy != NULL);
  memcpy(copy, text, n);
  int r = blec_uuid_parse(copy, out);
  free(copy);
  return r;
}

static void assert_parses_to(const char *text, const char *canonical) {
  blec_uuid u;
  char buf[BLEC_UUID_STRLEN];
  int r = parse_exact(text, &u);
  if (r != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "\"%s\" did not parse (%d)", text, r);
  blec_uuid_to_string(&u, buf);
  if (strcmp(buf, canonical) != 0)
    blec_test_fail_(__FILE__, __LINE__, "\"%s\" parsed to %s, wanted %s", text, buf, canonical);
}

static void assert_rejected(const char *text) {
  blec_uuid u;
  memset(&u, 0xAA, sizeof u);
  int r = parse_exact(text, &u);
  if (r != BLEC_ERR_PARSE)
    blec_test_fail_(__FILE__, __LINE__, "\"%s\" returned %d, wanted BLEC_ERR_PARSE", text, r);
  for (int i = 0; i < 16; i++)
    if (u.b[i] != 0xAA) blec_test_fail_(__FILE__, __LINE__, "\"%s\" wrote the output on failure", text);
}

BLEC_TEST_IMPL(uuid_parses_16_bit_lower_case) { assert_parses_to("180d", HR_128); }

BLEC_TEST_IMPL(uuid_parses_16_bit_upper_case) {
  assert_parses_to("180D", HR_128);
  assert_parses_to("2A37", "00002a37-0000-1000-8000-00805f9b34fb");
}

BLEC_TEST_IMPL(uuid_parses_16_bit_with_0x_prefix) {
  assert_parses_to("0x180D", HR_128);
  assert_parses_to("0X180d", HR_128);
  assert_parses_to("0x0000", "00000000-0000-1000-8000-00805f9b34fb");
  assert_parses_to("0xFFFF", "0000ffff-0000-1000-8000-00805f9b34fb");
}

BLEC_TEST_IMPL(uuid_parses_32_bit) {
  assert_parses_to("0000180d", HR_128);
  assert_parses_to("12345678", "12345678-0000-1000-8000-00805f9b34fb");
  assert_parses_to("ABCDEF01", "abcdef01-0000-1000-8000-00805f9b34fb");
}

BLEC_TEST_IMPL(uuid_parses_32_bit_with_0x_prefix) {
  assert_parses_to("0x12345678", "12345678-0000-1000-8000-00805f9b34fb");
  assert_parses_to("0X0000180D", HR_128);
}

BLEC_TEST_IMPL(uuid_parses_128_bit_with_dashes) {
  assert_parses_to("6e400001-b5a3-f393-e0a9-e50e24dcca9e", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  assert_parses_to(HR_128, HR_128);
}

BLEC_TEST_IMPL(uuid_parses_128_bit_without_dashes) {
  assert_parses_to("6e400001b5a3f393e0a9e50e24dcca9e", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
}

BLEC_TEST_IMPL(uuid_parses_braced_128_bit) {
  assert_parses_to("{6e400001-b5a3-f393-e0a9-e50e24dcca9e}", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  assert_parses_to("{6E400001B5A3F393E0A9E50E24DCCA9E}", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
}

BLEC_TEST_IMPL(uuid_parses_any_case_128_bit) {
  assert_parses_to("6E400001-B5A3-F393-E0A9-E50E24DCCA9E", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  assert_parses_to("6e400001-B5a3-f393-E0a9-e50E24dcCA9e", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
}

BLEC_TEST_IMPL(uuid_parse_rejects_null_arguments) {
  blec_uuid u;
  ASSERT_STATUS(blec_uuid_parse(NULL, &u), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_parse("180d", NULL), BLEC_ERR_INVALID_ARG);
}

BLEC_TEST_IMPL(uuid_parse_rejects_empty_text) {
  assert_rejected("");
  assert_rejected("0x");
  assert_rejected("{}");
  assert_rejected("{");
  assert_rejected("}");
}

BLEC_TEST_IMPL(uuid_parse_rejects_surrounding_whitespace) {
  assert_rejected(" 180d");
  assert_rejected("180d ");
  assert_rejected("\t180d");
  assert_rejected("180d\n");
  assert_rejected(" 0000180d-0000-1000-8000-00805f9b34fb");
  assert_rejected("0000180d-0000-1000-8000-00805f9b34fb ");
  assert_rejected("{0000180d-0000-1000-8000-00805f9b34fb} ");
  assert_rejected("{ 0000180d-0000-1000-8000-00805f9b34fb}");
  assert_rejected("0x 180d");
}

BLEC_TEST_IMPL(uuid_parse_rejects_wrong_lengths) {
  assert_rejected("1");
  assert_rejected("18d");
  assert_rejected("180d1");
  assert_rejected("0x18");
  assert_rejected("0x180d1");
  assert_rejected("1234567");
  assert_rejected("123456789");
  assert_rejected("0x123456789");
  assert_rejected("6e400001b5a3f393e0a9e50e24dcca9");   /* 31 */
  assert_rejected("6e400001b5a3f393e0a9e50e24dcca9e0"); /* 33 */
  assert_rejected("6e400001-b5a3-f393-e0a9-e50e24dcca9");   /* 35 */
  assert_rejected("6e400001-b5a3-f393-e0a9-e50e24dcca9e0"); /* 37 */
}

BLEC_TEST_IMPL(uuid_parse_rejects_misplaced_dashes) {
  assert_rejected("6e40000-1b5a3-f393-e0a9-e50e24dcca9e");
  assert_rejected("6e400001-b5a3f-393-e0a9-e50e24dcca9e");
  assert_rejected("6e400001-b5a3-f393-e0a9e-50e24dcca9e");
  assert_rejected("6e400001-b5a3-f393e0a9-e50e24dcca9e0"); /* one dash missing */
  assert_rejected("6e400001b5a3-f393-e0a9-e50e24dcca9e");  /* 35 chars, partial dashes */
  assert_rejected("6e400001-b5a3-f393-e0a9-e50e24dcca-9"); /* dash in the last group */
  assert_rejected("18-d");
  assert_rejected("------------------------------------"); /* 36 dashes */
}

BLEC_TEST_IMPL(uuid_parse_rejects_non_hex_digits) {
  assert_rejected("18g0");
  assert_rejected("zzzz");
  assert_rejected("0x18G0");
  assert_rejected("1234567x");
  assert_rejected("6e400001-b5a3-f393-e0a9-e50e24dcca9g");
  assert_rejected("6e400001b5a3f393e0a9e50e24dcca9\xc3");
  assert_rejected("\xff\xff\xff\xff");
}

BLEC_TEST_IMPL(uuid_parse_rejects_signs_and_nested_prefixes) {
  assert_rejected("+180");
  assert_rejected("-180");
  assert_rejected("0x-180");
  assert_rejected("0x0x18");
  assert_rejected("x180d");
  assert_rejected("0y180d");
}

BLEC_TEST_IMPL(uuid_parse_rejects_unbalanced_braces) {
  assert_rejected("{180d}");
  assert_rejected("{0000180d}");
  assert_rejected("{6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  assert_rejected("6e400001-b5a3-f393-e0a9-e50e24dcca9e}");
  assert_rejected("{{6e400001b5a3f393e0a9e50e24dcca9e}}");
  assert_rejected("}6e400001-b5a3-f393-e0a9-e50e24dcca9e{");
  assert_rejected("(6e400001-b5a3-f393-e0a9-e50e24dcca9e)");
}

BLEC_TEST_IMPL(uuid_parse_rejects_0x_prefix_on_128_bit) {
  assert_rejected("0x6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  assert_rejected("0x6e400001b5a3f393e0a9e50e24dcca9e");
  assert_rejected("{0x6e400001b5a3f393e0a9e50e24dcca9e}");
}

BLEC_TEST_IMPL(uuid_parse_rejects_overlong_text) {
  char big[1001];
  memset(big, '0', 1000);
  big[1000] = '\0';
  assert_rejected(big);
  assert_rejected("{6e400001-b5a3-f393-e0a9-e50e24dcca9e}0");
  assert_rejected("urn:uuid:6e400001-b5a3-f393-e0a9-e50e24dcca9e");
}

BLEC_TEST_IMPL(uuid_parse_stops_at_the_nul) {
  /* The bytes after the NUL are never looked at. */
  const char text[] = "180d\0ffff";
  blec_uuid u;
  char buf[BLEC_UUID_STRLEN];
  ASSERT_OK(blec_uuid_parse(text, &u));
  ASSERT_STR_EQ(blec_uuid_to_string(&u, buf), HR_128);
  /* Every prefix of a valid form, each in an exact-size buffer. */
  const char *full = "{6e400001-b5a3-f393-e0a9-e50e24dcca9e}";
  for (size_t n = 0; n < strlen(full); n++) {
    char part[64];
    memcpy(part, full, n);
    part[n] = '\0';
    assert_rejected(part);
  }
}

BLEC_TEST_IMPL(uuid_from16_expands_against_the_base_uuid) {
  blec_uuid u = blec_uuid_from16(0x180D);
  static const uint8_t want[16] = {0x00, 0x00, 0x18, 0x0d, 0x00, 0x00, 0x10, 0x00,
                                   0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb};
  ASSERT_MEM_EQ(u.b, want, 16);
}

BLEC_TEST_IMPL(uuid_from32_expands_against_the_base_uuid) {
  blec_uuid u = blec_uuid_from32(0x12345678);
  char buf[BLEC_UUID_STRLEN];
  ASSERT_STR_EQ(blec_uuid_to_string(&u, buf), "12345678-0000-1000-8000-00805f9b34fb");
  blec_uuid a = blec_uuid_from32(0x180D), b = blec_uuid_from16(0x180D);
  ASSERT(blec_uuid_equal(&a, &b));
}

BLEC_TEST_IMPL(uuid_from_le_bytes_reverses_the_byte_order) {
  /* 6e400001-b5a3-f393-e0a9-e50e24dcca9e as it travels over the air. */
  static const uint8_t le[16] = {0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0,
                                 0x93, 0xf3, 0xa3, 0xb5, 0x01, 0x00, 0x40, 0x6e};
  blec_uuid u = blec_uuid_from_le_bytes(le);
  char buf[BLEC_UUID_STRLEN];
  ASSERT_STR_EQ(blec_uuid_to_string(&u, buf), "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
}

BLEC_TEST_IMPL(uuid_to16_accepts_only_16_bit_base_uuids) {
  blec_uuid u = blec_uuid_from16(0x2A37);
  uint16_t v = 0;
  ASSERT(blec_uuid_to16(&u, &v));
  ASSERT_EQ_INT(v, 0x2A37);
  ASSERT(blec_uuid_to16(&u, NULL));
  u = blec_uuid_from32(0x00012A37);
  ASSERT(!blec_uuid_to16(&u, &v));
  ASSERT_OK(blec_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &u));
  ASSERT(!blec_uuid_to16(&u, &v));
  ASSERT(!blec_uuid_to16(NULL, &v));
}

BLEC_TEST_IMPL(uuid_to32_accepts_base_uuids) {
  blec_uuid u = blec_uuid_from32(0xDEADBEEF);
  uint32_t v = 0;
  ASSERT(blec_uuid_to32(&u, &v));
  ASSERT_EQ_INT(v, 0xDEADBEEFu);
  u = blec_uuid_from16(0x180F);
  ASSERT(blec_uuid_to32(&u, &v));
  ASSERT_EQ_INT(v, 0x180F);
}

BLEC_TEST_IMPL(uuid_to32_rejects_vendor_uuids) {
  blec_uuid u;
  uint32_t v = 7;
  ASSERT_OK(blec_uuid_parse("0000180d-0000-1000-8000-00805f9b34fc", &u)); /* last byte differs */
  ASSERT(!blec_uuid_to32(&u, &v));
  ASSERT_OK(blec_uuid_parse("0000180d-0001-1000-8000-00805f9b34fb", &u));
  ASSERT(!blec_uuid_to32(&u, &v));
  ASSERT_EQ_INT(v, 7);
  ASSERT(!blec_uuid_to32(NULL, &v));
}

BLEC_TEST_IMPL(uuid_equal_compares_every_byte) {
  blec_uuid a = blec_uuid_from16(0x180D), b = a;
  ASSERT(blec_uuid_equal(&a, &b));
  for (int i = 0; i < 16; i++) {
    b = a;
    b.b[i] ^= 0x01;
    ASSERT(!blec_uuid_equal(&a, &b));
  }
  ASSERT(!blec_uuid_equal(&a, NULL));
  ASSERT(blec_uuid_equal(NULL, NULL));
}

BLEC_TEST_IMPL(uuid_to_string_is_canonical_lower_case) {
  blec_uuid u;
  char buf[BLEC_UUID_STRLEN];
  memset(buf, 'x', sizeof buf);
  ASSERT_OK(blec_uuid_parse("{ABCDEF01-2345-6789-ABCD-EF0123456789}", &u));
  ASSERT(blec_uuid_to_string(&u, buf) == buf);
  ASSERT_STR_EQ(buf, "abcdef01-2345-6789-abcd-ef0123456789");
  ASSERT_EQ_INT(strlen(buf), BLEC_UUID_STRLEN - 1);
}

BLEC_TEST_IMPL(uuid_round_trips_through_its_string) {
  static const char *const forms[] = {
      "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
      "6e400001-b5a3-f393-e0a9-e50e24dcca9e", "0000180d-0000-1000-8000-00805f9b34fb",
      "01234567-89ab-cdef-0123-456789abcdef"};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) assert_parses_to(forms[i], forms[i]);
  /* And every byte value survives. */
  blec_uuid u, back;
  char buf[BLEC_UUID_STRLEN];
  for (int v = 0; v < 256; v++) {
    for (int i = 0; i < 16; i++) u.b[i] = (uint8_t)(v + i * 17);
    ASSERT_OK(blec_uuid_parse(blec_uuid_to_string(&u, buf), &back));
    ASSERT(blec_uuid_equal(&u, &back));
  }
}
