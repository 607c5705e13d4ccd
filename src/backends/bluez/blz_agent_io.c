/* SPDX-License-Identifier: MIT */
/*
 * blz_agent_io.c — which IO capability blec's agent is registered with, and the order of
 * the pairings that need one or the other.
 *
 * BlueZ keeps one agent per D-Bus connection (src/agent.c: agents are keyed by their
 * owner's name; a second RegisterAgent answers AlreadyExists), and Pair() takes the IO
 * capability of the caller's agent as it is when Pair() arrives (src/device.c
 * pair_device → adapter_create_bonding with agent_get_io_capability). A client without a
 * pairing callback needs NoInputNoOutput (Just Works, no question asked: nobody could
 * answer one), a client with one — or one asking for authentication, which Just Works
 * cannot give — needs KeyboardDisplay. All clients of a context share the connection, so
 * changing the capability is UnregisterAgent + RegisterAgent, both asynchronous (the bus
 * thread never waits for bluetoothd).
 *
 * The choice for two clients pairing at once with different needs: serialised. Pairings
 * needing the capability registered go at once, side by side; a pairing needing the other
 * one waits (in arrival order) until every Pair() in flight has been answered, then the
 * agent is re-registered and it goes. A pairing never runs with a capability other than
 * its own (a question for a program without a callback, or Just Works for one that wanted
 * to see the PIN), at the cost of waiting behind the other kind. Pairings needing the
 * registered capability may pass one that waits for the other: a waiting pairing blocks
 * only those that arrive after it and need a change too (arrival order among them).
 * When the registration fails (no AgentManager1, refused), the pairings go on without our
 * agent (bluetoothd then uses its default agent, or NoInputNoOutput without one).
 */
#include <string.h>

#include "backends/bluez/blz.h"

#define AGENT_CALL_USEC (10u * 1000u * 1000u)

static const char *io_name(int io) {
  return io == BLZ_AGENT_KEYBOARD_DISPLAY ? "KeyboardDisplay" : "NoInputNoOutput";
}

/* The capability r's pairing needs. */
static int needed_io(blz_req *r) {
  bool asks = blec__client_has_pairing_callback(r->c) || r->a.pair.level == BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
  return asks ? BLZ_AGENT_KEYBOARD_DISPLAY : BLZ_AGENT_NO_INPUT_NO_OUTPUT;
}

static bool stopping(blz_ctx *z) {
  blec__mutex_lock(&z->qlock);
  bool s = z->stopping;
  blec__mutex_unlock(&z->qlock);
  return s;
}

static void pump(blz_ctx *z);

static int register_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  const sd_bus_error *e = sd_bus_message_get_error(m);
  z->agent_call = sd_bus_slot_unref(z->agent_call);
  if (!e) {
    z->agent_io = z->agent_want;
  } else {
    blz_error_from_dbus(z->ctx, e, "RegisterAgent", NULL);
    z->agent_io = BLZ_AGENT_NONE;
    z->agent_failed_io = z->agent_want;
  }
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: agent %s %s", io_name(z->agent_want), e ? "not registered" : "registered");
  pump(z);
  return 0;
}

static void send_register(blz_ctx *z) {
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, BLZ_ROOT, BLZ_IF_AGENT_MANAGER, "RegisterAgent");
  if (s >= 0) s = sd_bus_message_append(m, "os", BLZ_AGENT_PATH, io_name(z->agent_want));
  if (s >= 0) s = sd_bus_call_async(z->bus, &z->agent_call, m, register_reply, z, AGENT_CALL_USEC);
  sd_bus_message_unref(m);
  if (s < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: RegisterAgent could not be sent: %s", strerror(-s));
    z->agent_failed_io = z->agent_want;
    pump(z);
  }
}

