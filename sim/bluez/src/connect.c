/* SPDX-License-Identifier: MIT */
/*
 * connect.c — Device1.Connect / Disconnect and the life of a link (BlueZ 5.66
 * src/device.c: dev_connect, device_connect_le, att_connect_cb, device_add_connection,
 * device_request_disconnect with its DISCONNECT_TIMER, device_remove_connection), played
 * on a world link. After the link is up: the MTU exchange, then service discovery, then
 * the GATT objects and ServicesResolved (gatt.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* bt_gatt_client's MTU request: BT_ATT_MAX_LE_MTU (main.conf [GATT] ExchangeMTU default). */
#define CLIENT_MTU 517

/* ---- connections and requests ------------------------------------------------------------------ */

bz_conn *bz_conn_ref(bz_conn *c) {
  atomic_fetch_add(&c->refs, 1);
  return c;
}

void bz_conn_unref(bz_conn *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
  free(c);
}

bz_req *bz_req_new(bz_conn *c, void (*done)(bz_sim *, bz_req *), void (*cancelled)(bz_sim *, bz_req *), void *ctx) {
  bz_req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->conn = bz_conn_ref(c);
  r->done = done;
  r->cancelled = cancelled;
  r->ctx = ctx;
  r->next = c->reqs;
  c->reqs = r;
  return r;
}

static void req_unlink(bz_req *r) {
  for (bz_req **pp = &r->conn->reqs; *pp; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      return;
    }
  }
}

static void req_free(bz_req *r) {
  bz_conn_unref(r->conn);
  free(r->data);
  free(r);
}

static void req_job(bz_sim *s, void *arg) {
  bz_req *r = arg;
  req_unlink(r);
  r->done(s, r);
  req_free(r);
}

static void req_drop(void *arg) {
  bz_req *r = arg;
  req_unlink(r);
  req_free(r);
}

void bz_req_done_cb(void *user, int status, int att_error) {
  bz_req *r = user;
  atomic_store(&r->fired, 1);
  r->status = status;
  r->att_error = att_error;
  bz_post(r->conn->sim, req_job, r, req_drop);
}

void bz_req_read_cb(void *user, int status, int att_error, const uint8_t *data, size_t len) {
  bz_req *r = user;
  atomic_store(&r->fired, 1);
  r->status = status;
  r->att_error = att_error;
  if (status == BLEC_OK && len) {
    if ((r->data = malloc(len))) {
      memcpy(r->data, data, len);
      r->len = len;
    } else {
      r->status = BLEC_ERR_NO_MEMORY;
    }
  }
  bz_post(r->conn->sim, req_job, r, req_drop);
}

void bz_req_fail_now(bz_sim *s, bz_req *r, int status) {
  r->status = status;
  req_unlink(r);
  r->done(s, r);
  req_free(r);
}

/* Requests whose world completion will never come (the link was released): they end as
 * the link's end ends them in bt_att (an error without PDU). */
static void cancel_unfired(bz_sim *s, bz_conn *c) {
  bz_req **pp = &c->reqs;
  while (*pp) {
    bz_req *r = *pp;
    if (atomic_load(&r->fired)) {
      pp = &r->next;
      continue;
    }
    *pp = r->next;
    r->status = BLEC_ERR_DISCONNECTED;
    if (r->cancelled) r->cancelled(s, r);
    else r->done(s, r);
    req_free(r);
  }
}

/* ---- link events (world thread -> jobs) ------------------------------------------------------------ */

typedef struct link_event {
  bz_conn *conn;
  enum { EV_VALUE, EV_MTU, EV_DOWN } kind;
  uint16_t handle;
  int value; /* mtu, or the disconnection reason */
  size_t len;
  uint8_t data[];
} link_event;

static void link_event_drop(void *arg) {
  link_event *e = arg;
  bz_conn_unref(e->conn);
  free(e);
}

static void link_down(bz_device *d, int reason);

