/* SPDX-License-Identifier: MIT */
/* t_client.c — client creation, options, connect and disconnect, MTU, pairing. */
#include <string.h>

#include "blec/blec_winrt.h"
#include "fixture.h"
#include "worlds.h"

static int connect_status(fx *f, const char *addr, const blec_client_options *o, int timeout_ms, blec_error *err) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f->ctx, addr, o, &c));
  int s = blec_client_connect(c, timeout_ms, err);
  if (s != BLEC_OK) ASSERT(!blec_client_is_connected(c));
  blec_client_free(c);
  return s;
}

/* ---- creation -------------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(client_new_normalizes_the_address_and_starts_disconnected) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, "c0:07:00:00:00:07", NULL, &c));
  ASSERT_STR_EQ(blec_client_address(c), LAB_ADDR);
  ASSERT(blec_client_name(c) == NULL); /* not known before connecting */
  ASSERT(!blec_client_is_connected(c));
  ASSERT_EQ_INT(blec_client_mtu(c), 0);
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 0);
  ASSERT_EQ_INT(blec_client_service_count(c), 0);
  ASSERT(blec_client_service_at(c, 0) == NULL);
  blec_characteristic *chr = NULL;
  blec_uuid u = fx_uuid(LAB_RW);
  ASSERT_STATUS(blec_client_characteristic(c, &u, &chr), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  /* Disconnecting a client that never connected is fine. */
  ASSERT_OK(blec_client_disconnect(c, 100, NULL));
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_new_rejects_invalid_arguments) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = NULL;
  ASSERT_STATUS(blec_client_new(NULL, LAB_ADDR, NULL, &c), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_new(f.ctx, NULL, NULL, &c), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_new(f.ctx, LAB_ADDR, NULL, NULL), BLEC_ERR_INVALID_ARG);
  const char *bad[] = {"", "lab", "C0:07:00:00:00", "C0:07:00:00:00:07:00", "C0:07:00:00:00:0G", "C0.07.00.00.00.07"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int s = blec_client_new(f.ctx, bad[i], NULL, &c);
    if (s != BLEC_ERR_INVALID_ARG) blec_test_fail_(__FILE__, __LINE__, "\"%s\" gave %s", bad[i], blec_status_name(s));
  }
  ASSERT_STATUS(blec_client_new_from_device(f.ctx, NULL, NULL, &c), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_connect(NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_disconnect(NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  blec_op *op = NULL;
  ASSERT_STATUS(blec_client_connect_async(NULL, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_disconnect_async(NULL, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT(!blec_client_is_connected(NULL));
  ASSERT_EQ_INT(blec_client_mtu(NULL), 0);
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(NULL), 0);
  blec_client_set_disconnected_callback(NULL, NULL, NULL);
  blec_client_set_mtu_callback(NULL, NULL, NULL);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_options_reject_invalid_arguments) {
  blec_client_options *o = blec_client_options_new();
  ASSERT(o != NULL);
  blec_uuid u = blec_uuid_from16(0x180D);
  ASSERT_STATUS(blec_client_options_add_service(NULL, &u), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_add_service(o, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_timeout(NULL, 100), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_address_type(NULL, BLEC_ADDRESS_PUBLIC), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_address_type(o, (blec_address_type)3), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_address_type(o, (blec_address_type)-1), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_cache_mode(NULL, BLEC_CACHE_DEFAULT), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_cache_mode(o, (blec_cache_mode)3), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_pair(NULL, true), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_scan_first(NULL, true), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_discovery_retry(NULL, 1, 1), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_discovery_retry(o, -1, 100), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_options_set_discovery_retry(o, 1, -1), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_client_options_add_service(o, &u));
  ASSERT_OK(blec_client_options_set_timeout(o, 2000));
  ASSERT_OK(blec_client_options_set_address_type(o, BLEC_ADDRESS_UNSPECIFIED));
  ASSERT_OK(blec_client_options_set_cache_mode(o, BLEC_CACHE_UNCACHED));
  ASSERT_OK(blec_client_options_set_pair(o, false));
  ASSERT_OK(blec_client_options_set_scan_first(o, true));
  ASSERT_OK(blec_client_options_set_discovery_retry(o, 0, 0));
  blec_client_options_free(o);
}

/* ---- connect ------------------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(client_connects_by_address_and_learns_the_name) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &c));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  ASSERT(blec_client_is_connected(c));
  ASSERT(blec_world_peripheral_connected(fx_peripheral(&f, LAB_ADDR)));
  ASSERT_STR_EQ(blec_client_name(c), "Lab");
  ASSERT_STR_EQ(blec_client_address(c), LAB_ADDR);
  ASSERT(blec_client_service_count(c) >= 4);
  blec_client_free(c);
  WAIT_UNTIL(!blec_world_peripheral_connected(fx_peripheral(&f, LAB_ADDR)), FX_WAIT_MS);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connects_from_a_scanned_device) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device *dev = NULL;
  ASSERT_OK(blec_find_device_by_name(f.ctx, "UART Echo", blec_test_ms(FX_WAIT_MS), &dev, NULL));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new_from_device(f.ctx, dev, NULL, &c));
  blec_device_unref(dev); /* the client keeps what it needs */
  ASSERT_STR_EQ(blec_client_address(c), UART_ADDR);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT(blec_client_is_connected(c));
  ASSERT_STR_EQ(blec_client_name(c), "UART Echo");
  fx_chr(c, UART_RX);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_async_reports_through_its_callback) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, HR_ADDR, NULL, &c));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  fx_in_call(&r, true);
  ASSERT_OK(blec_client_connect_async(c, fx_op_cb, &r, &op));
  fx_in_call(&r, false);
  ASSERT_OK(fx_opres_wait(&r, 10000));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  ASSERT(blec_client_is_connected(c));
  ASSERT(blec_op_done(op));
  ASSERT_OK(blec_op_wait(op, 0));
  blec_op_free(op);
  fx_opres_init(&r);
  ASSERT_OK(blec_client_disconnect_async(c, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT(!blec_client_is_connected(c));
  ASSERT(!blec_world_peripheral_connected(fx_peripheral(&f, HR_ADDR)));
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_to_an_absent_address_is_device_not_found) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(connect_status(&f, "11:22:33:44:55:66", NULL, 300, &err), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_EQ_INT(err.status, BLEC_ERR_DEVICE_NOT_FOUND);
  /* The options' timeout bounds the scan when connect is given a negative one. */
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_timeout(o, 300));
  ASSERT_STATUS(connect_status(&f, "11:22:33:44:55:66", o, -1, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_to_a_silent_device_is_device_not_found) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_peripheral_set_advertising(fx_peripheral(&f, LAB_ADDR), false));
  ASSERT_STATUS(connect_status(&f, LAB_ADDR, NULL, 300, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_to_a_non_connectable_device_fails) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_STATUS(connect_status(&f, BEACON_ADDR, NULL, 500, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_with_a_mismatched_address_type_is_device_not_found) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_address_type(o, BLEC_ADDRESS_RANDOM));
  ASSERT_STATUS(connect_status(&f, LAB_ADDR, o, 1000, NULL), BLEC_ERR_DEVICE_NOT_FOUND); /* LAB is public */
  ASSERT_OK(connect_status(&f, UART_ADDR, o, blec_test_ms(10000), NULL));                /* UART is random */
  ASSERT_OK(blec_client_options_set_address_type(o, BLEC_ADDRESS_PUBLIC));
  ASSERT_OK(connect_status(&f, LAB_ADDR, o, blec_test_ms(10000), NULL));
  ASSERT_STATUS(connect_status(&f, UART_ADDR, o, 1000, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_while_connected_succeeds_and_while_connecting_is_busy) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  uint64_t requests = blec_world_peripheral_request_count(p);
  fx_disc d;
  fx_disc_init(&d);
  blec_client_set_disconnected_callback(c, fx_disconnected_cb, &d);
  /* Connected: a no-op that succeeds, as bleak's connect(); the link is untouched. */
  blec_error err;
  ASSERT_OK(blec_client_connect(c, 1000, &err));
  ASSERT_EQ_INT(err.status, BLEC_OK);
  fx_opres r0;
  fx_opres_init(&r0);
  blec_op *op0 = NULL;
  fx_in_call(&r0, true);
  int s0 = blec_client_connect_async(c, fx_op_cb, &r0, &op0);
  fx_in_call(&r0, false);
  ASSERT_OK(s0);
  ASSERT_OK(fx_opres_wait(&r0, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r0.ran_in_call), 0);
  blec_op_free(op0);
  ASSERT(blec_client_is_connected(c));
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), requests);
  ASSERT_EQ_INT(atomic_load(&d.count), 0);
  blec_client_free(c);
  /* Connecting: the link takes for ever. */
  ASSERT_OK(blec_world_peripheral_set_delays(fx_peripheral(&f, HR_ADDR), FX_FOREVER_MS, 0));
  ASSERT_OK(blec_client_new(f.ctx, HR_ADDR, NULL, &c));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_connect_async(c, fx_op_cb, &r, &op));
  ASSERT_STATUS(blec_client_connect(c, 1000, NULL), BLEC_ERR_BUSY);
  fx_opres r2;
  fx_opres_init(&r2);
  blec_op *op2 = NULL;
  int s = blec_client_connect_async(c, fx_op_cb, &r2, &op2);
  if (s == BLEC_OK) {
    ASSERT_STATUS(fx_opres_wait(&r2, FX_WAIT_MS), BLEC_ERR_BUSY);
    blec_op_free(op2);
  } else {
    ASSERT_STATUS(s, BLEC_ERR_BUSY);
  }
  ASSERT_OK(blec_op_cancel(op));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_CANCELLED);
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_connect_times_out_when_the_link_never_comes_up) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(p, FX_FOREVER_MS, 0));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(connect_status(&f, LAB_ADDR, NULL, 500, &err), BLEC_ERR_TIMEOUT);
  ASSERT_EQ_INT(err.status, BLEC_ERR_TIMEOUT);
  ASSERT(!blec_world_peripheral_connected(p));
  /* Same through the options' timeout. */
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_timeout(o, 500));
  ASSERT_STATUS(connect_status(&f, LAB_ADDR, o, -1, NULL), BLEC_ERR_TIMEOUT);
  /* And when discovery never answers. */
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, FX_FOREVER_MS));
  ASSERT_STATUS(connect_status(&f, LAB_ADDR, o, -1, NULL), BLEC_ERR_TIMEOUT);
  WAIT_UNTIL(!blec_world_peripheral_connected(p), FX_WAIT_MS); /* no link left behind */
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_disconnect_waits_until_the_link_is_down) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  ASSERT(blec_world_peripheral_connected(p));
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT(!blec_client_is_connected(c));
  ASSERT(!blec_world_peripheral_connected(p));
  ASSERT_EQ_INT(blec_client_mtu(c), 0);
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 0);
  ASSERT_OK(blec_client_disconnect(c, 100, NULL)); /* already disconnected */
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_reconnects_after_disconnecting) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
    ASSERT(blec_client_is_connected(c));
    uint8_t buf[16];
    ASSERT_EQ_INT(fx_read(c, fx_chr(c, LAB_RW), buf, sizeof buf), 5);
    ASSERT_MEM_EQ(buf, "hello", 5);
  }
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_free_while_connected_disconnects) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_client_free(c);
  ASSERT(!blec_world_peripheral_connected(p));
  fx_close(&f);
}

