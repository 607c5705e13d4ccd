/* SPDX-License-Identifier: MIT */
/*
 * t_monitor.c — AdvertisementMonitorManager1 (bluetoothd -E only): registration,
 * monitors activated or released, passive scanning of what matches, DeviceFound.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define ROOT "/test/monitors"
#define GOOD ROOT "/good"
#define BAD ROOT "/bad"
#define MGR "org.bluez.AdvertisementMonitorManager1"

typedef struct mon_state {
  int activated, released, found;
  char last_device[128];
} mon_state;

static int mon_method(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)e;
  mon_state *st = user;
  const char *member = sd_bus_message_get_member(m);
  if (!strcmp(member, "Activate")) st->activated++;
  else if (!strcmp(member, "Release")) st->released++;
  else if (!strcmp(member, "DeviceFound")) {
    const char *dev;
    ASSERT(sd_bus_message_read(m, "o", &dev) > 0);
    snprintf(st->last_device, sizeof st->last_device, "%s", dev);
    st->found++;
  }
  return sd_bus_reply_method_return(m, "");
}

static int get_type(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                    void *user, sd_bus_error *e) {
  (void)b;
  (void)iface;
  (void)prop;
  (void)user;
  (void)e;
  return sd_bus_message_append(reply, "s", strstr(path, "bad") ? "and_patterns" : "or_patterns");
}

/* One pattern: the complete local name (0x09) starting with "UART". */
static int get_patterns(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                        void *user, sd_bus_error *e) {
  (void)b;
  (void)path;
  (void)iface;
  (void)prop;
  (void)user;
  (void)e;
  int r = sd_bus_message_open_container(reply, 'a', "(yyay)");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'r', "yyay");
  if (r >= 0) r = sd_bus_message_append(reply, "yy", 0, 0x09);
  if (r >= 0) r = sd_bus_message_append_array(reply, 'y', "Nordic", 6);
  if (r >= 0) r = sd_bus_message_close_container(reply);
  if (r >= 0) r = sd_bus_message_close_container(reply);
  return r;
}

static const sd_bus_vtable monitor_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Release", "", "", mon_method, 0),
    SD_BUS_METHOD("Activate", "", "", mon_method, 0),
    SD_BUS_METHOD("DeviceFound", "o", "", mon_method, 0),
    SD_BUS_METHOD("DeviceLost", "o", "", mon_method, 0),
    SD_BUS_PROPERTY("Type", "s", get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Patterns", "a(yyay)", get_patterns, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END};

static bool activated_and_released(tb *t, void *ctx) {
  (void)t;
  mon_state *st = ctx;
  return st->activated >= 1 && st->released >= 1;
}

static bool found_three(tb *t, void *ctx) {
  (void)t;
  return ((mon_state *)ctx)->found >= 3;
}

BLEC_TEST_IMPL(monitor_manager_exists_only_with_experimental) {
  tb t;
  tb_open(&t, NULL, NULL);
  TB_ERR(tb_call(&t, TB_HCI0, MGR, "RegisterMonitor", "o", ROOT), SD_BUS_ERROR_UNKNOWN_METHOD);
  tb_close(&t);
}

BLEC_TEST_IMPL(monitors_are_activated_or_released_and_matching_advertisements_found) {
  blec_bluez_sim_config *cfg;
  ASSERT_OK(blec_bluez_sim_config_new(&cfg));
  ASSERT_OK(blec_bluez_sim_config_set_experimental(cfg, true));
  tb t;
  tb_open(&t, NULL, cfg);
  blec_bluez_sim_config_free(cfg);
  sd_bus_message *r = tb_get(&t, TB_HCI0, MGR, "SupportedMonitorTypes");
  char **types = NULL;
  ASSERT(sd_bus_message_read_strv(r, &types) > 0);
  ASSERT_STR_EQ(types[0], "or_patterns");
  for (char **p = types; *p; p++) free(*p);
  free(types);
  mon_state st = {0};
  ASSERT(sd_bus_add_object_manager(t.bus, NULL, ROOT) >= 0);
  ASSERT(sd_bus_add_object_vtable(t.bus, NULL, GOOD, "org.bluez.AdvertisementMonitor1", monitor_vtable, &st) >= 0);
  ASSERT(sd_bus_add_object_vtable(t.bus, NULL, BAD, "org.bluez.AdvertisementMonitor1", monitor_vtable, &st) >= 0);
  TB_OK(tb_call(&t, TB_HCI0, MGR, "RegisterMonitor", "o", ROOT));
  TB_ERR(tb_call(&t, TB_HCI0, MGR, "RegisterMonitor", "o", ROOT), "org.bluez.Error.AlreadyExists");
  /* "and_patterns" is not a type bluetoothd knows: released; the good one activated. */
  ASSERT(tb_until(&t, activated_and_released, &st, 3000));
  ASSERT_EQ_INT(st.activated, 1);
  ASSERT_EQ_INT(st.released, 1);
  /* Passive scanning without discovery: the UART (complete name "Nordic UART") matches. */
  ASSERT(tb_until(&t, found_three, &st, 3000));
  ASSERT_STR_EQ(st.last_device, "/org/bluez/hci0/dev_C0_FF_EE_00_00_02");
  tb_wait_added(&t, 0, "/org/bluez/hci0/dev_C0_FF_EE_00_00_02", TB_DEVICE, 3000);
  ASSERT(!tb_get_bool(&t, TB_HCI0, TB_ADAPTER, "Discovering"));
  /* Nothing else became a device: the heart rate sensor advertises twice as often. */
  ASSERT(tb_find_added(&t, 0, "/org/bluez/hci0/dev_C0_FF_EE_00_00_01", TB_DEVICE) == TB_NONE);
  TB_OK(tb_call(&t, TB_HCI0, MGR, "UnregisterMonitor", "o", ROOT));
  TB_ERR(tb_call(&t, TB_HCI0, MGR, "UnregisterMonitor", "o", ROOT), "org.bluez.Error.DoesNotExist");
  tb_close(&t);
}
