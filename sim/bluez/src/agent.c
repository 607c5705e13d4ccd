/* SPDX-License-Identifier: MIT */
/*
 * agent.c — org.bluez.AgentManager1 at /org/bluez (BlueZ 5.66 doc/agent-api.txt,
 * src/agent.c): one agent per bus name, a queue of default agents (the head is the
 * default), agents released when their owner leaves the bus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct bz_agent {
  bz_sim *sim;
  char *owner;
  char *path;
  int io;
  bool is_default; /* in the default queue */
  uint64_t default_seq;
  sd_bus_track *track;
  bz_agent *next;
};

const char *bz_agent_owner(const bz_agent *a) { return a->owner; }
const char *bz_agent_path(const bz_agent *a) { return a->path; }
int bz_agent_io(const bz_agent *a) { return a ? a->io : BZ_IO_NO_INPUT_NO_OUTPUT; }

static bz_agent *by_owner(bz_sim *s, const char *owner) {
  for (bz_agent *a = s->agents; a; a = a->next)
    if (owner && !strcmp(a->owner, owner)) return a;
  return NULL;
}

/* The head of the default queue: the agent that asked last. */
static bz_agent *default_agent(bz_sim *s) {
  bz_agent *best = NULL;
  for (bz_agent *a = s->agents; a; a = a->next)
    if (a->is_default && (!best || a->default_seq > best->default_seq)) best = a;
  return best;
}

bz_agent *bz_agent_for(bz_sim *s, const char *sender) {
  bz_agent *a = by_owner(s, sender);
  return a ? a : default_agent(s);
}

static int parse_io(const char *cap) {
  if (!strcmp(cap, "")) return BZ_IO_KEYBOARD_DISPLAY;
  if (!strcmp(cap, "DisplayOnly")) return BZ_IO_DISPLAY_ONLY;
  if (!strcmp(cap, "DisplayYesNo")) return BZ_IO_DISPLAY_YESNO;
  if (!strcmp(cap, "KeyboardOnly")) return BZ_IO_KEYBOARD_ONLY;
  if (!strcmp(cap, "NoInputNoOutput")) return BZ_IO_NO_INPUT_NO_OUTPUT;
  if (!strcmp(cap, "KeyboardDisplay")) return BZ_IO_KEYBOARD_DISPLAY;
  return -1;
}

/* Keeps the record blec_bluez_sim_agents_get reads (registered: +1 / -1 / 0). */
static void note(bz_sim *s, const bz_agent *a, const char *cap, int registered) {
  blec__mutex_lock(&s->lock);
  blec_bluez_sim_agents *r = &s->agents_seen;
  if (registered > 0) {
    r->registrations++;
    r->registered++;
    snprintf(r->capability, sizeof r->capability, "%s", cap);
    snprintf(r->owner, sizeof r->owner, "%s", a->owner);
  } else if (registered < 0 && r->registered > 0) {
    r->registered--;
  }
  if (registered < 0 && cap) r->unregistrations++;
  blec__mutex_unlock(&s->lock);
}

static void agent_free(bz_agent *a) {
  sd_bus_track_unref(a->track);
  free(a->owner);
  free(a->path);
  free(a);
}

static void agent_unlink(bz_sim *s, bz_agent *a) {
  for (bz_agent **pp = &s->agents; *pp; pp = &(*pp)->next) {
    if (*pp == a) {
      *pp = a->next;
      return;
    }
  }
}

/* agent_destroy while its owner is still there: it is told with Release(). */
static void release(bz_sim *s, bz_agent *a) {
  sd_bus_message *m = NULL;
  if (sd_bus_message_new_method_call(s->bus, &m, a->owner, a->path, "org.bluez.Agent1", "Release") >= 0) {
    sd_bus_message_set_expect_reply(m, 0);
    bz_send(s, m);
  }
}

typedef struct owner_ctx {
  bz_sim *sim;
  char owner[64];
} owner_ctx;

static int on_owner_gone(sd_bus_track *t, void *user) {
  (void)t;
  owner_ctx *oc = user;
  bz_agent *a = by_owner(oc->sim, oc->owner);
  if (a) {
    note(oc->sim, a, NULL, -1);
    agent_unlink(oc->sim, a);
    agent_free(a);
  }
  return 0;
}

static void register_agent(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  const char *sender = sd_bus_message_get_sender(m), *path, *cap;
  if (by_owner(s, sender)) {
    bz_reply_error(s, m, BZ_ERROR ".AlreadyExists", "Already Exists");
    return;
  }
  int io = -1;
  if (sd_bus_message_read(m, "os", &path, &cap) < 0 || (io = parse_io(cap)) < 0 || !sender) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  bz_agent *a = calloc(1, sizeof *a);
  owner_ctx *oc = calloc(1, sizeof *oc);
  if (!a || !oc || !(a->owner = strdup(sender)) || !(a->path = strdup(path))) {
    if (a) agent_free(a);
    free(oc);
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  a->sim = s;
  a->io = io;
  oc->sim = s;
  snprintf(oc->owner, sizeof oc->owner, "%s", sender);
  if (sd_bus_track_new(s->bus, &a->track, on_owner_gone, oc) >= 0) {
    sd_bus_track_set_destroy_callback(a->track, free);
    sd_bus_track_add_sender(a->track, m);
  } else {
    free(oc);
  }
  a->next = s->agents;
  s->agents = a;
  note(s, a, cap, 1);
  bz_reply_empty(s, m);
}

/* The caller's agent named by the call's path argument, else the error is answered. */
static bz_agent *callers_agent(bz_sim *s, sd_bus_message *m) {
  bz_agent *a = by_owner(s, sd_bus_message_get_sender(m));
  const char *path;
  if (!a) {
    bz_reply_error(s, m, BZ_ERROR ".DoesNotExist", "Does Not Exist");
    return NULL;
  }
  if (sd_bus_message_read(m, "o", &path) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return NULL;
  }
  if (strcmp(path, a->path)) {
    bz_reply_error(s, m, BZ_ERROR ".DoesNotExist", "Does Not Exist");
    return NULL;
  }
  return a;
}

static void unregister_agent(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  bz_agent *a = callers_agent(s, m);
  if (!a) return;
  note(s, a, "", -1);
  agent_unlink(s, a);
  release(s, a);
  agent_free(a);
  bz_reply_empty(s, m);
}

static void request_default(bz_sim *s, sd_bus_message *m, void *data) {
  (void)data;
  bz_agent *a = callers_agent(s, m);
  if (!a) return;
  static uint64_t seq;
  a->is_default = true;
  a->default_seq = ++seq;
  bz_reply_empty(s, m);
}

static const bz_method manager_methods[] = {
    {"RegisterAgent", "os", "", register_agent, 0},
    {"UnregisterAgent", "o", "", unregister_agent, 0},
    {"RequestDefaultAgent", "o", "", request_default, 0},
    {NULL, NULL, NULL, NULL, 0}};

static const bz_prop no_props[] = {{NULL, NULL, NULL, NULL, NULL, 0}};

static const bz_iface agent_manager_iface = {"org.bluez.AgentManager1", manager_methods, no_props};

int bz_agents_init(bz_sim *s) { return bz_obj_add(s->bluez_obj, &agent_manager_iface, s); }

void bz_agents_free(bz_sim *s) {
  while (s->agents) {
    bz_agent *a = s->agents;
    s->agents = a->next;
    agent_free(a);
  }
}
