/* SPDX-License-Identifier: MIT */
/*
 * threads.h — the one place where platforms differ: mutexes, condition variables,
 * threads, the monotonic clock, the waitable handle of queued delivery, and the few file
 * system calls the library makes (the user's state directory, the virtual backend's
 * bond store).
 * threads_posix.c implements it with pthreads and a pipe; threads_win32.c with Win32
 * SRW locks, condition variables and an event HANDLE. No other file tests _WIN32
 * (except the winrt backend).
 */
#ifndef BLEC_CORE_THREADS_H
#define BLEC_CORE_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef struct blec__mutex { SRWLOCK lock; } blec__mutex;
typedef struct blec__cond { CONDITION_VARIABLE cv; } blec__cond;
typedef struct blec__thread { HANDLE h; void (*fn)(void *); void *arg; } blec__thread;
typedef struct blec__waitable { HANDLE event; } blec__waitable;
#else
#include <pthread.h>
typedef struct blec__mutex { pthread_mutex_t m; } blec__mutex;
typedef struct blec__cond { pthread_cond_t c; } blec__cond;
typedef struct blec__thread { pthread_t t; void (*fn)(void *); void *arg; } blec__thread;
typedef struct blec__waitable { int fds[2]; int signalled; } blec__waitable;
#endif

/* Mutexes are not recursive. init returns BLEC_OK or BLEC_ERR_NO_MEMORY. */
int blec__mutex_init(blec__mutex *m);
void blec__mutex_lock(blec__mutex *m);
/** Takes the mutex if it is free; true when taken. */
bool blec__mutex_trylock(blec__mutex *m);
/** A pause inside a spin loop: the core does not hammer a line another core holds. */
void blec__cpu_relax(void);
/** Gives the processor to another runnable thread, if any (sched_yield, SwitchToThread). */
void blec__thread_yield(void);
void blec__mutex_unlock(blec__mutex *m);
void blec__mutex_destroy(blec__mutex *m);

int blec__cond_init(blec__cond *c);
void blec__cond_wait(blec__cond *c, blec__mutex *m);
/** Waits at most timeout_ms (< 0: for ever). BLEC_OK when woken (maybe spuriously), BLEC_ERR_TIMEOUT. */
int blec__cond_timedwait(blec__cond *c, blec__mutex *m, int64_t timeout_ms);
void blec__cond_signal(blec__cond *c);
void blec__cond_broadcast(blec__cond *c);
void blec__cond_destroy(blec__cond *c);

/** Starts fn(arg) on a new thread. */
int blec__thread_create(blec__thread *t, void (*fn)(void *), void *arg);
void blec__thread_join(blec__thread *t);
/** An identifier of the calling thread, unique among live threads, never 0. */
uint64_t blec__thread_self(void);

/** Monotonic clock in microseconds. */
uint64_t blec__now_us(void);
/** CPU time the calling thread used, in microseconds (benchmarks: cost without waits). */
uint64_t blec__thread_cpu_us(void);
void blec__sleep_ms(int ms);

/*
 * Waitable: a level-triggered flag the program can wait on with its own loop (poll() on
 * the fd / WaitForSingleObject on the HANDLE). set/clear are idempotent and thread-safe
 * under the caller's lock.
 */
int blec__waitable_init(blec__waitable *w);
void blec__waitable_set(blec__waitable *w);
void blec__waitable_clear(blec__waitable *w);
blec_os_handle blec__waitable_handle(const blec__waitable *w);
void blec__waitable_destroy(blec__waitable *w);

/*
 * Files. Paths are UTF-8 on POSIX and the ANSI code page on Windows.
 */
/**
 * The directory where blec keeps state for the user, "<base>/blec": base is
 * $XDG_STATE_HOME, else $HOME/.local/state (POSIX), %LOCALAPPDATA% (Windows). Not
 * created. false when none is known (no variable set) or it does not fit in buf.
 */
bool blec__user_state_dir(char *buf, size_t size);
/** Creates the directory `path` and its missing parents (owner-only on POSIX). BLEC_OK or BLEC_ERR_IO. */
int blec__make_dirs(const char *path);
/** Moves the file `from` over `to` in one step (readers see the old or the new file). */
int blec__file_replace(const char *from, const char *to);
/** The process id, for names of temporary files. */
unsigned long blec__process_id(void);
#endif /* BLEC_CORE_THREADS_H */
