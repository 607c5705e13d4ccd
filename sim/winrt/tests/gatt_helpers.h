/* SPDX-License-Identifier: MIT */
/* gatt_helpers.h — short names and steps shared by the device, GATT, pairing and fault tests. */
#ifndef SIM_GATT_HELPERS_H
#define SIM_GATT_HELPERS_H

#include "sim_test.h"

typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceService ServiceView;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic CharView;
typedef __FIVectorView_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptor DescView;

#define H_DEVICE_OP &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice
#define H_SERVICES &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDeviceServicesResult
#define H_CHARS &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristicsResult
#define H_DESCS &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult
#define H_READ &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult
#define H_WRITE &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult
#define H_STATUS &IID___FIAsyncOperationCompletedHandler_1_GattCommunicationStatus
#define H_CCCD &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadClientCharacteristicConfigurationDescriptorResult
#define H_SESSION &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession
#define H_PAIR &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CEnumeration__CDevicePairingResult
#define H_UNPAIR &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CEnumeration__CDeviceUnpairingResult

/** FromBluetoothAddressAsync; NULL for an unknown address. */
IBluetoothLEDevice *g_device(const char *address);
/** A GattSession for the device (FromDeviceIdAsync with its BluetoothDeviceId). */
IGattSession *g_session(IBluetoothLEDevice *dev);
/** GetGattServicesAsync with a cache mode; *status gets the result's status. */
ServiceView *g_services(IBluetoothLEDevice *dev, BluetoothCacheMode mode, GattCommunicationStatus *status);
/** The first service with a 16-bit UUID (AddRef'd), or NULL. */
IGattDeviceService *g_find_service(ServiceView *v, UINT16 uuid16);
CharView *g_chars(IGattDeviceService *s, BluetoothCacheMode mode, GattCommunicationStatus *status);
IGattCharacteristic *g_find_char(CharView *v, UINT16 uuid16);
/** Reads a characteristic: status, bytes into out (cap), *len. */
GattCommunicationStatus g_read(IGattCharacteristic *c, BluetoothCacheMode mode, BYTE *out, UINT32 cap, UINT32 *len,
                               int *protocol_error);
GattCommunicationStatus g_write(IGattCharacteristic *c, const void *data, UINT32 len, GattWriteOption option);
GattCommunicationStatus g_cccd(IGattCharacteristic *c, GattClientCharacteristicConfigurationDescriptorValue v);
UINT32 g_view_size(void *view);
/** Closes (IClosable) and releases every service of a view, then the view. */
void g_close_services(ServiceView *v);
void g_close(void *obj);
BluetoothConnectionStatus g_status(IBluetoothLEDevice *dev);

/** Records ConnectionStatusChanged (and the status read inside the handler). */
typedef struct conn_rec {
  CRITICAL_SECTION cs;
  int n, connected, disconnected;
  DWORD thread;
} conn_rec;
void g_conn_rec_init(conn_rec *r);
t_delegate *g_watch_connection(IBluetoothLEDevice *dev, conn_rec *r, EventRegistrationToken *tok);

/** Records ValueChanged. */
typedef struct value_rec {
  CRITICAL_SECTION cs;
  int n;
  BYTE last[32];
  UINT32 last_len;
  DWORD thread;
  int concurrent, max_concurrent;
  /* For counter streams: values that did not follow the previous one (+1, mod 256). */
  int out_of_order;
  /* Distinct threads the handler ran on (up to 8). */
  int threads_seen;
  DWORD threads[8];
} value_rec;
void g_value_rec_init(value_rec *r);
t_delegate *g_watch_values(IGattCharacteristic *c, value_rec *r, EventRegistrationToken *tok);
int g_value_count(value_rec *r);

#endif /* SIM_GATT_HELPERS_H */
