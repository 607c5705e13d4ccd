/* SPDX-License-Identifier: MIT */
/*
 * bench.h — blec-bench: the benchmarks, their shared helpers and the result rows.
 *
 * Every benchmark runs a fixed count of operations, checks its counters (a wrong count,
 * a lost, duplicated or reordered value, a failed call: the benchmark fails and the
 * program exits non-zero) and reports figures (ops/s, per-op times, percentiles, bytes).
 * Figures are never asserted: a missed target is printed, it is not a failure.
 */
#ifndef BLEC_BENCH_H
#define BLEC_BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "core/threads.h"

/* ---- results ------------------------------------------------------------------------- */

/** "absent" marker for optional figures. */
#define BENCH_NONE (-1.0)

typedef struct bench_row {
  char name[40];      /* stable id, e.g. "adv.core" */
  char backend[16];   /* the backend of the run that made the row ("virtual", "winrt") */
  char what[96];      /* one-line description */
  uint64_t count;     /* operations measured */
  double rate;        /* operations per second, or BENCH_NONE */
  double per_op_ns;   /* nanoseconds per operation, or BENCH_NONE */
  double median_us;   /* latency median, or BENCH_NONE */
  double p99_us;      /* latency 99th percentile, or BENCH_NONE */
  double bytes;       /* bytes per unit (memory rows), or BENCH_NONE */
  double blocks;      /* heap blocks per unit (memory rows), or BENCH_NONE */
  char target[24];    /* e.g. ">= 1000000/s", empty when none */
  int target_met;     /* 1 met, 0 missed, -1 no target / not measurable */
  double value;       /* a figure without a unit of its own (a ratio), or BENCH_NONE */
  char note[224];     /* free text (what is included, why n/a) */
  /* rows comparing blec with another client on the same stack (bench_bluez.c) */
  char versus[40];       /* the other client, "bleak 0.20.2"; empty for every other row */
  double cpu_us;         /* blec: CPU time of the process per event, or BENCH_NONE */
  double versus_cpu_us;  /* the other client's CPU time per event, or BENCH_NONE */
  double versus_wall_us; /* the other client's wall time per event, or BENCH_NONE */
  double ratio;          /* versus_cpu_us / cpu_us, or BENCH_NONE */
  double wall_ratio;     /* the other's wall time per event / blec's, or BENCH_NONE */
} bench_row;

/** A new row (zeroed, figures absent, the current stack's backend) appended to the
 *  report. NULL when full. */
bench_row *bench_row_add(const char *name, const char *what);

/* ---- the report (report.c) ------------------------------------------------------------- */

/** Failed checks so far. */
int bench_failures(void);
/**
 * Prints the rows: one table (with a backend column when several backends ran), then,
 * when several backends ran, each row of the first backend beside the same row of the
 * others with the ratio of their figures per event; and the rows comparing blec with
 * another client (bench_bluez.c) with their CPU and wall time per event on each side.
 */
void bench_print_table(void);
/** The same as one JSON object (bench/README.md). */
void bench_print_json(void);

/* ---- where the benchmarks' world is served ----------------------------------------------- */

/*
 * The end-to-end benchmarks build a world (blec_world) and run a backend on it. A stack
 * says which backend, and how the world reaches it: the `virtual` backend takes it through
 * the context options; a simulated OS stack (sim/winrt's DLL under Wine) is handed it
 * before the context is made and lets go of it after the context is freed.
 */
typedef struct bench_stack {
  const char *backend;           /* blec backend name */
  const char *what;              /* for the table: "the simulated Windows stack under Wine" */
  unsigned count_divisor;        /* full counts are divided by this (a slower stack); >= 1 */
  int (*attach)(blec_world *w);  /* NULL: the world goes through blec_ctx_options_set_world */
  int (*detach)(void);           /* after the context is freed; NULL when attach is NULL */
} bench_stack;

/** The virtual backend, world through the context options (common.c). */
extern const bench_stack bench_stack_virtual;

/* ---- run parameters -------------------------------------------------------------------- */

typedef struct bench_params {
  bool quick;      /* small counts: a smoke test of the program and its counters */
  bool longrun;    /* also the long-run memory checks (bench_longrun.c) */
  int timeout_ms;  /* upper bound of any single wait */
  const bench_stack *stack; /* of the end-to-end benchmarks now running */
} bench_params;

extern bench_params bench_p;

/** Picks the full or the quick count (full counts divided by the stack's divisor). */
#define BENCH_N(full_n, quick_n) \
  (bench_p.quick ? (uint64_t)(quick_n) : (uint64_t)(full_n) / bench_p.stack->count_divisor)

