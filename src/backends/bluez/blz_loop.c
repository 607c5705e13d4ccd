/* SPDX-License-Identifier: MIT */
/*
 * blz_loop.c — the bus thread: an sd-event loop serving the backend's one sd-bus
 * connection, a queue of jobs posted by request functions (woken through an eventfd),
 * file-descriptor watches (AcquireNotify sockets) and timers. Start-up (connecting to
 * the system bus, match rules, the first GetManagedObjects) runs on the thread itself,
 * and init waits for it with a bound.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/bluez/blz.h"

/* How long init waits for the thread to connect and load bluetoothd's objects. */
#define START_TIMEOUT_MS 20000

bool blz_on_bus_thread(blz_ctx *z) { return atomic_load(&z->thread_id) == blec__thread_self(); }

int blz_post(blz_ctx *z, blz_job *job) {
  job->next = NULL;
  blec__mutex_lock(&z->qlock);
  if (z->stopping) {
    blec__mutex_unlock(&z->qlock);
    return BLEC_ERR_STATE;
  }
  bool was_empty = !z->qhead;
  if (z->qtail)
    z->qtail->next = job;
  else
    z->qhead = job;
  z->qtail = job;
  blec__mutex_unlock(&z->qlock);
  if (was_empty) {
    uint64_t one = 1;
    ssize_t n = write(z->wake_fd, &one, sizeof one);
    (void)n; /* EAGAIN: the counter is already non-zero, the thread will wake */
  }
  return BLEC_OK;
}

/* Runs every queued job (bus thread). */
static int on_wake(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
  (void)src;
  (void)revents;
  blz_ctx *z = userdata;
  uint64_t v;
  ssize_t n = read(fd, &v, sizeof v);
  (void)n;
  for (;;) {
    blec__mutex_lock(&z->qlock);
    blz_job *job = z->qhead;
    if (job) {
      z->qhead = job->next;
      if (!z->qhead) z->qtail = NULL;
    }
    blec__mutex_unlock(&z->qlock);
    if (!job) break;
    job->run(z, job);
  }
  return 0;
}

/* ---- synchronous jobs -------------------------------------------------------------------------- */

static void sync_run(blz_ctx *z, blz_job *job) {
  blz_sync *s = (blz_sync *)job;
  s->fn(z, s);
}

static void sync_drop(blz_job *job) {
  blz_sync *s = (blz_sync *)job;
  s->dropped = true; /* the loop stopped first: the poster wakes and sees BLEC_ERR_STATE */
  blz_sync_done(s);
}

int blz_sync_init(blz_sync *s, void (*fn)(blz_ctx *, blz_sync *), void (*free_fn)(blz_sync *)) {
  memset(&s->job, 0, sizeof s->job);
  s->job.run = sync_run;
  s->job.drop = sync_drop;
  atomic_init(&s->refs, 1);
  s->done = s->abandoned = s->dropped = false;
  s->fn = fn;
  s->free_fn = free_fn;
  if (blec__mutex_init(&s->m) != BLEC_OK) return BLEC_ERR_NO_MEMORY;
  if (blec__cond_init(&s->cv) != BLEC_OK) {
    blec__mutex_destroy(&s->m);
    return BLEC_ERR_NO_MEMORY;
  }
  return BLEC_OK;
}

void blz_sync_unref(blz_sync *s) {
  if (atomic_fetch_sub(&s->refs, 1) != 1) return;
  blec__cond_destroy(&s->cv);
  blec__mutex_destroy(&s->m);
  s->free_fn(s);
}

bool blz_sync_done(blz_sync *s) {
  blec__mutex_lock(&s->m);
  bool read = !s->abandoned;
  s->done = true;
  blec__cond_broadcast(&s->cv);
  blec__mutex_unlock(&s->m);
  blz_sync_unref(s); /* the bus thread's reference */
  return read;
}

int blz_sync_run(blz_ctx *z, blz_sync *s, int timeout_ms) {
  atomic_fetch_add(&s->refs, 1); /* the bus thread's */
  if (blz_on_bus_thread(z)) {
    s->fn(z, s);
  } else if (blz_post(z, &s->job) != BLEC_OK) {
    blz_sync_unref(s);
    return BLEC_ERR_STATE;
  }
  uint64_t deadline = blec__now_us() + (uint64_t)timeout_ms * 1000u;
  blec__mutex_lock(&s->m);
  while (!s->done) {
    uint64_t now = blec__now_us();
    if (now >= deadline) break;
    blec__cond_timedwait(&s->cv, &s->m, (int64_t)((deadline - now) / 1000u) + 1);
  }
  bool done = s->done, dropped = s->dropped;
  if (!done) s->abandoned = true;
  blec__mutex_unlock(&s->m);
  if (!done) blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: the bus thread did not answer within %d ms", timeout_ms);
  return dropped ? BLEC_ERR_STATE : done ? BLEC_OK : BLEC_ERR_TIMEOUT;
}

