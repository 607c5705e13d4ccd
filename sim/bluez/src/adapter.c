/* SPDX-License-Identifier: MIT */
/*
 * adapter.c — org.bluez.Adapter1 at /org/bluez/hciN (BlueZ 5.66 doc/adapter-api.txt,
 * src/adapter.c): properties, Powered (the world's radio is the rfkill switch), and
 * RemoveDevice. Discovery is in discovery.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define ADAPTER_CLASS 0x007c010cu /* a computer with the usual service classes */

/* ---- properties ---------------------------------------------------------------------------- */

static int get_address(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "s", ((bz_adapter *)d)->address); }
static int get_address_type(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "s", "public");
}
static int get_name(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "s", ((bz_adapter *)d)->name); }
static int get_alias(sd_bus_message *m, void *d) {
  bz_adapter *a = d;
  return sd_bus_message_append(m, "s", a->alias ? a->alias : a->name);
}
static int get_class(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "u", ADAPTER_CLASS);
}
static int get_powered(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", ((bz_adapter *)d)->powered); }
static int get_power_state(sd_bus_message *m, void *d) {
  bz_adapter *a = d;
  const char *st = a->powered ? "on" : !a->sim->radio ? "off-blocked" : "off";
  return sd_bus_message_append(m, "s", st);
}
static int get_false(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "b", 0);
}
static int get_true(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "b", 1);
}
static int get_discoverable_timeout(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "u", 180u);
}
static int get_pairable_timeout(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "u", 0u);
}
static int get_discovering(sd_bus_message *m, void *d) {
  return sd_bus_message_append(m, "b", ((bz_adapter *)d)->discovering);
}
static int get_uuids(sd_bus_message *m, void *d) {
  (void)d;
  /* The local GATT server's services (GAP, GATT). */
  return sd_bus_message_append(m, "as", 2, "00001801-0000-1000-8000-00805f9b34fb", "00001800-0000-1000-8000-00805f9b34fb");
}
static int get_roles(sd_bus_message *m, void *d) {
  (void)d;
  /* LE supported: "central"; advertising supported: "peripheral". */
  return sd_bus_message_append(m, "as", 2, "central", "peripheral");
}

