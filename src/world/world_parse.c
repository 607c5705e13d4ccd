/* SPDX-License-Identifier: MIT */
/*
 * world_parse.c — the world file format, version 1 (docs/world-format.md): one statement
 * per line, nesting given by keywords (peripheral > service > characteristic >
 * descriptor), applied through the builder calls as the lines come. Every error names the
 * file and line: "name:LINE: what is wrong (what was expected)".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"
#include "world/world_lex.h"

/* A pending echo: its target may be declared later in the peripheral. */
typedef struct echo_fix {
  int line;
  blec_world_peripheral *p;
  uint16_t from;
  uint16_t handle; /* target by handle, or 0 */
  blec_uuid uuid;  /* target by UUID */
  char text[48];
} echo_fix;

typedef struct parser {
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
  echo_fix *echo;
  size_t necho, cap_echo;
  uint8_t val[BLEC__W_MAX_VALUE];
  size_t vlen;
  char why[BLEC__WLEX_WHY];
} parser;

/* err->message = "name:line: " + msg, cut to fit. */
static void set_message(parser *ps, int status, const char *msg) {
  if (!ps->err) return;
  blec_error_clear(ps->err);
  ps->err->status = status;
  char *m = ps->err->message;
  size_t cap = sizeof ps->err->message;
  int k = snprintf(m, cap, "%.100s:%d: ", ps->name, ps->line);
  size_t used = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
  size_t n = strlen(msg);
  if (n > cap - 1 - used) n = cap - 1 - used;
  memcpy(m + used, msg, n);
  m[used + n] = '\0';
}

static int fail(parser *ps, const char *fmt, ...) {
  char msg[192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  set_message(ps, BLEC_ERR_PARSE, msg);
  return BLEC_ERR_PARSE;
}

static int fail_at(parser *ps, int line, const char *fmt, const char *a, const char *b) {
  int saved = ps->line;
  ps->line = line;
  fail(ps, fmt, a, b);
  ps->line = saved;
  return BLEC_ERR_PARSE;
}

static int oom(parser *ps) {
  set_message(ps, BLEC_ERR_NO_MEMORY, "out of memory");
  return BLEC_ERR_NO_MEMORY;
}

/* Maps a builder status: BLEC_ERR_NO_MEMORY stays, anything else becomes `what`. */
static int built(parser *ps, int st, const char *what) {
  if (st == BLEC_OK) return BLEC_OK;
  if (st == BLEC_ERR_NO_MEMORY) return oom(ps);
  return fail(ps, "%s", what);
}

/* ---- scalar helpers ------------------------------------------------------------------------ */

static int want_uuid(parser *ps, const char *t, blec_uuid *u) {
  if (blec_uuid_parse(t, u) == BLEC_OK) return BLEC_OK;
  return fail(ps, "bad UUID '%.40s' (expected 16-bit as 180d, 32-bit, or 128-bit as 6e400001-b5a3-f393-e0a9-e50e24dcca9e)", t);
}

static int want_value(parser *ps, char *const *t, size_t n) {
  if (blec__wlex_value(t, n, ps->val, sizeof ps->val, &ps->vlen, ps->why) == BLEC_OK) return BLEC_OK;
  return fail(ps, "%s", ps->why);
}

static int want_duration(parser *ps, const char *kw, const char *t, int64_t *ms) {
  if (blec__wlex_duration(t, ms)) return BLEC_OK;
  return fail(ps, "bad duration '%.30s' for '%s' (expected a whole number of ms up to 24h, as 100ms, 1.5s or 2min)", t, kw);
}

static int want_bool(parser *ps, const char *kw, const char *t, bool *b) {
  if (blec__wlex_bool(t, b)) return BLEC_OK;
  return fail(ps, "bad value '%.30s' for '%s' (expected yes or no)", t, kw);
}

static int want_int(parser *ps, const char *kw, const char *t, int64_t lo, int64_t hi, int64_t *v) {
  if (blec__wlex_int(t, lo, hi, v)) return BLEC_OK;
  return fail(ps, "bad number '%.30s' for '%s' (expected %lld..%lld)", t, kw, (long long)lo, (long long)hi);
}

static int want_level(parser *ps, const char *kw, const char *t, int *level) {
  if (!strcmp(t, "none")) *level = BLEC_PROTECTION_NONE;
  else if (!strcmp(t, "encryption")) *level = BLEC_PROTECTION_ENCRYPTION;
  else if (!strcmp(t, "authentication")) *level = BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
  else return fail(ps, "bad level '%.30s' for '%s' (expected none, encryption or authentication)", t, kw);
  return BLEC_OK;
}

/* The name must be valid UTF-8 without NUL bytes. */
static int want_name(parser *ps, const char *t, char *out, size_t cap) {
  size_t n;
  if (blec__wlex_string(t, (uint8_t *)out, cap - 1, &n, ps->why) != BLEC_OK) return fail(ps, "%s", ps->why);
  if (!blec__wlex_utf8((const uint8_t *)out, n)) return fail(ps, "the name is not valid UTF-8 text");
  out[n] = '\0';
  return BLEC_OK;
}

/* ---- keyword table ------------------------------------------------------------------------- */

enum { CTX_WORLD, CTX_PERIPH, CTX_SERVICE, CTX_CHAR, CTX_ATTR };

typedef struct kw {
  const char *name;
  int ctx;
  int (*fn)(parser *, char **, size_t);
  size_t min_args, max_args; /* tokens after the keyword */
  const char *usage;
} kw;

static int usage(parser *ps, const kw *k) { return fail(ps, "wrong arguments for '%s' (expected: %s)", k->name, k->usage); }

/* ---- world keywords ---------------------------------------------------------------------------- */

static int kw_seed(parser *ps, char **t, size_t n) {
  (void)n;
  uint64_t v;
  if (!blec__wlex_u64(t[1], &v)) return fail(ps, "bad seed '%.30s' (expected a number, decimal or 0x-hex)", t[1]);
  return built(ps, blec_world_set_seed(ps->w, v), "bad seed");
}

static int kw_time_scale(parser *ps, char **t, size_t n) {
  (void)n;
  double v;
  if (!blec__wlex_decimal(t[1], &v) || v < 1e-6 || v > 1e6)
    return fail(ps, "bad time scale '%.30s' (expected a positive decimal, as 0.1 for ten times faster)", t[1]);
  return built(ps, blec_world_set_time_scale(ps->w, v), "bad time scale");
}

static int kw_radio(parser *ps, char **t, size_t n) {
  (void)n;
  bool on;
  if (!blec__wlex_bool(t[1], &on)) return fail(ps, "bad value '%.30s' for 'radio' (expected on or off)", t[1]);
  return built(ps, blec_world_set_radio(ps->w, on), "bad radio state");
}

static int kw_not_found_delay(parser *ps, char **t, size_t n) {
  (void)n;
  int64_t ms;
  if (want_duration(ps, t[0], t[1], &ms)) return BLEC_ERR_PARSE;
  return built(ps, blec__world_set_default_connect_delay(ps->w, (int)ms), "bad delay");
}

/* ---- peripherals ----------------------------------------------------------------------------------- */

/* The end of a peripheral's lines: resolves its echoes. */
static int end_peripheral(parser *ps) {
  for (size_t i = 0; i < ps->necho; i++) {
    echo_fix *e = &ps->echo[i];
    uint16_t to = e->handle;
    if (!to) {
      int count = 0;
      to = blec__wgatt_find_value(e->p, &e->uuid, &count);
      if (count == 0)
        return fail_at(ps, e->line, "echo target %s: no such characteristic in peripheral %s", e->text, e->p->address);
      if (count > 1)
        return fail_at(ps, e->line, "echo target %s is ambiguous in peripheral %s (expected handle:N)", e->text,
                       e->p->address);
    }
    if (!(blec__wgatt_props(e->p, to) & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)))
      return fail_at(ps, e->line, "echo target %s does not notify or indicate%s", e->text, "");
    if (blec_world_characteristic_set_echo(e->p, e->from, to) != BLEC_OK)
      return fail_at(ps, e->line, "echo target %s cannot be used%s", e->text, "");
  }
  ps->necho = 0;
  return BLEC_OK;
}

