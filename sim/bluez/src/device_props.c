/* SPDX-License-Identifier: MIT */
/*
 * device_props.c — the org.bluez.Device1 interface table: properties with bluetoothd's
 * types and existence rules (BlueZ 5.66 src/device.c device_properties) and the methods.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define DEV(d) ((bz_device *)(d))

static int get_address(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "s", DEV(d)->address); }
static int get_address_type(sd_bus_message *m, void *d) {
  return sd_bus_message_append(m, "s", DEV(d)->atype == BLEC_ADDRESS_RANDOM ? "random" : "public");
}
static int get_name(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "s", DEV(d)->name); }
static bool has_name(void *d) { return DEV(d)->name && DEV(d)->name[0]; }
/* Alias, else the name, else the address with dashes. */
static int get_alias(sd_bus_message *m, void *d) {
  bz_device *dev = d;
  if (dev->alias) return sd_bus_message_append(m, "s", dev->alias);
  if (has_name(d)) return sd_bus_message_append(m, "s", dev->name);
  char dashed[18];
  memcpy(dashed, dev->address, sizeof dashed);
  for (char *p = dashed; *p; p++)
    if (*p == ':') *p = '-';
  return sd_bus_message_append(m, "s", dashed);
}
static int get_appearance(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "q", DEV(d)->appearance); }
static bool has_appearance(void *d) { return DEV(d)->appearance != 0; }
static int get_paired(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", DEV(d)->paired); }
static int get_bonded(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", DEV(d)->bonded); }
static int get_trusted(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", DEV(d)->trusted); }
static int get_blocked(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", DEV(d)->blocked); }
static int get_legacy(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "b", 0);
}
static int get_rssi(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "n", DEV(d)->rssi); }
static bool has_rssi(void *d) { return DEV(d)->rssi != 0; }
static int get_connected(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", DEV(d)->connected); }
/* Resolved services once resolved (they stay after a disconnection), else what the
 * advertisements listed. */
static int get_uuids(sd_bus_message *m, void *d) {
  bz_device *dev = d;
  const bz_strlist *l = dev->uuids.n || !dev->eir_uuids.n ? &dev->uuids : &dev->eir_uuids;
  int r = sd_bus_message_open_container(m, 'a', "s");
  for (size_t i = 0; r >= 0 && i < l->n; i++) r = sd_bus_message_append(m, "s", l->v[i]);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}
static int get_adapter(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "o", DEV(d)->ad->path); }

static int append_bytes_variant(sd_bus_message *m, const bz_kv *kv) {
  int r = sd_bus_message_open_container(m, 'v', "ay");
  if (r >= 0) r = sd_bus_message_append_array(m, 'y', kv->data ? (const void *)kv->data : "", kv->len);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

static int get_mfr(sd_bus_message *m, void *d) {
  int r = sd_bus_message_open_container(m, 'a', "{qv}");
  for (const bz_kv *kv = DEV(d)->mfr; r >= 0 && kv; kv = kv->next) {
    r = sd_bus_message_open_container(m, 'e', "qv");
    if (r >= 0) r = sd_bus_message_append(m, "q", kv->company);
    if (r >= 0) r = append_bytes_variant(m, kv);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}
static bool has_mfr(void *d) { return DEV(d)->mfr != NULL; }

static int get_sdata(sd_bus_message *m, void *d) {
  int r = sd_bus_message_open_container(m, 'a', "{sv}");
  for (const bz_kv *kv = DEV(d)->sdata; r >= 0 && kv; kv = kv->next) {
    r = sd_bus_message_open_container(m, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", kv->uuid);
    if (r >= 0) r = append_bytes_variant(m, kv);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}
static bool has_sdata(void *d) { return DEV(d)->sdata != NULL; }

static int get_tx_power(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "n", (int16_t)DEV(d)->tx_power); }
static bool has_tx_power(void *d) { return DEV(d)->tx_power != 127; }
static int get_svc_resolved(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", DEV(d)->svc_resolved); }
static int get_flags(sd_bus_message *m, void *d) { return sd_bus_message_append_array(m, 'y', &DEV(d)->ad_flags, 1); }
static bool has_flags(void *d) { return DEV(d)->has_flags; }

static int get_adata(sd_bus_message *m, void *d) {
  int r = sd_bus_message_open_container(m, 'a', "{yv}");
  for (const bz_kv *kv = DEV(d)->adata; r >= 0 && kv; kv = kv->next) {
    r = sd_bus_message_open_container(m, 'e', "yv");
    if (r >= 0) r = sd_bus_message_append(m, "y", kv->type);
    if (r >= 0) r = append_bytes_variant(m, kv);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}
static bool has_adata(void *d) { return DEV(d)->adata != NULL; }

/* ---- writable properties ------------------------------------------------------------------- */

static bool read_bool(bz_sim *s, sd_bus_message *m, int *v) {
  if (sd_bus_message_read(m, "b", v) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return false;
  }
  return true;
}

static void set_alias(bz_sim *s, sd_bus_message *m, void *d) {
  bz_device *dev = d;
  const char *v;
  if (sd_bus_message_read(m, "s", &v) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  /* An empty alias returns to the remote name. */
  bool same = (!*v && !dev->alias) || (dev->alias && !strcmp(dev->alias, v));
  if (!same) {
    free(dev->alias);
    dev->alias = *v ? strdup(v) : NULL;
    bz_emit(dev->obj, &bz_device_iface, "Alias");
  }
  bz_reply_empty(s, m);
}

/* btd_device_set_trusted emits, then the Set is answered (the signal goes first). */
static void set_trusted(bz_sim *s, sd_bus_message *m, void *d) {
  bz_device *dev = d;
  int v;
  if (!read_bool(s, m, &v)) return;
  if (dev->trusted != (v != 0)) {
    dev->trusted = v != 0;
    bz_emit(dev->obj, &bz_device_iface, "Trusted");
  }
  bz_reply_empty(s, m);
}

/* device_block: the link ends, Blocked turns true, the device stops being temporary. */
static void set_blocked(bz_sim *s, sd_bus_message *m, void *d) {
  bz_device *dev = d;
  int v;
  if (!read_bool(s, m, &v)) return;
  if (dev->blocked != (v != 0)) {
    if (v && dev->conn) bz_device_request_disconnect(dev, NULL);
    dev->blocked = v != 0;
    if (v) bz_device_set_temporary(dev, false);
    bz_emit(dev->obj, &bz_device_iface, "Blocked");
  }
  bz_reply_empty(s, m);
}

static const bz_method device_methods[] = {
    {"Disconnect", "", "", bz_device_disconnect_method, 0},
    {"Connect", "", "", bz_device_connect_method, 0},
    {"Pair", "", "", bz_device_pair_method, 0},
    {"CancelPairing", "", "", bz_device_cancel_pairing_method, 0},
    {NULL, NULL, NULL, NULL, 0}};

static const bz_prop device_props[] = {
    {"Address", "s", get_address, NULL, NULL, 0},
    {"AddressType", "s", get_address_type, NULL, NULL, 0},
    {"Name", "s", get_name, has_name, NULL, 0},
    {"Alias", "s", get_alias, NULL, set_alias, 0},
    {"Appearance", "q", get_appearance, has_appearance, NULL, 0},
    {"Paired", "b", get_paired, NULL, NULL, 0},
    {"Bonded", "b", get_bonded, NULL, NULL, 0},
    {"Trusted", "b", get_trusted, NULL, set_trusted, 0},
    {"Blocked", "b", get_blocked, NULL, set_blocked, 0},
    {"LegacyPairing", "b", get_legacy, NULL, NULL, 0},
    {"RSSI", "n", get_rssi, has_rssi, NULL, 0},
    {"Connected", "b", get_connected, NULL, NULL, 0},
    {"UUIDs", "as", get_uuids, NULL, NULL, 0},
    {"Adapter", "o", get_adapter, NULL, NULL, 0},
    {"ManufacturerData", "a{qv}", get_mfr, has_mfr, NULL, 0},
    {"ServiceData", "a{sv}", get_sdata, has_sdata, NULL, 0},
    {"TxPower", "n", get_tx_power, has_tx_power, NULL, 0},
    {"ServicesResolved", "b", get_svc_resolved, NULL, NULL, 0},
    {"AdvertisingFlags", "ay", get_flags, has_flags, NULL, BZ_EXPERIMENTAL},
    {"AdvertisingData", "a{yv}", get_adata, has_adata, NULL, BZ_EXPERIMENTAL},
    {NULL, NULL, NULL, NULL, NULL, 0}};

const bz_iface bz_device_iface = {"org.bluez.Device1", device_methods, device_props};
