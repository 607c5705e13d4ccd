/* SPDX-License-Identifier: MIT */
/*
 * core.h — the core's private structures, shared by the files of src/core.
 *
 * Lock order (outer first): ctx->lock, scanner->lock / client->lock, op->lock,
 * dispatcher lock, timer lock. No lock is held while calling a backend request function
 * or a user callback.
 */
#ifndef BLEC_CORE_CORE_H
#define BLEC_CORE_CORE_H

#include <stdatomic.h>

#include "blec/blec.h"
#include "core/backend.h"
#include "core/threads.h"

/* ---- dispatcher (dispatch.c) ----------------------------------------------------------
 *
 * One FIFO per context through which every user callback runs, in the order events were
 * queued, one at a time. Two kinds of entries:
 *  - events (blec__event): one-off callbacks (op completions, disconnections, MTU
 *    changes, scan errors, pairing questions), embedded in or allocated by their owner;
 *  - stream values: a notification value or a detection, kept in the stream's own
 *    bounded ring (blec__stream), so a fast producer with a slow callback costs a fixed
 *    amount of memory per subscription or scanner. A full ring drops per its policy and
 *    counts the drop. Values are copied into slots allocated once: no allocation per
 *    value once a ring reached its working size.
 * The producer takes one lock per value and wakes the dispatcher only when it sleeps; the
 * dispatcher takes values in batches.
 */

/** A queued one-off callback. run() calls it; run() and drop() both release the event. */
typedef struct blec__event {
  struct blec__event *next; /* free for the owner's use while not queued */
  void (*run)(struct blec__event *ev);
  void (*drop)(struct blec__event *ev);
  const void *owner; /* the client or scanner whose callback this is, or NULL (set by post) */
} blec__event;

typedef struct blec__stream blec__stream;

/**
 * What a stream delivers and how it lets go of what it holds. A byte stream (notification
 * values) has deliver_bytes; a pointer stream (detections) has deliver_ptr and release.
 */
typedef struct blec__stream_kind {
  /** Runs the callback for one value of a byte stream (data borrowed for the call). */
  void (*deliver_bytes)(blec__stream *s, const uint8_t *data, size_t len);
  /**
   * Runs the callback for one value of a pointer stream: ptr borrowed for the call, with the
   * view pushed beside it (something ptr keeps alive, handed over so that the callback's
   * thread need not read ptr's object to find it).
   */
  void (*deliver_ptr)(blec__stream *s, void *ptr, const void *view);
  /**
   * Releases a pointer value once done with (delivered, dropped, stream closed). Delivered
   * ones are released by the next push, on the producer's thread: what the producer
   * allocated goes back to its own allocator cache, not across threads.
   */
  void (*release)(void *ptr);
  /** Frees the stream's owner-side state once the dispatcher is done with it. */
  void (*destroy)(blec__stream *s);
} blec__stream_kind;

/** One value of a pointer stream's ring: the pointer (the stream's reference) and its view. */
typedef struct blec__ptr_slot {
  void *ptr;
  const void *view;
} blec__ptr_slot;

/** One value of a byte stream's ring: a short value inline, a longer one in a heap buffer
 * that the slot keeps for the values after it. */
typedef struct blec__byte_slot {
  uint8_t *heap;
  uint32_t len;
  uint32_t cap; /* of heap */
  uint8_t small[24];
} blec__byte_slot;

/*
 * A bounded queue of values for one callback (a subscription, a scanner). Embed it first
 * in the owner's stream structure. Fields below `kind` are the dispatcher's (its lock).
 */
