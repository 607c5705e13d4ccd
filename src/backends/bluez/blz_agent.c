/* SPDX-License-Identifier: MIT */
/*
 * blz_agent.c — pairing and unpairing (doc/device-api.txt Pair, doc/adapter-api.txt
 * RemoveDevice) and the pairing agent (doc/agent-api.txt): an Agent1 object registered
 * on AgentManager1, so that a Pair() of this program is answered by this program and not
 * by whatever default agent the desktop runs. Its IO capability follows the client being
 * paired (blz_agent_io.c): NoInputNoOutput for a client without a pairing callback (the
 * kernel then pairs Just Works and BlueZ asks nothing, as with bleak's default agent),
 * KeyboardDisplay — the central blec is on every other backend — for one with a callback,
 * or one that asks for authentication (Just Works cannot give it: the PIN ceremony is then
 * refused with a message naming blec_client_set_pairing_callback, no bond made). Each
 * question BlueZ asks becomes one of blec's ceremonies for the program:
 *   RequestAuthorization → CONFIRM_ONLY, RequestConfirmation → CONFIRM_PIN_MATCH,
 *   RequestPasskey / RequestPinCode → PROVIDE_PIN, DisplayPasskey / DisplayPinCode →
 *   DISPLAY_PIN (BlueZ sends DisplayPasskey without waiting for a reply: a refusal there
 *   cancels the pairing with CancelPairing).
 * BlueZ never asks about a Just Works pairing it initiated (the kernel accepts it): no
 * BLEC_CAP_CONFIRM_JUST_WORKS. Pair() takes no protection level: a pairing asked at
 * authentication that ended without an authenticated ceremony (Just Works) fails,
 * although BlueZ keeps the bond it made (no BLEC_CAP_PAIRING_LEVELS).
 * A question about a device this program is not pairing gets the default answer. Agent
 * calls are believed only from the current owner of org.bluez.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

#define PAIR_USEC (90u * 1000u * 1000u)
#define CALL_USEC (10u * 1000u * 1000u)

/* One agent question on its way to the program and back. Two references: the list's
 * (dropped when answered or at exit) and the core's answer. */
typedef struct blz_agent_req {
  blz_job job;
  struct blz_agent_req *next;
  atomic_int refs;
  blz_ctx *z;
  blec_client *c; /* the client pairing (referenced) */
  sd_bus_message *call; /* awaiting our reply; NULL for DisplayPasskey or once replied */
  char *dev_path;
  blec_pairing_kind kind;
  char reply_type; /* 'u' passkey, 's' PIN code, 0 nothing */
  int status;      /* the program's answer */
  char pin[17];
  blec_op *pair_op; /* referenced: a Pair() that succeeded before the program saw this PIN */
} blz_agent_req;

/* A pairing held for the program's look at its PIN ends with the program's answer. */
static void areq_finish_pair(blz_agent_req *q) {
  if (!q->pair_op) return;
  if (q->status == BLEC_OK) {
    blec__op_complete(q->pair_op, BLEC_OK);
  } else {
    blec_error err;
    blec__error_set(&err, BLEC_ERR_PAIRING, "%s (BlueZ had completed the pairing and keeps its bond)",
                    blec__pairing_refusal_text(q->status, q->kind));
    blec__op_complete_error(q->pair_op, &err);
  }
  blec__op_unref(q->pair_op);
  q->pair_op = NULL;
}

static void areq_unref(blz_agent_req *q) {
  if (atomic_fetch_sub(&q->refs, 1) != 1) return;
  areq_finish_pair(q);
  if (q->c) blec__client_unref(q->c);
  free(q->dev_path);
  free(q);
}

static void areq_unlink(blz_ctx *z, blz_agent_req *q) {
  for (blz_agent_req **pp = &z->agent_reqs; *pp; pp = &(*pp)->next) {
    if (*pp == q) {
      *pp = q->next;
      areq_unref(q);
      return;
    }
  }
}

static int reject(sd_bus_message *m, const char *why) {
  return sd_bus_reply_method_errorf(m, "org.bluez.Error.Rejected", "%s", why);
}

/* Replies to the agent call with the program's answer (bus thread). */
static void areq_reply(blz_ctx *z, blz_agent_req *q) {
  sd_bus_message *m = q->call;
  q->call = NULL;
  int r = 0;
  if (q->status != BLEC_OK) {
    if (m) r = reject(m, blec__pairing_refusal_text(q->status, q->kind));
    else if (q->kind == BLEC_PAIRING_DISPLAY_PIN && q->dev_path) /* DisplayPasskey had no reply to refuse */
      r = blz_call_logged(z, q->dev_path, BLZ_IF_DEVICE, "CancelPairing", NULL);
  } else if (m && q->reply_type == 'u') {
    r = sd_bus_reply_method_return(m, "u", (uint32_t)strtoul(q->pin, NULL, 10));
  } else if (m && q->reply_type == 's') {
    r = sd_bus_reply_method_return(m, "s", q->pin);
  } else if (m) {
    r = sd_bus_reply_method_return(m, NULL);
  }
  if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: agent reply: %s", strerror(-r));
  sd_bus_message_unref(m);
}

