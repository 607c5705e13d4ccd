/* SPDX-License-Identifier: MIT */
/*
 * pair.c — Device1.Pair / CancelPairing (BlueZ 5.66 src/device.c pair_device,
 * device_bonding_complete, cancel_pairing; src/agent.c for the agent calls) with the
 * kernel's LE Secure Connections method selection (Core spec Vol 3 Part H 2.3.5.1): the
 * local IO capability is the calling client's agent's (or the default agent's;
 * NoInputNoOutput without one), the peripheral's comes from the world.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

typedef enum pair_method { JUST_WORKS, NUMERIC_COMPARISON, PASSKEY_WE_ENTER, PASSKEY_WE_DISPLAY } pair_method;

typedef struct bz_bonding {
  bz_device *d;
  sd_bus_message *msg;      /* the Pair call */
  char agent_owner[64];     /* empty: no agent */
  char agent_path[256];
  int local_io;
  pair_method method;
  bool legacy;              /* the peripheral has no pairing-io (IO_WORLD_LEGACY) */
  uint32_t passkey;         /* the peripheral's: shown by it, or by us and typed on it */
  uint32_t entered;         /* PASSKEY_WE_ENTER: what the agent answered */
  bool connected_by_pair;   /* the link came for this Pair */
  bool world_pairing;       /* the world's pair request is in flight */
  bool paired;              /* done, waiting for the services (Pair of an unconnected device) */
  sd_bus_slot *agent_call;
  int level;                /* BZ_SEC_* asked for by a security elevation (0: a Pair) */
  void (*done)(bz_device *d, bool ok, void *ctx); /* a security elevation's completion */
  void *done_ctx;
} bz_bonding;

/* A peripheral without `pairing-io`: the world's Just Works that reaches any level up to
 * its `pairing` (not an SMP capability: it keeps worlds written before pairing-io). */
#define IO_WORLD_LEGACY (-1)

/* The peripheral's IO capability and passkey (world: `pairing-io`, `passkey`). */
static int remote_io(bz_device *d, uint32_t *passkey) {
  char text[7] = "123456";
  blec_world_pairing_io io = BLEC_WORLD_PAIRING_IO_UNSET;
  if (d->conn && d->conn->link)
    io = blec__world_peripheral_pairing_io(blec__wlink_peripheral(d->conn->link), text);
  *passkey = (uint32_t)strtoul(text, NULL, 10);
  switch (io) {
    case BLEC_WORLD_PAIRING_IO_NO_INPUT_NO_OUTPUT: return BZ_IO_NO_INPUT_NO_OUTPUT;
    case BLEC_WORLD_PAIRING_IO_DISPLAY_ONLY: return BZ_IO_DISPLAY_ONLY;
    case BLEC_WORLD_PAIRING_IO_DISPLAY_YES_NO: return BZ_IO_DISPLAY_YESNO;
    case BLEC_WORLD_PAIRING_IO_KEYBOARD_ONLY: return BZ_IO_KEYBOARD_ONLY;
    default: return IO_WORLD_LEGACY;
  }
}

/* Table 2.8 (Secure Connections), initiator = us. */
static pair_method select_method(int local, int remote) {
  enum { DO = BZ_IO_DISPLAY_ONLY, DY = BZ_IO_DISPLAY_YESNO, KO = BZ_IO_KEYBOARD_ONLY, NO = BZ_IO_NO_INPUT_NO_OUTPUT,
         KD = BZ_IO_KEYBOARD_DISPLAY };
  if (local == NO || remote == NO || remote == IO_WORLD_LEGACY) return JUST_WORKS;
  if (remote == DO) return (local == KO || local == KD) ? PASSKEY_WE_ENTER : JUST_WORKS;
  if (remote == DY) {
    if (local == DY || local == KD) return NUMERIC_COMPARISON;
    return local == KO ? PASSKEY_WE_ENTER : JUST_WORKS;
  }
  if (remote == KO) return PASSKEY_WE_DISPLAY; /* both keyboards: we display too */
  /* remote KeyboardDisplay */
  if (local == DO) return PASSKEY_WE_DISPLAY;
  if (local == KO) return PASSKEY_WE_ENTER;
  return NUMERIC_COMPARISON;
}

