/* SPDX-License-Identifier: MIT */
/*
 * world_write.c — a world written back as world-file text (docs/world-format.md): what
 * `blec record` saves, and a way to keep a world built with the builder calls.
 *
 * What is written is the world as it is now, in a form that loads back to the same
 * radio behaviour: each peripheral's advertisement and scan response as the exact bytes
 * it sends (`raw`), its GAP name (`device-name`), its settings, its GATT database with
 * the current values, security, streams and echoes, and its scripted faults. The GAP
 * service of a named peripheral, the CCCDs and the Extended Properties descriptors are
 * not written: loading the file creates them again, at the same handles.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec_world.h"
#include "world/world_internal.h"

/* ---- a growable text ------------------------------------------------------------------ */

typedef struct wtext {
  char *s;
  size_t len, cap;
  bool failed;
} wtext;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(wtext *t, const char *fmt, ...) {
  if (t->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->cap - t->len;
    int n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
      t->failed = true;
      return;
    }
    if ((size_t)n < room) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 4096;
    while (cap - t->len <= (size_t)n) cap *= 2;
    char *s = realloc(t->s, cap);
    if (!s) {
      t->failed = true;
      return;
    }
    t->s = s;
    t->cap = cap;
  }
}

static void put_hex(wtext *t, const uint8_t *d, size_t n) {
  put(t, "hex:");
  for (size_t i = 0; i < n; i++) put(t, "%02x", d[i]);
}

/* A string token: the escapes the lexer reads (\" \\ \n \r \t \xHH). */
static void put_string(wtext *t, const char *s, size_t n) {
  put(t, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      put(t, "\\%c", c);
    else if (c == '\n')
      put(t, "\\n");
    else if (c == '\r')
      put(t, "\\r");
    else if (c == '\t')
      put(t, "\\t");
    else if (c < 0x20 || c == 0x7f)
      put(t, "\\x%02x", c);
    else
      put(t, "%c", c);
  }
  put(t, "\"");
}

/* A value: text:"..." when it looks like text (two or more bytes, all printable ASCII),
 * else hex. */
static void put_value(wtext *t, const uint8_t *d, size_t n) {
  bool text = n > 1;
  for (size_t i = 0; i < n && text; i++) text = d[i] >= 0x20 && d[i] < 0x7f;
  if (text) {
    put(t, "text:");
    put_string(t, (const char *)d, n);
  } else {
    put_hex(t, d, n);
  }
}

static void put_uuid(wtext *t, const blec_uuid *u) {
  uint16_t v16;
  uint32_t v32;
  char buf[BLEC_UUID_STRLEN];
  if (blec_uuid_to16(u, &v16))
    put(t, "%04x", v16);
  else if (blec_uuid_to32(u, &v32))
    put(t, "%08lx", (unsigned long)v32);
  else
    put(t, "%s", blec_uuid_to_string(u, buf));
}

static const char *level_name(int level) {
  switch (level) {
    case BLEC_PROTECTION_NONE: return "none";
    case BLEC_PROTECTION_ENCRYPTION: return "encryption";
    case BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION: return "authentication";
    default: return NULL;
  }
}

/* ---- peripherals --------------------------------------------------------------------- */

