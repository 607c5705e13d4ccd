/* SPDX-License-Identifier: MIT */
/*
 * t_agent.c — the IO capability of blec's pairing agent as bluetoothd receives it:
 * NoInputNoOutput for a client without a pairing callback (Just Works, no question;
 * authentication then fails), KeyboardDisplay for one with a callback (the ceremonies
 * reach it) or one asking for authentication, and two clients of one context with
 * different needs (serialised: the second waits for the first's Pair()).
 */
#include <stdio.h>
#include <string.h>

#include "bk.h"

/* Three locks whose ceremony with a KeyboardDisplay central needs the program. (Lock Two,
 * display-only, cannot pair Just Works in the world engine: it always checks its passkey.) */
static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:A6:00:00:00:01 public\n"
    "  name \"Lock One\"\n"
    "  pairing authentication\n"
    "  pairing-io display-yes-no\n"
    "  passkey 654321\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"secret\"\n"
    "      security encryption\n"
    "    characteristic bb02 read text:\"top\"\n"
    "      security authentication\n"
    "peripheral C0:A6:00:00:00:02 public\n"
    "  name \"Lock Two\"\n"
    "  pairing authentication\n"
    "  pairing-io display-only\n"
    "  passkey 123456\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"secret\"\n"
    "      security encryption\n"
    "peripheral C0:A6:00:00:00:03 public\n"
    "  name \"Lock Three\"\n"
    "  pairing authentication\n"
    "  pairing-io display-yes-no\n"
    "  passkey 111111\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"secret\"\n"
    "      security encryption\n";

#define ONE "C0:A6:00:00:00:01"
#define TWO "C0:A6:00:00:00:02"
#define THREE "C0:A6:00:00:00:03"

/* What a pairing callback saw; it answers at once (hold false) or keeps the request. */
typedef struct asked {
  atomic_int calls;
  atomic_int kind;
  char pin[8];
  const char *answer_pin; /* PROVIDE_PIN's answer */
  bool hold;
  blec_pairing_request *held;
  atomic_bool held_set;
} asked;

static void on_pairing(blec_client *c, blec_pairing_request *q, void *user) {
  (void)c;
  asked *a = user;
  const char *pin = blec_pairing_request_pin(q);
  snprintf(a->pin, sizeof a->pin, "%s", pin ? pin : "");
  atomic_store(&a->kind, (int)blec_pairing_request_kind(q));
  atomic_fetch_add(&a->calls, 1); /* before answering: the answer may end the pairing at once */
  if (a->hold) {
    a->held = blec_pairing_request_ref(q);
    atomic_store(&a->held_set, true);
  } else if (blec_pairing_request_kind(q) == BLEC_PAIRING_PROVIDE_PIN) {
    blec_pairing_request_accept_with_pin(q, a->answer_pin);
  } else {
    blec_pairing_request_accept(q);
  }
}

static void asked_init(asked *a, bool hold, const char *answer_pin) {
  memset(a, 0, sizeof *a);
  atomic_init(&a->calls, 0);
  atomic_init(&a->kind, 0);
  atomic_init(&a->held_set, false);
  a->hold = hold;
  a->answer_pin = answer_pin;
}

static blec_client *connected(bk *t, const char *addr, asked *a) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(t->ctx, addr, NULL, &c));
  if (a) blec_client_set_pairing_callback(c, on_pairing, a);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  return c;
}

static int read_status(blec_client *c, const char *uuid) {
  uint8_t *d = NULL;
  size_t n = 0;
  int s = blec_client_read(c, bk_chr(c, uuid), 0, blec_test_ms(BK_WAIT_MS), &d, &n, NULL);
  blec_free(d);
  return s;
}

static blec_bluez_sim_agents agents(bk *t) {
  blec_bluez_sim_agents a;
  ASSERT_OK(blec_bluez_sim_agents_get(t->sim, &a));
  return a;
}

static void op_done(blec_op *op, void *user) {
  (void)op;
  (void)user;
}

