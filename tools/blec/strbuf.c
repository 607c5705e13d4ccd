/* SPDX-License-Identifier: MIT */
/* strbuf.c — see strbuf.h. */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty_[1];

void strbuf_init(strbuf *b) {
  b->s = empty_;
  b->len = 0;
  b->cap = 0;
  b->failed = false;
}

void strbuf_free(strbuf *b) {
  if (b->cap) free(b->s);
  strbuf_init(b);
}

void strbuf_reset(strbuf *b) {
  b->len = 0;
  if (b->cap) b->s[0] = 0;
  b->failed = false;
}

static bool reserve(strbuf *b, size_t extra) {
  if (b->failed) return false;
  if (extra > ((size_t)-1) / 2 - b->len) {
    b->failed = true;
    return false;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  char *p = b->cap ? realloc(b->s, cap) : malloc(cap);
  if (!p) {
    b->failed = true;
    return false;
  }
  if (!b->cap) p[0] = 0;
  b->s = p;
  b->cap = cap;
  return true;
}

void strbuf_append_n(strbuf *b, const char *s, size_t n) {
  if (!reserve(b, n)) return;
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

void strbuf_append(strbuf *b, const char *s) { strbuf_append_n(b, s, strlen(s)); }

void strbuf_putc(strbuf *b, char c) { strbuf_append_n(b, &c, 1); }

void strbuf_printf(strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    strbuf_append_n(b, small, (size_t)n);
    return;
  }
  if (!reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *strbuf_take(strbuf *b) {
  char *s = NULL;
  if (!b->failed) {
    if (b->cap) {
      s = b->s;
    } else {
      s = malloc(1);
      if (s) s[0] = 0;
    }
  } else if (b->cap) {
    free(b->s);
  }
  strbuf_init(b);
  return s;
}
