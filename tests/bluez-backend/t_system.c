/* SPDX-License-Identifier: MIT */
/*
 * t_system.c — the backend and the system around it: the default-backend rule on Linux,
 * Bluetooth availability and its reasons (no bluetoothd, the daemon leaving and coming
 * back, no such adapter, powered off) and the choice among several adapters.
 */
#include <stdlib.h>
#include <string.h>

#include "bk.h"

static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:0B:00:00:00:01 public\n"
    "  name \"System\"\n"
    "  rssi -50\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"hello\"\n";

#define ADDR "C0:0B:00:00:00:01"

static blec_ctx *default_ctx(void) {
  blec_ctx *ctx = NULL;
  blec_error err;
  blec_error_clear(&err);
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT_OK(blec_ctx_options_set_log_level(o, BLEC_LOG_WARNING));
  int s = blec_ctx_new(o, &ctx, &err);
  blec_ctx_options_free(o);
  if (s != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "blec_ctx_new: %s", err.message);
  return ctx;
}

BLEC_TEST_IMPL(default_backend_is_bluez_when_org_bluez_answers) {
  unsetenv("BLEC_BACKEND");
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  blec_ctx *ctx = default_ctx();
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "bluez");
  ASSERT(blec_ctx_backend_fallback(ctx) == NULL);
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_address(ctx, ADDR, blec_test_ms(BK_WAIT_MS), &dev, NULL));
  blec_device_unref(dev);
  ASSERT_OK(blec_ctx_free(ctx));
  /* $BLEC_BACKEND still names one. */
  setenv("BLEC_BACKEND", "virtual", 1);
  ctx = default_ctx();
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "virtual");
  ASSERT(blec_ctx_backend_fallback(ctx) == NULL);
  ASSERT_OK(blec_ctx_free(ctx));
  unsetenv("BLEC_BACKEND");
  bk_close(&t);
}

BLEC_TEST_IMPL(default_backend_falls_back_to_virtual_and_says_why) {
  unsetenv("BLEC_BACKEND");
  /* A system bus without bluetoothd. */
  ASSERT(getenv("BLEC_PRIVATE_BUS_DIR") != NULL);
  blec_ctx *ctx = default_ctx();
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "virtual");
  const char *why = blec_ctx_backend_fallback(ctx);
  ASSERT(why != NULL);
  ASSERT(strstr(why, "bluetoothd is not running") != NULL);
  ASSERT(strstr(why, "bluez") != NULL);
  ASSERT_OK(blec_ctx_free(ctx));
  /* No system bus at all. */
  char *saved = strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS"));
  setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/blec-test-no-bus", 1);
  ctx = default_ctx();
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "virtual");
  ASSERT(strstr(blec_ctx_backend_fallback(ctx), "not reachable") != NULL);
  ASSERT_OK(blec_ctx_free(ctx));
  /* The bluez backend named explicitly: it does not open without a bus. */
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT_OK(blec_ctx_options_set_backend(o, "bluez"));
  ASSERT_OK(blec_ctx_options_set_log_level(o, BLEC_LOG_NONE));
  blec_error err;
  ASSERT_STATUS(blec_ctx_new(o, &ctx, &err), BLEC_ERR_BACKEND_UNAVAILABLE);
  ASSERT(strstr(err.message, "system D-Bus") != NULL);
  blec_ctx_options_free(o);
  setenv("DBUS_SYSTEM_BUS_ADDRESS", saved, 1);
  free(saved);
}

BLEC_TEST_IMPL(bluetooth_unavailable_until_bluetoothd_starts_and_after_it_leaves) {
  bk t;
  bk_world(&t, world_text);
  bk_ctx(&t, NULL); /* before the daemon */
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_ctx_check_bluetooth(t.ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_NO_ADAPTER);
  ASSERT(strstr(err.message, "bluetoothd is not running") != NULL);
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, NULL, NULL, &s));
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  /* The daemon starts: the backend follows its owner (NameOwnerChanged). */
  bk_sim_start(&t, NULL);
  WAIT_UNTIL(blec_ctx_check_bluetooth(t.ctx, NULL) == BLEC_OK, BK_WAIT_MS);
  ASSERT_OK(blec_scanner_start(s, &err));
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_address(t.ctx, ADDR, blec_test_ms(BK_WAIT_MS), &dev, NULL));
  blec_device_unref(dev);
  /* It leaves: scanning stops, the check says so. */
  bk_sim_stop(&t);
  WAIT_UNTIL(!blec_scanner_is_scanning(s), BK_WAIT_MS);
  ASSERT_STATUS(blec_ctx_check_bluetooth(t.ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_NO_ADAPTER);
  /* And comes back. */
  bk_sim_start(&t, NULL);
  WAIT_UNTIL(blec_ctx_check_bluetooth(t.ctx, NULL) == BLEC_OK, BK_WAIT_MS);
  ASSERT_OK(blec_scanner_start(s, &err));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(t.ctx, ADDR, NULL, &c));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  blec_client_free(c);
  blec_scanner_free(s);
  bk_close(&t);
}

