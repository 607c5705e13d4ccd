/* SPDX-License-Identifier: MIT */
/*
 * cmd_record.c — `blec record ADDR -o FILE`: a device captured into a world file that the
 * virtual backend replays (record a real device once, test against it for ever).
 *
 * The recording is built as a world with the builder calls of blec_world.h, then
 * written by blec_world_save_file: the world format stays the one place that says what
 * a device is. What a world makes by itself is left to it: the GAP service of a named
 * peripheral (when the device's holds just the Device Name), the CCCD of a notifying
 * characteristic, the Extended Properties descriptor. The device's handles are kept
 * (blec_world_set_next_handle), gaps included, where the world's own attributes leave
 * room for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec_world.h"
#include "commands.h"
#include "escape.h"
#include "exitcodes.h"
#include "gattio.h"
#include "json.h"
#include "session.h"

enum { UUID_GAP = 0x1800, UUID_DEVICE_NAME = 0x2A00, UUID_EXT_PROPS = 0x2900, UUID_CCCD = 0x2902 };

typedef struct tally {
  size_t services, characteristics, descriptors, unread;
  blec_protection_level needed; /* the highest security a read asked for */
} tally;

static bool is16(blec_uuid u, uint16_t v) {
  uint16_t x;
  return blec_uuid_to16(&u, &x) && x == v;
}

/* The GAP service holds the Device Name only: the world's own GAP service (made from
 * the name) is then the same. */
static bool gap_is_name_only(const blec_service *svc) {
  return is16(blec_service_uuid(svc), UUID_GAP) && blec_service_characteristic_count(svc) == 1 &&
         is16(blec_characteristic_uuid(blec_service_characteristic_at(svc, 0)), UUID_DEVICE_NAME);
}

/* The security level an ATT error of a read asks for, DEFAULT for other failures. */
static blec_protection_level security_of(const blec_error *err) {
  if (err->status != BLEC_ERR_ATT) return BLEC_PROTECTION_DEFAULT;
  switch (err->att_error) {
    case BLEC_ATT_INSUFFICIENT_AUTHENTICATION:
    case BLEC_ATT_INSUFFICIENT_AUTHORIZATION: return BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
    case BLEC_ATT_INSUFFICIENT_ENCRYPTION:
    case BLEC_ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE: return BLEC_PROTECTION_ENCRYPTION;
    default: return BLEC_PROTECTION_DEFAULT;
  }
}

/* The descriptors a world adds by itself to a characteristic with these properties. */
static bool generated_descriptor(blec_uuid u, uint32_t props) {
  if (is16(u, UUID_CCCD)) return props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE);
  return is16(u, UUID_EXT_PROPS) && (props & (BLEC_PROP_RELIABLE_WRITE | BLEC_PROP_WRITABLE_AUXILIARIES));
}
/* Gives the next attribute of the world the device's handle `first`, so the replay has
 * the recorded handles (gaps included) and a program that stored one finds it. A handle
 * already taken (below one the world made by itself, or out of order) is left to the
 * world's own numbering. */
static void keep_handle(blec_world_peripheral *p, uint16_t first) {
  if (first) (void)blec_world_set_next_handle(p, first);
}

/* Reads and adds one characteristic with its descriptors. A link lost ends the walk. */
static int record_characteristic(cli_session *s, blec_world_peripheral *p, blec_characteristic *chr, tally *t) {
  blec_uuid u = blec_characteristic_uuid(chr);
  uint32_t props = blec_characteristic_properties(chr);
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  blec_protection_level security = BLEC_PROTECTION_DEFAULT;
  if (props & BLEC_PROP_READ) {
    int st = gattio_read_chr(s, chr, &d, &len, &err);
    if (st == BLEC_ERR_DISCONNECTED || st == BLEC_ERR_NOT_CONNECTED || st == BLEC_ERR_CANCELLED) return st;
    if (st != BLEC_OK) {
      security = security_of(&err);
      t->unread++;
    }
  }
  uint16_t vh = 0;
  uint16_t handle = blec_characteristic_handle(chr); /* its value; the declaration is just before */
  if (handle > 1) keep_handle(p, (uint16_t)(handle - 1));
  int st = blec_world_add_characteristic(p, &u, props, d, len, &vh);
  free(d);
  if (st != BLEC_OK) return st;
  t->characteristics++;
  if (security != BLEC_PROTECTION_DEFAULT) {
    blec_world_characteristic_set_security(p, vh, security);
    if (security > t->needed) t->needed = security;
  }
  for (size_t k = 0; k < blec_characteristic_descriptor_count(chr); k++) {
    blec_descriptor *desc = blec_characteristic_descriptor_at(chr, k);
    blec_uuid du = blec_descriptor_uuid(desc);
    if (generated_descriptor(du, props)) continue;
    d = NULL;
    len = 0;
    int rst = gattio_read_desc(s, desc, &d, &len, &err);
    if (rst == BLEC_ERR_DISCONNECTED || rst == BLEC_ERR_NOT_CONNECTED || rst == BLEC_ERR_CANCELLED) return rst;
    if (rst != BLEC_OK) t->unread++;
    keep_handle(p, blec_descriptor_handle(desc));
    st = blec_world_add_descriptor(p, &du, d, len, NULL);
    free(d);
    if (st != BLEC_OK) return st;
    t->descriptors++;
  }
  return BLEC_OK;
}

