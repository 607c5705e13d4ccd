/* SPDX-License-Identifier: MIT */
/* async_types.c — the IAsyncOperation<T> and collection instantiations of the device classes. */
#include "gatt.h"

SIM_ASYNC(sim_at_device, Windows__CDevices__CBluetooth__CBluetoothLEDevice, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_adapter, Windows__CDevices__CBluetooth__CBluetoothAdapter, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_services_result, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult,
          SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_characteristics_result,
          Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_descriptors_result, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult,
          SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_read_result, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult,
          SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_write_result, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult,
          SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_cccd_result,
          Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadClientCharacteristicConfigurationDescriptorResult,
          SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_session, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_service, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService,
          SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_radio, Windows__CDevices__CRadios__CRadio, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_radios, __FIVectorView_1_Windows__CDevices__CRadios__CRadio, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_comm_status, GattCommunicationStatus, SIM_RESULT_I32);
SIM_ASYNC(sim_at_access_status, DeviceAccessStatus, SIM_RESULT_I32);
SIM_ASYNC(sim_at_radio_access_status, RadioAccessStatus, SIM_RESULT_I32);
SIM_ASYNC(sim_at_open_status, GattOpenStatus, SIM_RESULT_I32);
SIM_ASYNC(sim_at_pairing_result, Windows__CDevices__CEnumeration__CDevicePairingResult, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_unpairing_result, Windows__CDevices__CEnumeration__CDeviceUnpairingResult, SIM_RESULT_OBJECT);
SIM_ASYNC(sim_at_device_information, Windows__CDevices__CEnumeration__CDeviceInformation, SIM_RESULT_OBJECT);

SIM_VIEW_TYPE(sim_vt_services, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService);
SIM_VIEW_TYPE(sim_vt_characteristics,
                Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic);
SIM_VIEW_TYPE(sim_vt_descriptors, Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptor);
SIM_VIEW_TYPE(sim_vt_formats,
                Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattPresentationFormat);
SIM_VIEW_TYPE(sim_vt_radios, Windows__CDevices__CRadios__CRadio);
