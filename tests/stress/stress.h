/* SPDX-License-Identifier: MIT */
/*
 * stress.h — what the stress tests share: a time budget per test, worlds with many
 * attributes, small thread helpers and a cheap random source. Nothing here waits a fixed
 * time: loops run until their budget is spent, waits are for conditions with deadlines.
 */
#ifndef BLEC_STRESS_H
#define BLEC_STRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "core/threads.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

/** Address of the big peripheral of st_world_big. */
#define ST_BIG_ADDR "C5:00:00:00:00:01"
/** Its notify characteristic (no stream: the test pushes values) and a read|write one. */
#define ST_BIG_NOTIFY 0xBE01
#define ST_BIG_RW 0xBE02

/** Milliseconds a test may loop: $BLEC_STRESS_MS (default 1500), not scaled. */
int st_budget_ms(void);
/** Monotonic milliseconds. */
uint64_t st_now_ms(void);
/** True while the budget that started at `start_ms` is not spent. */
bool st_running(uint64_t start_ms);

/**
 * A world with one connectable peripheral at ST_BIG_ADDR: `nchars` characteristics in
 * services of ten (a service BE00 with ST_BIG_NOTIFY and ST_BIG_RW comes first), no
 * delays, advertising every 10 ms.
 */
blec_world *st_world_big(int nchars);
/** A context on the virtual backend serving `world` (a reference is taken). */
blec_ctx *st_ctx(blec_world *world, blec_delivery mode);
/** A client for ST_BIG_ADDR connecting without a scan, with a connect timeout. */
blec_client *st_client(blec_ctx *ctx, int timeout_ms);
/** The characteristic with this 16-bit UUID (asserting it exists). */
blec_characteristic *st_chr(blec_client *c, uint16_t uuid16);
/** The peripheral at `address` (asserting it exists). */
blec_world_peripheral *st_peripheral(blec_world *w, const char *address);

/** A per-thread xorshift generator. */
typedef struct st_rand {
  uint64_t s;
} st_rand;
void st_rand_seed(st_rand *r, uint64_t seed);
uint32_t st_rand_below(st_rand *r, uint32_t n);

/** Busy-waits about `us` microseconds (a random delay inside a race window, not a sleep). */
void st_spin_us(uint32_t us);

/** Waits until *counter >= want, up to `ms` scaled by the test multiplier; false on timeout. */
bool st_wait_count(atomic_int *counter, int want, int ms);

#endif /* BLEC_STRESS_H */
