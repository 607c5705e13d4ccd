/* SPDX-License-Identifier: MIT */
/*
 * world_parse_windows.c — `windows KEY VALUE` lines: how the simulated Windows stack
 * (sim/winrt) plays the hard parts of Windows in this world (docs/world-format.md).
 * The world engine only keeps them (blec__world_windows); other stacks ignore them.
 */
#include <string.h>

#include "world/world_parse.h"

typedef enum value_kind { VALUE_FLAG, VALUE_DURATION, VALUE_CANCEL, VALUE_BUILD } value_kind;

static const struct {
  const char *key;
  blec__wwin what;
  value_kind kind;
} keys[] = {
    {"late-cancel", BLEC__WWIN_LATE_CANCEL, VALUE_CANCEL},
    {"close-blocks", BLEC__WWIN_CLOSE_BLOCKS_MS, VALUE_DURATION},
    {"connect-on-request", BLEC__WWIN_CONNECT_ON_REQUEST, VALUE_FLAG},
    {"link-lingers", BLEC__WWIN_LINK_LINGERS_MS, VALUE_DURATION},
    {"status-flap", BLEC__WWIN_STATUS_FLAP, VALUE_FLAG},
    {"events-unordered", BLEC__WWIN_EVENTS_UNORDERED, VALUE_FLAG},
    {"watcher-start-fails", BLEC__WWIN_WATCHER_START_FAILS, VALUE_FLAG},
    {"handle-is-declaration", BLEC__WWIN_HANDLE_IS_DECLARATION, VALUE_FLAG},
    {"build", BLEC__WWIN_BUILD, VALUE_BUILD},
    {"held-elsewhere", BLEC__WWIN_HELD_ELSEWHERE, VALUE_FLAG},
    {"device-holds-link", BLEC__WWIN_DEVICE_HOLDS_LINK, VALUE_FLAG},
};

/* Longest Close / linger the stack plays (10 minutes). */
#define WINDOWS_MAX_MS 600000

static int parse_value(blec__wparser *ps, const char *key, value_kind kind, const char *t, int *out) {
  bool b;
  int64_t v;
  switch (kind) {
    case VALUE_FLAG:
      if (blec__wp_bool(ps, key, t, &b)) return BLEC_ERR_PARSE;
      *out = b ? 1 : 0;
      return BLEC_OK;
    case VALUE_DURATION:
      if (blec__wp_duration(ps, key, t, &v)) return BLEC_ERR_PARSE;
      if (v > WINDOWS_MAX_MS) return blec__wp_fail(ps, "'%s' too long: %.30s (at most 10min)", key, t);
      *out = (int)v;
      return BLEC_OK;
    case VALUE_CANCEL:
      if (!strcmp(t, "off")) *out = 0;
      else if (!strcmp(t, "when-done")) *out = 1;
      else if (!strcmp(t, "never")) *out = 2;
      else return blec__wp_fail(ps, "bad value '%.30s' for 'late-cancel' (expected off, when-done or never)", t);
      return BLEC_OK;
    case VALUE_BUILD:
      /* 0 is the newest; else a Windows 10 or 11 build (10240 is the first). */
      if (blec__wp_int(ps, key, t, 0, 99999, &v)) return BLEC_ERR_PARSE;
      if (v != 0 && v < 10240) return blec__wp_fail(ps, "bad build '%.30s' (expected 0 or 10240..99999)", t);
      *out = (int)v;
      return BLEC_OK;
  }
  return blec__wp_fail(ps, "bad value for '%s'", key);
}

int blec__wp_kw_windows(blec__wparser *ps, char **t, size_t n) {
  if (n != 3)
    return blec__wp_fail(ps, "wrong arguments for 'windows' (expected: windows KEY VALUE, as windows close-blocks 300ms)");
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (strcmp(t[1], keys[i].key) != 0) continue;
    int v = 0;
    if (parse_value(ps, keys[i].key, keys[i].kind, t[2], &v)) return BLEC_ERR_PARSE;
    blec__mutex_lock(&ps->w->lock);
    ps->w->windows[keys[i].what] = v;
    ps->w->windows_set[keys[i].what] = true;
    blec__mutex_unlock(&ps->w->lock);
    return BLEC_OK;
  }
  return blec__wp_fail(ps, "unknown Windows setting '%.30s' (expected a key of 'windows' in docs/world-format.md)", t[1]);
}
