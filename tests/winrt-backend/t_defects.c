/* SPDX-License-Identifier: MIT */
/*
 * t_defects.c — the defects of issue 10 that a kind simulator hides, each played with
 * the stack's "hard parts of Windows" where it needs one: references of a link across
 * reconnects and frees (3), waits that must end (4), connecting as Windows really does (5),
 * no waiting inside Windows' callbacks (6), random addresses on older Windows (7).
 */
#include "wr_test.h"

#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_pool.h"


/* ---- defect 3: the link's references ------------------------------------------------------------- */

BLEC_TEST_IMPL(reconnect_right_after_each_remote_disconnect) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  wt_disc d = {0, BLEC_DISCONNECT_REQUESTED};
  blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
  blec_error err;
  for (int i = 1; i <= 10; i++) {
    ASSERT_OK(sim.blec_winrt_sim_peripheral_disconnect(WT_LAB));
    WT_WAIT_FOR(d.calls == i, 5000);
    /* At once: the lost link's teardown and the new link meet on the client. */
    ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
    uint8_t *data = NULL;
    size_t len = 0;
    ASSERT_OK(blec_client_read(c, wt_chr(c, 0xaa01), 0, blec_test_ms(5000), &data, &len, &err));
    blec_free(data);
  }
  blec_client_free(c);
  wt_end(ctx);
}

static void free_client(void *c) { blec_client_free(c); }

BLEC_TEST_IMPL(client_freed_while_connecting_or_while_its_link_drops) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  for (int i = 0; i < 20; i++) {
    blec_client *c = NULL;
    ASSERT_OK(blec_client_new(ctx, WT_LAB, o, &c));
    if (i % 2) {
      blec_op *op = NULL;
      ASSERT_OK(blec_client_connect_async(c, NULL, NULL, &op));
      wt_must_return_within(free_client, c, 15000, "blec_client_free while connecting");
      ASSERT(blec_op_wait(op, blec_test_ms(5000)) != BLEC_ERR_TIMEOUT);
      blec_op_free(op);
    } else {
      blec_error err;
      ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
      ASSERT_OK(sim.blec_winrt_sim_peripheral_disconnect(WT_LAB)); /* its lost-link work races the free */
      wt_must_return_within(free_client, c, 15000, "blec_client_free while the link drops");
    }
  }
  blec_client_options_free(o);
  wt_end(ctx);
}

/* ---- defect 6: no waiting inside Windows' callbacks ------------------------------------------------- */

BLEC_TEST_IMPL(no_wait_inside_callbacks_from_windows) {
  wt_world(wt_lab_world);
  long before = wr_waits_in_callbacks();
  blec_ctx *ctx = wt_ctx();
  /* A find ends its scan from the Received handler that found the device. */
  for (int i = 0; i < 3; i++) {
    blec_device *dev = NULL;
    blec_error err;
    ASSERT_OK(blec_find_device_by_address(ctx, WT_LAB, blec_test_ms(5000), &dev, &err));
    blec_device_unref(dev);
  }
  /* ValueChanged, MaxPduSizeChanged, SessionStatusChanged, ConnectionStatusChanged. */
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  wt_values v;
  wt_values_init(&v);
  blec_error err;
  ASSERT_OK(blec_client_start_notify(c, wt_chr(c, 0xaa06), 0, wt_on_value, &v, blec_test_ms(5000), &err));
  for (int i = 0; i < 5; i++)
    ASSERT_OK(blec_client_write(c, wt_chr(c, 0xaa05), (const uint8_t *)"ping", 4, BLEC_WRITE_WITH_RESPONSE,
                                blec_test_ms(5000), &err));
  WT_WAIT_FOR(wt_values_count(&v) == 5, 5000);
  wt_disc d = {0, BLEC_DISCONNECT_REQUESTED};
  blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
  ASSERT_OK(sim.blec_winrt_sim_peripheral_disconnect(WT_LAB));
  WT_WAIT_FOR(d.calls == 1, 5000);
  blec_client_free(c);
  wt_end(ctx);
  wt_values_free(&v);
  ASSERT_EQ_INT(wr_waits_in_callbacks() - before, 0);
}

/* ---- defect 7: random addresses before Windows 10 2004 --------------------------------------------- */