struct blec__stream {
  const blec__stream_kind *kind;
  const void *owner;        /* the client or scanner (for waits), fixed */
  bool bytes;               /* a byte stream (kind->deliver_bytes), else a pointer stream; fixed */
  size_t capacity;          /* most values queued at once, fixed */
  blec_overflow policy;     /* fixed */
  _Atomic uint64_t *drops;  /* the owner's drop counter, fixed */
  atomic_bool closed;       /* no value is delivered any more */
  blec__ptr_slot *ptr_slots;   /* the ring of a pointer stream, or */
  blec__byte_slot *byte_slots; /* that of a byte stream */
  size_t nslots, head, count;  /* the values queued: slots head .. head + count - 1 */
  size_t entries;   /* queue entries that name it (== count while open) */
  size_t in_flight; /* entries taken by a running batch */
  void **done;      /* delivered pointer values waiting for the producer to release them */
  size_t ndone, done_cap;
  void **spare;     /* the producer's swap buffer for `done` (owner's lock serializes pushes) */
  size_t spare_cap;
  bool released;    /* the owner let go */
  bool warned;      /* the first drop was reported */
};

typedef struct blec__qentry {
  blec__event *ev;      /* an event, or NULL for */
  blec__stream *stream; /* "the oldest value of this stream" */
} blec__qentry;

typedef struct blec__batch_item {
  blec__event *ev;      /* an event to run, or */
  blec__stream *stream; /* a stream value to deliver (NULL when its stream closed) */
  blec__stream *acct;   /* the stream the entry named, for its accounting */
  void *ptr;
  const void *view;
  size_t off, len;
} blec__batch_item;

typedef struct blec__dispatcher {
  blec__mutex lock;
  blec__cond cond;      /* work arrived (the runner sleeps on it) */
  blec__cond idle;      /* a callback ended (waits of blec__dispatcher_wait_for) */
  blec__qentry *q;      /* ring of entries */
  size_t qcap, qhead, qcount;
  blec_delivery mode;
  blec__waitable waitable;
  blec__thread thread;
  bool thread_started;
  bool stopping;
  bool sleeping;         /* the runner waits on cond: a post signals it */
  bool running;          /* a batch is being run (queued mode: one dispatch at a time) */
  unsigned runs;         /* threads inside blec__dispatcher_run: the handle is theirs to raise */
  uint64_t run_end_us;   /* when the last blec__dispatcher_run that ran callbacks returned */
  size_t run_last;       /* how many callbacks it ran (dispatch.c, gather) */
  uint64_t wakeups;      /* producers' signals to a sleeping runner (the handoff's system calls) */
  atomic_size_t pending; /* 1 while qcount > 0: readable without the lock (spinning) */
  _Atomic uint32_t spin_us; /* the runner's current polling budget after a batch (dispatch.c) */
  _Atomic uint64_t runner;               /* thread running callbacks (blec__thread_self), 0 if none */
  _Atomic(const void *) running_owner;   /* owner of the callback running now */
  _Atomic(blec__stream *) running_stream; /* stream of the callback running now */
  atomic_int waiters;                    /* threads in blec__dispatcher_wait_for */
  /* The runner's batch (only the runner touches it). */
  blec__batch_item *batch;
  uint8_t *bytes;
  size_t bytes_cap;
} blec__dispatcher;

int blec__dispatcher_init(blec__dispatcher *d, blec_delivery mode);
/** No callback starts from now on (one running finishes first); later posts are dropped. */
void blec__dispatcher_stop(blec__dispatcher *d);
/** Stops (if not yet) and drops every queued entry. */
void blec__dispatcher_destroy(blec__dispatcher *d);
/** Queues ev (takes ownership) as a callback of `owner` (may be NULL). After stop, drops it at once. */
void blec__dispatcher_post_for(blec__dispatcher *d, blec__event *ev, const void *owner);
void blec__dispatcher_post(blec__dispatcher *d, blec__event *ev);
int blec__dispatcher_run(blec__dispatcher *d, int timeout_ms);
/** How many times a producer woke a sleeping runner so far (blec-bench prints it per event). */
uint64_t blec__dispatcher_wakeups(blec__dispatcher *d);
/** True on the thread now running this dispatcher's callbacks. */
bool blec__dispatcher_in_callback(blec__dispatcher *d);
/**
 * Returns once no callback of `owner` (a client, a scanner) or of `stream` runs, unless
 * the caller is the thread running callbacks (a callback calling it: it is the one
 * running). With the owner closed beforehand, none runs after this returns.
 */
