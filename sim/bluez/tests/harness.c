/* SPDX-License-Identifier: MIT */
/*
 * harness.c — the simulated bluetoothd's test harness (see harness.h).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void record(tb *t, sd_bus_message *m, unsigned call) {
  if (t->nev == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 256;
    t->ev = realloc(t->ev, t->cap * sizeof *t->ev);
    ASSERT(t->ev != NULL);
  }
  t->ev[t->nev].msg = sd_bus_message_ref(m);
  t->ev[t->nev].call = call;
  t->nev++;
}

static int on_signal(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)e;
  record(user, m, 0);
  return 0;
}

/* The test's harness (one per test process): reply callbacks carry only the call number. */
static tb *current;

static int on_reply(sd_bus_message *m, void *user, sd_bus_error *e) {
  (void)e;
  if (current) record(current, m, (unsigned)(uintptr_t)user);
  return 0;
}

void tb_open(tb *t, const char *world_text, const blec_bluez_sim_config *cfg) {
  memset(t, 0, sizeof *t);
  ASSERT(getenv("DBUS_SYSTEM_BUS_ADDRESS") != NULL); /* run under scripts/private-bus.sh */
  blec_error err;
  if (world_text) {
    int r = blec_world_load_string(world_text, "test", &t->world, &err);
    if (r != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "world: %s", err.message);
  } else {
    ASSERT_OK(blec_world_new_default(&t->world));
  }
  ASSERT_OK(blec_bluez_sim_start_config(t->world, NULL, cfg, &t->sim));
  /* Tests that are not about DISCONNECT_TIMER do not wait its two seconds. */
  ASSERT_OK(blec_bluez_sim_set_switch(t->sim, BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS, 20));
  ASSERT_OK(blec_bluez_sim_sync(t->sim));
  ASSERT(sd_bus_open_system(&t->bus) >= 0);
  ASSERT(sd_bus_add_match(t->bus, NULL, "type='signal',sender='org.bluez'", on_signal, t) >= 0);
}

void tb_close(tb *t) {
  for (size_t i = 0; i < t->nev; i++)
    if (t->ev[i].msg) sd_bus_message_unref(t->ev[i].msg);
  free(t->ev);
  t->bus = sd_bus_flush_close_unref(t->bus);
  current = NULL;
  blec_bluez_sim_stop(t->sim);
  blec_world_unref(t->world);
  memset(t, 0, sizeof *t);
}

sd_bus *tb_client(tb *t) {
  (void)t;
  sd_bus *b = NULL;
  ASSERT(sd_bus_open_system(&b) >= 0);
  return b;
}

sd_bus_message *tb_msg(tb *t, const char *path, const char *iface, const char *member) {
  sd_bus_message *m = NULL;
  ASSERT(sd_bus_message_new_method_call(t->bus, &m, TB_BLUEZ, path, iface, member) >= 0);
  return m;
}

unsigned tb_send_async(tb *t, sd_bus_message *m) {
  unsigned call = ++t->calls;
  current = t;
  /* A floating slot (NULL): it goes with the reply, or with the bus. */
  int r = sd_bus_call_async(t->bus, NULL, m, on_reply, (void *)(uintptr_t)call, 60ull * 1000000u);
  if (r < 0) blec_test_fail_(__FILE__, __LINE__, "sending %s: %s", sd_bus_message_get_member(m), strerror(-r));
  sd_bus_message_unref(m);
  return call;
}

size_t tb_reply_index(tb *t, unsigned call) {
  for (size_t i = 0; i < t->nev; i++)
    if (t->ev[i].call == call) return i;
  return TB_NONE;
}

static bool has_reply(tb *t, void *ctx) { return tb_reply_index(t, *(unsigned *)ctx) != TB_NONE; }

sd_bus_message *tb_wait_reply(tb *t, unsigned call) {
  if (!tb_until(t, has_reply, &call, 10000)) blec_test_fail_(__FILE__, __LINE__, "no reply to call %u", call);
  return t->ev[tb_reply_index(t, call)].msg;
}

sd_bus_message *tb_send(tb *t, sd_bus_message *m) { return tb_wait_reply(t, tb_send_async(t, m)); }

sd_bus_message *tb_call(tb *t, const char *path, const char *iface, const char *member, const char *types, ...) {
  sd_bus_message *m = tb_msg(t, path, iface, member);
  if (types && *types) {
    va_list ap;
    va_start(ap, types);
    ASSERT(sd_bus_message_appendv(m, types, ap) >= 0);
    va_end(ap);
  }
  return tb_send(t, m);
}

const char *tb_error(sd_bus_message *reply) {
  if (!sd_bus_message_is_method_error(reply, NULL)) return NULL;
  return sd_bus_message_get_error(reply)->name;
}

const char *tb_outcome(sd_bus_message *reply) {
  const char *e = tb_error(reply);
  return e ? e : "ok";
}