BLEC_TEST_IMPL(address_type_unspecified_before_windows_2004) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_WINDOWS_BUILD, 18362));
  blec_ctx *ctx = wt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  wt_scan_for(ctx, BLEC_SCAN_ACTIVE, 600, &list, &n);
  blec_device *flaky = wt_find(list, n, WT_FLAKY), *lab = wt_find(list, n, WT_LAB);
  ASSERT(flaky != NULL && lab != NULL);
  /* Windows does not say: neither guessed public nor random. */
  ASSERT_EQ_INT(blec_device_address_type(flaky), BLEC_ADDRESS_UNSPECIFIED);
  ASSERT_EQ_INT(blec_device_address_type(lab), BLEC_ADDRESS_UNSPECIFIED);
  /* A connect from it gives no type, and reaches the random-address device. */
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new_from_device(ctx, flaky, NULL, &c));
  blec_error err;
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  blec_device_list_free(list, n);
  wt_end(ctx);
  /* Windows 10 2004 and later say it. */
  ASSERT(wt_quirk(WT_QUIRK_WINDOWS_BUILD, 19041));
  ctx = wt_ctx();
  wt_scan_for(ctx, BLEC_SCAN_ACTIVE, 600, &list, &n);
  ASSERT_EQ_INT(blec_device_address_type(wt_find(list, n, WT_FLAKY)), BLEC_ADDRESS_RANDOM);
  ASSERT_EQ_INT(blec_device_address_type(wt_find(list, n, WT_LAB)), BLEC_ADDRESS_PUBLIC);
  blec_device_list_free(list, n);
  wt_end(ctx);
}

/* ---- defect 4: every wait ends ----------------------------------------------------------------------- */

static const char slow_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:21 public\n"
    "  name \"Slow\"\n"
    "  adv-interval 20ms\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"slow\"\n";
#define SLOW "AA:00:00:00:00:21"

typedef struct end_args {
  blec_ctx *ctx;
  blec_client *c;
} end_args;

static void free_client_and_ctx(void *arg) {
  end_args *a = arg;
  blec_client_free(a->c);
  ASSERT_OK(blec_ctx_free(a->ctx));
}

BLEC_TEST_IMPL(cancelled_operation_that_never_ends_is_abandoned) {
  wt_world(slow_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_LATE_CANCEL, 2));
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = wt_connect(ctx, SLOW, NULL);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  blec_characteristic *ch = wt_chr(c, 0xaa01);
  ASSERT_OK(blec_client_write(c, ch, (const uint8_t *)"x", 1, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  wt_set_delays(SLOW, 0, 100000); /* every request now takes 100 s */
  ASSERT_STATUS(blec_client_read(c, ch, 0, 500, &data, &len, &err), BLEC_ERR_TIMEOUT);
  /* The read's WinRT operation ignores its Cancel: given up on, and every call still ends. */
  end_args a = {ctx, c};
  wt_must_return_within(free_client_and_ctx, &a, 20000, "blec_client_free and blec_ctx_free");
  ASSERT(wt_log_contains("after IAsyncInfo::Cancel: abandoned to Windows"));
  wt_check_heaps();
}

BLEC_TEST_IMPL(close_that_blocks_does_not_hold_free) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_CLOSE_BLOCKS_MS, 4000));
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  end_args a = {ctx, c};
  /* Close() of the services, session and device blocks 4 s each: free gives up in its budget. */
  wt_must_return_within(free_client_and_ctx, &a, 15000, "blec_client_free and blec_ctx_free");
  ASSERT(wt_log_contains("a Close() that hangs") || wt_log_contains("were not released within"));
  /* The abandoned work finishes later by itself and releases everything, safely. */
  uint64_t deadline = wt_now_ms() + (uint64_t)blec_test_ms(60000);
  while (sim.blec_winrt_sim_live_objects() != 0) {
    if (wt_now_ms() > deadline) {
      static char dump[8192];
      sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump);
      blec_test_fail_(__FILE__, __LINE__, "the abandoned closes never ended; alive:\n%s", dump);
    }
    Sleep(10);
  }
  wt_check_heaps();
}

/* ---- defect 5: connecting as Windows does ------------------------------------------------------------ */

BLEC_TEST_IMPL(link_comes_up_with_the_first_gatt_request) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_CONNECT_ON_REQUEST, 1));
  blec_ctx *ctx = wt_ctx();
  for (int mode = BLEC_CACHE_DEFAULT; mode <= BLEC_CACHE_UNCACHED; mode++) {
    blec_client_options *o = blec_client_options_new();
    ASSERT_OK(blec_client_options_set_cache_mode(o, (blec_cache_mode)mode));
    blec_client *c = wt_connect(ctx, WT_LAB, o);
    blec_client_options_free(o);
    ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 1);
    ASSERT_EQ_INT(blec_client_mtu(c), 185);
    uint8_t *data = NULL;
    size_t len = 0;
    blec_error err;
    ASSERT_OK(blec_client_read(c, wt_chr(c, 0xaa01), 0, blec_test_ms(5000), &data, &len, &err));
    blec_free(data);
    blec_client_free(c);
  }
  wt_end(ctx);
}

