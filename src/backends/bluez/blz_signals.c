/* SPDX-License-Identifier: MIT */
/*
 * blz_signals.c — what bluetoothd says on the bus: the owner of org.bluez (GetNameOwner,
 * then NameOwnerChanged), its objects (GetManagedObjects on "/", then InterfacesAdded /
 * InterfacesRemoved) and their PropertiesChanged, turned into the mirror (blz_objects.c)
 * and into events for scanners and clients.
 *
 * Only the current owner of org.bluez is believed. The match rules name it as sender,
 * so the bus daemon filters broadcast signals; but a signal sent to this connection by
 * unicast reaches it whatever the rules, and sd-bus matches a well-known sender name
 * against any unique name locally — so every handler checks the unique sender name
 * itself (bleak does not: hbldh/bleak, bleak/backends/bluezdbus/manager.py _parse_msg).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

bool blz_from_bluez(blz_ctx *z, sd_bus_message *m) {
  const char *sender = sd_bus_message_get_sender(m);
  if (z->owner && sender && strcmp(sender, z->owner) == 0) return true;
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: ignored %s.%s on %s from %s (org.bluez is %s)",
            sd_bus_message_get_interface(m) ? sd_bus_message_get_interface(m) : "?",
            sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "?",
            sd_bus_message_get_path(m) ? sd_bus_message_get_path(m) : "?", sender ? sender : "(no sender)",
            z->owner ? z->owner : "not owned");
  return false;
}

static void log_bad(blz_ctx *z, const char *path, const char *iface, int r, const char *bad) {
  if (r < 0)
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed %s properties of %s: %s", iface, path, strerror(-r));
  else if (bad)
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s.%s of %s has an unexpected type: ignored", iface, bad, path);
}

/* ---- adapters ------------------------------------------------------------------------------- */

typedef struct pick {
  const char *best;
  unsigned best_index;
} pick;

static void consider(blz_obj *x, void *arg) {
  pick *p = arg;
  if (!(x->ifaces & BLZ_I_ADAPTER)) return;
  const char *name = blz_adapter_name(x->path);
  if (!name || strncmp(name, "hci", 3) != 0) return;
  char *end = NULL;
  unsigned long idx = strtoul(name + 3, &end, 10);
  if (!end || *end || idx > 0xFFFF) return;
  if (!p->best || idx < p->best_index) {
    p->best = x->path;
    p->best_index = (unsigned)idx;
  }
}

void blz_choose_adapter(blz_ctx *z) {
  char path[BLZ_PATH_MAX];
  const char *chosen = NULL;
  if (z->adapter_opt) {
    snprintf(path, sizeof path, "%s/%s", BLZ_ROOT, z->adapter_opt);
    blz_obj *x = blz_objs_find(z->objs, path);
    if (x && (x->ifaces & BLZ_I_ADAPTER)) chosen = path;
  } else {
    /* BlueZ's default adapter is the first one (the lowest index). */
    pick p = {NULL, 0};
    blz_objs_each(z->objs, consider, &p);
    chosen = p.best;
  }
  if (chosen && z->adapter && !strcmp(chosen, z->adapter)) return;
  char *copy = NULL;
  if (chosen && !(copy = malloc(strlen(chosen) + 1))) return;
  if (copy) strcpy(copy, chosen);
  free(z->adapter);
  z->adapter = copy;
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: adapter %s", copy ? copy : "(none)");
}

blz_obj *blz_adapter_obj(blz_ctx *z) {
  blz_obj *x = z->adapter ? blz_objs_find(z->objs, z->adapter) : NULL;
  return x && (x->ifaces & BLZ_I_ADAPTER) ? x : NULL;
}

/* Our adapter stopped being usable (powered off, removed, daemon gone). */
static void adapter_lost(blz_ctx *z, int reason, const char *why) {
  z->discovering = false;
  blz_scan_all_stopped(z, BLEC_ERR_BLUETOOTH_UNAVAILABLE, reason, why);
  blz_clients_radio_off(z);
}

/* ---- applying interfaces ----------------------------------------------------------------------- */

/* Reads a{sa{sv}} (the interfaces of one object) into the mirror; `announce`: the object
 * is new on the bus (InterfacesAdded), so a device with an RSSI is an advertisement. */