static void areq_run(blz_ctx *z, blz_job *job) {
  blz_agent_req *q = (blz_agent_req *)job;
  blz_client *bc = blec__client_backend_priv(q->c);
  if (bc) { /* for the pairing's outcome: its message, its level */
    bc->pair_answer = q->status;
    if (q->status == BLEC_OK && q->kind != BLEC_PAIRING_CONFIRM_ONLY) bc->pair_authenticated = true;
  }
  areq_reply(z, q);
  areq_finish_pair(q);
  areq_unlink(z, q);
  areq_unref(q); /* the answer's */
}

static void areq_drop(blz_job *job) { areq_unref((blz_agent_req *)job); }

/* The program's answer (any thread). */
static void areq_answered(void *arg, int status, const char *pin) {
  blz_agent_req *q = arg;
  q->status = status;
  if (pin) snprintf(q->pin, sizeof q->pin, "%s", pin);
  q->job.run = areq_run;
  q->job.drop = areq_drop;
  if (blz_post(q->z, &q->job) != BLEC_OK) areq_unref(q); /* exit replies to the call */
}

/* The pair request in flight for a device, or NULL. */
static blz_req *pairing_of(blz_ctx *z, const char *dev_path) {
  for (blz_req *r = z->reqs; r; r = r->next) {
    if (r->kind != BLZ_REQ_PAIR) continue;
    blz_client *bc = blec__client_backend_priv(r->c);
    if (bc && bc->dev_path && dev_path && !strcmp(bc->dev_path, dev_path)) return r;
  }
  return NULL;
}

/* A question of BlueZ's (bus thread): to the program when it is pairing that device. */
static int ask(sd_bus_message *m, blz_ctx *z, blec_pairing_kind kind, const char *pin, char reply_type, bool reply_now) {
  if (!blz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  const char *dev = NULL;
  sd_bus_message_rewind(m, true);
  if (sd_bus_message_read_basic(m, SD_BUS_TYPE_OBJECT_PATH, &dev) < 0) dev = NULL;
  blz_req *pr = pairing_of(z, dev);
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: agent: %s for %s (%s)", sd_bus_message_get_member(m), dev ? dev : "?",
            pr ? "asking the program" : "no pairing of ours: default answer");
  if (!pr) { /* the library's default: Just Works accepted, PIN ceremonies refused */
    if (kind == BLEC_PAIRING_CONFIRM_ONLY || reply_now) return sd_bus_reply_method_return(m, NULL);
    return reject(m, blec__pairing_refusal_text(BLEC_ERR_NOT_SUPPORTED, kind));
  }
  blz_agent_req *q = calloc(1, sizeof *q);
  if (!q || (dev && !(q->dev_path = malloc(strlen(dev) + 1)))) {
    free(q);
    return reject(m, "out of memory");
  }
  if (dev) strcpy(q->dev_path, dev);
  atomic_init(&q->refs, 2);
  q->z = z;
  q->c = blec__client_ref(pr->c);
  q->kind = kind;
  blz_client *bc = blec__client_backend_priv(pr->c);
  if (bc) {
    bc->pair_asked = true;
    bc->pair_kind = kind;
  }
  q->reply_type = reply_type;
  q->status = BLEC_ERR_CANCELLED;
  if (reply_now) {
    int r = sd_bus_reply_method_return(m, NULL);
    if (r < 0) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: agent reply: %s", strerror(-r));
  } else {
    q->call = sd_bus_message_ref(m);
  }
  q->next = z->agent_reqs;
  z->agent_reqs = q;
  blec__client_pairing_request(pr->c, pr->op, kind, pin, areq_answered, q);
  return 1;
}

static int agent_release(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  z->agent_io = BLZ_AGENT_NONE; /* bluetoothd unregistered it */
  return sd_bus_reply_method_return(m, NULL);
}

static int agent_authorization(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  return ask(m, userdata, BLEC_PAIRING_CONFIRM_ONLY, NULL, 0, false);
}

