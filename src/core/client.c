/* SPDX-License-Identifier: MIT */
/*
 * client.c — a client's life: creation, the link's state, disconnection (requested or
 * not, reported exactly once), MTU and value events from the backend, and freeing.
 * The connect sequence is in client_connect.c, GATT requests in client_io.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

blec_client *blec__client_ref(blec_client *c) {
  atomic_fetch_add(&c->refs, 1);
  return c;
}

void blec__client_unref(blec_client *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
  blec__gatt_tree_free(c->tree);
  blec__gatt_tree_free(c->building);
  free(c->subs);
  free(c->name);
  for (size_t i = 0; i < c->nold_names; i++) free(c->old_names[i]);
  free(c->old_names);
  free(c->opts.services);
  if (c->device) blec_device_unref(c->device);
  blec__mutex_destroy(&c->lock);
  free(c);
}

static int client_create(blec_ctx *ctx, const char *address, const blec_client_options *opts, blec_client **out) {
  if (!ctx || !out) return BLEC_ERR_INVALID_ARG;
  *out = NULL;
  if (!(ctx->caps & BLEC_CAP_CONNECT)) return BLEC_ERR_NOT_SUPPORTED;
  blec_client *c = calloc(1, sizeof *c);
  if (!c) return BLEC_ERR_NO_MEMORY;
  if (blec__address_normalize(address, c->address) != BLEC_OK) {
    free(c);
    return BLEC_ERR_INVALID_ARG;
  }
  if (blec__client_options_copy(&c->opts, opts) != BLEC_OK || blec__mutex_init(&c->lock) != BLEC_OK) {
    free(c->opts.services);
    free(c);
    return BLEC_ERR_NO_MEMORY;
  }
  atomic_init(&c->refs, 1);
  c->ctx = ctx;
  blec__mutex_lock(&ctx->lock);
  ctx->live_clients++;
  blec__mutex_unlock(&ctx->lock);
  *out = c;
  return BLEC_OK;
}

int blec_client_new(blec_ctx *ctx, const char *address, const blec_client_options *opts, blec_client **out) {
  if (!address) return BLEC_ERR_INVALID_ARG;
  return client_create(ctx, address, opts, out);
}

int blec_client_new_from_device(blec_ctx *ctx, blec_device *dev, const blec_client_options *opts,
                                blec_client **out) {
  if (!dev) return BLEC_ERR_INVALID_ARG;
  int r = client_create(ctx, dev->address, opts, out);
  if (r != BLEC_OK) return r;
  blec_client *c = *out;
  c->device = blec_device_ref(dev);
  if (c->opts.address_type == BLEC_ADDRESS_UNSPECIFIED) c->opts.address_type = dev->address_type;
  const char *name = blec_device_name(dev);
  if (name) c->name = blec__strdup(name);
  return BLEC_OK;
}

void blec_client_free(blec_client *c) {
  if (!c) return;
  blec_client_disconnect(c, 30000, NULL);
  blec__mutex_lock(&c->lock);
  c->freed = true;
  c->disconnected_cb = NULL;
  c->mtu_cb = NULL;
  blec__mutex_unlock(&c->lock);
  if (c->ctx->backend->client_free) c->ctx->backend->client_free(c);
  blec_ctx *ctx = c->ctx;
  blec__mutex_lock(&ctx->lock);
  ctx->live_clients--;
  blec__mutex_unlock(&ctx->lock);
  blec__client_unref(c);
}

void blec_client_set_disconnected_callback(blec_client *c, blec_disconnected_cb cb, void *user) {
  if (!c) return;
  blec__mutex_lock(&c->lock);
  c->disconnected_cb = cb;
  c->disconnected_user = user;
  blec__mutex_unlock(&c->lock);
}

void blec_client_set_mtu_callback(blec_client *c, blec_mtu_cb cb, void *user) {
  if (!c) return;
  blec__mutex_lock(&c->lock);
  c->mtu_cb = cb;
  c->mtu_user = user;
  blec__mutex_unlock(&c->lock);
}

const char *blec_client_address(const blec_client *c) { return c ? c->address : NULL; }
const char *blec_client_name(const blec_client *c) { return c ? c->name : NULL; }

bool blec_client_is_connected(const blec_client *c) {
  if (!c) return false;
  blec_client *m = (blec_client *)c;
  blec__mutex_lock(&m->lock);
  bool r = m->state == BLEC__CONNECTED;
  blec__mutex_unlock(&m->lock);
  return r;
}

int blec_client_mtu(const blec_client *c) {
  if (!c) return 0;
  blec_client *m = (blec_client *)c;
  blec__mutex_lock(&m->lock);
  int r = m->link_up ? m->mtu : 0;
  blec__mutex_unlock(&m->lock);
  return r;
}

size_t blec_client_max_write_without_response_size(const blec_client *c) {
  int mtu = blec_client_mtu(c);
  return mtu > 3 ? (size_t)(mtu - 3) : 0;
}

/* ---- pending operations ------------------------------------------------------------ */

