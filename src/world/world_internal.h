/* SPDX-License-Identifier: MIT */
/*
 * world_internal.h — the world engine's private model, shared by the files of src/world/
 * only. Nothing outside src/world/ includes it: stacks use world_stack.h, programs
 * blec_world.h.
 *
 * Locking: one mutex per world (w->lock) guards everything below. Callbacks into a stack
 * run on the engine thread with the lock released (blec__wengine_enter_* / leave_*).
 *
 * Time: every time below is "world time" in microseconds (blec__world_now_us). Real time
 * is world time multiplied by the time scale.
 */
#ifndef BLEC_WORLD_INTERNAL_H
#define BLEC_WORLD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/threads.h"
#include "world/world_stack.h"

/** Longest attribute value (ATT: 512 bytes). */
#define BLEC__W_MAX_VALUE 512
/** Longest advertising or scan response payload (an extended advertisement's data). */
#define BLEC__W_MAX_ADV 251
/** Smallest ATT MTU. */
#define BLEC__W_MIN_MTU 23
/** Most ATT error faults one peripheral can hold. */
#define BLEC__W_MAX_FAULTS 16

#define BLEC__W_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---- timer queue ----------------------------------------------------------------------- */

/** Kinds of event; the owner of an event node is found from its kind. */
enum {
  BLEC__WEV_ADV = 1,       /* blec_world_peripheral.ev_adv: one advertising event */
  BLEC__WEV_STOP_ADV,      /* blec_world_peripheral.ev_stop_adv: stop-advertising fault */
  BLEC__WEV_CONNECT,       /* blec__wreq.ev of a connect request */
  BLEC__WEV_REQ_DONE,      /* blec__wreq.ev: a completion decided in advance (cancel, value) */
  BLEC__WEV_LINK_REQ,      /* blec__wlink.ev_req: the head request of the link is answered */
  BLEC__WEV_LINK_LOSS,     /* blec__wlink.ev_loss: link-loss fault after a time */
  BLEC__WEV_LINK_DROP,     /* blec__wlink.ev_drop: the link went down, flush and report */
  BLEC__WEV_STREAM,        /* blec__wsub.ev: a stream characteristic's tick */
  BLEC__WEV_SCAN_STOPPED,  /* blec__wscan.ev_stopped: the scan ended by itself */
  BLEC__WEV_ORPHAN,        /* blec__wreq.ev: a request of a released link completes */
  BLEC__WEV_BARRIER        /* blec__wbarrier.ev: a waiter of blec__world_wait_passed */
};

/**
 * An intrusive timer node, embedded in its owner. Ordered by (due, seq): seq is taken
 * from a world counter when scheduled, so equal times keep scheduling order and the
 * world runs the same way every time.
 */
typedef struct blec__wev {
  uint64_t due;
  uint64_t seq;
  size_t pos; /* 1-based index in the heap, 0 when not queued */
  int kind;
} blec__wev;

/* ---- attribute database ------------------------------------------------------------------ */

enum {
  BLEC__WA_SERVICE = 0,   /* primary service declaration */
  BLEC__WA_CHAR_DECL = 1, /* characteristic declaration */
  BLEC__WA_VALUE = 2,     /* characteristic value */
  BLEC__WA_DESC = 3       /* descriptor */
};

/** Stream generators. */
enum {
  BLEC__WGEN_STATIC = 0,
  BLEC__WGEN_COUNTER,
  BLEC__WGEN_HEART_RATE,
  BLEC__WGEN_TEMPERATURE,
  BLEC__WGEN_HUMIDITY,
  BLEC__WGEN_BATTERY
};

/** Descriptor access bits. */
enum { BLEC__WACC_READ = 1, BLEC__WACC_WRITE = 2 };

/** One attribute. The table is in handle order; without gaps, handle = index + 1. */
typedef struct blec__wattr_rec {
  uint16_t handle;
  uint8_t kind;
  uint8_t security;   /* BLEC__WA_VALUE: blec_protection_level needed (value and CCCD) */
  uint8_t access;     /* BLEC__WA_DESC: BLEC__WACC_* */
  uint8_t generator;  /* BLEC__WA_VALUE with a stream */
  blec_uuid uuid;
  uint32_t props;     /* BLEC__WA_VALUE / CHAR_DECL: BLEC_PROP_* */
  uint16_t owner;     /* SERVICE: end handle; CHAR_DECL/VALUE/DESC: the value handle */
  uint16_t cccd;      /* BLEC__WA_VALUE: handle of its CCCD, 0 if none */
  uint16_t echo;      /* BLEC__WA_VALUE: writes are notified on this value handle, 0 if none */
  int32_t stream_ms;  /* BLEC__WA_VALUE: stream interval, -1 when not a stream */
  uint32_t burst;     /* values per stream tick (>= 1) */
  uint64_t count;     /* values per subscription, 0 = unlimited */
  int32_t gen_state;  /* generator state (bpm, centi-degrees, ...) */
  uint8_t *value;
  uint16_t len;
  uint16_t cap;
} blec__wattr_rec;

