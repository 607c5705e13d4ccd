/* SPDX-License-Identifier: MIT */
/*
 * format.c — see format.h. Each decoder checks the length its characteristic's
 * definition (Bluetooth GATT Specification Supplement) gives and declines otherwise,
 * so a device sending something unexpected is shown in hexadecimal, never misread.
 */
#include "escape.h"
#include "format.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- strings ----------------------------------------------------------------------- */

/* A UTF-8 string value (trailing NULs ignored); declines control characters. */
static bool dec_string(strbuf *out, const uint8_t *d, size_t len) {
  while (len > 0 && d[len - 1] == 0) len--;
  for (size_t i = 0; i < len; i++)
    if (d[i] < 0x20 || d[i] == 0x7f) return false;
  strbuf_putc(out, '"');
  esc_append_n(out, (const char *)d, len); /* C1 controls and invalid UTF-8 escaped */
  strbuf_putc(out, '"');
  return true;
}

/* ---- numbers ----------------------------------------------------------------------- */

/* IEEE 11073-20601 32-bit FLOAT: 24-bit mantissa, 8-bit exponent (both signed). */
static bool ieee11073_float(uint32_t raw, double *v, const char **special) {
  int32_t mant = (int32_t)(raw & 0xFFFFFF);
  int8_t exp = (int8_t)(raw >> 24);
  *special = NULL;
  switch (mant) {
    case 0x7FFFFF: *special = "NaN"; return false;
    case 0x800000: *special = "NRes"; return false;
    case 0x7FFFFE: *special = "+INFINITY"; return false;
    case 0x800002: *special = "-INFINITY"; return false;
    case 0x800001: *special = "reserved"; return false;
    default: break;
  }
  if (mant & 0x800000) mant -= 0x1000000;
  double scale = 1.0;
  for (int i = 0; i < (exp < 0 ? -exp : exp); i++) scale *= 10.0;
  *v = exp < 0 ? mant / scale : mant * scale;
  return true;
}

static bool dec_temperature_measurement(strbuf *out, const uint8_t *d, size_t len) {
  if (len < 5) return false;
  uint8_t flags = d[0];
  double v;
  const char *special;
  if (ieee11073_float(le32(d + 1), &v, &special))
    strbuf_printf(out, "%.2f %s", v, flags & 1 ? "°F" : "°C");
  else
    strbuf_printf(out, "%s", special);
  size_t off = 5;
  if (flags & 2) {
    if (len < off + 7) return true;
    strbuf_printf(out, ", at %04u-%02u-%02u %02u:%02u:%02u", le16(d + off), d[off + 2],
                  d[off + 3], d[off + 4], d[off + 5], d[off + 6]);
    off += 7;
  }
  if ((flags & 4) && len > off) {
    static const char *const types[] = {NULL,     "armpit", "body", "ear",  "finger",
                                        "gastro-intestinal tract", "mouth", "rectum",
                                        "toe",    "tympanum"};
    uint8_t t = d[off];
    if (t < sizeof types / sizeof types[0] && types[t]) strbuf_printf(out, ", %s", types[t]);
  }
  return true;
}

static bool dec_heart_rate(strbuf *out, const uint8_t *d, size_t len) {
  if (len < 2) return false;
  uint8_t flags = d[0];
  size_t off = 1;
  unsigned bpm;
  if (flags & 1) {
    if (len < 3) return false;
    bpm = le16(d + 1);
    off = 3;
  } else {
    bpm = d[1];
    off = 2;
  }
  strbuf_printf(out, "%u bpm", bpm);
  if (flags & 4) strbuf_append(out, flags & 2 ? ", sensor contact detected" : ", no sensor contact");
  if (flags & 8) {
    if (len < off + 2) return true;
    strbuf_printf(out, ", energy expended %u kJ", le16(d + off));
    off += 2;
  }
  if (flags & 16) {
    bool first = true;
    while (off + 2 <= len) {
      strbuf_printf(out, "%s%.3f", first ? ", RR intervals " : " ", le16(d + off) / 1024.0);
      first = false;
      off += 2;
    }
    if (!first) strbuf_append(out, " s");
  }
  return true;
}

static bool dec_body_sensor_location(strbuf *out, const uint8_t *d, size_t len) {
  static const char *const names[] = {"Other", "Chest", "Wrist", "Finger", "Hand", "Ear Lobe", "Foot"};
  if (len != 1) return false;
  if (d[0] < sizeof names / sizeof names[0])
    strbuf_append(out, names[d[0]]);
  else
    strbuf_printf(out, "reserved (%u)", d[0]);
  return true;
}