/* ---- calls whose answer only matters when it is an error ------------------------------------ */

static int log_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_ctx *z = userdata;
  const sd_bus_error *e = sd_bus_message_get_error(m);
  const char *what = NULL;
  sd_bus_slot *slot = sd_bus_get_current_slot(sd_bus_message_get_bus(m));
  if (!slot || sd_bus_slot_get_description(slot, &what) < 0) what = NULL;
  if (e) blz_error_from_dbus(z->ctx, e, what ? what : "a call", NULL);
  return 0;
}

int blz_call_logged(blz_ctx *z, const char *path, const char *iface, const char *member, const char *types, ...) {
  sd_bus_message *m = NULL;
  sd_bus_slot *slot = NULL;
  int r = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, path, iface, member);
  if (r >= 0 && types) {
    va_list ap;
    va_start(ap, types);
    r = sd_bus_message_appendv(m, types, ap);
    va_end(ap);
  }
  if (r >= 0) r = sd_bus_call_async(z->bus, &slot, m, log_reply, z, 0);
  if (r >= 0) {
    /* The bus owns it from here; its description names the call in the log. */
    (void)sd_bus_slot_set_description(slot, member);
    (void)sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
  } else {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s on %s: %s", member, path, strerror(-r));
  }
  sd_bus_message_unref(m);
  return r;
}

/* ---- watches and timers ---------------------------------------------------------------------- */

typedef struct fd_watch {
  blz_ctx *z;
  blz_fd_fn fn;
  void *arg;
} fd_watch;

static int on_fd(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
  (void)src;
  fd_watch *w = userdata;
  w->fn(w->z, fd, revents, w->arg);
  return 0;
}

int blz_watch_fd(blz_ctx *z, int fd, blz_fd_fn fn, void *arg, sd_event_source **out) {
  fd_watch *w = malloc(sizeof *w);
  if (!w) return -ENOMEM;
  w->z = z;
  w->fn = fn;
  w->arg = arg;
  int r = sd_event_add_io(z->event, out, fd, EPOLLIN, on_fd, w);
  if (r < 0) {
    free(w);
    return r;
  }
  sd_event_source_set_destroy_callback(*out, free);
  return 0;
}

typedef struct timer_ctx {
  blz_ctx *z;
  void (*fn)(blz_ctx *z, void *arg);
  void *arg;
} timer_ctx;

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
  (void)src;
  (void)usec;
  timer_ctx *t = userdata;
  t->fn(t->z, t->arg);
  return 0;
}

int blz_timer(blz_ctx *z, int ms, void (*fn)(blz_ctx *z, void *arg), void *arg, sd_event_source **out) {
  timer_ctx *t = malloc(sizeof *t);
  if (!t) return -ENOMEM;
  t->z = z;
  t->fn = fn;
  t->arg = arg;
  uint64_t now = 0;
  sd_event_now(z->event, CLOCK_MONOTONIC, &now);
  int r = sd_event_add_time(z->event, out, CLOCK_MONOTONIC, now + (uint64_t)ms * 1000u, 1000, on_timer, t);
  if (r < 0) {
    free(t);
    return r;
  }
  sd_event_source_set_destroy_callback(*out, free);
  return 0;
}

/* ---- the thread -------------------------------------------------------------------------------- */

static void started(blz_ctx *z, int status, const blec_error *err) {
  blec__mutex_lock(&z->qlock);
  z->start_status = status;
  if (err) z->start_err = *err;
  z->started = true;
  blec__cond_broadcast(&z->start_cv);
  blec__mutex_unlock(&z->qlock);
}