BLEC_TEST_IMPL(client_services_option_discovers_only_those_services) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  blec_uuid bat = blec_uuid_from16(0x180F), hr = blec_uuid_from16(0x180D);
  ASSERT_OK(blec_client_options_add_service(o, &bat));
  blec_client *c = fx_connect(&f, HR_ADDR, o);
  blec_client_options_free(o); /* the client keeps its own copy */
  ASSERT_EQ_INT(blec_client_service_count(c), 1);
  blec_service *svc = NULL;
  ASSERT_OK(blec_client_service(c, &bat, &svc));
  blec_uuid su = blec_service_uuid(svc);
  ASSERT(blec_uuid_equal(&su, &bat));
  ASSERT_STATUS(blec_client_service(c, &hr, &svc), BLEC_ERR_SERVICE_NOT_FOUND);
  blec_characteristic *chr = NULL;
  blec_uuid hrm = blec_uuid_from16(0x2A37);
  ASSERT_STATUS(blec_client_characteristic(c, &hrm, &chr), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  uint8_t buf[4];
  ASSERT_EQ_INT(fx_read(c, fx_chr(c, "2a19"), buf, sizeof buf), 1);
  ASSERT_EQ_INT(buf[0], 100);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_cache_modes_all_discover_the_whole_tree) {
  fx f;
  fx_open(&f, fx_world_lab());
  const blec_cache_mode modes[] = {BLEC_CACHE_UNCACHED, BLEC_CACHE_CACHED, BLEC_CACHE_DEFAULT, BLEC_CACHE_CACHED};
  blec_client_options *o = blec_client_options_new();
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    ASSERT_OK(blec_client_options_set_cache_mode(o, modes[i]));
    blec_client *c = NULL;
    ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, o, &c));
    if (modes[i] != BLEC_CACHE_DEFAULT && FX_LACKS(&f, BLEC_CAP_CACHE_MODE, blec_client_connect(c, 5000, NULL))) {
      blec_client_free(c);
      break;
    }
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
    ASSERT(blec_client_service_count(c) >= 4);
    fx_chr(c, LAB_RW);
    fx_chr(c, "aa31");
    blec_client_free(c);
  }
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_read_cached_returns_the_last_known_value) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *chr = fx_chr(c, LAB_RW);
  uint8_t buf[16];
  ASSERT_EQ_INT(fx_read(c, chr, buf, sizeof buf), 5);
  /* The peripheral's value changes without telling anyone. */
  ASSERT_OK(blec_world_set_value(fx_peripheral(&f, LAB_ADDR), blec_characteristic_handle(chr), (const uint8_t *)"bye", 3,
                                 false));
  uint8_t *d = NULL;
  size_t l = 0;
  if (FX_LACKS(&f, BLEC_CAP_CACHE_MODE, blec_client_read(c, chr, BLEC_READ_CACHED, 1000, &d, &l, NULL))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  ASSERT_OK(blec_client_read(c, chr, BLEC_READ_CACHED, blec_test_ms(FX_WAIT_MS), &d, &l, NULL));
  ASSERT_EQ_INT(l, 5);
  ASSERT_MEM_EQ(d, "hello", 5);
  blec_free(d);
  ASSERT_OK(blec_client_read(c, chr, 0, blec_test_ms(FX_WAIT_MS), &d, &l, NULL));
  ASSERT_EQ_INT(l, 3);
  ASSERT_MEM_EQ(d, "bye", 3);
  blec_free(d);
  /* The uncached read refreshed the cache. */
  ASSERT_OK(blec_client_read(c, chr, BLEC_READ_CACHED, blec_test_ms(FX_WAIT_MS), &d, &l, NULL));
  ASSERT_EQ_INT(l, 3);
  ASSERT_MEM_EQ(d, "bye", 3);
  blec_free(d);
  /* Descriptors too. */
  blec_descriptor *desc = fx_desc(c, LAB_DESC, "aa50");
  ASSERT_OK(blec_client_read_descriptor(c, desc, BLEC_READ_CACHED, blec_test_ms(FX_WAIT_MS), &d, &l, NULL));
  ASSERT_EQ_INT(l, 1);
  blec_free(d);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_without_scan_first_connects_to_a_device_advertising_or_not) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, o, &c));
  if (FX_LACKS(&f, BLEC_CAP_CONNECT_WITHOUT_SCAN, blec_client_connect(c, 2000, NULL))) {
    blec_client_free(c);
    blec_client_options_free(o);
    fx_close(&f);
    return;
  }
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_without_scan_first_reaches_a_device_connected_elsewhere) {
  /* BUSY is connected to another central and so does not advertise; QUIET is silent and
   * connected nowhere. */
  fx f;
  fx_open(&f, fx_world_lab_plus("peripheral C0:09:00:00:00:09 public\n"
                                "  name \"Busy\"\n"
                                "  connected-elsewhere yes\n"
                                "  service ff00\n"
                                "    characteristic ff01 read text:\"busy\"\n"
                                "peripheral C0:0A:00:00:00:0A public\n"
                                "  name \"Quiet\"\n"
                                "  advertising no\n"
                                "  service ff00\n"
                                "    characteristic ff01 read text:\"quiet\"\n"));
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, "C0:09:00:00:00:09", o, &c));
  if (!FX_LACKS(&f, BLEC_CAP_CONNECT_WITHOUT_SCAN, blec_client_connect(c, 2000, NULL))) {
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
    uint8_t buf[16];
    ASSERT_EQ_INT(fx_read(c, fx_chr(c, "ff01"), buf, sizeof buf), 4);
    ASSERT_MEM_EQ(buf, "busy", 4);
    ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
    /* Silent and connected nowhere: not found even without scanning. */
    blec_client *q = NULL;
    ASSERT_OK(blec_client_new(f.ctx, "C0:0A:00:00:00:0A", o, &q));
    ASSERT_STATUS(blec_client_connect(q, 2000, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
    blec_client_free(q);
  }
  blec_client_free(c);
  blec_client_options_free(o);
  /* Scanning first cannot find it. */
  ASSERT_STATUS(connect_status(&f, "C0:09:00:00:00:09", NULL, 500, NULL), BLEC_ERR_DEVICE_NOT_FOUND);
  fx_close(&f);
}

/* ---- MTU ------------------------------------------------------------------------------------------------- */

typedef struct mtu_rec {
  atomic_int calls;
  atomic_int last;
} mtu_rec;

static void mtu_cb(blec_client *c, int mtu, void *user) {
  (void)c;
  mtu_rec *r = user;
  atomic_store(&r->last, mtu);
  atomic_fetch_add(&r->calls, 1);
}

BLEC_TEST_IMPL(client_mtu_is_negotiated_when_connect_returns) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_peripheral_set_mtu(fx_peripheral(&f, LAB_ADDR), 100));
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  ASSERT_EQ_INT(blec_client_mtu(c), 100);
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 97);
  blec_characteristic *chr = fx_chr(c, LAB_WWR);
  ASSERT_EQ_INT(blec_characteristic_max_write_without_response_size(chr), 97);
  /* A write of exactly that size goes through. */
  uint8_t big[97];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)i;
  ASSERT_OK(blec_client_write(c, chr, big, sizeof big, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  uint16_t h = blec_characteristic_handle(chr);
  uint8_t *v = NULL;
  size_t vl = 0;
  for (uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);;) {
    ASSERT_OK(blec_world_get_value(p, h, &v, &vl));
    bool ok = vl == sizeof big && memcmp(v, big, vl) == 0;
    blec_free(v);
    if (ok) break;
    ASSERT(fx_now_ms() < dl);
    fx_sleep_ms(2);
  }
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_mtu_callback_reports_the_live_mtu) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_peripheral_set_mtu(fx_peripheral(&f, LAB_ADDR), 185));
  mtu_rec r;
  atomic_init(&r.calls, 0);
  atomic_init(&r.last, 0);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &c));
  blec_client_set_mtu_callback(c, mtu_cb, &r);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT_EQ_INT(blec_client_mtu(c), 185);
  if (!fx_cap(&f, BLEC_CAP_MTU_EVENTS)) {
    fx_note_unsupported("BLEC_CAP_MTU_EVENTS (callback not required)");
  } else {
    WAIT_UNTIL(atomic_load(&r.last) == 185, FX_WAIT_MS);
    fx_settle(&f);
    ASSERT_EQ_INT(atomic_load(&r.last), 185); /* no stale value after the live one */
  }
  blec_client_free(c);
  fx_close(&f);
}

