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

/* ---- dispatcher (dispatch.c) ---------------------------------------------------------- */

/** A queued callback. run() calls it; both run() and drop() free the event. */
typedef struct blec__event {
  struct blec__event *next;
  void (*run)(struct blec__event *ev);
  void (*drop)(struct blec__event *ev);
} blec__event;

typedef struct blec__dispatcher {
  blec__mutex lock;
  blec__cond cond;
  blec__event *head, *tail;
  blec_delivery mode;
  blec__waitable waitable;
  blec__thread thread;
  bool thread_started;
  bool stopping;
  _Atomic uint64_t runner; /* thread now running callbacks (blec__thread_self), 0 if none */
  atomic_bool has_work;     /* a lock-free hint that the queue is not empty, for spinning */
  uint32_t spin_us;         /* the dispatch thread's current polling budget (dispatch.c) */
} blec__dispatcher;

int blec__dispatcher_init(blec__dispatcher *d, blec_delivery mode);
/** Stops the thread (if any) and drops every queued event. */
void blec__dispatcher_destroy(blec__dispatcher *d);
/** Queues ev (takes ownership). After destroy began, drops it at once. */
void blec__dispatcher_post(blec__dispatcher *d, blec__event *ev);
int blec__dispatcher_run(blec__dispatcher *d, int timeout_ms);
/** True on the thread now running this dispatcher's callbacks. */
bool blec__dispatcher_in_callback(blec__dispatcher *d);

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

struct blec_op {
  atomic_int refs;
  blec_ctx *ctx;
  blec__op_kind kind;
  blec__mutex lock;
  blec__cond cond;
  bool done;    /* a result is stored (first completion wins) */
  bool settled; /* internal hooks ran: waiters and the program may look */
  bool timer_armed;
  blec_error err;
  uint8_t *data;
  size_t len;
  blec_device *device;
  blec_device **devices;
  size_t ndevices;
  /* User completion, run through the dispatcher. */
  blec_op_cb cb;
  void *user;
  /* Internal completion, run on the completing thread with no lock held (stages). */
  void (*on_done)(blec_op *op, void *arg);
  void *on_done_arg;
  /* Called by blec_op_cancel / a timeout (status CANCELLED / TIMEOUT) before the op
   * completes with that status; it may complete the op itself with another result. */
  void (*on_cancel)(blec_op *op, int status, void *arg);
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
  int64_t backend_data;
  uint16_t handle; /* the attribute a request is about (core bookkeeping) */
};

/** A new running op with one reference (the caller's). */
blec_op *blec__op_new(blec_ctx *ctx, blec__op_kind kind, blec_op_cb cb, void *user);
/** Completes with BLEC_ERR_TIMEOUT or CANCELLED after running on_cancel. */
bool blec__op_abort(blec_op *op, int status, const char *why);
/** Blocking-form helper: waits, on timeout aborts with BLEC_ERR_TIMEOUT; copies detail to err. */
int blec__op_wait_final(blec_op *op, int timeout_ms, blec_error *err);
/** Runs fn(op, arg) once op completes (at once, on this thread, if it already has).
 * Several may be chained; they run in the order they were added. */
void blec__op_then(blec_op *op, void (*fn)(blec_op *op, void *arg), void *arg);
/** Hands the caller's reference out through *out (or drops it when out is NULL). */
void blec__op_give(blec_op *op, blec_op **out);

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
/** Completes an op with a device (a new reference is taken). */
bool blec__op_complete_device(blec_op *op, blec_device *dev);
/** Completes an op BLEC_OK with a device list (ownership of list and references passes). */
bool blec__op_complete_devices(blec_op *op, blec_device **list, size_t count);

/* ---- GATT model (gatt.c) ------------------------------------------------------------------------ */

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
  blec_descriptor **descs;
  size_t ndescs;
  void *backend_obj;
};

struct blec_service {
  uint16_t handle, end_handle;
  blec_uuid uuid;
  blec_characteristic **chars;
  size_t nchars;
  void *backend_obj;
};

/** One discovered tree. Old trees stay alive until the client is freed (no dangling pointers). */
typedef struct blec__gatt_tree {
  struct blec__gatt_tree *older;
  blec_service **svcs;
  size_t nsvcs;
} blec__gatt_tree;

void blec__gatt_tree_free(blec__gatt_tree *t);
/** Keeps only the services in the list (services option). */
void blec__gatt_tree_filter(blec__gatt_tree *t, const blec_uuid *keep, size_t nkeep);

/* ---- clients (client*.c) --------------------------------------------------------------------------- */

typedef enum blec__client_state {
  BLEC__DISCONNECTED = 0,
  BLEC__CONNECTING,
  BLEC__CONNECTED,
  BLEC__DISCONNECTING
} blec__client_state;

typedef struct blec__subscription {
  uint16_t handle;
  bool active;
  uint64_t generation;
  blec_notify_cb cb;
  void *user;
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
};

struct blec_client {
  atomic_int refs;
  blec_ctx *ctx;
  blec__mutex lock;
  char address[BLEC_ADDR_STRLEN];
  blec_device *device; /* when made from a scanned device */
  struct blec_client_options opts;
  blec__client_state state;
  bool link_up;      /* backend link established (maybe still discovering) */
  bool freed;        /* the program freed it: no more callbacks */
  uint64_t link_gen; /* incremented per link */
  char *name;
  char **old_names; /* replaced names, freed with the client */
  size_t nold_names;
  int mtu;
  blec__gatt_tree *tree; /* current (may be NULL) */
  blec__gatt_tree *building;
  blec__subscription *subs;
  size_t nsubs;
  uint64_t sub_gen;
  blec_op *pending; /* ops in flight on this link */
  bool visible;       /* the program saw this link connected: a disconnection is reported */
  blec_op *closing;       /* the disconnection in flight (reference), if any */
  blec_op *connect_op;    /* reference while connecting */
  blec_op *connect_stage; /* reference to the step in flight */
  bool connect_aborting;
  bool connect_scanning;  /* the step in flight is the scan for the address */
  int retries_left;
  blec_disconnected_cb disconnected_cb;
  void *disconnected_user;
  blec_mtu_cb mtu_cb;
  void *mtu_user;
  blec_pairing_cb pairing_cb;
  void *pairing_user;
  void *backend_priv;
};

/** Copies client options (the services list is duplicated). */
int blec__client_options_copy(blec_client_options *dst, const blec_client_options *src);
/** A find by address (find.c); also the first step of connecting by address. */
int blec__find_by_address_async(blec_ctx *ctx, const char *address, int timeout_ms, blec_op_cb cb, void *user,
                                blec_op **op);
/** Registers an op as pending on the client (takes a client ref on the op). */
void blec__client_track(blec_client *c, blec_op *op);
/** Starts the connect sequence (client_connect.c). */
int blec__client_connect_start(blec_client *c, blec_op *op);
/** Fails every pending op (link gone). */
void blec__client_fail_pending(blec_client *c, int status, const char *why);
/** Finds a characteristic/descriptor in the current tree (client lock held or not needed). */
blec_characteristic *blec__client_chr_by_handle_locked(const blec_client *c, uint16_t handle);

/* ---- helpers ------------------------------------------------------------------------------------------ */
char *blec__strdup(const char *s);

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
