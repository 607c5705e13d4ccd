/* SPDX-License-Identifier: MIT */
/*
 * t_pair.c — pairing and unpairing on the winrt backend (issue 11): custom pairing at a
 * protection level, bleak's fallback chain for the default level, the ceremony through
 * the pairing callback (ConfirmOnly accepted without one), "already paired" as success,
 * pairing on connect, Windows' result names in the detail, unpairing that ends the link.
 */
#include "wr_test.h"

#include <string.h>

static const char pair_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:31 public\n"
    "  name \"JustWorks\"\n"
    "  adv-interval 20ms\n"
    "  pairing encryption\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"jw\"\n"
    "peripheral AA:00:00:00:00:32 public\n"
    "  name \"Secure\"\n"
    "  adv-interval 20ms\n"
    "  pairing authentication\n"
    "  pairing-io display-yes-no\n" /* numeric comparison: a ceremony the program answers */
    "  passkey 482913\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"sec\"\n";
#define JW "AA:00:00:00:00:31"
#define SECURE "AA:00:00:00:00:32"

typedef struct asked {
  volatile LONG calls;
  blec_pairing_kind kind;
  char pin[8];
  bool accept;
} asked;

static void on_pairing(blec_client *c, blec_pairing_request *req, void *user) {
  (void)c;
  asked *a = user;
  a->kind = blec_pairing_request_kind(req);
  const char *pin = blec_pairing_request_pin(req);
  snprintf(a->pin, sizeof a->pin, "%s", pin ? pin : "");
  InterlockedIncrement(&a->calls);
  if (!a->accept)
    blec_pairing_request_reject(req);
  else if (a->kind == BLEC_PAIRING_PROVIDE_PIN)
    blec_pairing_request_accept_with_pin(req, "123456");
  else
    blec_pairing_request_accept(req);
}

BLEC_TEST_IMPL(pairing_capabilities_claimed) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx();
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_PAIRING);
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_UNPAIR);
  wt_end(ctx);
}

BLEC_TEST_IMPL(pair_just_works_without_a_callback_then_already_paired) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, JW, NULL);
  blec_error err;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(10000), &err));
  /* Already paired: success, whatever the level asked. */
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(10000), &err));
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_DEFAULT, blec_test_ms(10000), &err));
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(pair_default_level_falls_back_as_bleak) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = wt_connect(ctx, JW, NULL);
  blec_error err;
  /* EncryptionAndAuthentication first: its ceremony has no one to answer it (no callback),
   * so Encryption, which Just Works. */
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_DEFAULT, blec_test_ms(10000), &err));
  ASSERT(wt_log_contains("pairing at EncryptionAndAuthentication:"));
  ASSERT(wt_log_contains("pairing at Encryption: Paired"));
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(pair_ceremony_reaches_the_pairing_callback) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, SECURE, NULL);
  asked a;
  memset(&a, 0, sizeof a);
  a.accept = true;
  blec_client_set_pairing_callback(c, on_pairing, &a);
  blec_error err;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(10000), &err));
  ASSERT_EQ_INT(a.calls, 1);
  ASSERT(a.kind == BLEC_PAIRING_CONFIRM_PIN_MATCH || a.kind == BLEC_PAIRING_DISPLAY_PIN ||
         a.kind == BLEC_PAIRING_PROVIDE_PIN);
  if (a.kind != BLEC_PAIRING_PROVIDE_PIN) ASSERT_EQ_INT(strlen(a.pin), 6);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(pair_refused_by_the_program_or_without_a_callback) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, SECURE, NULL);
  blec_error err;
  /* No callback: a PIN ceremony cannot be answered; the detail says why and what Windows said. */
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(10000), &err),
                BLEC_ERR_PAIRING);
  ASSERT(strstr(err.message, "blec_client_set_pairing_callback") != NULL);
  ASSERT(strstr(err.message, "RejectedByHandler") != NULL);
  asked a;
  memset(&a, 0, sizeof a);
  a.accept = false;
  blec_client_set_pairing_callback(c, on_pairing, &a);
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(10000), &err),
                BLEC_ERR_PAIRING);
  ASSERT_EQ_INT(a.calls, 1);
  ASSERT(strstr(err.message, "RejectedByHandler") != NULL);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(pair_level_the_device_cannot_meet) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, JW, NULL);
  asked a;
  memset(&a, 0, sizeof a);
  a.accept = true;
  blec_client_set_pairing_callback(c, on_pairing, &a);
  blec_error err;
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(10000), &err),
                BLEC_ERR_PAIRING);
  ASSERT(strstr(err.message, "ProtectionLevelCouldNotBeMet") != NULL);
  blec_client_free(c);
  wt_end(ctx);
}

