/* SPDX-License-Identifier: MIT */
/*
 * main.c — blec-bench: runs the benchmarks in a fixed order and prints one table (or
 * JSON with --json). Exit status: 0 when every benchmark's counters were right, 1 when
 * one failed, 2 for a usage error. Targets are reported, never enforced.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

bench_params bench_p = {false, false, 60000};

typedef struct bench_entry {
  const char *name;
  int (*fn)(void);
} bench_entry;

/* Order: cheap core figures first, memory last (it wants a settled heap). */
static const bench_entry benches[] = {
    {"adv.core", bench_adv_core},
    {"adv.e2e", bench_adv_e2e},
    {"notify.core", bench_notify_core},
    {"notify.e2e", bench_notify_e2e},
    {"read", bench_read},
    {"connect", bench_connect_discover},
    {"mem.device", bench_mem_devices},
    {"mem.client", bench_mem_clients},
    {"longrun.reconnect", bench_longrun_reconnects},
    {"longrun.overrun", bench_longrun_overrun},
};

#define MAX_ROWS 32
static bench_row rows[MAX_ROWS];
static size_t nrows;
static int failures;

bench_row *bench_row_add(const char *name, const char *what) {
  if (nrows == MAX_ROWS) return NULL;
  bench_row *r = &rows[nrows++];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", name);
  snprintf(r->what, sizeof r->what, "%s", what);
  r->rate = r->per_op_ns = r->median_us = r->p99_us = r->bytes = r->blocks = r->value = BENCH_NONE;
  r->target_met = -1;
  return r;
}

void bench_fail(const char *bench, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "blec-bench: %s: FAILED: ", bench);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  failures++;
}

bool bench_ok(const char *bench, const char *what, int status) {
  if (status == BLEC_OK) return true;
  bench_fail(bench, "%s: %s (%s)", what, blec_status_name(status), blec_strerror(status));
  return false;
}

/* ---- output ----------------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t size, double v, const char *suffix) {
  if (v < 0) {
    snprintf(buf, size, "-");
  } else if (v >= 1e7) {
    snprintf(buf, size, "%.0f%s", v, suffix);
  } else if (v >= 100) {
    snprintf(buf, size, "%.0f%s", v, suffix);
  } else if (v >= 10) {
    snprintf(buf, size, "%.1f%s", v, suffix);
  } else {
    snprintf(buf, size, "%.2f%s", v, suffix);
  }
}

static void print_table(void) {
  printf("%-22s %9s %13s %10s %9s %9s %10s %14s  %s\n", "benchmark", "count", "ops/s", "ns/op",
         "median", "p99", "bytes", "target", "note");
  printf("%-22s %9s %13s %10s %9s %9s %10s %14s  %s\n", "", "", "", "", "(us)", "(us)", "per unit", "", "");
  for (size_t i = 0; i < nrows; i++) {
    const bench_row *r = &rows[i];
    char rate[32], ns[32], med[32], p99[32], bytes[32], target[40];
    fmt_num(rate, sizeof rate, r->rate, "");
    fmt_num(ns, sizeof ns, r->per_op_ns, "");
    fmt_num(med, sizeof med, r->median_us, "");
    fmt_num(p99, sizeof p99, r->p99_us, "");
    fmt_num(bytes, sizeof bytes, r->bytes, "");
    if (!r->target[0])
      snprintf(target, sizeof target, "-");
    else
      snprintf(target, sizeof target, "%s %s", r->target,
               r->target_met == 1 ? "ok" : r->target_met == 0 ? "MISS" : "n/a");
    printf("%-22s %9llu %13s %10s %9s %9s %10s %14s  %s\n", r->name, (unsigned long long)r->count, rate, ns,
           med, p99, bytes, target, r->note);
  }
  printf("\n");
  for (size_t i = 0; i < nrows; i++) printf("  %-22s %s\n", rows[i].name, rows[i].what);
}

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void json_num(const char *key, double v) {
  printf(",\"%s\":", key);
  if (v < 0)
    printf("null");
  else
    printf("%.6g", v);
}

static void print_json(bool quick) {
  printf("{\"version\":");
  json_str(blec_version_string());
  printf(",\"quick\":%s,\"failures\":%d,\"benchmarks\":[", quick ? "true" : "false", failures);
  for (size_t i = 0; i < nrows; i++) {
    const bench_row *r = &rows[i];
    printf("%s\n{\"name\":", i ? "," : "");
    json_str(r->name);
    printf(",\"what\":");
    json_str(r->what);
    printf(",\"count\":%llu", (unsigned long long)r->count);
    json_num("ops_per_s", r->rate);
    json_num("ns_per_op", r->per_op_ns);
    json_num("median_us", r->median_us);
    json_num("p99_us", r->p99_us);
    json_num("bytes_per_unit", r->bytes);
    json_num("blocks_per_unit", r->blocks);
    json_num("value", r->value);
    printf(",\"target\":");
    if (r->target[0])
      json_str(r->target);
    else
      printf("null");
    printf(",\"target_met\":%s", r->target_met == 1 ? "true" : r->target_met == 0 ? "false" : "null");
    printf(",\"note\":");
    json_str(r->note);
    printf("}");
  }
  printf("\n]}\n");
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: blec-bench [--json] [--quick] [--longrun] [--only PREFIX]... [--list]\n"
          "  --json         print JSON instead of the table\n"
          "  --quick        small counts (smoke test: the program runs, its counters are right)\n"
          "  --longrun      also the long-run memory checks (10 000 reconnections, a minute of a\n"
          "                 stream faster than its callback); with --quick, short versions\n"
          "  --only PREFIX  run only the benchmarks whose name starts with PREFIX (repeatable)\n"
          "  --list         list the benchmarks\n"
          "Exit status: 0 all counters right, 1 a benchmark failed, 2 usage error.\n");
}

int main(int argc, char **argv) {
  bool json = false;
  const char *only[16];
  size_t nonly = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--quick")) {
      bench_p.quick = true;
    } else if (!strcmp(argv[i], "--longrun")) {
      bench_p.longrun = true;
    } else if (!strcmp(argv[i], "--only") && i + 1 < argc && nonly < 16) {
      only[nonly++] = argv[++i];
    } else if (!strcmp(argv[i], "--list")) {
      for (size_t k = 0; k < sizeof benches / sizeof benches[0]; k++) printf("%s\n", benches[k].name);
      return 0;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "blec-bench: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  const char *mult = getenv("BLEC_TEST_TIMEOUT_MULTIPLIER");
  if (mult && atoi(mult) > 1) bench_p.timeout_ms *= atoi(mult);

  for (size_t k = 0; k < sizeof benches / sizeof benches[0]; k++) {
    bool longrun = !strncmp(benches[k].name, "longrun.", 8);
    bool run = nonly == 0 && (!longrun || bench_p.longrun);
    for (size_t j = 0; j < nonly; j++)
      if (!strncmp(benches[k].name, only[j], strlen(only[j]))) run = true;
    if (!run) continue;
    if (!json) {
      fprintf(stderr, "blec-bench: %s...\n", benches[k].name);
      fflush(stderr);
    }
    if (benches[k].fn() != 0 && failures == 0) bench_fail(benches[k].name, "failed");
  }
  if (json)
    print_json(bench_p.quick);
  else
    print_table();
  if (failures) fprintf(stderr, "blec-bench: %d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
