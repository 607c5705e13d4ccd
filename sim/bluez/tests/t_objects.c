/* SPDX-License-Identifier: MIT */
/*
 * t_objects.c — the object tree: ObjectManager at "/", the adapter's properties, the
 * errors of unknown objects, methods, interfaces and properties.
 */
#include <string.h>

#include "harness.h"

/* Walks GetManagedObjects' reply: whether `path` has `iface`. */
static bool managed_has(sd_bus_message *r, const char *path, const char *iface) {
  bool found = false;
  const char *p, *name;
  ASSERT(sd_bus_message_rewind(r, 1) >= 0);
  ASSERT(sd_bus_message_enter_container(r, 'a', "{oa{sa{sv}}}") > 0);
  while (sd_bus_message_enter_container(r, 'e', "oa{sa{sv}}") > 0) {
    ASSERT(sd_bus_message_read(r, "o", &p) > 0);
    ASSERT(sd_bus_message_enter_container(r, 'a', "{sa{sv}}") > 0);
    while (sd_bus_message_enter_container(r, 'e', "sa{sv}") > 0) {
      ASSERT(sd_bus_message_read(r, "s", &name) > 0);
      if (!strcmp(p, path) && !strcmp(name, iface)) found = true;
      ASSERT(sd_bus_message_skip(r, "a{sv}") >= 0);
      ASSERT(sd_bus_message_exit_container(r) >= 0);
    }
    ASSERT(sd_bus_message_exit_container(r) >= 0);
    ASSERT(sd_bus_message_exit_container(r) >= 0);
  }
  return found;
}

BLEC_TEST_IMPL(managed_objects_list_adapter_and_agent_manager_only) {
  tb t;
  tb_open(&t, NULL, NULL);
  sd_bus_message *r = tb_call(&t, "/", TB_OM, "GetManagedObjects", "");
  TB_OK(r);
  ASSERT(managed_has(r, TB_HCI0, TB_ADAPTER));
  ASSERT(managed_has(r, TB_HCI0, TB_PROPS));
  ASSERT(managed_has(r, TB_HCI0, "org.freedesktop.DBus.Introspectable"));
  ASSERT(managed_has(r, "/org/bluez", "org.bluez.AgentManager1"));
  /* No second adapter, no device before discovery, no test-only object. */
  ASSERT(!managed_has(r, "/org/bluez/hci1", TB_ADAPTER));
  ASSERT(!managed_has(r, "/org/blec/sim", "org.blec.BluezSim1"));
  tb_close(&t);
}

BLEC_TEST_IMPL(adapter_properties_have_bluetoothd_types_and_values) {
  tb t;
  tb_open(&t, NULL, NULL);
  ASSERT(tb_get_bool(&t, TB_HCI0, TB_ADAPTER, "Powered"));
  ASSERT(!tb_get_bool(&t, TB_HCI0, TB_ADAPTER, "Discovering"));
  sd_bus_message *r = tb_get(&t, TB_HCI0, TB_ADAPTER, "Roles");
  TB_OK(r);
  char **roles = NULL;
  ASSERT(sd_bus_message_read_strv(r, &roles) > 0);
  bool central = false;
  for (char **p = roles; p && *p; p++) central |= !strcmp(*p, "central");
  ASSERT(central);
  for (char **p = roles; p && *p; p++) free(*p);
  free(roles);
  r = tb_get(&t, TB_HCI0, TB_ADAPTER, "Address");
  const char *addr;
  ASSERT(sd_bus_message_read(r, "s", &addr) > 0);
  ASSERT_EQ_INT(strlen(addr), 17);
  r = tb_get(&t, TB_HCI0, TB_ADAPTER, "Class");
  uint32_t cls;
  ASSERT(sd_bus_message_read(r, "u", &cls) > 0);
  /* Experimental properties are absent without -E. */
  TB_ERR(tb_get(&t, TB_HCI0, TB_ADAPTER, "PowerState"), SD_BUS_ERROR_INVALID_ARGS);
  tb_close(&t);
}

