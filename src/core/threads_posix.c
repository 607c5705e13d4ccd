/* SPDX-License-Identifier: MIT */
/* threads_posix.c — threads.h on pthreads; the waitable is a non-blocking pipe; files with POSIX calls. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/threads.h"

int blec__mutex_init(blec__mutex *m) {
  return pthread_mutex_init(&m->m, NULL) == 0 ? BLEC_OK : BLEC_ERR_NO_MEMORY;
}
void blec__mutex_lock(blec__mutex *m) { pthread_mutex_lock(&m->m); }
bool blec__mutex_trylock(blec__mutex *m) { return pthread_mutex_trylock(&m->m) == 0; }
void blec__mutex_unlock(blec__mutex *m) { pthread_mutex_unlock(&m->m); }

void blec__thread_yield(void) { sched_yield(); }

void blec__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}
void blec__mutex_destroy(blec__mutex *m) { pthread_mutex_destroy(&m->m); }

int blec__cond_init(blec__cond *c) {
  pthread_condattr_t a;
  if (pthread_condattr_init(&a) != 0) return BLEC_ERR_NO_MEMORY;
  /* Monotonic, so that waits do not stretch or shrink when the wall clock is set. */
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  int r = pthread_cond_init(&c->c, &a);
  pthread_condattr_destroy(&a);
  return r == 0 ? BLEC_OK : BLEC_ERR_NO_MEMORY;
}
void blec__cond_wait(blec__cond *c, blec__mutex *m) { pthread_cond_wait(&c->c, &m->m); }
int blec__cond_timedwait(blec__cond *c, blec__mutex *m, int64_t timeout_ms) {
  if (timeout_ms < 0) {
    pthread_cond_wait(&c->c, &m->m);
    return BLEC_OK;
  }
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += (time_t)(timeout_ms / 1000);
  ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  int r = pthread_cond_timedwait(&c->c, &m->m, &ts);
  return r == ETIMEDOUT ? BLEC_ERR_TIMEOUT : BLEC_OK;
}
void blec__cond_signal(blec__cond *c) { pthread_cond_signal(&c->c); }
void blec__cond_broadcast(blec__cond *c) { pthread_cond_broadcast(&c->c); }
void blec__cond_destroy(blec__cond *c) { pthread_cond_destroy(&c->c); }

static void *thread_main(void *arg) {
  blec__thread *t = arg;
  t->fn(t->arg);
  return NULL;
}

int blec__thread_create(blec__thread *t, void (*fn)(void *), void *arg) {
  t->fn = fn;
  t->arg = arg;
  return pthread_create(&t->t, NULL, thread_main, t) == 0 ? BLEC_OK : BLEC_ERR_NO_MEMORY;
}
void blec__thread_join(blec__thread *t) { pthread_join(t->t, NULL); }

static _Thread_local char thread_marker;
uint64_t blec__thread_self(void) { return (uint64_t)(uintptr_t)&thread_marker; }

uint64_t blec__now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t blec__thread_cpu_us(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void blec__sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int blec__waitable_init(blec__waitable *w) {
  w->signalled = 0;
  if (pipe(w->fds) != 0) return BLEC_ERR_IO;
  for (int i = 0; i < 2; i++) {
    fcntl(w->fds[i], F_SETFL, fcntl(w->fds[i], F_GETFL) | O_NONBLOCK);
    fcntl(w->fds[i], F_SETFD, FD_CLOEXEC);
  }
  return BLEC_OK;
}

/* Level-triggered: one byte sits in the pipe while set. The caller serializes set/clear. */
void blec__waitable_set(blec__waitable *w) {
  if (w->signalled) return;
  char b = 1;
  while (write(w->fds[1], &b, 1) < 0 && errno == EINTR) {
  }
  w->signalled = 1;
}
void blec__waitable_clear(blec__waitable *w) {
  if (!w->signalled) return;
  char buf[16];
  while (read(w->fds[0], buf, sizeof buf) > 0) {
  }
  w->signalled = 0;
}
blec_os_handle blec__waitable_handle(const blec__waitable *w) { return (blec_os_handle)w->fds[0]; }
void blec__waitable_destroy(blec__waitable *w) {
  close(w->fds[0]);
  close(w->fds[1]);
}

/* ---- files ------------------------------------------------------------------------- */

bool blec__user_state_dir(char *buf, size_t size) {
  const char *xdg = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  int n;
  /* The XDG Base Directory Specification: a relative XDG_STATE_HOME is to be ignored. */
  if (xdg && xdg[0] == '/')
    n = snprintf(buf, size, "%s/blec", xdg);
  else if (home && home[0])
    n = snprintf(buf, size, "%s/.local/state/blec", home);
  else
    return false;
  return n > 0 && (size_t)n < size;
}

int blec__make_dirs(const char *path) {
  char tmp[4096];
  size_t len = strlen(path);
  if (len == 0 || len >= sizeof tmp) return BLEC_ERR_IO;
  memcpy(tmp, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0') continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return BLEC_ERR_IO;
    tmp[i] = c;
  }
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? BLEC_OK : BLEC_ERR_IO;
}

int blec__file_replace(const char *from, const char *to) {
  return rename(from, to) == 0 ? BLEC_OK : BLEC_ERR_IO;
}

unsigned long blec__process_id(void) { return (unsigned long)getpid(); }