void blec__dispatcher_wait_for(blec__dispatcher *d, const void *owner, const blec__stream *stream);

/** A capacity and policy the queue options accept. */
bool blec__callback_queue_valid(size_t capacity, blec_overflow policy);
/** Sets up a stream embedded in its owner's structure (not queued anywhere yet). */
void blec__stream_init(blec__stream *s, const blec__stream_kind *kind, const void *owner, size_t capacity,
                       blec_overflow policy, _Atomic uint64_t *drops);
/**
 * Queues a value of a byte stream (copied). Returns true when this push dropped a value (the
 * oldest or this one) and it was the stream's first drop: the caller logs it after its own
 * locks. A closed stream drops silently.
 */
bool blec__stream_push_bytes(blec__dispatcher *d, blec__stream *s, const uint8_t *data, size_t len);
/** Queues a value of a pointer stream (the stream owns ptr from now on) with its view; as
 * blec__stream_push_bytes otherwise. */
bool blec__stream_push_ptr(blec__dispatcher *d, blec__stream *s, void *ptr, const void *view);
/** No value of s is delivered from now on; queued ones are released. Does not wait. */
void blec__stream_close(blec__dispatcher *d, blec__stream *s);
/** The owner lets go of a closed stream: kind->destroy runs once the dispatcher is done with it. */
void blec__stream_release(blec__dispatcher *d, blec__stream *s);

/* ---- timers (timer.c): deadlines that time out operations ---------------------------- */

typedef struct blec__timer_entry {
  struct blec__timer_entry *next;
  uint64_t due_us;
  blec_op *op; /* reference held while queued */
} blec__timer_entry;

typedef struct blec__timers {
  blec__mutex lock;
  blec__cond cond;
  blec__timer_entry *head; /* sorted by due_us */
  blec__thread thread;
  bool thread_started;
  bool stopping;
} blec__timers;

int blec__timers_init(blec__timers *t);
void blec__timers_destroy(blec__timers *t);
/** op completes with BLEC_ERR_TIMEOUT unless done within timeout_ms. */
int blec__timers_add(blec__timers *t, blec_op *op, int timeout_ms);
void blec__timers_remove(blec__timers *t, blec_op *op);

/* ---- context (ctx.c) ----------------------------------------------------------------------- */

struct blec_ctx_options {
  char *backend;
  blec_log_level log_level;
  bool log_level_set;
  blec_log_cb log_cb;
  void *log_user;
  blec_delivery delivery;
  blec_world *world;
  char *adapter; /* the adapter to use ("hci1"), or NULL */
  /* blec_ctx_options_set_bond_store (ctx_bond_store.c): the path ("" = off) when set */
  bool bond_store_set;
  char bond_store[1024];
};

struct blec_ctx {
  const blec__backend *backend;
  uint32_t caps; /* the backend's caps, as narrowed by its init (blec__ctx_set_caps) */
  const char *passive_why; /* why BLEC_CAP_PASSIVE_SCAN is missing (static text), or NULL */
  void *backend_priv;
  blec__mutex lock;
  int live_scanners; /* created and not freed by the program */
  int live_clients;
  struct find_state *finds; /* running finds and discovers (find.c), under lock */
  blec__dispatcher dispatcher;
  blec__timers timers;
  blec_log_level log_level;
  blec_log_cb log_cb;
  void *log_user;
  blec_world *world; /* from the options (ref), handed to the backend */
  char *fallback;    /* why the default backend was not the platform's, or NULL */
};

/* ---- operations (op.c) ---------------------------------------------------------------------- */

