/* SPDX-License-Identifier: MIT */
/*
 * adv.c — AD structure parsing and the immutable, reference-counted blec_adv snapshot
 * (merge rules in adv.h).
 *
 * A snapshot is one allocation: the struct, then the entry arrays (raw, manufacturer,
 * service data, service UUIDs), then copies of both payloads, then the name. Entries
 * point into the payload copies, so building costs two walks over the payloads and one
 * malloc, and freeing is one free.
 */
#include "core/adv.h"
#include "core/core.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct raw_entry {
  const uint8_t *data;
  uint8_t len; /* an AD structure carries at most 254 data bytes */
  uint8_t type;
} raw_entry;

typedef struct mfr_entry {
  const uint8_t *data; /* after the company id */
  uint8_t len;
  uint16_t company;
} mfr_entry;

typedef struct sd_entry {
  const uint8_t *data; /* after the UUID */
  uint8_t len;
  blec_uuid uuid;
} sd_entry;

struct blec_adv {
  atomic_uint refs;
  blec__adv_meta meta;
  const char *name; /* NULL when no name was advertised; "" for an empty name */
  const uint8_t *payload[2]; /* [0] advertisement, [1] scan response; NULL when empty */
  size_t payload_len[2];
  raw_entry *raw;
  mfr_entry *mfr;
  sd_entry *sd;
  blec_uuid *uuids;
  size_t raw_count, mfr_count, sd_count, uuid_count;
  int tx_power;
  uint16_t appearance;
  uint8_t flags;
  bool has_tx_power, has_appearance, has_flags;
};

/* ---------------------------------------------------------------------------------
 * AD structure iteration
 * ------------------------------------------------------------------------------- */

typedef struct ad_iter {
  const uint8_t *p;
  size_t len, pos;
  bool malformed; /* a structure ran past the end */
} ad_iter;

static void ad_iter_init(ad_iter *it, const uint8_t *p, size_t len) {
  it->p = p;
  it->len = p ? len : 0;
  it->pos = 0;
  it->malformed = false;
}

/* The next well-formed structure; false at the end (zero length byte = padding, or a
 * structure running past the end, which sets `malformed`). Never reads p[len] or beyond. */
static bool ad_next(ad_iter *it, uint8_t *type, const uint8_t **data, size_t *dlen) {
  if (it->pos >= it->len) return false;
  size_t l = it->p[it->pos];
  if (l == 0) {
    it->pos = it->len;
    return false;
  }
  if (l > it->len - it->pos - 1) {
    it->malformed = true;
    it->pos = it->len;
    return false;
  }
  *type = it->p[it->pos + 1];
  *data = it->p + it->pos + 2;
  *dlen = l - 1;
  it->pos += 1 + l;
  return true;
}

int blec__ad_foreach(const uint8_t *p, size_t len,
                     int (*fn)(void *user, uint8_t type, const uint8_t *data, size_t len),
                     void *user) {
  ad_iter it;
  uint8_t type;
  const uint8_t *data;
  size_t dlen;
  ad_iter_init(&it, p, len);
  while (ad_next(&it, &type, &data, &dlen)) {
    int r = fn ? fn(user, type, data, dlen) : 0;
    if (r != 0) return r;
  }
  return it.malformed ? BLEC_ERR_PARSE : 0;
}

/* ---------------------------------------------------------------------------------
 * Names: a valid UTF-8 C string whatever the payload holds.
 * ------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when s does not start one. */
size_t blec__utf8_len(const uint8_t *s, size_t n) {
  uint8_t c = s[0], lo = 0x80, hi = 0xBF;
  size_t k;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    k = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    k = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < k || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < k; i++)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return k;
}

/* Longest sanitized name: 254 data bytes, each possibly tripled by U+FFFD, and a NUL. */
#define NAME_BUF (3 * 254 + 1)

/* Copies the name s[0..n) (n <= 254) into dst up to its first NUL, replacing each byte
 * that does not belong to a valid UTF-8 sequence by U+FFFD (EF BF BD), and terminates it.
 * Returns the length written (without the NUL). */
static size_t sanitize_name(const uint8_t *s, size_t n, char dst[NAME_BUF]) {
  size_t out = 0;
  for (size_t i = 0; i < n && s[i] != 0;) {
    if (s[i] < 0x80) { /* the common case: ASCII */
      dst[out++] = (char)s[i++];
      continue;
    }
    size_t k = blec__utf8_len(s + i, n - i);
    if (k == 0) {
      memcpy(dst + out, "\xEF\xBF\xBD", 3);
      out += 3;
      i++;
    } else {
      memcpy(dst + out, s + i, k);
      out += k;
      i += k;
    }
  }
  dst[out] = '\0';
  return out;
}

