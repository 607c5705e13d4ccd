/* SPDX-License-Identifier: MIT */
/*
 * t_printable.c — the printable forms (bleak's str/repr of devices, advertisement data
 * and GATT objects) and the names a program registers for its UUIDs (register_uuids).
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

#define PRN_ADDR "C0:0F:00:00:00:01"
#define VENDOR_SVC "8d5b0001-2f3e-4c6a-9b1d-7e0f1a2b3c4d"
#define VENDOR_CHR "8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d"

static blec_world *printable_world(void) {
  return fx_world_text("blec-world 1\n"
                       "peripheral C0:0F:00:00:00:01 random\n"
                       "  name \"Sen'sor\"\n"
                       "  services 180d\n"
                       "  manufacturer 004c hex:0215\n"
                       "  manufacturer 004c hex:1005\n"
                       "  scan-response service-data feaa hex:10\n"
                       "  scan-response tx-power -4\n"
                       "  rssi -58\n"
                       "  adv-interval 20ms\n"
                       "  service " VENDOR_SVC "\n"
                       "    characteristic " VENDOR_CHR " read,notify u8:1\n"
                       "      descriptor 2901 read text:\"state\"\n"
                       "peripheral C0:0F:00:00:00:02 random\n"
                       "  adv-interval 20ms\n");
}

BLEC_TEST_IMPL(printable_forms_are_what_bleak_prints) {
  fx f;
  fx_open(&f, printable_world());
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_address(f.ctx, PRN_ADDR, blec_test_ms(FX_WAIT_MS), &dev, NULL));
  char line[1024];
  ASSERT_STR_EQ(blec_device_format(dev, line, sizeof line), PRN_ADDR ": Sen'sor");
  if (fx_cap(&f, BLEC_CAP_RAW_ADVERTISING)) {
    ASSERT_STR_EQ(blec_adv_format(blec_device_adv(dev), line, sizeof line),
                  "AdvertisementData(local_name='Sen\\'sor', manufacturer_data={76: b'\\x02\\x15', 76: "
                  "b'\\x10\\x05'}, service_data={'0000feaa-0000-1000-8000-00805f9b34fb': b'\\x10'}, "
                  "service_uuids=['0000180d-0000-1000-8000-00805f9b34fb'], tx_power=-4, rssi=-58)");
  } else {
    /* The OS keeps one entry per company id (BlueZ's ManufacturerData is a dictionary):
     * the last one received. */
    fx_note_skipped("BLEC_CAP_RAW_ADVERTISING", "a company id repeated in one advertisement");
    ASSERT_STR_EQ(blec_adv_format(blec_device_adv(dev), line, sizeof line),
                  "AdvertisementData(local_name='Sen\\'sor', manufacturer_data={76: b'\\x10\\x05'}, "
                  "service_data={'0000feaa-0000-1000-8000-00805f9b34fb': b'\\x10'}, "
                  "service_uuids=['0000180d-0000-1000-8000-00805f9b34fb'], tx_power=-4, rssi=-58)");
  }
  /* Cut to the buffer, with "...". */
  char small[24];
  blec_adv_format(blec_device_adv(dev), small, sizeof small);
  ASSERT_EQ_INT(strlen(small), sizeof small - 1);
  ASSERT(strcmp(small + sizeof small - 4, "...") == 0);
  blec_device_unref(dev);

  ASSERT_OK(blec_find_device_by_address(f.ctx, "C0:0F:00:00:00:02", blec_test_ms(FX_WAIT_MS), &dev, NULL));
  ASSERT_STR_EQ(blec_device_format(dev, line, sizeof line), "C0:0F:00:00:00:02: None");
  ASSERT(strncmp(blec_adv_format(blec_device_adv(dev), line, sizeof line), "AdvertisementData(rssi=", 23) == 0);
  blec_device_unref(dev);

  blec_client *c = fx_connect(&f, PRN_ADDR, NULL);
  blec_characteristic *chr = fx_chr(c, VENDOR_CHR);
  blec_service *svc = blec_characteristic_service(chr);
  char want[160];
  snprintf(want, sizeof want, "%s (Handle: %u): Unknown", VENDOR_SVC, blec_service_handle(svc));
  ASSERT_STR_EQ(blec_service_format(svc, line, sizeof line), want);
  snprintf(want, sizeof want, "%s (Handle: %u): Unknown", VENDOR_CHR, blec_characteristic_handle(chr));
  ASSERT_STR_EQ(blec_characteristic_format(chr, line, sizeof line), want);
  blec_descriptor *d = fx_desc(c, VENDOR_CHR, "2901");
  snprintf(want, sizeof want, "00002901-0000-1000-8000-00805f9b34fb (Handle: %u): Characteristic User Description",
           blec_descriptor_handle(d));
  ASSERT_STR_EQ(blec_descriptor_format(d, line, sizeof line), want);
  /* Registered names show everywhere a description does. */
  blec_uuid vs = fx_uuid(VENDOR_SVC), vc = fx_uuid(VENDOR_CHR);
  ASSERT_OK(blec_uuid_register_name(&vs, "Lock Service"));
  ASSERT_OK(blec_uuid_register_name(&vc, "Lock State"));
  ASSERT_STR_EQ(blec_service_description(svc), "Lock Service");
  snprintf(want, sizeof want, "%s (Handle: %u): Lock State", VENDOR_CHR, blec_characteristic_handle(chr));
  ASSERT_STR_EQ(blec_characteristic_format(chr, line, sizeof line), want);
  /* NULL objects and buffers. */
  ASSERT_STR_EQ(blec_device_format(NULL, line, sizeof line), "");
  ASSERT_STR_EQ(blec_service_format(NULL, line, sizeof line), "");
  ASSERT(blec_adv_format(NULL, NULL, 0) == NULL);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(registered_uuid_names_replace_and_validate) {
  blec_uuid v = fx_uuid("12345678-9abc-def0-1234-56789abcdef0");
  ASSERT(blec_uuid_description(&v) == NULL);
  ASSERT_OK(blec_uuid_register_name(&v, "Widget"));
  ASSERT_STR_EQ(blec_uuid_description(&v), "Widget");
  const char *first = blec_uuid_description(&v);
  ASSERT_OK(blec_uuid_register_name(&v, "Gadget \xe2\x9c\x93")); /* again: replaced; UTF-8 kept */
  ASSERT_STR_EQ(blec_uuid_description(&v), "Gadget \xe2\x9c\x93");
  ASSERT_STR_EQ(first, "Widget"); /* an earlier name stays valid */
  /* An assigned number can be named too (bleak lets a program override). */
  blec_uuid hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_uuid_register_name(&hr, "My Heart Rate"));
  ASSERT_STR_EQ(blec_uuid_description(&hr), "My Heart Rate");
  ASSERT_STATUS(blec_uuid_register_name(&v, ""), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_register_name(&v, "bell\a"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_register_name(&v, "bad \xff utf8"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_register_name(&v, "csi \xc2\x9b"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_register_name(NULL, "x"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_uuid_register_name(&v, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STR_EQ(blec_uuid_description(&v), "Gadget \xe2\x9c\x93");
}

BLEC_TEST_IMPL(registered_uuid_names_load_from_text_all_or_nothing) {
  blec_error err;
  ASSERT_OK(blec_uuid_register_names("# vendor names\n"
                                     "\n"
                                     "  aaaa0001-0000-1000-8000-00805f9b34fb   Thermostat Service \r\n"
                                     "0xfff1 Setpoint\n",
                                     &err));
  blec_uuid a = fx_uuid("aaaa0001-0000-1000-8000-00805f9b34fb"), b = blec_uuid_from16(0xFFF1);
  ASSERT_STR_EQ(blec_uuid_description(&a), "Thermostat Service");
  ASSERT_STR_EQ(blec_uuid_description(&b), "Setpoint");
  /* A bad line: nothing of the text is registered, and the line is named. */
  blec_uuid c = blec_uuid_from16(0xFFF2);
  ASSERT_STATUS(blec_uuid_register_names("fff2 Fine\nnot-a-uuid Bad\n", &err), BLEC_ERR_PARSE);
  ASSERT_EQ_INT(err.status, BLEC_ERR_PARSE);
  ASSERT(strstr(err.message, "line 2") != NULL);
  ASSERT(blec_uuid_description(&c) == NULL);
  ASSERT_STATUS(blec_uuid_register_names("fff2\n", &err), BLEC_ERR_PARSE);
  ASSERT(strstr(err.message, "line 1: the description is empty") != NULL);
  ASSERT_STATUS(blec_uuid_register_names(NULL, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  ASSERT_STATUS(blec_uuid_register_names_file("/nonexistent/names.txt", &err), BLEC_ERR_IO);
  ASSERT(strstr(err.message, "/nonexistent/names.txt") != NULL);
  const char *path = "conformance-uuid-names.txt";
  FILE *out = fopen(path, "wb");
  ASSERT(out != NULL);
  fputs("fff3 From A File\n", out);
  fclose(out);
  ASSERT_OK(blec_uuid_register_names_file(path, &err));
  remove(path);
  blec_uuid d = blec_uuid_from16(0xFFF3);
  ASSERT_STR_EQ(blec_uuid_description(&d), "From A File");
}

/* ---- lookups and one-call operations ------------------------------------------------- */

#include "worlds.h"

BLEC_TEST_IMPL(lookup_in_one_service_and_ambiguity_naming_the_services) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *chr = NULL;
  blec_error err;
  ASSERT_STATUS(blec_client_find_characteristic(c, LAB_DUP, &chr, &err), BLEC_ERR_AMBIGUOUS);
  ASSERT(chr == NULL);
  ASSERT_EQ_INT(err.status, BLEC_ERR_AMBIGUOUS);
  blec_service *s20 = NULL, *s30 = NULL;
  blec_uuid u20 = fx_uuid("aa20"), u30 = fx_uuid("aa30"), dup = fx_uuid(LAB_DUP);
  ASSERT_OK(blec_client_service(c, &u20, &s20));
  /* Two services aa30: the first holds aadd. */
  for (size_t i = 0; i < blec_client_service_count(c) && !s30; i++) {
    blec_service *s = blec_client_service_at(c, i);
    blec_uuid su = blec_service_uuid(s);
    if (blec_uuid_equal(&su, &u30)) s30 = s;
  }
  ASSERT(s30 != NULL);
  char h20[32], h30[32];
  snprintf(h20, sizeof h20, "(handle %u)", blec_service_handle(s20));
  snprintf(h30, sizeof h30, "(handle %u)", blec_service_handle(s30));
  ASSERT(strstr(err.message, h20) != NULL);
  ASSERT(strstr(err.message, h30) != NULL);
  /* Within one service the UUID is unambiguous. */
  blec_characteristic *a = NULL, *b = NULL;
  ASSERT_OK(blec_service_characteristic(s20, &dup, &a));
  ASSERT_OK(blec_service_characteristic(s30, &dup, &b));
  ASSERT(a != b && blec_characteristic_service(a) == s20 && blec_characteristic_service(b) == s30);
  blec_uuid none = fx_uuid("abcd");
  ASSERT_STATUS(blec_service_characteristic(s20, &none, &a), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT(a == NULL);
  ASSERT_STATUS(blec_service_characteristic(NULL, &none, &a), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_find_characteristic(c, "abcd", &chr, &err), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT(strstr(err.message, "abcd") != NULL);
  ASSERT_STATUS(blec_client_find_characteristic(c, "zz", &chr, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(read_and_write_by_uuid_text_or_handle_in_one_call) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read_spec(c, LAB_CONST, 0, blec_test_ms(FX_WAIT_MS), &d, &len, &err));
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(d, "const", 5);
  blec_free(d);
  char handle[16];
  snprintf(handle, sizeof handle, "#%u", blec_characteristic_handle(fx_chr(c, LAB_RW)));
  ASSERT_OK(blec_client_write_spec(c, handle, (const uint8_t *)"new", 3, BLEC_WRITE_WITH_RESPONSE,
                                   blec_test_ms(FX_WAIT_MS), &err));
  ASSERT_OK(blec_client_read_spec(c, "0x" LAB_RW, 0, blec_test_ms(FX_WAIT_MS), &d, &len, &err));
  ASSERT_EQ_INT(len, 3);
  ASSERT_MEM_EQ(d, "new", 3);
  blec_free(d);
  /* The lookup's failures come with their detail; nothing is sent. */
  uint64_t before = blec_world_peripheral_request_count(fx_peripheral(&f, LAB_ADDR));
  ASSERT_STATUS(blec_client_write_spec(c, LAB_DUP, (const uint8_t *)"x", 1, BLEC_WRITE_DEFAULT, 1000, &err),
                BLEC_ERR_AMBIGUOUS);
  ASSERT(strstr(err.message, "several services") != NULL);
  ASSERT_STATUS(blec_client_read_spec(c, "#0x7fff", 0, 1000, &d, &len, &err), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT(d == NULL && len == 0);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(fx_peripheral(&f, LAB_ADDR)), before);
  blec_client_free(c);
  fx_close(&f);
}
