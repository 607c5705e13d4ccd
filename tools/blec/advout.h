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
 * service_uuids, services, manufacturer_data, service_data and description.
 */
void advout_json(json_obj *j, const blec_device *dev, const blec_adv *adv);

#endif /* BLEC_CLI_ADVOUT_H */