static int apply_interfaces(blz_ctx *z, const char *path, sd_bus_message *m, bool announce) {
  int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sa{sv}}");
  if (r <= 0) return r < 0 ? r : -EBADMSG;
  bool adapter_added = false, device_seen = false;
  while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}")) > 0) {
    const char *iface = NULL;
    if ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &iface)) < 0) return r;
    unsigned bit = blz_iface_bit(iface);
    blz_obj *x = bit ? blz_objs_get(z->objs, path) : NULL;
    if (!x) {
      if ((r = sd_bus_message_skip(m, "a{sv}")) < 0) return r;
    } else {
      const char *bad = NULL;
      unsigned changed = 0;
      x->ifaces |= bit;
      switch (bit) {
        case BLZ_I_ADAPTER:
          r = blz_adapter_apply(&x->adapter, m, &changed, &bad);
          adapter_added = true;
          break;
        case BLZ_I_DEVICE:
          r = blz_device_apply(&x->dev, m, &changed, &bad);
          device_seen = announce && (x->dev.have & BLZ_DP_RSSI);
          break;
        case BLZ_I_SERVICE:
        case BLZ_I_CHAR:
        case BLZ_I_DESC: r = blz_attr_apply(&x->attr, m, &changed, NULL, NULL, &bad); break;
        default: r = sd_bus_message_skip(m, "a{sv}"); break;
      }
      log_bad(z, path, iface, r, bad);
      if (r < 0) return r;
    }
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  if (adapter_added && !z->adapter) blz_choose_adapter(z);
  if (device_seen) {
    blz_obj *x = blz_objs_find(z->objs, path);
    if (x) blz_scan_device_seen(z, x, z->msg_cookie);
  }
  if (announce) {
    blz_obj *x = blz_objs_find(z->objs, path);
    if (x && (x->ifaces & BLZ_I_DEVICE)) blz_client_device_appeared(z, x);
  }
  return 0;
}

static int load_objects(blz_ctx *z, sd_bus_message *reply) {
  blz_objs_clear(z->objs);
  int r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}");
  if (r <= 0) return r < 0 ? r : -EBADMSG;
  while ((r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "oa{sa{sv}}")) > 0) {
    const char *path = NULL;
    if ((r = sd_bus_message_read_basic(reply, SD_BUS_TYPE_OBJECT_PATH, &path)) < 0) return r;
    if ((r = apply_interfaces(z, path, reply, false)) < 0) return r;
    if ((r = sd_bus_message_exit_container(reply)) < 0) return r;
  }
  if (r < 0) return r;
  r = sd_bus_message_exit_container(reply);
  if (r < 0) return r;
  blz_choose_adapter(z);
  return 0;
}

static int on_objects(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) {
    blz_error_from_dbus(z->ctx, e, "GetManagedObjects", NULL);
    return 0;
  }
  if (!blz_from_bluez(z, m)) return 0;
  int r = load_objects(z, m);
  if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed GetManagedObjects reply: %s", strerror(-r));
  return 0;
}

/* ---- signal handlers ------------------------------------------------------------------------------ */

static void set_owner(blz_ctx *z, const char *owner) {
  free(z->owner);
  z->owner = NULL;
  z->discovery_reply_cookie = 0; /* another daemon numbers its messages afresh */
  if (owner && *owner && (z->owner = malloc(strlen(owner) + 1))) strcpy(z->owner, owner);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  const char *sender = sd_bus_message_get_sender(m);
  if (!sender || strcmp(sender, BLZ_DBUS_NAME) != 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: ignored NameOwnerChanged from %s", sender ? sender : "(no sender)");
    return 0;
  }
  const char *name = NULL, *old_owner = NULL, *new_owner = NULL;
  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, BLZ_SERVICE) != 0) return 0;
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: org.bluez owner %s -> %s", *old_owner ? old_owner : "(none)",
            *new_owner ? new_owner : "(none)");
  if (z->owner) {
    /* Whatever replaces it, the old daemon's objects and sessions are gone. */
    set_owner(z, NULL);
    blz_objs_clear(z->objs);
    free(z->adapter);
    z->adapter = NULL;
    z->agent_io = BLZ_AGENT_NONE; /* the new daemon knows no agent of ours */
    adapter_lost(z, BLEC_UNAVAILABLE_NO_ADAPTER, "bluetoothd stopped");
  }
  if (*new_owner) {
    set_owner(z, new_owner);
    int r = sd_bus_call_method_async(z->bus, NULL, BLZ_SERVICE, "/", BLZ_IF_OBJECT_MANAGER, "GetManagedObjects",
                                     on_objects, z, NULL);
    if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: GetManagedObjects: %s", strerror(-r));
  }
  return 0;
}

