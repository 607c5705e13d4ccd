/* SPDX-License-Identifier: MIT */
/*
 * world_parse_gatt.c — the GATT database in the world file format: services,
 * characteristics, descriptors, values, security, streams and echoes (resolved at the end
 * of their peripheral, as targets may come later). See docs/world-format.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world/world_parse.h"

/* The end of a peripheral's lines: resolves its echoes. */
int blec__wp_end_peripheral(blec__wparser *ps) {
  for (size_t i = 0; i < ps->necho; i++) {
    blec__wecho_fix *e = &ps->echo[i];
    uint16_t to = e->handle;
    if (!to) {
      int count = 0;
      to = blec__wgatt_find_value(e->p, &e->uuid, &count);
      if (count == 0)
        return blec__wp_fail_at(ps, e->line, "echo target %s: no such characteristic in peripheral %s",
                                e->text, e->p->address);
      if (count > 1)
        return blec__wp_fail_at(ps, e->line,
                                "echo target %s is ambiguous in peripheral %s (expected handle:N)", e->text,
                                e->p->address);
    }
    if (!(blec__wgatt_props(e->p, to) & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)))
      return blec__wp_fail_at(ps, e->line, "echo target %s does not notify or indicate", e->text);
    if (blec_world_characteristic_set_echo(e->p, e->from, to) != BLEC_OK)
      return blec__wp_fail_at(ps, e->line, "echo target %s cannot be used", e->text);
  }
  ps->necho = 0;
  return BLEC_OK;
}

/* ---- GATT ------------------------------------------------------------------------------------------ */

/* An explicit handle, "handle:N" right after the UUID (a recorded device's handles have
 * gaps): taken out of the tokens, its value in *handle (0 when there is none). */
static int take_handle(blec__wparser *ps, char **t, size_t *n, uint16_t *handle) {
  *handle = 0;
  if (*n < 3 || strncmp(t[2], "handle:", 7) != 0) return BLEC_OK;
  int64_t h;
  if (!blec__wlex_int(t[2] + 7, 1, 0xFFFF, &h))
    return blec__wp_fail(ps, "bad handle '%.30s' (expected handle:N, N 1..65535)", t[2]);
  *handle = (uint16_t)h;
  memmove(t + 2, t + 3, (*n - 3) * sizeof *t);
  (*n)--;
  return BLEC_OK;
}

/* Makes `first` the next handle: the first attribute of a line whose handle is stated
 * (`stated`) and which takes the handles first..last. */
static int place(blec__wparser *ps, const char *what, uint16_t stated, long first, long last) {
  uint16_t used = blec__wgatt_last_handle(ps->p);
  if (first <= used)
    return blec__wp_fail(ps,
                         "%s handle %u is not above the handles already taken (up to %u; handles must "
                         "increase, and a characteristic's declaration takes the handle before its value)",
                         what, stated, used);
  if (last > 0xFFFF)
    return blec__wp_fail(ps, "%s handle %u leaves no room for its %ld attributes (handles end at 65535)", what,
                         stated, last - first + 1);
  return blec__wp_built(ps, blec_world_set_next_handle(ps->p, (uint16_t)first), "cannot use the handle");
}

int blec__wp_kw_service(blec__wparser *ps, char **t, size_t n) {
  blec_uuid u;
  uint16_t h;
  if (blec__wp_uuid(ps, t[1], &u) || take_handle(ps, t, &n, &h)) return BLEC_ERR_PARSE;
  if (n > 2) return blec__wp_fail(ps, "wrong arguments for 'service' (expected: service UUID [handle:N])");
  if (h && place(ps, "service", h, h, h)) return BLEC_ERR_PARSE;
  if (blec__wp_built(ps, blec_world_add_service(ps->p, &u, NULL), "cannot add the service"))
    return BLEC_ERR_PARSE;
  ps->has_services = ps->in_service = true;
  ps->cur_char = ps->cur_attr = 0;
  return BLEC_OK;
}