static int kw_peripheral(parser *ps, char **t, size_t n) {
  if (end_peripheral(ps)) return BLEC_ERR_PARSE;
  uint64_t a;
  if (!blec__waddr_parse(t[1], &a))
    return fail(ps, "bad address '%.30s' (expected six hex bytes as AA:BB:CC:DD:EE:FF)", t[1]);
  blec_address_type type = BLEC_ADDRESS_PUBLIC;
  if (n == 3) {
    if (!strcmp(t[2], "random")) type = BLEC_ADDRESS_RANDOM;
    else if (strcmp(t[2], "public") != 0)
      return fail(ps, "bad address type '%.30s' (expected public or random)", t[2]);
  }
  blec_world_peripheral *p = NULL;
  int st = blec_world_add_peripheral(ps->w, t[1], type, &p);
  if (st == BLEC_ERR_BUSY) return fail(ps, "peripheral %s is defined twice", t[1]);
  if (built(ps, st, "cannot add the peripheral")) return st;
  ps->p = p;
  ps->has_services = ps->in_service = false;
  ps->cur_char = ps->cur_attr = 0;
  return BLEC_OK;
}

static int set_name(parser *ps, const char *tok, int where) {
  if (ps->has_services)
    return fail(ps, "the name must come before the first service (the GAP service 0x1800 takes the first handles)");
  char name[250];
  if (want_name(ps, tok, name, sizeof name)) return BLEC_ERR_PARSE;
  return built(ps, blec__world_peripheral_set_name_where(ps->p, name, where), "cannot set the name");
}

static int kw_device_name(parser *ps, char **t, size_t n) {
  (void)n;
  return set_name(ps, t[1], BLEC__WNAME_NONE);
}

/* Adds one AD structure to part 0 (advertisement) or 1 (scan response). */
static int add_ad(parser *ps, int part, uint8_t type, const uint8_t *data, size_t len) {
  int st = blec_world_peripheral_add_ad(ps->p, part == 1, type, data, len);
  if (st == BLEC_ERR_INVALID_ARG)
    return fail(ps, "the %s is too long (at most %d bytes, flags and name included)",
                part ? "scan response" : "advertisement", BLEC__W_MAX_ADV);
  return built(ps, st, "cannot add the AD structure");
}

