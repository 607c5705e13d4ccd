/* SPDX-License-Identifier: MIT */
/*
 * discovery.c — Adapter1 StartDiscovery / StopDiscovery / SetDiscoveryFilter /
 * GetDiscoveryFilters and what discovery makes of the world's advertising (BlueZ 5.66
 * src/adapter.c: per-client sessions, merged filters, btd_adapter_update_found_device,
 * discovery_cleanup; the kernel's merging of an advertisement with its scan response).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void record_filter(bz_sim *s, sd_bus_message *m, const bz_filter *f);

/* ---- clients ------------------------------------------------------------------------------ */

static bz_disc_client *client_of(bz_adapter *a, const char *owner) {
  for (bz_disc_client *c = a->clients; c; c = c->next)
    if (!strcmp(c->owner, owner)) return c;
  return NULL;
}

static bool any_discovering(const bz_adapter *a) {
  for (bz_disc_client *c = a->clients; c; c = c->next)
    if (c->discovering) return true;
  return false;
}

static void client_free(bz_disc_client *c) {
  if (c->pending) {
    sd_bus_message_unref(c->pending);
  }
  sd_bus_track_unref(c->track);
  bz_filter_free(c->filter);
  free(c->owner);
  free(c);
}

static void client_unlink(bz_adapter *a, bz_disc_client *c) {
  for (bz_disc_client **pp = &a->clients; *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      return;
    }
  }
}

#define MAX_CLIENTS 64

static void merged(bz_adapter *a, bz_kfilter *k, const bz_filter **buf, size_t cap) {
  size_t n = 0;
  for (bz_disc_client *c = a->clients; c && n < cap; c = c->next)
    if (c->discovering) buf[n++] = c->filter;
  bz_kfilter_merge(k, buf, n, BZ_SCAN_BREDR | BZ_SCAN_LE);
}

/* The running discovery follows the merged filters (filtered or regular). */
static void update_filtered(bz_adapter *a) {
  const bz_filter *buf[MAX_CLIENTS];
  bz_kfilter k;
  merged(a, &k, buf, MAX_CLIENTS);
  a->filtered_discovery = !k.regular;
}

/* ---- the world scan ------------------------------------------------------------------------ */

static void report_job(bz_sim *s, void *arg) { bz_discovery_report(s, arg); }

static void on_report(void *user, const blec__wadv_report *r) {
  bz_adapter *a = user;
  bz_report *rep = malloc(sizeof *rep + r->len);
  if (!rep) return;
  rep->adapter = a;
  snprintf(rep->address, sizeof rep->address, "%s", r->address);
  rep->type = r->address_type;
  rep->rssi = r->rssi;
  rep->adv_type = r->type;
  rep->connectable = r->connectable;
  rep->scannable = r->scannable;
  rep->len = r->len;
  if (r->len) memcpy(rep->data, r->data, r->len);
  bz_post(a->sim, report_job, rep, NULL);
}

static void on_scan_stopped(void *user, int status, int reason) {
  (void)user;
  (void)status;
  (void)reason;
  /* Radio off: the radio watch powers the adapter down (which ends discovery). */
}

static int world_scan(bz_adapter *a, bool active) {
  blec__wscan_events ev = {on_report, on_scan_stopped};
  int r = blec__world_scan_start(a->sim->world, active, &ev, a, &a->scan);
  if (r != BLEC_OK) bz_log(a->sim, "%s: world scan: %s", a->path, blec_status_name(r));
  a->scan_active = r == BLEC_OK && active;
  return r;
}

static void stop_world_scan(bz_adapter *a) {
  if (!a->scan) return;
  blec__world_scan_stop(a->scan);
  a->scan = NULL;
  a->scan_active = false;
  a->held.valid = false;
}

/* Discovery scans actively (taking over from a passive scan for monitors). */
static int scan_on(bz_adapter *a) {
  if (a->scan && a->scan_active) return 0;
  stop_world_scan(a);
  return world_scan(a, true);
}

