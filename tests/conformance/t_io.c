/* SPDX-License-Identifier: MIT */
/* t_io.c — reads, writes, notifications and indications, and their error kinds. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "worlds.h"

typedef struct lab {
  fx f;
  blec_client *c;
  blec_world_peripheral *p;
} lab;

static void lab_open(lab *l) {
  fx_open(&l->f, fx_world_lab());
  l->c = fx_connect(&l->f, LAB_ADDR, NULL);
  l->p = fx_peripheral(&l->f, LAB_ADDR);
}

static void lab_close(lab *l) {
  blec_client_free(l->c);
  fx_close(&l->f);
}

/* The world value of a handle equals data (polling: writes without response land later). */
static bool world_value_is(blec_world_peripheral *p, uint16_t h, const void *data, size_t len) {
  uint8_t *v = NULL;
  size_t vl = 0;
  ASSERT_OK(blec_world_get_value(p, h, &v, &vl));
  bool eq = vl == len && (len == 0 || memcmp(v, data, len) == 0);
  blec_free(v);
  return eq;
}

/* Next request of the current (first) connection answers `att`. */
static void fault_next(lab *l, int att) {
  ASSERT_OK(blec_world_fault_att_error(l->p, (int)blec_world_peripheral_request_count(l->p) + 1, att));
}

/* ---- reads -------------------------------------------------------------------------------------- */

