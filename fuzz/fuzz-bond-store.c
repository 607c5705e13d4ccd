/* SPDX-License-Identifier: MIT */
/*
 * fuzz-bond-store.c — libFuzzer target of the virtual backend's bond store parser
 * (blec__vbonds_parse): the file lives in the user's state directory, where anything
 * may have written it.
 *
 * The input is parsed from an exact-size heap copy (no NUL after it: a read past len is
 * an AddressSanitizer report). Every entry reported must carry a normalized address and
 * a protection level; parsing the same text twice reports the same entries.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/virtual/bond_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

typedef struct tally {
  size_t n;
  unsigned long sum;
} tally;

static void entry(void *user, const char *address, int level) {
  tally *t = user;
  check(strlen(address) == BLEC_ADDR_STRLEN - 1);
  for (int i = 0; i < BLEC_ADDR_STRLEN - 1; i++) {
    char c = address[i];
    if (i % 3 == 2)
      check(c == ':');
    else
      check((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
  }
  check(level >= BLEC_PROTECTION_NONE && level <= BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION);
  t->n++;
  t->sum += (unsigned long)level + (unsigned char)address[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size ? size : 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  tally a = {0, 0}, b = {0, 0};
  int r1 = blec__vbonds_parse(text, size, entry, &a);
  int r2 = blec__vbonds_parse(text, size, entry, &b);
  check(r1 == r2 && (r1 == BLEC_OK || r1 == BLEC_ERR_PARSE));
  check(a.n == b.n && a.sum == b.sum);
  free(text);
  return 0;
}