static void open_all(bk *t) {
  bk_world(t, world_text);
  bk_sim_start(t, NULL);
  bk_ctx(t, NULL);
}

BLEC_TEST_IMPL(agent_without_callback_pairs_just_works_without_a_question) {
  bk t;
  open_all(&t);
  blec_client *c = connected(&t, ONE, NULL);
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(BK_WAIT_MS), NULL));
  blec_bluez_sim_agents a = agents(&t);
  ASSERT_STR_EQ(a.capability, "NoInputNoOutput");
  ASSERT_EQ_INT(a.registrations, 1);
  ASSERT_EQ_INT(a.registered, 1);
  /* Just Works: the encrypted value opens, the authenticated one does not — bluetoothd's
   * own attempt to raise the link to authentication pairs Just Works again and fails. */
  ASSERT_OK(read_status(c, "bb01"));
  ASSERT_STATUS(read_status(c, "bb02"), BLEC_ERR_ATT);
  blec_client_free(c);
  bk_close(&t);
}

BLEC_TEST_IMPL(agent_without_callback_cannot_reach_authentication) {
  bk t;
  open_all(&t);
  blec_client *c = connected(&t, ONE, NULL);
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(BK_WAIT_MS), &err),
                BLEC_ERR_PAIRING);
  if (!strstr(err.message, "blec_client_set_pairing_callback"))
    blec_test_fail_(__FILE__, __LINE__, "message \"%s\" lacks the callback's name", err.message);
  /* Asked with the agent that can carry the ceremony, refused by the library: no bond. */
  ASSERT_STR_EQ(agents(&t).capability, "KeyboardDisplay");
  sd_bus *other = bk_bus();
  ASSERT(!bk_bool_property(other, "/org/bluez/hci0/dev_C0_A6_00_00_00_01", "org.bluez.Device1", "Paired"));
  sd_bus_flush_close_unref(other);
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  bk_close(&t);
}

BLEC_TEST_IMPL(agent_with_callback_is_keyboard_display_and_asks_the_program) {
  bk t;
  open_all(&t);
  asked one, two;
  asked_init(&one, false, NULL);
  asked_init(&two, false, "123456");
  blec_client *c1 = connected(&t, ONE, &one);
  blec_client *c2 = connected(&t, TWO, &two);
  /* Numeric comparison: the passkey reaches the callback. */
  ASSERT_OK(blec_client_pair(c1, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(BK_WAIT_MS), NULL));
  ASSERT_EQ_INT(atomic_load(&one.calls), 1);
  ASSERT_EQ_INT(atomic_load(&one.kind), BLEC_PAIRING_CONFIRM_PIN_MATCH);
  ASSERT_STR_EQ(one.pin, "654321");
  ASSERT_STR_EQ(agents(&t).capability, "KeyboardDisplay");
  ASSERT_OK(read_status(c1, "bb02"));
  /* Passkey entry: the program gives the peripheral's passkey. */
  ASSERT_OK(blec_client_pair(c2, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(BK_WAIT_MS), NULL));
  ASSERT_EQ_INT(atomic_load(&two.kind), BLEC_PAIRING_PROVIDE_PIN);
  ASSERT_EQ_INT(agents(&t).registrations, 1); /* the same capability: registered once */
  blec_client_free(c1);
  blec_client_free(c2);
  bk_close(&t);
}

