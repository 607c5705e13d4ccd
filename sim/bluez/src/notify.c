/* SPDX-License-Identifier: MIT */
/*
 * notify.c — notify sessions and acquired sockets of characteristics (BlueZ 5.66
 * src/gatt-client.c: StartNotify / StopNotify with one session per bus name, the CCCD
 * written for the first session and cleared after the last, sessions that outlive the
 * link and resume when it comes back while their owner stays on the bus, a
 * PropertiesChanged of "Value" per session and notification; AcquireNotify /
 * AcquireWrite with a SOCK_SEQPACKET socketpair and the MTU, NotifyAcquired /
 * WriteAcquired, HUP when the link goes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gatt.h"

static bz_sim *sim_of(const bz_gnode *chr) { return chr->g->dev->ad->sim; }

static bool registered_any(const bz_gnode *chr) {
  for (const bz_notify_client *c = chr->clients; c; c = c->next)
    if (c->registered) return true;
  return false;
}

/* ---- CCCD writes ------------------------------------------------------------------------------- */

typedef struct cccd_ctx {
  bz_gnode *chr;
  char owner[64];
} cccd_ctx;

static bz_notify_client *client_of(bz_gnode *chr, const char *owner) {
  for (bz_notify_client *c = chr->clients; c; c = c->next)
    if (!strcmp(c->owner, owner)) return c;
  return NULL;
}

static void client_unlink(bz_gnode *chr, bz_notify_client *c) {
  for (bz_notify_client **pp = &chr->clients; *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      return;
    }
  }
}

static void client_free(bz_notify_client *c) {
  if (c->pending) sd_bus_message_unref(c->pending);
  sd_bus_track_unref(c->track);
  free(c->owner);
  free(c);
}

static void sock_free(bz_gnode *chr, bool write);
static void hand_socket(bz_sim *s, bz_gnode *chr, sd_bus_message *m);

/* update_notifying: Notifying turns false when no session is registered any more. */
static void update_notifying(bz_gnode *chr) {
  if (!chr->notifying || registered_any(chr)) return;
  chr->notifying = false;
  bz_emit(chr->obj, &bz_gatt_char_iface, "Notifying");
}

/* bt_gatt_client_unregister_notify: the CCCD is cleared after the last registration
 * (a write request whose answer nobody waits for). */
static void cccd_clear(bz_gnode *chr) {
  bz_conn *c = bz_gatt_conn(chr);
  if (!c || !chr->cccd || registered_any(chr)) return;
  static const uint8_t off[2] = {0, 0};
  blec__wlink_write(c->link, chr->cccd, off, sizeof off, true, NULL, NULL);
}

static void register_done(bz_sim *s, bz_req *r) {
  cccd_ctx *cx = r->ctx;
  bz_gnode *chr = cx->chr;
  bz_notify_client *c = bz_req_current(r) ? client_of(chr, cx->owner) : NULL;
  free(cx);
  if (!c) return;
  sd_bus_message *m = c->pending;
  c->pending = NULL;
  if (r->status != BLEC_OK) {
    /* register_notify_cb with an error: the session goes, the caller gets the error. */
    client_unlink(chr, c);
    if (m) {
      if (r->status == BLEC_ERR_ATT) bz_reply_gatt_error(s, m, r->status, r->att_error);
      else bz_reply_gatt_error(s, m, BLEC_ERR_DISCONNECTED, 0);
    }
    if (c->acquired) sock_free(chr, false);
    client_free(c);
    if (m) sd_bus_message_unref(m);
    return;
  }
  c->registered = true;
  if (c->acquired) {
    /* characteristic_ready -> create_sock: the socket is handed over now. */
    if (m) {
      hand_socket(s, chr, m);
      sd_bus_message_unref(m);
    }
    return;
  }
  if (!chr->notifying) {
    chr->notifying = true;
    bz_emit(chr->obj, &bz_gatt_char_iface, "Notifying");
  }
  if (m) {
    bz_reply_empty(s, m);
    sd_bus_message_unref(m);
  }
}

