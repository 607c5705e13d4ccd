/* SPDX-License-Identifier: MIT */
/*
 * report.c — the rows the benchmarks add, their failed checks, and how they are printed:
 * a table or one JSON object, and, when the end-to-end benchmarks ran on several backends,
 * each row of the first backend beside the same row of the others with their ratio, and the
 * rows comparing blec with another client (bench_bluez.c) side by side with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define MAX_ROWS 48
#define MAX_BACKENDS 4
static bench_row rows[MAX_ROWS];
static size_t nrows;
static int failures;

bench_row *bench_row_add(const char *name, const char *what) {
  if (nrows == MAX_ROWS) return NULL;
  bench_row *r = &rows[nrows++];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", name);
  snprintf(r->backend, sizeof r->backend, "%s", bench_p.stack->backend);
  snprintf(r->what, sizeof r->what, "%s", what);
  r->rate = r->per_op_ns = r->median_us = r->p99_us = r->bytes = r->blocks = r->value = BENCH_NONE;
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

int bench_failures(void) { return failures; }

/* ---- backends side by side ----------------------------------------------------------------- */

/* The backends of the rows, in the order they ran (not counting the rows that compare blec
 * with another client: they have a section of their own). */
static size_t row_backends(const char *out[MAX_BACKENDS]) {
  size_t n = 0;
  for (size_t i = 0; i < nrows; i++) {
    if (rows[i].versus[0]) continue;
    size_t k = 0;
    while (k < n && strcmp(out[k], rows[i].backend) != 0) k++;
    if (k == n && n < MAX_BACKENDS) out[n++] = rows[i].backend;
  }
  return n;
}

static const bench_row *row_of(const char *name, const char *backend) {
  for (size_t i = 0; i < nrows; i++)
    if (!strcmp(rows[i].name, name) && !strcmp(rows[i].backend, backend)) return &rows[i];
  return NULL;
}

/* Which figure of a row stands for one event: the median of a row timed per operation
 * (round trips, one-in-flight latencies: the median shrugs off a busy machine's
 * outliers), else the mean time per operation (throughput rows). */
typedef enum event_figure { FIGURE_NONE = 0, FIGURE_MEAN, FIGURE_MEDIAN } event_figure;

static event_figure row_figure(const bench_row *r, double *us) {
  if (r->median_us >= 0) {
    *us = r->median_us;
    return FIGURE_MEDIAN;
  }
  if (r->per_op_ns >= 0) {
    *us = r->per_op_ns / 1000.0;
    return FIGURE_MEAN;
  }
  *us = BENCH_NONE;
  return FIGURE_NONE;
}

static const char *figure_name(event_figure f) { return f == FIGURE_MEAN ? "mean" : f == FIGURE_MEDIAN ? "median" : "-"; }

/* The next row of the first backend (from *i on) that has a figure per event. */
static const bench_row *next_base_row(size_t *i, const char *backend, event_figure *f, double *us) {
  for (; *i < nrows; (*i)++) {
    const bench_row *r = &rows[*i];
    if (strcmp(r->backend, backend) == 0 && (*f = row_figure(r, us)) != FIGURE_NONE) {
      (*i)++;
      return r;
    }
  }
  return NULL;
}

/* The same row of another backend: its figure per event (the same kind as base's) and the
 * ratio to base's, or BENCH_NONE for each when it has none. */
static void other_figure(const bench_row *base, event_figure f, double base_us, const char *backend, double *us,
                         double *ratio) {
  const bench_row *o = row_of(base->name, backend);
  *us = BENCH_NONE;
  if (o && row_figure(o, us) != f) *us = BENCH_NONE;
  *ratio = *us >= 0 && base_us > 0 ? *us / base_us : BENCH_NONE;
}

/* ---- table ------------------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t size, double v, const char *suffix) {
  if (v < 0) {
    snprintf(buf, size, "-");
  } else if (v >= 100) {
    snprintf(buf, size, "%.0f%s", v, suffix);
  } else if (v >= 10) {
    snprintf(buf, size, "%.1f%s", v, suffix);
  } else {
    snprintf(buf, size, "%.2f%s", v, suffix);
  }
}

static void print_side_by_side(const char *backends[], size_t nb) {
  printf("\nSide by side, per event (us): the median of rows timed per operation, else the mean;\n"
         "ratio = the other backend's figure / %s's\n",
         backends[0]);
  printf("%-22s %7s %12s", "benchmark", "figure", backends[0]);
  for (size_t k = 1; k < nb; k++) printf(" %12s %14s", backends[k], "ratio");
  printf("\n");
  const bench_row *base;
  double base_us;
  event_figure f;
  for (size_t i = 0; (base = next_base_row(&i, backends[0], &f, &base_us)) != NULL;) {
    char a[32];
    fmt_num(a, sizeof a, base_us, "");
    printf("%-22s %7s %12s", base->name, figure_name(f), a);
    for (size_t k = 1; k < nb; k++) {
      double us, ratio;
      other_figure(base, f, base_us, backends[k], &us, &ratio);
      char b[32], c[32];
      fmt_num(b, sizeof b, us, "");
      fmt_num(c, sizeof c, ratio, "x");
      printf(" %12s %14s", b, c);
    }
    printf("\n");
  }
  printf("\n");
  for (size_t k = 0; k < nb; k++)
    for (size_t s = 0; s < bench_stacks_count; s++)
      if (!strcmp(bench_stacks[s]->backend, backends[k])) printf("  %-10s %s\n", backends[k], bench_stacks[s]->what);
}

/* The rows comparing blec with another client on the same stack: CPU time of each client's
 * process per event, wall time per event, and the other's / blec's. */
