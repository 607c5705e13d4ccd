/* SPDX-License-Identifier: MIT */
/*
 * t_gatt.c — the GATT paths particular to BlueZ: notifications through AcquireNotify's
 * socket (the default) or through StartNotify and Value changes, a read of a subscribed
 * characteristic not mistaken for a notification on the latter, writes without response
 * through AcquireWrite's socket, the handles read from object paths, and ATT errors as
 * BlueZ reports them.
 */
#include <stdlib.h>
#include <string.h>

#include "blec/blec_winrt.h"
#include "bk.h"

static const char world_text[] =
    "blec-world 1\n"
    "peripheral C0:0C:00:00:00:01 public\n"
    "  name \"Paths\"\n"
    "  rssi -50\n"
    "  service aa00\n"
    "    characteristic aa04 read,notify u8:0\n"
    "    characteristic aa02 write-without-response\n"
    "    characteristic aa01 read,write text:\"hello\"\n"
    "      descriptor 2901 read text:\"user\"\n";

#define ADDR "C0:0C:00:00:00:01"
#define DEV_PATH "/org/bluez/hci0/dev_C0_0C_00_00_00_01"

static blec_client *connected(bk *t) {
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(t->ctx, ADDR, NULL, &c));
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), NULL));
  return c;
}

/* Pushes n values 1..n and waits for them all, in order. */
static void push_and_receive(blec_world_peripheral *p, uint16_t h, bk_notes *n, int count) {
  int before = bk_notes_count(n);
  for (int i = 1; i <= count; i++) {
    uint8_t v = (uint8_t)i;
    ASSERT_OK(blec_world_set_value(p, h, &v, 1, true));
    WAIT_UNTIL(bk_notes_count(n) == before + i, BK_WAIT_MS);
    blec__mutex_lock(&n->m);
    ASSERT_EQ_INT(n->last[0], i);
    blec__mutex_unlock(&n->m);
  }
}

/* A fresh simulated bluetoothd and a client subscribed to aa04 (the path BLEC_BLUEZ_NOTIFY
 * picks), with another program's bus connection, the characteristic's object path and the
 * peripheral that sends the values. */
static blec_client *subscribed_aa04(bk *t, bk_notes *n, blec_characteristic **ch, sd_bus **other, char *path,
                                    size_t size, blec_world_peripheral **p) {
  bk_up(t, world_text);
  blec_client *c = bk_subscribed(t, ADDR, "aa04", n, ch);
  *other = bk_bus();
  bk_gatt_path(*other, DEV_PATH, "0000aa04-0000-1000-8000-00805f9b34fb", path, size);
  ASSERT_OK(blec_world_find_peripheral(t->world, ADDR, p));
  return c;
}

BLEC_TEST_IMPL(notifications_come_through_the_acquired_socket_by_default) {
  unsetenv("BLEC_BLUEZ_NOTIFY");
  bk t;
  bk_notes n;
  blec_characteristic *ch = NULL;
  sd_bus *other = NULL;
  char path[256];
  blec_world_peripheral *p = NULL;
  blec_client *c = subscribed_aa04(&t, &n, &ch, &other, path, sizeof path, &p);
  ASSERT(bk_bool_property(other, path, "org.bluez.GattCharacteristic1", "NotifyAcquired"));
  push_and_receive(p, blec_characteristic_handle(ch), &n, 20);
  /* Stop: the socket is closed, BlueZ releases the subscription. */
  ASSERT_OK(blec_client_stop_notify(c, ch, blec_test_ms(BK_WAIT_MS), NULL));
  WAIT_UNTIL(!bk_bool_property(other, path, "org.bluez.GattCharacteristic1", "NotifyAcquired"), BK_WAIT_MS);
  /* And again after stopping. */
  ASSERT_OK(blec_client_start_notify(c, ch, 0, bk_notify_cb, &n, blec_test_ms(BK_WAIT_MS), NULL));
  push_and_receive(p, blec_characteristic_handle(ch), &n, 3);
  sd_bus_flush_close_unref(other);
  blec_client_free(c);
  bk_close(&t);
  blec__mutex_destroy(&n.m);
}

/* A subscription stopped and started again at once, while bluetoothd has not yet noticed the
 * old socket's close: the new one must not meet the old session ("Notify acquired"). */
BLEC_TEST_IMPL(a_subscription_started_again_at_once_meets_no_old_session) {
  unsetenv("BLEC_BLUEZ_NOTIFY");
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  ASSERT_OK(blec_bluez_sim_set_switch(t.sim, BLEC_BLUEZ_SIM_SOCKET_CLOSE_SEEN_LATE_MS, 2000));
  bk_ctx(&t, NULL);
  blec_client *c = connected(&t);
  blec_characteristic *ch = bk_chr(c, "aa04");
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(t.world, ADDR, &p));
  bk_notes n;
  bk_notes_init(&n);
  for (int round = 0; round < 3; round++) {
    blec_error err;
    blec_error_clear(&err);
    ASSERT_OK(blec_client_start_notify(c, ch, 0, bk_notify_cb, &n, blec_test_ms(BK_WAIT_MS), &err));
    push_and_receive(p, blec_characteristic_handle(ch), &n, 2);
    ASSERT_OK(blec_client_stop_notify(c, ch, blec_test_ms(BK_WAIT_MS), NULL));
  }
  blec_client_free(c);
  bk_close(&t);
  blec__mutex_destroy(&n.m);
}

