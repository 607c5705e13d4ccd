/* SPDX-License-Identifier: MIT */
/* t_ops.c — operation handles: waiting, status, results, lifetime. */
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

BLEC_TEST_IMPL(op_wait_times_out_while_the_operation_goes_on) {
  lab l;
  lab_open(&l);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 3000)); /* 300 ms */
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  ASSERT_STATUS(blec_op_wait(op, 0), BLEC_ERR_TIMEOUT);
  ASSERT_STATUS(blec_op_wait(op, 20), BLEC_ERR_TIMEOUT);
  ASSERT(!blec_op_done(op));
  ASSERT_STATUS(blec_op_status(op), BLEC_ERR_BUSY);
  size_t len = 77;
  ASSERT(blec_op_data(op, &len) == NULL);
  ASSERT(blec_op_device(op) == NULL);
  ASSERT_OK(blec_op_wait(op, -1)); /* for ever: until it completes */
  ASSERT(blec_op_done(op));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT(blec_op_data(op, &len) != NULL);
  ASSERT_EQ_INT(len, 5);
  ASSERT_OK(blec_op_error(op)->status);
  ASSERT_EQ_INT(blec_op_error(op)->att_error, 0);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(op_free_before_completion_still_runs_the_callback) {
  lab l;
  lab_open(&l);
  ASSERT_OK(blec_world_peripheral_set_delays(l.p, 0, 1000));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, &op));
  blec_op_free(op); /* does not cancel */
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(r.len, 5);
  fx_settle(&l.f);
  ASSERT_EQ_INT(atomic_load(&r.calls), 1);
  lab_close(&l);
}

BLEC_TEST_IMPL(async_call_without_an_op_pointer_still_completes) {
  lab l;
  lab_open(&l);
  fx_opres r;
  fx_opres_init(&r);
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_RW), 0, fx_op_cb, &r, NULL));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(r.len, 5);
  fx_opres_init(&r);
  ASSERT_OK(blec_client_write_async(l.c, fx_chr(l.c, LAB_RW), (const uint8_t *)"z", 1, BLEC_WRITE_DEFAULT, fx_op_cb,
                                    &r, NULL));
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  fx_assert_world_value(l.p, blec_characteristic_handle(fx_chr(l.c, LAB_RW)), "z", 1);
  lab_close(&l);
}

BLEC_TEST_IMPL(async_call_without_a_callback_can_be_waited_on) {
  lab l;
  lab_open(&l);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_CONST), 0, NULL, NULL, &op));
  ASSERT_OK(blec_op_wait(op, blec_test_ms(FX_WAIT_MS)));
  size_t len = 0;
  const uint8_t *d = blec_op_data(op, &len);
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(d, "const", 5);
  blec_op_free(op);
  lab_close(&l);
}

BLEC_TEST_IMPL(op_functions_reject_null) {
  ASSERT_STATUS(blec_op_cancel(NULL), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_op_wait(NULL, 0), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_op_status(NULL), BLEC_ERR_INVALID_ARG);
  ASSERT(!blec_op_done(NULL));
  ASSERT(blec_op_error(NULL) == NULL);
  size_t n = 5;
  ASSERT(blec_op_data(NULL, &n) == NULL);
  ASSERT(blec_op_device(NULL) == NULL);
  ASSERT(blec_op_devices(NULL, &n) == NULL);
  blec_op_free(NULL);
}

BLEC_TEST_IMPL(async_failures_never_complete_inside_the_call) {
  fx f;
  fx_open(&f, fx_world_lab());
  ASSERT_OK(blec_world_set_radio(f.world, false));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &c));
  fx_opres r;
  fx_opres_init(&r);
  blec_op *op = NULL;
  fx_in_call(&r, true);
  int s = blec_client_connect_async(c, fx_op_cb, &r, &op);
  fx_in_call(&r, false);
  if (s == BLEC_OK) {
    ASSERT_STATUS(fx_opres_wait(&r, FX_WAIT_MS), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
    ASSERT_EQ_INT(r.err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
    blec_op_free(op);
  } else {
    ASSERT_STATUS(s, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  }
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  fx_opres_init(&r);
  fx_in_call(&r, true);
  s = blec_client_disconnect_async(c, fx_op_cb, &r, &op); /* not connected: completes OK */
  fx_in_call(&r, false);
  ASSERT_OK(s);
  ASSERT_OK(fx_opres_wait(&r, FX_WAIT_MS));
  ASSERT_EQ_INT(atomic_load(&r.ran_in_call), 0);
  blec_op_free(op);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(completion_callbacks_of_one_client_run_in_completion_order) {
  lab l;
  lab_open(&l);
  enum { N = 16 };
  fx_opres r[N];
  blec_op *op[N];
  for (int i = 0; i < N; i++) {
    fx_opres_init(&r[i]);
    ASSERT_OK(blec_client_read_async(l.c, fx_chr(l.c, LAB_CONST), 0, fx_op_cb, &r[i], &op[i]));
  }
  /* Requests on one link complete in order; so do their callbacks. */
  ASSERT_OK(fx_opres_wait(&r[N - 1], FX_WAIT_MS));
  for (int i = 0; i < N; i++) ASSERT_EQ_INT(atomic_load(&r[i].calls), 1);
  for (int i = 0; i < N; i++) blec_op_free(op[i]);
  lab_close(&l);
}