static void link_event_job(bz_sim *s, void *arg) {
  link_event *e = arg;
  bz_device *d = e->conn->dev;
  if (d && d->conn == e->conn && !e->conn->down) {
    switch (e->kind) {
      case EV_VALUE: bz_gatt_value(d, e->handle, e->data, e->len); break;
      case EV_MTU:
        e->conn->mtu = e->value;
        bz_gatt_mtu_changed(d);
        break;
      case EV_DOWN:
        link_down(d, e->value);
        /* The controller went: the adapter powers down with it, not a poll later. */
        if (e->value == BLEC_DISCONNECT_RADIO_OFF) bz_check_radio(s);
        break;
    }
  }
  link_event_drop(e);
}

static void post_event(bz_conn *c, int kind, uint16_t handle, int value, const uint8_t *data, size_t len) {
  link_event *e = malloc(sizeof *e + len);
  if (!e) return;
  e->conn = bz_conn_ref(c);
  e->kind = kind;
  e->handle = handle;
  e->value = value;
  e->len = len;
  if (len) memcpy(e->data, data, len);
  bz_post(c->sim, link_event_job, e, link_event_drop);
}

static void on_value(void *user, uint16_t handle, const uint8_t *data, size_t len, bool indication) {
  (void)indication;
  post_event(user, EV_VALUE, handle, 0, data, len);
}
static void on_mtu(void *user, int mtu) { post_event(user, EV_MTU, 0, mtu, NULL, 0); }
static void on_disconnected(void *user, int reason) { post_event(user, EV_DOWN, 0, reason, NULL, 0); }

static const blec__wlink_events link_events = {on_value, on_mtu, on_disconnected};

/* ---- ending a link --------------------------------------------------------------------------------- */

static void release(bz_sim *s, bz_conn *c) {
  c->down = true;
  c->delay_timer = sd_event_source_disable_unref(c->delay_timer);
  if (c->link) {
    blec__wlink *l = c->link;
    c->link = NULL;
    blec__wlink_release(l);
  } else if (c->connect_id > 0) {
    blec__world_cancel(s->world, c->connect_id);
  }
  cancel_unfired(s, c);
}

static void detach(bz_device *d) {
  bz_conn *c = d->conn;
  if (!c) return;
  d->conn = NULL;
  release(d->ad->sim, c);
  c->dev = NULL;
  bz_conn_unref(c);
}

/* device_remove_connection: ServicesResolved off, the waiting calls answered, then
 * Connected off (its signal after the replies: bleak #1921). */
static void remove_connection(bz_device *d) {
  bz_sim *s = d->ad->sim;
  bz_device_set_services_resolved(d, false);
  if (d->connect_msg) {
    bz_reply_error(s, d->connect_msg, BZ_ERROR ".Failed", "br-connection-canceled");
    d->connect_msg = sd_bus_message_unref(d->connect_msg);
  }
  bool early = bz_switch(s, BLEC_BLUEZ_SIM_SIGNAL_BEFORE_REPLY) != 0;
  if (early) {
    bz_device_set_connected(d, false);
    bz_flush(s);
  }
  bool remove = d->remove_after_disconnect;
  for (size_t i = 0; i < d->ndisconnects; i++) {
    bz_reply_empty(s, d->disconnects[i]);
    sd_bus_message_unref(d->disconnects[i]);
  }
  d->ndisconnects = 0;
  bz_device_set_connected(d, false);
  if (remove) {
    blec__world_unpair(s->world, d->address); /* RemoveDevice takes the keys too */
    bz_device_remove(d);
  }
}

/* The link is gone (peripheral, link loss, radio, our own disconnect). */
static void link_down(bz_device *d, int reason) {
  bz_log(d->ad->sim, "%s: link down (%d)", d->path, reason);
  bz_pair_link_down(d);
  bz_gatt_link_down(d);
  detach(d);
  remove_connection(d);
}

