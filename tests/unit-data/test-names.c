/* SPDX-License-Identifier: MIT */
/* test-names.c — assigned-number names (UUIDs, companies, appearances) and property names. */
#include <string.h>

#include "blec/blec.h"
#include "test.h"

/* Prototypes of every test of the suite (keeps -Wmissing-prototypes quiet). */
#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

static const char *describe(const char *text) {
  blec_uuid u;
  if (blec_uuid_parse(text, &u) != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "bad UUID %s", text);
  return blec_uuid_description(&u);
}

BLEC_TEST_IMPL(description_names_heart_rate_service_and_characteristics) {
  ASSERT_STR_EQ(describe("180d"), "Heart Rate");
  ASSERT_STR_EQ(describe("2a37"), "Heart Rate Measurement");
  ASSERT_STR_EQ(describe("2A38"), "Body Sensor Location");
  ASSERT_STR_EQ(describe("0000180d-0000-1000-8000-00805f9b34fb"), "Heart Rate");
}

BLEC_TEST_IMPL(description_names_common_sig_uuids) {
  ASSERT_STR_EQ(describe("2a19"), "Battery Level");
  ASSERT_STR_EQ(describe("181a"), "Environmental Sensing");
  ASSERT_STR_EQ(describe("2a6e"), "Temperature");
  ASSERT_STR_EQ(describe("2a6f"), "Humidity");
  ASSERT_STR_EQ(describe("2902"), "Client Characteristic Configuration");
  ASSERT_STR_EQ(describe("180f"), "Battery"); /* the SIG name, corrected by the generator */
}

BLEC_TEST_IMPL(description_names_nordic_uart_service_and_characteristics) {
  ASSERT_STR_EQ(describe("6e400001-b5a3-f393-e0a9-e50e24dcca9e"), "Nordic UART Service");
  ASSERT_STR_EQ(describe("6E400002-B5A3-F393-E0A9-E50E24DCCA9E"), "Nordic UART RX");
  ASSERT_STR_EQ(describe("{6e400003b5a3f393e0a9e50e24dcca9e}"), "Nordic UART TX");
}

BLEC_TEST_IMPL(description_keeps_utf8_names) {
  /* 0x2782 is "length (ångström)" in the source table: the text is UTF-8. */
  ASSERT_STR_EQ(describe("2782"), "length (\xc3\xa5ngstr\xc3\xb6m)");
}

BLEC_TEST_IMPL(description_is_null_for_unlisted_uuids) {
  /* blec's one "no name" convention: NULL, never a placeholder. */
  ASSERT(describe("12345678-9abc-def0-1234-56789abcdef0") == NULL);
  ASSERT(describe("0000180d-0000-1000-8000-00805f9b34fc") == NULL);
  ASSERT(describe("12345678") == NULL); /* 32-bit base UUID */
  ASSERT(blec_uuid_description(NULL) == NULL);
}

BLEC_TEST_IMPL(description_is_not_confused_by_a_32_bit_prefix) {
  /* 0x0001180D is not 0x180D: only true 16-bit base UUIDs use the 16-bit table. */
  ASSERT(describe("0001180d") == NULL);
}

BLEC_TEST_IMPL(company_name_resolves_well_known_companies) {
  ASSERT_STR_EQ(blec_company_name(0x004C), "Apple, Inc.");
  ASSERT_STR_EQ(blec_company_name(0x0059), "Nordic Semiconductor ASA");
  ASSERT_STR_EQ(blec_company_name(0x0006), "Microsoft");
  ASSERT_STR_EQ(blec_company_name(0x0000), "Ericsson Technology Licensing");
}

BLEC_TEST_IMPL(company_name_resolves_the_sparse_reserved_id) {
  /* 0xFFFF sits far beyond the dense run of identifiers: found by binary search. */
  ASSERT(blec_company_name(0xFFFF) != NULL);
}

BLEC_TEST_IMPL(company_name_is_null_when_unknown) {
  ASSERT(blec_company_name(0xFFFE) == NULL);
  ASSERT(blec_company_name(0x8000) == NULL);
}

BLEC_TEST_IMPL(company_names_are_non_empty) {
  for (unsigned id = 0; id <= 0xFFFF; id++) {
    const char *n = blec_company_name((uint16_t)id);
    if (n && n[0] == '\0') blec_test_fail_(__FILE__, __LINE__, "company 0x%04X has an empty name", id);
  }
}