BLEC_TEST_IMPL(unknown_objects_methods_and_properties_get_dbus_errors) {
  tb t;
  tb_open(&t, NULL, NULL);
  TB_ERR(tb_call(&t, "/org/bluez/hci9", TB_ADAPTER, "StartDiscovery", ""), SD_BUS_ERROR_UNKNOWN_OBJECT);
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "NoSuchMethod", ""), SD_BUS_ERROR_UNKNOWN_METHOD);
  /* A known method with the wrong signature is unknown too (gdbus leaves it). */
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "RemoveDevice", "s", "x"), SD_BUS_ERROR_UNKNOWN_METHOD);
  TB_ERR(tb_call(&t, TB_HCI0, "org.bluez.NoSuch1", "Foo", ""), SD_BUS_ERROR_UNKNOWN_METHOD);
  TB_ERR(tb_get(&t, TB_HCI0, TB_ADAPTER, "NoSuchProperty"), SD_BUS_ERROR_INVALID_ARGS);
  TB_ERR(tb_get(&t, TB_HCI0, "org.bluez.NoSuch1", "Powered"), SD_BUS_ERROR_INVALID_ARGS);
  TB_ERR(tb_call(&t, TB_HCI0, TB_PROPS, "Set", "ssv", TB_ADAPTER, "Address", "s", "00:11:22:33:44:55"),
         "org.freedesktop.DBus.Error.PropertyReadOnly");
  TB_ERR(tb_call(&t, TB_HCI0, TB_PROPS, "Set", "ssv", TB_ADAPTER, "Powered", "s", "yes"),
         "org.freedesktop.DBus.Error.InvalidSignature");
  TB_ERR(tb_call(&t, TB_HCI0, TB_ADAPTER, "RemoveDevice", "o", "/org/bluez/hci0/dev_00_00_00_00_00_00"),
         "org.bluez.Error.DoesNotExist");
  /* Introspection answers for the adapter and lists its methods. */
  sd_bus_message *r = tb_call(&t, TB_HCI0, "org.freedesktop.DBus.Introspectable", "Introspect", "");
  const char *xml;
  ASSERT(sd_bus_message_read(r, "s", &xml) > 0);
  ASSERT(strstr(xml, "StartDiscovery") != NULL);
  tb_close(&t);
}

BLEC_TEST_IMPL(adapter_alias_set_is_answered_then_signalled) {
  tb t;
  tb_open(&t, NULL, NULL);
  sd_bus_message *m = tb_msg(&t, TB_HCI0, TB_PROPS, "Set");
  ASSERT(sd_bus_message_append(m, "ssv", TB_ADAPTER, "Alias", "s", "lab") >= 0);
  unsigned c = tb_send_async(&t, m);
  TB_OK(tb_wait_reply(&t, c));
  size_t sig = tb_wait_prop(&t, 0, TB_HCI0, TB_ADAPTER, "Alias", 2000);
  ASSERT(tb_reply_index(&t, c) < sig);
  sd_bus_message *r = tb_get(&t, TB_HCI0, TB_ADAPTER, "Alias");
  const char *alias;
  ASSERT(sd_bus_message_read(r, "s", &alias) > 0);
  ASSERT_STR_EQ(alias, "lab");
  tb_close(&t);
}

BLEC_TEST_IMPL(several_adapters_are_served) {
  blec_bluez_sim_config *cfg;
  ASSERT_OK(blec_bluez_sim_config_new(&cfg));
  ASSERT_OK(blec_bluez_sim_config_set_adapters(cfg, 2));
  ASSERT_STATUS(blec_bluez_sim_config_set_adapters(cfg, 9), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_bluez_sim_config_set_version(cfg, 65), BLEC_ERR_INVALID_ARG);
  tb t;
  tb_open(&t, NULL, cfg);
  blec_bluez_sim_config_free(cfg);
  sd_bus_message *r = tb_call(&t, "/", TB_OM, "GetManagedObjects", "");
  ASSERT(managed_has(r, TB_HCI0, TB_ADAPTER));
  ASSERT(managed_has(r, "/org/bluez/hci1", TB_ADAPTER));
  /* Each adapter has its own address. */
  const char *a0, *a1;
  r = tb_get(&t, TB_HCI0, TB_ADAPTER, "Address");
  ASSERT(sd_bus_message_read(r, "s", &a0) > 0);
  sd_bus_message *r1 = tb_get(&t, "/org/bluez/hci1", TB_ADAPTER, "Address");
  ASSERT(sd_bus_message_read(r1, "s", &a1) > 0);
  ASSERT(strcmp(a0, a1) != 0);
  tb_close(&t);
}

BLEC_TEST_IMPL(start_fails_when_the_name_is_taken_or_the_bus_is_unreachable) {
  blec_world *w;
  ASSERT_OK(blec_world_new(&w));
  blec_bluez_sim *a = NULL, *b = NULL;
  ASSERT_OK(blec_bluez_sim_start(w, NULL, &a));
  ASSERT_STATUS(blec_bluez_sim_start(w, NULL, &b), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT(b == NULL);
  ASSERT_STATUS(blec_bluez_sim_start(w, "unix:path=/nonexistent/socket", &b), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_STATUS(blec_bluez_sim_start(NULL, NULL, &b), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_bluez_sim_set_switch(a, BLEC_BLUEZ_SIM_SWITCH_COUNT, 1), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_bluez_sim_set_switch(a, BLEC_BLUEZ_SIM_GATT_CACHE, 3), BLEC_ERR_INVALID_ARG);
  blec_bluez_sim_stop(a);
  blec_bluez_sim_stop(NULL);
  blec_world_unref(w);
}
