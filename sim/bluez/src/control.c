/* SPDX-License-Identifier: MIT */
/*
 * control.c — the test-only control interface org.blec.BluezSim1 at /org/blec/sim, for
 * test programs that drive the simulator from outside (the bleak tests): switches and
 * the world's radio. Never part of what bluetoothd offers; the backend never uses it.
 */
#include <string.h>

#include "sim.h"

static const struct {
  const char *name;
  blec_bluez_sim_switch sw;
} switch_names[] = {{"TemporaryTimeoutMs", BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS},
                    {"ConnectDelayMs", BLEC_BLUEZ_SIM_CONNECT_DELAY_MS},
                    {"SignalBeforeReply", BLEC_BLUEZ_SIM_SIGNAL_BEFORE_REPLY},
                    {"ConnectAbortByLocal", BLEC_BLUEZ_SIM_CONNECT_ABORT_BY_LOCAL},
                    {"GattCache", BLEC_BLUEZ_SIM_GATT_CACHE},
                    {"DisconnectTimerMs", BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS},
                    {"HoldDiscovery", BLEC_BLUEZ_SIM_HOLD_DISCOVERY},
                    {"StartDiscoveryFails", BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS},
                    {"HoldAdapterGetAll", BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL},
                    {"SocketCloseSeenLateMs", BLEC_BLUEZ_SIM_SOCKET_CLOSE_SEEN_LATE_MS}};

static void set_switch(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  const char *name;
  int64_t v;
  if (sd_bus_message_read(m, "sx", &name, &v) < 0 || v < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  for (size_t i = 0; i < sizeof switch_names / sizeof *switch_names; i++) {
    if (strcmp(switch_names[i].name, name)) continue;
    if (switch_names[i].sw == BLEC_BLUEZ_SIM_GATT_CACHE && v > 2) break;
    if ((switch_names[i].sw == BLEC_BLUEZ_SIM_HOLD_DISCOVERY || switch_names[i].sw == BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL) &&
        v > 1)
      break;
    s->sw[switch_names[i].sw] = v;
    if (switch_names[i].sw == BLEC_BLUEZ_SIM_HOLD_DISCOVERY && !v)
      for (int k = 0; k < s->nadapters; k++)
        if (s->adapters[k]) bz_discovery_release(s->adapters[k]);
    if (switch_names[i].sw == BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL && !v) bz_bus_release_getall(s);
    bz_reply_empty(s, m);
    return;
  }
  bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "No switch '%s' or value out of range", name);
}

static void set_radio(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  int on;
  if (sd_bus_message_read(m, "b", &on) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  blec_world_set_radio(s->world, on != 0);
  bz_reply_empty(s, m);
}

static void disconnect_peripheral(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  const char *address;
  blec_world_peripheral *p = NULL;
  if (sd_bus_message_read(m, "s", &address) < 0 || blec_world_find_peripheral(s->world, address, &p) != BLEC_OK) {
    bz_reply_error(s, m, BZ_ERROR ".DoesNotExist", "Does Not Exist");
    return;
  }
  blec_world_peripheral_disconnect(p);
  bz_reply_empty(s, m);
}

static void end_discovery(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  for (int i = 0; i < s->nadapters; i++)
    if (s->adapters[i]) bz_discovery_end(s->adapters[i]);
  bz_reply_empty(s, m);
}

static const bz_method control_methods[] = {
    {"SetSwitch", "sx", "", set_switch, 0},
    {"SetRadio", "b", "", set_radio, 0},
    {"DisconnectPeripheral", "s", "", disconnect_peripheral, 0},
    {"EndDiscovery", "", "", end_discovery, 0},
    {NULL, NULL, NULL, NULL, 0}};

static const bz_prop no_props[] = {{NULL, NULL, NULL, NULL, NULL, 0}};

static const bz_iface control_iface = {"org.blec.BluezSim1", control_methods, no_props};

int bz_control_init(bz_sim *s) {
  bz_obj *o = bz_obj_new(s, "/org/blec/sim");
  if (!o) return -1;
  return bz_obj_add(o, &control_iface, s);
}
