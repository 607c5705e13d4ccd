/* SPDX-License-Identifier: MIT */
/*
 * ctx_bond_store.c — the context option naming the virtual backend's bond store (see
 * src/backends/virtual/bond_store.h), kept in the options as a fixed buffer so that
 * freeing options needs nothing more; and the user's state directory it defaults to,
 * public so that programs (the blec tool's shell history) keep their state beside it.
 */
#include <string.h>

#include "core/core.h"

int blec_ctx_options_set_bond_store(blec_ctx_options *opts, const char *path) {
  if (!opts) return BLEC_ERR_INVALID_ARG;
  if (!path) {
    opts->bond_store_set = false;
    opts->bond_store[0] = '\0';
    return BLEC_OK;
  }
  size_t n = strlen(path);
  if (n >= sizeof opts->bond_store) return BLEC_ERR_INVALID_ARG;
  memcpy(opts->bond_store, path, n + 1);
  opts->bond_store_set = true;
  return BLEC_OK;
}

int blec_user_state_dir(char *buf, size_t size) {
  if (!buf || size == 0) return BLEC_ERR_INVALID_ARG;
  char dir[4096];
  buf[0] = '\0';
  if (!blec__user_state_dir(dir, sizeof dir)) return BLEC_ERR_NOT_FOUND;
  size_t n = strlen(dir);
  if (n >= size) return BLEC_ERR_INVALID_ARG;
  memcpy(buf, dir, n + 1);
  return BLEC_OK;
}

const char *blec__ctx_options_bond_store(const blec_ctx_options *opts) {
  return opts && opts->bond_store_set ? opts->bond_store : NULL;
}