static int agent_confirmation(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  const char *dev = NULL;
  uint32_t passkey = 0;
  char pin[8];
  if (sd_bus_message_read(m, "ou", &dev, &passkey) < 0) return reject(m, "malformed RequestConfirmation");
  snprintf(pin, sizeof pin, "%06u", (unsigned)(passkey % 1000000u));
  return ask(m, userdata, BLEC_PAIRING_CONFIRM_PIN_MATCH, pin, 0, false);
}

static int agent_request_passkey(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  return ask(m, userdata, BLEC_PAIRING_PROVIDE_PIN, NULL, 'u', false);
}

static int agent_request_pincode(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  return ask(m, userdata, BLEC_PAIRING_PROVIDE_PIN, NULL, 's', false);
}

static int agent_display_passkey(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  const char *dev = NULL;
  uint32_t passkey = 0;
  uint16_t entered = 0;
  char pin[8];
  if (sd_bus_message_read(m, "ouq", &dev, &passkey, &entered) < 0) return reject(m, "malformed DisplayPasskey");
  snprintf(pin, sizeof pin, "%06u", (unsigned)(passkey % 1000000u));
  blz_ctx *z = userdata;
  /* BlueZ repeats it as keys are typed (entered > 0): the program is asked once. */
  if (entered > 0) return blz_from_bluez(z, m) ? sd_bus_reply_method_return(m, NULL) : reject(m, "not from org.bluez");
  return ask(m, z, BLEC_PAIRING_DISPLAY_PIN, pin, 0, true);
}

static int agent_display_pincode(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  const char *dev = NULL, *code = NULL;
  if (sd_bus_message_read(m, "os", &dev, &code) < 0) return reject(m, "malformed DisplayPinCode");
  char pin[17];
  snprintf(pin, sizeof pin, "%s", code);
  return ask(m, userdata, BLEC_PAIRING_DISPLAY_PIN, pin, 0, false);
}

static int agent_authorize_service(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  return sd_bus_reply_method_return(m, NULL); /* a profile of a device already paired */
}

