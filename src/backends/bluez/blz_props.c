/* SPDX-License-Identifier: MIT */
/*
 * blz_props.c — reading bluetoothd's property dictionaries (a{sv}) into plain structs.
 * Every value is outside input: its D-Bus type is checked against the documented one
 * (doc/device-api.txt, adapter-api.txt, gatt-api.txt) before it is read, sizes are
 * bounded, and a property of the wrong shape is skipped (reported through *bad) without
 * touching what the struct held. A property is replaced whole or not at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

/* Bounds: far above what BlueZ sends, low enough to keep a hostile message cheap. */
#define MAX_ENTRIES 64  /* UUIDs, manufacturer / service data, AD records */
#define MAX_BLOB 1650   /* bytes of one value (the most advertising data a set can carry) */
#define MAX_NAME 248    /* a device name (Core spec: 248 octets) */

/* ---- freeing ----------------------------------------------------------------------------- */

static void blob_free(blz_blob *b) {
  free(b->p);
  b->p = NULL;
  b->n = 0;
}

static void mfr_free(blz_mfr *m, size_t n) {
  for (size_t i = 0; i < n; i++) blob_free(&m[i].data);
  free(m);
}

static void sdata_free(blz_sdata *s, size_t n) {
  for (size_t i = 0; i < n; i++) blob_free(&s[i].data);
  free(s);
}

static void adrec_free(blz_adrec *a, size_t n) {
  for (size_t i = 0; i < n; i++) blob_free(&a[i].data);
  free(a);
}

void blz_device_clear(blz_device *d) {
  free(d->name);
  free(d->alias);
  free(d->adapter);
  free(d->uuids);
  mfr_free(d->mfr, d->nmfr);
  sdata_free(d->sdata, d->nsdata);
  adrec_free(d->ad, d->nad);
  blob_free(&d->flags);
  memset(d, 0, sizeof *d);
}

void blz_adapter_clear(blz_adapter *a) {
  free(a->power_state);
  memset(a, 0, sizeof *a);
}

void blz_attr_clear(blz_attr *a) {
  free(a->parent);
  memset(a, 0, sizeof *a);
}

/* ---- typed reads of one variant ------------------------------------------------------------- */

/* 1 when the next item is a variant holding exactly `sig`; else skips it and returns 0. */
static int variant_is(sd_bus_message *m, const char *sig) {
  char t;
  const char *contents = NULL;
  int r = sd_bus_message_peek_type(m, &t, &contents);
  if (r <= 0) return r < 0 ? r : -EBADMSG;
  if (t == SD_BUS_TYPE_VARIANT && contents && strcmp(contents, sig) == 0) return 1;
  r = sd_bus_message_skip(m, "v");
  return r < 0 ? r : 0;
}

/* Reads a variant of one basic type into out; 0 (skipped) when of another type. */
static int var_basic(sd_bus_message *m, char type, void *out) {
  char sig[2] = {type, 0};
  int r = variant_is(m, sig);
  if (r <= 0) return r;
  r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, sig);
  if (r < 0) return r;
  r = sd_bus_message_read_basic(m, type, out);
  if (r < 0) return r;
  r = sd_bus_message_exit_container(m);
  return r < 0 ? r : 1;
}

/* A copy of s cut to at most max bytes at a UTF-8 character boundary (D-Bus strings are
 * valid UTF-8, sd-bus checks it on receipt). */
static char *copy_text(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n > max) {
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  char *c = malloc(n + 1);
  if (!c) return NULL;
  memcpy(c, s, n);
  c[n] = 0;
  return c;
}

/* A string or object path variant as a new copy in *out (the old one freed). */
static int var_text(sd_bus_message *m, char type, size_t max, char **out) {
  const char *s = NULL;
  int r = var_basic(m, type, &s);
  if (r <= 0) return r;
  char *c = copy_text(s, max);
  if (!c) return -ENOMEM;
  free(*out);
  *out = c;
  return 1;
}

/* Reads "ay" at the position (not in a variant) into a new blob. */
static int read_bytes(sd_bus_message *m, blz_blob *out) {
  const void *p = NULL;
  size_t n = 0;
  int r = sd_bus_message_read_array(m, SD_BUS_TYPE_BYTE, &p, &n);
  if (r < 0) return r;
  if (n > MAX_BLOB) return 0;
  out->p = malloc(n ? n : 1);
  if (!out->p) return -ENOMEM;
  if (n) memcpy(out->p, p, n);
  out->n = n;
  return 1;
}

