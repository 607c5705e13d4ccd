/* SPDX-License-Identifier: MIT */
/* json.c — see json.h. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hex.h"

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
      size_t l = utf8_seq_len(p + i, n - i);
      if (l == 0) {
        strbuf_append(b, "\\ufffd");
        i++;
      } else if (l == 2 && c == 0xC2 && p[i + 1] < 0xA0) {
        /* C1 controls are valid JSON as they are, but act on a terminal showing them. */
        strbuf_printf(b, "\\u%04x", (unsigned)p[i + 1]);
        i += 2;
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