/* ---------------------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------------------- */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Size in bytes of one UUID in a service-UUID list of `type`, 0 for other types. */
static size_t uuid_list_width(uint8_t type) {
  switch (type) {
    case BLEC__AD_UUID16_INCOMPLETE:
    case BLEC__AD_UUID16_COMPLETE: return 2;
    case BLEC__AD_UUID32_INCOMPLETE:
    case BLEC__AD_UUID32_COMPLETE: return 4;
    case BLEC__AD_UUID128_INCOMPLETE:
    case BLEC__AD_UUID128_COMPLETE: return 16;
    default: return 0;
  }
}

/* Size of the UUID leading a service-data structure of `type`, 0 for other types. */
static size_t service_data_width(uint8_t type) {
  switch (type) {
    case BLEC__AD_SERVICE_DATA16: return 2;
    case BLEC__AD_SERVICE_DATA32: return 4;
    case BLEC__AD_SERVICE_DATA128: return 16;
    default: return 0;
  }
}

static blec_uuid uuid_from_wire(const uint8_t *p, size_t width) {
  if (width == 2) return blec_uuid_from16(le16(p));
  if (width == 4) return blec_uuid_from32(le32(p));
  return blec_uuid_from_le_bytes(p);
}

/* What the first walk learns: upper bounds of the entry counts and the scalar fields. */
typedef struct survey {
  size_t raw, mfr, sd, uuids;
  const uint8_t *name;
  size_t name_len;
  int name_rank; /* 0 none, else name_rank() of the chosen name */
  int tx_power;
  uint16_t appearance;
  uint8_t flags;
  bool has_tx_power, has_appearance, has_flags;
} survey;

/* Which name structure wins: any name beats none, a non-empty name (bytes before the
 * first NUL) beats an empty one — a present but empty name still reads as "" — and among
 * those a complete name (0x09) beats a shortened one (0x08). */
static int name_rank(uint8_t type, const uint8_t *d, size_t n) {
  bool non_empty = n > 0 && d[0] != 0;
  return 1 + (non_empty ? 2 : 0) + (type == BLEC__AD_NAME_COMPLETE ? 1 : 0);
}

static void survey_payload(survey *s, const uint8_t *p, size_t len) {
  ad_iter it;
  uint8_t type;
  const uint8_t *d;
  size_t n;
  ad_iter_init(&it, p, len);
  while (ad_next(&it, &type, &d, &n)) {
    s->raw++;
    size_t w = uuid_list_width(type);
    if (w) {
      s->uuids += n / w;
      continue;
    }
    w = service_data_width(type);
    if (w) {
      if (n >= w) s->sd++;
      continue;
    }
    switch (type) {
      case BLEC__AD_MANUFACTURER:
        if (n >= 2) s->mfr++;
        break;
      case BLEC__AD_NAME_SHORT:
      case BLEC__AD_NAME_COMPLETE: {
        int rank = name_rank(type, d, n);
        if (rank >= s->name_rank) { /* later wins among equals */
          s->name_rank = rank;
          s->name = d;
          s->name_len = n;
        }
        break;
      }
      case BLEC__AD_TX_POWER:
        if (n >= 1) {
          s->tx_power = (int)(int8_t)d[0];
          s->has_tx_power = true;
        }
        break;
      case BLEC__AD_APPEARANCE:
        if (n >= 2) {
          s->appearance = le16(d);
          s->has_appearance = true;
        }
        break;
      case BLEC__AD_FLAGS:
        if (n >= 1) {
          s->flags = d[0];
          s->has_flags = true;
        }
        break;
      default: break;
    }
  }
}

/* Second walk over the copy inside the snapshot: fills the entry arrays. */
static void fill_payload(blec_adv *a, const uint8_t *p, size_t len) {
  ad_iter it;
  uint8_t type;
  const uint8_t *d;
  size_t n;
  ad_iter_init(&it, p, len);
  while (ad_next(&it, &type, &d, &n)) {
    raw_entry *r = &a->raw[a->raw_count++];
    r->type = type;
    r->data = d;
    r->len = (uint8_t)n;

    size_t w = uuid_list_width(type);
    if (w) {
      for (size_t off = 0; off + w <= n; off += w) {
        blec_uuid u = uuid_from_wire(d + off, w);
        size_t i = 0;
        while (i < a->uuid_count && memcmp(a->uuids[i].b, u.b, 16) != 0) i++;
        if (i == a->uuid_count) a->uuids[a->uuid_count++] = u;
      }
      continue;
    }
    w = service_data_width(type);
    if (w) {
      /* Every structure is an entry: the same UUID may repeat (Core Specification
       * Supplement Part A 1.11), each with its own data. */
      if (n < w) continue;
      sd_entry *e = &a->sd[a->sd_count++];
      e->uuid = uuid_from_wire(d, w);
      e->data = d + w;
      e->len = (uint8_t)(n - w);
      continue;
    }
    if (type == BLEC__AD_MANUFACTURER && n >= 2) {
      /* Same rule: a company id may repeat (an iBeacon and another Apple structure). */
      mfr_entry *e = &a->mfr[a->mfr_count++];
      e->company = le16(d);
      e->data = d + 2;
      e->len = (uint8_t)(n - 2);
    }
  }
}

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

