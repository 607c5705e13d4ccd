/* SPDX-License-Identifier: MIT */
/*
 * gatt.c — the GATT model: services, characteristics and descriptors as discovered,
 * their accessors and lookups. A client keeps every tree it ever discovered until it is
 * freed, so pointers a program holds never dangle across reconnections.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static int push(void ***arr, size_t *n, void *item) {
  void **a = realloc(*arr, (*n + 1) * sizeof *a);
  if (!a) return BLEC_ERR_NO_MEMORY;
  a[(*n)++] = item;
  *arr = a;
  return BLEC_OK;
}

static void chr_free(blec_characteristic *ch) {
  for (size_t i = 0; i < ch->ndescs; i++) free(ch->descs[i]);
  free(ch->descs);
  free(ch);
}

static void svc_free(blec_service *s) {
  for (size_t i = 0; i < s->nchars; i++) chr_free(s->chars[i]);
  free(s->chars);
  free(s);
}

void blec__gatt_tree_free(blec__gatt_tree *t) {
  while (t) {
    blec__gatt_tree *older = t->older;
    for (size_t i = 0; i < t->nsvcs; i++) svc_free(t->svcs[i]);
    free(t->svcs);
    free(t);
    t = older;
  }
}

void blec__gatt_tree_filter(blec__gatt_tree *t, const blec_uuid *keep, size_t nkeep) {
  if (!nkeep) return;
  size_t k = 0;
  for (size_t i = 0; i < t->nsvcs; i++) {
    bool wanted = false;
    for (size_t j = 0; j < nkeep && !wanted; j++) wanted = blec_uuid_equal(&t->svcs[i]->uuid, &keep[j]);
    if (wanted)
      t->svcs[k++] = t->svcs[i];
    else
      svc_free(t->svcs[i]);
  }
  t->nsvcs = k;
}

int blec__gatt_add_service(blec_client *c, uint16_t handle, uint16_t end_handle, const blec_uuid *uuid,
                           void *backend_obj) {
  blec__gatt_tree *t = c->building;
  if (!t || !uuid) return BLEC_ERR_STATE;
  blec_service *s = calloc(1, sizeof *s);
  if (!s) return BLEC_ERR_NO_MEMORY;
  s->handle = handle;
  s->end_handle = end_handle;
  s->uuid = *uuid;
  s->backend_obj = backend_obj;
  if (push((void ***)&t->svcs, &t->nsvcs, s) != BLEC_OK) {
    free(s);
    return BLEC_ERR_NO_MEMORY;
  }
  return BLEC_OK;
}

int blec__gatt_add_characteristic(blec_client *c, uint16_t value_handle, const blec_uuid *uuid, uint32_t props,
                                  void *backend_obj) {
  blec__gatt_tree *t = c->building;
  if (!t || !t->nsvcs || !uuid) return BLEC_ERR_STATE;
  blec_service *s = t->svcs[t->nsvcs - 1];
  blec_characteristic *ch = calloc(1, sizeof *ch);
  if (!ch) return BLEC_ERR_NO_MEMORY;
  ch->handle = value_handle;
  ch->uuid = *uuid;
  ch->props = props;
  ch->svc = s;
  ch->client = c;
  ch->backend_obj = backend_obj;
  if (push((void ***)&s->chars, &s->nchars, ch) != BLEC_OK) {
    free(ch);
    return BLEC_ERR_NO_MEMORY;
  }
  return BLEC_OK;
}

int blec__gatt_add_descriptor(blec_client *c, uint16_t handle, const blec_uuid *uuid, void *backend_obj) {
  blec__gatt_tree *t = c->building;
  if (!t || !t->nsvcs || !uuid) return BLEC_ERR_STATE;
  blec_service *s = t->svcs[t->nsvcs - 1];
  if (!s->nchars) return BLEC_ERR_STATE;
  blec_characteristic *ch = s->chars[s->nchars - 1];
  blec_descriptor *d = calloc(1, sizeof *d);
  if (!d) return BLEC_ERR_NO_MEMORY;
  d->handle = handle;
  d->uuid = *uuid;
  d->chr = ch;
  d->backend_obj = backend_obj;
  if (push((void ***)&ch->descs, &ch->ndescs, d) != BLEC_OK) {
    free(d);
    return BLEC_ERR_NO_MEMORY;
  }
  return BLEC_OK;
}

void *blec__characteristic_backend_obj(const blec_characteristic *chr) { return chr->backend_obj; }
void *blec__service_backend_obj(const blec_service *svc) { return svc->backend_obj; }
void *blec__descriptor_backend_obj(const blec_descriptor *d) { return d->backend_obj; }

/* ---- accessors --------------------------------------------------------------------- */

