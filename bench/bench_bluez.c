/* SPDX-License-Identifier: MIT */
/*
 * bench_bluez.c — blec and bleak side by side on the same simulated bluetoothd (the
 * program blec-bluez-sim of sim/bluez, one fresh process per side and scenario, on the
 * private bus that scripts/private-bus.sh made: bench_bluez_private_bus re-runs the bench
 * under it):
 *
 *   bluez.adv            advertisements into the detection callback (DuplicateData on)
 *   bluez.notify.signal  notifications through StartNotify and PropertiesChanged (bleak's only path)
 *   bluez.notify.socket  notifications through AcquireNotify's socket (blec's default;
 *                        compared with bleak's signal path, the one bleak has)
 *   bluez.read           read round trips, one after the other
 *   bluez.connect        connect + service discovery + disconnect cycles
 *
 * For each side: the CPU time (user + system) of the client process over the measured
 * part (getrusage: the bench process for blec, bleak's own for bleak, which reports it)
 * and the wall time; the row's ratio is bleak's CPU per event divided by blec's. bleak
 * is Debian's python3-bleak under /usr/bin/python3 (bench/bleak_side.py); where it is
 * not installed the rows say so. The simulator's own CPU is in neither figure. The rows
 * are the bluez backend's (their `backend`), whatever stack the other benchmarks run on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

#define PYTHON "/usr/bin/python3"
#define GATT_ADDR "C4:B1:00:00:00:01"
#define NOTIFY_UUID "0000be01-0000-1000-8000-00805f9b34fb"
#define READ_UUID "0000be03-0000-1000-8000-00805f9b34fb"
#define N_ADVERTISERS 20
#define N_SERVICES 10

typedef struct side {
  bool ok;
  uint64_t events;
  double cpu_s, wall_s;
  char why[160];
} side;

static char world_path[600];
static char bleak_version[32];
static bool bleak_ok;
static char bleak_why[160];

static double cpu_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_now(void) { return (double)blec__now_us() / 1e6; }

/* ---- child processes --------------------------------------------------------------------- */

/* Starts argv with its stdout on a pipe (*out); stderr is the bench's. */
static pid_t spawn_piped(char *const argv[], int *out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid = -1;
  int r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (r != 0) {
    close(fds[0]);
    return -1;
  }
  *out = fds[0];
  return pid;
}

/* Reads what the child writes until EOF or timeout into buf (NUL-terminated). */
static bool read_all(int fd, char *buf, size_t cap, int timeout_ms, bool first_line_only) {
  size_t n = 0;
  uint64_t deadline = blec__now_us() + (uint64_t)timeout_ms * 1000u;
  for (;;) {
    if (first_line_only && memchr(buf, '\n', n)) break;
    uint64_t now = blec__now_us();
    if (now >= deadline) return false;
    struct pollfd p = {fd, POLLIN, 0};
    int pr = poll(&p, 1, (int)((deadline - now) / 1000u) + 1);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t k = read(fd, buf + n, cap - 1 - n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0 || n + (size_t)k >= cap - 1) {
      if (k > 0) n += (size_t)k;
      break;
    }
    n += (size_t)k;
    buf[n] = 0;
  }
  buf[n] = 0;
  return true;
}

static void stop_child(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
}

typedef struct sim {
  pid_t pid;
  int out;
} sim;

static bool sim_start(sim *s, char *why, size_t size) {
  char *argv[] = {(char *)BLEC_BENCH_BLUEZ_SIM, (char *)"--world", world_path, NULL};
  s->pid = spawn_piped(argv, &s->out);
  if (s->pid < 0) {
    snprintf(why, size, "cannot start %s", BLEC_BENCH_BLUEZ_SIM);
    return false;
  }
  char line[128] = {0};
  if (!read_all(s->out, line, sizeof line, bench_p.timeout_ms, true) || strncmp(line, "ready", 5) != 0) {
    snprintf(why, size, "blec-bluez-sim did not say ready");
    stop_child(s->pid);
    close(s->out);
    return false;
  }
  return true;
}

static void sim_stop(sim *s) {
  stop_child(s->pid);
  close(s->out);
}

/* ---- bleak's side --------------------------------------------------------------------------- */

