/* SPDX-License-Identifier: MIT */
/*
 * blz_monitor.c — passive scanning. BlueZ scans passively only for advertisement monitors
 * (doc/advertisement-monitor-api.txt): the program exports AdvertisementMonitor1 objects
 * below a root with an ObjectManager and registers the root on the adapter's
 * AdvertisementMonitorManager1 (experimental in 5.66: bluetoothd offers it with
 * --experimental only; the backend claims BLEC_CAP_PASSIVE_SCAN only where it does).
 *
 * A monitor of type "or_patterns" matches an advertisement holding one of its byte
 * patterns (start position, AD type, content) — it cannot match "everything". The
 * patterns are made from the scanner's own filters, which the core then applies in full:
 * the filters must all hold, so the patterns of any one of them select a superset of what
 * is reported. The most selective filter is used: a byte pattern, data section or
 * manufacturer filter (one pattern), else the local name (complete or shortened), else a
 * service UUID at each place an advertisement can carry it. A passive scan with no such
 * filter answers BLEC_ERR_NOT_SUPPORTED saying so (bleak's BlueZ backend likewise needs
 * or_patterns for a passive scan).
 *
 * BlueZ calls Activate when it took a monitor (Release when it refused or dropped it) and
 * DeviceFound / DeviceLost with the devices it matched; a found device's advertisements
 * are its Device1 properties, as in discovery. The start completes once the registration
 * was answered and every monitor was activated. Calls are believed only from the
 * current owner of org.bluez.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"
#include "core/core.h"

#define AD_MAX 31           /* BT_AD_MAX_DATA_LEN: a pattern's offset + length */
#define PATTERNS_PER_MONITOR 16
#define MAX_PATTERNS 128
#define CALL_USEC (10u * 1000u * 1000u)

typedef struct mon_pattern {
  uint8_t offset, type, len;
  uint8_t data[AD_MAX];
} mon_pattern;

typedef struct blz_mon_app blz_mon_app;

typedef struct mon_obj {
  blz_mon_app *app;
  char path[96];
  sd_bus_slot *slot;
  const mon_pattern *pats;
  size_t npats;
  bool active;
} mon_obj;

struct blz_mon_app {
  blz_ctx *z;
  blz_scan *sc;
  char root[64];
  char adapter[BLZ_PATH_MAX];
  sd_bus_slot *om_slot;
  sd_bus_slot *reg_slot; /* RegisterMonitor in flight */
  bool registered;
  mon_pattern pats[MAX_PATTERNS];
  size_t npats;
  mon_obj *mons;
  size_t nmons, activated;
  blz_monitor_done_fn done; /* the start still waiting, or NULL */
  char **found;
  size_t nfound;
};

bool blz_monitor_offered(blz_ctx *z) {
  blz_obj *a = blz_adapter_obj(z);
  return a && (a->ifaces & BLZ_I_MONITOR_MANAGER);
}

/* ---- patterns from the scanner's filters ------------------------------------------------------ */

static void add_pattern(blz_mon_app *app, uint8_t type, size_t offset, const uint8_t *head, size_t hn,
                        const uint8_t *data, size_t dn) {
  size_t n = hn + dn;
  if (app->npats == MAX_PATTERNS || n == 0 || offset + n > AD_MAX) return;
  mon_pattern *p = &app->pats[app->npats++];
  p->offset = (uint8_t)offset;
  p->type = type;
  p->len = (uint8_t)n;
  if (hn) memcpy(p->data, head, hn);
  if (dn) memcpy(p->data + hn, data, dn);
}

/* A service UUID wherever an advertisement may carry it: in the lists of its size at any
 * aligned position, and as the key of its service data. */
static void add_uuid_patterns(blz_mon_app *app, const blec_uuid *u) {
  uint8_t le[16];
  size_t n = blz_uuid_le(u, le);
  /* incomplete and complete lists, service data (Assigned Numbers, "Common Data Types") */
  uint8_t lists[2] = {0x06, 0x07}, sdata = 0x21;
  if (n == 2) lists[0] = 0x02, lists[1] = 0x03, sdata = 0x16;
  if (n == 4) lists[0] = 0x04, lists[1] = 0x05, sdata = 0x20;
  for (int l = 0; l < 2; l++)
    for (size_t off = 0; off + n <= AD_MAX - 1; off += n) add_pattern(app, lists[l], off, NULL, 0, le, n);
  add_pattern(app, sdata, 0, NULL, 0, le, n);
}