static int var_bytes(sd_bus_message *m, blz_blob *out) {
  int r = variant_is(m, "ay");
  if (r <= 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "ay")) < 0) return r;
  blz_blob b = {NULL, 0};
  int got = read_bytes(m, &b);
  if (got < 0) return got;
  if ((r = sd_bus_message_exit_container(m)) < 0) {
    blob_free(&b);
    return r;
  }
  if (!got) return 0;
  blob_free(out);
  *out = b;
  return 1;
}

/* Inside a dictionary entry whose value is a variant: reads an "ay" variant into a new
 * blob; 0 when it holds something else (skipped). */
static int entry_bytes(sd_bus_message *m, blz_blob *out) {
  int r = variant_is(m, "ay");
  if (r <= 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "ay")) < 0) return r;
  int got = read_bytes(m, out);
  if (got < 0) return got;
  if ((r = sd_bus_message_exit_container(m)) < 0) {
    blob_free(out);
    return r;
  }
  return got;
}

/* as of UUID strings (UUIDs): unparsable entries are dropped. */
static int var_uuids(sd_bus_message *m, blec_uuid **out, size_t *count) {
  int r = variant_is(m, "as");
  if (r <= 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "as")) < 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s")) < 0) return r;
  blec_uuid *list = NULL;
  size_t n = 0;
  const char *s;
  while ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &s)) > 0) {
    blec_uuid u;
    if (n >= MAX_ENTRIES || blec_uuid_parse(s, &u) != BLEC_OK) continue;
    bool dup = false;
    for (size_t i = 0; i < n && !dup; i++) dup = blec_uuid_equal(&list[i], &u);
    if (dup) continue;
    blec_uuid *nl = realloc(list, (n + 1) * sizeof *nl);
    if (!nl) {
      free(list);
      return -ENOMEM;
    }
    list = nl;
    list[n++] = u;
  }
  if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 || (r = sd_bus_message_exit_container(m)) < 0) {
    free(list);
    return r;
  }
  free(*out);
  *out = list;
  *count = n;
  return 1;
}

/* as of strings (Roles, Flags): calls fn for each. */
static int var_strings(sd_bus_message *m, void (*fn)(const char *s, void *arg), void *arg) {
  int r = variant_is(m, "as");
  if (r <= 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "as")) < 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s")) < 0) return r;
  const char *s;
  while ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &s)) > 0) fn(s, arg);
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  r = sd_bus_message_exit_container(m);
  return r < 0 ? r : 1;
}

/* a{Kv} whose values must be "ay" (ManufacturerData a{qv}, ServiceData a{sv},
 * AdvertisingData a{yv}): for each well-formed entry add(acc, key, &blob) takes the blob
 * (returns 1), declines it (0: the caller frees it) or fails (< 0). Entries whose value
 * is not "ay" are dropped. */
typedef union blz_key {
  uint16_t q;
  uint8_t y;
  const char *s;
} blz_key;

static int var_keyed_blobs(sd_bus_message *m, char ktype, int (*add)(void *acc, const blz_key *k, blz_blob *b),
                           void *acc) {
  char dict[] = {'a', '{', ktype, 'v', '}', 0}, entry[] = {ktype, 'v', 0};
  int r = variant_is(m, dict);
  if (r <= 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, dict)) < 0) return r;
  if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, dict + 1)) < 0) return r;
  while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, entry)) > 0) {
    blz_key k;
    memset(&k, 0, sizeof k);
    blz_blob b = {NULL, 0};
    int got = 0;
    if ((r = sd_bus_message_read_basic(m, ktype, &k)) < 0 || (got = entry_bytes(m, &b)) < 0 ||
        (r = sd_bus_message_exit_container(m)) < 0) {
      blob_free(&b);
      return got < 0 ? got : r;
    }
    int took = got ? add(acc, &k, &b) : 0;
    if (took <= 0) blob_free(&b);
    if (took < 0) return took;
  }
  if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 || (r = sd_bus_message_exit_container(m)) < 0) return r;
  return 1;
}

typedef struct mfr_acc {
  blz_mfr *list;
  size_t n;
} mfr_acc;

