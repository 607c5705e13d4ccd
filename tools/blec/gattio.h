/* SPDX-License-Identifier: MIT */
/*
 * gattio.h — reading attributes with the tool's deadline and Ctrl-C handling, and showing
 * attributes and values the same way in every command (services, read, write, notify).
 */
#ifndef BLEC_CLI_GATTIO_H
#define BLEC_CLI_GATTIO_H

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
/** JSON member "error": {"status", "att_error", "message"}. */
void gattio_json_error(json_obj *j, const blec_error *err);
/** One-line human form of a failure: "ATT protocol error 0x05 (Insufficient ...)". */
void gattio_error_text(strbuf *b, const blec_error *err);

/**
 * Finds the characteristic named by `spec` (a UUID or a handle) on the connected client.
 * Returns an exit code; on failure it has reported why and *out is NULL.
 */
int gattio_find_chr(cli_session *s, const char *spec, blec_characteristic **out);

#endif /* BLEC_CLI_GATTIO_H */
