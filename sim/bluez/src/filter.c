/* SPDX-License-Identifier: MIT */
/*
 * filter.c — discovery filters: parsing (outside input) and matching, after BlueZ 5.66
 * src/adapter.c and the kernel's service discovery (see filter.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"

const char *const bz_filter_names[] = {"UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData",
                                       "Discoverable", "Pattern", NULL};

void bz_filter_free(bz_filter *f) {
  if (!f) return;
  free(f->uuids);
  free(f->pattern);
  free(f);
}

/* The variant's contents must be exactly `sig`; enters it. */
static bool enter_variant(sd_bus_message *m, const char *sig) {
  char type = 0;
  const char *contents = NULL;
  if (sd_bus_message_peek_type(m, &type, &contents) <= 0 || type != 'v' || !contents || strcmp(contents, sig))
    return false;
  return sd_bus_message_enter_container(m, 'v', contents) >= 0;
}

static bool parse_uuids(sd_bus_message *m, bz_filter *f) {
  if (!enter_variant(m, "as")) return false;
  if (sd_bus_message_enter_container(m, 'a', "s") < 0) return false;
  const char *text;
  int r;
  while ((r = sd_bus_message_read(m, "s", &text)) > 0) {
    blec_uuid u;
    if (blec_uuid_parse(text, &u) != BLEC_OK) return false;
    char(*more)[BLEC_UUID_STRLEN] = realloc(f->uuids, (f->nuuids + 1) * sizeof *more);
    if (!more) return false;
    f->uuids = more;
    blec_uuid_to_string(&u, f->uuids[f->nuuids++]);
  }
  if (r < 0) return false;
  return sd_bus_message_exit_container(m) >= 0 && sd_bus_message_exit_container(m) >= 0;
}

static bool parse_rssi(sd_bus_message *m, bz_filter *f) {
  int16_t v;
  if (!enter_variant(m, "n") || sd_bus_message_read(m, "n", &v) <= 0) return false;
  f->rssi = v;
  /* -127 <= RSSI <= +20 (Core spec, LE Advertising Report) */
  if (v > 20 || v < -127) return false;
  return sd_bus_message_exit_container(m) >= 0;
}

static bool parse_pathloss(sd_bus_message *m, bz_filter *f) {
  uint16_t v;
  if (!enter_variant(m, "q") || sd_bus_message_read(m, "q", &v) <= 0) return false;
  f->pathloss = v;
  if (v > BZ_PATHLOSS_MAX) return false;
  return sd_bus_message_exit_container(m) >= 0;
}

static bool parse_transport(sd_bus_message *m, bz_filter *f) {
  const char *t;
  if (!enter_variant(m, "s") || sd_bus_message_read(m, "s", &t) <= 0) return false;
  if (!strcmp(t, "bredr")) f->transport = BZ_SCAN_BREDR;
  else if (!strcmp(t, "le")) f->transport = BZ_SCAN_LE;
  else if (strcmp(t, "auto")) return false;
  return sd_bus_message_exit_container(m) >= 0;
}

static bool parse_bool(sd_bus_message *m, bool *out) {
  int v;
  if (!enter_variant(m, "b") || sd_bus_message_read(m, "b", &v) <= 0) return false;
  *out = v != 0;
  return sd_bus_message_exit_container(m) >= 0;
}

static bool parse_pattern(sd_bus_message *m, bz_filter *f) {
  const char *p;
  if (!enter_variant(m, "s") || sd_bus_message_read(m, "s", &p) <= 0) return false;
  free(f->pattern);
  if (!(f->pattern = strdup(p))) return false;
  return sd_bus_message_exit_container(m) >= 0;
}

static bool parse_entry(sd_bus_message *m, const char *key, bz_filter *f) {
  if (!strcmp(key, "UUIDs")) return parse_uuids(m, f);
  if (!strcmp(key, "RSSI")) return parse_rssi(m, f);
  if (!strcmp(key, "Pathloss")) return parse_pathloss(m, f);
  if (!strcmp(key, "Transport")) return parse_transport(m, f);
  if (!strcmp(key, "DuplicateData")) return parse_bool(m, &f->duplicate);
  if (!strcmp(key, "Discoverable")) return parse_bool(m, &f->discoverable);
  if (!strcmp(key, "Pattern")) return parse_pattern(m, f);
  return false; /* an unknown key is an invalid argument */
}

bool bz_filter_parse(sd_bus_message *m, int adapter_transport, bz_filter **out) {
  *out = NULL;
  bz_filter *f = calloc(1, sizeof *f);
  if (!f) return false;
  f->rssi = f->pathloss = BZ_DISTANCE_INVALID;
  f->transport = adapter_transport;
  bool empty = true, ok = sd_bus_message_enter_container(m, 'a', "{sv}") >= 0;
  while (ok) {
    int r = sd_bus_message_enter_container(m, 'e', "sv");
    if (r == 0) break;
    const char *key;
    ok = r > 0 && sd_bus_message_read(m, "s", &key) > 0 && parse_entry(m, key, f) &&
         sd_bus_message_exit_container(m) >= 0;
    empty = false;
  }
  if (ok) ok = sd_bus_message_exit_container(m) >= 0;
  /* Only Pathloss or RSSI can be set, never both. */
  if (ok && f->rssi != BZ_DISTANCE_INVALID && f->pathloss != BZ_DISTANCE_INVALID) ok = false;
  if (!ok || empty) {
    bz_filter_free(f);
    return ok;
  }
  *out = f;
  return true;
}