static int add_mfr(void *acc, const blz_key *k, blz_blob *b) {
  mfr_acc *a = acc;
  for (size_t i = 0; i < a->n; i++)
    if (a->list[i].company == k->q) return 0; /* the first of a company stays */
  if (a->n >= MAX_ENTRIES) return 0;
  blz_mfr *nl = realloc(a->list, (a->n + 1) * sizeof *nl);
  if (!nl) return -ENOMEM;
  a->list = nl;
  a->list[a->n].company = k->q;
  a->list[a->n++].data = *b;
  return 1;
}

static int var_manufacturer(sd_bus_message *m, blz_mfr **out, size_t *count) {
  mfr_acc a = {NULL, 0};
  int r = var_keyed_blobs(m, SD_BUS_TYPE_UINT16, add_mfr, &a);
  if (r <= 0) {
    mfr_free(a.list, a.n);
    return r;
  }
  mfr_free(*out, *count);
  *out = a.list;
  *count = a.n;
  return 1;
}

typedef struct sdata_acc {
  blz_sdata *list;
  size_t n;
} sdata_acc;

static int add_sdata(void *acc, const blz_key *k, blz_blob *b) {
  sdata_acc *a = acc;
  blec_uuid u;
  if (a->n >= MAX_ENTRIES || blec_uuid_parse(k->s, &u) != BLEC_OK) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (blec_uuid_equal(&a->list[i].uuid, &u)) return 0;
  blz_sdata *nl = realloc(a->list, (a->n + 1) * sizeof *nl);
  if (!nl) return -ENOMEM;
  a->list = nl;
  a->list[a->n].uuid = u;
  a->list[a->n++].data = *b;
  return 1;
}

static int var_service_data(sd_bus_message *m, blz_sdata **out, size_t *count) {
  sdata_acc a = {NULL, 0};
  int r = var_keyed_blobs(m, SD_BUS_TYPE_STRING, add_sdata, &a);
  if (r <= 0) {
    sdata_free(a.list, a.n);
    return r;
  }
  sdata_free(*out, *count);
  *out = a.list;
  *count = a.n;
  return 1;
}

typedef struct adrec_acc {
  blz_adrec *list;
  size_t n;
} adrec_acc;

static int add_adrec(void *acc, const blz_key *k, blz_blob *b) {
  adrec_acc *a = acc;
  if (a->n >= MAX_ENTRIES) return 0;
  blz_adrec *nl = realloc(a->list, (a->n + 1) * sizeof *nl);
  if (!nl) return -ENOMEM;
  a->list = nl;
  a->list[a->n].type = k->y;
  a->list[a->n++].data = *b;
  return 1;
}

static int var_ad_data(sd_bus_message *m, blz_adrec **out, size_t *count) {
  adrec_acc a = {NULL, 0};
  int r = var_keyed_blobs(m, SD_BUS_TYPE_BYTE, add_adrec, &a);
  if (r <= 0) {
    adrec_free(a.list, a.n);
    return r;
  }
  adrec_free(*out, *count);
  *out = a.list;
  *count = a.n;
  return 1;
}

/* ---- dictionary walking ------------------------------------------------------------------------- */

/* Calls prop(target, key, m) for each entry of an a{sv} at the position; prop reads the
 * variant and returns 1 (applied), 0 (skipped: wrong type) or a negative errno. Keys
 * prop does not know must be skipped by it too. */
typedef int (*prop_fn)(void *target, const char *key, sd_bus_message *m, unsigned *bit);

static int walk(sd_bus_message *m, prop_fn prop, void *target, unsigned *changed, const char **bad) {
  if (changed) *changed = 0;
  if (bad) *bad = NULL;
  int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
  if (r <= 0) return r < 0 ? r : -EBADMSG;
  while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
    const char *key = NULL;
    if ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &key)) < 0) return r;
    unsigned bit = 0;
    r = prop(target, key, m, &bit);
    if (r < 0) return r;
    if (r > 0 && changed) *changed |= bit;
    if (r == 0 && bit && bad) *bad = key; /* a known property of the wrong type */
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  r = sd_bus_message_exit_container(m);
  return r < 0 ? r : 0;
}

static int skip_value(sd_bus_message *m) {
  int r = sd_bus_message_skip(m, "v");
  return r < 0 ? r : 0;
}

