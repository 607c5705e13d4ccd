/* SPDX-License-Identifier: MIT */
/* stdinline.c — see stdinline.h. */
#include "stdinline.h"

#include <stdio.h>
#include <stdlib.h>

char *stdin_line(void) {
  size_t cap = 256, len = 0;
  char *line = malloc(cap);
  if (!line) return NULL;
  int c;
  while ((c = getchar()) != EOF && c != '\n') {
    if (len + 1 == cap) {
      char *bigger = realloc(line, cap * 2);
      if (!bigger) break; /* out of memory: the line is cut */
      line = bigger;
      cap *= 2;
    }
    line[len++] = (char)c;
  }
  if (c == EOF && len == 0) {
    free(line);
    return NULL;
  }
  if (len && line[len - 1] == '\r') len--;
  line[len] = '\0';
  return line;
}
