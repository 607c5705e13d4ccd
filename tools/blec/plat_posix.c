/* SPDX-License-Identifier: MIT */
/* plat_posix.c — plat.h on POSIX systems. */
#include "plat.h"

#include <time.h>
#include <unistd.h>

uint64_t plat_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void plat_sleep_ms(int ms) {
  if (ms <= 0) return;
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int plat_stdin_is_terminal(void) { return isatty(STDIN_FILENO) ? 1 : 0; }