static void put_settings(wtext *t, const blec_world_peripheral *p) {
  static const char *const io_names[] = {NULL, "no-input-no-output", "display-only", "display-yes-no",
                                         "keyboard-only"};
  if (p->name) {
    put(t, "  device-name ");
    put_string(t, p->name, strlen(p->name));
    put(t, "\n");
  }
  /* The exact bytes sent; an empty advertisement too (else flags would be generated). */
  put(t, "  raw ");
  put_hex(t, p->payload[0], p->payload_len[0]);
  put(t, "\n");
  if (p->payload_len[1]) {
    put(t, "  scan-response raw ");
    put_hex(t, p->payload[1], p->payload_len[1]);
    put(t, "\n");
  }
  put(t, "  adv-interval %dms\n", p->adv_interval_ms);
  if (p->rssi_var)
    put(t, "  rssi %d +-%d\n", p->rssi, p->rssi_var);
  else
    put(t, "  rssi %d\n", p->rssi);
  if (!p->connectable) put(t, "  connectable no\n");
  if (!p->advertising) put(t, "  advertising no\n");
  if (!p->adv_while_connected) put(t, "  advertise-while-connected no\n");
  if (p->connected_elsewhere) put(t, "  connected-elsewhere yes\n");
  put(t, "  mtu %d\n", p->mtu);
  if (level_name(p->pair_max)) put(t, "  pairing %s\n", level_name(p->pair_max));
  if (p->pair_io > 0 && p->pair_io < (int)(sizeof io_names / sizeof io_names[0]))
    put(t, "  pairing-io %s\n  passkey %s\n", io_names[p->pair_io], p->passkey);
  if (level_name(p->bond)) put(t, "  bonded %s\n", level_name(p->bond));
  if (p->connect_delay_ms) put(t, "  connect-delay %dms\n", p->connect_delay_ms);
  if (p->response_delay_ms) put(t, "  response-delay %dms\n", p->response_delay_ms);
  for (int i = 0; i < p->nfaults; i++)
    put(t, "  fault att-error 0x%02x on-request %llu\n", p->faults[i].att_error,
        (unsigned long long)p->faults[i].nth);
  if (p->loss_after_ms > 0) put(t, "  fault link-loss after %dms\n", p->loss_after_ms);
  if (p->loss_after_requests > 0)
    put(t, "  fault link-loss after-requests %lld\n", (long long)p->loss_after_requests);
  if (p->stop_adv_ms >= 0) put(t, "  fault stop-advertising after %dms\n", p->stop_adv_ms);
  if (p->discovery_unreachable > 0) put(t, "  fault discovery-unreachable %d\n", p->discovery_unreachable);
}

static void put_props(wtext *t, uint32_t props) {
  bool first = true;
  for (uint32_t bit = 1; bit <= BLEC_PROP_WRITABLE_AUXILIARIES; bit <<= 1) {
    if (!(props & bit) || !blec_property_name(bit)) continue;
    put(t, "%s%s", first ? "" : ",", blec_property_name(bit));
    first = false;
  }
  if (first) put(t, "read"); /* a characteristic needs one property; none would not load */
}

/* Whether the descriptor d (of the characteristic whose value is v) is one the world adds
 * by itself. */
static bool generated_descriptor(const blec__wattr_rec *d, const blec__wattr_rec *v) {
  uint16_t u16 = 0;
  if (!blec_uuid_to16(&d->uuid, &u16)) return false;
  if (u16 == 0x2902) return v->cccd == d->handle;
  return u16 == 0x2900 && (v->props & (BLEC_PROP_RELIABLE_WRITE | BLEC_PROP_WRITABLE_AUXILIARIES));
}

/* " handle:N" when the line whose first attribute is at index `first` of the table does
 * not come right after the one before (a gap in the database): the numbering from the
 * line before would give it another handle. */
static void put_handle(wtext *t, const blec_world_peripheral *p, size_t first, uint16_t stated) {
  uint16_t implicit = first ? (uint16_t)(p->attrs[first - 1].handle + 1) : 1;
  if (p->attrs[first].handle != implicit) put(t, " handle:%u", stated);
}

