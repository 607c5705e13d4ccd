/* SPDX-License-Identifier: MIT */
/*
 * gattio.h — reading attributes with the tool's deadline and Ctrl-C handling, and showing
 * attributes and values the same way in every command (services, read, write, notify).
 */
#ifndef BLEC_CLI_GATTIO_H
#define BLEC_CLI_GATTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"
#include "json.h"
#include "session.h"
#include "strbuf.h"

/** Reads a characteristic: *data malloc'd (free it; never NULL on success). */
int gattio_read_chr(cli_session *s, const blec_characteristic *chr, uint8_t **data, size_t *len,
                    blec_error *err);
/** Reads a descriptor, likewise. */
int gattio_read_desc(cli_session *s, const blec_descriptor *desc, uint8_t **data, size_t *len,
                     blec_error *err);

/** "Battery Level (2a19, handle 14)". */
void gattio_label(strbuf *b, const blec_uuid *uuid, const char *description, uint16_t handle);

/** JSON members "uuid", "description", "handle". */
void gattio_json_attr(json_obj *j, const blec_uuid *uuid, const char *description, uint16_t handle);
/** JSON members "value" (hex), "decoded" (or null), "text" (when printable, else null). */
void gattio_json_value(json_obj *j, const blec_uuid *uuid, const uint8_t *data, size_t len);
/** JSON member "properties": ["read", "notify", ...]. */
void gattio_json_properties(json_obj *j, uint32_t props);
/** JSON member "error": {"status", "att_error", "att_error_name", "message"} (null when not ATT). */
void gattio_json_error(json_obj *j, const blec_error *err);
/**
 * The members "value", "decoded", "text" and "error", always all four: the value when
 * `read` was done and succeeded (error null), else nulls with the error of a failed
 * read (or a null error when nothing was read: the attribute is not readable).
 */
void gattio_json_outcome(json_obj *j, const blec_uuid *uuid, bool read, int status, const uint8_t *data,
                         size_t len, const blec_error *err);
/** One-line human form of a failure: "ATT protocol error 0x05 (Insufficient ...)". */
void gattio_error_text(strbuf *b, const blec_error *err);

/**
 * Finds the characteristic named by `spec` (a UUID or a handle) on the connected client.
 * Returns an exit code; on failure it has reported why and *out is NULL.
 */
int gattio_find_chr(cli_session *s, const char *spec, blec_characteristic **out);

/** An attribute a command works on: a characteristic's value, or one of its descriptors. */
typedef struct gattio_attr {
  blec_characteristic *chr; /* always set: the characteristic (the descriptor's owner) */
  blec_descriptor *desc;    /* the descriptor, or NULL for the characteristic's value */
} gattio_attr;

/**
 * Finds what `spec` names (a UUID or a handle; a descriptor's handle names the
 * descriptor) or, with `desc_uuid`, that descriptor of the characteristic `spec`.
 * Returns an exit code; on failure it has reported why.
 */
int gattio_find_attr(cli_session *s, const char *spec, const char *desc_uuid, gattio_attr *out);
/** Its UUID, description and handle. */
void gattio_attr_id(const gattio_attr *at, blec_uuid *uuid, const char **description, uint16_t *handle);
/** Reads it, as gattio_read_chr. */
int gattio_read_attr(cli_session *s, const gattio_attr *at, uint8_t **data, size_t *len, blec_error *err);
/** Writes it (a descriptor always with response), with the tool's deadline; err filled on failure. */
int gattio_write_attr(cli_session *s, const gattio_attr *at, const uint8_t *data, size_t len,
                      blec_write_mode mode, blec_error *err);

#endif /* BLEC_CLI_GATTIO_H */
