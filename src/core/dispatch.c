/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c — the one queue through which every user callback of a context runs, in
 * order, one at a time: on the dispatch thread (BLEC_DELIVERY_THREAD) or in
 * blec_ctx_dispatch on the program's thread (BLEC_DELIVERY_QUEUED, woken through the
 * waitable handle). Blocking calls never wait on this queue (they wait on their op), so a
 * callback may make any blocking call without deadlock.
 *
 * Cost model (issue 9, "the dispatcher: bounded and cheap"): a producer takes the lock
 * once per value, copies the value into a slot its stream allocated earlier, appends a
 * two-pointer entry to a ring, and signals (after unlocking) only a dispatcher that
 * sleeps; in queued mode it raises the handle only while no thread is inside
 * blec_ctx_dispatch. The dispatcher takes up to BATCH entries per lock round trip,
 * copying byte values into its own buffer so the slots are free again at once, and runs
 * them without the lock. Before sleeping the thread polls briefly: under a steady stream
 * the next value is microseconds away; and a small batch gathers for a moment first, so
 * that the lock and the values do not cross the cores once per value. The producer's
 * dearest cost is a wake-up (a system call): bench/README.md, "The dispatcher's cost".
 *
 * "No callback after stop/free returns" (issue 13, item 9): the runner publishes which
 * owner and stream it is about to call back (sequentially consistent stores) before it
 * checks that the stream or owner is still open; closing does the opposite (mark closed,
 * then look at what runs) and waits while it is the one running. One of the two always
 * sees the other.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define BATCH 64
#define FIRST_SLOTS 16
#define SPIN_US 30
/* A runner that found work lets a batch gather (gather()): GATHER_SHORT_US after a batch
 * of one value, GATHER_LONG_US after a batch of several (a stream). */
#define GATHER_SHORT_US 3
#define GATHER_LONG_US 15
/* blec_ctx_dispatch called again this soon after a call that ran: a loop keeping up. */
#define RECALL_US 3
#define BYTES_FIRST 4096

static void dispatch_thread(void *arg);

/*
 * The dispatcher's lock is held for a few hundred nanoseconds at most (a push, a batch of
 * 64 entries); a thread that finds it taken tries again for a moment before sleeping on
 * it: a futex sleep and wake-up would cost more than the wait. It pauses between tries: a
 * try is a write to the lock's cache line, and back-to-back tries took the line from the
 * holder, slowing it (notify.core on an idle 2-core machine: 2.1 -> 4.2 M/s with the pause).
 */
#define LOCK_SPINS 200

static void lock_d(blec__dispatcher *d) {
  for (int i = 0; i < LOCK_SPINS; i++) {
    if (blec__mutex_trylock(&d->lock)) return;
    for (int k = 0; k < 16; k++) blec__cpu_relax();
  }
  blec__mutex_lock(&d->lock);
}

int blec__dispatcher_init(blec__dispatcher *d, blec_delivery mode) {
  memset(d, 0, sizeof *d);
  d->mode = mode;
  atomic_init(&d->spin_us, SPIN_US);
  atomic_init(&d->pending, 0);
  atomic_init(&d->runner, 0);
  atomic_init(&d->running_owner, NULL);
  atomic_init(&d->running_stream, NULL);
  atomic_init(&d->waiters, 0);
  d->batch = malloc(BATCH * sizeof *d->batch);
  d->bytes_cap = BYTES_FIRST; /* room for a batch of notifications of any ATT size */
  d->bytes = malloc(d->bytes_cap);
  if (!d->batch || !d->bytes) {
    free(d->batch);
    free(d->bytes);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__mutex_init(&d->lock) != BLEC_OK) goto fail_batch;
  if (blec__cond_init(&d->cond) != BLEC_OK) goto fail_mutex;
  if (blec__cond_init(&d->idle) != BLEC_OK) goto fail_cond;
  if (blec__waitable_init(&d->waitable) != BLEC_OK) goto fail_idle;
  if (mode == BLEC_DELIVERY_THREAD) {
    if (blec__thread_create(&d->thread, dispatch_thread, d) != BLEC_OK) goto fail_waitable;
    d->thread_started = true;
  }
  return BLEC_OK;
fail_waitable:
  blec__waitable_destroy(&d->waitable);
fail_idle:
  blec__cond_destroy(&d->idle);
fail_cond:
  blec__cond_destroy(&d->cond);
fail_mutex:
  blec__mutex_destroy(&d->lock);
fail_batch:
  free(d->batch);
  free(d->bytes);
  return BLEC_ERR_NO_MEMORY;
}

