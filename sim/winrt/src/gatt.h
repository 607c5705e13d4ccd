/* SPDX-License-Identifier: MIT */
/*
 * gatt.h — the device-side classes: BluetoothLEDevice, BluetoothDeviceId, GattSession,
 * GattDeviceService, GattCharacteristic, GattDescriptor, their result objects, the
 * adapter and radio, pairing; and the IAsyncOperation<T> and collection types they use.
 */
#ifndef BLEC_SIM_WINRT_GATT_H
#define BLEC_SIM_WINRT_GATT_H

#include "stack.h"

#define SIM_GATT_NS Windows__CDevices__CBluetooth__CGenericAttributeProfile__C
#define SIM_ASYNC(var, suffix, kind)                                                       \
  const sim_async_type var = {&IID___FIAsyncOperation_1_##suffix,                          \
                              &IID___FIAsyncOperationCompletedHandler_1_##suffix, kind}

/* IAsyncOperation<T> of the classes (async_types.c). */
extern const sim_async_type sim_at_device, sim_at_services_result, sim_at_characteristics_result,
    sim_at_descriptors_result, sim_at_read_result, sim_at_write_result, sim_at_cccd_result, sim_at_session,
    sim_at_adapter, sim_at_radio, sim_at_radios, sim_at_service, sim_at_comm_status, sim_at_access_status,
    sim_at_radio_access_status, sim_at_open_status, sim_at_pairing_result, sim_at_unpairing_result,
    sim_at_device_information;
/* Collections (async_types.c). */
extern const sim_vector_type sim_vt_services, sim_vt_characteristics, sim_vt_descriptors, sim_vt_formats,
    sim_vt_radios;

typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService IVectorView_Service;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic
    IVectorView_Characteristic;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptor IVectorView_Descriptor;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattPresentationFormat
    IVectorView_Format;

/* ---- results (gatt_results.c): status, ATT error when ProtocolError, content ---------------- */

HRESULT sim_services_result(GattCommunicationStatus st, int att, IVectorView_Service *services,
                            IGattDeviceServicesResult **out);
HRESULT sim_characteristics_result(GattCommunicationStatus st, int att, IVectorView_Characteristic *chars,
                                   IGattCharacteristicsResult **out);
HRESULT sim_descriptors_result(GattCommunicationStatus st, int att, IVectorView_Descriptor *descs,
                               IGattDescriptorsResult **out);
HRESULT sim_read_result(GattCommunicationStatus st, int att, const BYTE *data, size_t len, IGattReadResult **out);
HRESULT sim_write_result(GattCommunicationStatus st, int att, IGattWriteResult **out);
HRESULT sim_cccd_result(GattCommunicationStatus st, int att, GattClientCharacteristicConfigurationDescriptorValue v,
                        IGattReadClientCharacteristicConfigurationDescriptorResult **out);
HRESULT sim_value_changed_args(const BYTE *data, size_t len, IGattValueChangedEventArgs **out);
HRESULT sim_session_status_args(BluetoothError error, GattSessionStatus st, IGattSessionStatusChangedEventArgs **out);

/* ---- objects ---------------------------------------------------------------------------------- */

/** A new BluetoothLEDevice for d (device.c). */
HRESULT sim_device_new(sim_dev *d, IBluetoothLEDevice **out);
/** A new BluetoothDeviceId for d (device_id.c). */
HRESULT sim_device_id_new(sim_dev *d, IBluetoothDeviceId **out);
/** The device of a BluetoothDeviceId (ours or not), or NULL. */
sim_dev *sim_device_id_dev(IBluetoothDeviceId *id);
/** A new GattSession for d (session.c). */
HRESULT sim_session_new(sim_dev *d, IGattSession **out);
/** The services of a database (attrs) matching uuid (NULL: all), as a new view. */
HRESULT sim_services_view(sim_dev *d, const blec__wattr *attrs, size_t n, const GUID *uuid, IVectorView_Service **out);
/** Whether a service object of ours was closed (its characteristics then fail with RO_E_CLOSED). */
bool sim_service_closed(IGattDeviceService *s);
/** The device of a service object of ours. */
sim_dev *sim_service_dev(IGattDeviceService *s);
/** The characteristics of service (attrs: whole database) matching uuid, as a new view. */
HRESULT sim_characteristics_view(sim_dev *d, IGattDeviceService *service, const blec__wattr *attrs, size_t n,
                                 uint16_t start, uint16_t end, const GUID *uuid, IVectorView_Characteristic **out);
/** The descriptors of a characteristic (attrs: whole database; value handle vh). */
HRESULT sim_descriptors_view(sim_dev *d, IGattDeviceService *service, const blec__wattr *attrs, size_t n, uint16_t vh,
                             const GUID *uuid, IVectorView_Descriptor **out);
/** DeviceInformation for d (pairing.c). */
HRESULT sim_device_information_new(sim_dev *d, IDeviceInformation **out);

/** Maps a GATT service UUID the OS keeps for itself (HID) to AccessDenied. */
bool sim_service_denied(const GUID *uuid);
/** The fault a test set for this service of this device (blec_winrt_sim_service_fault_kind,
 *  *att its ATT code), BLEC_WINRT_SIM_SERVICE_OK when none (service_faults.c). */
int sim_service_fault(UINT64 address, const GUID *service, int *att);
/** Forgets every service fault (the world was replaced). */
void sim_service_faults_clear(void);

extern const sim_factory_desc sim_device_factory, sim_device_id_factory, sim_session_factory, sim_service_factory,
    sim_characteristic_factory, sim_descriptor_factory, sim_protocol_error_factory, sim_adapter_factory,
    sim_radio_factory, sim_uuid_helper_factory, sim_device_information_factory;

#endif /* BLEC_SIM_WINRT_GATT_H */
