/* SPDX-License-Identifier: MIT */
/*
 * world.c — the world object: reference count, clock, radio, seed, time scale, and the
 * peripherals' non-GATT settings (builder calls of blec_world.h).
 */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"

/* ---- helpers --------------------------------------------------------------------------- */

char *blec__wstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool blec__waddr_parse(const char *text, uint64_t *out) {
  if (!text) return false;
  uint64_t v = 0;
  for (int i = 0; i < 6; i++) {
    const char *t = text + i * 3;
    int hi = hexval((unsigned char)t[0]);
    int lo = hi < 0 ? -1 : hexval((unsigned char)t[1]);
    if (lo < 0) return false;
    v = (v << 8) | (uint64_t)(hi * 16 + lo);
    if (i < 5 && t[2] != ':') return false;
    if (i == 5 && t[2] != '\0') return false;
  }
  *out = v;
  return true;
}

static void addr_format(uint64_t v, char out[BLEC_ADDR_STRLEN]) {
  static const char hex[] = "0123456789ABCDEF";
  for (int i = 0; i < 6; i++) {
    unsigned b = (unsigned)(v >> (8 * (5 - i))) & 0xFFu;
    out[i * 3] = hex[b >> 4];
    out[i * 3 + 1] = hex[b & 15];
    out[i * 3 + 2] = i < 5 ? ':' : '\0';
  }
}

/* splitmix64: tiny, fast, and every seed gives a full-period sequence. */
uint64_t blec__wrng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Each peripheral has its own generators, seeded from the world seed and its address, so
 * its RSSI sequence does not depend on what other peripherals do or on timing. */
void blec__world_seed_peripheral(blec_world *w, blec_world_peripheral *p) {
  uint64_t s = w->seed ^ (p->addr * 0x2545F4914F6CDD1Dull);
  p->rng_rssi = blec__wrng_next(&s);
  p->rng_gen = blec__wrng_next(&s);
}

/* Addresses are found through a hash (10 000 peripherals are built and connected to
 * without a linear search each). */
static size_t slot_of(uint64_t addr, size_t cap) {
  uint64_t h = addr * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 20) & (cap - 1);
}

blec_world_peripheral *blec__world_find_locked(blec_world *w, uint64_t addr) {
  if (!w->cap_index) return NULL;
  for (size_t i = slot_of(addr, w->cap_index);; i = (i + 1) & (w->cap_index - 1)) {
    size_t v = w->index[i];
    if (v == 0) return NULL;
    if (w->periph[v - 1]->addr == addr) return w->periph[v - 1];
  }
}

static void index_put(size_t *index, size_t cap, uint64_t addr, size_t value) {
  size_t i = slot_of(addr, cap);
  while (index[i]) i = (i + 1) & (cap - 1);
  index[i] = value;
}

/* Makes room for one more peripheral in the hash (lock held). */
static int index_reserve(blec_world *w) {
  if ((w->nperiph + 1) * 2 <= w->cap_index) return BLEC_OK;
  size_t cap = w->cap_index ? w->cap_index * 2 : 64;
  size_t *ni = calloc(cap, sizeof *ni);
  if (!ni) return BLEC_ERR_NO_MEMORY;
  for (size_t i = 0; i < w->nperiph; i++) index_put(ni, cap, w->periph[i]->addr, i + 1);
  free(w->index);
  w->index = ni;
  w->cap_index = cap;
  return BLEC_OK;
}

/* ---- clock ------------------------------------------------------------------------------- */

uint64_t blec__world_now_locked(blec_world *w) {
  uint64_t t = w->wbase;
  if (w->started) {
    uint64_t r = blec__now_us();
    if (r > w->rbase) t += (uint64_t)((double)(r - w->rbase) / w->scale);
  }
  return t > w->vnow ? t : w->vnow;
}

uint64_t blec__world_now_us(blec_world *w) {
  if (!w) return 0;
  blec__mutex_lock(&w->lock);
  uint64_t t = blec__world_now_locked(w);
  blec__mutex_unlock(&w->lock);
  return t;
}

/* ---- lifetime ------------------------------------------------------------------------------ */

