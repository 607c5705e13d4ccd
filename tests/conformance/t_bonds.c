/* SPDX-License-Identifier: MIT */
/*
 * t_bonds.c — the virtual backend keeps bonds between contexts (and so between programs)
 * in its bond store, as an OS does; a store that is off keeps none. Other backends leave
 * bonds to their OS: these tests run on the virtual backend only.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

#define LOCK "C0:0B:00:00:00:05"

static const char lock_world[] = "blec-world 1\n"
                                 "time-scale 0.1\n"
                                 "peripheral C0:0B:00:00:00:05 random\n"
                                 "  name \"Lock\"\n"
                                 "  pairing authentication\n"
                                 "  service 8d5b0001-2f3e-4c6a-9b1d-7e0f1a2b3c4d\n"
                                 "    characteristic 8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d read u8:1\n"
                                 "      security authentication\n";

static bool on_virtual(void) {
  if (strcmp(fx_backend(), "virtual") == 0) return true;
  fx_note_unsupported("the bond store is the virtual backend's (other backends use their OS's)");
  return false;
}

/* A context on a fresh copy of the lock's world with the bond store `store`. */
static void open_with_store(fx *f, const char *store) {
  memset(f, 0, sizeof *f);
  blec_world *w = NULL;
  ASSERT_OK(blec_world_load_string(lock_world, "lock", &w, NULL));
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(o, "virtual"));
  ASSERT_OK(blec_ctx_options_set_world(o, w));
  ASSERT_OK(blec_ctx_options_set_bond_store(o, store));
  ASSERT_OK(blec_ctx_new(o, &f->ctx, NULL));
  blec_ctx_options_free(o);
  f->world = w;
  f->caps = blec_ctx_capabilities(f->ctx);
}

/* The status of reading the protected characteristic on a new connection. */
static int read_lock(fx *f, blec_error *err) {
  blec_client *c = fx_connect(f, LOCK, NULL);
  uint8_t *d = NULL;
  size_t len = 0;
  int st = blec_client_read(c, fx_chr(c, "8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d"), 0, blec_test_ms(FX_WAIT_MS), &d,
                            &len, err);
  blec_free(d);
  blec_client_free(c);
  return st;
}

static void pair_lock(fx *f) {
  blec_client *c = fx_connect(f, LOCK, NULL);
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION, blec_test_ms(FX_WAIT_MS), NULL));
  blec_client_free(c);
}

static void store_path(char *buf, size_t size, const char *test) {
  snprintf(buf, size, "conformance-bonds-%s.tmp", test);
  remove(buf);
}

BLEC_TEST_IMPL(virtual_bonds_outlive_the_context_in_the_bond_store) {
  if (!on_virtual()) return;
  char path[128];
  store_path(path, sizeof path, "outlive");
  fx f;
  blec_error err;
  open_with_store(&f, path);
  ASSERT_STATUS(read_lock(&f, &err), BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, BLEC_ATT_INSUFFICIENT_AUTHENTICATION);
  pair_lock(&f);
  fx_close(&f);

  /* A new context on a new world: the store brings the bond back. */
  open_with_store(&f, path);
  ASSERT_OK(read_lock(&f, &err));
  fx_close(&f);

  /* Without a store the new world knows no bond. */
  open_with_store(&f, "");
  ASSERT_STATUS(read_lock(&f, &err), BLEC_ERR_ATT);
  fx_close(&f);

  /* Unpairing (here without a link) removes it from the store. */
  open_with_store(&f, path);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(f.ctx, LOCK, NULL, &c));
  ASSERT_OK(blec_client_unpair(c, blec_test_ms(FX_WAIT_MS), NULL));
  blec_client_free(c);
  fx_close(&f);
  open_with_store(&f, path);
  ASSERT_STATUS(read_lock(&f, &err), BLEC_ERR_ATT);
  fx_close(&f);
  remove(path);
}

BLEC_TEST_IMPL(user_state_dir_ends_in_blec_and_refuses_bad_buffers) {
  char dir[1024];
  int st = blec_user_state_dir(dir, sizeof dir);
  if (st == BLEC_OK) {
    size_t n = strlen(dir);
    ASSERT(n > 5);
    ASSERT_STR_EQ(dir + n - 4, "blec");
    char small[4];
    ASSERT_STATUS(blec_user_state_dir(small, sizeof small), BLEC_ERR_INVALID_ARG);
    ASSERT_EQ_INT(small[0], '\0');
  } else {
    ASSERT_STATUS(st, BLEC_ERR_NOT_FOUND); /* no home directory where this runs */
  }
  ASSERT_STATUS(blec_user_state_dir(NULL, 10), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_user_state_dir(dir, 0), BLEC_ERR_INVALID_ARG);
}

BLEC_TEST_IMPL(virtual_bond_store_that_is_malformed_is_ignored_and_replaced) {
  if (!on_virtual()) return;
  char path[128];
  store_path(path, sizeof path, "malformed");
  FILE *out = fopen(path, "wb");
  ASSERT(out != NULL);
  fputs("blec-bonds 1\nC0:0B:00:00:00:05 sideways\n", out);
  fclose(out);
  fx f;
  blec_error err;
  open_with_store(&f, path);
  ASSERT_STATUS(read_lock(&f, &err), BLEC_ERR_ATT);
  pair_lock(&f);
  fx_close(&f);
  open_with_store(&f, path);
  ASSERT_OK(read_lock(&f, &err));
  fx_close(&f);
  remove(path);
}