typedef enum blec__op_kind {
  BLEC__OP_GENERIC = 0,
  BLEC__OP_CONNECT,
  BLEC__OP_DISCONNECT,
  BLEC__OP_READ,
  BLEC__OP_WRITE,
  BLEC__OP_SUBSCRIBE,
  BLEC__OP_PAIR,
  BLEC__OP_UNPAIR,
  BLEC__OP_FIND,
  BLEC__OP_DISCOVER
} blec__op_kind;

/*
 * How a user completion reaches the program. An _async call makes its op visible to other
 * threads (the client's pending list, the backend) before it knows whether the backend
 * accepts the request; a link drop may complete the op in that window. The completion
 * callback is therefore held until the call has its answer (blec__op_launched): a refused
 * call runs none, an accepted one runs it exactly once, never inside the call.
 */
typedef enum blec__launch {
  BLEC__LAUNCH_PENDING = 0, /* the starting call has not answered yet */
  BLEC__LAUNCH_ACCEPTED,    /* the call returned BLEC_OK: the callback runs once */
  BLEC__LAUNCH_REFUSED      /* the call returned an error: no callback */
} blec__launch;

/* A unit of work for a strand (strand.c); ops embed one for the strand they report to. */
typedef struct blec__task {
  struct blec__task *next;
  void (*run)(struct blec__task *t);
} blec__task;

/* ---- strands (strand.c): serial executors, one per object with a state machine ------ */

typedef struct blec__strand {
  blec__mutex lock;
  blec__cond idle;
  blec__task *head, *tail;
  bool busy; /* a thread is running its tasks */
} blec__strand;

int blec__strand_init(blec__strand *s);
void blec__strand_destroy(blec__strand *s);
/**
 * Runs t->run(t) after every task posted before it, one at a time: at once on this
 * thread when the strand is idle, else on the thread running it. The caller keeps the
 * strand's owner alive for the duration of the call.
 */
void blec__strand_post(blec__strand *s, blec__task *t);
/** Waits until no task runs (never call it from a task of the same strand). */
void blec__strand_wait_idle(blec__strand *s);

/*
 * Ownership and publication. Every field an op's creator sets (kind, cb/user, hooks,
 * client, handle) is set before the op becomes visible to another thread and never
 * written again; what other threads change (result, flags, continuations) is under
 * op->lock. The creator holds its own reference across the whole starting call, so a
 * completion callback that frees the op cannot pull it away from under the call.
 */
struct blec_op {
  atomic_int refs;
  blec_ctx *ctx;
  blec__op_kind kind;
  blec__mutex lock;
  blec__cond cond;
  bool done;     /* a result is stored (first completion wins) */
  bool settled;  /* internal hooks ran: waiters and the program may look */
  bool aborting; /* an abort was taken over by on_cancel: its completion follows */
  bool timer_armed;
  blec__launch launch;
  bool cb_held; /* completed while the launch was pending: post once accepted */
  blec_error err;
  uint8_t *data;
  size_t len;
  blec_device *device;
  blec_device **devices;
  size_t ndevices;
  /* User completion, run through the dispatcher (the event is embedded: no allocation). */
  blec_op_cb cb;
  void *user;
  blec__event ev;
  /* Internal completion, run on the completing thread with no lock held (stages). */
  void (*on_done)(blec_op *op, void *arg);
  void *on_done_arg;
  /* Called by blec_op_cancel / a timeout (status CANCELLED / TIMEOUT) before the op
   * completes with that status. It returns true when it completed the op itself or will
   * complete it shortly on another path (then the abort counts as done); false lets the
   * abort complete the op with `status`. */
  bool (*on_cancel)(blec_op *op, int status, const char *why, void *arg);
  void *on_cancel_arg;
  /* Continuations (blec__op_then), run in order after on_done: the first inline, more
   * in a list. */
  void (*then)(blec_op *op, void *arg);
  void *then_arg;
  struct blec__cont *more_then;
  /* Runs when the last reference goes (frees state hung on the op). */
  void (*on_free)(void *arg);
  void *on_free_arg;
  /* Owner objects (a reference each when set). */
  blec_client *client;
  struct blec_op *client_next; /* client's pending list */
  bool in_client_list;
  _Atomic int64_t backend_data;
  uint16_t handle; /* the attribute a request is about (core bookkeeping) */
  struct blec_op *join_next;      /* a disconnect op waiting for the close of the link */
  uint64_t connects_before;       /* a disconnect op: the client's connects_started when asked */
  struct blec__gatt_build *build; /* a discovery's attributes as the backend adds them */
  blec__task task;                /* its report to the client's strand (client_connect.c) */
};

