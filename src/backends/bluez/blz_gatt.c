/* SPDX-License-Identifier: MIT */
/*
 * blz_gatt.c — the GATT client over GattService1 / GattCharacteristic1 / GattDescriptor1
 * (doc/gatt-api.txt). The tree is built from the objects BlueZ exported once services
 * were resolved; handles come from the Handle property (BlueZ >= 5.69) or the object
 * path (BlueZ names objects after the service's start handle, the characteristic's
 * declaration handle and the descriptor's handle: src/gatt-client.c); a characteristic's
 * value handle is its declaration handle + 1 (Core spec Vol 3 Part G 3.3: the value
 * declaration immediately follows the characteristic declaration).
 *
 * Values: ReadValue / WriteValue ("request" or "command"); notifications through
 * AcquireNotify's socket where offered (the fast path: one datagram per notification,
 * no D-Bus message), else StartNotify and the Value property's PropertiesChanged;
 * writes without response to a characteristic that has no "write" through
 * AcquireWrite's socket (WriteValue is locked while the socket is held, so a
 * characteristic that also takes write requests keeps WriteValue). $BLEC_BLUEZ_NOTIFY=signal
 * and $BLEC_BLUEZ_WRITE=dbus force the D-Bus paths (the benchmark compares them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include "backends/bluez/blz.h"

/* GATT requests have no deadline of their own in blec (the program cancels); this only
 * bounds a reply that never comes. */
#define GATT_USEC (120u * 1000u * 1000u)

static bool socket_notify(void) {
  const char *v = getenv("BLEC_BLUEZ_NOTIFY");
  return !v || strcmp(v, "signal") != 0;
}

static bool socket_write(void) {
  const char *v = getenv("BLEC_BLUEZ_WRITE");
  return !v || strcmp(v, "dbus") != 0;
}

/* ---- the attribute table ---------------------------------------------------------------------- */

static blz_hattr *attr_of(blz_client *bc, uint16_t handle, bool descriptor) {
  for (size_t i = 0; i < bc->nattrs; i++)
    if (bc->attrs[i].handle == handle && bc->attrs[i].descriptor == descriptor) return &bc->attrs[i];
  return NULL;
}

static blz_sub *sub_of(blz_client *bc, uint16_t handle) {
  for (size_t i = 0; i < bc->nsubs; i++)
    if (bc->subs[i]->handle == handle) return bc->subs[i];
  return NULL;
}

static void sub_close(blz_sub *sub) {
  sub->src = sd_event_source_unref(sub->src);
  if (sub->fd >= 0) close(sub->fd);
  sub->fd = -1;
}

static void sub_remove(blz_client *bc, blz_sub *sub) {
  blz_hattr *a = attr_of(bc, sub->handle, false);
  if (a) a->has_held = false; /* a value held back for it has nobody to go to */
  for (size_t i = 0; i < bc->nsubs; i++) {
    if (bc->subs[i] == sub) {
      bc->subs[i] = bc->subs[--bc->nsubs];
      break;
    }
  }
  sub_close(sub);
  free(sub->path);
  free(sub);
}

static blz_sub *sub_add(blz_client *bc, uint16_t handle, const char *path) {
  blz_sub **ns = realloc(bc->subs, (bc->nsubs + 1) * sizeof *ns);
  if (!ns) return NULL;
  bc->subs = ns;
  blz_sub *sub = calloc(1, sizeof *sub);
  if (!sub || !(sub->path = malloc(strlen(path) + 1))) {
    free(sub);
    return NULL;
  }
  strcpy(sub->path, path);
  sub->bc = bc;
  sub->handle = handle;
  sub->fd = -1;
  bc->subs[bc->nsubs++] = sub;
  return sub;
}

void blz_client_release_gatt(blz_ctx *z, blz_client *bc) {
  (void)z;
  while (bc->nsubs) sub_remove(bc, bc->subs[0]);
  free(bc->subs);
  bc->subs = NULL;
  for (size_t i = 0; i < bc->nattrs; i++) {
    free(bc->attrs[i].path);
    free(bc->attrs[i].held.p);
  }
  free(bc->attrs);
  bc->attrs = NULL;
  bc->nattrs = 0;
  if (bc->write_fd >= 0) close(bc->write_fd);
  bc->write_fd = -1;
}

