/* SPDX-License-Identifier: MIT */
/*
 * gatt.c — a device's GATT objects (BlueZ 5.66 src/gatt-client.c): built from the
 * discovered attributes when the client is ready (services of internal profiles hidden),
 * kept after a disconnection as main.conf's Cache says, removed with the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt.h"

/* Services claimed by bluetoothd's internal profiles are not exported (gatt-client.c
 * export_service skips claimed services; device.c add_gatt_service claims them for
 * profiles that are not "external"): GAP (profiles/gap), HID over GATT (profiles/input),
 * Scan Parameters (profiles/scanparam). Battery and Device Information are external. */
static const uint16_t claimed[] = {0x1800, 0x1812, 0x1813};

static bool is_claimed(const blec_uuid *u) {
  uint16_t v;
  if (!blec_uuid_to16(u, &v)) return false;
  for (size_t i = 0; i < sizeof claimed / sizeof *claimed; i++)
    if (claimed[i] == v) return true;
  return false;
}

/* ---- properties -------------------------------------------------------------------------------- */

#define NODE(d) ((bz_gnode *)(d))

static int get_uuid(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "s", NODE(d)->uuid_str); }
static int get_handle(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "q", NODE(d)->handle); }
static bool has_handle(void *d) { return NODE(d)->g->dev->ad->sim->cfg.version >= 69; }
static int get_device(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "o", NODE(d)->g->dev->path); }
static int get_primary(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "b", 1);
}
static int get_includes(sd_bus_message *m, void *d) {
  (void)d;
  return sd_bus_message_append(m, "ao", 0);
}
static int get_parent(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "o", NODE(d)->parent->path); }
static int get_value(sd_bus_message *m, void *d) {
  bz_gnode *n = d;
  return sd_bus_message_append_array(m, 'y', n->value ? (const void *)n->value : "", n->len);
}
static int get_notifying(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", NODE(d)->notifying); }
static bool has_notifying(void *d) { return (NODE(d)->props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)) != 0; }
static int get_write_acquired(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", NODE(d)->write_io != NULL); }
static bool has_write_acquired(void *d) { return (NODE(d)->props & BLEC_PROP_WRITE_WITHOUT_RESPONSE) != 0; }
static int get_notify_acquired(sd_bus_message *m, void *d) { return sd_bus_message_append(m, "b", NODE(d)->notify_io != NULL); }
static bool has_notify_acquired(void *d) { return (NODE(d)->props & BLEC_PROP_NOTIFY) != 0; }
static int get_mtu(sd_bus_message *m, void *d) {
  bz_conn *c = bz_gatt_conn(d);
  return sd_bus_message_append(m, "q", (uint16_t)(c ? c->mtu : 23));
}
static bool has_mtu(void *d) { return bz_gatt_conn(d) != NULL; }

/* Flags in bluetoothd's order: the properties, then the extended properties — bit
 * order, with the names BlueZ uses (which are bleak's, blec_property_name). */
static int get_flags(sd_bus_message *m, void *d) {
  int r = sd_bus_message_open_container(m, 'a', "s");
  for (unsigned i = 0; r >= 0 && i < 10; i++)
    if (NODE(d)->props & (1u << i)) r = sd_bus_message_append(m, "s", blec_property_name(1u << i));
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

static const bz_prop service_props[] = {
    {"Handle", "q", get_handle, has_handle, NULL, 0},
    {"UUID", "s", get_uuid, NULL, NULL, 0},
    {"Device", "o", get_device, NULL, NULL, 0},
    {"Primary", "b", get_primary, NULL, NULL, 0},
    {"Includes", "ao", get_includes, NULL, NULL, 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};

static const bz_method no_methods[] = {{NULL, NULL, NULL, NULL, 0}};

const bz_iface bz_gatt_service_iface = {"org.bluez.GattService1", no_methods, service_props};

static const bz_prop char_props[] = {
    {"Handle", "q", get_handle, has_handle, NULL, 0},
    {"UUID", "s", get_uuid, NULL, NULL, 0},
    {"Service", "o", get_parent, NULL, NULL, 0},
    {"Value", "ay", get_value, NULL, NULL, 0},
    {"Notifying", "b", get_notifying, has_notifying, NULL, 0},
    {"Flags", "as", get_flags, NULL, NULL, 0},
    {"WriteAcquired", "b", get_write_acquired, has_write_acquired, NULL, 0},
    {"NotifyAcquired", "b", get_notify_acquired, has_notify_acquired, NULL, 0},
    {"MTU", "q", get_mtu, has_mtu, NULL, 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};

static const bz_method char_methods[] = {
    {"ReadValue", "a{sv}", "ay", bz_gatt_read_method, 0},
    {"WriteValue", "aya{sv}", "", bz_gatt_write_method, 0},
    {"AcquireWrite", "a{sv}", "hq", bz_gatt_acquire_write_method, 0},
    {"AcquireNotify", "a{sv}", "hq", bz_gatt_acquire_notify_method, 0},
    {"StartNotify", "", "", bz_gatt_start_notify_method, 0},
    {"StopNotify", "", "", bz_gatt_stop_notify_method, 0},
    {NULL, NULL, NULL, NULL, 0}};

const bz_iface bz_gatt_char_iface = {"org.bluez.GattCharacteristic1", char_methods, char_props};

static const bz_prop desc_props[] = {
    {"Handle", "q", get_handle, has_handle, NULL, 0},
    {"UUID", "s", get_uuid, NULL, NULL, 0},
    {"Characteristic", "o", get_parent, NULL, NULL, 0},
    {"Value", "ay", get_value, NULL, NULL, 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};

static const bz_method desc_methods[] = {
    {"ReadValue", "a{sv}", "ay", bz_gatt_read_method, 0},
    {"WriteValue", "aya{sv}", "", bz_gatt_write_method, 0},
    {NULL, NULL, NULL, NULL, 0}};

const bz_iface bz_gatt_desc_iface = {"org.bluez.GattDescriptor1", desc_methods, desc_props};

static const bz_iface *iface_of(const bz_gnode *n) {
  return n->kind == BZ_G_SERVICE ? &bz_gatt_service_iface : n->kind == BZ_G_CHAR ? &bz_gatt_char_iface
                                                                                   : &bz_gatt_desc_iface;
}

/* ---- values ------------------------------------------------------------------------------------- */

bz_conn *bz_gatt_conn(const bz_gnode *n) {
  bz_conn *c = n->g->dev->conn;
  return c && c->link && !c->down ? c : NULL;
}

void bz_gatt_store(bz_gnode *n, uint16_t offset, const uint8_t *data, size_t len) {
  if (offset > n->len) offset = (uint16_t)n->len;
  size_t total = (size_t)offset + len;
  uint8_t *v = malloc(total ? total : 1);
  if (!v) return;
  if (offset) memcpy(v, n->value, offset);
  if (len) memcpy(v + offset, data, len);
  free(n->value);
  n->value = v;
  n->len = total;
  /* Characteristic values are signalled at once (FLAG_FLUSH), descriptors' with the rest. */
  if (n->kind == BZ_G_CHAR) bz_emit_flush(n->obj, &bz_gatt_char_iface, "Value");
  else bz_emit(n->obj, &bz_gatt_desc_iface, "Value");
}

/* ---- building -------------------------------------------------------------------------------------- */

static void free_nodes(bz_gatt *g) {
  /* Children first (unregister_service removes characteristics, they descriptors). */
  for (size_t i = g->n; i-- > 0;) {
    bz_gnode *n = &g->nodes[i];
    if (n->kind == BZ_G_CHAR) bz_notify_free(n);
    /* unregister_characteristic cancels what is in flight: those calls get no reply. */
    if (n->read_op) {
      for (size_t k = 0; k < n->read_op->n; k++) sd_bus_message_unref(n->read_op->msgs[k]);
      free(n->read_op->msgs);
      free(n->read_op);
    }
    if (n->write_op) {
      sd_bus_message_unref(n->write_op->msg);
      free(n->write_op->value);
      free(n->write_op);
    }
    bz_obj_free(n->obj);
    free(n->value);
  }
  free(g->nodes);
  g->nodes = NULL;
  g->n = 0;
}

void bz_gatt_free(bz_device *d, bool emit) {
  (void)emit;
  if (!d->gatt) return;
  free_nodes(d->gatt);
  free(d->gatt);
  d->gatt = NULL;
}

/* Whether the exported objects are those of `attrs` (a reconnection to an unchanged
 * database keeps them). */
static bool same_layout(const bz_gatt *g, const blec__wattr *attrs, size_t count) {
  size_t k = 0;
  bool skip = false;
  for (size_t i = 0; i < count; i++) {
    const blec__wattr *a = &attrs[i];
    if (a->kind == BLEC__WATTR_SERVICE) skip = is_claimed(&a->uuid);
    if (skip) continue;
    if (k >= g->n) return false;
    const bz_gnode *n = &g->nodes[k++];
    uint16_t h = a->kind == BLEC__WATTR_CHARACTERISTIC ? (uint16_t)(a->handle - 1) : a->handle;
    if (n->handle != h || !blec_uuid_equal(&n->uuid, &a->uuid) || (int)n->kind != (int)a->kind ||
        (n->kind == BZ_G_CHAR && n->props != a->props))
      return false;
  }
  return k == g->n;
}

static int add_object(bz_gnode *n) {
  if (!(n->obj = bz_obj_new(n->g->dev->ad->sim, n->path))) return -1;
  return bz_obj_add(n->obj, iface_of(n), n);
}

static void build(bz_device *d, const blec__wattr *attrs, size_t count) {
  bz_gatt *g = calloc(1, sizeof *g);
  if (!g || !(g->nodes = calloc(count ? count : 1, sizeof *g->nodes))) {
    free(g);
    return;
  }
  g->dev = d;
  bz_gnode *svc = NULL, *chr = NULL;
  bool skip = false;
  for (size_t i = 0; i < count; i++) {
    const blec__wattr *a = &attrs[i];
    if (a->kind == BLEC__WATTR_SERVICE) skip = is_claimed(&a->uuid);
    if (skip) continue;
    bz_gnode *n = &g->nodes[g->n];
    memset(n, 0, sizeof *n);
    n->g = g;
    n->uuid = a->uuid;
    blec_uuid_to_string(&a->uuid, n->uuid_str);
    switch (a->kind) {
      case BLEC__WATTR_SERVICE:
        n->kind = BZ_G_SERVICE;
        n->handle = a->handle;
        n->end = a->end_handle;
        snprintf(n->path, sizeof n->path, "%s/service%04x", d->path, n->handle);
        svc = n;
        chr = NULL;
        break;
      case BLEC__WATTR_CHARACTERISTIC:
        if (!svc) continue;
        n->kind = BZ_G_CHAR;
        n->value_handle = a->handle;
        n->handle = (uint16_t)(a->handle - 1); /* the declaration precedes the value */
        n->props = a->props;
        n->parent = svc;
        snprintf(n->path, sizeof n->path, "%.120s/char%04x", svc->path, n->handle);
        chr = n;
        break;
      case BLEC__WATTR_DESCRIPTOR: {
        if (!chr) continue;
        n->kind = BZ_G_DESC;
        n->handle = a->handle;
        n->parent = chr;
        snprintf(n->path, sizeof n->path, "%.140s/desc%04x", chr->path, n->handle);
        uint16_t u16;
        if (blec_uuid_to16(&a->uuid, &u16) && u16 == 0x2902) chr->cccd = a->handle;
        break;
      }
    }
    g->n++;
  }
  d->gatt = g;
  for (size_t i = 0; i < g->n; i++) add_object(&g->nodes[i]);
}

void bz_gatt_build(bz_device *d, const blec__wattr *attrs, size_t count) {
  /* register_gatt_services: every primary service's UUID, then the device stays. */
  const char *uuids[256] = {0};
  char text[256][BLEC_UUID_STRLEN];
  size_t nu = 0;
  for (size_t i = 0; i < count && nu < 256; i++) {
    if (attrs[i].kind != BLEC__WATTR_SERVICE) continue;
    blec_uuid_to_string(&attrs[i].uuid, text[nu]);
    uuids[nu] = text[nu];
    nu++;
  }
  bz_device_set_uuids(d, uuids, nu);
  bz_device_set_temporary(d, false);
  /* btd_gatt_client_ready: the objects (kept when unchanged), sessions resume. */
  if (d->gatt && !same_layout(d->gatt, attrs, count)) bz_gatt_free(d, true);
  if (!d->gatt) {
    build(d, attrs, count);
    /* characteristic_create registers for MTU exchanges on this link's ATT only. */
    if (d->gatt) d->gatt->mtu_watch = true;
  }
  if (d->gatt) bz_notify_link_up(d->gatt);
  /* device_svc_resolved: ServicesResolved turns true (a Pair waiting is answered). */
  bz_device_set_services_resolved(d, true);
  bz_pair_services_resolved(d);
  /* The GAP profile reads the Device Name (profiles/gap/gas.c). Here from the world's
   * database directly, not over the link, so that the world's request count and its
   * scripted faults see only the program's own requests. */
  if (d->conn && d->conn->link) {
    char *name = blec__world_peripheral_name(blec__wlink_peripheral(d->conn->link));
    if (name && *name) bz_device_set_name(d, name);
    free(name);
  }
}

void bz_gatt_link_down(bz_device *d) {
  if (!d->gatt) return;
  bz_gatt_fail_pending(d->gatt);
  bz_notify_link_down(d->gatt);
  d->gatt->mtu_watch = false;
  int64_t cache = bz_switch(d->ad->sim, BLEC_BLUEZ_SIM_GATT_CACHE);
  bool keep = cache == 2 || (cache == 1 && d->paired);
  if (!keep) {
    bz_gatt_free(d, true);
    /* gatt_cache_cleanup: the database is cleared, services are unresolved. */
    for (size_t i = 0; i < d->uuids.n; i++) free(d->uuids.v[i]);
    d->uuids.n = 0;
  }
}

void bz_gatt_value(bz_device *d, uint16_t value_handle, const uint8_t *data, size_t len) {
  if (!d->gatt) return;
  for (size_t i = 0; i < d->gatt->n; i++) {
    bz_gnode *n = &d->gatt->nodes[i];
    if (n->kind == BZ_G_CHAR && n->value_handle == value_handle) {
      bz_notify_value(n, data, len);
      return;
    }
  }
}

void bz_gatt_mtu_changed(bz_device *d) {
  if (!d->gatt || !d->gatt->mtu_watch) return;
  /* att_exchange: every characteristic signals its MTU. */
  for (size_t i = 0; i < d->gatt->n; i++)
    if (d->gatt->nodes[i].kind == BZ_G_CHAR) bz_emit(d->gatt->nodes[i].obj, &bz_gatt_char_iface, "MTU");
}
