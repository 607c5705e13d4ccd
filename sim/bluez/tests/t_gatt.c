/* SPDX-License-Identifier: MIT */
/*
 * t_gatt.c — ReadValue / WriteValue of characteristics and descriptors: values and the
 * Value signal, options, procedures by "type", ATT errors as bluetoothd reports them,
 * shared reads, requests cut by the link's end.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char *const world_gatt =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:40 random\n"
    "  name \"Gatt\"\n"
    "  pairing authentication\n"
    "  pairing-io no-input-no-output\n"
    "  adv-interval 20ms\n"
    "  service 12345678\n"
    "    characteristic aaa1 read,write hex:0102\n"
    "      descriptor 2901 read text:\"first\"\n"
    "    characteristic aaa2 read,notify u8:1\n"
    "    characteristic aaa3 write-without-response\n"
    "    characteristic aaa4 read u8:7\n"
    "      security encryption\n"
    "    characteristic aaa5 read,write,reliable-write hex:00\n"
    "    characteristic aaa6 read u8:9\n"
    "      security authentication\n";

#define DEV "/org/bluez/hci0/dev_C0_FF_EE_00_00_40"
#define SVC DEV "/service0004"
#define A1 SVC "/char0005"
#define A1_DESC A1 "/desc0007"
#define A2 SVC "/char0008"
#define A2_CCCD A2 "/desc000a"
#define A3 SVC "/char000b"
#define A4 SVC "/char000d"
#define A5 SVC "/char000f"
#define A6 SVC "/char0012"

static void open_gatt(tb *t, const char *extra) {
  char text[2048];
  snprintf(text, sizeof text, "%s%s", world_gatt, extra ? extra : "");
  tb_open(t, text, NULL);
  tb_discover(t, DEV);
  tb_connect(t, DEV);
}

static blec_world_peripheral *peripheral(tb *t) {
  blec_world_peripheral *p;
  ASSERT_OK(blec_world_find_peripheral(t->world, "C0:FF:EE:00:00:40", &p));
  return p;
}

/* The bytes of a ReadValue reply. */
static size_t reply_bytes(sd_bus_message *r, const void **p) {
  size_t n = 0;
  ASSERT(sd_bus_message_rewind(r, 1) >= 0);
  ASSERT(sd_bus_message_read_array(r, 'y', p, &n) >= 0);
  return n;
}

static sd_bus_message *read_at(tb *t, const char *path, const char *iface, uint16_t offset) {
  sd_bus_message *m = tb_msg(t, path, iface, "ReadValue");
  ASSERT(sd_bus_message_append(m, "a{sv}", 1, "offset", "q", offset) >= 0);
  return tb_send(t, m);
}

static sd_bus_message *write_typed(tb *t, const char *path, const char *type, const void *v, size_t n) {
  sd_bus_message *m = tb_msg(t, path, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append_array(m, 'y', v, n) >= 0);
  if (type) ASSERT(sd_bus_message_append(m, "a{sv}", 1, "type", "s", type) >= 0);
  else ASSERT(sd_bus_message_append(m, "a{sv}", 0) >= 0);
  return tb_send(t, m);
}

