/* SPDX-License-Identifier: MIT */
/*
 * t_reenter.c — callbacks that call back into blec: stop or free the scanner, disconnect
 * or free the client, block on reads, connects and discovers, chain operations.
 */
#include <string.h>

#include "fixture.h"
#include "worlds.h"

/* ---- scanner callbacks --------------------------------------------------------------------------- */

typedef struct scan_self {
  blec_scanner *s;
  atomic_int calls;
  atomic_int stop_status;
  atomic_int mode; /* 0 stop, 1 free */
} scan_self;

static void stop_self_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)dev;
  (void)adv;
  scan_self *x = user;
  if (atomic_fetch_add(&x->calls, 1) != 0) return;
  if (atomic_load(&x->mode) == 0)
    atomic_store(&x->stop_status, blec_scanner_stop(s));
  else
    blec_scanner_free(s);
}

BLEC_TEST_IMPL(scanner_stop_from_its_own_detection_callback) {
  fx f;
  fx_open(&f, fx_world_lab());
  scan_self x;
  atomic_init(&x.calls, 0);
  atomic_init(&x.stop_status, 1);
  atomic_init(&x.mode, 0);
  ASSERT_OK(fx_scan_start(&f, NULL, stop_self_cb, &x, &x.s));
  WAIT_UNTIL(atomic_load(&x.stop_status) != 1, FX_WAIT_MS);
  ASSERT_OK(atomic_load(&x.stop_status));
  ASSERT(!blec_scanner_is_scanning(x.s));
  fx_settle(&f);
  ASSERT_EQ_INT(atomic_load(&x.calls), 1); /* none started after stop */
  ASSERT_OK(blec_scanner_start(x.s, NULL)); /* usable again */
  WAIT_UNTIL(atomic_load(&x.calls) >= 2, FX_WAIT_MS);
  blec_scanner_free(x.s);
  fx_close(&f);
}

BLEC_TEST_IMPL(scanner_free_from_its_own_detection_callback) {
  fx f;
  fx_open(&f, fx_world_lab());
  scan_self x;
  atomic_init(&x.calls, 0);
  atomic_init(&x.stop_status, 1);
  atomic_init(&x.mode, 1);
  ASSERT_OK(fx_scan_start(&f, NULL, stop_self_cb, &x, &x.s));
  WAIT_UNTIL(atomic_load(&x.calls) >= 1, FX_WAIT_MS);
  fx_settle(&f);
  ASSERT_EQ_INT(atomic_load(&x.calls), 1);
  fx_close(&f); /* the scanner is gone: the context frees */
}

typedef struct connect_in_cb {
  fx *f;
  atomic_int done;
  atomic_int connect_status;
  atomic_int read_len;
  atomic_int discover_status;
  atomic_int discovered;
} connect_in_cb;

static void connect_from_detection_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)adv;
  connect_in_cb *x = user;
  if (strcmp(blec_device_address(dev), LAB_ADDR) != 0 || atomic_load(&x->done)) return;
  ASSERT_OK(blec_scanner_stop(s));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new_from_device(x->f->ctx, dev, NULL, &c));
  atomic_store(&x->connect_status, blec_client_connect(c, blec_test_ms(10000), NULL));
  if (atomic_load(&x->connect_status) == BLEC_OK) {
    uint8_t buf[16];
    atomic_store(&x->read_len, (int)fx_read(c, fx_chr(c, LAB_RW), buf, sizeof buf));
  }
  blec_client_free(c);
  /* A blocking scan from inside a detection callback. */
  blec_device **list = NULL;
  size_t n = 0;
  atomic_store(&x->discover_status, blec_discover(x->f->ctx, NULL, 300, &list, &n, NULL));
  atomic_store(&x->discovered, (int)n);
  blec_device_list_free(list, n);
  atomic_store(&x->done, 1);
}

BLEC_TEST_IMPL(detection_callback_may_connect_read_and_discover_blocking) {
  fx f;
  fx_open(&f, fx_world_lab());
  connect_in_cb x;
  x.f = &f;
  atomic_init(&x.done, 0);
  atomic_init(&x.connect_status, 1);
  atomic_init(&x.read_len, -1);
  atomic_init(&x.discover_status, 1);
  atomic_init(&x.discovered, 0);
  blec_scanner *s = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, connect_from_detection_cb, &x, &s));
  WAIT_UNTIL(atomic_load(&x.done), 20000);
  ASSERT_OK(atomic_load(&x.connect_status));
  ASSERT_EQ_INT(atomic_load(&x.read_len), 5);
  ASSERT_OK(atomic_load(&x.discover_status));
  ASSERT(atomic_load(&x.discovered) >= 5);
  blec_scanner_free(s);
  fx_close(&f);
}

