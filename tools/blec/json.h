/* SPDX-License-Identifier: MIT */
/*
 * json.h — builds one JSON object and prints it as one line (the --json output: one
 * object per line, so a script can parse line by line). Strings are escaped and invalid
 * UTF-8 becomes U+FFFD, so every line is valid JSON whatever a device sends.
 * Inside an array pass key NULL.
 */
#ifndef BLEC_CLI_JSON_H
#define BLEC_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

enum { JSON_MAX_DEPTH = 8 };

typedef struct json_obj {
  strbuf b;
  int depth;
  bool first[JSON_MAX_DEPTH];
} json_obj;

/** Appends `s` (n bytes) as a quoted JSON string. */
void json_quote_n(strbuf *b, const char *s, size_t n);
void json_quote(strbuf *b, const char *s);

/** Starts the top-level object. */
void json_begin(json_obj *j);
/** A string member (NULL gives null). */
void json_str(json_obj *j, const char *key, const char *val);
void json_int(json_obj *j, const char *key, long long val);
void json_bool(json_obj *j, const char *key, bool val);
void json_null(json_obj *j, const char *key);
/** A number printed with `decimals` digits after the point. */
void json_num(json_obj *j, const char *key, double val, int decimals);
/** Bytes as a lower-case hexadecimal string without separators. */
void json_hex(json_obj *j, const char *key, const uint8_t *data, size_t len);
void json_begin_object(json_obj *j, const char *key);
void json_end_object(json_obj *j);
void json_begin_array(json_obj *j, const char *key);
void json_end_array(json_obj *j);
/** Closes the object, writes it and a newline to out, flushes, frees. */
void json_end_line(json_obj *j, FILE *out);

#endif /* BLEC_CLI_JSON_H */