/** A new running op with one reference (the caller's); its callback waits for blec__op_launched. */
blec_op *blec__op_new(blec_ctx *ctx, blec__op_kind kind, blec_op_cb cb, void *user);
/**
 * Ends a running op with BLEC_ERR_TIMEOUT or CANCELLED after running on_cancel. True when
 * this call ended it (or on_cancel took the ending over), false when it was already
 * complete or being aborted.
 */
bool blec__op_abort(blec_op *op, int status, const char *why);
/** Blocking-form helper: waits, on timeout aborts with BLEC_ERR_TIMEOUT; copies detail to err. */
int blec__op_wait_final(blec_op *op, int timeout_ms, blec_error *err);
/** Runs fn(op, arg) once op completes (at once, on this thread, if it already has).
 * Several may be chained; they run in the order they were added. */
void blec__op_then(blec_op *op, void (*fn)(blec_op *op, void *arg), void *arg);
/**
 * The end of every _async call that made `op` (the caller's reference): `r` is the
 * request's answer. BLEC_OK: the held callback (if the op already completed) is posted and
 * the reference goes to *out (dropped when out is NULL). An error: the op completes with
 * it if it has not, its callback is dropped, the reference is released and *out stays
 * NULL. Returns r.
 */
int blec__op_launched(blec_op *op, int r, blec_op **out);

/* ---- devices (device.c) ----------------------------------------------------------------------- */

struct blec_device {
  atomic_int refs;
  blec_address_type address_type;
  blec_adv *adv;
  char *backend_id; /* may be NULL */
  char address[BLEC_ADDR_STRLEN];
};

/** A new device snapshot (refcount 1) holding a reference to adv; `address` is already
 * normalized (blec__address_normalize), as every report is before it gets here. */
blec_device *blec__device_new(const char *address, blec_address_type type, blec_adv *adv,
                              const char *backend_id);
/** Normalizes "aa:bb:.." to upper case into out; BLEC_ERR_INVALID_ARG if not an address. */
int blec__address_normalize(const char *in, char out[BLEC_ADDR_STRLEN]);

/* ---- scanners (scanner.c, scan_options.c, scan_filter.c) ------------------------------------- */

typedef struct blec__byte_filter {
  uint8_t ad_type;
  int offset;   /* byte patterns: offset; data sections: -1 (prefix) */
  uint16_t company;
  bool is_manufacturer;
  uint8_t *data;
  size_t len;
} blec__byte_filter;

struct blec_scan_options {
  blec_scan_mode mode;
  blec_uuid *services;
  size_t nservices;
  /* signal-strength filter; INT16_MIN / -1 = unset */
  int in_range_dbm, out_of_range_dbm, out_of_range_timeout_ms, sampling_interval_ms;
  /* advertisement filter */
  char *local_name;
  blec_uuid *filter_services;
  size_t nfilter_services;
  blec__byte_filter *byte_filters;
  size_t nbyte_filters;
  size_t stream_capacity;
  size_t callback_queue;          /* detections queued for the callback at most */
  blec_overflow callback_overflow;
};