/* ---- discovery ------------------------------------------------------------------------------------ */

typedef struct item {
  uint16_t handle; /* the handle in the object's path / Handle: declaration handle for a characteristic */
  blz_obj *obj;
} item;

typedef struct collect {
  unsigned iface;
  const char *parent;
  const char *prefix; /* path element naming the handle */
  item *items;
  size_t n;
  bool oom;
} collect;

static void collect_one(blz_obj *x, void *arg) {
  collect *c = arg;
  if (!(x->ifaces & c->iface)) return;
  if (x->attr.have & BLZ_GP_PARENT) {
    if (strcmp(x->attr.parent, c->parent) != 0) return;
  } else if (!blz_path_below(x->path, c->parent)) {
    return;
  }
  if (!(x->attr.have & BLZ_GP_UUID)) return;
  if (c->iface == BLZ_I_SERVICE && (x->attr.have & BLZ_GP_PRIMARY) && !x->attr.primary) return;
  uint16_t h = 0;
  if (x->attr.have & BLZ_GP_HANDLE)
    h = x->attr.handle;
  else if (!blz_path_handle(x->path, c->prefix, &h))
    return;
  if (h == 0 || (c->iface == BLZ_I_CHAR && h == 0xFFFF)) return;
  item *ni = realloc(c->items, (c->n + 1) * sizeof *ni);
  if (!ni) {
    c->oom = true;
    return;
  }
  c->items = ni;
  c->items[c->n].handle = h;
  c->items[c->n++].obj = x;
}

static int by_handle(const void *a, const void *b) {
  const item *x = a, *y = b;
  return (x->handle > y->handle) - (x->handle < y->handle);
}

static bool gather(blz_ctx *z, unsigned iface, const char *parent, const char *prefix, item **out, size_t *n) {
  collect c = {iface, parent, prefix, NULL, 0, false};
  blz_objs_each(z->objs, collect_one, &c);
  if (c.oom) {
    free(c.items);
    return false;
  }
  if (c.n) qsort(c.items, c.n, sizeof *c.items, by_handle);
  *out = c.items;
  *n = c.n;
  return true;
}

static bool table_add(blz_client *bc, uint16_t handle, bool descriptor, const blz_obj *x) {
  blz_hattr *na = realloc(bc->attrs, (bc->nattrs + 1) * sizeof *na);
  if (!na) return false;
  bc->attrs = na;
  blz_hattr *a = &bc->attrs[bc->nattrs];
  memset(a, 0, sizeof *a);
  if (!(a->path = malloc(strlen(x->path) + 1))) return false;
  strcpy(a->path, x->path);
  a->handle = handle;
  a->descriptor = descriptor;
  a->props = x->attr.props;
  a->notify_acquirable = (x->attr.have & BLZ_GP_NOTIFY_ACQUIRED) != 0;
  a->write_acquirable = (x->attr.have & BLZ_GP_WRITE_ACQUIRED) != 0;
  bc->nattrs++;
  return true;
}

/* Fills the discovery op's model (the core ignores it once the op ended) and the
 * client's table; false when out of memory. */
static bool build_tree(blz_ctx *z, blz_client *bc, blec_op *op) {
  item *svcs = NULL;
  size_t ns = 0;
  if (!gather(z, BLZ_I_SERVICE, bc->dev_path, "service", &svcs, &ns)) return false;
  bool ok = true;
  for (size_t i = 0; ok && i < ns; i++) {
    item *chars = NULL;
    size_t nc = 0;
    if (!(ok = gather(z, BLZ_I_CHAR, svcs[i].obj->path, "char", &chars, &nc))) break;
    /* BlueZ does not publish a service's end handle: its last attribute's stands in. */
    uint16_t end = svcs[i].handle;
    item **descs = calloc(nc ? nc : 1, sizeof *descs);
    size_t *nd = calloc(nc ? nc : 1, sizeof *nd);
    ok = descs && nd;
    for (size_t j = 0; ok && j < nc; j++) {
      ok = gather(z, BLZ_I_DESC, chars[j].obj->path, "desc", &descs[j], &nd[j]);
      uint16_t last = (uint16_t)(chars[j].handle + 1);
      if (ok && nd[j] && descs[j][nd[j] - 1].handle > last) last = descs[j][nd[j] - 1].handle;
      if (last > end) end = last;
    }
    if (ok) blec__gatt_add_service(op, svcs[i].handle, end, &svcs[i].obj->attr.uuid, NULL);
    for (size_t j = 0; ok && j < nc; j++) {
      blz_obj *x = chars[j].obj;
      uint16_t value = (uint16_t)(chars[j].handle + 1);
      blec__gatt_add_characteristic(op, value, &x->attr.uuid, x->attr.props, NULL);
      ok = table_add(bc, value, false, x);
      for (size_t k = 0; ok && k < nd[j]; k++) {
        blec__gatt_add_descriptor(op, descs[j][k].handle, &descs[j][k].obj->attr.uuid, NULL);
        ok = table_add(bc, descs[j][k].handle, true, descs[j][k].obj);
      }
    }
    for (size_t j = 0; descs && j < nc; j++) free(descs[j]);
    free(descs);
    free(nd);
    free(chars);
  }
  free(svcs);
  return ok;
}

