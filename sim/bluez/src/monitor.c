/* SPDX-License-Identifier: MIT */
/*
 * monitor.c — org.bluez.AdvertisementMonitorManager1 on each adapter, which BlueZ 5.66
 * creates only with -E (src/adapter.c adapter_register; its methods are experimental):
 * passive scanning for advertisements matching a client's "or_patterns" monitors
 * (doc/advertisement-monitor-api.txt, src/adv_monitor.c, src/shared/ad.c patterns).
 *
 * RegisterMonitor(root) watches the client's objects below `root` (GetManagedObjects on
 * it, then its InterfacesAdded / InterfacesRemoved, as gdbus's GDBusClient does) and is
 * answered once the first GetManagedObjects returned. Each AdvertisementMonitor1 is
 * checked (Type "or_patterns", RSSI fields in range, at least one pattern that fits 31
 * bytes and names a valid AD type): Activate() for a good one, Release() for a bad one.
 * While a monitor is active the adapter scans passively; a matching report updates (or
 * creates) its device as discovery does, and DeviceFound(device) is called (no RSSI
 * thresholds: for every matching advertisement).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/adv.h"
#include "sim.h"

#define AD_MAX 31           /* BT_AD_MAX_DATA_LEN */
#define MAX_PATTERNS 16
#define RSSI_MIN (-127)     /* ADV_MONITOR_MIN_RSSI */
#define RSSI_MAX 20         /* ADV_MONITOR_MAX_RSSI */
#define MONITOR_IFACE "org.bluez.AdvertisementMonitor1"

typedef struct bz_pattern {
  uint8_t type, offset, len;
  uint8_t value[AD_MAX];
} bz_pattern;

typedef struct bz_mon {
  char *path;
  bool active;
  bz_pattern pats[MAX_PATTERNS];
  size_t npats;
  struct bz_mon *next;
} bz_mon;

struct bz_monitor {
  bz_adapter *a;
  char *owner, *root;
  sd_bus_message *reg;   /* RegisterMonitor waiting for the first GetManagedObjects */
  sd_bus_slot *added, *removed, *get;
  sd_bus_track *track;
  bz_mon *mons;
  bz_monitor *next;
};

/* ---- calls to the client ------------------------------------------------------------------ */

static int ignore_reply(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)m;
  (void)user;
  (void)e;
  return 0;
}

static void call_monitor(bz_monitor *app, const char *path, const char *member, const char *device) {
  bz_sim *s = app->a->sim;
  sd_bus_message *m = NULL;
  if (sd_bus_message_new_method_call(s->bus, &m, app->owner, path, MONITOR_IFACE, member) < 0) return;
  if (device && sd_bus_message_append(m, "o", device) < 0) {
    sd_bus_message_unref(m);
    return;
  }
  bz_flush(s);
  /* The answer does not matter (g_dbus_proxy_method_call without a callback). */
  if (sd_bus_call_async(s->bus, NULL, m, ignore_reply, NULL, 0) < 0) bz_log(s, "%s %s: cannot call", path, member);
  sd_bus_message_unref(m);
}

/* ---- monitors --------------------------------------------------------------------------------- */

static bool type_valid(uint8_t t) { return t >= 0x01 && (t <= 0x3D || t == 0xFF); }