/* Registers session `c` on the current link: the CCCD write when it is the first. */
static void register_client(bz_sim *s, bz_gnode *chr, bz_notify_client *c) {
  bz_conn *conn = bz_gatt_conn(chr);
  cccd_ctx *cx = malloc(sizeof *cx);
  bz_req *r = cx && conn ? bz_req_new(conn, register_done, NULL, cx) : NULL;
  if (!r) {
    free(cx);
    return;
  }
  cx->chr = chr;
  snprintf(cx->owner, sizeof cx->owner, "%s", c->owner);
  if (!chr->cccd || registered_any(chr)) {
    /* Nothing to write: the registration completes at once. */
    bz_req_fail_now(s, r, BLEC_OK);
    return;
  }
  uint8_t v[2] = {(chr->props & BLEC_PROP_NOTIFY) ? 0x01 : 0x02, 0x00};
  int64_t id = blec__wlink_write(conn->link, chr->cccd, v, sizeof v, true, bz_req_done_cb, r);
  if (id < 0) bz_req_fail_now(s, r, (int)id);
}

/* ---- sessions and their owners ------------------------------------------------------------------ */

static void remove_client(bz_gnode *chr, bz_notify_client *c) {
  client_unlink(chr, c);
  bool was = c->registered;
  client_free(c);
  if (was) {
    update_notifying(chr);
    cccd_clear(chr);
  }
}

typedef struct owner_watch {
  bz_gnode *chr;
  char owner[64];
} owner_watch;

/* notify_client_disconnect: the owner left the bus. */
static int on_owner_gone(sd_bus_track *t, void *user) {
  (void)t;
  owner_watch *w = user;
  bz_notify_client *c = client_of(w->chr, w->owner);
  if (!c) return 0;
  if (c->acquired) sock_free(w->chr, false);
  else remove_client(w->chr, c);
  return 0;
}

static bz_notify_client *client_new(bz_gnode *chr, sd_bus_message *m) {
  const char *sender = sd_bus_message_get_sender(m);
  bz_notify_client *c = calloc(1, sizeof *c);
  if (!c || !sender || !(c->owner = strdup(sender))) {
    free(c);
    return NULL;
  }
  c->chr = chr;
  owner_watch *w = calloc(1, sizeof *w);
  if (w && sd_bus_track_new(sim_of(chr)->bus, &c->track, on_owner_gone, w) >= 0) {
    w->chr = chr;
    snprintf(w->owner, sizeof w->owner, "%s", sender);
    sd_bus_track_set_destroy_callback(c->track, free);
    sd_bus_track_add_sender(c->track, m);
  } else {
    free(w);
  }
  /* New sessions go last (queue_push_tail). */
  bz_notify_client **pp = &chr->clients;
  while (*pp) pp = &(*pp)->next;
  *pp = c;
  return c;
}

/* ---- StartNotify / StopNotify -------------------------------------------------------------------- */

void bz_gatt_start_notify_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_gnode *chr = data;
  bz_conn *conn = chr->g->dev->conn;
  if (conn && conn->disconnecting) {
    bz_reply_error(s, m, BZ_ERROR ".NotConnected", "Not Connected");
    return;
  }
  if (chr->notify_io) {
    bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Notify acquired");
    return;
  }
  if (!(chr->props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE))) {
    bz_reply_error(s, m, BZ_ERROR ".NotSupported", "Operation is not supported");
    return;
  }
  bz_notify_client *c = client_of(chr, sd_bus_message_get_sender(m));
  if (c) {
    /* One session per client: done already, or still being set up. */
    if (c->registered) bz_reply_empty(s, m);
    else bz_reply_error(s, m, BZ_ERROR ".InProgress", "In Progress");
    return;
  }
  if (!(c = client_new(chr, m))) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed allocate notify session");
    return;
  }
  if (!bz_gatt_conn(chr)) {
    /* Not connected: success now; the session registers when the link comes. */
    bz_reply_empty(s, m);
    return;
  }
  c->pending = sd_bus_message_ref(m);
  register_client(s, chr, c);
}

void bz_gatt_stop_notify_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_gnode *chr = data;
  if (chr->notify_io) {
    sock_free(chr, false);
    bz_reply_empty(s, m);
    return;
  }
  bz_notify_client *c = client_of(chr, sd_bus_message_get_sender(m));
  if (!c) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "No notify session started");
    return;
  }
  if (c->pending) {
    bz_reply_error(s, c->pending, BZ_ERROR ".Failed", "%s", strerror(ENOENT));
  }
  remove_client(chr, c);
  bz_reply_empty(s, m);
}

