/* SPDX-License-Identifier: MIT */
/*
 * gatt.c — the GATT model: what a discovery reports is collected in its op (the backend
 * fills it, nobody else touches it), then frozen into a tree in one block when the
 * connect sequence takes it over; accessors and lookups over the client's trees. A tree
 * lives while its client holds it (core.h) or a callback handing out its objects runs;
 * an object the program passes is checked against the held trees by its address alone.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* ---- what a discovery reports ------------------------------------------------------- */

typedef enum attr_kind { ATTR_SERVICE, ATTR_CHARACTERISTIC, ATTR_DESCRIPTOR } attr_kind;

typedef struct gatt_attr {
  attr_kind kind;
  uint16_t handle, end_handle;
  uint32_t props;
  blec_uuid uuid;
  void *backend_obj;
} gatt_attr;

struct blec__gatt_build {
  gatt_attr *v;
  size_t n, cap;
  size_t nsvcs, nchars, ndescs;
};

void blec__gatt_build_free(blec__gatt_build *b) {
  if (!b) return;
  free(b->v);
  free(b);
}

/* Appends under the op's lock, and only while the op runs: a discovery that ended
 * (cancelled, timed out) keeps nothing more, and the core reads the list only once the
 * op completed. */
static int add(blec_op *op, const gatt_attr *a) {
  if (!op || !a) return BLEC_ERR_INVALID_ARG;
  int r = BLEC_OK;
  blec__mutex_lock(&op->lock);
  blec__gatt_build *b = op->build;
  if (op->done) {
    r = BLEC_ERR_STATE;
  } else if (!b && !(b = op->build = calloc(1, sizeof *b))) {
    r = BLEC_ERR_NO_MEMORY;
  } else if ((a->kind == ATTR_CHARACTERISTIC && !b->nsvcs) || (a->kind == ATTR_DESCRIPTOR && !b->nchars)) {
    r = BLEC_ERR_STATE; /* nothing to add it to */
  } else if (b->n == b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 32;
    gatt_attr *v = realloc(b->v, ncap * sizeof *v);
    if (!v)
      r = BLEC_ERR_NO_MEMORY;
    else {
      b->v = v;
      b->cap = ncap;
    }
  }
  if (r == BLEC_OK) {
    b->v[b->n++] = *a;
    b->nsvcs += a->kind == ATTR_SERVICE;
    b->nchars += a->kind == ATTR_CHARACTERISTIC;
    b->ndescs += a->kind == ATTR_DESCRIPTOR;
  }
  blec__mutex_unlock(&op->lock);
  return r;
}

int blec__gatt_add_service(blec_op *op, uint16_t handle, uint16_t end_handle, const blec_uuid *uuid,
                           void *backend_obj) {
  if (!uuid) return BLEC_ERR_INVALID_ARG;
  gatt_attr a = {ATTR_SERVICE, handle, end_handle, 0, *uuid, backend_obj};
  return add(op, &a);
}

int blec__gatt_add_characteristic(blec_op *op, uint16_t value_handle, const blec_uuid *uuid, uint32_t props,
                                  void *backend_obj) {
  if (!uuid) return BLEC_ERR_INVALID_ARG;
  gatt_attr a = {ATTR_CHARACTERISTIC, value_handle, 0, props, *uuid, backend_obj};
  return add(op, &a);
}

int blec__gatt_add_descriptor(blec_op *op, uint16_t handle, const blec_uuid *uuid, void *backend_obj) {
  if (!uuid) return BLEC_ERR_INVALID_ARG;
  gatt_attr a = {ATTR_DESCRIPTOR, handle, 0, 0, *uuid, backend_obj};
  return add(op, &a);
}

/* ---- frozen trees --------------------------------------------------------------------------- */

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

static bool wanted(const blec_uuid *u, const blec_uuid *keep, size_t nkeep) {
  if (!nkeep) return true;
  for (size_t i = 0; i < nkeep; i++)
    if (blec_uuid_equal(u, &keep[i])) return true;
  return false;
}

