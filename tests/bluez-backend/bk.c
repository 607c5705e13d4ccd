/* SPDX-License-Identifier: MIT */
/* bk.c — the bluez backend tests' harness (bk.h). */
#include "bk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t bk_now_ms(void) { return blec__now_us() / 1000u; }

void bk_world(bk *t, const char *text) {
  memset(t, 0, sizeof *t);
  blec_error err;
  blec_error_clear(&err);
  if (blec_world_load_string(text, "test-world", &t->world, &err) != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__, "world text does not parse: %s", err.message);
  ASSERT_OK(blec_world_set_time_scale(t->world, 0.1));
}

void bk_sim_start(bk *t, const blec_bluez_sim_config *cfg) {
  if (!getenv("DBUS_SYSTEM_BUS_ADDRESS") || !getenv("BLEC_PRIVATE_BUS_DIR"))
    blec_test_fail_(__FILE__, __LINE__, "run under scripts/private-bus.sh (never the machine's system bus)");
  int r = blec_bluez_sim_start_config(t->world, NULL, cfg, &t->sim);
  if (r != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "the simulated bluetoothd did not start: %s", blec_status_name(r));
}

void bk_sim_stop(bk *t) {
  blec_bluez_sim_stop(t->sim);
  t->sim = NULL;
}

void bk_ctx(bk *t, const char *adapter) {
  blec_ctx_options *o = blec_ctx_options_new();
  ASSERT(o != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(o, "bluez"));
  ASSERT_OK(blec_ctx_options_set_log_level(o, BLEC_LOG_WARNING));
  if (adapter) ASSERT_OK(blec_ctx_options_set_adapter(o, adapter));
  blec_error err;
  blec_error_clear(&err);
  int s = blec_ctx_new(o, &t->ctx, &err);
  blec_ctx_options_free(o);
  if (s != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "blec_ctx_new(bluez): %s: %s", blec_status_name(s), err.message);
}

void bk_close(bk *t) {
  if (t->ctx) ASSERT_OK(blec_ctx_free(t->ctx));
  t->ctx = NULL;
  bk_sim_stop(t);
  if (t->world) blec_world_unref(t->world);
  t->world = NULL;
}

sd_bus *bk_bus(void) {
  sd_bus *b = NULL;
  ASSERT(sd_bus_open_system(&b) >= 0);
  return b;
}

void bk_blec_name(sd_bus *self, const blec_bluez_sim *sim, char *out, size_t size) {
  sd_bus_message *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ASSERT(sd_bus_call_method(self, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames",
                            &e, &reply, NULL) >= 0);
  const char *mine = NULL;
  ASSERT(sd_bus_get_unique_name(self, &mine) >= 0);
  ASSERT(sd_bus_message_enter_container(reply, 'a', "s") > 0);
  const char *n;
  int found = 0;
  while (sd_bus_message_read_basic(reply, 's', &n) > 0) {
    if (n[0] != ':' || !strcmp(n, mine) || !strcmp(n, blec_bluez_sim_unique_name(sim))) continue;
    snprintf(out, size, "%s", n);
    found++;
  }
  sd_bus_message_unref(reply);
  if (found != 1) blec_test_fail_(__FILE__, __LINE__, "%d candidate connections for the backend's", found);
}

void bk_gatt_path(sd_bus *bus, const char *dev_path, const char *uuid128, char *out, size_t size) {
  sd_bus_message *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ASSERT(sd_bus_call_method(bus, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &e,
                            &reply, NULL) >= 0);
  out[0] = 0;
  ASSERT(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") > 0);
  while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
    const char *path;
    ASSERT(sd_bus_message_read_basic(reply, 'o', &path) > 0);
    ASSERT(sd_bus_message_enter_container(reply, 'a', "{sa{sv}}") > 0);
    while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
      const char *iface;
      ASSERT(sd_bus_message_read_basic(reply, 's', &iface) > 0);
      ASSERT(sd_bus_message_enter_container(reply, 'a', "{sv}") > 0);
      while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
        const char *key, *v = NULL;
        ASSERT(sd_bus_message_read_basic(reply, 's', &key) > 0);
        if (!strcmp(key, "UUID") && sd_bus_message_enter_container(reply, 'v', "s") > 0) {
          ASSERT(sd_bus_message_read_basic(reply, 's', &v) > 0);
          ASSERT(sd_bus_message_exit_container(reply) >= 0);
          size_t dn = strlen(dev_path);
          if (!strcmp(v, uuid128) && !strncmp(path, dev_path, dn) && path[dn] == '/') snprintf(out, size, "%s", path);
        } else {
          ASSERT(sd_bus_message_skip(reply, "v") >= 0);
        }
        ASSERT(sd_bus_message_exit_container(reply) >= 0);
      }
      ASSERT(sd_bus_message_exit_container(reply) >= 0);
      ASSERT(sd_bus_message_exit_container(reply) >= 0);
    }
    ASSERT(sd_bus_message_exit_container(reply) >= 0);
    ASSERT(sd_bus_message_exit_container(reply) >= 0);
  }
  sd_bus_message_unref(reply);
  if (!out[0]) blec_test_fail_(__FILE__, __LINE__, "no GATT object %s below %s", uuid128, dev_path);
}