BLEC_TEST_IMPL(connection_status_flap_is_not_a_disconnection) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_STATUS_FLAP, 1));
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, WT_LAB, NULL, &c));
  wt_disc d = {0, BLEC_DISCONNECT_REQUESTED};
  blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
  blec_error err;
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  sim.blec_winrt_sim_drain();
  wt_dispatch_barrier(ctx);
  ASSERT(wt_log_contains("ConnectionStatusChanged Disconnected"));
  ASSERT_EQ_INT(d.calls, 0);
  ASSERT(blec_client_is_connected(c));
  uint8_t *data = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read(c, wt_chr(c, 0xaa01), 0, blec_test_ms(5000), &data, &len, &err));
  blec_free(data);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(disconnect_says_when_windows_keeps_the_link) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_HELD_ELSEWHERE, 1));
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  wt_disc d = {0, BLEC_DISCONNECT_REMOTE};
  blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
  blec_error err;
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  /* Done for this program, said plainly and no more than is known. */
  ASSERT_EQ_INT(err.status, BLEC_OK);
  ASSERT(strstr(err.message, "still reports") != NULL);
  ASSERT(strstr(err.message, "another program may hold the link") != NULL);
  ASSERT(!blec_client_is_connected(c));
  WT_WAIT_FOR(d.calls == 1, 5000);
  ASSERT_EQ_INT(d.reason, BLEC_DISCONNECT_REQUESTED);
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 1);
  /* And this program connects again beside the other one. */
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(disconnect_waits_for_a_lingering_link) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_LINK_LINGERS_MS, 300));
  /* Windows keeps the link while the program's device object is open: the disconnect lets
   * go of it before it waits, or it waits for a link that it holds itself. */
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_DEVICE_HOLDS_LINK, 1));
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_error err;
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT_EQ_INT(err.message[0], 0); /* down within the wait: nothing to say */
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 0);
  blec_client_free(c);
  wt_end(ctx);
}

/* ---- issue 11: older Windows, a watcher that refuses to start ----------------------------------------- */

BLEC_TEST_IMPL(connect_on_windows_older_than_1709_is_not_supported) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_WINDOWS_BUILD, 15063));
  blec_ctx *ctx = wt_ctx();
  /* Scanning works on any Windows 10. */
  blec_device **list = NULL;
  size_t n = 0;
  wt_scan_for(ctx, BLEC_SCAN_ACTIVE, 400, &list, &n);
  ASSERT(wt_find(list, n, WT_LAB) != NULL);
  blec_device_list_free(list, n);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, WT_LAB, NULL, &c));
  blec_error err;
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(10000), &err), BLEC_ERR_NOT_SUPPORTED);
  ASSERT(strstr(err.message, "needs Windows 10 version 1709 (build 16299)") != NULL);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(watcher_start_refused_with_the_radio_off) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_WATCHER_START_FAILS, 1));
  blec_ctx *ctx = wt_ctx();
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(ctx, NULL, NULL, NULL, &s));
  sim.blec_winrt_sim_set_radio(0);
  blec_error err;
  ASSERT_STATUS(blec_scanner_start(s, &err), BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_POWERED_OFF);
  sim.blec_winrt_sim_set_radio(1);
  blec_error_clear(&err);
  ASSERT_OK(blec_scanner_start(s, &err));
  blec_scanner_free(s);
  wt_end(ctx);
}

/* ---- quirks played alone: events out of order, a Cancel that completes late --------------------- */

typedef struct seq_rec {
  CRITICAL_SECTION cs;
  int n;
  int out_of_order;
  int last;
} seq_rec;

static void on_seq(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  seq_rec *r = user;
  EnterCriticalSection(&r->cs);
  if (len == 1) {
    if (data[0] != r->last + 1) r->out_of_order++;
    r->last = data[0];
  }
  r->n++;
  LeaveCriticalSection(&r->cs);
}

static int seq_count(seq_rec *r) {
  EnterCriticalSection(&r->cs);
  int n = r->n;
  LeaveCriticalSection(&r->cs);
  return n;
}

/* Windows raises the events of one object on several pool threads, in no order between
 * sources: the session's status and MTU, the device's status and each characteristic's
 * values meet the client in any order. One characteristic's values keep their order. */