const char *tb_error_text(sd_bus_message *reply) {
  const sd_bus_error *e = sd_bus_message_get_error(reply);
  return e && e->message ? e->message : "";
}

bool tb_until(tb *t, bool (*pred)(tb *t, void *ctx), void *ctx, int ms) {
  uint64_t end = now_ms() + (uint64_t)blec_test_ms(ms);
  for (;;) {
    int r;
    while ((r = sd_bus_process(t->bus, NULL)) > 0) {
    }
    ASSERT(r >= 0);
    if (pred(t, ctx)) return true;
    uint64_t now = now_ms();
    if (now >= end) return false;
    ASSERT(sd_bus_wait(t->bus, (end - now) * 1000u) >= 0);
  }
}

/* ---- signal queries ------------------------------------------------------------------------ */

static bool is_signal(const tb_event *e, const char *iface, const char *member) {
  return e->msg && e->call == 0 && sd_bus_message_is_signal(e->msg, iface, member);
}

int tb_take_fd(tb *t, sd_bus_message *reply, uint16_t *mtu) {
  int fd = -1;
  ASSERT(sd_bus_message_rewind(reply, 1) >= 0);
  ASSERT(sd_bus_message_read(reply, "hq", &fd, mtu) > 0);
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ASSERT(copy >= 0);
  for (size_t i = 0; i < t->nev; i++) {
    if (t->ev[i].msg == reply) t->ev[i].msg = sd_bus_message_unref(reply);
  }
  return copy;
}

/* Whether a PropertiesChanged message names `prop` (changed or invalidated). */
static bool mentions(sd_bus_message *m, const char *prop) {
  bool found = false;
  const char *name;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  ASSERT(sd_bus_message_skip(m, "s") >= 0);
  ASSERT(sd_bus_message_enter_container(m, 'a', "{sv}") > 0);
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    ASSERT(sd_bus_message_read(m, "s", &name) > 0);
    if (!strcmp(name, prop)) found = true;
    ASSERT(sd_bus_message_skip(m, "v") >= 0);
    ASSERT(sd_bus_message_exit_container(m) >= 0);
  }
  ASSERT(sd_bus_message_exit_container(m) >= 0);
  ASSERT(sd_bus_message_enter_container(m, 'a', "s") > 0);
  while (sd_bus_message_read(m, "s", &name) > 0)
    if (!strcmp(name, prop)) found = true;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  return found;
}

size_t tb_find_prop(tb *t, size_t from, const char *path, const char *iface, const char *prop) {
  for (size_t i = from; i < t->nev; i++) {
    tb_event *e = &t->ev[i];
    if (!is_signal(e, TB_PROPS, "PropertiesChanged") || strcmp(sd_bus_message_get_path(e->msg), path)) continue;
    const char *name;
    ASSERT(sd_bus_message_rewind(e->msg, 1) >= 0);
    ASSERT(sd_bus_message_read(e->msg, "s", &name) > 0);
    bool same = !strcmp(name, iface);
    ASSERT(sd_bus_message_rewind(e->msg, 1) >= 0);
    if (same && mentions(e->msg, prop)) return i;
  }
  return TB_NONE;
}

static bool lists_iface(sd_bus_message *m, const char *iface) {
  bool found = false;
  const char *name;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  ASSERT(sd_bus_message_skip(m, "o") >= 0);
  ASSERT(sd_bus_message_enter_container(m, 'a', "{sa{sv}}") > 0);
  while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
    ASSERT(sd_bus_message_read(m, "s", &name) > 0);
    if (!strcmp(name, iface)) found = true;
    ASSERT(sd_bus_message_skip(m, "a{sv}") >= 0);
    ASSERT(sd_bus_message_exit_container(m) >= 0);
  }
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  return found;
}

static const char *object_of(sd_bus_message *m) {
  const char *path = NULL;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  ASSERT(sd_bus_message_read(m, "o", &path) > 0);
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  return path;
}

size_t tb_find_added(tb *t, size_t from, const char *path, const char *iface) {
  for (size_t i = from; i < t->nev; i++) {
    tb_event *e = &t->ev[i];
    if (is_signal(e, TB_OM, "InterfacesAdded") && !strcmp(object_of(e->msg), path) && lists_iface(e->msg, iface))
      return i;
  }
  return TB_NONE;
}

size_t tb_find_removed(tb *t, size_t from, const char *path) {
  for (size_t i = from; i < t->nev; i++) {
    tb_event *e = &t->ev[i];
    if (is_signal(e, TB_OM, "InterfacesRemoved") && !strcmp(object_of(e->msg), path)) return i;
  }
  return TB_NONE;
}

typedef struct find_ctx {
  size_t from;
  const char *path, *iface, *prop;
  int kind; /* 0 prop, 1 added, 2 removed */
  size_t found;
} find_ctx;

