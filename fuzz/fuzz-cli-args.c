/* SPDX-License-Identifier: MIT */
/*
 * fuzz-cli-args.c — libFuzzer target for the blec tool's command-line parsing: argument
 * splitting, option and value checks (numbers, UUIDs, handles, addresses), hexadecimal
 * and --text escapes, and the help renderers.
 *
 * The input is argv: arguments separated by NUL bytes (argv[0] is supplied). The same
 * bytes are also fed to hex_parse and text_unescape as one string.
 *
 * The parser's files are compiled into this target (below) so that they get the fuzzing
 * instrumentation and the target needs nothing but blec_static: tools/blec/args.c,
 * help.c, hex.c and strbuf.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/blec/args.c"
#include "../tools/blec/help.c"
#include "../tools/blec/hex.c"
#include "../tools/blec/strbuf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_ARGS = 64 };

static void check_parse(int argc, char **argv) {
  cli_args a;
  char err[600];
  int rc = cli_parse(argc, argv, &a, err, sizeof err);
  if (rc != CLI_EXIT_OK && rc != CLI_EXIT_USAGE) abort();
  if (rc == CLI_EXIT_USAGE && err[0] == 0) abort(); /* every refusal says why */
  if (rc == CLI_EXIT_OK) {
    if (a.cmd == CMD_WRITE && !a.help && !a.version && (!a.data || a.data_len > HEX_MAX_BYTES)) abort();
    if (a.help) {
      FILE *null = fopen("/dev/null", "w");
      if (null) {
        help_print_command(null, a.help_topic);
        fclose(null);
      }
    }
  }
  cli_args_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = 0;

  char *argv[MAX_ARGS + 2];
  int argc = 0;
  argv[argc++] = "blec";
  char *p = buf;
  char *end = buf + size;
  while (p <= end && argc < MAX_ARGS + 1) {
    argv[argc++] = p;
    p += strlen(p) + 1;
  }
  argv[argc] = NULL;
  check_parse(argc, argv);

  /* The value parsers on the first argument alone. */
  uint8_t *out = NULL;
  size_t len = 0;
  char err[256];
  if (hex_parse(buf, &out, &len, err, sizeof err) == 0) {
    if (len == 0 || len > HEX_MAX_BYTES) abort();
    strbuf b;
    strbuf_init(&b);
    hex_append(&b, out, len);
    if (b.len != len * 3 - 1) abort();
    strbuf_free(&b);
  } else if (err[0] == 0) {
    abort();
  }
  free(out);
  if (text_unescape(buf, &out, &len, err, sizeof err) == 0) {
    if (len > strlen(buf)) abort();
  } else if (err[0] == 0) {
    abort();
  }
  free(out);
  free(buf);
  return 0;
}
