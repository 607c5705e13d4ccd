/* SPDX-License-Identifier: MIT */
/*
 * s_connect.c — connects ended at every step while the backend is still working: the
 * program cancels, disconnects, frees the client, or the connect's own short timeout
 * runs out, at random moments spread over the whole sequence (link, MTU, discovery of a
 * 240-characteristic database).
 */
#include <stdio.h>
#include <string.h>

#include "stress.h"

/* How a connect in flight is ended. */
typedef enum abort_kind { ABORT_CANCEL, ABORT_DISCONNECT, ABORT_FREE, ABORT_TIMEOUT, ABORT_KINDS } abort_kind;

/* Microseconds a full connect takes here (the window the aborts are spread over). */
static uint32_t connect_duration_us(blec_ctx *ctx) {
  blec_client *c = st_client(ctx, 10000);
  uint64_t t0 = blec__now_us();
  ASSERT_OK(blec_client_connect(c, -1, NULL));
  uint64_t t1 = blec__now_us();
  blec_client_free(c);
  return (uint32_t)(t1 - t0) + 1;
}

BLEC_TEST_IMPL(connects_aborted_during_discovery_never_touch_a_freed_tree) {
  blec_world *w = st_world_big(240);
  blec_ctx *ctx = st_ctx(w, BLEC_DELIVERY_THREAD);
  uint32_t window = connect_duration_us(ctx) * 3 / 2;
  st_rand r;
  st_rand_seed(&r, 1);
  int done[ABORT_KINDS] = {0}, connected = 0;
  for (uint64_t start = st_now_ms(); st_running(start);) {
    abort_kind kind = (abort_kind)st_rand_below(&r, ABORT_KINDS);
    /* The timeout case: 1 or 2 ms, the rest a timeout that never fires. */
    blec_client *c = st_client(ctx, kind == ABORT_TIMEOUT ? 1 + (int)st_rand_below(&r, 2) : 60000);
    blec_op *op = NULL;
    ASSERT_OK(blec_client_connect_async(c, NULL, NULL, &op));
    st_spin_us(st_rand_below(&r, window));
    switch (kind) {
      case ABORT_CANCEL: blec_op_cancel(op); break;
      case ABORT_DISCONNECT: ASSERT_OK(blec_client_disconnect_async(c, NULL, NULL, NULL)); break;
      case ABORT_FREE:
        blec_client_free(c);
        c = NULL;
        break;
      default: break;
    }
    int s = blec_op_wait(op, blec_test_ms(10000));
    ASSERT(s != BLEC_ERR_TIMEOUT || kind == ABORT_TIMEOUT);
    ASSERT(blec_op_done(op));
    if (s == BLEC_OK) connected++;
    blec_op_free(op);
    if (c) {
      if (st_rand_below(&r, 4) == 0) ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), NULL));
      blec_client_free(c);
    }
    done[kind]++;
  }
  printf("# %d cancelled, %d disconnected, %d freed, %d timed out, %d connected before the abort\n",
         done[ABORT_CANCEL], done[ABORT_DISCONNECT], done[ABORT_FREE], done[ABORT_TIMEOUT], connected);
  ASSERT_OK(blec_ctx_free(ctx));
  blec_world_unref(w);
}

typedef struct racer {
  blec__thread t;
  blec_client *c;
  atomic_bool stop;
  atomic_int disconnects;
} racer;

static void disconnect_main(void *arg) {
  racer *r = arg;
  st_rand rnd;
  st_rand_seed(&rnd, 7);
  while (!atomic_load(&r->stop)) {
    if (blec_client_disconnect_async(r->c, NULL, NULL, NULL) == BLEC_OK) atomic_fetch_add(&r->disconnects, 1);
    st_spin_us(st_rand_below(&rnd, 300));
  }
}

static void connect_done_cb(blec_op *op, void *user) {
  (void)op;
  atomic_fetch_add((atomic_int *)user, 1);
}

