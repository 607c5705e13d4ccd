/* SPDX-License-Identifier: MIT */
/*
 * sim.c — the simulator's life: configuration, the bus thread (an sd-event loop owning
 * the sd-bus connection), owning org.bluez, switches, the radio watch, shutdown.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* How often the bus thread looks at the world's radio (which has no event for it). */
#define RADIO_POLL_US 20000u

void bz_log(bz_sim *s, const char *fmt, ...) {
  (void)s;
  static int enabled = -1;
  if (enabled < 0) {
    const char *v = getenv("BLEC_LOG");
    enabled = v && !strcmp(v, "debug");
  }
  if (!enabled) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "blec-bluez-sim: %s\n", line);
}

/* ---- configuration --------------------------------------------------------------------- */

static void config_defaults(bz_config *c) {
  c->adapters = 1;
  c->experimental = false;
  c->version = 66;
}

int blec_bluez_sim_config_new(blec_bluez_sim_config **out) {
  if (!out) return BLEC_ERR_INVALID_ARG;
  *out = calloc(1, sizeof **out);
  if (!*out) return BLEC_ERR_NO_MEMORY;
  config_defaults(&(*out)->c);
  return BLEC_OK;
}

void blec_bluez_sim_config_free(blec_bluez_sim_config *cfg) { free(cfg); }

int blec_bluez_sim_config_set_adapters(blec_bluez_sim_config *cfg, int n) {
  if (!cfg || n < 1 || n > BZ_MAX_ADAPTERS) return BLEC_ERR_INVALID_ARG;
  cfg->c.adapters = n;
  return BLEC_OK;
}

int blec_bluez_sim_config_set_experimental(blec_bluez_sim_config *cfg, bool on) {
  if (!cfg) return BLEC_ERR_INVALID_ARG;
  cfg->c.experimental = on;
  return BLEC_OK;
}

int blec_bluez_sim_config_set_version(blec_bluez_sim_config *cfg, int minor) {
  if (!cfg || minor < 66 || minor > 99) return BLEC_ERR_INVALID_ARG;
  cfg->c.version = minor;
  return BLEC_OK;
}

/* ---- the radio ------------------------------------------------------------------------------ */

void bz_check_radio(bz_sim *s) {
  bool on = blec_world_radio(s->world);
  if (on != s->radio) {
    s->radio = on;
    bz_adapter_radio_changed(s, on);
  }
}

static int on_radio_timer(sd_event_source *src, uint64_t usec, void *user) {
  bz_sim *s = user;
  bz_check_radio(s);
  sd_event_source_set_time(src, usec + RADIO_POLL_US);
  sd_event_source_set_enabled(src, SD_EVENT_ON);
  return 0;
}

/* ---- the bus thread ------------------------------------------------------------------------- */

static int open_bus(bz_sim *s) {
  int r;
  if (!s->bus_address) return sd_bus_open_system(&s->bus);
  if ((r = sd_bus_new(&s->bus)) < 0) return r;
  if ((r = sd_bus_set_address(s->bus, s->bus_address)) < 0) return r;
  if ((r = sd_bus_set_bus_client(s->bus, 1)) < 0) return r;
  if ((r = sd_bus_negotiate_fds(s->bus, 1)) < 0) return r;
  return sd_bus_start(s->bus);
}

static int setup(bz_sim *s) {
  int r;
  if ((r = sd_event_new(&s->event)) < 0) return r;
  if ((r = open_bus(s)) < 0) {
    bz_log(s, "cannot reach the bus %s: %s", s->bus_address ? s->bus_address : "(system)", strerror(-r));
    return r;
  }
  if ((r = sd_bus_attach_event(s->bus, s->event, SD_EVENT_PRIORITY_NORMAL)) < 0) return r;
  if ((r = bz_jobs_init(s)) < 0) return r;
  if ((r = bz_bus_init(s)) < 0) return r;
  s->radio = blec_world_radio(s->world);
  if (!(s->root_obj = bz_obj_new(s, "/")) || !(s->bluez_obj = bz_obj_new(s, "/org/bluez"))) return -ENOMEM;
  if ((r = bz_agents_init(s)) < 0) return r;
  if ((r = bz_adapters_create(s)) < 0) return r;
  if ((r = bz_control_init(s)) < 0) return r;
  uint64_t now = 0;
  sd_event_now(s->event, CLOCK_MONOTONIC, &now);
  if ((r = sd_event_add_time(s->event, &s->radio_timer, CLOCK_MONOTONIC, now + RADIO_POLL_US, 0, on_radio_timer,
                             s)) < 0)
    return r;
  /* Objects exist before the name is taken: a client that sees the name finds them. */
  bz_flush(s);
  if ((r = sd_bus_request_name(s->bus, "org.bluez", 0)) < 0) {
    bz_log(s, "cannot own org.bluez: %s", strerror(-r));
    return r;
  }
  const char *unique = NULL;
  if (sd_bus_get_unique_name(s->bus, &unique) >= 0 && unique) snprintf(s->unique, sizeof s->unique, "%s", unique);
  return 0;
}