static size_t uuid_le(const blec_uuid *u, uint8_t *out) {
  uint32_t v32;
  uint16_t v16;
  if (blec_uuid_to16(u, &v16)) {
    out[0] = (uint8_t)v16;
    out[1] = (uint8_t)(v16 >> 8);
    return 2;
  }
  if (blec_uuid_to32(u, &v32)) {
    for (int i = 0; i < 4; i++) out[i] = (uint8_t)(v32 >> (8 * i));
    return 4;
  }
  for (int i = 0; i < 16; i++) out[i] = u->b[15 - i];
  return 16;
}

static int ad_services(parser *ps, int part, char **t, size_t n) {
  uint8_t list[3][BLEC__W_MAX_ADV];
  size_t len[3] = {0, 0, 0};
  for (size_t i = 1; i < n; i++) {
    blec_uuid u;
    uint8_t b[16];
    if (want_uuid(ps, t[i], &u)) return BLEC_ERR_PARSE;
    size_t k = uuid_le(&u, b);
    int g = k == 2 ? 0 : k == 4 ? 1 : 2;
    if (len[g] + k > BLEC__W_MAX_ADV - 2) return fail(ps, "too many service UUIDs for one AD structure");
    memcpy(list[g] + len[g], b, k);
    len[g] += k;
  }
  static const uint8_t types[3] = {0x03, 0x05, 0x07}; /* complete lists of 16-, 32-, 128-bit */
  for (int g = 0; g < 3; g++)
    if (len[g] && add_ad(ps, part, types[g], list[g], len[g])) return BLEC_ERR_PARSE;
  return BLEC_OK;
}

/* AD keywords, after "adv" / "scan-response" or alone (advertisement). t[0] is the keyword. */
static int ad_keyword(parser *ps, int part, char **t, size_t n) {
  const char *k = t[0];
  int64_t v;
  uint8_t b[BLEC__W_MAX_VALUE + 16];
  if (!strcmp(k, "name")) {
    if (n != 2) return fail(ps, "wrong arguments for 'name' (expected: name \"TEXT\")");
    return set_name(ps, t[1], part == 0 ? BLEC__WNAME_ADV : BLEC__WNAME_SCAN_RSP);
  }
  if (!strcmp(k, "short-name")) {
    char name[250];
    if (n != 2) return fail(ps, "wrong arguments for 'short-name' (expected: short-name \"TEXT\")");
    if (want_name(ps, t[1], name, sizeof name)) return BLEC_ERR_PARSE;
    return add_ad(ps, part, 0x08, (const uint8_t *)name, strlen(name));
  }
  if (!strcmp(k, "services")) {
    if (n < 2) return fail(ps, "wrong arguments for 'services' (expected: services UUID...)");
    return ad_services(ps, part, t, n);
  }
  if (!strcmp(k, "manufacturer")) {
    uint16_t company;
    if (n < 3) return fail(ps, "wrong arguments for 'manufacturer' (expected: manufacturer COMPANY VALUE, as 004c hex:0215...)");
    if (!blec__wlex_hex16(t[1], &company))
      return fail(ps, "bad company id '%.30s' (expected up to 4 hex digits, as 004c)", t[1]);
    if (want_value(ps, t + 2, n - 2)) return BLEC_ERR_PARSE;
    b[0] = (uint8_t)company;
    b[1] = (uint8_t)(company >> 8);
    if (ps->vlen > 252) return fail(ps, "manufacturer data too long (at most 252 bytes)");
    memcpy(b + 2, ps->val, ps->vlen);
    return add_ad(ps, part, 0xFF, b, ps->vlen + 2);
  }
  if (!strcmp(k, "service-data")) {
    blec_uuid u;
    if (n < 3) return fail(ps, "wrong arguments for 'service-data' (expected: service-data UUID VALUE)");
    if (want_uuid(ps, t[1], &u) || want_value(ps, t + 2, n - 2)) return BLEC_ERR_PARSE;
    size_t ul = uuid_le(&u, b);
    if (ps->vlen + ul > 254) return fail(ps, "service data too long (at most 254 bytes with the UUID)");
    memcpy(b + ul, ps->val, ps->vlen);
    return add_ad(ps, part, ul == 2 ? 0x16 : ul == 4 ? 0x20 : 0x21, b, ul + ps->vlen);
  }
  if (!strcmp(k, "tx-power") || !strcmp(k, "appearance") || !strcmp(k, "flags")) {
    if (n != 2) return fail(ps, "wrong arguments for '%s' (expected: %s NUMBER)", k, k);
    bool tx = k[0] == 't', app = k[0] == 'a';
    if (want_int(ps, k, t[1], tx ? -127 : 0, tx ? 127 : app ? 65535 : 255, &v)) return BLEC_ERR_PARSE;
    uint64_t u = (uint64_t)v;
    b[0] = (uint8_t)(u & 0xFF);
    b[1] = (uint8_t)((u >> 8) & 0xFF);
    return add_ad(ps, part, tx ? 0x0A : app ? 0x19 : 0x01, b, app ? 2 : 1);
  }
  if (!strcmp(k, "ad")) {
    if (n < 3) return fail(ps, "wrong arguments for 'ad' (expected: ad TYPE VALUE, as ad 0x16 hex:aafe10)");
    if (want_int(ps, k, t[1], 0, 255, &v) || want_value(ps, t + 2, n - 2)) return BLEC_ERR_PARSE;
    if (ps->vlen > 254) return fail(ps, "AD structure too long (at most 254 bytes)");
    return add_ad(ps, part, (uint8_t)v, ps->val, ps->vlen);
  }
  if (!strcmp(k, "raw")) {
    if (n < 2) return fail(ps, "wrong arguments for 'raw' (expected: raw VALUE)");
    if (want_value(ps, t + 1, n - 1)) return BLEC_ERR_PARSE;
    if (ps->vlen > BLEC__W_MAX_ADV) return fail(ps, "raw payload too long (at most %d bytes)", BLEC__W_MAX_ADV);
    return built(ps, blec_world_peripheral_set_adv_data(ps->p, part == 1, ps->val, ps->vlen), "bad raw payload");
  }
  return fail(ps, "unknown advertising field '%.30s' (expected name, short-name, services, manufacturer, service-data, tx-power, appearance, flags, ad or raw)", k);
}