static void set_alias(bz_sim *s, sd_bus_message *m, void *d) {
  bz_adapter *a = d;
  const char *v;
  if (sd_bus_message_read(m, "s", &v) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  free(a->alias);
  a->alias = *v ? strdup(v) : NULL;
  bz_reply_empty(s, m);
  bz_emit(a->obj, &bz_adapter_iface, "Alias");
}

/* Powered: the Set is answered when the "controller" has done it, then Powered changes. */
static void set_powered(bz_sim *s, sd_bus_message *m, void *d) {
  bz_adapter *a = d;
  int v;
  if (sd_bus_message_read(m, "b", &v) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  if ((v != 0) == a->powered) {
    a->power_setting = v != 0;
    bz_reply_empty(s, m);
    return;
  }
  if (v && !s->radio) {
    /* mgmt Set Powered answers "RFKilled": org.bluez.Error.Blocked. */
    bz_reply_error(s, m, BZ_ERROR ".Blocked", "Blocked through rfkill");
    return;
  }
  a->power_setting = v != 0;
  if (!v) bz_adapter_set_powered(a, false); /* links drop first (Device Disconnected events) */
  bz_reply_empty(s, m);
  if (v) bz_adapter_set_powered(a, true);
  else bz_emit(a->obj, &bz_adapter_iface, "Powered");
}

static void set_ignored_bool(bz_sim *s, sd_bus_message *m, void *d) {
  (void)d;
  int v;
  if (sd_bus_message_read(m, "b", &v) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  /* Discoverable / Pairable only matter to incoming connections, which the world has not. */
  bz_reply_empty(s, m);
}

static void set_ignored_u32(bz_sim *s, sd_bus_message *m, void *d) {
  (void)d;
  uint32_t v;
  if (sd_bus_message_read(m, "u", &v) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  bz_reply_empty(s, m);
}

/* ---- RemoveDevice ------------------------------------------------------------------------------ */

static void remove_device(bz_sim *s, sd_bus_message *m, void *data) {
  bz_adapter *a = data;
  const char *path;
  if (sd_bus_message_read(m, "o", &path) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  bz_device *d = NULL;
  for (bz_device *x = a->devices; x; x = x->next)
    if (!strcmp(x->path, path)) d = x;
  if (!d) {
    bz_reply_error(s, m, BZ_ERROR ".DoesNotExist", "Does Not Exist");
    return;
  }
  if (!a->powered) {
    bz_reply_error(s, m, BZ_ERROR ".NotReady", "Resource Not Ready");
    return;
  }
  bz_device_set_temporary(d, true);
  if (!d->connected && !d->conn) {
    /* "It will remove also the pairing information." */
    blec__world_unpair(s->world, d->address);
    bz_device_remove(d);
    bz_reply_empty(s, m);
    return;
  }
  /* Connected: answered once the link is down, then the device goes. */
  d->remove_after_disconnect = true;
  bz_device_request_disconnect(d, m);
}

static const bz_method adapter_methods[] = {
    {"StartDiscovery", "", "", bz_discovery_start_method, 0},
    {"SetDiscoveryFilter", "a{sv}", "", bz_discovery_set_filter_method, 0},
    {"StopDiscovery", "", "", bz_discovery_stop_method, 0},
    {"RemoveDevice", "o", "", remove_device, 0},
    {"GetDiscoveryFilters", "", "as", bz_discovery_get_filters_method, 0},
    {NULL, NULL, NULL, NULL, 0}};

static const bz_prop adapter_props[] = {
    {"Address", "s", get_address, NULL, NULL, 0},
    {"AddressType", "s", get_address_type, NULL, NULL, 0},
    {"Name", "s", get_name, NULL, NULL, 0},
    {"Alias", "s", get_alias, NULL, set_alias, 0},
    {"Class", "u", get_class, NULL, NULL, 0},
    {"Powered", "b", get_powered, NULL, set_powered, 0},
    {"PowerState", "s", get_power_state, NULL, NULL, BZ_EXPERIMENTAL},
    {"Discoverable", "b", get_false, NULL, set_ignored_bool, 0},
    {"DiscoverableTimeout", "u", get_discoverable_timeout, NULL, set_ignored_u32, 0},
    {"Pairable", "b", get_true, NULL, set_ignored_bool, 0},
    {"PairableTimeout", "u", get_pairable_timeout, NULL, set_ignored_u32, 0},
    {"Discovering", "b", get_discovering, NULL, NULL, 0},
    {"UUIDs", "as", get_uuids, NULL, NULL, 0},
    {"Roles", "as", get_roles, NULL, NULL, 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};

const bz_iface bz_adapter_iface = {"org.bluez.Adapter1", adapter_methods, adapter_props};

/* ---- life ------------------------------------------------------------------------------------- */

bz_adapter *bz_adapter_by_path(bz_sim *s, const char *path) {
  for (int i = 0; i < s->nadapters; i++)
    if (!strcmp(s->adapters[i]->path, path)) return s->adapters[i];
  return NULL;
}

/* bluetoothd loads the devices it has keys for (its storage) at start: bonded devices
 * exist before any discovery, paired and bonded, not temporary. The world's bonds are
 * that storage (all adapters share it). */
static void load_bonded(bz_adapter *a) {
  blec_world *w = a->sim->world;
  for (size_t i = 0; i < blec_world_peripheral_count(w); i++) {
    blec_world_peripheral *p = blec_world_peripheral_at(w, i);
    const char *address = blec_world_peripheral_address(p);
    if (!blec__world_is_paired(w, address)) continue;
    bz_device *d = bz_device_create(a, address, blec__world_peripheral_address_type(p));
    if (!d) continue;
    bz_device_set_temporary(d, false);
    d->paired = d->bonded = true;
    d->bond_level = BZ_SEC_MEDIUM;
  }
}

int bz_adapters_create(bz_sim *s) {
  for (int i = 0; i < s->cfg.adapters; i++) {
    bz_adapter *a = calloc(1, sizeof *a);
    if (!a) return -1;
    s->adapters[s->nadapters++] = a;
    a->sim = s;
    a->index = i;
    snprintf(a->path, sizeof a->path, "/org/bluez/hci%d", i);
    snprintf(a->address, sizeof a->address, "00:B1:EC:00:00:%02X", (unsigned)(i + 1) & 0xFFu);
    snprintf(a->name, sizeof a->name, "blec-bluez-sim #%d", i + 1);
    a->power_setting = true;
    a->powered = s->radio;
    if (!(a->obj = bz_obj_new(s, a->path)) || bz_obj_add(a->obj, &bz_adapter_iface, a) < 0) return -1;
    if (s->cfg.experimental && bz_monitor_manager_add(a) < 0) return -1;
    load_bonded(a);
  }
  return 0;
}

void bz_adapters_destroy(bz_sim *s) {
  for (int i = 0; i < s->nadapters; i++) {
    bz_adapter *a = s->adapters[i];
    bz_discovery_free(a);
    while (a->devices) bz_device_remove(a->devices);
    bz_monitor_manager_free(a);
    bz_obj_free(a->obj);
    free(a->alias);
    free(a);
    s->adapters[i] = NULL;
  }
  s->nadapters = 0;
}

void bz_adapter_set_powered(bz_adapter *a, bool powered) {
  if (a->powered == powered) return;
  if (!powered) {
    /* The kernel ends every link (Device Disconnected), then discovery stops. */
    for (bz_device *d = a->devices; d; d = d->next)
      if (d->conn) bz_device_drop_link(d);
    bz_discovery_reset(a);
    a->powered = false;
    return; /* the caller emits Powered after its reply */
  }
  a->powered = true;
  bz_emit(a->obj, &bz_adapter_iface, "Powered");
  if (bz_experimental(a->sim)) bz_emit(a->obj, &bz_adapter_iface, "PowerState");
  bz_discovery_passive(a, bz_monitors_active(a)); /* background scanning resumes */
}

void bz_adapter_radio_changed(bz_sim *s, bool on) {
  for (int i = 0; i < s->nadapters; i++) {
    bz_adapter *a = s->adapters[i];
    if (!on) {
      if (!a->powered) continue;
      bz_adapter_set_powered(a, false);
      bz_emit(a->obj, &bz_adapter_iface, "Powered");
      if (bz_experimental(s)) bz_emit(a->obj, &bz_adapter_iface, "PowerState");
    } else if (a->power_setting) {
      /* rfkill unblock: bluetoothd powers the adapter again (btd_adapter_restore_powered). */
      bz_adapter_set_powered(a, true);
    }
  }
}