/* ---- matching ------------------------------------------------------------------------- */

void bz_kfilter_merge(bz_kfilter *k, const bz_filter *const *filters, size_t n, int adapter_transport) {
  memset(k, 0, sizeof *k);
  k->filters = filters;
  k->nfilters = n;
  k->rssi = BZ_DISTANCE_INVALID;
  bool regular = false, filtered = false;
  for (size_t i = 0; i < n; i++) {
    const bz_filter *f = filters[i];
    if (!f) {
      regular = true;
      continue;
    }
    filtered = true;
    k->transport |= f->transport;
    /* Any client without proximity: none; all with RSSI: the lowest; a Pathloss: none
     * in the kernel (bluetoothd filters itself). */
    if (f->rssi == BZ_DISTANCE_INVALID) k->rssi = BZ_HCI_RSSI_INVALID;
    else if (k->rssi != BZ_HCI_RSSI_INVALID && k->rssi >= f->rssi) k->rssi = f->rssi;
    else if (f->pathloss != BZ_DISTANCE_INVALID) k->rssi = BZ_HCI_RSSI_INVALID;
  }
  if (k->rssi == BZ_DISTANCE_INVALID) k->rssi = BZ_HCI_RSSI_INVALID;
  if (regular || !filtered) {
    k->regular = true;
    k->transport = adapter_transport;
    k->rssi = BZ_HCI_RSSI_INVALID;
  }
}

static bool eir_has_uuid(const bz_eir *eir, const char *uuid) {
  for (size_t i = 0; i < eir->nuuids; i++)
    if (!strcasecmp(eir->uuids[i], uuid)) return true;
  return false;
}

bool bz_kfilter_pass(const bz_kfilter *k, const bz_eir *eir, int rssi) {
  if (!(k->transport & BZ_SCAN_LE)) return false;
  if (k->regular) return true;
  if (k->rssi != BZ_HCI_RSSI_INVALID && rssi < k->rssi) return false;
  /* UUIDs: the union of the clients' lists, unless one client gave none. */
  bool any = false, match = false;
  for (size_t i = 0; i < k->nfilters; i++) {
    const bz_filter *f = k->filters[i];
    if (!f || f->nuuids == 0) return true;
    for (size_t j = 0; j < f->nuuids; j++) {
      any = true;
      if (eir_has_uuid(eir, f->uuids[j])) match = true;
    }
  }
  return !any || match;
}

bool bz_filter_match(const bz_kfilter *k, const bz_eir *eir, int rssi) {
  bool got = false;
  for (size_t i = 0; i < k->nfilters && !got; i++) {
    const bz_filter *f = k->filters[i];
    if (!f) {
      got = true; /* a regular scan: every device matches */
      continue;
    }
    if (f->nuuids == 0) got = true;
    for (size_t j = 0; j < f->nuuids && !got; j++) got = eir_has_uuid(eir, f->uuids[j]);
    if (got) {
      /* 5.66 as written: an unset Pathloss lets every RSSI through (the kernel has
       * applied the RSSI threshold already). */
      if (f->rssi == BZ_DISTANCE_INVALID || f->rssi <= rssi || f->pathloss == BZ_DISTANCE_INVALID ||
          (eir->tx_power != 127 && eir->tx_power - rssi <= f->pathloss))
        return true;
      got = false;
    }
  }
  return got;
}

bool bz_filter_discoverable(const bz_kfilter *k, bool filtered_discovery, bool any_client, const bz_eir *eir,
                            const char *address) {
  enum { EIR_LIM_DISC = 0x01, EIR_GEN_DISC = 0x02 };
  bool discoverable = filtered_discovery || (eir->flags & (EIR_LIM_DISC | EIR_GEN_DISC));
  if (!any_client && !discoverable) return false;
  for (size_t i = 0; i < k->nfilters; i++) {
    const bz_filter *f = k->filters[i];
    if (!f || !f->pattern) continue;
    discoverable = false; /* a pattern resets it */
    size_t n = strlen(f->pattern);
    if (n == 0) return true;
    if (!strncmp(f->pattern, address, n)) return true;
    if (eir->has_name && !strncmp(f->pattern, eir->name, n)) return true;
  }
  return discoverable;
}

bool bz_filter_duplicate(const bz_kfilter *k) {
  for (size_t i = 0; i < k->nfilters; i++)
    if (k->filters[i] && k->filters[i]->duplicate) return true;
  return false;
}