BLEC_TEST_IMPL(appearance_name_resolves_well_known_values) {
  ASSERT_STR_EQ(blec_appearance_name(0x0000), "Unknown");
  ASSERT_STR_EQ(blec_appearance_name(0x00C0), "Watch");
  ASSERT_STR_EQ(blec_appearance_name(0x0340), "Heart Rate Sensor");
  ASSERT_STR_EQ(blec_appearance_name(0x0341), "Heart Rate Belt");
  ASSERT_STR_EQ(blec_appearance_name(0x03C1), "Keyboard");
  ASSERT_STR_EQ(blec_appearance_name(0x03C2), "Mouse");
  ASSERT_STR_EQ(blec_appearance_name(0x0540), "Sensor");
  ASSERT_STR_EQ(blec_appearance_name(0x0941), "Earbud");
}

BLEC_TEST_IMPL(appearance_name_falls_back_to_the_category) {
  /* category = value >> 6: 0x0345 is an unlisted sub-category of Heart Rate Sensor. */
  ASSERT_STR_EQ(blec_appearance_name(0x0345), "Heart Rate Sensor");
  ASSERT_STR_EQ(blec_appearance_name(0x03FF), "Human Interface Device");
}

BLEC_TEST_IMPL(appearance_name_is_null_for_an_unknown_category) {
  ASSERT(blec_appearance_name(0xFFC0) == NULL);
  ASSERT(blec_appearance_name(0xFFFF) == NULL);
  ASSERT(blec_appearance_name(0x0B00) == NULL); /* category 0x02C is unassigned */
}

BLEC_TEST_IMPL(property_name_spells_bleak_names) {
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_BROADCAST), "broadcast");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_READ), "read");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_WRITE_WITHOUT_RESPONSE), "write-without-response");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_WRITE), "write");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_NOTIFY), "notify");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_INDICATE), "indicate");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_AUTHENTICATED_SIGNED_WRITES),
                "authenticated-signed-writes");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_EXTENDED_PROPERTIES), "extended-properties");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_RELIABLE_WRITE), "reliable-write");
  ASSERT_STR_EQ(blec_property_name(BLEC_PROP_WRITABLE_AUXILIARIES), "writable-auxiliaries");
}

BLEC_TEST_IMPL(property_name_is_null_unless_one_known_bit) {
  ASSERT(blec_property_name(0) == NULL);
  ASSERT(blec_property_name(BLEC_PROP_READ | BLEC_PROP_WRITE) == NULL);
  ASSERT(blec_property_name(0x0400) == NULL);
  ASSERT(blec_property_name(0x80000000u) == NULL);
}

BLEC_TEST_IMPL(properties_format_joins_names_with_commas) {
  char buf[256];
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_READ | BLEC_PROP_NOTIFY, buf, sizeof buf),
                "read,notify");
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_WRITE_WITHOUT_RESPONSE | BLEC_PROP_WRITE, buf,
                                       sizeof buf),
                "write-without-response,write");
  ASSERT_STR_EQ(blec_properties_format(0x03FF, buf, sizeof buf),
                "broadcast,read,write-without-response,write,notify,indicate,"
                "authenticated-signed-writes,extended-properties,reliable-write,"
                "writable-auxiliaries");
}

BLEC_TEST_IMPL(properties_format_ignores_unknown_bits) {
  char buf[64];
  ASSERT_STR_EQ(blec_properties_format(0xFC00u | BLEC_PROP_READ, buf, sizeof buf), "read");
  ASSERT_STR_EQ(blec_properties_format(0, buf, sizeof buf), "");
}

BLEC_TEST_IMPL(properties_format_never_cuts_a_name) {
  char buf[12];
  /* "read,notify" is 11 characters + NUL: fits exactly. */
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_READ | BLEC_PROP_NOTIFY, buf, 12), "read,notify");
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_READ | BLEC_PROP_NOTIFY, buf, 11), "read");
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_READ | BLEC_PROP_NOTIFY, buf, 5), "read");
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_READ | BLEC_PROP_NOTIFY, buf, 4), "");
  ASSERT_STR_EQ(blec_properties_format(BLEC_PROP_READ, buf, 1), "");
}

BLEC_TEST_IMPL(properties_format_accepts_an_empty_buffer) {
  char c = 'x';
  ASSERT(blec_properties_format(BLEC_PROP_READ, &c, 0) == &c);
  ASSERT_EQ_INT(c, 'x');
  ASSERT(blec_properties_format(BLEC_PROP_READ, NULL, 10) == NULL);
}
