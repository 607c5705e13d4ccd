/* SPDX-License-Identifier: MIT */
/*
 * t_denied.c — services Windows keeps to itself (HID, 0x1812: its characteristics answer
 * AccessDenied) are skipped, wherever they sit in the database: first, in the middle,
 * last, alone. The rest of the tree is whole, and the heaps stay valid (issue 10, defect
 * 1: the skipped part of the attribute table was once freed from its middle).
 */
#include "wr_test.h"

/* No names: a named peripheral gets the GAP service (0x1800) first, and HID must be able
 * to be the very first service. */
static const char denied_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:11 public\n"
    "  adv-interval 20ms\n"
    "  service 1812\n"
    "    characteristic 2a4d read,notify u8:1\n"
    "    characteristic 2a4b read u8:2\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"a\"\n"
    "      descriptor 2901 read text:\"first\"\n"
    "  service bb00\n"
    "    characteristic bb01 read,notify text:\"b\"\n"
    "peripheral AA:00:00:00:00:12 public\n"
    "  adv-interval 20ms\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"a\"\n"
    "      descriptor 2901 read text:\"first\"\n"
    "  service 1812\n"
    "    characteristic 2a4d read,notify u8:1\n"
    "    characteristic 2a4b read u8:2\n"
    "  service bb00\n"
    "    characteristic bb01 read,notify text:\"b\"\n"
    "peripheral AA:00:00:00:00:13 public\n"
    "  adv-interval 20ms\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"a\"\n"
    "      descriptor 2901 read text:\"first\"\n"
    "  service bb00\n"
    "    characteristic bb01 read,notify text:\"b\"\n"
    "  service 1812\n"
    "    characteristic 2a4d read,notify u8:1\n"
    "    characteristic 2a4b read u8:2\n"
    "peripheral AA:00:00:00:00:14 public\n"
    "  adv-interval 20ms\n"
    "  service 1812\n"
    "    characteristic 2a4d read,notify u8:1\n"
    "  service 1812\n"
    "    characteristic 2a4b read u8:2\n";

/* The tree of a device whose HID service was skipped: aa00 and bb00, complete and usable. */
static void check_tree(blec_client *c) {
  ASSERT_EQ_INT(blec_client_service_count(c), 2);
  blec_service *s = NULL;
  blec_uuid aa00 = blec_uuid_from16(0xaa00), bb00 = blec_uuid_from16(0xbb00), hid = blec_uuid_from16(0x1812);
  ASSERT_STATUS(blec_client_service(c, &hid, &s), BLEC_ERR_SERVICE_NOT_FOUND);
  ASSERT_OK(blec_client_service(c, &aa00, &s));
  ASSERT_EQ_INT(blec_service_characteristic_count(s), 1);
  blec_characteristic *aa01 = blec_service_characteristic_at(s, 0);
  ASSERT_EQ_INT(blec_characteristic_descriptor_count(aa01), 1);
  ASSERT_OK(blec_client_service(c, &bb00, &s));
  ASSERT_EQ_INT(blec_service_characteristic_count(s), 1);
  blec_characteristic *bb01 = blec_service_characteristic_at(s, 0);
  ASSERT_EQ_INT(blec_characteristic_properties(bb01), BLEC_PROP_READ | BLEC_PROP_NOTIFY);
  /* Every object kept is a live WinRT object of the right attribute. */
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 1);
  ASSERT_MEM_EQ(data, "a", 1);
  blec_free(data);
  ASSERT_OK(blec_client_read(c, bb01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_MEM_EQ(data, "b", 1);
  blec_free(data);
  ASSERT_OK(blec_client_read_descriptor(c, blec_characteristic_descriptor_at(aa01, 0), 0, blec_test_ms(5000), &data,
                                        &len, &err));
  ASSERT_EQ_INT(len, 5);
  blec_free(data);
  wt_check_heaps();
}

static void connect_and_check(const char *addr) {
  blec_ctx *ctx = wt_ctx();
  for (int round = 0; round < 3; round++) { /* reconnects reuse the OS's cache */
    blec_client *c = wt_connect(ctx, addr, NULL);
    check_tree(c);
    blec_client_free(c);
    wt_check_heaps();
  }
  wt_end(ctx);
}

BLEC_TEST_IMPL(denied_service_first) {
  wt_world(denied_world);
  connect_and_check("AA:00:00:00:00:11");
}

BLEC_TEST_IMPL(denied_service_middle) {
  wt_world(denied_world);
  connect_and_check("AA:00:00:00:00:12");
}

BLEC_TEST_IMPL(denied_service_last) {
  wt_world(denied_world);
  connect_and_check("AA:00:00:00:00:13");
}

BLEC_TEST_IMPL(denied_services_only) {
  wt_world(denied_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, "AA:00:00:00:00:14", NULL);
  ASSERT_EQ_INT(blec_client_service_count(c), 0);
  blec_client_free(c);
  wt_end(ctx);
}

/* With a services subset, a service the program did not ask for is not opened at all: that
 * Windows denies it (HID), wherever it sits, cannot fail the connect. */
BLEC_TEST_IMPL(denied_service_not_asked_for_cannot_fail_the_connect) {
  wt_world(denied_world);
  blec_ctx *ctx = wt_ctx();
  static const char *const addrs[] = {"AA:00:00:00:00:11", "AA:00:00:00:00:12", "AA:00:00:00:00:13"};
  for (size_t i = 0; i < 3; i++) wt_check_subset_connect(ctx, addrs[i], 0xbb00, 0xbb01, 'b');
  wt_end(ctx);
}