/* Discovery's scan ends; monitors keep a passive one. */
static void scan_off(bz_adapter *a) {
  if (!a->scan_active) return;
  stop_world_scan(a);
  bz_discovery_passive(a, bz_monitors_active(a));
}

void bz_discovery_passive(bz_adapter *a, bool want) {
  if (a->scan_active) return; /* discovery's scan serves the monitors */
  if (want && a->powered && !a->scan) world_scan(a, false);
  else if (!want && a->scan) stop_world_scan(a);
}

/* ---- discovery state ------------------------------------------------------------------------ */

/* discovery_cleanup: RSSI and TxPower of what this discovery found are invalidated;
 * temporary devices that cannot be connected go at once. */
static void discovery_cleanup(bz_adapter *a) {
  a->held.valid = false;
  for (bz_device *d = a->devices; d; d = d->next) {
    if (!d->in_found) continue;
    d->in_found = false;
    bz_device_invalidate_rssi(d);
  }
  for (bz_device *d = a->devices, *next; d; d = next) {
    next = d->next;
    if (d->temporary && !d->connectable && !d->conn) bz_device_remove(d);
  }
}

static void set_discovering(bz_adapter *a, bool on) {
  if (a->discovering == on) return;
  a->discovering = on;
  bz_emit(a->obj, &bz_adapter_iface, "Discovering");
}

/* The "controller" confirms a start: the waiting StartDiscovery calls are answered, then
 * Discovering turns true (start_discovery_complete). */
static void started(bz_adapter *a) {
  bz_sim *s = a->sim;
  /* A start the kernel refuses (busy) is answered with btd_error_busy; the radio's
   * failure with "Not Powered". */
  bool busy = bz_switch(s, BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS) > 0;
  if (busy) s->sw[BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS]--;
  bool ok = !busy && scan_on(a) == BLEC_OK;
  for (bz_disc_client *c = a->clients, *next; c; c = next) {
    next = c->next;
    if (!c->pending || !c->discovering) continue;
    sd_bus_message *m = c->pending;
    c->pending = NULL;
    if (ok) {
      bz_reply_empty(s, m);
    } else {
      if (busy) bz_reply_error(s, m, BZ_ERROR ".InProgress", "Operation already in progress");
      else bz_reply_error(s, m, BZ_ERROR ".Failed", "Not Powered");
      client_unlink(a, c);
      client_free(c);
    }
    sd_bus_message_unref(m);
  }
  if (!ok) return;
  update_filtered(a);
  set_discovering(a, true);
}

/* The "controller" confirms a stop: the waiting StopDiscovery is answered, the session
 * goes, found devices are cleaned up, then Discovering turns false. */
static void stopped(bz_adapter *a) {
  bz_sim *s = a->sim;
  for (bz_disc_client *c = a->clients, *next; c; c = next) {
    next = c->next;
    if (!c->pending || c->discovering) continue;
    sd_bus_message *m = c->pending;
    c->pending = NULL;
    bz_reply_empty(s, m);
    sd_bus_message_unref(m);
    if (!c->filter) {
      client_unlink(a, c);
      client_free(c);
    }
  }
  if (any_discovering(a)) return;
  scan_off(a);
  discovery_cleanup(a);
  a->filtered_discovery = false;
  set_discovering(a, false);
}

static int on_controller(sd_event_source *src, void *user) {
  bz_adapter *a = user;
  sd_event_source_unref(src);
  a->discovery_timer = NULL;
  if (any_discovering(a)) started(a);
  else stopped(a);
  return 0;
}

/* The mgmt command takes a turn of the loop; its completion answers the callers. */
static void ask_controller(bz_adapter *a) {
  if (a->discovery_timer) return;
  if (bz_switch(a->sim, BLEC_BLUEZ_SIM_HOLD_DISCOVERY)) return; /* bz_discovery_release asks again */
  if (sd_event_add_defer(a->sim->event, &a->discovery_timer, on_controller, a) < 0) {
    a->discovery_timer = NULL;
    on_controller(NULL, a);
  }
}