BLEC_TEST_IMPL(client_read_returns_the_value_in_new_memory) {
  lab l;
  lab_open(&l);
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_OK(blec_client_read(l.c, fx_chr(l.c, LAB_RW), 0, blec_test_ms(FX_WAIT_MS), &d, &len, &err));
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(d, "hello", 5);
  blec_free(d);
  /* An empty value is a success with len 0. */
  ASSERT_OK(blec_world_set_value(l.p, blec_characteristic_handle(fx_chr(l.c, LAB_RW)), NULL, 0, false));
  len = 99;
  ASSERT_OK(blec_client_read(l.c, fx_chr(l.c, LAB_RW), 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 0);
  blec_free(d);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_read_async_hands_the_bytes_to_the_operation) {
  lab l;
  lab_open(&l);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  fx_in_call(&r, true);
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_CONST), 0, fx_op_cb, &r, &op));
  fx_in_call(&r, false);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  ASSERT(r.has_data);
  ASSERT_EQ_INT(r.len, 5);
  ASSERT_MEM_EQ(r.data, "const", 5);
  size_t len = 0;
  const uint8_t *d = blec_op_data(op, &len);
  ASSERT(d != NULL);
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(d, "const", 5);
  ASSERT_OK(blec_op_error(op)->status);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_read_descriptor_returns_its_value) {
  lab l;
  lab_open(&l);
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read_descriptor(l.c, fx_desc(l.c, LAB_DESC, "2901"), 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 9);
  ASSERT_MEM_EQ(d, "lab value", 9);
  blec_free(d);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_descriptor_async(l.c, fx_desc(l.c, LAB_DESC, "aa50"), 0, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(r.len, 1);
  ASSERT_EQ_INT(r.data[0], 0x00);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_read_reports_att_error_code_and_name) {
  lab l;
  lab_open(&l);
  const int codes[] = {BLEC_ATT_INVALID_HANDLE, BLEC_ATT_READ_NOT_PERMITTED, BLEC_ATT_INSUFFICIENT_AUTHENTICATION,
                       BLEC_ATT_UNLIKELY_ERROR, BLEC_ATT_VALUE_NOT_ALLOWED, 0x80, 0xFD};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (codes[i] == BLEC_ATT_INSUFFICIENT_AUTHENTICATION && !fx_cap(&l.f, BLEC_CAP_SECURITY_ERRORS)) {
      fx_note_skipped("BLEC_CAP_SECURITY_ERRORS", "Insufficient Authentication reaching the program");
      continue;
    }
    fault_next(&l, codes[i]);
    uint8_t *d = NULL;
    size_t len = 0;
    blec_error err;
    blec_error_clear(&err);
    ASSERT_STATUS(blec_client_read(l.c, fx_chr(l.c, LAB_RW), 0, blec_test_ms(FX_WAIT_MS), &d, &len, &err), BLEC_ERR_ATT);
    ASSERT(d == NULL);
    ASSERT_EQ_INT(err.status, BLEC_ERR_ATT);
    ASSERT_EQ_INT(err.att_error, codes[i]);
    char buf[256];
    blec_error_format(&err, buf, sizeof buf);
    char hex[8];
    snprintf(hex, sizeof hex, "0x%02X", codes[i]);
    if (!strstr(buf, hex) || !strstr(buf, blec_att_error_name(codes[i])))
      blec_test_fail_(__FILE__, __LINE__, "\"%s\" lacks %s or %s", buf, hex, blec_att_error_name(codes[i]));
  }
  /* The link survives ATT errors. */
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(l.c, fx_chr(l.c, LAB_RW), buf, sizeof buf), 5);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_async_operations_report_att_errors_in_op_error) {
  lab l;
  lab_open(&l);
  /* A code every OS passes on (one that pairs by itself on a security error would not). */
  const int code = fx_cap(&l.f, BLEC_CAP_SECURITY_ERRORS) ? BLEC_ATT_INSUFFICIENT_ENCRYPTION
                                                          : BLEC_ATT_INSUFFICIENT_RESOURCES;
  fault_next(&l, code);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_ATT);
  ASSERT_EQ_INT(r.err.att_error, code);
  ASSERT_EQ_INT(blec_op_error(op)->att_error, code);
  ASSERT_STATUS(blec_op_status(op), BLEC_ERR_ATT);
  ASSERT_STATUS(blec_op_wait(op, 0), BLEC_ERR_ATT);
  blec_op_free(op);
  fault_next(&l, BLEC_ATT_WRITE_NOT_PERMITTED);
  fx_opres_init(&r);
  ASSERT_OK(blec_client_write_async(l.c, fx_chr(l.c, LAB_RW), (const uint8_t *)"x", 1, BLEC_WRITE_WITH_RESPONSE,
                                    fx_op_cb, &r, &op));
  ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_ATT);
  ASSERT_EQ_INT(r.err.att_error, BLEC_ATT_WRITE_NOT_PERMITTED);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_read_times_out_and_the_link_survives) {
  lab l;
  lab_open(&l);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 3000)); /* 300 ms of real time */
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_read(l.c, fx_chr(l.c, LAB_RW), 0, 50, &d, &len, &err), BLEC_ERR_TIMEOUT);
  ASSERT_EQ_INT(err.status, BLEC_ERR_TIMEOUT);
  ASSERT(d == NULL);
  ASSERT(blec_client_is_connected(l.c));
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 0));
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(l.c, fx_chr(l.c, LAB_RW), buf, sizeof buf), 5);
  lab_close(&l);
}

