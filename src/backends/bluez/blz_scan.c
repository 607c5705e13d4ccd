/* SPDX-License-Identifier: MIT */
/*
 * blz_scan.c — scanners over BlueZ discovery (doc/adapter-api.txt): the context's one
 * D-Bus connection holds at most one discovery session per adapter, shared by every
 * active scanner; its filter (SetDiscoveryFilter) is Transport "le", DuplicateData true
 * (so that every advertisement BlueZ receives becomes a PropertiesChanged, hence a
 * detection callback) and the union of the scanners' service UUIDs (none when one
 * scanner has none). Advertisements are Device1 objects appearing with an RSSI
 * (InterfacesAdded) and changes of their advertised properties (PropertiesChanged),
 * re-serialized as AD structures (blz_adv.c) for the core.
 *
 * The registry of scanners: its list changes on the bus thread only (start and stop
 * are jobs there), so the thread reporting walks it freely; a scanner being stopped is
 * marked `removed` under scan_lock, and blec_scanner_stop's thread waits until no
 * report to it is in progress ("no report starts after scan_stop returns").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

#define SYNC_WAIT_MS 30000
#define CALL_USEC (10u * 1000u * 1000u)

struct start_call;

struct blz_scan {
  blz_scan *next;
  blz_job stop_job;
  blec_scanner *s; /* valid until `removed` */
  bool passive;
  uint64_t since; /* bluetoothd's serial of the reply that started it (blz_ctx.msg_cookie) */
  char **uuids; /* service UUID filter (NULL-terminated strings), NULL for none */
  /* under z->scan_lock */
  bool removed;
  int busy; /* reports in progress */
  /* passive scanners (bus thread): the advertisement monitor, and the start waiting for
   * its activation */
  struct blz_mon_app *monitor;
  struct start_call *starting;
};

blec_scanner *blz_scan_scanner(blz_scan *sc) { return sc->s; }
struct blz_mon_app **blz_scan_monitor(blz_scan *sc) { return &sc->monitor; }

static void strv_free(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

static void scan_free(blz_scan *sc) {
  strv_free(sc->uuids);
  free(sc);
}

/* ---- the discovery session ---------------------------------------------------------------- */

static bool strv_has(char **v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i], s)) return true;
  return false;
}

/* Whether the program stopped sc (blec_scanner_stop writes it on its own thread). */
static bool scan_removed(blz_ctx *z, blz_scan *sc) {
  blec__mutex_lock(&z->scan_lock);
  bool removed = sc->removed;
  blec__mutex_unlock(&z->scan_lock);
  return removed;
}

/* The union of the active scanners' UUID filters into *out (NULL: no filter); false when
 * no active scanner is left. */
static bool wanted_filter(blz_ctx *z, char ***out, size_t *count) {
  /* A connect looking for its device wants every device (blz_client.c). */
  bool any = z->connect_scans > 0, unfiltered = z->connect_scans > 0;
  char **u = NULL;
  size_t n = 0;
  for (blz_scan *sc = z->scans; sc; sc = sc->next) {
    if (sc->passive || scan_removed(z, sc)) continue;
    any = true;
    if (!sc->uuids) unfiltered = true;
    for (char **p = sc->uuids; !unfiltered && p && *p; p++) {
      if (strv_has(u, n, *p)) continue;
      char **nu = realloc(u, (n + 1) * sizeof *nu);
      if (!nu) {
        unfiltered = true; /* out of memory: no filter is always correct */
        break;
      }
      u = nu;
      u[n++] = *p; /* borrowed */
    }
  }
  if (unfiltered) {
    free(u);
    u = NULL;
    n = 0;
  }
  *out = u;
  *count = n;
  return any;
}

/* Keeps bluetoothd's serial of a discovery call's reply. Signals it sent before (queued
 * by sd-bus while the call waited, handled after) belong to an earlier session. */
