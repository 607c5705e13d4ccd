/* SPDX-License-Identifier: MIT */
/*
 * world_gatt.c — a peripheral's attribute database, laid out as a real GATT server does:
 * handles from 1 in the order things are added (or from a handle asked with
 * blec_world_set_next_handle, the handles skipped left unused, as on a real device whose
 * database has gaps: the table holds the attributes only, in handle order); a service
 * declaration, then for each
 * characteristic its declaration, its value, then its descriptors (Extended Properties
 * 0x2900 first when needed, then the CCCD 0x2902 when it can notify or indicate, then the
 * descriptors added). A peripheral with a name gets the GAP service (0x1800) with Device
 * Name (0x2A00, read): at handles 1-3 when the name comes before the first service,
 * else after the services added so far.
 *
 * Also the answers to reads and writes, checked against the link's security level.
 */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"

#define EXT_PROPS (BLEC_PROP_RELIABLE_WRITE | BLEC_PROP_WRITABLE_AUXILIARIES)
#define ALL_PROPS 0x3FFu

blec__wattr_rec *blec__wgatt_attr(blec_world_peripheral *p, uint16_t handle) {
  if (handle == 0 || p->nattrs == 0) return NULL;
  /* Handles increase from 1, so the attribute with this handle, if any, is at an index
   * below it: at handle - 1 exactly when no gap comes before it (the usual case). */
  size_t hi = handle < p->nattrs ? handle : p->nattrs;
  if (p->attrs[hi - 1].handle == handle) return &p->attrs[hi - 1];
  size_t lo = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->attrs[mid].handle < handle)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p->nattrs && p->attrs[lo].handle == handle ? &p->attrs[lo] : NULL;
}

/* The last attribute's handle, 0 when there is none (lock held). */
static uint16_t last_handle(const blec_world_peripheral *p) {
  return p->nattrs ? p->attrs[p->nattrs - 1].handle : 0;
}

int blec__wgatt_set(blec__wattr_rec *a, const uint8_t *data, size_t len) {
  if (len > BLEC__W_MAX_VALUE) return BLEC_ERR_INVALID_ARG;
  if (len > a->cap) {
    /* Grow to the maximum at once for values that change size often (streams, echo). */
    size_t cap = len < 32 ? 32 : BLEC__W_MAX_VALUE;
    uint8_t *v = realloc(a->value, cap);
    if (!v) return BLEC_ERR_NO_MEMORY;
    a->value = v;
    a->cap = (uint16_t)cap;
  }
  if (len) memcpy(a->value, data, len);
  a->len = (uint16_t)len;
  return BLEC_OK;
}

bool blec__world_handles_full(blec_world_peripheral *p) {
  blec__mutex_lock(&p->w->lock);
  bool full = last_handle(p) >= 0xFFFF;
  blec__mutex_unlock(&p->w->lock);
  return full;
}

/* Appends an attribute (lock held): the handle after the last one, or the one
 * blec_world_set_next_handle asked for; its handle in *handle. */
static int push(blec_world_peripheral *p, int kind, const blec_uuid *uuid, uint16_t *handle) {
  uint16_t last = last_handle(p);
  if (last >= 0xFFFF) return BLEC_ERR_STATE; /* the handle space is full (not out of memory) */
  if (p->nattrs == p->cap_attrs) {
    size_t cap = p->cap_attrs ? p->cap_attrs * 2 : 16;
    if (cap > 0xFFFF) cap = 0xFFFF;
    blec__wattr_rec *na = realloc(p->attrs, cap * sizeof *na);
    if (!na) return BLEC_ERR_NO_MEMORY;
    p->attrs = na;
    p->cap_attrs = cap;
  }
  blec__wattr_rec *a = &p->attrs[p->nattrs++];
  memset(a, 0, sizeof *a);
  a->handle = p->next_handle > last ? p->next_handle : (uint16_t)(last + 1);
  p->next_handle = 0;
  a->kind = (uint8_t)kind;
  a->uuid = *uuid;
  a->stream_ms = -1;
  a->burst = 1;
  *handle = a->handle;
  return BLEC_OK;
}