/* ---- Device1 ----------------------------------------------------------------------------------- */

static int address_text_ok(const char *s) {
  if (strlen(s) != 17) return 0;
  for (int i = 0; i < 17; i++) {
    char c = s[i];
    if (i % 3 == 2) {
      if (c != ':') return 0;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return 0;
    }
  }
  return 1;
}

static int device_prop(void *target, const char *k, sd_bus_message *m, unsigned *bit) {
  blz_device *d = target;
  if (!strcmp(k, "Address")) {
    *bit = BLZ_DP_ADDRESS;
    const char *s = NULL;
    int r = var_basic(m, SD_BUS_TYPE_STRING, &s);
    if (r <= 0) return r;
    if (!address_text_ok(s)) return 0;
    for (int i = 0; i < 18; i++) d->address[i] = (char)((s[i] >= 'a' && s[i] <= 'f') ? s[i] - 32 : s[i]);
    d->have |= BLZ_DP_ADDRESS;
    return 1;
  }
  if (!strcmp(k, "AddressType")) {
    *bit = BLZ_DP_ADDRESS_TYPE;
    const char *s = NULL;
    int r = var_basic(m, SD_BUS_TYPE_STRING, &s);
    if (r <= 0) return r;
    if (strcmp(s, "public") && strcmp(s, "random")) return 0;
    d->address_type = strcmp(s, "public") == 0 ? BLEC_ADDRESS_PUBLIC : BLEC_ADDRESS_RANDOM;
    d->have |= BLZ_DP_ADDRESS_TYPE;
    return 1;
  }
  int r;
  if (!strcmp(k, "Name")) {
    *bit = BLZ_DP_NAME;
    r = var_text(m, SD_BUS_TYPE_STRING, MAX_NAME, &d->name);
  } else if (!strcmp(k, "Alias")) {
    *bit = BLZ_DP_ALIAS;
    r = var_text(m, SD_BUS_TYPE_STRING, MAX_NAME, &d->alias);
  } else if (!strcmp(k, "Adapter")) {
    *bit = BLZ_DP_ADAPTER;
    r = var_text(m, SD_BUS_TYPE_OBJECT_PATH, BLZ_PATH_MAX, &d->adapter);
  } else if (!strcmp(k, "RSSI") || !strcmp(k, "TxPower")) {
    bool rssi = k[0] == 'R';
    *bit = rssi ? BLZ_DP_RSSI : BLZ_DP_TX_POWER;
    int16_t v = 0;
    if ((r = var_basic(m, SD_BUS_TYPE_INT16, &v)) > 0) *(rssi ? &d->rssi : &d->tx_power) = v;
  } else if (!strcmp(k, "Appearance")) {
    *bit = BLZ_DP_APPEARANCE;
    r = var_basic(m, SD_BUS_TYPE_UINT16, &d->appearance);
  } else if (!strcmp(k, "UUIDs")) {
    *bit = BLZ_DP_UUIDS;
    r = var_uuids(m, &d->uuids, &d->nuuids);
  } else if (!strcmp(k, "ManufacturerData")) {
    *bit = BLZ_DP_MANUFACTURER;
    r = var_manufacturer(m, &d->mfr, &d->nmfr);
  } else if (!strcmp(k, "ServiceData")) {
    *bit = BLZ_DP_SERVICE_DATA;
    r = var_service_data(m, &d->sdata, &d->nsdata);
  } else if (!strcmp(k, "AdvertisingFlags")) {
    *bit = BLZ_DP_AD_FLAGS;
    r = var_bytes(m, &d->flags);
  } else if (!strcmp(k, "AdvertisingData")) {
    *bit = BLZ_DP_AD_DATA;
    r = var_ad_data(m, &d->ad, &d->nad);
  } else if (!strcmp(k, "Connected") || !strcmp(k, "ServicesResolved") || !strcmp(k, "Paired") ||
             !strcmp(k, "Bonded") || !strcmp(k, "Trusted")) {
    bool *field;
    switch (k[0]) {
      case 'C': *bit = BLZ_DP_CONNECTED; field = &d->connected; break;
      case 'S': *bit = BLZ_DP_SERVICES_RESOLVED; field = &d->services_resolved; break;
      case 'P': *bit = BLZ_DP_PAIRED; field = &d->paired; break;
      case 'B': *bit = BLZ_DP_BONDED; field = &d->bonded; break;
      default: *bit = BLZ_DP_TRUSTED; field = &d->trusted; break;
    }
    int v = 0;
    if ((r = var_basic(m, SD_BUS_TYPE_BOOLEAN, &v)) > 0) *field = v != 0;
  } else {
    return skip_value(m);
  }
  if (r > 0) d->have |= *bit;
  return r;
}

