/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h — a growable NUL-terminated string. On allocation failure the buffer keeps
 * what it had and sets `failed`; every append after that is a no-op, so callers check
 * once at the end (or not at all: the text is then just shorter).
 */
#ifndef BLEC_CLI_STRBUF_H
#define BLEC_CLI_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
  char *s;    /* "" until something is appended; never NULL after strbuf_init */
  size_t len; /* bytes before the NUL */
  size_t cap;
  bool failed;
} strbuf;

void strbuf_init(strbuf *b);
void strbuf_free(strbuf *b);
void strbuf_reset(strbuf *b);
void strbuf_append(strbuf *b, const char *s);
void strbuf_append_n(strbuf *b, const char *s, size_t n);
void strbuf_putc(strbuf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void strbuf_printf(strbuf *b, const char *fmt, ...);
/** Hands the string over (malloc'd; the caller frees it) and resets b. NULL if failed. */
char *strbuf_take(strbuf *b);

#endif /* BLEC_CLI_STRBUF_H */
