/* SPDX-License-Identifier: MIT */
/*
 * stack_bluez.c — the conformance suite's stack for BLEC_TEST_BACKEND=bluez: the test's
 * world served by the simulated bluetoothd (sim/bluez) on $DBUS_SYSTEM_BUS_ADDRESS, the
 * private bus the test runs on (scripts/private-bus.sh). Built with
 * BLEC_TEST_STACK_BLUEZ=1 where sd-bus is found.
 *
 * bluetoothd's own timers run on the real clock; the suite's worlds run ten times faster
 * (FX_TIME_SCALE), and so do these two here: the disconnection timer (2 s) and the
 * temporary-device timeout (30 s). Their order relative to everything else is kept.
 */
#include "blec_bluez_sim.h"
#include "fixture.h"
#include "stack.h"

static blec_bluez_sim *sim;
static blec_world *served;

static void attach(blec_world *world) {
  served = NULL;
  if (!world) ASSERT_OK(blec_world_new_default(&served));
  int s = blec_bluez_sim_start(world ? world : served, NULL, &sim);
  if (s != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__,
                    "the simulated bluetoothd cannot serve org.bluez (%s): run the test under "
                    "scripts/private-bus.sh",
                    blec_status_name(s));
  ASSERT_OK(blec_bluez_sim_set_switch(sim, BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS, (int64_t)(2000 * FX_TIME_SCALE)));
  ASSERT_OK(blec_bluez_sim_set_switch(sim, BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS, (int64_t)(30000 * FX_TIME_SCALE)));
  ASSERT_OK(blec_bluez_sim_sync(sim));
}

static void detach(void) {
  blec_bluez_sim_stop(sim);
  sim = NULL;
  blec_world_unref(served);
  served = NULL;
}

/*
 * The simulated bluetoothd has written every signal (and AcquireNotify socket datagram)
 * the world's callbacks made once sync returns. The last hop, to the backend's bus
 * thread, keeps each path's order but offers the suite no marker that follows every path:
 * a reply to one of the backend's calls does not come after a socket's data, and a
 * synchronous call's reply overtakes signals still queued in sd-bus. For that hop alone,
 * a bounded wait, scaled.
 */
#define BUS_HOP_MS 50

static void flush(void) {
  ASSERT_OK(blec_bluez_sim_sync(sim));
  blec__sleep_ms(blec_test_ms(BUS_HOP_MS));
}

const fx_stack fx_stack_bluez = {"bluez", attach, detach, flush};
