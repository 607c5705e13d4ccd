/* SPDX-License-Identifier: MIT */
/*
 * eir.h — what bluetoothd reads out of an advertising report (BlueZ src/eir.c
 * eir_parse, 5.66): flags, service UUIDs (as 128-bit strings), the name (and whether it
 * is complete), TX power, appearance, manufacturer data, service data and the other AD
 * types (AdvertisingData). Input: the AD structures of one report, from outside.
 */
#ifndef BLEC_BLUEZ_SIM_EIR_H
#define BLEC_BLUEZ_SIM_EIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"

/** One keyed byte string: manufacturer data (company), service data (uuid) or AD (type). */
typedef struct bz_eir_item {
  uint16_t company;
  char uuid[BLEC_UUID_STRLEN];
  uint8_t type;
  const uint8_t *data; /* points into the parsed payload */
  size_t len;
} bz_eir_item;

#define BZ_EIR_MAX_ITEMS 32
#define BZ_EIR_MAX_UUIDS 64
#define BZ_EIR_NAME_MAX 248 /* HCI_MAX_NAME_LENGTH */

typedef struct bz_eir {
  uint8_t flags;                /* 0 when absent, as bluetoothd keeps it */
  int8_t tx_power;              /* 127 when absent */
  uint16_t appearance;          /* 0 when absent */
  bool has_name, name_complete;
  char name[BZ_EIR_NAME_MAX * 3 + 1];
  size_t nuuids;
  char uuids[BZ_EIR_MAX_UUIDS][BLEC_UUID_STRLEN];
  size_t nmsd, nsd, nad;
  bz_eir_item msd[BZ_EIR_MAX_ITEMS]; /* manufacturer data, in order */
  bz_eir_item sd[BZ_EIR_MAX_ITEMS];  /* service data, in order */
  bz_eir_item ad[BZ_EIR_MAX_ITEMS];  /* every other AD type, in order */
} bz_eir;

/**
 * Parses `len` bytes of AD structures into `out` (reset first). Malformed structures are
 * skipped the way eir_parse skips them; never reads outside data[0..len). Items beyond
 * the fixed capacities are dropped. `out` points into `data` afterwards.
 */
void bz_eir_parse(const uint8_t *data, size_t len, bz_eir *out);

#endif /* BLEC_BLUEZ_SIM_EIR_H */