BLEC_TEST_IMPL(read_value_signals_the_cached_value_then_answers) {
  tb t;
  open_gatt(&t, NULL);
  /* Before any read the cached value is empty. */
  sd_bus_message *r = tb_get(&t, A1, TB_CHAR, "Value");
  const void *p;
  size_t n;
  ASSERT(sd_bus_message_read_array(r, 'y', &p, &n) >= 0);
  ASSERT_EQ_INT(n, 0);
  size_t from = t.nev;
  sd_bus_message *m = tb_msg(&t, A1, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_append(m, "a{sv}", 0) >= 0);
  unsigned c = tb_send_async(&t, m);
  r = tb_wait_reply(&t, c);
  TB_OK(r);
  n = reply_bytes(r, &p);
  ASSERT_EQ_INT(n, 2);
  ASSERT_MEM_EQ(p, "\x01\x02", 2);
  /* chrc_read_cb: the cache is written (Value signalled at once), then the reply. */
  size_t sig = tb_find_prop(&t, from, A1, TB_CHAR, "Value");
  ASSERT(sig != TB_NONE && sig < tb_reply_index(&t, c));
  /* A read from an offset answers the tail; past the end: Invalid offset. */
  r = read_at(&t, A1, TB_CHAR, 1);
  TB_OK(r);
  n = reply_bytes(r, &p);
  ASSERT_EQ_INT(n, 1);
  ASSERT_MEM_EQ(p, "\x02", 1);
  r = read_at(&t, A1, TB_CHAR, 3);
  TB_ERR(r, "org.bluez.Error.InvalidArguments");
  ASSERT_STR_EQ(tb_error_text(r), "Invalid offset");
  /* An offset of the wrong type is an invalid argument; unknown options are ignored. */
  m = tb_msg(&t, A1, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_append(m, "a{sv}", 1, "offset", "u", 1u) >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.InvalidArguments");
  m = tb_msg(&t, A1, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_append(m, "a{sv}", 1, "device", "o", DEV) >= 0);
  TB_OK(tb_send(&t, m));
  /* A descriptor reads the same way. */
  r = read_at(&t, A1_DESC, TB_DESC, 0);
  TB_OK(r);
  n = reply_bytes(r, &p);
  ASSERT_EQ_INT(n, 5);
  ASSERT_MEM_EQ(p, "first", 5);
  tb_close(&t);
}

BLEC_TEST_IMPL(att_errors_become_bluez_errors_with_bluetoothd_texts) {
  tb t;
  open_gatt(&t, "  fault att-error 0x80 on-request 1\n");
  sd_bus_message *r = read_at(&t, A1, TB_CHAR, 0);
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "Operation failed with ATT error: 0x80");
  /* A write-only characteristic: Read not permitted (0x02). */
  r = read_at(&t, A3, TB_CHAR, 0);
  TB_ERR(r, "org.bluez.Error.NotPermitted");
  ASSERT_STR_EQ(tb_error_text(r), "Read not permitted");
  /* Insufficient authentication (0x05): bluetoothd raises the link's security (att.c
   * change_security): Just Works gives encryption, not the MITM protection asked next;
   * without an agent that can do better the read fails: Not paired. */
  r = read_at(&t, A6, TB_CHAR, 0);
  TB_ERR(r, "org.bluez.Error.NotPermitted");
  ASSERT_STR_EQ(tb_error_text(r), "Not paired");
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Paired")); /* the encryption step paired */
  /* A read-only descriptor: Write not permitted (0x03). */
  sd_bus_message *m = tb_msg(&t, A1_DESC, TB_DESC, "WriteValue");
  ASSERT(sd_bus_message_append(m, "aya{sv}", 1, 0x01, 0) >= 0);
  r = tb_send(&t, m);
  TB_ERR(r, "org.bluez.Error.NotPermitted");
  ASSERT_STR_EQ(tb_error_text(r), "Write not permitted");
  /* The CCCD is refused without asking the peripheral. */
  uint64_t before = blec_world_peripheral_request_count(peripheral(&t));
  m = tb_msg(&t, A2_CCCD, TB_DESC, "WriteValue");
  ASSERT(sd_bus_message_append(m, "aya{sv}", 2, 0x01, 0x00, 0) >= 0);
  r = tb_send(&t, m);
  TB_ERR(r, "org.bluez.Error.NotPermitted");
  ASSERT_EQ_INT(blec_world_peripheral_request_count(peripheral(&t)), before);
  tb_close(&t);
}

BLEC_TEST_IMPL(insufficient_encryption_pairs_just_works_and_the_read_goes_on) {
  tb t;
  open_gatt(&t, NULL);
  size_t from = t.nev;
  sd_bus_message *r = read_at(&t, A4, TB_CHAR, 0);
  TB_OK(r);
  const void *p;
  ASSERT_EQ_INT(reply_bytes(r, &p), 1);
  ASSERT_MEM_EQ(p, "\x07", 1);
  /* The elevation bonded the device (Bonded, then Paired). */
  size_t bonded = tb_find_prop(&t, from, DEV, TB_DEVICE, "Bonded");
  size_t paired = tb_find_prop(&t, from, DEV, TB_DEVICE, "Paired");
  ASSERT(bonded != TB_NONE && paired != TB_NONE);
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Bonded"));
  tb_close(&t);
}

