/* SPDX-License-Identifier: MIT */
/*
 * plat.h — the two things the tool needs from the system beyond C11: a monotonic clock
 * and a sleep. plat_posix.c and plat_win32.c implement them; nothing else in the tool
 * is platform-specific.
 */
#ifndef BLEC_CLI_PLAT_H
#define BLEC_CLI_PLAT_H

#include <stdint.h>

/** Milliseconds on a monotonic clock (arbitrary origin). */
uint64_t plat_now_ms(void);
/** Sleeps about `ms` milliseconds (returns early on a signal, which is fine). */
void plat_sleep_ms(int ms);

#endif /* BLEC_CLI_PLAT_H */
