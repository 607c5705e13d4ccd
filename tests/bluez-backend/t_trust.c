/* SPDX-License-Identifier: MIT */
/*
 * t_trust.c — only the owner of org.bluez is believed. Another connection on the system
 * bus sends the backend what bluetoothd would (a new device advertising, a changed name,
 * a notification value, a disconnection, the device's removal, the daemon's departure,
 * a pairing question), both to the backend's connection directly and as broadcasts; none
 * of it may reach the program. Each "nothing happened" is asserted after a real event
 * that the bus delivered later (one connection's messages arrive in order), so the
 * window has passed.
 */
#include <stdlib.h>
#include <string.h>

#include "bk.h"

static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:0A:00:00:00:01 public\n"
    "  name \"Trust\"\n"
    "  rssi -50\n"
    "  pairing encryption\n"
    "  service aa00\n"
    "    characteristic aa08 notify\n";

#define REAL "C0:0A:00:00:00:01"
#define REAL_PATH "/org/bluez/hci0/dev_C0_0A_00_00_00_01"
#define FAKE_PATH "/org/bluez/hci0/dev_C0_0A_00_00_00_99"
#define AA08 "0000aa08-0000-1000-8000-00805f9b34fb"

/* Sends one signal as `from`: to `dest` (unicast) or to everyone (dest NULL). */
typedef int (*fill_fn)(sd_bus_message *m, void *arg);

static void spoof(sd_bus *from, const char *dest, const char *path, const char *iface, const char *member, fill_fn fill,
                  void *arg) {
  sd_bus_message *m = NULL;
  ASSERT(sd_bus_message_new_signal(from, &m, path, iface, member) >= 0);
  if (dest) ASSERT(sd_bus_message_set_destination(m, dest) >= 0);
  ASSERT(fill(m, arg) >= 0);
  ASSERT(sd_bus_send(from, m, NULL) >= 0);
  sd_bus_message_unref(m);
  ASSERT(sd_bus_flush(from) >= 0);
}

/* Both ways: to the backend's connection and as a broadcast. */
static void spoof_both(sd_bus *from, const char *blec, const char *path, const char *iface, const char *member,
                       fill_fn fill, void *arg) {
  spoof(from, blec, path, iface, member, fill, arg);
  spoof(from, NULL, path, iface, member, fill, arg);
}

static int fake_device_added(sd_bus_message *m, void *arg) {
  (void)arg;
  return sd_bus_message_append(m, "oa{sa{sv}}", FAKE_PATH, 1, "org.bluez.Device1", 5, "Address", "s",
                               "C0:0A:00:00:00:99", "AddressType", "s", "public", "Adapter", "o", "/org/bluez/hci0",
                               "Name", "s", "Injected", "RSSI", "n", (int16_t)-10);
}

static int name_changed(sd_bus_message *m, void *arg) {
  (void)arg;
  return sd_bus_message_append(m, "sa{sv}as", "org.bluez.Device1", 2, "Name", "s", "Injected", "RSSI", "n",
                               (int16_t)-11, 0);
}

static int value_changed(sd_bus_message *m, void *arg) {
  (void)arg;
  int r = sd_bus_message_append(m, "s", "org.bluez.GattCharacteristic1");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0) r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", "Value");
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "ay");
  if (r >= 0) r = sd_bus_message_append_array(m, 'y', "EVIL", 4);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_append(m, "as", 0);
  return r;
}

static int connected_false(sd_bus_message *m, void *arg) {
  (void)arg;
  return sd_bus_message_append(m, "sa{sv}as", "org.bluez.Device1", 2, "Connected", "b", 0, "ServicesResolved", "b", 0,
                               0);
}

static int device_removed(sd_bus_message *m, void *arg) {
  (void)arg;
  return sd_bus_message_append(m, "oas", REAL_PATH, 1, "org.bluez.Device1");
}

static int disconnected_reason(sd_bus_message *m, void *arg) {
  (void)arg;
  return sd_bus_message_append(m, "ss", "org.bluez.Reason.Remote", "injected");
}

static int owner_gone(sd_bus_message *m, void *arg) {
  return sd_bus_message_append(m, "sss", "org.bluez", (const char *)arg, "");
}

static int adapter_off(sd_bus_message *m, void *arg) {
  (void)arg;
  return sd_bus_message_append(m, "sa{sv}as", "org.bluez.Adapter1", 1, "Powered", "b", 0, 0);
}

/* Pushes a real notification (its bytes "good" + seq) and waits for it. */
static void real_value(blec_world_peripheral *p, uint16_t handle, bk_notes *n, uint8_t seq) {
  int before = bk_notes_count(n);
  uint8_t v[5] = {'g', 'o', 'o', 'd', seq};
  ASSERT_OK(blec_world_set_value(p, handle, v, sizeof v, true));
  WAIT_UNTIL(bk_notes_count(n) > before, BK_WAIT_MS);
  blec__mutex_lock(&n->m);
  ASSERT_EQ_INT(n->count, before + 1); /* the real one, and nothing injected */
  ASSERT_EQ_INT(n->last_len, 5);
  ASSERT_MEM_EQ(n->last, v, 5);
  blec__mutex_unlock(&n->m);
}