static void print_versus(void) {
  bool any = false;
  for (size_t i = 0; i < nrows; i++) any |= rows[i].versus[0] != 0;
  if (!any) return;
  printf("\nSide by side with another client on the same simulated stack (per event, us: CPU time of\n"
         "the client's process, wall time; ratio = the other client's / blec's)\n");
  printf("%-22s %9s %12s %16s %9s %12s %16s %10s\n", "benchmark", "events", "blec CPU", "other CPU", "CPU ratio",
         "blec wall", "other wall", "wall ratio");
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
    printf("%-22s %9llu %12s %16s %9s %12s %16s %10s  (other: %s)\n", r->name, (unsigned long long)r->count, a, b, c,
           d, e, f, r->ratio >= 0 ? r->versus : r->note);
  }
}

void bench_print_table(void) {
  const char *backends[MAX_BACKENDS];
  size_t nb = row_backends(backends);
  bool several = nb > 1;
  printf("%-22s %s%9s %13s %10s %9s %9s %10s %14s  %s\n", "benchmark", several ? "backend  " : "", "count", "ops/s",
         "ns/op", "median", "p99", "bytes", "target", "note");
  printf("%-22s %s%9s %13s %10s %9s %9s %10s %14s  %s\n", "", several ? "         " : "", "", "", "", "(us)", "(us)",
         "per unit", "", "");
  for (size_t i = 0; i < nrows; i++) {
    const bench_row *r = &rows[i];
    char rate[32], ns[32], med[32], p99[32], bytes[32], target[40], backend[24] = "";
    fmt_num(rate, sizeof rate, r->rate, "");
    fmt_num(ns, sizeof ns, r->per_op_ns, "");
    fmt_num(med, sizeof med, r->median_us, "");
    fmt_num(p99, sizeof p99, r->p99_us, "");
    fmt_num(bytes, sizeof bytes, r->bytes, "");
    if (several) snprintf(backend, sizeof backend, "%-8s ", r->backend);
    if (!r->target[0])
      snprintf(target, sizeof target, "-");
    else
      snprintf(target, sizeof target, "%s %s", r->target,
               r->target_met == 1 ? "ok" : r->target_met == 0 ? "MISS" : "n/a");
    printf("%-22s %s%9llu %13s %10s %9s %9s %10s %14s  %s\n", r->name, backend, (unsigned long long)r->count, rate, ns,
           med, p99, bytes, target, r->note);
  }
  printf("\n");
  for (size_t i = 0; i < nrows; i++) {
    /* the same text per backend */
    if (several && strcmp(rows[i].backend, backends[0]) != 0 && !rows[i].versus[0]) continue;
    printf("  %-22s %s\n", rows[i].name, rows[i].what);
  }
  if (several) print_side_by_side(backends, nb);
  print_versus();
}

/* ---- JSON ------------------------------------------------------------------------------- */

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

static void json_side_by_side(const char *backends[], size_t nb) {
  printf(",\"side_by_side\":[");
  bool first = true;
  const bench_row *base;
  double base_us;
  event_figure f;
  for (size_t i = 0; (base = next_base_row(&i, backends[0], &f, &base_us)) != NULL;) {
    for (size_t k = 1; k < nb; k++) {
      double us, ratio;
      other_figure(base, f, base_us, backends[k], &us, &ratio);
      printf("%s\n{\"name\":", first ? "" : ",");
      first = false;
      json_str(base->name);
      printf(",\"figure\":");
      json_str(figure_name(f));
      printf(",\"base_backend\":");
      json_str(backends[0]);
      json_num("base_us_per_event", base_us);
      printf(",\"backend\":");
      json_str(backends[k]);
      json_num("us_per_event", us);
      json_num("ratio", ratio);
      printf("}");
    }
  }
  printf("\n]");
}

void bench_print_json(void) {
  printf("{\"version\":");
  json_str(blec_version_string());
  printf(",\"quick\":%s,\"failures\":%d,\"benchmarks\":[", bench_p.quick ? "true" : "false", failures);
  for (size_t i = 0; i < nrows; i++) {
    const bench_row *r = &rows[i];
    printf("%s\n{\"name\":", i ? "," : "");
    json_str(r->name);
    printf(",\"backend\":");
    json_str(r->backend);
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
  printf("\n]");
  const char *backends[MAX_BACKENDS];
  size_t nb = row_backends(backends);
  if (nb > 1) json_side_by_side(backends, nb);
  printf("}\n");
}