static int record_gatt(cli_session *s, blec_world_peripheral *p, tally *t) {
  size_t n = blec_client_service_count(s->client);
  for (size_t i = 0; i < n; i++) {
    blec_service *svc = blec_client_service_at(s->client, i);
    if (blec_client_name(s->client) && gap_is_name_only(svc)) continue; /* made from the name */
    blec_uuid u = blec_service_uuid(svc);
    keep_handle(p, blec_service_handle(svc));
    int st = blec_world_add_service(p, &u, NULL);
    if (st != BLEC_OK) return st;
    t->services++;
    for (size_t c = 0; c < blec_service_characteristic_count(svc); c++) {
      st = record_characteristic(s, p, blec_service_characteristic_at(svc, c), t);
      if (st != BLEC_OK) return st;
    }
  }
  return BLEC_OK;
}

/* The advertisement part: address type, payloads as received, RSSI, connectable. */
static int record_adv(blec_world_peripheral *p, const blec_device *dev) {
  const blec_adv *adv = blec_device_adv(dev);
  size_t len = 0;
  const uint8_t *data = blec_adv_payload(adv, false, &len);
  int st = blec_world_peripheral_set_adv_data(p, false, data, data ? len : 0);
  data = blec_adv_payload(adv, true, &len); /* none: an empty one (no name made up) */
  if (st == BLEC_OK) st = blec_world_peripheral_set_adv_data(p, true, data, data ? len : 0);
  if (st == BLEC_OK) st = blec_world_peripheral_set_rssi(p, blec_adv_rssi(adv), 0);
  if (st == BLEC_OK) st = blec_world_peripheral_set_connectable(p, blec_adv_connectable(adv));
  return st;
}

static void report(const cli_session *s, const tally *t, const blec_device *dev) {
  bool advertised = dev != NULL;
  size_t sr_len = 0;
  bool scan_response = dev && blec_adv_payload(blec_device_adv(dev), true, &sr_len);
  const cli_args *a = s->a;
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "recorded");
    json_str(&j, "address", a->address);
    json_str(&j, "file", a->output);
    json_bool(&j, "advertisement", advertised);
    json_bool(&j, "scan_response", scan_response);
    json_int(&j, "services", (long long)t->services);
    json_int(&j, "characteristics", (long long)t->characteristics);
    json_int(&j, "descriptors", (long long)t->descriptors);
    json_int(&j, "unread", (long long)t->unread);
    json_end_line(&j, stdout);
    return;
  }
  printf("Recorded %s into %s: %s, %zu service%s, %zu characteristic%s, %zu descriptor%s.\n", a->address,
         esc(a->output).s,
         !advertised ? "no advertisement" : scan_response ? "advertisement and scan response" : "advertisement",
         t->services,
         t->services == 1 ? "" : "s", t->characteristics, t->characteristics == 1 ? "" : "s", t->descriptors,
         t->descriptors == 1 ? "" : "s");
  if (t->unread)
    printf("%zu value%s could not be read (recorded empty, with the security they asked for); add --pair "
           "%s to record them.\n",
           t->unread, t->unread == 1 ? "" : "s",
           t->needed == BLEC_PROTECTION_ENCRYPTION ? "encryption" : "authentication");
  if (advertised)
    printf("Replay it with: blec scan --world %s\n", esc(a->output).s);
  else
    printf("Replay it with: blec services %s --no-scan --world %s\n", a->address, esc(a->output).s);
  fflush(stdout);
}

int cmd_record(const cli_args *a) {
  cli_session s;
  blec_device *dev = NULL;
  blec_world *w = NULL;
  tally t;
  memset(&t, 0, sizeof t);
  int rc = session_begin(&s, a);
  if (rc == CLI_EXIT_OK && !a->no_scan) rc = session_find(&s, &dev);
  bool connectable = !dev || blec_adv_connectable(blec_device_adv(dev));
  if (rc == CLI_EXIT_OK && connectable) rc = session_connect(&s, dev);
  if (rc != CLI_EXIT_OK) goto out;

  char action[160];
  snprintf(action, sizeof action, "record %s", a->address);
  blec_world_peripheral *p = NULL;
  blec_address_type type = dev ? blec_device_address_type(dev) : BLEC_ADDRESS_PUBLIC;
  int st = blec_world_new(&w);
  if (st == BLEC_OK) st = blec_world_add_peripheral(w, a->address, type, &p);
  const char *name = s.client ? blec_client_name(s.client) : NULL;
  if (st == BLEC_OK && name) st = blec_world_peripheral_set_name(p, name, true);
  if (st == BLEC_OK && dev) st = record_adv(p, dev);
  if (st == BLEC_OK && !dev) {
    /* Not seen advertising: replayed as a device held by another program. */
    st = blec_world_peripheral_set_connected_elsewhere(p, true);
    if (st == BLEC_OK) st = blec_world_peripheral_set_adv_data(p, false, NULL, 0);
    if (st == BLEC_OK) st = blec_world_peripheral_set_adv_data(p, true, NULL, 0);
  }
  if (st == BLEC_OK && s.client) st = blec_world_peripheral_set_mtu(p, blec_client_mtu(s.client));
  if (st == BLEC_OK && s.client) st = record_gatt(&s, p, &t);
  if (st == BLEC_OK && t.needed > BLEC_PROTECTION_ENCRYPTION) st = blec_world_peripheral_set_pairing(p, t.needed);
  if (st != BLEC_OK) {
    rc = session_fail_status(&s, action, st, "the device could not be recorded");
    goto out;
  }
  blec_error err;
  st = blec_world_save_file(w, a->output, &err);
  if (st != BLEC_OK) {
    rc = session_fail(&s, action, &err);
    goto out;
  }
  report(&s, &t, dev);
out:
  blec_world_unref(w);
  blec_device_unref(dev);
  session_end(&s);
  return rc;
}