BLEC_TEST_IMPL(signals_of_other_connections_are_not_believed) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  sd_bus *other = bk_bus();
  char blec[64];
  bk_blec_name(other, t.sim, blec, sizeof blec);

  /* Advertisements: a device that does not exist, a name the real one never had. */
  bk_scan rec;
  bk_scan_init(&rec, REAL, "Injected");
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(t.ctx, NULL, bk_scan_cb, &rec, &s));
  ASSERT_OK(blec_scanner_start(s, NULL));
  WAIT_UNTIL(bk_scan_total(&rec) >= 2, BK_WAIT_MS);
  spoof_both(other, blec, "/", "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", fake_device_added, NULL);
  spoof_both(other, blec, REAL_PATH, "org.freedesktop.DBus.Properties", "PropertiesChanged", name_changed, NULL);
  int after = bk_scan_total(&rec);
  WAIT_UNTIL(bk_scan_total(&rec) >= after + 5, BK_WAIT_MS); /* real ones, sent after the spoofs */
  blec_scanner_free(s);
  blec__mutex_lock(&rec.m);
  ASSERT_EQ_INT(rec.other, 0);
  ASSERT_EQ_INT(rec.bad_names, 0);
  ASSERT_STR_EQ(rec.last_name, "Trust");
  blec__mutex_unlock(&rec.m);

  /* A connected, subscribed client (the D-Bus signal path, the one a signal could fake). */
  setenv("BLEC_BLUEZ_NOTIFY", "signal", 1);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(t.ctx, REAL, NULL, &c));
  bk_disc d;
  bk_disc_init(&d);
  blec_client_set_disconnected_callback(c, bk_disconnected_cb, &d);
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  blec_uuid u;
  ASSERT_OK(blec_uuid_parse(AA08, &u));
  blec_characteristic *chr = NULL;
  ASSERT_OK(blec_client_characteristic(c, &u, &chr));
  bk_notes n;
  bk_notes_init(&n);
  ASSERT_OK(blec_client_start_notify(c, chr, 0, bk_notify_cb, &n, blec_test_ms(BK_WAIT_MS), NULL));
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(t.world, REAL, &p));
  uint16_t h = blec_characteristic_handle(chr);
  real_value(p, h, &n, 1);

  char chr_path[256];
  bk_gatt_path(other, REAL_PATH, AA08, chr_path, sizeof chr_path);
  spoof_both(other, blec, chr_path, "org.freedesktop.DBus.Properties", "PropertiesChanged", value_changed, NULL);
  real_value(p, h, &n, 2);

  /* Disconnection, removal, the 5.83 reason signal, the adapter powering off. */
  spoof_both(other, blec, REAL_PATH, "org.bluez.Device1", "Disconnected", disconnected_reason, NULL);
  spoof_both(other, blec, REAL_PATH, "org.freedesktop.DBus.Properties", "PropertiesChanged", connected_false, NULL);
  spoof_both(other, blec, "/", "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", device_removed, NULL);
  spoof_both(other, blec, "/org/bluez/hci0", "org.freedesktop.DBus.Properties", "PropertiesChanged", adapter_off, NULL);
  real_value(p, h, &n, 3);
  ASSERT(blec_client_is_connected(c));
  ASSERT_EQ_INT(atomic_load(&d.count), 0);

  /* bluetoothd "leaving", said by someone who is not the bus. */
  spoof_both(other, blec, "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged", owner_gone,
             (void *)blec_bluez_sim_unique_name(t.sim));
  real_value(p, h, &n, 4);
  ASSERT(blec_client_is_connected(c));
  ASSERT_OK(blec_ctx_check_bluetooth(t.ctx, NULL));

  /* A pairing question from someone who is not bluetoothd: the agent exists once the
   * program paired, and refuses it. */
  ASSERT_OK(blec_client_pair(c, BLEC_PROTECTION_ENCRYPTION, blec_test_ms(BK_WAIT_MS), NULL));
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  int r = sd_bus_call_method(other, blec, "/org/blec/agent", "org.bluez.Agent1", "RequestAuthorization", &e, &reply,
                             "o", REAL_PATH);
  ASSERT(r < 0);
  ASSERT_STR_EQ(e.name, "org.bluez.Error.Rejected");
  sd_bus_error_free(&e);
  sd_bus_message_unref(reply);

  ASSERT_EQ_INT(atomic_load(&d.count), 0);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(BK_WAIT_MS), NULL));
  WAIT_UNTIL(atomic_load(&d.count) == 1, BK_WAIT_MS);
  ASSERT_EQ_INT(atomic_load(&d.reason), BLEC_DISCONNECT_REQUESTED);
  blec_client_free(c);
  sd_bus_flush_close_unref(other);
  bk_close(&t);
  blec__mutex_destroy(&n.m);
  blec__mutex_destroy(&rec.m);
}
