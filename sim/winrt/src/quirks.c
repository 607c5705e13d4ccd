/* SPDX-License-Identifier: MIT */
/*
 * quirks.c — the switches that make the stack play the hard parts of Windows
 * (blec_winrt_sim_quirk in include/blec_winrt_sim.h; sources in README.md). Each is an int
 * read lock-free by the code that plays it; all are off unless a test, a world file's
 * `windows` block or BLEC_WINRT_SIM_HOSTILE=1 turns them on.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "blec_winrt_sim.h"

static volatile LONG g_quirk[BLEC_WINRT_SIM_QUIRK_END_];
static INIT_ONCE g_env_once = INIT_ONCE_STATIC_INIT;

/* Largest value each quirk takes (0 for unknown numbers). */
static int quirk_max(int q) {
  switch ((blec_winrt_sim_quirk)q) {
  case BLEC_WINRT_SIM_QUIRK_LATE_CANCEL: return SIM_LATE_CANCEL_NEVER;
  case BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS: return 600000;
  case BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS: return 600000;
  case BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD: return 99999;
  case BLEC_WINRT_SIM_QUIRK_CONNECT_ON_REQUEST:
  case BLEC_WINRT_SIM_QUIRK_STATUS_FLAP:
  case BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED:
  case BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS:
  case BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION:
  case BLEC_WINRT_SIM_QUIRK_HELD_ELSEWHERE:
  case BLEC_WINRT_SIM_QUIRK_DEVICE_HOLDS_LINK: return 1;
  }
  return 0;
}

/* BLEC_WINRT_SIM_HOSTILE=1: every quirk on with values hostile but finite, chosen so that
 * a correct client still passes every test (a Cancel that completes late, not never). */
static BOOL CALLBACK read_env(PINIT_ONCE once, void *param, void **ctx) {
  (void)once, (void)param, (void)ctx;
  const char *h = getenv("BLEC_WINRT_SIM_HOSTILE");
  if (!h || strcmp(h, "1") != 0) return TRUE;
  g_quirk[BLEC_WINRT_SIM_QUIRK_LATE_CANCEL] = SIM_LATE_CANCEL_WHEN_DONE;
  g_quirk[BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS] = 300;
  g_quirk[BLEC_WINRT_SIM_QUIRK_CONNECT_ON_REQUEST] = 1;
  g_quirk[BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS] = 300;
  g_quirk[BLEC_WINRT_SIM_QUIRK_STATUS_FLAP] = 1;
  g_quirk[BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED] = 1;
  g_quirk[BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS] = 1;
  g_quirk[BLEC_WINRT_SIM_QUIRK_DEVICE_HOLDS_LINK] = 1;
  const char *mode = getenv("BLEC_WINRT_SIM_HANDLE_MODE");
  g_quirk[BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION] = mode && !strcmp(mode, "declaration") ? 1 : 0;
  return TRUE;
}

static void quirks_init(void) { InitOnceExecuteOnce(&g_env_once, read_env, NULL, NULL); }

int sim_quirk(int q) {
  quirks_init();
  if (q <= 0 || q >= BLEC_WINRT_SIM_QUIRK_END_) return 0;
  return (int)InterlockedCompareExchange(&g_quirk[q], 0, 0);
}

HRESULT blec_winrt_sim_set_quirk(int quirk, int value) {
  quirks_init();
  if (quirk <= 0 || quirk >= BLEC_WINRT_SIM_QUIRK_END_) return E_INVALIDARG;
  if (value < 0 || value > quirk_max(quirk)) return E_INVALIDARG;
  InterlockedExchange(&g_quirk[quirk], value);
  return S_OK;
}

int blec_winrt_sim_get_quirk(int quirk) { return sim_quirk(quirk); }

void sim_quirk_close_blocks(void) {
  int ms = sim_quirk(BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS);
  /* The simulated OS being slow, not a test waiting: Close really takes this long. */
  if (ms > 0) Sleep((DWORD)ms);
}