static void discover_start(blz_ctx *z, blz_req *r) {
  blz_client *bc = blec__client_backend_priv(r->c);
  if (!bc || bc->link != BLZ_LINK_UP) {
    blec__op_complete(r->op, BLEC_ERR_NOT_CONNECTED);
    blz_req_end(z, r);
    return;
  }
  /* BlueZ keeps one database per device (cached for bonded ones) and resolves it on
   * connect: every cache mode reads the objects it exported. */
  blz_client_release_gatt(z, bc);
  if (!build_tree(z, bc, r->op)) {
    blec__op_complete(r->op, BLEC_ERR_NO_MEMORY);
  } else {
    blec__op_complete(r->op, BLEC_OK);
  }
  blz_req_end(z, r);
}

int blz_discover(blec_client *c, blec_op *op, blec_cache_mode mode) {
  blz_req *r = blz_req_new(BLZ_REQ_DISCOVER, c, op, discover_start);
  if (!r) return BLEC_ERR_NO_MEMORY;
  r->a.discover.mode = mode;
  return blz_req_post(blz_ctx_of(blec__client_ctx(c)), r);
}

/* ---- common request checks ---------------------------------------------------------------------- */

/* The attribute a request is about, or NULL after completing the op. */
static blz_hattr *request_attr(blz_ctx *z, blz_req *r, uint16_t handle, bool descriptor) {
  blz_client *bc = blec__client_backend_priv(r->c);
  blz_hattr *a = NULL;
  if (bc && bc->link == BLZ_LINK_DROPPING) /* asked while connected, the link went meanwhile */
    blec__op_complete(r->op, BLEC_ERR_DISCONNECTED);
  else if (!bc || bc->link != BLZ_LINK_UP)
    blec__op_complete(r->op, BLEC_ERR_NOT_CONNECTED);
  else if (!(a = attr_of(bc, handle, descriptor)))
    blec__op_complete(r->op, descriptor ? BLEC_ERR_DESCRIPTOR_NOT_FOUND : BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  if (!a) blz_req_end(z, r);
  return a;
}

/* ---- reads ------------------------------------------------------------------------------------------- */

/* The held Value change of a (released) characteristic goes to its subscriber, if any. */
static void held_deliver(blz_client *bc, blz_hattr *a) {
  if (!a->has_held) return;
  a->has_held = false;
  blz_sub *sub = sub_of(bc, a->handle);
  if (sub && sub->fd < 0) blec__client_value(bc->c, a->handle, a->held.p, a->held.n);
}

/* A characteristic read ended (bus thread): value/n the bytes it got, or NULL when it
 * failed (BlueZ then signals nothing). The held Value change is the read's own when it
 * carries the same bytes: BlueZ emitted it right before this reply. */
static void read_ended(blz_client *bc, const blz_req *r, const uint8_t *value, size_t n) {
  blz_hattr *a = bc && !r->a.read.descriptor ? attr_of(bc, r->a.read.handle, false) : NULL;
  if (!a) return;
  if (a->reads) a->reads--;
  if (value && a->has_held && a->held.n == n && (n == 0 || memcmp(a->held.p, value, n) == 0))
    a->has_held = false; /* the read's echo, not a notification */
  held_deliver(bc, a);
}

static int read_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) {
    read_ended(bc, r, NULL, 0);
    blz_req_fail_gatt(z, r, e, r->a.read.descriptor ? "GattDescriptor1.ReadValue" : "GattCharacteristic1.ReadValue");
    return 0;
  }
  const void *p = NULL;
  size_t n = 0;
  int s = sd_bus_message_read_array(m, SD_BUS_TYPE_BYTE, &p, &n);
  if (s < 0) {
    read_ended(bc, r, NULL, 0);
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: ReadValue reply is not \"ay\": %s", strerror(-s));
    blec__op_complete(r->op, BLEC_ERR_PARSE);
    blz_req_end(z, r);
    return 0;
  }
  read_ended(bc, r, p, n);
  blec__op_complete_data(r->op, p, n);
  blz_req_end(z, r);
  return 0;
}