int blec__scan_options_copy(blec_scan_options *dst, const blec_scan_options *src);
void blec__scan_options_clear(blec_scan_options *o);
/** The advertisement filters (service list and Windows AdvertisementFilter). */
bool blec__scan_filter_match(const blec_scan_options *o, const blec_adv *adv);

/** Internal consumer of reports (find / discover), run on the backend thread, no lock held. */
typedef void (*blec__scan_tap)(blec_scanner *s, blec_device *dev, void *arg);

blec_scanner *blec__scanner_new_internal(blec_ctx *ctx, const blec_scan_options *opts, blec__scan_tap tap,
                                         void (*on_stopped)(blec_scanner *s, const blec_error *err, void *arg),
                                         void *tap_arg);
/** Stops (if running) and releases an internal scanner. */
void blec__scanner_release(blec_scanner *s);
/** Ends every running find and discover of ctx (CANCELLED) and waits until they settle. */
void blec__find_end_all(blec_ctx *ctx);
/** Completes an op with a device (a new reference is taken). */
bool blec__op_complete_device(blec_op *op, blec_device *dev);
/** Completes an op BLEC_OK with a device list (ownership of list and references passes). */
bool blec__op_complete_devices(blec_op *op, blec_device **list, size_t count);

/* ---- GATT model (gatt.c) ------------------------------------------------------------------------ */

/*
 * A discovered database is a tree frozen in one block (the services, characteristics and
 * descriptors each in one array, in database order): it never changes once built, its
 * objects' addresses tell which tree they belong to, and one free releases it.
 */
struct blec_descriptor {
  uint16_t handle;
  blec_uuid uuid;
  blec_characteristic *chr;
  void *backend_obj;
};

struct blec_characteristic {
  uint16_t handle;
  blec_uuid uuid;
  uint32_t props;
  blec_service *svc;
  blec_client *client;
  blec_descriptor *descs; /* ndescs consecutive entries of the tree's descriptor array */
  size_t ndescs;
  void *backend_obj;
};

struct blec_service {
  uint16_t handle, end_handle;
  blec_uuid uuid;
  blec_characteristic *chars; /* nchars consecutive entries of the tree's characteristic array */
  size_t nchars;
  void *backend_obj;
};

typedef struct blec__gatt_tree {
  atomic_int refs;
  size_t nsvcs, nchars, ndescs;
  blec_service *svcs;
  blec_characteristic *chars;
  blec_descriptor *descs;
} blec__gatt_tree;

/** The attributes a discovery reported, flat, in database order (owned by its op). */
typedef struct blec__gatt_build blec__gatt_build;
void blec__gatt_build_free(blec__gatt_build *b);
/**
 * Freezes what a completed discover op holds into a tree for client c, keeping only the
 * services in `keep` (all when nkeep is 0). BLEC_ERR_NO_MEMORY, or BLEC_OK with *out (an
 * empty tree when the op holds nothing).
 */
int blec__gatt_tree_build(blec_client *c, blec_op *op, const blec_uuid *keep, size_t nkeep, blec__gatt_tree **out);
/** True when both trees describe the same database (handles, UUIDs, properties, objects). */
bool blec__gatt_tree_same(const blec__gatt_tree *a, const blec__gatt_tree *b);
blec__gatt_tree *blec__gatt_tree_ref(blec__gatt_tree *t);
/** Drops a reference; the last frees the tree. */
void blec__gatt_tree_unref(blec__gatt_tree *t);
/** `p` as an object of t when it points at one (compared by address, never read), else NULL. */
blec_characteristic *blec__gatt_tree_chr(const blec__gatt_tree *t, const void *p);
blec_descriptor *blec__gatt_tree_desc(const blec__gatt_tree *t, const void *p);

/* ---- clients (client*.c) --------------------------------------------------------------------------- */

typedef enum blec__client_state {
  BLEC__DISCONNECTED = 0,
  BLEC__CONNECTING,
  BLEC__CONNECTED,
  BLEC__DISCONNECTING
} blec__client_state;