/* ---- client callbacks ---------------------------------------------------------------------------- */

typedef struct client_self {
  fx f;
  blec_client *c;
  blec_world_peripheral *p;
  atomic_int disc_calls;
  atomic_int disc_reason;
  atomic_int action_status;
  atomic_int action_done;
  atomic_int notes;
  atomic_int read_ok;
  atomic_int read_bad;
  int mode;
} client_self;

static void client_self_open(client_self *x, const char *addr, blec_disconnected_cb cb, int mode) {
  fx_open(&x->f, fx_world_lab());
  atomic_init(&x->disc_calls, 0);
  atomic_init(&x->disc_reason, -1);
  atomic_init(&x->action_status, 1);
  atomic_init(&x->action_done, 0);
  atomic_init(&x->notes, 0);
  atomic_init(&x->read_ok, 0);
  atomic_init(&x->read_bad, 0);
  x->mode = mode;
  x->p = fx_peripheral(&x->f, addr);
  ASSERT_OK(blec_client_new(x->f.ctx, addr, NULL, &x->c));
  if (cb) blec_client_set_disconnected_callback(x->c, cb, x);
  ASSERT_OK(blec_client_connect(x->c, blec_test_ms(10000), NULL));
}

enum { DISC_DISCONNECT = 0, DISC_FREE = 1, DISC_RECONNECT = 2 };