static void read_start(blz_ctx *z, blz_req *r) {
  blz_hattr *a = request_attr(z, r, r->a.read.handle, r->a.read.descriptor);
  if (!a) return;
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, a->path,
                                         r->a.read.descriptor ? BLZ_IF_DESC : BLZ_IF_CHAR, "ReadValue");
  if (s >= 0) s = sd_bus_message_append(m, "a{sv}", 0);
  /* In flight from now on: its Value change precedes its reply (read_ended). A failed
   * send ends the request without a reply, so it is counted only once sent. */
  if (blz_req_send(z, r, m, s, GATT_USEC, read_reply) && !r->a.read.descriptor) a->reads++;
}

int blz_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached) {
  blz_req *r = blz_req_new(BLZ_REQ_READ, c, op, read_start);
  if (!r) return BLEC_ERR_NO_MEMORY;
  r->a.read.handle = handle;
  r->a.read.descriptor = descriptor;
  r->a.read.cached = cached;
  return blz_req_post(blz_ctx_of(blec__client_ctx(c)), r);
}

/* ---- writes ------------------------------------------------------------------------------------------ */

static int write_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) {
    blz_req_fail_gatt(z, r, e, r->a.write.descriptor ? "GattDescriptor1.WriteValue" : "GattCharacteristic1.WriteValue");
    return 0;
  }
  blec__op_complete(r->op, BLEC_OK);
  blz_req_end(z, r);
  return 0;
}

static void write_value(blz_ctx *z, blz_req *r, const blz_hattr *a) {
  sd_bus_message *m = NULL;
  bool desc = r->a.write.descriptor;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, a->path, desc ? BLZ_IF_DESC : BLZ_IF_CHAR, "WriteValue");
  if (s >= 0) s = sd_bus_message_append_array(m, SD_BUS_TYPE_BYTE, r->a.write.data, r->a.write.len);
  if (s >= 0 && desc) s = sd_bus_message_append(m, "a{sv}", 0);
  if (s >= 0 && !desc)
    s = sd_bus_message_append(m, "a{sv}", 1, "type", "s", r->a.write.with_response ? "request" : "command");
  blz_req_send(z, r, m, s, GATT_USEC, write_reply);
}

/* One write command through the AcquireWrite socket: true when the socket took it. */
static bool socket_send(blz_ctx *z, blz_client *bc, blz_req *r) {
  ssize_t n = send(bc->write_fd, r->a.write.data, r->a.write.len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n == (ssize_t)r->a.write.len) return true;
  blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: AcquireWrite socket: %s", n < 0 ? strerror(errno) : "short write");
  close(bc->write_fd); /* the next write acquires again (or uses WriteValue) */
  bc->write_fd = -1;
  return false;
}

static int acquire_write_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  int fd = -1;
  uint16_t mtu = 0;
  if (e) {
    blz_error_from_dbus(z->ctx, e, "AcquireWrite", NULL);
  } else if (sd_bus_message_read(m, "hq", &fd, &mtu) < 0 || fd < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: AcquireWrite reply is not \"hq\"");
    fd = -1;
  } else if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: AcquireWrite: dup: %s", strerror(errno));
  }
  blz_hattr *a = bc && bc->link == BLZ_LINK_UP ? attr_of(bc, r->a.write.handle, false) : NULL;
  if (!a) {
    if (fd >= 0) close(fd);
    blec__op_complete(r->op, BLEC_ERR_DISCONNECTED); /* sent while connected */
    blz_req_end(z, r);
    return 0;
  }
  if (fd < 0) {
    a->write_acquirable = false; /* WriteValue from now on */
    write_value(z, r, a);
    return 0;
  }
  if (bc->write_fd >= 0) close(bc->write_fd);
  bc->write_fd = fd;
  bc->write_handle = r->a.write.handle;
  if (!socket_send(z, bc, r)) {
    write_value(z, r, a); /* takes r over */
    return 0;
  }
  blec__op_complete(r->op, BLEC_OK);
  blz_req_end(z, r);
  return 0;
}

