/* SPDX-License-Identifier: MIT */
/*
 * bench_notify.h — what the notification benchmarks share (bench_notify_value.c): values
 * that carry a sequence number and their send time, the callback that checks their order
 * and takes their latency, and a one-in-flight ping-pong series.
 */
#ifndef BLEC_BENCH_NOTIFY_H
#define BLEC_BENCH_NOTIFY_H

#include "bench.h"

/* A pushed value: sequence (8 bytes LE), send time (8 bytes LE, blec__now_us), 4 pad. */
#define BENCH_VLEN 20

void bench_put64(uint8_t *p, uint64_t v);
uint64_t bench_get64(const uint8_t *p);

typedef enum bench_notify_mode {
  BENCH_NOTIFY_THROUGHPUT = 0, /* count deliveries (flow) */
  BENCH_NOTIFY_PINGPONG = 1    /* one in flight: latency per value, signal the sender */
} bench_notify_mode;

typedef struct bench_nstate {
  bench_notify_mode mode;
  bench_flow flow;       /* BENCH_NOTIFY_THROUGHPUT */
  uint64_t expect;       /* next sequence number */
  atomic_uint_fast64_t bad;
  uint32_t *lat;         /* BENCH_NOTIFY_PINGPONG: latency of value i at lat[i - 1] */
  uint64_t nlat;
  bench_pong pong;
} bench_nstate;

/** A state counting `goal` values with at most `window` in flight, room for `nlat`
 *  latencies (none when 0); false when that room could not be had. Destroy it either way. */
bool bench_nstate_init(bench_nstate *s, uint64_t goal, uint64_t window, uint64_t nlat);
void bench_nstate_destroy(bench_nstate *s);

/** blec_notify_cb over a bench_nstate: checks length and order, counts or times. */
void bench_on_value(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user);

/** Pushes one value (the core's or the world's way). */
typedef int (*bench_send_fn)(void *arg, uint16_t handle, const uint8_t *v, size_t len);

/** Sends values 1..m one at a time, each after the previous one's callback; false (after
 *  bench_fail) when a send fails or a value is not delivered in time. */
bool bench_pingpong(const char *B, bench_nstate *s, uint64_t m, bench_send_fn send, void *arg, uint16_t handle);

/** bench_pingpong, then the latency row `name` (median, p99 of the m values) with `what`
 *  and `note`; false (after bench_fail) when a value is late, lost or out of order. */
bool bench_latency_row(const char *B, bench_nstate *s, uint64_t m, bench_send_fn send, void *arg, uint16_t handle,
                       const char *name, const char *what, const char *note);

#endif /* BLEC_BENCH_NOTIFY_H */
