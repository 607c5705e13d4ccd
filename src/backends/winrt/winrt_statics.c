/* SPDX-License-Identifier: MIT */
/*
 * winrt_statics.c — activation factories and statics interfaces, obtained once per
 * context (on first use, on a pool thread) and released when the context ends, instead
 * of an activation per call (a write used to activate a Buffer factory each time).
 */
#include "backends/winrt/winrt_backend.h"

typedef struct class_desc {
  const WCHAR *name;
  const IID *iid;
} class_desc;

static const class_desc classes[WR_CLASS_COUNT] = {
    [WR_DEVICE_STATICS] = {RuntimeClass_Windows_Devices_Bluetooth_BluetoothLEDevice, &IID_IBluetoothLEDeviceStatics},
    [WR_DEVICE_STATICS2] = {RuntimeClass_Windows_Devices_Bluetooth_BluetoothLEDevice, &IID_IBluetoothLEDeviceStatics2},
    [WR_SESSION_STATICS] = {RuntimeClass_Windows_Devices_Bluetooth_GenericAttributeProfile_GattSession,
                            &IID_IGattSessionStatics},
    [WR_ADAPTER_STATICS] = {RuntimeClass_Windows_Devices_Bluetooth_BluetoothAdapter, &IID_IBluetoothAdapterStatics},
    [WR_BUFFER_FACTORY] = {RuntimeClass_Windows_Storage_Streams_Buffer, &IID_IBufferFactory},
    [WR_DEVINFO_STATICS] = {RuntimeClass_Windows_Devices_Enumeration_DeviceInformation, &IID_IDeviceInformationStatics},
    [WR_WATCHER_ACTIVATION] = {RuntimeClass_Windows_Devices_Bluetooth_Advertisement_BluetoothLEAdvertisementWatcher,
                               &IID_IActivationFactory},
    [WR_ADV_FILTER_ACTIVATION] = {RuntimeClass_Windows_Devices_Bluetooth_Advertisement_BluetoothLEAdvertisementFilter,
                                  &IID_IActivationFactory},
    [WR_SIGNAL_FILTER_ACTIVATION] = {RuntimeClass_Windows_Devices_Bluetooth_BluetoothSignalStrengthFilter,
                                     &IID_IActivationFactory},
    [WR_ADVERTISEMENT_ACTIVATION] = {RuntimeClass_Windows_Devices_Bluetooth_Advertisement_BluetoothLEAdvertisement,
                                     &IID_IActivationFactory},
    [WR_BYTE_PATTERN_FACTORY] = {RuntimeClass_Windows_Devices_Bluetooth_Advertisement_BluetoothLEAdvertisementBytePattern,
                                 &IID_IBluetoothLEAdvertisementBytePatternFactory},
    [WR_MANUFACTURER_FACTORY] = {RuntimeClass_Windows_Devices_Bluetooth_Advertisement_BluetoothLEManufacturerData,
                                 &IID_IBluetoothLEManufacturerDataFactory},
};

static HRESULT fetch(const class_desc *d, void **out) {
  HSTRING h = NULL;
  HRESULT hr = WindowsCreateString(d->name, (UINT32)wcslen(d->name), &h);
  if (FAILED(hr)) return hr;
  hr = RoGetActivationFactory(h, d->iid, out);
  WindowsDeleteString(h);
  return hr;
}

HRESULT wr_statics(wr_ctx *w, wr_class_id id, void **out) {
  *out = NULL;
  blec__mutex_lock(&w->statics_lock);
  IUnknown *u = w->statics[id];
  HRESULT hr = S_OK;
  if (u) {
    IUnknown_AddRef(u); /* the caller's */
  } else {
    /* Only a success is kept: a failure may pass (a Bluetooth service restarting, a class
     * registered later), so the next call asks Windows again. Once the context released
     * its factories, work left running (abandoned to Windows) gets its own, kept by nobody. */
    hr = fetch(&classes[id], (void **)&u);
    if (SUCCEEDED(hr) && !w->statics_released) {
      w->statics[id] = u;
      IUnknown_AddRef(u);
    }
  }
  blec__mutex_unlock(&w->statics_lock);
  if (FAILED(hr)) {
    char name[160];
    WideCharToMultiByte(CP_UTF8, 0, classes[id].name, -1, name, (int)sizeof name, NULL, NULL);
    wr_hr(w, hr, name);
    return hr;
  }
  *out = u;
  return S_OK;
}

HRESULT wr_activate(wr_ctx *w, wr_class_id factory, const IID *iid, void **out) {
  *out = NULL;
  IActivationFactory *f = NULL;
  HRESULT hr = wr_statics(w, factory, (void **)&f);
  if (FAILED(hr)) return hr;
  IInspectable *obj = NULL;
  hr = wr_hr(w, IActivationFactory_ActivateInstance(f, &obj), "IActivationFactory::ActivateInstance");
  IActivationFactory_Release(f);
  if (FAILED(hr)) return hr;
  hr = wr_hr(w, IInspectable_QueryInterface(obj, iid, out), "QueryInterface of an activated object");
  IInspectable_Release(obj);
  return hr;
}

void wr_statics_release(wr_ctx *w) {
  blec__mutex_lock(&w->statics_lock);
  for (int i = 0; i < WR_CLASS_COUNT; i++) {
    if (w->statics[i]) IUnknown_Release(w->statics[i]);
    w->statics[i] = NULL;
  }
  w->statics_released = true;
  blec__mutex_unlock(&w->statics_lock);
}
