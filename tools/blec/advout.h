/* SPDX-License-Identifier: MIT */
/*
 * advout.h — a device's advertisement as JSON members, the same in `blec scan --json`
 * and `blec info --json`.
 */
#ifndef BLEC_CLI_ADVOUT_H
#define BLEC_CLI_ADVOUT_H

#include "blec/blec.h"
#include "json.h"

/**
 * Adds address, address_type, name, rssi, connectable, tx_power, appearance,
 * appearance_name, service_uuids, services, manufacturer_data, service_data,
 * description, adv_data and scan_response_data (the payloads in hex): always all of them (null or [] when absent), so scripts can rely on them.
 */
void advout_json(json_obj *j, const blec_device *dev, const blec_adv *adv);
/** The same members for a device whose advertisement was not seen (`info --no-scan`). */
void advout_json_unseen(json_obj *j, const char *address, const char *name);

#endif /* BLEC_CLI_ADVOUT_H */
