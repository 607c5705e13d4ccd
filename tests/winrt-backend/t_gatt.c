/* SPDX-License-Identifier: MIT */
/* t_gatt.c — discovery, reads, writes and notifications on the winrt backend. */
#include "wr_test.h"

BLEC_TEST_IMPL(services_tree) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_service *svc = NULL;
  blec_uuid aa00 = blec_uuid_from16(0xaa00), hid = blec_uuid_from16(0x1812);
  ASSERT_STATUS(blec_client_service(c, &hid, &svc), BLEC_ERR_SERVICE_NOT_FOUND); /* denied: skipped */
  ASSERT_OK(blec_client_service(c, &aa00, &svc));
  ASSERT_EQ_INT(blec_service_characteristic_count(svc), 4);
  blec_characteristic *aa01 = blec_service_characteristic_at(svc, 0);
  uint16_t u16 = 0;
  blec_uuid u = blec_characteristic_uuid(aa01);
  ASSERT(blec_uuid_to16(&u, &u16));
  ASSERT_EQ_INT(u16, 0xaa01);
  ASSERT_EQ_INT(blec_characteristic_properties(aa01), BLEC_PROP_READ | BLEC_PROP_WRITE);
  ASSERT_EQ_INT(blec_characteristic_descriptor_count(aa01), 1);
  blec_characteristic *aa06 = blec_service_characteristic_at(svc, 3);
  ASSERT_EQ_INT(blec_characteristic_properties(aa06), BLEC_PROP_NOTIFY);
  blec_uuid cccd = blec_uuid_from16(0x2902);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_characteristic_descriptor(aa06, &cccd, &d));
  ASSERT(blec_descriptor_handle(d) > blec_characteristic_handle(aa06));
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(read_write) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_characteristic *aa01 = wt_chr(c, 0xaa01);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(data, "hello", 5);
  blec_free(data);
  ASSERT_OK(blec_client_write(c, aa01, (const uint8_t *)"bye", 3, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 3);
  ASSERT_MEM_EQ(data, "bye", 3);
  blec_free(data);
  blec_descriptor *d = blec_characteristic_descriptor_at(aa01, 0);
  ASSERT(d != NULL);
  ASSERT_OK(blec_client_read_descriptor(c, d, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 9);
  ASSERT_MEM_EQ(data, "lab value", 9);
  blec_free(data);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT_STATUS(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err), BLEC_ERR_NOT_CONNECTED);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(notify) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_characteristic *rx = wt_chr(c, 0xaa05), *tx = wt_chr(c, 0xaa06);
  wt_values v;
  wt_values_init(&v);
  blec_error err;
  ASSERT_OK(blec_client_start_notify(c, tx, 0, wt_on_value, &v, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_write(c, rx, (const uint8_t *)"ping", 4, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  WT_WAIT_FOR(wt_values_count(&v) > 0, 3000);
  ASSERT_EQ_INT(v.last_len, 4);
  ASSERT_MEM_EQ(v.last, "ping", 4);
  ASSERT_OK(blec_client_stop_notify(c, tx, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_write(c, rx, (const uint8_t *)"pong", 4, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  /* Once the stack delivered everything and the dispatcher ran what it had: nothing more. */
  sim.blec_winrt_sim_drain();
  wt_dispatch_barrier(ctx);
  ASSERT_EQ_INT(wt_values_count(&v), 1);
  blec_client_free(c);
  wt_end(ctx);
  wt_values_free(&v);
}

BLEC_TEST_IMPL(att_error_mapping) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_FLAKY, NULL);
  blec_characteristic *ff01 = wt_chr(c, 0xff01);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  /* Requests of the connection: the second answers ATT 0x0e. */
  int r1 = blec_client_read(c, ff01, 0, blec_test_ms(5000), &data, &len, &err);
  if (r1 == BLEC_OK) blec_free(data);
  int r2 = blec_client_read(c, ff01, 0, blec_test_ms(5000), &data, &len, &err);
  if (r2 == BLEC_OK) blec_free(data);
  ASSERT(r1 == BLEC_ERR_ATT || r2 == BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.status, BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, 0x0e);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  blec_client_free(c);
  wt_end(ctx);
}