/* The patterns of the scanner's most selective filter; false when it has none usable. */
static bool patterns_from_filters(blz_mon_app *app, const blec_scan_options *o) {
  for (size_t i = 0; i < o->nbyte_filters && !app->npats; i++) {
    const blec__byte_filter *f = &o->byte_filters[i];
    if (f->is_manufacturer) {
      uint8_t company[2] = {(uint8_t)f->company, (uint8_t)(f->company >> 8)};
      add_pattern(app, 0xFF, 0, company, 2, f->data, f->len);
    } else {
      add_pattern(app, f->ad_type, f->offset < 0 ? 0 : (size_t)f->offset, NULL, 0, f->data, f->len);
    }
  }
  if (!app->npats && o->local_name) {
    size_t n = strlen(o->local_name);
    add_pattern(app, 0x09, 0, NULL, 0, (const uint8_t *)o->local_name, n);
    add_pattern(app, 0x08, 0, NULL, 0, (const uint8_t *)o->local_name, n);
  }
  if (!app->npats && o->nfilter_services) add_uuid_patterns(app, &o->filter_services[0]);
  /* bleak's service list: any one of them (the patterns of all). */
  if (!app->npats)
    for (size_t i = 0; i < o->nservices; i++) add_uuid_patterns(app, &o->services[i]);
  return app->npats > 0;
}

/* ---- the AdvertisementMonitor1 objects ------------------------------------------------------------ */

static int reject(sd_bus_message *m) {
  return sd_bus_reply_method_errorf(m, "org.bluez.Error.Rejected", "%s", "not from org.bluez");
}

static void finish(blz_mon_app *app, int status, const blec_error *err) {
  blz_monitor_done_fn done = app->done;
  app->done = NULL;
  if (done) done(app->z, app->sc, status, err);
}

static void maybe_started(blz_mon_app *app) {
  if (app->done && app->registered && app->activated == app->nmons) finish(app, BLEC_OK, NULL);
}

static int mon_activate(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  mon_obj *mo = userdata;
  blz_mon_app *app = mo->app;
  if (!blz_from_bluez(app->z, m)) return reject(m);
  if (!mo->active) {
    mo->active = true;
    app->activated++;
  }
  int r = sd_bus_reply_method_return(m, NULL);
  maybe_started(app);
  return r;
}

static int mon_release(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  mon_obj *mo = userdata;
  blz_mon_app *app = mo->app;
  if (!blz_from_bluez(app->z, m)) return reject(m);
  int r = sd_bus_reply_method_return(m, NULL);
  blec_error err;
  blec__error_set(&err, app->done ? BLEC_ERR_NOT_SUPPORTED : BLEC_ERR_OS,
                  "bluetoothd released the advertisement monitor %s (its patterns were refused, or "
                  "monitoring ended)",
                  mo->path);
  blec__log(app->z->ctx, BLEC_LOG_DEBUG, "bluez: %s", err.message);
  if (mo->active) app->activated--;
  mo->active = false;
  if (app->done)
    finish(app, err.status, &err);
  else
    blz_scan_stopped_one(app->z, app->sc, &err);
  return r;
}

static bool found_has(const blz_mon_app *app, const char *path) {
  for (size_t i = 0; i < app->nfound; i++)
    if (!strcmp(app->found[i], path)) return true;
  return false;
}

static int mon_device(sd_bus_message *m, void *userdata, bool found) {
  mon_obj *mo = userdata;
  blz_mon_app *app = mo->app;
  if (!blz_from_bluez(app->z, m)) return reject(m);
  const char *dev = NULL;
  if (sd_bus_message_read_basic(m, SD_BUS_TYPE_OBJECT_PATH, &dev) < 0 || !blz_path_below(dev, BLZ_ROOT))
    return sd_bus_reply_method_errorf(m, "org.bluez.Error.InvalidArguments", "%s", "a device path");
  int r = sd_bus_reply_method_return(m, NULL);
  if (found && !found_has(app, dev)) {
    char **nf = realloc(app->found, (app->nfound + 1) * sizeof *nf);
    char *copy = malloc(strlen(dev) + 1);
    if (!nf || !copy) {
      free(copy);
      if (nf) app->found = nf;
      return r;
    }
    strcpy(copy, dev);
    app->found = nf;
    app->found[app->nfound++] = copy;
  } else if (!found) {
    for (size_t i = 0; i < app->nfound; i++) {
      if (strcmp(app->found[i], dev) != 0) continue;
      free(app->found[i]);
      app->found[i] = app->found[--app->nfound];
      break;
    }
    return r;
  }
  /* Each DeviceFound is a matching advertisement: the device's current properties. */
  blz_obj *x = blz_objs_find(app->z->objs, dev);
  if (x && !app->done) blz_scan_report_to(app->z, app->sc, x);
  return r;
}

static int mon_found(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  return mon_device(m, userdata, true);
}

static int mon_lost(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  return mon_device(m, userdata, false);
}

static int get_type(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                    void *userdata, sd_bus_error *ret) {
  (void)bus, (void)path, (void)iface, (void)prop, (void)userdata, (void)ret;
  return sd_bus_message_append(reply, "s", "or_patterns");
}

static int get_patterns(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                        void *userdata, sd_bus_error *ret) {
  (void)bus, (void)path, (void)iface, (void)prop, (void)ret;
  const mon_obj *mo = userdata;
  int r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(yyay)");
  for (size_t i = 0; r >= 0 && i < mo->npats; i++) {
    const mon_pattern *p = &mo->pats[i];
    r = sd_bus_message_open_container(reply, SD_BUS_TYPE_STRUCT, "yyay");
    if (r >= 0) r = sd_bus_message_append(reply, "yy", p->offset, p->type);
    if (r >= 0) r = sd_bus_message_append_array(reply, 'y', p->data, p->len);
    if (r >= 0) r = sd_bus_message_close_container(reply);
  }
  if (r >= 0) r = sd_bus_message_close_container(reply);
  return r;
}