void bz_device_drop_link(bz_device *d) {
  if (!d->conn) return;
  bz_sim *s = d->ad->sim;
  if (d->connect_msg) {
    bz_reply_error(s, d->connect_msg, BZ_ERROR ".Failed", "br-connection-canceled");
    d->connect_msg = sd_bus_message_unref(d->connect_msg);
  }
  bz_pair_link_down(d);
  bz_gatt_link_down(d);
  detach(d);
  if (d->connected) remove_connection(d);
  else {
    for (size_t i = 0; i < d->ndisconnects; i++) {
      bz_reply_empty(s, d->disconnects[i]);
      sd_bus_message_unref(d->disconnects[i]);
    }
    d->ndisconnects = 0;
  }
}

/* ---- Disconnect ---------------------------------------------------------------------------------- */

static void disconnect_done(bz_sim *s, bz_req *r) {
  (void)s;
  bz_device *d = r->conn->dev;
  if (d && d->conn == r->conn) link_down(d, BLEC_DISCONNECT_REQUESTED);
}

/* disconnect_all, once DISCONNECT_TIMER ran out. */
static int on_disconnect_timer(sd_event_source *src, uint64_t usec, void *user) {
  (void)usec;
  bz_conn *c = user;
  sd_event_source_unref(src);
  c->delay_timer = NULL;
  bz_device *d = c->dev;
  if (!d || !c->link) return 0;
  bz_req *r = bz_req_new(c, disconnect_done, NULL, NULL);
  if (!r) return 0;
  int64_t id = blec__wlink_disconnect(c->link, bz_req_done_cb, r);
  if (id < 0) bz_req_fail_now(c->sim, r, (int)id);
  return 0;
}

void bz_device_request_disconnect(bz_device *d, sd_bus_message *msg) {
  bz_sim *s = d->ad->sim;
  bz_conn *c = d->conn;
  if (d->connect_msg && c && !c->up) {
    /* Cancels a Connect not yet answered. */
    bz_reply_error(s, d->connect_msg, BZ_ERROR ".Failed", "br-connection-canceled");
    d->connect_msg = sd_bus_message_unref(d->connect_msg);
  }
  if (d->connected && msg) {
    sd_bus_message **v = realloc(d->disconnects, (d->ndisconnects + 1) * sizeof *v);
    if (v) {
      d->disconnects = v;
      v[d->ndisconnects++] = sd_bus_message_ref(msg);
    }
  }
  if (c && c->disconnecting) return;
  if (!d->connected) {
    if (c) detach(d);
    if (msg) {
      bz_reply_empty(s, msg);
      if (d->remove_after_disconnect) {
        blec__world_unpair(s->world, d->address);
        bz_device_remove(d);
      }
    }
    return;
  }
  c->disconnecting = true;
  c->delay_timer = sd_event_source_disable_unref(c->delay_timer);
  uint64_t now = 0;
  sd_event_now(s->event, CLOCK_MONOTONIC, &now);
  uint64_t delay = (uint64_t)bz_switch(s, BLEC_BLUEZ_SIM_DISCONNECT_TIMER_MS) * 1000u;
  if (sd_event_add_time(s->event, &c->delay_timer, CLOCK_MONOTONIC, now + delay, 0, on_disconnect_timer, c) < 0)
    on_disconnect_timer(NULL, 0, c);
}

void bz_device_disconnect_method(bz_sim *s, sd_bus_message *m, void *data) {
  (void)s;
  bz_device_request_disconnect(data, m);
}

/* ---- Connect ------------------------------------------------------------------------------------- */

typedef struct connect_result {
  bz_conn *conn;
  int status;
  blec__wlink *link;
} connect_result;

static void connect_result_drop(void *arg) {
  connect_result *cr = arg;
  if (cr->link) blec__wlink_release(cr->link);
  bz_conn_unref(cr->conn);
  free(cr);
}

static void start_gatt(bz_device *d);
static int on_connect_delay(sd_event_source *src, uint64_t usec, void *user);

