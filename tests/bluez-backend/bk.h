/* SPDX-License-Identifier: MIT */
/*
 * bk.h — what the bluez backend's tests share: a world from text, the simulated
 * bluetoothd (sim/bluez) serving it on the private bus of $DBUS_SYSTEM_BUS_ADDRESS (each
 * test runs under scripts/private-bus.sh), a context on the `bluez` backend, a raw sd-bus
 * connection standing for another program on the system bus, recorders, and waits with
 * deadlines scaled by BLEC_TEST_TIMEOUT_MULTIPLIER.
 */
#ifndef BLEC_BLUEZ_BACKEND_TESTS_BK_H
#define BLEC_BLUEZ_BACKEND_TESTS_BK_H

#include <stdatomic.h>
#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "blec_bluez_sim.h"
#include "core/threads.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

#define BK_WAIT_MS 5000

uint64_t bk_now_ms(void);
#define WAIT_UNTIL(expr, ms)                                                                         \
  do {                                                                                               \
    uint64_t wdl_ = bk_now_ms() + (uint64_t)blec_test_ms(ms);                                        \
    while (!(expr)) {                                                                                \
      if (bk_now_ms() > wdl_)                                                                        \
        blec_test_fail_(__FILE__, __LINE__, "timed out after %d ms waiting for %s", blec_test_ms(ms), \
                        #expr);                                                                      \
      blec__sleep_ms(1);                                                                             \
    }                                                                                                \
  } while (0)

typedef struct bk {
  blec_world *world;
  blec_bluez_sim *sim;
  blec_ctx *ctx;
} bk;

/** The world from text (time scale 0.1, as the conformance suite's). */
void bk_world(bk *t, const char *text);
/** Serves the world as org.bluez (cfg NULL: the simulator's defaults). */
void bk_sim_start(bk *t, const blec_bluez_sim_config *cfg);
void bk_sim_stop(bk *t);
/** A context on the bluez backend (adapter NULL: the default), asserting it opens. */
void bk_ctx(bk *t, const char *adapter);
/** bk_world, bk_sim_start with the defaults and bk_ctx on the default adapter. */
void bk_up(bk *t, const char *world_text);
/** Frees the context, the simulator and the world. */
void bk_close(bk *t);

/** A blocking call run on a thread of its own, so that the test can look at what happens
 * while the call waits (a reply bluetoothd holds). */
typedef struct bk_call {
  blec__thread th;
  int (*fn)(void *arg);
  void *arg;
  int status;
  atomic_int done;
} bk_call;

void bk_call_start(bk_call *k, int (*fn)(void *arg), void *arg);
/** true once the call returned. */
bool bk_call_done(bk_call *k);
/** Waits for the call and returns what it returned. */
int bk_call_join(bk_call *k);

/** A raw connection to the test's system bus (another program); free with sd_bus_flush_close_unref. */
sd_bus *bk_bus(void);
/** The unique name of the backend's connection: the one on the bus that is neither the
 *  simulator's, nor `self`'s, nor the bus driver. */
void bk_blec_name(sd_bus *self, const blec_bluez_sim *sim, char *out, size_t size);
/** The object path of the GATT object with this UUID below the device path (GetManagedObjects). */
void bk_gatt_path(sd_bus *bus, const char *dev_path, const char *uuid128, char *out, size_t size);
/** The client's characteristic of this UUID, asserting it exists. */
blec_characteristic *bk_chr(blec_client *c, const char *uuid);
/** A boolean property of an org.bluez object, read with the raw connection. */
bool bk_bool_property(sd_bus *bus, const char *path, const char *iface, const char *name);

/* ---- recorders ------------------------------------------------------------------------------- */

typedef struct bk_scan {
  blec__mutex m;
  int total;
  int by_addr;        /* reports of `addr` */
  int other;          /* reports of any other address */
  char addr[BLEC_ADDR_STRLEN];
  char last_name[64]; /* the name of the latest report of addr */
  int bad_names;      /* reports of addr whose name was `bad_name` */
  const char *bad_name;
} bk_scan;

void bk_scan_init(bk_scan *r, const char *addr, const char *bad_name);
void bk_scan_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user);
int bk_scan_total(bk_scan *r);

typedef struct bk_notes {
  blec__mutex m;
  int count;
  uint8_t last[32];
  size_t last_len;
  int mismatched; /* values that are not `want` (when set) */
  uint8_t firsts[64]; /* the first byte of each value, in the order received (the first 64) */
} bk_notes;

void bk_notes_init(bk_notes *n);
/** A client of addr, connected and subscribed to the characteristic uuid into n
 * (initialised here; its mutex destroyed by the caller). */
blec_client *bk_subscribed(bk *t, const char *addr, const char *uuid, bk_notes *n, blec_characteristic **ch);
/** Sets the value base+1 .. base+count on the peripheral at addr, waiting for each
 * notification: the backend's thread serves them. */
void bk_expect_notifications(bk *t, const char *addr, blec_characteristic *ch, bk_notes *n, int count, uint8_t base);
void bk_notify_cb(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user);
int bk_notes_count(bk_notes *n);

typedef struct bk_disc {
  atomic_int count;
  atomic_int reason;
} bk_disc;

void bk_disc_init(bk_disc *d);
void bk_disconnected_cb(blec_client *c, blec_disconnect_reason reason, void *user);

#endif /* BLEC_BLUEZ_BACKEND_TESTS_BK_H */
