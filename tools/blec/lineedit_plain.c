/* SPDX-License-Identifier: MIT */
/* lineedit_plain.c — lineedit.h without a line editor: lines from stdin, as typed. */
#include "lineedit.h"

#include "stdinline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool prompting;

void lineedit_open(bool interactive, const char *history_path, bool verbose, lineedit_words_fn words,
                   void *user) {
  (void)history_path;
  (void)verbose;
  (void)words;
  (void)user;
  prompting = interactive;
}

char *lineedit_read(const char *prompt) {
  if (prompting) {
    fputs(prompt, stdout);
    fflush(stdout);
  }
  return stdin_line();
}

void lineedit_remember(const char *line) { (void)line; }
void lineedit_close(void) {}
bool lineedit_has_editing(void) { return false; }
