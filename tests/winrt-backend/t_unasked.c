/* SPDX-License-Identifier: MIT */
/*
 * t_unasked.c — "a service not asked for can no longer fail the connect" (issue 11) for
 * every way a service's characteristic discovery can fail on Windows, beside the denied
 * one of t_denied.c: GattCommunicationStatus Unreachable, ProtocolError with an ATT code,
 * and no answer at all. With a services subset (GetGattServicesForUuidAsync) the failing
 * service is never opened: the connect succeeds and the service asked for works. Without
 * one, the discovery fails on the failing service as bleak's get_services does, with a
 * detail naming it; a service that never answers ends with the connect's timeout, and
 * nothing of the link is left behind.
 */
#include "wr_test.h"

#include <string.h>

/* The failing service comes first, so that a discovery of every service meets it before
 * the one asked for. */
static const char unasked_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:41 public\n"
    "  adv-interval 20ms\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"b\"\n"
    "  service aa00\n"
    "    characteristic aa01 read text:\"a\"\n"
    "  service cc00\n"
    "    characteristic cc01 read text:\"c\"\n";
#define DEV "AA:00:00:00:00:41"
#define FAILING_SERVICE "bb00"
#define FAILING_SERVICE_TEXT "0000bb00-0000-1000-8000-00805f9b34fb"

static void set_fault(int fault, int att) {
  ASSERT_OK(sim.blec_winrt_sim_set_service_fault(DEV, FAILING_SERVICE, fault, att));
}

/* With only aa00 asked for: the connect succeeds, the tree is aa00 alone and it works. */
static void connect_with_the_subset(blec_ctx *ctx) { wt_check_subset_connect(ctx, DEV, 0xaa00, 0xaa01, 'a'); }

/* Every service: the connect fails; returns its status with err filled. The link is gone
 * afterwards (the peripheral sees no central). */
static int connect_all_services(blec_ctx *ctx, int timeout_ms, blec_error *err) {
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_discovery_retry(o, 1, 10)); /* Unreachable: retried once */
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, DEV, o, &c));
  blec_client_options_free(o);
  blec_error_clear(err);
  int s = blec_client_connect(c, timeout_ms, err);
  ASSERT(s != BLEC_OK);
  ASSERT_EQ_INT(err->status, s);
  ASSERT(!blec_client_is_connected(c));
  blec_client_free(c);
  WT_WAIT_FOR(sim.blec_winrt_sim_peripheral_connected(DEV) == 0, 5000);
  wt_check_heaps();
  return s;
}

BLEC_TEST_IMPL(unasked_service_unreachable_cannot_fail_the_connect) {
  wt_world(unasked_world);
  set_fault(BLEC_WINRT_SIM_SERVICE_UNREACHABLE, 0);
  blec_ctx *ctx = wt_ctx_logged();
  connect_with_the_subset(ctx);
  blec_error err;
  connect_all_services(ctx, blec_test_ms(10000), &err);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_UNREACHABLE);
  ASSERT(strstr(err.message, FAILING_SERVICE_TEXT) != NULL);
  ASSERT(strstr(err.message, "unreachable") != NULL);
  ASSERT(wt_log_contains("Unreachable, retrying")); /* the options' retry, then the failure */
  /* The fault taken back: every service again. */
  set_fault(BLEC_WINRT_SIM_SERVICE_OK, 0);
  blec_client *c = wt_connect(ctx, DEV, NULL);
  ASSERT_EQ_INT(blec_client_service_count(c), 3);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(unasked_service_protocol_error_cannot_fail_the_connect) {
  wt_world(unasked_world);
  set_fault(BLEC_WINRT_SIM_SERVICE_PROTOCOL_ERROR, 0x0e); /* Unlikely Error */
  blec_ctx *ctx = wt_ctx();
  connect_with_the_subset(ctx);
  blec_error err;
  ASSERT_EQ_INT(connect_all_services(ctx, blec_test_ms(10000), &err), BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, 0x0e);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  ASSERT(strstr(err.message, FAILING_SERVICE_TEXT) != NULL);
  ASSERT(strstr(err.message, "0x0e") != NULL);
  wt_end(ctx);
}

/* A service whose characteristic discovery never answers: with the subset it is never
 * asked; without, the connect ends with its timeout, the pending operation is cancelled
 * and the link let go (wt_end checks that no object of the stack is left). */
BLEC_TEST_IMPL(unasked_service_that_never_answers_cannot_fail_the_connect) {
  wt_world(unasked_world);
  set_fault(BLEC_WINRT_SIM_SERVICE_NO_ANSWER, 0);
  blec_ctx *ctx = wt_ctx();
  connect_with_the_subset(ctx);
  blec_error err;
  ASSERT_EQ_INT(connect_all_services(ctx, blec_test_ms(1500), &err), BLEC_ERR_TIMEOUT);
  /* The device is usable again right away with the subset. */
  connect_with_the_subset(ctx);
  wt_end(ctx);
}