/* Ends every link and scan; what clients still wait for gets no reply (the daemon goes). */
static void shutdown_objects(bz_sim *s) {
  s->stopping = true;
  bz_adapters_destroy(s);
  bz_agents_free(s);
}

static void teardown(bz_sim *s) {
  if (s->bus) {
    sd_bus_release_name(s->bus, "org.bluez");
    sd_bus_flush(s->bus);
  }
  s->radio_timer = sd_event_source_unref(s->radio_timer);
  bz_jobs_close(s);
  bz_bus_free_all(s);
  if (s->bus) s->bus = sd_bus_flush_close_unref(s->bus);
  if (s->event) s->event = sd_event_unref(s->event);
}

static void bus_thread(void *arg) {
  bz_sim *s = arg;
  int r = setup(s);
  blec__mutex_lock(&s->lock);
  s->start_status = r < 0 ? BLEC_ERR_BLUETOOTH_UNAVAILABLE : BLEC_OK;
  blec__cond_broadcast(&s->cond);
  blec__mutex_unlock(&s->lock);
  if (r >= 0) {
    r = sd_event_loop(s->event);
    if (r < 0) bz_log(s, "event loop: %s", strerror(-r));
  } else {
    shutdown_objects(s);
  }
  teardown(s);
}

static void quit_job(bz_sim *s, void *arg) {
  (void)arg;
  shutdown_objects(s);
  bz_flush(s);
  sd_event_exit(s->event, 0);
}

/* ---- API ------------------------------------------------------------------------------------- */

int blec_bluez_sim_start(blec_world *world, const char *bus_address, blec_bluez_sim **out) {
  return blec_bluez_sim_start_config(world, bus_address, NULL, out);
}

int blec_bluez_sim_start_config(blec_world *world, const char *bus_address, const blec_bluez_sim_config *cfg,
                                blec_bluez_sim **out) {
  if (out) *out = NULL;
  if (!world || !out) return BLEC_ERR_INVALID_ARG;
  bz_sim *s = calloc(1, sizeof *s);
  if (!s) return BLEC_ERR_NO_MEMORY;
  s->qfd = -1;
  if (cfg) s->cfg = cfg->c;
  else config_defaults(&s->cfg);
  s->sw[BLEC_BLUEZ_SIM_TEMPORARY_TIMEOUT_MS] = 30000;
  s->sw[BLEC_BLUEZ_SIM_GATT_CACHE] = 2;
  s->sw[BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS] = 2000;
  if (bus_address && !(s->bus_address = strdup(bus_address))) {
    free(s);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__mutex_init(&s->lock) != BLEC_OK) {
    free(s->bus_address);
    free(s);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__cond_init(&s->cond) != BLEC_OK) {
    blec__mutex_destroy(&s->lock);
    free(s->bus_address);
    free(s);
    return BLEC_ERR_NO_MEMORY;
  }
  s->world = blec_world_ref(world);
  s->start_status = 1;
  if (blec__thread_create(&s->thread, bus_thread, s) != BLEC_OK) {
    blec_world_unref(s->world);
    blec__cond_destroy(&s->cond);
    blec__mutex_destroy(&s->lock);
    free(s->bus_address);
    free(s);
    return BLEC_ERR_NO_MEMORY;
  }
  blec__mutex_lock(&s->lock);
  while (s->start_status == 1) blec__cond_wait(&s->cond, &s->lock);
  int st = s->start_status;
  blec__mutex_unlock(&s->lock);
  if (st != BLEC_OK) {
    blec__thread_join(&s->thread);
    blec_world_unref(s->world);
    blec__cond_destroy(&s->cond);
    blec__mutex_destroy(&s->lock);
    free(s->bus_address);
    free(s);
    return st;
  }
  *out = s;
  return BLEC_OK;
}

