/* SPDX-License-Identifier: MIT */
/*
 * world_stream.c — subscriptions (a link's CCCD bits per characteristic), stream
 * characteristics and their value generators, and pushed notifications.
 *
 * Stream ticks: the first comes one interval after subscribing, then every interval
 * (catching up when late, so no value is lost). Each tick sends `burst` values back to
 * back; a tick of a 0 ms stream sends 64 values at least and is requeued at the current
 * time, so a 0 ms stream runs as fast as the stack takes values while other due events
 * still get their turn. Per value: one generator step and one callback, no allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"

/* Values per tick of a 0 ms stream: amortises the queue work over a batch. */
#define ZERO_INTERVAL_BATCH 64

blec__wsub *blec__wsub_find(blec__wlink *l, uint16_t h) {
  for (blec__wsub *s = l->subs; s; s = s->next)
    if (s->handle == h) return s;
  return NULL;
}

static void sub_unlink(blec__wlink *l, blec__wsub *s) {
  for (blec__wsub **pp = &l->subs; *pp; pp = &(*pp)->next) {
    if (*pp == s) {
      *pp = s->next;
      return;
    }
  }
}

int blec__wsub_set(blec__wlink *l, blec__wattr_rec *value, uint16_t bits) {
  blec_world *w = l->w;
  uint16_t h = value->owner;
  blec__wsub *s = blec__wsub_find(l, h);
  if (bits == 0) {
    if (s) {
      blec__wengine_unschedule(w, &s->ev);
      sub_unlink(l, s);
      free(s);
    }
    return BLEC_OK;
  }
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return BLEC_ERR_NO_MEMORY;
    s->link = l;
    s->handle = h;
    s->ev.kind = BLEC__WEV_STREAM;
    s->next = l->subs;
    l->subs = s;
  }
  s->bits = bits;
  if (value->stream_ms >= 0 && !s->ev.pos) {
    s->sent = 0;
    blec__wengine_schedule(w, &s->ev, blec__world_now_locked(w) + (uint64_t)value->stream_ms * 1000u);
  }
  return BLEC_OK;
}

void blec__wsub_pause_all(blec__wlink *l) {
  for (blec__wsub *s = l->subs; s; s = s->next) blec__wengine_unschedule(l->w, &s->ev);
}

void blec__wsub_clear(blec__wlink *l) {
  while (l->subs) {
    blec__wsub *s = l->subs;
    l->subs = s->next;
    blec__wengine_unschedule(l->w, &s->ev);
    free(s);
  }
}

int blec__wsub_push(blec__wlink *l, uint16_t h, const uint8_t *data, size_t len) {
  blec__wsub *s = blec__wsub_find(l, h);
  if (!s || !s->bits) return BLEC_OK;
  blec_world *w = l->w;
  blec__wreq *r = blec__wreq_new(w, BLEC__WREQ_VALUE);
  if (!r) return BLEC_ERR_NO_MEMORY;
  if (blec__wreq_set_data(r, data, len) != BLEC_OK) {
    blec__wreq_free(w, r);
    return BLEC_ERR_NO_MEMORY;
  }
  r->link = l;
  r->handle = h;
  blec__wreq_list_push(&l->done, r);
  blec__wengine_schedule(w, &r->ev, blec__world_now_locked(w));
  return BLEC_OK;
}

/* ---- generators --------------------------------------------------------------------------- */

int blec__wstream_generator(const char *name) {
  static const char *const names[] = {"static",      "counter",  "heart-rate",
                                      "temperature", "humidity", "battery"};
  for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
    if (strcmp(name, names[i]) == 0) return i;
  return -1;
}

/* A random walk: state moves by at most `step` and stays in [lo, hi]. */
static int32_t walk(blec_world_peripheral *p, int32_t state, int32_t step, int32_t lo, int32_t hi) {
  int32_t d = (int32_t)(blec__wrng_next(&p->rng_gen) % (uint64_t)(2 * step + 1)) - step;
  state += d;
  if (state < lo) state = lo;
  if (state > hi) state = hi;
  return state;
}

