/* SPDX-License-Identifier: MIT */
/*
 * t_pairing.c — pairing ceremonies through the pairing callback: each kind a peripheral's
 * input/output capability leads to, answers given in the callback or later from another
 * thread, rejections, wrong PINs, no callback, and answers that come too late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* One lock whose pairing-io and passkey the test chooses; bb02 needs authentication. */
static blec_world *lock_world(const char *io) {
  char text[1024];
  snprintf(text, sizeof text,
           "blec-world 1\n"
           "peripheral C0:55:00:00:00:01 public\n"
           "  name \"Ceremony Lock\"\n"
           "  pairing authentication\n"
           "%s%s%s"
           "  passkey 654321\n"
           "  service bb00\n"
           "    characteristic bb01 read text:\"secret\"\n"
           "      security encryption\n"
           "    characteristic bb02 read text:\"top\"\n"
           "      security authentication\n",
           io ? "  pairing-io " : "", io ? io : "", io ? "\n" : "");
  return fx_world_text(text);
}
#define LOCK_ADDR "C0:55:00:00:00:01"

/* What the pairing callback saw, and how it answers. */
typedef enum answer_mode { ANSWER_ACCEPT, ANSWER_PIN, ANSWER_WRONG_PIN, ANSWER_REJECT, ANSWER_LATER, ANSWER_NEVER } answer_mode;

typedef struct ceremony {
  answer_mode mode;
  atomic_int calls;    /* callbacks entered */
  atomic_int returned; /* callbacks that returned (the answer may complete the pairing before) */
  atomic_int kind;
  char pin[8];
  _Atomic uint64_t thread;
  blec_pairing_request *held; /* ANSWER_LATER / ANSWER_NEVER: a reference */
  atomic_int held_set;
  int second_answer; /* status of answering twice, in the callback */
} ceremony;

static void ceremony_init(ceremony *c, answer_mode mode) {
  memset(c, 0, sizeof *c);
  c->mode = mode;
  atomic_init(&c->calls, 0);
  atomic_init(&c->returned, 0);
  atomic_init(&c->kind, 0);
  atomic_init(&c->thread, 0);
  atomic_init(&c->held_set, 0);
  c->second_answer = 1;
}

static void on_pairing(blec_client *client, blec_pairing_request *req, void *user) {
  (void)client;
  ceremony *c = user;
  atomic_store(&c->kind, (int)blec_pairing_request_kind(req));
  const char *pin = blec_pairing_request_pin(req);
  snprintf(c->pin, sizeof c->pin, "%s", pin ? pin : "");
  atomic_store(&c->thread, blec__thread_self());
  atomic_fetch_add(&c->calls, 1);
  switch (c->mode) {
    case ANSWER_ACCEPT:
      ASSERT_OK(blec_pairing_request_accept(req));
      c->second_answer = blec_pairing_request_reject(req);
      break;
    case ANSWER_PIN: ASSERT_OK(blec_pairing_request_accept_with_pin(req, "654321")); break;
    case ANSWER_WRONG_PIN: ASSERT_OK(blec_pairing_request_accept_with_pin(req, "111111")); break;
    case ANSWER_REJECT: ASSERT_OK(blec_pairing_request_reject(req)); break;
    case ANSWER_LATER:
    case ANSWER_NEVER:
      c->held = blec_pairing_request_ref(req);
      atomic_store(&c->held_set, 1);
      break;
  }
  atomic_fetch_add(&c->returned, 1);
}

/* A connected client on the lock world, with the callback set; NULL (after freeing) when
 * the backend cannot pair. */
static blec_client *lock_client(fx *f, const char *io, ceremony *cer) {
  fx_open(f, lock_world(io));
  blec_client *c = fx_connect(f, LOCK_ADDR, NULL);
  if (cer) blec_client_set_pairing_callback(c, on_pairing, cer);
  if (!fx_cap(f, BLEC_CAP_PAIRING)) {
    ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, 1000, NULL), BLEC_ERR_NOT_SUPPORTED);
    fx_note_unsupported("BLEC_CAP_PAIRING");
    blec_client_free(c);
    fx_close(f);
    return NULL;
  }
  return c;
}