/* ---- the ring of entries (lock held) ------------------------------------------------- */

static bool q_push(blec__dispatcher *d, blec__qentry e) {
  if (d->qcount == d->qcap) {
    size_t ncap = d->qcap ? d->qcap * 2 : 256;
    blec__qentry *nq = malloc(ncap * sizeof *nq);
    if (!nq) return false;
    for (size_t i = 0; i < d->qcount; i++) nq[i] = d->q[(d->qhead + i) % d->qcap];
    free(d->q);
    d->q = nq;
    d->qcap = ncap;
    d->qhead = 0;
  }
  d->q[(d->qhead + d->qcount) % d->qcap] = e;
  /* Only the empty -> not empty change is published: a spinning runner reads this line,
   * and a write per value would bounce it between the cores. */
  if (d->qcount++ == 0) atomic_store_explicit(&d->pending, 1, memory_order_release);
  return true;
}

static blec__qentry q_pop(blec__dispatcher *d) {
  blec__qentry e = d->q[d->qhead];
  d->qhead = (d->qhead + 1) % d->qcap;
  d->qcount--;
  return e;
}

/*
 * Work arrived (lock held): queued mode raises the handle; true when the runner sleeps and
 * must be signalled. The caller signals after unlocking (wake_runner): signalled under the
 * lock, the runner would wake only to block on the lock still held, and the unlock would
 * then cost a second futex call to wake it again.
 */
static bool work_arrived_locked(blec__dispatcher *d) {
  /* A thread inside blec_ctx_dispatch takes the work, or raises the handle when it
   * returns (run_leave_locked): no pipe write per value while the program dispatches. */
  if (d->mode == BLEC_DELIVERY_QUEUED && !d->runs) blec__waitable_set(&d->waitable); /* no-op while set */
  if (!d->sleeping) return false;
  d->sleeping = false; /* one signal per sleep: later pushes see it awake */
  d->wakeups++;
  return true;
}

/* The signal of a runner that work_arrived_locked found asleep (lock released). The
 * dispatcher outlives its producers (blec_ctx_free refuses while objects live). */
static void wake_runner(blec__dispatcher *d, bool sleeping) {
  if (sleeping) blec__cond_signal(&d->cond);
}

/* ---- events ---------------------------------------------------------------------------- */

void blec__dispatcher_post_for(blec__dispatcher *d, blec__event *ev, const void *owner) {
  ev->owner = owner;
  lock_d(d);
  bool queued = !d->stopping && q_push(d, (blec__qentry){ev, NULL});
  bool wake = queued && work_arrived_locked(d);
  blec__mutex_unlock(&d->lock);
  wake_runner(d, wake);
  if (!queued) ev->drop(ev);
}

void blec__dispatcher_post(blec__dispatcher *d, blec__event *ev) { blec__dispatcher_post_for(d, ev, NULL); }

/* ---- streams ---------------------------------------------------------------------------- */

bool blec__callback_queue_valid(size_t capacity, blec_overflow policy) {
  return capacity >= 1 && capacity <= BLEC_MAX_CALLBACK_QUEUE &&
         (policy == BLEC_OVERFLOW_DROP_OLDEST || policy == BLEC_OVERFLOW_DROP_NEWEST);
}

