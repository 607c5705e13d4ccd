/* SPDX-License-Identifier: MIT */
/*
 * blec_bluez_sim.h — a simulated bluetoothd: serves the world engine's peripherals as
 * BlueZ's D-Bus API (org.bluez: ObjectManager, Adapter1, Device1, GattService1,
 * GattCharacteristic1, GattDescriptor1, AgentManager1, AdvertisementMonitorManager1) on a
 * bus of the caller's choosing — a private dbus-daemon started by the tests
 * (scripts/private-bus.sh), never the machine's system bus.
 *
 * The behaviours it imitates, each with its source (BlueZ 5.66 doc files and source, or
 * bluetoothd's behaviour as bleak records it), are listed in sim/bluez/README.md.
 *
 * Threads: every function may be called from any thread. The simulator runs on a thread
 * of its own (the "bus thread") which owns the D-Bus connection; world events reach it
 * through a queue. Test-only: no stability promise beyond blec's own tests and benchmarks.
 */
#ifndef BLEC_BLUEZ_SIM_H
#define BLEC_BLUEZ_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec_world.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct blec_bluez_sim blec_bluez_sim;

/** Start-time settings (what bluetoothd takes from its command line and main.conf). */
typedef struct blec_bluez_sim_config blec_bluez_sim_config;

/** Defaults: 1 adapter, not experimental, BlueZ 5.66 (Debian 12), TemporaryTimeout 30 s. */
int blec_bluez_sim_config_new(blec_bluez_sim_config **out);
void blec_bluez_sim_config_free(blec_bluez_sim_config *cfg);
/** Number of adapters hci0..hci(n-1), 1 to 8; all see the same world. */
int blec_bluez_sim_config_set_adapters(blec_bluez_sim_config *cfg, int n);
/**
 * bluetoothd -E (--experimental): AdvertisementMonitorManager1 on each adapter, the
 * AdvertisingFlags / AdvertisingData properties of Device1, Adapter1.PowerState.
 */
int blec_bluez_sim_config_set_experimental(blec_bluez_sim_config *cfg, bool on);
/**
 * BlueZ 5.<minor> to imitate, 66 (Debian 12) or later: from 69 the GATT objects carry the
 * read-only "Handle" property. BLEC_ERR_INVALID_ARG below 66.
 */
int blec_bluez_sim_config_set_version(blec_bluez_sim_config *cfg, int minor);

/**
 * Serves `world` (a reference is taken) as org.bluez on the bus at `bus_address` (NULL:
 * $DBUS_SYSTEM_BUS_ADDRESS), on a thread of its own, with the default configuration.
 * Returns once the name is owned and GetManagedObjects would answer: BLEC_OK, or
 * BLEC_ERR_BLUETOOTH_UNAVAILABLE when the bus cannot be reached or the name is taken
 * (the reason is logged), BLEC_ERR_INVALID_ARG, BLEC_ERR_NO_MEMORY.
 */
int blec_bluez_sim_start(blec_world *world, const char *bus_address, blec_bluez_sim **out);
/** The same with a configuration (NULL: defaults); `cfg` is copied. */
int blec_bluez_sim_start_config(blec_world *world, const char *bus_address,
                                const blec_bluez_sim_config *cfg, blec_bluez_sim **out);
/** Releases the name, ends every link and scan, joins its thread, frees. NULL ok. */
void blec_bluez_sim_stop(blec_bluez_sim *sim);

/** The simulator's unique bus name (":1.N"), valid until stop. */
const char *blec_bluez_sim_unique_name(const blec_bluez_sim *sim);

/**
 * Waits until the bus thread has handled everything queued before the call (world
 * events, switch changes) and sent what that produced. For tests: after it, a signal
 * the simulator was going to send has been written to the bus.
 */
int blec_bluez_sim_sync(blec_bluez_sim *sim);

/**
 * Run-time switches for faithful-but-unkind behaviours (README "Switches"). Values that
 * are times are milliseconds of the real clock.
 */