static void assert_reads(blec_client *c, const char *uuid, const char *want) {
  uint8_t buf[16];
  size_t n = fx_read(c, fx_chr(c, uuid), buf, sizeof buf);
  ASSERT_EQ_INT(n, strlen(want));
  ASSERT_MEM_EQ(buf, want, n);
}

static void assert_pair_fails(blec_client *c, blec_protection_level level, const char *in_message) {
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_pair(c, level, blec_test_ms(FX_WAIT_MS), &err), BLEC_ERR_PAIRING);
  ASSERT_EQ_INT(err.status, BLEC_ERR_PAIRING);
  if (!strstr(err.message, in_message))
    blec_test_fail_(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.message, in_message);
}

BLEC_TEST_IMPL(pairing_without_callback_accepts_just_works) {
  fx f;
  blec_client *c = lock_client(&f, NULL, NULL);
  if (!c) return;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  assert_reads(c, "bb01", "secret");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_without_callback_refuses_a_pin_ceremony) {
  fx f;
  blec_client *c = lock_client(&f, "display-yes-no", NULL);
  if (!c) return;
  if (fx_cap(&f, BLEC_CAP_JUST_WORKS_WITHOUT_CALLBACK)) {
    /* Authentication needs the callback's answer: refused, no bond made. */
    assert_pair_fails(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, "blec_client_set_pairing_callback");
    ASSERT(blec_client_is_connected(c));
    /* Encryption: Just Works without a question, whose unauthenticated bond opens the
     * encrypted value but not the authenticated one. */
    printf("# backend %s pairs Just Works without a callback: no PIN ceremony to refuse at encryption\n",
           blec_ctx_backend_name(f.ctx));
    ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
    assert_reads(c, "bb01", "secret");
    uint8_t *top = NULL;
    size_t ntop = 0;
    blec_error err;
    blec_error_clear(&err);
    int st = blec_client_read(c, fx_chr(c, "bb02"), 0, blec_test_ms(FX_WAIT_MS), &top, &ntop, &err);
    /* The OS's own attempt to raise the link to authentication pairs Just Works again: refused. */
    ASSERT_STATUS(st, BLEC_ERR_ATT);
    ASSERT_EQ_INT(err.status, BLEC_ERR_ATT);
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  assert_pair_fails(c, BLEC_PROTECTION_ENCRYPTION, "blec_client_set_pairing_callback");
  ASSERT(blec_client_is_connected(c));
  uint8_t *d = NULL;
  size_t n = 0;
  if (fx_cap(&f, BLEC_CAP_SECURITY_ERRORS))
    ASSERT_STATUS(blec_client_read(c, fx_chr(c, "bb01"), 0, blec_test_ms(FX_WAIT_MS), &d, &n, NULL), BLEC_ERR_ATT);
  else /* a read would make the OS raise the security by itself (BlueZ: the kernel) */
    fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "the ATT error after the refused pairing");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_callback_confirms_just_works_on_the_dispatch_thread) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_ACCEPT);
  blec_client *c = lock_client(&f, "no-input-no-output", &cer);
  if (!c) return;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  if (!fx_cap(&f, BLEC_CAP_CONFIRM_JUST_WORKS)) {
    /* The OS paired without asking. */
    fx_note_skipped("BLEC_CAP_CONFIRM_JUST_WORKS", "the confirmation question");
    ASSERT_EQ_INT(atomic_load(&cer.calls), 0);
    assert_reads(c, "bb01", "secret");
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  WAIT_UNTIL(atomic_load(&cer.returned) == 1, FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&cer.calls), 1);
  ASSERT_EQ_INT(atomic_load(&cer.kind), BLEC_PAIRING_CONFIRM_ONLY);
  ASSERT_STR_EQ(cer.pin, "");
  ASSERT(atomic_load(&cer.thread) != blec__thread_self());
  ASSERT_STATUS(cer.second_answer, BLEC_ERR_STATE);
  assert_reads(c, "bb01", "secret");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_just_works_cannot_reach_authentication) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_ACCEPT);
  blec_client *c = lock_client(&f, "no-input-no-output", &cer);
  if (!c) return;
  assert_pair_fails(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, "protection level");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_numeric_comparison_shows_the_pin_and_authenticates) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_ACCEPT);
  blec_client *c = lock_client(&f, "display-yes-no", &cer);
  if (!c) return;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_EQ_INT(atomic_load(&cer.kind), BLEC_PAIRING_CONFIRM_PIN_MATCH);
  ASSERT_STR_EQ(cer.pin, "654321");
  assert_reads(c, "bb02", "top");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_provide_pin_needs_the_peripherals_passkey) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_WRONG_PIN);
  blec_client *c = lock_client(&f, "display-only", &cer);
  if (!c) return;
  assert_pair_fails(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, "PIN");
  ASSERT_EQ_INT(atomic_load(&cer.kind), BLEC_PAIRING_PROVIDE_PIN);
  ASSERT_STR_EQ(cer.pin, ""); /* nothing to show: the peripheral shows it */
  cer.mode = ANSWER_PIN;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_EQ_INT(atomic_load(&cer.calls), 2);
  assert_reads(c, "bb02", "top");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_display_pin_gives_the_pin_to_show) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_ACCEPT);
  blec_client *c = lock_client(&f, "keyboard-only", &cer);
  if (!c) return;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_EQ_INT(atomic_load(&cer.kind), BLEC_PAIRING_DISPLAY_PIN);
  ASSERT_EQ_INT(strlen(cer.pin), 6);
  assert_reads(c, "bb02", "top");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_rejected_by_the_program_fails_and_leaves_no_bond) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_REJECT);
  blec_client *c = lock_client(&f, "display-yes-no", &cer);
  if (!c) return;
  assert_pair_fails(c, BLEC_PROTECTION_ENCRYPTION, "rejected");
  uint8_t *d = NULL;
  size_t n = 0;
  /* No bond: the protected value stays out of reach where the OS reports the ATT error
   * (one that raises the security by itself on it answers with its own ceremony). */
  if (fx_cap(&f, BLEC_CAP_SECURITY_ERRORS))
    ASSERT_STATUS(blec_client_read(c, fx_chr(c, "bb01"), 0, blec_test_ms(FX_WAIT_MS), &d, &n, NULL), BLEC_ERR_ATT);
  else /* a read would make the OS raise the security by itself (BlueZ: the kernel) */
    fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "the ATT error after the rejected pairing");
  blec_client_free(c);
  fx_close(&f);
}

