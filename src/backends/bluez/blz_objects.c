/* SPDX-License-Identifier: MIT */
/*
 * blz_objects.c — the backend's mirror of org.bluez's objects: path → the interfaces the
 * backend uses and their parsed properties, filled from GetManagedObjects and kept up to
 * date from InterfacesAdded / InterfacesRemoved / PropertiesChanged (blz_signals.c). Bus
 * thread only. A chained hash table that doubles when it gets full.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

struct blz_objs {
  blz_obj **buckets;
  size_t nbuckets, count;
};

static const struct {
  const char *name;
  unsigned bit;
} iface_bits[] = {
    {BLZ_IF_ADAPTER, BLZ_I_ADAPTER},
    {BLZ_IF_DEVICE, BLZ_I_DEVICE},
    {BLZ_IF_SERVICE, BLZ_I_SERVICE},
    {BLZ_IF_CHAR, BLZ_I_CHAR},
    {BLZ_IF_DESC, BLZ_I_DESC},
    {BLZ_IF_MONITOR_MANAGER, BLZ_I_MONITOR_MANAGER},
    {BLZ_IF_AGENT_MANAGER, BLZ_I_AGENT_MANAGER},
};

unsigned blz_iface_bit(const char *name) {
  for (size_t i = 0; i < sizeof iface_bits / sizeof iface_bits[0]; i++)
    if (!strcmp(name, iface_bits[i].name)) return iface_bits[i].bit;
  return 0;
}

static size_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)(h & (n - 1));
}

blz_objs *blz_objs_new(void) {
  blz_objs *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->nbuckets = 64;
  if (!(o->buckets = calloc(o->nbuckets, sizeof *o->buckets))) {
    free(o);
    return NULL;
  }
  return o;
}

static void obj_free(blz_obj *x) {
  blz_adapter_clear(&x->adapter);
  blz_device_clear(&x->dev);
  blz_attr_clear(&x->attr);
  free(x->path);
  free(x);
}

void blz_objs_clear(blz_objs *o) {
  for (size_t i = 0; i < o->nbuckets; i++) {
    blz_obj *x = o->buckets[i];
    while (x) {
      blz_obj *next = x->next;
      obj_free(x);
      x = next;
    }
    o->buckets[i] = NULL;
  }
  o->count = 0;
}

void blz_objs_free(blz_objs *o) {
  if (!o) return;
  blz_objs_clear(o);
  free(o->buckets);
  free(o);
}

blz_obj *blz_objs_find(blz_objs *o, const char *path) {
  if (!path) return NULL;
  for (blz_obj *x = o->buckets[hash(path, o->nbuckets)]; x; x = x->next)
    if (!strcmp(x->path, path)) return x;
  return NULL;
}

static void grow(blz_objs *o) {
  size_t n = o->nbuckets * 2;
  blz_obj **b = calloc(n, sizeof *b);
  if (!b) return; /* keep the longer chains */
  for (size_t i = 0; i < o->nbuckets; i++) {
    blz_obj *x = o->buckets[i];
    while (x) {
      blz_obj *next = x->next;
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

blz_obj *blz_objs_get(blz_objs *o, const char *path) {
  blz_obj *x = blz_objs_find(o, path);
  if (x) return x;
  if (!path || strlen(path) > BLZ_PATH_MAX) return NULL;
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

void blz_objs_drop(blz_objs *o, const char *path, unsigned ifaces) {
  blz_obj *x = blz_objs_find(o, path);
  if (!x) return;
  x->ifaces &= ~ifaces;
  if (ifaces & BLZ_I_ADAPTER) blz_adapter_clear(&x->adapter);
  if (ifaces & BLZ_I_DEVICE) blz_device_clear(&x->dev);
  if (ifaces & (BLZ_I_SERVICE | BLZ_I_CHAR | BLZ_I_DESC)) blz_attr_clear(&x->attr);
  if (x->ifaces) return;
  for (blz_obj **pp = &o->buckets[hash(path, o->nbuckets)]; *pp; pp = &(*pp)->next) {
    if (*pp == x) {
      *pp = x->next;
      break;
    }
  }
  o->count--;
  obj_free(x);
}

void blz_objs_each(blz_objs *o, void (*fn)(blz_obj *obj, void *arg), void *arg) {
  for (size_t i = 0; i < o->nbuckets; i++)
    for (blz_obj *x = o->buckets[i]; x; x = x->next) fn(x, arg);
}