void blec__client_track(blec_client *c, blec_op *op) {
  if (!op->client) op->client = blec__client_ref(c);
  blec__mutex_lock(&c->lock);
  op->client_next = c->pending;
  c->pending = blec__op_ref(op);
  op->in_client_list = true;
  blec__mutex_unlock(&c->lock);
}

void blec__client_fail_pending(blec_client *c, int status, const char *why) {
  for (;;) {
    blec__mutex_lock(&c->lock);
    blec_op *op = c->pending;
    if (op) blec__op_ref(op);
    blec__mutex_unlock(&c->lock);
    if (!op) return;
    blec_error e;
    blec__error_set(&e, status, "%s", why);
    /* Completing untracks it; if it was already completing elsewhere, untrack here. */
    if (!blec__op_complete_error(op, &e)) {
      blec__mutex_lock(&c->lock);
      for (blec_op **pp = &c->pending; *pp; pp = &(*pp)->client_next) {
        if (*pp == op && op->in_client_list) {
          *pp = op->client_next;
          op->in_client_list = false;
          blec__mutex_unlock(&c->lock);
          blec__op_unref(op);
          goto next;
        }
      }
      blec__mutex_unlock(&c->lock);
    }
  next:
    blec__op_unref(op);
  }
}

/* ---- events ------------------------------------------------------------------------- */

typedef struct client_event {
  blec__event ev;
  blec_client *c;
  int kind; /* 0 disconnected, 1 mtu */
  int value;
} client_event;

static void client_event_run(blec__event *ev) {
  client_event *e = (client_event *)ev;
  blec_client *c = e->c;
  blec__mutex_lock(&c->lock);
  bool live = !c->freed;
  blec_disconnected_cb dcb = c->disconnected_cb;
  void *duser = c->disconnected_user;
  blec_mtu_cb mcb = c->mtu_cb;
  void *muser = c->mtu_user;
  blec__mutex_unlock(&c->lock);
  if (live && e->kind == 0 && dcb) dcb(c, (blec_disconnect_reason)e->value, duser);
  if (live && e->kind == 1 && mcb) mcb(c, e->value, muser);
  blec__client_unref(c);
  free(e);
}

static void client_event_drop(blec__event *ev) {
  client_event *e = (client_event *)ev;
  blec__client_unref(e->c);
  free(e);
}

static void post_client_event(blec_client *c, int kind, int value) {
  client_event *e = malloc(sizeof *e);
  if (!e) return;
  e->ev.run = client_event_run;
  e->ev.drop = client_event_drop;
  e->c = blec__client_ref(c);
  e->kind = kind;
  e->value = value;
  blec__dispatcher_post(&c->ctx->dispatcher, &e->ev);
}