int blec_world_new(blec_world **out) {
  if (!out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  blec_world *w = calloc(1, sizeof *w);
  if (!w) return BLEC_ERR_NO_MEMORY;
  if (blec__mutex_init(&w->lock) != BLEC_OK) {
    free(w);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__cond_init(&w->wake) != BLEC_OK) {
    blec__mutex_destroy(&w->lock);
    free(w);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__cond_init(&w->cb_done) != BLEC_OK) {
    blec__cond_destroy(&w->wake);
    blec__mutex_destroy(&w->lock);
    free(w);
    return BLEC_ERR_NO_MEMORY;
  }
  w->refs = 1;
  w->radio = true;
  w->seed = 1;
  w->scale = 1.0;
  w->next_id = 1;
  w->next_scan_id = 1;
  *out = w;
  return BLEC_OK;
}

blec_world *blec_world_ref(blec_world *world) {
  if (!world) return NULL;
  blec__mutex_lock(&world->lock);
  world->refs++;
  blec__mutex_unlock(&world->lock);
  return world;
}

static void peripheral_free(blec_world_peripheral *p) {
  for (size_t i = 0; i < p->nattrs; i++) free(p->attrs[i].value);
  free(p->attrs);
  free(p->name);
  free(p);
}

/* Frees everything (lock held, engine stopped). Scans and links still open are a stack's
 * mistake; they are freed too so that nothing leaks. */
static void world_destroy(blec_world *w) {
  while (w->scans) {
    blec__wscan *s = w->scans;
    w->scans = s->next;
    blec__wscan_free(w, s);
  }
  while (w->connects.head) {
    blec__wreq *r = w->connects.head;
    blec__wreq_list_remove(&w->connects, r);
    r->link->connect_req = NULL;
    blec__wengine_unschedule(w, &r->ev);
    blec__wreq_free(w, r);
  }
  while (w->orphans.head) {
    blec__wreq *r = w->orphans.head;
    blec__wreq_list_remove(&w->orphans, r);
    blec__wengine_unschedule(w, &r->ev);
    blec__wreq_free(w, r);
  }
  while (w->links) { /* connecting ones too */
    blec__wlink *l = w->links;
    w->links = l->next;
    blec__wlink_free(w, l);
  }
  while (w->free_reqs) {
    blec__wreq *r = w->free_reqs;
    w->free_reqs = r->next;
    free(r->big);
    free(r);
  }
  for (size_t i = 0; i < w->nperiph; i++) peripheral_free(w->periph[i]);
  free(w->periph);
  free(w->index);
  free(w->heap);
  blec__mutex_unlock(&w->lock);
  blec__cond_destroy(&w->cb_done);
  blec__cond_destroy(&w->wake);
  blec__mutex_destroy(&w->lock);
  free(w);
}

void blec_world_unref(blec_world *world) {
  if (!world) return;
  blec__mutex_lock(&world->lock);
  if (--world->refs > 0) {
    blec__mutex_unlock(&world->lock);
    return;
  }
  if (world->thread_started && blec__wengine_on_thread(world)) {
    /* The last reference went inside a world callback (a stack's mistake): the engine
     * thread cannot join itself, so it frees the world when its loop ends. */
    world->stopping = true;
    world->destroy_on_exit = true;
    blec__mutex_unlock(&world->lock);
    return;
  }
  blec__wengine_stop(world);
  world_destroy(world);
}

void blec__world_destroy_from_engine(blec_world *w) { world_destroy(w); }

/* ---- world settings ------------------------------------------------------------------------ */

int blec_world_set_time_scale(blec_world *world, double scale) {
  if (!world || !(scale >= 1e-6 && scale <= 1e6)) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&world->lock);
  /* Rebase the clock so that world time stays continuous across the change. */
  uint64_t now = blec__world_now_locked(world);
  world->wbase = now;
  world->rbase = blec__now_us();
  world->scale = scale;
  blec__cond_signal(&world->wake);
  blec__mutex_unlock(&world->lock);
  return BLEC_OK;
}

int blec_world_set_seed(blec_world *world, uint64_t seed) {
  if (!world) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&world->lock);
  world->seed = seed;
  for (size_t i = 0; i < world->nperiph; i++) blec__world_seed_peripheral(world, world->periph[i]);
  blec__mutex_unlock(&world->lock);
  return BLEC_OK;
}

int blec_world_set_radio(blec_world *world, bool on) {
  if (!world) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&world->lock);
  if (world->radio != on) {
    world->radio = on;
    if (!on) {
      blec__wscan_radio_off(world);
      blec__wlink_radio_off(world);
    }
  }
  blec__mutex_unlock(&world->lock);
  return BLEC_OK;
}

bool blec_world_radio(const blec_world *world) {
  if (!world) return false;
  blec_world *w = (blec_world *)world; /* the lock is not part of the value */
  blec__mutex_lock(&w->lock);
  bool on = w->radio;
  blec__mutex_unlock(&w->lock);
  return on;
}

