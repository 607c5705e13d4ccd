/* SPDX-License-Identifier: MIT */
/* stack.c — the simulated OS's state about devices (grows with the device classes). */
#include "stack.h"

void sim_stack_forget_all(void) {}
void sim_stack_forget_cache(void) {}
void sim_stack_radio_changed(bool on) { (void)on; }
