/* SPDX-License-Identifier: MIT */
/*
 * s_callbacks.c — callbacks that cancel, stop and free while notification streams flow
 * and other threads make calls: a read's completion cancels its sibling, a notify
 * callback stops and restarts another subscription, the client is finally freed from its
 * own notify callback; in both delivery modes (queued: a program thread dispatches).
 */
#include <stdio.h>
#include <string.h>

#include "stress.h"
#include "world/world_stack.h"

typedef struct round_state {
  blec__mutex m;       /* the program's own lock around its calls on the client */
  blec_client *c;      /* NULL once freed */
  blec_characteristic *stream_chr, *other_chr, *rw;
  atomic_int notifications;
  atomic_int toggles;  /* stop/start of the other subscription from a callback */
  atomic_int started, completed, cancels;
  atomic_bool free_now; /* the next stream value frees the client from its callback */
  atomic_bool freed;
  atomic_int free_returned; /* 1 once blec_client_free, called from the callback, returned */
  atomic_bool stop;
} round_state;

typedef struct pair {
  round_state *rs;
  blec__mutex m;    /* the sibling is the starting thread's until it takes it back */
  blec_op *sibling; /* a read the completion cancels, if still running */
} pair;

static void other_cb(blec_client *c, blec_characteristic *chr, const uint8_t *d, size_t n, void *user) {
  (void)c;
  (void)chr;
  (void)d;
  (void)n;
  (void)user;
}

/* A stream value: sometimes toggles the other subscription (stop waits for nothing here:
 * this is a callback), and frees the client when the test says so. */
static void stream_cb(blec_client *c, blec_characteristic *chr, const uint8_t *d, size_t n, void *user) {
  (void)chr;
  (void)d;
  (void)n;
  round_state *rs = user;
  int k = atomic_fetch_add(&rs->notifications, 1);
  if (atomic_load(&rs->freed)) return; /* impossible: freed ends this subscription's callbacks */
  if (k % 50 == 0 && rs->other_chr) {
    if (blec_client_stop_notify_async(c, rs->other_chr, NULL, NULL, NULL) == BLEC_OK)
      atomic_fetch_add(&rs->toggles, 1);
    blec_client_start_notify_async(c, rs->other_chr, 0, other_cb, NULL, NULL, NULL, NULL);
  }
  if (atomic_load(&rs->free_now) && !atomic_exchange(&rs->freed, true)) {
    blec__mutex_lock(&rs->m);
    rs->c = NULL; /* no thread of the program calls it any more */
    blec__mutex_unlock(&rs->m);
    blec_client_free(c); /* from its own callback */
    atomic_store(&rs->free_returned, 1);
  }
}

static void completion_cb(blec_op *op, void *user) {
  (void)op;
  pair *p = user;
  blec__mutex_lock(&p->m); /* the starting thread holds it while it makes the sibling */
  if (p->sibling && blec_op_cancel(p->sibling) == BLEC_OK) atomic_fetch_add(&p->rs->cancels, 1);
  p->sibling = NULL;
  blec__mutex_unlock(&p->m);
  atomic_fetch_add(&p->rs->completed, 1);
}

typedef struct caller {
  blec__thread t;
  round_state *rs;
  pair pairs[64];
  int npairs;
} caller;

/* Starts pairs of reads, the first one's completion cancelling the second if it still
 * runs; all under the program's lock, which the freeing callback takes too. */
static void caller_main(void *arg) {
  caller *k = arg;
  round_state *rs = k->rs;
  while (!atomic_load(&rs->stop) && k->npairs < 64) {
    pair *a = &k->pairs[k->npairs];
    a->rs = rs;
    a->sibling = NULL;
    blec_op *op1 = NULL, *op2 = NULL;
    blec__mutex_lock(&rs->m);
    if (!rs->c) {
      blec__mutex_unlock(&rs->m);
      break;
    }
    k->npairs++;
    if (blec_client_read_async(rs->c, rs->rw, 0, completion_cb, a, &op1) == BLEC_OK) atomic_fetch_add(&rs->started, 1);
    blec__mutex_lock(&a->m); /* op1's completion may come before or after this */
    if (blec_client_read_async(rs->c, rs->rw, 0, NULL, NULL, &op2) == BLEC_OK) a->sibling = op2;
    blec__mutex_unlock(&a->m);
    blec__mutex_unlock(&rs->m);
    if (op2) blec_op_wait(op2, blec_test_ms(10000));
    blec__mutex_lock(&a->m); /* op2 is ours again before it goes */
    a->sibling = NULL;
    blec__mutex_unlock(&a->m);
    blec_op_free(op2);
    blec_op_free(op1);
  }
}

