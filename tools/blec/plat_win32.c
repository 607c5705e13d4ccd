/* SPDX-License-Identifier: MIT */
/* plat_win32.c — plat.h on Windows. */
#include "plat.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

uint64_t plat_now_ms(void) { return (uint64_t)GetTickCount64(); }

void plat_sleep_ms(int ms) {
  if (ms > 0) Sleep((DWORD)ms);
}
