/* SPDX-License-Identifier: MIT */
/*
 * blz_adv.c — advertising data re-serialized from a Device1's properties. BlueZ parses
 * the packets itself and publishes the result as properties merged over every
 * advertisement and scan response it received (doc/device-api.txt): the split between
 * the two packets and the raw structures are not available. The structures written here
 * carry exactly what the properties say, so that blec's merge, filters and accessors
 * see the same fields as on the other backends.
 */
#include <string.h>

#include "backends/bluez/blz.h"
#include "core/adv.h"

typedef struct out {
  uint8_t *p;
  size_t len, cap;
} out;

/* Appends one structure [len][type][head][data] if it fits (payload <= 254 bytes and
 * the whole within cap); drops it otherwise. */
static void put(out *o, uint8_t type, const uint8_t *head, size_t hn, const uint8_t *data, size_t dn) {
  size_t payload = hn + dn;
  if (payload > 254 || o->len + 2 + payload > o->cap) return;
  o->p[o->len++] = (uint8_t)(payload + 1);
  o->p[o->len++] = type;
  if (hn) memcpy(o->p + o->len, head, hn);
  o->len += hn;
  if (dn) memcpy(o->p + o->len, data, dn);
  o->len += dn;
}

/* Over-the-air (little-endian) bytes of a UUID in its shortest form; returns the size. */
size_t blz_uuid_le(const blec_uuid *u, uint8_t le[16]) {
  uint32_t v32;
  uint16_t v16;
  if (blec_uuid_to16(u, &v16)) {
    le[0] = (uint8_t)v16;
    le[1] = (uint8_t)(v16 >> 8);
    return 2;
  }
  if (blec_uuid_to32(u, &v32)) {
    for (int i = 0; i < 4; i++) le[i] = (uint8_t)(v32 >> (8 * i));
    return 4;
  }
  for (int i = 0; i < 16; i++) le[i] = u->b[15 - i];
  return 16;
}

/* The UUID list of one size as complete-list structures (split when one would not fit). */
static void put_uuids(out *o, const blz_device *d, size_t size, uint8_t type) {
  uint8_t buf[254];
  size_t n = 0;
  for (size_t i = 0; i < d->nuuids; i++) {
    uint8_t le[16];
    if (blz_uuid_le(&d->uuids[i], le) != size) continue;
    if (n + size > sizeof buf) {
      put(o, type, NULL, 0, buf, n);
      n = 0;
    }
    memcpy(buf + n, le, size);
    n += size;
  }
  if (n) put(o, type, NULL, 0, buf, n);
}

/* AD types that the typed properties already cover (AdvertisingData repeats none of
 * them in BlueZ, but a daemon that did must not produce duplicates). */
static bool covered(uint8_t t) {
  switch (t) {
    case BLEC__AD_FLAGS:
    case BLEC__AD_UUID16_INCOMPLETE:
    case BLEC__AD_UUID16_COMPLETE:
    case BLEC__AD_UUID32_INCOMPLETE:
    case BLEC__AD_UUID32_COMPLETE:
    case BLEC__AD_UUID128_INCOMPLETE:
    case BLEC__AD_UUID128_COMPLETE:
    case BLEC__AD_NAME_SHORT:
    case BLEC__AD_NAME_COMPLETE:
    case BLEC__AD_TX_POWER:
    case BLEC__AD_SERVICE_DATA16:
    case BLEC__AD_APPEARANCE:
    case BLEC__AD_SERVICE_DATA32:
    case BLEC__AD_SERVICE_DATA128:
    case BLEC__AD_MANUFACTURER: return true;
    default: return false;
  }
}

size_t blz_adv_build(const blz_device *d, uint8_t *buf, size_t cap) {
  out o = {buf, 0, cap < BLZ_ADV_MAX ? cap : BLZ_ADV_MAX};
  if (!d || !buf) return 0;
  if ((d->have & BLZ_DP_AD_FLAGS) && d->flags.n) put(&o, BLEC__AD_FLAGS, NULL, 0, d->flags.p, d->flags.n);
  if ((d->have & BLZ_DP_NAME) && d->name && d->name[0])
    put(&o, BLEC__AD_NAME_COMPLETE, NULL, 0, (const uint8_t *)d->name, strlen(d->name));
  if (d->have & BLZ_DP_UUIDS) {
    put_uuids(&o, d, 2, BLEC__AD_UUID16_COMPLETE);
    put_uuids(&o, d, 4, BLEC__AD_UUID32_COMPLETE);
    put_uuids(&o, d, 16, BLEC__AD_UUID128_COMPLETE);
  }
  if (d->have & BLZ_DP_TX_POWER) {
    int v = d->tx_power < -127 ? -127 : d->tx_power > 127 ? 127 : d->tx_power;
    uint8_t b = (uint8_t)(int8_t)v;
    put(&o, BLEC__AD_TX_POWER, NULL, 0, &b, 1);
  }
  if (d->have & BLZ_DP_APPEARANCE) {
    uint8_t le[2] = {(uint8_t)d->appearance, (uint8_t)(d->appearance >> 8)};
    put(&o, BLEC__AD_APPEARANCE, NULL, 0, le, 2);
  }
  if (d->have & BLZ_DP_MANUFACTURER) {
    for (size_t i = 0; i < d->nmfr; i++) {
      uint8_t le[2] = {(uint8_t)d->mfr[i].company, (uint8_t)(d->mfr[i].company >> 8)};
      put(&o, BLEC__AD_MANUFACTURER, le, 2, d->mfr[i].data.p, d->mfr[i].data.n);
    }
  }
  if (d->have & BLZ_DP_SERVICE_DATA) {
    for (size_t i = 0; i < d->nsdata; i++) {
      uint8_t le[16];
      size_t n = blz_uuid_le(&d->sdata[i].uuid, le);
      uint8_t type = n == 2 ? BLEC__AD_SERVICE_DATA16 : n == 4 ? BLEC__AD_SERVICE_DATA32 : BLEC__AD_SERVICE_DATA128;
      put(&o, type, le, n, d->sdata[i].data.p, d->sdata[i].data.n);
    }
  }
  if (d->have & BLZ_DP_AD_DATA) {
    for (size_t i = 0; i < d->nad; i++)
      if (!covered(d->ad[i].type)) put(&o, d->ad[i].type, NULL, 0, d->ad[i].data.p, d->ad[i].data.n);
  }
  return o.len;
}
