/* SPDX-License-Identifier: MIT */
/*
 * adv.h — the advertising-data (AD structure) parser and the builder of the immutable
 * blec_adv snapshot (internal interface; the public accessors are in blec.h).
 *
 * An AD payload is a sequence of structures [length][type][data × length-1]. Multi-byte
 * values inside are little-endian (16-bit UUID 0x180D is the bytes 0D 18).
 */
#ifndef BLEC_CORE_ADV_H
#define BLEC_CORE_ADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"

/* AD types (Bluetooth SIG Assigned Numbers, "Common Data Types") that the snapshot
 * interprets; every other type is still available through blec_adv_raw_at. */
enum {
  BLEC__AD_FLAGS = 0x01,
  BLEC__AD_UUID16_INCOMPLETE = 0x02,
  BLEC__AD_UUID16_COMPLETE = 0x03,
  BLEC__AD_UUID32_INCOMPLETE = 0x04,
  BLEC__AD_UUID32_COMPLETE = 0x05,
  BLEC__AD_UUID128_INCOMPLETE = 0x06,
  BLEC__AD_UUID128_COMPLETE = 0x07,
  BLEC__AD_NAME_SHORT = 0x08,
  BLEC__AD_NAME_COMPLETE = 0x09,
  BLEC__AD_TX_POWER = 0x0A,
  BLEC__AD_SERVICE_DATA16 = 0x16,
  BLEC__AD_APPEARANCE = 0x19,
  BLEC__AD_SERVICE_DATA32 = 0x20,
  BLEC__AD_SERVICE_DATA128 = 0x21,
  BLEC__AD_MANUFACTURER = 0xFF
};

/* Largest payload blec__adv_build accepts: the most advertising data one set can carry
 * (extended advertising, Core spec; legacy advertising carries 31 bytes). Nothing longer
 * comes from the air, and the bound keeps the work per snapshot small (the key
 * de-duplication is quadratic in the number of structures). */
#define BLEC__ADV_MAX_PAYLOAD 1650u

typedef struct blec__adv_meta {
  int rssi;
  blec_address_type address_type;
  bool connectable;
  blec_adv_type last_type;
  uint64_t timestamp_us;
} blec__adv_meta;

/*
 * Builds a new immutable snapshot (refcount 1) from the latest advertisement payload and
 * the latest scan-response payload (either may be NULL/0; a NULL pointer counts as an
 * empty payload whatever its length). meta may be NULL (all zero). Malformed AD
 * structures are skipped, never read past len: a zero length byte ends the payload
 * (padding), a structure whose length runs past the end is dropped.
 *
 * Merge (bleak's Windows backend: the scan response is the later packet):
 *  - local name: a complete name (0x09) is preferred over a shortened one (0x08); between
 *    names of the same kind the later wins (scan response over advertisement, a later
 *    structure over an earlier one). The name is cut at its first NUL byte (padding) and
 *    each byte that is not part of valid UTF-8 becomes U+FFFD, so it is always a valid
 *    NUL-terminated UTF-8 C string. A name structure that is empty (or starts with NUL)
 *    gives "" (present but empty) unless a non-empty name is also there.
 *  - TX power (0x0A), appearance (0x19), flags (0x01): the later wins; a structure too
 *    short for its value is ignored.
 *  - manufacturer data (0xFF, at least the 2-byte company id): one entry per structure,
 *    in order (advertisement first); a company id may repeat.
 *  - service data (0x16, 0x20, 0x21, at least the UUID): one entry per structure (all
 *    sizes expanded to blec_uuid), in order; a UUID may repeat.
 *  - service UUIDs (0x02..0x07): union without duplicates, advertisement first; the
 *    trailing bytes of a list whose length is not a multiple of the UUID size are ignored.
 *  - raw list: every well-formed structure of the advertisement, then of the scan response.
 *
 * One allocation per snapshot. Returns BLEC_OK, BLEC_ERR_NO_MEMORY, or
 * BLEC_ERR_INVALID_ARG (out NULL, or a payload longer than BLEC__ADV_MAX_PAYLOAD).
 */
int blec__adv_build(const uint8_t *adv, size_t adv_len, const uint8_t *rsp, size_t rsp_len,
                    const blec__adv_meta *meta, blec_adv **out);

/* The metadata the snapshot was built with (NULL for a NULL adv). */
const blec__adv_meta *blec__adv_meta_of(const blec_adv *adv);

/*
 * Calls fn for each well-formed AD structure of p[0..len) in order (data points into p;
 * len is the structure's length minus the type byte, possibly 0). Stops early if fn
 * returns non-zero, returning that value. Otherwise returns 0, or BLEC_ERR_PARSE if part
 * of the payload was malformed (a structure running past the end), after visiting the
 * good ones. A zero length byte ends the payload and is not an error (padding).
 */
int blec__ad_foreach(const uint8_t *p, size_t len,
                     int (*fn)(void *user, uint8_t type, const uint8_t *data, size_t len),
                     void *user);

#endif /* BLEC_CORE_ADV_H */
