/* SPDX-License-Identifier: MIT */
/*
 * bz_objects.c — the backend's mirror of org.bluez's objects: path → the interfaces the
 * backend uses and their parsed properties, filled from GetManagedObjects and kept up to
 * date from InterfacesAdded / InterfacesRemoved / PropertiesChanged (bz_signals.c). Bus
 * thread only. A chained hash table that doubles when it gets full.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/bz.h"

struct bz_objs {
  bz_obj **buckets;
  size_t nbuckets, count;
};

static const struct {
  const char *name;
  unsigned bit;
} iface_bits[] = {
    {BZ_IF_ADAPTER, BZ_I_ADAPTER},
    {BZ_IF_DEVICE, BZ_I_DEVICE},
    {BZ_IF_SERVICE, BZ_I_SERVICE},
    {BZ_IF_CHAR, BZ_I_CHAR},
    {BZ_IF_DESC, BZ_I_DESC},
    {BZ_IF_MONITOR_MANAGER, BZ_I_MONITOR_MANAGER},
    {BZ_IF_AGENT_MANAGER, BZ_I_AGENT_MANAGER},
};

unsigned bz_iface_bit(const char *name) {
  for (size_t i = 0; i < sizeof iface_bits / sizeof iface_bits[0]; i++)
    if (!strcmp(name, iface_bits[i].name)) return iface_bits[i].bit;
  return 0;
}

static size_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)(h & (n - 1));
}

bz_objs *bz_objs_new(void) {
  bz_objs *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->nbuckets = 64;
  if (!(o->buckets = calloc(o->nbuckets, sizeof *o->buckets))) {
    free(o);
    return NULL;
  }
  return o;
}

static void obj_free(bz_obj *x) {
  bz_adapter_clear(&x->adapter);
  bz_device_clear(&x->dev);
  bz_attr_clear(&x->attr);
  free(x->path);
  free(x);
}

void bz_objs_clear(bz_objs *o) {
  for (size_t i = 0; i < o->nbuckets; i++) {
    bz_obj *x = o->buckets[i];
    while (x) {
      bz_obj *next = x->next;
      obj_free(x);
      x = next;
    }
    o->buckets[i] = NULL;
  }
  o->count = 0;
}

void bz_objs_free(bz_objs *o) {
  if (!o) return;
  bz_objs_clear(o);
  free(o->buckets);
  free(o);
}

bz_obj *bz_objs_find(bz_objs *o, const char *path) {
  if (!path) return NULL;
  for (bz_obj *x = o->buckets[hash(path, o->nbuckets)]; x; x = x->next)
    if (!strcmp(x->path, path)) return x;
  return NULL;
}

static void grow(bz_objs *o) {
  size_t n = o->nbuckets * 2;
  bz_obj **b = calloc(n, sizeof *b);
  if (!b) return; /* keep the longer chains */
  for (size_t i = 0; i < o->nbuckets; i++) {
    bz_obj *x = o->buckets[i];
    while (x) {
      bz_obj *next = x->next;
      size_t h = hash(x->path, n);
      x->next = b[h];
      b[h] = x;
      x = next;
    }
  }
  free(o->buckets);
  o->buckets = b;
  o->nbuckets = n;
}

bz_obj *bz_objs_get(bz_objs *o, const char *path) {
  bz_obj *x = bz_objs_find(o, path);
  if (x) return x;
  if (!path || strlen(path) > BZ_PATH_MAX) return NULL;
  if (o->count >= o->nbuckets) grow(o);
  x = calloc(1, sizeof *x);
  if (!x || !(x->path = malloc(strlen(path) + 1))) {
    free(x);
    return NULL;
  }
  strcpy(x->path, path);
  size_t h = hash(path, o->nbuckets);
  x->next = o->buckets[h];
  o->buckets[h] = x;
  o->count++;
  return x;
}

void bz_objs_drop(bz_objs *o, const char *path, unsigned ifaces) {
  bz_obj *x = bz_objs_find(o, path);
  if (!x) return;
  x->ifaces &= ~ifaces;
  if (ifaces & BZ_I_ADAPTER) bz_adapter_clear(&x->adapter);
  if (ifaces & BZ_I_DEVICE) bz_device_clear(&x->dev);
  if (ifaces & (BZ_I_SERVICE | BZ_I_CHAR | BZ_I_DESC)) bz_attr_clear(&x->attr);
  if (x->ifaces) return;
  for (bz_obj **pp = &o->buckets[hash(path, o->nbuckets)]; *pp; pp = &(*pp)->next) {
    if (*pp == x) {
      *pp = x->next;
      break;
    }
  }
  o->count--;
  obj_free(x);
}

void bz_objs_each(bz_objs *o, void (*fn)(bz_obj *obj, void *arg), void *arg) {
  for (size_t i = 0; i < o->nbuckets; i++)
    for (bz_obj *x = o->buckets[i]; x; x = x->next) fn(x, arg);
}
