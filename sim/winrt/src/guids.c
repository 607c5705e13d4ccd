/* SPDX-License-Identifier: MIT */
/*
 * guids.c — defines the IIDs of the generated WinRT headers once for the whole DLL:
 * <initguid.h> before their first inclusion turns their DEFINE_GUIDs into definitions.
 */
#define COBJMACROS
#include <windows.h>

#include <initguid.h>

#include <activation.h>

#include "blec_winrt_bluetooth.h"
