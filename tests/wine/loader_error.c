/* SPDX-License-Identifier: MIT */
/*
 * loader_error.c — writes, and only writes, the line Wine's loader writes when it cannot map
 * the shared user data (before the process's first thread exists, so without Wine's
 * "pid:tid:" head) and exits as that process does, with status 1: scripts/wine-run.sh must
 * take the line as Wine's and report the run as a silent start-up failure with its cause.
 */
#include <stdio.h>

int main(void) {
  fputs("err:virtual:virtual_alloc_first_teb wine: failed to map the shared user data: c0000018\n", stderr);
  return 1;
}