static void thread_main(void *arg) {
  blz_ctx *z = arg;
  atomic_store(&z->thread_id, blec__thread_self());
  blec_error err;
  blec_error_clear(&err);
  sd_event_source *wake = NULL;
  int r = sd_event_new(&z->event);
  if (r >= 0) r = sd_event_add_io(z->event, &wake, z->wake_fd, EPOLLIN, on_wake, z);
  if (r >= 0) r = sd_bus_open_system(&z->bus);
  if (r < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: the system bus is not reachable: %s", strerror(-r));
    blec__error_set(&err, BLEC_ERR_BACKEND_UNAVAILABLE, "the system D-Bus is not reachable (%s)", strerror(-r));
    goto out;
  }
  if ((r = sd_bus_attach_event(z->bus, z->event, SD_EVENT_PRIORITY_NORMAL)) < 0) {
    blec__error_set(&err, BLEC_ERR_OS, "sd_bus_attach_event: %s", strerror(-r));
    goto out;
  }
  if (blz_signals_start(z, &err) != BLEC_OK) goto out;
  started(z, BLEC_OK, NULL);
  for (;;) {
    blec__mutex_lock(&z->qlock);
    bool stop = z->stopping && !z->qhead;
    blec__mutex_unlock(&z->qlock);
    if (stop) break;
    r = sd_event_run(z->event, UINT64_MAX);
    if (r < 0) {
      blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: sd_event_run: %s", strerror(-r));
      break;
    }
    /* sd-bus's event source handles one message per loop iteration (an epoll_wait each):
     * under a stream of signals, handle everything already read or readable first. */
    while ((r = sd_bus_process(z->bus, NULL)) > 0) {
    }
  }
  /* Teardown on this thread: every sd-bus and sd-event object is used here only. */
  blz_refresh_exit(z);
  blz_scan_exit(z);
  blz_clients_exit(z);
  blz_agent_exit(z);
  blz_signals_stop(z);
  sd_bus_flush(z->bus);
  sd_event_source_unref(wake);
  sd_bus_detach_event(z->bus);
  sd_bus_flush_close_unref(z->bus);
  z->bus = NULL;
  sd_event_unref(z->event);
  z->event = NULL;
  return;
out:
  if (err.status == BLEC_OK) blec__error_set(&err, blz_status_from_errno(r), "the bluez backend could not start");
  sd_event_source_unref(wake);
  if (z->bus) sd_bus_flush_close_unref(z->bus);
  z->bus = NULL;
  sd_event_unref(z->event);
  z->event = NULL;
  started(z, err.status, &err);
}

int blz_loop_start(blz_ctx *z, blec_error *err);
void blz_loop_stop(blz_ctx *z);

int blz_loop_start(blz_ctx *z, blec_error *err) {
  z->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (z->wake_fd < 0) {
    blec__error_set(err, BLEC_ERR_OS, "eventfd: %s", strerror(errno));
    return BLEC_ERR_OS;
  }
  if (blec__thread_create(&z->thread, thread_main, z) != BLEC_OK) {
    close(z->wake_fd);
    blec__error_set(err, BLEC_ERR_OS, "the bluez backend's thread could not start");
    return BLEC_ERR_OS;
  }
  uint64_t deadline = blec__now_us() + (uint64_t)START_TIMEOUT_MS * 1000u;
  blec__mutex_lock(&z->qlock);
  while (!z->started && blec__now_us() < deadline) blec__cond_timedwait(&z->start_cv, &z->qlock, 100);
  bool ok = z->started && z->start_status == BLEC_OK;
  bool answered = z->started;
  blec_error e = z->start_err;
  if (!answered) z->stopping = true;
  blec__mutex_unlock(&z->qlock);
  if (ok) return BLEC_OK;
  if (!answered) {
    /* The thread is stuck in start-up (a bus that never answers): it is told to stop
     * and joined; its sd-bus calls time out on their own. */
    uint64_t one = 1;
    ssize_t n = write(z->wake_fd, &one, sizeof one);
    (void)n;
    blec__error_set(&e, BLEC_ERR_TIMEOUT, "the system bus did not answer within %d ms", START_TIMEOUT_MS);
  }
  blec__thread_join(&z->thread);
  close(z->wake_fd);
  if (err) *err = e;
  return e.status ? e.status : BLEC_ERR_OS;
}

void blz_loop_stop(blz_ctx *z) {
  blec__mutex_lock(&z->qlock);
  z->stopping = true;
  blec__mutex_unlock(&z->qlock);
  uint64_t one = 1;
  ssize_t n = write(z->wake_fd, &one, sizeof one);
  (void)n;
  blec__thread_join(&z->thread);
  /* Jobs posted after the thread's last look are dropped (their posters learn it). */
  blec__mutex_lock(&z->qlock);
  blz_job *job = z->qhead;
  z->qhead = z->qtail = NULL;
  blec__mutex_unlock(&z->qlock);
  while (job) {
    blz_job *next = job->next;
    if (job->drop) job->drop(job);
    job = next;
  }
  close(z->wake_fd);
}