void blec__stream_init(blec__stream *s, const blec__stream_kind *kind, const void *owner, size_t capacity,
                       blec_overflow policy, _Atomic uint64_t *drops) {
  s->kind = kind;
  s->owner = owner;
  s->bytes = kind->deliver_bytes != NULL;
  s->capacity = capacity ? capacity : 1;
  s->policy = policy;
  s->drops = drops;
  atomic_init(&s->closed, false);
  s->ptr_slots = NULL;
  s->byte_slots = NULL;
  s->nslots = s->head = s->count = s->entries = s->in_flight = 0;
  s->done = s->spare = NULL;
  s->ndone = s->done_cap = s->spare_cap = 0;
  s->released = s->warned = false;
}

/* Room for one more value: the ring doubles up to the stream's capacity, its slots in
 * order from the oldest. */
static bool slots_grow(blec__stream *s) {
  size_t n = s->nslots ? s->nslots * 2 : FIRST_SLOTS;
  if (n > s->capacity) n = s->capacity;
  if (n <= s->nslots) return false;
  size_t size = s->bytes ? sizeof(blec__byte_slot) : sizeof(blec__ptr_slot);
  unsigned char *old = s->bytes ? (unsigned char *)s->byte_slots : (unsigned char *)s->ptr_slots;
  unsigned char *ns = calloc(n, size);
  if (!ns) return false;
  for (size_t i = 0; i < s->nslots; i++) memcpy(ns + i * size, old + ((s->head + i) % s->nslots) * size, size);
  free(old);
  if (s->bytes)
    s->byte_slots = (blec__byte_slot *)(void *)ns;
  else
    s->ptr_slots = (blec__ptr_slot *)(void *)ns;
  s->nslots = n;
  s->head = 0;
  return true;
}

/* Stores a byte value in a slot, keeping a longer buffer it already has. */
static bool byte_slot_put(blec__byte_slot *sl, const uint8_t *data, size_t len) {
  if (len > UINT32_MAX) return false;
  if (len > sizeof sl->small && sl->cap < len) {
    uint8_t *b = realloc(sl->heap, len);
    if (!b) return false;
    sl->heap = b;
    sl->cap = (uint32_t)len;
  }
  if (len) memcpy(len > sizeof sl->small ? sl->heap : sl->small, data, len);
  sl->len = (uint32_t)len;
  return true;
}

static const uint8_t *byte_slot_data(const blec__byte_slot *sl) {
  return sl->len > sizeof sl->small ? sl->heap : sl->small;
}

/* Stores the pushed value in slot i (a pointer store cannot fail). */
static bool slot_store(blec__stream *s, size_t i, const uint8_t *data, size_t len, void *ptr, const void *view) {
  if (s->bytes) return byte_slot_put(&s->byte_slots[i], data, len);
  s->ptr_slots[i].ptr = ptr;
  s->ptr_slots[i].view = view;
  return true;
}

/* The two typed pushes share this: bytes (data, len) for a byte stream, (ptr, view) for a
 * pointer stream. */
static bool stream_push(blec__dispatcher *d, blec__stream *s, const uint8_t *data, size_t len, void *ptr,
                        const void *view) {
  void *release = s->bytes ? NULL : ptr;
  bool dropped = false, first = false, wake = false;
  size_t ndone = 0;
  lock_d(d);
  if (s->ndone) { /* what the dispatcher delivered comes back to be released here */
    void **t = s->spare;
    size_t tc = s->spare_cap;
    s->spare = s->done;
    s->spare_cap = s->done_cap;
    ndone = s->ndone;
    s->done = t;
    s->done_cap = tc;
    s->ndone = 0;
  }
  if (d->stopping || atomic_load_explicit(&s->closed, memory_order_relaxed)) goto out;
  if (s->count == s->nslots && s->count < s->capacity) slots_grow(s);
  if (s->count < s->nslots) {
    size_t i = (s->head + s->count) % s->nslots;
    if (!slot_store(s, i, data, len, ptr, view) || !q_push(d, (blec__qentry){NULL, s})) {
      dropped = true;
    } else {
      release = NULL;
      s->count++;
      s->entries++;
      wake = work_arrived_locked(d);
    }
  } else if (s->policy == BLEC_OVERFLOW_DROP_OLDEST && s->count) {
    /* Full: the oldest value makes room; the queued entries stand for what remains. */
    void *oldest = s->bytes ? NULL : s->ptr_slots[s->head].ptr;
    if (slot_store(s, s->head, data, len, ptr, view)) {
      release = oldest;
      s->head = (s->head + 1) % s->nslots; /* the rewritten slot is now the newest */
    }
    dropped = true;
  } else {
    dropped = true; /* drop the newest: this one */
  }
  if (dropped) {
    atomic_fetch_add_explicit(s->drops, 1, memory_order_relaxed);
    first = !s->warned;
    s->warned = true;
  }
out:
  blec__mutex_unlock(&d->lock);
  wake_runner(d, wake);
  if (release && s->kind->release) s->kind->release(release);
  for (size_t i = 0; i < ndone; i++) s->kind->release(s->spare[i]);
  return first;
}

