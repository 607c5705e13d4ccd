/* SPDX-License-Identifier: MIT */
/*
 * client.c — a client's life: creation, the link's state, disconnection (requested or
 * not, reported exactly once), MTU and value events from the backend, and freeing.
 * The connect sequence is in client_connect.c, GATT requests in client_io.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

blec_client *blec__client_ref(blec_client *c) {
  atomic_fetch_add(&c->refs, 1);
  return c;
}

void blec__client_unref(blec_client *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
  blec__gatt_tree_unref(c->tree);
  blec__gatt_tree_unref(c->retired);
  blec__strand_destroy(&c->strand);
  free(c->subs); /* their streams ended with the link or the free */
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
  /* The backend's per-client state follows the client in the same block. */
  size_t priv_at = (sizeof(blec_client) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t);
  size_t priv_size = ctx->backend->client_priv_size;
  blec_client *c = calloc(1, priv_size ? priv_at + priv_size : sizeof *c);
  if (!c) return BLEC_ERR_NO_MEMORY;
  if (priv_size) c->backend_priv = (char *)c + priv_at;
  if (blec__address_normalize(address, c->address) != BLEC_OK) {
    free(c);
    return BLEC_ERR_INVALID_ARG;
  }
  if (blec__client_options_copy(&c->opts, opts) != BLEC_OK || blec__mutex_init(&c->lock) != BLEC_OK) {
    free(c->opts.services);
    free(c);
    return BLEC_ERR_NO_MEMORY;
  }
  if (blec__strand_init(&c->strand) != BLEC_OK) {
    blec__mutex_destroy(&c->lock);
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
  /* The link's last tasks (the close's tail) finish before the backend lets the client go;
   * later reports of aborted steps find nothing to do. */
  blec__strand_wait_idle(&c->strand);
  /* No callback of the client starts from here on (freed, subscriptions ended); one
   * running on another thread ends before this returns (issue 13, item 9). */
  blec__client_end_subscriptions(c);
  blec__dispatcher_wait_for(&c->ctx->dispatcher, c, NULL);
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
const char *blec_client_name(const blec_client *c) {
  if (!c) return NULL;
  blec_client *m = (blec_client *)c;
  blec__mutex_lock(&m->lock);
  const char *n = m->name;
  blec__mutex_unlock(&m->lock);
  return n;
}

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
  blec__dispatcher_post_for(&c->ctx->dispatcher, &e->ev, c);
}

void blec__client_report_disconnected(blec_client *c, blec_disconnect_reason reason) {
  post_client_event(c, 0, (int)reason);
}

void blec__client_mtu(blec_client *c, int mtu) {
  blec__mutex_lock(&c->lock);
  bool changed = c->mtu != mtu;
  c->mtu = mtu;
  bool report = changed && c->mtu_cb && !c->freed;
  blec__mutex_unlock(&c->lock);
  if (report) post_client_event(c, 1, mtu);
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

/* ---- backend accessors ---------------------------------------------------------------------- */
void *blec__client_backend_priv(const blec_client *c) { return c->backend_priv; }
void blec__client_set_backend_priv(blec_client *c, void *p) { c->backend_priv = p; }
blec_ctx *blec__client_ctx(const blec_client *c) { return c->ctx; }
const char *blec__client_address(const blec_client *c) { return c->address; }
blec_address_type blec__client_address_type(const blec_client *c) { return c->opts.address_type; }
size_t blec__client_services(const blec_client *c, const blec_uuid **uuids) {
  *uuids = c->opts.services;
  return c->opts.nservices;
}
const char *blec__client_backend_id(const blec_client *c) {
  return c->device ? blec_device_backend_id(c->device) : NULL;
}
