/* SPDX-License-Identifier: MIT */
/*
 * t_pair.c — Pair / CancelPairing and agents: Just Works without an agent, the ceremonies
 * the agent's and the peripheral's IO capabilities lead to, AgentManager1's errors.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "world/world_stack.h"

#define AGENT_PATH "/test/agent"

/* What the test's agent was asked and answers. */
typedef struct agent_state {
  char last[32];      /* the last method called */
  uint32_t passkey;   /* the passkey shown to it (DisplayPasskey, RequestConfirmation) */
  uint32_t answer;    /* RequestPasskey's answer */
  bool reject;        /* answer org.bluez.Error.Rejected */
  int released;
} agent_state;

static int agent_method(sd_bus_message *m, void *user, sd_bus_error *e) {
  agent_state *a = user;
  const char *member = sd_bus_message_get_member(m);
  snprintf(a->last, sizeof a->last, "%s", member);
  if (!strcmp(member, "Release")) {
    a->released++;
    return sd_bus_reply_method_return(m, "");
  }
  const char *dev;
  if (!strcmp(member, "DisplayPasskey")) {
    uint16_t entered;
    ASSERT(sd_bus_message_read(m, "ouq", &dev, &a->passkey, &entered) > 0);
    return sd_bus_reply_method_return(m, "");
  }
  if (a->reject) return sd_bus_error_set(e, "org.bluez.Error.Rejected", "rejected by the test");
  if (!strcmp(member, "RequestPasskey")) return sd_bus_reply_method_return(m, "u", a->answer);
  if (!strcmp(member, "RequestConfirmation")) {
    ASSERT(sd_bus_message_read(m, "ou", &dev, &a->passkey) > 0);
    return sd_bus_reply_method_return(m, "");
  }
  return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable agent_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Release", "", "", agent_method, 0),
    SD_BUS_METHOD("RequestPasskey", "o", "u", agent_method, 0),
    SD_BUS_METHOD("DisplayPasskey", "ouq", "", agent_method, 0),
    SD_BUS_METHOD("RequestConfirmation", "ou", "", agent_method, 0),
    SD_BUS_METHOD("RequestAuthorization", "o", "", agent_method, 0),
    SD_BUS_METHOD("Cancel", "", "", agent_method, 0),
    SD_BUS_VTABLE_END};

static void register_agent(tb *t, agent_state *a, const char *cap) {
  ASSERT(sd_bus_add_object_vtable(t->bus, NULL, AGENT_PATH, "org.bluez.Agent1", agent_vtable, a) >= 0);
  TB_OK(tb_call(t, "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent", "os", AGENT_PATH, cap));
  TB_OK(tb_call(t, "/org/bluez", "org.bluez.AgentManager1", "RequestDefaultAgent", "o", AGENT_PATH));
}

static const char *world_io(const char *io, char buf[512]) {
  snprintf(buf, 512,
           "blec-world 1\n"
           "peripheral C0:FF:EE:00:00:60 random\n"
           "  name \"Pairer\"\n"
           "  pairing authentication\n"
           "  pairing-io %s\n"
           "  passkey 654321\n"
           "  adv-interval 20ms\n"
           "  service 180f\n"
           "    characteristic 2a19 read u8:80\n",
           io);
  return buf;
}

#define DEV "/org/bluez/hci0/dev_C0_FF_EE_00_00_60"

BLEC_TEST_IMPL(pair_without_an_agent_is_just_works_and_signals_before_answering) {
  tb t;
  char w[512];
  tb_open(&t, world_io("no-input-no-output", w), NULL);
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, DEV, TB_DEVICE, "Pair"));
  TB_OK(tb_wait_reply(&t, c));
  size_t bonded = tb_find_prop(&t, from, DEV, TB_DEVICE, "Bonded");
  size_t paired = tb_find_prop(&t, from, DEV, TB_DEVICE, "Paired");
  ASSERT(bonded != TB_NONE && paired != TB_NONE);
  ASSERT(paired < tb_reply_index(&t, c));
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Paired"));
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Bonded"));
  ASSERT(blec__world_is_paired(t.world, "C0:FF:EE:00:00:60"));
  /* Once bonded: AlreadyExists. */
  TB_ERR(tb_call(&t, DEV, TB_DEVICE, "Pair", ""), "org.bluez.Error.AlreadyExists");
  /* CancelPairing without a pairing in progress removes the bond, then says DoesNotExist. */
  TB_ERR(tb_call(&t, DEV, TB_DEVICE, "CancelPairing", ""), "org.bluez.Error.DoesNotExist");
  ASSERT(!tb_get_bool(&t, DEV, TB_DEVICE, "Paired"));
  ASSERT(!blec__world_is_paired(t.world, "C0:FF:EE:00:00:60"));
  tb_close(&t);
}

BLEC_TEST_IMPL(remove_device_takes_the_bond_with_the_device) {
  tb t;
  char w[512];
  tb_open(&t, world_io("no-input-no-output", w), NULL);
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  TB_OK(tb_call(&t, DEV, TB_DEVICE, "Pair", ""));
  ASSERT(blec__world_is_paired(t.world, "C0:FF:EE:00:00:60"));
  TB_OK(tb_call(&t, TB_HCI0, TB_ADAPTER, "RemoveDevice", "o", DEV));
  tb_wait_removed(&t, 0, DEV, 3000);
  ASSERT(!blec__world_is_paired(t.world, "C0:FF:EE:00:00:60"));
  tb_close(&t);
}