/* The owner of a session left the bus: its discovery stops (discovery_disconnect). */
static bz_disc_client *client_new(bz_adapter *a, sd_bus_message *m);

static void owner_left(bz_adapter *a, bz_disc_client *c) {
  bool was = c->discovering;
  client_unlink(a, c);
  if (c->pending) {
    sd_bus_message_unref(c->pending);
    c->pending = NULL;
  }
  client_free(c);
  if (was && !any_discovering(a)) ask_controller(a);
}

typedef struct track_ctx {
  bz_adapter *a;
  char owner[64];
} track_ctx;

static int on_track(sd_bus_track *t, void *user) {
  (void)t;
  track_ctx *tc = user;
  bz_disc_client *c = client_of(tc->a, tc->owner);
  if (c) owner_left(tc->a, c);
  return 0;
}

static bz_disc_client *client_new(bz_adapter *a, sd_bus_message *m) {
  bz_disc_client *c = calloc(1, sizeof *c);
  const char *sender = sd_bus_message_get_sender(m);
  if (!c || !sender || !(c->owner = strdup(sender))) {
    free(c);
    return NULL;
  }
  track_ctx *tc = calloc(1, sizeof *tc);
  if (tc) {
    tc->a = a;
    snprintf(tc->owner, sizeof tc->owner, "%s", sender);
    if (sd_bus_track_new(a->sim->bus, &c->track, on_track, tc) >= 0) {
      sd_bus_track_set_destroy_callback(c->track, free);
      sd_bus_track_add_sender(c->track, m);
    } else {
      free(tc);
    }
  }
  c->next = a->clients;
  a->clients = c;
  return c;
}

/* ---- methods --------------------------------------------------------------------------------- */

void bz_discovery_start_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_adapter *a = data;
  if (!a->powered) {
    bz_reply_error(s, m, BZ_ERROR ".NotReady", "Resource Not Ready");
    return;
  }
  bz_disc_client *c = client_of(a, sd_bus_message_get_sender(m));
  /* Every client can only start one discovery. */
  if (c && (c->discovering || c->pending)) {
    bz_reply_error(s, m, BZ_ERROR ".InProgress", "Operation already in progress");
    return;
  }
  if (!c && !(c = client_new(a, m))) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Out of memory");
    return;
  }
  c->discovering = true;
  if (a->discovering && !a->discovery_timer) {
    /* Running already: the merged filter changes, the caller is answered now. */
    update_filtered(a);
    bz_reply_empty(s, m);
    return;
  }
  c->pending = sd_bus_message_ref(m);
  ask_controller(a);
}

void bz_discovery_stop_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_adapter *a = data;
  if (!a->powered) {
    bz_reply_error(s, m, BZ_ERROR ".NotReady", "Resource Not Ready");
    return;
  }
  bz_disc_client *c = client_of(a, sd_bus_message_get_sender(m));
  if (!c || !c->discovering) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "No discovery started");
    return;
  }
  if (c->pending) {
    bz_reply_error(s, m, BZ_ERROR ".InProgress", "Operation already in progress");
    return;
  }
  c->discovering = false;
  if (any_discovering(a)) {
    /* Others still discover: this session ends now. */
    if (!c->filter) {
      client_unlink(a, c);
      client_free(c);
    }
    update_filtered(a);
    bz_reply_empty(s, m);
    return;
  }
  c->pending = sd_bus_message_ref(m);
  ask_controller(a);
}

