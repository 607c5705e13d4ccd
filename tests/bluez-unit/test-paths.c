/* SPDX-License-Identifier: MIT */
/* test-paths.c — BlueZ object paths: built and read back, malformed ones refused. */
#include <string.h>

#include "backends/bluez/blz.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

BLEC_TEST_IMPL(device_path_is_built_from_adapter_and_address) {
  char p[BLZ_PATH_MAX];
  ASSERT(blz_device_path("/org/bluez/hci0", "c0:01:00:00:0a:ff", p, sizeof p));
  ASSERT_STR_EQ(p, "/org/bluez/hci0/dev_C0_01_00_00_0A_FF");
  ASSERT(!blz_device_path("/org/bluez/hci0", "c0:01:00:00:0a", p, sizeof p));
  ASSERT(!blz_device_path("/org/bluez/hci0", "c0-01-00-00-0a-ff", p, sizeof p));
  ASSERT(!blz_device_path("/org/bluez/hci0", "g0:01:00:00:0a:ff", p, sizeof p));
  ASSERT(!blz_device_path(NULL, "c0:01:00:00:0a:ff", p, sizeof p));
  char tiny[20];
  ASSERT(!blz_device_path("/org/bluez/hci0", "c0:01:00:00:0a:ff", tiny, sizeof tiny));
}

BLEC_TEST_IMPL(address_and_handles_are_read_from_paths) {
  char a[BLEC_ADDR_STRLEN];
  ASSERT(blz_path_address("/org/bluez/hci1/dev_c0_01_00_00_0a_ff", a));
  ASSERT_STR_EQ(a, "C0:01:00:00:0A:FF");
  uint16_t h = 0;
  ASSERT(blz_path_handle("/org/bluez/hci0/dev_C0_01_00_00_00_01/service000c", "service", &h));
  ASSERT_EQ_INT(h, 0x000c);
  ASSERT(blz_path_handle("/org/bluez/hci0/dev_C0_01_00_00_00_01/service000c/char000D", "char", &h));
  ASSERT_EQ_INT(h, 0x000d);
  ASSERT(blz_path_handle("/x/service000c/char000d/desc00ff", "desc", &h));
  ASSERT_EQ_INT(h, 0x00ff);
  ASSERT(blz_path_below("/org/bluez/hci0/dev_1", "/org/bluez/hci0"));
  ASSERT(!blz_path_below("/org/bluez/hci0", "/org/bluez/hci0"));
  ASSERT(!blz_path_below("/org/bluez/hci01", "/org/bluez/hci0"));
  ASSERT(!blz_path_below("/org/bluez/hci0/", "/org/bluez/hci0"));
  ASSERT_STR_EQ(blz_adapter_name("/org/bluez/hci3"), "hci3");
  ASSERT(blz_adapter_name("/org/bluez/hci3/dev_C0_01_00_00_00_01") == NULL);
  ASSERT(blz_adapter_name("/org/other/hci3") == NULL);
}

BLEC_TEST_IMPL(malformed_paths_are_refused) {
  char a[BLEC_ADDR_STRLEN];
  uint16_t h = 0;
  ASSERT(!blz_path_address("/org/bluez/hci0", a));
  ASSERT(!blz_path_address("/org/bluez/hci0/dev_C0_01_00_00_00", a));
  ASSERT(!blz_path_address("/org/bluez/hci0/dev_C0:01:00:00:00:01", a));
  ASSERT(!blz_path_address("/org/bluez/hci0/dev_C0_01_00_00_00_0G", a));
  ASSERT(!blz_path_address(NULL, a));
  ASSERT(!blz_path_handle("/x/service00c", "service", &h));
  ASSERT(!blz_path_handle("/x/service000c0", "service", &h));
  ASSERT(!blz_path_handle("/x/service00xc", "service", &h));
  ASSERT(!blz_path_handle("/x/char000c", "service", &h));
  ASSERT(!blz_path_handle(NULL, "service", &h));
}