/* A subscription: its values go through its own bounded stream to its callback (notify.c). */
typedef struct blec__subscription {
  uint16_t handle;
  uint64_t generation;
  blec__stream *stream;
} blec__subscription;

struct blec_client_options {
  blec_uuid *services;
  size_t nservices;
  int timeout_ms;
  blec_address_type address_type;
  blec_cache_mode cache_mode;
  bool pair;
  bool scan_first;
  int retry_count, retry_delay_ms;
  size_t notify_queue; /* values queued per subscription at most */
  blec_overflow notify_overflow;
};

/*
 * A client. The link's state machine — the connect sequence, disconnections, link loss —
 * runs on the client's strand (client_connect.c): every field marked [strand] is written
 * only by its tasks, under `lock` so that other threads may read it.
 */
struct blec_client {
  atomic_int refs;
  blec_ctx *ctx;
  blec__mutex lock;
  blec__strand strand;
  char address[BLEC_ADDR_STRLEN];
  blec_device *device; /* when made from a scanned device, or found by the connect's scan */
  struct blec_client_options opts;
  blec__client_state state; /* [strand], except DISCONNECTED -> CONNECTING by connect_start */
  bool link_up;      /* [strand] backend link established (maybe still discovering) */
  bool visible;      /* [strand] the program saw this link connected: a disconnection is reported */
  bool freed;        /* the program freed it: no more callbacks */
  uint64_t link_gen; /* [strand] incremented per link */
  char *name;
  char **old_names; /* replaced names, freed with the client */
  size_t nold_names;
  int mtu;
  /* The GATT trees the client holds (under lock): the current one, and the one a
   * reconnection with a different database replaced, until the next connect call
   * (blec.h, "GATT model"). Callbacks that hand out their objects hold a reference. */
  blec__gatt_tree *tree;
  blec__gatt_tree *retired;
  blec__subscription *subs;
  size_t nsubs;
  uint64_t sub_gen;
  _Atomic uint64_t notify_drops; /* values the subscriptions' full queues dropped */
  blec_op *pending; /* ops in flight on this link */
  /* The connect sequence [strand]. connect_op is set by connect_start (with the state
   * CONNECTING) and cleared by the task that completes it; `stage` is the step in flight. */
  blec_op *connect_op;
  uint64_t connects_started; /* connects begun (a disconnect ends only those begun before it) */
  blec_op *stage;
  blec_op *stage_reported; /* the stage whose completion stage_task will handle (reference) */
  blec__task stage_task;
  bool start_waiting; /* a connect waits for the close of the previous link */
  int retries_left;
  /* Aborting the connect (cancel, timeout): one queued at a time. */
  blec__task abort_task;
  bool abort_queued;
  int abort_status;
  char abort_why[96];
  /* Closing the link [strand]: the internal close op and the disconnect ops waiting for it. */
  blec_op *closing;
  blec_op *close_waiters;
  blec__task close_task;
  /* A link loss reported by the backend, one queued at a time. */
  blec__task down_task;
  bool down_queued;
  blec_disconnect_reason down_reason;
  /* A disconnection that timed out: the link is abandoned as closed. */
  blec__task force_task;
  bool force_queued;
  blec_disconnected_cb disconnected_cb;
  void *disconnected_user;
  blec_mtu_cb mtu_cb;
  void *mtu_user;
  blec_pairing_cb pairing_cb;
  void *pairing_user;
  void *backend_priv; /* the backend's state: in this block when it declares client_priv_size */
};

/** Copies client options (the services list is duplicated). */
int blec__client_options_copy(blec_client_options *dst, const blec_client_options *src);
/** A find by address (find.c); also the first step of connecting by address. */
int blec__find_by_address_async(blec_ctx *ctx, const char *address, int timeout_ms, blec_op_cb cb, void *user,
                                blec_op **op);
