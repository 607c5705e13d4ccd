/* SPDX-License-Identifier: MIT */
/*
 * world.c — which world drives the stack, and the control calls that act on it.
 *
 * The world is loaded on first use from the file named by $BLEC_WORLD, else the built-in
 * default world; tests replace it with blec_winrt_sim_set_world_*. Replacing it is
 * refused while a scan or a link of the stack is open (BLEC_ERR_BUSY), and forgets the
 * stack's own state about devices (stack.c).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec_winrt_sim.h"
#include "gatt.h"
#include "stack.h"

static SRWLOCK g_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE g_users_cv = CONDITION_VARIABLE_INIT; /* g_users reached 0 */
static blec_world *g_world;
static long g_users; /* open scans and links */
static bool g_adapter = true;
static double g_scale; /* 0: leave the world's own */

/* A world's `windows` lines are the stack's quirks, number for number. */
#define SAME_NUMBER_(name) _Static_assert((int)BLEC__WWIN_##name == (int)BLEC_WINRT_SIM_QUIRK_##name, #name)
SAME_NUMBER_(LATE_CANCEL);
SAME_NUMBER_(CLOSE_BLOCKS_MS);
SAME_NUMBER_(CONNECT_ON_REQUEST);
SAME_NUMBER_(LINK_LINGERS_MS);
SAME_NUMBER_(STATUS_FLAP);
SAME_NUMBER_(EVENTS_UNORDERED);
SAME_NUMBER_(WATCHER_START_FAILS);
SAME_NUMBER_(HANDLE_IS_DECLARATION);
SAME_NUMBER_(HELD_ELSEWHERE);
SAME_NUMBER_(DEVICE_HOLDS_LINK);
_Static_assert((int)BLEC__WWIN_BUILD == (int)BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD, "BUILD");
_Static_assert((int)BLEC__WWIN_END_ == BLEC_WINRT_SIM_QUIRK_END_, "END");

/* The quirks the world sets (the others stay as they are). */
static void apply_windows_settings(blec_world *w) {
  for (int q = 1; q < BLEC__WWIN_END_; q++) {
    int v;
    if (blec__world_windows(w, (blec__wwin)q, &v) && FAILED(blec_winrt_sim_set_quirk(q, v)))
      fprintf(stderr, "blec_winrt_sim: the world's Windows setting %d = %d is out of range\n", q, v);
  }
}

static void copy_err(char *err, size_t errlen, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg ? msg : "");
}

static int load_initial(blec_world **out) {
  blec_error e;
  memset(&e, 0, sizeof e);
  const char *path = getenv("BLEC_WORLD");
  int st = path && *path ? blec_world_load_file(path, out, &e) : blec_world_new_default(out);
  if (st != BLEC_OK) {
    /* A broken $BLEC_WORLD must not leave the stack without a world: say so, use an empty one. */
    fprintf(stderr, "blec_winrt_sim: %s\n", e.message[0] ? e.message : "cannot load the world");
    st = blec_world_new(out);
  }
  return st;
}

blec_world *sim_world_ref(void) {
  AcquireSRWLockExclusive(&g_lock);
  if (!g_world) {
    if (load_initial(&g_world) != BLEC_OK) g_world = NULL;
    if (g_world && g_scale > 0) blec_world_set_time_scale(g_world, g_scale);
    if (g_world) apply_windows_settings(g_world);
  }
  blec_world *w = g_world ? blec_world_ref(g_world) : NULL;
  ReleaseSRWLockExclusive(&g_lock);
  return w;
}

void sim_world_use(int delta) {
  AcquireSRWLockExclusive(&g_lock);
  g_users += delta;
  if (g_users == 0) WakeAllConditionVariable(&g_users_cv);
  ReleaseSRWLockExclusive(&g_lock);
}

bool sim_adapter_present(void) {
  AcquireSRWLockShared(&g_lock);
  bool p = g_adapter;
  ReleaseSRWLockShared(&g_lock);
  return p;
}

/* How long a replacement waits for links going down (those the OS was asked to end by
 * sim_stack_end_kept_links, those whose last holder let go just before): they end on the
 * world's thread a moment later. */
