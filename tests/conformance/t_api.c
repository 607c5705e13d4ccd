/* SPDX-License-Identifier: MIT */
/* t_api.c — functions that need no context: version, statuses, errors, UUIDs, names. */
#include <limits.h>
#include <string.h>

#include "blec/blec_winrt.h"
#include "fixture.h"

static void assert_static_text(const char *s) {
  ASSERT(s != NULL);
  ASSERT(s[0] != '\0');
}

BLEC_TEST_IMPL(version_runtime_matches_header) {
  ASSERT_EQ_INT(blec_version(), BLEC_VERSION_HEX);
  ASSERT_STR_EQ(blec_version_string(), BLEC_VERSION_STRING);
  ASSERT_EQ_INT(BLEC_VERSION_HEX, (BLEC_VERSION_MAJOR << 16) | (BLEC_VERSION_MINOR << 8) | BLEC_VERSION_PATCH);
  ASSERT(BLEC_VERSION_AT_LEAST(0, 0, 0));
  ASSERT(BLEC_VERSION_AT_LEAST(BLEC_VERSION_MAJOR, BLEC_VERSION_MINOR, BLEC_VERSION_PATCH));
  ASSERT(!BLEC_VERSION_AT_LEAST(BLEC_VERSION_MAJOR + 1, 0, 0));
  char buf[32];
  snprintf(buf, sizeof buf, "%d.%d.%d", BLEC_VERSION_MAJOR, BLEC_VERSION_MINOR, BLEC_VERSION_PATCH);
  ASSERT_STR_EQ(blec_version_string(), buf);
}

BLEC_TEST_IMPL(status_name_and_strerror_cover_every_code) {
  int n = 0;
#define CHECK_(name, value, msg)                                  \
  ASSERT_STR_EQ(blec_status_name(value), "BLEC_" #name);          \
  ASSERT_STR_EQ(blec_strerror(value), msg);                       \
  n++;
  BLEC_STATUS_MAP(CHECK_)
#undef CHECK_
  ASSERT_EQ_INT(n, BLEC_STATUS_COUNT_);
  /* Codes are dense from 0 down to -(COUNT-1). */
  for (int s = 0; s > -(int)BLEC_STATUS_COUNT_; s--) ASSERT(strcmp(blec_status_name(s), "BLEC_UNKNOWN") != 0);
}

BLEC_TEST_IMPL(status_name_and_strerror_answer_unknown_codes_with_static_text) {
  const int unknown[] = {1, 2, 100, -(int)BLEC_STATUS_COUNT_, -1000, INT_MIN, INT_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    ASSERT_STR_EQ(blec_status_name(unknown[i]), "BLEC_UNKNOWN");
    assert_static_text(blec_strerror(unknown[i]));
    /* The sentence is never one of a known code's. */
    for (int s = 0; s > -(int)BLEC_STATUS_COUNT_; s--)
      ASSERT(strcmp(blec_strerror(unknown[i]), blec_strerror(s)) != 0);
  }
  /* Same pointer twice: static text, nothing allocated per call. */
  ASSERT(blec_strerror(12345) == blec_strerror(12345));
}

BLEC_TEST_IMPL(att_error_name_names_every_standard_code) {
  const char *names[0x100] = {0};
  for (int c = 0x01; c <= 0x13; c++) names[c] = blec_att_error_name(c);
  for (int c = 0xFC; c <= 0xFF; c++) names[c] = blec_att_error_name(c);
  for (int c = 0; c < 0x100; c++) {
    if (!names[c]) continue;
    assert_static_text(names[c]);
    if (strcmp(names[c], "Unknown") == 0) blec_test_fail_(__FILE__, __LINE__, "code 0x%02X unnamed", c);
    for (int d = 0; d < c; d++)
      if (names[d] && strcmp(names[c], names[d]) == 0)
        blec_test_fail_(__FILE__, __LINE__, "codes 0x%02X and 0x%02X share the name %s", d, c, names[c]);
  }
  ASSERT_STR_EQ(blec_att_error_name(BLEC_ATT_INSUFFICIENT_AUTHENTICATION), "Insufficient Authentication");
  ASSERT_STR_EQ(blec_att_error_name(BLEC_ATT_INVALID_HANDLE), "Invalid Handle");
  ASSERT_STR_EQ(blec_att_error_name(BLEC_ATT_READ_NOT_PERMITTED), "Read Not Permitted");
  ASSERT_STR_EQ(blec_att_error_name(BLEC_ATT_INSUFFICIENT_ENCRYPTION), "Insufficient Encryption");
  ASSERT_STR_EQ(blec_att_error_name(BLEC_ATT_VALUE_NOT_ALLOWED), "Value Not Allowed");
}

BLEC_TEST_IMPL(att_error_name_is_null_for_other_codes) {
  const int other[] = {0x00, 0x14, 0x50, 0x7F, 0xA0, 0xFB, 0x100, -1, INT_MAX};
  for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) ASSERT(blec_att_error_name(other[i]) == NULL);
  /* A formatted error still says something. */
  blec_error e;
  blec_error_clear(&e);
  e.status = BLEC_ERR_ATT;
  e.att_error = 0x50;
  char line[128];
  ASSERT(strstr(blec_error_format(&e, line, sizeof line), "0x50 (Unknown)") != NULL);
}