static int kw_adv_part(parser *ps, char **t, size_t n) {
  return ad_keyword(ps, t[0][0] == 's' ? 1 : 0, t + 1, n - 1);
}

static int kw_ad_bare(parser *ps, char **t, size_t n) { return ad_keyword(ps, 0, t, n); }

static int kw_adv_interval(parser *ps, char **t, size_t n) {
  (void)n;
  int64_t ms;
  if (want_duration(ps, t[0], t[1], &ms)) return BLEC_ERR_PARSE;
  if (ms < 1 || ms > 3600000) return fail(ps, "advertising interval out of range (expected 1ms..1h)");
  return built(ps, blec_world_peripheral_set_adv_interval(ps->p, (int)ms), "bad interval");
}

static int kw_rssi(parser *ps, char **t, size_t n) {
  int64_t base, var = 0;
  if (want_int(ps, "rssi", t[1], -127, 20, &base)) return BLEC_ERR_PARSE;
  if (n > 2) {
    static const char *const pm[] = {"\xC2\xB1", "+/-", "+-"};
    const char *rest = NULL;
    for (size_t i = 0; i < 3 && !rest; i++) {
      size_t l = strlen(pm[i]);
      if (!strncmp(t[2], pm[i], l)) rest = t[2] + l;
    }
    if (!rest || (*rest && n != 3) || (!*rest && n != 4))
      return fail(ps, "bad RSSI variation (expected: rssi DBM [\xC2\xB1VARIATION], as rssi -60 \xC2\xB1" "5)");
    if (!*rest) rest = t[3];
    if (want_int(ps, "rssi", rest, 0, 100, &var)) return BLEC_ERR_PARSE;
  }
  return built(ps, blec_world_peripheral_set_rssi(ps->p, (int)base, (int)var), "bad rssi");
}

static int kw_flag(parser *ps, char **t, size_t n) {
  (void)n;
  bool b;
  if (want_bool(ps, t[0], t[1], &b)) return BLEC_ERR_PARSE;
  int st;
  if (!strcmp(t[0], "connectable")) st = blec_world_peripheral_set_connectable(ps->p, b);
  else if (!strcmp(t[0], "advertising")) st = blec_world_peripheral_set_advertising(ps->p, b);
  else if (!strcmp(t[0], "connected-elsewhere")) st = blec__world_peripheral_set_connected_elsewhere(ps->p, b);
  else st = blec__world_peripheral_set_adv_while_connected(ps->p, b);
  return built(ps, st, "bad setting");
}

static int kw_mtu(parser *ps, char **t, size_t n) {
  (void)n;
  int64_t v;
  if (want_int(ps, "mtu", t[1], BLEC__W_MIN_MTU, 517, &v)) return BLEC_ERR_PARSE;
  return built(ps, blec_world_peripheral_set_mtu(ps->p, (int)v), "bad mtu");
}

static int kw_pairing(parser *ps, char **t, size_t n) {
  (void)n;
  int level;
  if (want_level(ps, t[0], t[1], &level)) return BLEC_ERR_PARSE;
  return built(ps, blec_world_peripheral_set_pairing(ps->p, (blec_protection_level)level), "bad pairing");
}

static int kw_bonded(parser *ps, char **t, size_t n) {
  (void)n;
  int level = -1;
  if (strcmp(t[1], "no") != 0) {
    if (!strcmp(t[1], "none") || want_level(ps, t[0], t[1], &level))
      return fail(ps, "bad value '%.30s' for 'bonded' (expected no, encryption or authentication)", t[1]);
  }
  return built(ps, blec__world_peripheral_set_bond(ps->p, level), "bad bond");
}