/* The properties of one AdvertisementMonitor1 (read position: its a{sv}). */
static bool parse_monitor(sd_bus_message *m, bz_mon *mon) {
  bool type_ok = false;
  int16_t high = 127, low = 127;
  if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0) return false;
  int r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char *key, *contents = NULL;
    char t;
    if (sd_bus_message_read(m, "s", &key) <= 0 || sd_bus_message_peek_type(m, &t, &contents) <= 0 || !contents)
      return false;
    if (!strcmp(key, "Type")) {
      const char *v;
      if (strcmp(contents, "s") || sd_bus_message_enter_container(m, 'v', "s") < 0 ||
          sd_bus_message_read(m, "s", &v) <= 0 || sd_bus_message_exit_container(m) < 0)
        return false;
      type_ok = !strcmp(v, "or_patterns");
    } else if (!strcmp(key, "RSSIHighThreshold") || !strcmp(key, "RSSILowThreshold")) {
      int16_t v;
      if (strcmp(contents, "n") || sd_bus_message_enter_container(m, 'v', "n") < 0 ||
          sd_bus_message_read(m, "n", &v) <= 0 || sd_bus_message_exit_container(m) < 0)
        return false;
      if (key[4] == 'H') high = v;
      else low = v;
    } else if (!strcmp(key, "Patterns")) {
      if (strcmp(contents, "a(yyay)") || sd_bus_message_enter_container(m, 'v', "a(yyay)") < 0 ||
          sd_bus_message_enter_container(m, 'a', "(yyay)") < 0)
        return false;
      while ((r = sd_bus_message_enter_container(m, 'r', "yyay")) > 0) {
        uint8_t offset, type;
        const void *v;
        size_t n;
        if (sd_bus_message_read(m, "yy", &offset, &type) <= 0 || sd_bus_message_read_array(m, 'y', &v, &n) < 0 ||
            sd_bus_message_exit_container(m) < 0)
          return false;
        /* bt_ad_pattern_new */
        if (!n || offset >= AD_MAX || n > AD_MAX || offset + n > AD_MAX || !type_valid(type) ||
            mon->npats == MAX_PATTERNS)
          return false;
        bz_pattern *p = &mon->pats[mon->npats++];
        p->type = type;
        p->offset = offset;
        p->len = (uint8_t)n;
        memcpy(p->value, v, n);
      }
      if (r < 0 || sd_bus_message_exit_container(m) < 0 || sd_bus_message_exit_container(m) < 0) return false;
    } else if (sd_bus_message_skip(m, "v") < 0) {
      return false; /* timeouts and sampling period: not used without thresholds */
    }
    if (sd_bus_message_exit_container(m) < 0) return false;
  }
  if (r < 0 || sd_bus_message_exit_container(m) < 0) return false;
  /* parse_rssi_and_timeout: thresholds in range, the high one not below the low one. */
  if (high != 127 || low != 127) {
    if (low == 127) low = RSSI_MIN;
    if (high == 127) high = RSSI_MAX;
    if (high < RSSI_MIN || high > RSSI_MAX || low < RSSI_MIN || low > RSSI_MAX || high < low) return false;
  }
  return type_ok && mon->npats > 0;
}

static void mon_free(bz_mon *mon) {
  free(mon->path);
  free(mon);
}

static void update_scan(bz_adapter *a);

/* One object of the client's: its monitor interface, if any, accepted or released. */
static void object_added(bz_monitor *app, sd_bus_message *m, const char *path) {
  if (sd_bus_message_enter_container(m, 'a', "{sa{sv}}") < 0) return;
  int r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
    const char *iface;
    if (sd_bus_message_read(m, "s", &iface) <= 0) return;
    if (strcmp(iface, MONITOR_IFACE)) {
      if (sd_bus_message_skip(m, "a{sv}") < 0) return;
    } else {
      /* Parsed from a copy: whatever is wrong in it, `m` stays readable. */
      sd_bus_message *copy = NULL;
      if (sd_bus_message_new_signal(app->a->sim->bus, &copy, "/", "org.blec.Copy", "Copy") < 0) return;
      bool ok = sd_bus_message_copy(copy, m, 0) >= 0 && sd_bus_message_seal(copy, 1, 0) >= 0 &&
                sd_bus_message_rewind(copy, 1) >= 0;
      bz_mon *mon = ok ? calloc(1, sizeof *mon) : NULL;
      if (mon && !(mon->path = strdup(path))) {
        free(mon);
        mon = NULL;
      }
      if (mon && parse_monitor(copy, mon)) {
        mon->active = true;
        mon->next = app->mons;
        app->mons = mon;
        call_monitor(app, path, "Activate", NULL);
      } else if (mon) {
        bz_log(app->a->sim, "%s: monitor %s refused", app->a->path, path);
        call_monitor(app, path, "Release", NULL);
        mon_free(mon);
      }
      sd_bus_message_unref(copy);
      if (!ok) return;
    }
    if (sd_bus_message_exit_container(m) < 0) return;
  }
  if (r >= 0) sd_bus_message_exit_container(m); /* the interfaces' array */
  update_scan(app->a);
}