bool blec__stream_push_bytes(blec__dispatcher *d, blec__stream *s, const uint8_t *data, size_t len) {
  return stream_push(d, s, data, len, NULL, NULL);
}

bool blec__stream_push_ptr(blec__dispatcher *d, blec__stream *s, void *ptr, const void *view) {
  return stream_push(d, s, NULL, 0, ptr, view);
}

/* Frees a stream the dispatcher and its owner are both done with (no lock held): the
 * byte slots' buffers, the pointer values still queued (slots head .. head + count - 1;
 * the others were taken) and the delivered ones. */
static void stream_free(blec__stream *s) {
  if (s->bytes) {
    for (size_t i = 0; i < s->nslots; i++) free(s->byte_slots[i].heap);
  } else if (s->kind->release) {
    for (size_t i = 0; i < s->count; i++) s->kind->release(s->ptr_slots[(s->head + i) % s->nslots].ptr);
  }
  for (size_t i = 0; i < s->ndone; i++) s->kind->release(s->done[i]);
  free(s->byte_slots);
  free(s->ptr_slots);
  free(s->done);
  free(s->spare);
  s->kind->destroy(s);
}

/* A delivered pointer value waits for the producer (lock held); without memory for the
 * list it is released here. */
static bool retire_locked(blec__stream *s, void *ptr) {
  if (s->ndone == s->done_cap) {
    size_t ncap = s->done_cap ? s->done_cap * 2 : 64;
    void **n = realloc(s->done, ncap * sizeof *n);
    if (!n) return false;
    s->done = n;
    s->done_cap = ncap;
  }
  s->done[s->ndone++] = ptr;
  return true;
}

static bool stream_done_locked(const blec__stream *s) { return s->released && !s->entries && !s->in_flight; }

void blec__stream_close(blec__dispatcher *d, blec__stream *s) {
  blec__mutex_lock(&d->lock);
  atomic_store(&s->closed, true); /* seq_cst: see blec__dispatcher_wait_for */
  /* Queued values go now (their entries are skipped when reached). */
  void **release = NULL;
  size_t n = 0;
  if (!s->bytes && s->count && s->kind->release) {
    /* Without memory for the list they stay queued: each entry, when reached, delivers
     * nothing and passes its value on to be released (settle_locked, stream_free). */
    if ((release = malloc(s->count * sizeof *release)) != NULL) {
      for (size_t i = 0; i < s->count; i++) release[n++] = s->ptr_slots[(s->head + i) % s->nslots].ptr;
      s->count = 0;
    }
  } else {
    s->count = 0;
  }
  /* No push comes any more: delivered values are released by stream_free. */
  blec__mutex_unlock(&d->lock);
  for (size_t i = 0; i < n; i++) s->kind->release(release[i]);
  free(release);
}

void blec__stream_release(blec__dispatcher *d, blec__stream *s) {
  blec__mutex_lock(&d->lock);
  s->released = true;
  bool done = stream_done_locked(s);
  blec__mutex_unlock(&d->lock);
  if (done) stream_free(s);
}

/* ---- running callbacks ---------------------------------------------------------------- */

/* Takes up to `limit` entries (lock held); byte values are copied out of their slots, so
 * producers can reuse them at once. */
