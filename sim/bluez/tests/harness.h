/* SPDX-License-Identifier: MIT */
/*
 * harness.h — what the simulated bluetoothd's tests share: a world, the simulator on the
 * private bus of $DBUS_SYSTEM_BUS_ADDRESS (each test runs under scripts/private-bus.sh),
 * and a client connection that records, in arrival order, every signal from org.bluez
 * and every reply to its calls, so that tests can assert what came and in which order.
 *
 * Every wait has a deadline scaled by BLEC_TEST_TIMEOUT_MULTIPLIER.
 */
#ifndef BLEC_BLUEZ_SIM_TESTS_HARNESS_H
#define BLEC_BLUEZ_SIM_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include "blec/blec_world.h"
#include "blec_bluez_sim.h"
#include "test.h"

/* Every test's prototype (the list is included once more by the runner). */
#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

#define TB_HCI0 "/org/bluez/hci0"
#define TB_BLUEZ "org.bluez"
#define TB_ADAPTER "org.bluez.Adapter1"
#define TB_DEVICE "org.bluez.Device1"
#define TB_CHAR "org.bluez.GattCharacteristic1"
#define TB_DESC "org.bluez.GattDescriptor1"
#define TB_PROPS "org.freedesktop.DBus.Properties"
#define TB_OM "org.freedesktop.DBus.ObjectManager"

/* What arrived, in order: a signal or the reply to call number `call`. */
typedef struct tb_event {
  sd_bus_message *msg;
  unsigned call; /* 0: a signal */
} tb_event;

typedef struct tb {
  blec_world *world;
  blec_bluez_sim *sim;
  sd_bus *bus;
  tb_event *ev;
  size_t nev, cap;
  unsigned calls;
} tb;

/** A world from text (NULL: the default world), the simulator (cfg may be NULL), a
 *  client. Fails the test when any of it cannot be had. */
void tb_open(tb *t, const char *world_text, const blec_bluez_sim_config *cfg);
/** Stops the simulator, frees everything. */
void tb_close(tb *t);
/** A second client connection (for tests of several clients); close with sd_bus_flush_close_unref. */
sd_bus *tb_client(tb *t);

/** A method call to org.bluez to fill, then tb_send. */
sd_bus_message *tb_msg(tb *t, const char *path, const char *iface, const char *member);
/** Sends and waits for the reply (recorded as event); returns it (owned by the harness). */
sd_bus_message *tb_send(tb *t, sd_bus_message *m);
/** tb_msg + append(types, ...) + tb_send. */
sd_bus_message *tb_call(tb *t, const char *path, const char *iface, const char *member, const char *types, ...);
/** Sends without waiting; the reply is recorded as event `call` (returned). */
unsigned tb_send_async(tb *t, sd_bus_message *m);
/** Waits for the reply of call `call` (returns it). */
sd_bus_message *tb_wait_reply(tb *t, unsigned call);
/** Index of the event holding the reply of `call`. */
size_t tb_reply_index(tb *t, unsigned call);

/** The error name of a reply, NULL for a method return. */
const char *tb_error(sd_bus_message *reply);
/** "ok" for a method return, else the error name (evaluates `reply` once). */
const char *tb_outcome(sd_bus_message *reply);
#define TB_OK(reply) ASSERT_STR_EQ(tb_outcome(reply), "ok")
#define TB_ERR(reply, name) ASSERT_STR_EQ(tb_outcome(reply), name)
/** The error's message text. */
const char *tb_error_text(sd_bus_message *reply);

/** Takes the descriptor and MTU of an Acquire* reply: a copy of the descriptor, and the
 *  reply is dropped from the events (so that its own copy closes). */
int tb_take_fd(tb *t, sd_bus_message *reply, uint16_t *mtu);

/** Handles what arrived until `pred` holds over the events or `ms` (scaled) passed. */
bool tb_until(tb *t, bool (*pred)(tb *t, void *ctx), void *ctx, int ms);
/** Index of the first signal at or after `from` that is a PropertiesChanged of `path` /
 *  `iface` carrying `prop` (changed or invalidated), or (size_t)-1. */
size_t tb_find_prop(tb *t, size_t from, const char *path, const char *iface, const char *prop);
/** Index of the first InterfacesAdded of `path` with `iface` at or after `from`, or -1. */
size_t tb_find_added(tb *t, size_t from, const char *path, const char *iface);
/** Index of the first InterfacesRemoved of `path` at or after `from`, or -1. */
size_t tb_find_removed(tb *t, size_t from, const char *path);
/** Waits (ms scaled) for such a signal; fails the test if none comes. */
size_t tb_wait_prop(tb *t, size_t from, const char *path, const char *iface, const char *prop, int ms);
size_t tb_wait_added(tb *t, size_t from, const char *path, const char *iface, int ms);
size_t tb_wait_removed(tb *t, size_t from, const char *path, int ms);
#define TB_NONE ((size_t)-1)

/** Waits for a PropertiesChanged of `path` / `iface` setting boolean `prop` to `value`. */
size_t tb_wait_bool(tb *t, size_t from, const char *path, const char *iface, const char *prop, bool value, int ms);

/** Reads a property now with Properties.Get; the reply is positioned inside the variant. */
sd_bus_message *tb_get(tb *t, const char *path, const char *iface, const char *prop);
bool tb_get_bool(tb *t, const char *path, const char *iface, const char *prop);
/** Whether `prop` of a PropertiesChanged event is in its changed dictionary with the
 *  boolean `value` (false when absent or another type). */
bool tb_changed_bool(sd_bus_message *sig, const char *prop, bool value);
/** Whether `prop` is listed as invalidated in a PropertiesChanged. */
bool tb_invalidated(sd_bus_message *sig, const char *prop);

/** The device path of an address on hci0 ("/org/bluez/hci0/dev_C0_FF_EE_00_00_01"). */
const char *tb_dev_path(const char *address, char buf[64]);
/** Starts discovery on hci0 (with a filter Transport le) and waits for `path`'s Device1. */
void tb_discover(tb *t, const char *path);
/** Connects `path` and waits until ServicesResolved is true. */
void tb_connect(tb *t, const char *path);

#endif /* BLEC_BLUEZ_SIM_TESTS_HARNESS_H */
