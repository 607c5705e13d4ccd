/* SPDX-License-Identifier: MIT */
/*
 * os_cache.h — what the virtual backend remembers the way an OS Bluetooth stack does:
 * per device address, the attribute list of its last discovery (answers Cached-mode
 * discovery without the link) and the last value of each attribute read or notified
 * (answers Cached-mode reads). It outlives connections. Thread-safe.
 */
#ifndef BLEC_VIRTUAL_OS_CACHE_H
#define BLEC_VIRTUAL_OS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world/world_stack.h"

typedef struct blec__vcache blec__vcache;
/** One device's entry; lives until the cache is freed, so holders need no reference. */
typedef struct blec__vcache_dev blec__vcache_dev;

blec__vcache *blec__vcache_new(void);
void blec__vcache_free(blec__vcache *vc);
/** The entry of an address (created on first use); NULL when out of memory. */
blec__vcache_dev *blec__vcache_device(blec__vcache *vc, const char *address);
void blec__vcache_put_value(blec__vcache *vc, blec__vcache_dev *d, uint16_t handle, const uint8_t *data, size_t len);
/** A copy of the cached value (malloc, free()) when there is one. */
bool blec__vcache_get_value(blec__vcache *vc, blec__vcache_dev *d, uint16_t handle, uint8_t **data, size_t *len);
void blec__vcache_put_attrs(blec__vcache *vc, blec__vcache_dev *d, const blec__wattr *attrs, size_t count);
/** A copy of the cached attribute list (malloc, free()) when there is one. */
bool blec__vcache_get_attrs(blec__vcache *vc, blec__vcache_dev *d, blec__wattr **attrs, size_t *count);

#endif /* BLEC_VIRTUAL_OS_CACHE_H */