static bool dec_appearance(strbuf *out, const uint8_t *d, size_t len) {
  if (len != 2) return false;
  uint16_t a = le16(d);
  const char *n = blec_appearance_name(a);
  strbuf_printf(out, "%s (0x%04x)", n ? n : "unknown appearance", a);
  return true;
}

static bool dec_ppcp(strbuf *out, const uint8_t *d, size_t len) {
  if (len != 8) return false;
  uint16_t mn = le16(d), mx = le16(d + 2), lat = le16(d + 4), to = le16(d + 6);
  strbuf_printf(out, "interval %.2f-%.2f ms, latency %u, supervision timeout %u ms",
                mn * 1.25, mx * 1.25, lat, to * 10u);
  return true;
}

static bool dec_date_time(strbuf *out, const uint8_t *d, size_t len) {
  if (len < 7) return false;
  strbuf_printf(out, "%04u-%02u-%02u %02u:%02u:%02u", le16(d), d[2], d[3], d[4], d[5], d[6]);
  return true;
}

static bool dec_pnp_id(strbuf *out, const uint8_t *d, size_t len) {
  if (len != 7) return false;
  uint16_t vid = le16(d + 1), pid = le16(d + 3), ver = le16(d + 5);
  if (d[0] == 1) {
    const char *c = blec_company_name(vid);
    strbuf_printf(out, "Bluetooth SIG vendor 0x%04x", vid);
    if (c) strbuf_printf(out, " (%s)", c);
  } else if (d[0] == 2) {
    strbuf_printf(out, "USB vendor 0x%04x", vid);
  } else {
    strbuf_printf(out, "vendor 0x%04x (source %u)", vid, d[0]);
  }
  strbuf_printf(out, ", product 0x%04x, version 0x%04x", pid, ver);
  return true;
}

static const char *format_type_name(uint8_t f) {
  static const char *const names[] = {
      NULL,     "boolean", "2-bit",   "nibble",  "uint8",   "uint12", "uint16",  "uint24",
      "uint32", "uint48",  "uint64",  "uint128", "sint8",   "sint12", "sint16",  "sint24",
      "sint32", "sint48",  "sint64",  "sint128", "float32", "float64", "SFLOAT", "FLOAT",
      "duint16", "utf8s",  "utf16s",  "struct"};
  return f < sizeof names / sizeof names[0] ? names[f] : NULL;
}

static bool dec_presentation_format(strbuf *out, const uint8_t *d, size_t len) {
  if (len != 7) return false;
  const char *fn = format_type_name(d[0]);
  if (fn)
    strbuf_printf(out, "format %s", fn);
  else
    strbuf_printf(out, "format 0x%02x", d[0]);
  strbuf_printf(out, ", exponent %d", (int8_t)d[1]);
  uint16_t unit = le16(d + 2);
  blec_uuid uu = blec_uuid_from16(unit);
  const char *un = format_uuid_name(&uu);
  strbuf_printf(out, ", unit 0x%04x", unit);
  if (un) strbuf_printf(out, " (%s)", un);
  strbuf_printf(out, ", namespace %u, description 0x%04x", d[4], le16(d + 5));
  return true;
}

/* ---- dispatch by UUID ---------------------------------------------------------------- */