BLEC_TEST_IMPL(write_value_picks_the_procedure_from_type_and_properties) {
  tb t;
  open_gatt(&t, NULL);
  blec_world_peripheral *p = peripheral(&t);
  uint64_t before = blec_world_peripheral_request_count(p);
  /* No type and "write": a write request (counted by the peripheral). */
  TB_OK(write_typed(&t, A1, NULL, "\x0a\x0b", 2));
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), before + 1);
  uint8_t *v;
  size_t n;
  ASSERT_OK(blec_world_get_value(p, 6, &v, &n));
  ASSERT_EQ_INT(n, 2);
  ASSERT_MEM_EQ(v, "\x0a\x0b", 2);
  blec_free(v);
  /* "request" explicitly. */
  TB_OK(write_typed(&t, A1, "request", "\x0c", 1));
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), before + 2);
  /* No type and only write-without-response: a command (not counted, answered at once). */
  TB_OK(write_typed(&t, A3, NULL, "\x01", 1));
  TB_OK(write_typed(&t, A3, "command", "\x02", 1));
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), before + 2);
  /* An explicit "request" is used whatever the properties say: the peripheral refuses. */
  sd_bus_message *r = write_typed(&t, A3, "request", "\x03", 1);
  TB_ERR(r, "org.bluez.Error.NotPermitted");
  /* No type and reliable-write: the reliable procedure. */
  TB_OK(write_typed(&t, A5, NULL, "\x05", 1));
  TB_OK(write_typed(&t, A5, "reliable", "\x06", 1));
  /* An unknown type, or a command where only requests exist, is not supported. */
  TB_ERR(write_typed(&t, A1, "bogus", "\x01", 1), "org.bluez.Error.NotSupported");
  /* A command must fit the MTU (247 - 3). */
  uint8_t big[245];
  memset(big, 0x55, sizeof big);
  r = write_typed(&t, A3, "command", big, sizeof big);
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "Failed to initiate write");
  TB_OK(write_typed(&t, A3, "command", big, sizeof big - 1));
  /* A request that is too long for one PDU is a long write, fine. */
  TB_OK(write_typed(&t, A1, "request", big, sizeof big));
  /* Options of the wrong type. */
  sd_bus_message *m = tb_msg(&t, A1, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append(m, "aya{sv}", 1, 0x01, 1, "type", "b", 1) >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.InvalidArguments");
  tb_close(&t);
}

BLEC_TEST_IMPL(reads_of_one_offset_share_one_request_others_are_in_progress) {
  tb t;
  open_gatt(&t, "  response-delay 200ms\n");
  blec_world_peripheral *p = peripheral(&t);
  uint64_t before = blec_world_peripheral_request_count(p);
  sd_bus_message *m1 = tb_msg(&t, A1, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_append(m1, "a{sv}", 0) >= 0);
  sd_bus_message *m2 = tb_msg(&t, A1, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_append(m2, "a{sv}", 0) >= 0);
  unsigned c1 = tb_send_async(&t, m1), c2 = tb_send_async(&t, m2);
  sd_bus_message *r = read_at(&t, A1, TB_CHAR, 1);
  TB_ERR(r, "org.bluez.Error.InProgress");
  /* A write while one is in flight is in progress too. */
  sd_bus_message *w1 = tb_msg(&t, A1, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append(w1, "aya{sv}", 1, 0x09, 0) >= 0);
  unsigned cw = tb_send_async(&t, w1);
  TB_ERR(write_typed(&t, A1, NULL, "\x08", 1), "org.bluez.Error.InProgress");
  TB_OK(tb_wait_reply(&t, c1));
  TB_OK(tb_wait_reply(&t, c2));
  TB_OK(tb_wait_reply(&t, cw));
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), before + 2); /* one read, one write */
  tb_close(&t);
}

BLEC_TEST_IMPL(a_request_cut_by_the_link_fails_with_att_error_0x0e) {
  tb t;
  open_gatt(&t, "  response-delay 300ms\n");
  sd_bus_message *m = tb_msg(&t, A1, TB_CHAR, "ReadValue");
  ASSERT(sd_bus_message_append(m, "a{sv}", 0) >= 0);
  unsigned c = tb_send_async(&t, m);
  /* The simulator handles calls in order: once this one is answered, the read is out. */
  ASSERT(tb_get_bool(&t, DEV, TB_DEVICE, "Connected"));
  ASSERT_OK(blec_world_peripheral_disconnect(peripheral(&t)));
  sd_bus_message *r = tb_wait_reply(&t, c);
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "Operation failed with ATT error: 0x0e");
  /* Not connected any more. */
  tb_wait_bool(&t, 0, DEV, TB_DEVICE, "Connected", false, 3000);
  r = read_at(&t, A1, TB_CHAR, 0);
  TB_ERR(r, "org.bluez.Error.Failed");
  ASSERT_STR_EQ(tb_error_text(r), "Not connected");
  tb_close(&t);
}
