/* SPDX-License-Identifier: MIT */
/*
 * winrt_pool.h — the threads of the `winrt` backend, on src/core's thread layer: a pool
 * of worker threads in the multi-threaded apartment that make every WinRT call, strands
 * (work items of one object run one at a time, in order, on the pool), and bounded
 * synchronous calls into the pool for the few requests that must answer at once.
 *
 * Nothing here waits without a bound: a call gives up after its budget (the work goes on
 * and frees its own block when it ends), and freeing a pool whose work does not end
 * abandons it (its last thread frees it). The caller logs what it gave up on.
 *
 * Independent of WinRT's headers, so that tests can drive it alone.
 */
#ifndef BLEC_WINRT_POOL_H
#define BLEC_WINRT_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/threads.h"

typedef struct wr_pool wr_pool;
typedef void (*wr_fn)(void *arg);

/** A new pool without threads (they start with the first work). BLEC_OK or BLEC_ERR_NO_MEMORY. */
int wr_pool_new(wr_pool **out);
/**
 * Lets queued and running work end for at most wait_ms, then stops the threads and frees
 * the pool: true. When work is still running then, the pool is abandoned instead (its last
 * thread frees it once that work returns, and queued work is dropped): false.
 */
bool wr_pool_free(wr_pool *p, int wait_ms);
/** Queues fn(arg): BLEC_OK, or an error (no memory, pool stopping, no thread could start). */
int wr_post(wr_pool *p, wr_fn fn, void *arg);
/** True on one of p's threads. */
bool wr_on_pool(const wr_pool *p);
/** Threads of the pool waiting for work now (tests). */
int wr_pool_idle_threads(wr_pool *p);
/** Threads of the pool (tests). */
int wr_pool_threads(wr_pool *p);

/*
 * Strands: the work items of one object, run one at a time in the order posted, on the
 * pool. An all-zero strand is ready to use. While items are queued or running, the strand
 * holds its owner (hold/release, e.g. a client reference), so the memory it lives in
 * stays valid.
 */
typedef struct wr_strand_item wr_strand_item;
typedef struct wr_strand {
  blec__mutex lock;
  wr_strand_item *head, *tail;
  bool running;
} wr_strand;
typedef struct wr_strand_owner {
  void (*hold)(void *owner);
  void (*release)(void *owner);
  void *owner;
} wr_strand_owner;
int wr_strand_post(wr_pool *p, wr_strand *s, const wr_strand_owner *owner, wr_fn fn, void *arg);

/*
 * Bounded synchronous calls. fn runs on another pool thread (also when called from one:
 * the pool grows while its threads are busy) with a private copy of the `size` bytes at args; once it returned, the copy is
 * written back to args. fn must not keep pointers into the caller's memory: the caller
 * may give up first. BLEC_OK; BLEC_ERR_TIMEOUT when fn had not returned within timeout_ms
 * (it still runs to its end, on its copy); or the error of posting it.
 */
int wr_call(wr_pool *p, wr_fn fn, void *args, size_t size, int timeout_ms);
/** Same through a strand (after what is queued there). */
int wr_strand_call(wr_pool *p, wr_strand *s, const wr_strand_owner *owner, wr_fn fn, void *args, size_t size,
                   int timeout_ms);

/*
 * Waits that must never happen inside a callback from Windows' thread pool (issue 10,
 * defect 6): the backend marks its event handlers (wr_callback_enter/leave) and every
 * wait of the backend checks the mark; a wait inside a callback is logged by the caller
 * and counted here.
 */
void wr_callback_enter(void);
void wr_callback_leave(void);
/** True inside a WinRT event handler or completion of the backend on this thread. */
bool wr_in_callback(void);
/** Counts a wait made inside a callback; returns the new count. */
long wr_note_wait_in_callback(void);
/** Waits made inside callbacks since the process started (tests assert it stays 0). */
long wr_waits_in_callbacks(void);

#endif /* BLEC_WINRT_POOL_H */