int blec__adv_build(const uint8_t *adv, size_t adv_len, const uint8_t *rsp, size_t rsp_len,
                    const blec__adv_meta *meta, blec_adv **out) {
  if (out == NULL) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  if (adv == NULL) adv_len = 0;
  if (rsp == NULL) rsp_len = 0;
  /* The bound also keeps every size below far inside size_t, even on 32-bit targets. */
  if (adv_len > BLEC__ADV_MAX_PAYLOAD || rsp_len > BLEC__ADV_MAX_PAYLOAD)
    return BLEC_ERR_INVALID_ARG;

  survey s;
  memset(&s, 0, sizeof s);
  survey_payload(&s, adv, adv_len);
  survey_payload(&s, rsp, rsp_len);
  char name[NAME_BUF];
  size_t name_size = s.name_rank ? sanitize_name(s.name, s.name_len, name) + 1 : 0;

  size_t off_raw = align_up(sizeof(blec_adv), alignof(raw_entry));
  size_t off_mfr = align_up(off_raw + s.raw * sizeof(raw_entry), alignof(mfr_entry));
  size_t off_sd = align_up(off_mfr + s.mfr * sizeof(mfr_entry), alignof(sd_entry));
  size_t off_uuid = align_up(off_sd + s.sd * sizeof(sd_entry), alignof(blec_uuid));
  size_t off_adv = off_uuid + s.uuids * sizeof(blec_uuid);
  size_t off_rsp = off_adv + adv_len;
  size_t off_name = off_rsp + rsp_len;
  size_t total = off_name + name_size;

  unsigned char *block = malloc(total);
  if (block == NULL) return BLEC_ERR_NO_MEMORY;
  blec_adv *a = (blec_adv *)(void *)block;
  memset(a, 0, sizeof *a);
  atomic_init(&a->refs, 1u);
  if (meta) a->meta = *meta;
  a->raw = (raw_entry *)(void *)(block + off_raw);
  a->mfr = (mfr_entry *)(void *)(block + off_mfr);
  a->sd = (sd_entry *)(void *)(block + off_sd);
  a->uuids = (blec_uuid *)(void *)(block + off_uuid);
  if (adv_len) {
    memcpy(block + off_adv, adv, adv_len);
    a->payload[0] = block + off_adv;
    a->payload_len[0] = adv_len;
  }
  if (rsp_len) {
    memcpy(block + off_rsp, rsp, rsp_len);
    a->payload[1] = block + off_rsp;
    a->payload_len[1] = rsp_len;
  }
  if (name_size) {
    memcpy(block + off_name, name, name_size);
    a->name = (const char *)(block + off_name);
  }
  a->tx_power = s.tx_power;
  a->has_tx_power = s.has_tx_power;
  a->appearance = s.appearance;
  a->has_appearance = s.has_appearance;
  a->flags = s.flags;
  a->has_flags = s.has_flags;

  fill_payload(a, a->payload[0], a->payload_len[0]);
  fill_payload(a, a->payload[1], a->payload_len[1]);
  *out = a;
  return BLEC_OK;
}

const blec__adv_meta *blec__adv_meta_of(const blec_adv *adv) { return adv ? &adv->meta : NULL; }

/* ---------------------------------------------------------------------------------
 * Public accessors. A NULL snapshot reads as an empty one where the answer is a count,
 * a bool or a pointer; the int-returning ones answer BLEC_ERR_INVALID_ARG for a NULL
 * snapshot, a NULL key or an index out of range, and BLEC_ERR_NOT_FOUND for an absent
 * key. Every output pointer may be NULL.
 * ------------------------------------------------------------------------------- */

blec_adv *blec_adv_ref(blec_adv *adv) {
  if (adv) atomic_fetch_add_explicit(&adv->refs, 1u, memory_order_relaxed);
  return adv;
}

void blec_adv_unref(blec_adv *adv) {
  /* acq_rel: every use of the snapshot by other holders happens before the free. */
  if (adv && atomic_fetch_sub_explicit(&adv->refs, 1u, memory_order_acq_rel) == 1u) free(adv);
}

const char *blec_adv_local_name(const blec_adv *adv) { return adv ? adv->name : NULL; }
int blec_adv_rssi(const blec_adv *adv) { return adv ? adv->meta.rssi : 0; }