static void write_start(blz_ctx *z, blz_req *r) {
  blz_hattr *a = request_attr(z, r, r->a.write.handle, r->a.write.descriptor);
  if (!a) return;
  blz_client *bc = blec__client_backend_priv(r->c);
  bool via_socket = !r->a.write.descriptor && !r->a.write.with_response && a->write_acquirable &&
                    !(a->props & BLEC_PROP_WRITE) && socket_write();
  if (!via_socket) {
    write_value(z, r, a);
    return;
  }
  if (bc->write_fd >= 0 && bc->write_handle == a->handle && socket_send(z, bc, r)) {
    blec__op_complete(r->op, BLEC_OK);
    blz_req_end(z, r);
    return;
  }
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, a->path, BLZ_IF_CHAR, "AcquireWrite");
  if (s >= 0) s = sd_bus_message_append(m, "a{sv}", 0);
  blz_req_send(z, r, m, s, GATT_USEC, acquire_write_reply);
}

int blz_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response) {
  uint8_t *copy = malloc(len ? len : 1);
  blz_req *r = copy ? blz_req_new(BLZ_REQ_WRITE, c, op, write_start) : NULL;
  if (!r) {
    free(copy);
    return BLEC_ERR_NO_MEMORY;
  }
  if (len) memcpy(copy, data, len);
  r->a.write.handle = handle;
  r->a.write.descriptor = descriptor;
  r->a.write.with_response = with_response;
  r->a.write.data = copy;
  r->a.write.len = len;
  return blz_req_post(blz_ctx_of(blec__client_ctx(c)), r);
}

/* ---- notifications ----------------------------------------------------------------------------------- */

/* The AcquireNotify socket: one datagram per notification (BlueZ's notify_io_cb). */
static void notify_readable(blz_ctx *z, int fd, uint32_t revents, void *arg) {
  blz_sub *sub = arg;
  blz_client *bc = sub->bc;
  uint8_t buf[600]; /* an ATT value is at most 512 bytes */
  for (int i = 0; i < 64; i++) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      blec__client_value(bc->c, sub->handle, buf, (size_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!(revents & (EPOLLHUP | EPOLLERR))) return;
    }
    /* End of stream: BlueZ released it (disconnection, StopNotify elsewhere). */
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: notification socket of %s closed", sub->path);
    sub_close(sub);
    return;
  }
}

static int notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret);

/*
 * Ends an AcquireNotify session of ours before its socket is closed. bluetoothd notices a
 * closed socket only when its main loop next polls it, so an AcquireNotify or StartNotify
 * sent right after the close could still meet the old session ("NotPermitted: Notify
 * acquired", then BLEC_ERR_OS). StopNotify on an acquired characteristic destroys the
 * session at once (src/gatt-client.c characteristic_stop_notify: notify_io), and D-Bus
 * keeps one sender's messages in order, so the next request finds it gone.
 */
static void release_acquired(blz_ctx *z, const blz_client *bc, const char *path) {
  if (bc && bc->link == BLZ_LINK_UP && path) blz_call_logged(z, path, BLZ_IF_CHAR, "StopNotify", NULL);
}

static void start_notify(blz_ctx *z, blz_req *r, const blz_hattr *a) {
  sd_bus_message *m = NULL;
  int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, a->path, BLZ_IF_CHAR, "StartNotify");
  blz_req_send(z, r, m, s, GATT_USEC, notify_reply);
}

