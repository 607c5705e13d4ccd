/* SPDX-License-Identifier: MIT */
/*
 * headers_compile.c — the widl-generated WinRT headers must compile, warning-free, with the
 * Windows compiler and its own base headers (COBJMACROS wrappers included), and a few
 * layouts the backend relies on hold.
 */
#define COBJMACROS
/* widl gates each interface by its contract; mingw-w64 defaults to UniversalApiContract 10,
 * which hides IBluetoothLEDevice6 and the connection-parameter interfaces (contract 13). */
#define WINDOWS_FOUNDATION_UNIVERSALAPICONTRACT_VERSION 0xf0000
#include <windows.h>

#include "blec_winrt_bluetooth.h"

/* Every vtable is an array of function pointers: IInspectable's 6 + the methods. */
_Static_assert(sizeof(__x_ABI_CWindows_CDevices_CBluetooth_CIBluetoothLEDeviceVtbl) == (6 + 12) * sizeof(void *),
               "IBluetoothLEDevice: 12 methods after IInspectable");
_Static_assert(sizeof(__x_ABI_CWindows_CDevices_CBluetooth_CGenericAttributeProfile_CIGattSessionVtbl) ==
                   (6 + 10) * sizeof(void *),
               "IGattSession: 10 methods after IInspectable");
_Static_assert(sizeof(__x_ABI_CWindows_CDevices_CBluetooth_CIBluetoothLEDevice6Vtbl) == (6 + 7) * sizeof(void *),
               "IBluetoothLEDevice6 (contract 13): 7 methods after IInspectable");
_Static_assert(sizeof(IBufferByteAccessVtbl) == (3 + 1) * sizeof(void *), "IBufferByteAccess: IUnknown + 1");
_Static_assert(sizeof(EventRegistrationToken) == 8, "EventRegistrationToken is one INT64");
_Static_assert(sizeof(__x_ABI_CWindows_CFoundation_CTimeSpan) == 8, "TimeSpan is one INT64");
_Static_assert(sizeof(__x_ABI_CWindows_CDevices_CBluetooth_CGenericAttributeProfile_CGattCharacteristicProperties) == 4,
               "WinRT enums are 32-bit");

int blec_winrt_headers_compile_anchor(void);
int blec_winrt_headers_compile_anchor(void) {
  return (int)BluetoothCacheMode_Uncached;
}