void blec_bluez_sim_stop(blec_bluez_sim *s) {
  if (!s) return;
  if (bz_post(s, quit_job, NULL, NULL) != BLEC_OK) bz_log(s, "stop: the bus thread is gone already");
  blec__thread_join(&s->thread);
  /* Connects cancelled at shutdown still complete on the world thread (at once). */
  while (atomic_load(&s->world_connects) > 0) blec__sleep_ms(1);
  blec_world_unref(s->world);
  blec__cond_destroy(&s->cond);
  blec__mutex_destroy(&s->lock);
  free(s->bus_address);
  free(s);
}

const char *blec_bluez_sim_unique_name(const blec_bluez_sim *s) { return s ? s->unique : NULL; }

static void sync_job(bz_sim *s, void *arg) {
  (void)arg;
  bz_flush(s);
  sd_bus_flush(s->bus);
  blec__mutex_lock(&s->lock);
  s->sync_done++;
  blec__cond_broadcast(&s->cond);
  blec__mutex_unlock(&s->lock);
}

int blec_bluez_sim_sync(blec_bluez_sim *s) {
  if (!s) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&s->lock);
  uint64_t want = s->sync_done + 1;
  blec__mutex_unlock(&s->lock);
  /* Barriers complete in order, so waiting for the count to pass ours is enough. */
  int r = bz_post(s, sync_job, NULL, NULL);
  if (r != BLEC_OK) return r;
  blec__mutex_lock(&s->lock);
  while (s->sync_done < want) {
    if (blec__cond_timedwait(&s->cond, &s->lock, 30000) != BLEC_OK && s->sync_done < want) {
      blec__mutex_unlock(&s->lock);
      return BLEC_ERR_TIMEOUT;
    }
  }
  blec__mutex_unlock(&s->lock);
  return BLEC_OK;
}

typedef struct switch_arg {
  blec_bluez_sim_switch sw;
  int64_t value;
} switch_arg;

static void switch_job(bz_sim *s, void *arg) {
  switch_arg *a = arg;
  s->sw[a->sw] = a->value;
  if (a->sw == BLEC_BLUEZ_SIM_HOLD_DISCOVERY && !a->value)
    for (int i = 0; i < s->nadapters; i++)
      if (s->adapters[i]) bz_discovery_release(s->adapters[i]);
  if (a->sw == BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL && !a->value) bz_bus_release_getall(s);
  free(a);
}

int blec_bluez_sim_set_switch(blec_bluez_sim *s, blec_bluez_sim_switch sw, int64_t value) {
  if (!s || sw <= 0 || sw >= BLEC_BLUEZ_SIM_SWITCH_COUNT || value < 0) return BLEC_ERR_INVALID_ARG;
  if (sw == BLEC_BLUEZ_SIM_GATT_CACHE && value > 2) return BLEC_ERR_INVALID_ARG;
  if ((sw == BLEC_BLUEZ_SIM_HOLD_DISCOVERY || sw == BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL) && value > 1)
    return BLEC_ERR_INVALID_ARG;
  switch_arg *a = malloc(sizeof *a);
  if (!a) return BLEC_ERR_NO_MEMORY;
  a->sw = sw;
  a->value = value;
  return bz_post(s, switch_job, a, NULL);
}

int blec_bluez_sim_last_filter(blec_bluez_sim *s, blec_bluez_sim_filter *out) {
  if (!s || !out) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&s->lock);
  *out = s->last_filter;
  blec__mutex_unlock(&s->lock);
  return BLEC_OK;
}

size_t blec_bluez_sim_held_calls(blec_bluez_sim *s) {
  if (!s) return 0;
  blec__mutex_lock(&s->lock);
  size_t n = s->held_calls;
  blec__mutex_unlock(&s->lock);
  return n;
}

int blec_bluez_sim_agents_get(blec_bluez_sim *s, blec_bluez_sim_agents *out) {
  if (!s || !out) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&s->lock);
  *out = s->agents_seen;
  blec__mutex_unlock(&s->lock);
  return BLEC_OK;
}

static void end_discovery_job(bz_sim *s, void *arg) {
  (void)arg;
  for (int i = 0; i < s->nadapters; i++)
    if (s->adapters[i]) bz_discovery_end(s->adapters[i]);
}

int blec_bluez_sim_end_discovery(blec_bluez_sim *s) {
  if (!s) return BLEC_ERR_INVALID_ARG;
  int r = bz_post(s, end_discovery_job, NULL, NULL);
  return r == BLEC_OK ? blec_bluez_sim_sync(s) : r;
}
