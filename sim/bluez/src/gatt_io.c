/* SPDX-License-Identifier: MIT */
/*
 * gatt_io.c — ReadValue / WriteValue of characteristics and descriptors (BlueZ 5.66
 * src/gatt-client.c characteristic_read_value, characteristic_write_value,
 * descriptor_read_value, descriptor_write_value): options parsed as bluetoothd parses
 * them, reads of the same offset shared, the procedure chosen from "type" and the
 * properties, the cached Value updated (and signalled) before a read is answered.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gatt.h"

enum {
  ATT_AUTHENTICATION = 0x05,
  ATT_REQUEST_NOT_SUPPORTED = 0x06,
  ATT_INVALID_OFFSET = 0x07,
  ATT_INSUFFICIENT_ENCRYPTION = 0x0F
};

bool bz_gatt_parse_options(sd_bus_message *m, uint16_t *offset, const char **type) {
  if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0) return false;
  int r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char *key, *contents = NULL;
    char t = 0;
    if (sd_bus_message_read(m, "s", &key) <= 0) return false;
    if (sd_bus_message_peek_type(m, &t, &contents) <= 0 || t != 'v' || !contents) return false;
    if (!strcasecmp(key, "offset")) {
      if (strcmp(contents, "q") || sd_bus_message_enter_container(m, 'v', "q") < 0 ||
          sd_bus_message_read(m, "q", offset) <= 0 || sd_bus_message_exit_container(m) < 0)
        return false;
    } else if (type && !strcasecmp(key, "type")) {
      if (strcmp(contents, "s") || sd_bus_message_enter_container(m, 'v', "s") < 0 ||
          sd_bus_message_read(m, "s", type) <= 0 || sd_bus_message_exit_container(m) < 0)
        return false;
    } else if (sd_bus_message_skip(m, "v") < 0) {
      return false; /* other keys ("mtu", "device", ...) are for servers: ignored */
    }
    if (sd_bus_message_exit_container(m) < 0) return false;
  }
  return r == 0 && sd_bus_message_exit_container(m) >= 0;
}

/* ---- reads -------------------------------------------------------------------------------------- */

static void reply_value(bz_sim *s, sd_bus_message *m, const uint8_t *v, size_t len) {
  sd_bus_message *r = bz_reply_new(m);
  if (r && sd_bus_message_append_array(r, 'y', v ? (const void *)v : "", len) >= 0) bz_send(s, r);
  else sd_bus_message_unref(r);
}

bool bz_req_current(const bz_req *r) {
  const bz_device *d = r->conn->dev;
  return d && d->conn == r->conn && !r->conn->down;
}

/* att.c change_security: the level an ATT security error asks for, 0 when none is left
 * to try (Insufficient Encryption: encrypted; Insufficient Authentication: encrypted,
 * then authenticated). */
static int raise_to(const bz_conn *c, int status, int att) {
  if (status != BLEC_ERR_ATT) return 0;
  if (att == ATT_INSUFFICIENT_ENCRYPTION) return c->security < BZ_SEC_MEDIUM ? BZ_SEC_MEDIUM : 0;
  if (att != ATT_AUTHENTICATION) return 0;
  return c->security < BZ_SEC_MEDIUM ? BZ_SEC_MEDIUM : c->security < BZ_SEC_HIGH ? BZ_SEC_HIGH : 0;
}

static void issue_read(bz_sim *s, bz_gnode *n, bz_conn *c);

/* The attribute a request goes to: a characteristic's value, a descriptor itself. */
static uint16_t value_handle_of(const bz_gnode *n) { return n->kind == BZ_G_CHAR ? n->value_handle : n->handle; }
static void issue_write(bz_sim *s, bz_gnode *n, bz_conn *c);

static void free_write(bz_write_op *w) {
  if (!w) return;
  if (w->msg) sd_bus_message_unref(w->msg);
  free(w->value);
  free(w);
}

static void fail_read(bz_sim *s, bz_gnode *n, int status, int att) {
  bz_read_op *op = n->read_op;
  n->read_op = NULL;
  for (size_t i = 0; i < op->n; i++) {
    bz_reply_gatt_error(s, op->msgs[i], status, att);
    sd_bus_message_unref(op->msgs[i]);
  }
  free(op->msgs);
  free(op);
}

void bz_gatt_fail_pending(bz_gatt *g) {
  bz_sim *s = g->dev->ad->sim;
  for (size_t i = 0; i < g->n; i++) {
    bz_gnode *n = &g->nodes[i];
    if (n->read_op) fail_read(s, n, BLEC_ERR_DISCONNECTED, 0);
    if (n->write_op) {
      bz_reply_gatt_error(s, n->write_op->msg, BLEC_ERR_DISCONNECTED, 0);
      free_write(n->write_op);
      n->write_op = NULL;
    }
  }
}