/* The attribute at a handle known to hold one (lock held). */
static blec__wattr_rec *at(blec_world_peripheral *p, uint16_t handle) { return blec__wgatt_attr(p, handle); }

/* The service holding the last attribute gets its end handle moved. */
static void extend_service(blec_world_peripheral *p) {
  if (p->cur_service) at(p, p->cur_service)->owner = last_handle(p);
}

/* Undoes pushes back to n attributes after a failure (lock held). */
static void truncate_to(blec_world_peripheral *p, size_t n) {
  while (p->nattrs > n) free(p->attrs[--p->nattrs].value);
}

static int add_service_locked(blec_world_peripheral *p, const blec_uuid *uuid, uint16_t *handle) {
  uint16_t h;
  int st = push(p, BLEC__WA_SERVICE, uuid, &h);
  if (st != BLEC_OK) return st;
  at(p, h)->owner = h;
  p->cur_service = h;
  p->cur_char = 0;
  if (handle) *handle = h;
  return BLEC_OK;
}

static int add_char_locked(blec_world_peripheral *p, const blec_uuid *uuid, uint32_t props,
                           const uint8_t *value, size_t len, uint16_t *value_handle) {
  if (!p->cur_service) return BLEC_ERR_STATE;
  if (props & EXT_PROPS) props |= BLEC_PROP_EXTENDED_PROPERTIES;
  size_t before = p->nattrs;
  uint16_t decl, vh, h;
  int st = push(p, BLEC__WA_CHAR_DECL, uuid, &decl);
  if (st == BLEC_OK) st = push(p, BLEC__WA_VALUE, uuid, &vh);
  if (st == BLEC_OK) {
    at(p, decl)->props = props;
    at(p, decl)->owner = vh;
    at(p, vh)->props = props;
    at(p, vh)->owner = vh;
    st = blec__wgatt_set(at(p, vh), value, len);
  }
  if (st == BLEC_OK && (props & EXT_PROPS)) {
    blec_uuid u = blec_uuid_from16(0x2900);
    st = push(p, BLEC__WA_DESC, &u, &h);
    if (st == BLEC_OK) {
      uint8_t bits[2] = {(props & BLEC_PROP_RELIABLE_WRITE) ? 1 : 0, 0};
      if (props & BLEC_PROP_WRITABLE_AUXILIARIES) bits[0] |= 2;
      at(p, h)->owner = vh;
      at(p, h)->access = BLEC__WACC_READ;
      st = blec__wgatt_set(at(p, h), bits, 2);
    }
  }
  if (st == BLEC_OK && (props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE))) {
    blec_uuid u = blec_uuid_from16(0x2902);
    st = push(p, BLEC__WA_DESC, &u, &h);
    if (st == BLEC_OK) {
      static const uint8_t zero[2] = {0, 0};
      at(p, h)->owner = vh;
      at(p, h)->access = BLEC__WACC_READ | BLEC__WACC_WRITE;
      at(p, vh)->cccd = h;
      st = blec__wgatt_set(at(p, h), zero, 2);
    }
  }
  if (st != BLEC_OK) {
    truncate_to(p, before);
    return st;
  }
  extend_service(p);
  p->cur_char = vh;
  if (value_handle) *value_handle = vh;
  return BLEC_OK;
}

int blec__wgatt_name_changed(blec_world_peripheral *p) {
  if (p->gap_name) {
    const char *n = p->name ? p->name : "";
    return blec__wgatt_set(at(p, p->gap_name), (const uint8_t *)n, strlen(n));
  }
  if (!p->name) return BLEC_OK;
  /* Create the GAP service; the caller's "current service" ends (characteristics added
   * next would otherwise land in the GAP service). */
  size_t before = p->nattrs;
  uint16_t saved_service = p->cur_service;
  blec_uuid s = blec_uuid_from16(0x1800), c = blec_uuid_from16(0x2A00);
  int st = add_service_locked(p, &s, NULL);
  uint16_t vh = 0;
  if (st == BLEC_OK)
    st = add_char_locked(p, &c, BLEC_PROP_READ, (const uint8_t *)p->name, strlen(p->name), &vh);
  if (st != BLEC_OK) {
    truncate_to(p, before);
    p->cur_service = saved_service;
    return st;
  }
  p->gap_name = vh;
  p->cur_service = 0;
  p->cur_char = 0;
  return BLEC_OK;
}

