/* SPDX-License-Identifier: MIT */
/* test-adv.c — AD structure parsing, the merge of advertisement and scan response, and
 * the accessors of the blec_adv snapshot. */
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"
#include "core/adv.h"
#include "core/core.h"
#include "test.h"

/* Prototypes of every test of the suite (keeps -Wmissing-prototypes quiet). */
#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Builds from exact-size heap copies of the payloads (freed before returning: the
 * snapshot must own its data), so a sanitizer build catches any read past len. */
static blec_adv *build_meta(const uint8_t *adv, size_t adv_len, const uint8_t *rsp, size_t rsp_len,
                            const blec__adv_meta *meta) {
  uint8_t *a = NULL, *r = NULL;
  if (adv) {
    a = malloc(adv_len ? adv_len : 1);
    ASSERT(a != NULL);
    memcpy(a, adv, adv_len);
  }
  if (rsp) {
    r = malloc(rsp_len ? rsp_len : 1);
    ASSERT(r != NULL);
    memcpy(r, rsp, rsp_len);
  }
  blec_adv *out = NULL;
  ASSERT_OK(blec__adv_build(a, adv_len, r, rsp_len, meta, &out));
  ASSERT(out != NULL);
  free(a);
  free(r);
  return out;
}

static blec_adv *build(const uint8_t *adv, size_t adv_len, const uint8_t *rsp, size_t rsp_len) {
  return build_meta(adv, adv_len, rsp, rsp_len, NULL);
}

static void assert_uuid16_at(const blec_adv *a, size_t i, uint16_t want) {
  blec_uuid u, w = blec_uuid_from16(want);
  ASSERT_OK(blec_adv_service_uuid_at(a, i, &u));
  if (!blec_uuid_equal(&u, &w))
    blec_test_fail_(__FILE__, __LINE__, "service UUID %lu is not 0x%04X", (unsigned long)i,
                    (unsigned)want);
}

/* A typical connectable heart-rate sensor: flags, 16-bit UUIDs, TX power, name. */
static const uint8_t typical_adv[] = {
    0x02, 0x01, 0x06,                   /* flags: LE General Discoverable, BR/EDR not supported */
    0x05, 0x03, 0x0D, 0x18, 0x0F, 0x18, /* complete 16-bit UUIDs: 0x180D, 0x180F */
    0x02, 0x0A, 0xF4,                   /* TX power -12 dBm */
    0x07, 0x09, 'P', 'o', 'l', 'a', 'r', '1' /* complete local name */
};

