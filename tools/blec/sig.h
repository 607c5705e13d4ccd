/* SPDX-License-Identifier: MIT */
/*
 * sig.h — Ctrl-C and SIGTERM with C11 signal() only (the same on POSIX and Windows).
 * The handler only sets a flag; commands poll it, stop scanning, disconnect and exit
 * with CLI_EXIT_INTERRUPTED. A second Ctrl-C ends the program at once (the handler
 * restores the default action).
 */
#ifndef BLEC_CLI_SIG_H
#define BLEC_CLI_SIG_H

#include <stdbool.h>

void sig_install(void);
bool sig_interrupted(void);
/** Forgets a Ctrl-C and handles the next one again (the shell: it ended one command). */
void sig_reset(void);

#endif /* BLEC_CLI_SIG_H */