/* The security elevation a request waited for is over: resend it, or fail it. */
typedef struct raise_ctx {
  bz_gnode *n;
  bool write;
  int att;
} raise_ctx;

static void on_raised(bz_device *d, bool ok, void *ctx) {
  raise_ctx *rc = ctx;
  bz_gnode *n = rc->n;
  bz_sim *s = d->ad->sim;
  bz_conn *c = bz_gatt_conn(n);
  bool pending = rc->write ? n->write_op != NULL : n->read_op != NULL;
  if (pending && ok && c) {
    if (rc->write) issue_write(s, n, c);
    else issue_read(s, n, c);
  } else if (pending && rc->write) {
    bz_reply_gatt_error(s, n->write_op->msg, BLEC_ERR_ATT, rc->att);
    free_write(n->write_op);
    n->write_op = NULL;
  } else if (pending) {
    fail_read(s, n, BLEC_ERR_ATT, rc->att);
  }
  free(rc);
}

/* Whether the error starts an elevation (the request then waits for it). */
static bool try_raise(bz_gnode *n, bz_conn *c, bool write, int status, int att) {
  int level = raise_to(c, status, att);
  raise_ctx *rc = level ? malloc(sizeof *rc) : NULL;
  if (!rc) return false;
  rc->n = n;
  rc->write = write;
  rc->att = att;
  bz_pair_raise_security(n->g->dev, level, on_raised, rc);
  return true;
}

static void read_done(bz_sim *s, bz_req *req) {
  if (!bz_req_current(req)) return;
  bz_gnode *n = req->ctx;
  if (!n->read_op) return;
  if (try_raise(n, req->conn, false, req->status, req->att_error)) return;
  bz_read_op *op = n->read_op;
  n->read_op = NULL;
  int status = req->status, att = req->att_error;
  /* The world answers the whole value; a read from an offset sees its tail. */
  if (status == BLEC_OK && op->offset > req->len) {
    status = BLEC_ERR_ATT;
    att = ATT_INVALID_OFFSET;
  }
  if (status == BLEC_OK) {
    /* chrc_read_cb: into the cache first (Value signalled), then the answers. */
    bz_gatt_store(n, op->offset, req->data ? req->data + op->offset : NULL, req->len - op->offset);
    for (size_t i = 0; i < op->n; i++) {
      size_t off = op->offset <= n->len ? op->offset : n->len;
      reply_value(s, op->msgs[i], n->value ? n->value + off : NULL, n->len - off);
    }
    for (size_t i = 0; i < op->n; i++) sd_bus_message_unref(op->msgs[i]);
    free(op->msgs);
    free(op);
  } else {
    n->read_op = op;
    fail_read(s, n, status, att);
  }
}

static bool read_op_add(bz_read_op *op, sd_bus_message *m) {
  sd_bus_message **v = realloc(op->msgs, (op->n + 1) * sizeof *v);
  if (!v) return false;
  op->msgs = v;
  v[op->n++] = sd_bus_message_ref(m);
  return true;
}

void bz_gatt_read_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_gnode *n = data;
  bz_conn *c = bz_gatt_conn(n);
  uint16_t offset = 0;
  if (!c) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Not connected");
    return;
  }
  if (!bz_gatt_parse_options(m, &offset, NULL)) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  if (n->read_op) {
    /* A read of the same offset in flight answers this call too. */
    if (n->read_op->offset != offset) bz_reply_error(s, m, BZ_ERROR ".InProgress", "In Progress");
    else if (!read_op_add(n->read_op, m)) bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to send read request");
    return;
  }
  bz_read_op *op = calloc(1, sizeof *op);
  if (!op || !read_op_add(op, m)) {
    free(op);
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to send read request");
    return;
  }
  op->offset = offset;
  n->read_op = op;
  issue_read(s, n, c);
}

static void issue_read(bz_sim *s, bz_gnode *n, bz_conn *c) {
  bz_req *req = bz_req_new(c, read_done, NULL, n);
  if (!req) {
    fail_read(s, n, BLEC_ERR_NO_MEMORY, 0);
    return;
  }
  uint16_t handle = value_handle_of(n);
  int64_t id = blec__wlink_read(c->link, handle, bz_req_read_cb, req);
  if (id < 0) bz_req_fail_now(s, req, (int)id);
}

/* ---- writes ------------------------------------------------------------------------------------- */

static void write_done(bz_sim *s, bz_req *req) {
  if (!bz_req_current(req)) return;
  bz_gnode *n = req->ctx;
  bz_write_op *w = n->write_op;
  if (!w) return;
  if (try_raise(n, req->conn, true, req->status, req->att_error)) return;
  n->write_op = NULL;
  if (req->status == BLEC_OK) bz_reply_empty(s, w->msg);
  else bz_reply_gatt_error(s, w->msg, req->status, req->att_error);
  free_write(w);
}