/* The serial bluetoothd gave the signal being handled (blz_scan_device_seen). */
static void note_cookie(blz_ctx *z, sd_bus_message *m) {
  if (sd_bus_message_get_cookie(m, &z->msg_cookie) < 0) z->msg_cookie = 0;
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return 0;
  note_cookie(z, m);
  const char *path = NULL;
  int r = sd_bus_message_read_basic(m, SD_BUS_TYPE_OBJECT_PATH, &path);
  if (r >= 0 && blz_path_below(path, BLZ_ROOT)) r = apply_interfaces(z, path, m, true);
  if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed InterfacesAdded: %s", strerror(-r));
  return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return 0;
  const char *path = NULL;
  int r = sd_bus_message_read_basic(m, SD_BUS_TYPE_OBJECT_PATH, &path);
  if (r < 0 || (r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s")) <= 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed InterfacesRemoved");
    return 0;
  }
  unsigned gone = 0;
  const char *iface;
  while ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &iface)) > 0) gone |= blz_iface_bit(iface);
  if (r < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed InterfacesRemoved of %s", path);
    return 0;
  }
  bool ours = (gone & BLZ_I_ADAPTER) && z->adapter && !strcmp(path, z->adapter);
  if (gone & BLZ_I_DEVICE) blz_client_device_removed(z, path);
  blz_objs_drop(z->objs, path, gone);
  if (ours) {
    free(z->adapter);
    z->adapter = NULL;
    adapter_lost(z, BLEC_UNAVAILABLE_NO_ADAPTER, "the Bluetooth adapter went away");
    blz_choose_adapter(z);
  }
  return 0;
}

static void adapter_changed(blz_ctx *z, blz_obj *x, unsigned changed) {
  if (!z->adapter || strcmp(x->path, z->adapter) != 0) return;
  if ((changed & BLZ_AP_POWERED) && !x->adapter.powered)
    adapter_lost(z, BLEC_UNAVAILABLE_POWERED_OFF, "the Bluetooth adapter was powered off");
  /* Discovering false while our session is open, sent after bluetoothd answered our
   * last discovery call (an earlier one belongs to a session we ended ourselves). */
  if ((changed & BLZ_AP_DISCOVERING) && !x->adapter.discovering && z->discovering && x->adapter.powered &&
      (!z->msg_cookie || z->msg_cookie > z->discovery_reply_cookie))
    blz_scan_discovery_ended(z);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return 0;
  note_cookie(z, m);
  const char *path = sd_bus_message_get_path(m), *iface = NULL;
  if (!path || sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &iface) < 0) return 0;
  unsigned bit = blz_iface_bit(iface);
  blz_obj *x = bit ? blz_objs_find(z->objs, path) : NULL;
  if (!x || !(x->ifaces & bit)) return 0; /* not (yet) known: GetManagedObjects will say */
  unsigned changed = 0;
  const char *bad = NULL;
  int r = 0;
  switch (bit) {
    case BLZ_I_DEVICE:
      r = blz_device_apply(&x->dev, m, &changed, &bad);
      if (r >= 0) r = blz_device_invalidate(&x->dev, m);
      log_bad(z, path, iface, r, bad);
      if (r < 0) return 0;
      if (changed & BLZ_DP_ADVERTISED) blz_scan_device_seen(z, x, z->msg_cookie);
      /* A callback above may have made the scanners' work remove the object: look again. */
      if ((x = blz_objs_find(z->objs, path)) && (x->ifaces & BLZ_I_DEVICE) &&
          (changed & (BLZ_DP_CONNECTED | BLZ_DP_SERVICES_RESOLVED | BLZ_DP_PAIRED | BLZ_DP_NAME)))
        blz_client_device_changed(z, x, changed);
      break;
    case BLZ_I_ADAPTER:
      r = blz_adapter_apply(&x->adapter, m, &changed, &bad);
      log_bad(z, path, iface, r, bad);
      if (r >= 0) adapter_changed(z, x, changed);
      break;
    case BLZ_I_CHAR: {
      const uint8_t *v = NULL;
      size_t n = 0;
      r = blz_attr_apply(&x->attr, m, &changed, &v, &n, &bad);
      log_bad(z, path, iface, r, bad);
      if (r < 0) return 0;
      if (changed & BLZ_GP_VALUE) blz_client_value_changed(z, path, v, n);
      if (changed & BLZ_GP_MTU) blz_client_mtu_changed(z, path, x->attr.mtu);
      break;
    }
    case BLZ_I_SERVICE:
    case BLZ_I_DESC:
      r = blz_attr_apply(&x->attr, m, &changed, NULL, NULL, &bad);
      log_bad(z, path, iface, r, bad);
      break;
    default: break;
  }
  return 0;
}