/* ---- builder ------------------------------------------------------------------------------ */

uint16_t blec__wgatt_last_handle(blec_world_peripheral *p) {
  blec__mutex_lock(&p->w->lock);
  uint16_t last = last_handle(p);
  blec__mutex_unlock(&p->w->lock);
  return last;
}

int blec_world_set_next_handle(blec_world_peripheral *p, uint16_t handle) {
  if (!p || handle == 0) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  bool up = handle > last_handle(p); /* handles only increase */
  if (up) p->next_handle = handle;   /* the gap costs nothing: the table holds attributes only */
  blec__mutex_unlock(&p->w->lock);
  return up ? BLEC_OK : BLEC_ERR_INVALID_ARG;
}

int blec_world_add_service(blec_world_peripheral *p, const blec_uuid *uuid, uint16_t *handle) {
  if (!p || !uuid) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  int st = add_service_locked(p, uuid, handle);
  blec__mutex_unlock(&p->w->lock);
  return st;
}

int blec_world_add_characteristic(blec_world_peripheral *p, const blec_uuid *uuid, uint32_t props,
                                  const uint8_t *value, size_t len, uint16_t *value_handle) {
  if (!p || !uuid || (props & ~ALL_PROPS) || len > BLEC__W_MAX_VALUE || (len && !value))
    return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  int st = add_char_locked(p, uuid, props, value, len, value_handle);
  blec__mutex_unlock(&p->w->lock);
  return st;
}

