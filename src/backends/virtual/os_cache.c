/* SPDX-License-Identifier: MIT */
/*
 * os_cache.c — the virtual backend's OS-like cache. Values are indexed by handle in a
 * per-device array, and a value's buffer is reused when the new value fits, so caching a
 * notification costs a lock and a copy: it is on the path of every notification.
 */
#include "backends/virtual/os_cache.h"

#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"
#include "core/threads.h"

typedef struct slot {
  uint8_t *data;
  size_t len, cap;
  bool set;
} slot;

struct blec__vcache_dev {
  struct blec__vcache_dev *next;
  char address[BLEC_ADDR_STRLEN];
  slot *values; /* indexed by handle */
  size_t nvalues;
  blec__wattr *attrs;
  size_t nattrs;
  bool has_attrs;
};

struct blec__vcache {
  blec__mutex lock;
  blec__vcache_dev *devices;
};

blec__vcache *blec__vcache_new(void) {
  blec__vcache *vc = calloc(1, sizeof *vc);
  if (vc && blec__mutex_init(&vc->lock) != BLEC_OK) {
    free(vc);
    return NULL;
  }
  return vc;
}

void blec__vcache_free(blec__vcache *vc) {
  if (!vc) return;
  while (vc->devices) {
    blec__vcache_dev *d = vc->devices;
    vc->devices = d->next;
    for (size_t i = 0; i < d->nvalues; i++) free(d->values[i].data);
    free(d->values);
    free(d->attrs);
    free(d);
  }
  blec__mutex_destroy(&vc->lock);
  free(vc);
}

blec__vcache_dev *blec__vcache_device(blec__vcache *vc, const char *address) {
  blec__mutex_lock(&vc->lock);
  blec__vcache_dev *d = vc->devices;
  while (d && strcmp(d->address, address) != 0) d = d->next;
  if (!d && (d = calloc(1, sizeof *d)) != NULL) {
    strncpy(d->address, address, BLEC_ADDR_STRLEN - 1);
    d->next = vc->devices;
    vc->devices = d;
  }
  blec__mutex_unlock(&vc->lock);
  return d;
}

void blec__vcache_put_value(blec__vcache *vc, blec__vcache_dev *d, uint16_t handle, const uint8_t *data, size_t len) {
  if (!d) return;
  blec__mutex_lock(&vc->lock);
  if (handle >= d->nvalues) {
    size_t n = (size_t)handle + 16;
    slot *a = realloc(d->values, n * sizeof *a);
    if (!a) goto out;
    memset(a + d->nvalues, 0, (n - d->nvalues) * sizeof *a);
    d->values = a;
    d->nvalues = n;
  }
  slot *s = &d->values[handle];
  if (len > s->cap || !s->data) {
    uint8_t *b = realloc(s->data, len ? len : 1);
    if (!b) goto out;
    s->data = b;
    s->cap = len ? len : 1;
  }
  if (len) memcpy(s->data, data, len);
  s->len = len;
  s->set = true;
out:
  blec__mutex_unlock(&vc->lock);
}

bool blec__vcache_get_value(blec__vcache *vc, blec__vcache_dev *d, uint16_t handle, uint8_t **data, size_t *len) {
  if (!d) return false;
  bool found = false;
  blec__mutex_lock(&vc->lock);
  if (handle < d->nvalues && d->values[handle].set) {
    slot *s = &d->values[handle];
    uint8_t *copy = malloc(s->len ? s->len : 1);
    if (copy) {
      if (s->len) memcpy(copy, s->data, s->len);
      *data = copy;
      *len = s->len;
      found = true;
    }
  }
  blec__mutex_unlock(&vc->lock);
  return found;
}

void blec__vcache_put_attrs(blec__vcache *vc, blec__vcache_dev *d, const blec__wattr *attrs, size_t count) {
  if (!d) return;
  blec__wattr *copy = malloc((count ? count : 1) * sizeof *copy);
  if (!copy) return;
  if (count) memcpy(copy, attrs, count * sizeof *copy);
  blec__mutex_lock(&vc->lock);
  free(d->attrs);
  d->attrs = copy;
  d->nattrs = count;
  d->has_attrs = true;
  blec__mutex_unlock(&vc->lock);
}

bool blec__vcache_get_attrs(blec__vcache *vc, blec__vcache_dev *d, blec__wattr **attrs, size_t *count) {
  if (!d) return false;
  bool found = false;
  blec__mutex_lock(&vc->lock);
  if (d->has_attrs) {
    blec__wattr *copy = malloc((d->nattrs ? d->nattrs : 1) * sizeof *copy);
    if (copy) {
      if (d->nattrs) memcpy(copy, d->attrs, d->nattrs * sizeof *copy);
      *attrs = copy;
      *count = d->nattrs;
      found = true;
    }
  }
  blec__mutex_unlock(&vc->lock);
  return found;
}
