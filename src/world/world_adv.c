/* SPDX-License-Identifier: MIT */
/*
 * world_adv.c — what a peripheral advertises: its name, the AD structures added to the
 * advertisement and the scan response, and the payloads composed from them.
 *
 * A generated advertisement is: Flags (0x06 when connectable, 0x04 otherwise; left out
 * when an added AD structure is Flags), the name when advertised there (Complete Local
 * Name, or Shortened when it does not fit), then the added AD structures in order. A
 * generated scan response is the name when advertised there, then its added structures.
 * A raw payload (set_adv_data) is sent as it is.
 */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"

/* Whether an AD list holds a structure of this type. Tolerates malformed lists. */
static bool ad_has(const uint8_t *d, size_t n, uint8_t type) {
  size_t i = 0;
  while (i < n) {
    size_t l = d[i];
    if (l == 0 || i + 1 + l > n) return false;
    if (d[i + 1] == type) return true;
    i += 1 + l;
  }
  return false;
}

static int ad_tx_power(const uint8_t *d, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t l = d[i];
    if (l == 0 || i + 1 + l > n) break;
    if (d[i + 1] == 0x0A && l == 2) return (int)(int8_t)d[i + 2];
    i += 1 + l;
  }
  return 127;
}

/* Bytes of s that fit in `room` without cutting a UTF-8 sequence. */
static size_t utf8_fit(const char *s, size_t len, size_t room) {
  if (len <= room) return len;
  size_t n = room;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return n;
}

static bool wants_flags(const blec_world_peripheral *p) { return !ad_has(p->ad[0], p->ad_len[0], 0x01); }

void blec__wadv_compose(blec_world_peripheral *p) {
  for (int part = 0; part < 2; part++) {
    uint8_t *o = p->payload[part];
    size_t n = 0;
    if (p->raw[part]) {
      memcpy(o, p->ad[part], p->ad_len[part]);
      n = p->ad_len[part];
    } else {
      if (part == 0 && wants_flags(p)) {
        o[n++] = 2;
        o[n++] = 0x01;
        o[n++] = p->connectable ? 0x06 : 0x04;
      }
      if (p->name && p->name_where == part) {
        size_t len = strlen(p->name);
        size_t room = BLEC__W_MAX_ADV - n - p->ad_len[part];
        if (room > 2) {
          size_t fit = utf8_fit(p->name, len, room - 2);
          if (fit > 0) {
            o[n++] = (uint8_t)(fit + 1);
            o[n++] = fit == len ? 0x09 : 0x08;
            memcpy(o + n, p->name, fit);
            n += fit;
          }
        }
      }
      memcpy(o + n, p->ad[part], p->ad_len[part]);
      n += p->ad_len[part];
    }
    p->payload_len[part] = n;
    p->tx_power[part] = ad_tx_power(o, n);
  }
}

bool blec__wadv_active(const blec_world_peripheral *p) {
  return p->advertising && !p->connected_elsewhere && p->w->radio && !(p->link && !p->adv_while_connected);
}

int blec__world_peripheral_set_name_where(blec_world_peripheral *p, const char *name, int where) {
  if (!p || where < BLEC__WNAME_ADV || where > BLEC__WNAME_NONE) return BLEC_ERR_INVALID_ARG;
  if (name && strlen(name) > 248) return BLEC_ERR_INVALID_ARG; /* GAP Device Name limit */
  char *copy = NULL;
  if (name && !(copy = blec__wstrdup(name))) return BLEC_ERR_NO_MEMORY;
  blec__mutex_lock(&p->w->lock);
  char *old = p->name;
  p->name = copy;
  p->name_where = where;
  int st = blec__wgatt_name_changed(p);
  if (st != BLEC_OK) {
    p->name = old;
    old = copy;
  }
  blec__wadv_compose(p);
  blec__mutex_unlock(&p->w->lock);
  free(old);
  return st;
}

int blec_world_peripheral_set_name(blec_world_peripheral *p, const char *name, bool in_scan_response_only) {
  return blec__world_peripheral_set_name_where(
      p, name, in_scan_response_only ? BLEC__WNAME_SCAN_RSP : BLEC__WNAME_ADV);
}

int blec_world_peripheral_set_adv_data(blec_world_peripheral *p, bool scan_response, const uint8_t *data,
                                       size_t len) {
  if (!p || len > BLEC__W_MAX_ADV || (len > 0 && !data)) return BLEC_ERR_INVALID_ARG;
  int part = scan_response ? 1 : 0;
  blec__mutex_lock(&p->w->lock);
  if (len) memcpy(p->ad[part], data, len);
  p->ad_len[part] = len;
  p->raw[part] = true;
  blec__wadv_compose(p);
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_add_ad(blec_world_peripheral *p, bool scan_response, uint8_t ad_type,
                                 const uint8_t *data, size_t len) {
  if (!p || len > 254 || (len > 0 && !data)) return BLEC_ERR_INVALID_ARG;
  int part = scan_response ? 1 : 0;
  blec__mutex_lock(&p->w->lock);
  /* Room: the generated Flags stay possible in the advertisement (the name shortens). */
  size_t reserved = (part == 0 && !p->raw[0] && ad_type != 0x01 && wants_flags(p)) ? 3 : 0;
  int st = BLEC_OK;
  if (p->ad_len[part] + 2 + len + reserved > BLEC__W_MAX_ADV) {
    st = BLEC_ERR_INVALID_ARG;
  } else {
    uint8_t *o = p->ad[part] + p->ad_len[part];
    o[0] = (uint8_t)(len + 1);
    o[1] = ad_type;
    if (len) memcpy(o + 2, data, len);
    p->ad_len[part] += 2 + len;
    blec__wadv_compose(p);
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}