/* ---- failures -------------------------------------------------------------------------- */

/** Reports a failed check of the current benchmark (stderr) and marks the run failed. */
void bench_fail(const char *bench, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Checks a blec status; on failure reports it and returns false. */
bool bench_ok(const char *bench, const char *what, int status);

/* ---- statistics ------------------------------------------------------------------------- */

/** Sorts v[0..n) and stores median and 99th percentile (nearest rank) in the row. */
void bench_percentiles(bench_row *row, uint32_t *v, size_t n);
/** Median of v[0..n) (sorts v); BENCH_NONE when n is 0. */
double bench_median(double *v, size_t n);

/* ---- flow control between a producer and the dispatch thread ----------------------------- */

/*
 * The producer keeps at most `window` items in flight (produced, not yet delivered to the
 * callback): a radio cannot outrun its receiver for long either, and an unbounded queue
 * would measure malloc, not blec.
 */
typedef struct bench_flow {
  atomic_uint_fast64_t delivered;
  atomic_uint_fast64_t wake_at; /* 0: the producer does not wait */
  atomic_uint_fast64_t last_us; /* clock when `goal` was reached */
  uint64_t goal;
  uint64_t window;
  blec__mutex lock;
  blec__cond cond;
} bench_flow;

void bench_flow_init(bench_flow *f, uint64_t goal, uint64_t window);
void bench_flow_destroy(bench_flow *f);
/** Producer: waits while `produced` - delivered >= window. Returns microseconds waited. */
uint64_t bench_flow_throttle(bench_flow *f, uint64_t produced);
/** Consumer (callback): one more delivered; returns the new count. */
uint64_t bench_flow_deliver(bench_flow *f);
/** Waits until `goal` items were delivered or timeout; true when reached. */
bool bench_flow_wait(bench_flow *f, int timeout_ms);

/* ---- a one-slot rendezvous for ping-pong latency ----------------------------------------- */

typedef struct bench_pong {
  blec__mutex lock;
  blec__cond cond;
  uint64_t seq; /* last sequence number received */
} bench_pong;

void bench_pong_init(bench_pong *p);
void bench_pong_destroy(bench_pong *p);
void bench_pong_signal(bench_pong *p, uint64_t seq);
/** Waits until seq was received; false on timeout. */
bool bench_pong_wait(bench_pong *p, uint64_t seq, int timeout_ms);

/* ---- contexts and worlds ---------------------------------------------------------------- */

/** A context of the current stack's backend on `world` (thread delivery, errors only in
 *  the log); the world handed to the stack first when it takes it that way. */
int bench_ctx_new(blec_world *world, blec_ctx **out);
/** The same with a delivery mode (queued: run a bench_pump beside it). */
int bench_ctx_new_mode(blec_world *world, blec_delivery mode, blec_ctx **out);
/** Frees a context of bench_ctx_new (NULL is fine), then the stack lets go of the world. */
void bench_ctx_free(blec_ctx *ctx);

/*
 * Queued delivery's program thread: runs blec_ctx_dispatch() in a loop until stopped, as
 * an event loop would. bench_pump_start does nothing in thread delivery, so a benchmark
 * runs both modes with the same code.
 */
typedef struct bench_pump {
  blec__thread t;
  blec_ctx *ctx;
  atomic_bool stop;
  bool started;
} bench_pump;

/** False when the loop's thread could not start (queued delivery only). */
bool bench_pump_start(bench_pump *p, blec_ctx *ctx, blec_delivery mode);
/** Stops the loop after it ran what was queued (nothing when it never started). */
void bench_pump_stop(bench_pump *p);
/** "thread" or "queued". */
const char *bench_mode_name(blec_delivery mode);

/** Address "C1:xx:xx:xx:xx:xx" of peripheral number i (prefix byte p). */
void bench_address(char out[BLEC_ADDR_STRLEN], unsigned prefix, uint32_t i);
/** Whether the client says connected (checked at once after a successful connect). */
bool bench_connected_now(blec_client *c);
/** Connects a client to address (scanning for it first) with the given cache mode. */
int bench_connect(blec_ctx *ctx, const char *address, blec_cache_mode mode, blec_client **out);

/* ---- the benchmark peripheral (bench_gatt.c) --------------------------------------------- */

/*
 * One connectable peripheral at BENCH_GATT_ADDR, no delays, advertising every 20 ms:
 * service BE00 with BE01 (notify, no stream: values pushed by the benchmark), BE02
 * (notify, "counter" stream as fast as possible: `burst` values per tick, `count` per
 * subscription), BE03 (read, BENCH_READ_LEN bytes 0, 1, 2, ...).
 */
#define BENCH_GATT_ADDR "C3:B0:00:00:00:01"
#define BENCH_READ_LEN 20
int bench_world_gatt(uint32_t burst, uint64_t count, blec_world **w, blec_world_peripheral **p);
/** A world of n advertisers "Bench-NNNN" (bench_adv.c), every `interval_ms` at `scale`. */
int bench_world_advertisers(uint32_t n, int interval_ms, double scale, blec_world **out);
/**
 * Plays a backend on a running scanner: devices 0..k-1 ("C1:B0:...") each report one
 * advertisement and one scan response through blec__scanner_report() (bench_adv.c).
 */
int bench_report_devices(blec_scanner *s, uint32_t k);
/** Looks a characteristic up by 16-bit UUID. */
int bench_chr(blec_client *c, uint16_t uuid16, blec_characteristic **out);

/* ---- detection callbacks (bench_detect.c) ------------------------------------------------- */

/* Every bench advertiser is named BENCH_NAME_PREFIX + its number (4 digits) and sends
 * manufacturer data of company BENCH_COMPANY_ID. */
#define BENCH_NAME_PREFIX "Bench-"
#define BENCH_NAME_FMT BENCH_NAME_PREFIX "%04u"
#define BENCH_COMPANY_ID 0x0059

/** Counts detection callbacks and those with data other than the bench advertisers'. */
typedef struct bench_adv_counter {
  bench_flow flow;
  atomic_uint_fast64_t bad;
} bench_adv_counter;

/** blec_detection_cb over a bench_adv_counter: checks the name and manufacturer data. */
void bench_on_detect(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user);
/** The same, reading nothing of the report: what the handoff costs apart from the data the
 * program reads (adv.core.bare). */
void bench_on_detect_bare(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user);
/** How many devices the scanner has seen. */
int bench_count_seen(blec_scanner *s, size_t *n);

/* ---- memory accounting (memcount.c / platform) ---------------------------------------------- */

/** Starts counting (once on, it stays on; the timing benchmarks run before it). */
void bench_mem_start(void);
/** True when heap accounting works in this build and has started. */
bool bench_mem_available(void);
/** Why not, when it is not available. */
const char *bench_mem_why_not(void);
/** Live heap bytes (usable sizes of live blocks) and live blocks, process-wide. */
void bench_mem_snapshot(int64_t *bytes, int64_t *blocks);
/** Resident set size of the process in bytes, or -1 where it cannot be read (not Linux). */
int64_t bench_rss_bytes(void);

/* ---- the benchmarks ---------------------------------------------------------------------- */

/* What a benchmark program runs (list_*.c): its benchmarks in order (each entry may add
 * several rows), and the stacks the end-to-end ones run on, each in turn; the others run
 * once, on the first stack. */
typedef enum bench_runs {
  BENCH_RUNS_ONCE = 0,     /* on the first stack only: the core alone, or memory */
  BENCH_RUNS_PER_STACK = 1 /* end to end: through each stack and its backend in turn */
} bench_runs;

typedef struct bench_entry {
  const char *name;
  int (*fn)(void);
  bench_runs runs;
} bench_entry;

extern const char bench_program[];
extern const bench_entry bench_list[];
extern const size_t bench_list_count;
extern const bench_stack *const bench_stacks[];
extern const size_t bench_stacks_count;

/* Each returns 0 when its counters were right, -1 otherwise (bench_fail said why). */
int bench_adv_core(void);
int bench_adv_e2e(void);
int bench_notify_core(void);
int bench_notify_e2e(void);
int bench_read(void);
int bench_connect_discover(void);
int bench_mem_devices(void);
int bench_mem_clients(void);
int bench_longrun_reconnects(void);
int bench_longrun_overrun(void);
#ifdef BLEC_BENCH_BLUEZ
/* blec and bleak on the simulated bluetoothd (bench_bluez.c; Linux with sd-bus). */
int bench_bluez(void);
/** When a benchmark named PREFIX "bluez" is to run and no private D-Bus system bus is
 *  set up, re-runs the program under scripts/private-bus.sh (returns only if that fails:
 *  the bluez rows then say n/a). */
void bench_bluez_private_bus(int argc, char **argv, const char *const *only, size_t nonly);
#endif

#endif /* BLEC_BENCH_H */