#define SIM_KEPT_LINKS_END_MS 5000

/* Takes over w's reference (w may be NULL: no world until the next use loads one). */
static int replace_world(blec_world *w) {
  /* Links that only the OS keeps (lingering, held by another program) belong to no
   * object of the program: end them, as time passing or that program leaving would. */
  bool waiting = sim_stack_end_kept_links() > 0;
  AcquireSRWLockExclusive(&g_lock);
  if (waiting) {
    ULONGLONG deadline = GetTickCount64() + SIM_KEPT_LINKS_END_MS;
    while (g_users > 0 && GetTickCount64() < deadline)
      SleepConditionVariableSRW(&g_users_cv, &g_lock, (DWORD)(deadline - GetTickCount64()), 0);
  }
  if (g_users > 0) {
    ReleaseSRWLockExclusive(&g_lock);
    if (w) blec_world_unref(w);
    return BLEC_ERR_BUSY;
  }
  blec_world *old = g_world;
  g_world = w;
  if (w && g_scale > 0) blec_world_set_time_scale(w, g_scale);
  ReleaseSRWLockExclusive(&g_lock);
  if (w) apply_windows_settings(w);
  sim_stack_forget_all();
  sim_service_faults_clear();
  if (old) blec_world_unref(old);
  return BLEC_OK;
}

int blec_winrt_sim_set_world_text(const char *text, char *err, size_t errlen) {
  blec_world *w = NULL;
  blec_error e;
  memset(&e, 0, sizeof e);
  copy_err(err, errlen, "");
  if (!text) return BLEC_ERR_INVALID_ARG;
  int st = blec_world_load_string(text, "world", &w, &e);
  if (st != BLEC_OK) {
    copy_err(err, errlen, e.message);
    return st;
  }
  st = replace_world(w);
  if (st != BLEC_OK) copy_err(err, errlen, "the stack has a scan or a link open");
  return st;
}

int blec_winrt_sim_set_world_file(const char *path, char *err, size_t errlen) {
  blec_world *w = NULL;
  blec_error e;
  memset(&e, 0, sizeof e);
  copy_err(err, errlen, "");
  if (!path) return BLEC_ERR_INVALID_ARG;
  int st = blec_world_load_file(path, &w, &e);
  if (st != BLEC_OK) {
    copy_err(err, errlen, e.message);
    return st;
  }
  st = replace_world(w);
  if (st != BLEC_OK) copy_err(err, errlen, "the stack has a scan or a link open");
  return st;
}

int blec_winrt_sim_set_world(blec_world *world) {
  return replace_world(world ? blec_world_ref(world) : NULL);
}

int blec_winrt_sim_set_world_default(void) {
  blec_world *w = NULL;
  int st = blec_world_new_default(&w);
  return st == BLEC_OK ? replace_world(w) : st;
}

int blec_winrt_sim_set_radio(int on) {
  blec_world *w = sim_world_ref();
  if (!w) return BLEC_ERR_STATE;
  int st = blec_world_set_radio(w, on != 0);
  blec_world_unref(w);
  if (st == BLEC_OK) sim_stack_radio_changed(on != 0);
  return st;
}

int blec_winrt_sim_set_adapter_present(int present) {
  AcquireSRWLockExclusive(&g_lock);
  g_adapter = present != 0;
  ReleaseSRWLockExclusive(&g_lock);
  return BLEC_OK;
}

int blec_winrt_sim_set_time_scale(double scale) {
  if (!(scale > 0)) return BLEC_ERR_INVALID_ARG;
  AcquireSRWLockExclusive(&g_lock);
  g_scale = scale;
  int st = g_world ? blec_world_set_time_scale(g_world, scale) : BLEC_OK;
  ReleaseSRWLockExclusive(&g_lock);
  return st;
}

static int with_peripheral(const char *address, blec_world **w, blec_world_peripheral **p) {
  *w = sim_world_ref();
  if (!*w) return BLEC_ERR_STATE;
  int st = blec_world_find_peripheral(*w, address, p);
  if (st != BLEC_OK) {
    blec_world_unref(*w);
    *w = NULL;
  }
  return st;
}