bool format_decode(strbuf *out, const blec_uuid *uuid, const uint8_t *d, size_t len) {
  uint16_t u;
  if (!blec_uuid_to16(uuid, &u) || (d == NULL && len > 0)) return false;
  switch (u) {
    case 0x2A00: /* Device Name */
    case 0x2A24: /* Model Number String */
    case 0x2A25: /* Serial Number String */
    case 0x2A26: /* Firmware Revision String */
    case 0x2A27: /* Hardware Revision String */
    case 0x2A28: /* Software Revision String */
    case 0x2A29: /* Manufacturer Name String */
    case 0x2A87: /* Email Address */
    case 0x2A8A: /* First Name */
    case 0x2A90: /* Last Name */
    case 0x2ABE: /* Object Name */
    case 0x2901: /* Characteristic User Description */
      return dec_string(out, d, len);
    case 0x2A01: return dec_appearance(out, d, len);
    case 0x2A04: return dec_ppcp(out, d, len);
    case 0x2A05: /* Service Changed */
      if (len != 4) return false;
      strbuf_printf(out, "handles 0x%04x-0x%04x", le16(d), le16(d + 2));
      return true;
    case 0x2A07: /* Tx Power Level */
      if (len != 1) return false;
      strbuf_printf(out, "%d dBm", (int8_t)d[0]);
      return true;
    case 0x2A08: /* Date Time */
    case 0x2A0A: /* Day Date Time */
    case 0x2A2B: /* Current Time */
      return dec_date_time(out, d, len);
    case 0x2A19: /* Battery Level */
      if (len != 1) return false;
      strbuf_printf(out, "%u %%", d[0]);
      return true;
    case 0x2A1C: /* Temperature Measurement */
    case 0x2A1E: /* Intermediate Temperature */
      return dec_temperature_measurement(out, d, len);
    case 0x2A37: return dec_heart_rate(out, d, len);
    case 0x2A38: return dec_body_sensor_location(out, d, len);
    case 0x2A50: return dec_pnp_id(out, d, len);
    case 0x2A6D: /* Pressure, 0.1 Pa */
      if (len != 4) return false;
      strbuf_printf(out, "%.2f hPa", le32(d) / 1000.0);
      return true;
    case 0x2A6E: /* Temperature, 0.01 degC */
      if (len != 2) return false;
      if (le16(d) == 0x8000)
        strbuf_append(out, "unknown");
      else
        strbuf_printf(out, "%.2f °C", (int16_t)le16(d) / 100.0);
      return true;
    case 0x2A6F: /* Humidity, 0.01 % */
      if (len != 2) return false;
      if (le16(d) == 0xFFFF)
        strbuf_append(out, "unknown");
      else
        strbuf_printf(out, "%.2f %%", le16(d) / 100.0);
      return true;
    case 0x2AA6: /* Central Address Resolution */
      if (len != 1) return false;
      strbuf_append(out, d[0] ? "supported" : "not supported");
      return true;
    case 0x2900: /* Characteristic Extended Properties */
      if (len != 2) return false;
      strbuf_printf(out, "reliable write %s, writable auxiliaries %s", d[0] & 1 ? "on" : "off",
                    d[0] & 2 ? "on" : "off");
      return true;
    case 0x2902: /* Client Characteristic Configuration */
      if (len != 2) return false;
      strbuf_printf(out, "notifications %s, indications %s", d[0] & 1 ? "on" : "off",
                    d[0] & 2 ? "on" : "off");
      return true;
    case 0x2903: /* Server Characteristic Configuration */
      if (len != 2) return false;
      strbuf_printf(out, "broadcasts %s", d[0] & 1 ? "on" : "off");
      return true;
    case 0x2904: return dec_presentation_format(out, d, len);
    default: return false;
  }
}

void format_value(strbuf *out, const blec_uuid *uuid, const uint8_t *data, size_t len) {
  if (format_decode(out, uuid, data, len)) return;
  if (len == 0) {
    strbuf_append(out, "(empty)");
    return;
  }
  hex_append(out, data, len);
  strbuf_append(out, " |");
  printable_append(out, data, len);
  strbuf_putc(out, '|');
}

char *format_uuid_short(const blec_uuid *u, char buf[BLEC_UUID_STRLEN]) {
  uint16_t v;
  if (blec_uuid_to16(u, &v)) {
    snprintf(buf, BLEC_UUID_STRLEN, "%04x", v);
    return buf;
  }
  return blec_uuid_to_string(u, buf);
}

const char *format_uuid_name(const blec_uuid *u) {
  const char *d = blec_uuid_description(u);
  return d && *d ? d : NULL;
}

const char *format_address_type(blec_address_type t) {
  switch (t) {
    case BLEC_ADDRESS_PUBLIC: return "public";
    case BLEC_ADDRESS_RANDOM: return "random";
    default: return "unspecified";
  }
}

/* ---- advertisements ------------------------------------------------------------------ */

static void sep(strbuf *out) {
  if (out->len) strbuf_append(out, "; ");
}

static void append_uuid_name(strbuf *out, const blec_uuid *u) {
  const char *n = format_uuid_name(u);
  if (n) {
    strbuf_append(out, n);
  } else {
    char b[BLEC_UUID_STRLEN];
    strbuf_append(out, format_uuid_short(u, b));
  }
}

