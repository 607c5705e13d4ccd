/* SPDX-License-Identifier: MIT */
/*
 * device.c — remote devices: creation by discovery, the temporary-device timer
 * (main.conf TemporaryTimeout), updates from advertising reports and the state setters
 * that emit PropertiesChanged as bluetoothd does (BlueZ 5.66 src/device.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

#define RSSI_THRESHOLD 8 /* device_set_rssi: only changes of 8 dBm or more, unfiltered */

bz_device *bz_device_find(bz_adapter *a, const char *address) {
  for (bz_device *d = a->devices; d; d = d->next)
    if (!strcasecmp(d->address, address)) return d;
  return NULL;
}

bz_device *bz_device_by_path(bz_sim *s, const char *path) {
  for (int i = 0; i < s->nadapters; i++)
    for (bz_device *d = s->adapters[i]->devices; d; d = d->next)
      if (!strcmp(d->path, path)) return d;
  return NULL;
}

bz_device *bz_device_create(bz_adapter *a, const char *address, blec_address_type type) {
  bz_device *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->ad = a;
  for (int i = 0; i < 17 && address[i]; i++) d->address[i] = (char)toupper((unsigned char)address[i]);
  d->atype = type;
  d->tx_power = 127;
  snprintf(d->path, sizeof d->path, "%s/dev_%s", a->path, d->address);
  for (char *p = d->path + strlen(a->path); *p; p++)
    if (*p == ':') *p = '_';
  if (!(d->obj = bz_obj_new(a->sim, d->path)) || bz_obj_add(d->obj, &bz_device_iface, d) < 0) {
    bz_obj_free(d->obj);
    free(d);
    return NULL;
  }
  d->next = a->devices;
  a->devices = d;
  bz_device_set_temporary(d, true);
  return d;
}

static void free_kv(bz_kv *kv) {
  while (kv) {
    bz_kv *n = kv->next;
    free(kv->data);
    free(kv);
    kv = n;
  }
}