/* The link is down, whoever noticed first: state, subscriptions, pending ops, one report. */
static void link_down(blec_client *c, blec_disconnect_reason reason) {
  blec__mutex_lock(&c->lock);
  bool was_up = c->link_up;
  bool report = c->visible;
  c->link_up = false;
  c->visible = false;
  if (c->state == BLEC__CONNECTED || c->state == BLEC__DISCONNECTING) c->state = BLEC__DISCONNECTED;
  for (size_t i = 0; i < c->nsubs; i++) c->subs[i].active = false;
  c->nsubs = 0;
  c->sub_gen++;
  blec__mutex_unlock(&c->lock);
  if (!was_up) return;
  blec__log(c->ctx, BLEC_LOG_INFO, "%s disconnected (reason %d)", c->address, (int)reason);
  blec__client_fail_pending(c, BLEC_ERR_DISCONNECTED, "the link was lost during the operation");
  if (report) post_client_event(c, 0, (int)reason);
}

void blec__client_disconnected(blec_client *c, blec_disconnect_reason reason) { link_down(c, reason); }

void blec__client_mtu(blec_client *c, int mtu) {
  blec__mutex_lock(&c->lock);
  bool changed = c->mtu != mtu;
  c->mtu = mtu;
  bool report = changed && c->mtu_cb && !c->freed;
  blec__mutex_unlock(&c->lock);
  if (report) post_client_event(c, 1, mtu);
}

/* A value event carries its bytes inline. */
typedef struct value_event {
  blec__event ev;
  blec_client *c;
  uint16_t handle;
  uint64_t generation;
  size_t len;
  uint8_t data[];
} value_event;

static void value_run(blec__event *ev) {
  value_event *e = (value_event *)ev;
  blec_client *c = e->c;
  blec_notify_cb cb = NULL;
  void *user = NULL;
  blec_characteristic *chr = NULL;
  blec__mutex_lock(&c->lock);
  if (!c->freed) {
    for (size_t i = 0; i < c->nsubs; i++) {
      blec__subscription *s = &c->subs[i];
      if (s->handle == e->handle && s->active && s->generation == e->generation) {
        cb = s->cb;
        user = s->user;
        chr = blec__client_chr_by_handle_locked(c, e->handle);
        break;
      }
    }
  }
  blec__mutex_unlock(&c->lock);
  if (cb) cb(c, chr, e->data, e->len, user);
  blec__client_unref(c);
  free(e);
}

static void value_drop(blec__event *ev) {
  value_event *e = (value_event *)ev;
  blec__client_unref(e->c);
  free(e);
}

void blec__client_value(blec_client *c, uint16_t value_handle, const uint8_t *data, size_t len) {
  uint64_t gen = 0;
  bool found = false;
  blec__mutex_lock(&c->lock);
  for (size_t i = 0; i < c->nsubs; i++) {
    if (c->subs[i].handle == value_handle && c->subs[i].active) {
      gen = c->subs[i].generation;
      found = true;
      break;
    }
  }
  blec__mutex_unlock(&c->lock);
  if (!found) return;
  value_event *e = malloc(sizeof *e + len);
  if (!e) return;
  e->ev.run = value_run;
  e->ev.drop = value_drop;
  e->c = blec__client_ref(c);
  e->handle = value_handle;
  e->generation = gen;
  e->len = len;
  if (len) memcpy(e->data, data, len);
  blec__dispatcher_post(&c->ctx->dispatcher, &e->ev);
}

/* A replaced name is kept until the client is freed: blec_client_name's pointer may be
 * in use on another thread. */
void blec__client_set_name(blec_client *c, const char *name) {
  char *copy = blec__strdup(name);
  if (name && !copy) return;
  blec__mutex_lock(&c->lock);
  if (c->name && copy && strcmp(c->name, copy) == 0) {
    blec__mutex_unlock(&c->lock);
    free(copy);
    return;
  }
  if (c->name) {
    char **a = realloc(c->old_names, (c->nold_names + 1) * sizeof *a);
    if (a) {
      a[c->nold_names++] = c->name;
      c->old_names = a;
    } else {
      free(copy); /* keep the old name rather than free one a reader may hold */
      blec__mutex_unlock(&c->lock);
      return;
    }
  }
  c->name = copy;
  blec__mutex_unlock(&c->lock);
}

