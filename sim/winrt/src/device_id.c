/* SPDX-License-Identifier: MIT */
/* device_id.c — Windows.Devices.Bluetooth.BluetoothDeviceId (what GattSession.FromDeviceIdAsync takes). */
#include "gatt.h"

#include <stdlib.h>

typedef struct device_id {
  sim_obj obj;
  IBluetoothDeviceId i;
  sim_dev *dev;
} device_id;

static const sim_itf device_id_itfs[] = {{&IID_IBluetoothDeviceId, offsetof(device_id, i)}, {NULL, 0}};
static const sim_class device_id_class = {L"Windows.Devices.Bluetooth.BluetoothDeviceId", device_id_itfs, NULL};
#define DI(This) ((device_id *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE di_get_Id(IBluetoothDeviceId *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_dev_id(DI(This)->dev);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_IsClassicDevice(IBluetoothDeviceId *This, boolean *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = FALSE;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_IsLowEnergyDevice(IBluetoothDeviceId *This, boolean *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = TRUE;
  return S_OK;
}
SIM_VTABLE(IBluetoothDeviceIdVtbl, di_vt) = {
    offsetof(device_id, i),
    {SIM_INSPECTABLE_SLOTS, .get_Id = di_get_Id, .get_IsClassicDevice = di_get_IsClassicDevice,
     .get_IsLowEnergyDevice = di_get_IsLowEnergyDevice}};

HRESULT sim_device_id_new(sim_dev *d, IBluetoothDeviceId **out) {
  device_id *di = sim_obj_new(&device_id_class, sizeof *di);
  if (!di) return E_OUTOFMEMORY;
  di->i.lpVtbl = (IBluetoothDeviceIdVtbl *)&di_vt.v;
  di->dev = d;
  *out = &di->i;
  return S_OK;
}

sim_dev *sim_device_id_dev(IBluetoothDeviceId *id) {
  if (!id) return NULL;
  HSTRING s = NULL;
  if (FAILED(IBluetoothDeviceId_get_Id(id, &s))) return NULL;
  sim_dev *d = sim_dev_from_id(s);
  WindowsDeleteString(s);
  return d;
}

static HRESULT STDMETHODCALLTYPE dis_FromId(IBluetoothDeviceIdStatics *This, HSTRING id, IBluetoothDeviceId **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_dev *d = sim_dev_from_id(id);
  if (!d) return E_INVALIDARG;
  return sim_device_id_new(d, result);
}
SIM_VTABLE(IBluetoothDeviceIdStaticsVtbl, dis_vt) = {SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .FromId = dis_FromId}};

const sim_factory_desc sim_device_id_factory = {L"Windows.Devices.Bluetooth.BluetoothDeviceId",
                                                NULL,
                                                {{&IID_IBluetoothDeviceIdStatics, &dis_vt.v}}};
