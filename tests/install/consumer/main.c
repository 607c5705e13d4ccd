/* SPDX-License-Identifier: MIT */
/*
 * A program built against an installed blec (by tests/install/check-install.sh): it
 * creates a context on the virtual backend and prints the versions it was built with
 * and runs with. Exits 0 when both agree and the context works.
 */
#include <stdio.h>
#include <string.h>

#include <blec/blec.h>
#include <blec/blec_world.h>

int main(void) {
  blec_ctx_options *opts = blec_ctx_options_new();
  blec_ctx *ctx = NULL;
  blec_error err;
  if (!opts || blec_ctx_options_set_backend(opts, "virtual") != BLEC_OK) {
    fprintf(stderr, "consumer: cannot set options\n");
    return 1;
  }
  int r = blec_ctx_new(opts, &ctx, &err);
  blec_ctx_options_free(opts);
  if (r != BLEC_OK) {
    char line[256];
    fprintf(stderr, "consumer: blec_ctx_new: %s\n", blec_error_format(&err, line, sizeof line));
    return 1;
  }
  printf("blec %s (built with %s), backend %s\n", blec_version_string(), BLEC_VERSION_STRING,
         blec_ctx_backend_name(ctx));
  int ok = blec_version() == BLEC_VERSION_HEX && !strcmp(blec_version_string(), BLEC_VERSION_STRING) &&
           blec_ctx_world(ctx) != NULL;
  blec_ctx_free(ctx);
  return ok ? 0 : 1;
}
