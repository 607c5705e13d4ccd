/* SPDX-License-Identifier: MIT */
/*
 * escape.h — text a peripheral sent (advertised and device names, string values) made
 * safe to print on a terminal: a name must not move the cursor, set the window title or
 * clear the screen. Control characters (C0, DEL and the C1 range U+0080..U+009F) become
 * escapes (\n, \r, \t, \e, \xHH, \u0085), a backslash becomes \\ so that an escape is
 * never ambiguous, bytes that are not UTF-8 become \xHH, and everything else (printable
 * ASCII, valid UTF-8) is kept. No dependency on the library.
 */
#ifndef BLEC_CLI_ESCAPE_H
#define BLEC_CLI_ESCAPE_H

#include <stddef.h>

#include "strbuf.h"

/** Length of the valid UTF-8 sequence at s (n bytes left, n > 0), 0 if none starts there. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/** Appends s[0..n) escaped for a terminal. */
void esc_append_n(strbuf *b, const char *s, size_t n);
/** Appends the C string s escaped for a terminal (nothing for NULL). */
void esc_append(strbuf *b, const char *s);

/** Longest text esc() returns (a longer escaped text is cut, ending in "..."). */
enum { ESC_TEXT_MAX = 2200 };
/** A C string escaped for a terminal, by value, for printf arguments. NULL gives "". */
typedef struct esc_text {
  char s[ESC_TEXT_MAX];
} esc_text;
esc_text esc(const char *s);

#endif /* BLEC_CLI_ESCAPE_H */
