/* SPDX-License-Identifier: MIT */
/*
 * properties.c — names of characteristic property bits, as bleak spells them
 * ("write-without-response"), and their comma-separated list (bleak's service explorer
 * prints ",".join(char.properties): no spaces).
 */
#include <string.h>

#include "blec/blec.h"

/* Indexed by bit position: BLEC_PROP_BROADCAST is bit 0 ... WRITABLE_AUXILIARIES bit 9. */
static const char *const names[] = {
    "broadcast",
    "read",
    "write-without-response",
    "write",
    "notify",
    "indicate",
    "authenticated-signed-writes",
    "extended-properties",
    "reliable-write",
    "writable-auxiliaries",
};

#define NAME_COUNT (sizeof names / sizeof names[0])

const char *blec_property_name(uint32_t bit) {
  /* Exactly one bit set, and a known one. */
  if (bit == 0 || (bit & (bit - 1)) != 0) return NULL;
  for (unsigned i = 0; i < NAME_COUNT; i++)
    if (bit == (uint32_t)1 << i) return names[i];
  return NULL;
}

/* Names of the known set bits in bit order, separated by ','. Unknown bits are ignored.
 * When buf is too small the list stops after the last name that fits whole (a name is
 * never cut), and the text stays NUL-terminated. size 0 or a NULL buf writes nothing. */
char *blec_properties_format(uint32_t props, char *buf, size_t size) {
  if (buf == NULL || size == 0) return buf;
  size_t pos = 0;
  buf[0] = '\0';
  for (unsigned i = 0; i < NAME_COUNT; i++) {
    if (!(props & ((uint32_t)1 << i))) continue;
    size_t n = strlen(names[i]);
    size_t sep = pos > 0 ? 1 : 0;
    if (pos + sep + n + 1 > size) break;
    if (sep) buf[pos++] = ',';
    memcpy(buf + pos, names[i], n);
    pos += n;
    buf[pos] = '\0';
  }
  return buf;
}
