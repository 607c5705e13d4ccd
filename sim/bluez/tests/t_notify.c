/* SPDX-License-Identifier: MIT */
/*
 * t_notify.c — notify sessions and acquired sockets: the CCCD written once for all
 * sessions, Value signals per notification, Notifying, sessions of several clients, the
 * session that outlives the link, AcquireNotify / AcquireWrite over a socketpair.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static const char *const world_notify =
    "blec-world 1\n"
    "peripheral C0:FF:EE:00:00:50 random\n"
    "  name \"Notify\"\n"
    "  adv-interval 20ms\n"
    "  service 12345678\n"
    "    characteristic bbb1 write,write-without-response\n"
    "      echo bbb2\n"
    "    characteristic bbb2 read,notify hex:00\n"
    "    characteristic bbb3 indicate u8:1\n"
    "    characteristic bbb4 read u8:3\n";

#define DEV "/org/bluez/hci0/dev_C0_FF_EE_00_00_50"
#define SVC DEV "/service0004"
#define RX SVC "/char0005"
#define TX SVC "/char0007"
#define TX_CCCD TX "/desc0009"
#define IND SVC "/char000a"
#define PLAIN SVC "/char000d"

static void open_notify(tb *t) {
  tb_open(t, world_notify, NULL);
  tb_discover(t, DEV);
  tb_connect(t, DEV);
}

static blec_world_peripheral *peripheral(tb *t) {
  blec_world_peripheral *p;
  ASSERT_OK(blec_world_find_peripheral(t->world, "C0:FF:EE:00:00:50", &p));
  return p;
}

static void write_rx(tb *t, const char *bytes, size_t n) {
  sd_bus_message *m = tb_msg(t, RX, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append_array(m, 'y', bytes, n) >= 0);
  ASSERT(sd_bus_message_append(m, "a{sv}", 1, "type", "s", "request") >= 0);
  TB_OK(tb_send(t, m));
}

/* The CCCD's value in the world (what the peripheral holds for the link). */
static uint16_t cccd(tb *t) {
  uint8_t *v;
  size_t n;
  ASSERT_OK(blec_world_get_value(peripheral(t), 9, &v, &n));
  uint16_t r = n >= 2 ? (uint16_t)(v[0] | v[1] << 8) : 0;
  blec_free(v);
  return r;
}

BLEC_TEST_IMPL(start_notify_writes_the_cccd_then_notifying_then_values_arrive_as_value_signals) {
  tb t;
  open_notify(&t);
  size_t from = t.nev;
  unsigned c = tb_send_async(&t, tb_msg(&t, TX, TB_CHAR, "StartNotify"));
  TB_OK(tb_wait_reply(&t, c));
  size_t notifying = tb_find_prop(&t, from, TX, TB_CHAR, "Notifying");
  /* register_notify_cb emits Notifying, then replies: the flush puts the signal first. */
  ASSERT(notifying != TB_NONE && notifying < tb_reply_index(&t, c));
  ASSERT(tb_changed_bool(t.ev[notifying].msg, "Notifying", true));
  ASSERT_EQ_INT(cccd(&t), 0x0001);
  /* The same client again: done already. */
  TB_OK(tb_call(&t, TX, TB_CHAR, "StartNotify", ""));
  from = t.nev;
  write_rx(&t, "\x42", 1);
  size_t v = tb_wait_prop(&t, from, TX, TB_CHAR, "Value", 3000);
  sd_bus_message *sig = t.ev[v].msg;
  ASSERT(sd_bus_message_rewind(sig, 1) >= 0);
  ASSERT(sd_bus_message_skip(sig, "s") >= 0);
  ASSERT(sd_bus_message_enter_container(sig, 'a', "{sv}") > 0);
  ASSERT(sd_bus_message_enter_container(sig, 'e', "sv") > 0);
  const char *name;
  ASSERT(sd_bus_message_read(sig, "s", &name) > 0);
  ASSERT_STR_EQ(name, "Value");
  ASSERT(sd_bus_message_enter_container(sig, 'v', "ay") > 0);
  const void *p;
  size_t n;
  ASSERT(sd_bus_message_read_array(sig, 'y', &p, &n) >= 0);
  ASSERT_EQ_INT(n, 1);
  ASSERT_MEM_EQ(p, "\x42", 1);
  /* StopNotify: Notifying off, the CCCD cleared. */
  from = t.nev;
  TB_OK(tb_call(&t, TX, TB_CHAR, "StopNotify", ""));
  size_t off = tb_wait_prop(&t, from, TX, TB_CHAR, "Notifying", 2000);
  ASSERT(tb_changed_bool(t.ev[off].msg, "Notifying", false));
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  TB_OK(tb_call(&t, TX_CCCD, TB_DESC, "ReadValue", "a{sv}", 0)); /* after the clearing write */
  ASSERT_EQ_INT(cccd(&t), 0x0000);
  TB_ERR(tb_call(&t, TX, TB_CHAR, "StopNotify", ""), "org.bluez.Error.Failed");
  tb_close(&t);
}

