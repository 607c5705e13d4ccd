/* SPDX-License-Identifier: MIT */
/*
 * world_parse.h — the world file parser's state and helpers, shared by world_parse.c (the
 * driver, world and peripheral keywords), world_parse_adv.c (advertising fields) and
 * world_parse_gatt.c (the GATT database). Every helper that fails has written
 * "name:LINE: what is wrong (what was expected)" to the error and returns its status.
 */
#ifndef BLEC_WORLD_PARSE_H
#define BLEC_WORLD_PARSE_H

#include "world/world_internal.h"
#include "world/world_lex.h"

/* A pending echo: its target may be declared later in the peripheral. */
typedef struct blec__wecho_fix {
  int line;
  blec_world_peripheral *p;
  uint16_t from;
  uint16_t handle; /* target by handle, or 0 */
  blec_uuid uuid;  /* target by UUID */
  char text[48];
} blec__wecho_fix;

typedef struct blec__wparser {
  const char *name;
  int line;
  blec_error *err;
  blec_world *w;
  blec__wlexer lx;
  bool versioned;
  blec_world_peripheral *p;
  bool has_services;
  bool in_service;
  uint16_t cur_char; /* value handle of the characteristic being described */
  uint16_t cur_attr; /* what a 'value' line sets: the characteristic or its last descriptor */
  blec__wecho_fix *echo;
  size_t necho, cap_echo;
  uint8_t val[BLEC__W_MAX_VALUE];
  size_t vlen;
  char why[BLEC__WLEX_WHY];
} blec__wparser;

/* ---- errors ---------------------------------------------------------------------------- */

/** A parse error on the current line (printf format); returns BLEC_ERR_PARSE. */
int blec__wp_fail(blec__wparser *ps, const char *fmt, ...);
/** The same on another line. */
int blec__wp_fail_at(blec__wparser *ps, int line, const char *fmt, ...);
/** Out of memory on the current line; returns BLEC_ERR_NO_MEMORY. */
int blec__wp_oom(blec__wparser *ps);
/** Maps a builder status: BLEC_OK stays, BLEC_ERR_NO_MEMORY stays, anything else is `what`. */
int blec__wp_built(blec__wparser *ps, int st, const char *what);

/* ---- arguments (BLEC_OK, or a parse error naming what was expected) -------------------------- */

int blec__wp_uuid(blec__wparser *ps, const char *t, blec_uuid *u);
/** A value over tokens t[0..n) into ps->val / ps->vlen. */
int blec__wp_value(blec__wparser *ps, char *const *t, size_t n);
int blec__wp_duration(blec__wparser *ps, const char *kw, const char *t, int64_t *ms);
int blec__wp_bool(blec__wparser *ps, const char *kw, const char *t, bool *b);
int blec__wp_int(blec__wparser *ps, const char *kw, const char *t, int64_t lo, int64_t hi, int64_t *v);
/** none / encryption / authentication as a blec_protection_level. */
int blec__wp_level(blec__wparser *ps, const char *kw, const char *t, int *level);
/** A quoted name: valid UTF-8, no NUL, at most cap - 1 bytes, NUL-terminated into out. */
int blec__wp_name(blec__wparser *ps, const char *t, char *out, size_t cap);
/** Sets the peripheral's name, advertised where `where` says (BLEC__WNAME_*). */
int blec__wp_set_name(blec__wparser *ps, const char *tok, int where);

/* ---- keywords: t[0] is the keyword, n the number of tokens ------------------------------------- */

int blec__wp_kw_adv_part(blec__wparser *ps, char **t, size_t n);   /* adv / scan-response FIELD */
int blec__wp_kw_ad_bare(blec__wparser *ps, char **t, size_t n);    /* FIELD (advertisement) */
int blec__wp_kw_service(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_characteristic(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_descriptor(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_value(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_stream(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_security(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_echo(blec__wparser *ps, char **t, size_t n);
int blec__wp_kw_windows(blec__wparser *ps, char **t, size_t n); /* world_parse_windows.c */
/** The end of a peripheral's lines: resolves its echoes. */
int blec__wp_end_peripheral(blec__wparser *ps);

#endif /* BLEC_WORLD_PARSE_H */