static int agent_cancel(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  if (!blz_from_bluez(z, m)) return reject(m, "not from org.bluez");
  /* The question is void: its call gets a refusal now, the program's answer is ignored. */
  for (blz_agent_req *q = z->agent_reqs; q; q = q->next) {
    if (!q->call) continue;
    reject(q->call, "cancelled by bluetoothd");
    q->call = sd_bus_message_unref(q->call);
  }
  return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Release", "", "", agent_release, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestPinCode", "o", "s", agent_request_pincode, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DisplayPinCode", "os", "", agent_display_pincode, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestPasskey", "o", "u", agent_request_passkey, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DisplayPasskey", "ouq", "", agent_display_passkey, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestConfirmation", "ou", "", agent_confirmation, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("RequestAuthorization", "o", "", agent_authorization, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("AuthorizeService", "os", "", agent_authorize_service, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Cancel", "", "", agent_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

int blz_agent_export(blz_ctx *z) {
  if (z->agent_slot) return 0;
  return sd_bus_add_object_vtable(z->bus, &z->agent_slot, BLZ_AGENT_PATH, BLZ_IF_AGENT, agent_vtable, z);
}

void blz_agent_exit(blz_ctx *z) {
  while (z->agent_reqs) {
    blz_agent_req *q = z->agent_reqs;
    if (q->call) reject(q->call, "the program is closing");
    q->call = sd_bus_message_unref(q->call);
    areq_unlink(z, q);
  }
  blz_agent_io_exit(z);
  z->agent_slot = sd_bus_slot_unref(z->agent_slot);
}

/* ---- pair --------------------------------------------------------------------------------------- */

/* The PIN shown to the program that it has not acknowledged yet, or NULL. BlueZ does not
 * wait for DisplayPasskey's answer, and a peripheral may type fast: the pairing's success
 * waits for the program, so that it has seen the PIN it was asked to show. */
static blz_agent_req *display_unanswered(blz_ctx *z, blec_client *c) {
  for (blz_agent_req *q = z->agent_reqs; q; q = q->next)
    if (q->c == c && q->kind == BLEC_PAIRING_DISPLAY_PIN && !q->call && !q->pair_op) return q;
  return NULL;
}

static int pair_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  blec_error err;
  blz_agent_req *shown = e ? NULL : display_unanswered(z, r->c);
  if (shown) {
    shown->pair_op = blec__op_ref(r->op);
    blz_req_end(z, r);
    return 0;
  }
  if (!e || sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists")) {
    if (!e && r->a.pair.level == BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION && bc && !bc->pair_authenticated) {
      blec__error_set(&err, BLEC_ERR_PAIRING,
                      "the pairing did not reach the protection level asked (authentication): the peripheral "
                      "paired with Just Works, and BlueZ keeps that encrypted bond");
      blec__op_complete_error(r->op, &err);
    } else {
      blec__op_complete(r->op, BLEC_OK);
    }
  } else {
    int s = blz_error_from_dbus(z->ctx, e, "Pair", &err);
    if (s == BLEC_ERR_OS || s == BLEC_ERR_TIMEOUT) err.status = BLEC_ERR_PAIRING; /* the ceremony did not complete */
    if (err.status == BLEC_ERR_PAIRING && bc && bc->pair_asked) {
      /* Say what the ceremony was and how the program's answer ended it. */
      if (bc->pair_answer != BLEC_OK)
        blec__error_set(&err, BLEC_ERR_PAIRING, "%s", blec__pairing_refusal_text(bc->pair_answer, bc->pair_kind));
      else if (bc->pair_kind == BLEC_PAIRING_PROVIDE_PIN)
        blec__error_set(&err, BLEC_ERR_PAIRING, "authentication failed: the PIN given is not the peripheral's passkey (%s)",
                        e->name);
    }
    blec__op_complete_error(r->op, &err);
  }
  blz_req_end(z, r);
  return 0;
}

void blz_pair_send(blz_ctx *z, blz_req *r) {
  blz_client *bc = blec__client_backend_priv(r->c);
  blz_obj *dev = bc && bc->dev_path ? blz_objs_find(z->objs, bc->dev_path) : NULL;
  if (!bc || bc->link != BLZ_LINK_UP || !dev || !(dev->ifaces & BLZ_I_DEVICE)) {
    blec__op_complete(r->op, BLEC_ERR_NOT_CONNECTED);
    blz_req_end(z, r);
    return;
  }
  bc->pair_asked = bc->pair_authenticated = false;
  bc->pair_answer = BLEC_OK;
  if (dev->dev.paired) { /* as bleak (BlueZ does not say how the bond was made) */
    blec__op_complete(r->op, BLEC_OK);
    blz_req_end(z, r);
    return;
  }
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, bc->dev_path, BLZ_IF_DEVICE, "Pair");
  if (blz_req_send(z, r, m, s, PAIR_USEC, pair_reply)) {
    r->a.pair.sent = true;
    z->pairs_sent++;
  }
}

static void pair_start(blz_ctx *z, blz_req *r) { blz_agent_pair_queue(z, r); }

int blz_pair(blec_client *c, blec_op *op, blec_protection_level level) {
  blz_req *r = blz_req_new(BLZ_REQ_PAIR, c, op, pair_start);
  if (!r) return BLEC_ERR_NO_MEMORY;
  r->a.pair.level = level;
  return blz_req_post(blz_ctx_of(blec__client_ctx(c)), r);
}

/* ---- unpair ------------------------------------------------------------------------------------- */

static int unpair_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) {
    if (bc && bc->link != BLZ_LINK_UP) bc->unpairing = false;
    blz_req_fail_dbus(z, r, e, "RemoveDevice");
  } else {
    blec__op_complete(r->op, BLEC_OK);
  }
  blz_req_end(z, r);
  return 0;
}

static void unpair_start(blz_ctx *z, blz_req *r) {
  blz_client *bc = blz_client_of(z, r->c);
  blz_obj *a = blz_adapter_obj(z);
  char path[BLZ_PATH_MAX];
  blz_obj *dev = NULL;
  if (a && blz_device_path(a->path, blec__client_address(r->c), path, sizeof path)) dev = blz_objs_find(z->objs, path);
  if (!bc || !dev || !(dev->ifaces & BLZ_I_DEVICE)) {
    blec_error err;
    if (!bc || blz_availability(z, &err) == BLEC_OK)
      blec__error_set(&err, bc ? BLEC_ERR_DEVICE_NOT_FOUND : BLEC_ERR_NO_MEMORY, "BlueZ does not know %s",
                      blec__client_address(r->c));
    blec__op_complete_error(r->op, &err);
    blz_req_end(z, r);
    return;
  }
  /* Removing a connected device disconnects it first: that is this client's "unpaired". */
  if (bc->link == BLZ_LINK_UP && bc->dev_path && !strcmp(bc->dev_path, path)) bc->unpairing = true;
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, a->path, BLZ_IF_ADAPTER, "RemoveDevice");
  if (s >= 0) s = sd_bus_message_append(m, "o", path);
  if (!blz_req_send(z, r, m, s, CALL_USEC * 3, unpair_reply)) bc->unpairing = false;
}

int blz_unpair(blec_client *c, blec_op *op) {
  blz_req *r = blz_req_new(BLZ_REQ_UNPAIR, c, op, unpair_start);
  return r ? blz_req_post(blz_ctx_of(blec__client_ctx(c)), r) : BLEC_ERR_NO_MEMORY;
}