BLEC_TEST_IMPL(adv_parses_a_typical_advertisement) {
  blec_adv *a = build(typical_adv, sizeof typical_adv, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Polar1");
  uint8_t flags = 0;
  ASSERT(blec_adv_flags(a, &flags));
  ASSERT_EQ_INT(flags, 0x06);
  int tx = 0;
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, -12);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 2);
  assert_uuid16_at(a, 0, 0x180D);
  assert_uuid16_at(a, 1, 0x180F);
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT(blec_adv_has_service_uuid(a, &hr));
  ASSERT(!blec_adv_appearance(a, NULL));
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 0);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 4);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_empty_payloads_give_an_empty_snapshot) {
  blec_adv *a = build(NULL, 0, NULL, 0);
  ASSERT(blec_adv_local_name(a) == NULL);
  ASSERT(!blec_adv_tx_power(a, NULL));
  ASSERT(!blec_adv_flags(a, NULL));
  ASSERT(!blec_adv_appearance(a, NULL));
  ASSERT_EQ_INT(blec_adv_raw_count(a), 0);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 0);
  size_t len = 99;
  ASSERT(blec_adv_payload(a, false, &len) == NULL);
  ASSERT_EQ_INT(len, 0);
  ASSERT(blec_adv_payload(a, true, &len) == NULL);
  ASSERT_EQ_INT(len, 0);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_null_payload_with_a_length_counts_as_empty) {
  blec_adv *a = NULL;
  ASSERT_OK(blec__adv_build(NULL, 31, NULL, 31, NULL, &a));
  ASSERT_EQ_INT(blec_adv_raw_count(a), 0);
  size_t len = 99;
  ASSERT(blec_adv_payload(a, false, &len) == NULL);
  ASSERT_EQ_INT(len, 0);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_zero_length_byte_ends_the_payload) {
  /* Legacy advertisements are often zero-padded to 31 bytes; what follows the first zero
   * length byte is not parsed, even if it looks like a structure. */
  const uint8_t p[] = {0x02, 0x01, 0x06, 0x00, 0x03, 0x09, 'h', 'i', 0x00, 0x00};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 1);
  ASSERT(blec_adv_local_name(a) == NULL);
  ASSERT(blec_adv_flags(a, NULL));
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_truncated_structure_is_dropped) {
  /* The name claims 9 bytes where 3 remain: dropped; the structures before it stay. */
  const uint8_t p[] = {0x02, 0x01, 0x06, 0x02, 0x0A, 0x04, 0x09, 0x09, 'a', 'b'};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 2);
  ASSERT(blec_adv_local_name(a) == NULL);
  int tx = 0;
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, 4);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_lone_length_byte_at_the_end_is_dropped) {
  const uint8_t p[] = {0x02, 0x01, 0x06, 0x01};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 1);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_oversized_length_byte_drops_the_rest) {
  const uint8_t p[] = {0xFF, 0xFF, 0x01, 0x02, 0x03};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 0);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 0);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_structure_with_only_a_type_is_kept_in_the_raw_list) {
  const uint8_t p[] = {0x01, 0x2A, 0x01, 0x09, 0x01, 0x0A};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 3);
  uint8_t type = 0;
  size_t len = 99;
  ASSERT_OK(blec_adv_raw_at(a, 0, &type, NULL, &len));
  ASSERT_EQ_INT(type, 0x2A);
  ASSERT_EQ_INT(len, 0);
  /* An empty TX power structure sets nothing; an empty name is a present, empty name. */
  ASSERT_STR_EQ(blec_adv_local_name(a), "");
  ASSERT(!blec_adv_tx_power(a, NULL));
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_too_short_scalars_are_ignored) {
  const uint8_t p[] = {0x01, 0x01, 0x02, 0x19, 0x40, 0x01, 0x0A};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT(!blec_adv_flags(a, NULL));
  ASSERT(!blec_adv_appearance(a, NULL)); /* needs two bytes */
  ASSERT(!blec_adv_tx_power(a, NULL));
  ASSERT_EQ_INT(blec_adv_raw_count(a), 3);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_tx_power_is_signed) {
  const uint8_t p[] = {0x02, 0x0A, 0x80};
  const uint8_t q[] = {0x02, 0x0A, 0x7F};
  int tx = 0;
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, -128);
  blec_adv_unref(a);
  a = build(q, sizeof q, NULL, 0);
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, 127);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_appearance_is_little_endian) {
  const uint8_t p[] = {0x03, 0x19, 0x41, 0x03};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  uint16_t v = 0;
  ASSERT(blec_adv_appearance(a, &v));
  ASSERT_EQ_INT(v, 0x0341);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_scan_response_overrides_scalar_fields) {
  const uint8_t adv[] = {0x02, 0x01, 0x06, 0x02, 0x0A, 0x00, 0x03, 0x19, 0x40, 0x03,
                         0x04, 0x09, 'o', 'l', 'd'};
  const uint8_t rsp[] = {0x02, 0x01, 0x1A, 0x02, 0x0A, 0x08, 0x03, 0x19, 0xC1, 0x03,
                         0x04, 0x09, 'n', 'e', 'w'};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  uint8_t flags = 0;
  int tx = 0;
  uint16_t app = 0;
  ASSERT(blec_adv_flags(a, &flags));
  ASSERT_EQ_INT(flags, 0x1A);
  ASSERT(blec_adv_tx_power(a, &tx));
  ASSERT_EQ_INT(tx, 8);
  ASSERT(blec_adv_appearance(a, &app));
  ASSERT_EQ_INT(app, 0x03C1);
  ASSERT_STR_EQ(blec_adv_local_name(a), "new");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_scan_response_fields_fill_in_missing_ones) {
  const uint8_t adv[] = {0x02, 0x01, 0x06};
  const uint8_t rsp[] = {0x05, 0x09, 'n', 'a', 'm', 'e'};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  ASSERT_STR_EQ(blec_adv_local_name(a), "name");
  ASSERT(blec_adv_flags(a, NULL));
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_complete_name_is_preferred_over_shortened) {
  const uint8_t shortened[] = {0x03, 0x08, 'P', 'o'};
  const uint8_t complete[] = {0x06, 0x09, 'P', 'o', 'l', 'a', 'r'};
  /* Complete in the advertisement, shortened in the scan response. */
  blec_adv *a = build(complete, sizeof complete, shortened, sizeof shortened);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Polar");
  blec_adv_unref(a);
  /* And the other way round. */
  a = build(shortened, sizeof shortened, complete, sizeof complete);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Polar");
  blec_adv_unref(a);
  /* Within one payload, whatever the order. */
  const uint8_t both[] = {0x06, 0x09, 'P', 'o', 'l', 'a', 'r', 0x03, 0x08, 'P', 'o'};
  a = build(both, sizeof both, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Polar");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_shortened_name_is_used_when_alone) {
  const uint8_t p[] = {0x03, 0x08, 'P', 'o'};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Po");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_later_name_of_the_same_kind_wins) {
  const uint8_t p[] = {0x02, 0x09, 'a', 0x02, 0x09, 'b'};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "b");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_name_stops_at_a_nul_byte) {
  const uint8_t p[] = {0x07, 0x09, 'a', 'b', 0x00, 'c', 0x00, 0x00};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "ab");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_name_of_nul_bytes_only_is_ignored) {
  const uint8_t adv[] = {0x04, 0x08, 'o', 'l', 'd'};
  const uint8_t rsp[] = {0x04, 0x09, 0x00, 0x00, 0x00};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  ASSERT_STR_EQ(blec_adv_local_name(a), "old");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_empty_local_name_is_an_empty_string) {
  const uint8_t empty[] = {0x01, 0x09};
  const uint8_t padded[] = {0x03, 0x08, 0x00, 0x00};
  blec_adv *a = build(empty, sizeof empty, NULL, 0);
  ASSERT(blec_adv_local_name(a) != NULL);
  ASSERT_STR_EQ(blec_adv_local_name(a), "");
  blec_adv_unref(a);
  a = build(padded, sizeof padded, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "");
  blec_adv_unref(a);
  /* A non-empty name wins over an empty one, even a shortened over a complete one. */
  const uint8_t rsp[] = {0x01, 0x09};
  const uint8_t adv[] = {0x03, 0x08, 'a', 'b'};
  a = build(adv, sizeof adv, rsp, sizeof rsp);
  ASSERT_STR_EQ(blec_adv_local_name(a), "ab");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_name_replaces_invalid_utf8_with_replacement_characters) {
  const uint8_t p[] = {0x0B, 0x09, 'a', 0xFF,  /* never valid */
                       0xC0, 0x80,             /* overlong NUL */
                       0xED, 0xA0, 0x80,       /* UTF-16 surrogate */
                       0xE2, 0x82,             /* truncated sequence */
                       'z'};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  const char *want = "a\xEF\xBF\xBD"
                     "\xEF\xBF\xBD\xEF\xBF\xBD"
                     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                     "\xEF\xBF\xBD\xEF\xBF\xBD"
                     "z";
  ASSERT_STR_EQ(blec_adv_local_name(a), want);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_name_keeps_valid_multibyte_utf8) {
  /* "Zürich €😀" */
  const uint8_t p[] = {0x10, 0x09, 'Z', 0xC3, 0xBC, 'r', 'i', 'c', 'h', ' ',
                       0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Z\xC3\xBCrich \xE2\x82\xAC\xF0\x9F\x98\x80");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_name_rejects_code_points_above_unicode) {
  const uint8_t p[] = {0x05, 0x09, 0xF4, 0x90, 0x80, 0x80}; /* U+110000 */
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_STR_EQ(blec_adv_local_name(a),
                "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_manufacturer_data_is_keyed_by_company) {
  const uint8_t p[] = {0x05, 0xFF, 0x4C, 0x00, 0x01, 0x02, 0x04, 0xFF, 0x59, 0x00, 0xAA};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 2);
  uint16_t id = 0;
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_adv_manufacturer_at(a, 0, &id, &d, &len));
  ASSERT_EQ_INT(id, 0x004C);
  ASSERT_EQ_INT(len, 2);
  ASSERT_MEM_EQ(d, "\x01\x02", 2);
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x0059, &d, &len));
  ASSERT_EQ_INT(len, 1);
  ASSERT_EQ_INT(d[0], 0xAA);
  ASSERT_STATUS(blec_adv_manufacturer_find(a, 0x0006, &d, &len), BLEC_ERR_NOT_FOUND);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_repeated_manufacturer_company_ids_are_all_kept_in_order) {
  const uint8_t adv[] = {0x04, 0xFF, 0x4C, 0x00, 0x01, 0x04, 0xFF, 0x59, 0x00, 0x10,
                         0x04, 0xFF, 0x4C, 0x00, 0x02};
  const uint8_t rsp[] = {0x05, 0xFF, 0x59, 0x00, 0x20, 0x21};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 4);
  const uint16_t ids[] = {0x004C, 0x0059, 0x004C, 0x0059};
  const uint8_t first[] = {0x01, 0x10, 0x02, 0x20};
  const size_t lens[] = {1, 1, 1, 2};
  for (size_t i = 0; i < 4; i++) {
    uint16_t id = 0;
    const uint8_t *d = NULL;
    size_t len = 0;
    ASSERT_OK(blec_adv_manufacturer_at(a, i, &id, &d, &len));
    ASSERT_EQ_INT(id, ids[i]);
    ASSERT_EQ_INT(len, lens[i]);
    ASSERT_EQ_INT(d[0], first[i]);
  }
  /* find gives the first entry of the company. */
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x004C, &d, &len));
  ASSERT_EQ_INT(d[0], 0x01);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_manufacturer_filter_matches_any_entry_of_the_company) {
  /* An iBeacon (02 15 ...) followed by a second Apple structure (10 05 ...). */
  const uint8_t adv[] = {0x06, 0xFF, 0x4C, 0x00, 0x02, 0x15, 0xAA,
                         0x05, 0xFF, 0x4C, 0x00, 0x10, 0x05};
  blec_adv *a = build(adv, sizeof adv, NULL, 0);
  const uint8_t ibeacon[] = {0x02, 0x15}, nearby[] = {0x10, 0x05}, other[] = {0x12, 0x19};
  const uint8_t *prefixes[] = {ibeacon, nearby, other};
  const bool want[] = {true, true, false};
  for (size_t i = 0; i < 3; i++) {
    blec_scan_options *o = blec_scan_options_new();
    ASSERT(o != NULL);
    ASSERT_OK(blec_scan_options_filter_manufacturer(o, 0x004C, prefixes[i], 2));
    ASSERT_EQ_INT(blec__scan_filter_match(o, a), want[i]);
    blec_scan_options_free(o);
  }
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_manufacturer_data_with_empty_payload_is_kept) {
  const uint8_t p[] = {0x03, 0xFF, 0x34, 0x12};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  size_t len = 99;
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x1234, NULL, &len));
  ASSERT_EQ_INT(len, 0);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_manufacturer_data_shorter_than_a_company_id_is_skipped) {
  const uint8_t p[] = {0x02, 0xFF, 0x4C, 0x01, 0xFF};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_manufacturer_count(a), 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 2);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_parses_ibeacon_manufacturer_data) {
  /* Apple iBeacon: company 0x004C, type 0x02, length 0x15, proximity UUID, major, minor,
   * measured power. */
  const uint8_t p[] = {0x02, 0x01, 0x04, 0x1A, 0xFF, 0x4C, 0x00, 0x02, 0x15,
                       0xE2, 0xC5, 0x6D, 0xB5, 0xDF, 0xFB, 0x48, 0xD2,
                       0xB0, 0x60, 0xD0, 0xF5, 0xA7, 0x10, 0x96, 0xE0,
                       0x00, 0x01, 0x00, 0x02, 0xC5};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_adv_manufacturer_find(a, 0x004C, &d, &len));
  ASSERT_EQ_INT(len, 23);
  ASSERT_EQ_INT(d[0], 0x02);
  ASSERT_EQ_INT(d[1], 0x15);
  ASSERT_MEM_EQ(d + 2, "\xE2\xC5\x6D\xB5\xDF\xFB\x48\xD2\xB0\x60\xD0\xF5\xA7\x10\x96\xE0", 16);
  ASSERT_EQ_INT(d[18] << 8 | d[19], 1);  /* major, big-endian by Apple's convention */
  ASSERT_EQ_INT(d[20] << 8 | d[21], 2);  /* minor */
  ASSERT_EQ_INT((int8_t)d[22], -59);     /* measured power */
  ASSERT_STR_EQ(blec_company_name(0x004C), "Apple, Inc.");
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_data_16_bit) {
  /* Battery service data: 0x180F, level 0x64. */
  const uint8_t p[] = {0x04, 0x16, 0x0F, 0x18, 0x64};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  blec_uuid u, want = blec_uuid_from16(0x180F);
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 1);
  ASSERT_OK(blec_adv_service_data_at(a, 0, &u, &d, &len));
  ASSERT(blec_uuid_equal(&u, &want));
  ASSERT_EQ_INT(len, 1);
  ASSERT_EQ_INT(d[0], 0x64);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_data_32_bit) {
  const uint8_t p[] = {0x07, 0x20, 0x78, 0x56, 0x34, 0x12, 0xAB, 0xCD};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  blec_uuid want = blec_uuid_from32(0x12345678);
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_adv_service_data_find(a, &want, &d, &len));
  ASSERT_EQ_INT(len, 2);
  ASSERT_MEM_EQ(d, "\xAB\xCD", 2);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_data_128_bit) {
  /* 6e400001-b5a3-f393-e0a9-e50e24dcca9e little-endian, then 3 data bytes. */
  const uint8_t p[] = {0x14, 0x21, 0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0, 0x93,
                       0xf3, 0xa3, 0xb5, 0x01, 0x00, 0x40, 0x6e, 0x01, 0x02, 0x03};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  blec_uuid want;
  ASSERT_OK(blec_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &want));
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_adv_service_data_find(a, &want, &d, &len));
  ASSERT_EQ_INT(len, 3);
  ASSERT_MEM_EQ(d, "\x01\x02\x03", 3);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_repeated_service_data_uuids_are_all_kept_in_order) {
  /* The same UUID 0x180F as 16-bit and as 32-bit service data: two entries, one UUID. */
  const uint8_t adv[] = {0x04, 0x16, 0x0F, 0x18, 0x10, 0x06, 0x20, 0x0F, 0x18, 0x00, 0x00, 0x20};
  const uint8_t rsp[] = {0x04, 0x16, 0xAA, 0xFE, 0x01};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 3);
  blec_uuid bat = blec_uuid_from16(0x180F), eddy = blec_uuid_from16(0xFEAA), u;
  const uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_adv_service_data_at(a, 0, &u, &d, &len));
  ASSERT(blec_uuid_equal(&u, &bat));
  ASSERT_EQ_INT(d[0], 0x10);
  ASSERT_OK(blec_adv_service_data_at(a, 1, &u, &d, &len));
  ASSERT(blec_uuid_equal(&u, &bat));
  ASSERT_EQ_INT(d[0], 0x20);
  ASSERT_OK(blec_adv_service_data_at(a, 2, &u, &d, &len));
  ASSERT(blec_uuid_equal(&u, &eddy));
  ASSERT_OK(blec_adv_service_data_find(a, &bat, &d, &len));
  ASSERT_EQ_INT(len, 1);
  ASSERT_EQ_INT(d[0], 0x10);
  ASSERT_OK(blec_adv_service_data_find(a, &eddy, &d, &len));
  ASSERT_EQ_INT(d[0], 0x01);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_data_shorter_than_its_uuid_is_skipped) {
  const uint8_t p[] = {0x02, 0x16, 0x0F, 0x04, 0x20, 0x01, 0x02, 0x03,
                       0x10, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_service_data_count(a), 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 3);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_data_with_only_a_uuid_has_empty_data) {
  const uint8_t p[] = {0x03, 0x16, 0x0F, 0x18};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  blec_uuid bat = blec_uuid_from16(0x180F);
  size_t len = 99;
  ASSERT_OK(blec_adv_service_data_find(a, &bat, NULL, &len));
  ASSERT_EQ_INT(len, 0);
  ASSERT_STATUS(blec_adv_service_data_find(a, NULL, NULL, &len), BLEC_ERR_INVALID_ARG);
  blec_uuid other = blec_uuid_from16(0x180D);
  ASSERT_STATUS(blec_adv_service_data_find(a, &other, NULL, NULL), BLEC_ERR_NOT_FOUND);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_uuids_of_all_sizes_are_unioned_without_duplicates) {
  const uint8_t adv[] = {
      0x03, 0x02, 0x0D, 0x18,                                /* incomplete 16: 180D */
      0x05, 0x03, 0x0D, 0x18, 0x0F, 0x18,                    /* complete 16: 180D 180F */
      0x05, 0x04, 0x0D, 0x18, 0x00, 0x00,                    /* incomplete 32: 0000180D */
      0x05, 0x05, 0x78, 0x56, 0x34, 0x12,                    /* complete 32: 12345678 */
      0x11, 0x06, 0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0, /* incomplete 128: NUS */
      0x93, 0xf3, 0xa3, 0xb5, 0x01, 0x00, 0x40, 0x6e};
  const uint8_t rsp[] = {
      0x11, 0x07, 0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0, /* complete 128: NUS again */
      0x93, 0xf3, 0xa3, 0xb5, 0x01, 0x00, 0x40, 0x6e,
      0x03, 0x03, 0x1A, 0x18};                               /* complete 16: 181A */
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 5);
  assert_uuid16_at(a, 0, 0x180D);
  assert_uuid16_at(a, 1, 0x180F);
  blec_uuid u, want = blec_uuid_from32(0x12345678);
  ASSERT_OK(blec_adv_service_uuid_at(a, 2, &u));
  ASSERT(blec_uuid_equal(&u, &want));
  ASSERT_OK(blec_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &want));
  ASSERT_OK(blec_adv_service_uuid_at(a, 3, &u));
  ASSERT(blec_uuid_equal(&u, &want));
  assert_uuid16_at(a, 4, 0x181A); /* scan response after the advertisement */
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_service_uuid_list_ignores_a_trailing_partial_uuid) {
  const uint8_t p[] = {0x04, 0x03, 0x0D, 0x18, 0x0F, 0x06, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05};
  blec_adv *a = build(p, sizeof p, NULL, 0);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 2);
  assert_uuid16_at(a, 0, 0x180D);
  blec_uuid u, want = blec_uuid_from32(0x04030201);
  ASSERT_OK(blec_adv_service_uuid_at(a, 1, &u));
  ASSERT(blec_uuid_equal(&u, &want));
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_raw_list_holds_the_advertisement_then_the_scan_response) {
  const uint8_t adv[] = {0x02, 0x01, 0x06, 0x03, 0xAB, 0x01, 0x02};
  const uint8_t rsp[] = {0x02, 0x09, 'x', 0x02, 0x01, 0x04};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp);
  static const uint8_t types[] = {0x01, 0xAB, 0x09, 0x01};
  static const size_t lens[] = {1, 2, 1, 1};
  ASSERT_EQ_INT(blec_adv_raw_count(a), 4);
  for (size_t i = 0; i < 4; i++) {
    uint8_t t = 0;
    const uint8_t *d = NULL;
    size_t len = 0;
    ASSERT_OK(blec_adv_raw_at(a, i, &t, &d, &len));
    ASSERT_EQ_INT(t, types[i]);
    ASSERT_EQ_INT(len, lens[i]);
  }
  const uint8_t *d = NULL;
  ASSERT_OK(blec_adv_raw_at(a, 1, NULL, &d, NULL));
  ASSERT_MEM_EQ(d, "\x01\x02", 2);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_payload_returns_copies_of_both_packets) {
  const uint8_t adv[] = {0x02, 0x01, 0x06, 0x00, 0x00};
  const uint8_t rsp[] = {0x02, 0x09, 'x'};
  blec_adv *a = build(adv, sizeof adv, rsp, sizeof rsp); /* the inputs are freed by build */
  size_t len = 0;
  const uint8_t *p = blec_adv_payload(a, false, &len);
  ASSERT(p != NULL);
  ASSERT_EQ_INT(len, sizeof adv);
  ASSERT_MEM_EQ(p, adv, sizeof adv);
  p = blec_adv_payload(a, true, &len);
  ASSERT_EQ_INT(len, sizeof rsp);
  ASSERT_MEM_EQ(p, rsp, sizeof rsp);
  ASSERT(blec_adv_payload(a, true, NULL) == p);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_metadata_is_copied_into_the_snapshot) {
  blec__adv_meta m = {-67, BLEC_ADDRESS_RANDOM, true, BLEC_ADV_SCAN_RSP, 123456789ull};
  blec_adv *a = build_meta(typical_adv, sizeof typical_adv, NULL, 0, &m);
  m.rssi = 0; /* the snapshot keeps its own copy */
  ASSERT_EQ_INT(blec_adv_rssi(a), -67);
  ASSERT_EQ_INT(blec_adv_address_type(a), BLEC_ADDRESS_RANDOM);
  ASSERT(blec_adv_connectable(a));
  ASSERT_EQ_INT(blec_adv_last_type(a), BLEC_ADV_SCAN_RSP);
  ASSERT(blec_adv_timestamp_us(a) == 123456789ull);
  const blec__adv_meta *mm = blec__adv_meta_of(a);
  ASSERT(mm != NULL);
  ASSERT_EQ_INT(mm->rssi, -67);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_without_metadata_reads_zero) {
  blec_adv *a = build(typical_adv, sizeof typical_adv, NULL, 0);
  ASSERT_EQ_INT(blec_adv_rssi(a), 0);
  ASSERT_EQ_INT(blec_adv_address_type(a), BLEC_ADDRESS_UNSPECIFIED);
  ASSERT(!blec_adv_connectable(a));
  ASSERT(blec_adv_timestamp_us(a) == 0);
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_reference_keeps_the_snapshot_alive) {
  blec_adv *a = build(typical_adv, sizeof typical_adv, NULL, 0);
  ASSERT(blec_adv_ref(a) == a);
  blec_adv_unref(a);
  ASSERT_STR_EQ(blec_adv_local_name(a), "Polar1"); /* still alive: one reference left */
  blec_adv_unref(a);
  ASSERT(blec_adv_ref(NULL) == NULL);
  blec_adv_unref(NULL);
}

