/* SPDX-License-Identifier: MIT */
/*
 * fuzz-uuid-names.c — libFuzzer target of the UUID names file parser
 * (blec__uuid_names_parse: `blec --uuid-names FILE`, blec_uuid_register_names_file).
 *
 * The input is parsed from an exact-size heap copy (a read past len is an
 * AddressSanitizer report). It must parse or fail with BLEC_ERR_PARSE and "line N:" for
 * a line that exists; every entry reported has a description of 1 to 120 bytes without
 * control characters; parsing twice gives the same entries. Nothing is registered (the
 * registry would grow with every input).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

typedef struct tally {
  size_t n, bytes;
} tally;

static int entry(void *user, const blec_uuid *uuid, const char *name, size_t n) {
  tally *t = user;
  char buf[BLEC_UUID_STRLEN];
  check(strlen(blec_uuid_to_string(uuid, buf)) == 36);
  check(n >= 1 && n <= 120);
  for (size_t i = 0; i < n; i++) check((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
  t->n++;
  t->bytes += n;
  return BLEC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size ? size : 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  tally a = {0, 0}, b = {0, 0};
  blec_error err;
  int r1 = blec__uuid_names_parse(text, size, entry, &a, &err);
  check(r1 == BLEC_OK || r1 == BLEC_ERR_PARSE);
  if (r1 == BLEC_ERR_PARSE) {
    check(err.status == BLEC_ERR_PARSE && strncmp(err.message, "line ", 5) == 0);
    long line = strtol(err.message + 5, NULL, 10);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
    check(line >= 1 && (size_t)line <= lines);
  }
  int r2 = blec__uuid_names_parse(text, size, entry, &b, NULL);
  check(r1 == r2 && a.n == b.n && a.bytes == b.bytes);
  free(text);
  return 0;
}