BLEC_TEST_IMPL(start_notify_errors_follow_bluetoothd) {
  tb t;
  open_notify(&t);
  TB_ERR(tb_call(&t, PLAIN, TB_CHAR, "StartNotify", ""), "org.bluez.Error.NotSupported");
  /* An indicate-only characteristic: the CCCD gets 0x0002. */
  TB_OK(tb_call(&t, IND, TB_CHAR, "StartNotify", ""));
  uint8_t *v;
  size_t n;
  ASSERT_OK(blec_world_get_value(peripheral(&t), 12, &v, &n));
  ASSERT_EQ_INT(n, 2);
  ASSERT_EQ_INT(v[0], 0x02);
  blec_free(v);
  /* AcquireNotify is for notify only. */
  TB_ERR(tb_call(&t, IND, TB_CHAR, "AcquireNotify", "a{sv}", 0), "org.bluez.Error.InProgress");
  TB_ERR(tb_call(&t, PLAIN, TB_CHAR, "AcquireNotify", "a{sv}", 0), "org.bluez.Error.NotSupported");
  TB_ERR(tb_call(&t, PLAIN, TB_CHAR, "AcquireWrite", "a{sv}", 0), "org.bluez.Error.NotSupported");
  tb_close(&t);
}

BLEC_TEST_IMPL(two_clients_share_the_cccd_and_each_session_signals_the_value) {
  tb t;
  open_notify(&t);
  sd_bus *other = tb_client(&t);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ASSERT(sd_bus_call_method(other, TB_BLUEZ, TX, TB_CHAR, "StartNotify", &e, NULL, "") >= 0);
  blec_world_peripheral *p = peripheral(&t);
  uint64_t before = blec_world_peripheral_request_count(p);
  TB_OK(tb_call(&t, TX, TB_CHAR, "StartNotify", ""));
  /* The second session writes nothing. */
  ASSERT_EQ_INT(blec_world_peripheral_request_count(p), before);
  size_t from = t.nev;
  write_rx(&t, "\x07", 1);
  size_t first = tb_wait_prop(&t, from, TX, TB_CHAR, "Value", 3000);
  size_t second = tb_wait_prop(&t, first + 1, TX, TB_CHAR, "Value", 3000);
  ASSERT(second > first);
  /* The other client leaves the bus: its session goes, ours stays (no Notifying change). */
  from = t.nev;
  other = sd_bus_flush_close_unref(other);
  write_rx(&t, "\x08", 1);
  size_t v = tb_wait_prop(&t, from, TX, TB_CHAR, "Value", 3000);
  (void)v;
  ASSERT(tb_get_bool(&t, TX, TB_CHAR, "Notifying"));
  ASSERT(tb_find_prop(&t, from, TX, TB_CHAR, "Notifying") == TB_NONE);
  tb_close(&t);
}

BLEC_TEST_IMPL(a_session_resumes_on_the_next_link_while_its_client_stays) {
  tb t;
  open_notify(&t);
  TB_OK(tb_call(&t, TX, TB_CHAR, "StartNotify", ""));
  TB_OK(tb_call(&t, DEV, TB_DEVICE, "Disconnect", ""));
  tb_wait_bool(&t, 0, DEV, TB_DEVICE, "Connected", false, 3000);
  /* Notifying stays as it was (clear_notify_id). */
  ASSERT(tb_get_bool(&t, TX, TB_CHAR, "Notifying"));
  tb_connect(&t, DEV);
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  size_t from = t.nev;
  write_rx(&t, "\x09", 1);
  tb_wait_prop(&t, from, TX, TB_CHAR, "Value", 3000);
  ASSERT_EQ_INT(cccd(&t), 0x0001);
  tb_close(&t);
}