static int kw_delay(parser *ps, char **t, size_t n) {
  (void)n;
  int64_t ms;
  if (want_duration(ps, t[0], t[1], &ms)) return BLEC_ERR_PARSE;
  blec_world_peripheral *p = ps->p;
  blec__mutex_lock(&p->w->lock);
  int c = p->connect_delay_ms, r = p->response_delay_ms;
  blec__mutex_unlock(&p->w->lock);
  if (t[0][0] == 'c')
    c = (int)ms;
  else
    r = (int)ms;
  return built(ps, blec_world_peripheral_set_delays(p, c, r), "bad delay");
}

static int kw_fault(parser *ps, char **t, size_t n) {
  const char *k = t[1];
  int64_t v, ms;
  if (!strcmp(k, "att-error")) {
    if (n != 5 || strcmp(t[3], "on-request") != 0)
      return fail(ps, "wrong arguments for 'fault att-error' (expected: fault att-error CODE on-request N)");
    int64_t code;
    if (want_int(ps, "att-error", t[2], 1, 255, &code) || want_int(ps, "on-request", t[4], 1, 2147483647, &v))
      return BLEC_ERR_PARSE;
    int st = blec_world_fault_att_error(ps->p, (int)v, (int)code);
    if (st == BLEC_ERR_NO_MEMORY) return fail(ps, "too many att-error faults (at most %d per peripheral)", BLEC__W_MAX_FAULTS);
    return built(ps, st, "bad fault");
  }
  if (!strcmp(k, "link-loss")) {
    if (n == 4 && !strcmp(t[2], "after")) {
      if (want_duration(ps, "link-loss after", t[3], &ms)) return BLEC_ERR_PARSE;
      if (ms < 1) return fail(ps, "link-loss after needs a duration of at least 1ms");
      return built(ps, blec_world_fault_link_loss(ps->p, (int)ms, 0), "bad fault");
    }
    if (n == 4 && !strcmp(t[2], "after-requests")) {
      if (want_int(ps, "after-requests", t[3], 1, 2147483647, &v)) return BLEC_ERR_PARSE;
      return built(ps, blec_world_fault_link_loss(ps->p, 0, (int)v), "bad fault");
    }
    return fail(ps, "wrong arguments for 'fault link-loss' (expected: fault link-loss after DURATION, or after-requests N)");
  }
  if (!strcmp(k, "stop-advertising")) {
    if (n != 4 || strcmp(t[2], "after") != 0)
      return fail(ps, "wrong arguments for 'fault stop-advertising' (expected: fault stop-advertising after DURATION)");
    if (want_duration(ps, "stop-advertising after", t[3], &ms)) return BLEC_ERR_PARSE;
    return built(ps, blec_world_fault_stop_advertising(ps->p, (int)ms), "bad fault");
  }
  if (!strcmp(k, "discovery-unreachable")) {
    if (n != 3) return fail(ps, "wrong arguments for 'fault discovery-unreachable' (expected: fault discovery-unreachable N)");
    if (want_int(ps, k, t[2], 0, 1000000, &v)) return BLEC_ERR_PARSE;
    return built(ps, blec__world_fault_discovery(ps->p, (int)v), "bad fault");
  }
  return fail(ps, "unknown fault '%.30s' (expected att-error, link-loss, stop-advertising or discovery-unreachable)", k);
}

/* ---- GATT ------------------------------------------------------------------------------------------ */

static int kw_service(parser *ps, char **t, size_t n) {
  (void)n;
  blec_uuid u;
  if (want_uuid(ps, t[1], &u)) return BLEC_ERR_PARSE;
  if (built(ps, blec_world_add_service(ps->p, &u, NULL), "cannot add the service")) return BLEC_ERR_PARSE;
  ps->has_services = ps->in_service = true;
  ps->cur_char = ps->cur_attr = 0;
  return BLEC_OK;
}

static int parse_props(parser *ps, char *s, uint32_t *props) {
  static const struct {
    const char *name;
    uint32_t bit;
  } names[] = {{"broadcast", BLEC_PROP_BROADCAST},
               {"read", BLEC_PROP_READ},
               {"write-without-response", BLEC_PROP_WRITE_WITHOUT_RESPONSE},
               {"write", BLEC_PROP_WRITE},
               {"notify", BLEC_PROP_NOTIFY},
               {"indicate", BLEC_PROP_INDICATE},
               {"authenticated-signed-writes", BLEC_PROP_AUTHENTICATED_SIGNED_WRITES},
               {"extended-properties", BLEC_PROP_EXTENDED_PROPERTIES},
               {"reliable-write", BLEC_PROP_RELIABLE_WRITE},
               {"writable-auxiliaries", BLEC_PROP_WRITABLE_AUXILIARIES}};
  *props = 0;
  for (;;) {
    char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i].name) == len && !strncmp(s, names[i].name, len)) break;
    if (i == sizeof names / sizeof names[0])
      return fail(ps, "unknown property '%.*s' (expected read, write, write-without-response, notify, indicate or another bleak property name)",
                  (int)(len > 30 ? 30 : len), s);
    *props |= names[i].bit;
    if (!comma) return BLEC_OK;
    s = comma + 1;
  }
}