static int parse_props(blec__wparser *ps, char *s, uint32_t *props) {
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
      return blec__wp_fail(ps,
                           "unknown property '%.*s' (expected read, write, write-without-response, notify, "
                           "indicate or another bleak property name)",
                           (int)(len > 30 ? 30 : len), s);
    *props |= names[i].bit;
    if (!comma) return BLEC_OK;
    s = comma + 1;
  }
}

int blec__wp_kw_characteristic(blec__wparser *ps, char **t, size_t n) {
  blec_uuid u;
  uint32_t props;
  uint16_t h;
  if (blec__wp_uuid(ps, t[1], &u) || take_handle(ps, t, &n, &h)) return BLEC_ERR_PARSE;
  if (n < 3)
    return blec__wp_fail(ps, "wrong arguments for 'characteristic' (expected: characteristic UUID [handle:N] "
                             "PROPERTIES [VALUE])");
  if (parse_props(ps, t[2], &props)) return BLEC_ERR_PARSE;
  if (h) {
    /* The stated handle is the value's (what a client sees); the declaration comes just
     * before it, the Extended Properties and CCCD descriptors the world adds just after. */
    long extra = ((props & (BLEC_PROP_RELIABLE_WRITE | BLEC_PROP_WRITABLE_AUXILIARIES)) ? 1 : 0) +
                 ((props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)) ? 1 : 0);
    if (h == 1) return blec__wp_fail(ps, "characteristic handle 1 leaves no room for its declaration");
    if (place(ps, "characteristic", h, (long)h - 1, (long)h + extra)) return BLEC_ERR_PARSE;
  }
  ps->vlen = 0;
  if (n > 3 && blec__wp_value(ps, t + 3, n - 3)) return BLEC_ERR_PARSE;
  uint16_t vh = 0;
  if (blec__wp_built(ps, blec_world_add_characteristic(ps->p, &u, props, ps->val, ps->vlen, &vh),
                     "cannot add the characteristic"))
    return BLEC_ERR_PARSE;
  ps->cur_char = ps->cur_attr = vh;
  return BLEC_OK;
}

int blec__wp_kw_descriptor(blec__wparser *ps, char **t, size_t n) {
  blec_uuid u;
  uint16_t v16, stated;
  if (blec__wp_uuid(ps, t[1], &u) || take_handle(ps, t, &n, &stated)) return BLEC_ERR_PARSE;
  if (blec_uuid_to16(&u, &v16) && v16 == 0x2902)
    return blec__wp_fail(
        ps, "the CCCD 0x2902 is added automatically (to characteristics that notify or indicate)");
  if (stated && place(ps, "descriptor", stated, stated, stated)) return BLEC_ERR_PARSE;
  size_t i = 2;
  int access = BLEC__WACC_READ | BLEC__WACC_WRITE;
  if (i < n && !blec__wlex_is_value(t[i])) {
    if (!strcmp(t[i], "read"))
      access = BLEC__WACC_READ;
    else if (!strcmp(t[i], "write"))
      access = BLEC__WACC_WRITE;
    else if (!strcmp(t[i], "read,write") || !strcmp(t[i], "write,read"))
      access = BLEC__WACC_READ | BLEC__WACC_WRITE;
    else
      return blec__wp_fail(
          ps, "bad descriptor access '%.30s' (expected read, write or read,write, or a value)", t[i]);
    i++;
  }
  ps->vlen = 0;
  if (i < n && blec__wp_value(ps, t + i, n - i)) return BLEC_ERR_PARSE;
  uint16_t h = 0;
  if (blec__wp_built(ps, blec_world_add_descriptor(ps->p, &u, ps->val, ps->vlen, &h),
                     "cannot add the descriptor") ||
      blec__wp_built(ps, blec__world_descriptor_set_access(ps->p, h, access), "cannot set the access"))
    return BLEC_ERR_PARSE;
  ps->cur_attr = h;
  return BLEC_OK;
}