typedef struct pump {
  blec__thread t;
  blec_ctx *ctx;
  atomic_bool stop;
} pump;

static void pump_loop(void *arg) {
  pump *p = arg;
  while (!atomic_load(&p->stop)) blec_ctx_dispatch(p->ctx, 5);
}

static void one_mode(blec_delivery mode) {
  blec_world *w = st_world_big(30);
  blec_world_peripheral *p = st_peripheral(w, ST_BIG_ADDR);
  blec_ctx *ctx = st_ctx(w, mode);
  pump pm;
  pm.ctx = ctx;
  atomic_init(&pm.stop, false);
  if (mode == BLEC_DELIVERY_QUEUED) ASSERT_OK(blec__thread_create(&pm.t, pump_loop, &pm));
  st_rand r;
  st_rand_seed(&r, 11);
  int rounds = 0, notes = 0, toggles = 0, cancels = 0;
  for (uint64_t start = st_now_ms(); st_running(start); rounds++) {
    round_state rs;
    memset(&rs, 0, sizeof rs);
    ASSERT_OK(blec__mutex_init(&rs.m));
    rs.c = st_client(ctx, 10000);
    ASSERT_OK(blec_client_connect(rs.c, -1, NULL));
    rs.stream_chr = st_chr(rs.c, ST_BIG_NOTIFY);
    rs.rw = st_chr(rs.c, ST_BIG_RW);
    blec_uuid u = blec_uuid_from32(0x10000000u + 3); /* a notify characteristic of the big world */
    ASSERT_OK(blec_client_characteristic(rs.c, &u, &rs.other_chr));
    ASSERT_OK(blec__world_characteristic_set_stream_ex(p, blec_characteristic_handle(rs.stream_chr), 0, "counter", 8, 0));
    ASSERT_OK(blec_client_start_notify(rs.c, rs.stream_chr, 0, stream_cb, &rs, blec_test_ms(10000), NULL));
    caller k[2];
    for (int i = 0; i < 2; i++) {
      memset(&k[i], 0, sizeof k[i]);
      k[i].rs = &rs;
      for (int j = 0; j < 64; j++) ASSERT_OK(blec__mutex_init(&k[i].pairs[j].m));
      ASSERT_OK(blec__thread_create(&k[i].t, caller_main, &k[i]));
    }
    st_spin_us(1000 + st_rand_below(&r, 20000));
    atomic_store(&rs.free_now, true); /* the next stream value frees the client */
    uint64_t dl = st_now_ms() + (uint64_t)blec_test_ms(10000);
    while (!atomic_load(&rs.freed) && st_now_ms() < dl) blec__sleep_ms(1);
    ASSERT(atomic_load(&rs.freed));
    atomic_store(&rs.stop, true);
    for (int i = 0; i < 2; i++) blec__thread_join(&k[i].t);
    /* Every started read with a callback completes once (the client's free failed the rest). */
    ASSERT(st_wait_count(&rs.completed, atomic_load(&rs.started), 10000));
    /* `freed` is set before the free runs: the next round's connect would race its
     * disconnection (BLEC_ERR_BUSY once in an ASan pass). Freed from its own callback, the
     * client disconnected before the free returned. */
    ASSERT(st_wait_count(&rs.free_returned, 1, 10000));
    ASSERT(!blec_world_peripheral_connected(p));
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 64; j++) blec__mutex_destroy(&k[i].pairs[j].m);
    notes += atomic_load(&rs.notifications);
    toggles += atomic_load(&rs.toggles);
    cancels += atomic_load(&rs.cancels);
    blec__mutex_destroy(&rs.m);
  }
  if (mode == BLEC_DELIVERY_QUEUED) {
    atomic_store(&pm.stop, true);
    blec__thread_join(&pm.t);
  }
  printf("# %s: %d rounds, %d notifications, %d stop/start from callbacks, %d cancels from callbacks\n",
         mode == BLEC_DELIVERY_QUEUED ? "queued" : "thread", rounds, notes, toggles, cancels);
  ASSERT_OK(blec_ctx_free(ctx));
  blec_world_unref(w);
}

BLEC_TEST_IMPL(callbacks_cancel_stop_and_free_while_streams_flow) {
  one_mode(BLEC_DELIVERY_THREAD);
  one_mode(BLEC_DELIVERY_QUEUED);
}