/* ---- values --------------------------------------------------------------------------------------- */

void bz_notify_value(bz_gnode *chr, const uint8_t *data, size_t len) {
  for (bz_notify_client *c = chr->clients; c; c = c->next) {
    if (!c->registered) continue;
    if (c->acquired) {
      /* notify_io_cb: one packet per value; dropped while the socket is not ready. */
      if (chr->notify_io && send(chr->notify_io->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        bz_log(sim_of(chr), "%s: notify socket: %s", chr->path, strerror(errno));
      continue;
    }
    /* notify_cb: each session stores the value, so each signals it. */
    bz_gatt_store(chr, 0, data, len);
  }
}

void bz_notify_link_up(bz_gatt *g) {
  bz_sim *s = g->dev->ad->sim;
  for (size_t i = 0; i < g->n; i++) {
    bz_gnode *chr = &g->nodes[i];
    if (chr->kind != BZ_G_CHAR) continue;
    for (bz_notify_client *c = chr->clients; c; c = c->next)
      if (!c->registered && !c->pending && !c->acquired) register_client(s, chr, c);
  }
}

void bz_notify_link_down(bz_gatt *g) {
  bz_sim *s = g->dev->ad->sim;
  for (size_t i = 0; i < g->n; i++) {
    bz_gnode *chr = &g->nodes[i];
    if (chr->kind != BZ_G_CHAR) continue;
    /* client_shutdown: acquired sockets close (the client sees HUP). */
    if (chr->write_io) sock_free(chr, true);
    if (chr->notify_io) sock_free(chr, false);
    /* clear_notify_id: sessions stay, unregistered; Notifying is left as it was. */
    for (bz_notify_client *c = chr->clients; c; c = c->next) {
      c->registered = false;
      if (c->pending) {
        bz_reply_gatt_error(s, c->pending, BLEC_ERR_DISCONNECTED, 0);
        c->pending = sd_bus_message_unref(c->pending);
      }
    }
  }
}

void bz_notify_free(bz_gnode *chr) {
  if (chr->write_io) sock_free(chr, true);
  if (chr->notify_io) sock_free(chr, false);
  while (chr->clients) {
    bz_notify_client *c = chr->clients;
    chr->clients = c->next;
    client_free(c);
  }
}

/* ---- acquired sockets ------------------------------------------------------------------------------ */

static void sock_free(bz_gnode *chr, bool write) {
  bz_sock **slot = write ? &chr->write_io : &chr->notify_io;
  bz_sock *k = *slot;
  if (!k) return;
  *slot = NULL;
  sd_event_source_disable_unref(k->src);
  sd_event_source_disable_unref(k->late);
  if (k->fd >= 0) close(k->fd);
  free(k);
  bz_emit(chr->obj, &bz_gatt_char_iface, write ? "WriteAcquired" : "NotifyAcquired");
  if (!write) {
    /* notify_io_destroy: the acquired session goes with its socket. */
    for (bz_notify_client *c = chr->clients; c; c = c->next) {
      if (c->acquired) {
        remove_client(chr, c);
        break;
      }
    }
  }
}

static int on_late_hangup(sd_event_source *src, uint64_t usec, void *user) {
  (void)src;
  (void)usec;
  bz_sock *k = user;
  sock_free(k->chr, k->write);
  return 0;
}

/* The hang-up is noticed SOCKET_CLOSE_SEEN_LATE_MS from now (true), or at once (false). */
static bool hangup_later(bz_sock *k) {
  int64_t ms = bz_switch(k->sim, BLEC_BLUEZ_SIM_SOCKET_CLOSE_SEEN_LATE_MS);
  uint64_t now = 0;
  if (ms <= 0 || k->late || sd_event_now(k->sim->event, CLOCK_MONOTONIC, &now) < 0) return k->late != NULL;
  if (sd_event_add_time(k->sim->event, &k->late, CLOCK_MONOTONIC, now + (uint64_t)ms * 1000u, 0, on_late_hangup, k) < 0)
    return false;
  sd_event_source_set_enabled(k->src, SD_EVENT_OFF); /* seen once, when the time comes */
  return true;
}

/* sock_read: each packet the client writes is a write command; HUP releases. */
static int on_sock(sd_event_source *src, int fd, uint32_t revents, void *user) {
  (void)src;
  bz_sock *k = user;
  bz_gnode *chr = k->chr;
  if (revents & EPOLLIN) {
    uint8_t buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      bz_conn *c = bz_gatt_conn(chr);
      if (k->write && c) blec__wlink_write(c->link, chr->value_handle, buf, (size_t)n, false, NULL, NULL);
      return 0; /* what a client writes into a notify socket is ignored */
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  } else if (!(revents & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
    return 0;
  }
  if (hangup_later(k)) return 0;
  sock_free(chr, k->write);
  return 0;
}

static bz_sock *sock_new(bz_sim *s, bz_gnode *chr, bool write, int *client_fd) {
  int fds[2];
  if (socketpair(AF_LOCAL, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) return NULL;
  bz_sock *k = calloc(1, sizeof *k);
  if (!k || sd_event_add_io(s->event, &k->src, fds[0], EPOLLIN | EPOLLRDHUP, on_sock, k) < 0) {
    free(k);
    close(fds[0]);
    close(fds[1]);
    return NULL;
  }
  k->fd = fds[0];
  k->sim = s;
  k->chr = chr;
  k->write = write;
  *client_fd = fds[1];
  return k;
}

static void reply_fd(bz_sim *s, sd_bus_message *m, int fd, uint16_t mtu) {
  sd_bus_message *r = bz_reply_new(m);
  if (r && sd_bus_message_append(r, "hq", fd, mtu) >= 0) bz_send(s, r);
  else {
    sd_bus_message_unref(r);
    bz_reply_error(s, m, BZ_ERROR ".Failed", "%s", strerror(EIO));
  }
}

/* create_sock for AcquireNotify, once the CCCD is written. */
static void hand_socket(bz_sim *s, bz_gnode *chr, sd_bus_message *m) {
  bz_conn *conn = bz_gatt_conn(chr);
  int fd = -1;
  bz_sock *k = conn ? sock_new(s, chr, false, &fd) : NULL;
  if (!k) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Not connected");
    for (bz_notify_client *c = chr->clients; c; c = c->next)
      if (c->acquired) {
        remove_client(chr, c);
        break;
      }
    return;
  }
  chr->notify_io = k;
  bz_emit(chr->obj, &bz_gatt_char_iface, "NotifyAcquired");
  reply_fd(s, m, fd, (uint16_t)conn->mtu);
  close(fd);
}

void bz_gatt_acquire_write_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_gnode *chr = data;
  bz_conn *conn = bz_gatt_conn(chr);
  if (!conn) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Not connected");
    return;
  }
  if (chr->write_io) {
    bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Write acquired");
    return;
  }
  if (!(chr->props & BLEC_PROP_WRITE_WITHOUT_RESPONSE)) {
    bz_reply_error(s, m, BZ_ERROR ".NotSupported", "Operation is not supported");
    return;
  }
  int fd = -1;
  bz_sock *k = sock_new(s, chr, true, &fd);
  if (!k) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "%s", strerror(EIO));
    return;
  }
  chr->write_io = k;
  bz_emit(chr->obj, &bz_gatt_char_iface, "WriteAcquired");
  reply_fd(s, m, fd, (uint16_t)conn->mtu);
  close(fd);
}

void bz_gatt_acquire_notify_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_gnode *chr = data;
  if (!bz_gatt_conn(chr)) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Not connected");
    return;
  }
  if (chr->notify_io) {
    bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Notify acquired");
    return;
  }
  /* Each client can only have one active notify session. */
  if (chr->clients) {
    bz_reply_error(s, m, BZ_ERROR ".InProgress", "In Progress");
    return;
  }
  if (!(chr->props & BLEC_PROP_NOTIFY)) {
    bz_reply_error(s, m, BZ_ERROR ".NotSupported", "Operation is not supported");
    return;
  }
  bz_notify_client *c = client_new(chr, m);
  if (!c) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed allocate notify session");
    return;
  }
  c->acquired = true;
  c->pending = sd_bus_message_ref(m);
  register_client(s, chr, c);
}