/* ---- peripherals ------------------------------------------------------------------------- */

typedef struct blec__wfault {
  uint64_t nth;
  int att_error;
} blec__wfault;

/** Where a peripheral's name is advertised. */
enum { BLEC__WNAME_ADV = 0, BLEC__WNAME_SCAN_RSP = 1, BLEC__WNAME_NONE = 2 };

struct blec_world_peripheral {
  blec_world *w;
  size_t index;
  uint64_t addr;                   /* the 48-bit address as a number */
  char address[BLEC_ADDR_STRLEN];  /* "AA:BB:CC:DD:EE:FF", immutable */
  blec_address_type addr_type;

  /* advertising */
  char *name;                      /* NULL when none */
  int name_where;                  /* BLEC__WNAME_* */
  uint8_t ad[2][BLEC__W_MAX_ADV];  /* AD structures added, [0] advertisement, [1] scan response */
  size_t ad_len[2];
  bool raw[2];                     /* ad[i] is the whole payload (no generated fields) */
  uint8_t payload[2][BLEC__W_MAX_ADV]; /* what is sent (composed from the above) */
  size_t payload_len[2];
  int tx_power[2];                 /* from each payload's TX power AD, 127 when absent */
  int adv_interval_ms;
  int rssi, rssi_var;
  bool connectable;
  bool advertising;
  bool adv_while_connected;
  bool connected_elsewhere;
  uint64_t rng_rssi, rng_gen;      /* PRNG states (see blec__wrng_next) */

  /* links */
  int mtu;
  int pair_max;                    /* blec_protection_level */
  int pair_io;                     /* blec_world_pairing_io: its SMP IO capability */
  char passkey[7];                 /* the 6-digit passkey it shows, types or compares */
  int bond;                        /* blec_protection_level of the bond, -1 when none */
  int connect_delay_ms, response_delay_ms;
  blec__wfault faults[BLEC__W_MAX_FAULTS];
  int nfaults;
  int loss_after_ms;               /* link-loss fault, -1 = none */
  int64_t loss_after_requests;     /* -1 = none */
  int stop_adv_ms;                 /* stop-advertising fault, -1 = none */
  int discovery_unreachable;       /* first N discoveries of each link time out */
  blec__wlink *link;               /* the central's live link, NULL when none */
  uint64_t requests_total;

  /* GATT */
  blec__wattr_rec *attrs;
  size_t nattrs, cap_attrs;       /* attributes in the table (not the last handle: gaps) */
  uint16_t next_handle;            /* blec_world_set_next_handle's, 0 = the one after the last */
  uint16_t cur_service;            /* handle of the last service, 0 = none */
  uint16_t cur_char;               /* value handle of the last characteristic, 0 = none */
  uint16_t gap_name;               /* value handle of Device Name, 0 = none */

  blec__wev ev_adv;
  blec__wev ev_stop_adv;
};

/* ---- requests, links, scans ---------------------------------------------------------------- */

enum {
  BLEC__WREQ_CONNECT = 0,
  BLEC__WREQ_MTU,
  BLEC__WREQ_READ,
  BLEC__WREQ_WRITE,      /* with response */
  BLEC__WREQ_WRITE_CMD,  /* without response */
  BLEC__WREQ_PAIR,        /* completes through cb.done */
  BLEC__WREQ_PAIR_ANSWERED, /* a ceremony's answer: completes through cb.pair */
  BLEC__WREQ_PAIR_JUST_WORKS, /* as PAIR_ANSWERED, the method Just Works whatever the peripheral's IO */
  BLEC__WREQ_UNPAIR,
  BLEC__WREQ_DISCONNECT,
  BLEC__WREQ_DISCOVER,
  BLEC__WREQ_VALUE       /* not a request: a notification carrier (set_value) */
};

/** Small values live inside the request; larger ones in `big`. */
#define BLEC__WREQ_INLINE 48

