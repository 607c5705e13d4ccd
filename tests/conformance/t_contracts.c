/* SPDX-License-Identifier: MIT */
/*
 * t_contracts.c — contracts settled after the first review of the API: GATT objects of an
 * earlier connection, unpairing a disconnected client, joining a disconnection already
 * in progress, and the name pointer's lifetime.
 */
#include <stdatomic.h>
#include <string.h>

#include "fixture.h"
#include "worlds.h"

BLEC_TEST_IMPL(characteristic_of_an_earlier_connection_acts_on_the_same_attribute_now) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  /* Discovered again each time (the default mode gives a new tree too where cache modes are the OS's). */
  if (fx_cap(&f, BLEC_CAP_CACHE_MODE)) ASSERT_OK(blec_client_options_set_cache_mode(o, BLEC_CACHE_UNCACHED));
  blec_client *c = fx_connect(&f, LAB_ADDR, o);
  blec_characteristic *old = fx_chr(c, LAB_RW);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  /* Not connected: the old object is refused as "not connected", not misused. */
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_STATUS(blec_client_read(c, old, 0, 1000, &d, &len, NULL), BLEC_ERR_NOT_CONNECTED);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  /* The same database: the same objects (no new tree, pointers never change). */
  ASSERT(fx_chr(c, LAB_RW) == old);
  ASSERT_OK(blec_client_read(c, old, 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(d, "hello", 5);
  blec_free(d);
  blec_client_free(c);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(changed_database_keeps_the_replaced_objects_until_the_next_connect) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  /* Discovered again at each connect (the default mode does so where cache modes are the OS's). */
  if (fx_cap(&f, BLEC_CAP_CACHE_MODE)) ASSERT_OK(blec_client_options_set_cache_mode(o, BLEC_CACHE_UNCACHED));
  blec_client *c = fx_connect(&f, LAB_ADDR, o);
  blec_characteristic *old = fx_chr(c, LAB_RW);
  size_t nsvcs = blec_client_service_count(c);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  /* The peripheral's database changes while it is disconnected (a firmware update). */
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  blec_uuid su = fx_uuid("ab00"), cu = fx_uuid("ab01");
  ASSERT_OK(blec_world_add_service(p, &su, NULL));
  ASSERT_OK(blec_world_add_characteristic(p, &cu, BLEC_PROP_READ, (const uint8_t *)"new", 3, NULL));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT_EQ_INT(blec_client_service_count(c), nsvcs + 1);
  blec_characteristic *now = fx_chr(c, LAB_RW);
  ASSERT(now != old); /* a new tree */
  ASSERT_EQ_INT(blec_characteristic_handle(now), blec_characteristic_handle(old));
  /* The replaced tree's objects still work until the next connect: matched by handle and UUID. */
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read(c, old, 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 5);
  blec_free(d);
  ASSERT_EQ_INT(blec_characteristic_handle(old), blec_characteristic_handle(now));
  /* The next connect releases them: the library refuses the stale pointer without reading it. */
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT(fx_chr(c, LAB_RW) == now); /* unchanged since: the same objects */
  d = NULL;
  ASSERT_STATUS(blec_client_read(c, old, 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT(d == NULL);
  blec_client_free(c);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(unpair_without_a_connection_removes_the_bond) {
  fx f;
  fx_open(&f, fx_world_lab());
  if (!fx_cap(&f, BLEC_CAP_UNPAIR) || !fx_cap(&f, BLEC_CAP_PAIRING)) {
    fx_note_unsupported("BLEC_CAP_UNPAIR/BLEC_CAP_PAIRING");
    fx_close(&f);
    return;
  }
  blec_client *c = fx_connect(&f, SECURE_ADDR, NULL);
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  uint8_t buf[16];
  ASSERT(fx_read(c, fx_chr(c, "bb01"), buf, sizeof buf) > 0); /* paired: readable */
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_OK(blec_client_unpair(c, blec_test_ms(FX_WAIT_MS), NULL)); /* as bleak: no link needed */
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  if (!fx_cap(&f, BLEC_CAP_SECURITY_ERRORS)) {
    /* A read would make the OS pair again by itself: the bond's absence is not visible. */
    fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "the ATT error of the removed bond");
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  int s = blec_client_read(c, fx_chr(c, "bb01"), 0, blec_test_ms(FX_WAIT_MS), &d, &len, &err);
  ASSERT_EQ_INT(s, BLEC_ERR_ATT); /* the bond is gone */
  ASSERT(err.att_error == BLEC_ATT_INSUFFICIENT_AUTHENTICATION || err.att_error == BLEC_ATT_INSUFFICIENT_ENCRYPTION);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(disconnect_async_joins_a_disconnection_in_progress) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_disc d;
  fx_disc_init(&d);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_client_set_disconnected_callback(c, fx_disconnected_cb, &d);
  fx_opres r1, r2;
  fx_opres_init(&r1);
  fx_opres_init(&r2);
  blec_op *op1 = NULL, *op2 = NULL;
  ASSERT_OK(blec_client_disconnect_async(c, fx_op_cb, &r1, &op1));
  ASSERT_OK(blec_client_disconnect_async(c, fx_op_cb, &r2, &op2));
  ASSERT_OK(fx_opres_wait(&r1, FX_WAIT_MS));
  ASSERT_OK(fx_opres_wait(&r2, FX_WAIT_MS));
  ASSERT(!blec_client_is_connected(c));
  WAIT_UNTIL(atomic_load(&d.count) >= 1, FX_WAIT_MS);
  fx_settle_client(&f, c);
  ASSERT_EQ_INT(atomic_load(&d.count), 1); /* one disconnection, reported once */
  ASSERT_EQ_INT(atomic_load(&d.reason), BLEC_DISCONNECT_REQUESTED);
  blec_op_free(op1);
  blec_op_free(op2);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_name_pointer_stays_valid_across_reconnections) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  const char *name = blec_client_name(c);
  ASSERT(name != NULL);
  char copy[64];
  strncpy(copy, name, sizeof copy - 1);
  copy[sizeof copy - 1] = '\0';
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  }
  ASSERT_STR_EQ(name, copy); /* the first pointer is still readable (ASan checks it) */
  ASSERT_STR_EQ(blec_client_name(c), copy);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(disconnect_that_times_out_leaves_the_client_free_to_connect_again) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  for (int i = 0; i < 20; i++) {
    /* 0 ms: the close has no time to finish; the link is then treated as closed. */
    int s = blec_client_disconnect(c, 0, NULL);
    ASSERT(s == BLEC_OK || s == BLEC_ERR_TIMEOUT);
    ASSERT(!blec_client_is_connected(c));
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
    ASSERT(blec_client_is_connected(c));
    uint8_t buf[8];
    ASSERT_EQ_INT(fx_read(c, fx_chr(c, LAB_CONST), buf, sizeof buf), 5);
  }
  blec_client_free(c);
  fx_close(&f);
}
