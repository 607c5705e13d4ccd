/* SPDX-License-Identifier: MIT */
/*
 * fuzz-adv.c — libFuzzer target of the AD structure parser and the blec_adv snapshot.
 *
 * Input: byte 0 is the advertisement's length (clamped to what remains), then the
 * advertisement, then the scan response (the rest). Both are handed over in exact-size
 * heap copies, so any read past a payload's end is an AddressSanitizer report. Beyond
 * memory errors it checks the snapshot's invariants and aborts when one breaks:
 * the raw list matches blec__ad_foreach, find gives a key's first entry, the name is valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"
#include "core/adv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

static uint8_t *exact_copy(const uint8_t *p, size_t n) {
  uint8_t *c = malloc(n ? n : 1);
  if (c && n) memcpy(c, p, n);
  return c;
}

static int count_structure(void *user, uint8_t type, const uint8_t *d, size_t len) {
  size_t *n = user;
  (void)type;
  /* Touch every byte so that an overread inside a structure is reported too. */
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < len; i++) sink ^= d[i];
  (void)sink;
  (*n)++;
  return 0;
}

/* Strict UTF-8 check (RFC 3629), independent of the parser's own. */
static int valid_utf8(const unsigned char *s) {
  while (*s) {
    unsigned c = *s;
    size_t k;
    unsigned cp;
    if (c < 0x80) {
      s++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      k = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      k = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      k = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    for (size_t i = 1; i < k; i++) {
      if ((s[i] & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000)) return 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    s += k;
  }
  return 1;
}

static void exercise(const blec_adv *a, size_t expected_raw) {
  check(blec_adv_raw_count(a) == expected_raw);
  for (size_t i = 0; i < blec_adv_raw_count(a); i++) {
    uint8_t type;
    const uint8_t *d;
    size_t len;
    check(blec_adv_raw_at(a, i, &type, &d, &len) == BLEC_OK);
    volatile uint8_t sink = 0;
    for (size_t j = 0; j < len; j++) sink ^= d[j];
    (void)sink;
  }
  check(blec_adv_raw_at(a, blec_adv_raw_count(a), NULL, NULL, NULL) == BLEC_ERR_INVALID_ARG);

  for (size_t i = 0; i < blec_adv_manufacturer_count(a); i++) {
    uint16_t id;
    const uint8_t *d, *d2;
    size_t len, len2;
    check(blec_adv_manufacturer_at(a, i, &id, &d, &len) == BLEC_OK);
    /* Entries repeat a company: find returns its first entry, never a later one. */
    check(blec_adv_manufacturer_find(a, id, &d2, &len2) == BLEC_OK && d2 <= d);
    (void)len2;
  }
  for (size_t i = 0; i < blec_adv_service_data_count(a); i++) {
    blec_uuid u;
    const uint8_t *d, *d2;
    size_t len, len2;
    check(blec_adv_service_data_at(a, i, &u, &d, &len) == BLEC_OK);
    check(blec_adv_service_data_find(a, &u, &d2, &len2) == BLEC_OK && d2 <= d);
    (void)len2;
  }
  for (size_t i = 0; i < blec_adv_service_uuid_count(a); i++) {
    blec_uuid u, v;
    check(blec_adv_service_uuid_at(a, i, &u) == BLEC_OK);
    check(blec_adv_has_service_uuid(a, &u));
    for (size_t j = 0; j < i; j++) {
      check(blec_adv_service_uuid_at(a, j, &v) == BLEC_OK);
      check(!blec_uuid_equal(&u, &v));
    }
  }
  const char *name = blec_adv_local_name(a);
  if (name) check(valid_utf8((const unsigned char *)name)); /* may be "" (advertised empty) */
  int tx;
  uint16_t app;
  uint8_t flags;
  (void)blec_adv_tx_power(a, &tx);
  (void)blec_adv_appearance(a, &app);
  (void)blec_adv_flags(a, &flags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t adv_len = data[0];
  if (adv_len > size - 1) adv_len = size - 1;
  size_t rsp_len = size - 1 - adv_len;
  uint8_t *adv = exact_copy(data + 1, adv_len);
  uint8_t *rsp = exact_copy(data + 1 + adv_len, rsp_len);
  if (!adv || !rsp) {
    free(adv);
    free(rsp);
    return 0;
  }

  size_t raw = 0;
  int ra = blec__ad_foreach(adv, adv_len, count_structure, &raw);
  int rr = blec__ad_foreach(rsp, rsp_len, count_structure, &raw);
  check(ra == 0 || ra == BLEC_ERR_PARSE);
  check(rr == 0 || rr == BLEC_ERR_PARSE);

  blec__adv_meta meta = {-60, BLEC_ADDRESS_RANDOM, true, BLEC_ADV_SCAN_RSP, 1};
  blec_adv *a = NULL;
  int r = blec__adv_build(adv, adv_len, rsp, rsp_len, &meta, &a);
  free(adv); /* the snapshot owns copies */
  free(rsp);
  if (adv_len > BLEC__ADV_MAX_PAYLOAD || rsp_len > BLEC__ADV_MAX_PAYLOAD) {
    check(r == BLEC_ERR_INVALID_ARG && a == NULL);
    return 0;
  }
  if (r == BLEC_ERR_NO_MEMORY) return 0;
  check(r == BLEC_OK && a != NULL);

  exercise(a, raw);
  size_t len;
  const uint8_t *p = blec_adv_payload(a, false, &len);
  check(len == adv_len && (len == 0 || memcmp(p, data + 1, len) == 0));
  p = blec_adv_payload(a, true, &len);
  check(len == rsp_len && (len == 0 || memcmp(p, data + 1 + adv_len, len) == 0));

  blec_adv_unref(blec_adv_ref(a));
  blec_adv_unref(a);
  return 0;
}