static void bonding_free(bz_device *d) {
  bz_bonding *b = d->bonding;
  if (!b) return;
  d->bonding = NULL;
  sd_bus_slot_unref(b->agent_call);
  if (b->msg) sd_bus_message_unref(b->msg);
  free(b);
}

/* new_authentication_return's errors. */
static void finish(bz_device *d, const char *error, const char *text) {
  bz_bonding *b = d->bonding;
  bz_sim *s = d->ad->sim;
  if (!b) return;
  if (b->done) {
    /* A security elevation: its request goes on (or fails) with the result. */
    void (*done)(bz_device *, bool, void *) = b->done;
    void *ctx = b->done_ctx;
    bonding_free(d);
    done(d, error == NULL, ctx);
    return;
  }
  if (error) {
    /* Back to temporary unless paired or trusted (device_bonding_complete). */
    if (!d->paired && !d->trusted) bz_device_set_temporary(d, true);
    bool drop = b->connected_by_pair;
    if (b->msg) bz_reply_error(s, b->msg, error, "%s", text);
    bonding_free(d);
    /* The kernel's pairing link goes with the failed pairing. */
    if (drop && d->conn) bz_device_request_disconnect(d, NULL);
    return;
  }
  if (b->msg) bz_reply_empty(s, b->msg);
  bonding_free(d);
}

/* ---- the world's pairing ------------------------------------------------------------------------ */

static void on_world_pair(void *user, int status, blec__wpair_failure why) {
  (void)why;
  bz_req_done_cb(user, status, 0);
}

static void world_pair_done(bz_sim *s, bz_req *r) {
  (void)s;
  bz_device *d = r->conn->dev;
  if (!d || d->conn != r->conn || !d->bonding) return;
  bz_bonding *b = d->bonding;
  b->world_pairing = false;
  if (r->status != BLEC_OK) {
    finish(d, BZ_ERROR ".AuthenticationFailed", "Authentication Failed");
    return;
  }
  /* New Long Term Key (bonded), then pairing complete (paired). */
  int level = b->method != JUST_WORKS || (b->legacy && b->level == BZ_SEC_HIGH) ? BZ_SEC_HIGH : BZ_SEC_MEDIUM;
  if (level > d->bond_level) d->bond_level = level;
  if (d->conn && level > d->conn->security) d->conn->security = level;
  bz_device_set_paired(d, true, true);
  bz_device_set_temporary(d, false);
  if (d->svc_resolved || b->done) finish(d, NULL, NULL);
  else b->paired = true; /* answered once the services are resolved */
}

static void world_pair(bz_device *d) {
  bz_bonding *b = d->bonding;
  bz_conn *c = d->conn;
  if (!c || !c->link) {
    finish(d, BZ_ERROR ".AuthenticationCanceled", "Authentication Canceled");
    return;
  }
  bz_req *r = bz_req_new(c, world_pair_done, NULL, NULL);
  if (!r) {
    finish(d, BZ_ERROR ".AuthenticationFailed", "Authentication Failed");
    return;
  }
  b->world_pairing = true;
  /* Just Works gives an unauthenticated key; the world's legacy peripherals reach what
   * an elevation asks. The PIN the agent gave goes to the peripheral to check. */
  blec__wpair_answer answer;
  char pin[12];
  answer.level = b->method != JUST_WORKS || (b->legacy && b->level == BZ_SEC_HIGH)
                     ? BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION
                     : BLEC_PROTECTION_ENCRYPTION;
  answer.pin = NULL;
  answer.just_works = b->method == JUST_WORKS && !b->legacy; /* the IO capabilities chose it */
  if (b->method == PASSKEY_WE_ENTER) {
    snprintf(pin, sizeof pin, "%06u", (unsigned)b->entered);
    answer.pin = pin;
  }
  int64_t id = blec__wlink_pair_answered(c->link, &answer, on_world_pair, r);
  if (id < 0) bz_req_fail_now(d->ad->sim, r, (int)id);
}

