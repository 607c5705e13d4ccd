/* SPDX-License-Identifier: MIT */
/*
 * t_rules.c — the library-wide rules the header states once: which status bad input
 * gets (PARSE only from the text parsers), what a negative timeout means, and that a
 * refused call fills its error detail.
 */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

BLEC_TEST_IMPL(malformed_addresses_are_invalid_arguments_and_text_parsers_say_parse) {
  fx f;
  fx_open(&f, fx_world_lab());
  const char *bad[] = {"", "C0:07:00:00:00", "C0:07:00:00:00:0G", "C0:07:00:00:00:07:", "C0 07 00 00 00 07"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    blec_client *c = NULL;
    blec_device *d = NULL;
    blec_error err;
    ASSERT_STATUS(blec_client_new(f.ctx, bad[i], NULL, &c), BLEC_ERR_INVALID_ARG);
    ASSERT_STATUS(blec_find_device_by_address(f.ctx, bad[i], 100, &d, &err), BLEC_ERR_INVALID_ARG);
    ASSERT_EQ_INT(err.status, BLEC_ERR_INVALID_ARG);
    ASSERT(err.message[0] != '\0');
  }
  blec_uuid u;
  ASSERT_STATUS(blec_uuid_parse("C0:07:00:00:00:07", &u), BLEC_ERR_PARSE);
  blec_world *w = NULL;
  ASSERT_STATUS(blec_world_load_string("blec-world 1\nperipheral C0:07:00\n", "bad", &w, NULL), BLEC_ERR_PARSE);
  fx_close(&f);
}

