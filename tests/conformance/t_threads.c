/* SPDX-License-Identifier: MIT */
/* t_threads.c — several threads using one client (and one context) at once. */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

#define N_THREADS 4
#define N_ROUNDS 40

typedef struct worker {
  blec__thread t;
  blec_client *c;
  blec_characteristic *own;    /* this thread's read|write characteristic */
  blec_characteristic *shared; /* a constant every thread reads */
  int id;
  int failures;
  char why[160];
} worker;

static void fail(worker *w, const char *what, int s) {
  if (w->failures++ == 0) snprintf(w->why, sizeof w->why, "thread %d: %s: %s", w->id, what, blec_status_name(s));
}

static void worker_main(void *arg) {
  worker *w = arg;
  for (int i = 0; i < N_ROUNDS; i++) {
    uint8_t v[2] = {(uint8_t)w->id, (uint8_t)i};
    blec_write_mode mode = (i % 2) ? BLEC_WRITE_WITH_RESPONSE : BLEC_WRITE_DEFAULT;
    int s = blec_client_write(w->c, w->own, v, sizeof v, mode, blec_test_ms(10000), NULL);
    if (s != BLEC_OK) fail(w, "write", s);
    uint8_t *d = NULL;
    size_t len = 0;
    s = blec_client_read(w->c, w->own, 0, blec_test_ms(10000), &d, &len, NULL);
    if (s != BLEC_OK)
      fail(w, "read own", s);
    else if (len != 2 || memcmp(d, v, 2) != 0)
      fail(w, "read own returned another value", BLEC_OK);
    blec_free(d);
    d = NULL;
    s = blec_client_read(w->c, w->shared, 0, blec_test_ms(10000), &d, &len, NULL);
    if (s != BLEC_OK)
      fail(w, "read shared", s);
    else if (len != 5 || memcmp(d, "const", 5) != 0)
      fail(w, "read shared returned another value", BLEC_OK);
    blec_free(d);
  }
}

BLEC_TEST_IMPL(four_threads_read_and_write_through_one_client) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  worker w[N_THREADS];
  const char *own[N_THREADS] = {"aa11", "aa12", "aa13", "aa14"};
  for (int i = 0; i < N_THREADS; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].c = c;
    w[i].id = i + 1;
    w[i].own = fx_chr(c, own[i]);
    w[i].shared = fx_chr(c, LAB_CONST);
  }
  for (int i = 0; i < N_THREADS; i++) ASSERT_OK(blec__thread_create(&w[i].t, worker_main, &w[i]));
  for (int i = 0; i < N_THREADS; i++) blec__thread_join(&w[i].t);
  for (int i = 0; i < N_THREADS; i++)
    if (w[i].failures) blec_test_fail_(__FILE__, __LINE__, "%d failures, first: %s", w[i].failures, w[i].why);
  /* Each characteristic holds its thread's last write. */
  blec_world_peripheral *p = fx_peripheral(&f, LAB_ADDR);
  for (int i = 0; i < N_THREADS; i++) {
    uint8_t want[2] = {(uint8_t)(i + 1), N_ROUNDS - 1};
    fx_assert_world_value(p, blec_characteristic_handle(w[i].own), want, 2);
  }
  blec_client_free(c);
  fx_close(&f);
}

typedef struct notifier {
  blec__thread t;
  blec_client *c;
  blec_characteristic *chr;
  int rounds;
  int failures;
} notifier;

static void toggle_main(void *arg) {
  notifier *n = arg;
  fx_notes notes;
  fx_notes_init(&notes);
  for (int i = 0; i < n->rounds; i++) {
    if (blec_client_start_notify(n->c, n->chr, 0, fx_notify_cb, &notes, blec_test_ms(10000), NULL) != BLEC_OK)
      n->failures++;
    if (blec_client_stop_notify(n->c, n->chr, blec_test_ms(10000), NULL) != BLEC_OK) n->failures++;
  }
  fx_notes_destroy(&notes);
}