typedef struct blec__wreq {
  blec__wev ev;
  struct blec__wreq *prev, *next; /* link FIFO, link done list, world connect list, freelist */
  blec__wlink *link;
  int64_t id;
  int type;
  uint16_t handle;
  int arg;                        /* MTU, protection level */
  bool indication;                /* BLEC__WREQ_VALUE */
  bool cancelled;
  int status, att;
  int pair_failure;               /* BLEC__WREQ_PAIR: blec__wpair_failure */
  union {
    blec__wdone_cb done;
    blec__wread_cb read;
    blec__wconnect_cb connect;
    blec__wdiscover_cb discover;
    blec__wpair_cb pair;
  } cb;
  void *user;
  uint8_t *data;                  /* inl or big: a write's value, an answered pairing's PIN */
  size_t len;
  uint8_t *big;
  size_t big_cap;
  uint8_t inl[BLEC__WREQ_INLINE];
} blec__wreq;


/** A request list (FIFO order). */
typedef struct blec__wreq_list {
  blec__wreq *head, *tail;
} blec__wreq_list;

/** One subscription of a link to a characteristic (CCCD bits), with its stream ticks. */
typedef struct blec__wsub {
  struct blec__wsub *next;
  blec__wlink *link;
  uint16_t handle; /* value handle */
  uint16_t bits;   /* 1 notify, 2 indicate */
  uint64_t sent;   /* stream values sent since subscribed */
  blec__wev ev;
} blec__wsub;

enum { BLEC__WLINK_CONNECTING = 0, BLEC__WLINK_UP, BLEC__WLINK_DOWN, BLEC__WLINK_CLOSED };

struct blec__wlink {
  blec_world *w;
  blec_world_peripheral *p;  /* NULL until connected */
  struct blec__wlink *prev, *next; /* world list */
  int state;
  int reason;                /* BLEC_DISCONNECT_* once DOWN */
  bool released;             /* the stack dropped it */
  bool release_waiting;      /* a releasing thread waits for a callback to end */
  blec__wlink_events events;
  void *events_user;
  int mtu;
  bool mtu_exchanged;
  int level;                 /* blec_protection_level of the link's encryption */
  uint64_t requests;         /* requests served on this link (faults) */
  int discoveries;
  uint64_t connected_at;
  uint64_t addr;             /* the address connected to */
  int addr_type;             /* blec_address_type asked for */
  blec__wreq_list fifo;      /* pending requests, answered in order */
  blec__wreq_list done;      /* completions decided in advance, each queued on its own */
  blec__wreq_list waiting;   /* disconnects waiting for the link to be fully down */
  blec__wreq *connect_req;
  blec__wsub *subs;
  blec__wev ev_req, ev_loss, ev_drop;
};

struct blec__wscan {
  blec_world *w;
  struct blec__wscan *prev, *next;
  uint64_t id;               /* increasing: reports are delivered in id order */
  bool active;               /* active scanning: also scan responses */
  bool running;              /* receives reports */
  bool released, release_waiting;
  blec__wscan_events events;
  void *user;
  int stop_status, stop_reason;
  blec__wev ev_stopped;
};

/* ---- the world ------------------------------------------------------------------------------ */

struct blec_world {
  blec__mutex lock;
  blec__cond wake;      /* the engine waits on it for the next event */
  blec__cond cb_done;   /* a callback ended (releasers wait on it) */
  int refs;

  bool radio;
  uint64_t seed;
  double scale;
  int default_connect_delay_ms; /* for addresses with no peripheral */
  /* `windows KEY VALUE` lines (blec__wwin): for the simulated Windows stack only */
  int windows[BLEC__WWIN_END_];
  bool windows_set[BLEC__WWIN_END_];

  /* clock: world time = wbase + (real - rbase) / scale once started; never goes back */
  bool started;
  uint64_t rbase, wbase;
  uint64_t vnow;        /* due time of the last event run */

  blec_world_peripheral **periph;
  size_t nperiph, cap_periph;
  size_t *index;        /* open-addressing hash of addresses: periph position + 1, 0 = empty */
  size_t cap_index;     /* a power of two, at least twice nperiph */

  /* engine */
  bool thread_started, stopping, sleeping, destroy_on_exit;
  blec__thread thread;
  uint64_t engine_tid;
  blec__wev **heap;
  size_t nheap, cap_heap;
  uint64_t seq;
  int64_t next_id;

  blec__wscan *scans, *scans_tail;
  uint64_t next_scan_id;
  size_t nrunning;      /* scans receiving reports */
  blec__wlink *links;
  blec__wreq_list connects;
  blec__wreq_list orphans; /* requests of released links, waiting to complete */

  blec__wlink *cb_link; /* whose callback runs now (engine thread), NULL if none */
  blec__wscan *cb_scan;

