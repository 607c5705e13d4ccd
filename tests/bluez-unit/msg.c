/* SPDX-License-Identifier: MIT */
/* msg.c — the stand-in bus for building messages (see msg.h). */
#include "msg.h"

#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

static sd_bus *bus;
static int fds[2] = {-1, -1};

sd_bus_message *msg_new(void) {
  if (!bus) {
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0);
    ASSERT(sd_bus_new(&bus) >= 0);
    ASSERT(sd_bus_set_fd(bus, fds[0], fds[0]) >= 0);
    ASSERT(sd_bus_start(bus) >= 0);
  }
  sd_bus_message *m = NULL;
  ASSERT(sd_bus_message_new_signal(bus, &m, "/org/bluez/hci0/dev_C0_01_00_00_00_01", "org.test.Props", "Test") >= 0);
  return m;
}

void msg_seal(sd_bus_message *m) {
  static uint64_t cookie = 1;
  ASSERT(sd_bus_message_seal(m, cookie++, 0) >= 0);
  ASSERT(sd_bus_message_rewind(m, 1) >= 0);
}

void msg_done(void) {
  if (bus) {
    sd_bus_close(bus);
    bus = sd_bus_unref(bus);
  }
  if (fds[1] >= 0) close(fds[1]);
  fds[0] = fds[1] = -1;
}