BLEC_TEST_IMPL(events_unordered_keep_each_source_right) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_EVENTS_UNORDERED, 1));
  blec_ctx *ctx = wt_ctx_logged();
  for (int round = 0; round < 3; round++) {
    blec_client *c = wt_connect(ctx, WT_LAB, NULL);
    ASSERT_EQ_INT(blec_client_mtu(c), 185);
    wt_disc d = {0, BLEC_DISCONNECT_REQUESTED};
    blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
    seq_rec r;
    memset(&r, 0, sizeof r);
    InitializeCriticalSection(&r.cs);
    blec_error err;
    ASSERT_OK(blec_client_start_notify(c, wt_chr(c, 0xaa06), 0, on_seq, &r, blec_test_ms(5000), &err));
    for (int i = 1; i <= 20; i++) {
      uint8_t b = (uint8_t)i;
      ASSERT_OK(blec_client_write(c, wt_chr(c, 0xaa05), &b, 1, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(5000), &err));
    }
    WT_WAIT_FOR(seq_count(&r) == 20, 5000);
    ASSERT_EQ_INT(r.out_of_order, 0);
    ASSERT_EQ_INT(r.last, 20);
    /* The link's end, its status events racing the values': reported once, as remote. */
    ASSERT_OK(sim.blec_winrt_sim_peripheral_disconnect(WT_LAB));
    WT_WAIT_FOR(d.calls == 1, 5000);
    ASSERT_EQ_INT(d.reason, BLEC_DISCONNECT_REMOTE);
    sim.blec_winrt_sim_drain();
    wt_dispatch_barrier(ctx);
    ASSERT_EQ_INT(d.calls, 1);
    ASSERT(!blec_client_is_connected(c));
    blec_client_free(c);
    DeleteCriticalSection(&r.cs);
  }
  /* Each value was logged by the handler that got it. */
  ASSERT(wt_log_contains("ValueChanged handle 0x"));
  wt_end(ctx);
}

/* IAsyncInfo::Cancel completes the operation only once its own work ends (the device's
 * answer, or Windows withdrawing the request): the backend waits for that, within its grace,
 * instead of abandoning it, and the link stays usable. */
BLEC_TEST_IMPL(cancel_that_completes_late_is_awaited_not_abandoned) {
  wt_world(slow_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_LATE_CANCEL, 1));
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = wt_connect(ctx, SLOW, NULL);
  blec_characteristic *ch = wt_chr(c, 0xaa01);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  wt_set_delays(SLOW, 0, 100000); /* the device no longer answers */
  for (int i = 0; i < 2; i++)
    ASSERT_STATUS(blec_client_read(c, ch, 0, 300, &data, &len, &err), BLEC_ERR_TIMEOUT);
  ASSERT(wt_log_contains("IAsyncInfo::Cancel"));
  ASSERT(!wt_log_contains("abandoned to Windows"));
  wt_set_delays(SLOW, 0, 0);
  ASSERT_OK(blec_client_read(c, ch, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 4);
  ASSERT_MEM_EQ(data, "slow", 4);
  blec_free(data);
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  wt_end(ctx);
}

/* The hostile pass (BLEC_WINRT_SIM_HOSTILE=1) is hostile: every test starts from the quirks
 * the environment turned on, not from a kind Windows; what a test turns on itself holds. */
BLEC_TEST_IMPL(each_test_starts_from_the_environments_quirks) {
  const char *h = getenv("BLEC_WINRT_SIM_HOSTILE");
  bool hostile = h && !strcmp(h, "1");
  wt_world(wt_lab_world);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_LATE_CANCEL), hostile ? 1 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_CLOSE_BLOCKS_MS), hostile ? 300 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_CONNECT_ON_REQUEST), hostile ? 1 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_LINK_LINGERS_MS), hostile ? 300 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_STATUS_FLAP), hostile ? 1 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_EVENTS_UNORDERED), hostile ? 1 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_WATCHER_START_FAILS), hostile ? 1 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_DEVICE_HOLDS_LINK), hostile ? 1 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_HELD_ELSEWHERE), 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_WINDOWS_BUILD), 0);
  /* A quirk a test sets is its own until the next world; then the baseline is back. */
  ASSERT(wt_quirk(WT_QUIRK_CLOSE_BLOCKS_MS, 50));
  ASSERT(wt_quirk(WT_QUIRK_HELD_ELSEWHERE, 1));
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_CLOSE_BLOCKS_MS), 50);
  wt_world(wt_lab_world);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_CLOSE_BLOCKS_MS), hostile ? 300 : 0);
  ASSERT_EQ_INT(wt_quirk_get(WT_QUIRK_HELD_ELSEWHERE), 0);
}