void bz_discovery_set_filter_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_adapter *a = data;
  if (!a->powered) {
    bz_reply_error(s, m, BZ_ERROR ".NotReady", "Resource Not Ready");
    return;
  }
  bz_filter *f = NULL;
  if (!bz_filter_parse(m, BZ_SCAN_BREDR | BZ_SCAN_LE, &f)) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  record_filter(s, m, f);
  bz_disc_client *c = client_of(a, sd_bus_message_get_sender(m));
  if (c) {
    bz_filter_free(c->filter);
    c->filter = f;
    if (c->discovering) {
      update_filtered(a);
    } else if (!f && !c->pending) {
      /* Removing a pre-set filter. */
      client_unlink(a, c);
      client_free(c);
    }
  } else if (f) {
    /* Pre-setting a filter for the first time. */
    if (!(c = client_new(a, m))) {
      bz_filter_free(f);
      bz_reply_error(s, m, BZ_ERROR ".Failed", "Out of memory");
      return;
    }
    c->filter = f;
  }
  bz_reply_empty(s, m);
}

void bz_discovery_get_filters_method(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  sd_bus_message *r = bz_reply_new(m);
  if (!r || sd_bus_message_append_strv(r, (char **)bz_filter_names) < 0) {
    sd_bus_message_unref(r);
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Out of memory");
    return;
  }
  bz_send(s, r);
}

/* Power off: every session ends without a reply to anyone, Discovering turns false
 * (adapter_stop). */
/* Every session ends; what waits for the controller is answered with `error` (NULL: not
 * answered — the daemon goes). */
static void end_all(bz_adapter *a, const char *error) {
  while (a->clients) {
    bz_disc_client *c = a->clients;
    a->clients = c->next;
    if (c->pending && error) bz_reply_error(a->sim, c->pending, BZ_ERROR ".Failed", "%s", error);
    client_free(c);
  }
  a->discovery_timer = sd_event_source_disable_unref(a->discovery_timer);
  stop_world_scan(a);
}

void bz_discovery_reset(bz_adapter *a) {
  end_all(a, "Not Powered");
  discovery_cleanup(a);
  a->filtered_discovery = false;
  set_discovering(a, false);
}

void bz_discovery_free(bz_adapter *a) { end_all(a, NULL); }

void bz_discovery_release(bz_adapter *a) {
  for (bz_disc_client *c = a->clients; c; c = c->next) {
    if (c->pending) {
      ask_controller(a);
      return;
    }
  }
}

void bz_discovery_end(bz_adapter *a) {
  /* As discovery_remove for each client (its pre-set filter kept), then the stop's
   * stop_discovery_complete: found devices cleaned up, Discovering false. */
  for (bz_disc_client *c = a->clients, *next; c; c = next) {
    next = c->next;
    if (c->pending) {
      bz_reply_error(a->sim, c->pending, BZ_ERROR ".Failed", "Discovery ended");
      sd_bus_message_unref(c->pending);
      c->pending = NULL;
    }
    c->discovering = false;
    if (!c->filter) {
      client_unlink(a, c);
      client_free(c);
    }
  }
  a->discovery_timer = sd_event_source_disable_unref(a->discovery_timer);
  scan_off(a);
  discovery_cleanup(a);
  a->filtered_discovery = false;
  set_discovering(a, false);
}

/* Keeps what an accepted SetDiscoveryFilter asked, for blec_bluez_sim_last_filter. */
static void record_filter(bz_sim *s, sd_bus_message *m, const bz_filter *f) {
  blec_bluez_sim_filter r;
  memset(&r, 0, sizeof r);
  r.set = true;
  r.empty = f == NULL;
  const char *sender = sd_bus_message_get_sender(m);
  snprintf(r.sender, sizeof r.sender, "%s", sender ? sender : "");
  if (f) {
    snprintf(r.transport, sizeof r.transport, "%s",
             f->transport == BZ_SCAN_LE ? "le" : f->transport == BZ_SCAN_BREDR ? "bredr" : "auto");
    r.duplicate_data = f->duplicate;
    r.nuuids = f->nuuids;
    for (size_t i = 0; i < f->nuuids && i < BLEC_BLUEZ_SIM_FILTER_UUIDS; i++)
      snprintf(r.uuids[i], sizeof r.uuids[i], "%s", f->uuids[i]);
  }
  blec__mutex_lock(&s->lock);
  s->last_filter = r;
  blec__mutex_unlock(&s->lock);
}

