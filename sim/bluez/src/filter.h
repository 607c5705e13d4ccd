/* SPDX-License-Identifier: MIT */
/*
 * filter.h — Adapter1.SetDiscoveryFilter: parsing a client's filter (outside input,
 * validated as bluetoothd 5.66 validates it: src/adapter.c parse_discovery_filter_dict)
 * and the matching bluetoothd and the kernel do with the merged filters of every
 * discovering client (merge_discovery_filters, is_filter_match, device_is_discoverable;
 * the kernel's Start Service Discovery RSSI and UUID filter).
 */
#ifndef BLEC_BLUEZ_SIM_FILTER_H
#define BLEC_BLUEZ_SIM_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include "blec/blec.h"
#include "eir.h"

#define BZ_DISTANCE_INVALID 0x7FFF /* DISTANCE_VAL_INVALID: RSSI / Pathloss not set */
#define BZ_HCI_RSSI_INVALID 127
#define BZ_PATHLOSS_MAX 137

enum { BZ_SCAN_BREDR = 1, BZ_SCAN_LE = 2 };

typedef struct bz_filter {
  char (*uuids)[BLEC_UUID_STRLEN]; /* 128-bit, lower case */
  size_t nuuids;
  int rssi;      /* BZ_DISTANCE_INVALID when unset */
  int pathloss;  /* BZ_DISTANCE_INVALID when unset */
  int transport; /* BZ_SCAN_* bits */
  bool duplicate;
  bool discoverable;
  char *pattern; /* NULL when unset */
} bz_filter;

/**
 * Parses the a{sv} at the read position of `m` into a new filter (*out), or NULL when
 * the dictionary is empty ("filter removed"). Returns false for anything bluetoothd
 * answers with org.bluez.Error.InvalidArguments: an unknown key, a value of the wrong
 * type, an unparsable UUID, RSSI outside -127..20, Pathloss above 137, a Transport other
 * than "auto", "bredr", "le", RSSI and Pathloss together.
 */
bool bz_filter_parse(sd_bus_message *m, int adapter_transport, bz_filter **out);
void bz_filter_free(bz_filter *f);

/** The names SetDiscoveryFilter knows, in bluetoothd's order (GetDiscoveryFilters). */
extern const char *const bz_filter_names[];

/** The filters of the discovering clients, merged for the kernel. */
typedef struct bz_kfilter {
  bool regular;     /* only unfiltered discovery: no filtering at all */
  int transport;    /* BZ_SCAN_* */
  int rssi;         /* BZ_HCI_RSSI_INVALID: no threshold */
  const bz_filter *const *filters; /* the discovering clients' filters (NULL entries: none) */
  size_t nfilters;
} bz_kfilter;

/** Computes the kernel's merged filter of `n` client filters (NULL: regular discovery). */
void bz_kfilter_merge(bz_kfilter *k, const bz_filter *const *filters, size_t n, int adapter_transport);
/** Whether the kernel passes an LE report with `eir` and `rssi` to bluetoothd. */
bool bz_kfilter_pass(const bz_kfilter *k, const bz_eir *eir, int rssi);
/** bluetoothd's is_filter_match (with its 5.66 proximity test, quirks included). */
bool bz_filter_match(const bz_kfilter *k, const bz_eir *eir, int rssi);
/** device_is_discoverable for an LE report of `address` (upper case) / `eir`. */
bool bz_filter_discoverable(const bz_kfilter *k, bool filtered_discovery, bool any_client, const bz_eir *eir,
                            const char *address);
/** Whether any discovering client asked for DuplicateData. */
bool bz_filter_duplicate(const bz_kfilter *k);

#endif /* BLEC_BLUEZ_SIM_FILTER_H */
