/* SPDX-License-Identifier: MIT */
/*
 * s_io.c — several threads on one client making asynchronous calls with completion
 * callbacks (callbacks that free their op, as a program that keeps no other reference
 * does), while another thread drops the link and reconnects, and another walks the GATT
 * tree. Every call that returned BLEC_OK gets exactly one completion; a call that returned
 * an error gets none.
 */
#include <stdio.h>
#include <string.h>

#include "stress.h"

#define READERS 3

typedef struct shared {
  blec_client *c;
  blec_world_peripheral *p;
  atomic_bool stop;
  atomic_int started;   /* calls that returned BLEC_OK */
  atomic_int completed; /* completion callbacks */
  atomic_int refused;   /* calls that returned an error */
  atomic_int bad;       /* a completion with an impossible status */
  atomic_int reconnects;
  atomic_int walks;
} shared;

typedef struct reader {
  blec__thread t;
  shared *sh;
  int id;
} reader;

/* The completion releases the op: the caller never touches it after the call. */
static void done_frees_op(blec_op *op, void *user) {
  shared *sh = user;
  int s = blec_op_status(op);
  if (s == BLEC_ERR_BUSY || s == BLEC_ERR_TIMEOUT) atomic_fetch_add(&sh->bad, 1);
  blec_op_free(op);
  atomic_fetch_add(&sh->completed, 1);
}

static void count_only(blec_op *op, void *user) {
  (void)op;
  shared *sh = user;
  atomic_fetch_add(&sh->completed, 1);
}

static void reader_main(void *arg) {
  reader *rd = arg;
  shared *sh = rd->sh;
  st_rand r;
  st_rand_seed(&r, (uint64_t)rd->id + 10);
  blec_uuid u = blec_uuid_from16(ST_BIG_RW);
  while (!atomic_load(&sh->stop)) {
    blec_characteristic *chr = NULL;
    if (blec_client_characteristic(sh->c, &u, &chr) != BLEC_OK) {
      blec__sleep_ms(1);
      continue;
    }
    blec_op *op = NULL;
    int s;
    uint8_t v[4] = {(uint8_t)rd->id, 1, 2, 3};
    switch (st_rand_below(&r, 4)) {
      case 0: s = blec_client_read_async(sh->c, chr, 0, done_frees_op, sh, &op); break;
      case 1: s = blec_client_write_async(sh->c, chr, v, sizeof v, BLEC_WRITE_WITH_RESPONSE, done_frees_op, sh, &op); break;
      case 2: s = blec_client_read_async(sh->c, chr, 0, count_only, sh, NULL); break;
      default:
        s = blec_client_read_async(sh->c, chr, 0, count_only, sh, &op);
        if (s == BLEC_OK) {
          if (st_rand_below(&r, 2)) blec_op_cancel(op);
          blec_op_free(op);
        }
        break;
    }
    if (s == BLEC_OK)
      atomic_fetch_add(&sh->started, 1);
    else
      atomic_fetch_add(&sh->refused, 1);
  }
}

/* Walks the tree the way a program prints it, while reconnections replace it. */
static void walker_main(void *arg) {
  shared *sh = arg;
  while (!atomic_load(&sh->stop)) {
    size_t n = blec_client_service_count(sh->c);
    for (size_t i = 0; i < n; i++) {
      blec_service *svc = blec_client_service_at(sh->c, i);
      if (!svc) continue;
      size_t k = blec_service_characteristic_count(svc);
      for (size_t j = 0; j < k; j++) (void)blec_characteristic_handle(blec_service_characteristic_at(svc, j));
    }
    atomic_fetch_add(&sh->walks, 1);
  }
}

static void reconnect_main(void *arg) {
  shared *sh = arg;
  while (!atomic_load(&sh->stop)) {
    blec_world_peripheral_disconnect(sh->p);
    uint64_t dl = st_now_ms() + (uint64_t)blec_test_ms(10000);
    while (blec_client_is_connected(sh->c) && st_now_ms() < dl) blec__sleep_ms(1);
    if (blec_client_connect(sh->c, blec_test_ms(10000), NULL) == BLEC_OK) atomic_fetch_add(&sh->reconnects, 1);
  }
}

BLEC_TEST_IMPL(async_calls_with_callbacks_race_link_drops_and_reconnects) {
  blec_world *w = st_world_big(40);
  blec_ctx *ctx = st_ctx(w, BLEC_DELIVERY_THREAD);
  shared sh;
  memset(&sh, 0, sizeof sh);
  sh.c = st_client(ctx, 10000);
  sh.p = st_peripheral(w, ST_BIG_ADDR);
  ASSERT_OK(blec_client_connect(sh.c, -1, NULL));
  reader rd[READERS];
  blec__thread rt, wt;
  for (int i = 0; i < READERS; i++) {
    rd[i].sh = &sh;
    rd[i].id = i;
    ASSERT_OK(blec__thread_create(&rd[i].t, reader_main, &rd[i]));
  }
  ASSERT_OK(blec__thread_create(&rt, reconnect_main, &sh));
  ASSERT_OK(blec__thread_create(&wt, walker_main, &sh));
  for (uint64_t start = st_now_ms(); st_running(start);) blec__sleep_ms(10);
  atomic_store(&sh.stop, true);
  for (int i = 0; i < READERS; i++) blec__thread_join(&rd[i].t);
  blec__thread_join(&rt);
  blec__thread_join(&wt);
  /* Every started call completes once; a refused one never does. */
  ASSERT(st_wait_count(&sh.completed, atomic_load(&sh.started), 10000));
  ASSERT_OK(blec_client_disconnect(sh.c, blec_test_ms(10000), NULL));
  blec_client_free(sh.c);
  ASSERT_OK(blec_ctx_free(ctx));
  printf("# %d calls started, %d refused, %d reconnections, %d tree walks\n", atomic_load(&sh.started),
         atomic_load(&sh.refused), atomic_load(&sh.reconnects), atomic_load(&sh.walks));
  ASSERT_EQ_INT(atomic_load(&sh.completed), atomic_load(&sh.started));
  ASSERT_EQ_INT(atomic_load(&sh.bad), 0);
  ASSERT(atomic_load(&sh.reconnects) > 0);
  blec_world_unref(w);
}