BLEC_TEST_IMPL(disconnect_reasons_have_distinct_names) {
  for (int r = BLEC_DISCONNECT_REQUESTED; r <= BLEC_DISCONNECT_RADIO_OFF; r++) {
    assert_static_text(blec_disconnect_reason_name(r));
    for (int q = BLEC_DISCONNECT_REQUESTED; q < r; q++)
      ASSERT(strcmp(blec_disconnect_reason_name(r), blec_disconnect_reason_name(q)) != 0);
  }
  ASSERT_STR_EQ(blec_disconnect_reason_name(BLEC_DISCONNECT_LINK_LOSS), "link lost");
  ASSERT(blec_disconnect_reason_name(-1) == NULL);
  ASSERT(blec_disconnect_reason_name(5) == NULL);
}

BLEC_TEST_IMPL(gatt_status_and_unavailable_reason_have_distinct_names) {
  const int gs[] = {BLEC_GATT_STATUS_SUCCESS, BLEC_GATT_STATUS_UNREACHABLE,
                    BLEC_GATT_STATUS_PROTOCOL_ERROR, BLEC_GATT_STATUS_ACCESS_DENIED};
  for (size_t i = 0; i < 4; i++) {
    assert_static_text(blec_gatt_status_name(gs[i]));
    for (size_t j = 0; j < i; j++) ASSERT(strcmp(blec_gatt_status_name(gs[i]), blec_gatt_status_name(gs[j])) != 0);
  }
  ASSERT_STR_EQ(blec_gatt_status_name(BLEC_GATT_STATUS_UNREACHABLE), "Unreachable");
  ASSERT_STR_EQ(blec_gatt_status_name(BLEC_GATT_STATUS_ACCESS_DENIED), "AccessDenied");
  assert_static_text(blec_gatt_status_name(BLEC_GATT_STATUS_NONE));
  ASSERT(blec_gatt_status_name(77) == NULL);
  for (int r = BLEC_UNAVAILABLE_NONE; r <= BLEC_UNAVAILABLE_UNKNOWN; r++) {
    assert_static_text(blec_unavailable_reason_name(r));
    for (int q = BLEC_UNAVAILABLE_NONE; q < r; q++)
      ASSERT(strcmp(blec_unavailable_reason_name(r), blec_unavailable_reason_name(q)) != 0);
  }
  ASSERT(blec_unavailable_reason_name(99) == NULL);
  ASSERT(strstr(blec_unavailable_reason_name(BLEC_UNAVAILABLE_POWERED_OFF), "off") != NULL);
}

BLEC_TEST_IMPL(error_clear_resets_every_field) {
  blec_error e;
  memset(&e, 0x5A, sizeof e);
  blec_error_clear(&e);
  ASSERT_EQ_INT(e.status, BLEC_OK);
  ASSERT_EQ_INT(e.att_error, 0);
  ASSERT_EQ_INT(e.gatt_status, BLEC_GATT_STATUS_NONE);
  ASSERT_EQ_INT(e.os_status, 0);
  ASSERT_EQ_INT(e.reason, 0);
  ASSERT_EQ_INT(e.message[0], '\0');
  blec_error_clear(NULL); /* accepted */
}