static bool below_root(const bz_monitor *app, const char *path) {
  size_t n = strlen(app->root);
  return !strcmp(path, app->root) || (!strncmp(path, app->root, n) && (path[n] == '/' || n == 1));
}

static int on_added(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)e;
  bz_monitor *app = user;
  const char *path;
  if (sd_bus_message_read(m, "o", &path) > 0 && below_root(app, path)) object_added(app, m, path);
  return 0;
}

static int on_removed(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)e;
  bz_monitor *app = user;
  const char *path;
  if (sd_bus_message_read(m, "o", &path) <= 0) return 0;
  for (bz_mon **pp = &app->mons; *pp;) {
    if (!strcmp((*pp)->path, path)) {
      bz_mon *gone = *pp;
      *pp = gone->next;
      mon_free(gone);
    } else {
      pp = &(*pp)->next;
    }
  }
  update_scan(app->a);
  return 0;
}

/* The first GetManagedObjects answered (or failed): the app is ready. */
static int on_objects(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)e;
  bz_monitor *app = user;
  app->get = sd_bus_slot_unref(app->get);
  if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}") > 0) {
    while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
      const char *path;
      if (sd_bus_message_read(m, "o", &path) <= 0) break;
      object_added(app, m, path);
      if (sd_bus_message_exit_container(m) < 0) break;
    }
  }
  if (app->reg) {
    bz_reply_empty(app->a->sim, app->reg);
    app->reg = sd_bus_message_unref(app->reg);
  }
  return 0;
}

static void app_free(bz_monitor *app, bool release) {
  if (app->reg) {
    bz_reply_error(app->a->sim, app->reg, BZ_ERROR ".Failed", "Adv Monitor app destroyed");
    sd_bus_message_unref(app->reg);
  }
  while (app->mons) {
    bz_mon *mon = app->mons;
    app->mons = mon->next;
    if (release && mon->active) call_monitor(app, mon->path, "Release", NULL);
    mon_free(mon);
  }
  sd_bus_slot_unref(app->added);
  sd_bus_slot_unref(app->removed);
  sd_bus_slot_unref(app->get);
  sd_bus_track_unref(app->track);
  free(app->owner);
  free(app->root);
  free(app);
}

static void app_unlink(bz_adapter *a, bz_monitor *app) {
  for (bz_monitor **pp = &a->monitors; *pp; pp = &(*pp)->next) {
    if (*pp == app) {
      *pp = app->next;
      return;
    }
  }
}

static bz_monitor *app_find(bz_adapter *a, const char *owner, const char *root) {
  for (bz_monitor *app = a->monitors; app; app = app->next)
    if (!strcmp(app->owner, owner) && !strcmp(app->root, root)) return app;
  return NULL;
}

/* app_disconnect_cb: the client left the bus. */
static int on_owner_gone(sd_bus_track *t, void *user) {
  (void)t;
  bz_monitor *app = user;
  bz_adapter *a = app->a;
  app_unlink(a, app);
  app_free(app, false);
  update_scan(a);
  return 0;
}

/* ---- methods ------------------------------------------------------------------------------------ */