typedef struct later_arg {
  ceremony *cer;
  int status;
} later_arg;

static void answer_later(void *arg) {
  later_arg *a = arg;
  uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
  while (!atomic_load(&a->cer->held_set) && fx_now_ms() < dl) fx_sleep_ms(1);
  a->status = a->cer->held ? blec_pairing_request_accept(a->cer->held) : BLEC_ERR_TIMEOUT;
}

BLEC_TEST_IMPL(pairing_answered_later_from_another_thread) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_LATER);
  blec_client *c = lock_client(&f, "display-yes-no", &cer);
  if (!c) return;
  later_arg a = {&cer, 1};
  blec__thread t;
  ASSERT_OK(blec__thread_create(&t, answer_later, &a));
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(FX_WAIT_MS), NULL));
  blec__thread_join(&t);
  ASSERT_OK(a.status);
  blec_pairing_request_unref(cer.held);
  assert_reads(c, "bb02", "top");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_unanswered_times_out_and_a_late_answer_is_refused) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_NEVER);
  blec_client *c = lock_client(&f, "display-yes-no", &cer);
  if (!c) return;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(300), &err), BLEC_ERR_TIMEOUT);
  WAIT_UNTIL(atomic_load(&cer.held_set), FX_WAIT_MS);
  ASSERT_STATUS(blec_pairing_request_accept(cer.held), BLEC_ERR_STATE);
  ASSERT_STATUS(blec_pairing_request_reject(cer.held), BLEC_ERR_STATE);
  blec_pairing_request_unref(cer.held);
  ASSERT(blec_client_is_connected(c));
  /* A new pairing asks again and can succeed. */
  ceremony_init(&cer, ANSWER_ACCEPT);
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_request_answers_check_their_arguments) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_NEVER);
  blec_client *c = lock_client(&f, "display-only", &cer);
  if (!c) return;
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_pair_async(c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op));
  WAIT_UNTIL(atomic_load(&cer.held_set), FX_WAIT_MS);
  blec_pairing_request *q = cer.held;
  ASSERT_EQ_INT(blec_pairing_request_kind(q), BLEC_PAIRING_PROVIDE_PIN);
  ASSERT(blec_pairing_request_pin(q) == NULL);
  ASSERT_STATUS(blec_pairing_request_accept(q), BLEC_ERR_INVALID_ARG); /* a PIN is needed */
  ASSERT_STATUS(blec_pairing_request_accept_with_pin(q, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_pairing_request_accept_with_pin(q, ""), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_pairing_request_accept_with_pin(q, "12a456"), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_pairing_request_accept(NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_pairing_request_reject(NULL), BLEC_ERR_INVALID_ARG);
  ASSERT(blec_pairing_request_pin(NULL) == NULL);
  blec_pairing_request_unref(NULL);
  ASSERT(!blec_op_done(op)); /* bad answers answered nothing */
  ASSERT_OK(blec_pairing_request_accept_with_pin(q, "654321"));
  ASSERT_STATUS(blec_pairing_request_accept_with_pin(q, "654321"), BLEC_ERR_STATE);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  blec_op_free(op);
  blec_pairing_request_unref(q);
  blec_client_set_pairing_callback(NULL, on_pairing, &cer); /* NULL client: ignored */
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_cancelled_while_the_program_decides) {
  fx f;
  ceremony cer;
  ceremony_init(&cer, ANSWER_NEVER);
  blec_client *c = lock_client(&f, "display-yes-no", &cer);
  if (!c) return;
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_pair_async(c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op));
  WAIT_UNTIL(atomic_load(&cer.held_set), FX_WAIT_MS);
  ASSERT_OK(blec_op_cancel(op));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_CANCELLED);
  ASSERT_STATUS(blec_pairing_request_accept(cer.held), BLEC_ERR_STATE);
  blec_pairing_request_unref(cer.held);
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(pairing_on_connect_asks_the_callback) {
  fx f;
  fx_open(&f, lock_world("display-yes-no"));
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_pair(o, true));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LOCK_ADDR, o, &c));
  blec_client_options_free(o);
  ceremony cer;
  ceremony_init(&cer, ANSWER_ACCEPT);
  blec_client_set_pairing_callback(c, on_pairing, &cer);
  blec_error err;
  blec_error_clear(&err);
  int s = blec_client_connect(c, blec_test_ms(FX_WAIT_MS), &err);
  if (!fx_cap(&f, BLEC_CAP_PAIRING)) {
    ASSERT_STATUS(s, BLEC_ERR_NOT_SUPPORTED);
    fx_note_unsupported("BLEC_CAP_PAIRING");
  } else {
    ASSERT_OK(s);
    ASSERT_EQ_INT(atomic_load(&cer.kind), BLEC_PAIRING_CONFIRM_PIN_MATCH);
    assert_reads(c, "bb01", "secret");
  }
  blec_client_free(c);
  fx_close(&f);
}

