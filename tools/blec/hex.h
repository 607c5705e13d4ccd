/* SPDX-License-Identifier: MIT */
/*
 * hex.h — values typed on the command line (hexadecimal, or text with escapes) and
 * values shown back (hexadecimal, printable text). No dependency on the library.
 */
#ifndef BLEC_CLI_HEX_H
#define BLEC_CLI_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/** Largest value accepted: an ATT attribute value is at most 512 bytes. */
#define HEX_MAX_BYTES 512

/**
 * Parses hexadecimal bytes: "0102ff", "01 02 ff", "01:02:ff", "01-02,ff", "0x0102ff",
 * "0x01 0x02". Separators (space, tab, ':', '-', ',') split groups; each group (after an
 * optional 0x) must have an even number of digits; at least one byte, at most
 * HEX_MAX_BYTES. On success *out is malloc'd (the caller frees it) and returns 0. On
 * error returns -1 and writes a sentence to err (no trailing period).
 */
int hex_parse(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size);

/**
 * Converts text with the escapes \n \r \t \0 \\ \xHH into bytes (other bytes as they are,
 * so UTF-8 passes through). *out is malloc'd (at least 1 byte allocated even when *len is
 * 0). Returns 0, or -1 with a sentence in err.
 */
int text_unescape(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size);

/** Appends "01 02 ff" (lower case, space separated); nothing for len 0. */
void hex_append(strbuf *b, const uint8_t *data, size_t len);
/** Appends "0102ff" (lower case, no separators). */
void hex_append_compact(strbuf *b, const uint8_t *data, size_t len);
/** Appends the bytes with every non-printable ASCII byte shown as '.'. */
void printable_append(strbuf *b, const uint8_t *data, size_t len);
/** True when every byte is printable ASCII or a tab/CR/LF (trailing NULs allowed). */
int is_printable_text(const uint8_t *data, size_t len);

#endif /* BLEC_CLI_HEX_H */