int blec_world_add_descriptor(blec_world_peripheral *p, const blec_uuid *uuid, const uint8_t *value,
                              size_t len, uint16_t *handle) {
  if (!p || !uuid || len > BLEC__W_MAX_VALUE || (len && !value)) return BLEC_ERR_INVALID_ARG;
  uint16_t u16;
  if (blec_uuid_to16(uuid, &u16) && u16 == 0x2902) return BLEC_ERR_INVALID_ARG; /* automatic */
  blec__mutex_lock(&p->w->lock);
  int st = BLEC_ERR_STATE;
  if (p->cur_char) {
    size_t before = p->nattrs;
    uint16_t h;
    st = push(p, BLEC__WA_DESC, uuid, &h);
    if (st == BLEC_OK) {
      at(p, h)->owner = p->cur_char;
      at(p, h)->access = BLEC__WACC_READ | BLEC__WACC_WRITE;
      st = blec__wgatt_set(at(p, h), value, len);
      if (st != BLEC_OK) truncate_to(p, before);
    }
    if (st == BLEC_OK) {
      extend_service(p);
      if (handle) *handle = h;
    }
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

int blec__world_descriptor_set_access(blec_world_peripheral *p, uint16_t handle, int access) {
  if (!p || (access & ~(BLEC__WACC_READ | BLEC__WACC_WRITE))) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = blec__wgatt_attr(p, handle);
  int st = BLEC_ERR_INVALID_ARG;
  if (a && a->kind == BLEC__WA_DESC && at(p, a->owner)->cccd != handle) {
    a->access = (uint8_t)access;
    st = BLEC_OK;
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

/* The value attribute of handle, NULL unless it is one (lock held). */
static blec__wattr_rec *value_attr(blec_world_peripheral *p, uint16_t handle) {
  blec__wattr_rec *a = blec__wgatt_attr(p, handle);
  return a && a->kind == BLEC__WA_VALUE ? a : NULL;
}

int blec_world_characteristic_set_security(blec_world_peripheral *p, uint16_t value_handle,
                                           blec_protection_level needed) {
  if (!p || (int)needed < BLEC_PROTECTION_DEFAULT ||
      (int)needed > BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION)
    return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = value_attr(p, value_handle);
  if (a) a->security = (uint8_t)(needed == BLEC_PROTECTION_DEFAULT ? BLEC_PROTECTION_NONE : needed);
  blec__mutex_unlock(&p->w->lock);
  return a ? BLEC_OK : BLEC_ERR_INVALID_ARG;
}

int blec_world_characteristic_set_echo(blec_world_peripheral *p, uint16_t value_handle,
                                       uint16_t notify_handle) {
  if (!p) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = value_attr(p, value_handle), *t = value_attr(p, notify_handle);
  int st = BLEC_ERR_INVALID_ARG;
  if (a && t && (a->props & (BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE)) &&
      (t->props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE))) {
    a->echo = notify_handle;
    st = BLEC_OK;
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

int blec__world_characteristic_set_stream_ex(blec_world_peripheral *p, uint16_t value_handle, int interval_ms,
                                             const char *generator, uint32_t burst, uint64_t count) {
  int gen = generator ? blec__wstream_generator(generator) : BLEC__WGEN_STATIC;
  if (!p || interval_ms < 0 || gen < 0 || burst < 1) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = value_attr(p, value_handle);
  int st = BLEC_ERR_INVALID_ARG;
  if (a && (a->props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE))) {
    a->stream_ms = interval_ms;
    a->generator = (uint8_t)gen;
    a->burst = burst;
    a->count = count;
    a->gen_state = 0;
    st = BLEC_OK;
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

int blec_world_characteristic_set_stream(blec_world_peripheral *p, uint16_t value_handle, int interval_ms,
                                         const char *generator) {
  return blec__world_characteristic_set_stream_ex(p, value_handle, interval_ms, generator, 1, 0);
}

int blec_world_set_value(blec_world_peripheral *p, uint16_t handle, const uint8_t *value, size_t len,
                         bool notify) {
  if (!p || len > BLEC__W_MAX_VALUE || (len && !value)) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = blec__wgatt_attr(p, handle);
  int st = BLEC_ERR_INVALID_ARG;
  if (a &&
      (a->kind == BLEC__WA_VALUE || (a->kind == BLEC__WA_DESC && at(p, a->owner)->cccd != handle))) {
    st = blec__wgatt_set(a, value, len);
    if (st == BLEC_OK && notify && a->kind == BLEC__WA_VALUE && p->link && p->link->state == BLEC__WLINK_UP)
      st = blec__wsub_push(p->link, handle, value, len);
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

/* Writes the UUID in its shortest over-the-air form; returns its length. */
static size_t uuid_le(const blec_uuid *u, uint8_t *out) {
  uint16_t v;
  if (blec_uuid_to16(u, &v)) {
    out[0] = (uint8_t)v;
    out[1] = (uint8_t)(v >> 8);
    return 2;
  }
  for (int i = 0; i < 16; i++) out[i] = u->b[15 - i];
  return 16;
}

size_t blec__wgatt_encode(blec_world_peripheral *p, const blec__wattr_rec *a, uint8_t *out) {
  (void)p;
  switch (a->kind) {
    case BLEC__WA_SERVICE:
      return uuid_le(&a->uuid, out);
    case BLEC__WA_CHAR_DECL:
      out[0] = (uint8_t)(a->props & 0xFF);
      out[1] = (uint8_t)a->owner;
      out[2] = (uint8_t)(a->owner >> 8);
      return 3 + uuid_le(&a->uuid, out + 3);
    default:
      if (a->len) memcpy(out, a->value, a->len);
      return a->len;
  }
}

int blec_world_get_value(blec_world_peripheral *p, uint16_t handle, uint8_t **value, size_t *len) {
  if (value) *value = NULL;
  if (len) *len = 0;
  if (!p || !value || !len) return BLEC_ERR_INVALID_ARG;
  uint8_t *buf = malloc(BLEC__W_MAX_VALUE);
  if (!buf) return BLEC_ERR_NO_MEMORY;
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = blec__wgatt_attr(p, handle);
  int st = BLEC_ERR_INVALID_ARG;
  size_t n = 0;
  if (a) {
    st = BLEC_OK;
    if (a->kind == BLEC__WA_DESC && at(p, a->owner)->cccd == handle) {
      /* The CCCD's value is per link: the live link's, else zero. */
      blec__wsub *s = p->link ? blec__wsub_find(p->link, a->owner) : NULL;
      uint16_t bits = s ? s->bits : 0;
      buf[0] = (uint8_t)bits;
      buf[1] = (uint8_t)(bits >> 8);
      n = 2;
    } else {
      n = blec__wgatt_encode(p, a, buf);
    }
  }
  blec__mutex_unlock(&p->w->lock);
  if (st != BLEC_OK) {
    free(buf);
    return st;
  }
  *value = buf;
  *len = n;
  return BLEC_OK;
}

/* ---- answers ---------------------------------------------------------------------------------- */

/* The ATT error a link's security level earns for an attribute needing `need`, 0 if none. */
static int security_error(const blec__wlink *l, int need) {
  if (need >= BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION &&
      l->level < BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION)
    return BLEC_ATT_INSUFFICIENT_AUTHENTICATION;
  if (need >= BLEC_PROTECTION_ENCRYPTION && l->level < BLEC_PROTECTION_ENCRYPTION)
    return BLEC_ATT_INSUFFICIENT_ENCRYPTION;
  return 0;
}

static void answer(blec__wreq *r, int att) {
  r->status = att ? BLEC_ERR_ATT : BLEC_OK;
  r->att = att;
}

void blec__wgatt_read(blec__wlink *l, blec__wreq *r) {
  blec_world_peripheral *p = l->p;
  blec__wattr_rec *a = blec__wgatt_attr(p, r->handle);
  r->len = 0;
  if (!a) {
    answer(r, BLEC_ATT_INVALID_HANDLE);
    return;
  }
  uint8_t *out = r->data;
  if (a->kind == BLEC__WA_VALUE) {
    if (!(a->props & BLEC_PROP_READ)) {
      answer(r, BLEC_ATT_READ_NOT_PERMITTED);
      return;
    }
    int e = security_error(l, a->security);
    if (e) {
      answer(r, e);
      return;
    }
  } else if (a->kind == BLEC__WA_DESC) {
    if (at(p, a->owner)->cccd == r->handle) {
      blec__wsub *s = blec__wsub_find(l, a->owner);
      uint16_t bits = s ? s->bits : 0;
      out[0] = (uint8_t)bits;
      out[1] = (uint8_t)(bits >> 8);
      r->len = 2;
      answer(r, 0);
      return;
    }
    if (!(a->access & BLEC__WACC_READ)) {
      answer(r, BLEC_ATT_READ_NOT_PERMITTED);
      return;
    }
  }
  if (a->len > BLEC__WREQ_INLINE && blec__wreq_set_data(r, NULL, a->len) != BLEC_OK) {
    answer(r, BLEC_ATT_INSUFFICIENT_RESOURCES);
    return;
  }
  r->len = blec__wgatt_encode(p, a, r->data);
  answer(r, 0);
}

void blec__wgatt_write(blec__wlink *l, blec__wreq *r) {
  blec_world_peripheral *p = l->p;
  blec__wattr_rec *a = blec__wgatt_attr(p, r->handle);
  bool with_response = r->type == BLEC__WREQ_WRITE;
  if (!a) {
    answer(r, BLEC_ATT_INVALID_HANDLE);
    return;
  }
  if (a->kind == BLEC__WA_SERVICE || a->kind == BLEC__WA_CHAR_DECL) {
    answer(r, BLEC_ATT_WRITE_NOT_PERMITTED);
    return;
  }
  if (a->kind == BLEC__WA_VALUE) {
    uint32_t need = with_response ? BLEC_PROP_WRITE : BLEC_PROP_WRITE_WITHOUT_RESPONSE;
    if (!(a->props & need)) {
      answer(r, BLEC_ATT_WRITE_NOT_PERMITTED);
      return;
    }
    int e = security_error(l, a->security);
    if (e) {
      answer(r, e);
      return;
    }
    if (r->len > BLEC__W_MAX_VALUE) {
      answer(r, BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH);
      return;
    }
    if (blec__wgatt_set(a, r->data, r->len) != BLEC_OK) {
      answer(r, BLEC_ATT_INSUFFICIENT_RESOURCES);
      return;
    }
    if (a->echo) {
      /* A Nordic-UART-style echo: the written bytes become the other value, notified. */
      blec__wattr_rec *t = blec__wgatt_attr(p, a->echo);
      if (blec__wgatt_set(t, r->data, r->len) == BLEC_OK) blec__wsub_push(l, a->echo, r->data, r->len);
    }
    answer(r, 0);
    return;
  }
  /* a descriptor */
  blec__wattr_rec *v = at(p, a->owner);
  if (v->cccd == r->handle) {
    int e = security_error(l, v->security);
    if (e) {
      answer(r, e);
      return;
    }
    if (r->len != 2) {
      answer(r, BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH);
      return;
    }
    uint16_t bits = (uint16_t)(r->data[0] | (r->data[1] << 8));
    uint16_t allowed =
        (uint16_t)(((v->props & BLEC_PROP_NOTIFY) ? 1 : 0) | ((v->props & BLEC_PROP_INDICATE) ? 2 : 0));
    if (bits & ~allowed) {
      answer(r, BLEC_ATT_VALUE_NOT_ALLOWED);
      return;
    }
    answer(r, blec__wsub_set(l, v, bits) == BLEC_OK ? 0 : BLEC_ATT_INSUFFICIENT_RESOURCES);
    return;
  }
  if (!(a->access & BLEC__WACC_WRITE)) {
    answer(r, BLEC_ATT_WRITE_NOT_PERMITTED);
    return;
  }
  if (r->len > BLEC__W_MAX_VALUE) {
    answer(r, BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH);
    return;
  }
  answer(r, blec__wgatt_set(a, r->data, r->len) == BLEC_OK ? 0 : BLEC_ATT_INSUFFICIENT_RESOURCES);
}

int blec__wgatt_list(blec_world_peripheral *p, blec__wattr **attrs, size_t *count) {
  size_t n = 0;
  for (size_t i = 0; i < p->nattrs; i++)
    if (p->attrs[i].kind != BLEC__WA_CHAR_DECL) n++;
  blec__wattr *out = malloc((n ? n : 1) * sizeof *out);
  if (!out) return BLEC_ERR_NO_MEMORY;
  size_t k = 0;
  for (size_t i = 0; i < p->nattrs; i++) {
    const blec__wattr_rec *a = &p->attrs[i];
    if (a->kind == BLEC__WA_CHAR_DECL) continue;
    blec__wattr *o = &out[k++];
    memset(o, 0, sizeof *o);
    o->handle = a->handle;
    o->uuid = a->uuid;
    if (a->kind == BLEC__WA_SERVICE) {
      o->kind = BLEC__WATTR_SERVICE;
      o->end_handle = a->owner;
    } else if (a->kind == BLEC__WA_VALUE) {
      o->kind = BLEC__WATTR_CHARACTERISTIC;
      o->props = a->props;
    } else {
      o->kind = BLEC__WATTR_DESCRIPTOR;
    }
  }
  *attrs = out;
  *count = n;
  return BLEC_OK;
}

int blec__world_peripheral_attributes(blec_world_peripheral *p, blec__wattr **attrs, size_t *count) {
  if (attrs) *attrs = NULL;
  if (count) *count = 0;
  if (!p || !attrs || !count) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  int st = blec__wgatt_list(p, attrs, count);
  blec__mutex_unlock(&p->w->lock);
  return st;
}

uint32_t blec__wgatt_props(blec_world_peripheral *p, uint16_t value_handle) {
  blec__mutex_lock(&p->w->lock);
  blec__wattr_rec *a = value_attr(p, value_handle);
  uint32_t props = a ? a->props : 0;
  blec__mutex_unlock(&p->w->lock);
  return props;
}

uint16_t blec__wgatt_find_value(blec_world_peripheral *p, const blec_uuid *uuid, int *count) {
  blec__mutex_lock(&p->w->lock);
  uint16_t found = 0;
  int n = 0;
  for (size_t i = 0; i < p->nattrs; i++) {
    if (p->attrs[i].kind == BLEC__WA_VALUE && blec_uuid_equal(&p->attrs[i].uuid, uuid)) {
      if (!found) found = p->attrs[i].handle;
      n++;
    }
  }
  blec__mutex_unlock(&p->w->lock);
  *count = n;
  return found;
}
