/* SPDX-License-Identifier: MIT */
/* world_lex.c — tokens and scalar forms of the world file format (see world_lex.h). */
#include "world/world_lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static int digit(char c, int base) {
  int d = -1;
  if (c >= '0' && c <= '9')
    d = c - '0';
  else if (c >= 'a' && c <= 'f')
    d = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    d = c - 'A' + 10;
  return d < base ? d : -1;
}

void blec__wlex_free(blec__wlexer *lx) {
  free(lx->buf);
  free(lx->tok);
  memset(lx, 0, sizeof *lx);
}

static int push_tok(blec__wlexer *lx, char *t) {
  if (lx->ntok == lx->cap_tok) {
    size_t cap = lx->cap_tok ? lx->cap_tok * 2 : 16;
    char **nt = realloc(lx->tok, cap * sizeof *nt);
    if (!nt) return BLEC_ERR_NO_MEMORY;
    lx->tok = nt;
    lx->cap_tok = cap;
  }
  lx->tok[lx->ntok++] = t;
  return BLEC_OK;
}

int blec__wlex_line(blec__wlexer *lx, const char *line, size_t len, char why[BLEC__WLEX_WHY]) {
  if (len + 1 > lx->cap) {
    char *nb = realloc(lx->buf, len + 1);
    if (!nb) return BLEC_ERR_NO_MEMORY;
    lx->buf = nb;
    lx->cap = len + 1;
  }
  char *b = lx->buf;
  memcpy(b, line, len);
  b[len] = '\0';
  lx->ntok = 0;
  size_t i = 0;
  while (i < len) {
    while (i < len && is_blank(b[i])) i++;
    if (i >= len || b[i] == '#') break;
    size_t start = i;
    while (i < len && !is_blank(b[i])) {
      if (b[i] != '"') {
        i++;
        continue;
      }
      i++;
      while (i < len && b[i] != '"') i += (b[i] == '\\' && i + 1 < len) ? 2 : 1;
      if (i >= len) {
        snprintf(why, BLEC__WLEX_WHY, "unterminated string (expected a closing \")");
        return BLEC_ERR_PARSE;
      }
      i++;
    }
    if (push_tok(lx, b + start) != BLEC_OK) return BLEC_ERR_NO_MEMORY;
    if (i < len) b[i++] = '\0';
  }
  return BLEC_OK;
}

/* ---- numbers ---------------------------------------------------------------------------- */

/* Digits of s in base into *out; false on anything else, empty text or overflow past 2^62. */
static bool digits(const char *s, int base, uint64_t *out) {
  uint64_t v = 0;
  if (!*s) return false;
  for (; *s; s++) {
    int d = digit(*s, base);
    if (d < 0 || v > ((1ull << 62) - (uint64_t)d) / (uint64_t)base) return false;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return true;
}

bool blec__wlex_int(const char *s, int64_t min, int64_t max, int64_t *out) {
  bool neg = false;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  int base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  uint64_t v;
  if (!digits(s, base, &v)) return false;
  int64_t r = neg ? -(int64_t)v : (int64_t)v;
  if (r < min || r > max) return false;
  *out = r;
  return true;
}

bool blec__wlex_u64(const char *s, uint64_t *out) {
  int base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  uint64_t v = 0;
  if (!*s) return false;
  for (; *s; s++) {
    int d = digit(*s, base);
    if (d < 0) return false;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return true;
}

bool blec__wlex_hex16(const char *s, uint16_t *out) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  size_t n = strlen(s);
  uint64_t v;
  if (n == 0 || n > 4 || !digits(s, 16, &v)) return false;
  *out = (uint16_t)v;
  return true;
}

/* "I[.F]" into integer part, fraction digits and their count (at most 6). */
static bool fixed(const char *s, size_t n, uint64_t *ip, uint64_t *fp, int *fd) {
  size_t i = 0;
  uint64_t a = 0, f = 0;
  int k = 0;
  if (n == 0) return false;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    a = a * 10 + (uint64_t)(s[i] - '0');
    if (a > 1000000000ull) return false;
  }
  if (i == 0) return false;
  if (i < n) {
    if (s[i] != '.' || i + 1 == n) return false;
    for (i++; i < n; i++) {
      if (s[i] < '0' || s[i] > '9' || k == 6) return false;
      f = f * 10 + (uint64_t)(s[i] - '0');
      k++;
    }
  }
  *ip = a;
  *fp = f;
  *fd = k;
  return true;
}