static void on_pairing_queued(blec_client *client, blec_pairing_request *req, void *user) {
  on_pairing(client, req, user);
}

BLEC_TEST_IMPL(pairing_callback_runs_in_dispatch_when_queued) {
  fx f;
  fx_open_mode(&f, lock_world("keyboard-only"), BLEC_DELIVERY_QUEUED);
  blec_client *c = fx_connect(&f, LOCK_ADDR, NULL);
  ceremony cer;
  ceremony_init(&cer, ANSWER_ACCEPT);
  blec_client_set_pairing_callback(c, on_pairing_queued, &cer);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  int s = blec_client_pair_async(c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op);
  if (!fx_cap(&f, BLEC_CAP_PAIRING)) {
    ASSERT_STATUS(s, BLEC_ERR_NOT_SUPPORTED);
    fx_note_unsupported("BLEC_CAP_PAIRING");
  } else {
    ASSERT_OK(s);
    uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
    while (atomic_load(&r.calls) == 0 && fx_now_ms() < dl) ASSERT(blec_ctx_dispatch(f.ctx, 50) >= 0);
    ASSERT_OK(r.status);
    ASSERT_EQ_INT(atomic_load(&cer.calls), 1);
    ASSERT(atomic_load(&cer.thread) == blec__thread_self());
    blec_op_free(op);
  }
  blec_client_free(c);
  fx_close(&f);
}
