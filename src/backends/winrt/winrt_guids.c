/* SPDX-License-Identifier: MIT */
/* winrt_guids.c — defines the IIDs of the generated WinRT headers once for the backend. */
#define COBJMACROS
#include <windows.h>

#include <initguid.h>

#include <activation.h>

#include "blec_winrt_bluetooth.h"
#include "blec_winrt_enumeration.h"