bool blec__wlex_decimal(const char *s, double *out) {
  uint64_t a, f;
  int k;
  if (!fixed(s, strlen(s), &a, &f, &k)) return false;
  double v = (double)f;
  for (int i = 0; i < k; i++) v /= 10.0;
  *out = (double)a + v;
  return true;
}

bool blec__wlex_duration(const char *s, int64_t *ms) {
  size_t n = strlen(s), u = 0;
  while (u < n && ((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) u++;
  uint64_t unit;
  if (strcmp(s + u, "ms") == 0)
    unit = 1;
  else if (strcmp(s + u, "s") == 0)
    unit = 1000;
  else if (strcmp(s + u, "min") == 0)
    unit = 60000;
  else
    return false;
  uint64_t a, f;
  int k;
  if (!fixed(s, u, &a, &f, &k) || a > 86400000ull) return false; /* keeps the products below in range */
  uint64_t p10 = 1;
  for (int i = 0; i < k; i++) p10 *= 10;
  uint64_t scaled = (a * p10 + f) * unit; /* <= 8.64e7 * 1e6 * 6e4 < 2^63 */
  if (scaled % p10 != 0) return false;    /* not a whole number of milliseconds */
  uint64_t v = scaled / p10;
  if (v > 86400000ull) return false;
  *ms = (int64_t)v;
  return true;
}

bool blec__wlex_bool(const char *s, bool *out) {
  if (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "true")) {
    *out = true;
    return true;
  }
  if (!strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "false")) {
    *out = false;
    return true;
  }
  return false;
}

/* ---- strings and values ------------------------------------------------------------------ */

int blec__wlex_string(const char *tok, uint8_t *out, size_t cap, size_t *len, char why[BLEC__WLEX_WHY]) {
  if (tok[0] != '"') {
    snprintf(why, BLEC__WLEX_WHY, "expected a quoted string like \"text\"");
    return BLEC_ERR_PARSE;
  }
  size_t n = 0;
  const char *s = tok + 1;
  for (;;) {
    unsigned char c = (unsigned char)*s++;
    if (c == '\0') {
      snprintf(why, BLEC__WLEX_WHY, "unterminated string (expected a closing \")");
      return BLEC_ERR_PARSE;
    }
    if (c == '"') break;
    if (c == '\\') {
      char e = *s++;
      switch (e) {
        case '"':
          c = '"';
          break;
        case '\\':
          c = '\\';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        case 'x': {
          int hi = digit(s[0], 16), lo = hi < 0 ? -1 : digit(s[1], 16);
          if (lo < 0) {
            snprintf(why, BLEC__WLEX_WHY, "bad \\x escape in string (expected two hex digits, as in \\x41)");
            return BLEC_ERR_PARSE;
          }
          c = (unsigned char)(hi * 16 + lo);
          s += 2;
          break;
        }
        default:
          if (e >= 0x21 && e <= 0x7E)
            snprintf(why, BLEC__WLEX_WHY,
                     "unknown escape \\%c in string (expected \\\", \\\\, \\n, \\r, \\t or \\xHH)", e);
          else
            snprintf(why, BLEC__WLEX_WHY,
                     "unknown escape in string (expected \\\", \\\\, \\n, \\r, \\t or \\xHH)");
          return BLEC_ERR_PARSE;
      }
    }
    if (n == cap) {
      snprintf(why, BLEC__WLEX_WHY, "string longer than %u bytes", (unsigned)cap);
      return BLEC_ERR_PARSE;
    }
    out[n++] = c;
  }
  if (*s != '\0') {
    snprintf(why, BLEC__WLEX_WHY, "unexpected text after the closing quote");
    return BLEC_ERR_PARSE;
  }
  *len = n;
  return BLEC_OK;
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static const char *const int_forms[] = {"u8:", "u16:", "u32:", "s8:", "s16:", "s32:"};

bool blec__wlex_is_value(const char *tok) {
  if (tok[0] == '"' || has_prefix(tok, "hex:") || has_prefix(tok, "text:")) return true;
  for (size_t i = 0; i < sizeof int_forms / sizeof int_forms[0]; i++)
    if (has_prefix(tok, int_forms[i])) return true;
  return false;
}

static int hex_value(char *const *tok, size_t n, uint8_t *out, size_t cap, size_t *len,
                     char why[BLEC__WLEX_WHY]) {
  size_t nb = 0;
  int hi = -1;
  for (size_t t = 0; t < n; t++) {
    const char *s = t == 0 ? tok[0] + 4 : tok[t];
    for (; *s; s++) {
      int d = digit(*s, 16);
      if (d < 0) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x21 && c <= 0x7E)
          snprintf(why, BLEC__WLEX_WHY, "'%c' is not a hex digit (expected hex:0A1B... with pairs of digits)",
                   c);
        else
          snprintf(why, BLEC__WLEX_WHY, "a byte that is not a hex digit in a hex: value");
        return BLEC_ERR_PARSE;
      }
      if (hi < 0) {
        hi = d;
        continue;
      }
      if (nb == cap) {
        snprintf(why, BLEC__WLEX_WHY, "value longer than %u bytes", (unsigned)cap);
        return BLEC_ERR_PARSE;
      }
      out[nb++] = (uint8_t)(hi * 16 + d);
      hi = -1;
    }
  }
  if (hi >= 0) {
    snprintf(why, BLEC__WLEX_WHY, "odd number of hex digits (expected two per byte)");
    return BLEC_ERR_PARSE;
  }
  *len = nb;
  return BLEC_OK;
}