static void connect_result_job(bz_sim *s, void *arg) {
  connect_result *cr = arg;
  bz_conn *c = cr->conn;
  bz_device *d = c->dev;
  c->connect_id = 0;
  if (!d || d->conn != c || c->down) {
    connect_result_drop(cr); /* cancelled meanwhile: the link goes */
    return;
  }
  if (cr->status != BLEC_OK) {
    /* The controller's connection attempt timed out / was refused. */
    bz_pair_connect_failed(d);
    if (d->connect_msg) {
      bz_reply_error(s, d->connect_msg, BZ_ERROR ".Failed", "%s", bz_le_conn_error(cr->status));
      d->connect_msg = sd_bus_message_unref(d->connect_msg);
    }
    detach(d);
    connect_result_drop(cr);
    return;
  }
  c->link = cr->link;
  cr->link = NULL;
  c->up = true;
  /* A bonded device's link is encrypted at once (device_connect_le asks MEDIUM). */
  c->security = d->bond_level ? d->bond_level : BZ_SEC_LOW;
  c->mtu = blec__wlink_mtu(c->link);
  connect_result_drop(cr);
  /* device_add_connection (mgmt Device Connected): Connected turns true. */
  bz_device_set_connected(d, true);
  bz_flush_idle(s);
  if (d->abort_by_local) {
    /* att_connect_cb fails with ECONNABORTED; then the link goes. */
    d->abort_by_local = 0;
    if (d->connect_msg) {
      bz_reply_error(s, d->connect_msg, BZ_ERROR ".Failed", "le-connection-abort-by-local");
      d->connect_msg = sd_bus_message_unref(d->connect_msg);
    }
    detach(d);
    remove_connection(d);
    return;
  }
  /* att_connect_cb: the Connect is answered once ATT is up; services come after. */
  if (d->connect_msg) {
    bz_reply_empty(s, d->connect_msg);
    d->connect_msg = sd_bus_message_unref(d->connect_msg);
  }
  start_gatt(d);
  /* A Pair that brought the link up pairs now (the kernel's Pair Device). */
  bz_pair_link_up(d);
}

static void on_connect_done(void *user, int status, blec__wlink *link) {
  bz_conn *c = user;
  bz_sim *s = c->sim;
  connect_result *cr = malloc(sizeof *cr);
  if (!cr) {
    if (link) blec__wlink_release(link);
    bz_conn_unref(c);
  } else {
    cr->conn = c; /* the reference taken for the world request */
    cr->status = status;
    cr->link = status == BLEC_OK ? link : NULL;
    bz_post(s, connect_result_job, cr, connect_result_drop);
  }
  /* Last: once no connect is in flight, a stopping simulator may be freed. */
  atomic_fetch_sub(&s->world_connects, 1);
}

static void world_connect(bz_conn *c) {
  bz_device *d = c->dev;
  bz_conn_ref(c); /* the world request's */
  atomic_fetch_add(&c->sim->world_connects, 1);
  int64_t id = blec__world_connect(c->sim->world, d->address, d->atype, &link_events, c, on_connect_done, c);
  if (id < 0) {
    atomic_fetch_sub(&c->sim->world_connects, 1);
    bz_conn_unref(c);
    connect_result *cr = calloc(1, sizeof *cr);
    if (!cr) return;
    cr->conn = bz_conn_ref(c);
    cr->status = (int)id;
    bz_post(c->sim, connect_result_job, cr, connect_result_drop);
    return;
  }
  c->connect_id = id;
}

static int on_connect_delay(sd_event_source *src, uint64_t usec, void *user) {
  (void)usec;
  bz_conn *c = user;
  sd_event_source_unref(src);
  c->delay_timer = NULL;
  if (c->dev && !c->down) world_connect(c);
  return 0;
}

int bz_device_start_connect(bz_device *d) {
  bz_sim *s = d->ad->sim;
  bz_conn *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  atomic_init(&c->refs, 1);
  c->sim = s;
  c->dev = d;
  c->mtu = 23;
  d->conn = c;
  if (bz_switch(s, BLEC_BLUEZ_SIM_CONNECT_ABORT_BY_LOCAL) > 0) {
    s->sw[BLEC_BLUEZ_SIM_CONNECT_ABORT_BY_LOCAL]--;
    d->abort_by_local = 1;
  }
  int64_t delay_ms = bz_switch(s, BLEC_BLUEZ_SIM_CONNECT_DELAY_MS);
  if (delay_ms > 0) {
    uint64_t now = 0;
    sd_event_now(s->event, CLOCK_MONOTONIC, &now);
    if (sd_event_add_time(s->event, &c->delay_timer, CLOCK_MONOTONIC, now + (uint64_t)delay_ms * 1000u, 0,
                          on_connect_delay, c) >= 0)
      return 0;
  }
  world_connect(c);
  return 0;
}

