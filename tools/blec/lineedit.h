/* SPDX-License-Identifier: MIT */
/*
 * lineedit.h — reading the lines of `blec shell`: with line editing, history and
 * completion on a terminal (lineedit_libedit.c: Debian's libedit, its readline
 * interface), or plain lines from a pipe or where libedit is absent (lineedit_plain.c:
 * no prompt is echoed then, so a script's output holds only the answers).
 */
#ifndef BLEC_CLI_LINEEDIT_H
#define BLEC_CLI_LINEEDIT_H

#include <stdbool.h>

/**
 * The words that may complete the word being typed, given the line before it
 * (`before`, without the partial word): a NULL-terminated list the callee keeps alive
 * until the next call.
 */
typedef const char *const *(*lineedit_words_fn)(const char *before, void *user);

/**
 * Starts reading. `interactive` (stdin is a terminal) turns on editing, the prompt,
 * history and completion through `words`. The history is read from and saved to
 * history_path when not NULL (bounded in lines); a file that cannot be read or written
 * is not an error: the history then lasts the session (said on stderr when `verbose`).
 */
void lineedit_open(bool interactive, const char *history_path, bool verbose, lineedit_words_fn words,
                   void *user);
/** The next line without its end (malloc'd, free it), NULL at the end of input. */
char *lineedit_read(const char *prompt);
/** Remembers a line in the history (interactive only). */
void lineedit_remember(const char *line);
/** Saves the history and ends. */
void lineedit_close(void);
/** Whether this build edits lines (libedit), for `blec shell --help`-like messages. */
bool lineedit_has_editing(void);

#endif /* BLEC_CLI_LINEEDIT_H */