static void register_monitor(bz_sim *s, sd_bus_message *m, void *data) {
  bz_adapter *a = data;
  const char *root, *owner = sd_bus_message_get_sender(m);
  if (sd_bus_message_read(m, "o", &root) <= 0 || !owner || root[0] != '/') {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  if (app_find(a, owner, root)) {
    bz_reply_error(s, m, BZ_ERROR ".AlreadyExists", "Already Exists");
    return;
  }
  bz_monitor *app = calloc(1, sizeof *app);
  if (!app || !(app->owner = strdup(owner)) || !(app->root = strdup(root))) {
    if (app) free(app->owner);
    free(app);
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to create Adv Monitor app");
    return;
  }
  app->a = a;
  if (sd_bus_match_signal(s->bus, &app->added, owner, NULL, "org.freedesktop.DBus.ObjectManager",
                          "InterfacesAdded", on_added, app) < 0 ||
      sd_bus_match_signal(s->bus, &app->removed, owner, NULL, "org.freedesktop.DBus.ObjectManager",
                          "InterfacesRemoved", on_removed, app) < 0 ||
      sd_bus_track_new(s->bus, &app->track, on_owner_gone, app) < 0 || sd_bus_track_add_sender(app->track, m) < 0) {
    app_free(app, false);
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to create Adv Monitor app");
    return;
  }
  app->reg = sd_bus_message_ref(m);
  app->next = a->monitors;
  a->monitors = app;
  bz_flush(s);
  if (sd_bus_call_method_async(s->bus, &app->get, owner, root, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", on_objects, app, "") < 0) {
    app_unlink(a, app);
    app_free(app, false);
  }
}

static void unregister_monitor(bz_sim *s, sd_bus_message *m, void *data) {
  bz_adapter *a = data;
  const char *root, *owner = sd_bus_message_get_sender(m);
  if (sd_bus_message_read(m, "o", &root) <= 0 || !owner || root[0] != '/') {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  bz_monitor *app = app_find(a, owner, root);
  if (!app) {
    bz_reply_error(s, m, BZ_ERROR ".DoesNotExist", "Does Not Exist");
    return;
  }
  app_unlink(a, app);
  app_free(app, true);
  update_scan(a);
  bz_reply_empty(s, m);
}

static int get_types(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "as", 1, "or_patterns");
}

static int get_features(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "as", 0); /* no controller offloading */
}

static const bz_method manager_methods[] = {
    {"RegisterMonitor", "o", "", register_monitor, BZ_EXPERIMENTAL},
    {"UnregisterMonitor", "o", "", unregister_monitor, BZ_EXPERIMENTAL},
    {NULL, NULL, NULL, NULL, 0}};

static const bz_prop manager_props[] = {
    {"SupportedMonitorTypes", "as", get_types, NULL, NULL, BZ_EXPERIMENTAL},
    {"SupportedFeatures", "as", get_features, NULL, NULL, BZ_EXPERIMENTAL},
    {NULL, NULL, NULL, NULL, NULL, 0}};

static const bz_iface manager_iface = {"org.bluez.AdvertisementMonitorManager1", manager_methods, manager_props};

int bz_monitor_manager_add(bz_adapter *a) { return bz_obj_add(a->obj, &manager_iface, a); }

void bz_monitor_manager_free(bz_adapter *a) {
  while (a->monitors) {
    bz_monitor *app = a->monitors;
    a->monitors = app->next;
    app_free(app, false);
  }
}

/* ---- matching and passive scanning ------------------------------------------------------------ */

bool bz_monitors_active(const bz_adapter *a) {
  for (const bz_monitor *app = a->monitors; app; app = app->next)
    for (const bz_mon *mon = app->mons; mon; mon = mon->next)
      if (mon->active) return true;
  return false;
}

typedef struct match_ctx {
  const bz_mon *mon;
  bool matched;
} match_ctx;

/* pattern_ad_data_match over one AD structure. */
static int match_structure(void *user, uint8_t type, const uint8_t *d, size_t len) {
  match_ctx *mc = user;
  for (size_t i = 0; i < mc->mon->npats && !mc->matched; i++) {
    const bz_pattern *p = &mc->mon->pats[i];
    if (p->type == type && len >= (size_t)p->offset + p->len && !memcmp(d + p->offset, p->value, p->len))
      mc->matched = true;
  }
  return mc->matched;
}

static bool mon_matches(const bz_mon *mon, const uint8_t *data, size_t len) {
  match_ctx mc = {mon, false};
  if (mon->active) (void)blec__ad_foreach(data, len, match_structure, &mc);
  return mc.matched;
}

bool bz_monitors_match(bz_adapter *a, const uint8_t *data, size_t len) {
  for (bz_monitor *app = a->monitors; app; app = app->next)
    for (bz_mon *mon = app->mons; mon; mon = mon->next)
      if (mon_matches(mon, data, len)) return true;
  return false;
}

void bz_monitors_notify(bz_adapter *a, const bz_device *d, const uint8_t *data, size_t len) {
  for (bz_monitor *app = a->monitors; app; app = app->next)
    for (bz_mon *mon = app->mons; mon; mon = mon->next)
      if (mon_matches(mon, data, len)) call_monitor(app, mon->path, "DeviceFound", d->path);
}

/* Background scanning runs while a monitor is active and no discovery does. */
static void update_scan(bz_adapter *a) { bz_discovery_passive(a, bz_monitors_active(a)); }