/* ---- agent calls -------------------------------------------------------------------------------- */

typedef struct agent_ctx {
  bz_sim *sim;
  char path[64]; /* the device */
} agent_ctx;

static int on_agent_reply(sd_bus_message *reply, void *user, sd_bus_error *err) {
  (void)err;
  agent_ctx *ax = user;
  bz_device *d = bz_device_by_path(ax->sim, ax->path);
  if (!d || !d->bonding) return 0;
  bz_bonding *b = d->bonding;
  b->agent_call = sd_bus_slot_unref(b->agent_call);
  if (sd_bus_message_is_method_error(reply, NULL)) {
    /* Rejected, canceled, timed out: the kernel's pairing fails. */
    finish(d, BZ_ERROR ".AuthenticationFailed", "Authentication Failed");
    return 0;
  }
  if (b->method == PASSKEY_WE_ENTER) {
    /* The peripheral checks the passkey (a wrong one fails the pairing there). */
    if (sd_bus_message_read(reply, "u", &b->entered) < 0 || b->entered > 999999) {
      finish(d, BZ_ERROR ".AuthenticationFailed", "Authentication Failed");
      return 0;
    }
  }
  world_pair(d);
  return 0;
}

static int call_agent(bz_device *d, const char *member) {
  bz_bonding *b = d->bonding;
  bz_sim *s = d->ad->sim;
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_method_call(s->bus, &m, b->agent_owner, b->agent_path, "org.bluez.Agent1", member);
  if (r < 0) return r;
  if (b->method == PASSKEY_WE_ENTER) r = sd_bus_message_append(m, "o", d->path);
  else if (b->method == NUMERIC_COMPARISON) r = sd_bus_message_append(m, "ou", d->path, b->passkey);
  else r = sd_bus_message_append(m, "ouq", d->path, b->passkey, (uint16_t)0);
  agent_ctx *ax = r >= 0 ? calloc(1, sizeof *ax) : NULL;
  if (!ax) {
    sd_bus_message_unref(m);
    return -ENOMEM;
  }
  ax->sim = s;
  snprintf(ax->path, sizeof ax->path, "%s", d->path);
  bz_flush(s);
  if (b->method == PASSKEY_WE_DISPLAY) {
    /* DisplayPasskey is shown, not answered: the pairing goes on. */
    sd_bus_message_set_expect_reply(m, 0);
    bz_send(s, m);
    free(ax);
    world_pair(d);
    return 0;
  }
  /* REQUEST_TIMEOUT: 60 s. */
  r = sd_bus_call_async(s->bus, &b->agent_call, m, on_agent_reply, ax, 60ull * 1000000u);
  sd_bus_message_unref(m);
  if (r < 0) {
    free(ax);
    return r;
  }
  sd_bus_slot_set_destroy_callback(b->agent_call, free);
  return 0;
}

/* The link is up: the pairing ceremony. */
static void ceremony(bz_device *d) {
  bz_bonding *b = d->bonding;
  int remote = remote_io(d, &b->passkey);
  b->legacy = remote == IO_WORLD_LEGACY;
  b->method = select_method(b->local_io, remote);
  if (b->level == BZ_SEC_HIGH && b->method == JUST_WORKS && !b->legacy) {
    /* MITM protection asked, Just Works cannot give it: SMP fails. */
    finish(d, BZ_ERROR ".AuthenticationFailed", "Authentication Failed");
    return;
  }
  if (b->method == JUST_WORKS) {
    world_pair(d);
    return;
  }
  /* An IO capability other than NoInputNoOutput came from an agent. */
  const char *member = b->method == PASSKEY_WE_ENTER      ? "RequestPasskey"
                       : b->method == NUMERIC_COMPARISON ? "RequestConfirmation"
                                                         : "DisplayPasskey"; /* its user types it */
  if (!b->agent_owner[0] || call_agent(d, member) < 0)
    finish(d, BZ_ERROR ".AuthenticationFailed", "Authentication Failed");
}