static int kw_characteristic(parser *ps, char **t, size_t n) {
  blec_uuid u;
  uint32_t props;
  if (want_uuid(ps, t[1], &u) || parse_props(ps, t[2], &props)) return BLEC_ERR_PARSE;
  ps->vlen = 0;
  if (n > 3 && want_value(ps, t + 3, n - 3)) return BLEC_ERR_PARSE;
  uint16_t vh = 0;
  if (built(ps, blec_world_add_characteristic(ps->p, &u, props, ps->val, ps->vlen, &vh), "cannot add the characteristic"))
    return BLEC_ERR_PARSE;
  ps->cur_char = ps->cur_attr = vh;
  return BLEC_OK;
}

static int kw_descriptor(parser *ps, char **t, size_t n) {
  blec_uuid u;
  uint16_t v16;
  if (want_uuid(ps, t[1], &u)) return BLEC_ERR_PARSE;
  if (blec_uuid_to16(&u, &v16) && v16 == 0x2902)
    return fail(ps, "the CCCD 0x2902 is added automatically (to characteristics that notify or indicate)");
  size_t i = 2;
  int access = BLEC__WACC_READ | BLEC__WACC_WRITE;
  if (i < n && !blec__wlex_is_value(t[i])) {
    if (!strcmp(t[i], "read")) access = BLEC__WACC_READ;
    else if (!strcmp(t[i], "write")) access = BLEC__WACC_WRITE;
    else if (!strcmp(t[i], "read,write") || !strcmp(t[i], "write,read")) access = BLEC__WACC_READ | BLEC__WACC_WRITE;
    else return fail(ps, "bad descriptor access '%.30s' (expected read, write or read,write, or a value)", t[i]);
    i++;
  }
  ps->vlen = 0;
  if (i < n && want_value(ps, t + i, n - i)) return BLEC_ERR_PARSE;
  uint16_t h = 0;
  if (built(ps, blec_world_add_descriptor(ps->p, &u, ps->val, ps->vlen, &h), "cannot add the descriptor") ||
      built(ps, blec__world_descriptor_set_access(ps->p, h, access), "cannot set the access"))
    return BLEC_ERR_PARSE;
  ps->cur_attr = h;
  return BLEC_OK;
}

static int kw_value(parser *ps, char **t, size_t n) {
  if (want_value(ps, t + 1, n - 1)) return BLEC_ERR_PARSE;
  return built(ps, blec_world_set_value(ps->p, ps->cur_attr, ps->val, ps->vlen, false), "cannot set the value");
}

static int kw_stream(parser *ps, char **t, size_t n) {
  int64_t ms, v;
  uint32_t burst = 1;
  uint64_t count = 0;
  if (want_duration(ps, "stream", t[1], &ms)) return BLEC_ERR_PARSE;
  if (blec__wstream_generator(t[2]) < 0)
    return fail(ps, "unknown generator '%.30s' (expected static, counter, heart-rate, temperature, humidity or battery)", t[2]);
  if (n % 2 != 1) return fail(ps, "wrong arguments for 'stream' (expected: stream INTERVAL GENERATOR [burst N] [count N])");
  for (size_t i = 3; i + 1 < n; i += 2) {
    if (!strcmp(t[i], "burst")) {
      if (want_int(ps, "burst", t[i + 1], 1, 1000000, &v)) return BLEC_ERR_PARSE;
      burst = (uint32_t)v;
    } else if (!strcmp(t[i], "count")) {
      if (want_int(ps, "count", t[i + 1], 1, 4611686018427387904ll, &v)) return BLEC_ERR_PARSE;
      count = (uint64_t)v;
    } else {
      return fail(ps, "unknown stream option '%.30s' (expected burst N or count N)", t[i]);
    }
  }
  if (!(blec__wgatt_props(ps->p, ps->cur_char) & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)))
    return fail(ps, "a stream needs a characteristic that can notify or indicate");
  return built(ps, blec__world_characteristic_set_stream_ex(ps->p, ps->cur_char, (int)ms, t[2], burst, count),
               "bad stream");
}

static int kw_security(parser *ps, char **t, size_t n) {
  (void)n;
  int level;
  if (want_level(ps, t[0], t[1], &level)) return BLEC_ERR_PARSE;
  return built(ps, blec_world_characteristic_set_security(ps->p, ps->cur_char, (blec_protection_level)level),
               "bad security");
}

static int kw_echo(parser *ps, char **t, size_t n) {
  (void)n;
  if (!(blec__wgatt_props(ps->p, ps->cur_char) & (BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE)))
    return fail(ps, "echo needs a writable characteristic (write or write-without-response)");
  echo_fix e;
  memset(&e, 0, sizeof e);
  e.line = ps->line;
  e.p = ps->p;
  e.from = ps->cur_char;
  snprintf(e.text, sizeof e.text, "%.40s", t[1]);
  if (!strncmp(t[1], "handle:", 7)) {
    int64_t h;
    if (!blec__wlex_int(t[1] + 7, 1, 0xFFFF, &h)) return fail(ps, "bad handle '%.30s' (expected handle:N, N 1..65535)", t[1]);
    e.handle = (uint16_t)h; /* checked at the end of the peripheral: it may come later */
  } else if (want_uuid(ps, t[1], &e.uuid)) {
    return BLEC_ERR_PARSE;
  }
  if (ps->necho == ps->cap_echo) {
    size_t cap = ps->cap_echo ? ps->cap_echo * 2 : 4;
    echo_fix *ne = realloc(ps->echo, cap * sizeof *ne);
    if (!ne) return oom(ps);
    ps->echo = ne;
    ps->cap_echo = cap;
  }
  ps->echo[ps->necho++] = e;
  return BLEC_OK;
}