static int notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  blz_sub *sub = bc ? sub_of(bc, r->a.subscribe.handle) : NULL;
  bool live = bc && bc->link == BLZ_LINK_UP && sub;
  if (!e && blec__op_is_done(r->op) && live) {
    /* Cancelled (or timed out) meanwhile: undo the subscription. */
    blz_call_logged(z, sub->path, BLZ_IF_CHAR, "StopNotify", NULL);
    sub_remove(bc, sub);
  } else if (e) {
    if (sub) sub_remove(bc, sub);
    blz_req_fail_gatt(z, r, e, "StartNotify"); /* ends r */
    return 0;
  } else {
    blec__op_complete(r->op, live ? BLEC_OK : BLEC_ERR_DISCONNECTED); /* sent while connected */
  }
  blz_req_end(z, r);
  return 0;
}

static int acquire_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  blz_client *bc = blec__client_backend_priv(r->c);
  const sd_bus_error *e = sd_bus_message_get_error(m);
  blz_sub *sub = bc ? sub_of(bc, r->a.subscribe.handle) : NULL;
  int fd = -1;
  uint16_t mtu = 0;
  if (!e && sd_bus_message_read(m, "hq", &fd, &mtu) >= 0 && fd >= 0) fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (!bc || bc->link != BLZ_LINK_UP || !sub || blec__op_is_done(r->op)) {
    /* Gone or cancelled: the subscription is released (a request of the same
     * characteristic may wait for this reply to go next). */
    if (fd >= 0) {
      const blz_hattr *a = bc ? attr_of(bc, r->a.subscribe.handle, false) : NULL;
      release_acquired(z, bc, a ? a->path : NULL);
      close(fd);
    }
    if (bc && sub) sub_remove(bc, sub);
    blec__op_complete(r->op, BLEC_ERR_DISCONNECTED); /* sent while connected */
    blz_req_end(z, r);
    return 0;
  }
  if (e) {
    int st = blz_error_from_dbus(z->ctx, e, "AcquireNotify", NULL);
    if (st == BLEC_ERR_NOT_CONNECTED || blz_att_error(e) == BLEC_ATT_UNLIKELY_ERROR) {
      sub_remove(bc, sub); /* the link is going: no StartNotify either */
      blz_req_fail_gatt(z, r, e, "AcquireNotify");
      return 0;
    }
  }
  if (fd < 0) {
    /* Not offered after all (or another client holds it): StartNotify instead. */
    blz_hattr *a = attr_of(bc, r->a.subscribe.handle, false);
    if (a) a->notify_acquirable = false;
    if (a) {
      start_notify(z, r, a);
      return 0;
    }
    sub_remove(bc, sub);
    blec__op_complete(r->op, BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
    blz_req_end(z, r);
    return 0;
  }
  sub->fd = fd;
  int s = blz_watch_fd(z, fd, notify_readable, sub, &sub->src);
  if (s < 0) {
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: watching the notification socket: %s", strerror(-s));
    sub_remove(bc, sub);
    blec__op_complete(r->op, blz_status_from_errno(s));
  } else {
    if (mtu >= 23 && mtu != bc->mtu) {
      bc->mtu = mtu;
      blec__client_mtu(bc->c, mtu);
    }
    blec__op_complete(r->op, BLEC_OK);
  }
  blz_req_end(z, r);
  return 0;
}

static int stop_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  blz_req *r = userdata;
  blz_ctx *z = blz_ctx_of(blec__client_ctx(r->c));
  const sd_bus_error *e = sd_bus_message_get_error(m);
  if (e) blz_error_from_dbus(z->ctx, e, "StopNotify", NULL); /* unsubscribed either way */
  blec__op_complete(r->op, BLEC_OK);
  blz_req_end(z, r);
  return 0;
}

