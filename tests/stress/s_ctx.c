/* SPDX-License-Identifier: MIT */
/*
 * s_ctx.c — a context freed while finds and discovers run: some about to time out, some
 * for ever, some whose callbacks start another find. The free ends them all; every op the
 * program holds is complete afterwards, and nothing is touched once the context is gone.
 */
#include <stdio.h>
#include <string.h>

#include "stress.h"

#define OPS 8

typedef struct counts {
  atomic_int callbacks;
  atomic_int restarted;
  blec_ctx *ctx; /* the round's context */
} counts;

static bool never(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)dev;
  (void)adv;
  (void)user;
  return false;
}

/* A completion that starts another find on the same context, keeping no reference:
 * the context's free ends it too. */
static void restart_cb(blec_op *op, void *user) {
  (void)op;
  counts *n = user;
  atomic_fetch_add(&n->callbacks, 1);
  if (blec_find_device_async(n->ctx, NULL, never, NULL, -1, NULL, NULL, NULL) == BLEC_OK)
    atomic_fetch_add(&n->restarted, 1);
}

static void count_cb(blec_op *op, void *user) {
  (void)op;
  atomic_fetch_add(&((counts *)user)->callbacks, 1);
}

BLEC_TEST_IMPL(ctx_free_races_running_finds_and_discovers) {
  blec_world *w = st_world_big(4);
  st_rand r;
  st_rand_seed(&r, 5);
  counts n;
  atomic_init(&n.callbacks, 0);
  atomic_init(&n.restarted, 0);
  int rounds = 0, completed_before = 0;
  for (uint64_t start = st_now_ms(); st_running(start); rounds++) {
    blec_ctx *ctx = st_ctx(w, st_rand_below(&r, 2) ? BLEC_DELIVERY_THREAD : BLEC_DELIVERY_QUEUED);
    n.ctx = ctx;
    blec_op *ops[OPS];
    for (int i = 0; i < OPS; i++) {
      int timeout = st_rand_below(&r, 3) == 0 ? -1 : (int)st_rand_below(&r, 6);
      blec_op_cb cb = st_rand_below(&r, 2) ? count_cb : restart_cb;
      if (i % 2)
        ASSERT_OK(blec_find_device_async(ctx, NULL, never, NULL, timeout, cb, &n, &ops[i]));
      else
        ASSERT_OK(blec_discover_async(ctx, NULL, timeout < 0 ? 3600000 : timeout, cb, &n, &ops[i]));
    }
    st_spin_us(st_rand_below(&r, 6000));
    for (int i = 0; i < OPS; i++) completed_before += blec_op_done(ops[i]);
    ASSERT_OK(blec_ctx_free(ctx));
    for (int i = 0; i < OPS; i++) {
      ASSERT(blec_op_done(ops[i]));
      int s = blec_op_status(ops[i]);
      ASSERT(s == BLEC_OK || s == BLEC_ERR_CANCELLED || s == BLEC_ERR_DEVICE_NOT_FOUND);
      blec_op_free(ops[i]);
    }
  }
  printf("# %d contexts, %d of %d ops complete before the free, %d callbacks ran, %d finds started in them\n",
         rounds, completed_before, rounds * OPS, atomic_load(&n.callbacks), atomic_load(&n.restarted));
  ASSERT(atomic_load(&n.callbacks) <= rounds * OPS);
  blec_world_unref(w);
}