static void issue_write(bz_sim *s, bz_gnode *n, bz_conn *c) {
  bz_req *req = bz_req_new(c, write_done, NULL, n);
  if (!req) {
    bz_reply_error(s, n->write_op->msg, BZ_ERROR ".Failed", "Failed to initiate write");
    free_write(n->write_op);
    n->write_op = NULL;
    return;
  }
  uint16_t handle = value_handle_of(n);
  int64_t id = blec__wlink_write(c->link, handle, n->write_op->value, n->write_op->len, true, bz_req_done_cb, req);
  if (id < 0) bz_req_fail_now(s, req, (int)id);
}

/* Starts a write; with_response false is a command (answered as soon as it is sent). */
static void start_write(bz_sim *s, sd_bus_message *m, bz_gnode *n, bz_conn *c, const uint8_t *v, size_t len,
                        bool with_response) {
  uint16_t handle = value_handle_of(n);
  if (!with_response) {
    /* bt_gatt_client_write_without_response: the PDU must fit the MTU. */
    if (len > (size_t)c->mtu - 3) {
      bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to initiate write");
      return;
    }
    int64_t id = blec__wlink_write(c->link, handle, v, len, false, NULL, NULL);
    if (id < 0) bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to initiate write");
    else bz_reply_empty(s, m);
    return;
  }
  bz_write_op *w = calloc(1, sizeof *w);
  if (!w || !(w->value = malloc(len ? len : 1))) {
    free(w);
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Failed to initiate write");
    return;
  }
  if (len) memcpy(w->value, v, len);
  w->len = len;
  w->msg = sd_bus_message_ref(m);
  n->write_op = w;
  issue_write(s, n, c);
}

static bool read_value_arg(sd_bus_message *m, const uint8_t **v, size_t *len) {
  const void *p = NULL;
  if (sd_bus_message_read_array(m, 'y', &p, len) < 0) return false;
  *v = p;
  return true;
}

static void write_descriptor(bz_sim *s, sd_bus_message *m, bz_gnode *n, bz_conn *c) {
  const uint8_t *v;
  size_t len;
  uint16_t offset = 0;
  if (n->write_op) {
    bz_reply_error(s, m, BZ_ERROR ".InProgress", "In Progress");
    return;
  }
  if (!read_value_arg(m, &v, &len) || !bz_gatt_parse_options(m, &offset, NULL)) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  /* The CCCD is StartNotify's and StopNotify's. */
  uint16_t u16;
  if (blec_uuid_to16(&n->uuid, &u16) && u16 == 0x2902) {
    bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Write not permitted");
    return;
  }
  if (offset) {
    /* Prepare Write at an offset: the world has no queued writes. */
    bz_reply_gatt_error(s, m, BLEC_ERR_ATT, ATT_REQUEST_NOT_SUPPORTED);
    return;
  }
  start_write(s, m, n, c, v, len, true);
}

/*
 * characteristic_write_value: "reliable" (or no type and the reliable-write extended
 * property) a reliable write; "request" (or no type and "write") a write request;
 * "command" (or no type and "write-without-response"), without offset, a command. An
 * explicit type is used whatever the properties say; an unknown one is NotSupported.
 */
void bz_gatt_write_method(bz_sim *s, sd_bus_message *m, void *data) {
  bz_gnode *n = data;
  bz_conn *c = bz_gatt_conn(n);
  if (!c) {
    bz_reply_error(s, m, BZ_ERROR ".Failed", "Not connected");
    return;
  }
  if (n->kind == BZ_G_DESC) {
    write_descriptor(s, m, n, c);
    return;
  }
  if (n->write_io) {
    bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Write acquired");
    return;
  }
  if (n->write_op) {
    bz_reply_error(s, m, BZ_ERROR ".InProgress", "In Progress");
    return;
  }
  const uint8_t *v;
  size_t len;
  uint16_t offset = 0;
  const char *type = NULL;
  if (!read_value_arg(m, &v, &len) || !bz_gatt_parse_options(m, &offset, &type)) {
    bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid arguments in method call");
    return;
  }
  bool reliable = (!type && (n->props & BLEC_PROP_RELIABLE_WRITE)) || (type && !strcasecmp(type, "reliable"));
  bool request = (!type && (n->props & BLEC_PROP_WRITE)) || (type && !strcasecmp(type, "request"));
  if (reliable || request) {
    if (offset) {
      bz_reply_gatt_error(s, m, BLEC_ERR_ATT, ATT_REQUEST_NOT_SUPPORTED);
      return;
    }
    /* A reliable write is a prepare + execute: one write with response to the world. */
    start_write(s, m, n, c, v, len, true);
    return;
  }
  if ((type && strcasecmp(type, "command")) || offset || (!type && !(n->props & BLEC_PROP_WRITE_WITHOUT_RESPONSE))) {
    bz_reply_error(s, m, BZ_ERROR ".NotSupported", "Operation is not supported");
    return;
  }
  start_write(s, m, n, c, v, len, false);
}
