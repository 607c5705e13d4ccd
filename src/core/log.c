/* SPDX-License-Identifier: MIT */
/* log.c — the context's log sink, error-detail formatting and small string helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static const char *level_name(blec_log_level l) {
  switch (l) {
    case BLEC_LOG_ERROR: return "error";
    case BLEC_LOG_WARNING: return "warning";
    case BLEC_LOG_INFO: return "info";
    case BLEC_LOG_DEBUG: return "debug";
    default: return "";
  }
}

bool blec__log_wants(const blec_ctx *ctx, blec_log_level level) {
  return ctx && level != BLEC_LOG_NONE && level <= ctx->log_level;
}

void blec__log(blec_ctx *ctx, blec_log_level level, const char *fmt, ...) {
  if (!ctx || level == BLEC_LOG_NONE || level > ctx->log_level) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (ctx->log_cb)
    ctx->log_cb(level, line, ctx->log_user);
  else
    fprintf(stderr, "blec %s: %s\n", level_name(level), line);
}

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range (overlongs, surrogates, > U+10FFFF) */
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return n;
}

void blec__text_sanitize(char *text) {
  unsigned char *s = (unsigned char *)text;
  while (*s) {
    size_t n = utf8_len(s);
    if (n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7F))) {
      *s++ = '?'; /* an invalid byte, or a control character (an escape sequence's ESC) */
      continue;
    }
    s += n;
  }
}

void blec__error_set(blec_error *err, int status, const char *fmt, ...) {
  if (!err) return;
  blec_error_clear(err);
  err->status = status;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  /* Messages quote outside text (names, paths, tokens): always valid UTF-8 without control
   * characters, and a failure always says something. */
  blec__text_sanitize(err->message);
  if (!err->message[0] && status != BLEC_OK) snprintf(err->message, sizeof err->message, "%s", blec_strerror(status));
}

char *blec__strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}
