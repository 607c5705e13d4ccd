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
