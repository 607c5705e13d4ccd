/* SPDX-License-Identifier: MIT */
/*
 * wait_handle.c — the suite's only platform switch: waiting on the queued-delivery
 * handle the way a program's own event loop would (poll() on POSIX, WaitForSingleObject
 * on Windows).
 */
#include "fixture.h"

#ifdef _WIN32
bool wait_handle_ready(blec_os_handle h, int timeout_ms) {
  DWORD r = WaitForSingleObject((HANDLE)h, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
  return r == WAIT_OBJECT_0;
}
#else
#include <poll.h>
bool wait_handle_ready(blec_os_handle h, int timeout_ms) {
  struct pollfd p;
  p.fd = (int)h;
  p.events = POLLIN;
  p.revents = 0;
  int r = poll(&p, 1, timeout_ms);
  return r > 0 && (p.revents & POLLIN) != 0;
}
#endif
