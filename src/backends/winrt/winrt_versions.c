/* SPDX-License-Identifier: MIT */
/*
 * winrt_versions.c — interfaces that the oldest Windows 10 builds lack. Each is obtained
 * by QueryInterface; when it is absent the request fails with BLEC_ERR_NOT_SUPPORTED and
 * says which Windows it needs. The builds are those of the interface's
 * UniversalApiContract in Windows' metadata (shared/winrt-abi, "contract"): 2.0 = 10586
 * (1511), 4.0 = 15063 (1703), 5.0 = 16299 (1709), 10.0 = 19041 (2004).
 */
#include "backends/winrt/winrt_backend.h"

typedef struct iface_desc {
  const IID *iid;
  const char *name;
  const char *needs;
} iface_desc;

#define V1511 "needs Windows 10 version 1511 (build 10586)"
#define V1703 "needs Windows 10 version 1703 (build 15063)"
#define V1709 "needs Windows 10 version 1709 (build 16299)"
#define V2004 "needs Windows 10 version 2004 (build 19041)"

static const iface_desc ifaces[WR_IF_COUNT] = {
    [WR_IF_DEVICE_STATICS2] = {&IID_IBluetoothLEDeviceStatics2, "IBluetoothLEDeviceStatics2", V1511},
    [WR_IF_DEVICE3] = {&IID_IBluetoothLEDevice3, "IBluetoothLEDevice3", V1703},
    [WR_IF_DEVICE4] = {&IID_IBluetoothLEDevice4, "IBluetoothLEDevice4", V1709},
    [WR_IF_SERVICE3] = {&IID_IGattDeviceService3, "IGattDeviceService3", V1703},
    [WR_IF_CHARACTERISTIC3] = {&IID_IGattCharacteristic3, "IGattCharacteristic3", V1703},
    [WR_IF_DESCRIPTOR2] = {&IID_IGattDescriptor2, "IGattDescriptor2", V1703},
    [WR_IF_READ_RESULT2] = {&IID_IGattReadResult2, "IGattReadResult2", V1703},
    [WR_IF_RECEIVED2] = {&IID_IBluetoothLEAdvertisementReceivedEventArgs2,
                         "IBluetoothLEAdvertisementReceivedEventArgs2", V2004},
    [WR_IF_WATCHER2] = {&IID_IBluetoothLEAdvertisementWatcher2, "IBluetoothLEAdvertisementWatcher2", V2004},
    [WR_IF_DEVINFO2] = {&IID_IDeviceInformation2, "IDeviceInformation2", V1511},
    [WR_IF_PAIRING2] = {&IID_IDeviceInformationPairing2, "IDeviceInformationPairing2", V1511},
};

HRESULT wr_qi(wr_ctx *w, void *obj, wr_iface_id id, void **out) {
  *out = NULL;
  HRESULT hr = IUnknown_QueryInterface((IUnknown *)obj, ifaces[id].iid, out);
  if (FAILED(hr))
    wr_log(w, BLEC_LOG_DEBUG, "QueryInterface(%s): HRESULT 0x%08lx %s (this Windows lacks it: it %s)", ifaces[id].name,
           (unsigned long)hr, wr_hr_name(hr), ifaces[id].needs);
  return hr;
}

const char *wr_iface_needs(wr_iface_id id) { return ifaces[id].needs; }

void wr_complete_missing(blec_op *op, wr_iface_id id, const char *what) {
  blec_error e;
  blec__error_set(&e, BLEC_ERR_NOT_SUPPORTED, "%s %s (%s is missing)", what, ifaces[id].needs, ifaces[id].name);
  e.os_status = (int32_t)E_NOINTERFACE;
  blec__op_complete_error(op, &e);
}