int blec__world_set_default_connect_delay(blec_world *w, int ms) {
  if (!w || ms < 0) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&w->lock);
  w->default_connect_delay_ms = ms;
  blec__mutex_unlock(&w->lock);
  return BLEC_OK;
}

/* ---- peripherals --------------------------------------------------------------------------- */

int blec_world_add_peripheral(blec_world *world, const char *address, blec_address_type type,
                              blec_world_peripheral **out) {
  uint64_t a;
  if (out) *out = NULL;
  if (!world || !blec__waddr_parse(address, &a)) return BLEC_ERR_INVALID_ARG;
  if (type != BLEC_ADDRESS_PUBLIC && type != BLEC_ADDRESS_RANDOM) {
    if (type != BLEC_ADDRESS_UNSPECIFIED) return BLEC_ERR_INVALID_ARG;
    type = BLEC_ADDRESS_PUBLIC;
  }
  blec__mutex_lock(&world->lock);
  int st = BLEC_OK;
  if (blec__world_find_locked(world, a)) {
    st = BLEC_ERR_BUSY;
    goto out;
  }
  if (index_reserve(world) != BLEC_OK) {
    st = BLEC_ERR_NO_MEMORY;
    goto out;
  }
  if (world->nperiph == world->cap_periph) {
    size_t cap = world->cap_periph ? world->cap_periph * 2 : 16;
    blec_world_peripheral **np = realloc(world->periph, cap * sizeof *np);
    if (!np) {
      st = BLEC_ERR_NO_MEMORY;
      goto out;
    }
    world->periph = np;
    world->cap_periph = cap;
  }
  blec_world_peripheral *p = calloc(1, sizeof *p);
  if (!p) {
    st = BLEC_ERR_NO_MEMORY;
    goto out;
  }
  p->w = world;
  p->index = world->nperiph;
  p->addr = a;
  addr_format(a, p->address);
  p->addr_type = type;
  p->name_where = BLEC__WNAME_NONE;
  p->tx_power[0] = p->tx_power[1] = 127;
  p->adv_interval_ms = 100;
  p->rssi = -60;
  p->connectable = true;
  p->advertising = true;
  p->adv_while_connected = true;
  p->mtu = 247;
  p->pair_max = BLEC_PROTECTION_ENCRYPTION;
  p->pair_io = BLEC_WORLD_PAIRING_IO_UNSET;
  memcpy(p->passkey, "123456", sizeof p->passkey);
  p->bond = -1;
  p->loss_after_ms = -1;
  p->loss_after_requests = -1;
  p->stop_adv_ms = -1;
  p->ev_adv.kind = BLEC__WEV_ADV;
  p->ev_stop_adv.kind = BLEC__WEV_STOP_ADV;
  blec__world_seed_peripheral(world, p);
  blec__wadv_compose(p);
  world->periph[world->nperiph++] = p;
  index_put(world->index, world->cap_index, a, world->nperiph);
  blec__wscan_kick(world, p);
  if (out) *out = p;
out:
  blec__mutex_unlock(&world->lock);
  return st;
}

int blec_world_find_peripheral(blec_world *world, const char *address, blec_world_peripheral **out) {
  uint64_t a;
  if (out) *out = NULL;
  if (!world || !out || !blec__waddr_parse(address, &a)) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&world->lock);
  blec_world_peripheral *p = blec__world_find_locked(world, a);
  blec__mutex_unlock(&world->lock);
  *out = p;
  return p ? BLEC_OK : BLEC_ERR_NOT_FOUND;
}

size_t blec_world_peripheral_count(const blec_world *world) {
  if (!world) return 0;
  blec_world *w = (blec_world *)world;
  blec__mutex_lock(&w->lock);
  size_t n = w->nperiph;
  blec__mutex_unlock(&w->lock);
  return n;
}

blec_world_peripheral *blec_world_peripheral_at(const blec_world *world, size_t i) {
  if (!world) return NULL;
  blec_world *w = (blec_world *)world;
  blec__mutex_lock(&w->lock);
  blec_world_peripheral *p = i < w->nperiph ? w->periph[i] : NULL;
  blec__mutex_unlock(&w->lock);
  return p;
}

const char *blec_world_peripheral_address(const blec_world_peripheral *p) { return p ? p->address : NULL; }

