/* SPDX-License-Identifier: MIT */
/* plat_win32.c — plat.h on Windows. */
#include "plat.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <io.h>
#include <stdio.h>
#include <string.h>

uint64_t plat_now_ms(void) { return (uint64_t)GetTickCount64(); }

void plat_sleep_ms(int ms) {
  if (ms > 0) Sleep((DWORD)ms);
}

int plat_stdin_is_terminal(void) { return _isatty(_fileno(stdin)) ? 1 : 0; }

int plat_make_dirs(const char *path) {
  char tmp[4096];
  size_t len = strlen(path);
  if (len == 0 || len >= sizeof tmp) return -1;
  memcpy(tmp, path, len + 1);
  /* From the third character on: "C:\" itself is never created. */
  for (size_t i = 3; i <= len; i++) {
    if (tmp[i] != '\\' && tmp[i] != '/' && tmp[i] != '\0') continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (!CreateDirectoryA(tmp, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) return -1;
    tmp[i] = c;
  }
  DWORD attr = GetFileAttributesA(path);
  return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY) ? 0 : -1;
}

char plat_dir_separator(void) { return '\\'; }