BLEC_TEST_IMPL(every_blocking_call_honours_its_timeout) {
  lab l;
  lab_open(&l);
  blec_characteristic *ni = fx_chr(l.c, LAB_NI);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 3000)); /* 300 ms per answer */
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  fx_notes n;
  fx_notes_init(&n);
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_write(l.c, fx_chr(l.c, LAB_RW), (const uint8_t *)"t", 1, BLEC_WRITE_WITH_RESPONSE, 30, &err),
                BLEC_ERR_TIMEOUT);
  ASSERT_EQ_INT(err.status, BLEC_ERR_TIMEOUT);
  ASSERT_STATUS(blec_client_read_descriptor(l.c, fx_desc(l.c, LAB_DESC, "2901"), 0, 30, &d, &len, NULL), BLEC_ERR_TIMEOUT);
  ASSERT_STATUS(blec_client_write_descriptor(l.c, fx_desc(l.c, LAB_DESC, "aa50"), (const uint8_t[]){1}, 1, 30, NULL),
                BLEC_ERR_TIMEOUT);
  ASSERT_STATUS(blec_client_start_notify(l.c, ni, 0, fx_notify_cb, &n, 30, NULL), BLEC_ERR_TIMEOUT);
  if (fx_cap(&l.f, BLEC_CAP_PAIRING))
    ASSERT_STATUS(blec_client_pair(l.c, BLEC_PROTECTION_ENCRYPTION, 30, NULL), BLEC_ERR_TIMEOUT);
  /* None of them took effect, and the link is fine. */
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 0));
  ASSERT(blec_client_is_connected(l.c));
  ASSERT(world_value_is(l.p, blec_characteristic_handle(fx_chr(l.c, LAB_RW)), "hello", 5));
  ASSERT(world_value_is(l.p, blec_descriptor_handle(fx_desc(l.c, LAB_DESC, "aa50")), "\x00", 1));
  ASSERT_OK(blec_client_start_notify(l.c, ni, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 2, FX_WAIT_MS);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_write_without_response_beyond_mtu_minus_3_is_refused) {
  lab l;
  lab_open(&l);
  blec_characteristic *ch = fx_chr(l.c, LAB_WWR);
  size_t max = blec_client_max_write_without_response_size(l.c);
  ASSERT(max >= 20);
  uint8_t big[600];
  memset(big, 0x5A, sizeof big);
  ASSERT(max + 1 <= sizeof big);
  blec_error err;
  ASSERT_STATUS(blec_client_write(l.c, ch, big, max + 1, BLEC_WRITE_WITHOUT_RESPONSE, 1000, &err), BLEC_ERR_INVALID_ARG);
  /* The sentence gives the limit and the size. */
  char want[96];
  snprintf(want, sizeof want, "at most %zu bytes", max);
  ASSERT(strstr(err.message, want) != NULL);
  snprintf(want, sizeof want, "the value has %zu", max + 1);
  ASSERT(strstr(err.message, want) != NULL);
  ASSERT_OK(blec_client_write(l.c, ch, big, max, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(world_value_is(l.p, blec_characteristic_handle(ch), big, max), FX_WAIT_MS);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_write_without_a_write_property_is_refused) {
  lab l;
  lab_open(&l);
  blec_characteristic *ch = fx_chr(l.c, LAB_CONST);
  uint64_t before = blec_world_peripheral_request_count(l.p);
  const blec_write_mode modes[] = {BLEC_WRITE_DEFAULT, BLEC_WRITE_WITH_RESPONSE, BLEC_WRITE_WITHOUT_RESPONSE};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    blec_error err;
    ASSERT_STATUS(blec_client_write(l.c, ch, (const uint8_t *)"x", 1, modes[i], 1000, &err), BLEC_ERR_NOT_SUPPORTED);
    ASSERT_EQ_INT(err.status, BLEC_ERR_NOT_SUPPORTED);
    ASSERT(strstr(err.message, "properties are read") != NULL);
    blec_op *op = NULL;
    ASSERT_STATUS(blec_client_write_async(l.c, ch, (const uint8_t *)"x", 1, modes[i], fx_op_cb, NULL, &op),
                  BLEC_ERR_NOT_SUPPORTED);
    ASSERT(op == NULL);
  }
  /* Nothing was sent; the value stays. */
  ASSERT_EQ_INT(blec_world_peripheral_request_count(l.p), before);
  ASSERT(world_value_is(l.p, blec_characteristic_handle(ch), "const", 5));
  lab_close(&l);
}

BLEC_TEST_IMPL(client_free_while_notifications_flow_ends_them) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(l.c, fx_chr(l.c, LAB_NI), 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  if (fx_cap(&l.f, BLEC_CAP_INDICATIONS))
    ASSERT_OK(blec_client_start_notify(l.c, fx_chr(l.c, LAB_IND), 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 10, FX_WAIT_MS);
  blec_client_free(l.c);
  int count = fx_notes_count(&n); /* no callback may run once free returned */
  fx_settle(&l.f);
  ASSERT_EQ_INT(fx_notes_count(&n), count);
  ASSERT(!blec_world_peripheral_connected(l.p));
  fx_notes_destroy(&n);
  fx_close(&l.f);
}

BLEC_TEST_IMPL(client_io_rejects_invalid_arguments) {
  lab l;
  lab_open(&l);
  blec_characteristic *ch = fx_chr(l.c, LAB_RW);
  blec_descriptor *de = fx_desc(l.c, LAB_DESC, "aa50");
  uint8_t *d = NULL;
  size_t len = 0;
  blec_op *op = NULL;
  const uint8_t one = 1;
  ASSERT_STATUS(blec_client_read(NULL, ch, 0, 100, &d, &len, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read(l.c, NULL, 0, 100, &d, &len, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read(l.c, ch, 0, 100, NULL, &len, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read(l.c, ch, 0, 100, &d, NULL, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read_async(NULL, ch, 0, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read_async(l.c, NULL, 0, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write(NULL, ch, &one, 1, BLEC_WRITE_DEFAULT, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write(l.c, NULL, &one, 1, BLEC_WRITE_DEFAULT, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write(l.c, ch, NULL, 1, BLEC_WRITE_DEFAULT, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write(l.c, ch, &one, 1, (blec_write_mode)3, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write_async(l.c, NULL, &one, 1, BLEC_WRITE_DEFAULT, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read_descriptor(l.c, NULL, 0, 100, &d, &len, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read_descriptor(l.c, de, 0, 100, NULL, &len, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_read_descriptor_async(NULL, de, 0, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write_descriptor(l.c, NULL, &one, 1, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write_descriptor(l.c, de, NULL, 1, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_write_descriptor_async(NULL, de, &one, 1, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_start_notify(NULL, ch, 0, fx_notify_cb, NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_start_notify(l.c, NULL, 0, fx_notify_cb, NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_start_notify(l.c, fx_chr(l.c, LAB_NI), 0, NULL, NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_start_notify_async(l.c, NULL, 0, fx_notify_cb, NULL, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_stop_notify(NULL, ch, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_stop_notify(l.c, NULL, 100, NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_client_stop_notify_async(l.c, NULL, fx_op_cb, NULL, &op), BLEC_ERR_INVALID_ARG);
  /* Nothing reached the peripheral. */
  ASSERT(world_value_is(l.p, blec_characteristic_handle(ch), "hello", 5));
  lab_close(&l);
}

/* ---- writes ------------------------------------------------------------------------------------------ */

BLEC_TEST_IMPL(client_write_with_response_changes_the_value) {
  lab l;
  lab_open(&l);
  blec_characteristic *ch = fx_chr(l.c, LAB_RW);
  blec_error err;
  blec_error_clear(&err);
  ASSERT_OK(blec_client_write(l.c, ch, (const uint8_t *)"world", 5, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(FX_WAIT_MS), &err));
  ASSERT(world_value_is(l.p, blec_characteristic_handle(ch), "world", 5)); /* done when it returns */
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(l.c, ch, buf, sizeof buf), 5);
  ASSERT_MEM_EQ(buf, "world", 5);
  /* An empty write. */
  ASSERT_OK(blec_client_write(l.c, ch, NULL, 0, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT(world_value_is(l.p, blec_characteristic_handle(ch), "", 0));
  lab_close(&l);
}

BLEC_TEST_IMPL(client_write_without_response_reaches_the_peripheral) {
  lab l;
  lab_open(&l);
  blec_characteristic *ch = fx_chr(l.c, LAB_WWR);
  ASSERT_OK(blec_client_write(l.c, ch, (const uint8_t *)"cmd", 3, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(world_value_is(l.p, blec_characteristic_handle(ch), "cmd", 3), FX_WAIT_MS);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_write_async(l.c, ch, (const uint8_t *)"cmd2", 4, BLEC_WRITE_DEFAULT, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  WAIT_UNTIL(world_value_is(l.p, blec_characteristic_handle(ch), "cmd2", 4), FX_WAIT_MS);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_write_default_mode_follows_the_properties) {
  lab l;
  lab_open(&l);
  /* "write" present: with response, so the peripheral's ATT error comes back. */
  fault_next(&l, BLEC_ATT_VALUE_NOT_ALLOWED);
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_write(l.c, fx_chr(l.c, LAB_WBOTH), (const uint8_t *)"a", 1, BLEC_WRITE_DEFAULT,
                                  blec_test_ms(FX_WAIT_MS), &err),
                BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, BLEC_ATT_VALUE_NOT_ALLOWED);
  /* Only "write-without-response": without, so no request is counted and no error is possible. */
  uint64_t before = blec_world_peripheral_request_count(l.p);
  fault_next(&l, BLEC_ATT_VALUE_NOT_ALLOWED);
  blec_characteristic *wwr = fx_chr(l.c, LAB_WWR);
  ASSERT_OK(blec_client_write(l.c, wwr, (const uint8_t *)"b", 1, BLEC_WRITE_DEFAULT, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(world_value_is(l.p, blec_characteristic_handle(wwr), "b", 1), FX_WAIT_MS);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(l.p), before);
  /* Explicit without-response on a "write" characteristic overrides the default. */
  blec_characteristic *both = fx_chr(l.c, LAB_WBOTH);
  ASSERT_OK(blec_client_write(l.c, both, (const uint8_t *)"c", 1, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(world_value_is(l.p, blec_characteristic_handle(both), "c", 1), FX_WAIT_MS);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(l.p), before);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_write_descriptor_changes_its_value) {
  lab l;
  lab_open(&l);
  blec_descriptor *d = fx_desc(l.c, LAB_DESC, "aa50");
  ASSERT_OK(blec_client_write_descriptor(l.c, d, (const uint8_t[]){0x42, 0x43}, 2, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT(world_value_is(l.p, blec_descriptor_handle(d), "\x42\x43", 2));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_write_descriptor_async(l.c, d, (const uint8_t[]){0x44}, 1, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT(world_value_is(l.p, blec_descriptor_handle(d), "\x44", 1));
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_write_of_the_cccd_is_refused) {
  lab l;
  lab_open(&l);
  blec_descriptor *cccd = fx_desc(l.c, LAB_NI, "2902");
  uint64_t before = blec_world_peripheral_request_count(l.p);
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_write_descriptor(l.c, cccd, (const uint8_t[]){0x01, 0x00}, 2, 1000, &err),
                BLEC_ERR_INVALID_ARG);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  int s = blec_client_write_descriptor_async(l.c, cccd, (const uint8_t[]){0x01, 0x00}, 2, fx_op_cb, &r, &op);
  if (s == BLEC_OK) {
    ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_INVALID_ARG);
    blec_op_free(op);
  } else {
    ASSERT_STATUS(s, BLEC_ERR_INVALID_ARG);
  }
  ASSERT_EQ_INT(blec_world_peripheral_request_count(l.p), before);
  /* And so nothing is subscribed. */
  fx_settle(&l.f);
  lab_close(&l);
}

/* ---- notifications --------------------------------------------------------------------------------------- */

static void read_cccd(lab *l, const char *chr, uint8_t want0) {
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read_descriptor(l->c, fx_desc(l->c, chr, "2902"), 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 2);
  ASSERT_EQ_INT(d[0], want0);
  ASSERT_EQ_INT(d[1], 0);
  blec_free(d);
}

BLEC_TEST_IMPL(client_notifications_arrive_in_order_until_stopped) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_NI);
  blec_error err;
  blec_error_clear(&err);
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), &err));
  read_cccd(&l, LAB_NI, 0x01);
  WAIT_UNTIL(fx_notes_count(&n) >= 10, FX_WAIT_MS);
  ASSERT_OK(blec_client_stop_notify(l.c, ch, blec_test_ms(FX_WAIT_MS), NULL));
  int count = fx_notes_count(&n);
  fx_settle(&l.f);
  ASSERT_EQ_INT(fx_notes_count(&n), count); /* none after stop returned */
  read_cccd(&l, LAB_NI, 0x00);
  blec__mutex_lock(&n.m);
  for (int i = 1; i < n.stored; i++) ASSERT_EQ_INT((uint8_t)(n.first_byte[i - 1] + 1), n.first_byte[i]);
  ASSERT_EQ_INT(n.last_handle, blec_characteristic_handle(ch));
  blec__mutex_unlock(&n.m);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_notify_values_pushed_by_the_peripheral_arrive_exactly) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_NOTIFY);
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  uint16_t h = blec_characteristic_handle(ch);
  for (uint8_t i = 1; i <= 5; i++) {
    uint8_t v[3] = {i, (uint8_t)(i * 2), (uint8_t)(i * 3)};
    ASSERT_OK(blec_world_set_value(l.p, h, v, sizeof v, true));
  }
  WAIT_UNTIL(fx_notes_count(&n) >= 5, FX_WAIT_MS);
  uint8_t last[8];
  ASSERT_EQ_INT(fx_notes_last(&n, last, sizeof last), 3);
  ASSERT_MEM_EQ(last, ((const uint8_t[]){5, 10, 15}), 3);
  blec__mutex_lock(&n.m);
  for (int i = 0; i < 5; i++) ASSERT_EQ_INT(n.first_byte[i], i + 1);
  blec__mutex_unlock(&n.m);
  /* A value set without notify is not sent. */
  ASSERT_OK(blec_world_set_value(l.p, h, (const uint8_t[]){9}, 1, false));
  fx_settle(&l.f);
  ASSERT_EQ_INT(fx_notes_count(&n), 5);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_start_notify_twice_is_busy) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_NI);
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), &err), BLEC_ERR_BUSY);
  ASSERT_OK(blec_client_stop_notify(l.c, ch, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL)); /* again after stop */
  int c0 = fx_notes_count(&n);
  WAIT_UNTIL(fx_notes_count(&n) > c0, FX_WAIT_MS);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_start_notify_on_a_characteristic_without_notify_fails) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  uint64_t before = blec_world_peripheral_request_count(l.p);
  /* One status, as docs/errors.md says: NOT_SUPPORTED, with the properties in the sentence. */
  blec_error err;
  ASSERT_STATUS(blec_client_start_notify(l.c, fx_chr(l.c, LAB_PLAIN), 0, fx_notify_cb, &n, 1000, &err),
                BLEC_ERR_NOT_SUPPORTED);
  ASSERT_EQ_INT(err.status, BLEC_ERR_NOT_SUPPORTED);
  ASSERT(strstr(err.message, "neither notify nor indicate") != NULL);
  ASSERT(strstr(err.message, "properties are read") != NULL);
  blec_op *op = NULL;
  ASSERT_STATUS(blec_client_start_notify_async(l.c, fx_chr(l.c, LAB_PLAIN), 0, fx_notify_cb, &n, fx_op_cb, NULL, &op),
                BLEC_ERR_NOT_SUPPORTED);
  ASSERT(op == NULL);
  ASSERT_EQ_INT(blec_world_peripheral_request_count(l.p), before);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_force_indicate_subscribes_to_indications) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_NI);
  if (FX_LACKS(&l.f, BLEC_CAP_INDICATIONS | BLEC_CAP_FORCE_INDICATE,
               blec_client_start_notify(l.c, ch, BLEC_NOTIFY_FORCE_INDICATE, fx_notify_cb, &n, 1000, NULL))) {
    fx_notes_destroy(&n);
    lab_close(&l);
    return;
  }
  ASSERT_OK(blec_client_start_notify(l.c, ch, BLEC_NOTIFY_FORCE_INDICATE, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  read_cccd(&l, LAB_NI, 0x02);
  WAIT_UNTIL(fx_notes_count(&n) >= 3, FX_WAIT_MS);
  ASSERT_OK(blec_client_stop_notify(l.c, ch, blec_test_ms(FX_WAIT_MS), NULL));
  read_cccd(&l, LAB_NI, 0x00);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_subscribes_to_indications_when_only_those_exist) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_IND);
  if (FX_LACKS(&l.f, BLEC_CAP_INDICATIONS, blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, 1000, NULL))) {
    fx_notes_destroy(&n);
    lab_close(&l);
    return;
  }
  ASSERT_OK(blec_client_start_notify(l.c, ch, 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  read_cccd(&l, LAB_IND, 0x02);
  WAIT_UNTIL(fx_notes_count(&n) >= 3, FX_WAIT_MS);
  blec__mutex_lock(&n.m);
  for (int i = 1; i < n.stored; i++) ASSERT_EQ_INT((uint8_t)(n.first_byte[i - 1] + 1), n.first_byte[i]);
  blec__mutex_unlock(&n.m);
  fx_notes_destroy(&n);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_echo_write_comes_back_as_a_notification) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, UART_ADDR, NULL);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(c, fx_chr(c, UART_TX), 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  ASSERT_OK(blec_client_write(c, fx_chr(c, UART_RX), (const uint8_t *)"ping", 4, BLEC_WRITE_DEFAULT, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 1, FX_WAIT_MS);
  uint8_t buf[16];
  ASSERT_EQ_INT(fx_notes_last(&n, buf, sizeof buf), 4);
  ASSERT_MEM_EQ(buf, "ping", 4);
  ASSERT_OK(blec_client_write(c, fx_chr(c, UART_RX), (const uint8_t *)"pong!", 5, BLEC_WRITE_WITHOUT_RESPONSE,
                              blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 2, FX_WAIT_MS);
  ASSERT_EQ_INT(fx_notes_last(&n, buf, sizeof buf), 5);
  ASSERT_MEM_EQ(buf, "pong!", 5);
  blec_client_free(c);
  fx_notes_destroy(&n);
  fx_close(&f);
}

BLEC_TEST_IMPL(client_heart_rate_stream_carries_plausible_measurements) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, HR_ADDR, NULL);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(c, fx_chr(c, "2a37"), 0, fx_notify_cb, &n, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(fx_notes_count(&n) >= 2, FX_WAIT_MS);
  uint8_t buf[32];
  size_t len = fx_notes_last(&n, buf, sizeof buf);
  ASSERT(len >= 2);
  int bpm = (buf[0] & 1) ? (buf[1] | buf[2] << 8) : buf[1];
  ASSERT(bpm >= 30 && bpm <= 230);
  blec_client_free(c);
  fx_notes_destroy(&n);
  fx_close(&f);
}

typedef struct overlap {
  atomic_int inside;
  atomic_int overlaps;
  atomic_int a, b;
  uint16_t ha;
} overlap;

static void overlap_cb(blec_client *c, blec_characteristic *chr, const uint8_t *d, size_t len, void *user) {
  (void)c;
  (void)d;
  (void)len;
  overlap *o = user;
  if (atomic_fetch_add(&o->inside, 1) != 0) atomic_fetch_add(&o->overlaps, 1);
  fx_sleep_ms(1); /* widen the window an overlap would need */
  if (blec_characteristic_handle(chr) == o->ha)
    atomic_fetch_add(&o->a, 1);
  else
    atomic_fetch_add(&o->b, 1);
  atomic_fetch_sub(&o->inside, 1);
}

BLEC_TEST_IMPL(client_callbacks_run_one_at_a_time) {
  lab l;
  lab_open(&l);
  overlap o;
  atomic_init(&o.inside, 0);
  atomic_init(&o.overlaps, 0);
  atomic_init(&o.a, 0);
  atomic_init(&o.b, 0);
  blec_characteristic *a = fx_chr(l.c, LAB_NI), *b = fx_chr(l.c, LAB_IND);
  o.ha = blec_characteristic_handle(a);
  ASSERT_OK(blec_client_start_notify(l.c, a, 0, overlap_cb, &o, blec_test_ms(FX_WAIT_MS), NULL));
  if (fx_cap(&l.f, BLEC_CAP_INDICATIONS))
    ASSERT_OK(blec_client_start_notify(l.c, b, 0, overlap_cb, &o, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&o.a) >= 10 && (!fx_cap(&l.f, BLEC_CAP_INDICATIONS) || atomic_load(&o.b) >= 10), FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&o.overlaps), 0);
  lab_close(&l);
}

BLEC_TEST_IMPL(client_notify_async_forms_report_through_callbacks) {
  lab l;
  lab_open(&l);
  fx_notes n;
  fx_notes_init(&n);
  blec_characteristic *ch = fx_chr(l.c, LAB_NI);
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  fx_in_call(&r, true);
  ASSERT_OK(blec_client_start_notify_async(l.c, ch, 0, fx_notify_cb, &n, fx_op_cb, &r, &op));
  fx_in_call(&r, false);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  blec_op_free(op);
  WAIT_UNTIL(fx_notes_count(&n) >= 3, FX_WAIT_MS);
  fx_opres_init(&r);
  ASSERT_OK(blec_client_stop_notify_async(l.c, ch, fx_op_cb, &r, &op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  int count = fx_notes_count(&n);
  fx_settle(&l.f);
  ASSERT_EQ_INT(fx_notes_count(&n), count);
  blec_op_free(op);
  fx_notes_destroy(&n);
  lab_close(&l);
}

/* ---- not connected ------------------------------------------------------------------------------------------ */

/* An async call on a disconnected client: refused at once, or completes with NOT_CONNECTED. */
static void assert_async_not_connected(int s, fx_opres *r, blec_op *op) {
  if (s == BLEC_OK) {
    ASSERT_STATUS(fx_opres_wait(r, FX_WAIT_MS), BLEC_ERR_NOT_CONNECTED);
    blec_op_free(op);
  } else {
    ASSERT_STATUS(s, BLEC_ERR_NOT_CONNECTED);
  }
}

BLEC_TEST_IMPL(client_io_on_a_disconnected_client_is_not_connected) {
  lab l;
  lab_open(&l);
  blec_characteristic *ch = fx_chr(l.c, LAB_RW), *ni = fx_chr(l.c, LAB_NI);
  blec_descriptor *de = fx_desc(l.c, LAB_DESC, "aa50");
  ASSERT_OK(blec_client_disconnect(l.c, blec_test_ms(FX_WAIT_MS), NULL));
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_client_read(l.c, ch, 0, 1000, &d, &len, &err), BLEC_ERR_NOT_CONNECTED);
  ASSERT_EQ_INT(err.status, BLEC_ERR_NOT_CONNECTED);
  ASSERT_STATUS(blec_client_write(l.c, ch, (const uint8_t *)"x", 1, BLEC_WRITE_DEFAULT, 1000, NULL), BLEC_ERR_NOT_CONNECTED);
  ASSERT_STATUS(blec_client_read_descriptor(l.c, de, 0, 1000, &d, &len, NULL), BLEC_ERR_NOT_CONNECTED);
  ASSERT_STATUS(blec_client_write_descriptor(l.c, de, (const uint8_t *)"x", 1, 1000, NULL), BLEC_ERR_NOT_CONNECTED);
  fx_notes n;
  fx_notes_init(&n);
  ASSERT_STATUS(blec_client_start_notify(l.c, ni, 0, fx_notify_cb, &n, 1000, NULL), BLEC_ERR_NOT_CONNECTED);
  fx_opres r;
  blec_op *op = NULL;
  fx_opres_init(&r);
  assert_async_not_connected(blec_client_read_async(l.c, ch, 0, fx_op_cb, &r, &op), &r, op);
  fx_opres_init(&r);
  assert_async_not_connected(
      blec_client_write_async(l.c, ch, (const uint8_t *)"x", 1, BLEC_WRITE_DEFAULT, fx_op_cb, &r, &op), &r, op);
  fx_opres_init(&r);
  assert_async_not_connected(blec_client_read_descriptor_async(l.c, de, 0, fx_op_cb, &r, &op), &r, op);
  fx_opres_init(&r);
  assert_async_not_connected(blec_client_write_descriptor_async(l.c, de, (const uint8_t *)"x", 1, fx_op_cb, &r, &op), &r, op);
  fx_opres_init(&r);
  assert_async_not_connected(blec_client_start_notify_async(l.c, ni, 0, fx_notify_cb, &n, fx_op_cb, &r, &op), &r, op);
  ASSERT(world_value_is(l.p, blec_characteristic_handle(ch), "hello", 5));
  fx_notes_destroy(&n);
  lab_close(&l);
}