/* Apple's iBeacon: company 0x004C, type 0x02, length 0x15, UUID, major, minor, power. */
static bool ibeacon(strbuf *out, uint16_t company, const uint8_t *d, size_t len) {
  if (company != 0x004C || len != 23 || d[0] != 0x02 || d[1] != 0x15) return false;
  blec_uuid u;
  memcpy(u.b, d + 2, 16);
  char b[BLEC_UUID_STRLEN];
  strbuf_printf(out, "iBeacon %s major %u minor %u (%d dBm at 1 m)", blec_uuid_to_string(&u, b),
                (unsigned)(d[18] << 8 | d[19]), (unsigned)(d[20] << 8 | d[21]), (int8_t)d[22]);
  return true;
}

/* Google's Eddystone frames (service data of 0xFEAA). */
static bool eddystone(strbuf *out, const uint8_t *d, size_t len) {
  if (len < 2) return false;
  switch (d[0]) {
    case 0x00:
      if (len < 18) return false;
      strbuf_append(out, "Eddystone-UID namespace ");
      hex_append_compact(out, d + 2, 10);
      strbuf_append(out, " instance ");
      hex_append_compact(out, d + 12, 6);
      return true;
    case 0x10: {
      static const char *const schemes[] = {"http://www.", "https://www.", "http://", "https://"};
      static const char *const exp[] = {".com/", ".org/", ".edu/", ".net/", ".info/",
                                        ".biz/", ".gov/", ".com",  ".org",  ".edu",
                                        ".net",  ".info", ".biz",  ".gov"};
      if (len < 3 || d[2] > 3) return false;
      strbuf_append(out, "Eddystone-URL ");
      strbuf_append(out, schemes[d[2]]);
      for (size_t i = 3; i < len; i++) {
        if (d[i] < 14)
          strbuf_append(out, exp[d[i]]);
        else if (d[i] > 0x20 && d[i] < 0x7f)
          strbuf_putc(out, (char)d[i]);
        else
          strbuf_putc(out, '?');
      }
      return true;
    }
    case 0x20:
      if (len < 14 || d[1] != 0) return false;
      strbuf_printf(out, "Eddystone-TLM battery %u mV, %.2f °C, %lu frames, up %.1f s",
                    (unsigned)(d[2] << 8 | d[3]), (int16_t)(d[4] << 8 | d[5]) / 256.0,
                    (unsigned long)be32(d + 6), be32(d + 10) / 10.0);
      return true;
    case 0x30:
      strbuf_append(out, "Eddystone-EID");
      return true;
    default: return false;
  }
}

void format_adv_words(strbuf *out, const blec_adv *adv) {
  size_t n = blec_adv_service_uuid_count(adv);
  if (n) {
    sep(out);
    for (size_t i = 0; i < n; i++) {
      blec_uuid u;
      if (blec_adv_service_uuid_at(adv, i, &u) != BLEC_OK) continue;
      if (i) strbuf_append(out, ", ");
      append_uuid_name(out, &u);
    }
  }
  n = blec_adv_manufacturer_count(adv);
  for (size_t i = 0; i < n; i++) {
    uint16_t company;
    const uint8_t *d;
    size_t len;
    if (blec_adv_manufacturer_at(adv, i, &company, &d, &len) != BLEC_OK) continue;
    sep(out);
    if (ibeacon(out, company, d, len)) continue;
    const char *c = blec_company_name(company);
    if (c)
      strbuf_printf(out, "%s data ", c);
    else
      strbuf_printf(out, "company 0x%04x data ", company);
    hex_append_compact(out, d, len < 16 ? len : 16);
    if (len > 16) strbuf_append(out, "...");
  }
  n = blec_adv_service_data_count(adv);
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    const uint8_t *d;
    size_t len;
    if (blec_adv_service_data_at(adv, i, &u, &d, &len) != BLEC_OK) continue;
    sep(out);
    uint16_t v;
    if (blec_uuid_to16(&u, &v) && v == 0xFEAA && eddystone(out, d, len)) continue;
    append_uuid_name(out, &u);
    strbuf_append(out, " data ");
    strbuf b2;
    strbuf_init(&b2);
    if (format_decode(&b2, &u, d, len)) {
      strbuf_append(out, b2.s);
    } else {
      hex_append_compact(out, d, len < 16 ? len : 16);
      if (len > 16) strbuf_append(out, "...");
    }
    strbuf_free(&b2);
  }
  uint16_t app;
  if (blec_adv_appearance(adv, &app)) {
    const char *an = blec_appearance_name(app);
    sep(out);
    if (an)
      strbuf_append(out, an);
    else
      strbuf_printf(out, "appearance 0x%04x", app);
  }
}