void bz_device_connect_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_device *d = data;
  if (d->connected) {
    bz_reply_empty(s, m); /* LE connected already */
    return;
  }
  bz_device_set_temporary(d, false);
  if (d->conn) {
    /* device_connect_le: one connection attempt at a time. */
    bz_reply_error(s, m, BZ_ERROR ".Failed", "%s", strerror(EALREADY));
    return;
  }
  if (!d->ad->powered) {
    /* bt_io_connect fails at once when the controller is down. */
    bz_reply_error(s, m, BZ_ERROR ".Failed", "%s", strerror(EIO));
    return;
  }
  if (bz_device_start_connect(d) < 0) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "%s", strerror(ENOMEM));
    return;
  }
  d->connect_msg = sd_bus_message_ref(m);
}

/* ---- after the link is up: MTU, then discovery ----------------------------------------------------- */

static void discover_cb(void *user, int status, int att_error, const blec__wattr *attrs, size_t count) {
  bz_req *r = user;
  atomic_store(&r->fired, 1);
  r->status = status;
  r->att_error = att_error;
  if (status == BLEC_OK && count) {
    if ((r->data = malloc(count * sizeof *attrs))) {
      memcpy(r->data, attrs, count * sizeof *attrs);
      r->len = count;
    } else {
      r->status = BLEC_ERR_NO_MEMORY;
    }
  }
  bz_post(r->conn->sim, req_job, r, req_drop);
}

/* gatt_client_ready_cb: the objects, then ServicesResolved (gatt.c). */
static void discovered(bz_sim *s, bz_req *r) {
  bz_conn *c = r->conn;
  bz_device *d = c->dev;
  if (!d || d->conn != c || c->down) return;
  if (r->status == BLEC_ERR_TIMEOUT) {
    /* No answer: bt_att's transaction timeout shuts the ATT channel and the link goes. */
    bz_log(s, "%s: discovery got no answer: the link goes", d->path);
    bz_req *dr = bz_req_new(c, disconnect_done, NULL, NULL);
    if (dr) {
      int64_t id = blec__wlink_disconnect(c->link, bz_req_done_cb, dr);
      if (id < 0) bz_req_fail_now(s, dr, (int)id);
    }
    return;
  }
  if (r->status != BLEC_OK) {
    /* The discovery failed: bluetoothd resolves nothing (the link stays). */
    bz_log(s, "%s: discovery failed (%d)", d->path, r->status);
    return;
  }
  bz_gatt_build(d, (const blec__wattr *)r->data, r->len);
}

/* bt_gatt_client_new: the MTU exchange comes first, then the discovery. */
static void mtu_done(bz_sim *s, bz_req *r) {
  bz_conn *c = r->conn;
  bz_device *d = c->dev;
  if (!d || d->conn != c || !c->link) return;
  c->mtu = blec__wlink_mtu(c->link);
  bz_gatt_mtu_changed(d);
  bz_req *dr = bz_req_new(c, discovered, NULL, NULL);
  if (!dr) return;
  int64_t id = blec__wlink_discover(c->link, discover_cb, dr);
  if (id < 0) bz_req_fail_now(s, dr, (int)id);
}

static void start_gatt(bz_device *d) {
  bz_conn *c = d->conn;
  bz_req *r = bz_req_new(c, mtu_done, NULL, NULL);
  if (!r) return;
  int64_t id = blec__wlink_exchange_mtu(c->link, CLIENT_MTU, bz_req_done_cb, r);
  if (id < 0) bz_req_fail_now(d->ad->sim, r, (int)id);
}