static bool found_pred(tb *t, void *ctx) {
  find_ctx *f = ctx;
  f->found = f->kind == 0   ? tb_find_prop(t, f->from, f->path, f->iface, f->prop)
             : f->kind == 1 ? tb_find_added(t, f->from, f->path, f->iface)
                            : tb_find_removed(t, f->from, f->path);
  return f->found != TB_NONE;
}

static size_t wait_kind(tb *t, find_ctx *f, int ms, const char *what) {
  if (!tb_until(t, found_pred, f, ms))
    blec_test_fail_(__FILE__, __LINE__, "no %s of %s %s", what, f->path, f->prop ? f->prop : f->iface ? f->iface : "");
  return f->found;
}

size_t tb_wait_prop(tb *t, size_t from, const char *path, const char *iface, const char *prop, int ms) {
  find_ctx f = {from, path, iface, prop, 0, TB_NONE};
  return wait_kind(t, &f, ms, "PropertiesChanged");
}

size_t tb_wait_added(tb *t, size_t from, const char *path, const char *iface, int ms) {
  find_ctx f = {from, path, iface, NULL, 1, TB_NONE};
  return wait_kind(t, &f, ms, "InterfacesAdded");
}

size_t tb_wait_removed(tb *t, size_t from, const char *path, int ms) {
  find_ctx f = {from, path, NULL, NULL, 2, TB_NONE};
  return wait_kind(t, &f, ms, "InterfacesRemoved");
}

size_t tb_wait_bool(tb *t, size_t from, const char *path, const char *iface, const char *prop, bool value, int ms) {
  for (;;) {
    size_t i = tb_wait_prop(t, from, path, iface, prop, ms);
    if (tb_changed_bool(t->ev[i].msg, prop, value)) return i;
    from = i + 1;
  }
}

/* ---- properties -------------------------------------------------------------------------------- */

sd_bus_message *tb_get(tb *t, const char *path, const char *iface, const char *prop) {
  sd_bus_message *r = tb_call(t, path, TB_PROPS, "Get", "ss", iface, prop);
  if (tb_error(r)) return r;
  char type;
  const char *contents;
  ASSERT(sd_bus_message_rewind(r, 1) >= 0);
  ASSERT(sd_bus_message_peek_type(r, &type, &contents) > 0);
  ASSERT(sd_bus_message_enter_container(r, 'v', contents) > 0);
  return r;
}

bool tb_get_bool(tb *t, const char *path, const char *iface, const char *prop) {
  sd_bus_message *r = tb_get(t, path, iface, prop);
  TB_OK(r);
  int v = 0;
  ASSERT(sd_bus_message_read(r, "b", &v) > 0);
  return v != 0;
}

bool tb_changed_bool(sd_bus_message *m, const char *prop, bool value) {
  bool match = false;
  const char *name;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  ASSERT(sd_bus_message_skip(m, "s") >= 0);
  ASSERT(sd_bus_message_enter_container(m, 'a', "{sv}") > 0);
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    ASSERT(sd_bus_message_read(m, "s", &name) > 0);
    int v;
    if (!strcmp(name, prop) && sd_bus_message_enter_container(m, 'v', "b") > 0) {
      ASSERT(sd_bus_message_read(m, "b", &v) > 0);
      match = (v != 0) == value;
      ASSERT(sd_bus_message_exit_container(m) >= 0);
    } else {
      ASSERT(sd_bus_message_skip(m, "v") >= 0);
    }
    ASSERT(sd_bus_message_exit_container(m) >= 0);
  }
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  return match;
}

bool tb_invalidated(sd_bus_message *m, const char *prop) {
  bool found = false;
  const char *name;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  ASSERT(sd_bus_message_skip(m, "sa{sv}") >= 0);
  ASSERT(sd_bus_message_enter_container(m, 'a', "s") > 0);
  while (sd_bus_message_read(m, "s", &name) > 0)
    if (!strcmp(name, prop)) found = true;
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
  return found;
}

/* ---- common steps ------------------------------------------------------------------------------- */

const char *tb_dev_path(const char *address, char buf[64]) {
  snprintf(buf, 64, "%s/dev_%s", TB_HCI0, address);
  for (char *p = buf + strlen(TB_HCI0); *p; p++)
    if (*p == ':') *p = '_';
  return buf;
}

void tb_discover(tb *t, const char *path) {
  sd_bus_message *m = tb_msg(t, TB_HCI0, TB_ADAPTER, "SetDiscoveryFilter");
  ASSERT(sd_bus_message_append(m, "a{sv}", 1, "Transport", "s", "le") >= 0);
  TB_OK(tb_send(t, m));
  TB_OK(tb_call(t, TB_HCI0, TB_ADAPTER, "StartDiscovery", ""));
  tb_wait_added(t, 0, path, TB_DEVICE, 5000);
}

void tb_connect(tb *t, const char *path) {
  size_t from = t->nev;
  TB_OK(tb_call(t, path, TB_DEVICE, "Connect", ""));
  tb_wait_bool(t, from, path, TB_DEVICE, "ServicesResolved", true, 5000);
}
