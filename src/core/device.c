/* SPDX-License-Identifier: MIT */
/* device.c — immutable device snapshots (address, type, latest merged advertisement). */
#include <stdlib.h>
#include <string.h>

#include "core/adv.h"
#include "core/core.h"

int blec__address_normalize(const char *in, char out[BLEC_ADDR_STRLEN]) {
  if (!in) return BLEC_ERR_INVALID_ARG;
  for (int i = 0; i < 17; i++) {
    char c = in[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return BLEC_ERR_INVALID_ARG;
      out[i] = ':';
    } else if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) {
      out[i] = c;
    } else if (c >= 'a' && c <= 'f') {
      out[i] = (char)(c - 'a' + 'A');
    } else {
      return BLEC_ERR_INVALID_ARG; /* also stops at an early NUL */
    }
  }
  if (in[17] != '\0') return BLEC_ERR_INVALID_ARG;
  out[17] = '\0';
  return BLEC_OK;
}

blec_device *blec__device_new(const char *address, blec_address_type type, blec_adv *adv,
                              const char *backend_id) {
  blec_device *d = malloc(sizeof *d);
  if (!d) return NULL;
  atomic_init(&d->refs, 1);
  d->address_type = type;
  d->adv = adv ? blec_adv_ref(adv) : NULL;
  d->backend_id = NULL;
  if (backend_id && !(d->backend_id = blec__strdup(backend_id))) {
    if (d->adv) blec_adv_unref(d->adv);
    free(d);
    return NULL;
  }
  memcpy(d->address, address, BLEC_ADDR_STRLEN); /* normalized by the caller */
  return d;
}

blec_device *blec_device_ref(blec_device *dev) {
  if (dev) atomic_fetch_add(&dev->refs, 1);
  return dev;
}

void blec_device_unref(blec_device *dev) {
  if (!dev || atomic_fetch_sub(&dev->refs, 1) != 1) return;
  if (dev->adv) blec_adv_unref(dev->adv);
  free(dev->backend_id);
  free(dev);
}

const char *blec_device_address(const blec_device *dev) { return dev ? dev->address : NULL; }
const char *blec_device_name(const blec_device *dev) {
  return dev && dev->adv ? blec_adv_local_name(dev->adv) : NULL;
}
blec_address_type blec_device_address_type(const blec_device *dev) {
  return dev ? dev->address_type : BLEC_ADDRESS_UNSPECIFIED;
}
const blec_adv *blec_device_adv(const blec_device *dev) { return dev ? dev->adv : NULL; }
const char *blec_device_backend_id(const blec_device *dev) {
  if (!dev) return NULL;
  return dev->backend_id ? dev->backend_id : dev->address;
}

void blec_device_list_free(blec_device **list, size_t count) {
  if (!list) return;
  for (size_t i = 0; i < count; i++) blec_device_unref(list[i]);
  free(list);
}