static int on_device_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return 0;
  const char *reason = NULL, *message = NULL;
  if (sd_bus_message_read(m, "ss", &reason, &message) < 0) return 0;
  blz_client_disconnect_reason(z, sd_bus_message_get_path(m), reason);
  return 0;
}

/* ---- start and stop ----------------------------------------------------------------------------- */

static const struct {
  const char *rule;
  sd_bus_message_handler_t fn;
} rules[] = {
    {"type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
     "member='NameOwnerChanged',arg0='org.bluez'",
     on_name_owner_changed},
    {"type='signal',sender='org.bluez',path='/',interface='org.freedesktop.DBus.ObjectManager',"
     "member='InterfacesAdded'",
     on_interfaces_added},
    {"type='signal',sender='org.bluez',path='/',interface='org.freedesktop.DBus.ObjectManager',"
     "member='InterfacesRemoved'",
     on_interfaces_removed},
    {"type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
     "path_namespace='/org/bluez'",
     on_properties_changed},
    {"type='signal',sender='org.bluez',interface='org.bluez.Device1',member='Disconnected',"
     "path_namespace='/org/bluez'",
     on_device_disconnected},
};

int blz_signals_start(blz_ctx *z, blec_error *err) {
  _Static_assert(sizeof rules / sizeof rules[0] == sizeof z->match_slots / sizeof z->match_slots[0],
                 "one slot per match rule");
  int r;
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    if ((r = sd_bus_add_match(z->bus, &z->match_slots[i], rules[i].rule, rules[i].fn, z)) < 0) {
      blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: AddMatch %s: %s", rules[i].rule, strerror(-r));
      blec__error_set(err, BLEC_ERR_OS, "the system bus refused a match rule (%s)", strerror(-r));
      return BLEC_ERR_OS;
    }
  }
  /* The owner, then its objects, each after the rules that keep them current. */
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  r = sd_bus_call_method(z->bus, BLZ_DBUS_NAME, "/org/freedesktop/DBus", BLZ_DBUS_NAME, "GetNameOwner", &e, &reply,
                         "s", BLZ_SERVICE);
  const char *owner = NULL;
  if (r >= 0 && sd_bus_message_read(reply, "s", &owner) >= 0) set_owner(z, owner);
  if (r < 0) blz_error_from_dbus(z->ctx, &e, "GetNameOwner(org.bluez)", NULL);
  sd_bus_error_free(&e);
  sd_bus_message_unref(reply);
  reply = NULL;
  if (!z->owner) return BLEC_OK; /* no bluetoothd (yet): NameOwnerChanged will tell */
  r = sd_bus_call_method(z->bus, BLZ_SERVICE, "/", BLZ_IF_OBJECT_MANAGER, "GetManagedObjects", &e, &reply, NULL);
  if (r < 0) {
    blz_error_from_dbus(z->ctx, &e, "GetManagedObjects", NULL);
  } else if (blz_from_bluez(z, reply) && (r = load_objects(z, reply)) < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed GetManagedObjects reply: %s", strerror(-r));
  }
  sd_bus_error_free(&e);
  sd_bus_message_unref(reply);
  z->passive_offered = blz_monitor_offered(z);
  return BLEC_OK;
}

void blz_signals_stop(blz_ctx *z) {
  for (size_t i = 0; i < sizeof z->match_slots / sizeof z->match_slots[0]; i++)
    z->match_slots[i] = sd_bus_slot_unref(z->match_slots[i]);
  set_owner(z, NULL);
}
