/* SPDX-License-Identifier: MIT */
#include "gatt.h"
HRESULT sim_device_information_new(sim_dev *d, IDeviceInformation **out) {
  (void)d;
  *out = NULL;
  return E_NOTIMPL;
}