typedef enum blec_bluez_sim_switch {
  /** main.conf TemporaryTimeout: a discovered, unconnected device's object is removed
   *  this long after its last advertisement (default 30000; 0 = never). */
  BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS = 1,
  /** Extra time before a Connect's link comes up: a slow Connect (default 0). */
  BLEC_BLUEZ_SIM_CONNECT_DELAY_MS = 2,
  /** 1: Disconnect's PropertiesChanged(Connected=false) goes out before its reply — the
   *  reverse of bluetoothd's order, which bleak 0.20.2 does not take well (it closes its
   *  D-Bus connection on the signal while it waits for the reply; bleak #1921). */
  BLEC_BLUEZ_SIM_SIGNAL_BEFORE_REPLY = 3,
  /** The next N Connects fail with org.bluez.Error.Failed "le-connection-abort-by-local"
   *  after the link came up and went (Connected true then false), as BlueZ 5.62+ does on
   *  interference; bleak retries on it (bleak #1220). */
  BLEC_BLUEZ_SIM_CONNECT_ABORT_BY_LOCAL = 4,
  /** main.conf [GATT] Cache: 0 "no", 1 "yes" (paired devices only), 2 "always" (default):
   *  whether a device's GATT objects stay exported after it disconnects. */
  BLEC_BLUEZ_SIM_GATT_CACHE = 5,
  /** device_request_disconnect's DISCONNECT_TIMER: the link is ended this long after
   *  Device1.Disconnect (bluetoothd: 2000). Tests that are not about it set it low. */
  BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS = 6,
  /** 1: the "controller" does not confirm Start/StopDiscovery (their callers wait, as
   *  behind a slow or busy controller) until the switch is set back to 0 (default 0). */
  BLEC_BLUEZ_SIM_HOLD_DISCOVERY = 7,
  /** The next N Start Discovery commands fail in the "kernel" (mgmt status Busy, as
   *  behind another tool's inquiry): their StartDiscovery callers get
   *  org.bluez.Error.InProgress "Operation already in progress" (btd_error_busy, the
   *  same answer as a second StartDiscovery of one client), their sessions are removed
   *  and Discovering stays false (BlueZ 5.66 start_discovery_complete). */
  BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS = 8,
  /** 1: Properties.GetAll of Adapter1 is not answered while set (a stalled daemon, for
   *  the tests of a caller's bound); set back to 0, the held calls are answered with the
   *  properties as they are then. Not a behaviour of bluetoothd's own. */
  BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL = 9,
  /** An AcquireNotify / AcquireWrite socket the client closed is noticed this long later
   *  (default 0: at once). bluetoothd sees the hang-up when its main loop next polls the
   *  socket, which a busy daemon does after the client's next D-Bus call; until then the
   *  characteristic is still acquired ("NotPermitted: Notify acquired"). */
  BLEC_BLUEZ_SIM_SOCKET_CLOSE_SEEN_LATE_MS = 10,
  BLEC_BLUEZ_SIM_SWITCH_COUNT
} blec_bluez_sim_switch;

/** The calls a HOLD_ switch keeps unanswered now (HOLD_ADAPTER_GETALL's GetAll calls). */
size_t blec_bluez_sim_held_calls(blec_bluez_sim *sim);

/** Sets a switch (from any thread; applies to what starts after it). */
int blec_bluez_sim_set_switch(blec_bluez_sim *sim, blec_bluez_sim_switch sw, int64_t value);

/** What the last accepted Adapter1.SetDiscoveryFilter (any adapter, any client) asked. */
#define BLEC_BLUEZ_SIM_FILTER_UUIDS 8
typedef struct blec_bluez_sim_filter {
  bool set;              /* a SetDiscoveryFilter was accepted */
  bool empty;            /* it was the empty dictionary (the client's filter removed) */
  char transport[8];     /* "le", "bredr" or "auto" (bluetoothd's default when not given) */
  bool duplicate_data;   /* DuplicateData (false when not given) */
  size_t nuuids;         /* UUIDs given (the first BLEC_BLUEZ_SIM_FILTER_UUIDS kept below) */
  char uuids[BLEC_BLUEZ_SIM_FILTER_UUIDS][37]; /* 128-bit, lower case */
  char sender[64];       /* the caller's unique name */
} blec_bluez_sim_filter;

/** Copies the last accepted filter into *out (set false when none was). */
int blec_bluez_sim_last_filter(blec_bluez_sim *sim, blec_bluez_sim_filter *out);

/** The agents clients registered on AgentManager1 (for tests: what a client asked for). */
typedef struct blec_bluez_sim_agents {
  unsigned registrations;  /* RegisterAgent calls accepted so far (any client) */
  unsigned unregistrations; /* UnregisterAgent calls accepted so far */
  size_t registered;       /* agents registered now */
  char capability[20];     /* the last accepted RegisterAgent's capability, as given */
  char owner[64];          /* its caller's unique name */
} blec_bluez_sim_agents;

/** Copies the agents' record into *out. */
int blec_bluez_sim_agents_get(blec_bluez_sim *sim, blec_bluez_sim_agents *out);

/**
 * A fault: every adapter's discovery sessions end without their owners asking (as
 * discovery_remove does to a client that left the bus) and Discovering turns false; a
 * client that still wants discovery must call StartDiscovery again. Returns once done.
 */
int blec_bluez_sim_end_discovery(blec_bluez_sim *sim);

#ifdef __cplusplus
}
#endif

#endif /* BLEC_BLUEZ_SIM_H */