static void note_reply(blz_ctx *z, sd_bus_message *reply) {
  uint64_t cookie = 0;
  if (reply && sd_bus_message_get_cookie(reply, &cookie) >= 0 && cookie) z->discovery_reply_cookie = cookie;
}

/*
 * The session's calls are asynchronous (the bus thread never waits for bluetoothd):
 * one chain at a time — SetDiscoveryFilter then StartDiscovery, or StopDiscovery then
 * SetDiscoveryFilter({}) — towards what the scanners and connects want when it starts.
 * A change meanwhile (`disc_dirty`) runs another chain after it. Who needs the outcome
 * leaves a waiter, answered by the first chain that starts after it was left.
 */
typedef enum disc_step {
  DISC_IDLE = 0,
  DISC_FILTER,
  DISC_START,
  DISC_STOP,
  DISC_CLEAR,
  DISC_RESET,  /* StopDiscovery after a StartDiscovery answered InProgress */
  DISC_RESTART /* the StartDiscovery after that reset: its InProgress is final */
} disc_step;

struct blz_disc_waiter {
  struct blz_disc_waiter *next;
  blz_disc_done_fn fn;
  void *arg;
  uint64_t id;
};

static void disc_kick(blz_ctx *z);
static int disc_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret);

/* Sends one call of the chain (m taken): false when it could not be sent. */
static bool disc_send(blz_ctx *z, sd_bus_message *m, int r, disc_step step, const char *what) {
  if (r >= 0) r = sd_bus_call_async(z->bus, &z->disc_slot, m, disc_reply, z, CALL_USEC);
  sd_bus_message_unref(m);
  if (r < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s could not be sent: %s", what, strerror(-r));
    return false;
  }
  z->disc_step = step;
  return true;
}

/* SetDiscoveryFilter: le, duplicates on, the UUIDs (count 0 with uuids NULL: none). With
 * `clear` an empty dictionary (BlueZ drops the filter). */
static bool send_filter(blz_ctx *z, const char *adapter, char **uuids, size_t n, bool clear) {
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, adapter, BLZ_IF_ADAPTER, "SetDiscoveryFilter");
  if (r >= 0) r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
  if (!clear) {
    if (r >= 0) r = sd_bus_message_append(m, "{sv}", "Transport", "s", "le");
    if (r >= 0) r = sd_bus_message_append(m, "{sv}", "DuplicateData", "b", 1);
    if (r >= 0 && uuids) {
      r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv");
      if (r >= 0) r = sd_bus_message_append(m, "s", "UUIDs");
      if (r >= 0) r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "as");
      if (r >= 0) r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "s");
      for (size_t i = 0; r >= 0 && i < n; i++) r = sd_bus_message_append(m, "s", uuids[i]);
      if (r >= 0) r = sd_bus_message_close_container(m);
      if (r >= 0) r = sd_bus_message_close_container(m);
      if (r >= 0) r = sd_bus_message_close_container(m);
    }
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return disc_send(z, m, r, clear ? DISC_CLEAR : DISC_FILTER, "SetDiscoveryFilter");
}

static bool send_adapter_call(blz_ctx *z, const char *adapter, const char *method, disc_step step) {
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, adapter, BLZ_IF_ADAPTER, method);
  return disc_send(z, m, r, step, method);
}

/* The chain ended with status (err filled when not BLEC_OK): its waiters learn it. */
static void disc_finish(blz_ctx *z, int status, blec_error *err) {
  if (status == BLEC_ERR_BLUETOOTH_UNAVAILABLE && err->reason == BLEC_UNAVAILABLE_POWERED_OFF) {
    /* NotReady: say it the way check_bluetooth does. */
    blec_error why;
    if (blz_availability(z, &why) != BLEC_OK) *err = why;
  }
  z->disc_slot = sd_bus_slot_unref(z->disc_slot);
  z->disc_step = DISC_IDLE;
  struct blz_disc_waiter *w = z->disc_batch;
  z->disc_batch = NULL;
  while (w) {
    struct blz_disc_waiter *next = w->next;
    w->fn(z, w->arg, w->id, status, err);
    free(w);
    w = next;
  }
  /* A waiter may have started the next chain already (its update found none in flight). */
  if (z->disc_step == DISC_IDLE && (z->disc_dirty || z->disc_waiting)) disc_kick(z);
}