int blz_device_apply(blz_device *d, sd_bus_message *m, unsigned *changed, const char **bad) {
  return walk(m, device_prop, d, changed, bad);
}

int blz_device_invalidate(blz_device *d, sd_bus_message *m) {
  int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s");
  if (r <= 0) return r < 0 ? r : -EBADMSG;
  const char *k;
  while ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &k)) > 0) {
    if (!strcmp(k, "RSSI")) d->have &= ~(unsigned)BLZ_DP_RSSI;
    else if (!strcmp(k, "TxPower")) d->have &= ~(unsigned)BLZ_DP_TX_POWER;
    else if (!strcmp(k, "Name")) d->have &= ~(unsigned)BLZ_DP_NAME;
    else if (!strcmp(k, "ManufacturerData")) d->have &= ~(unsigned)BLZ_DP_MANUFACTURER;
    else if (!strcmp(k, "ServiceData")) d->have &= ~(unsigned)BLZ_DP_SERVICE_DATA;
    else if (!strcmp(k, "UUIDs")) d->have &= ~(unsigned)BLZ_DP_UUIDS;
    else if (!strcmp(k, "Appearance")) d->have &= ~(unsigned)BLZ_DP_APPEARANCE;
    else if (!strcmp(k, "AdvertisingFlags")) d->have &= ~(unsigned)BLZ_DP_AD_FLAGS;
    else if (!strcmp(k, "AdvertisingData")) d->have &= ~(unsigned)BLZ_DP_AD_DATA;
  }
  if (r < 0) return r;
  r = sd_bus_message_exit_container(m);
  return r < 0 ? r : 0;
}

/* ---- Adapter1 ------------------------------------------------------------------------------------ */

static void role_seen(const char *s, void *arg) {
  if (!strcmp(s, "central") || !strcmp(s, "central-peripheral")) *(bool *)arg = true;
}

static int adapter_prop(void *target, const char *k, sd_bus_message *m, unsigned *bit) {
  blz_adapter *a = target;
  int r;
  if (!strcmp(k, "Address")) {
    *bit = BLZ_AP_ADDRESS;
    const char *s = NULL;
    if ((r = var_basic(m, SD_BUS_TYPE_STRING, &s)) <= 0) return r;
    if (!address_text_ok(s)) return 0;
    memcpy(a->address, s, sizeof a->address);
  } else if (!strcmp(k, "Powered") || !strcmp(k, "Discovering")) {
    bool powered = k[0] == 'P';
    *bit = powered ? BLZ_AP_POWERED : BLZ_AP_DISCOVERING;
    int v = 0;
    if ((r = var_basic(m, SD_BUS_TYPE_BOOLEAN, &v)) > 0) *(powered ? &a->powered : &a->discovering) = v != 0;
  } else if (!strcmp(k, "PowerState")) {
    *bit = BLZ_AP_POWER_STATE;
    r = var_text(m, SD_BUS_TYPE_STRING, 32, &a->power_state);
  } else if (!strcmp(k, "Roles")) {
    *bit = BLZ_AP_ROLES;
    bool central = false;
    if ((r = var_strings(m, role_seen, &central)) > 0) a->central = central;
  } else {
    return skip_value(m);
  }
  if (r > 0) a->have |= *bit;
  return r;
}

int blz_adapter_apply(blz_adapter *a, sd_bus_message *m, unsigned *changed, const char **bad) {
  int r = walk(m, adapter_prop, a, changed, bad);
  if (!(a->have & BLZ_AP_ROLES)) a->central = true; /* BlueZ before 5.60 has no Roles */
  return r;
}

/* ---- GATT objects ---------------------------------------------------------------------------------- */

