/* SPDX-License-Identifier: MIT */
/*
 * blz_monitor.c — passive scanning. BlueZ scans passively only for an advertisement
 * monitor (doc/advertisement-monitor-api.txt, AdvertisementMonitorManager1: experimental
 * in 5.66, offered only when bluetoothd runs with --experimental and the controller
 * supports it). Not implemented yet: a passive scan answers BLEC_ERR_NOT_SUPPORTED with
 * that reason (the backend does not claim BLEC_CAP_PASSIVE_SCAN, so the core answers
 * first).
 */
#include "backends/bluez/blz.h"

int blz_monitor_add(blz_ctx *z, blz_scan *sc, blec_error *err) {
  (void)sc;
  blz_obj *a = blz_adapter_obj(z);
  if (a && (a->ifaces & BLZ_I_MONITOR_MANAGER))
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED, "passive scanning through BlueZ's advertisement monitor is not implemented");
  else
    blec__error_set(err, BLEC_ERR_NOT_SUPPORTED,
                    "BlueZ scans passively only through AdvertisementMonitorManager1, which this bluetoothd does not offer");
  return BLEC_ERR_NOT_SUPPORTED;
}

void blz_monitor_remove(blz_ctx *z, blz_scan *sc) {
  (void)z;
  (void)sc;
}

void blz_monitor_exit(blz_ctx *z) { (void)z; }