uint16_t blec_service_handle(const blec_service *s) { return s ? s->handle : 0; }
blec_uuid blec_service_uuid(const blec_service *s) {
  blec_uuid z = {{0}};
  return s ? s->uuid : z;
}
const char *blec_service_description(const blec_service *s) { return s ? blec_uuid_description(&s->uuid) : NULL; }
size_t blec_service_characteristic_count(const blec_service *s) { return s ? s->nchars : 0; }
blec_characteristic *blec_service_characteristic_at(const blec_service *s, size_t i) {
  return s && i < s->nchars ? s->chars[i] : NULL;
}

uint16_t blec_characteristic_handle(const blec_characteristic *c) { return c ? c->handle : 0; }
blec_uuid blec_characteristic_uuid(const blec_characteristic *c) {
  blec_uuid z = {{0}};
  return c ? c->uuid : z;
}
const char *blec_characteristic_description(const blec_characteristic *c) {
  return c ? blec_uuid_description(&c->uuid) : NULL;
}
uint32_t blec_characteristic_properties(const blec_characteristic *c) { return c ? c->props : 0; }
blec_service *blec_characteristic_service(const blec_characteristic *c) { return c ? c->svc : NULL; }
size_t blec_characteristic_max_write_without_response_size(const blec_characteristic *c) {
  return c ? blec_client_max_write_without_response_size(c->client) : 0;
}
size_t blec_characteristic_descriptor_count(const blec_characteristic *c) { return c ? c->ndescs : 0; }
blec_descriptor *blec_characteristic_descriptor_at(const blec_characteristic *c, size_t i) {
  return c && i < c->ndescs ? c->descs[i] : NULL;
}
int blec_characteristic_descriptor(const blec_characteristic *c, const blec_uuid *uuid, blec_descriptor **out) {
  if (!c || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  for (size_t i = 0; i < c->ndescs; i++) {
    if (blec_uuid_equal(&c->descs[i]->uuid, uuid)) {
      *out = c->descs[i];
      return BLEC_OK;
    }
  }
  return BLEC_ERR_DESCRIPTOR_NOT_FOUND;
}

uint16_t blec_descriptor_handle(const blec_descriptor *d) { return d ? d->handle : 0; }
blec_uuid blec_descriptor_uuid(const blec_descriptor *d) {
  blec_uuid z = {{0}};
  return d ? d->uuid : z;
}
const char *blec_descriptor_description(const blec_descriptor *d) { return d ? blec_uuid_description(&d->uuid) : NULL; }
blec_characteristic *blec_descriptor_characteristic(const blec_descriptor *d) { return d ? d->chr : NULL; }

/* ---- lookups over the client's current tree ------------------------------------------ */

blec_characteristic *blec__client_chr_by_handle_locked(const blec_client *c, uint16_t handle) {
  const blec__gatt_tree *t = c->tree;
  if (!t) return NULL;
  for (size_t i = 0; i < t->nsvcs; i++) {
    const blec_service *s = t->svcs[i];
    if (handle < s->handle || (s->end_handle && handle > s->end_handle)) continue;
    for (size_t j = 0; j < s->nchars; j++)
      if (s->chars[j]->handle == handle) return s->chars[j];
  }
  return NULL;
}

size_t blec_client_service_count(const blec_client *c) { return c && c->tree ? c->tree->nsvcs : 0; }
blec_service *blec_client_service_at(const blec_client *c, size_t i) {
  return c && c->tree && i < c->tree->nsvcs ? c->tree->svcs[i] : NULL;
}

int blec_client_service(const blec_client *c, const blec_uuid *uuid, blec_service **out) {
  if (!c || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  size_t n = blec_client_service_count(c);
  for (size_t i = 0; i < n; i++) {
    if (!blec_uuid_equal(&c->tree->svcs[i]->uuid, uuid)) continue;
    if (*out) {
      *out = NULL;
      return BLEC_ERR_AMBIGUOUS;
    }
    *out = c->tree->svcs[i];
  }
  return *out ? BLEC_OK : BLEC_ERR_SERVICE_NOT_FOUND;
}

int blec_client_service_by_handle(const blec_client *c, uint16_t handle, blec_service **out) {
  if (!c || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  size_t n = blec_client_service_count(c);
  for (size_t i = 0; i < n; i++) {
    if (c->tree->svcs[i]->handle == handle) {
      *out = c->tree->svcs[i];
      return BLEC_OK;
    }
  }
  return BLEC_ERR_SERVICE_NOT_FOUND;
}

int blec_client_characteristic(const blec_client *c, const blec_uuid *uuid, blec_characteristic **out) {
  if (!c || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  size_t n = blec_client_service_count(c);
  for (size_t i = 0; i < n; i++) {
    const blec_service *s = c->tree->svcs[i];
    for (size_t j = 0; j < s->nchars; j++) {
      if (!blec_uuid_equal(&s->chars[j]->uuid, uuid)) continue;
      if (*out) {
        *out = NULL;
        return BLEC_ERR_AMBIGUOUS;
      }
      *out = s->chars[j];
    }
  }
  return *out ? BLEC_OK : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
}

int blec_client_characteristic_by_handle(const blec_client *c, uint16_t handle, blec_characteristic **out) {
  if (!c || !out) return BLEC_ERR_INVALID_ARG;
  *out = blec__client_chr_by_handle_locked(c, handle);
  return *out ? BLEC_OK : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
}

int blec_client_descriptor_by_handle(const blec_client *c, uint16_t handle, blec_descriptor **out) {
  if (!c || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  size_t n = blec_client_service_count(c);
  for (size_t i = 0; i < n; i++) {
    const blec_service *s = c->tree->svcs[i];
    for (size_t j = 0; j < s->nchars; j++)
      for (size_t k = 0; k < s->chars[j]->ndescs; k++)
        if (s->chars[j]->descs[k]->handle == handle) {
          *out = s->chars[j]->descs[k];
          return BLEC_OK;
        }
  }
  return BLEC_ERR_DESCRIPTOR_NOT_FOUND;
}

/* "#14", "h14", "handle:14", "#0x0e" name a handle; anything else must be a UUID. */
static bool parse_handle_spec(const char *spec, uint16_t *out) {
  const char *p;
  if (spec[0] == '#')
    p = spec + 1;
  else if (spec[0] == 'h' && spec[1] >= '0' && spec[1] <= '9')
    p = spec + 1;
  else if (!strncmp(spec, "handle:", 7))
    p = spec + 7;
  else
    return false;
  int base = 10;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (!*p) return false;
  unsigned long v = 0;
  for (; *p; p++) {
    int d;
    if (*p >= '0' && *p <= '9')
      d = *p - '0';
    else if (base == 16 && *p >= 'a' && *p <= 'f')
      d = *p - 'a' + 10;
    else if (base == 16 && *p >= 'A' && *p <= 'F')
      d = *p - 'A' + 10;
    else
      return false;
    v = v * (unsigned long)base + (unsigned long)d;
    if (v > 0xFFFF) return false;
  }
  *out = (uint16_t)v;
  return true;
}

int blec_client_characteristic_by_spec(const blec_client *c, const char *spec, blec_characteristic **out) {
  if (!c || !spec || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  uint16_t h;
  if (parse_handle_spec(spec, &h)) return blec_client_characteristic_by_handle(c, h, out);
  blec_uuid u;
  if (blec_uuid_parse(spec, &u) != BLEC_OK) return BLEC_ERR_INVALID_ARG;
  return blec_client_characteristic(c, &u, out);
}

int blec__client_cccd_handle(blec_client *c, uint16_t value_handle, uint16_t *cccd) {
  blec__mutex_lock(&c->lock);
  blec_characteristic *ch = blec__client_chr_by_handle_locked(c, value_handle);
  blec_uuid u = blec_uuid_from16(0x2902);
  blec_descriptor *d = NULL;
  int r = ch ? blec_characteristic_descriptor(ch, &u, &d) : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
  if (r == BLEC_OK) *cccd = d->handle;
  blec__mutex_unlock(&c->lock);
  return r;
}
