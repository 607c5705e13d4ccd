/* SPDX-License-Identifier: MIT */
/* escape.c — see escape.h. */
#include "escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t min, cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    min = 0x80;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    min = 0x800;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    min = 0x10000;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void esc_append_n(strbuf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c == '\\') {
      strbuf_append(b, "\\\\");
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      switch (c) {
        case '\n': strbuf_append(b, "\\n"); break;
        case '\r': strbuf_append(b, "\\r"); break;
        case '\t': strbuf_append(b, "\\t"); break;
        case 0x1b: strbuf_append(b, "\\e"); break;
        default: strbuf_printf(b, "\\x%02x", c); break;
      }
      i++;
    } else if (c < 0x80) {
      strbuf_putc(b, (char)c);
      i++;
    } else {
      size_t l = utf8_seq_len(p + i, n - i);
      if (l == 0) {
        strbuf_printf(b, "\\x%02x", c);
        i++;
      } else if (l == 2 && c == 0xC2 && p[i + 1] < 0xA0) {
        /* U+0080..U+009F: C1 controls (CSI U+009B, OSC U+009D...) act on terminals. */
        strbuf_printf(b, "\\u%04x", (unsigned)p[i + 1]);
        i += 2;
      } else {
        strbuf_append_n(b, s + i, l);
        i += l;
      }
    }
  }
}

void esc_append(strbuf *b, const char *s) {
  if (s) esc_append_n(b, s, strlen(s));
}

esc_text esc(const char *s) {
  esc_text t;
  strbuf b;
  strbuf_init(&b);
  esc_append(&b, s);
  if (b.len < sizeof t.s) {
    memcpy(t.s, b.s, b.len + 1);
  } else {
    /* Cut at a UTF-8 boundary (a name of 512 bytes never gets here: at most 4 bytes
     * of escape per byte). */
    size_t keep = sizeof t.s - 4;
    while (keep > 0 && ((unsigned char)b.s[keep] & 0xC0) == 0x80) keep--;
    memcpy(t.s, b.s, keep);
    memcpy(t.s + keep, "...", 4);
  }
  strbuf_free(&b);
  return t;
}
