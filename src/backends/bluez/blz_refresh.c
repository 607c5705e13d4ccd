/* SPDX-License-Identifier: MIT */
/*
 * blz_refresh.c — asking bluetoothd afresh for the adapter's properties (Properties.GetAll
 * of Adapter1) when the mirror says Bluetooth is unusable (a Powered true may still be on
 * its way) or a Bluetooth check asks: asynchronous, like every other call of the bus
 * thread, so that a bluetoothd that answers late (or never: the call's 10 s bound) holds
 * up nothing else — notifications, other clients' requests.
 *
 * Who needs the answer leaves a waiter, answered by the first GetAll sent after it was
 * left (one in flight at a time; waiters arriving meanwhile get the next one), on every
 * path: the reply, an error reply or the call's timeout (the mirror decides then), a
 * call that cannot be sent (at once), the context's end (BLEC_ERR_CANCELLED).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

#define REFRESH_USEC (10u * 1000u * 1000u)

struct blz_refresh_waiter {
  struct blz_refresh_waiter *next;
  blz_fresh_fn fn;
  void *arg;
};

/* Answers a list of waiters with the mirror's availability now. */
static void answer(blz_ctx *z, struct blz_refresh_waiter *w) {
  while (w) {
    struct blz_refresh_waiter *next = w->next;
    blec_error err;
    blec_error_clear(&err);
    int status = blz_availability(z, &err);
    w->fn(z, w->arg, status, &err);
    free(w);
    w = next;
  }
}

/* What a GetAll reply says (a power-off seen here first is handled as its signal would be). */
static void apply(blz_ctx *z, sd_bus_message *reply) {
  blz_obj *a = blz_adapter_obj(z);
  if (!a || !blz_from_bluez(z, reply)) return;
  unsigned changed = 0;
  const char *bad = NULL;
  bool was_powered = a->adapter.powered;
  int r = blz_adapter_apply(&a->adapter, reply, &changed, &bad);
  if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: malformed GetAll reply of %s", a->path);
  if (r >= 0 && was_powered && !a->adapter.powered) {
    z->discovering = false;
    blz_scan_all_stopped(z, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_POWERED_OFF,
                        "the Bluetooth adapter was powered off");
    blz_clients_radio_off(z);
  }
}

static void send_next(blz_ctx *z);

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  z->refresh_slot = sd_bus_slot_unref(z->refresh_slot);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) blz_error_from_dbus(z->ctx, e, "GetAll(Adapter1)", NULL); /* the mirror decides */
  else apply(z, m);
  struct blz_refresh_waiter *batch = z->refresh_batch;
  z->refresh_batch = NULL;
  answer(z, batch);
  send_next(z);
  return 0;
}

/* Sends GetAll for the waiters left so far (none in flight). */
static void send_next(blz_ctx *z) {
  if (z->refresh_slot || !z->refresh_next) return;
  z->refresh_batch = z->refresh_next;
  z->refresh_next = NULL;
  blz_obj *a = blz_adapter_obj(z);
  int r = -ENODEV;
  sd_bus_message *call = NULL;
  if (a) {
    r = sd_bus_message_new_method_call(z->bus, &call, BLZ_SERVICE, a->path, BLZ_IF_PROPERTIES, "GetAll");
    if (r >= 0) r = sd_bus_message_append(call, "s", BLZ_IF_ADAPTER);
    if (r >= 0) r = sd_bus_call_async(z->bus, &z->refresh_slot, call, on_reply, z, REFRESH_USEC);
    sd_bus_message_unref(call);
  }
  if (r < 0) {
    /* No adapter to ask, or the call cannot go: the mirror's answer stands. */
    if (a) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: GetAll(Adapter1) could not be sent: %s", strerror(-r));
    z->refresh_slot = NULL;
    struct blz_refresh_waiter *batch = z->refresh_batch;
    z->refresh_batch = NULL;
    answer(z, batch);
    send_next(z); /* waiters a callback left */
  }
}

void blz_availability_refresh(blz_ctx *z, blz_fresh_fn fn, void *arg) {
  struct blz_refresh_waiter *w = calloc(1, sizeof *w);
  if (!w) {
    blec_error err;
    blec__error_set(&err, BLEC_ERR_NO_MEMORY, "out of memory");
    fn(z, arg, BLEC_ERR_NO_MEMORY, &err);
    return;
  }
  w->fn = fn;
  w->arg = arg;
  struct blz_refresh_waiter **tail = &z->refresh_next;
  while (*tail) tail = &(*tail)->next;
  *tail = w;
  send_next(z);
}

void blz_availability_fresh(blz_ctx *z, blz_fresh_fn fn, void *arg) {
  blec_error err;
  blec_error_clear(&err);
  if (blz_availability(z, &err) == BLEC_OK) {
    fn(z, arg, BLEC_OK, &err);
    return;
  }
  blz_availability_refresh(z, fn, arg);
}

void blz_refresh_exit(blz_ctx *z) {
  z->refresh_slot = sd_bus_slot_unref(z->refresh_slot);
  struct blz_refresh_waiter *lists[2] = {z->refresh_batch, z->refresh_next};
  z->refresh_batch = z->refresh_next = NULL;
  blec_error err;
  blec__error_set(&err, BLEC_ERR_CANCELLED, "the context is closing");
  for (int i = 0; i < 2; i++) {
    for (struct blz_refresh_waiter *w = lists[i], *next; w; w = next) {
      next = w->next;
      w->fn(z, w->arg, BLEC_ERR_CANCELLED, &err);
      free(w);
    }
  }
}
