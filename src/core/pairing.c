/* SPDX-License-Identifier: MIT */
/*
 * pairing.c — the program's side of a pairing ceremony. A backend that meets a question
 * during a pair op (confirm, compare a PIN, enter a PIN, show a PIN) asks through
 * blec__client_pairing_request; the question reaches the program's pairing callback on
 * the dispatch thread, and the answer goes back to the backend exactly once — from the
 * program, from the library's default (Just Works accepted, as bleak does), or as
 * BLEC_ERR_CANCELLED when the pair op ends first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct blec_pairing_request {
  blec__event ev; /* the dispatcher event that carries it to the callback */
  atomic_int refs;
  blec__mutex lock; /* answered, op_ended, creating */
  bool answered;
  bool op_ended;  /* the pair op completed: no answer can help any more */
  bool creating;  /* blec__client_pairing_request is still running on its thread */
  blec_client *client;
  blec_op *op;
  blec_pairing_kind kind;
  char pin[7];
  bool has_pin;
  blec__pairing_answer_fn answer;
  void *arg;
};

static const char *kind_name(blec_pairing_kind k) {
  switch (k) {
    case BLEC_PAIRING_CONFIRM_ONLY: return "ConfirmOnly";
    case BLEC_PAIRING_CONFIRM_PIN_MATCH: return "ConfirmPinMatch";
    case BLEC_PAIRING_PROVIDE_PIN: return "ProvidePin";
    case BLEC_PAIRING_DISPLAY_PIN: return "DisplayPin";
  }
  return "an unknown ceremony";
}

const char *blec__pairing_refusal_text(int status, blec_pairing_kind kind) {
  static const char *const rejected[] = {"", "the program rejected the pairing (ConfirmOnly)",
                                         "the program rejected the pairing (ConfirmPinMatch)",
                                         "the program rejected the pairing (ProvidePin)",
                                         "the program rejected the pairing (DisplayPin)"};
  static const char *const no_cb[] = {
      "", "the peripheral asks for ConfirmOnly, which needs a pairing callback (blec_client_set_pairing_callback)",
      "the peripheral asks for ConfirmPinMatch, which needs a pairing callback (blec_client_set_pairing_callback)",
      "the peripheral asks for ProvidePin, which needs a pairing callback (blec_client_set_pairing_callback)",
      "the peripheral asks for DisplayPin, which needs a pairing callback (blec_client_set_pairing_callback)"};
  bool known = kind >= BLEC_PAIRING_CONFIRM_ONLY && kind <= BLEC_PAIRING_DISPLAY_PIN;
  switch (status) {
    case BLEC_ERR_PAIRING: return known ? rejected[kind] : "the program rejected the pairing";
    case BLEC_ERR_NOT_SUPPORTED: return known ? no_cb[kind] : "the peripheral's pairing needs a pairing callback";
    case BLEC_ERR_CANCELLED: return "the pairing ended before the program answered";
    default: return blec_strerror(status);
  }
}

static void request_unref(blec_pairing_request *q) {
  if (!q || atomic_fetch_sub(&q->refs, 1) != 1) return;
  blec__client_unref(q->client);
  blec__op_unref(q->op);
  blec__mutex_destroy(&q->lock);
  free(q);
}

/* Delivers the answer unless one was given already. */
static bool answer_once(blec_pairing_request *q, int status, const char *pin) {
  blec__mutex_lock(&q->lock);
  bool first = !q->answered;
  q->answered = true;
  blec__mutex_unlock(&q->lock);
  if (!first) return false;
  blec__log(q->client->ctx, BLEC_LOG_DEBUG, "pairing %s for %s answered: %s", kind_name(q->kind), q->client->address,
            blec_status_name(status));
  q->answer(q->arg, status, status == BLEC_OK ? pin : NULL);
  return true;
}

/* The pair op ended (any result): a question still open is answered CANCELLED. */
static void on_op_end(blec_op *op, void *arg) {
  (void)op;
  blec_pairing_request *q = arg;
  blec__mutex_lock(&q->lock);
  q->op_ended = true;
  bool deferred = q->creating; /* never answer inside blec__client_pairing_request */
  blec__mutex_unlock(&q->lock);
  if (!deferred) answer_once(q, BLEC_ERR_CANCELLED, NULL);
  request_unref(q);
}

static bool op_ended(blec_pairing_request *q) {
  blec__mutex_lock(&q->lock);
  bool e = q->op_ended;
  blec__mutex_unlock(&q->lock);
  return e;
}

