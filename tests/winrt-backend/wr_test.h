/* SPDX-License-Identifier: MIT */
/*
 * wr_test.h — what the tests of the `winrt` backend share: the simulated Windows stack's
 * control API (from the module Wine loaded), worlds, contexts on the winrt backend,
 * waiting for a condition with a scaled deadline, the stack's "hard parts of Windows"
 * switches (quirks), heap checks, and the final "no live WinRT object" check.
 */
#ifndef WR_TEST_H
#define WR_TEST_H

#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <roapi.h>
#include <winstring.h>

#include <stdbool.h>
#include <stdint.h>

#include "blec/blec.h"
#include "blec/blec_winrt.h"
#include "blec_winrt_sim.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

/* The stack's control API (BLEC_WINRT_SIM_FUNCS), loaded by wt_world / wt_load_sim. */
typedef struct wt_sim_api {
#define WT_SIM_FIELD_(ret, name, params) ret(*name) params;
  BLEC_WINRT_SIM_FUNCS(WT_SIM_FIELD_)
#undef WT_SIM_FIELD_
} wt_sim_api;
extern wt_sim_api sim;

void wt_load_sim(void);
/**
 * Gives the stack this world (fails the test when refused). Every quirk is first set back
 * to the environment's baseline (all on under BLEC_WINRT_SIM_HOSTILE=1, else all off), so a
 * test meets the Windows of its pass and what it turns on itself.
 * The world is made by the engine the stack runs on (blec's shared library, which the
 * stack's DLL links), so that the test can act on it (wt_set_delays).
 */
void wt_world(const char *text);
/** Connect and response delays of a peripheral of the current world (blec_world_peripheral_set_delays). */
void wt_set_delays(const char *address, int connect_ms, int response_ms);
/** Sets an attribute's value in the world (no notification). */
void wt_set_value(const char *address, uint16_t handle, const void *data, size_t len);
/** An attribute's value in the world, its length returned (at most cap bytes copied). */
size_t wt_get_value(const char *address, uint16_t handle, uint8_t *buf, size_t cap);

/* ---- the stack's hard parts of Windows (helpers/winrt-quirks.md, sim/winrt/README.md) ---- */
typedef enum wt_quirk_id {
  WT_QUIRK_LATE_CANCEL = 1,
  WT_QUIRK_CLOSE_BLOCKS_MS = 2,
  WT_QUIRK_CONNECT_ON_REQUEST = 3,
  WT_QUIRK_LINK_LINGERS_MS = 4,
  WT_QUIRK_STATUS_FLAP = 5,
  WT_QUIRK_EVENTS_UNORDERED = 6,
  WT_QUIRK_WATCHER_START_FAILS = 7,
  WT_QUIRK_HANDLE_IS_DECLARATION = 8,
  WT_QUIRK_WINDOWS_BUILD = 9,
  WT_QUIRK_HELD_ELSEWHERE = 10,
  WT_QUIRK_DEVICE_HOLDS_LINK = 11
} wt_quirk_id;
/**
 * Turns a quirk on (value) or off (0). False, after printing why, when the stack in this
 * build cannot play it: the test then ends early (a skip with its reason on stdout).
 */
bool wt_quirk(wt_quirk_id q, int value);
/** The quirk's value, or -1 when the stack has no quirks. */
int wt_quirk_get(wt_quirk_id q);
/** Ends the test early with a visible reason. */
#define WT_SKIP_UNLESS(cond)                                                                       \
  do {                                                                                             \
    if (!(cond)) return;                                                                           \
  } while (0)

/* ---- contexts ------------------------------------------------------------------------------------ */
/** A context on the winrt backend (thread delivery). */
blec_ctx *wt_ctx(void);
/** Same, logging at debug level into the test's log buffer (wt_log_contains). */
blec_ctx *wt_ctx_logged(void);
/** True when a logged line contains `text`. */
bool wt_log_contains(const char *text);
/** Frees the context, checks the heaps and that the stack has no live object left. */
void wt_end(blec_ctx *ctx);
/** Every heap of the process passes HeapValidate (a free() into the middle of a block fails it). */
void wt_check_heaps(void);
void wt_check_no_live_objects(void);

/* ---- waiting ---------------------------------------------------------------------------------------- */
uint64_t wt_now_ms(void);
/** Waits until expr holds, checking every millisecond, at most blec_test_ms(ms); fails naming expr. */
#define WT_WAIT_FOR(expr, ms)                                                                      \
  do {                                                                                             \
    uint64_t wt_deadline_ = wt_now_ms() + (uint64_t)blec_test_ms(ms);                              \
    while (!(expr)) {                                                                              \
      if (wt_now_ms() > wt_deadline_)                                                              \
        blec_test_fail_(__FILE__, __LINE__, "waited %d ms for %s", blec_test_ms(ms), #expr);       \
      Sleep(1);                                                                                    \
    }                                                                                              \
  } while (0)
/**
 * A barrier through the context's dispatcher: returns once every callback queued before
 * the call has run (the dispatcher runs callbacks in order). Together with sim.drain it
 * proves that an event the stack might still have delivered would have been seen.
 */
void wt_dispatch_barrier(blec_ctx *ctx);

/** Runs fn(arg) on its own thread and fails the test when it has not returned within ms. */
void wt_must_return_within(void (*fn)(void *), void *arg, int ms, const char *what);

/* ---- scanning and connecting -------------------------------------------------------------------- */
void wt_scan_for(blec_ctx *ctx, blec_scan_mode mode, int ms, blec_device ***list, size_t *count);
blec_device *wt_find(blec_device **list, size_t n, const char *addr);
/** A client connected to addr (options may be NULL); fails the test when the connect fails. */
blec_client *wt_connect(blec_ctx *ctx, const char *addr, const blec_client_options *opts);
/** A client connected to addr asking for the one service with this 16-bit UUID (a services subset). */
blec_client *wt_connect_subset(blec_ctx *ctx, const char *addr, uint16_t service16);
/**
 * Connects to addr asking only for service16, checks that the tree is that service alone
 * and that its characteristic chr16 reads the one byte `value`, then frees the client.
 */
void wt_check_subset_connect(blec_ctx *ctx, const char *addr, uint16_t service16, uint16_t chr16, char value);
/** Reads chr (flags BLEC_READ_*) into buf; returns the value's length; fails the test on error. */
size_t wt_read(blec_client *c, const blec_characteristic *chr, unsigned flags, uint8_t *buf, size_t cap);
/** The characteristic with this 16-bit UUID. */
blec_characteristic *wt_chr(blec_client *c, uint16_t uuid16);

/* ---- recorders ------------------------------------------------------------------------------------------ */
typedef struct wt_values {
  CRITICAL_SECTION cs;
  int n;
  uint8_t last[64];
  size_t last_len;
} wt_values;
void wt_values_init(wt_values *v);
void wt_values_free(wt_values *v);
int wt_values_count(wt_values *v);
void wt_on_value(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user);

typedef struct wt_disc {
  volatile LONG calls;
  blec_disconnect_reason reason;
} wt_disc;
void wt_on_disconnected(blec_client *c, blec_disconnect_reason reason, void *user);

/* The lab world shared by several tests. */
extern const char wt_lab_world[];
#define WT_LAB "AA:00:00:00:00:01"
#define WT_FLAKY "AA:00:00:00:00:02"

#endif /* WR_TEST_H */