int blec__wlex_value(char *const *tok, size_t n, uint8_t *out, size_t cap, size_t *len,
                     char why[BLEC__WLEX_WHY]) {
  if (n == 0) {
    snprintf(why, BLEC__WLEX_WHY,
             "missing value (expected hex:..., text:\"...\" or u8:/u16:/u32:/s8:/s16:/s32:N)");
    return BLEC_ERR_PARSE;
  }
  const char *t = tok[0];
  if (has_prefix(t, "hex:")) return hex_value(tok, n, out, cap, len, why);
  if (n > 1) {
    snprintf(why, BLEC__WLEX_WHY, "unexpected '%.40s' after the value", tok[1]);
    return BLEC_ERR_PARSE;
  }
  if (has_prefix(t, "text:")) return blec__wlex_string(t + 5, out, cap, len, why);
  if (t[0] == '"') return blec__wlex_string(t, out, cap, len, why);
  static const int64_t lo[] = {0, 0, 0, -128, -32768, -2147483647 - 1};
  static const int64_t hi[] = {255, 65535, 4294967295ll, 127, 32767, 2147483647};
  static const size_t size[] = {1, 2, 4, 1, 2, 4};
  for (size_t i = 0; i < sizeof int_forms / sizeof int_forms[0]; i++) {
    if (!has_prefix(t, int_forms[i])) continue;
    int64_t v;
    if (!blec__wlex_int(t + strlen(int_forms[i]), lo[i], hi[i], &v)) {
      snprintf(why, BLEC__WLEX_WHY, "bad number in '%.40s' (expected %.4s followed by %lld..%lld)", t,
               int_forms[i], (long long)lo[i], (long long)hi[i]);
      return BLEC_ERR_PARSE;
    }
    if (size[i] > cap) {
      snprintf(why, BLEC__WLEX_WHY, "value longer than %u bytes", (unsigned)cap);
      return BLEC_ERR_PARSE;
    }
    uint64_t u = (uint64_t)v;
    for (size_t b = 0; b < size[i]; b++) out[b] = (uint8_t)(u >> (8 * b));
    *len = size[i];
    return BLEC_OK;
  }
  snprintf(why, BLEC__WLEX_WHY,
           "bad value '%.40s' (expected hex:..., text:\"...\" or u8:/u16:/u32:/s8:/s16:/s32:N)", t);
  return BLEC_ERR_PARSE;
}

bool blec__wlex_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c == 0) return false;
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      k = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      k = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      k = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + k >= n) return false; /* truncated sequence */
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += k + 1;
  }
  return true;
}