BLEC_TEST_IMPL(pair_of_an_unconnected_device_connects_and_answers_once_services_resolve) {
  tb t;
  char w[512];
  tb_open(&t, world_io("no-input-no-output", w), NULL);
  tb_discover(&t, DEV);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, DEV, TB_DEVICE, "Pair"));
  TB_OK(tb_wait_reply(&t, c));
  size_t connected = tb_find_prop(&t, from, DEV, TB_DEVICE, "Connected");
  size_t resolved = tb_find_prop(&t, from, DEV, TB_DEVICE, "ServicesResolved");
  ASSERT(connected != TB_NONE && connected < tb_reply_index(&t, c));
  ASSERT(resolved != TB_NONE && resolved < tb_reply_index(&t, c));
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Connected"));
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Paired"));
  tb_close(&t);
}

BLEC_TEST_IMPL(passkey_entry_asks_the_agent_and_the_peripheral_checks_the_answer) {
  tb t;
  char w[512];
  agent_state a = {.answer = 654321};
  tb_open(&t, world_io("display-only", w), NULL);
  register_agent(&t, &a, "KeyboardDisplay");
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  TB_OK(tb_call(&t, DEV, TB_DEVICE, "Pair", ""));
  ASSERT_STR_EQ(a.last, "RequestPasskey");
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Paired"));
  tb_close(&t);

  /* A wrong passkey: the pairing fails. */
  agent_state wrong = {.answer = 111111};
  tb_open(&t, world_io("display-only", w), NULL);
  register_agent(&t, &wrong, "KeyboardOnly");
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  TB_ERR(tb_call(&t, DEV, TB_DEVICE, "Pair", ""), "org.bluez.Error.AuthenticationFailed");
  ASSERT(!tb_get_bool(&t, DEV, TB_DEVICE, "Paired"));
  tb_close(&t);
}

BLEC_TEST_IMPL(numeric_comparison_asks_for_confirmation_and_a_rejection_fails) {
  tb t;
  char w[512];
  agent_state a = {0};
  tb_open(&t, world_io("display-yes-no", w), NULL);
  register_agent(&t, &a, "DisplayYesNo");
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  TB_OK(tb_call(&t, DEV, TB_DEVICE, "Pair", ""));
  ASSERT_STR_EQ(a.last, "RequestConfirmation");
  ASSERT_EQ_INT(a.passkey, 654321);
  tb_close(&t);

  agent_state no = {.reject = true};
  tb_open(&t, world_io("display-yes-no", w), NULL);
  register_agent(&t, &no, "KeyboardDisplay");
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  TB_ERR(tb_call(&t, DEV, TB_DEVICE, "Pair", ""), "org.bluez.Error.AuthenticationFailed");
  tb_close(&t);
}

BLEC_TEST_IMPL(a_keyboard_peripheral_gets_the_passkey_the_agent_displays) {
  tb t;
  char w[512];
  agent_state a = {0};
  tb_open(&t, world_io("keyboard-only", w), NULL);
  register_agent(&t, &a, "DisplayOnly");
  tb_discover(&t, DEV);
  tb_connect(&t, DEV);
  TB_OK(tb_call(&t, DEV, TB_DEVICE, "Pair", ""));
  ASSERT_STR_EQ(a.last, "DisplayPasskey");
  ASSERT_EQ_INT(a.passkey, 654321);
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Paired"));
  tb_close(&t);
}

/* True at once: tb_until then only handles what has arrived. */
static bool arrived_handled(tb *t, void *ctx) {
  (void)t;
  (void)ctx;
  return true;
}

BLEC_TEST_IMPL(agent_manager_refuses_what_bluetoothd_refuses) {
  tb t;
  tb_open(&t, NULL, NULL);
  const char *mgr = "/org/bluez", *iface = "org.bluez.AgentManager1";
  TB_ERR(tb_call(&t, mgr, iface, "RegisterAgent", "os", AGENT_PATH, "Telepathy"), "org.bluez.Error.InvalidArguments");
  TB_ERR(tb_call(&t, mgr, iface, "RequestDefaultAgent", "o", AGENT_PATH), "org.bluez.Error.DoesNotExist");
  TB_ERR(tb_call(&t, mgr, iface, "UnregisterAgent", "o", AGENT_PATH), "org.bluez.Error.DoesNotExist");
  agent_state a = {0};
  register_agent(&t, &a, ""); /* "" is KeyboardDisplay */
  TB_ERR(tb_call(&t, mgr, iface, "RegisterAgent", "os", "/other", "DisplayOnly"), "org.bluez.Error.AlreadyExists");
  TB_ERR(tb_call(&t, mgr, iface, "RequestDefaultAgent", "o", "/other"), "org.bluez.Error.DoesNotExist");
  TB_ERR(tb_call(&t, mgr, iface, "UnregisterAgent", "o", "/other"), "org.bluez.Error.DoesNotExist");
  TB_OK(tb_call(&t, mgr, iface, "UnregisterAgent", "o", AGENT_PATH));
  /* UnregisterAgent sends no Release (bluetoothd drops the owner's watch first): a Release
   * would have come before the call's reply, so it would be among what has arrived. */
  ASSERT(tb_until(&t, arrived_handled, NULL, 3000));
  ASSERT_EQ_INT(a.released, 0);
  tb_close(&t);
}