static void subscribe_start(blz_ctx *z, blz_req *r) {
  /* A cancelled subscription of the same characteristic still on its way (its reply
   * undoes it): this one waits for it, as BlueZ would refuse it meanwhile. */
  for (blz_req *x = z->reqs; x; x = x->next) {
    if (x != r && x->kind == BLZ_REQ_SUBSCRIBE && x->c == r->c && x->a.subscribe.handle == r->a.subscribe.handle &&
        !x->after) {
      x->after = r;
      return;
    }
  }
  blz_hattr *a = request_attr(z, r, r->a.subscribe.handle, false);
  if (!a) return;
  blz_client *bc = blec__client_backend_priv(r->c);
  blz_sub *sub = sub_of(bc, a->handle);
  if (r->a.subscribe.mode == BLEC__CCCD_OFF) {
    if (!sub) {
      blec__op_complete(r->op, BLEC_OK);
      blz_req_end(z, r);
      return;
    }
    bool via_socket = sub->fd >= 0;
    char *path = NULL;
    if (via_socket) release_acquired(z, bc, sub->path);
    else if ((path = malloc(strlen(sub->path) + 1))) strcpy(path, sub->path);
    sub_remove(bc, sub); /* the socket closes: the end of an AcquireNotify session */
    if (via_socket || !path) {
      free(path);
      blec__op_complete(r->op, BLEC_OK);
      blz_req_end(z, r);
      return;
    }
    sd_bus_message *m = NULL;
    int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, path, BLZ_IF_CHAR, "StopNotify");
    free(path);
    blz_req_send(z, r, m, s, GATT_USEC, stop_notify_reply);
    return;
  }
  if (r->a.subscribe.mode == BLEC__CCCD_INDICATE && (a->props & BLEC_PROP_NOTIFY)) {
    blec_error e;
    blec__error_set(&e, BLEC_ERR_NOT_SUPPORTED,
                    "BlueZ subscribes to notifications when a characteristic offers both (StartNotify has no choice)");
    blec__op_complete_error(r->op, &e);
    blz_req_end(z, r);
    return;
  }
  if (sub) sub_remove(bc, sub); /* a stale one (the core allows one subscription per characteristic) */
  if (!(sub = sub_add(bc, a->handle, a->path))) {
    blec__op_complete(r->op, BLEC_ERR_NO_MEMORY);
    blz_req_end(z, r);
    return;
  }
  /* Values on the signal path are routed from now on (a value may precede the reply). */
  if (r->a.subscribe.mode == BLEC__CCCD_NOTIFY && a->notify_acquirable && socket_notify()) {
    sd_bus_message *m = NULL;
    int s = sd_bus_message_new_method_call(z->bus, &m, BLZ_SERVICE, a->path, BLZ_IF_CHAR, "AcquireNotify");
    if (s >= 0) s = sd_bus_message_append(m, "a{sv}", 0);
    blz_req_send(z, r, m, s, GATT_USEC, acquire_notify_reply);
    return;
  }
  start_notify(z, r, a);
}

int blz_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode) {
  blz_req *r = blz_req_new(BLZ_REQ_SUBSCRIBE, c, op, subscribe_start);
  if (!r) return BLEC_ERR_NO_MEMORY;
  r->a.subscribe.handle = value_handle;
  r->a.subscribe.mode = mode;
  return blz_req_post(blz_ctx_of(blec__client_ctx(c)), r);
}

/* ---- events ------------------------------------------------------------------------------------------ */

/* Holds a copy of a Value change while a read is in flight (the previous held one, not
 * the read's since a later change followed it, is delivered): false when out of memory. */
static bool hold(blz_client *bc, blz_hattr *a, const uint8_t *v, size_t n) {
  uint8_t *copy = malloc(n ? n : 1);
  if (!copy) return false;
  if (n) memcpy(copy, v, n);
  held_deliver(bc, a);
  free(a->held.p);
  a->held.p = copy;
  a->held.n = n;
  a->has_held = true;
  return true;
}

void blz_client_value_changed(blz_ctx *z, const char *char_path, const uint8_t *v, size_t n) {
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (bc->link != BLZ_LINK_UP) continue;
    for (size_t i = 0; i < bc->nsubs; i++) {
      blz_sub *sub = bc->subs[i];
      if (sub->fd >= 0 || strcmp(sub->path, char_path) != 0) continue;
      blz_hattr *a = attr_of(bc, sub->handle, false);
      if (a && a->reads && hold(bc, a, v, n)) break;
      if (a) held_deliver(bc, a);
      blec__client_value(bc->c, sub->handle, v, n);
      break;
    }
  }
}

void blz_client_mtu_changed(blz_ctx *z, const char *char_path, uint16_t mtu) {
  for (blz_client *bc = z->clients; bc; bc = bc->next) {
    if (bc->link != BLZ_LINK_UP || !blz_path_below(char_path, bc->dev_path) || mtu < 23 || mtu == bc->mtu) continue;
    bc->mtu = mtu;
    blec__log(z->ctx, BLEC_LOG_DEBUG, "bluez: %s MTU %u", bc->dev_path, (unsigned)mtu);
    blec__client_mtu(bc->c, mtu);
  }
}