static size_t take_batch(blec__dispatcher *d, size_t limit) {
  size_t n = 0, used = 0;
  while (n < limit && d->qcount) {
    blec__qentry e = d->q[d->qhead];
    blec__batch_item *it = &d->batch[n];
    memset(it, 0, sizeof *it);
    it->ev = e.ev;
    blec__stream *s = e.stream;
    if (s && s->count) {
      if (!s->bytes) {
        /* The slot is only read here: its line stays shared with the producer's core. */
        const blec__ptr_slot *sl = &s->ptr_slots[s->head];
        it->ptr = sl->ptr;
        it->view = sl->view;
        it->stream = s;
      } else {
        const blec__byte_slot *sl = &s->byte_slots[s->head];
        if (used + sl->len > d->bytes_cap) {
          if (n) break; /* the next batch takes it */
          uint8_t *b = realloc(d->bytes, sl->len);
          if (b) {
            d->bytes = b;
            d->bytes_cap = sl->len;
          }
        }
        if (used + sl->len <= d->bytes_cap) {
          if (sl->len) memcpy(d->bytes + used, byte_slot_data(sl), sl->len);
          it->off = used;
          it->len = sl->len;
          used += sl->len;
          it->stream = s;
        } else {
          atomic_fetch_add_explicit(s->drops, 1, memory_order_relaxed); /* no memory to hand it over */
        }
      }
      s->head = (s->head + 1) % s->nslots;
      s->count--;
    }
    if (s) { /* a closed stream's entry delivers nothing, but is still accounted */
      it->acct = s;
      s->entries--;
      s->in_flight++;
    }
    q_pop(d);
    n++;
  }
  if (!d->qcount) atomic_store_explicit(&d->pending, 0, memory_order_relaxed);
  return n;
}

/* Publishes what runs now; a closer looking after its own close sees it (seq_cst). */
static void set_running(blec__dispatcher *d, const void *owner, blec__stream *s) {
  atomic_store(&d->running_owner, owner);
  atomic_store(&d->running_stream, s);
}

/* After a callback: a thread waiting for this one to end is told. */
static void callback_ended(blec__dispatcher *d) {
  set_running(d, NULL, NULL);
  blec__mutex_lock(&d->lock);
  blec__cond_broadcast(&d->idle);
  blec__mutex_unlock(&d->lock);
}

/* Runs a taken batch without the lock; settle_locked does its accounting afterwards. */
static void run_batch(blec__dispatcher *d, size_t n) {
  const void *owner = NULL;
  blec__stream *cur = NULL;
  bool published = false;
  for (size_t i = 0; i < n; i++) {
    blec__batch_item *it = &d->batch[i];
    if (it->stream) {
      blec__stream *s = it->stream;
      if (!published || cur != s) {
        set_running(d, s->owner, s);
        cur = s;
        owner = s->owner;
        published = true;
      }
      if (!atomic_load(&s->closed)) {
        if (s->bytes)
          s->kind->deliver_bytes(s, d->bytes + it->off, it->len);
        else
          s->kind->deliver_ptr(s, it->ptr, it->view);
      }
    } else if (it->ev) {
      if (!published || cur || owner != it->ev->owner) {
        set_running(d, it->ev->owner, NULL);
        cur = NULL;
        owner = it->ev->owner;
        published = true;
      }
      it->ev->run(it->ev);
    } else {
      continue;
    }
    if (atomic_load(&d->waiters)) {
      callback_ended(d);
      published = false;
    }
  }
  set_running(d, NULL, NULL);
}

/* What settling a batch left to do without the lock. */
typedef struct settled {
  blec__stream *free[BATCH]; /* streams nobody needs any more */
  size_t nfree;
  blec__batch_item *orphans[BATCH]; /* pointer values with nowhere to wait */
  size_t norphans;
} settled;

/* The accounting of a batch that ran (lock held): delivered pointer values wait for
 * their producer, streams whose last entry it held and whose owner let go are collected.
 * Done in the same lock hold as taking the next batch. */
