/* SPDX-License-Identifier: MIT */
/* plat_win32.c — plat.h on Windows. */
#include "plat.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <io.h>
#include <stdio.h>

uint64_t plat_now_ms(void) { return (uint64_t)GetTickCount64(); }

void plat_sleep_ms(int ms) {
  if (ms > 0) Sleep((DWORD)ms);
}

int plat_stdin_is_terminal(void) { return _isatty(_fileno(stdin)) ? 1 : 0; }