char *blec__world_peripheral_name(blec_world_peripheral *p) {
  if (!p) return NULL;
  blec__mutex_lock(&p->w->lock);
  char *n = p->name ? blec__wstrdup(p->name) : NULL;
  blec__mutex_unlock(&p->w->lock);
  return n;
}

int blec_world_peripheral_set_adv_interval(blec_world_peripheral *p, int interval_ms) {
  if (!p || interval_ms < 1 || interval_ms > 3600000) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->adv_interval_ms = interval_ms;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_set_rssi(blec_world_peripheral *p, int rssi_dbm, int variation_db) {
  if (!p || rssi_dbm < -127 || rssi_dbm > 20 || variation_db < 0 || variation_db > 100)
    return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->rssi = rssi_dbm;
  p->rssi_var = variation_db;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_set_connectable(blec_world_peripheral *p, bool connectable) {
  if (!p) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->connectable = connectable;
  blec__wadv_compose(p); /* the flags AD follows */
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_set_advertising(blec_world_peripheral *p, bool advertising) {
  if (!p) return BLEC_ERR_INVALID_ARG;
  blec_world *w = p->w;
  blec__mutex_lock(&w->lock);
  p->advertising = advertising;
  if (advertising)
    blec__wscan_kick(w, p);
  else
    blec__wengine_unschedule(w, &p->ev_adv);
  blec__mutex_unlock(&w->lock);
  return BLEC_OK;
}

/* Advertising may start or stop after a change of these (lock held). */
static void readvertise(blec_world *w, blec_world_peripheral *p) {
  if (blec__wadv_active(p))
    blec__wscan_kick(w, p);
  else
    blec__wengine_unschedule(w, &p->ev_adv);
}

int blec__world_peripheral_set_connected_elsewhere(blec_world_peripheral *p, bool on) {
  if (!p) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->connected_elsewhere = on;
  readvertise(p->w, p);
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_set_connected_elsewhere(blec_world_peripheral *p, bool on) {
  return blec__world_peripheral_set_connected_elsewhere(p, on);
}

bool blec__world_peripheral_connected_elsewhere(blec_world_peripheral *p) {
  if (!p) return false;
  blec__mutex_lock(&p->w->lock);
  bool on = p->connected_elsewhere;
  blec__mutex_unlock(&p->w->lock);
  return on;
}

blec_world_pairing_io blec__world_peripheral_pairing_io(blec_world_peripheral *p, char passkey[7]) {
  if (!p) return BLEC_WORLD_PAIRING_IO_UNSET;
  blec__mutex_lock(&p->w->lock);
  blec_world_pairing_io io = (blec_world_pairing_io)p->pair_io;
  if (passkey) memcpy(passkey, p->passkey, 7);
  blec__mutex_unlock(&p->w->lock);
  return io;
}

blec_address_type blec__world_peripheral_address_type(blec_world_peripheral *p) {
  return p ? p->addr_type : BLEC_ADDRESS_UNSPECIFIED; /* fixed when the peripheral is added */
}

int blec__world_peripheral_set_adv_while_connected(blec_world_peripheral *p, bool on) {
  if (!p) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->adv_while_connected = on;
  readvertise(p->w, p);
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_set_mtu(blec_world_peripheral *p, int mtu) {
  if (!p || mtu < BLEC__W_MIN_MTU || mtu > 517) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->mtu = mtu;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

static bool level_ok(int level) {
  return level >= BLEC_PROTECTION_NONE && level <= BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
}

int blec_world_peripheral_set_pairing(blec_world_peripheral *p, blec_protection_level max) {
  if (!p || !level_ok((int)max)) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->pair_max = (int)max;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

static bool passkey_ok(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (s[n] < '0' || s[n] > '9') return false;
  return n == 6;
}

int blec_world_peripheral_set_pairing_io(blec_world_peripheral *p, blec_world_pairing_io io, const char *passkey) {
  if (!p || (int)io < BLEC_WORLD_PAIRING_IO_UNSET || (int)io > BLEC_WORLD_PAIRING_IO_KEYBOARD_ONLY ||
      (passkey && !passkey_ok(passkey)))
    return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->pair_io = (int)io;
  if (passkey) memcpy(p->passkey, passkey, sizeof p->passkey);
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec__world_peripheral_set_bond(blec_world_peripheral *p, int level) {
  if (!p || (level != -1 && !level_ok(level))) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->bond = level;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_set_delays(blec_world_peripheral *p, int connect_ms, int response_ms) {
  if (!p || connect_ms < 0 || response_ms < 0) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->connect_delay_ms = connect_ms;
  p->response_delay_ms = response_ms;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}
