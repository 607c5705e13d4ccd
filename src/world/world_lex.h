/* SPDX-License-Identifier: MIT */
/*
 * world_lex.h — the lexical layer of the world file format (docs/world-format.md):
 * splitting a line into tokens and reading the scalar forms (numbers, durations,
 * strings, values). Every reader takes a token and answers false / BLEC_ERR_PARSE with
 * a sentence in `why` for the error message; none of them can crash on any input.
 */
#ifndef BLEC_WORLD_LEX_H
#define BLEC_WORLD_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Room for a reason sentence. */
#define BLEC__WLEX_WHY 160

/** A line split into tokens (each NUL-terminated, pointing into the lexer's buffer). */
typedef struct blec__wlexer {
  char *buf;
  size_t cap;
  char **tok;
  size_t ntok, cap_tok;
} blec__wlexer;

void blec__wlex_free(blec__wlexer *lx);
/**
 * Tokenizes one line (without its end of line). Tokens are separated by blanks; a '"'
 * opens a quoted part (blanks and '#' inside it belong to the token, '\' escapes the
 * next character) that ends at the next unescaped '"'; a token starting with '#' starts
 * a comment that runs to the end of the line. BLEC_ERR_PARSE (unterminated quote),
 * BLEC_ERR_NO_MEMORY, or BLEC_OK.
 */
int blec__wlex_line(blec__wlexer *lx, const char *line, size_t len, char why[BLEC__WLEX_WHY]);

/** An integer, decimal or 0x-hex, optional sign, within [min, max]. */
bool blec__wlex_int(const char *s, int64_t min, int64_t max, int64_t *out);
/** An unsigned 64-bit integer, decimal or 0x-hex. */
bool blec__wlex_u64(const char *s, uint64_t *out);
/** A hexadecimal number of at most 4 digits, with or without 0x (company identifiers). */
bool blec__wlex_hex16(const char *s, uint16_t *out);
/** A positive decimal number ("0.1", "2", "1.5"); no exponent. */
bool blec__wlex_decimal(const char *s, double *out);
/**
 * A duration in whole milliseconds: a decimal number and a unit, "ms", "s" or "min"
 * ("100ms", "1.5s", "2min"), at most 24 hours.
 */
bool blec__wlex_duration(const char *s, int64_t *ms);
/** yes/no, on/off, true/false. */
bool blec__wlex_bool(const char *s, bool *out);
/**
 * A quoted string token ("..." with \" \\ \n \r \t \xHH escapes) into out (up to cap
 * bytes); BLEC_ERR_PARSE with why.
 */
int blec__wlex_string(const char *tok, uint8_t *out, size_t cap, size_t *len, char why[BLEC__WLEX_WHY]);
/**
 * A value written over tokens tok[0..n): hex:HEX... (the hex may continue over the
 * following tokens), text:"...", a bare "..." string, or u8:/u16:/u32:/s8:/s16:/s32:N
 * (little-endian). At most `cap` bytes.
 */
int blec__wlex_value(char *const *tok, size_t n, uint8_t *out, size_t cap, size_t *len,
                     char why[BLEC__WLEX_WHY]);
/** Whether a token starts a value (one of the forms above). */
bool blec__wlex_is_value(const char *tok);
/** Whether bytes are valid UTF-8 (no NUL, no overlong forms, no surrogates). */
bool blec__wlex_utf8(const uint8_t *s, size_t n);

#endif /* BLEC_WORLD_LEX_H */