static void free_strlist(bz_strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

void bz_device_remove(bz_device *d) {
  bz_adapter *a = d->ad;
  for (bz_device **pp = &a->devices; *pp; pp = &(*pp)->next) {
    if (*pp == d) {
      *pp = d->next;
      break;
    }
  }
  bz_device_drop_link(d); /* may restart the temporary timer: cleared after */
  d->tmp_timer = sd_event_source_disable_unref(d->tmp_timer);
  bz_gatt_free(d, true);
  bz_obj_free(d->obj);
  for (size_t i = 0; i < d->ndisconnects; i++) sd_bus_message_unref(d->disconnects[i]);
  free(d->disconnects);
  if (d->connect_msg) sd_bus_message_unref(d->connect_msg);
  free(d->name);
  free(d->alias);
  free_kv(d->mfr);
  free_kv(d->sdata);
  free_kv(d->adata);
  free_strlist(&d->eir_uuids);
  free_strlist(&d->uuids);
  free(d);
}

/* ---- temporary devices ------------------------------------------------------------------ */

/* device_disappeared: the timer of a temporary device ran out. */
static int on_tmp_timer(sd_event_source *src, uint64_t usec, void *user) {
  (void)src;
  (void)usec;
  bz_device *d = user;
  d->tmp_timer = sd_event_source_disable_unref(d->tmp_timer);
  if (d->connected || d->conn) return 0;
  bz_log(d->ad->sim, "%s disappeared", d->path);
  bz_device_remove(d);
  return 0;
}

static void set_tmp_timer(bz_device *d) {
  d->tmp_timer = sd_event_source_disable_unref(d->tmp_timer);
  int64_t ms = bz_switch(d->ad->sim, BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS);
  if (ms <= 0) return;
  uint64_t now = 0;
  sd_event_now(d->ad->sim->event, CLOCK_MONOTONIC, &now);
  if (sd_event_add_time(d->ad->sim->event, &d->tmp_timer, CLOCK_MONOTONIC, now + (uint64_t)ms * 1000u, 1000,
                        on_tmp_timer, d) < 0)
    d->tmp_timer = NULL;
}

void bz_device_set_temporary(bz_device *d, bool temporary) {
  if (d->temporary == temporary) return;
  d->temporary = temporary;
  if (temporary) set_tmp_timer(d);
  else d->tmp_timer = sd_event_source_disable_unref(d->tmp_timer);
}

void bz_device_seen(bz_device *d, bool connectable) {
  d->connectable = connectable;
  /* Restart the temporary timer (not while connected: the timer is off then). */
  if (d->temporary && !d->connected) set_tmp_timer(d);
}

/* ---- state setters -------------------------------------------------------------------------- */

static void emit(bz_device *d, const char *prop) { bz_emit(d->obj, &bz_device_iface, prop); }

void bz_device_set_connected(bz_device *d, bool connected) {
  if (d->connected == connected) return;
  d->connected = connected;
  if (connected) d->tmp_timer = sd_event_source_disable_unref(d->tmp_timer);
  else if (d->temporary) set_tmp_timer(d);
  emit(d, "Connected");
}

void bz_device_set_services_resolved(bz_device *d, bool resolved) {
  if (d->svc_resolved == resolved) return;
  d->svc_resolved = resolved;
  emit(d, "ServicesResolved");
}

void bz_device_set_paired(bz_device *d, bool paired, bool bonded) {
  if (d->bonded != bonded) {
    d->bonded = bonded;
    emit(d, "Bonded");
  }
  if (d->paired != paired) {
    d->paired = paired;
    emit(d, "Paired");
  }
}

void bz_device_set_name(bz_device *d, const char *name) {
  if (d->name && !strcmp(d->name, name)) return;
  char *copy = strdup(name);
  if (!copy) return;
  free(d->name);
  d->name = copy;
  emit(d, "Name");
  if (!d->alias) emit(d, "Alias");
}

static bool strlist_has(const bz_strlist *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (!strcasecmp(l->v[i], s)) return true;
  return false;
}

static bool strlist_add(bz_strlist *l, const char *s) {
  char **v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v) return false;
  l->v = v;
  if (!(v[l->n] = strdup(s))) return false;
  l->n++;
  return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The resolved services' UUIDs, kept sorted as bluetoothd keeps them. */
void bz_device_set_uuids(bz_device *d, const char *const *uuids, size_t n) {
  bool changed = false;
  for (size_t i = 0; i < n; i++)
    if (!strlist_has(&d->uuids, uuids[i]) && strlist_add(&d->uuids, uuids[i])) changed = true;
  if (!changed) return;
  qsort(d->uuids.v, d->uuids.n, sizeof *d->uuids.v, cmp_str);
  emit(d, "UUIDs");
}

void bz_device_invalidate_rssi(bz_device *d) {
  if (d->rssi != 0) {
    d->rssi = 0;
    emit(d, "RSSI");
  }
  if (d->tx_power != 127) {
    d->tx_power = 127;
    emit(d, "TxPower");
  }
}

/* ---- advertising reports ------------------------------------------------------------------------ */

static void set_rssi(bz_device *d, int rssi, int threshold) {
  if (rssi == 0 || d->rssi == 0) {
    if (d->rssi == rssi) return;
  } else {
    int delta = d->rssi > rssi ? d->rssi - rssi : rssi - d->rssi;
    if (delta < threshold) return;
  }
  d->rssi = (int16_t)rssi;
  emit(d, "RSSI");
}

/* bt_ad_add_*: a new key is added, a changed value replaced; false when nothing changed. */
static bool kv_put(bz_kv **list, const bz_kv *key, const uint8_t *data, size_t len) {
  bz_kv **pp = list;
  for (; *pp; pp = &(*pp)->next) {
    bz_kv *kv = *pp;
    bool same_key = kv->company == key->company && kv->type == key->type && !strcmp(kv->uuid, key->uuid);
    if (!same_key) continue;
    if (kv->len == len && (len == 0 || !memcmp(kv->data, data, len))) return false;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return false;
    if (len) memcpy(copy, data, len);
    free(kv->data);
    kv->data = copy;
    kv->len = len;
    return true;
  }
  bz_kv *kv = calloc(1, sizeof *kv);
  if (!kv || !(kv->data = malloc(len ? len : 1))) {
    free(kv);
    return false;
  }
  kv->company = key->company;
  kv->type = key->type;
  memcpy(kv->uuid, key->uuid, sizeof kv->uuid);
  if (len) memcpy(kv->data, data, len);
  kv->len = len;
  *pp = kv;
  return true;
}

enum { AD_TRANSPORT_DISCOVERY = 0x26 };

void bz_device_update_from_report(bz_device *d, const bz_eir *eir, int rssi, bool filtered, bool duplicate) {
  set_rssi(d, rssi, filtered ? 0 : RSSI_THRESHOLD);
  if (eir->tx_power != 127 && d->tx_power != eir->tx_power) {
    d->tx_power = eir->tx_power;
    emit(d, "TxPower");
  }
  if (eir->appearance != 0 && d->appearance != eir->appearance) {
    d->appearance = eir->appearance;
    emit(d, "Appearance");
  }
  /* A shortened name only while no name is known. */
  if (eir->has_name && (eir->name_complete || !d->name || !d->name[0])) bz_device_set_name(d, eir->name);
  /* device_add_eir_uuids: only until services are resolved. */
  if (!d->uuids.n) {
    bool added = false;
    for (size_t i = 0; i < eir->nuuids; i++)
      if (!strlist_has(&d->eir_uuids, eir->uuids[i]) && strlist_add(&d->eir_uuids, eir->uuids[i])) added = true;
    if (added) emit(d, "UUIDs");
  }
  /* DuplicateData: the stores are cleared first, so every report changes them. */
  if (eir->nmsd) {
    if (duplicate) {
      free_kv(d->mfr);
      d->mfr = NULL;
    }
    for (size_t i = 0; i < eir->nmsd; i++) {
      bz_kv key;
      memset(&key, 0, sizeof key);
      key.company = eir->msd[i].company;
      if (kv_put(&d->mfr, &key, eir->msd[i].data, eir->msd[i].len)) emit(d, "ManufacturerData");
    }
  }
  if (eir->nsd) {
    if (duplicate) {
      free_kv(d->sdata);
      d->sdata = NULL;
    }
    for (size_t i = 0; i < eir->nsd; i++) {
      bz_kv key;
      memset(&key, 0, sizeof key);
      memcpy(key.uuid, eir->sd[i].uuid, sizeof key.uuid);
      if (kv_put(&d->sdata, &key, eir->sd[i].data, eir->sd[i].len)) emit(d, "ServiceData");
    }
  }
  if (eir->nad) {
    if (duplicate) {
      free_kv(d->adata);
      d->adata = NULL;
    }
    for (size_t i = 0; i < eir->nad; i++) {
      bz_kv key;
      memset(&key, 0, sizeof key);
      key.type = eir->ad[i].type;
      /* Only Transport Discovery data is signalled (device.c add_data). */
      if (kv_put(&d->adata, &key, eir->ad[i].data, eir->ad[i].len) && key.type == AD_TRANSPORT_DISCOVERY)
        emit(d, "AdvertisingData");
    }
  }
  if (!d->has_flags || d->ad_flags != eir->flags) {
    d->has_flags = true;
    d->ad_flags = eir->flags;
    emit(d, "AdvertisingFlags");
  }
}
