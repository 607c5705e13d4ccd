/* SPDX-License-Identifier: MIT */
/* sig.c — see sig.h. */
#include "sig.h"

#include <signal.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  interrupted = 1;
  signal(sig, SIG_DFL);
}

void sig_install(void) {
  signal(SIGINT, on_signal);
#ifdef SIGTERM
  signal(SIGTERM, on_signal);
#endif
}

bool sig_interrupted(void) { return interrupted != 0; }

void sig_reset(void) {
  interrupted = 0;
  sig_install();
}
