/* SPDX-License-Identifier: MIT */
/* scan_options.c — the scanner's configuration object and its typed setters. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void init_defaults(blec_scan_options *o) {
  memset(o, 0, sizeof *o);
  o->mode = BLEC_SCAN_ACTIVE;
  o->in_range_dbm = INT16_MIN;
  o->out_of_range_dbm = INT16_MIN;
  o->out_of_range_timeout_ms = -1;
  o->sampling_interval_ms = -1;
  o->callback_queue = BLEC_DEFAULT_CALLBACK_QUEUE;
  o->callback_overflow = BLEC_OVERFLOW_DROP_OLDEST;
}

blec_scan_options *blec_scan_options_new(void) {
  blec_scan_options *o = malloc(sizeof *o);
  if (o) init_defaults(o);
  return o;
}

void blec__scan_options_clear(blec_scan_options *o) {
  free(o->services);
  free(o->filter_services);
  free(o->local_name);
  for (size_t i = 0; i < o->nbyte_filters; i++) free(o->byte_filters[i].data);
  free(o->byte_filters);
  init_defaults(o);
}

void blec_scan_options_free(blec_scan_options *o) {
  if (!o) return;
  blec__scan_options_clear(o);
  free(o);
}

static void *dup_mem(const void *p, size_t n) {
  void *q = malloc(n ? n : 1);
  if (q && n) memcpy(q, p, n);
  return q;
}

int blec__scan_options_copy(blec_scan_options *dst, const blec_scan_options *src) {
  init_defaults(dst);
  if (!src) return BLEC_OK;
  *dst = *src;
  dst->services = NULL;
  dst->filter_services = NULL;
  dst->local_name = NULL;
  dst->byte_filters = NULL;
  dst->nservices = dst->nfilter_services = dst->nbyte_filters = 0;
  if (src->nservices && !(dst->services = dup_mem(src->services, src->nservices * sizeof(blec_uuid))))
    goto oom;
  dst->nservices = src->nservices;
  if (src->nfilter_services &&
      !(dst->filter_services = dup_mem(src->filter_services, src->nfilter_services * sizeof(blec_uuid))))
    goto oom;
  dst->nfilter_services = src->nfilter_services;
  if (src->local_name && !(dst->local_name = blec__strdup(src->local_name))) goto oom;
  if (src->nbyte_filters) {
    dst->byte_filters = calloc(src->nbyte_filters, sizeof *dst->byte_filters);
    if (!dst->byte_filters) goto oom;
    for (size_t i = 0; i < src->nbyte_filters; i++) {
      dst->byte_filters[i] = src->byte_filters[i];
      dst->byte_filters[i].data = dup_mem(src->byte_filters[i].data, src->byte_filters[i].len);
      if (!dst->byte_filters[i].data) {
        dst->nbyte_filters = i;
        goto oom;
      }
    }
    dst->nbyte_filters = src->nbyte_filters;
  }
  return BLEC_OK;
oom:
  blec__scan_options_clear(dst);
  return BLEC_ERR_NO_MEMORY;
}

int blec_scan_options_set_mode(blec_scan_options *o, blec_scan_mode mode) {
  if (!o || (mode != BLEC_SCAN_ACTIVE && mode != BLEC_SCAN_PASSIVE)) return BLEC_ERR_INVALID_ARG;
  o->mode = mode;
  return BLEC_OK;
}

static int push_uuid(blec_uuid **arr, size_t *n, const blec_uuid *u) {
  blec_uuid *a = realloc(*arr, (*n + 1) * sizeof *a);
  if (!a) return BLEC_ERR_NO_MEMORY;
  a[(*n)++] = *u;
  *arr = a;
  return BLEC_OK;
}

int blec_scan_options_add_service_uuid(blec_scan_options *o, const blec_uuid *uuid) {
  if (!o || !uuid) return BLEC_ERR_INVALID_ARG;
  return push_uuid(&o->services, &o->nservices, uuid);
}

int blec_scan_options_set_signal_filter(blec_scan_options *o, int in_range_dbm, int out_of_range_dbm,
                                        int out_of_range_timeout_ms, int sampling_interval_ms) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  bool in_set = in_range_dbm != INT16_MIN, out_set = out_of_range_dbm != INT16_MIN;
  if ((in_set && (in_range_dbm < -127 || in_range_dbm > 20)) ||
      (out_set && (out_of_range_dbm < -127 || out_of_range_dbm > 20)) ||
      (in_set && out_set && out_of_range_dbm > in_range_dbm))
    return BLEC_ERR_INVALID_ARG;
  o->in_range_dbm = in_range_dbm;
  o->out_of_range_dbm = out_of_range_dbm;
  o->out_of_range_timeout_ms = out_of_range_timeout_ms;
  o->sampling_interval_ms = sampling_interval_ms;
  return BLEC_OK;
}

int blec_scan_options_filter_local_name(blec_scan_options *o, const char *name) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  char *copy = NULL;
  if (name && !(copy = blec__strdup(name))) return BLEC_ERR_NO_MEMORY;
  free(o->local_name);
  o->local_name = copy;
  return BLEC_OK;
}

int blec_scan_options_filter_service_uuid(blec_scan_options *o, const blec_uuid *uuid) {
  if (!o || !uuid) return BLEC_ERR_INVALID_ARG;
  return push_uuid(&o->filter_services, &o->nfilter_services, uuid);
}

static int push_bytes(blec_scan_options *o, blec__byte_filter f, const uint8_t *data, size_t len) {
  if (len > 31 || (len && !data)) return BLEC_ERR_INVALID_ARG;
  blec__byte_filter *a = realloc(o->byte_filters, (o->nbyte_filters + 1) * sizeof *a);
  if (!a) return BLEC_ERR_NO_MEMORY;
  o->byte_filters = a;
  f.data = dup_mem(data, len);
  if (!f.data) return BLEC_ERR_NO_MEMORY;
  f.len = len;
  a[o->nbyte_filters++] = f;
  return BLEC_OK;
}

int blec_scan_options_filter_manufacturer(blec_scan_options *o, uint16_t company_id, const uint8_t *data,
                                          size_t len) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  blec__byte_filter f = {0xFF, -1, company_id, true, NULL, 0};
  return push_bytes(o, f, data, len);
}

int blec_scan_options_filter_data_section(blec_scan_options *o, uint8_t ad_type, const uint8_t *data,
                                          size_t len) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  blec__byte_filter f = {ad_type, -1, 0, false, NULL, 0};
  return push_bytes(o, f, data, len);
}

int blec_scan_options_filter_byte_pattern(blec_scan_options *o, uint8_t ad_type, int offset,
                                          const uint8_t *data, size_t len) {
  if (!o || offset < 0 || offset > 30 || len == 0) return BLEC_ERR_INVALID_ARG;
  blec__byte_filter f = {ad_type, offset, 0, false, NULL, 0};
  return push_bytes(o, f, data, len);
}

int blec_scan_options_set_stream(blec_scan_options *o, size_t capacity) {
  if (!o || capacity > 1000000) return BLEC_ERR_INVALID_ARG;
  o->stream_capacity = capacity;
  return BLEC_OK;
}

int blec_scan_options_set_callback_queue(blec_scan_options *o, size_t capacity, blec_overflow policy) {
  if (!o || !blec__callback_queue_valid(capacity, policy)) return BLEC_ERR_INVALID_ARG;
  o->callback_queue = capacity;
  o->callback_overflow = policy;
  return BLEC_OK;
}
