/* SPDX-License-Identifier: MIT */
/*
 * world_parse.c — the world file format, version 1 (docs/world-format.md): one statement
 * per line, nesting given by keywords (peripheral > service > characteristic >
 * descriptor), applied through the builder calls as the lines come. Every error names the
 * file and line: "name:LINE: what is wrong (what was expected)". This file: the driver,
 * the keyword table, errors and argument helpers, world and peripheral settings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "world/world_parse.h"

/* err->message = "name:line: " + msg, cut to fit. */
static void set_message(blec__wparser *ps, int status, const char *msg) {
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
  blec__text_sanitize(m); /* the file's name and tokens are quoted as read */
}

int blec__wp_fail(blec__wparser *ps, const char *fmt, ...) {
  char msg[192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  set_message(ps, BLEC_ERR_PARSE, msg);
  return BLEC_ERR_PARSE;
}

int blec__wp_fail_at(blec__wparser *ps, int line, const char *fmt, ...) {
  char msg[192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int saved = ps->line;
  ps->line = line;
  set_message(ps, BLEC_ERR_PARSE, msg);
  ps->line = saved;
  return BLEC_ERR_PARSE;
}

int blec__wp_oom(blec__wparser *ps) {
  set_message(ps, BLEC_ERR_NO_MEMORY, "out of memory");
  return BLEC_ERR_NO_MEMORY;
}

/* Maps a builder status: BLEC_ERR_NO_MEMORY stays, a full handle space says so, anything
 * else becomes `what`. */
int blec__wp_built(blec__wparser *ps, int st, const char *what) {
  if (st == BLEC_OK) return BLEC_OK;
  if (st == BLEC_ERR_NO_MEMORY) return blec__wp_oom(ps);
  if (st == BLEC_ERR_STATE && ps->p && blec__world_handles_full(ps->p))
    return blec__wp_fail(ps, "%s: no attribute handle left (a GATT database has at most 65535 attributes)", what);
  return blec__wp_fail(ps, "%s", what);
}

/* ---- scalar helpers ------------------------------------------------------------------------ */

int blec__wp_uuid(blec__wparser *ps, const char *t, blec_uuid *u) {
  if (blec_uuid_parse(t, u) == BLEC_OK) return BLEC_OK;
  return blec__wp_fail(ps,
                       "bad UUID '%.40s' (expected 16-bit as 180d, 32-bit, or 128-bit as "
                       "6e400001-b5a3-f393-e0a9-e50e24dcca9e)",
                       t);
}

int blec__wp_value(blec__wparser *ps, char *const *t, size_t n) {
  if (blec__wlex_value(t, n, ps->val, sizeof ps->val, &ps->vlen, ps->why) == BLEC_OK) return BLEC_OK;
  return blec__wp_fail(ps, "%s", ps->why);
}

int blec__wp_duration(blec__wparser *ps, const char *kw, const char *t, int64_t *ms) {
  if (blec__wlex_duration(t, ms)) return BLEC_OK;
  return blec__wp_fail(
      ps, "bad duration '%.30s' for '%s' (expected a whole number of ms up to 24h, as 100ms, 1.5s or 2min)",
      t, kw);
}

int blec__wp_bool(blec__wparser *ps, const char *kw, const char *t, bool *b) {
  if (blec__wlex_bool(t, b)) return BLEC_OK;
  return blec__wp_fail(ps, "bad value '%.30s' for '%s' (expected yes or no)", t, kw);
}

int blec__wp_int(blec__wparser *ps, const char *kw, const char *t, int64_t lo, int64_t hi, int64_t *v) {
  if (blec__wlex_int(t, lo, hi, v)) return BLEC_OK;
  return blec__wp_fail(ps, "bad number '%.30s' for '%s' (expected %lld..%lld)", t, kw, (long long)lo,
                       (long long)hi);
}

int blec__wp_level(blec__wparser *ps, const char *kw, const char *t, int *level) {
  if (!strcmp(t, "none"))
    *level = BLEC_PROTECTION_NONE;
  else if (!strcmp(t, "encryption"))
    *level = BLEC_PROTECTION_ENCRYPTION;
  else if (!strcmp(t, "authentication"))
    *level = BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
  else
    return blec__wp_fail(ps, "bad level '%.30s' for '%s' (expected none, encryption or authentication)", t,
                         kw);
  return BLEC_OK;
}

/* The name must be valid UTF-8 without NUL bytes. */
int blec__wp_name(blec__wparser *ps, const char *t, char *out, size_t cap) {
  size_t n;
  if (blec__wlex_string(t, (uint8_t *)out, cap - 1, &n, ps->why) != BLEC_OK)
    return blec__wp_fail(ps, "%s", ps->why);
  if (!blec__wlex_utf8((const uint8_t *)out, n)) return blec__wp_fail(ps, "the name is not valid UTF-8 text");
  out[n] = '\0';
  return BLEC_OK;
}

/* ---- keyword table ------------------------------------------------------------------------- */

enum { CTX_WORLD, CTX_PERIPH, CTX_SERVICE, CTX_CHAR, CTX_ATTR };

typedef struct kw {
  const char *name;
  int ctx;
  int (*fn)(blec__wparser *, char **, size_t);
  size_t min_args, max_args; /* tokens after the keyword */
  const char *usage;
} kw;

static int usage(blec__wparser *ps, const kw *k) {
  return blec__wp_fail(ps, "wrong arguments for '%s' (expected: %s)", k->name, k->usage);
}

/* ---- world keywords ---------------------------------------------------------------------------- */

static int kw_seed(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  uint64_t v;
  if (!blec__wlex_u64(t[1], &v))
    return blec__wp_fail(ps, "bad seed '%.30s' (expected a number, decimal or 0x-hex)", t[1]);
  return blec__wp_built(ps, blec_world_set_seed(ps->w, v), "bad seed");
}

static int kw_time_scale(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  double v;
  if (!blec__wlex_decimal(t[1], &v) || v < 1e-6 || v > 1e6)
    return blec__wp_fail(
        ps, "bad time scale '%.30s' (expected a positive decimal, as 0.1 for ten times faster)", t[1]);
  return blec__wp_built(ps, blec_world_set_time_scale(ps->w, v), "bad time scale");
}

static int kw_radio(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  bool on;
  if (!blec__wlex_bool(t[1], &on))
    return blec__wp_fail(ps, "bad value '%.30s' for 'radio' (expected on or off)", t[1]);
  return blec__wp_built(ps, blec_world_set_radio(ps->w, on), "bad radio state");
}

static int kw_not_found_delay(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int64_t ms;
  if (blec__wp_duration(ps, t[0], t[1], &ms)) return BLEC_ERR_PARSE;
  return blec__wp_built(ps, blec__world_set_default_connect_delay(ps->w, (int)ms), "bad delay");
}

/* ---- peripherals ----------------------------------------------------------------------------------- */

static int kw_peripheral(blec__wparser *ps, char **t, size_t n) {
  if (blec__wp_end_peripheral(ps)) return BLEC_ERR_PARSE;
  uint64_t a;
  if (!blec__waddr_parse(t[1], &a))
    return blec__wp_fail(ps, "bad address '%.30s' (expected six hex bytes as AA:BB:CC:DD:EE:FF)", t[1]);
  blec_address_type type = BLEC_ADDRESS_PUBLIC;
  if (n == 3) {
    if (!strcmp(t[2], "random"))
      type = BLEC_ADDRESS_RANDOM;
    else if (strcmp(t[2], "public") != 0)
      return blec__wp_fail(ps, "bad address type '%.30s' (expected public or random)", t[2]);
  }
  blec_world_peripheral *p = NULL;
  int st = blec_world_add_peripheral(ps->w, t[1], type, &p);
  if (st == BLEC_ERR_BUSY) return blec__wp_fail(ps, "peripheral %s is defined twice", t[1]);
  if (blec__wp_built(ps, st, "cannot add the peripheral")) return st;
  ps->p = p;
  ps->has_services = ps->in_service = false;
  ps->cur_char = ps->cur_attr = 0;
  return BLEC_OK;
}

int blec__wp_set_name(blec__wparser *ps, const char *tok, int where) {
  if (ps->has_services)
    return blec__wp_fail(
        ps, "the name must come before the first service (the GAP service 0x1800 takes the first handles)");
  char name[250];
  if (blec__wp_name(ps, tok, name, sizeof name)) return BLEC_ERR_PARSE;
  return blec__wp_built(ps, blec__world_peripheral_set_name_where(ps->p, name, where), "cannot set the name");
}

static int kw_device_name(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  return blec__wp_set_name(ps, t[1], BLEC__WNAME_NONE);
}

static int kw_adv_interval(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int64_t ms;
  if (blec__wp_duration(ps, t[0], t[1], &ms)) return BLEC_ERR_PARSE;
  if (ms < 1 || ms > 3600000)
    return blec__wp_fail(ps, "advertising interval out of range (expected 1ms..1h)");
  return blec__wp_built(ps, blec_world_peripheral_set_adv_interval(ps->p, (int)ms), "bad interval");
}

static int kw_rssi(blec__wparser *ps, char **t, size_t n) {
  int64_t base, var = 0;
  if (blec__wp_int(ps, "rssi", t[1], -127, 20, &base)) return BLEC_ERR_PARSE;
  if (n > 2) {
    static const char *const pm[] = {"\xC2\xB1", "+/-", "+-"};
    const char *rest = NULL;
    for (size_t i = 0; i < 3 && !rest; i++) {
      size_t l = strlen(pm[i]);
      if (!strncmp(t[2], pm[i], l)) rest = t[2] + l;
    }
    if (!rest || (*rest && n != 3) || (!*rest && n != 4))
      return blec__wp_fail(ps,
                           "bad RSSI variation (expected: rssi DBM [\xC2\xB1VARIATION], as rssi -60 \xC2\xB1"
                           "5)");
    if (!*rest) rest = t[3];
    if (blec__wp_int(ps, "rssi", rest, 0, 100, &var)) return BLEC_ERR_PARSE;
  }
  return blec__wp_built(ps, blec_world_peripheral_set_rssi(ps->p, (int)base, (int)var), "bad rssi");
}

static int kw_flag(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  bool b;
  if (blec__wp_bool(ps, t[0], t[1], &b)) return BLEC_ERR_PARSE;
  int st;
  if (!strcmp(t[0], "connectable"))
    st = blec_world_peripheral_set_connectable(ps->p, b);
  else if (!strcmp(t[0], "advertising"))
    st = blec_world_peripheral_set_advertising(ps->p, b);
  else if (!strcmp(t[0], "connected-elsewhere"))
    st = blec__world_peripheral_set_connected_elsewhere(ps->p, b);
  else
    st = blec__world_peripheral_set_adv_while_connected(ps->p, b);
  return blec__wp_built(ps, st, "bad setting");
}

static int kw_mtu(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int64_t v;
  if (blec__wp_int(ps, "mtu", t[1], BLEC__W_MIN_MTU, 517, &v)) return BLEC_ERR_PARSE;
  return blec__wp_built(ps, blec_world_peripheral_set_mtu(ps->p, (int)v), "bad mtu");
}

static int kw_pairing(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int level = 0;
  if (blec__wp_level(ps, t[0], t[1], &level)) return BLEC_ERR_PARSE;
  return blec__wp_built(ps, blec_world_peripheral_set_pairing(ps->p, (blec_protection_level)level),
                        "bad pairing");
}

static int kw_pairing_io(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  static const char *const names[] = {NULL, "no-input-no-output", "display-only", "display-yes-no", "keyboard-only"};
  for (int io = 1; io <= BLEC_WORLD_PAIRING_IO_KEYBOARD_ONLY; io++)
    if (!strcmp(t[1], names[io]))
      return blec__wp_built(ps, blec_world_peripheral_set_pairing_io(ps->p, (blec_world_pairing_io)io, NULL),
                            "bad pairing-io");
  return blec__wp_fail(ps,
                       "bad value '%.30s' for 'pairing-io' (expected no-input-no-output, display-only, "
                       "display-yes-no or keyboard-only)",
                       t[1]);
}

static int kw_passkey(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  blec_world_pairing_io io;
  blec__mutex_lock(&ps->p->w->lock);
  io = (blec_world_pairing_io)ps->p->pair_io;
  blec__mutex_unlock(&ps->p->w->lock);
  if (blec_world_peripheral_set_pairing_io(ps->p, io, t[1]) != BLEC_OK)
    return blec__wp_fail(ps, "bad passkey '%.30s' (expected 6 digits)", t[1]);
  return BLEC_OK;
}

static int kw_bonded(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int level = -1;
  if (strcmp(t[1], "no") != 0) {
    if (!strcmp(t[1], "none") || blec__wp_level(ps, t[0], t[1], &level))
      return blec__wp_fail(ps, "bad value '%.30s' for 'bonded' (expected no, encryption or authentication)",
                           t[1]);
  }
  return blec__wp_built(ps, blec__world_peripheral_set_bond(ps->p, level), "bad bond");
}

static int kw_delay(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int64_t ms;
  if (blec__wp_duration(ps, t[0], t[1], &ms)) return BLEC_ERR_PARSE;
  blec_world_peripheral *p = ps->p;
  blec__mutex_lock(&p->w->lock);
  int c = p->connect_delay_ms, r = p->response_delay_ms;
  blec__mutex_unlock(&p->w->lock);
  if (t[0][0] == 'c')
    c = (int)ms;
  else
    r = (int)ms;
  return blec__wp_built(ps, blec_world_peripheral_set_delays(p, c, r), "bad delay");
}

static int kw_fault(blec__wparser *ps, char **t, size_t n) {
  const char *k = t[1];
  int64_t v, ms;
  if (!strcmp(k, "att-error")) {
    if (n != 5 || strcmp(t[3], "on-request") != 0)
      return blec__wp_fail(
          ps, "wrong arguments for 'fault att-error' (expected: fault att-error CODE on-request N)");
    int64_t code;
    if (blec__wp_int(ps, "att-error", t[2], 1, 255, &code) ||
        blec__wp_int(ps, "on-request", t[4], 1, 2147483647, &v))
      return BLEC_ERR_PARSE;
    int st = blec_world_fault_att_error(ps->p, (int)v, (int)code);
    if (st == BLEC_ERR_NO_MEMORY)
      return blec__wp_fail(ps, "too many att-error faults (at most %d per peripheral)", BLEC__W_MAX_FAULTS);
    return blec__wp_built(ps, st, "bad fault");
  }
  if (!strcmp(k, "link-loss")) {
    if (n == 4 && !strcmp(t[2], "after")) {
      if (blec__wp_duration(ps, "link-loss after", t[3], &ms)) return BLEC_ERR_PARSE;
      if (ms < 1) return blec__wp_fail(ps, "link-loss after needs a duration of at least 1ms");
      return blec__wp_built(ps, blec_world_fault_link_loss(ps->p, (int)ms, 0), "bad fault");
    }
    if (n == 4 && !strcmp(t[2], "after-requests")) {
      if (blec__wp_int(ps, "after-requests", t[3], 1, 2147483647, &v)) return BLEC_ERR_PARSE;
      return blec__wp_built(ps, blec_world_fault_link_loss(ps->p, 0, (int)v), "bad fault");
    }
    return blec__wp_fail(ps,
                         "wrong arguments for 'fault link-loss' (expected: fault link-loss after DURATION, "
                         "or after-requests N)");
  }
  if (!strcmp(k, "stop-advertising")) {
    if (n != 4 || strcmp(t[2], "after") != 0)
      return blec__wp_fail(
          ps,
          "wrong arguments for 'fault stop-advertising' (expected: fault stop-advertising after DURATION)");
    if (blec__wp_duration(ps, "stop-advertising after", t[3], &ms)) return BLEC_ERR_PARSE;
    return blec__wp_built(ps, blec_world_fault_stop_advertising(ps->p, (int)ms), "bad fault");
  }
  if (!strcmp(k, "discovery-unreachable")) {
    if (n != 3)
      return blec__wp_fail(
          ps, "wrong arguments for 'fault discovery-unreachable' (expected: fault discovery-unreachable N)");
    if (blec__wp_int(ps, k, t[2], 0, 1000000, &v)) return BLEC_ERR_PARSE;
    return blec__wp_built(ps, blec__world_fault_discovery(ps->p, (int)v), "bad fault");
  }
  return blec__wp_fail(
      ps, "unknown fault '%.30s' (expected att-error, link-loss, stop-advertising or discovery-unreachable)",
      k);
}

#define ANY ((size_t)-1)

static const kw keywords[] = {
    {"seed", CTX_WORLD, kw_seed, 1, 1, "seed NUMBER"},
    {"time-scale", CTX_WORLD, kw_time_scale, 1, 1, "time-scale FACTOR, as 0.1"},
    {"radio", CTX_WORLD, kw_radio, 1, 1, "radio on|off"},
    {"not-found-delay", CTX_WORLD, kw_not_found_delay, 1, 1, "not-found-delay DURATION"},
    {"windows", CTX_WORLD, blec__wp_kw_windows, 2, 2, "windows KEY VALUE, as windows close-blocks 300ms"},
    {"peripheral", CTX_WORLD, kw_peripheral, 1, 2, "peripheral AA:BB:CC:DD:EE:FF [public|random]"},
    {"device-name", CTX_PERIPH, kw_device_name, 1, 1, "device-name \"TEXT\""},
    {"adv", CTX_PERIPH, blec__wp_kw_adv_part, 1, ANY, "adv FIELD ..."},
    {"scan-response", CTX_PERIPH, blec__wp_kw_adv_part, 1, ANY, "scan-response FIELD ..."},
    {"name", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "name \"TEXT\""},
    {"short-name", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "short-name \"TEXT\""},
    {"services", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "services UUID..."},
    {"manufacturer", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "manufacturer COMPANY VALUE"},
    {"service-data", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "service-data UUID VALUE"},
    {"tx-power", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "tx-power DBM"},
    {"appearance", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "appearance NUMBER"},
    {"flags", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "flags NUMBER"},
    {"ad", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "ad TYPE VALUE"},
    {"raw", CTX_PERIPH, blec__wp_kw_ad_bare, 1, ANY, "raw VALUE"},
    {"adv-interval", CTX_PERIPH, kw_adv_interval, 1, 1, "adv-interval DURATION, as 100ms"},
    {"rssi", CTX_PERIPH, kw_rssi, 1, 3, "rssi DBM [\xC2\xB1VARIATION]"},
    {"connectable", CTX_PERIPH, kw_flag, 1, 1, "connectable yes|no"},
    {"advertising", CTX_PERIPH, kw_flag, 1, 1, "advertising yes|no"},
    {"advertise-while-connected", CTX_PERIPH, kw_flag, 1, 1, "advertise-while-connected yes|no"},
    {"connected-elsewhere", CTX_PERIPH, kw_flag, 1, 1, "connected-elsewhere yes|no"},
    {"mtu", CTX_PERIPH, kw_mtu, 1, 1, "mtu 23..517"},
    {"pairing", CTX_PERIPH, kw_pairing, 1, 1, "pairing none|encryption|authentication"},
    {"bonded", CTX_PERIPH, kw_bonded, 1, 1, "bonded no|encryption|authentication"},
    {"pairing-io", CTX_PERIPH, kw_pairing_io, 1, 1,
     "pairing-io no-input-no-output|display-only|display-yes-no|keyboard-only"},
    {"passkey", CTX_PERIPH, kw_passkey, 1, 1, "passkey NNNNNN"},
    {"connect-delay", CTX_PERIPH, kw_delay, 1, 1, "connect-delay DURATION"},
    {"response-delay", CTX_PERIPH, kw_delay, 1, 1, "response-delay DURATION"},
    {"fault", CTX_PERIPH, kw_fault, 1, ANY, "fault KIND ..."},
    {"service", CTX_PERIPH, blec__wp_kw_service, 1, 2, "service UUID [handle:N]"},
    {"characteristic", CTX_SERVICE, blec__wp_kw_characteristic, 2, ANY,
     "characteristic UUID [handle:N] PROPERTIES [VALUE]"},
    {"descriptor", CTX_CHAR, blec__wp_kw_descriptor, 1, ANY,
     "descriptor UUID [handle:N] [read|write|read,write] [VALUE]"},
    {"value", CTX_ATTR, blec__wp_kw_value, 1, ANY, "value VALUE"},
    {"stream", CTX_CHAR, blec__wp_kw_stream, 2, 6, "stream INTERVAL GENERATOR [burst N] [count N]"},
    {"security", CTX_CHAR, blec__wp_kw_security, 1, 1, "security none|encryption|authentication"},
    {"echo", CTX_CHAR, blec__wp_kw_echo, 1, 1, "echo UUID|handle:N"},
};

static int statement(blec__wparser *ps, char **t, size_t n) {
  if (!ps->versioned) {
    int64_t v;
    if (strcmp(t[0], "blec-world") != 0 || n != 2)
      return blec__wp_fail(ps, "not a world file (expected 'blec-world 1' as the first line)");
    if (!blec__wlex_int(t[1], 0, 1000000, &v) || v != 1)
      return blec__wp_fail(ps, "unsupported version '%.20s' (this library reads blec-world 1)", t[1]);
    ps->versioned = true;
    return BLEC_OK;
  }
  const kw *k = NULL;
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (!strcmp(t[0], keywords[i].name)) k = &keywords[i];
  if (!k) {
    if (!strcmp(t[0], "blec-world"))
      return blec__wp_fail(ps, "'blec-world' appears twice (expected it once, on the first line)");
    return blec__wp_fail(ps, "unknown keyword '%.40s' (see docs/world-format.md)", t[0]);
  }
  switch (k->ctx) {
    case CTX_PERIPH:
      if (!ps->p)
        return blec__wp_fail(ps, "'%s' outside a peripheral (expected a 'peripheral' line before it)",
                             k->name);
      break;
    case CTX_SERVICE:
      if (!ps->in_service)
        return blec__wp_fail(ps, "'%s' outside a service (expected a 'service' line before it)", k->name);
      break;
    case CTX_CHAR:
      if (!ps->cur_char)
        return blec__wp_fail(ps, "'%s' outside a characteristic (expected a 'characteristic' line before it)",
                             k->name);
      break;
    case CTX_ATTR:
      if (!ps->cur_attr)
        return blec__wp_fail(
            ps, "'%s' outside a characteristic (expected a 'characteristic' or 'descriptor' line before it)",
            k->name);
      break;
    default:
      break;
  }
  if (n - 1 < k->min_args || (k->max_args != ANY && n - 1 > k->max_args)) return usage(ps, k);
  return k->fn(ps, t, n);
}

/* Parses text into ps->w. `size` bytes; a NUL byte inside is an error. */
static int parse(blec__wparser *ps, const char *text, size_t size) {
  size_t i = 0;
  while (i < size) {
    size_t start = i;
    while (i < size && text[i] != '\n' && text[i] != '\0') i++;
    ps->line++;
    if (i < size && text[i] == '\0')
      return blec__wp_fail(ps, "a NUL byte in the text (expected a text file)");
    int st = blec__wlex_line(&ps->lx, text + start, i - start, ps->why);
    if (st == BLEC_ERR_NO_MEMORY) return blec__wp_oom(ps);
    if (st != BLEC_OK) return blec__wp_fail(ps, "%s", ps->why);
    if (ps->lx.ntok > 0 && (st = statement(ps, ps->lx.tok, ps->lx.ntok)) != BLEC_OK) return st;
    if (i < size) i++; /* the '\n' */
  }
  if (!ps->versioned) {
    ps->line = ps->line ? ps->line : 1;
    return blec__wp_fail(ps, "empty world file (expected 'blec-world 1' as the first line)");
  }
  return blec__wp_end_peripheral(ps);
}

static int load(const char *text, size_t size, const char *name, blec_world **out, blec_error *err) {
  blec__wparser ps;
  memset(&ps, 0, sizeof ps);
  ps.name = name ? name : "world";
  ps.err = err;
  int st = blec_world_new(&ps.w);
  if (st != BLEC_OK) return blec__wp_oom(&ps);
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
      snprintf(err->message, sizeof err->message, "%s", !text ? "text is NULL" : "out is NULL");
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
    if (err) {
      err->status = BLEC_ERR_INVALID_ARG;
      snprintf(err->message, sizeof err->message, "%s", !path ? "path is NULL" : "out is NULL");
    }
    return BLEC_ERR_INVALID_ARG;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err) {
      err->status = BLEC_ERR_IO;
      snprintf(err->message, sizeof err->message, "%.150s: cannot open the file", path);
      blec__text_sanitize(err->message);
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
      blec__text_sanitize(err->message);
    }
    return st;
  }
  st = load(buf, len, path, out, err);
  free(buf);
  return st;
}