static const sd_bus_vtable monitor_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Type", "s", get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Patterns", "a(yyay)", get_patterns, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_METHOD("Release", "", "", mon_release, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Activate", "", "", mon_activate, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DeviceFound", "o", "", mon_found, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DeviceLost", "o", "", mon_lost, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

/* ---- registration ---------------------------------------------------------------------------------- */

static int on_registered(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_mon_app *app = userdata;
  app->reg_slot = sd_bus_slot_unref(app->reg_slot);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) {
    blec_error err;
    int s = blz_error_from_dbus(app->z->ctx, e, "RegisterMonitor", &err);
    if (s == BLEC_ERR_OS) err.status = BLEC_ERR_NOT_SUPPORTED;
    finish(app, err.status, &err);
    return 0;
  }
  app->registered = true;
  maybe_started(app);
  return 0;
}

static void app_free(blz_mon_app *app) {
  for (size_t i = 0; i < app->nmons; i++) sd_bus_slot_unref(app->mons[i].slot);
  free(app->mons);
  sd_bus_slot_unref(app->om_slot);
  sd_bus_slot_unref(app->reg_slot);
  for (size_t i = 0; i < app->nfound; i++) free(app->found[i]);
  free(app->found);
  free(app);
}

int blz_monitor_add(blz_ctx *z, blz_scan *sc, blz_monitor_done_fn done, blec_error *err) {
  blz_obj *a = blz_adapter_obj(z);
  if (!a) return blz_availability(z, err);
  if (!(a->ifaces & BLZ_I_MONITOR_MANAGER)) {
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED, "%s", BLZ_NO_MONITORS);
    return BLEC_ERR_NOT_SUPPORTED;
  }
  blz_mon_app *app = calloc(1, sizeof *app);
  if (!app) return BLEC_ERR_NO_MEMORY;
  app->z = z;
  app->sc = sc;
  snprintf(app->adapter, sizeof app->adapter, "%s", a->path);
  if (!patterns_from_filters(app, blec__scanner_opts(blz_scan_scanner(sc)))) {
    free(app);
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED,
                    "BlueZ scans passively only for advertisements matching byte patterns: give the passive "
                    "scan a filter (a service UUID, the local name, manufacturer data, a data section or a "
                    "byte pattern)");
    return BLEC_ERR_NOT_SUPPORTED;
  }
  snprintf(app->root, sizeof app->root, "/org/blec/monitor%u", ++z->monitor_apps);
  app->nmons = (app->npats + PATTERNS_PER_MONITOR - 1) / PATTERNS_PER_MONITOR;
  int r = (app->mons = calloc(app->nmons, sizeof *app->mons)) ? 0 : -ENOMEM;
  if (r >= 0) r = sd_bus_add_object_manager(z->bus, &app->om_slot, app->root);
  for (size_t i = 0; r >= 0 && i < app->nmons; i++) {
    mon_obj *mo = &app->mons[i];
    mo->app = app;
    snprintf(mo->path, sizeof mo->path, "%s/m%zu", app->root, i);
    mo->pats = &app->pats[i * PATTERNS_PER_MONITOR];
    mo->npats = app->npats - i * PATTERNS_PER_MONITOR;
    if (mo->npats > PATTERNS_PER_MONITOR) mo->npats = PATTERNS_PER_MONITOR;
    r = sd_bus_add_object_vtable(z->bus, &mo->slot, mo->path, BLZ_IF_MONITOR, monitor_vtable, mo);
  }
  /* Asynchronous: bluetoothd reads the objects (GetManagedObjects) before it answers. */
  if (r >= 0)
    r = sd_bus_call_method_async(z->bus, &app->reg_slot, BLZ_SERVICE, app->adapter, BLZ_IF_MONITOR_MANAGER,
                                 "RegisterMonitor", on_registered, app, "o", app->root);
  if (r < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: exporting the advertisement monitor: %s", strerror(-r));
    blec__error_set(err, blz_status_from_errno(r), "the advertisement monitor could not be exported (%s)", strerror(-r));
    app_free(app);
    return err->status;
  }
  app->done = done;
  *blz_scan_monitor(sc) = app;
  return BLEC_OK;
}

void blz_monitor_remove(blz_ctx *z, blz_scan *sc) {
  blz_mon_app *app = *blz_scan_monitor(sc);
  if (!app) return;
  *blz_scan_monitor(sc) = NULL;
  if ((app->registered || app->reg_slot) && z->owner) {
    blz_call_logged(z, app->adapter, BLZ_IF_MONITOR_MANAGER, "UnregisterMonitor", "o", app->root);
  }
  app->done = NULL;
  app_free(app);
}

bool blz_monitor_has(blz_scan *sc, const char *dev_path) {
  blz_mon_app *app = *blz_scan_monitor(sc);
  return app && found_has(app, dev_path);
}