#define ANY ((size_t)-1)

static const kw keywords[] = {
    {"seed", CTX_WORLD, kw_seed, 1, 1, "seed NUMBER"},
    {"time-scale", CTX_WORLD, kw_time_scale, 1, 1, "time-scale FACTOR, as 0.1"},
    {"radio", CTX_WORLD, kw_radio, 1, 1, "radio on|off"},
    {"not-found-delay", CTX_WORLD, kw_not_found_delay, 1, 1, "not-found-delay DURATION"},
    {"peripheral", CTX_WORLD, kw_peripheral, 1, 2, "peripheral AA:BB:CC:DD:EE:FF [public|random]"},
    {"device-name", CTX_PERIPH, kw_device_name, 1, 1, "device-name \"TEXT\""},
    {"adv", CTX_PERIPH, kw_adv_part, 1, ANY, "adv FIELD ..."},
    {"scan-response", CTX_PERIPH, kw_adv_part, 1, ANY, "scan-response FIELD ..."},
    {"name", CTX_PERIPH, kw_ad_bare, 1, ANY, "name \"TEXT\""},
    {"short-name", CTX_PERIPH, kw_ad_bare, 1, ANY, "short-name \"TEXT\""},
    {"services", CTX_PERIPH, kw_ad_bare, 1, ANY, "services UUID..."},
    {"manufacturer", CTX_PERIPH, kw_ad_bare, 1, ANY, "manufacturer COMPANY VALUE"},
    {"service-data", CTX_PERIPH, kw_ad_bare, 1, ANY, "service-data UUID VALUE"},
    {"tx-power", CTX_PERIPH, kw_ad_bare, 1, ANY, "tx-power DBM"},
    {"appearance", CTX_PERIPH, kw_ad_bare, 1, ANY, "appearance NUMBER"},
    {"flags", CTX_PERIPH, kw_ad_bare, 1, ANY, "flags NUMBER"},
    {"ad", CTX_PERIPH, kw_ad_bare, 1, ANY, "ad TYPE VALUE"},
    {"raw", CTX_PERIPH, kw_ad_bare, 1, ANY, "raw VALUE"},
    {"adv-interval", CTX_PERIPH, kw_adv_interval, 1, 1, "adv-interval DURATION, as 100ms"},
    {"rssi", CTX_PERIPH, kw_rssi, 1, 3, "rssi DBM [\xC2\xB1VARIATION]"},
    {"connectable", CTX_PERIPH, kw_flag, 1, 1, "connectable yes|no"},
    {"advertising", CTX_PERIPH, kw_flag, 1, 1, "advertising yes|no"},
    {"advertise-while-connected", CTX_PERIPH, kw_flag, 1, 1, "advertise-while-connected yes|no"},
    {"connected-elsewhere", CTX_PERIPH, kw_flag, 1, 1, "connected-elsewhere yes|no"},
    {"mtu", CTX_PERIPH, kw_mtu, 1, 1, "mtu 23..517"},
    {"pairing", CTX_PERIPH, kw_pairing, 1, 1, "pairing none|encryption|authentication"},
    {"bonded", CTX_PERIPH, kw_bonded, 1, 1, "bonded no|encryption|authentication"},
    {"connect-delay", CTX_PERIPH, kw_delay, 1, 1, "connect-delay DURATION"},
    {"response-delay", CTX_PERIPH, kw_delay, 1, 1, "response-delay DURATION"},
    {"fault", CTX_PERIPH, kw_fault, 1, ANY, "fault KIND ..."},
    {"service", CTX_PERIPH, kw_service, 1, 1, "service UUID"},
    {"characteristic", CTX_SERVICE, kw_characteristic, 2, ANY, "characteristic UUID PROPERTIES [VALUE]"},
    {"descriptor", CTX_CHAR, kw_descriptor, 1, ANY, "descriptor UUID [read|write|read,write] [VALUE]"},
    {"value", CTX_ATTR, kw_value, 1, ANY, "value VALUE"},
    {"stream", CTX_CHAR, kw_stream, 2, 6, "stream INTERVAL GENERATOR [burst N] [count N]"},
    {"security", CTX_CHAR, kw_security, 1, 1, "security none|encryption|authentication"},
    {"echo", CTX_CHAR, kw_echo, 1, 1, "echo UUID|handle:N"},
};