int blec__gatt_tree_build(blec_client *c, blec_op *op, const blec_uuid *keep, size_t nkeep, blec__gatt_tree **out) {
  *out = NULL;
  static const blec__gatt_build none = {NULL, 0, 0, 0, 0, 0};
  blec__mutex_lock(&op->lock); /* the op completed: this only orders us after the backend's adds */
  const blec__gatt_build *b = op->build ? op->build : &none;
  blec__mutex_unlock(&op->lock);
  /* Counts of what the services filter keeps. */
  size_t ns = 0, nc = 0, nd = 0;
  bool keep_svc = false;
  for (size_t i = 0; i < b->n; i++) {
    const gatt_attr *a = &b->v[i];
    if (a->kind == ATTR_SERVICE) keep_svc = wanted(&a->uuid, keep, nkeep);
    if (!keep_svc) continue;
    ns += a->kind == ATTR_SERVICE;
    nc += a->kind == ATTR_CHARACTERISTIC;
    nd += a->kind == ATTR_DESCRIPTOR;
  }
  size_t off_s = round_up(sizeof(blec__gatt_tree), alignof(blec_service));
  size_t off_c = round_up(off_s + ns * sizeof(blec_service), alignof(blec_characteristic));
  size_t off_d = round_up(off_c + nc * sizeof(blec_characteristic), alignof(blec_descriptor));
  size_t size = off_d + nd * sizeof(blec_descriptor);
  char *block = calloc(1, size);
  if (!block) return BLEC_ERR_NO_MEMORY;
  blec__gatt_tree *t = (blec__gatt_tree *)block;
  atomic_init(&t->refs, 1);
  t->svcs = (blec_service *)(block + off_s);
  t->chars = (blec_characteristic *)(block + off_c);
  t->descs = (blec_descriptor *)(block + off_d);
  blec_service *s = NULL;
  blec_characteristic *ch = NULL;
  keep_svc = false;
  for (size_t i = 0; i < b->n; i++) {
    const gatt_attr *a = &b->v[i];
    if (a->kind == ATTR_SERVICE) keep_svc = wanted(&a->uuid, keep, nkeep);
    if (!keep_svc) continue;
    switch (a->kind) {
      case ATTR_SERVICE:
        s = &t->svcs[t->nsvcs++];
        s->handle = a->handle;
        s->end_handle = a->end_handle;
        s->uuid = a->uuid;
        s->backend_obj = a->backend_obj;
        s->chars = &t->chars[t->nchars];
        ch = NULL;
        break;
      case ATTR_CHARACTERISTIC:
        ch = &t->chars[t->nchars++];
        ch->handle = a->handle;
        ch->uuid = a->uuid;
        ch->props = a->props;
        ch->svc = s;
        ch->client = c;
        ch->backend_obj = a->backend_obj;
        ch->descs = &t->descs[t->ndescs];
        s->nchars++;
        break;
      case ATTR_DESCRIPTOR:
        if (!ch) break; /* a descriptor before the service's first characteristic: dropped */
        blec_descriptor *d = &t->descs[t->ndescs++];
        d->handle = a->handle;
        d->uuid = a->uuid;
        d->chr = ch;
        d->backend_obj = a->backend_obj;
        ch->ndescs++;
        break;
    }
  }
  *out = t;
  return BLEC_OK;
}