static void disc_fail_send(blz_ctx *z) {
  blec_error err;
  blec__error_set(&err, BLEC_ERR_OS, "a discovery call could not be sent to bluetoothd");
  disc_finish(z, BLEC_ERR_OS, &err);
}

/* Starts a chain towards what is wanted now (bus thread; none in flight). */
static void disc_kick(blz_ctx *z) {
  z->disc_dirty = false;
  /* The waiters left so far are answered by this chain. */
  struct blz_disc_waiter **tail = &z->disc_batch;
  while (*tail) tail = &(*tail)->next;
  *tail = z->disc_waiting;
  z->disc_waiting = NULL;
  char **uuids = NULL;
  size_t n = 0;
  bool any = wanted_filter(z, &uuids, &n);
  blz_obj *a = blz_adapter_obj(z);
  blec_error err;
  blec_error_clear(&err);
  if (!any) {
    free(uuids);
    if (z->discovering && a) {
      z->discovering = false;
      if (!send_adapter_call(z, a->path, "StopDiscovery", DISC_STOP)) disc_fail_send(z);
      return;
    }
    z->discovering = false;
    disc_finish(z, BLEC_OK, &err);
    return;
  }
  if (!a) {
    free(uuids);
    int status = blz_availability(z, &err);
    disc_finish(z, status, &err);
    return;
  }
  bool sent = send_filter(z, a->path, uuids, n, false);
  free(uuids);
  if (!sent) disc_fail_send(z);
}

static int disc_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  note_reply(z, m);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  blz_obj *a = blz_adapter_obj(z);
  blec_error err;
  blec_error_clear(&err);
  z->disc_slot = sd_bus_slot_unref(z->disc_slot);
  switch ((disc_step)z->disc_step) {
    case DISC_FILTER:
      if (e) {
        int status = blz_error_from_dbus(z->ctx, e, "SetDiscoveryFilter", &err);
        disc_finish(z, status, &err);
      } else if (z->discovering) {
        disc_finish(z, BLEC_OK, &err);
      } else if (!a || !send_adapter_call(z, a->path, "StartDiscovery", DISC_START)) {
        disc_fail_send(z);
      }
      return 0;
    case DISC_START:
    case DISC_RESTART:
      /* InProgress is btd_error_busy (BlueZ 5.66 start_discovery, start_discovery_complete):
       * this connection's earlier start is still pending or has a session we lost track
       * of, or the kernel refused the start (busy) and bluetoothd dropped the session.
       * Nothing says discovery runs for us: a StopDiscovery clears whatever is left of
       * ours, then one more StartDiscovery decides. */
      if (e && sd_bus_error_has_name(e, "org.bluez.Error.InProgress") && z->disc_step == DISC_START) {
        blz_error_from_dbus(z->ctx, e, "StartDiscovery", NULL);
        if (!a || !send_adapter_call(z, a->path, "StopDiscovery", DISC_RESET)) disc_fail_send(z);
        return 0;
      }
      if (e) {
        int status = blz_error_from_dbus(z->ctx, e, "StartDiscovery", &err);
        if (sd_bus_error_has_name(e, "org.bluez.Error.InProgress"))
          blec__error_set(&err, BLEC_ERR_BUSY,
                          "bluetoothd could not start discovery: the adapter is busy (%s: %s), and still after "
                          "StopDiscovery",
                          e->name, e->message ? e->message : "");
        disc_finish(z, status, &err);
        return 0;
      }
      z->discovering = true;
      disc_finish(z, BLEC_OK, &err);
      return 0;
    case DISC_RESET:
      /* "No discovery started" (the kernel's refusal removed it) is as good as done. */
      if (e) blz_error_from_dbus(z->ctx, e, "StopDiscovery (reset)", NULL);
      if (!a || !send_adapter_call(z, a->path, "StartDiscovery", DISC_RESTART)) disc_fail_send(z);
      return 0;
    case DISC_STOP:
      if (e) {
        blz_error_from_dbus(z->ctx, e, "StopDiscovery", NULL); /* NotReady: already ended */
      } else if (a && send_filter(z, a->path, NULL, 0, true)) {
        return 0;
      }
      disc_finish(z, BLEC_OK, &err);
      return 0;
    case DISC_CLEAR:
      if (e) blz_error_from_dbus(z->ctx, e, "SetDiscoveryFilter({})", NULL);
      disc_finish(z, BLEC_OK, &err);
      return 0;
    case DISC_IDLE: break;
  }
  return 0;
}