blec_characteristic *bk_chr(blec_client *c, const char *uuid) {
  blec_uuid u;
  ASSERT_OK(blec_uuid_parse(uuid, &u));
  blec_characteristic *ch = NULL;
  ASSERT_OK(blec_client_characteristic(c, &u, &ch));
  return ch;
}

bool bk_bool_property(sd_bus *bus, const char *path, const char *iface, const char *name) {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int v = 0;
  int r = sd_bus_get_property_trivial(bus, "org.bluez", path, iface, name, &e, 'b', &v);
  if (r < 0) blec_test_fail_(__FILE__, __LINE__, "Get %s.%s of %s: %s", iface, name, path, e.message ? e.message : "");
  sd_bus_error_free(&e);
  return v != 0;
}

/* ---- recorders -------------------------------------------------------------------------------- */

void bk_scan_init(bk_scan *r, const char *addr, const char *bad_name) {
  memset(r, 0, sizeof *r);
  ASSERT_OK(blec__mutex_init(&r->m));
  snprintf(r->addr, sizeof r->addr, "%s", addr);
  r->bad_name = bad_name;
}

void bk_scan_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user) {
  (void)s;
  bk_scan *r = user;
  blec__mutex_lock(&r->m);
  r->total++;
  if (!strcmp(blec_device_address(dev), r->addr)) {
    r->by_addr++;
    const char *n = blec_adv_local_name(adv);
    snprintf(r->last_name, sizeof r->last_name, "%s", n ? n : "");
    if (n && r->bad_name && !strcmp(n, r->bad_name)) r->bad_names++;
  } else {
    r->other++;
  }
  blec__mutex_unlock(&r->m);
}

int bk_scan_total(bk_scan *r) {
  blec__mutex_lock(&r->m);
  int n = r->total;
  blec__mutex_unlock(&r->m);
  return n;
}

void bk_up(bk *t, const char *world_text) {
  bk_world(t, world_text);
  bk_sim_start(t, NULL);
  bk_ctx(t, NULL);
}

static void call_main(void *arg) {
  bk_call *k = arg;
  k->status = k->fn(k->arg);
  atomic_store(&k->done, 1);
}

void bk_call_start(bk_call *k, int (*fn)(void *arg), void *arg) {
  k->fn = fn;
  k->arg = arg;
  k->status = -1;
  atomic_init(&k->done, 0);
  ASSERT_OK(blec__thread_create(&k->th, call_main, k));
}

bool bk_call_done(bk_call *k) { return atomic_load(&k->done) != 0; }

int bk_call_join(bk_call *k) {
  blec__thread_join(&k->th);
  return k->status;
}

void bk_notes_init(bk_notes *n) {
  memset(n, 0, sizeof *n);
  ASSERT_OK(blec__mutex_init(&n->m));
}

void bk_notify_cb(blec_client *c, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  (void)c;
  (void)chr;
  bk_notes *n = user;
  blec__mutex_lock(&n->m);
  if ((size_t)n->count < sizeof n->firsts) n->firsts[n->count] = len ? data[0] : 0;
  n->count++;
  n->last_len = len < sizeof n->last ? len : sizeof n->last;
  memcpy(n->last, data, n->last_len);
  blec__mutex_unlock(&n->m);
}

int bk_notes_count(bk_notes *n) {
  blec__mutex_lock(&n->m);
  int c = n->count;
  blec__mutex_unlock(&n->m);
  return c;
}

void bk_disc_init(bk_disc *d) {
  atomic_init(&d->count, 0);
  atomic_init(&d->reason, -1);
}

void bk_disconnected_cb(blec_client *c, blec_disconnect_reason reason, void *user) {
  (void)c;
  bk_disc *d = user;
  atomic_store(&d->reason, (int)reason);
  atomic_fetch_add(&d->count, 1);
}

blec_client *bk_subscribed(bk *t, const char *addr, const char *uuid, bk_notes *n, blec_characteristic **ch) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(t->ctx, addr, NULL, &c));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  *ch = bk_chr(c, uuid);
  bk_notes_init(n);
  ASSERT_OK(blec_client_start_notify(c, *ch, 0, bk_notify_cb, n, blec_test_ms(BK_WAIT_MS), NULL));
  return c;
}

void bk_expect_notifications(bk *t, const char *addr, blec_characteristic *ch, bk_notes *n, int count, uint8_t base) {
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(t->world, addr, &p));
  int before = bk_notes_count(n);
  for (int i = 1; i <= count; i++) {
    uint8_t v = (uint8_t)(base + i);
    ASSERT_OK(blec_world_set_value(p, blec_characteristic_handle(ch), &v, 1, true));
    WAIT_UNTIL(bk_notes_count(n) == before + i, BK_WAIT_MS);
  }
}
