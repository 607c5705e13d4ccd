/* SPDX-License-Identifier: MIT */
/*
 * t_detail.c — the small defects of issue 9 (item 9): what a failure says (never empty,
 * always valid UTF-8 without control characters even when it quotes outside input),
 * blec_error_format's bound, blec_uuid_from_le_bytes(NULL), a full handle space. (A
 * connect whose link drops between its steps: t_disc.c,
 * remote_disconnect_during_connect_fails_the_connect.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "fixture.h"
#include "worlds.h"

/* Valid UTF-8 and no control character (the checker is independent of the library's). */
static bool clean_text(const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  while (*s) {
    if (*s < 0x20 || *s == 0x7F) return false;
    int n = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 : (*s & 0xF8) == 0xF0 ? 4 : 0;
    if (!n || (n == 2 && *s < 0xC2)) return false;
    for (int i = 1; i < n; i++)
      if ((s[i] & 0xC0) != 0x80) return false;
    s += n;
  }
  return true;
}

BLEC_TEST_IMPL(error_messages_quoting_outside_text_are_valid_utf8_without_escapes) {
  /* A backend name from the program, with invalid bytes and a terminal escape. */
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT_OK(blec_ctx_options_set_backend(o, "bad\xff\xfe\x1b]0;title\x07\x1b[31mname\xc3"));
  blec_ctx *ctx = NULL;
  blec_error err;
  ASSERT_STATUS(blec_ctx_new(o, &ctx, &err), BLEC_ERR_BACKEND_UNAVAILABLE);
  blec_ctx_options_free(o);
  ASSERT(err.message[0] != '\0');
  ASSERT(clean_text(err.message));
  ASSERT(strstr(err.message, "bad") != NULL); /* still says which name */
  /* A world file's token, as read. */
  blec_world *w = NULL;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_world_load_string("blec-world 1\nperipheral 00:00:00:00:00:01 \xff\x1b[2Jx\n", "t\x1b.world", &w, &err),
                BLEC_ERR_PARSE);
  ASSERT(err.message[0] != '\0');
  ASSERT(clean_text(err.message));
  /* And blec_error_format of it. */
  char buf[512];
  ASSERT(clean_text(blec_error_format(&err, buf, sizeof buf)));
}

BLEC_TEST_IMPL(failures_always_carry_a_message) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_error err;
  /* A lookup that fails on a connected client says which characteristic. */
  uint8_t *data = NULL;
  size_t len = 0;
  ASSERT_STATUS(blec_client_read_spec(c, "#65535", 0, blec_test_ms(FX_WAIT_MS), &data, &len, &err),
                BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT_EQ_INT(err.status, BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  ASSERT(err.message[0] != '\0');
  ASSERT(data == NULL);
  blec_client_free(c);
#ifndef BLEC_TEST_PUBLIC_API_ONLY
  /* An op a backend completes with a bare status still says something (the test plays
   * the backend through backend.h). */
  blec_op *op = NULL;
  ASSERT_OK(blec_discover_async(f.ctx, NULL, 3600000, NULL, NULL, &op));
  ASSERT(blec__op_complete(op, BLEC_ERR_IO));
  ASSERT_STATUS(blec_op_wait(op, blec_test_ms(FX_WAIT_MS)), BLEC_ERR_IO);
  ASSERT_STR_EQ(blec_op_error(op)->message, blec_strerror(BLEC_ERR_IO));
  blec_op_free(op);
#endif
  /* A connect the backend refuses at once still says why. */
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  ASSERT_OK(blec_client_new(f.ctx, "C0:FF:00:00:00:99", o, &c)); /* nobody there */
  ASSERT_OK(blec_client_options_set_timeout(o, 100));
  int s = blec_client_connect(c, blec_test_ms(2000), &err);
  ASSERT(s != BLEC_OK);
  ASSERT_EQ_INT(err.status, s);
  ASSERT(err.message[0] != '\0');
  blec_client_free(c);
  blec_client_options_free(o);
  fx_close(&f);
#ifndef BLEC_TEST_PUBLIC_API_ONLY
  /* The rule behind it: a failure's detail is never empty, whatever the caller wrote. */
  blec__error_set(&err, BLEC_ERR_OS, "%s", "");
  ASSERT_STR_EQ(err.message, blec_strerror(BLEC_ERR_OS));
  blec__error_set(&err, BLEC_ERR_OS, NULL);
  ASSERT(err.message[0] != '\0');
  blec__error_set(&err, BLEC_OK, "%s", "");
  ASSERT_STR_EQ(err.message, "");
#endif
}

BLEC_TEST_IMPL(error_format_reads_the_message_within_its_array) {
  blec_error e;
  blec_error_clear(&e);
  e.status = BLEC_ERR_IO;
  memset(e.message, 'A', sizeof e.message); /* not terminated: a program filled it itself */
  char buf[512];
  blec_error_format(&e, buf, sizeof buf);
  size_t n = strlen(buf);
  ASSERT(n >= sizeof e.message);
  for (size_t i = n - sizeof e.message; i < n; i++) ASSERT_EQ_INT(buf[i], 'A');
  char small[8];
  ASSERT(blec_error_format(&e, small, sizeof small) == small);
  ASSERT_EQ_INT(strlen(small), sizeof small - 1);
}

BLEC_TEST_IMPL(uuid_from_le_bytes_of_null_is_the_nil_uuid) {
  blec_uuid u = blec_uuid_from_le_bytes(NULL);
  static const uint8_t zero[16] = {0};
  ASSERT_MEM_EQ(u.b, zero, 16);
}

BLEC_TEST_IMPL(full_attribute_handle_space_is_a_state_error_not_out_of_memory) {
  blec_world *w = fx_world_empty();
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_add_peripheral(w, "C0:FF:00:00:00:01", BLEC_ADDRESS_PUBLIC, &p));
  blec_uuid su = blec_uuid_from16(0xAB00), cu = blec_uuid_from16(0xAB01);
  ASSERT_OK(blec_world_add_service(p, &su, NULL));
  int s = BLEC_OK, added = 0;
  while ((s = blec_world_add_characteristic(p, &cu, BLEC_PROP_READ, NULL, 0, NULL)) == BLEC_OK) added++;
  ASSERT_STATUS(s, BLEC_ERR_STATE);
  ASSERT_EQ_INT(added, (65535 - 1) / 2); /* a declaration and a value each, after the service */
  blec_world_unref(w);
  /* The world file says what happened. */
  size_t cap = 64 + (size_t)added * 32;
  char *text = malloc(cap);
  ASSERT(text != NULL);
  if (!text) return;
  size_t o = (size_t)snprintf(text, cap, "blec-world 1\nperipheral C0:FF:00:00:00:01\n  service ab00\n");
  for (int i = 0; i <= added; i++) o += (size_t)snprintf(text + o, cap - o, "    characteristic ab01 read\n");
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blec_world_load_string(text, "big.world", &w, &err), BLEC_ERR_PARSE);
  ASSERT(strstr(err.message, "no attribute handle left") != NULL);
  ASSERT(strstr(err.message, "out of memory") == NULL);
  free(text);
}