  blec__wreq *free_reqs;
  size_t nfree_reqs;

  /* engine-thread scratch (never used by other threads) */
  uint8_t scratch[2][BLEC__W_MAX_VALUE];
};

/* ---- world.c ----------------------------------------------------------------------------------- */

/** World time now (lock held); never less than the last event run. */
uint64_t blec__world_now_locked(blec_world *w);
/** Next value of a splitmix64 generator. */
uint64_t blec__wrng_next(uint64_t *state);
/** Seeds a peripheral's generators from the world seed and its address. */
void blec__world_seed_peripheral(blec_world *w, blec_world_peripheral *p);
/** Peripheral by address (lock held), NULL if none. */
blec_world_peripheral *blec__world_find_locked(blec_world *w, uint64_t addr);
/** Parses "AA:BB:CC:DD:EE:FF" (any case) into a number. */
bool blec__waddr_parse(const char *text, uint64_t *out);
/** Copy of a string (malloc), NULL on failure. */
char *blec__wstrdup(const char *s);
/** Frees a world whose last reference went inside a callback (engine thread, lock held). */
void blec__world_destroy_from_engine(blec_world *w);

/* ---- world_barrier.c ------------------------------------------------------------------------------ */

/** Marks the barrier of `ev` as reached and wakes its waiter (engine thread, lock held). */
void blec__wbarrier_on_reached(blec_world *w, blec__wev *ev);

/* ---- world_adv.c --------------------------------------------------------------------------------- */

/** Recomposes p->payload from name, flags and added AD structures (lock held). */
void blec__wadv_compose(blec_world_peripheral *p);
/** Whether the peripheral should advertise now (lock held). */
bool blec__wadv_active(const blec_world_peripheral *p);

/* ---- world_engine.c ------------------------------------------------------------------------------ */

/** Queues (or requeues) ev at world time `due` (lock held). */
void blec__wengine_schedule(blec_world *w, blec__wev *ev, uint64_t due);
/** Removes ev from the queue if queued (lock held). */
void blec__wengine_unschedule(blec_world *w, blec__wev *ev);
/** Starts the clock and the engine thread if not yet (lock held). */
int blec__wengine_start(blec_world *w);
/** Stops and joins the engine thread (lock held, released while joining). */
void blec__wengine_stop(blec_world *w);
/** Whether the calling thread is the engine thread. */
bool blec__wengine_on_thread(blec_world *w);
/** Marks l as "in a callback" and releases the lock. */
void blec__wengine_enter_link(blec_world *w, blec__wlink *l);
/**
 * Retakes the lock after a callback of l. Returns false when l was released meanwhile:
 * it is then freed (or handed to the releasing thread) and must not be touched.
 */
bool blec__wengine_leave_link(blec_world *w, blec__wlink *l);
void blec__wengine_enter_scan(blec_world *w, blec__wscan *s);
bool blec__wengine_leave_scan(blec_world *w, blec__wscan *s);
/** Waits (lock held) until no callback of l / s runs, unless on the engine thread. */
void blec__wengine_wait_callbacks(blec_world *w, const void *obj);

/* ---- world_scan.c ---------------------------------------------------------------------------------- */

/** Schedules p's advertising if it should advertise, scans run and it is not queued. */
void blec__wscan_kick(blec_world *w, blec_world_peripheral *p);
/** Kicks every peripheral (a scan started). */
void blec__wscan_kick_all(blec_world *w);
void blec__wscan_on_adv(blec_world *w, blec_world_peripheral *p);
void blec__wscan_on_stop_adv(blec_world *w, blec_world_peripheral *p);
void blec__wscan_on_stopped(blec_world *w, blec__wscan *s);
/** Radio off: every running scan stops with an error (lock held). */
void blec__wscan_radio_off(blec_world *w);
/** Frees a scan object (lock held, not in the world list any more). */
void blec__wscan_free(blec_world *w, blec__wscan *s);

/* ---- world_link.c ----------------------------------------------------------------------------------- */