/* ---- hooks from the link's life ------------------------------------------------------------------ */

void bz_pair_link_up(bz_device *d) {
  if (d->bonding && !d->bonding->world_pairing && !d->bonding->agent_call) ceremony(d);
}

void bz_pair_connect_failed(bz_device *d) {
  if (d->bonding) finish(d, BZ_ERROR ".ConnectionAttemptFailed", "Page Timeout");
}

void bz_pair_link_down(bz_device *d) {
  if (d->bonding) finish(d, BZ_ERROR ".AuthenticationCanceled", "Authentication Canceled");
}

void bz_pair_services_resolved(bz_device *d) {
  if (d->bonding && d->bonding->paired) finish(d, NULL, NULL);
}

/* ---- methods -------------------------------------------------------------------------------------- */

void bz_device_pair_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_device *d = data;
  bz_device_set_temporary(d, false);
  if (d->bonding) {
    bz_reply_error(s, m, BZ_ERROR ".InProgress", "In Progress");
    return;
  }
  if (d->bonded) {
    bz_reply_error(s, m, BZ_ERROR ".AlreadyExists", "Already Exists");
    return;
  }
  bz_bonding *b = calloc(1, sizeof *b);
  if (!b) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "%s", strerror(ENOMEM));
    return;
  }
  b->d = d;
  b->msg = sd_bus_message_ref(m);
  bz_agent *agent = bz_agent_for(s, sd_bus_message_get_sender(m));
  b->local_io = bz_agent_io(agent);
  if (agent) {
    snprintf(b->agent_owner, sizeof b->agent_owner, "%s", bz_agent_owner(agent));
    snprintf(b->agent_path, sizeof b->agent_path, "%s", bz_agent_path(agent));
  }
  d->bonding = b;
  if (d->connected && d->conn && d->conn->link) {
    ceremony(d);
    return;
  }
  if (d->conn) return; /* a connection attempt is under way: pairing follows it */
  if (!d->ad->powered) {
    finish(d, BZ_ERROR ".Failed", strerror(EHOSTUNREACH));
    return;
  }
  /* mgmt Pair Device: the kernel connects, then pairs. */
  b->connected_by_pair = true;
  if (bz_device_start_connect(d) < 0) finish(d, BZ_ERROR ".Failed", strerror(ENOMEM));
}

void bz_pair_raise_security(bz_device *d, int level, void (*done)(bz_device *d, bool ok, void *ctx), void *ctx) {
  bz_sim *s = d->ad->sim;
  bz_bonding *b = d->bonding ? NULL : calloc(1, sizeof *b);
  if (!b || !d->conn || !d->conn->link) {
    free(b);
    done(d, false, ctx);
    return;
  }
  b->d = d;
  b->level = level;
  b->done = done;
  b->done_ctx = ctx;
  /* The kernel pairs with the adapter's IO capability: the default agent's. */
  bz_agent *agent = bz_agent_for(s, NULL);
  b->local_io = bz_agent_io(agent);
  if (agent) {
    snprintf(b->agent_owner, sizeof b->agent_owner, "%s", bz_agent_owner(agent));
    snprintf(b->agent_path, sizeof b->agent_path, "%s", bz_agent_path(agent));
  }
  d->bonding = b;
  ceremony(d);
}

void bz_device_cancel_pairing_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_device *d = data;
  if (!d->bonding) {
    /* cancel_pairing without a bonding request removes the bond, then says so. */
    if (d->bonded || d->paired) {
      blec__world_unpair(s->world, d->address);
      bz_device_set_paired(d, false, false);
    }
    bz_reply_error(s, m, BZ_ERROR ".DoesNotExist", "Does Not Exist");
    return;
  }
  finish(d, BZ_ERROR ".AuthenticationCanceled", "Authentication Canceled");
  bz_reply_empty(s, m);
}