static bool settle_locked(blec__dispatcher *d, size_t n, settled *out) {
  out->nfree = out->norphans = 0;
  for (size_t i = 0; i < n; i++) {
    blec__batch_item *it = &d->batch[i];
    blec__stream *s = it->acct;
    if (!s) continue;
    if (it->ptr && s->kind->release && !retire_locked(s, it->ptr)) out->orphans[out->norphans++] = it;
    if (--s->in_flight == 0 && stream_done_locked(s)) out->free[out->nfree++] = s;
  }
  if (n && atomic_load(&d->waiters)) blec__cond_broadcast(&d->idle);
  return out->nfree || out->norphans;
}

static void settled_finish(settled *st) {
  for (size_t k = 0; k < st->norphans; k++) st->orphans[k]->acct->kind->release(st->orphans[k]->ptr);
  for (size_t k = 0; k < st->nfree; k++) stream_free(st->free[k]);
}

/*
 * Lets a batch gather before it is taken (spin_for_work, blec__dispatcher_run): taken one
 * or three at a time, the lock, the ring and the values' cache lines travel between the
 * producer's core and the runner's once per value or two, and the producer pays it
 * (adv.core on an idle 2-core machine: the reporting thread's CPU x6-7 of the merge with
 * a 3 us gather, x4-4.5 with this one; bench/README.md). How long depends on the batch before:
 * one value alone (a request waiting for its answer, one value in flight) waits
 * GATHER_SHORT_US at most, as a lone value should not wait for company; several (a
 * stream) let the next batch gather GATHER_LONG_US. It does not look at the queue
 * meanwhile (each look would pull the line from the producer's core); what gathered
 * beyond BATCH is taken in further batches at once. The long wait yields the processor
 * instead of spinning: on a busy machine a spinning runner took the time its producer
 * needed (adv.core at load 3, 30 us: ratio 2.4 -> 3.5 spinning, 2.3 yielding); the short
 * one spins, as a yield there can cost a lone value a whole time slice (notify.core.lat
 * p99 4 ms at load 3).
 */
static void gather(uint64_t since_us, size_t last_batch) {
  bool stream = last_batch > 1;
  uint64_t span = stream ? GATHER_LONG_US : GATHER_SHORT_US;
  while (blec__now_us() - since_us < span) {
    if (stream)
      blec__thread_yield();
    else
      blec__cpu_relax();
  }
}

/*
 * After a batch the thread polls briefly before it sleeps: under a steady stream
 * (advertisements, notifications) the next value usually arrives within microseconds,
 * and a sleep/wake-up pair per value would cost more than the value itself (the
 * producer's signal is a system call, the dearest part of a handoff). The budget
 * adapts: a poll that ends empty halves it (values spaced wider than the budget, say a
 * notification every millisecond from an OS stack, would otherwise cost a whole poll
 * each); one that finds work, a batch of several values (they queued up while the
 * thread woke), or a sleep shorter than the full budget (slept_for) restores it.
 * (spin_us: relaxed atomics, as two program threads may dispatch at once.)
 *
 * Work found, the runner lets a batch gather (gather()): a runner faster than its
 * producer would otherwise take each value alone.
 */
static void spin_for_work(blec__dispatcher *d, size_t batch) {
  if (batch > 1) atomic_store_explicit(&d->spin_us, SPIN_US, memory_order_relaxed);
  uint32_t budget = atomic_load_explicit(&d->spin_us, memory_order_relaxed);
  if (!budget) return;
  uint64_t start = blec__now_us(), until = start + budget;
  while (!atomic_load_explicit(&d->pending, memory_order_acquire)) {
    if (blec__now_us() >= until) {
      atomic_store_explicit(&d->spin_us, budget / 2, memory_order_relaxed);
      return;
    }
  }
  atomic_store_explicit(&d->spin_us, SPIN_US, memory_order_relaxed);
  if (batch < BATCH) gather(start, batch);
}

/*
 * The runner slept from `since_us` until work came. Without this, a budget halved to
 * zero by a few empty polls (the producer preempted on a busy machine) never came back
 * under a steady stream: the runner slept after every value and the producer paid a
 * wake-up per value. A sleep shorter than the full budget is a poll that would have found
 * work.
 */
