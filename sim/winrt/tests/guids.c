/* SPDX-License-Identifier: MIT */
/* guids.c — defines the IIDs of the generated WinRT headers once for the test program. */
#define COBJMACROS
#include <windows.h>

#include <initguid.h>
#include <activation.h>

#include "blec_winrt_bluetooth.h"
