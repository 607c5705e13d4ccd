/* SPDX-License-Identifier: MIT */
/*
 * missing_import.c — a program Wine cannot start: it imports a function of
 * wine_gone.dll, which the build puts where the loader does not look. Wine's loader ends
 * the process before main with STATUS_DLL_NOT_FOUND and, its messages being off, without
 * a word: what a Wine start-up failure looks like. wine.silent_failure_is_reported runs it
 * through scripts/wine-run.sh, which must say so and show Wine's error.
 */
#include <stdio.h>

__declspec(dllimport) int wine_gone_answer(void);

int main(void) {
  printf("started: %d\n", wine_gone_answer());
  return 0;
}