/* ---- pairing ------------------------------------------------------------------------------------------------ */

static void assert_read_att(blec_client *c, const char *chr_uuid, int want1, int want2) {
  uint8_t *d = NULL;
  size_t l = 0;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_read(c, fx_chr(c, chr_uuid), 0, blec_test_ms(FX_WAIT_MS), &d, &l, &err), BLEC_ERR_ATT);
  ASSERT(d == NULL);
  if (err.att_error != want1 && err.att_error != want2)
    blec_test_fail_(__FILE__, __LINE__, "ATT error 0x%02X, wanted 0x%02X or 0x%02X", err.att_error, want1, want2);
  char buf[256];
  blec_error_format(&err, buf, sizeof buf);
  ASSERT(strstr(buf, blec_att_error_name(err.att_error)) != NULL);
}

static void assert_read_value(blec_client *c, const char *chr_uuid, const char *want) {
  uint8_t buf[32];
  size_t l = fx_read(c, fx_chr(c, chr_uuid), buf, sizeof buf);
  ASSERT_EQ_INT(l, strlen(want));
  ASSERT_MEM_EQ(buf, want, l);
}

BLEC_TEST_IMPL(client_read_needing_security_fails_with_att_error_until_paired) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, SECURE_ADDR, NULL);
  assert_read_value(c, "bb03", "open");
  if (!fx_cap(&f, BLEC_CAP_SECURITY_ERRORS)) {
    /* The OS pairs by itself on the ATT error and retries: the read succeeds. */
    fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "the ATT error before pairing");
    assert_read_value(c, "bb01", "secret");
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  assert_read_att(c, "bb01", BLEC_ATT_INSUFFICIENT_AUTHENTICATION, BLEC_ATT_INSUFFICIENT_ENCRYPTION);
  blec_error err;
  blec_error_clear(&err);
  if (FX_LACKS(&f, BLEC_CAP_PAIRING, blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, 1000, &err))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), &err));
  ASSERT(blec_client_is_connected(c));
  assert_read_value(c, "bb01", "secret");
  /* Encryption is not authentication. */
  assert_read_att(c, "bb02", BLEC_ATT_INSUFFICIENT_AUTHENTICATION, BLEC_ATT_INSUFFICIENT_AUTHENTICATION);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_pair_beyond_what_the_peripheral_can_do_fails) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, SECURE_ADDR, NULL);
  blec_error err;
  blec_error_clear(&err);
  if (FX_LACKS(&f, BLEC_CAP_PAIRING, blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, 1000, &err))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(FX_WAIT_MS), &err),
                BLEC_ERR_PAIRING);
  ASSERT_EQ_INT(err.status, BLEC_ERR_PAIRING);
  if (fx_cap(&f, BLEC_CAP_PAIRING_LEVELS))
    assert_read_att(c, "bb01", BLEC_ATT_INSUFFICIENT_AUTHENTICATION, BLEC_ATT_INSUFFICIENT_ENCRYPTION);
  else /* the OS kept the bond it reached (encryption) */
    fx_note_skipped("BLEC_CAP_PAIRING_LEVELS", "that no bond is left by a level not reached");
  /* Lower levels work. */
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_DEFAULT, blec_test_ms(FX_WAIT_MS), &err));
  assert_read_value(c, "bb01", "secret");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_pair_rejects_bad_levels_and_needs_a_connection) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, SECURE_ADDR, NULL, &c));
  blec_op *op = NULL;
  if (FX_LACKS(&f, BLEC_CAP_PAIRING, blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, 1000, NULL))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  ASSERT_STATUS(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, 1000, NULL), BLEC_ERR_NOT_CONNECTED);
  ASSERT_STATUS(blec_client_pair(NULL, BLEC_PROTECTION_ENCRYPTION, 1000, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_pair_async(NULL, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  ASSERT_STATUS(blec_client_pair(c, (blec_protection_level)4, 1000, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_pair(c, (blec_protection_level)-1, 1000, NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_pair_async_and_pairing_survives_reconnection) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, SECURE_ADDR, NULL);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  if (FX_LACKS(&f, BLEC_CAP_PAIRING, blec_client_pair_async(c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  fx_in_call(&r, true);
  ASSERT_OK(blec_client_pair_async(c, BLEC_PROTECTION_ENCRYPTION, fx_op_cb, &r, &op));
  fx_in_call(&r, false);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  blec_op_free(op);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  assert_read_value(c, "bb01", "secret");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_pair_before_connect_option_pairs_during_connect) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_pair(o, true));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, SECURE_ADDR, o, &c));
  blec_client_options_free(o);
  if (FX_LACKS(&f, BLEC_CAP_PAIRING, blec_client_connect(c, 2000, NULL))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  assert_read_value(c, "bb01", "secret");
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_unpair_removes_the_bond_and_disconnects) {
  fx f;
  fx_open(&f, fx_world_lab());
  fx_disc d;
  fx_disc_init(&d);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, SECURE_ADDR, NULL, &c));
  blec_client_set_disconnected_callback(c, fx_disconnected_cb, &d);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  if (FX_LACKS(&f, BLEC_CAP_UNPAIR, blec_client_unpair(c, 1000, NULL))) {
    blec_client_free(c);
    fx_close(&f);
    return;
  }
  if (fx_cap(&f, BLEC_CAP_PAIRING)) ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_OK(blec_client_unpair(c, blec_test_ms(FX_WAIT_MS), &err));
  WAIT_UNTIL(atomic_load(&d.count) >= 1, FX_WAIT_MS);
  ASSERT(!blec_client_is_connected(c));
  ASSERT_EQ_INT(atomic_load(&d.reason), BLEC_DISCONNECT_UNPAIRED);
  fx_settle_client(&f, c);
  ASSERT_EQ_INT(atomic_load(&d.count), 1);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  if (fx_cap(&f, BLEC_CAP_SECURITY_ERRORS))
    assert_read_att(c, "bb01", BLEC_ATT_INSUFFICIENT_AUTHENTICATION, BLEC_ATT_INSUFFICIENT_ENCRYPTION);
  else /* a read would make the OS pair again by itself */
    fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "the ATT error of the removed bond");
  /* The async form, too (unpairing without a bond keeps the link: pair first). */
  if (fx_cap(&f, BLEC_CAP_PAIRING)) ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(FX_WAIT_MS), NULL));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_unpair_async(c, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  WAIT_UNTIL(atomic_load(&d.count) >= 2, FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&d.reason), BLEC_DISCONNECT_UNPAIRED);
  blec_op_free(op);
  ASSERT_STATUS(blec_client_unpair(NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  fx_close(&f);
}

/* ---- several clients ------------------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(clients_of_different_peripherals_work_side_by_side) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *a = fx_connect(&f, LAB_ADDR, NULL);
  blec_client *b = fx_connect(&f, HR_ADDR, NULL);
  blec_client *u = fx_connect(&f, UART_ADDR, NULL);
  assert_read_value(a, LAB_RW, "hello");
  uint8_t buf[4];
  ASSERT_EQ_INT(fx_read(b, fx_chr(b, "2a38"), buf, sizeof buf), 1);
  ASSERT_EQ_INT(buf[0], 1);
  ASSERT_OK(blec_client_disconnect(b, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT(blec_client_is_connected(a));
  ASSERT(blec_client_is_connected(u));
  assert_read_value(a, LAB_CONST, "const");
  blec_client_free(a);
  blec_client_free(b);
  blec_client_free(u);
  fx_close(&f);
}

/* ---- discovery retries ----------------------------------------------------------------------------------- */

static const char unreachable_world[] =
    "blec-world 1\n"
    "peripheral C0:0B:00:00:00:0B public\n"
    "  name \"Flaky\"\n"
    "  fault discovery-unreachable 2\n"
    "  service ff00\n"
    "    characteristic ff01 read text:\"flaky\"\n";

BLEC_TEST_IMPL(client_discovery_retries_unreachable_as_the_options_say) {
  fx f;
  fx_open(&f, fx_world_text(unreachable_world));
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_discovery_retry(o, 3, 10));
  ASSERT_OK(blec_client_options_set_cache_mode(o, BLEC_CACHE_UNCACHED));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, "C0:0B:00:00:00:0B", o, &c));
  blec_error err;
  blec_error_clear(&err);
  int s = blec_client_connect(c, blec_test_ms(10000), &err);
  if (!fx_cap(&f, BLEC_CAP_CACHE_MODE) && s == BLEC_ERR_NOT_SUPPORTED) {
    fx_note_unsupported("BLEC_CAP_CACHE_MODE");
  } else {
    ASSERT_OK(s); /* two Unreachable answers, then the tree */
    uint8_t buf[8];
    ASSERT_EQ_INT(fx_read(c, fx_chr(c, "ff01"), buf, sizeof buf), 5);
  }
  blec_client_free(c);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_discovery_gives_up_with_unreachable_after_its_retries) {
  fx f;
  fx_open(&f, fx_world_text(unreachable_world));
  blec_world_peripheral *p = fx_peripheral(&f, "C0:0B:00:00:00:0B");
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_discovery_retry(o, 1, 10));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, "C0:0B:00:00:00:0B", o, &c));
  blec_error err;
  blec_error_clear(&err);
  int s = blec_client_connect(c, blec_test_ms(10000), &err);
  ASSERT(s != BLEC_OK);
  ASSERT_EQ_INT(err.status, s);
  if (!fx_cap(&f, BLEC_CAP_DISCOVERY_RETRY)) {
    /* The OS's own discovery got no answer: the connect failed and the link is gone. */
    fx_note_skipped("BLEC_CAP_DISCOVERY_RETRY", "the Unreachable status and the retries");
    ASSERT(!blec_client_is_connected(c));
    WAIT_UNTIL(!blec_world_peripheral_connected(p), FX_WAIT_MS);
    blec_client_free(c);
    blec_client_options_free(o);
    fx_close(&f);
    return;
  }
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_UNREACHABLE);
  char buf[256];
  blec_error_format(&err, buf, sizeof buf);
  ASSERT(strstr(buf, "Unreachable") != NULL);
  ASSERT(!blec_client_is_connected(c));
  WAIT_UNTIL(!blec_world_peripheral_connected(p), FX_WAIT_MS);
  /* No retries at all: the first Unreachable fails the connect. */
  ASSERT_OK(blec_client_options_set_discovery_retry(o, 0, 0));
  blec_client_free(c);
  ASSERT_OK(blec_client_new(f.ctx, "C0:0B:00:00:00:0B", o, &c));
  blec_error_clear(&err);
  ASSERT(blec_client_connect(c, blec_test_ms(10000), &err) != BLEC_OK);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_UNREACHABLE);
  blec_client_free(c);
  blec_client_options_free(o);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_reads_without_pairing_when_already_bonded) {
  fx f;
  fx_open(&f, fx_world_text("blec-world 1\n"
                            "peripheral C0:0C:00:00:00:0C public\n"
                            "  name \"Bonded\"\n"
                            "  pairing encryption\n"
                            "  bonded encryption\n"
                            "  service bb00\n"
                            "    characteristic bb01 read text:\"secret\"\n"
                            "      security encryption\n"));
  blec_client *c = fx_connect(&f, "C0:0C:00:00:00:0C", NULL);
  assert_read_value(c, "bb01", "secret");
  blec_client_free(c);
  fx_close(&f);
}
