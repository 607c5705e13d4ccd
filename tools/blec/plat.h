/* SPDX-License-Identifier: MIT */
/*
 * plat.h — what the tool needs from the system beyond C11: a monotonic clock, a sleep
 * and whether standard input is a terminal. plat_posix.c and plat_win32.c implement them; nothing else in the tool
 * is platform-specific.
 */
#ifndef BLEC_CLI_PLAT_H
#define BLEC_CLI_PLAT_H

#include <stdint.h>

/** Milliseconds on a monotonic clock (arbitrary origin). */
uint64_t plat_now_ms(void);
/** Sleeps about `ms` milliseconds (returns early on a signal, which is fine). */
void plat_sleep_ms(int ms);
/** 1 when standard input is a terminal (a user can answer), else 0. */
int plat_stdin_is_terminal(void);

#endif /* BLEC_CLI_PLAT_H */
