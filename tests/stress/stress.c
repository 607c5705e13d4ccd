/* SPDX-License-Identifier: MIT */
/* stress.c — the stress suite's shared helpers (stress.h). */
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>

int st_budget_ms(void) {
  const char *e = getenv("BLEC_STRESS_MS");
  int ms = e ? atoi(e) : 0;
  return ms > 0 ? ms : 1500;
}

uint64_t st_now_ms(void) { return blec__now_us() / 1000u; }

bool st_running(uint64_t start_ms) { return st_now_ms() - start_ms < (uint64_t)st_budget_ms(); }

blec_world *st_world_big(int nchars) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new(&w));
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_add_peripheral(w, ST_BIG_ADDR, BLEC_ADDRESS_PUBLIC, &p));
  ASSERT_OK(blec_world_peripheral_set_name(p, "Big", false));
  ASSERT_OK(blec_world_peripheral_set_adv_interval(p, 10));
  ASSERT_OK(blec_world_peripheral_set_delays(p, 0, 0));
  blec_uuid u = blec_uuid_from16(0xBE00);
  ASSERT_OK(blec_world_add_service(p, &u, NULL));
  static const uint8_t zero[4] = {0};
  u = blec_uuid_from16(ST_BIG_NOTIFY);
  ASSERT_OK(blec_world_add_characteristic(p, &u, BLEC_PROP_NOTIFY | BLEC_PROP_READ, zero, 1, NULL));
  u = blec_uuid_from16(ST_BIG_RW);
  ASSERT_OK(blec_world_add_characteristic(p, &u, BLEC_PROP_READ | BLEC_PROP_WRITE, zero, 4, NULL));
  for (int i = 2; i < nchars; i++) {
    if (i % 10 == 0) {
      u = blec_uuid_from16((uint16_t)(0xC000 + i / 10));
      ASSERT_OK(blec_world_add_service(p, &u, NULL));
    }
    u = blec_uuid_from32(0x10000000u + (uint32_t)i);
    ASSERT_OK(blec_world_add_characteristic(p, &u, BLEC_PROP_READ | (i % 3 ? 0 : BLEC_PROP_NOTIFY), zero, 2, NULL));
  }
  return w;
}

blec_ctx *st_ctx(blec_world *world, blec_delivery mode) {
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(o, "virtual"));
  ASSERT_OK(blec_ctx_options_set_delivery(o, mode));
  ASSERT_OK(blec_ctx_options_set_log_level(o, BLEC_LOG_NONE));
  ASSERT_OK(blec_ctx_options_set_world(o, world));
  blec_ctx *ctx = NULL;
  ASSERT_OK(blec_ctx_new(o, &ctx, NULL));
  blec_ctx_options_free(o);
  return ctx;
}

blec_client *st_client(blec_ctx *ctx, int timeout_ms) {
  blec_client_options *o = blec_client_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  ASSERT_OK(blec_client_options_set_timeout(o, timeout_ms));
  ASSERT_OK(blec_client_options_set_cache_mode(o, BLEC_CACHE_UNCACHED));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, ST_BIG_ADDR, o, &c));
  blec_client_options_free(o);
  return c;
}

blec_characteristic *st_chr(blec_client *c, uint16_t uuid16) {
  blec_uuid u = blec_uuid_from16(uuid16);
  blec_characteristic *chr = NULL;
  ASSERT_OK(blec_client_characteristic(c, &u, &chr));
  return chr;
}

blec_world_peripheral *st_peripheral(blec_world *w, const char *address) {
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(w, address, &p));
  return p;
}

void st_rand_seed(st_rand *r, uint64_t seed) { r->s = seed * 0x9E3779B97F4A7C15ull + 1; }

uint32_t st_rand_below(st_rand *r, uint32_t n) {
  uint64_t x = r->s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  r->s = x;
  return n ? (uint32_t)(x % n) : 0;
}

void st_spin_us(uint32_t us) {
  uint64_t until = blec__now_us() + us;
  while (blec__now_us() < until) {
  }
}

bool st_wait_count(atomic_int *counter, int want, int ms) {
  uint64_t deadline = st_now_ms() + (uint64_t)blec_test_ms(ms);
  while (atomic_load(counter) < want) {
    if (st_now_ms() > deadline) return false;
    blec__sleep_ms(1);
  }
  return true;
}