BLEC_TEST_IMPL(adv_accessors_accept_a_null_snapshot) {
  ASSERT(blec_adv_local_name(NULL) == NULL);
  ASSERT_EQ_INT(blec_adv_rssi(NULL), 0);
  ASSERT(!blec_adv_tx_power(NULL, NULL));
  ASSERT(!blec_adv_appearance(NULL, NULL));
  ASSERT(!blec_adv_flags(NULL, NULL));
  ASSERT_EQ_INT(blec_adv_manufacturer_count(NULL), 0);
  ASSERT_EQ_INT(blec_adv_service_data_count(NULL), 0);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(NULL), 0);
  ASSERT_EQ_INT(blec_adv_raw_count(NULL), 0);
  ASSERT_STATUS(blec_adv_manufacturer_find(NULL, 0x4C, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_manufacturer_at(NULL, 0, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_data_at(NULL, 0, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_uuid_at(NULL, 0, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_raw_at(NULL, 0, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  blec_uuid u = blec_uuid_from16(0x180D);
  ASSERT_STATUS(blec_adv_service_data_find(NULL, &u, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT(!blec_adv_has_service_uuid(NULL, &u));
  ASSERT(blec__adv_meta_of(NULL) == NULL);
  size_t len = 5;
  ASSERT(blec_adv_payload(NULL, false, &len) == NULL);
  ASSERT_EQ_INT(len, 0);
}

BLEC_TEST_IMPL(adv_index_out_of_range_is_an_invalid_argument) {
  blec_adv *a = build(typical_adv, sizeof typical_adv, NULL, 0);
  ASSERT_STATUS(blec_adv_raw_at(a, 4, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_uuid_at(a, 2, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_manufacturer_at(a, 0, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_service_data_at(a, 0, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_adv_raw_at(a, (size_t)-1, NULL, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_adv_raw_at(a, 3, NULL, NULL, NULL));
  blec_adv_unref(a);
}

BLEC_TEST_IMPL(adv_build_rejects_a_null_output_and_oversized_payloads) {
  ASSERT_STATUS(blec__adv_build(typical_adv, sizeof typical_adv, NULL, 0, NULL, NULL),
                BLEC_ERR_INVALID_ARG);
  blec_adv *a = (blec_adv *)(void *)&a;
  ASSERT_STATUS(blec__adv_build(typical_adv, (size_t)BLEC__ADV_MAX_PAYLOAD + 1, NULL, 0, NULL, &a),
                BLEC_ERR_INVALID_ARG);
  ASSERT(a == NULL);
}

BLEC_TEST_IMPL(adv_parses_a_long_extended_payload) {
  /* Extended advertising: six 255-byte structures of 16-bit UUIDs (127 each, overlapping
   * values), a name, then 1650 bytes in all with zero padding. */
  enum { LEN = 1650 };
  uint8_t *p = calloc(LEN, 1);
  ASSERT(p != NULL);
  size_t pos = 0;
  for (int s = 0; s < 6; s++) {
    p[pos++] = 0xFF;
    p[pos++] = 0x03;
    for (int i = 0; i < 127; i++) {
      unsigned v = (unsigned)(s * 100 + i); /* 0..626, overlapping across structures */
      p[pos++] = (uint8_t)v;
      p[pos++] = (uint8_t)(v >> 8);
    }
  }
  p[pos++] = 0x03;
  p[pos++] = 0x09;
  p[pos++] = 'e';
  p[pos++] = 'x';
  blec_adv *a = build(p, LEN, NULL, 0);
  ASSERT_EQ_INT(blec_adv_raw_count(a), 7);
  ASSERT_EQ_INT(blec_adv_service_uuid_count(a), 627);
  ASSERT_STR_EQ(blec_adv_local_name(a), "ex");
  assert_uuid16_at(a, 626, 626);
  blec_adv_unref(a);
  free(p);
}

BLEC_TEST_IMPL(adv_build_never_reads_past_the_payload) {
  /* Every prefix of a rich payload, in an exact-size buffer (a sanitizer build reports
   * any overread), parses without error and never reports more than the full payload. */
  const uint8_t full[] = {0x02, 0x01, 0x06, 0x05, 0xFF, 0x4C, 0x00, 0x01, 0x02, 0x04, 0x16,
                          0x0F, 0x18, 0x64, 0x05, 0x03, 0x0D, 0x18, 0x0F, 0x18, 0x04, 0x09,
                          'a', 0xC3, 0xBC, 0x03, 0x19, 0x41, 0x03};
  for (size_t n = 0; n <= sizeof full; n++) {
    blec_adv *a = build(full, n, full, sizeof full - n);
    ASSERT(blec_adv_raw_count(a) <= 2 * 7);
    ASSERT(blec_adv_manufacturer_count(a) <= 2);
    ASSERT(blec_adv_service_uuid_count(a) <= 2);
    const char *name = blec_adv_local_name(a);
    if (name) ASSERT(strlen(name) <= 3);
    blec_adv_unref(a);
  }
}

/* blec__ad_foreach */

typedef struct visit_log {
  int count;
  uint8_t types[8];
  size_t lens[8];
  int stop_after;
} visit_log;

static int record(void *user, uint8_t type, const uint8_t *data, size_t len) {
  visit_log *v = user;
  (void)data;
  if (v->count < 8) {
    v->types[v->count] = type;
    v->lens[v->count] = len;
  }
  v->count++;
  return v->count == v->stop_after ? 42 : 0;
}

BLEC_TEST_IMPL(ad_foreach_visits_good_structures_then_reports_parse_error) {
  const uint8_t p[] = {0x02, 0x01, 0x06, 0x01, 0x2A, 0x09, 0x09, 'a'};
  visit_log v;
  memset(&v, 0, sizeof v);
  ASSERT_STATUS(blec__ad_foreach(p, sizeof p, record, &v), BLEC_ERR_PARSE);
  ASSERT_EQ_INT(v.count, 2);
  ASSERT_EQ_INT(v.types[0], 0x01);
  ASSERT_EQ_INT(v.lens[0], 1);
  ASSERT_EQ_INT(v.types[1], 0x2A);
  ASSERT_EQ_INT(v.lens[1], 0);
}

BLEC_TEST_IMPL(ad_foreach_treats_a_zero_length_byte_as_the_end) {
  const uint8_t p[] = {0x02, 0x01, 0x06, 0x00, 0x09, 0x09, 'a'};
  visit_log v;
  memset(&v, 0, sizeof v);
  ASSERT_OK(blec__ad_foreach(p, sizeof p, record, &v));
  ASSERT_EQ_INT(v.count, 1);
  ASSERT_OK(blec__ad_foreach(NULL, 10, record, &v));
  ASSERT_OK(blec__ad_foreach(p, 0, record, &v));
  ASSERT_EQ_INT(v.count, 1);
}

BLEC_TEST_IMPL(ad_foreach_stops_when_the_callback_returns_non_zero) {
  const uint8_t p[] = {0x02, 0x01, 0x06, 0x02, 0x0A, 0x00, 0x02, 0x09, 'a', 0x05};
  visit_log v;
  memset(&v, 0, sizeof v);
  v.stop_after = 2;
  ASSERT_EQ_INT(blec__ad_foreach(p, sizeof p, record, &v), 42);
  ASSERT_EQ_INT(v.count, 2);
}

BLEC_TEST_IMPL(ad_foreach_accepts_a_complete_well_formed_payload) {
  visit_log v;
  memset(&v, 0, sizeof v);
  ASSERT_OK(blec__ad_foreach(typical_adv, sizeof typical_adv, record, &v));
  ASSERT_EQ_INT(v.count, 4);
  ASSERT_EQ_INT(v.types[3], 0x09);
  ASSERT_EQ_INT(v.lens[3], 6);
}