BLEC_TEST_IMPL(connect_racing_disconnect_never_wedges_the_client) {
  blec_world *w = st_world_big(20);
  blec_ctx *ctx = st_ctx(w, BLEC_DELIVERY_THREAD);
  racer rc;
  memset(&rc, 0, sizeof rc);
  rc.c = st_client(ctx, 10000);
  ASSERT_OK(blec__thread_create(&rc.t, disconnect_main, &rc));
  atomic_int started, completed;
  atomic_init(&started, 0);
  atomic_init(&completed, 0);
  int busy = 0;
  st_rand rnd;
  st_rand_seed(&rnd, 3);
  for (uint64_t start = st_now_ms(); st_running(start);) {
    st_spin_us(st_rand_below(&rnd, 300));
    int s = blec_client_connect_async(rc.c, connect_done_cb, &completed, NULL);
    if (s == BLEC_OK)
      atomic_fetch_add(&started, 1);
    else if (s == BLEC_ERR_BUSY)
      busy++;
    else
      ASSERT_OK(s);
  }
  atomic_store(&rc.stop, true);
  blec__thread_join(&rc.t);
  ASSERT(st_wait_count(&completed, atomic_load(&started), 10000));
  /* Not wedged: a disconnect then a connect work. */
  ASSERT_OK(blec_client_disconnect(rc.c, blec_test_ms(10000), NULL));
  ASSERT_OK(blec_client_connect(rc.c, blec_test_ms(10000), NULL));
  ASSERT(blec_client_is_connected(rc.c));
  printf("# %d connects started, %d busy, %d disconnects\n", atomic_load(&started), busy,
         atomic_load(&rc.disconnects));
  blec_client_free(rc.c);
  ASSERT_EQ_INT(atomic_load(&completed), atomic_load(&started));
  ASSERT_OK(blec_ctx_free(ctx));
  blec_world_unref(w);
}

/*
 * The moment the link comes up is where the backend hands the connect from its link
 * request to its MTU exchange: an abort that lands there (the world's answer already on
 * its way, so no longer cancellable) must still end the request, and a client freed with
 * the exchange pending must not leave it behind (the virtual backend once leaked the
 * stage, its state and the client: the released link dropped the exchange's completion).
 * Each round waits until the peripheral sees the link, then cancels or frees at once or
 * a few microseconds later; ASan's leak check is what fails.
 */
BLEC_TEST_IMPL(connects_ended_as_their_link_comes_up_leave_nothing_behind) {
  blec_world *w = st_world_big(20);
  blec_world_peripheral *p = st_peripheral(w, ST_BIG_ADDR);
  ASSERT_OK(blec_world_peripheral_set_delays(p, 1, 1)); /* the MTU step takes a while */
  blec_ctx *ctx = st_ctx(w, BLEC_DELIVERY_THREAD);
  st_rand r;
  st_rand_seed(&r, 5);
  int rounds = 0, seen = 0, connected = 0;
  for (uint64_t start = st_now_ms(); st_running(start); rounds++) {
    bool free_it = st_rand_below(&r, 2) == 0;
    blec_client *c = st_client(ctx, 60000);
    blec_op *op = NULL;
    ASSERT_OK(blec_client_connect_async(c, NULL, NULL, &op));
    uint64_t deadline = blec__now_us() + (uint64_t)blec_test_ms(10000) * 1000u;
    while (!blec_world_peripheral_connected(p) && !blec_op_done(op)) ASSERT(blec__now_us() < deadline);
    if (blec_world_peripheral_connected(p)) seen++;
    st_spin_us(st_rand_below(&r, 4));
    if (free_it) {
      blec_client_free(c);
      c = NULL;
    } else {
      blec_op_cancel(op);
    }
    int s = blec_op_wait(op, blec_test_ms(10000));
    ASSERT(s != BLEC_ERR_TIMEOUT);
    if (s == BLEC_OK) connected++;
    blec_op_free(op);
    blec_client_free(c);
    /* Freed or not, no link of it is left for the next round's connect (the backend lets
     * a link that came up for an aborted connect go as its answer arrives). */
    while (blec_world_peripheral_connected(p)) ASSERT(blec__now_us() < deadline);
  }
  printf("# %d rounds, the link seen up in %d, %d connected before the abort\n", rounds, seen, connected);
  ASSERT(seen > 0);
  ASSERT_OK(blec_ctx_free(ctx));
  blec_world_unref(w);
}