BLEC_TEST_IMPL(error_format_names_att_code_and_its_name) {
  blec_error e;
  blec_error_clear(&e);
  e.status = BLEC_ERR_ATT;
  e.att_error = BLEC_ATT_INSUFFICIENT_AUTHENTICATION;
  snprintf(e.message, sizeof e.message, "reading 0x0010");
  char buf[256];
  ASSERT(blec_error_format(&e, buf, sizeof buf) == buf);
  ASSERT(strstr(buf, "0x05") != NULL);
  ASSERT(strstr(buf, "Insufficient Authentication") != NULL);
  ASSERT(strstr(buf, "reading 0x0010") != NULL);
  ASSERT(strchr(buf, '\n') == NULL);
}

BLEC_TEST_IMPL(error_format_names_unavailable_reason_and_os_status) {
  blec_error e;
  blec_error_clear(&e);
  e.status = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
  e.reason = BLEC_UNAVAILABLE_POWERED_OFF;
  char buf[256];
  blec_error_format(&e, buf, sizeof buf);
  ASSERT(strstr(buf, blec_unavailable_reason_name(BLEC_UNAVAILABLE_POWERED_OFF)) != NULL);

  blec_error_clear(&e);
  e.status = BLEC_ERR_OS;
  e.gatt_status = BLEC_GATT_STATUS_UNREACHABLE;
  e.os_status = (int32_t)0x80070490u;
  blec_error_format(&e, buf, sizeof buf);
  ASSERT(strstr(buf, "Unreachable") != NULL);
  ASSERT(strstr(buf, "80070490") != NULL);

  blec_error_clear(&e);
  e.status = BLEC_ERR_TIMEOUT;
  blec_error_format(&e, buf, sizeof buf);
  ASSERT(strstr(buf, blec_strerror(BLEC_ERR_TIMEOUT)) != NULL);
}

BLEC_TEST_IMPL(error_format_truncates_and_terminates_small_buffers) {
  blec_error e;
  blec_error_clear(&e);
  e.status = BLEC_ERR_ATT;
  e.att_error = 0x0E;
  memset(e.message, 'x', sizeof e.message - 1);
  e.message[sizeof e.message - 1] = '\0';
  char buf[8];
  memset(buf, '#', sizeof buf);
  blec_error_format(&e, buf, sizeof buf);
  ASSERT(memchr(buf, '\0', sizeof buf) != NULL);
  char one[1] = {'#'};
  blec_error_format(&e, one, 1);
  ASSERT_EQ_INT(one[0], '\0');
  char untouched[4] = {'a', 'b', 'c', 'd'};
  ASSERT(blec_error_format(&e, untouched, 0) == untouched);
  ASSERT_EQ_INT(untouched[0], 'a');
  /* A NULL error formats as something, never crashes. */
  char nb[64];
  blec_error_format(NULL, nb, sizeof nb);
  ASSERT(memchr(nb, '\0', sizeof nb) != NULL);
}

BLEC_TEST_IMPL(free_accepts_null) {
  blec_free(NULL);
  blec_adv_unref(NULL);
  blec_device_unref(NULL);
  blec_device_list_free(NULL, 0);
  blec_op_free(NULL);
  blec_scanner_free(NULL);
  blec_client_free(NULL);
  blec_ctx_options_free(NULL);
  blec_scan_options_free(NULL);
  blec_client_options_free(NULL);
  blec_world_unref(NULL);
}

