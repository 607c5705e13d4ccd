/* SPDX-License-Identifier: MIT */
/* uuid_helper.c — Windows.Devices.Bluetooth.BluetoothUuidHelper: 16/32-bit ids and the base UUID. */
#include "gatt.h"

static HRESULT STDMETHODCALLTYPE uh_FromShortId(IBluetoothUuidHelperStatics *This, UINT32 id, GUID *result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  blec_uuid u = blec_uuid_from32(id);
  *result = sim_guid_from_uuid(&u);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE uh_TryGetShortId(IBluetoothUuidHelperStatics *This, GUID uuid,
                                                  IReference_UINT32 **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  blec_uuid u = sim_uuid_from_guid(&uuid);
  uint32_t v;
  return blec_uuid_to32(&u, &v) ? sim_box_u32(v, result) : S_OK;
}

SIM_VTABLE(IBluetoothUuidHelperStaticsVtbl, uh_vt) = {
    SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .FromShortId = uh_FromShortId, .TryGetShortId = uh_TryGetShortId}};

const sim_factory_desc sim_uuid_helper_factory = {L"Windows.Devices.Bluetooth.BluetoothUuidHelper",
                                                  NULL,
                                                  {{&IID_IBluetoothUuidHelperStatics, &uh_vt.v}}};