static int unregister_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  const sd_bus_error *e = sd_bus_message_get_error(m);
  z->agent_call = sd_bus_slot_unref(z->agent_call);
  /* DoesNotExist: bluetoothd had dropped it already (restart, Release). Either way none is
   * registered now. */
  if (e) blz_error_from_dbus(z->ctx, e, "UnregisterAgent", NULL);
  z->agent_io = BLZ_AGENT_NONE;
  send_register(z);
  return 0;
}

/* Starts registering the agent with capability io (replacing the registered one). */
static void switch_to(blz_ctx *z, int io) {
  int x = blz_agent_export(z);
  z->agent_want = io;
  z->agent_failed_io = BLZ_AGENT_NONE;
  if (x < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: exporting the agent: %s", strerror(-x));
    z->agent_failed_io = io;
    pump(z);
    return;
  }
  if (z->agent_io == BLZ_AGENT_NONE) {
    send_register(z);
    return;
  }
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, BLZ_ROOT, BLZ_IF_AGENT_MANAGER, "UnregisterAgent");
  if (s >= 0) s = sd_bus_message_append(m, "o", BLZ_AGENT_PATH);
  if (s >= 0) s = sd_bus_call_async(z->bus, &z->agent_call, m, unregister_reply, z, AGENT_CALL_USEC);
  sd_bus_message_unref(m);
  if (s < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: UnregisterAgent could not be sent: %s", strerror(-s));
    z->agent_io = BLZ_AGENT_NONE; /* RegisterAgent then says AlreadyExists: the pairs go on */
    send_register(z);
  }
}

static blz_req *unlink_waiting(blz_ctx *z, blz_req *prev, blz_req *r) {
  blz_req *next = r->wait_next;
  if (prev) prev->wait_next = next;
  else z->pair_wait_head = next;
  if (z->pair_wait_tail == r) z->pair_wait_tail = prev;
  r->wait_next = NULL;
  return next;
}

/* Sends every waiting pair the agent serves now; starts the change the first other one
 * needs once no Pair() is in flight. */
static void pump(blz_ctx *z) {
  if (z->agent_call || stopping(z)) return;
  blz_req *prev = NULL;
  for (blz_req *r = z->pair_wait_head; r;) {
    if (r->op && blec__op_is_done(r->op)) { /* cancelled or timed out while waiting */
      blz_req *next = unlink_waiting(z, prev, r);
      blz_req_end(z, r);
      r = next;
      continue;
    }
    int need = needed_io(r);
    if (z->agent_io == need || z->agent_failed_io == need) {
      blz_req *next = unlink_waiting(z, prev, r);
      blz_pair_send(z, r);
      if (z->agent_call) return; /* a pair that ended at once started a change */
      r = next;
      continue;
    }
    prev = r;
    r = r->wait_next;
  }
  blz_req *first = z->pair_wait_head;
  if (first && z->pairs_sent == 0) switch_to(z, needed_io(first));
}

void blz_agent_pair_queue(blz_ctx *z, blz_req *r) {
  r->wait_next = NULL;
  if (z->pair_wait_tail) z->pair_wait_tail->wait_next = r;
  else z->pair_wait_head = r;
  z->pair_wait_tail = r;
  pump(z);
}

void blz_agent_pair_ended(blz_ctx *z) {
  if (z->pairs_sent > 0) z->pairs_sent--;
  pump(z);
}

void blz_agent_io_exit(blz_ctx *z) {
  z->agent_call = sd_bus_slot_unref(z->agent_call);
  while (z->pair_wait_head) {
    blz_req *r = unlink_waiting(z, NULL, z->pair_wait_head);
    if (r->op) blec__op_complete(r->op, BLEC_ERR_CANCELLED);
    blz_req_end(z, r);
  }
  if (z->agent_io != BLZ_AGENT_NONE && z->owner)
    blz_call_logged(z, BLZ_ROOT, BLZ_IF_AGENT_MANAGER, "UnregisterAgent", "o", BLZ_AGENT_PATH);
  z->agent_io = BLZ_AGENT_NONE;
}
