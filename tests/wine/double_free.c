/* SPDX-License-Identifier: MIT */
/*
 * double_free.c — frees one block twice and a pointer into the middle of another, then
 * exits 0 as if nothing happened (Wine's heap survives both; Windows' NT heap would end
 * the process). wine.heap_error_fails_the_test runs it through scripts/wine-run.sh, which
 * must fail it from Wine's heap report.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  /* volatile: the compiler must not see (and refuse) the mistakes. */
  char *volatile p = malloc(64);
  char *volatile q = malloc(64);
  volatile size_t middle = 16;
  if (!p || !q) return 2;
  p[0] = 1;
  free(p);
  free(p);
  free(q + middle);
  puts("freed twice and in the middle; still running");
  return 0;
}