int blec_winrt_sim_peripheral_disconnect(const char *address) {
  blec_world *w;
  blec_world_peripheral *p;
  int st = with_peripheral(address, &w, &p);
  if (st != BLEC_OK) return st;
  st = blec_world_peripheral_disconnect(p);
  blec_world_unref(w);
  return st;
}

int blec_winrt_sim_peripheral_set_advertising(const char *address, int on) {
  blec_world *w;
  blec_world_peripheral *p;
  int st = with_peripheral(address, &w, &p);
  if (st != BLEC_OK) return st;
  st = blec_world_peripheral_set_advertising(p, on != 0);
  blec_world_unref(w);
  return st;
}

int blec_winrt_sim_peripheral_set_value(const char *address, uint16_t handle, const uint8_t *data, size_t len,
                                        int notify) {
  blec_world *w;
  blec_world_peripheral *p;
  int st = with_peripheral(address, &w, &p);
  if (st != BLEC_OK) return st;
  st = blec_world_set_value(p, handle, data, len, notify != 0);
  blec_world_unref(w);
  return st;
}

int blec_winrt_sim_peripheral_set_delays(const char *address, int connect_ms, int response_ms) {
  blec_world *w;
  blec_world_peripheral *p;
  int st = with_peripheral(address, &w, &p);
  if (st != BLEC_OK) return st;
  st = blec_world_peripheral_set_delays(p, connect_ms, response_ms);
  blec_world_unref(w);
  return st;
}

int64_t blec_winrt_sim_peripheral_request_count(const char *address) {
  blec_world *w;
  blec_world_peripheral *p;
  if (with_peripheral(address, &w, &p) != BLEC_OK) return -1;
  int64_t n = (int64_t)blec_world_peripheral_request_count(p);
  blec_world_unref(w);
  return n;
}

int blec_winrt_sim_peripheral_connected(const char *address) {
  blec_world *w;
  blec_world_peripheral *p;
  int st = with_peripheral(address, &w, &p);
  if (st != BLEC_OK) return st;
  int c = blec_world_peripheral_connected(p) ? 1 : 0;
  blec_world_unref(w);
  return c;
}

void blec_winrt_sim_forget_cache(void) { sim_stack_forget_cache(); }

int64_t blec_winrt_sim_world_clock_us(void) {
  blec_world *w = sim_world_ref();
  if (!w) return 0;
  int64_t t = (int64_t)blec__world_now_us(w);
  blec_world_unref(w);
  return t;
}

int blec_winrt_sim_peripheral_set_mtu(const char *address, int mtu) {
  UINT64 a = 0;
  if (!address || !sim_addr_parse(address, &a) || mtu < 23 || mtu > 517) return BLEC_ERR_INVALID_ARG;
  return sim_stack_change_mtu(a, mtu);
}

static volatile LONG g_radio_unknown;

int blec_winrt_sim_set_radio_state_unknown(int unknown) {
  InterlockedExchange(&g_radio_unknown, unknown ? 1 : 0);
  return BLEC_OK;
}

static volatile LONG g_cannot_maintain;

int blec_winrt_sim_set_can_maintain_connection(int can) {
  InterlockedExchange(&g_cannot_maintain, can ? 0 : 1);
  return BLEC_OK;
}

bool sim_session_can_maintain(void) { return InterlockedCompareExchange(&g_cannot_maintain, 0, 0) == 0; }

static volatile LONG g_default_no_minimum;

int blec_winrt_sim_set_pairing_default_no_minimum(int on) {
  InterlockedExchange(&g_default_no_minimum, on ? 1 : 0);
  return BLEC_OK;
}

bool sim_pairing_default_has_no_minimum(void) { return InterlockedCompareExchange(&g_default_no_minimum, 0, 0) != 0; }

bool sim_radio_state_unknown(void) { return InterlockedCompareExchange(&g_radio_unknown, 0, 0) != 0; }

int blec_winrt_sim_models_connected_elsewhere(void) { return sim_stack_models_elsewhere() ? 1 : 0; }