/** Registers an op as pending on the client (takes a client ref on the op). */
void blec__client_track(blec_client *c, blec_op *op);
/** Fails every pending op (link gone). */
void blec__client_fail_pending(blec_client *c, int status, const char *why);
/** Posts a disconnected / MTU event for the program (client.c). */
void blec__client_report_disconnected(blec_client *c, blec_disconnect_reason reason);
/**
 * Subscriptions (notify.c). A new one's stream: the program's callback and the current
 * tree's characteristic for `handle` (client lock held). NULL when out of memory.
 */
blec__stream *blec__notify_stream_new(blec_client *c, uint16_t handle, blec_notify_cb cb, void *user);
/** Ends a subscription's stream taken out of c->subs: no value is delivered after it;
 * `wait` also waits for a callback of it running on another thread. */
void blec__notify_stream_end(blec_client *c, blec__stream *s, bool wait);
/** Ends every subscription (a link that went down); does not wait. */
void blec__client_end_subscriptions(blec_client *c);
/** The program's object `p` if it belongs to a tree the client holds, else NULL (lock held). */
blec_characteristic *blec__client_live_chr_locked(const blec_client *c, const void *p);
blec_descriptor *blec__client_live_desc_locked(const blec_client *c, const void *p);
/** A characteristic / descriptor of the current tree by handle (client lock held). */
blec_characteristic *blec__client_chr_by_handle_locked(const blec_client *c, uint16_t handle);
blec_descriptor *blec__client_desc_by_handle_locked(const blec_client *c, uint16_t handle);

/* ---- helpers ------------------------------------------------------------------------------------------ */
char *blec__strdup(const char *s);

/* Waits bounded by a call's timeout_ms (deadline.c): 0 polls, negative waits for ever. */
typedef struct blec__deadline {
  int timeout_ms;
  uint64_t due_us;
} blec__deadline;
blec__deadline blec__deadline_in(int timeout_ms);
/** One wait on c (m held) within the deadline; false when the time is up (nothing waited). */
bool blec__deadline_wait(const blec__deadline *d, blec__cond *c, blec__mutex *m);

/* Readers of a scanner's reports (scan_stream.c; the scanner's side in scanner.c). The
 * scanner calls push and scanning under its own lock. */
void blec__scan_streams_push(blec_scan_stream *list, blec_device *dev);
void blec__scan_streams_scanning(blec_scan_stream *list, bool scanning);
blec_scan_stream *blec__scan_stream_next_in_list(const blec_scan_stream *st);
void blec__scan_stream_set_next_in_list(blec_scan_stream *st, blec_scan_stream *next);
/** Adds st to the scanner's readers (a reference on the scanner); *scanning its state. BLEC_ERR_STATE once freed. */
int blec__scanner_attach_stream(blec_scanner *s, blec_scan_stream *st, bool *scanning);
/** Removes st and drops its reference. */
void blec__scanner_detach_stream(blec_scanner *s, blec_scan_stream *st);

/* UTF-8 (adv.c): length of the valid sequence at s[0..n) (RFC 3629), 0 when none starts there. */
size_t blec__utf8_len(const uint8_t *s, size_t n);

/* Registered UUID names (uuid_names.c). */
/** The name a program registered for u, NULL when none. */
const char *blec__uuid_registered_name(const blec_uuid *u);
/** One entry of a names file: its UUID and description (n bytes, not NUL-terminated). */
typedef int (*blec__uuid_name_fn)(void *user, const blec_uuid *uuid, const char *name, size_t n);
/**
 * Parses a names file (len bytes), calling fn (may be NULL) for each entry: BLEC_OK, or
 * BLEC_ERR_PARSE at the first bad line with "line N: why" in err (the fuzzed parser).
 */
int blec__uuid_names_parse(const char *text, size_t len, blec__uuid_name_fn fn, void *user, blec_error *err);

#endif /* BLEC_CORE_CORE_H */