static void put_gatt(wtext *t, const blec_world_peripheral *p) {
  static const char *const generators[] = {"static", "counter", "heart-rate", "temperature", "humidity",
                                           "battery"};
  uint16_t skip_end = 0; /* the GAP service made from the name: handles up to here */
  const blec__wattr_rec *value = NULL;
  for (size_t i = 0; i < p->nattrs; i++) {
    const blec__wattr_rec *a = &p->attrs[i];
    uint16_t h = a->handle;
    if (a->kind == BLEC__WA_SERVICE) {
      skip_end = p->gap_name && p->gap_name > h && p->gap_name <= a->owner ? a->owner : 0;
      if (skip_end) continue;
      put(t, "  service ");
      put_uuid(t, &a->uuid);
      put_handle(t, p, i, h);
      put(t, "\n");
      continue;
    }
    if (h <= skip_end || a->kind == BLEC__WA_CHAR_DECL) continue;
    if (a->kind == BLEC__WA_VALUE) {
      value = a;
      put(t, "    characteristic ");
      put_uuid(t, &a->uuid);
      put_handle(t, p, i - 1, h); /* its declaration comes first */
      put(t, " ");
      put_props(t, a->props);
      if (a->len) {
        put(t, " ");
        put_value(t, a->value, a->len);
      }
      put(t, "\n");
      if (a->security > BLEC_PROTECTION_NONE && level_name(a->security))
        put(t, "      security %s\n", level_name(a->security));
      if (a->stream_ms >= 0 && a->generator < sizeof generators / sizeof generators[0]) {
        put(t, "      stream %ldms %s", (long)a->stream_ms, generators[a->generator]);
        if (a->burst > 1) put(t, " burst %lu", (unsigned long)a->burst);
        if (a->count) put(t, " count %llu", (unsigned long long)a->count);
        put(t, "\n");
      }
      if (a->echo) put(t, "      echo handle:%u\n", a->echo);
      continue;
    }
    /* a descriptor */
    if (value && generated_descriptor(a, value)) continue;
    put(t, "      descriptor ");
    put_uuid(t, &a->uuid);
    put_handle(t, p, i, h);
    const char *access = a->access == (BLEC__WACC_READ | BLEC__WACC_WRITE) ? NULL
                         : a->access == BLEC__WACC_READ                     ? "read"
                         : a->access == BLEC__WACC_WRITE                    ? "write"
                                                                            : NULL;
    if (access) put(t, " %s", access);
    if (a->len) {
      put(t, " ");
      put_value(t, a->value, a->len);
    }
    put(t, "\n");
  }
}

/* ---- the world ------------------------------------------------------------------------- */

int blec_world_write_text(blec_world *world, char **text) {
  if (!world || !text) return BLEC_ERR_INVALID_ARG;
  *text = NULL;
  wtext t = {NULL, 0, 0, false};
  blec__mutex_lock(&world->lock);
  put(&t, "# A blec world (docs/world-format.md), written by blec.\nblec-world 1\n");
  put(&t, "seed %llu\n", (unsigned long long)world->seed);
  if (world->scale != 1.0) put(&t, "time-scale %.17g\n", world->scale);
  if (!world->radio) put(&t, "radio off\n");
  if (world->default_connect_delay_ms) put(&t, "not-found-delay %dms\n", world->default_connect_delay_ms);
  for (size_t i = 0; i < world->nperiph; i++) {
    const blec_world_peripheral *p = world->periph[i];
    put(&t, "\nperipheral %s %s\n", p->address, p->addr_type == BLEC_ADDRESS_RANDOM ? "random" : "public");
    put_settings(&t, p);
    put_gatt(&t, p);
  }
  blec__mutex_unlock(&world->lock);
  if (t.failed || !t.s) {
    free(t.s);
    return BLEC_ERR_NO_MEMORY;
  }
  *text = t.s;
  return BLEC_OK;
}

static int fail(blec_error *err, int status, const char *what, const char *path) {
  if (err) {
    blec_error_clear(err);
    err->status = status;
    snprintf(err->message, sizeof err->message, "%.150s%s%s", path ? path : "", path ? ": " : "", what);
  }
  return status;
}

int blec_world_save_file(blec_world *world, const char *path, blec_error *err) {
  if (err) blec_error_clear(err);
  if (!world || !path) return fail(err, BLEC_ERR_INVALID_ARG, "world and path are required", NULL);
  char *text = NULL;
  int st = blec_world_write_text(world, &text);
  if (st != BLEC_OK) return fail(err, st, "no memory for the world's text", NULL);
  FILE *f = fopen(path, "wb");
  size_t n = strlen(text);
  bool ok = f && fwrite(text, 1, n, f) == n;
  if (f) ok = fclose(f) == 0 && ok;
  free(text);
  return ok ? BLEC_OK : fail(err, BLEC_ERR_IO, "cannot write the file", path);
}