static const struct {
  const char *name;
  uint32_t bit;
} flag_bits[] = {
    {"broadcast", BLEC_PROP_BROADCAST},
    {"read", BLEC_PROP_READ},
    {"write-without-response", BLEC_PROP_WRITE_WITHOUT_RESPONSE},
    {"write", BLEC_PROP_WRITE},
    {"notify", BLEC_PROP_NOTIFY},
    {"indicate", BLEC_PROP_INDICATE},
    {"authenticated-signed-writes", BLEC_PROP_AUTHENTICATED_SIGNED_WRITES},
    {"extended-properties", BLEC_PROP_EXTENDED_PROPERTIES},
    {"reliable-write", BLEC_PROP_RELIABLE_WRITE},
    {"writable-auxiliaries", BLEC_PROP_WRITABLE_AUXILIARIES},
};

uint32_t blz_flag_bit(const char *flag) {
  for (size_t i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
    if (!strcmp(flag, flag_bits[i].name)) return flag_bits[i].bit;
  return 0; /* encrypt-*, secure-*, authorize: access rules, not properties */
}

static void flag_seen(const char *s, void *arg) { *(uint32_t *)arg |= blz_flag_bit(s); }

typedef struct attr_target {
  blz_attr *a;
  const uint8_t *value;
  size_t value_len;
} attr_target;

static int attr_prop(void *target, const char *k, sd_bus_message *m, unsigned *bit) {
  attr_target *t = target;
  blz_attr *a = t->a;
  int r;
  if (!strcmp(k, "UUID")) {
    *bit = BLZ_GP_UUID;
    const char *s = NULL;
    if ((r = var_basic(m, SD_BUS_TYPE_STRING, &s)) <= 0) return r;
    if (blec_uuid_parse(s, &a->uuid) != BLEC_OK) return 0;
  } else if (!strcmp(k, "Device") || !strcmp(k, "Service") || !strcmp(k, "Characteristic")) {
    *bit = BLZ_GP_PARENT;
    r = var_text(m, SD_BUS_TYPE_OBJECT_PATH, BLZ_PATH_MAX, &a->parent);
  } else if (!strcmp(k, "Handle") || !strcmp(k, "MTU")) {
    bool handle = k[0] == 'H';
    *bit = handle ? BLZ_GP_HANDLE : BLZ_GP_MTU;
    r = var_basic(m, SD_BUS_TYPE_UINT16, handle ? &a->handle : &a->mtu);
  } else if (!strcmp(k, "Flags")) {
    *bit = BLZ_GP_FLAGS;
    uint32_t props = 0;
    if ((r = var_strings(m, flag_seen, &props)) > 0) a->props = props;
  } else if (!strcmp(k, "NotifyAcquired") || !strcmp(k, "WriteAcquired") || !strcmp(k, "Notifying") ||
             !strcmp(k, "Primary")) {
    bool *field;
    if (k[0] == 'W') {
      *bit = BLZ_GP_WRITE_ACQUIRED;
      field = &a->write_acquired;
    } else if (k[0] == 'P') {
      *bit = BLZ_GP_PRIMARY;
      field = &a->primary;
    } else if (k[6] == 'A') {
      *bit = BLZ_GP_NOTIFY_ACQUIRED;
      field = &a->notify_acquired;
    } else {
      *bit = BLZ_GP_NOTIFYING;
      field = &a->notifying;
    }
    int v = 0;
    if ((r = var_basic(m, SD_BUS_TYPE_BOOLEAN, &v)) > 0) *field = v != 0;
  } else if (!strcmp(k, "Value")) {
    *bit = BLZ_GP_VALUE;
    if ((r = variant_is(m, "ay")) <= 0) return r;
    if ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "ay")) < 0) return r;
    const void *p = NULL;
    size_t n = 0;
    if ((r = sd_bus_message_read_array(m, SD_BUS_TYPE_BYTE, &p, &n)) < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    t->value = p;
    t->value_len = n;
    return 1; /* a value is an event, not a property kept */
  } else {
    return skip_value(m);
  }
  if (r > 0) a->have |= *bit;
  return r;
}

int blz_attr_apply(blz_attr *a, sd_bus_message *m, unsigned *changed, const uint8_t **value, size_t *value_len,
                  const char **bad) {
  attr_target t = {a, NULL, 0};
  int r = walk(m, attr_prop, &t, changed, bad);
  if (value) *value = t.value;
  if (value_len) *value_len = t.value_len;
  return r;
}
