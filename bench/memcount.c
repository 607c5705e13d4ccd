/* SPDX-License-Identifier: MIT */
/*
 * memcount.c — process-wide heap accounting for the memory figures.
 *
 * How: the bench is linked with `-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=free` (bench/CMakeLists.txt, where the toolchain and C library allow it), so
 * every call the library and the bench make to these functions comes here first. Each
 * live block is counted with its usable size (malloc_usable_size: the bytes the
 * allocator really set aside for it, rounding included, its 8-byte chunk header not), in
 * two atomic counters. Allocations the C library makes for itself (stdio buffers) and
 * thread stacks (mmap) are not seen. Counting starts with the first memory benchmark
 * (bench_mem_start) and stays on: blocks allocated before and freed after it would be
 * subtracted, so every memory benchmark builds its objects after starting the count.
 *
 * Elsewhere (Windows, macOS, other C libraries) the figures are "not available": the
 * functions below then report so and count nothing. The resident set size (the long-run
 * rows) comes from /proc where there is one.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#if defined(BLEC_BENCH_MEMWRAP)
#include <malloc.h>

static atomic_int_fast64_t live_bytes;
static atomic_int_fast64_t live_blocks;
static atomic_int_fast64_t calls;
/* Off until a memory benchmark starts: the timing benchmarks must not pay for shared
 * atomic counters (two threads adding to one cache line at every malloc). */
static atomic_bool counting;

#define COUNTING() atomic_load_explicit(&counting, memory_order_relaxed)

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static void account(int64_t bytes, int64_t blocks) {
  atomic_fetch_add_explicit(&live_bytes, bytes, memory_order_relaxed);
  atomic_fetch_add_explicit(&live_blocks, blocks, memory_order_relaxed);
  atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
}

void *__wrap_malloc(size_t n) {
  void *p = __real_malloc(n);
  if (p && COUNTING()) account((int64_t)malloc_usable_size(p), 1);
  return p;
}

void *__wrap_calloc(size_t n, size_t size) {
  void *p = __real_calloc(n, size);
  if (p && COUNTING()) account((int64_t)malloc_usable_size(p), 1);
  return p;
}

void *__wrap_realloc(void *old, size_t n) {
  if (!COUNTING()) return __real_realloc(old, n);
  int64_t before = old ? (int64_t)malloc_usable_size(old) : 0;
  void *p = __real_realloc(old, n);
  if (p)
    account((int64_t)malloc_usable_size(p) - before, old ? 0 : 1);
  else if (old && n == 0)
    account(-before, -1); /* realloc(p, 0) freed it */
  return p;
}

void __wrap_free(void *p) {
  if (p && COUNTING()) account(-(int64_t)malloc_usable_size(p), -1);
  __real_free(p);
}

void bench_mem_start(void) { atomic_store(&counting, true); }

bool bench_mem_available(void) {
  /* The wrapper really runs: an allocation through the library's path moves the counter. */
  if (!COUNTING()) return false;
  int64_t before = atomic_load(&calls);
  void *volatile p = malloc(16); /* volatile: the pair must not be optimised away */
  free(p);
  return atomic_load(&calls) != before;
}

const char *bench_mem_why_not(void) { return "malloc is not wrapped in this build"; }

void bench_mem_snapshot(int64_t *bytes, int64_t *blocks) {
  *bytes = atomic_load(&live_bytes);
  *blocks = atomic_load(&live_blocks);
}

#else

void bench_mem_start(void) {}

bool bench_mem_available(void) { return false; }

const char *bench_mem_why_not(void) {
  return "heap accounting needs the GNU linker's --wrap and malloc_usable_size (Linux)";
}

void bench_mem_snapshot(int64_t *bytes, int64_t *blocks) {
  *bytes = 0;
  *blocks = 0;
}

#endif

/* Linux's /proc (the second field of statm: resident pages of 4 KiB on the machines the
 * figures come from); elsewhere the file is absent and the RSS is "not available". */
int64_t bench_rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long pages = 0, resident = 0;
  int n = fscanf(f, "%ld %ld", &pages, &resident);
  fclose(f);
  return n == 2 ? (int64_t)resident * 4096 : -1;
}