BLEC_TEST_IMPL(agent_two_clients_with_different_needs_are_serialised) {
  bk t;
  open_all(&t);
  asked held, quick;
  asked_init(&held, true, NULL);
  asked_init(&quick, false, "123456");
  blec_client *a = connected(&t, ONE, &held);  /* KeyboardDisplay, answers later */
  blec_client *b = connected(&t, THREE, NULL); /* NoInputNoOutput */
  blec_client *c = connected(&t, TWO, &quick); /* KeyboardDisplay, answers at once */
  blec_op *opa = NULL, *opb = NULL, *opc = NULL;
  blec_error err;
  ASSERT_OK(blec_client_pair_async(a, BLEC_PROTECTION_ENCRYPTION, op_done, NULL, &opa));
  WAIT_UNTIL(atomic_load(&held.held_set), BK_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&held.kind), BLEC_PAIRING_CONFIRM_PIN_MATCH);
  ASSERT_OK(blec_client_pair_async(b, BLEC_PROTECTION_ENCRYPTION, op_done, NULL, &opb));
  /* A pairing of the registered capability asked after b's goes on beside a's: its
   * completion proves b's request was handled, and b still waits. */
  ASSERT_OK(blec_client_pair_async(c, BLEC_PROTECTION_ENCRYPTION, op_done, NULL, &opc));
  ASSERT_OK(blec_op_wait(opc, blec_test_ms(BK_WAIT_MS)));
  ASSERT_OK(blec_op_status(opc));
  ASSERT_EQ_INT(atomic_load(&quick.calls), 1);
  ASSERT(!blec_op_done(opb));
  blec_bluez_sim_agents s = agents(&t);
  ASSERT_STR_EQ(s.capability, "KeyboardDisplay");
  ASSERT_EQ_INT(s.registrations, 1);
  /* a's answer ends its Pair(): then the agent changes for b, which pairs Just Works. */
  ASSERT_OK(blec_pairing_request_accept(held.held));
  ASSERT_OK(blec_op_wait(opa, blec_test_ms(BK_WAIT_MS)));
  ASSERT_OK(blec_op_status(opa));
  blec_error_clear(&err);
  if (blec_op_wait(opb, blec_test_ms(BK_WAIT_MS)) != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__, "b's pairing: %s", blec_op_error(opb)->message);
  s = agents(&t);
  ASSERT_STR_EQ(s.capability, "NoInputNoOutput");
  ASSERT_EQ_INT(s.registrations, 2);
  ASSERT_EQ_INT(s.unregistrations, 1);
  ASSERT_EQ_INT(s.registered, 1);
  blec_pairing_request_unref(held.held);
  blec_op_free(opa);
  blec_op_free(opb);
  blec_op_free(opc);
  blec_client_free(a);
  blec_client_free(b);
  blec_client_free(c);
  bk_close(&t);
}

BLEC_TEST_IMPL(agent_pairing_cancelled_while_waiting_for_its_capability) {
  bk t;
  open_all(&t);
  asked held;
  asked_init(&held, true, NULL);
  blec_client *a = connected(&t, ONE, &held);
  blec_client *b = connected(&t, THREE, NULL);
  blec_op *opa = NULL, *opb = NULL;
  ASSERT_OK(blec_client_pair_async(a, BLEC_PROTECTION_ENCRYPTION, op_done, NULL, &opa));
  WAIT_UNTIL(atomic_load(&held.held_set), BK_WAIT_MS);
  ASSERT_OK(blec_client_pair_async(b, BLEC_PROTECTION_ENCRYPTION, op_done, NULL, &opb));
  ASSERT_OK(blec_op_cancel(opb));
  ASSERT_STATUS(blec_op_wait(opb, blec_test_ms(BK_WAIT_MS)), BLEC_ERR_CANCELLED);
  ASSERT_OK(blec_pairing_request_accept(held.held));
  ASSERT_OK(blec_op_wait(opa, blec_test_ms(BK_WAIT_MS)));
  ASSERT_OK(blec_op_status(opa));
  /* b's device was never paired, and a later pairing of b goes on. */
  sd_bus *other = bk_bus();
  ASSERT(!bk_bool_property(other, "/org/bluez/hci0/dev_C0_A6_00_00_00_03", "org.bluez.Device1", "Paired"));
  sd_bus_flush_close_unref(other);
  ASSERT_OK(blec_client_pair(b, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(BK_WAIT_MS), NULL));
  ASSERT_STR_EQ(agents(&t).capability, "NoInputNoOutput");
  blec_pairing_request_unref(held.held);
  blec_op_free(opa);
  blec_op_free(opb);
  blec_client_free(a);
  blec_client_free(b);
  bk_close(&t);
}