BLEC_TEST_IMPL(threads_subscribe_and_read_while_notifications_flow) {
  fx f;
  fx_open(&f, fx_world_lab());
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  fx_notes notes;
  fx_notes_init(&notes);
  ASSERT_OK(blec_client_start_notify(c, fx_chr(c, LAB_NI), 0, fx_notify_cb, &notes, blec_test_ms(FX_WAIT_MS), NULL));
  notifier t;
  memset(&t, 0, sizeof t);
  t.c = c;
  t.chr = fx_chr(c, LAB_NOTIFY);
  t.rounds = 20;
  worker w[2];
  const char *own[2] = {"aa11", "aa12"};
  for (int i = 0; i < 2; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].c = c;
    w[i].id = i + 1;
    w[i].own = fx_chr(c, own[i]);
    w[i].shared = fx_chr(c, LAB_CONST);
  }
  ASSERT_OK(blec__thread_create(&t.t, toggle_main, &t));
  for (int i = 0; i < 2; i++) ASSERT_OK(blec__thread_create(&w[i].t, worker_main, &w[i]));
  blec__thread_join(&t.t);
  for (int i = 0; i < 2; i++) blec__thread_join(&w[i].t);
  ASSERT_EQ_INT(t.failures, 0);
  for (int i = 0; i < 2; i++)
    if (w[i].failures) blec_test_fail_(__FILE__, __LINE__, "%s", w[i].why);
  WAIT_UNTIL(fx_notes_count(&notes) >= 5, FX_WAIT_MS);
  blec__mutex_lock(&notes.m);
  for (int i = 1; i < notes.stored; i++) ASSERT_EQ_INT((uint8_t)(notes.first_byte[i - 1] + 1), notes.first_byte[i]);
  blec__mutex_unlock(&notes.m);
  blec_client_free(c);
  fx_close(&f); /* the subscriptions end with it; then the recorder may go */
  fx_notes_destroy(&notes);
}

typedef struct scan_thread {
  blec__thread t;
  fx *f;
  int failures;
} scan_thread;

static void scanner_churn_main(void *arg) {
  scan_thread *s = arg;
  for (int i = 0; i < 10; i++) {
    fx_scan_rec rec;
    fx_scan_rec_init(&rec);
    blec_scanner *sc = NULL;
    if (fx_scan_start(s->f, NULL, fx_detection_cb, &rec, &sc) != BLEC_OK) {
      s->failures++;
      fx_scan_rec_destroy(&rec);
      continue;
    }
    uint64_t dl = fx_now_ms() + (uint64_t)blec_test_ms(FX_WAIT_MS);
    while (fx_scan_rec_total(&rec) < 3 && fx_now_ms() < dl) fx_sleep_ms(1);
    if (fx_scan_rec_total(&rec) < 3) s->failures++;
    blec_scanner_free(sc);
    fx_scan_rec_destroy(&rec);
  }
}

BLEC_TEST_IMPL(scanners_and_clients_on_several_threads_share_one_context) {
  fx f;
  fx_open(&f, fx_world_lab());
  scan_thread st[2];
  for (int i = 0; i < 2; i++) {
    memset(&st[i], 0, sizeof st[i]);
    st[i].f = &f;
    ASSERT_OK(blec__thread_create(&st[i].t, scanner_churn_main, &st[i]));
  }
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_client *h = fx_connect(&f, HR_ADDR, NULL);
  worker w;
  memset(&w, 0, sizeof w);
  w.c = c;
  w.id = 1;
  w.own = fx_chr(c, "aa13");
  w.shared = fx_chr(c, LAB_CONST);
  ASSERT_OK(blec__thread_create(&w.t, worker_main, &w));
  for (int i = 0; i < 20; i++) {
    uint8_t buf[4];
    ASSERT_EQ_INT(fx_read(h, fx_chr(h, "2a19"), buf, sizeof buf), 1);
  }
  blec__thread_join(&w.t);
  for (int i = 0; i < 2; i++) blec__thread_join(&st[i].t);
  ASSERT_EQ_INT(w.failures, 0);
  for (int i = 0; i < 2; i++) ASSERT_EQ_INT(st[i].failures, 0);
  blec_client_free(c);
  blec_client_free(h);
  fx_close(&f);
}
