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
#ifdef BLEC_BENCH_BLUEZ
#include <unistd.h>
#endif

#include "bench.h"

bench_params bench_p = {false, 60000};

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
#ifdef BLEC_BENCH_BLUEZ
    {"bluez", bench_bluez},
#endif
    {"mem.device", bench_mem_devices},
    {"mem.client", bench_mem_clients},
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
  r->rate = r->per_op_ns = r->median_us = r->p99_us = r->bytes = r->blocks = BENCH_NONE;
  r->cpu_us = r->versus_cpu_us = r->versus_wall_us = r->ratio = r->wall_ratio = BENCH_NONE;
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
  bool side = false;
  for (size_t i = 0; i < nrows; i++) side |= rows[i].versus[0] != 0;
  if (!side) return;
  printf("\nSide by side on the simulated bluetoothd (CPU time of the client process per event; ratio = other / blec)\n");
  printf("%-22s %9s %12s %16s %9s %12s %16s %10s\n", "benchmark", "events", "blec CPU us", "other CPU us", "CPU ratio",
         "blec wall us", "other wall us", "wall ratio");
  for (size_t i = 0; i < nrows; i++) {
    const bench_row *r = &rows[i];
    if (!r->versus[0]) continue;
    char a[32], b[32], c[32], d[32], e[32], f[32];
    fmt_num(a, sizeof a, r->cpu_us, "");
    fmt_num(b, sizeof b, r->versus_cpu_us, "");
    fmt_num(c, sizeof c, r->ratio, "x");
    fmt_num(d, sizeof d, r->per_op_ns >= 0 ? r->per_op_ns / 1000.0 : BENCH_NONE, "");
    fmt_num(e, sizeof e, r->versus_wall_us, "");
    fmt_num(f, sizeof f, r->wall_ratio, "x");
    printf("%-22s %9llu %12s %16s %9s %12s %16s %10s  (other: %s)\n", r->name, (unsigned long long)r->count, a, b, c, d,
           e, f, r->ratio >= 0 ? r->versus : r->note);
  }
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
    printf(",\"target\":");
    if (r->target[0])
      json_str(r->target);
    else
      printf("null");
    printf(",\"target_met\":%s", r->target_met == 1 ? "true" : r->target_met == 0 ? "false" : "null");
    printf(",\"note\":");
    json_str(r->note);
    if (r->versus[0]) {
      printf(",\"versus\":");
      json_str(r->versus);
      json_num("cpu_us_per_event", r->cpu_us);
      json_num("versus_cpu_us_per_event", r->versus_cpu_us);
      json_num("versus_wall_us_per_event", r->versus_wall_us);
      json_num("ratio", r->ratio);
      json_num("wall_ratio", r->wall_ratio);
    }
    printf("}");
  }
  printf("\n]}\n");
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: blec-bench [--json] [--quick] [--only PREFIX]... [--list]\n"
          "  --json         print JSON instead of the table\n"
          "  --quick        small counts (smoke test: the program runs, its counters are right)\n"
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
#ifdef BLEC_BENCH_BLUEZ
  /* The BlueZ rows need a private system bus: run the whole bench under
   * scripts/private-bus.sh once (never the machine's bus). */
  bool want_bluez = nonly == 0;
  for (size_t j = 0; j < nonly; j++) want_bluez |= !strncmp("bluez", only[j], strlen(only[j]));
  if (want_bluez && !getenv("BLEC_PRIVATE_BUS_DIR") && !getenv("BLEC_BENCH_REEXEC")) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
      self[n] = 0;
      char **args = calloc((size_t)argc + 4, sizeof *args);
      if (args) {
        args[0] = (char *)"bash";
        args[1] = (char *)BLEC_BENCH_PRIVATE_BUS;
        args[2] = self;
        for (int i = 1; i < argc; i++) args[i + 2] = argv[i];
        setenv("BLEC_BENCH_REEXEC", "1", 1);
        execvp("bash", args);
        free(args); /* exec failed: the BlueZ rows say n/a */
      }
    }
  }
#endif
  const char *mult = getenv("BLEC_TEST_TIMEOUT_MULTIPLIER");
  if (mult && atoi(mult) > 1) bench_p.timeout_ms *= atoi(mult);

  for (size_t k = 0; k < sizeof benches / sizeof benches[0]; k++) {
    bool run = nonly == 0;
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
