/* SPDX-License-Identifier: MIT */
/*
 * main.c — a benchmark program: runs the benchmarks of its list (list_*.c) in order, the
 * end-to-end ones on each of its stacks in turn, and prints one table (or JSON with
 * --json). Exit status: 0 when every benchmark's counters were right, 1 when one failed,
 * 2 for a usage error. Targets are reported, never enforced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Benchmarks named so run only when asked for (--longrun, --only). */
#define LONGRUN_PREFIX "longrun."

bench_params bench_p = {.quick = false, .longrun = false, .timeout_ms = 60000, .stack = &bench_stack_virtual};

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s [--json] [--quick] [--longrun] [--only PREFIX]... [--backend NAME]... [--list]\n"
          "  --json          print JSON instead of the table\n"
          "  --quick         small counts (smoke test: the program runs, its counters are right)\n"
          "  --longrun       also the long-run memory checks (longrun.*: 10 000 reconnections, a\n"
          "                  minute of a stream faster than its callback); with --quick, short ones\n"
          "  --only PREFIX   run only the benchmarks whose name starts with PREFIX (repeatable)\n"
          "  --backend NAME  run the end-to-end benchmarks on this backend only (repeatable);\n"
          "                  this program has:",
          bench_program);
  for (size_t s = 0; s < bench_stacks_count; s++) fprintf(f, " %s", bench_stacks[s]->backend);
  fprintf(f, "\n"
             "  --list          list the benchmarks\n"
             "Exit status: 0 all counters right, 1 a benchmark failed, 2 usage error.\n");
}

static bool listed(const char *name, const char *const *names, size_t n, bool prefix) {
  if (n == 0) return true;
  for (size_t j = 0; j < n; j++)
    if (prefix ? !strncmp(name, names[j], strlen(names[j])) : !strcmp(name, names[j])) return true;
  return false;
}

static void run_one(const bench_entry *e, bool json) {
  if (!json) {
    fprintf(stderr, "%s: %s%s%s...\n", bench_program, e->name, e->runs == BENCH_RUNS_PER_STACK ? " on " : "",
            e->runs == BENCH_RUNS_PER_STACK ? bench_p.stack->backend : "");
    fflush(stderr);
  }
  if (e->fn() != 0 && bench_failures() == 0) bench_fail(e->name, "failed");
}

int main(int argc, char **argv) {
  bool json = false;
  const char *only[16], *backends[8];
  size_t nonly = 0, nbackends = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--quick")) {
      bench_p.quick = true;
    } else if (!strcmp(argv[i], "--longrun")) {
      bench_p.longrun = true;
    } else if (!strcmp(argv[i], "--only") && i + 1 < argc && nonly < 16) {
      only[nonly++] = argv[++i];
    } else if (!strcmp(argv[i], "--backend") && i + 1 < argc && nbackends < 8) {
      const char *name = argv[++i];
      size_t s = 0;
      while (s < bench_stacks_count && strcmp(bench_stacks[s]->backend, name) != 0) s++;
      if (s == bench_stacks_count) {
        fprintf(stderr, "%s: no backend '%s' in this program\n", bench_program, name);
        usage(stderr);
        return 2;
      }
      backends[nbackends++] = name;
    } else if (!strcmp(argv[i], "--list")) {
      for (size_t k = 0; k < bench_list_count; k++) printf("%s\n", bench_list[k].name);
      return 0;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "%s: unknown argument '%s'\n", bench_program, argv[i]);
      usage(stderr);
      return 2;
    }
  }
#ifdef BLEC_BENCH_BLUEZ
  bench_bluez_private_bus(argc, argv, only, nonly);
#endif
  const char *mult = getenv("BLEC_TEST_TIMEOUT_MULTIPLIER");
  if (mult && atoi(mult) > 1) bench_p.timeout_ms *= atoi(mult);

  /* In the list's order (memory rows last: counting, once on, stays on); a core benchmark
   * once, on the first stack (it measures no stack), an end-to-end one on each stack. The
   * long-run checks take minutes: only with --longrun, or when --only names them. */
  for (size_t k = 0; k < bench_list_count; k++) {
    const bench_entry *e = &bench_list[k];
    bool longrun = !strncmp(e->name, LONGRUN_PREFIX, strlen(LONGRUN_PREFIX));
    if (nonly ? !listed(e->name, only, nonly, true) : longrun && !bench_p.longrun) continue;
    for (size_t s = 0; s < bench_stacks_count; s++) {
      if (e->runs == BENCH_RUNS_ONCE ? s > 0 : !listed(bench_stacks[s]->backend, backends, nbackends, false))
        continue;
      bench_p.stack = bench_stacks[s];
      run_one(e, json);
    }
  }
  bench_p.stack = bench_stacks[0];
  if (json)
    bench_print_json();
  else
    bench_print_table();
  if (bench_failures()) fprintf(stderr, "%s: %d check(s) failed\n", bench_program, bench_failures());
  return bench_failures() ? 1 : 0;
}
