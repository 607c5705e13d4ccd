/* SPDX-License-Identifier: MIT */
/*
 * fuzz-world.c — libFuzzer target of the world file parser (blec_world_load_string).
 *
 * The input, NUL-terminated in an exact-size heap copy (the parser reads up to the first
 * NUL), is parsed as world text. Beyond memory errors it checks the parser's promises:
 * the result is BLEC_OK or BLEC_ERR_PARSE (or out of memory); a parse error's message is
 * "fuzz:LINE: ..." with a line that exists; a world that parses has consecutive handles
 * answering reads, advertising payloads within bounds, and frees cleanly. The world's
 * engine thread is never started (no scan or link is opened).
 */
#include <stdlib.h>
#include <string.h>

#include "blec/blec_world.h"
#include "world/world_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

static void check_error(const char *text, const blec_error *err) {
  check(err->status == BLEC_ERR_PARSE);
  check(strncmp(err->message, "fuzz:", 5) == 0);
  const char *p = err->message + 5;
  long line = 0;
  check(*p >= '1' && *p <= '9');
  while (*p >= '0' && *p <= '9') line = line * 10 + (*p++ - '0');
  check(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
  long lines = 1;
  for (const char *s = text; *s; s++) lines += *s == '\n';
  check(line <= lines);
  check(memchr(err->message, '\0', sizeof err->message) != NULL);
}

static void check_world(blec_world *w) {
  size_t n = blec_world_peripheral_count(w);
  for (size_t i = 0; i < n; i++) {
    blec_world_peripheral *p = blec_world_peripheral_at(w, i);
    check(p != NULL);
    blec_world_peripheral *q = NULL;
    check(blec_world_find_peripheral(w, blec_world_peripheral_address(p), &q) == BLEC_OK && q == p);
    free(blec__world_peripheral_name(p));
    blec__wattr *a = NULL;
    size_t na = 0;
    check(blec__world_peripheral_attributes(p, &a, &na) == BLEC_OK);
    uint16_t prev = 0;
    for (size_t k = 0; k < na; k++) {
      check(a[k].handle > prev);
      prev = a[k].handle;
      if (a[k].kind == BLEC__WATTR_SERVICE) check(a[k].end_handle >= a[k].handle);
      uint8_t *v = NULL;
      size_t len = 0;
      check(blec_world_get_value(p, a[k].handle, &v, &len) == BLEC_OK);
      check(len <= 512);
      blec_free(v);
    }
    free(a);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  blec_world *w = NULL;
  blec_error err;
  int st = blec_world_load_string(text, "fuzz", &w, &err);
  if (st == BLEC_OK) {
    check(w != NULL);
    check_world(w);
    blec_world_unref(w);
  } else if (st != BLEC_ERR_NO_MEMORY) {
    check(w == NULL);
    check_error(text, &err);
  }
  free(text);
  return 0;
}
