/* SPDX-License-Identifier: MIT */
/*
 * blec-bluez-sim — the simulated bluetoothd as a program: serves a world file (or the
 * default world) as org.bluez on $DBUS_SYSTEM_BUS_ADDRESS until SIGTERM or SIGINT. Prints
 * "ready" on stdout once the name is owned. For tests that run other clients (bleak)
 * against it; never point it at the machine's own system bus.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec_world.h"
#include "blec_bluez_sim.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: blec-bluez-sim [--world FILE] [--adapters N] [--experimental] [--version 5.NN]\n"
          "                      [--time-scale X] [--switch NAME=VALUE]...\n"
          "Serves the world as org.bluez on $DBUS_SYSTEM_BUS_ADDRESS until SIGTERM.\n"
          "Switches: temporary-timeout-ms, connect-delay-ms, signal-before-reply,\n"
          "          connect-abort-by-local, gatt-cache, disconnect-timer-ms, hold-discovery,\n"
          "          start-discovery-fails, hold-adapter-getall.\n");
}

static const struct {
  const char *name;
  blec_bluez_sim_switch sw;
} switches[] = {{"temporary-timeout-ms", BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS},
                {"connect-delay-ms", BLEC_BLUEZ_SIM_CONNECT_DELAY_MS},
                {"signal-before-reply", BLEC_BLUEZ_SIM_SIGNAL_BEFORE_REPLY},
                {"connect-abort-by-local", BLEC_BLUEZ_SIM_CONNECT_ABORT_BY_LOCAL},
                {"gatt-cache", BLEC_BLUEZ_SIM_GATT_CACHE},
                {"disconnect-timer-ms", BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS},
                {"hold-discovery", BLEC_BLUEZ_SIM_HOLD_DISCOVERY},
                {"start-discovery-fails", BLEC_BLUEZ_SIM_START_DISCOVERY_FAILS},
                {"hold-adapter-getall", BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL},
                {"socket-close-seen-late-ms", BLEC_BLUEZ_SIM_SOCKET_CLOSE_SEEN_LATE_MS}};

static bool parse_int(const char *text, long long lo, long long hi, long long *out) {
  char *end = NULL;
  long long v = strtoll(text, &end, 10);
  if (!text[0] || !end || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

typedef struct pending_switch {
  blec_bluez_sim_switch sw;
  long long value;
} pending_switch;

int main(int argc, char **argv) {
  const char *world_file = NULL;
  double scale = 1.0;
  blec_bluez_sim_config *cfg = NULL;
  pending_switch sws[32];
  size_t nsw = 0;
  if (blec_bluez_sim_config_new(&cfg) != BLEC_OK) return 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long n;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      blec_bluez_sim_config_free(cfg);
      return 0;
    } else if (!strcmp(a, "--world") && v) {
      world_file = v;
      i++;
    } else if (!strcmp(a, "--adapters") && v && parse_int(v, 1, 8, &n)) {
      blec_bluez_sim_config_set_adapters(cfg, (int)n);
      i++;
    } else if (!strcmp(a, "--experimental")) {
      blec_bluez_sim_config_set_experimental(cfg, true);
    } else if (!strcmp(a, "--version") && v && !strncmp(v, "5.", 2) && parse_int(v + 2, 66, 99, &n)) {
      blec_bluez_sim_config_set_version(cfg, (int)n);
      i++;
    } else if (!strcmp(a, "--time-scale") && v && (scale = strtod(v, NULL)) > 0) {
      i++;
    } else if (!strcmp(a, "--switch") && v && nsw < sizeof sws / sizeof *sws) {
      const char *eq = strchr(v, '=');
      size_t k = 0, count = sizeof switches / sizeof *switches;
      while (eq && k < count && (strlen(switches[k].name) != (size_t)(eq - v) || strncmp(switches[k].name, v, (size_t)(eq - v))))
        k++;
      if (!eq || k == count || !parse_int(eq + 1, 0, 1LL << 40, &n)) {
        fprintf(stderr, "blec-bluez-sim: bad switch '%s'\n", v);
        blec_bluez_sim_config_free(cfg);
        return 2;
      }
      sws[nsw].sw = switches[k].sw;
      sws[nsw++].value = n;
      i++;
    } else {
      fprintf(stderr, "blec-bluez-sim: bad argument '%s'\n", a);
      usage(stderr);
      blec_bluez_sim_config_free(cfg);
      return 2;
    }
  }
  blec_world *world = NULL;
  blec_error err;
  int r = world_file ? blec_world_load_file(world_file, &world, &err) : blec_world_new_default(&world);
  if (r != BLEC_OK) {
    fprintf(stderr, "blec-bluez-sim: %s\n", world_file ? err.message : blec_strerror(r));
    blec_bluez_sim_config_free(cfg);
    return 1;
  }
  if (scale != 1.0) blec_world_set_time_scale(world, scale);
  /* Signals are taken by sigwait (blocked before the simulator's thread starts). */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  blec_bluez_sim *sim = NULL;
  r = blec_bluez_sim_start_config(world, NULL, cfg, &sim);
  blec_bluez_sim_config_free(cfg);
  if (r != BLEC_OK) {
    fprintf(stderr, "blec-bluez-sim: cannot serve org.bluez on $DBUS_SYSTEM_BUS_ADDRESS (%s)\n",
            getenv("DBUS_SYSTEM_BUS_ADDRESS") ? getenv("DBUS_SYSTEM_BUS_ADDRESS") : "unset");
    blec_world_unref(world);
    return 1;
  }
  for (size_t i = 0; i < nsw; i++) blec_bluez_sim_set_switch(sim, sws[i].sw, sws[i].value);
  blec_bluez_sim_sync(sim);
  printf("ready\n");
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  blec_bluez_sim_stop(sim);
  blec_world_unref(world);
  return 0;
}
