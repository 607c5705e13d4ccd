/* SPDX-License-Identifier: MIT */
/*
 * keeper.c — keeps the Wine session of a build's prefix alive while tests run, started by
 * scripts/wine-run.sh with its output on the prefix log:
 *
 *   wine_keeper ALIVE_FILE READY_FILE IDLE_SECONDS
 *
 * It creates a window, so that Wine starts the desktop process (explorer) and, through it,
 * the RPC service now, with no test's output pipes inherited by them, and so that these
 * system processes are not torn down and restarted between two test programs (a restart
 * costs Wine up to ten seconds). It writes READY_FILE once the desktop is up and exits
 * when ALIVE_FILE (touched by every wine-run.sh call) has not changed for IDLE_SECONDS.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <objbase.h>
#include <stdio.h>
#include <stdlib.h>

static ULONGLONG file_time_now(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  return ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

/* Last write time of path (100 ns units), 0 when it cannot be read. */
static ULONGLONG mtime(const char *path) {
  WIN32_FILE_ATTRIBUTE_DATA a;
  if (!GetFileAttributesExA(path, GetFileExInfoStandard, &a)) return 0;
  return ((ULONGLONG)a.ftLastWriteTime.dwHighDateTime << 32) | a.ftLastWriteTime.dwLowDateTime;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: wine_keeper ALIVE_FILE READY_FILE IDLE_SECONDS\n");
    return 2;
  }
  ULONGLONG idle = (ULONGLONG)atoi(argv[3]) * 10000000u;
  if (FAILED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED))) return 1;
  HWND wnd = CreateWindowExW(0, L"STATIC", L"blec wine keeper", WS_POPUP, 0, 0, 1, 1, NULL, NULL,
                             GetModuleHandleW(NULL), NULL);
  if (!wnd) fprintf(stderr, "wine_keeper: CreateWindowEx failed (%lu)\n", GetLastError());
  FILE *ready = fopen(argv[2], "w");
  if (ready) fclose(ready);
  for (;;) {
    MSG msg;
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
    ULONGLONG last = mtime(argv[1]);
    if (last == 0 || file_time_now() > last + idle) break;
    MsgWaitForMultipleObjects(0, NULL, FALSE, 1000, QS_ALLINPUT);
  }
  if (wnd) DestroyWindow(wnd);
  CoUninitialize();
  return 0;
}
