/* SPDX-License-Identifier: MIT */
/* t_gatt.c — the services tree: walking it, lookups, descriptions, properties. */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

static bool is_gap_or_gatt(const blec_uuid *u) {
  uint16_t v = 0;
  return blec_uuid_to16(u, &v) && (v == 0x1800 || v == 0x1801);
}

BLEC_TEST_IMPL(services_tree_lists_services_characteristics_and_descriptors_in_handle_order) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  size_t n = blec_client_service_count(c);
  const char *want_svcs[] = {"aa00", "aa20", "aa30", "aa30"};
  size_t k = 0;
  uint16_t last = 0;
  for (size_t i = 0; i < n; i++) {
    blec_service *s = blec_client_service_at(c, i);
    ASSERT(s != NULL);
    ASSERT(blec_service_handle(s) > last);
    last = blec_service_handle(s);
    blec_uuid su = blec_service_uuid(s);
    if (is_gap_or_gatt(&su)) continue;
    ASSERT(k < 4);
    blec_uuid w = fx_uuid(want_svcs[k++]);
    ASSERT(blec_uuid_equal(&su, &w));
    (void)blec_service_description(s); /* a vendor service has none (NULL) */
    size_t nc = blec_service_characteristic_count(s);
    ASSERT(nc >= 1);
    uint16_t lastc = blec_service_handle(s);
    for (size_t j = 0; j < nc; j++) {
      blec_characteristic *ch = blec_service_characteristic_at(s, j);
      ASSERT(ch != NULL);
      ASSERT(blec_characteristic_service(ch) == s);
      ASSERT(blec_characteristic_handle(ch) > lastc);
      lastc = blec_characteristic_handle(ch);
      char line[256];
      ASSERT(strstr(blec_characteristic_format(ch, line, sizeof line), "(Handle: ") != NULL);
      size_t nd = blec_characteristic_descriptor_count(ch);
      for (size_t d = 0; d < nd; d++) {
        blec_descriptor *de = blec_characteristic_descriptor_at(ch, d);
        ASSERT(de != NULL);
        ASSERT(blec_descriptor_characteristic(de) == ch);
        ASSERT(blec_descriptor_handle(de) > lastc);
        lastc = blec_descriptor_handle(de);
      }
      ASSERT(blec_characteristic_descriptor_at(ch, nd) == NULL);
    }
    ASSERT(blec_service_characteristic_at(s, nc) == NULL);
  }
  ASSERT_EQ_INT(k, 4);
  ASSERT(blec_client_service_at(c, n) == NULL);
  /* The first lab service holds its characteristics in declaration order. */
  blec_service *lab = NULL;
  blec_uuid aa00 = fx_uuid("aa00");
  ASSERT_OK(blec_client_service(c, &aa00, &lab));
  const char *want_chrs[] = {LAB_RW, LAB_WWR, LAB_WONLY, LAB_NI, LAB_DESC, LAB_WBOTH, LAB_CONST,
                             LAB_NOTIFY, LAB_IND, LAB_PLAIN, "aa11", "aa12", "aa13", "aa14"};
  ASSERT_EQ_INT(blec_service_characteristic_count(lab), 14);
  for (size_t j = 0; j < 14; j++) {
    blec_uuid cu = blec_characteristic_uuid(blec_service_characteristic_at(lab, j));
    blec_uuid w = fx_uuid(want_chrs[j]);
    ASSERT(blec_uuid_equal(&cu, &w));
  }
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(a_database_with_gaps_is_seen_at_its_own_handles) {
  /* A recorded device keeps its handles (docs/world-format.md "Explicit handles"): every
   * stack serves and reports them as stated, gaps included. */
  fx f;
  fx_open(&f, fx_world_text("blec-world 1\n"
                            "peripheral C0:FF:EE:6A:95:01 random\n"
                            "  adv-interval 20ms\n"
                            "  service 180f handle:0x10\n"
                            "    characteristic 2a19 handle:0x20 read,notify u8:77\n"
                            "      descriptor 2901 handle:0x30 read text:\"Gap\"\n"
                            "  service 5d000001-0000-4000-8000-00805f9b34fb handle:0x40\n"
                            "    characteristic 5d000002-0000-4000-8000-00805f9b34fb handle:0x48 read,write hex:0102\n"));
  blec_client *c = fx_connect(&f, "C0:FF:EE:6A:95:01", NULL);
  blec_service *bat = NULL, *vendor = NULL;
  blec_uuid u = fx_uuid("180f");
  ASSERT_OK(blec_client_service(c, &u, &bat));
  ASSERT_EQ_INT(blec_service_handle(bat), 0x10);
  u = fx_uuid("5d000001-0000-4000-8000-00805f9b34fb");
  ASSERT_OK(blec_client_service(c, &u, &vendor));
  ASSERT_EQ_INT(blec_service_handle(vendor), 0x40);
  blec_characteristic *level = fx_chr(c, "2a19");
  ASSERT_EQ_INT(blec_characteristic_handle(level), 0x20);
  ASSERT_EQ_INT(blec_characteristic_handle(fx_chr(c, "5d000002-0000-4000-8000-00805f9b34fb")), 0x48);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_client_descriptor_by_handle(c, 0x30, &d));
  blec_uuid du = blec_descriptor_uuid(d), want = fx_uuid("2901");
  ASSERT(blec_uuid_equal(&du, &want));
  uint8_t *data = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read_spec(c, "#0x48", 0, blec_test_ms(FX_WAIT_MS), &data, &len, NULL));
  ASSERT_EQ_INT(len, 2);
  ASSERT_EQ_INT(data[1], 2);
  blec_free(data);
  ASSERT_OK(blec_client_read_spec(c, "#0x20", 0, blec_test_ms(FX_WAIT_MS), &data, &len, NULL));
  ASSERT_EQ_INT(len, 1);
  ASSERT_EQ_INT(data[0], 77);
  blec_free(data);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(characteristic_properties_match_the_declaration) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  struct { const char *uuid; uint32_t props; } t[] = {
      {LAB_RW, BLEC_PROP_READ | BLEC_PROP_WRITE},
      {LAB_WWR, BLEC_PROP_WRITE_WITHOUT_RESPONSE},
      {LAB_WONLY, BLEC_PROP_WRITE},
      {LAB_NI, BLEC_PROP_READ | BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE},
      {LAB_WBOTH, BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE},
      {LAB_NOTIFY, BLEC_PROP_NOTIFY},
      {LAB_IND, BLEC_PROP_INDICATE},
      {LAB_PLAIN, BLEC_PROP_READ},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    uint32_t p = blec_characteristic_properties(fx_chr(c, t[i].uuid));
    if (p != t[i].props)
      blec_test_fail_(__FILE__, __LINE__, "%s: properties 0x%x, wanted 0x%x", t[i].uuid, (unsigned)p,
                      (unsigned)t[i].props);
  }
  char buf[128];
  blec_properties_format(blec_characteristic_properties(fx_chr(c, LAB_NI)), buf, sizeof buf);
  ASSERT(strstr(buf, "read") && strstr(buf, "notify") && strstr(buf, "indicate"));
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(notifying_characteristics_carry_a_cccd) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_uuid cccd = blec_uuid_from16(0x2902);
  const char *with[] = {LAB_NI, LAB_NOTIFY, LAB_IND};
  for (size_t i = 0; i < 3; i++) {
    blec_descriptor *d = NULL;
    ASSERT_OK(blec_characteristic_descriptor(fx_chr(c, with[i]), &cccd, &d));
    ASSERT_STR_EQ(blec_descriptor_description(d), "Client Characteristic Configuration");
    blec_uuid du = blec_descriptor_uuid(d);
    ASSERT(blec_uuid_equal(&du, &cccd));
  }
  blec_descriptor *d = NULL;
  ASSERT_STATUS(blec_characteristic_descriptor(fx_chr(c, LAB_PLAIN), &cccd, &d), BLEC_ERR_DESCRIPTOR_NOT_FOUND);
  ASSERT_EQ_INT(blec_characteristic_descriptor_count(fx_chr(c, LAB_PLAIN)), 0);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(descriptors_are_found_by_uuid_and_handle) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *ch = fx_chr(c, LAB_DESC);
  ASSERT_EQ_INT(blec_characteristic_descriptor_count(ch), 2);
  blec_uuid ud = blec_uuid_from16(0x2901), vend = fx_uuid("aa50"), none = blec_uuid_from16(0x2904);
  blec_descriptor *d1 = NULL, *d2 = NULL, *back = NULL;
  ASSERT_OK(blec_characteristic_descriptor(ch, &ud, &d1));
  ASSERT_OK(blec_characteristic_descriptor(ch, &vend, &d2));
  ASSERT(d1 != d2);
  ASSERT_STR_EQ(blec_descriptor_description(d1), "Characteristic User Description");
  ASSERT(blec_descriptor_description(d2) == NULL);
  ASSERT_STATUS(blec_characteristic_descriptor(ch, &none, &back), BLEC_ERR_DESCRIPTOR_NOT_FOUND);
  ASSERT_OK(blec_client_descriptor_by_handle(c, blec_descriptor_handle(d2), &back));
  ASSERT(back == d2);
  ASSERT(blec_descriptor_characteristic(back) == ch);
  ASSERT_STATUS(blec_client_descriptor_by_handle(c, blec_characteristic_handle(ch), &back),
                BLEC_ERR_DESCRIPTOR_NOT_FOUND);
  ASSERT_STATUS(blec_client_descriptor_by_handle(c, 0xFFFF, &back), BLEC_ERR_DESCRIPTOR_NOT_FOUND);
  ASSERT_STATUS(blec_characteristic_descriptor(NULL, &ud, &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_characteristic_descriptor(ch, NULL, &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_characteristic_descriptor(ch, &ud, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_descriptor_by_handle(NULL, 1, &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_descriptor_by_handle(c, 1, NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(service_lookup_by_uuid_reports_missing_and_ambiguous) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_service *s = NULL;
  blec_uuid aa20 = fx_uuid("aa20"), aa30 = fx_uuid("aa30"), none = fx_uuid("1234");
  ASSERT_OK(blec_client_service(c, &aa20, &s));
  blec_uuid su = blec_service_uuid(s);
  ASSERT(blec_uuid_equal(&su, &aa20));
  ASSERT_STATUS(blec_client_service(c, &aa30, &s), BLEC_ERR_AMBIGUOUS);
  ASSERT_STATUS(blec_client_service(c, &none, &s), BLEC_ERR_SERVICE_NOT_FOUND);
  ASSERT_STATUS(blec_client_service(NULL, &aa20, &s), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_service(c, NULL, &s), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_service(c, &aa20, NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(service_lookup_by_handle_finds_each_service) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  size_t n = blec_client_service_count(c);
  for (size_t i = 0; i < n; i++) {
    blec_service *s = blec_client_service_at(c, i), *back = NULL;
    ASSERT_OK(blec_client_service_by_handle(c, blec_service_handle(s), &back));
    ASSERT(back == s);
  }
  blec_service *back = NULL;
  ASSERT_STATUS(blec_client_service_by_handle(c, 0xFFFF, &back), BLEC_ERR_SERVICE_NOT_FOUND);
  ASSERT_STATUS(blec_client_service_by_handle(c, 0, &back), BLEC_ERR_SERVICE_NOT_FOUND);
  ASSERT_STATUS(blec_client_service_by_handle(NULL, 1, &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_service_by_handle(c, 1, NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(characteristic_lookup_by_uuid_reports_missing_and_ambiguous) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *ch = NULL;
  blec_uuid dup = fx_uuid(LAB_DUP), none = fx_uuid("ffff"), s2 = fx_uuid("aa31");
  ASSERT_STATUS(blec_client_characteristic(c, &dup, &ch), BLEC_ERR_AMBIGUOUS);
  ASSERT_STATUS(blec_client_characteristic(c, &none, &ch), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT_OK(blec_client_characteristic(c, &s2, &ch));
  ASSERT_STATUS(blec_client_characteristic(NULL, &s2, &ch), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_characteristic(c, NULL, &ch), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_characteristic(c, &s2, NULL), BLEC_ERR_INVALID_ARG);
  /* Each of the ambiguous pair is reachable through its service or its handle. */
  blec_service *svc = NULL;
  blec_uuid aa20 = fx_uuid("aa20");
  ASSERT_OK(blec_client_service(c, &aa20, &svc));
  blec_characteristic *d1 = blec_service_characteristic_at(svc, 0), *back = NULL;
  ASSERT_OK(blec_client_characteristic_by_handle(c, blec_characteristic_handle(d1), &back));
  ASSERT(back == d1);
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(c, d1, buf, sizeof buf), 2);
  ASSERT_MEM_EQ(buf, "d1", 2);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(characteristic_lookup_by_handle_uses_the_value_handle) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *ch = fx_chr(c, LAB_NI), *back = NULL;
  uint16_t h = blec_characteristic_handle(ch);
  ASSERT_OK(blec_client_characteristic_by_handle(c, h, &back));
  ASSERT(back == ch);
  /* The declaration handle (value - 1) and a descriptor handle are not characteristics. */
  ASSERT_STATUS(blec_client_characteristic_by_handle(c, (uint16_t)(h - 1), &back), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  blec_descriptor *cccd = fx_desc(c, LAB_NI, "2902");
  ASSERT_STATUS(blec_client_characteristic_by_handle(c, blec_descriptor_handle(cccd), &back),
                BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT_STATUS(blec_client_characteristic_by_handle(c, 0xFFFF, &back), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT_STATUS(blec_client_characteristic_by_handle(NULL, h, &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_characteristic_by_handle(c, h, NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(characteristic_lookup_by_spec_accepts_uuids_and_handles) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *ch = fx_chr(c, LAB_RW), *back = NULL;
  unsigned h = blec_characteristic_handle(ch);
  char specs[8][48];
  snprintf(specs[0], sizeof specs[0], "#%u", h);
  snprintf(specs[1], sizeof specs[1], "h%u", h);
  snprintf(specs[2], sizeof specs[2], "handle:%u", h);
  snprintf(specs[3], sizeof specs[3], "#0x%02x", h);
  snprintf(specs[4], sizeof specs[4], "aa01");
  snprintf(specs[5], sizeof specs[5], "0xAA01");
  snprintf(specs[6], sizeof specs[6], "0000AA01-0000-1000-8000-00805F9B34FB");
  snprintf(specs[7], sizeof specs[7], "{0000aa01-0000-1000-8000-00805f9b34fb}");
  for (int i = 0; i < 8; i++) {
    back = NULL;
    int s = blec_client_characteristic_by_spec(c, specs[i], &back);
    if (s != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "spec \"%s\": %s", specs[i], blec_status_name(s));
    ASSERT(back == ch);
  }
  ASSERT_STATUS(blec_client_characteristic_by_spec(c, LAB_DUP, &back), BLEC_ERR_AMBIGUOUS);
  ASSERT_STATUS(blec_client_characteristic_by_spec(c, "ffff", &back), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT_STATUS(blec_client_characteristic_by_spec(c, "#65535", &back), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  const char *bad[] = {"", "#", "zz", "h", "handle:", "#12x", "#0xZZ", "handle:-3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int s = blec_client_characteristic_by_spec(c, bad[i], &back);
    if (s != BLEC_ERR_INVALID_ARG && s != BLEC_ERR_PARSE)
      blec_test_fail_(__FILE__, __LINE__, "spec \"%s\" gave %s, wanted INVALID_ARG or PARSE", bad[i],
                      blec_status_name(s));
  }
  ASSERT_STATUS(blec_client_characteristic_by_spec(c, NULL, &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_characteristic_by_spec(NULL, "aa01", &back), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_characteristic_by_spec(c, "aa01", NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(tree_items_have_assigned_number_descriptions) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, HR_ADDR, NULL);
  blec_characteristic *hrm = fx_chr(c, "2a37");
  ASSERT_STR_EQ(blec_characteristic_description(hrm), "Heart Rate Measurement");
  ASSERT_STR_EQ(blec_service_description(blec_characteristic_service(hrm)), "Heart Rate");
  ASSERT_STR_EQ(blec_characteristic_description(fx_chr(c, "2a19")), "Battery Level");
  ASSERT_STR_EQ(blec_characteristic_description(fx_chr(c, "2a38")), "Body Sensor Location");
  blec_client_free(c);
  c = fx_connect(&f, UART_ADDR, NULL);
  ASSERT_STR_EQ(blec_service_description(blec_characteristic_service(fx_chr(c, UART_RX))), "Nordic UART Service");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(tree_objects_stay_valid_after_disconnection) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *ch = fx_chr(c, LAB_RW);
  blec_descriptor *d = fx_desc(c, LAB_DESC, "2901");
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  blec_uuid u = blec_characteristic_uuid(ch), w = fx_uuid(LAB_RW);
  ASSERT(blec_uuid_equal(&u, &w));
  ASSERT(blec_characteristic_service(ch) != NULL);
  ASSERT(blec_descriptor_characteristic(d) != NULL);
  /* Without a link, operations on them say so. */
  uint8_t *data = NULL;
  size_t len = 0;
  ASSERT_STATUS(blec_client_read(c, ch, 0, 1000, &data, &len, NULL), BLEC_ERR_NOT_CONNECTED);
  ASSERT_STATUS(blec_client_read_descriptor(c, d, 0, 1000, &data, &len, NULL), BLEC_ERR_NOT_CONNECTED);
  ASSERT_EQ_INT(blec_characteristic_max_write_without_response_size(ch), 0);
  blec_client_free(c);
  fx_close(&f);
}
