/* SPDX-License-Identifier: MIT */
/*
 * lineedit_libedit.c — lineedit.h with libedit (BSD editline, Debian's libedit-dev)
 * through its readline interface: editing, history and Tab completion on a terminal;
 * from a pipe, plain lines (lineedit_plain.c's way) so a script sees no prompts.
 */
#include "lineedit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "stdinline.h"

/* The lines a history keeps, in the session and in its file (bash's default). */
enum { HISTORY_LINES = 500 };

static bool editing;
static bool telling; /* say on stderr why the history file is not used */
static char *history_file;
static lineedit_words_fn words_fn;
static void *words_user;
static const char *const *candidates;
static size_t next_candidate;

/* readline's generator: the candidates that start with `text`, one per call. */
static char *generate(const char *text, int state) {
  if (state == 0) next_candidate = 0;
  size_t n = strlen(text);
  while (candidates && candidates[next_candidate]) {
    const char *w = candidates[next_candidate++];
    if (strncmp(w, text, n) == 0) {
      char *copy = malloc(strlen(w) + 1);
      if (copy) strcpy(copy, w);
      return copy;
    }
  }
  return NULL;
}

static char **complete(const char *text, int start, int end) {
  (void)end;
  rl_attempted_completion_over = 1; /* no file names */
  char *before = malloc((size_t)start + 1);
  if (!before) return NULL;
  memcpy(before, rl_line_buffer, (size_t)start);
  before[start] = '\0';
  candidates = words_fn ? words_fn(before, words_user) : NULL;
  free(before);
  return rl_completion_matches(text, generate);
}

void lineedit_open(bool interactive, const char *history_path, bool verbose, lineedit_words_fn words,
                   void *user) {
  editing = interactive;
  telling = verbose;
  words_fn = words;
  words_user = user;
  if (!editing) return;
  rl_attempted_completion_function = complete;
  stifle_history(HISTORY_LINES);
  if (history_path) {
    history_file = malloc(strlen(history_path) + 1);
    if (history_file) {
      strcpy(history_file, history_path);
      int e = read_history(history_file);
      if (e != 0 && e != ENOENT && telling) /* none yet is fine */
        fprintf(stderr, "blec shell: cannot read the history %s: %s\n", history_file, strerror(e));
    }
  }
}

char *lineedit_read(const char *prompt) { return editing ? readline(prompt) : stdin_line(); }

void lineedit_remember(const char *line) {
  if (editing && line[0]) add_history(line);
}

void lineedit_close(void) {
  if (editing && history_file) {
    int e = write_history(history_file);
    if (e != 0 && telling)
      fprintf(stderr, "blec shell: cannot save the history %s: %s\n", history_file, strerror(e));
  }
  free(history_file);
  history_file = NULL;
}

bool lineedit_has_editing(void) { return true; }
