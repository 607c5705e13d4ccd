/* SPDX-License-Identifier: MIT */
/*
 * runner.c — main() of every test suite. Compiled once per suite with
 * BLEC_TEST_LIST naming the suite's list header (a sequence of BLEC_TEST(name) lines).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

typedef struct test_entry {
  const char *name;
  void (*fn)(void);
} test_entry;

static const test_entry tests[] = {
#define BLEC_TEST(name) {#name, blec_test_##name},
#include BLEC_TEST_LIST
#undef BLEC_TEST
    {NULL, NULL}};

static const char *current_test = "?";

void blec_test_fail_(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "FAIL %s at %s:%d: ", current_test, file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  exit(1);
}

int blec_test_ms(int ms) {
  const char *m = getenv("BLEC_TEST_TIMEOUT_MULTIPLIER");
  double f = m ? atof(m) : 1.0;
  if (f < 1.0) f = 1.0;
  return (int)(ms * f);
}

const char *blec_test_status_name_(int s) { return blec_status_name(s); }

static int run_one(const test_entry *t) {
  current_test = t->name;
  t->fn();
  printf("ok %s\n", t->name);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (const test_entry *t = tests; t->name; t++) printf("%s\n", t->name);
    return 0;
  }
  if (argc > 1) {
    for (int i = 1; i < argc; i++) {
      const test_entry *t;
      for (t = tests; t->name; t++)
        if (strcmp(t->name, argv[i]) == 0) break;
      if (!t->name) {
        fprintf(stderr, "no test named %s\n", argv[i]);
        return 2;
      }
      run_one(t);
    }
    return 0;
  }
  int n = 0;
  for (const test_entry *t = tests; t->name; t++, n++) run_one(t);
  printf("%d passed, 0 failed\n", n);
  return 0;
}