static bool readable(int fd, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, blec_test_ms(ms)) == 1;
}

BLEC_TEST_IMPL(acquire_notify_hands_a_socket_that_carries_each_value) {
  tb t;
  open_notify(&t);
  size_t from = t.nev;
  sd_bus_message *r = tb_call(&t, TX, TB_CHAR, "AcquireNotify", "a{sv}", 0);
  TB_OK(r);
  uint16_t mtu = 0;
  int fd = tb_take_fd(&t, r, &mtu);
  ASSERT_EQ_INT(mtu, 247);
  ASSERT(tb_find_prop(&t, from, TX, TB_CHAR, "NotifyAcquired") != TB_NONE);
  ASSERT(tb_get_bool(&t, TX, TB_CHAR, "NotifyAcquired"));
  /* StartNotify is refused while acquired; Notifying stays false. */
  TB_ERR(tb_call(&t, TX, TB_CHAR, "StartNotify", ""), "org.bluez.Error.NotPermitted");
  ASSERT(!tb_get_bool(&t, TX, TB_CHAR, "Notifying"));
  from = t.nev;
  write_rx(&t, "\x11\x22", 2);
  ASSERT(readable(fd, 3000));
  uint8_t buf[64];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  ASSERT_EQ_INT(n, 2);
  ASSERT_MEM_EQ(buf, "\x11\x22", 2);
  /* Over the socket, not as Value: a signal sent with it would have come before the reply
   * of a call made after it went out. */
  ASSERT_OK(blec_bluez_sim_sync(t.sim));
  ASSERT(tb_get_bool(&t, TX, TB_CHAR, "NotifyAcquired"));
  ASSERT(tb_find_prop(&t, from, TX, TB_CHAR, "Value") == TB_NONE);
  /* Closing the socket releases: NotifyAcquired off, the CCCD cleared. */
  close(fd);
  tb_wait_prop(&t, from, TX, TB_CHAR, "NotifyAcquired", 3000);
  ASSERT(!tb_get_bool(&t, TX, TB_CHAR, "NotifyAcquired"));
  tb_close(&t);
}

BLEC_TEST_IMPL(acquire_write_sends_each_packet_as_a_command_and_hangs_up_with_the_link) {
  tb t;
  open_notify(&t);
  TB_OK(tb_call(&t, TX, TB_CHAR, "StartNotify", ""));
  sd_bus_message *r = tb_call(&t, RX, TB_CHAR, "AcquireWrite", "a{sv}", 0);
  TB_OK(r);
  uint16_t mtu = 0;
  int fd = tb_take_fd(&t, r, &mtu);
  ASSERT(tb_get_bool(&t, RX, TB_CHAR, "WriteAcquired"));
  TB_ERR(tb_call(&t, RX, TB_CHAR, "AcquireWrite", "a{sv}", 0), "org.bluez.Error.NotPermitted");
  sd_bus_message *m = tb_msg(&t, RX, TB_CHAR, "WriteValue");
  ASSERT(sd_bus_message_append(m, "aya{sv}", 1, 0x01, 0) >= 0);
  TB_ERR(tb_send(&t, m), "org.bluez.Error.NotPermitted");
  size_t from = t.nev;
  ASSERT_EQ_INT(send(fd, "\x5a", 1, 0), 1);
  /* The echo comes back as a notification. */
  tb_wait_prop(&t, from, TX, TB_CHAR, "Value", 3000);
  /* The link goes: the socket hangs up, WriteAcquired turns false. */
  from = t.nev;
  ASSERT_OK(blec_world_peripheral_disconnect(peripheral(&t)));
  ASSERT(readable(fd, 3000));
  char b;
  ASSERT_EQ_INT(recv(fd, &b, 1, 0), 0);
  tb_wait_prop(&t, from, RX, TB_CHAR, "WriteAcquired", 3000);
  close(fd);
  tb_close(&t);
}