/* On the dispatch thread: the program's callback, or the library's default answer. */
static void request_run(blec__event *ev) {
  blec_pairing_request *q = (blec_pairing_request *)ev;
  blec_client *c = q->client;
  blec__mutex_lock(&c->lock);
  blec_pairing_cb cb = c->freed ? NULL : c->pairing_cb;
  void *user = c->pairing_user;
  blec__mutex_unlock(&c->lock);
  if (op_ended(q))
    answer_once(q, BLEC_ERR_CANCELLED, NULL);
  else if (cb)
    cb(c, q, user);
  else
    answer_once(q, q->kind == BLEC_PAIRING_CONFIRM_ONLY ? BLEC_OK : BLEC_ERR_NOT_SUPPORTED, NULL);
  request_unref(q);
}

static void request_drop(blec__event *ev) {
  blec_pairing_request *q = (blec_pairing_request *)ev;
  answer_once(q, BLEC_ERR_CANCELLED, NULL);
  request_unref(q);
}

void blec__client_pairing_request(blec_client *c, blec_op *op, blec_pairing_kind kind, const char *pin,
                                  blec__pairing_answer_fn answer, void *arg) {
  blec_pairing_request *q = calloc(1, sizeof *q);
  if (!q || blec__mutex_init(&q->lock) != BLEC_OK) {
    free(q);
    blec__log(c->ctx, BLEC_LOG_ERROR, "out of memory: a pairing question is refused");
    /* Still never inside this call: the op's continuation answers once it ends. */
    answer(arg, BLEC_ERR_NO_MEMORY, NULL);
    return;
  }
  atomic_init(&q->refs, 2); /* the event's and the op continuation's */
  q->ev.run = request_run;
  q->ev.drop = request_drop;
  q->client = blec__client_ref(c);
  q->op = blec__op_ref(op);
  q->kind = kind;
  if (pin) {
    snprintf(q->pin, sizeof q->pin, "%s", pin);
    q->has_pin = true;
  }
  q->answer = answer;
  q->arg = arg;
  q->creating = true;
  blec__op_then(op, on_op_end, q);
  blec__mutex_lock(&q->lock);
  q->creating = false;
  blec__mutex_unlock(&q->lock);
  blec__log(c->ctx, BLEC_LOG_DEBUG, "pairing with %s asks %s", c->address, kind_name(kind));
  blec__dispatcher_post_for(&c->ctx->dispatcher, &q->ev, c);
}

/* ---- public ------------------------------------------------------------------------------ */

void blec_client_set_pairing_callback(blec_client *c, blec_pairing_cb cb, void *user) {
  if (!c) return;
  blec__mutex_lock(&c->lock);
  c->pairing_cb = cb;
  c->pairing_user = user;
  blec__mutex_unlock(&c->lock);
}

bool blec__client_has_pairing_callback(blec_client *c) {
  blec__mutex_lock(&c->lock);
  bool has = c->pairing_cb != NULL;
  blec__mutex_unlock(&c->lock);
  return has;
}

blec_pairing_kind blec_pairing_request_kind(const blec_pairing_request *q) {
  return q ? q->kind : BLEC_PAIRING_CONFIRM_ONLY;
}

const char *blec_pairing_request_pin(const blec_pairing_request *q) { return q && q->has_pin ? q->pin : NULL; }

static int answerable(blec_pairing_request *q) {
  blec__mutex_lock(&q->lock);
  int s = (q->answered || q->op_ended) ? BLEC_ERR_STATE : BLEC_OK;
  blec__mutex_unlock(&q->lock);
  return s;
}

int blec_pairing_request_accept(blec_pairing_request *q) {
  if (!q || q->kind == BLEC_PAIRING_PROVIDE_PIN) return BLEC_ERR_INVALID_ARG;
  int s = answerable(q);
  if (s != BLEC_OK) return s;
  return answer_once(q, BLEC_OK, NULL) ? BLEC_OK : BLEC_ERR_STATE;
}

static bool pin_ok(const char *pin) {
  size_t n = 0;
  for (; pin[n]; n++)
    if (pin[n] < '0' || pin[n] > '9') return false;
  return n >= 1 && n <= 16;
}

int blec_pairing_request_accept_with_pin(blec_pairing_request *q, const char *pin) {
  if (!q || !pin || q->kind != BLEC_PAIRING_PROVIDE_PIN || !pin_ok(pin)) return BLEC_ERR_INVALID_ARG;
  int s = answerable(q);
  if (s != BLEC_OK) return s;
  return answer_once(q, BLEC_OK, pin) ? BLEC_OK : BLEC_ERR_STATE;
}

int blec_pairing_request_reject(blec_pairing_request *q) {
  if (!q) return BLEC_ERR_INVALID_ARG;
  int s = answerable(q);
  if (s != BLEC_OK) return s;
  return answer_once(q, BLEC_ERR_PAIRING, NULL) ? BLEC_OK : BLEC_ERR_STATE;
}

blec_pairing_request *blec_pairing_request_ref(blec_pairing_request *q) {
  if (q) atomic_fetch_add(&q->refs, 1);
  return q;
}

void blec_pairing_request_unref(blec_pairing_request *q) { request_unref(q); }
