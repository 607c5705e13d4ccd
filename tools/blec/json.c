/* SPDX-License-Identifier: MIT */
/* json.c — see json.h. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
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

void json_quote_n(strbuf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  strbuf_putc(b, '"');
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      strbuf_putc(b, '\\');
      strbuf_putc(b, (char)c);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      switch (c) {
        case '\n': strbuf_append(b, "\\n"); break;
        case '\r': strbuf_append(b, "\\r"); break;
        case '\t': strbuf_append(b, "\\t"); break;
        default: strbuf_printf(b, "\\u%04x", c); break;
      }
      i++;
    } else if (c < 0x80) {
      strbuf_putc(b, (char)c);
      i++;
    } else {
      size_t l = utf8_len(p + i, n - i);
      if (l == 0) {
        strbuf_append(b, "\\ufffd");
        i++;
      } else {
        strbuf_append_n(b, s + i, l);
        i += l;
      }
    }
  }
  strbuf_putc(b, '"');
}

void json_quote(strbuf *b, const char *s) { json_quote_n(b, s, strlen(s)); }

static void key(json_obj *j, const char *k) {
  if (!j->first[j->depth]) strbuf_putc(&j->b, ',');
  j->first[j->depth] = false;
  if (k) {
    json_quote(&j->b, k);
    strbuf_putc(&j->b, ':');
  }
}

void json_begin(json_obj *j) {
  strbuf_init(&j->b);
  j->depth = 0;
  j->first[0] = true;
  strbuf_putc(&j->b, '{');
}

void json_str(json_obj *j, const char *k, const char *val) {
  key(j, k);
  if (val)
    json_quote(&j->b, val);
  else
    strbuf_append(&j->b, "null");
}

void json_int(json_obj *j, const char *k, long long val) {
  key(j, k);
  strbuf_printf(&j->b, "%lld", val);
}

void json_bool(json_obj *j, const char *k, bool val) {
  key(j, k);
  strbuf_append(&j->b, val ? "true" : "false");
}

void json_null(json_obj *j, const char *k) {
  key(j, k);
  strbuf_append(&j->b, "null");
}

void json_num(json_obj *j, const char *k, double val, int decimals) {
  key(j, k);
  if (!isfinite(val))
    strbuf_append(&j->b, "null");
  else
    strbuf_printf(&j->b, "%.*f", decimals, val);
}

void json_hex(json_obj *j, const char *k, const uint8_t *data, size_t len) {
  key(j, k);
  strbuf_putc(&j->b, '"');
  hex_append_compact(&j->b, data, len);
  strbuf_putc(&j->b, '"');
}

static void open_(json_obj *j, const char *k, char c) {
  key(j, k);
  strbuf_putc(&j->b, c);
  if (j->depth + 1 < JSON_MAX_DEPTH) j->depth++;
  j->first[j->depth] = true;
}

static void close_(json_obj *j, char c) {
  strbuf_putc(&j->b, c);
  if (j->depth > 0) j->depth--;
}

void json_begin_object(json_obj *j, const char *k) { open_(j, k, '{'); }
void json_end_object(json_obj *j) { close_(j, '}'); }
void json_begin_array(json_obj *j, const char *k) { open_(j, k, '['); }
void json_end_array(json_obj *j) { close_(j, ']'); }

void json_end_line(json_obj *j, FILE *out) {
  strbuf_append(&j->b, "}\n");
  if (!j->b.failed) {
    fputs(j->b.s, out);
    fflush(out);
  }
  strbuf_free(&j->b);
}