blec__wreq *blec__wreq_new(blec_world *w, int type);
void blec__wreq_free(blec_world *w, blec__wreq *r);
/** Copies data into the request (inline or grown buffer). */
int blec__wreq_set_data(blec__wreq *r, const uint8_t *data, size_t len);
void blec__wreq_list_push(blec__wreq_list *l, blec__wreq *r);
void blec__wreq_list_remove(blec__wreq_list *l, blec__wreq *r);
/** Takes the link down (lock held): requests then fail, callbacks follow on the engine. */
void blec__wlink_drop(blec__wlink *l, int reason);
/** Frees a link object and everything it holds (lock held, unlinked from the world). */
void blec__wlink_free(blec_world *w, blec__wlink *l);
void blec__wlink_on_connect(blec_world *w, blec__wreq *r);
void blec__wlink_on_req_done(blec_world *w, blec__wreq *r);
void blec__wlink_on_head(blec_world *w, blec__wlink *l);
void blec__wlink_on_loss(blec_world *w, blec__wlink *l);
void blec__wlink_on_drop(blec_world *w, blec__wlink *l);
void blec__wlink_on_orphan(blec_world *w, blec__wreq *r);
/** Radio off: every link drops (lock held). */
void blec__wlink_radio_off(blec_world *w);

/* ---- world_gatt.c ---------------------------------------------------------------------------------- */

/** The attribute of handle, NULL when out of range (lock held). */
blec__wattr_rec *blec__wgatt_attr(blec_world_peripheral *p, uint16_t handle);
/** True when the peripheral's 65535 attribute handles are all taken. */
bool blec__world_handles_full(blec_world_peripheral *p);
/** Sets an attribute's value (lock held); BLEC_ERR_INVALID_ARG when too long. */
int blec__wgatt_set(blec__wattr_rec *a, const uint8_t *data, size_t len);
/**
 * Answers a read (lock held): status/att, value copied into req data. Security and
 * permissions checked against the link.
 */
void blec__wgatt_read(blec__wlink *l, blec__wreq *r);
/** Answers a write (lock held); applies it (CCCD updates the link's subscriptions). */
void blec__wgatt_write(blec__wlink *l, blec__wreq *r);
/** The name changed (lock held): creates the GAP service or updates Device Name. */
int blec__wgatt_name_changed(blec_world_peripheral *p);
/** The declaration or value bytes of an attribute as a read answers them (lock held). */
size_t blec__wgatt_encode(blec_world_peripheral *p, const blec__wattr_rec *a, uint8_t *out);
/** Properties of a value handle, 0 when it is not one (takes the lock). */
uint32_t blec__wgatt_props(blec_world_peripheral *p, uint16_t value_handle);
/** The value handle of the characteristic with this UUID (takes the lock); *count matches. */
uint16_t blec__wgatt_find_value(blec_world_peripheral *p, const blec_uuid *uuid, int *count);
/** Copies the attribute list for discovery (lock held). */
int blec__wgatt_list(blec_world_peripheral *p, blec__wattr **attrs, size_t *count);
/** The last handle taken (by an attribute or blec_world_set_next_handle), 0 when none (takes the lock). */
uint16_t blec__wgatt_last_handle(blec_world_peripheral *p);

/* ---- world_stream.c ---------------------------------------------------------------------------------- */

/** The subscription of l to value handle h, NULL when none. */
blec__wsub *blec__wsub_find(blec__wlink *l, uint16_t h);
/** Applies CCCD bits to a link (lock held): starts/stops the stream. */
int blec__wsub_set(blec__wlink *l, blec__wattr_rec *value, uint16_t bits);
/** Frees every subscription of l (lock held). */
void blec__wsub_clear(blec__wlink *l);
/** Unschedules every stream tick of l (lock held). */
void blec__wsub_pause_all(blec__wlink *l);
void blec__wstream_on_tick(blec_world *w, blec__wsub *s);
/** Advances a generator: the attribute's next value (lock held). */
void blec__wstream_generate(blec_world_peripheral *p, blec__wattr_rec *a);
/** Generator by name, -1 when unknown. */
int blec__wstream_generator(const char *name);
/**
 * Queues a notification of value handle h with data to l if subscribed (lock held).
 * Completes later on the engine thread.
 */
int blec__wsub_push(blec__wlink *l, uint16_t h, const uint8_t *data, size_t len);

/* ---- extra builder calls used by the parser (world.c / world_gatt.c) ---------------------------------- */

int blec__world_peripheral_set_name_where(blec_world_peripheral *p, const char *name, int where);
int blec__world_peripheral_set_connected_elsewhere(blec_world_peripheral *p, bool on);
int blec__world_peripheral_set_adv_while_connected(blec_world_peripheral *p, bool on);
int blec__world_peripheral_set_bond(blec_world_peripheral *p, int level);
int blec__world_fault_discovery(blec_world_peripheral *p, int count);
int blec__world_descriptor_set_access(blec_world_peripheral *p, uint16_t handle, int access);
int blec__world_set_default_connect_delay(blec_world *w, int ms);

#endif /* BLEC_WORLD_INTERNAL_H */
