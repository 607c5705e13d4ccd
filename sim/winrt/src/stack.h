/* SPDX-License-Identifier: MIT */
/*
 * stack.h — the simulated operating system below the runtime classes: the world that
 * drives it (world.c) and the OS's own state about devices (stack.c): devices seen,
 * links shared by every object of one device, the GATT cache that outlives links.
 */
#ifndef BLEC_SIM_WINRT_STACK_H
#define BLEC_SIM_WINRT_STACK_H

#include "sim.h"

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "world/world_stack.h"

/* ---- world.c ---------------------------------------------------------------------------- */

/** A new reference to the current world (loaded on first use); NULL if none can be made. */
blec_world *sim_world_ref(void);
/** Counts open scans and links (+1 / -1): the world cannot be replaced while any is open. */
void sim_world_use(int delta);
/** Whether the PC has a Bluetooth adapter (blec_winrt_sim_set_adapter_present). */
bool sim_adapter_present(void);

/* ---- stack.c ------------------------------------------------------------------------------ */

/** The world was replaced: forget every device. */
void sim_stack_forget_all(void);
/** Empties the GATT cache. */
void sim_stack_forget_cache(void);
/** The radio was switched (the world already dropped scans and links when off). */
void sim_stack_radio_changed(bool on);

#endif /* BLEC_SIM_WINRT_STACK_H */