/* ---- disconnect -------------------------------------------------------------------------- */

static void disconnect_done(blec_op *op, void *arg) {
  (void)arg;
  blec_client *c = op->client;
  /* Whatever the status, the link is gone for us: a failed close still leaves us closed. */
  link_down(c, BLEC_DISCONNECT_REQUESTED);
  blec__mutex_lock(&c->lock);
  blec_op *closing = c->closing == op ? c->closing : NULL;
  if (closing) c->closing = NULL;
  blec__mutex_unlock(&c->lock);
  if (closing) blec__op_unref(closing);
}

/* A disconnect requested while another is closing the link completes with it. */
static void after_other_close(blec_op *closing, void *arg) {
  (void)closing;
  blec_op *op = arg;
  blec__op_complete(op, BLEC_OK);
  blec__op_unref(op);
}

int blec_client_disconnect_async(blec_client *c, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c) return BLEC_ERR_INVALID_ARG;
  /* A connect in progress is aborted first (that settles it on this thread, and it
   * starts closing its half-open link); only if it was settling on another thread at
   * that moment is there a short wait for it. */
  blec__mutex_lock(&c->lock);
  blec_op *connecting = c->connect_op ? blec__op_ref(c->connect_op) : NULL;
  blec__mutex_unlock(&c->lock);
  if (connecting) {
    if (!blec__op_abort(connecting, BLEC_ERR_CANCELLED, "disconnect requested while connecting"))
      blec__op_wait_final(connecting, -1, NULL);
    blec__op_unref(connecting);
  }
  blec_op *op = blec__op_new(c->ctx, BLEC__OP_DISCONNECT, cb, user);
  if (!op) return BLEC_ERR_NO_MEMORY;
  op->client = blec__client_ref(c);
  blec__mutex_lock(&c->lock);
  blec_op *closing = c->closing ? blec__op_ref(c->closing) : NULL;
  bool up = !closing && c->link_up;
  if (up) {
    c->state = BLEC__DISCONNECTING;
    c->closing = blec__op_ref(op);
  }
  blec__mutex_unlock(&c->lock);
  if (closing) {
    blec__op_then(closing, after_other_close, blec__op_ref(op));
    blec__op_unref(closing);
    blec__op_give(op, out);
    return BLEC_OK;
  }
  if (!up) {
    /* Already down: done. The completion is still delivered through the dispatcher,
     * never inside this call. */
    blec__op_complete(op, BLEC_OK);
    blec__op_give(op, out);
    return BLEC_OK;
  }
  op->on_done = disconnect_done;
  int r = c->ctx->backend->disconnect(c, op);
  if (r != BLEC_OK) {
    blec_error e;
    blec__error_set(&e, r, "the backend could not start the disconnection");
    op->cb = NULL;
    blec__op_complete_error(op, &e);
    blec__op_unref(op);
    return r;
  }
  blec__op_give(op, out);
  return BLEC_OK;
}

int blec_client_disconnect(blec_client *c, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = blec_client_disconnect_async(c, NULL, NULL, &op);
  if (r != BLEC_OK) return r;
  r = blec__op_wait_final(op, timeout_ms, err);
  if (r == BLEC_ERR_TIMEOUT) {
    /* The program stops waiting; the link is treated as closed from now on. */
    link_down(c, BLEC_DISCONNECT_REQUESTED);
  }
  blec__op_unref(op);
  return r;
}

/* ---- backend accessors ---------------------------------------------------------------------- */
void *blec__client_backend_priv(const blec_client *c) { return c->backend_priv; }
void blec__client_set_backend_priv(blec_client *c, void *p) { c->backend_priv = p; }
blec_ctx *blec__client_ctx(const blec_client *c) { return c->ctx; }
const char *blec__client_address(const blec_client *c) { return c->address; }
blec_address_type blec__client_address_type(const blec_client *c) { return c->opts.address_type; }
const char *blec__client_backend_id(const blec_client *c) {
  return c->device ? blec_device_backend_id(c->device) : NULL;
}