void blz_discovery_update(blz_ctx *z, blz_disc_done_fn fn, void *arg, uint64_t id) {
  if (fn) {
    struct blz_disc_waiter *w = calloc(1, sizeof *w);
    if (!w) {
      blec_error err;
      blec__error_set(&err, BLEC_ERR_NO_MEMORY, "out of memory");
      fn(z, arg, id, BLEC_ERR_NO_MEMORY, &err);
      return;
    }
    w->fn = fn;
    w->arg = arg;
    w->id = id;
    struct blz_disc_waiter **tail = &z->disc_waiting;
    while (*tail) tail = &(*tail)->next;
    *tail = w;
  }
  z->disc_dirty = true;
  if (z->disc_step == DISC_IDLE) disc_kick(z);
}

/* At exit: the chain in flight is dropped, its waiters freed unanswered (their owners
 * are being torn down too). */
static void disc_exit(blz_ctx *z) {
  z->disc_slot = sd_bus_slot_unref(z->disc_slot);
  z->disc_step = DISC_IDLE;
  struct blz_disc_waiter *lists[2] = {z->disc_batch, z->disc_waiting};
  z->disc_batch = z->disc_waiting = NULL;
  for (int i = 0; i < 2; i++) {
    for (struct blz_disc_waiter *w = lists[i], *next; w; w = next) {
      next = w->next;
      free(w);
    }
  }
}

/* ---- start ---------------------------------------------------------------------------------- */

typedef struct start_call {
  blz_sync sync;
  blz_scan *sc;
  int status;
  blec_error err;
} start_call;

static void start_free(blz_sync *s) { free(s); }

static void unlink_scan(blz_ctx *z, blz_scan *sc) {
  for (blz_scan **pp = &z->scans; *pp; pp = &(*pp)->next) {
    if (*pp == sc) {
      *pp = sc->next;
      return;
    }
  }
}

/* A scanner's end (bus thread): out of the registry, its monitor or its share of the
 * discovery session gone, freed. */
static void end_scan(blz_ctx *z, blz_scan *sc) {
  unlink_scan(z, sc);
  if (sc->passive) {
    blz_monitor_remove(z, sc);
  } else {
    blz_discovery_update(z, NULL, NULL, 0);
  }
  scan_free(sc);
}

/* The start's end (bus thread): the caller learns c->status. */
static void start_finish(blz_ctx *z, start_call *c) {
  blz_scan *sc = c->sc;
  /* The adapter may have gone while the start waited for bluetoothd (its stop was not
   * delivered to a scanner still starting). */
  if (c->status == BLEC_OK) c->status = blz_availability(z, &c->err);
  bool ok = c->status == BLEC_OK;
  if (!ok) {
    unlink_scan(z, sc);
    if (sc->passive) blz_monitor_remove(z, sc);
  }
  if (!blz_sync_done(&c->sync) && ok) {
    end_scan(z, sc); /* the program stopped waiting: it thinks the scan failed */
    return;
  }
  if (!ok) scan_free(sc);
}