static void slept_for(blec__dispatcher *d, uint64_t since_us) {
  if (blec__now_us() - since_us < SPIN_US) atomic_store_explicit(&d->spin_us, SPIN_US, memory_order_relaxed);
}

static void dispatch_thread(void *arg) {
  blec__dispatcher *d = arg;
  settled st;
  size_t last = 0; /* the batch that ran, not settled yet */
  atomic_store(&d->runner, blec__thread_self());
  blec__mutex_lock(&d->lock);
  for (;;) {
    if (settle_locked(d, last, &st)) {
      blec__mutex_unlock(&d->lock);
      settled_finish(&st);
      blec__mutex_lock(&d->lock);
    }
    size_t ran = last;
    last = 0;
    if (!d->qcount && !d->stopping) {
      blec__mutex_unlock(&d->lock);
      spin_for_work(d, ran);
      lock_d(d);
      if (!d->qcount && !d->stopping) {
        uint64_t asleep = blec__now_us();
        while (!d->qcount && !d->stopping) {
          d->sleeping = true;
          blec__cond_wait(&d->cond, &d->lock);
          d->sleeping = false;
        }
        slept_for(d, asleep);
      }
    } else if (ran && d->qcount < BATCH && !d->stopping) {
      /* A few values came while the batch ran: a stream that the runner outpaces. */
      blec__mutex_unlock(&d->lock);
      gather(blec__now_us(), ran);
      lock_d(d);
    }
    if (d->stopping) break;
    last = take_batch(d, BATCH);
    blec__mutex_unlock(&d->lock);
    run_batch(d, last);
    lock_d(d);
  }
  blec__mutex_unlock(&d->lock);
  atomic_store(&d->runner, 0);
}

/* The last thread out of blec__dispatcher_run leaves the handle raised exactly when work
 * waits for the next call (producers skip it while a thread is inside). */
static void run_leave_locked(blec__dispatcher *d) {
  if (--d->runs) return;
  if (d->qcount && !d->stopping)
    blec__waitable_set(&d->waitable);
  else
    blec__waitable_clear(&d->waitable);
}

int blec__dispatcher_run(blec__dispatcher *d, int timeout_ms) {
  if (d->mode != BLEC_DELIVERY_QUEUED) return BLEC_ERR_STATE;
  if (blec__dispatcher_in_callback(d)) return BLEC_ERR_STATE;
  uint64_t deadline = timeout_ms > 0 ? blec__now_us() + (uint64_t)timeout_ms * 1000u : 0;
  blec__mutex_lock(&d->lock);
  d->runs++;
  while (d->running) blec__cond_wait(&d->idle, &d->lock); /* one dispatch at a time */
  if (d->qcount && d->qcount < BATCH && timeout_ms != 0 && blec__now_us() - d->run_end_us < RECALL_US) {
    /* Called again right after a call that ran: a program loop keeping up with a steady
     * stream. As the dispatch thread does (spin_for_work), a small queue gathers. */
    size_t last = d->run_last;
    blec__mutex_unlock(&d->lock);
    gather(blec__now_us(), last);
    lock_d(d);
  }
  if (!d->qcount && !d->stopping && timeout_ms != 0) {
    /* As the dispatch thread does: under a steady stream the next value is microseconds
     * away, and clearing the handle then sleeping would cost two system calls per value. */
    blec__mutex_unlock(&d->lock);
    spin_for_work(d, 0);
    lock_d(d);
  }
  uint64_t asleep = 0;
  while (!d->qcount && !d->stopping && timeout_ms != 0) {
    /* Nothing queued: the handle may still be set from before this call (raised while
     * no thread dispatched); lowered now, before sleeping, not per value. */
    blec__waitable_clear(&d->waitable);
    int64_t left = -1;
    if (timeout_ms > 0) {
      uint64_t now = blec__now_us();
      if (now >= deadline) break;
      left = (int64_t)((deadline - now + 999) / 1000);
    }
    if (!asleep) asleep = blec__now_us();
    d->sleeping = true;
    blec__cond_timedwait(&d->cond, &d->lock, left);
    d->sleeping = false;
  }
  if (asleep && d->qcount) slept_for(d, asleep);
  if (!d->qcount || d->stopping) {
    run_leave_locked(d);
    blec__mutex_unlock(&d->lock);
    return 0;
  }
  d->running = true;
  atomic_store(&d->runner, blec__thread_self());
  /* What is queued now runs; what arrives meanwhile waits for the next call. */
  size_t todo = d->qcount, done = 0, last = 0;
  settled st;
  for (;;) {
    if (settle_locked(d, last, &st)) {
      blec__mutex_unlock(&d->lock);
      settled_finish(&st);
      blec__mutex_lock(&d->lock);
    }
    if (done >= todo || !d->qcount || d->stopping) break;
    last = take_batch(d, todo - done < BATCH ? todo - done : BATCH);
    if (!last) break;
    blec__mutex_unlock(&d->lock);
    run_batch(d, last);
    done += last;
    blec__mutex_lock(&d->lock);
  }
  atomic_store(&d->runner, 0);
  d->running = false;
  d->run_end_us = blec__now_us();
  d->run_last = done;
  run_leave_locked(d);
  blec__cond_broadcast(&d->idle);
  blec__mutex_unlock(&d->lock);
  return (int)done;
}

