/* SPDX-License-Identifier: MIT */
/*
 * format.h — turns what devices send into words: attribute values decoded by their
 * Bluetooth assigned number (battery %, heart rate, temperature, strings...) and
 * advertisements described ("Heart Rate, Battery Service; iBeacon ...").
 */
#ifndef BLEC_CLI_FORMAT_H
#define BLEC_CLI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"
#include "strbuf.h"

/**
 * Appends the decoded value when the UUID of the attribute says how to read it and the
 * bytes fit ("72 bpm, sensor contact detected", "85 %", "\"Heart Rate Sensor\"").
 * Returns false (and appends nothing) when there is no decoding.
 */
bool format_decode(strbuf *out, const blec_uuid *uuid, const uint8_t *data, size_t len);

/**
 * Appends the value for people: the decoding when there is one, else the hexadecimal
 * bytes followed by their printable text ("48 69 |Hi|"), "(empty)" for no bytes.
 */
void format_value(strbuf *out, const blec_uuid *uuid, const uint8_t *data, size_t len);

/** Short form of a UUID: "180d" for a 16-bit assigned number, else the full form. */
char *format_uuid_short(const blec_uuid *u, char buf[BLEC_UUID_STRLEN]);

/** The UUID's description, or NULL when the library knows none. */
const char *format_uuid_name(const blec_uuid *u);

/**
 * Appends what the advertisement carries, in words, parts separated by "; ":
 * services, iBeacon / Eddystone frames, manufacturer and service data, appearance.
 * Nothing for an advertisement with none of those.
 */
void format_adv_words(strbuf *out, const blec_adv *adv);

/** "public" / "random" / "unspecified". */
const char *format_address_type(blec_address_type t);

#endif /* BLEC_CLI_FORMAT_H */