bool blec__gatt_tree_same(const blec__gatt_tree *a, const blec__gatt_tree *b) {
  if (!a || !b || a->nsvcs != b->nsvcs || a->nchars != b->nchars || a->ndescs != b->ndescs) return false;
  for (size_t i = 0; i < a->nsvcs; i++) {
    const blec_service *x = &a->svcs[i], *y = &b->svcs[i];
    if (x->handle != y->handle || x->end_handle != y->end_handle || x->nchars != y->nchars ||
        !blec_uuid_equal(&x->uuid, &y->uuid) || x->backend_obj != y->backend_obj)
      return false;
  }
  for (size_t i = 0; i < a->nchars; i++) {
    const blec_characteristic *x = &a->chars[i], *y = &b->chars[i];
    if (x->handle != y->handle || x->props != y->props || x->ndescs != y->ndescs ||
        !blec_uuid_equal(&x->uuid, &y->uuid) || x->backend_obj != y->backend_obj)
      return false;
  }
  for (size_t i = 0; i < a->ndescs; i++) {
    const blec_descriptor *x = &a->descs[i], *y = &b->descs[i];
    if (x->handle != y->handle || !blec_uuid_equal(&x->uuid, &y->uuid) || x->backend_obj != y->backend_obj)
      return false;
  }
  return true;
}

blec__gatt_tree *blec__gatt_tree_ref(blec__gatt_tree *t) {
  if (t) atomic_fetch_add(&t->refs, 1);
  return t;
}

void blec__gatt_tree_unref(blec__gatt_tree *t) {
  if (t && atomic_fetch_sub(&t->refs, 1) == 1) free(t);
}

/* Whether p points at element of an array, by address alone. */
static bool in_array(const void *base, size_t n, size_t size, const void *p) {
  uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;
  return n && q >= b && q < b + n * size && (q - b) % size == 0;
}

blec_characteristic *blec__gatt_tree_chr(const blec__gatt_tree *t, const void *p) {
  return t && in_array(t->chars, t->nchars, sizeof *t->chars, p) ? (blec_characteristic *)p : NULL;
}

