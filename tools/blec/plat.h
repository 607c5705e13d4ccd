/* SPDX-License-Identifier: MIT */
/*
 * plat.h — what the tool needs from the system beyond C11: a monotonic clock, a sleep,
 * whether standard input is a terminal, and making a directory (the user's state
 * directory, which blec_user_state_dir names). plat_posix.c and plat_win32.c implement them; nothing else in the tool
 * is platform-specific.
 */
#ifndef BLEC_CLI_PLAT_H
#define BLEC_CLI_PLAT_H

#include <stddef.h>
#include <stdint.h>

/** Milliseconds on a monotonic clock (arbitrary origin). */
uint64_t plat_now_ms(void);
/** Sleeps about `ms` milliseconds (returns early on a signal, which is fine). */
void plat_sleep_ms(int ms);
/** 1 when standard input is a terminal (a user can answer), else 0. */
int plat_stdin_is_terminal(void);
/** Creates a directory and its parents (user-only access where that means something); 0 on success. */
int plat_make_dirs(const char *path);
/** The separator between a directory and a file name. */
char plat_dir_separator(void);

#endif /* BLEC_CLI_PLAT_H */