static void passive_started(blz_ctx *z, blz_scan *sc, int status, const blec_error *err) {
  start_call *c = sc->starting;
  sc->starting = NULL;
  if (!c) return;
  c->status = status;
  if (status != BLEC_OK && err) c->err = *err;
  start_finish(z, c);
}

static void active_started(blz_ctx *z, void *arg, uint64_t id, int status, const blec_error *err) {
  (void)id;
  blz_scan *sc = arg;
  start_call *c = sc->starting;
  sc->starting = NULL;
  if (!c) return;
  c->status = status;
  if (status != BLEC_OK && err) c->err = *err;
  sc->since = z->discovery_reply_cookie;
  start_finish(z, c);
}

/* Bluetooth is usable (status BLEC_OK) or not: the start goes on or ends. */
static void start_checked(blz_ctx *z, void *arg, int status, const blec_error *err) {
  start_call *c = arg;
  blz_scan *sc = c->sc;
  c->status = status;
  if (status != BLEC_OK) c->err = *err;
  if (c->status == BLEC_OK && sc->passive) {
    /* Answered once bluetoothd activated the monitors (passive_started). */
    sc->starting = c;
    if ((c->status = blz_monitor_add(z, sc, passive_started, &c->err)) == BLEC_OK) return;
    sc->starting = NULL;
  } else if (c->status == BLEC_OK) {
    /* Answered once the session is open (active_started). */
    sc->starting = c;
    c->status = BLEC_ERR_CANCELLED; /* unless the session's chain answers */
    blz_discovery_update(z, active_started, sc, 0);
    return;
  }
  sc->since = z->discovery_reply_cookie;
  start_finish(z, c);
}

static void start_run(blz_ctx *z, blz_sync *s) {
  start_call *c = (start_call *)s;
  blz_scan *sc = c->sc;
  blec_error_clear(&c->err);
  sc->next = z->scans;
  z->scans = sc;
  blz_availability_fresh(z, start_checked, c);
}

static char **uuid_strings(const blec_scanner *s) {
  const blec_uuid *list = NULL;
  size_t n = blec__scanner_services(s, &list);
  if (!n) return NULL;
  char **v = calloc(n + 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++) {
    if (!(v[i] = malloc(BLEC_UUID_STRLEN))) {
      strv_free(v);
      return NULL;
    }
    blec_uuid_to_string(&list[i], v[i]);
  }
  return v;
}

static void stop_now(blz_ctx *z, blz_scan *sc);

int blz_scan_start(blec_scanner *s, blec_error *err) {
  blz_ctx *z = blz_ctx_of(blec__scanner_ctx(s));
  blz_scan *old = blec__scanner_backend_priv(s);
  if (old) { /* ended by itself (radio off) and started again without a stop */
    blec__scanner_set_backend_priv(s, NULL);
    stop_now(z, old);
  }
  blz_scan *sc = calloc(1, sizeof *sc);
  start_call *c = calloc(1, sizeof *c);
  if (!sc || !c || blz_sync_init(&c->sync, start_run, start_free) != BLEC_OK) {
    free(sc);
    free(c);
    return BLEC_ERR_NO_MEMORY;
  }
  sc->s = s;
  sc->passive = blec__scanner_mode(s) == BLEC_SCAN_PASSIVE;
  const blec_uuid *list;
  if (blec__scanner_services(s, &list) && !(sc->uuids = uuid_strings(s))) {
    free(sc);
    blz_sync_unref(&c->sync);
    return BLEC_ERR_NO_MEMORY;
  }
  c->sc = sc;
  int r = blz_sync_run(z, &c->sync, SYNC_WAIT_MS);
  if (r == BLEC_OK) {
    r = c->status;
    if (r != BLEC_OK && err) *err = c->err;
  } else {
    blec__error_set(err, r, "the bluez backend's thread did not answer");
    if (r == BLEC_ERR_STATE) scan_free(sc); /* never ran */
  }
  blz_sync_unref(&c->sync);
  if (r == BLEC_OK) blec__scanner_set_backend_priv(s, sc);
  return r;
}

