/* SPDX-License-Identifier: MIT */
/* advertisement.h — the advertisement family (advertisement.c), filters (adv_filter.c), watcher. */
#ifndef BLEC_SIM_WINRT_ADVERTISEMENT_H
#define BLEC_SIM_WINRT_ADVERTISEMENT_H

#include "sim.h"

/** An advertisement parsed from AD structures as received. */
HRESULT sim_adv_parse(const BYTE *data, size_t len, IBluetoothLEAdvertisement **out);
/** A new filter with an empty advertisement and no byte pattern. */
HRESULT sim_adv_filter_new(IBluetoothLEAdvertisementFilter **out);
/** A new signal-strength filter with every property unset (signal_filter.c). */
HRESULT sim_signal_filter_new(IBluetoothSignalStrengthFilter **out);

/**
 * What a watcher's filters ask, read through their interfaces when it starts (the OS takes
 * the filter when scanning starts), then applied to each packet (adv_filter.c).
 */
typedef struct sim_adv_match {
  char *name; /* UTF-8, NULL when not filtered */
  GUID *uuids;
  UINT32 n_uuids;
  struct sim_match_bytes {
    UINT32 key; /* company id, data type */
    INT32 offset;
    sim_bytes data;
  } *mfr, *sections, *patterns;
  UINT32 n_mfr, n_sections, n_patterns;
} sim_adv_match;

HRESULT sim_adv_match_init(sim_adv_match *m, IBluetoothLEAdvertisementFilter *f);
void sim_adv_match_free(sim_adv_match *m);
bool sim_adv_match_packet(const sim_adv_match *m, const BYTE *data, size_t len);

/** The signal-strength filter's settings; `active` false when every property is unset. */
typedef struct sim_rssi_cfg {
  bool active;
  int in_range_dbm;      /* default -127 */
  int out_of_range_dbm;  /* default -127 */
  INT64 out_of_range_timeout_100ns; /* default 60 s */
  INT64 sampling_100ns;  /* default 0 */
} sim_rssi_cfg;
/** Reads a filter's settings; E_INVALIDARG when out of the watcher's documented ranges. */
HRESULT sim_rssi_cfg_read(IBluetoothSignalStrengthFilter *f, sim_rssi_cfg *cfg);

extern const sim_factory_desc sim_mfr_factory, sim_section_factory, sim_pattern_factory, sim_adv_factory,
    sim_filter_factory, sim_datatypes_factory, sim_signal_filter_factory, sim_watcher_factory;

#endif /* BLEC_SIM_WINRT_ADVERTISEMENT_H */