bool blec_adv_tx_power(const blec_adv *adv, int *dbm) {
  if (!adv || !adv->has_tx_power) return false;
  if (dbm) *dbm = adv->tx_power;
  return true;
}

bool blec_adv_appearance(const blec_adv *adv, uint16_t *value) {
  if (!adv || !adv->has_appearance) return false;
  if (value) *value = adv->appearance;
  return true;
}

bool blec_adv_flags(const blec_adv *adv, uint8_t *flags) {
  if (!adv || !adv->has_flags) return false;
  if (flags) *flags = adv->flags;
  return true;
}

blec_address_type blec_adv_address_type(const blec_adv *adv) {
  return adv ? adv->meta.address_type : BLEC_ADDRESS_UNSPECIFIED;
}

bool blec_adv_connectable(const blec_adv *adv) { return adv ? adv->meta.connectable : false; }
blec_adv_type blec_adv_last_type(const blec_adv *adv) { return adv ? adv->meta.last_type : BLEC_ADV_IND; }
uint64_t blec_adv_timestamp_us(const blec_adv *adv) { return adv ? adv->meta.timestamp_us : 0; }

size_t blec_adv_manufacturer_count(const blec_adv *adv) { return adv ? adv->mfr_count : 0; }

int blec_adv_manufacturer_at(const blec_adv *adv, size_t i, uint16_t *company_id,
                             const uint8_t **data, size_t *len) {
  if (!adv || i >= adv->mfr_count) return BLEC_ERR_INVALID_ARG;
  if (company_id) *company_id = adv->mfr[i].company;
  if (data) *data = adv->mfr[i].data;
  if (len) *len = adv->mfr[i].len;
  return BLEC_OK;
}

int blec_adv_manufacturer_find(const blec_adv *adv, uint16_t company_id, const uint8_t **data,
                               size_t *len) {
  if (!adv) return BLEC_ERR_INVALID_ARG;
  for (size_t i = 0; i < adv->mfr_count; i++)
    if (adv->mfr[i].company == company_id) return blec_adv_manufacturer_at(adv, i, NULL, data, len);
  return BLEC_ERR_NOT_FOUND;
}

size_t blec_adv_service_data_count(const blec_adv *adv) { return adv ? adv->sd_count : 0; }

int blec_adv_service_data_at(const blec_adv *adv, size_t i, blec_uuid *uuid, const uint8_t **data,
                             size_t *len) {
  if (!adv || i >= adv->sd_count) return BLEC_ERR_INVALID_ARG;
  if (uuid) *uuid = adv->sd[i].uuid;
  if (data) *data = adv->sd[i].data;
  if (len) *len = adv->sd[i].len;
  return BLEC_OK;
}

int blec_adv_service_data_find(const blec_adv *adv, const blec_uuid *uuid, const uint8_t **data,
                               size_t *len) {
  if (!adv || !uuid) return BLEC_ERR_INVALID_ARG;
  for (size_t i = 0; i < adv->sd_count; i++)
    if (memcmp(adv->sd[i].uuid.b, uuid->b, 16) == 0)
      return blec_adv_service_data_at(adv, i, NULL, data, len);
  return BLEC_ERR_NOT_FOUND;
}

size_t blec_adv_service_uuid_count(const blec_adv *adv) { return adv ? adv->uuid_count : 0; }

int blec_adv_service_uuid_at(const blec_adv *adv, size_t i, blec_uuid *uuid) {
  if (!adv || i >= adv->uuid_count) return BLEC_ERR_INVALID_ARG;
  if (uuid) *uuid = adv->uuids[i];
  return BLEC_OK;
}

bool blec_adv_has_service_uuid(const blec_adv *adv, const blec_uuid *uuid) {
  if (!uuid) return false;
  for (size_t i = 0; adv && i < adv->uuid_count; i++)
    if (memcmp(adv->uuids[i].b, uuid->b, 16) == 0) return true;
  return false;
}

size_t blec_adv_raw_count(const blec_adv *adv) { return adv ? adv->raw_count : 0; }

int blec_adv_raw_at(const blec_adv *adv, size_t i, uint8_t *ad_type, const uint8_t **data,
                    size_t *len) {
  if (!adv || i >= adv->raw_count) return BLEC_ERR_INVALID_ARG;
  if (ad_type) *ad_type = adv->raw[i].type;
  if (data) *data = adv->raw[i].data;
  if (len) *len = adv->raw[i].len;
  return BLEC_OK;
}

const uint8_t *blec_adv_payload(const blec_adv *adv, bool scan_response, size_t *len) {
  int k = scan_response ? 1 : 0;
  if (len) *len = adv ? adv->payload_len[k] : 0;
  return adv ? adv->payload[k] : NULL;
}
