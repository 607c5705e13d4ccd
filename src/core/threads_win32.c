/* SPDX-License-Identifier: MIT */
/*
 * threads_win32.c — threads.h on Win32: SRW locks, condition variables, _beginthreadex,
 * QueryPerformanceCounter; the waitable is a manual-reset event (signalled while set).
 */
#include <process.h>
#include <stdio.h>
#include <string.h>

#include "core/threads.h"

int blec__mutex_init(blec__mutex *m) {
  InitializeSRWLock(&m->lock);
  return BLEC_OK;
}
void blec__mutex_lock(blec__mutex *m) { AcquireSRWLockExclusive(&m->lock); }
bool blec__mutex_trylock(blec__mutex *m) { return TryAcquireSRWLockExclusive(&m->lock) != 0; }
void blec__cpu_relax(void) { YieldProcessor(); }
void blec__thread_yield(void) { SwitchToThread(); }
void blec__mutex_unlock(blec__mutex *m) { ReleaseSRWLockExclusive(&m->lock); }
void blec__mutex_destroy(blec__mutex *m) { (void)m; /* SRW locks hold no resources */ }

int blec__cond_init(blec__cond *c) {
  InitializeConditionVariable(&c->cv);
  return BLEC_OK;
}
void blec__cond_wait(blec__cond *c, blec__mutex *m) {
  SleepConditionVariableSRW(&c->cv, &m->lock, INFINITE, 0);
}
int blec__cond_timedwait(blec__cond *c, blec__mutex *m, int64_t timeout_ms) {
  if (timeout_ms < 0) {
    SleepConditionVariableSRW(&c->cv, &m->lock, INFINITE, 0);
    return BLEC_OK;
  }
  /* INFINITE is 0xFFFFFFFF: longer waits are cut short, which callers treat as a spurious
   * wake-up (they re-check their predicate and deadline). */
  DWORD ms = timeout_ms >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)timeout_ms;
  if (SleepConditionVariableSRW(&c->cv, &m->lock, ms, 0)) return BLEC_OK;
  return GetLastError() == ERROR_TIMEOUT ? BLEC_ERR_TIMEOUT : BLEC_OK;
}
void blec__cond_signal(blec__cond *c) { WakeConditionVariable(&c->cv); }
void blec__cond_broadcast(blec__cond *c) { WakeAllConditionVariable(&c->cv); }
void blec__cond_destroy(blec__cond *c) { (void)c; }

static unsigned __stdcall thread_main(void *arg) {
  blec__thread *t = arg;
  t->fn(t->arg);
  return 0;
}

int blec__thread_create(blec__thread *t, void (*fn)(void *), void *arg) {
  t->fn = fn;
  t->arg = arg;
  /* _beginthreadex, not CreateThread: the thread may use the C runtime. */
  uintptr_t h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
  if (h == 0) return BLEC_ERR_NO_MEMORY;
  t->h = (HANDLE)h;
  return BLEC_OK;
}
void blec__thread_join(blec__thread *t) {
  WaitForSingleObject(t->h, INFINITE);
  CloseHandle(t->h);
  t->h = NULL;
}
/* Thread ids are unique among live threads and never 0. */
uint64_t blec__thread_self(void) { return (uint64_t)GetCurrentThreadId(); }

uint64_t blec__now_us(void) {
  static volatile LONGLONG freq; /* counts per second; constant after boot */
  LONGLONG f = freq;
  if (f == 0) {
    LARGE_INTEGER q;
    QueryPerformanceFrequency(&q); /* never fails on Windows XP and later */
    f = q.QuadPart;
    freq = f;
  }
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  /* Split to avoid overflowing count * 1e6. */
  uint64_t n = (uint64_t)c.QuadPart, uf = (uint64_t)f;
  return n / uf * 1000000u + n % uf * 1000000u / uf;
}

uint64_t blec__thread_cpu_us(void) {
  FILETIME created, exited, kernel, user;
  if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) return 0;
  uint64_t k = ((uint64_t)kernel.dwHighDateTime << 32) | kernel.dwLowDateTime;
  uint64_t u = ((uint64_t)user.dwHighDateTime << 32) | user.dwLowDateTime;
  return (k + u) / 10u; /* 100 ns units */
}

void blec__sleep_ms(int ms) { Sleep(ms > 0 ? (DWORD)ms : 0); }

int blec__waitable_init(blec__waitable *w) {
  /* Manual reset: stays signalled until cleared, as the level-triggered contract says. */
  w->event = CreateEventW(NULL, TRUE, FALSE, NULL);
  return w->event ? BLEC_OK : BLEC_ERR_IO;
}
void blec__waitable_set(blec__waitable *w) { SetEvent(w->event); }
void blec__waitable_clear(blec__waitable *w) { ResetEvent(w->event); }
blec_os_handle blec__waitable_handle(const blec__waitable *w) { return (blec_os_handle)(intptr_t)w->event; }
void blec__waitable_destroy(blec__waitable *w) {
  if (w->event) CloseHandle(w->event);
  w->event = NULL;
}

/* ---- files ------------------------------------------------------------------------- */

bool blec__user_state_dir(char *buf, size_t size) {
  char base[MAX_PATH];
  DWORD n = GetEnvironmentVariableA("LOCALAPPDATA", base, sizeof base);
  if (n == 0 || n >= sizeof base) return false;
  int w = snprintf(buf, size, "%s\\blec", base);
  return w > 0 && (size_t)w < size;
}

int blec__make_dirs(const char *path) {
  char tmp[4096];
  size_t len = strlen(path);
  if (len == 0 || len >= sizeof tmp) return BLEC_ERR_IO;
  memcpy(tmp, path, len + 1);
  /* From the third character on: "C:\" itself is never created. */
  for (size_t i = 3; i <= len; i++) {
    if (tmp[i] != '\\' && tmp[i] != '/' && tmp[i] != '\0') continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (!CreateDirectoryA(tmp, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) return BLEC_ERR_IO;
    tmp[i] = c;
  }
  DWORD attr = GetFileAttributesA(path);
  return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY) ? BLEC_OK : BLEC_ERR_IO;
}

int blec__file_replace(const char *from, const char *to) {
  return MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) ? BLEC_OK : BLEC_ERR_IO;
}

unsigned long blec__process_id(void) { return (unsigned long)GetCurrentProcessId(); }