/* ---- stop ------------------------------------------------------------------------------------- */

static void stop_run(blz_ctx *z, blz_job *job) { end_scan(z, (blz_scan *)((char *)job - offsetof(blz_scan, stop_job))); }

static void stop_drop(blz_job *job) { scan_free((blz_scan *)((char *)job - offsetof(blz_scan, stop_job))); }

/* Marks sc removed, waits for reports in progress (unless this is the reporting thread)
 * and leaves the rest to a job. */
static void stop_now(blz_ctx *z, blz_scan *sc) {
  bool self = blz_on_bus_thread(z);
  blec__mutex_lock(&z->scan_lock);
  sc->removed = true;
  while (!self && sc->busy) blec__cond_wait(&z->scan_cv, &z->scan_lock);
  blec__mutex_unlock(&z->scan_lock);
  sc->stop_job.run = stop_run;
  sc->stop_job.drop = stop_drop;
  if (blz_post(z, &sc->stop_job) != BLEC_OK && !self) {
    /* The loop is gone: nothing reports any more, and its teardown freed the list. */
  }
}

void blz_scan_stop(blec_scanner *s) {
  blz_scan *sc = blec__scanner_backend_priv(s);
  if (!sc) return;
  blec__scanner_set_backend_priv(s, NULL);
  stop_now(blz_ctx_of(blec__scanner_ctx(s)), sc);
}

/* ---- reports ------------------------------------------------------------------------------------ */

/* Calls fn for each live scanner, with no lock held, marking it busy meanwhile. */
static void each_live(blz_ctx *z, bool (*want)(blz_ctx *, blz_scan *, void *), void (*fn)(blz_scan *, void *),
                      void *arg) {
  for (blz_scan *sc = z->scans; sc; sc = sc->next) {
    blec__mutex_lock(&z->scan_lock);
    bool go = !sc->removed && (!want || want(z, sc, arg));
    if (go) sc->busy++;
    blec__mutex_unlock(&z->scan_lock);
    if (!go) continue;
    fn(sc, arg);
    blec__mutex_lock(&z->scan_lock);
    if (--sc->busy == 0) blec__cond_broadcast(&z->scan_cv);
    blec__mutex_unlock(&z->scan_lock);
  }
}

static bool wants_device(blz_ctx *z, blz_scan *sc, blz_obj *dev) {
  if (sc->starting) return false; /* its start has not returned to the program */
  if (sc->passive) return blz_monitor_has(sc, dev->path);
  return z->discovering;
}

typedef struct report_arg {
  blz_obj *dev;
  uint64_t cookie;
  blz_scan *only; /* the one scanner to report to, or NULL */
  blec__report rep;
} report_arg;

static bool wants_report(blz_ctx *z, blz_scan *sc, void *arg) {
  report_arg *a = arg;
  if (a->only) return sc == a->only;
  /* An advertisement bluetoothd announced before this scanner's start reply was received
   * during an earlier session (one stopped since, the stop's signals still queued). */
  if (a->cookie && sc->since && a->cookie < sc->since) return false;
  return wants_device(z, sc, a->dev);
}
static void deliver(blz_scan *sc, void *arg) { blec__scanner_report(sc->s, &((report_arg *)arg)->rep); }