/* ---- reports ---------------------------------------------------------------------------------- */

/* btd_adapter_update_found_device for one merged report. */
static void found(bz_adapter *a, const char *address, blec_address_type type, int rssi, bool connectable,
                  const uint8_t *data, size_t len) {
  bool monitoring = bz_monitors_active(a) && bz_monitors_match(a, data, len);
  if (!a->discovering && !monitoring) return;
  static bz_eir eir; /* bus thread only; large */
  bz_eir_parse(data, len, &eir);
  const bz_filter *buf[MAX_CLIENTS];
  bz_kfilter k;
  merged(a, &k, buf, MAX_CLIENTS);
  if (a->discovering && !monitoring && !bz_kfilter_pass(&k, &eir, rssi)) return;
  bool discoverable = bz_filter_discoverable(&k, a->filtered_discovery, any_discovering(a), &eir, address);
  bz_device *d = bz_device_find(a, address);
  if (!d) {
    if (!discoverable && !monitoring) return;
    if (!(d = bz_device_create(a, address, type))) return;
  }
  bz_device_seen(d, connectable);
  if (!d->connected && d->temporary && !any_discovering(a) && !monitoring) return;
  if (!monitoring && (!discoverable || (a->filtered_discovery && !bz_filter_match(&k, &eir, rssi)))) return;
  bz_device_update_from_report(d, &eir, rssi, a->filtered_discovery, bz_filter_duplicate(&k));
  if (any_discovering(a)) d->in_found = true;
  /* After the device is updated, the matched monitors are told. */
  if (monitoring) bz_monitors_notify(a, d, data, len);
}

static void flush_held(bz_adapter *a) {
  if (!a->held.valid) return;
  a->held.valid = false;
  found(a, a->held.address, a->held.type, a->held.rssi, a->held.connectable, a->held.data, a->held.len);
}

/*
 * The kernel (hci_event.c process_adv_report) holds a connectable or scannable
 * advertisement of an active scan until the next report: a scan response of the same
 * device is merged into it (advertisement data, then the response's), anything else sends
 * the held one alone first.
 */
void bz_discovery_report(bz_sim *s, bz_report *r) {
  (void)s;
  bz_adapter *a = r->adapter;
  if (!a->scan) {
    free(r);
    return;
  }
  if (r->adv_type == BLEC_ADV_SCAN_RSP) {
    if (a->held.valid && !strcmp(a->held.address, r->address) &&
        a->held.len + r->len <= sizeof a->held.data) {
      memcpy(a->held.data + a->held.len, r->data, r->len);
      a->held.len += r->len;
      a->held.valid = false;
      found(a, a->held.address, a->held.type, a->held.rssi, a->held.connectable, a->held.data, a->held.len);
    } else {
      flush_held(a);
      found(a, r->address, r->type, r->rssi, r->connectable, r->data, r->len);
    }
    free(r);
    return;
  }
  flush_held(a);
  if (a->scan_active && (r->adv_type == BLEC_ADV_IND || r->adv_type == BLEC_ADV_SCAN_IND) &&
      r->len <= sizeof a->held.data) {
    bz_held_report *h = &a->held;
    h->valid = true;
    snprintf(h->address, sizeof h->address, "%s", r->address);
    h->type = r->type;
    h->rssi = r->rssi;
    h->connectable = r->connectable;
    memcpy(h->data, r->data, r->len);
    h->len = r->len;
  } else {
    found(a, r->address, r->type, r->rssi, r->connectable, r->data, r->len);
  }
  free(r);
}
