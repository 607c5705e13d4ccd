/* SPDX-License-Identifier: MIT */
/* hex.c — see hex.h. */
#include "hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int is_sep(char c) { return c == ' ' || c == '\t' || c == ':' || c == '-' || c == ','; }

/* A character for an error message: printable as is, else as \xHH. */
static void show_char(char *buf, size_t size, unsigned char c) {
  if (c >= 0x20 && c < 0x7f)
    snprintf(buf, size, "'%c'", c);
  else
    snprintf(buf, size, "byte 0x%02x", c);
}

int hex_parse(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size) {
  *out = NULL;
  *len = 0;
  size_t n = strlen(text);
  uint8_t *buf = malloc(n / 2 + 1);
  if (!buf) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  size_t count = 0;
  size_t i = 0;
  while (i < n) {
    if (is_sep(text[i])) {
      i++;
      continue;
    }
    size_t group = i;
    if (text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) i += 2;
    size_t digits = i;
    while (i < n && !is_sep(text[i])) {
      if (hexval(text[i]) < 0) {
        char c[16];
        show_char(c, sizeof c, (unsigned char)text[i]);
        snprintf(err, err_size, "%s at position %zu is not a hexadecimal digit", c, i + 1);
        free(buf);
        return -1;
      }
      i++;
    }
    size_t ndig = i - digits;
    if (ndig == 0) {
      snprintf(err, err_size, "'0x' at position %zu is not followed by hexadecimal digits",
               group + 1);
      free(buf);
      return -1;
    }
    if (ndig % 2) {
      snprintf(err, err_size,
               "the group at position %zu has an odd number of hexadecimal digits (%zu); write "
               "each byte as two digits, e.g. 0a",
               group + 1, ndig);
      free(buf);
      return -1;
    }
    for (size_t k = digits; k < i; k += 2) {
      if (count == HEX_MAX_BYTES) {
        snprintf(err, err_size, "more than %d bytes (the largest attribute value)", HEX_MAX_BYTES);
        free(buf);
        return -1;
      }
      buf[count++] = (uint8_t)(hexval(text[k]) << 4 | hexval(text[k + 1]));
    }
  }
  if (count == 0) {
    snprintf(err, err_size, "no bytes given (use --text '' to write an empty value)");
    free(buf);
    return -1;
  }
  *out = buf;
  *len = count;
  return 0;
}

int text_unescape(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size) {
  *out = NULL;
  *len = 0;
  size_t n = strlen(text);
  uint8_t *buf = malloc(n + 1);
  if (!buf) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c != '\\') {
      buf[count++] = c;
      continue;
    }
    if (i + 1 >= n) {
      snprintf(err, err_size, "a lone backslash ends the text; write \\\\ for a backslash");
      free(buf);
      return -1;
    }
    char e = text[++i];
    switch (e) {
      case 'n': buf[count++] = '\n'; break;
      case 'r': buf[count++] = '\r'; break;
      case 't': buf[count++] = '\t'; break;
      case '0': buf[count++] = 0; break;
      case '\\': buf[count++] = '\\'; break;
      case 'x': {
        int hi = i + 1 < n ? hexval(text[i + 1]) : -1;
        int lo = i + 2 < n ? hexval(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          snprintf(err, err_size, "\\x at position %zu needs two hexadecimal digits", i);
          free(buf);
          return -1;
        }
        buf[count++] = (uint8_t)(hi << 4 | lo);
        i += 2;
        break;
      }
      default: {
        char c2[16];
        show_char(c2, sizeof c2, (unsigned char)e);
        snprintf(err, err_size,
                 "unknown escape \\ followed by %s at position %zu (known: \\n \\r \\t \\0 \\\\ "
                 "\\xHH)",
                 c2, i);
        free(buf);
        return -1;
      }
    }
  }
  if (count > HEX_MAX_BYTES) {
    snprintf(err, err_size, "more than %d bytes (the largest attribute value)", HEX_MAX_BYTES);
    free(buf);
    return -1;
  }
  *out = buf;
  *len = count;
  return 0;
}

void hex_append(strbuf *b, const uint8_t *data, size_t len) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    char t[3] = {digits[data[i] >> 4], digits[data[i] & 15], ' '};
    strbuf_append_n(b, t, i + 1 < len ? 3 : 2);
  }
}

void hex_append_compact(strbuf *b, const uint8_t *data, size_t len) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    char t[2] = {digits[data[i] >> 4], digits[data[i] & 15]};
    strbuf_append_n(b, t, 2);
  }
}

void printable_append(strbuf *b, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) strbuf_putc(b, data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '.');
}

int is_printable_text(const uint8_t *data, size_t len) {
  while (len > 0 && data[len - 1] == 0) len--;
  if (len == 0) return 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = data[i];
    if (!((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n')) return 0;
  }
  return 1;
}