static int last_first(bk_notes *n) {
  blec__mutex_lock(&n->m);
  int v = n->count ? n->last[0] : -1;
  blec__mutex_unlock(&n->m);
  return v;
}

/* Pushes v and waits until it was received. */
static void push_one(blec_world_peripheral *p, uint16_t h, bk_notes *n, uint8_t v) {
  ASSERT_OK(blec_world_set_value(p, h, &v, 1, true));
  WAIT_UNTIL(last_first(n) == v, BK_WAIT_MS);
}

BLEC_TEST_IMPL(notifications_on_the_signal_path_and_a_read_is_not_one) {
  setenv("BLEC_BLUEZ_NOTIFY", "signal", 1);
  bk t;
  bk_notes n;
  blec_characteristic *ch = NULL;
  sd_bus *other = NULL;
  char path[256];
  blec_world_peripheral *p = NULL;
  blec_client *c = subscribed_aa04(&t, &n, &ch, &other, path, sizeof path, &p);
  ASSERT(bk_bool_property(other, path, "org.bluez.GattCharacteristic1", "Notifying"));
  uint16_t h = blec_characteristic_handle(ch);
  push_and_receive(p, h, &n, 5);
  /* BlueZ announces the value a read got as a Value change, before the read's reply:
   * not a notification. */
  int before = bk_notes_count(&n);
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read(c, ch, 0, blec_test_ms(BK_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 1);
  ASSERT_EQ_INT(d[0], 5);
  blec_free(d);
  /* Then 6, a genuine 5 (the value the read got: it is a notification like any other), 7.
   * Values arrive in order, so 7's arrival proves that nothing else is on its way. */
  push_one(p, h, &n, 6);
  push_one(p, h, &n, 5);
  push_one(p, h, &n, 7);
  blec__mutex_lock(&n.m);
  ASSERT_EQ_INT(n.count, before + 3);
  ASSERT_EQ_INT(n.firsts[before], 6);
  ASSERT_EQ_INT(n.firsts[before + 1], 5);
  ASSERT_EQ_INT(n.firsts[before + 2], 7);
  blec__mutex_unlock(&n.m);
  /* A read while values keep coming: every pushed value arrives once, the read's never. */
  before = bk_notes_count(&n);
  ASSERT_OK(blec_client_read(c, ch, 0, blec_test_ms(BK_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(d[0], 7);
  blec_free(d);
  push_one(p, h, &n, 7);
  push_one(p, h, &n, 8);
  blec__mutex_lock(&n.m);
  ASSERT_EQ_INT(n.count, before + 2);
  ASSERT_EQ_INT(n.firsts[before], 7);
  blec__mutex_unlock(&n.m);
  ASSERT_OK(blec_client_stop_notify(c, ch, blec_test_ms(BK_WAIT_MS), NULL));
  WAIT_UNTIL(!bk_bool_property(other, path, "org.bluez.GattCharacteristic1", "Notifying"), BK_WAIT_MS);
  sd_bus_flush_close_unref(other);
  blec_client_free(c);
  bk_close(&t);
  unsetenv("BLEC_BLUEZ_NOTIFY");
  blec__mutex_destroy(&n.m);
}

BLEC_TEST_IMPL(writes_without_response_go_through_the_acquired_socket) {
  unsetenv("BLEC_BLUEZ_WRITE");
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  blec_client *c = connected(&t);
  blec_characteristic *ch = bk_chr(c, "aa02");
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(t.world, ADDR, &p));
  sd_bus *other = bk_bus();
  char path[256];
  bk_gatt_path(other, DEV_PATH, "0000aa02-0000-1000-8000-00805f9b34fb", path, sizeof path);
  for (int i = 0; i < 10; i++) {
    uint8_t v[3] = {'w', 'r', (uint8_t)i};
    ASSERT_OK(blec_client_write(c, ch, v, sizeof v, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(BK_WAIT_MS), NULL));
    uint8_t *got = NULL;
    size_t len = 0;
    uint64_t deadline = bk_now_ms() + (uint64_t)blec_test_ms(BK_WAIT_MS);
    for (;;) { /* a write command has no answer: the peripheral gets it a little later */
      ASSERT_OK(blec_world_get_value(p, blec_characteristic_handle(ch), &got, &len));
      bool there = len == 3 && got[2] == i;
      blec_free(got);
      if (there) break;
      if (bk_now_ms() > deadline) blec_test_fail_(__FILE__, __LINE__, "write %d never reached the peripheral", i);
      blec__sleep_ms(1);
    }
  }
  ASSERT(bk_bool_property(other, path, "org.bluez.GattCharacteristic1", "WriteAcquired"));
  /* A characteristic that also takes write requests keeps WriteValue. */
  blec_characteristic *rw = bk_chr(c, "aa01");
  ASSERT_OK(blec_client_write(c, rw, (const uint8_t *)"x", 1, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(BK_WAIT_MS), NULL));
  sd_bus_flush_close_unref(other);
  blec_client_free(c);
  bk_close(&t);
}

BLEC_TEST_IMPL(handles_come_from_object_paths_as_bluez_names_them) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL); /* 5.66: no Handle property, the paths say it */
  bk_ctx(&t, NULL);
  blec_client *c = connected(&t);
  sd_bus *other = bk_bus();
  const char *uuids[] = {"aa04", "aa02", "aa01"};
  for (size_t i = 0; i < 3; i++) {
    blec_characteristic *ch = bk_chr(c, uuids[i]);
    char full[40], path[256];
    snprintf(full, sizeof full, "0000%s-0000-1000-8000-00805f9b34fb", uuids[i]);
    bk_gatt_path(other, DEV_PATH, full, path, sizeof path);
    /* ".../charXXXX": the declaration's handle; the value's follows it. */
    const char *e = strrchr(path, '/');
    ASSERT(e && !strncmp(e, "/char", 5));
    unsigned decl = (unsigned)strtoul(e + 5, NULL, 16);
    ASSERT_EQ_INT(blec_characteristic_handle(ch), decl + 1);
  }
  blec_descriptor *d = NULL;
  blec_uuid u2901 = blec_uuid_from16(0x2901);
  ASSERT_OK(blec_characteristic_descriptor(bk_chr(c, "aa01"), &u2901, &d));
  uint8_t *v = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read_descriptor(c, d, 0, blec_test_ms(BK_WAIT_MS), &v, &len, NULL));
  ASSERT_EQ_INT(len, 4);
  ASSERT_MEM_EQ(v, "user", 4);
  blec_free(v);
  sd_bus_flush_close_unref(other);
  blec_client_free(c);
  bk_close(&t);
}