BLEC_TEST_IMPL(negative_connect_timeout_leaves_the_options_timeout_as_the_bound) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_timeout(o, 200));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, "11:22:33:44:55:66", o, &c)); /* nobody has it */
  blec_client_options_free(o);
  blec_error err;
  ASSERT_STATUS(blec_client_connect(c, -1, &err), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_EQ_INT(err.status, BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_free(c);
  fx_close(&f);
}

BLEC_TEST_IMPL(refused_finds_and_discovers_fill_the_error_detail) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_device **list = NULL, *d = NULL;
  size_t n = 0;
  blec_error err;
  ASSERT_STATUS(blec_discover(f.ctx, NULL, -1, &list, &n, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_EQ_INT(err.status, BLEC_ERR_INVALID_ARG);
  ASSERT(strstr(err.message, "negative") != NULL);
  ASSERT_STATUS(blec_discover(NULL, NULL, 10, &list, &n, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  ASSERT_STATUS(blec_find_device(f.ctx, NULL, NULL, NULL, 10, &d, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_EQ_INT(err.status, BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  ASSERT_STATUS(blec_find_device_by_name(f.ctx, NULL, 10, &d, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  ASSERT_STATUS(blec_find_device_by_address(f.ctx, LAB_ADDR, 10, NULL, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  /* A find that runs and ends unmatched says so too. */
  ASSERT_STATUS(blec_find_device_by_name(f.ctx, "nobody", 50, &d, &err), BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT_EQ_INT(err.status, BLEC_ERR_DEVICE_NOT_FOUND);
  ASSERT(err.message[0] != '\0');
  fx_close(&f);
}

/* ---- the error-detail rule ---------------------------------------------------------------------------
 * Every public function that takes a blec_error * fills it on failure: its status is the
 * value returned and its message is not empty. tests/headers checks that each such
 * function of the public headers is named in this test. */

#include "blec/blec_winrt.h"

/* A fresh error that says "success" with no message: a call must overwrite both. */
static blec_error *fresh(blec_error *e) {
  memset(e, 0, sizeof *e);
  return e;
}

static void detail_ok(int r, const blec_error *e, const char *call, int line) {
  if (r >= 0) blec_test_fail_(__FILE__, line, "%s: expected a failure, got %d", call, r);
  if (e->status != r)
    blec_test_fail_(__FILE__, line, "%s returned %s but err.status is %s", call, blec_status_name(r),
                    blec_status_name(e->status));
  if (!e->message[0]) blec_test_fail_(__FILE__, line, "%s failed (%s) with an empty message", call, blec_status_name(r));
}
#define DETAIL(call) detail_ok((call), &e, #call, __LINE__)

BLEC_TEST_IMPL(every_call_taking_an_error_fills_it_on_failure) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_error e;
  blec_ctx *ctx = NULL;
  blec_device *dev = NULL, **list = NULL;
  size_t n = 0;
  uint8_t *data = NULL;
  size_t len = 0;
  blec_world *w = NULL;
  const uint8_t one = 1;

  DETAIL(blec_uuid_register_names(NULL, fresh(&e)));
  DETAIL(blec_uuid_register_names("nope nope\n", fresh(&e)));
  DETAIL(blec_uuid_register_names_file(NULL, fresh(&e)));
  DETAIL(blec_uuid_register_names_file("/nonexistent/names", fresh(&e)));
  DETAIL(blec_ctx_new(NULL, NULL, fresh(&e)));
  {
    blec_ctx_options *o = blec_ctx_options_new();
    ASSERT_OK(blec_ctx_options_set_backend(o, "no-such-backend"));
    DETAIL(blec_ctx_new(o, &ctx, fresh(&e)));
    blec_ctx_options_free(o);
  }
  DETAIL(blec_ctx_check_bluetooth(NULL, fresh(&e)));
  DETAIL(blec_scanner_start(NULL, fresh(&e)));
  DETAIL(blec_discover(NULL, NULL, 10, &list, &n, fresh(&e)));
  DETAIL(blec_discover(f.ctx, NULL, -1, &list, &n, fresh(&e)));
  DETAIL(blec_find_device(f.ctx, NULL, NULL, NULL, 10, &dev, fresh(&e)));
  DETAIL(blec_find_device_by_address(f.ctx, "nope", 10, &dev, fresh(&e)));
  DETAIL(blec_find_device_by_address(f.ctx, "11:22:33:44:55:66", 20, &dev, fresh(&e)));
  DETAIL(blec_find_device_by_name(NULL, "x", 10, &dev, fresh(&e)));
  DETAIL(blec_find_device_by_address_opts(f.ctx, NULL, "nope", 10, &dev, fresh(&e)));
  DETAIL(blec_find_device_by_name_opts(NULL, NULL, "x", 10, &dev, fresh(&e)));
  DETAIL(blec_client_connect(NULL, 10, fresh(&e)));
  DETAIL(blec_client_disconnect(NULL, 10, fresh(&e)));
  DETAIL(blec_client_pair(NULL, BLEC_PROTECTION_DEFAULT, 10, fresh(&e)));
  DETAIL(blec_client_unpair(NULL, 10, fresh(&e)));
  blec_characteristic *chr = NULL;
  DETAIL(blec_client_find_characteristic(NULL, "2a19", &chr, fresh(&e)));

  /* A client that is not connected. */
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_characteristic *rw = fx_chr(c, LAB_RW), *ni = fx_chr(c, LAB_NI);
  blec_descriptor *de = fx_desc(c, LAB_DESC, "aa50");
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
  DETAIL(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, 100, fresh(&e)));
  DETAIL(blec_client_read(c, rw, 0, 100, &data, &len, fresh(&e)));
  DETAIL(blec_client_read_spec(c, LAB_RW, 0, 100, &data, &len, fresh(&e)));
  DETAIL(blec_client_write(c, rw, &one, 1, BLEC_WRITE_DEFAULT, 100, fresh(&e)));
  DETAIL(blec_client_write_spec(c, "zz", &one, 1, BLEC_WRITE_DEFAULT, 100, fresh(&e)));
  DETAIL(blec_client_read_descriptor(c, de, 0, 100, &data, &len, fresh(&e)));
  DETAIL(blec_client_write_descriptor(c, de, &one, 1, 100, fresh(&e)));
  DETAIL(blec_client_start_notify(c, ni, 0, fx_notify_cb, NULL, 100, fresh(&e)));
  DETAIL(blec_client_stop_notify(c, ni, 100, fresh(&e)));
  DETAIL(blec_client_read(NULL, rw, 0, 100, &data, &len, fresh(&e)));
  DETAIL(blec_client_stop_notify(NULL, ni, 100, fresh(&e)));
  blec_client_free(c);

  /* A client for an address nobody has: its connect fails with a reason. */
  blec_client_options *co = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_timeout(co, 100));
  ASSERT_OK(blec_client_new(f.ctx, "11:22:33:44:55:66", co, &c));
  blec_client_options_free(co);
  DETAIL(blec_client_connect(c, -1, fresh(&e)));
  blec_client_free(c);

  DETAIL(blec_world_load_file(NULL, &w, fresh(&e)));
  DETAIL(blec_world_load_file("/nonexistent/w.world", &w, fresh(&e)));
  DETAIL(blec_world_load_string(NULL, "x", &w, fresh(&e)));
  DETAIL(blec_world_load_string("blec-world 9\n", "x", &w, fresh(&e)));
  DETAIL(blec_world_save_file(NULL, "x.world", fresh(&e)));
  int r = blec_apartment_assert_mta(fresh(&e));
  if (r != BLEC_OK) DETAIL(r);

  /* A scanner that cannot start: the radio is off. */
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(f.ctx, NULL, NULL, NULL, &s));
  ASSERT_OK(blec_world_set_radio(f.world, false));
  DETAIL(blec_scanner_start(s, fresh(&e)));
  DETAIL(blec_ctx_check_bluetooth(f.ctx, fresh(&e)));
  blec_scanner_free(s);
  fx_close(&f);
}
