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
}

char *blec__strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}