/* ---- UUIDs ----------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(uuid_parse_accepts_every_written_form) {
  const char *forms[] = {"180d", "180D", "0x180D", "0x180d", "0000180d", "0000180D",
                         "0000180d-0000-1000-8000-00805f9b34fb", "0000180D-0000-1000-8000-00805F9B34FB",
                         "{0000180d-0000-1000-8000-00805f9b34fb}", "0000180d00001000800000805f9b34fb"};
  blec_uuid want = blec_uuid_from16(0x180D);
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    blec_uuid u;
    memset(&u, 0xEE, sizeof u);
    int s = blec_uuid_parse(forms[i], &u);
    if (s != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "\"%s\" does not parse", forms[i]);
    if (!blec_uuid_equal(&u, &want)) blec_test_fail_(__FILE__, __LINE__, "\"%s\" parses wrong", forms[i]);
  }
  blec_uuid u32;
  ASSERT_OK(blec_uuid_parse("12345678", &u32));
  blec_uuid w32 = blec_uuid_from32(0x12345678);
  ASSERT(blec_uuid_equal(&u32, &w32));
  char buf[BLEC_UUID_STRLEN];
  ASSERT_STR_EQ(blec_uuid_to_string(&u32, buf), "12345678-0000-1000-8000-00805f9b34fb");
  blec_uuid v;
  ASSERT_OK(blec_uuid_parse("6E400001-B5A3-F393-E0A9-E50E24DCCA9E", &v));
  ASSERT_STR_EQ(blec_uuid_to_string(&v, buf), "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  ASSERT_EQ_INT(v.b[0], 0x6E);
  ASSERT_EQ_INT(v.b[15], 0x9E);
}

BLEC_TEST_IMPL(uuid_parse_rejects_malformed_text) {
  const char *bad[] = {"", "x", "18", "180", "18 0d", "12345", "0x", "0x1", "180g", "zzzz",
                       "0000180d-0000-1000-8000-00805f9b34f", "0000180d-0000-1000-8000-00805f9b34fb0",
                       "{0000180d-0000-1000-8000-00805f9b34fb", "0000180d-0000-1000-8000-00805f9b34fb}",
                       "0000180d-0000-1000-8000_00805f9b34fb", "-180d", "180d ", " 180d"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    blec_uuid u;
    int s = blec_uuid_parse(bad[i], &u);
    if (s != BLEC_ERR_PARSE)
      blec_test_fail_(__FILE__, __LINE__, "\"%s\" gave %s, wanted BLEC_ERR_PARSE", bad[i], blec_status_name(s));
  }
}

BLEC_TEST_IMPL(uuid_parse_rejects_null_arguments) {
  blec_uuid u;
  ASSERT_STATUS(blec_uuid_parse(NULL, &u), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_parse("180d", NULL), BLEC_ERR_INVALID_ARG);
}

BLEC_TEST_IMPL(uuid_short_forms_round_trip) {
  blec_uuid u = blec_uuid_from16(0x2A37);
  char buf[BLEC_UUID_STRLEN];
  ASSERT_STR_EQ(blec_uuid_to_string(&u, buf), "00002a37-0000-1000-8000-00805f9b34fb");
  uint16_t v16 = 0;
  uint32_t v32 = 0;
  ASSERT(blec_uuid_to16(&u, &v16));
  ASSERT_EQ_INT(v16, 0x2A37);
  ASSERT(blec_uuid_to32(&u, &v32));
  ASSERT_EQ_INT(v32, 0x2A37);
  blec_uuid w = blec_uuid_from32(0x12345678);
  ASSERT(!blec_uuid_to16(&w, &v16));
  ASSERT(blec_uuid_to32(&w, &v32));
  ASSERT_EQ_INT(v32, 0x12345678);
  blec_uuid vendor = fx_uuid("6e400003-b5a3-f393-e0a9-e50e24dcca9e");
  ASSERT(!blec_uuid_to16(&vendor, &v16));
  ASSERT(!blec_uuid_to32(&vendor, &v32));
  ASSERT(!blec_uuid_equal(&u, &w));
  ASSERT(blec_uuid_equal(&u, &u));
}

BLEC_TEST_IMPL(uuid_from_le_bytes_reverses_over_the_air_order) {
  /* 180D over the air: fb 34 9b 5f 80 00 00 80 00 10 00 00 0d 18 00 00 */
  const uint8_t le[16] = {0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80,
                          0x00, 0x10, 0x00, 0x00, 0x0d, 0x18, 0x00, 0x00};
  blec_uuid u = blec_uuid_from_le_bytes(le);
  blec_uuid want = blec_uuid_from16(0x180D);
  ASSERT(blec_uuid_equal(&u, &want));
}

BLEC_TEST_IMPL(uuid_description_names_assigned_numbers_and_vendors) {
  blec_uuid u = blec_uuid_from16(0x180D);
  ASSERT_STR_EQ(blec_uuid_description(&u), "Heart Rate");
  u = blec_uuid_from16(0x2A37);
  ASSERT_STR_EQ(blec_uuid_description(&u), "Heart Rate Measurement");
  u = blec_uuid_from16(0x2902);
  ASSERT_STR_EQ(blec_uuid_description(&u), "Client Characteristic Configuration");
  u = blec_uuid_from16(0x180F);
  ASSERT_STR_EQ(blec_uuid_description(&u), "Battery");
  u = fx_uuid("6e400001-b5a3-f393-e0a9-e50e24dcca9e");
  ASSERT_STR_EQ(blec_uuid_description(&u), "Nordic UART Service");
  u = fx_uuid("01234567-89ab-cdef-0123-456789abcdef");
  ASSERT(blec_uuid_description(&u) == NULL);
  u = blec_uuid_from16(0xAA01);
  ASSERT(blec_uuid_description(&u) == NULL);
}

