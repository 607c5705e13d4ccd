/* SPDX-License-Identifier: MIT */
/* client_options.c — the client's configuration object and its typed setters. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void init_defaults(blec_client_options *o) {
  memset(o, 0, sizeof *o);
  o->timeout_ms = 10000; /* bleak's default */
  o->address_type = BLEC_ADDRESS_UNSPECIFIED;
  o->cache_mode = BLEC_CACHE_DEFAULT;
  o->scan_first = true;
  o->retry_count = 10; /* bleak retries "Unreachable" discovery 10 x 1 s */
  o->retry_delay_ms = 1000;
  o->notify_queue = BLEC_DEFAULT_CALLBACK_QUEUE;
  o->notify_overflow = BLEC_OVERFLOW_DROP_OLDEST;
}

blec_client_options *blec_client_options_new(void) {
  blec_client_options *o = malloc(sizeof *o);
  if (o) init_defaults(o);
  return o;
}

void blec_client_options_free(blec_client_options *o) {
  if (!o) return;
  free(o->services);
  free(o);
}

int blec__client_options_copy(blec_client_options *dst, const blec_client_options *src) {
  init_defaults(dst);
  if (!src) return BLEC_OK;
  *dst = *src;
  dst->services = NULL;
  if (src->nservices) {
    dst->services = malloc(src->nservices * sizeof(blec_uuid));
    if (!dst->services) {
      dst->nservices = 0;
      return BLEC_ERR_NO_MEMORY;
    }
    memcpy(dst->services, src->services, src->nservices * sizeof(blec_uuid));
  }
  return BLEC_OK;
}

int blec_client_options_add_service(blec_client_options *o, const blec_uuid *uuid) {
  if (!o || !uuid) return BLEC_ERR_INVALID_ARG;
  blec_uuid *a = realloc(o->services, (o->nservices + 1) * sizeof *a);
  if (!a) return BLEC_ERR_NO_MEMORY;
  a[o->nservices++] = *uuid;
  o->services = a;
  return BLEC_OK;
}

int blec_client_options_set_timeout(blec_client_options *o, int timeout_ms) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  o->timeout_ms = timeout_ms;
  return BLEC_OK;
}

int blec_client_options_set_address_type(blec_client_options *o, blec_address_type type) {
  if (!o || type < BLEC_ADDRESS_UNSPECIFIED || type > BLEC_ADDRESS_RANDOM) return BLEC_ERR_INVALID_ARG;
  o->address_type = type;
  return BLEC_OK;
}

int blec_client_options_set_cache_mode(blec_client_options *o, blec_cache_mode mode) {
  if (!o || mode < BLEC_CACHE_DEFAULT || mode > BLEC_CACHE_UNCACHED) return BLEC_ERR_INVALID_ARG;
  o->cache_mode = mode;
  return BLEC_OK;
}

int blec_client_options_set_pair(blec_client_options *o, bool pair) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  o->pair = pair;
  return BLEC_OK;
}

int blec_client_options_set_scan_first(blec_client_options *o, bool scan_first) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  o->scan_first = scan_first;
  return BLEC_OK;
}

int blec_client_options_set_discovery_retry(blec_client_options *o, int count, int delay_ms) {
  if (!o || count < 0 || delay_ms < 0) return BLEC_ERR_INVALID_ARG;
  o->retry_count = count;
  o->retry_delay_ms = delay_ms;
  return BLEC_OK;
}

int blec_client_options_set_notify_queue(blec_client_options *o, size_t capacity, blec_overflow policy) {
  if (!o || !blec__callback_queue_valid(capacity, policy)) return BLEC_ERR_INVALID_ARG;
  o->notify_queue = capacity;
  o->notify_overflow = policy;
  return BLEC_OK;
}