uint64_t blec__dispatcher_wakeups(blec__dispatcher *d) {
  blec__mutex_lock(&d->lock);
  uint64_t n = d->wakeups;
  blec__mutex_unlock(&d->lock);
  return n;
}

bool blec__dispatcher_in_callback(blec__dispatcher *d) {
  uint64_t r = atomic_load(&d->runner);
  return r != 0 && r == blec__thread_self();
}

void blec__dispatcher_wait_for(blec__dispatcher *d, const void *owner, const blec__stream *stream) {
  if (blec__dispatcher_in_callback(d)) return; /* the callback running is the caller */
  atomic_fetch_add(&d->waiters, 1);
  blec__mutex_lock(&d->lock);
  while ((owner && atomic_load(&d->running_owner) == owner) || (stream && atomic_load(&d->running_stream) == stream))
    blec__cond_wait(&d->idle, &d->lock);
  blec__mutex_unlock(&d->lock);
  atomic_fetch_sub(&d->waiters, 1);
}

/* ---- stopping -------------------------------------------------------------------------- */

void blec__dispatcher_stop(blec__dispatcher *d) {
  blec__mutex_lock(&d->lock);
  d->stopping = true;
  blec__cond_broadcast(&d->cond);
  blec__mutex_unlock(&d->lock);
  if (d->thread_started) blec__thread_join(&d->thread);
  d->thread_started = false;
}

void blec__dispatcher_destroy(blec__dispatcher *d) {
  blec__dispatcher_stop(d);
  /* Dropping an entry may post nothing (posts after stopping are dropped at once). */
  for (;;) {
    blec__mutex_lock(&d->lock);
    if (!d->qcount) {
      blec__mutex_unlock(&d->lock);
      break;
    }
    blec__qentry e = q_pop(d);
    blec__stream *s = e.stream, *freed = NULL;
    void *release = NULL;
    if (s) {
      if (s->count) { /* a value never delivered */
        if (!s->bytes) release = s->ptr_slots[s->head].ptr;
        s->head = (s->head + 1) % s->nslots;
        s->count--;
      }
      s->entries--;
      if (stream_done_locked(s)) freed = s;
    }
    blec__mutex_unlock(&d->lock);
    if (e.ev) e.ev->drop(e.ev);
    if (release && s->kind->release) s->kind->release(release);
    if (freed) stream_free(freed);
  }
  free(d->q);
  free(d->batch);
  free(d->bytes);
  blec__waitable_destroy(&d->waitable);
  blec__cond_destroy(&d->idle);
  blec__cond_destroy(&d->cond);
  blec__mutex_destroy(&d->lock);
}