blec_descriptor *blec__gatt_tree_desc(const blec__gatt_tree *t, const void *p) {
  return t && in_array(t->descs, t->ndescs, sizeof *t->descs, p) ? (blec_descriptor *)p : NULL;
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
  return s && i < s->nchars ? &s->chars[i] : NULL;
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
  return c && i < c->ndescs ? &c->descs[i] : NULL;
}
int blec_characteristic_descriptor(const blec_characteristic *c, const blec_uuid *uuid, blec_descriptor **out) {
  if (!c || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  for (size_t i = 0; i < c->ndescs; i++) {
    if (blec_uuid_equal(&c->descs[i].uuid, uuid)) {
      *out = &c->descs[i];
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

/* ---- lookups over the client's current tree --------------------------------------------
 * The current tree is read under the client's lock: a reconnection may publish another
 * one at any moment (the tree itself never changes once published). */

static blec_client *mut(const blec_client *c) { return (blec_client *)c; }

blec_characteristic *blec__client_live_chr_locked(const blec_client *c, const void *p) {
  blec_characteristic *ch = blec__gatt_tree_chr(c->tree, p);
  return ch ? ch : blec__gatt_tree_chr(c->retired, p);
}

blec_descriptor *blec__client_live_desc_locked(const blec_client *c, const void *p) {
  blec_descriptor *d = blec__gatt_tree_desc(c->tree, p);
  return d ? d : blec__gatt_tree_desc(c->retired, p);
}

blec_characteristic *blec__client_chr_by_handle_locked(const blec_client *c, uint16_t handle) {
  const blec__gatt_tree *t = c->tree;
  if (!t) return NULL;
  for (size_t i = 0; i < t->nsvcs; i++) {
    const blec_service *s = &t->svcs[i];
    if (handle < s->handle || (s->end_handle && handle > s->end_handle)) continue;
    for (size_t j = 0; j < s->nchars; j++)
      if (s->chars[j].handle == handle) return &s->chars[j];
  }
  return NULL;
}

blec_descriptor *blec__client_desc_by_handle_locked(const blec_client *c, uint16_t handle) {
  const blec__gatt_tree *t = c->tree;
  for (size_t i = 0; t && i < t->ndescs; i++)
    if (t->descs[i].handle == handle) return &t->descs[i];
  return NULL;
}

size_t blec_client_service_count(const blec_client *c) {
  if (!c) return 0;
  blec__mutex_lock(&mut(c)->lock);
  size_t n = c->tree ? c->tree->nsvcs : 0;
  blec__mutex_unlock(&mut(c)->lock);
  return n;
}

blec_service *blec_client_service_at(const blec_client *c, size_t i) {
  if (!c) return NULL;
  blec__mutex_lock(&mut(c)->lock);
  blec_service *s = c->tree && i < c->tree->nsvcs ? &c->tree->svcs[i] : NULL;
  blec__mutex_unlock(&mut(c)->lock);
  return s;
}

/* The one item of an array whose UUID (at uuid_off in each item) is `uuid`: its index, or
 * BLEC_ERR_AMBIGUOUS / `missing`. */
static int unique_by_uuid(const void *items, size_t n, size_t size, size_t uuid_off, const blec_uuid *uuid,
                          int missing, size_t *index) {
  int r = missing;
  for (size_t i = 0; i < n; i++) {
    if (!blec_uuid_equal((const blec_uuid *)((const char *)items + i * size + uuid_off), uuid)) continue;
    if (r == BLEC_OK) return BLEC_ERR_AMBIGUOUS;
    *index = i;
    r = BLEC_OK;
  }
  return r;
}

int blec_client_service(const blec_client *c, const blec_uuid *uuid, blec_service **out) {
  if (!c || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  size_t i = 0;
  blec__mutex_lock(&mut(c)->lock);
  const blec__gatt_tree *t = c->tree;
  int r = t ? unique_by_uuid(t->svcs, t->nsvcs, sizeof *t->svcs, offsetof(blec_service, uuid), uuid,
                             BLEC_ERR_SERVICE_NOT_FOUND, &i)
            : BLEC_ERR_SERVICE_NOT_FOUND;
  if (r == BLEC_OK) *out = &t->svcs[i];
  blec__mutex_unlock(&mut(c)->lock);
  return r;
}

int blec_client_service_by_handle(const blec_client *c, uint16_t handle, blec_service **out) {
  if (!c || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  blec__mutex_lock(&mut(c)->lock);
  const blec__gatt_tree *t = c->tree;
  for (size_t i = 0; t && i < t->nsvcs && !*out; i++)
    if (t->svcs[i].handle == handle) *out = &t->svcs[i];
  blec__mutex_unlock(&mut(c)->lock);
  return *out ? BLEC_OK : BLEC_ERR_SERVICE_NOT_FOUND;
}

int blec_client_characteristic(const blec_client *c, const blec_uuid *uuid, blec_characteristic **out) {
  if (!c || !uuid || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  size_t i = 0;
  blec__mutex_lock(&mut(c)->lock);
  const blec__gatt_tree *t = c->tree;
  int r = t ? unique_by_uuid(t->chars, t->nchars, sizeof *t->chars, offsetof(blec_characteristic, uuid), uuid,
                             BLEC_ERR_CHARACTERISTIC_NOT_FOUND, &i)
            : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
  if (r == BLEC_OK) *out = &t->chars[i];
  blec__mutex_unlock(&mut(c)->lock);
  return r;
}

int blec_client_characteristic_by_handle(const blec_client *c, uint16_t handle, blec_characteristic **out) {
  if (!c || !out) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&mut(c)->lock);
  *out = blec__client_chr_by_handle_locked(c, handle);
  blec__mutex_unlock(&mut(c)->lock);
  return *out ? BLEC_OK : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
}

int blec_client_descriptor_by_handle(const blec_client *c, uint16_t handle, blec_descriptor **out) {
  if (!c || !out) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&mut(c)->lock);
  *out = blec__client_desc_by_handle_locked(c, handle);
  blec__mutex_unlock(&mut(c)->lock);
  return *out ? BLEC_OK : BLEC_ERR_DESCRIPTOR_NOT_FOUND;
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
