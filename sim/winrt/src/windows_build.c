/* SPDX-License-Identifier: MIT */
/*
 * windows_build.c — an older Windows (BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD): the interfaces
 * and classes newer than the chosen Windows 10 build are absent, as on that PC:
 * QueryInterface answers E_NOINTERFACE, GetIids leaves them out, activating a class gives
 * REGDB_E_CLASSNOTREG.
 *
 * When each arrived: the UniversalApiContract version of each interface in Windows'
 * metadata (../shared/winrt-abi/winrt-bluetooth-abi.json, "contract"), as a build through
 * the SDK's table of contract versions (PreviousPlatforms.xml): 2 = 10586, 4 = 15063,
 * 5 = 16299, 6 = 17134, 7 = 17763, 10 = 19041, 13 = 22000 (Windows 11; its pages say
 * "introduced in 10.0.22000.0"). Interfaces of contract 1 (10240) are everywhere.
 */
#include "sim.h"

#include <wchar.h>

#include "blec_winrt_sim.h"

typedef struct itf_build {
  const IID *iid;
  int build;
} itf_build;

static const itf_build itf_builds[] = {
    {&IID_IBluetoothLEDevice2, 10586},
    {&IID_IBluetoothLEDeviceStatics2, 10586},
    {&IID_IBluetoothLEAppearance, 10586},
    {&IID_IDeviceInformationCustomPairing, 10586},
    {&IID_IDeviceInformationPairing2, 10586},
    {&IID_IDeviceInformationPairingStatics, 10586},
    {&IID_IDevicePairingRequestedEventArgs, 10586},
    {&IID_IDevicePairingSettings, 10586},
    {&IID_IDeviceUnpairingResult, 10586},
    {&IID_IBluetoothLEDevice3, 15063},
    {&IID_IBluetoothAdapter, 15063},
    {&IID_IBluetoothAdapterStatics, 15063},
    {&IID_IBluetoothDeviceId, 15063},
    {&IID_IBluetoothUuidHelperStatics, 15063},
    {&IID_IGattSession, 15063},
    {&IID_IGattSessionStatics, 15063},
    {&IID_IGattSessionStatusChangedEventArgs, 15063},
    {&IID_IGattDeviceService3, 15063},
    {&IID_IGattDeviceServiceStatics2, 15063},
    {&IID_IGattCharacteristic3, 15063},
    {&IID_IGattDescriptor2, 15063},
    {&IID_IGattDeviceServicesResult, 15063},
    {&IID_IGattCharacteristicsResult, 15063},
    {&IID_IGattDescriptorsResult, 15063},
    {&IID_IGattReadResult2, 15063},
    {&IID_IGattReadClientCharacteristicConfigurationDescriptorResult2, 15063},
    {&IID_IGattWriteResult, 15063},
    {&IID_IGattProtocolErrorStatics, 15063},
    {&IID_IBluetoothLEDevice4, 16299},
    {&IID_IBluetoothDeviceIdStatics, 16299},
    {&IID_IBluetoothLEDevice5, 17134},
    {&IID_IBluetoothAdapter2, 17134},
    {&IID_IDeviceInformationPairingStatics2, 17763},
    {&IID_IBluetoothLEAdvertisementReceivedEventArgs2, 19041},
    {&IID_IBluetoothLEAdvertisementWatcher2, 19041},
    {&IID_IBluetoothAdapter3, 19041},
    {&IID_IBluetoothLEDevice6, 22000},
};

typedef struct class_build {
  const WCHAR *name;
  int build;
} class_build;

/* Runtime classes of contract 4 (their "contract" in the metadata). */
static const class_build class_builds[] = {
    {L"Windows.Devices.Bluetooth.BluetoothAdapter", 15063},
    {L"Windows.Devices.Bluetooth.BluetoothDeviceId", 15063},
    {L"Windows.Devices.Bluetooth.BluetoothUuidHelper", 15063},
    {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession", 15063},
    {L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattProtocolError", 15063},
};

bool sim_itf_hidden(const IID *iid) {
  int build = sim_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD);
  if (build <= 0) return false;
  for (size_t i = 0; i < sizeof itf_builds / sizeof itf_builds[0]; i++)
    if (IsEqualIID(iid, itf_builds[i].iid)) return build < itf_builds[i].build;
  return false;
}

bool sim_class_hidden(const WCHAR *name) {
  int build = sim_quirk(BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD);
  if (build <= 0) return false;
  for (size_t i = 0; i < sizeof class_builds / sizeof class_builds[0]; i++)
    if (wcscmp(name, class_builds[i].name) == 0) return build < class_builds[i].build;
  return false;
}