static int statement(parser *ps, char **t, size_t n) {
  if (!ps->versioned) {
    int64_t v;
    if (strcmp(t[0], "blec-world") != 0 || n != 2)
      return fail(ps, "not a world file (expected 'blec-world 1' as the first line)");
    if (!blec__wlex_int(t[1], 0, 1000000, &v) || v != 1)
      return fail(ps, "unsupported version '%.20s' (this library reads blec-world 1)", t[1]);
    ps->versioned = true;
    return BLEC_OK;
  }
  const kw *k = NULL;
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (!strcmp(t[0], keywords[i].name)) k = &keywords[i];
  if (!k) {
    if (!strcmp(t[0], "blec-world")) return fail(ps, "'blec-world' appears twice (expected it once, on the first line)");
    return fail(ps, "unknown keyword '%.40s' (see docs/world-format.md)", t[0]);
  }
  switch (k->ctx) {
    case CTX_PERIPH:
      if (!ps->p) return fail(ps, "'%s' outside a peripheral (expected a 'peripheral' line before it)", k->name);
      break;
    case CTX_SERVICE:
      if (!ps->in_service) return fail(ps, "'%s' outside a service (expected a 'service' line before it)", k->name);
      break;
    case CTX_CHAR:
      if (!ps->cur_char)
        return fail(ps, "'%s' outside a characteristic (expected a 'characteristic' line before it)", k->name);
      break;
    case CTX_ATTR:
      if (!ps->cur_attr)
        return fail(ps, "'%s' outside a characteristic (expected a 'characteristic' or 'descriptor' line before it)",
                    k->name);
      break;
    default:
      break;
  }
  if (n - 1 < k->min_args || (k->max_args != ANY && n - 1 > k->max_args)) return usage(ps, k);
  return k->fn(ps, t, n);
}

/* Parses text into ps->w. `size` bytes; a NUL byte inside is an error. */
static int parse(parser *ps, const char *text, size_t size) {
  size_t i = 0;
  while (i < size) {
    size_t start = i;
    while (i < size && text[i] != '\n' && text[i] != '\0') i++;
    ps->line++;
    if (i < size && text[i] == '\0') return fail(ps, "a NUL byte in the text (expected a text file)");
    int st = blec__wlex_line(&ps->lx, text + start, i - start, ps->why);
    if (st == BLEC_ERR_NO_MEMORY) return oom(ps);
    if (st != BLEC_OK) return fail(ps, "%s", ps->why);
    if (ps->lx.ntok > 0 && (st = statement(ps, ps->lx.tok, ps->lx.ntok)) != BLEC_OK) return st;
    if (i < size) i++; /* the '\n' */
  }
  if (!ps->versioned) {
    ps->line = ps->line ? ps->line : 1;
    return fail(ps, "empty world file (expected 'blec-world 1' as the first line)");
  }
  return end_peripheral(ps);
}

static int load(const char *text, size_t size, const char *name, blec_world **out, blec_error *err) {
  parser ps;
  memset(&ps, 0, sizeof ps);
  ps.name = name ? name : "world";
  ps.err = err;
  int st = blec_world_new(&ps.w);
  if (st != BLEC_OK) return oom(&ps);
  st = parse(&ps, text, size);
  blec__wlex_free(&ps.lx);
  free(ps.echo);
  if (st != BLEC_OK) {
    blec_world_unref(ps.w);
    return st;
  }
  if (err) blec_error_clear(err);
  *out = ps.w;
  return BLEC_OK;
}

int blec_world_load_string(const char *text, const char *name, blec_world **out, blec_error *err) {
  if (out) *out = NULL;
  if (!text || !out) {
    if (err) {
      blec_error_clear(err);
      err->status = BLEC_ERR_INVALID_ARG;
    }
    return BLEC_ERR_INVALID_ARG;
  }
  return load(text, strlen(text), name, out, err);
}

/* Largest world file read (a 10 000-peripheral world is a few MB). */
#define MAX_FILE (256u * 1024u * 1024u)

int blec_world_load_file(const char *path, blec_world **out, blec_error *err) {
  if (out) *out = NULL;
  if (err) blec_error_clear(err);
  if (!path || !out) {
    if (err) err->status = BLEC_ERR_INVALID_ARG;
    return BLEC_ERR_INVALID_ARG;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err) {
      err->status = BLEC_ERR_IO;
      snprintf(err->message, sizeof err->message, "%.150s: cannot open the file", path);
    }
    return BLEC_ERR_IO;
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int st = BLEC_OK;
  for (;;) {
    if (len == cap) {
      size_t ncap = cap ? cap * 2 : 65536;
      char *nb = ncap <= MAX_FILE ? realloc(buf, ncap) : NULL;
      if (!nb) {
        st = ncap <= MAX_FILE ? BLEC_ERR_NO_MEMORY : BLEC_ERR_IO;
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) st = BLEC_ERR_IO;
      break;
    }
  }
  fclose(f);
  if (st != BLEC_OK) {
    free(buf);
    if (err) {
      err->status = st;
      snprintf(err->message, sizeof err->message, "%.100s: %s", path,
               st == BLEC_ERR_NO_MEMORY ? "out of memory" : "cannot read the file (or larger than 256 MB)");
    }
    return st;
  }
  st = load(buf, len, path, out, err);
  free(buf);
  return st;
}
