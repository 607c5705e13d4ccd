/* SPDX-License-Identifier: MIT */
/*
 * mangen.c — writes the man page blec.1 from the table in help.c (the build runs it).
 * Usage: blec_mangen VERSION OUTPUT
 */
#include <stdio.h>

#include "help.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: blec_mangen VERSION OUTPUT\n");
    return 2;
  }
  FILE *out = fopen(argv[2], "wb");
  if (!out) {
    perror(argv[2]);
    return 1;
  }
  help_write_man(out, argv[1]);
  if (fclose(out) != 0) {
    perror(argv[2]);
    return 1;
  }
  return 0;
}