static const char unencrypted_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:33 public\n"
    "  name \"Plain\"\n"
    "  adv-interval 20ms\n"
    "  pairing none\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"pl\"\n";
#define PLAIN "AA:00:00:00:00:33"

/* The device that cannot pair at Encryption, connected on a logged context, with the
 * stack's plain PairAsync setting no minimum (1) or pairing like Encryption (0). */
static blec_client *plain_device(int no_minimum, blec_ctx **ctx) {
  wt_world(unencrypted_world);
  ASSERT_OK(sim.blec_winrt_sim_set_pairing_default_no_minimum(no_minimum));
  *ctx = wt_ctx_logged();
  return wt_connect(*ctx, PLAIN, NULL);
}

/* The whole of bleak's chain for the default level: EncryptionAndAuthentication (no one to
 * answer its ceremony), Encryption (the device cannot), then plain PairAsync, whose answer
 * is the one reported. Here on a Windows whose plain PairAsync asks Encryption as well
 * (the stack's default), so the last step fails too. */
BLEC_TEST_IMPL(pair_default_level_falls_back_to_plain_pair_async) {
  blec_ctx *ctx = NULL;
  blec_client *c = plain_device(0, &ctx);
  blec_error err;
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_DEFAULT, blec_test_ms(10000), &err), BLEC_ERR_PAIRING);
  ASSERT(wt_log_contains("pairing at EncryptionAndAuthentication:"));
  ASSERT(wt_log_contains("pairing at Encryption: ProtectionLevelCouldNotBeMet"));
  ASSERT(wt_log_contains("pairing at Default: "));
  ASSERT(strstr(err.message, "protection level Default") != NULL);
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  wt_end(ctx);
}

/* The chain ending in success at its last step: on a Windows where PairAsync without a level
 * sets no minimum (Microsoft documents the level as a minimum; sim/winrt/README.md), the
 * device that refuses Encryption pairs at the plain step, at the level it reaches (None).
 * An explicit level stays a minimum. */
BLEC_TEST_IMPL(pair_default_level_succeeds_at_the_plain_pair_async) {
  blec_ctx *ctx = NULL;
  blec_client *c = plain_device(1, &ctx);
  blec_error err;
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(10000), &err), BLEC_ERR_PAIRING);
  ASSERT(strstr(err.message, "ProtectionLevelCouldNotBeMet") != NULL);
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_DEFAULT, blec_test_ms(10000), &err));
  ASSERT(wt_log_contains("pairing at EncryptionAndAuthentication: ProtectionLevelCouldNotBeMet"));
  ASSERT(wt_log_contains("pairing at Encryption: ProtectionLevelCouldNotBeMet"));
  ASSERT(wt_log_contains("pairing at Default: Paired"));
  ASSERT(wt_log_contains("paired (Paired): asked Default, ProtectionLevelUsed None"));
  ASSERT(blec_client_is_connected(c));
  /* Paired now: any level is "already paired". */
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(10000), &err));
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(pair_on_connect_then_unpair_ends_the_link) {
  wt_world(pair_world);
  blec_ctx *ctx = wt_ctx();
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_pair(o, true));
  blec_client *c = wt_connect(ctx, JW, o);
  blec_client_options_free(o);
  wt_disc d = {0, BLEC_DISCONNECT_REQUESTED};
  blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
  blec_error err;
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(10000), &err)); /* paired on connect */
  ASSERT_OK(blec_client_unpair(c, blec_test_ms(10000), &err));
  WT_WAIT_FOR(d.calls == 1, 5000);
  ASSERT_EQ_INT(d.reason, BLEC_DISCONNECT_UNPAIRED);
  ASSERT(!blec_client_is_connected(c));
  /* Without a link, and already unpaired: still success. */
  ASSERT_OK(blec_client_unpair(c, blec_test_ms(10000), &err));
  sim.blec_winrt_sim_drain();
  wt_dispatch_barrier(ctx);
  ASSERT_EQ_INT(d.calls, 1);
  blec_client_free(c);
  wt_end(ctx);
}
