/* SPDX-License-Identifier: MIT */
/*
 * notify.c — notification subscriptions. Each subscription owns a bounded stream
 * (dispatch.c) through which its values reach the program's callback: a value from the
 * backend is copied into the stream's ring under the client's and the dispatcher's locks
 * (one lookup, one copy, no allocation once the ring has its size), and a callback slower
 * than its stream costs a fixed amount of memory, its excess dropped per the client's
 * options and counted.
 *
 * A subscription lives within one link: the tree current when it started stays current
 * until the link goes (a new tree only comes with a new connection), so the stream keeps
 * that tree (a reference) and the characteristic it hands to the callback.
 */
#include <stdlib.h>

#include "core/core.h"

typedef struct notify_stream {
  blec__stream base; /* first: the dispatcher's part */
  blec_client *client;       /* reference */
  blec__gatt_tree *tree;     /* reference: chr lives in it */
  blec_characteristic *chr;  /* may be NULL if the tree has no such handle */
  blec_notify_cb cb;
  void *user;
} notify_stream;

static void deliver(blec__stream *s, const uint8_t *data, size_t len) {
  notify_stream *n = (notify_stream *)s;
  n->cb(n->client, n->chr, data, len, n->user);
}

static void destroy(blec__stream *s) {
  notify_stream *n = (notify_stream *)s;
  blec__gatt_tree_unref(n->tree);
  blec__client_unref(n->client);
  free(n);
}

static const blec__stream_kind notify_kind = {deliver, NULL, NULL, destroy};

blec__stream *blec__notify_stream_new(blec_client *c, uint16_t handle, blec_notify_cb cb, void *user) {
  notify_stream *n = malloc(sizeof *n);
  if (!n) return NULL;
  blec__stream_init(&n->base, &notify_kind, c, c->opts.notify_queue, c->opts.notify_overflow,
                    &c->notify_drops);
  n->client = blec__client_ref(c);
  n->tree = blec__gatt_tree_ref(c->tree);
  n->chr = blec__client_chr_by_handle_locked(c, handle);
  n->cb = cb;
  n->user = user;
  return &n->base;
}

void blec__notify_stream_end(blec_client *c, blec__stream *s, bool wait) {
  blec__dispatcher *d = &c->ctx->dispatcher;
  blec__stream_close(d, s);
  if (wait) blec__dispatcher_wait_for(d, NULL, s);
  blec__stream_release(d, s);
}

void blec__client_end_subscriptions(blec_client *c) {
  blec__mutex_lock(&c->lock);
  blec__subscription *subs = c->subs;
  size_t n = c->nsubs;
  c->subs = NULL;
  c->nsubs = 0;
  c->sub_gen++;
  blec__mutex_unlock(&c->lock);
  for (size_t i = 0; i < n; i++) blec__notify_stream_end(c, subs[i].stream, false);
  free(subs);
}

void blec__client_value(blec_client *c, uint16_t value_handle, const uint8_t *data, size_t len) {
  bool first_drop = false, found = false;
  blec__mutex_lock(&c->lock); /* keeps the stream from ending while the value goes in */
  for (size_t i = 0; i < c->nsubs; i++) {
    if (c->subs[i].handle == value_handle) {
      first_drop = blec__stream_push_bytes(&c->ctx->dispatcher, c->subs[i].stream, data, len);
      found = true;
      break;
    }
  }
  blec__mutex_unlock(&c->lock);
  if (first_drop)
    blec__log(c->ctx, BLEC_LOG_WARNING,
              "notifications of handle 0x%04x from %s arrive faster than the callback takes them: the queue "
              "(%lu values) drops %s ones (blec_client_notifications_dropped counts them)",
              value_handle, c->address, (unsigned long)c->opts.notify_queue,
              c->opts.notify_overflow == BLEC_OVERFLOW_DROP_OLDEST ? "the oldest" : "the newest");
  (void)found;
}

uint64_t blec_client_notifications_dropped(const blec_client *c) {
  return c ? atomic_load(&((blec_client *)c)->notify_drops) : 0;
}