/* Reads aa01 with the peripheral answering att; the error blec reports. */
static blec_error read_with_fault(bk *t, blec_client *c, int att) {
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(t->world, ADDR, &p));
  ASSERT_OK(blec_world_fault_att_error(p, (int)blec_world_peripheral_request_count(p) + 1, att));
  blec_error err;
  blec_error_clear(&err);
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_STATUS(blec_client_read(c, bk_chr(c, "aa01"), 0, blec_test_ms(BK_WAIT_MS), &d, &len, &err), BLEC_ERR_ATT);
  return err;
}

BLEC_TEST_IMPL(att_errors_keep_the_code_bluez_passes_on) {
  bk t;
  bk_world(&t, world_text);
  bk_sim_start(&t, NULL);
  bk_ctx(&t, NULL);
  blec_client *c = connected(&t);
  /* "Operation failed with ATT error: 0x.." carries every code BlueZ has no name for. */
  blec_error e = read_with_fault(&t, c, 0x80);
  ASSERT_EQ_INT(e.att_error, 0x80);
  ASSERT_EQ_INT(e.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  e = read_with_fault(&t, c, BLEC_ATT_INSUFFICIENT_RESOURCES);
  ASSERT_EQ_INT(e.att_error, BLEC_ATT_INSUFFICIENT_RESOURCES);
  /* Named errors map back to their code. */
  e = read_with_fault(&t, c, BLEC_ATT_READ_NOT_PERMITTED);
  ASSERT_EQ_INT(e.att_error, BLEC_ATT_READ_NOT_PERMITTED);
  e = read_with_fault(&t, c, BLEC_ATT_INSUFFICIENT_AUTHORIZATION);
  ASSERT_EQ_INT(e.att_error, BLEC_ATT_INSUFFICIENT_AUTHORIZATION);
  e = read_with_fault(&t, c, BLEC_ATT_INVALID_OFFSET);
  ASSERT_EQ_INT(e.att_error, BLEC_ATT_INVALID_OFFSET);
  e = read_with_fault(&t, c, BLEC_ATT_REQUEST_NOT_SUPPORTED); /* org.bluez.Error.NotSupported */
  ASSERT_EQ_INT(e.att_error, BLEC_ATT_REQUEST_NOT_SUPPORTED);
  ASSERT_EQ_INT(e.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  /* Insufficient Encryption: BlueZ raises the link's security by itself (it pairs, Just
   * Works here) and retries: the read succeeds (no BLEC_CAP_SECURITY_ERRORS). */
  ASSERT(!(blec_ctx_capabilities(t.ctx) & BLEC_CAP_SECURITY_ERRORS));
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(t.world, ADDR, &p));
  uint64_t before = blec_world_peripheral_request_count(p);
  ASSERT_OK(blec_world_fault_att_error(p, (int)before + 1, BLEC_ATT_INSUFFICIENT_ENCRYPTION));
  uint8_t *d = NULL;
  size_t len = 0;
  ASSERT_OK(blec_client_read(c, bk_chr(c, "aa01"), 0, blec_test_ms(BK_WAIT_MS), &d, &len, NULL));
  ASSERT_EQ_INT(len, 5);
  blec_free(d);
  ASSERT(blec_world_peripheral_request_count(p) >= before + 2); /* the refused read, then the retry */
  blec_client_free(c);
  bk_close(&t);
}
