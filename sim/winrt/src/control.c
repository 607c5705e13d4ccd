/* SPDX-License-Identifier: MIT */
/*
 * control.c — the stack's bookkeeping: the list of live COM objects (every test ends by
 * checking it is empty) and the record of the apartments of calling threads, with the
 * opt-in strict mode that fails calls from outside the multi-threaded apartment. Wine
 * ignores a class's threading model, so this is where apartment mistakes get caught.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

#include "blec_winrt_sim.h"

/* ---- live objects ----------------------------------------------------------------------- */

static SRWLOCK g_live_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE g_live_none = CONDITION_VARIABLE_INIT; /* g_live_count reached 0 */
static sim_obj *g_live_head;
static long g_live_count;

void sim_live_add(sim_obj *obj) {
  AcquireSRWLockExclusive(&g_live_lock);
  obj->live_prev = NULL;
  obj->live_next = g_live_head;
  if (g_live_head) g_live_head->live_prev = obj;
  g_live_head = obj;
  g_live_count++;
  ReleaseSRWLockExclusive(&g_live_lock);
}

void sim_live_remove(sim_obj *obj) {
  AcquireSRWLockExclusive(&g_live_lock);
  if (obj->live_prev)
    obj->live_prev->live_next = obj->live_next;
  else
    g_live_head = obj->live_next;
  if (obj->live_next) obj->live_next->live_prev = obj->live_prev;
  g_live_count--;
  if (g_live_count == 0) WakeAllConditionVariable(&g_live_none);
  ReleaseSRWLockExclusive(&g_live_lock);
}

long blec_winrt_sim_wait_no_live_objects(int timeout_ms) {
  ULONGLONG deadline = GetTickCount64() + (ULONGLONG)(timeout_ms > 0 ? timeout_ms : 0);
  AcquireSRWLockExclusive(&g_live_lock);
  while (g_live_count > 0 && GetTickCount64() < deadline)
    SleepConditionVariableSRW(&g_live_none, &g_live_lock, (DWORD)(deadline - GetTickCount64()), 0);
  long n = g_live_count;
  ReleaseSRWLockExclusive(&g_live_lock);
  return n;
}

long blec_winrt_sim_live_objects(void) {
  AcquireSRWLockShared(&g_live_lock);
  long n = g_live_count;
  ReleaseSRWLockShared(&g_live_lock);
  return n;
}

long blec_winrt_sim_live_objects_dump(char *buf, size_t size) {
  size_t used = 0;
  if (buf && size) buf[0] = 0;
  AcquireSRWLockShared(&g_live_lock);
  long n = g_live_count;
  for (sim_obj *o = g_live_head; o && buf && size; o = o->live_next) {
    char line[160];
    int k = snprintf(line, sizeof line, "%ls (%ld)\n", o->cls->name, (long)o->refs);
    if (k < 0 || used + (size_t)k >= size) break;
    memcpy(buf + used, line, (size_t)k + 1);
    used += (size_t)k;
  }
  ReleaseSRWLockShared(&g_live_lock);
  return n;
}

void blec_winrt_sim_drain(void) { sim_work_drain(); }

/* ---- apartments --------------------------------------------------------------------------- */

static volatile LONG g_strict;
static LONG64 g_calls[6]; /* mta, implicit mta, sta, other, none, refused */
static SRWLOCK g_apt_lock = SRWLOCK_INIT;
static DWORD g_last_thread;
static char g_last_method[64];

HRESULT sim_enter(const char *method) {
  APTTYPE type;
  APTTYPEQUALIFIER qual;
  int k;
  HRESULT hr = CoGetApartmentType(&type, &qual);
  if (FAILED(hr))
    k = 4;
  else if (type == APTTYPE_MTA)
    k = qual == APTTYPEQUALIFIER_IMPLICIT_MTA ? 1 : 0;
  else if (type == APTTYPE_STA || type == APTTYPE_MAINSTA)
    k = 2;
  else
    k = 3;
  InterlockedIncrement64(&g_calls[k]);
  if (k <= 1) return S_OK;
  AcquireSRWLockExclusive(&g_apt_lock);
  g_last_thread = GetCurrentThreadId();
  snprintf(g_last_method, sizeof g_last_method, "%s", method);
  ReleaseSRWLockExclusive(&g_apt_lock);
  if (!g_strict) return S_OK;
  InterlockedIncrement64(&g_calls[5]);
  return RPC_E_WRONG_THREAD;
}

void blec_winrt_sim_set_apartment_strict(int on) { InterlockedExchange(&g_strict, on ? 1 : 0); }

void blec_winrt_sim_get_apartment_stats(blec_winrt_sim_apartment_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  out->calls_mta = InterlockedCompareExchange64(&g_calls[0], 0, 0);
  out->calls_implicit_mta = InterlockedCompareExchange64(&g_calls[1], 0, 0);
  out->calls_sta = InterlockedCompareExchange64(&g_calls[2], 0, 0);
  out->calls_other = InterlockedCompareExchange64(&g_calls[3], 0, 0);
  out->calls_no_apartment = InterlockedCompareExchange64(&g_calls[4], 0, 0);
  out->calls_refused = InterlockedCompareExchange64(&g_calls[5], 0, 0);
  AcquireSRWLockShared(&g_apt_lock);
  out->last_off_mta_thread = g_last_thread;
  memcpy(out->last_off_mta_method, g_last_method, sizeof out->last_off_mta_method);
  ReleaseSRWLockShared(&g_apt_lock);
}

void blec_winrt_sim_reset_apartment_stats(void) {
  for (int i = 0; i < 6; i++) InterlockedExchange64(&g_calls[i], 0);
  AcquireSRWLockExclusive(&g_apt_lock);
  g_last_thread = 0;
  g_last_method[0] = 0;
  ReleaseSRWLockExclusive(&g_apt_lock);
}