BLEC_TEST_IMPL(company_and_appearance_names_come_from_assigned_numbers) {
  const char *apple = blec_company_name(0x004C);
  ASSERT(apple != NULL);
  ASSERT(strstr(apple, "Apple") != NULL);
  const char *nordic = blec_company_name(0x0059);
  ASSERT(nordic != NULL);
  ASSERT(strstr(nordic, "Nordic") != NULL);
  ASSERT(blec_company_name(0xFFF0) == NULL);
  const char *hr = blec_appearance_name(0x0340);
  ASSERT(hr != NULL);
  ASSERT(strstr(hr, "Heart Rate") != NULL);
  ASSERT(blec_appearance_name(0xFFC0) == NULL);
}

/* ---- properties --------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(property_name_uses_bleak_names_for_each_bit) {
  struct { uint32_t bit; const char *name; } t[] = {
      {BLEC_PROP_BROADCAST, "broadcast"},
      {BLEC_PROP_READ, "read"},
      {BLEC_PROP_WRITE_WITHOUT_RESPONSE, "write-without-response"},
      {BLEC_PROP_WRITE, "write"},
      {BLEC_PROP_NOTIFY, "notify"},
      {BLEC_PROP_INDICATE, "indicate"},
      {BLEC_PROP_AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"},
      {BLEC_PROP_EXTENDED_PROPERTIES, "extended-properties"},
      {BLEC_PROP_RELIABLE_WRITE, "reliable-write"},
      {BLEC_PROP_WRITABLE_AUXILIARIES, "writable-auxiliaries"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) ASSERT_STR_EQ(blec_property_name(t[i].bit), t[i].name);
  ASSERT(blec_property_name(0) == NULL);
  ASSERT(blec_property_name(BLEC_PROP_READ | BLEC_PROP_WRITE) == NULL);
  ASSERT(blec_property_name(0x0400) == NULL);
  ASSERT(blec_property_name(0x80000000u) == NULL);
}

BLEC_TEST_IMPL(properties_format_lists_every_set_bit) {
  char buf[256];
  ASSERT(blec_properties_format(BLEC_PROP_READ | BLEC_PROP_NOTIFY, buf, sizeof buf) == buf);
  ASSERT(strstr(buf, "read") != NULL);
  ASSERT(strstr(buf, "notify") != NULL);
  ASSERT(strstr(buf, "write") == NULL);
  ASSERT(strchr(buf, ',') != NULL);
  blec_properties_format(0x03FF, buf, sizeof buf);
  ASSERT(strstr(buf, "writable-auxiliaries") != NULL);
  ASSERT(strstr(buf, "broadcast") != NULL);
  int commas = 0;
  for (const char *p = buf; *p; p++) commas += *p == ',';
  ASSERT_EQ_INT(commas, 9);
  blec_properties_format(0, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "");
  char small[6];
  blec_properties_format(0x03FF, small, sizeof small);
  ASSERT(memchr(small, '\0', sizeof small) != NULL);
}

/* ---- apartments -------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(apartment_helpers_are_all_or_nothing) {
  blec_apartment a = (blec_apartment)99;
  int s = blec_apartment_get(&a);
  if (s == BLEC_ERR_NOT_SUPPORTED) {
    blec_error e;
    blec_error_clear(&e);
    ASSERT_STATUS(blec_apartment_assert_mta(&e), BLEC_ERR_NOT_SUPPORTED);
    ASSERT_STATUS(blec_apartment_allow_sta(), BLEC_ERR_NOT_SUPPORTED);
    ASSERT_STATUS(blec_apartment_uninitialize_sta(), BLEC_ERR_NOT_SUPPORTED);
    printf("# apartment helpers not supported on this platform (as documented off Windows)\n");
    return;
  }
  ASSERT_OK(s);
  ASSERT(a >= BLEC_APARTMENT_NONE && a <= BLEC_APARTMENT_NA);
  ASSERT_STATUS(blec_apartment_get(NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_apartment_allow_sta());
  ASSERT_OK(blec_apartment_assert_mta(NULL));
  ASSERT_OK(blec_apartment_uninitialize_sta());
}