static void report(blz_ctx *z, blz_obj *dev, uint64_t cookie, blz_scan *only) {
  if (!z->scans || !z->adapter || !(dev->ifaces & BLZ_I_DEVICE)) return;
  /* Devices of other adapters are not ours (bleak filters the same way). */
  if (dev->dev.adapter ? strcmp(dev->dev.adapter, z->adapter) != 0 : !blz_path_below(dev->path, z->adapter)) return;
  char address[BLEC_ADDR_STRLEN];
  if (dev->dev.have & BLZ_DP_ADDRESS)
    memcpy(address, dev->dev.address, sizeof address);
  else if (!blz_path_address(dev->path, address))
    return;
  uint8_t data[BLZ_ADV_MAX];
  report_arg a;
  a.dev = dev;
  a.cookie = cookie;
  a.only = only;
  a.rep.address = address;
  a.rep.address_type = (dev->dev.have & BLZ_DP_ADDRESS_TYPE) ? dev->dev.address_type : BLEC_ADDRESS_PUBLIC;
  a.rep.rssi = (dev->dev.have & BLZ_DP_RSSI) ? dev->dev.rssi : -127;
  /* Merged advertisement and scan response: reported as one advertisement. BlueZ does
   * not say whether a device is connectable: every report says it is. */
  a.rep.type = BLEC_ADV_IND;
  a.rep.connectable = true;
  a.rep.data = data;
  a.rep.len = blz_adv_build(&dev->dev, data, sizeof data);
  a.rep.timestamp_us = 0;
  a.rep.backend_id = dev->path;
  each_live(z, wants_report, deliver, &a);
}

void blz_scan_device_seen(blz_ctx *z, blz_obj *dev, uint64_t cookie) { report(z, dev, cookie, NULL); }
void blz_scan_report_to(blz_ctx *z, blz_scan *sc, blz_obj *dev) { report(z, dev, 0, sc); }

typedef struct stopped_arg {
  blec_error err;
  blz_scan *only;   /* the one scanner to stop, or NULL for all */
  bool active_only; /* only the scanners of the discovery session (not the monitors') */
} stopped_arg;

static bool wants_stop(blz_ctx *z, blz_scan *sc, void *arg) {
  (void)z;
  stopped_arg *a = arg;
  /* A scanner whose start is still on its way learns the end from its start (start_finish
   * checks the adapter again): the program holds it until the start returns. */
  if (sc->starting) return false;
  if (a->active_only && sc->passive) return false;
  return !a->only || sc == a->only;
}

static void deliver_stopped(blz_scan *sc, void *arg) { blec__scanner_stopped(sc->s, &((stopped_arg *)arg)->err); }

void blz_scan_all_stopped(blz_ctx *z, int status, int reason, const char *why) {
  stopped_arg a;
  blec__error_set(&a.err, status, "%s (%s)", why, blec_unavailable_reason_name(reason));
  a.err.reason = reason;
  a.only = NULL;
  a.active_only = false;
  each_live(z, wants_stop, deliver_stopped, &a);
}

static void restarted(blz_ctx *z, void *arg, uint64_t id, int status, const blec_error *err) {
  (void)arg;
  (void)id;
  if (status == BLEC_OK) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: discovery ended by bluetoothd%s",
              z->discovering ? ": started again" : " (no scanner wants it)");
    return;
  }
  /* It cannot be restarted: the scanners learn why through their error callback. */
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: discovery ended by bluetoothd and cannot restart: %s", err->message);
  stopped_arg a;
  a.err = *err;
  a.only = NULL;
  a.active_only = true;
  each_live(z, wants_stop, deliver_stopped, &a);
}

void blz_scan_discovery_ended(blz_ctx *z) {
  /* Our session is gone (or, if bluetoothd still holds it, StartDiscovery answers
   * InProgress and bluetoothd restarts the discovery itself): ask again. */
  z->discovering = false;
  blz_discovery_update(z, restarted, NULL, 0);
}

void blz_scan_stopped_one(blz_ctx *z, blz_scan *sc, const blec_error *err) {
  stopped_arg a;
  a.err = *err;
  a.only = sc;
  a.active_only = false;
  each_live(z, wants_stop, deliver_stopped, &a);
}

void blz_scan_exit(blz_ctx *z) {
  disc_exit(z);
  while (z->scans) {
    blz_scan *sc = z->scans;
    z->scans = sc->next;
    if (sc->starting) blz_sync_done(&sc->starting->sync); /* its caller gave up long ago */
    if (sc->passive) blz_monitor_remove(z, sc);
    scan_free(sc);
  }
}