int blec__wp_kw_value(blec__wparser *ps, char **t, size_t n) {
  if (blec__wp_value(ps, t + 1, n - 1)) return BLEC_ERR_PARSE;
  return blec__wp_built(ps, blec_world_set_value(ps->p, ps->cur_attr, ps->val, ps->vlen, false),
                        "cannot set the value");
}

int blec__wp_kw_stream(blec__wparser *ps, char **t, size_t n) {
  int64_t ms, v;
  uint32_t burst = 1;
  uint64_t count = 0;
  if (blec__wp_duration(ps, "stream", t[1], &ms)) return BLEC_ERR_PARSE;
  if (blec__wstream_generator(t[2]) < 0)
    return blec__wp_fail(
        ps,
        "unknown generator '%.30s' (expected static, counter, heart-rate, temperature, humidity or battery)",
        t[2]);
  if (n % 2 != 1)
    return blec__wp_fail(
        ps, "wrong arguments for 'stream' (expected: stream INTERVAL GENERATOR [burst N] [count N])");
  for (size_t i = 3; i + 1 < n; i += 2) {
    if (!strcmp(t[i], "burst")) {
      if (blec__wp_int(ps, "burst", t[i + 1], 1, 1000000, &v)) return BLEC_ERR_PARSE;
      burst = (uint32_t)v;
    } else if (!strcmp(t[i], "count")) {
      if (blec__wp_int(ps, "count", t[i + 1], 1, 4611686018427387904ll, &v)) return BLEC_ERR_PARSE;
      count = (uint64_t)v;
    } else {
      return blec__wp_fail(ps, "unknown stream option '%.30s' (expected burst N or count N)", t[i]);
    }
  }
  if (!(blec__wgatt_props(ps->p, ps->cur_char) & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)))
    return blec__wp_fail(ps, "a stream needs a characteristic that can notify or indicate");
  return blec__wp_built(
      ps, blec__world_characteristic_set_stream_ex(ps->p, ps->cur_char, (int)ms, t[2], burst, count),
      "bad stream");
}

int blec__wp_kw_security(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  int level = 0;
  if (blec__wp_level(ps, t[0], t[1], &level)) return BLEC_ERR_PARSE;
  return blec__wp_built(
      ps, blec_world_characteristic_set_security(ps->p, ps->cur_char, (blec_protection_level)level),
      "bad security");
}

int blec__wp_kw_echo(blec__wparser *ps, char **t, size_t n) {
  (void)n;
  if (!(blec__wgatt_props(ps->p, ps->cur_char) & (BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE)))
    return blec__wp_fail(ps, "echo needs a writable characteristic (write or write-without-response)");
  blec__wecho_fix e;
  memset(&e, 0, sizeof e);
  e.line = ps->line;
  e.p = ps->p;
  e.from = ps->cur_char;
  snprintf(e.text, sizeof e.text, "%.40s", t[1]);
  if (!strncmp(t[1], "handle:", 7)) {
    int64_t h;
    if (!blec__wlex_int(t[1] + 7, 1, 0xFFFF, &h))
      return blec__wp_fail(ps, "bad handle '%.30s' (expected handle:N, N 1..65535)", t[1]);
    e.handle = (uint16_t)h; /* checked at the end of the peripheral: it may come later */
  } else if (blec__wp_uuid(ps, t[1], &e.uuid)) {
    return BLEC_ERR_PARSE;
  }
  if (ps->necho == ps->cap_echo) {
    size_t cap = ps->cap_echo ? ps->cap_echo * 2 : 4;
    blec__wecho_fix *ne = realloc(ps->echo, cap * sizeof *ne);
    if (!ne) return blec__wp_oom(ps);
    ps->echo = ne;
    ps->cap_echo = cap;
  }
  ps->echo[ps->necho++] = e;
  return BLEC_OK;
}