static void disc_reenter_cb(blec_client *c, blec_disconnect_reason reason, void *user) {
  client_self *x = user;
  atomic_store(&x->disc_reason, (int)reason);
  int n = atomic_fetch_add(&x->disc_calls, 1);
  if (n != 0) return;
  switch (x->mode) {
    case DISC_DISCONNECT:
      atomic_store(&x->action_status, blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
      break;
    case DISC_FREE:
      blec_client_free(c);
      atomic_store(&x->action_status, BLEC_OK);
      break;
    case DISC_RECONNECT:
      atomic_store(&x->action_status, blec_client_connect(c, blec_test_ms(10000), NULL));
      break;
  }
  atomic_store(&x->action_done, 1);
}

BLEC_TEST_IMPL(disconnect_from_the_disconnected_callback_is_a_no_op) {
  client_self x;
  client_self_open(&x, LAB_ADDR, disc_reenter_cb, DISC_DISCONNECT);
  ASSERT_OK(blec_world_peripheral_disconnect(x.p));
  WAIT_UNTIL(atomic_load(&x.action_done), FX_WAIT_MS);
  ASSERT_OK(atomic_load(&x.action_status));
  fx_settle_client(&x.f, x.c);
  ASSERT_EQ_INT(atomic_load(&x.disc_calls), 1);
  ASSERT_EQ_INT(atomic_load(&x.disc_reason), BLEC_DISCONNECT_REMOTE);
  blec_client_free(x.c);
  fx_close(&x.f);
}

BLEC_TEST_IMPL(client_free_from_its_own_disconnected_callback) {
  client_self x;
  client_self_open(&x, LAB_ADDR, disc_reenter_cb, DISC_FREE);
  ASSERT_OK(blec_world_peripheral_disconnect(x.p));
  WAIT_UNTIL(atomic_load(&x.action_done), FX_WAIT_MS);
  fx_settle(&x.f);
  ASSERT_EQ_INT(atomic_load(&x.disc_calls), 1);
  fx_close(&x.f); /* the client is gone */
}

BLEC_TEST_IMPL(reconnect_from_the_disconnected_callback) {
  client_self x;
  client_self_open(&x, LAB_ADDR, disc_reenter_cb, DISC_RECONNECT);
  ASSERT_OK(blec_world_peripheral_disconnect(x.p));
  WAIT_UNTIL(atomic_load(&x.action_done), 20000);
  ASSERT_OK(atomic_load(&x.action_status));
  ASSERT(blec_client_is_connected(x.c));
  uint8_t buf[8];
  ASSERT_EQ_INT(fx_read(x.c, fx_chr(x.c, LAB_RW), buf, sizeof buf), 5);
  ASSERT_EQ_INT(atomic_load(&x.disc_calls), 1);
  blec_client_free(x.c);
  fx_close(&x.f);
}

static void count_disc_cb(blec_client *c, blec_disconnect_reason reason, void *user) {
  (void)c;
  client_self *x = user;
  atomic_store(&x->disc_reason, (int)reason);
  atomic_fetch_add(&x->disc_calls, 1);
}

enum { NOTE_DISCONNECT = 0, NOTE_READ = 1, NOTE_STOP = 2, NOTE_WRITE_ECHO = 3 };

static void notify_reenter_cb(blec_client *c, blec_characteristic *chr, const uint8_t *d, size_t len, void *user) {
  (void)d;
  (void)len;
  client_self *x = user;
  int n = atomic_fetch_add(&x->notes, 1);
  switch (x->mode) {
    case NOTE_DISCONNECT:
      if (n == 2) {
        atomic_store(&x->action_status, blec_client_disconnect(c, blec_test_ms(FX_WAIT_MS), NULL));
        atomic_store(&x->action_done, 1);
      }
      break;
    case NOTE_READ:
      if (n < 5) {
        uint8_t *v = NULL;
        size_t vl = 0;
        blec_characteristic *k = NULL;
        blec_uuid u = fx_uuid(LAB_CONST);
        ASSERT_OK(blec_client_characteristic(c, &u, &k));
        int s = blec_client_read(c, k, 0, blec_test_ms(FX_WAIT_MS), &v, &vl, NULL);
        if (s == BLEC_OK && vl == 5 && memcmp(v, "const", 5) == 0)
          atomic_fetch_add(&x->read_ok, 1);
        else
          atomic_fetch_add(&x->read_bad, 1);
        blec_free(v);
        if (n == 4) atomic_store(&x->action_done, 1);
      }
      break;
    case NOTE_STOP:
      if (n == 2) {
        atomic_store(&x->action_status, blec_client_stop_notify(c, chr, blec_test_ms(FX_WAIT_MS), NULL));
        atomic_store(&x->action_done, 1);
      }
      break;
    case NOTE_WRITE_ECHO:
      if (n < 3) {
        uint8_t next = (uint8_t)(n + 1);
        blec_characteristic *rx = NULL;
        blec_uuid u = fx_uuid(UART_RX);
        ASSERT_OK(blec_client_characteristic(c, &u, &rx));
        ASSERT_OK(blec_client_write(c, rx, &next, 1, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
      } else {
        atomic_store(&x->action_done, 1);
      }
      break;
  }
}

BLEC_TEST_IMPL(disconnect_from_a_notify_callback) {
  client_self x;
  client_self_open(&x, LAB_ADDR, count_disc_cb, NOTE_DISCONNECT);
  ASSERT_OK(blec_client_start_notify(x.c, fx_chr(x.c, LAB_NI), 0, notify_reenter_cb, &x, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&x.action_done), FX_WAIT_MS);
  ASSERT_OK(atomic_load(&x.action_status));
  ASSERT(!blec_client_is_connected(x.c));
  ASSERT(!blec_world_peripheral_connected(x.p));
  WAIT_UNTIL(atomic_load(&x.disc_calls) >= 1, FX_WAIT_MS);
  fx_settle_client(&x.f, x.c);
  ASSERT_EQ_INT(atomic_load(&x.disc_calls), 1);
  ASSERT_EQ_INT(atomic_load(&x.disc_reason), BLEC_DISCONNECT_REQUESTED);
  ASSERT_EQ_INT(atomic_load(&x.notes), 3); /* nothing after the disconnect */
  blec_client_free(x.c);
  fx_close(&x.f);
}

BLEC_TEST_IMPL(blocking_read_from_a_notify_callback) {
  client_self x;
  client_self_open(&x, LAB_ADDR, NULL, NOTE_READ);
  ASSERT_OK(blec_client_start_notify(x.c, fx_chr(x.c, LAB_NI), 0, notify_reenter_cb, &x, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&x.action_done), 20000);
  ASSERT_EQ_INT(atomic_load(&x.read_ok), 5);
  ASSERT_EQ_INT(atomic_load(&x.read_bad), 0);
  blec_client_free(x.c);
  fx_close(&x.f);
}

BLEC_TEST_IMPL(stop_notify_from_its_own_notify_callback) {
  client_self x;
  client_self_open(&x, LAB_ADDR, NULL, NOTE_STOP);
  ASSERT_OK(blec_client_start_notify(x.c, fx_chr(x.c, LAB_NI), 0, notify_reenter_cb, &x, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&x.action_done), FX_WAIT_MS);
  ASSERT_OK(atomic_load(&x.action_status));
  fx_settle(&x.f);
  ASSERT_EQ_INT(atomic_load(&x.notes), 3);
  blec_client_free(x.c);
  fx_close(&x.f);
}

BLEC_TEST_IMPL(blocking_write_from_a_notify_callback_gets_its_echo) {
  client_self x;
  client_self_open(&x, UART_ADDR, NULL, NOTE_WRITE_ECHO);
  ASSERT_OK(blec_client_start_notify(x.c, fx_chr(x.c, UART_TX), 0, notify_reenter_cb, &x, blec_test_ms(FX_WAIT_MS), NULL));
  uint8_t zero = 0;
  ASSERT_OK(blec_client_write(x.c, fx_chr(x.c, UART_RX), &zero, 1, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&x.action_done), 20000);
  ASSERT_EQ_INT(atomic_load(&x.notes), 4); /* 0, then the echoes of 1, 2, 3 */
  blec_client_free(x.c);
  fx_close(&x.f);
}

/* ---- completion callbacks ------------------------------------------------------------------------- */

typedef struct chain {
  blec_client *c;
  blec_characteristic *chr, *other;
  atomic_int links;
  atomic_int failures;
  atomic_int blocking_status;
  atomic_int blocking_len;
  atomic_int wait_status;
  atomic_int done;
} chain;

static void chain_cb(blec_op *op, void *user) {
  chain *x = user;
  if (blec_op_status(op) != BLEC_OK) atomic_fetch_add(&x->failures, 1);
  int n = atomic_fetch_add(&x->links, 1);
  if (n < 9) {
    /* Start the next link of the chain from inside the completion. */
    if (blec_client_read_async(x->c, x->chr, 0, chain_cb, x, NULL) != BLEC_OK) atomic_fetch_add(&x->failures, 1);
  } else {
    atomic_store(&x->done, 1);
  }
}

BLEC_TEST_IMPL(async_completion_may_start_the_next_operation) {
  fx f;
  fx_open(&f, fx_world_lab());
  chain x;
  memset(&x, 0, sizeof x);
  x.c = fx_connect(&f, LAB_ADDR, NULL);
  x.chr = fx_chr(x.c, LAB_CONST);
  ASSERT_OK(blec_client_read_async(x.c, x.chr, 0, chain_cb, &x, NULL));
  WAIT_UNTIL(atomic_load(&x.done), FX_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&x.links), 10);
  ASSERT_EQ_INT(atomic_load(&x.failures), 0);
  blec_client_free(x.c);
  fx_close(&f);
}

static void noop_cb(blec_op *op, void *user) {
  (void)op;
  (void)user;
}

static void blocking_in_completion_cb(blec_op *op, void *user) {
  chain *x = user;
  if (blec_op_status(op) != BLEC_OK) atomic_fetch_add(&x->failures, 1);
  uint8_t *d = NULL;
  size_t len = 0;
  atomic_store(&x->blocking_status, blec_client_read(x->c, x->other, 0, blec_test_ms(FX_WAIT_MS), &d, &len, NULL));
  atomic_store(&x->blocking_len, (int)len);
  blec_free(d);
  /* Waiting on another operation's completion from inside a callback. */
  blec_op *o2 = NULL;
  if (blec_client_read_async(x->c, x->chr, 0, noop_cb, NULL, &o2) == BLEC_OK) {
    atomic_store(&x->wait_status, blec_op_wait(o2, blec_test_ms(FX_WAIT_MS)));
    blec_op_free(o2);
  }
  atomic_store(&x->done, 1);
}

BLEC_TEST_IMPL(blocking_read_from_an_async_completion) {
  fx f;
  fx_open(&f, fx_world_lab());
  chain x;
  memset(&x, 0, sizeof x);
  atomic_store(&x.blocking_status, 1);
  atomic_store(&x.wait_status, 1);
  x.c = fx_connect(&f, LAB_ADDR, NULL);
  x.chr = fx_chr(x.c, LAB_CONST);
  x.other = fx_chr(x.c, LAB_RW);
  blec_op *op = NULL;
  ASSERT_OK(blec_client_read_async(x.c, x.chr, 0, blocking_in_completion_cb, &x, &op));
  WAIT_UNTIL(atomic_load(&x.done), 20000);
  ASSERT_OK(atomic_load(&x.blocking_status));
  ASSERT_EQ_INT(atomic_load(&x.blocking_len), 5);
  ASSERT_OK(atomic_load(&x.wait_status));
  ASSERT_EQ_INT(atomic_load(&x.failures), 0);
  blec_op_free(op);
  blec_client_free(x.c);
  fx_close(&f);
}

typedef struct connect_chain {
  fx *f;
  blec_client *c;
  atomic_int status;
  atomic_int done;
} connect_chain;

static void connected_then_disconnect_cb(blec_op *op, void *user) {
  connect_chain *x = user;
  if (blec_op_status(op) == BLEC_OK)
    atomic_store(&x->status, blec_client_disconnect(x->c, blec_test_ms(FX_WAIT_MS), NULL));
  else
    atomic_store(&x->status, blec_op_status(op));
  atomic_store(&x->done, 1);
}

BLEC_TEST_IMPL(blocking_disconnect_from_the_connect_completion) {
  fx f;
  fx_open(&f, fx_world_lab());
  connect_chain x;
  x.f = &f;
  atomic_init(&x.status, 1);
  atomic_init(&x.done, 0);
  ASSERT_OK(blec_client_new(f.ctx, LAB_ADDR, NULL, &x.c));
  blec_op *op = NULL;
  ASSERT_OK(blec_client_connect_async(x.c, connected_then_disconnect_cb, &x, &op));
  WAIT_UNTIL(atomic_load(&x.done), 20000);
  ASSERT_OK(atomic_load(&x.status));
  ASSERT(!blec_client_is_connected(x.c));
  ASSERT(!blec_world_peripheral_connected(fx_peripheral(&f, LAB_ADDR)));
  blec_op_free(op);
  blec_client_free(x.c);
  fx_close(&f);
}

/* ---- one at a time ------------------------------------------------------------------------------------ */

typedef struct serial {
  atomic_int inside;
  atomic_int overlaps;
  atomic_int detections;
  atomic_int notes;
} serial;

static void serial_enter(serial *s) {
  if (atomic_fetch_add(&s->inside, 1) != 0) atomic_fetch_add(&s->overlaps, 1);
  fx_sleep_ms(1);
  atomic_fetch_sub(&s->inside, 1);
}

static void serial_detection_cb(blec_scanner *sc, blec_device *dev, const blec_adv *adv, void *user) {
  (void)sc;
  (void)dev;
  (void)adv;
  serial *s = user;
  serial_enter(s);
  atomic_fetch_add(&s->detections, 1);
}

static void serial_notify_cb(blec_client *c, blec_characteristic *chr, const uint8_t *d, size_t len, void *user) {
  (void)c;
  (void)chr;
  (void)d;
  (void)len;
  serial *s = user;
  serial_enter(s);
  atomic_fetch_add(&s->notes, 1);
}

BLEC_TEST_IMPL(callbacks_of_one_context_never_overlap) {
  fx f;
  fx_open(&f, fx_world_lab());
  serial s;
  atomic_init(&s.inside, 0);
  atomic_init(&s.overlaps, 0);
  atomic_init(&s.detections, 0);
  atomic_init(&s.notes, 0);
  blec_client *c = fx_connect(&f, LAB_ADDR, NULL);
  blec_scanner *a = NULL, *b = NULL;
  ASSERT_OK(fx_scan_start(&f, NULL, serial_detection_cb, &s, &a));
  ASSERT_OK(fx_scan_start(&f, NULL, serial_detection_cb, &s, &b));
  ASSERT_OK(blec_client_start_notify(c, fx_chr(c, LAB_NI), 0, serial_notify_cb, &s, blec_test_ms(FX_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&s.detections) >= 100 && atomic_load(&s.notes) >= 20, 10000);
  blec_scanner_free(a);
  blec_scanner_free(b);
  blec_client_free(c);
  ASSERT_EQ_INT(atomic_load(&s.overlaps), 0);
  fx_close(&f);
}