static void set_le16(blec__wattr_rec *a, int32_t v) {
  uint32_t u = (uint32_t)v;
  uint8_t b[2] = {(uint8_t)(u & 0xFF), (uint8_t)((u >> 8) & 0xFF)};
  blec__wgatt_set(a, b, 2);
}

void blec__wstream_generate(blec_world_peripheral *p, blec__wattr_rec *a) {
  switch (a->generator) {
    case BLEC__WGEN_COUNTER: {
      uint8_t b = a->len ? (uint8_t)(a->value[0] + 1) : 1;
      if (a->len)
        a->value[0] = b;
      else
        blec__wgatt_set(a, &b, 1);
      break;
    }
    case BLEC__WGEN_HEART_RATE: {
      /* 0x2A37: flags 0x06 (8-bit value, sensor contact detected), then bpm. */
      a->gen_state = walk(p, a->gen_state ? a->gen_state : 72, 3, 55, 110);
      uint8_t b[2] = {0x06, (uint8_t)a->gen_state};
      blec__wgatt_set(a, b, 2);
      break;
    }
    case BLEC__WGEN_TEMPERATURE: /* 0x2A6E: sint16, 0.01 degrees Celsius */
      a->gen_state = walk(p, a->gen_state ? a->gen_state : 2150, 10, 1500, 3000);
      set_le16(a, a->gen_state);
      break;
    case BLEC__WGEN_HUMIDITY: /* 0x2A6F: uint16, 0.01 percent */
      a->gen_state = walk(p, a->gen_state ? a->gen_state : 4500, 25, 2000, 8000);
      set_le16(a, a->gen_state);
      break;
    case BLEC__WGEN_BATTERY: { /* 0x2A19: percent, draining, recharged at 0 */
      uint8_t b = a->len ? a->value[0] : 100;
      b = (uint8_t)(b == 0 || b > 100 ? 100 : b - 1);
      blec__wgatt_set(a, &b, 1);
      break;
    }
    default:
      break;
  }
}

void blec__wstream_on_tick(blec_world *w, blec__wsub *s) {
  blec__wlink *l = s->link;
  if (l->state != BLEC__WLINK_UP || !s->bits) return;
  blec_world_peripheral *p = l->p;
  uint16_t h = s->handle;
  blec__wattr_rec *a = blec__wgatt_attr(p, h);
  if (!a || a->stream_ms < 0) return;
  uint64_t n = a->burst;
  if (a->stream_ms == 0 && n < ZERO_INTERVAL_BATCH) n = ZERO_INTERVAL_BATCH;
  bool more = true;
  if (a->count) {
    uint64_t left = a->count > s->sent ? a->count - s->sent : 0;
    if (n >= left) {
      n = left;
      more = false;
    }
  }
  if (more) {
    uint64_t next =
        a->stream_ms == 0 ? blec__world_now_locked(w) : s->ev.due + (uint64_t)a->stream_ms * 1000u;
    blec__wengine_schedule(w, &s->ev, next);
  }
  void (*value)(void *, uint16_t, const uint8_t *, size_t, bool) = l->events.value;
  for (uint64_t i = 0; i < n; i++) {
    blec__wstream_generate(p, a);
    size_t len = a->len;
    if (len) memcpy(w->scratch[0], a->value, len);
    s->sent++;
    bool indication = !(s->bits & 1);
    if (value) {
      blec__wengine_enter_link(w, l);
      value(l->events_user, h, w->scratch[0], len, indication);
      if (!blec__wengine_leave_link(w, l)) return;
    }
    /* The lock was released: re-check, and re-find the attribute (the table may grow). */
    if (l->state != BLEC__WLINK_UP || !s->bits) return;
    a = blec__wgatt_attr(p, h);
    if (!a || a->stream_ms < 0) return;
  }
}