BLEC_TEST_IMPL(powered_off_adapter_is_unavailable_with_its_reason) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  ASSERT_OK(blec_ctx_check_bluetooth(t.ctx, NULL));
  /* Adapter1.Powered = false, as `bluetoothctl power off` does. */
  sd_bus *other = bk_bus();
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ASSERT(sd_bus_set_property(other, "org.bluez", "/org/bluez/hci0", "org.bluez.Adapter1", "Powered", &e, "b", 0) >= 0);
  blec_error err;
  blec_error_clear(&err);
  WAIT_UNTIL(blec_ctx_check_bluetooth(t.ctx, &err) == BLEC_ERR_BLUETOOTH_UNAVAILABLE, BK_WAIT_MS);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT(strstr(err.message, "hci0") != NULL);
  ASSERT(sd_bus_set_property(other, "org.bluez", "/org/bluez/hci0", "org.bluez.Adapter1", "Powered", &e, "b", 1) >= 0);
  WAIT_UNTIL(blec_ctx_check_bluetooth(t.ctx, NULL) == BLEC_OK, BK_WAIT_MS);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
}

BLEC_TEST_IMPL(rfkill_blocked_adapter_is_unavailable_saying_blocked) {
  /* bluetoothd -E publishes Adapter1.PowerState; "off-blocked" is the rfkill switch (the
   * world's radio in the simulator). The machine's own /sys/class/rfkill is not touched. */
  bk t;
  bk_world(&t, world_text);
  blec_bluez_sim_config *cfg = NULL;
  ASSERT_OK(blec_bluez_sim_config_new(&cfg));
  ASSERT_OK(blec_bluez_sim_config_set_experimental(cfg, true));
  bk_sim_start(&t, cfg);
  blec_bluez_sim_config_free(cfg);
  bk_ctx(&t, NULL);
  ASSERT_OK(blec_ctx_check_bluetooth(t.ctx, NULL));
  ASSERT_OK(blec_world_set_radio(t.world, false));
  blec_error err;
  blec_error_clear(&err);
  WAIT_UNTIL(blec_ctx_check_bluetooth(t.ctx, &err) == BLEC_ERR_BLUETOOTH_UNAVAILABLE, BK_WAIT_MS);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  ASSERT(strstr(err.message, "hci0") != NULL);
  ASSERT(strstr(err.message, "blocked by rfkill") != NULL);
  ASSERT(strstr(err.message, "rfkill unblock bluetooth") != NULL);
  /* A scanner's start says the same. */
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, NULL, NULL, &s));
  blec_error_clear(&err);
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT(strstr(err.message, "blocked by rfkill") != NULL);
  ASSERT_OK(blec_world_set_radio(t.world, true));
  WAIT_UNTIL(blec_ctx_check_bluetooth(t.ctx, NULL) == BLEC_OK, BK_WAIT_MS);
  blec_scanner_free(s);
  bk_close(&t);
}

BLEC_TEST_IMPL(adapter_option_picks_one_of_several) {
  bk t;
  bk_world(&t, world_text);
  blec_bluez_sim_config *cfg = NULL;
  ASSERT_OK(blec_bluez_sim_config_new(&cfg));
  ASSERT_OK(blec_bluez_sim_config_set_adapters(cfg, 2));
  bk_sim_start(&t, cfg);
  blec_bluez_sim_config_free(cfg);
  sd_bus *other = bk_bus();
  const char *names[] = {"hci1", NULL};
  for (int i = 0; i < 2; i++) {
    bk_ctx(&t, names[i]);
    const char *used = names[i] ? "/org/bluez/hci1" : "/org/bluez/hci0"; /* default: the first */
    const char *idle = names[i] ? "/org/bluez/hci0" : "/org/bluez/hci1";
    blec_scanner *s = NULL;
    ASSERT_OK(blec_scanner_new(t.ctx, NULL, NULL, NULL, &s));
    ASSERT_OK(blec_scanner_start(s, NULL));
    WAIT_UNTIL(bk_bool_property(other, used, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
    ASSERT(!bk_bool_property(other, idle, "org.bluez.Adapter1", "Discovering"));
    blec_client *c = NULL;
    ASSERT_OK(blec_client_new(t.ctx, ADDR, NULL, &c));
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
    char dev[128];
    snprintf(dev, sizeof dev, "%s/dev_C0_0B_00_00_00_01", used);
    ASSERT(bk_bool_property(other, dev, "org.bluez.Device1", "Connected"));
    blec_client_free(c);
    blec_scanner_free(s);
    WAIT_UNTIL(!bk_bool_property(other, used, "org.bluez.Adapter1", "Discovering"), BK_WAIT_MS);
    ASSERT_OK(blec_ctx_free(t.ctx));
    t.ctx = NULL;
  }
  /* An adapter that does not exist: the context opens, Bluetooth is unavailable. */
  bk_ctx(&t, "hci7");
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_ctx_check_bluetooth(t.ctx, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_NO_ADAPTER);
  ASSERT(strstr(err.message, "hci7") != NULL);
  /* A name that is not a name. */
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT_STATUS(blec_ctx_options_set_adapter(o, "/org/bluez/hci0"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_ctx_options_set_adapter(o, ""), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_ctx_options_set_adapter(NULL, "hci0"), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_ctx_options_set_adapter(o, NULL));
  blec_ctx_options_free(o);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
}
