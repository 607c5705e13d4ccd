/* SPDX-License-Identifier: MIT */
/*
 * monitor.c — org.bluez.AdvertisementMonitorManager1 (experimental in 5.66: only with
 * bluetoothd -E). Placeholder until the manager lands: no monitors.
 */
#include "sim.h"

int bz_monitor_manager_add(bz_adapter *a) {
  (void)a;
  return 0;
}

void bz_monitor_manager_free(bz_adapter *a) { (void)a; }

bool bz_monitors_match(bz_adapter *a, const uint8_t *data, size_t len) {
  (void)a;
  (void)data;
  (void)len;
  return false;
}

bool bz_monitors_active(const bz_adapter *a) {
  (void)a;
  return false;
}