static void bleak_probe(void) {
  char *argv[] = {(char *)PYTHON, (char *)BLEC_BENCH_BLEAK_SIDE, (char *)"version", NULL};
  int out = -1;
  pid_t pid = access(PYTHON, X_OK) == 0 ? spawn_piped(argv, &out) : -1;
  if (pid < 0) {
    snprintf(bleak_why, sizeof bleak_why, "bleak: not installed (no %s)", PYTHON);
    return;
  }
  char buf[128] = {0};
  read_all(out, buf, sizeof buf, bench_p.timeout_ms, false);
  close(out);
  int st = 0;
  waitpid(pid, &st, 0);
  buf[strcspn(buf, "\r\n")] = 0;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && buf[0]) {
    bleak_ok = true;
    snprintf(bleak_version, sizeof bleak_version, "bleak %.24s", buf);
  } else {
    snprintf(bleak_why, sizeof bleak_why, "bleak: not installed (Debian: python3-bleak)");
  }
}

/* bleak installed but its run failing is a failure of the bench, as blec's would be: the
 * comparison is what the row is for. */
static void bleak_run(const char *name, side *k, char *const args[]) {
  memset(k, 0, sizeof *k);
  char *argv[12] = {(char *)PYTHON, (char *)BLEC_BENCH_BLEAK_SIDE};
  size_t i = 2;
  for (size_t j = 0; args[j] && i < 11; j++) argv[i++] = args[j];
  argv[i] = NULL;
  sim s;
  if (!sim_start(&s, k->why, sizeof k->why)) {
    bench_fail(name, "bleak's side: %s", k->why);
    return;
  }
  int out = -1;
  pid_t pid = spawn_piped(argv, &out);
  char buf[512] = {0};
  bool read_ok = pid > 0 && read_all(out, buf, sizeof buf, bench_p.timeout_ms * 2, false);
  if (pid > 0) close(out);
  int st = 0;
  if (pid > 0 && !read_ok) kill(pid, SIGKILL);
  if (pid > 0) waitpid(pid, &st, 0);
  sim_stop(&s);
  unsigned long long events = 0;
  const char *e = strstr(buf, "\"events\": "), *c = strstr(buf, "\"cpu_s\": "), *w = strstr(buf, "\"wall_s\": ");
  if (!read_ok || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !e || !c || !w || sscanf(e + 10, "%llu", &events) != 1 ||
      sscanf(c + 9, "%lf", &k->cpu_s) != 1 || sscanf(w + 10, "%lf", &k->wall_s) != 1) {
    snprintf(k->why, sizeof k->why, "bleak's run failed (exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    bench_fail(name, "%s", k->why);
    return;
  }
  k->events = events;
  k->ok = true;
}

/* ---- blec's side ----------------------------------------------------------------------------- */

/* Counts callbacks; the N-th takes the end time (CPU of the whole process, on the
 * dispatch thread: the last event's work is done) and wakes the waiting bench thread
 * (which sleeps meanwhile, as bleak's side awaits an event). */
typedef struct counter {
  atomic_uint_fast64_t n;
  uint64_t goal;
  double cpu_end, wall_end;
  blec__mutex m;
  blec__cond cv;
  bool done;
} counter;

static void counter_init(counter *c, uint64_t goal) {
  atomic_init(&c->n, 0);
  c->goal = goal;
  c->cpu_end = c->wall_end = 0;
  c->done = false;
  blec__mutex_init(&c->m);
  blec__cond_init(&c->cv);
}

static void counter_destroy(counter *c) {
  blec__cond_destroy(&c->cv);
  blec__mutex_destroy(&c->m);
}

static void counter_hit(counter *c) {
  if (atomic_fetch_add(&c->n, 1) + 1 != c->goal) return;
  c->cpu_end = cpu_now();
  c->wall_end = wall_now();
  blec__mutex_lock(&c->m);
  c->done = true;
  blec__cond_broadcast(&c->cv);
  blec__mutex_unlock(&c->m);
}

static bool counter_wait(counter *c) {
  uint64_t deadline = blec__now_us() + (uint64_t)bench_p.timeout_ms * 1000u;
  blec__mutex_lock(&c->m);
  while (!c->done) {
    uint64_t now = blec__now_us();
    if (now >= deadline) break;
    blec__cond_timedwait(&c->cv, &c->m, (int64_t)((deadline - now) / 1000u) + 1);
  }
  bool done = c->done;
  blec__mutex_unlock(&c->m);
  return done;
}

static void on_adv(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  (void)dev;
  (void)adv;
  counter_hit(user);
}

static void on_value(blec_client *c, blec_characteristic *chr, const uint8_t *d, size_t len, void *user) {
  (void)c;
  (void)chr;
  (void)d;
  (void)len;
  counter_hit(user);
}

static int bluez_ctx(blec_ctx **out) {
  blec_ctx_options *o = blec_ctx_options_new();
  if (!o) return BLEC_ERR_NO_MEMORY;
  blec_ctx_options_set_backend(o, "bluez");
  blec_ctx_options_set_log_level(o, BLEC_LOG_ERROR);
  int r = blec_ctx_new(o, out, NULL);
  blec_ctx_options_free(o);
  return r;
}

typedef enum scenario { SC_ADV, SC_NOTIFY_SIGNAL, SC_NOTIFY_SOCKET, SC_READ, SC_CONNECT } scenario;

static int find_chr(blec_client *c, const char *uuid, blec_characteristic **out) {
  blec_uuid u;
  int r = blec_uuid_parse(uuid, &u);
  return r ? r : blec_client_characteristic(c, &u, out);
}

/* The measured part of a scenario on a fresh context (the simulator is running). */
static bool blec_scenario(const char *name, scenario sc, uint64_t n, side *b) {
  blec_ctx *ctx = NULL;
  if (!bench_ok(name, "blec_ctx_new(bluez)", bluez_ctx(&ctx))) return false;
  bool ok = false;
  counter cnt;
  counter_init(&cnt, n);
  blec_device *dev = NULL;
  blec_client *c = NULL;
  if (sc == SC_ADV) {
    blec_scanner *s = NULL;
    if (!bench_ok(name, "blec_scanner_new", blec_scanner_new(ctx, NULL, on_adv, &cnt, &s))) goto out;
    double c0 = cpu_now(), w0 = wall_now();
    ok = bench_ok(name, "blec_scanner_start", blec_scanner_start(s, NULL)) && counter_wait(&cnt);
    blec_scanner_free(s);
    b->cpu_s = cnt.cpu_end - c0;
    b->wall_s = cnt.wall_end - w0;
    if (!ok) bench_fail(name, "%llu of %llu advertisements", (unsigned long long)atomic_load(&cnt.n), (unsigned long long)n);
    goto out;
  }
  if (!bench_ok(name, "find the device", blec_find_device_by_address(ctx, GATT_ADDR, bench_p.timeout_ms, &dev, NULL)))
    goto out;
  if (sc == SC_CONNECT) {
    double c0 = cpu_now(), w0 = wall_now();
    for (uint64_t i = 0; i < n; i++) {
      if (!bench_ok(name, "blec_client_new_from_device", blec_client_new_from_device(ctx, dev, NULL, &c))) goto out;
      if (!bench_ok(name, "blec_client_connect", blec_client_connect(c, bench_p.timeout_ms, NULL))) goto out;
      if (blec_client_service_count(c) < N_SERVICES) {
        bench_fail(name, "%zu services, expected %d", blec_client_service_count(c), N_SERVICES);
        goto out;
      }
      if (!bench_ok(name, "blec_client_disconnect", blec_client_disconnect(c, bench_p.timeout_ms, NULL))) goto out;
      blec_client_free(c);
      c = NULL;
    }
    b->cpu_s = cpu_now() - c0;
    b->wall_s = wall_now() - w0;
    ok = true;
    goto out;
  }
  if (!bench_ok(name, "blec_client_new_from_device", blec_client_new_from_device(ctx, dev, NULL, &c)) ||
      !bench_ok(name, "blec_client_connect", blec_client_connect(c, bench_p.timeout_ms, NULL)))
    goto out;
  blec_characteristic *chr = NULL;
  if (!bench_ok(name, "characteristic", find_chr(c, sc == SC_READ ? READ_UUID : NOTIFY_UUID, &chr))) goto out;
  if (sc == SC_READ) {
    double c0 = cpu_now(), w0 = wall_now();
    for (uint64_t i = 0; i < n; i++) {
      uint8_t *d = NULL;
      size_t len = 0;
      if (!bench_ok(name, "blec_client_read", blec_client_read(c, chr, 0, bench_p.timeout_ms, &d, &len, NULL))) goto out;
      blec_free(d);
      if (len != 20) {
        bench_fail(name, "read %zu bytes, expected 20", len);
        goto out;
      }
    }
    b->cpu_s = cpu_now() - c0;
    b->wall_s = wall_now() - w0;
    ok = true;
    goto out;
  }
  setenv("BLEC_BLUEZ_NOTIFY", sc == SC_NOTIFY_SIGNAL ? "signal" : "socket", 1);
  double c0 = cpu_now(), w0 = wall_now();
  ok = bench_ok(name, "blec_client_start_notify",
                blec_client_start_notify(c, chr, 0, on_value, &cnt, bench_p.timeout_ms, NULL)) &&
       counter_wait(&cnt);
  b->cpu_s = cnt.cpu_end - c0;
  b->wall_s = cnt.wall_end - w0;
  if (!ok) bench_fail(name, "%llu of %llu notifications", (unsigned long long)atomic_load(&cnt.n), (unsigned long long)n);
  unsetenv("BLEC_BLUEZ_NOTIFY");
out:
  if (c) blec_client_free(c);
  blec_device_unref(dev);
  blec_ctx_free(ctx);
  counter_destroy(&cnt);
  b->events = n;
  b->ok = ok;
  return ok;
}

/* ---- the world --------------------------------------------------------------------------------- */

static bool write_world(uint64_t notify_n) {
  const char *dir = getenv("BLEC_PRIVATE_BUS_DIR");
  snprintf(world_path, sizeof world_path, "%s/bench.world", dir ? dir : "/tmp");
  FILE *f = fopen(world_path, "w");
  if (!f) return false;
  fprintf(f, "blec-world 1\n");
  for (int i = 1; i <= N_ADVERTISERS; i++)
    fprintf(f,
            "peripheral C4:B0:00:00:00:%02X public\n  name \"Adv-%02d\"\n  adv-interval 10ms\n  rssi -50\n"
            "  manufacturer ffff hex:01020304\n",
            i, i);
  fprintf(f, "peripheral " GATT_ADDR " public\n  name \"Bench GATT\"\n  adv-interval 20ms\n  rssi -40\n");
  fprintf(f, "  service be00\n    characteristic be01 notify u8:0\n      stream 1ms counter count %llu\n",
          (unsigned long long)notify_n);
  fprintf(f, "    characteristic be03 read hex:000102030405060708090a0b0c0d0e0f10111213\n");
  for (int s = 1; s < N_SERVICES; s++)
    fprintf(f,
            "  service be%02x\n    characteristic bf%02x read,notify u8:0\n    characteristic c0%02x read,write u8:0\n"
            "      descriptor 2901 read text:\"value\"\n",
            0x10 + s, s, s);
  return fclose(f) == 0;
}

/* ---- rows ----------------------------------------------------------------------------------------- */

static void fill(bench_row *row, const side *b, const side *k) {
  snprintf(row->backend, sizeof row->backend, "bluez");
  row->count = b->events;
  if (b->ok && b->wall_s > 0) {
    row->rate = (double)b->events / b->wall_s;
    row->per_op_ns = b->wall_s / (double)b->events * 1e9;
    row->cpu_us = b->cpu_s / (double)b->events * 1e6;
  }
  if (!bleak_ok) {
    snprintf(row->versus, sizeof row->versus, "bleak");
    snprintf(row->note, sizeof row->note, "%s", bleak_why);
    return;
  }
  snprintf(row->versus, sizeof row->versus, "%.31s", bleak_version);
  if (!k->ok) {
    snprintf(row->note, sizeof row->note, "%.31s: %.120s", bleak_version, k->why);
    return;
  }
  row->versus_cpu_us = k->cpu_s / (double)k->events * 1e6;
  row->versus_wall_us = k->wall_s / (double)k->events * 1e6;
  if (row->cpu_us > 0) row->value = row->ratio = row->versus_cpu_us / row->cpu_us;
  if (row->per_op_ns > 0) row->wall_ratio = row->versus_wall_us / (row->per_op_ns / 1000.0);
  snprintf(row->note, sizeof row->note, "CPU/event: blec %.1f us, %s %.1f us; bleak/blec CPU %.1fx, wall %.1fx",
           row->cpu_us, bleak_version, row->versus_cpu_us, row->ratio, row->wall_ratio);
}

typedef struct bz_case {
  const char *row;
  const char *what;
  scenario sc;
  const char *bleak_cmd; /* NULL: compared with the previous row's bleak figures */
} bz_case;

int bench_bluez(void) {
  const uint64_t adv_n = BENCH_N(5000, 200), notify_n = BENCH_N(5000, 200), read_n = BENCH_N(1000, 30),
                 connect_n = BENCH_N(20, 2);
  const bz_case cases[] = {
      {"bluez.adv", "advertisements into the detection callback, simulated bluetoothd (20 advertisers)", SC_ADV, "adv"},
      {"bluez.notify.signal", "notifications via StartNotify / PropertiesChanged (D-Bus signal path)",
       SC_NOTIFY_SIGNAL, "notify"},
      {"bluez.notify.socket", "notifications via AcquireNotify's socket (blec) vs bleak's signal path",
       SC_NOTIFY_SOCKET, NULL},
      {"bluez.read", "read round trips, 20 bytes, one after the other", SC_READ, "read"},
      {"bluez.connect", "connect + service discovery (10 services) + disconnect", SC_CONNECT, "connect"},
  };
  if (!getenv("BLEC_PRIVATE_BUS_DIR")) {
    bench_row *row = bench_row_add("bluez", "blec and bleak on the simulated bluetoothd");
    if (!row) return -1;
    snprintf(row->backend, sizeof row->backend, "bluez");
    snprintf(row->versus, sizeof row->versus, "bleak");
    snprintf(row->note, sizeof row->note, "n/a: needs scripts/private-bus.sh (blec-bench re-runs itself under it)");
    return 0;
  }
  if (!write_world(notify_n)) {
    bench_fail("bluez", "cannot write the world file %s", world_path);
    return -1;
  }
  bleak_probe();
  int rc = 0;
  side bleak_prev;
  memset(&bleak_prev, 0, sizeof bleak_prev);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bz_case *cs = &cases[i];
    uint64_t n = cs->sc == SC_ADV ? adv_n : cs->sc == SC_READ ? read_n : cs->sc == SC_CONNECT ? connect_n : notify_n;
    bench_row *row = bench_row_add(cs->row, cs->what);
    if (!row) return -1;
    side b, k;
    memset(&b, 0, sizeof b);
    sim s;
    char why[160];
    if (!sim_start(&s, why, sizeof why)) {
      bench_fail(cs->row, "%s", why);
      return -1;
    }
    if (!blec_scenario(cs->row, cs->sc, n, &b)) rc = -1;
    sim_stop(&s);
    if (cs->bleak_cmd && bleak_ok) {
      char num[32];
      snprintf(num, sizeof num, "%llu", (unsigned long long)n);
      char *args[6] = {(char *)cs->bleak_cmd, NULL};
      if (cs->sc == SC_ADV) {
        args[1] = num;
      } else if (cs->sc == SC_CONNECT) {
        args[1] = (char *)GATT_ADDR;
        args[2] = num;
      } else {
        args[1] = (char *)GATT_ADDR;
        args[2] = (char *)(cs->sc == SC_READ ? READ_UUID : NOTIFY_UUID);
        args[3] = num;
      }
      bleak_run(cs->row, &k, args);
      bleak_prev = k;
    } else {
      k = bleak_prev;
    }
    fill(row, &b, &k);
  }
  return rc;
}

/* ---- the private system bus ------------------------------------------------------------------ */

void bench_bluez_private_bus(int argc, char **argv, const char *const *only, size_t nonly) {
  bool wanted = nonly == 0;
  for (size_t j = 0; j < nonly; j++) wanted |= !strncmp("bluez", only[j], strlen(only[j]));
  /* BLEC_BENCH_REEXEC: once only, even if the script did not export its directory. */
  if (!wanted || getenv("BLEC_PRIVATE_BUS_DIR") || getenv("BLEC_BENCH_REEXEC")) return;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = 0;
  char **args = calloc((size_t)argc + 3, sizeof *args);
  if (!args) return;
  args[0] = (char *)"bash";
  args[1] = (char *)BLEC_BENCH_PRIVATE_BUS;
  args[2] = self;
  for (int i = 1; i < argc; i++) args[i + 2] = argv[i];
  setenv("BLEC_BENCH_REEXEC", "1", 1);
  execvp("bash", args);
  free(args); /* exec failed: the bluez rows say n/a */
}
