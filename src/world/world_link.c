/* SPDX-License-Identifier: MIT */
/*
 * world_link.c — connections: connect, the request queue of a link, faults, cancellation,
 * disconnection and release.
 *
 * A link answers its requests one at a time, in order, as ATT does: the head request is
 * answered `response delay` after it became the head (writes without response at once).
 * Effects on the peripheral happen when a request is answered. When a link goes down
 * (remote end, link loss, unpairing, radio off, or a requested disconnect) it is marked
 * down at once, so new requests fail, and a drop event then completes the pending
 * requests with BLEC_ERR_DISCONNECTED and reports `disconnected`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"

/* Requests kept for reuse: the benchmark path allocates nothing per request. */
#define FREELIST_MAX 256

/* ---- request objects ---------------------------------------------------------------------- */

blec__wreq *blec__wreq_new(blec_world *w, int type) {
  blec__wreq *r = w->free_reqs;
  if (r) {
    w->free_reqs = r->next;
    w->nfree_reqs--;
  } else {
    r = calloc(1, sizeof *r);
    if (!r) return NULL;
  }
  uint8_t *big = r->big;
  size_t big_cap = r->big_cap;
  memset(r, 0, offsetof(blec__wreq, inl));
  r->big = big;
  r->big_cap = big_cap;
  r->type = type;
  r->ev.kind = type == BLEC__WREQ_CONNECT ? BLEC__WEV_CONNECT : BLEC__WEV_REQ_DONE;
  r->data = r->inl;
  return r;
}

void blec__wreq_free(blec_world *w, blec__wreq *r) {
  if (w->nfree_reqs >= FREELIST_MAX) {
    free(r->big);
    free(r);
    return;
  }
  r->next = w->free_reqs;
  w->free_reqs = r;
  w->nfree_reqs++;
}

int blec__wreq_set_data(blec__wreq *r, const uint8_t *data, size_t len) {
  if (len <= BLEC__WREQ_INLINE) {
    r->data = r->inl;
  } else {
    if (len > r->big_cap) {
      size_t cap = len < BLEC__W_MAX_VALUE ? BLEC__W_MAX_VALUE : len;
      uint8_t *b = realloc(r->big, cap);
      if (!b) return BLEC_ERR_NO_MEMORY;
      r->big = b;
      r->big_cap = cap;
    }
    r->data = r->big;
  }
  if (data && len) memcpy(r->data, data, len);
  r->len = len;
  return BLEC_OK;
}

void blec__wreq_list_push(blec__wreq_list *l, blec__wreq *r) {
  r->next = NULL;
  r->prev = l->tail;
  if (l->tail)
    l->tail->next = r;
  else
    l->head = r;
  l->tail = r;
}

void blec__wreq_list_remove(blec__wreq_list *l, blec__wreq *r) {
  if (r->prev)
    r->prev->next = r->next;
  else
    l->head = r->next;
  if (r->next)
    r->next->prev = r->prev;
  else
    l->tail = r->prev;
  r->prev = r->next = NULL;
}

static void list_free(blec_world *w, blec__wreq_list *l) {
  while (l->head) {
    blec__wreq *r = l->head;
    blec__wreq_list_remove(l, r);
    blec__wengine_unschedule(w, &r->ev);
    blec__wreq_free(w, r);
  }
}

/* ---- link objects ---------------------------------------------------------------------------- */

void blec__wlink_free(blec_world *w, blec__wlink *l) {
  blec__wengine_unschedule(w, &l->ev_req);
  blec__wengine_unschedule(w, &l->ev_loss);
  blec__wengine_unschedule(w, &l->ev_drop);
  list_free(w, &l->fifo);
  list_free(w, &l->done);
  list_free(w, &l->waiting);
  blec__wsub_clear(l);
  if (l->p && l->p->link == l) l->p->link = NULL;
  free(l);
}

static void unlink_link(blec_world *w, blec__wlink *l) {
  if (l->prev)
    l->prev->next = l->next;
  else if (w->links == l)
    w->links = l->next;
  if (l->next) l->next->prev = l->prev;
  l->prev = l->next = NULL;
}

static uint64_t delay_us(const blec__wlink *l, const blec__wreq *r) {
  if (r->type == BLEC__WREQ_WRITE_CMD) return 0;
  return (uint64_t)l->p->response_delay_ms * 1000u;
}

/* Queues the answer of the head request, if any (lock held, link up). */
static void schedule_head(blec_world *w, blec__wlink *l) {
  blec__wreq *r = l->fifo.head;
  if (!r || l->state != BLEC__WLINK_UP) return;
  blec__wengine_schedule(w, &l->ev_req, blec__world_now_locked(w) + delay_us(l, r));
}

void blec__wlink_drop(blec__wlink *l, int reason) {
  if (l->state != BLEC__WLINK_UP) return;
  blec_world *w = l->w;
  blec_world_peripheral *p = l->p;
  l->state = BLEC__WLINK_DOWN;
  l->reason = reason;
  if (p->link == l) p->link = NULL;
  blec__wengine_unschedule(w, &l->ev_req);
  blec__wengine_unschedule(w, &l->ev_loss);
  blec__wsub_pause_all(l);
  blec__wengine_schedule(w, &l->ev_drop, blec__world_now_locked(w));
  blec__wscan_kick(w, p); /* it may advertise again */
}

void blec__wlink_radio_off(blec_world *w) {
  for (blec__wlink *l = w->links; l; l = l->next)
    if (l->state == BLEC__WLINK_UP) blec__wlink_drop(l, BLEC_DISCONNECT_RADIO_OFF);
}

/* Runs a request's completion (lock released by the caller). */
static void complete(blec__wreq *r, const blec__wattr *attrs, size_t nattrs) {
  switch (r->type) {
    case BLEC__WREQ_CONNECT:
      if (r->cb.connect) r->cb.connect(r->user, r->status, NULL);
      break;
    case BLEC__WREQ_READ:
      if (r->cb.read) {
        bool ok = r->status == BLEC_OK;
        r->cb.read(r->user, r->status, r->att, ok ? r->data : NULL, ok ? r->len : 0);
      }
      break;
    case BLEC__WREQ_DISCOVER:
      if (r->cb.discover) r->cb.discover(r->user, r->status, r->att, attrs, nattrs);
      break;
    case BLEC__WREQ_PAIR_ANSWERED:
    case BLEC__WREQ_PAIR_JUST_WORKS:
      if (r->cb.pair) r->cb.pair(r->user, r->status, (blec__wpair_failure)r->pair_failure);
      break;
    default:
      if (r->cb.done) r->cb.done(r->user, r->status, r->att);
      break;
  }
}

/* Completes r on the engine thread as the link's callback. Returns whether l lives on. */
static bool complete_on(blec_world *w, blec__wlink *l, blec__wreq *r, const blec__wattr *attrs, size_t n) {
  blec__wengine_enter_link(w, l);
  complete(r, attrs, n);
  return blec__wengine_leave_link(w, l);
}

/* ---- connect ------------------------------------------------------------------------------------ */

int64_t blec__world_connect(blec_world *w, const char *address, blec_address_type address_type,
                            const blec__wlink_events *events, void *events_user, blec__wconnect_cb done,
                            void *done_user) {
  uint64_t a;
  if (!w || !done || !blec__waddr_parse(address, &a)) return BLEC_ERR_INVALID_ARG;
  if ((int)address_type < BLEC_ADDRESS_UNSPECIFIED || (int)address_type > BLEC_ADDRESS_RANDOM)
    return BLEC_ERR_INVALID_ARG;
  blec__wlink *l = calloc(1, sizeof *l);
  if (!l) return BLEC_ERR_NO_MEMORY;
  l->w = w;
  l->addr = a;
  l->addr_type = (int)address_type;
  if (events) l->events = *events;
  l->events_user = events_user;
  l->mtu = BLEC__W_MIN_MTU;
  l->level = BLEC_PROTECTION_NONE;
  l->ev_req.kind = BLEC__WEV_LINK_REQ;
  l->ev_loss.kind = BLEC__WEV_LINK_LOSS;
  l->ev_drop.kind = BLEC__WEV_LINK_DROP;
  blec__mutex_lock(&w->lock);
  int st = blec__wengine_start(w);
  blec__wreq *r = st == BLEC_OK ? blec__wreq_new(w, BLEC__WREQ_CONNECT) : NULL;
  if (!r) {
    blec__mutex_unlock(&w->lock);
    free(l);
    return st == BLEC_OK ? BLEC_ERR_NO_MEMORY : st;
  }
  r->link = l;
  r->id = w->next_id++;
  r->cb.connect = done;
  r->user = done_user;
  l->connect_req = r;
  blec__wreq_list_push(&w->connects, r);
  l->next = w->links;
  if (w->links) w->links->prev = l;
  w->links = l;
  blec_world_peripheral *p = blec__world_find_locked(w, a);
  int delay = p ? p->connect_delay_ms : w->default_connect_delay_ms;
  blec__wengine_schedule(w, &r->ev, blec__world_now_locked(w) + (uint64_t)delay * 1000u);
  int64_t id = r->id;
  blec__mutex_unlock(&w->lock);
  return id;
}

/* Why a connect to l's address fails now, BLEC_OK when it succeeds (lock held). */
static int connect_status(blec_world *w, blec__wlink *l, blec_world_peripheral **out) {
  if (!w->radio) return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
  blec_world_peripheral *p = blec__world_find_locked(w, l->addr);
  if (!p || !p->connectable) return BLEC_ERR_DEVICE_NOT_FOUND;
  if (l->addr_type != BLEC_ADDRESS_UNSPECIFIED && l->addr_type != (int)p->addr_type)
    return BLEC_ERR_DEVICE_NOT_FOUND;
  if (!p->advertising && !p->connected_elsewhere) return BLEC_ERR_DEVICE_NOT_FOUND;
  if (p->link) return BLEC_ERR_BUSY;
  *out = p;
  return BLEC_OK;
}

void blec__wlink_on_connect(blec_world *w, blec__wreq *r) {
  blec__wlink *l = r->link;
  blec__wreq_list_remove(&w->connects, r);
  l->connect_req = NULL;
  blec_world_peripheral *p = NULL;
  r->status = r->cancelled ? BLEC_ERR_CANCELLED : connect_status(w, l, &p);
  if (r->status == BLEC_OK) {
    l->p = p;
    l->state = BLEC__WLINK_UP;
    l->level = p->bond >= BLEC_PROTECTION_NONE ? p->bond : BLEC_PROTECTION_NONE;
    l->connected_at = blec__world_now_locked(w);
    p->link = l;
    if (p->loss_after_ms > 0)
      blec__wengine_schedule(w, &l->ev_loss, l->connected_at + (uint64_t)p->loss_after_ms * 1000u);
    if (!p->adv_while_connected) blec__wengine_unschedule(w, &p->ev_adv);
  }
  blec__wconnect_cb cb = r->cb.connect;
  int status = r->status;
  void *user = r->user;
  blec__wreq_free(w, r);
  blec__wengine_enter_link(w, l);
  cb(user, status, status == BLEC_OK ? l : NULL);
  bool alive = blec__wengine_leave_link(w, l);
  if (alive && status != BLEC_OK) {
    /* The stack never saw this link. */
    unlink_link(w, l);
    blec__wlink_free(w, l);
  }
}

/* ---- requests ------------------------------------------------------------------------------------- */

/* Queues a request on a live link (lock taken here). Returns its id or a negative status. */
static int64_t submit(blec__wlink *l, int type, uint16_t handle, int arg, const uint8_t *data, size_t len,
                      void (*cb)(void), void *user) {
  if (!l) return BLEC_ERR_INVALID_ARG;
  blec_world *w = l->w;
  blec__mutex_lock(&w->lock);
  int64_t st = BLEC_OK;
  blec__wreq *r = NULL;
  if (l->released)
    st = BLEC_ERR_STATE;
  else if (l->state != BLEC__WLINK_UP)
    st = BLEC_ERR_NOT_CONNECTED;
  else if (!(r = blec__wreq_new(w, type)))
    st = BLEC_ERR_NO_MEMORY;
  else if (blec__wreq_set_data(r, data, len) != BLEC_OK)
    st = BLEC_ERR_NO_MEMORY;
  if (st != BLEC_OK) {
    if (r) blec__wreq_free(w, r);
    blec__mutex_unlock(&w->lock);
    return st;
  }
  r->link = l;
  r->id = w->next_id++;
  r->handle = handle;
  r->arg = arg;
  r->user = user;
  /* The caller passes the callback matching `type`; stored in the matching member. */
  switch (type) {
    case BLEC__WREQ_READ:
      r->cb.read = (blec__wread_cb)cb;
      break;
    case BLEC__WREQ_DISCOVER:
      r->cb.discover = (blec__wdiscover_cb)cb;
      break;
    case BLEC__WREQ_PAIR_ANSWERED:
    case BLEC__WREQ_PAIR_JUST_WORKS:
      r->cb.pair = (blec__wpair_cb)cb;
      break;
    default:
      r->cb.done = (blec__wdone_cb)cb;
      break;
  }
  bool idle = l->fifo.head == NULL;
  blec__wreq_list_push(&l->fifo, r);
  if (idle) schedule_head(w, l);
  int64_t id = r->id;
  blec__mutex_unlock(&w->lock);
  return id;
}

int64_t blec__wlink_exchange_mtu(blec__wlink *link, int client_mtu, blec__wdone_cb done, void *user) {
  if (client_mtu < BLEC__W_MIN_MTU) return BLEC_ERR_INVALID_ARG;
  if (client_mtu > 517) client_mtu = 517;
  return submit(link, BLEC__WREQ_MTU, 0, client_mtu, NULL, 0, (void (*)(void))done, user);
}

int64_t blec__wlink_read(blec__wlink *link, uint16_t handle, blec__wread_cb done, void *user) {
  return submit(link, BLEC__WREQ_READ, handle, 0, NULL, 0, (void (*)(void))done, user);
}

int64_t blec__wlink_write(blec__wlink *link, uint16_t handle, const uint8_t *data, size_t len,
                          bool with_response, blec__wdone_cb done, void *user) {
  if (len > 0 && !data) return BLEC_ERR_INVALID_ARG;
  if (len > BLEC__W_MAX_VALUE) len = BLEC__W_MAX_VALUE + 1; /* answered 0x0D, keep the copy small */
  return submit(link, with_response ? BLEC__WREQ_WRITE : BLEC__WREQ_WRITE_CMD, handle, 0, data, len,
                (void (*)(void))done, user);
}

int64_t blec__wlink_pair_answered(blec__wlink *link, const blec__wpair_answer *a, blec__wpair_cb done, void *user) {
  if (!a || (int)a->level < BLEC_PROTECTION_DEFAULT || (int)a->level > BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION)
    return BLEC_ERR_INVALID_ARG;
  size_t pin_len = a->pin ? strlen(a->pin) : 0;
  if (pin_len > 16) return BLEC_ERR_INVALID_ARG; /* no passkey is that long */
  return submit(link, a->just_works ? BLEC__WREQ_PAIR_JUST_WORKS : BLEC__WREQ_PAIR_ANSWERED, 0, (int)a->level,
                (const uint8_t *)a->pin, pin_len,
                (void (*)(void))done, user);
}

int64_t blec__wlink_pair(blec__wlink *link, blec_protection_level level, blec__wdone_cb done, void *user) {
  if ((int)level < BLEC_PROTECTION_DEFAULT || (int)level > BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION)
    return BLEC_ERR_INVALID_ARG;
  return submit(link, BLEC__WREQ_PAIR, 0, (int)level, NULL, 0, (void (*)(void))done, user);
}

/* The ceremony a peripheral's IO capability leads to with a KeyboardDisplay central. */
static blec_pairing_kind ceremony_kind(int io) {
  switch (io) {
    case BLEC_WORLD_PAIRING_IO_DISPLAY_ONLY: return BLEC_PAIRING_PROVIDE_PIN;
    case BLEC_WORLD_PAIRING_IO_DISPLAY_YES_NO: return BLEC_PAIRING_CONFIRM_PIN_MATCH;
    case BLEC_WORLD_PAIRING_IO_KEYBOARD_ONLY: return BLEC_PAIRING_DISPLAY_PIN;
    default: return BLEC_PAIRING_CONFIRM_ONLY;
  }
}

int blec__wlink_pairing_ceremony(blec__wlink *link, blec_protection_level level, blec__wceremony *out) {
  (void)level; /* the IO capabilities alone choose the method (Vol 3 Part H 2.3.5.1) */
  if (!link || !out) return BLEC_ERR_INVALID_ARG;
  blec_world *w = link->w;
  blec__mutex_lock(&w->lock);
  int st = link->state == BLEC__WLINK_UP && !link->released ? BLEC_OK : BLEC_ERR_NOT_CONNECTED;
  if (st == BLEC_OK) {
    blec_world_peripheral *p = link->p;
    out->kind = ceremony_kind(p->pair_io);
    bool shows = out->kind == BLEC_PAIRING_CONFIRM_PIN_MATCH || out->kind == BLEC_PAIRING_DISPLAY_PIN;
    snprintf(out->pin, sizeof out->pin, "%s", shows ? p->passkey : "");
  }
  blec__mutex_unlock(&w->lock);
  return st;
}

int64_t blec__wlink_unpair(blec__wlink *link, blec__wdone_cb done, void *user) {
  return submit(link, BLEC__WREQ_UNPAIR, 0, 0, NULL, 0, (void (*)(void))done, user);
}

int64_t blec__wlink_discover(blec__wlink *link, blec__wdiscover_cb done, void *user) {
  return submit(link, BLEC__WREQ_DISCOVER, 0, 0, NULL, 0, (void (*)(void))done, user);
}

int64_t blec__wlink_disconnect(blec__wlink *link, blec__wdone_cb done, void *user) {
  if (!link) return BLEC_ERR_INVALID_ARG;
  blec_world *w = link->w;
  blec__mutex_lock(&w->lock);
  blec__wreq *r = link->released ? NULL : blec__wreq_new(w, BLEC__WREQ_DISCONNECT);
  if (!r) {
    blec__mutex_unlock(&w->lock);
    return link->released ? BLEC_ERR_STATE : BLEC_ERR_NO_MEMORY;
  }
  r->link = link;
  r->id = w->next_id++;
  r->cb.done = done;
  r->user = user;
  switch (link->state) {
    case BLEC__WLINK_UP:
      /* Pending requests then complete with DISCONNECTED ahead of it, in order. */
      blec__wreq_list_push(&link->fifo, r);
      blec__wlink_drop(link, BLEC_DISCONNECT_REQUESTED);
      break;
    case BLEC__WLINK_DOWN:
      blec__wreq_list_push(&link->waiting, r);
      break;
    default:
      r->status = BLEC_OK;
      blec__wreq_list_push(&link->done, r);
      blec__wengine_schedule(w, &r->ev, blec__world_now_locked(w));
      break;
  }
  int64_t id = r->id;
  blec__mutex_unlock(&w->lock);
  return id;
}

/* The answer of a read or write with response: a fault, or the database's. */
static void answer_counted(blec__wlink *l, blec__wreq *r) {
  blec_world_peripheral *p = l->p;
  l->requests++;
  p->requests_total++;
  for (int i = 0; i < p->nfaults; i++) {
    if (p->faults[i].nth == l->requests) {
      r->status = BLEC_ERR_ATT;
      r->att = p->faults[i].att_error;
      r->len = 0;
      return;
    }
  }
  if (r->type == BLEC__WREQ_READ)
    blec__wgatt_read(l, r);
  else
    blec__wgatt_write(l, r);
}

void blec__wlink_on_head(blec_world *w, blec__wlink *l) {
  blec__wreq *r = l->fifo.head;
  if (!r || l->state != BLEC__WLINK_UP) return;
  blec__wreq_list_remove(&l->fifo, r);
  blec_world_peripheral *p = l->p;
  int drop = -1;
  int mtu_changed = 0;
  blec__wattr *attrs = NULL;
  size_t nattrs = 0;
  r->status = BLEC_OK;
  r->att = 0;
  switch (r->type) {
    case BLEC__WREQ_MTU:
      if (l->mtu_exchanged) {
        r->status = BLEC_ERR_ATT; /* ATT allows one exchange per connection */
        r->att = BLEC_ATT_REQUEST_NOT_SUPPORTED;
      } else {
        int m = r->arg < p->mtu ? r->arg : p->mtu;
        if (m < BLEC__W_MIN_MTU) m = BLEC__W_MIN_MTU;
        l->mtu_exchanged = true;
        if (m != l->mtu) mtu_changed = m;
        l->mtu = m;
      }
      break;
    case BLEC__WREQ_READ:
    case BLEC__WREQ_WRITE:
      answer_counted(l, r);
      if (p->loss_after_requests > 0 && (int64_t)l->requests >= p->loss_after_requests)
        drop = BLEC_DISCONNECT_LINK_LOSS;
      break;
    case BLEC__WREQ_WRITE_CMD:
      blec__wgatt_write(l, r);
      r->status = BLEC_OK; /* a command has no answer */
      r->att = 0;
      break;
    case BLEC__WREQ_PAIR:
    case BLEC__WREQ_PAIR_ANSWERED:
    case BLEC__WREQ_PAIR_JUST_WORKS: {
      int level = r->arg == BLEC_PROTECTION_DEFAULT ? BLEC_PROTECTION_ENCRYPTION : r->arg;
      /* Just Works (either side without input and output) cannot authenticate: MITM
       * protection needs a passkey or a comparison. */
      bool just_works = p->pair_io == BLEC_WORLD_PAIRING_IO_NO_INPUT_NO_OUTPUT || r->type == BLEC__WREQ_PAIR_JUST_WORKS;
      bool pin_ok = just_works || p->pair_io != BLEC_WORLD_PAIRING_IO_DISPLAY_ONLY ||
                    (r->len == strlen(p->passkey) && memcmp(r->data, p->passkey, r->len) == 0);
      if (level > p->pair_max || (just_works && level > BLEC_PROTECTION_ENCRYPTION)) {
        r->status = BLEC_ERR_PAIRING;
        r->pair_failure = BLEC__WPAIR_LEVEL_UNREACHABLE;
      } else if (!pin_ok) {
        r->status = BLEC_ERR_PAIRING;
        r->pair_failure = BLEC__WPAIR_WRONG_PIN;
      } else {
        if (level > p->bond) p->bond = level;
        l->level = p->bond;
      }
      break;
    }
    case BLEC__WREQ_UNPAIR:
      if (p->bond >= 0) {
        p->bond = -1;
        l->level = BLEC_PROTECTION_NONE;
        drop = BLEC_DISCONNECT_UNPAIRED;
      }
      break;
    case BLEC__WREQ_DISCOVER:
      if (++l->discoveries <= p->discovery_unreachable)
        r->status = BLEC_ERR_TIMEOUT; /* the peripheral did not answer ("Unreachable") */
      else if (blec__wgatt_list(p, &attrs, &nattrs) != BLEC_OK)
        r->status = BLEC_ERR_NO_MEMORY;
      break;
    default:
      break;
  }
  if (drop >= 0)
    blec__wlink_drop(l, drop); /* before the callback: requests made in it fail */
  else
    schedule_head(w, l);

  bool alive = true;
  if (mtu_changed && l->events.mtu_changed) {
    blec__wengine_enter_link(w, l);
    l->events.mtu_changed(l->events_user, mtu_changed);
    alive = blec__wengine_leave_link(w, l);
  }
  if (alive) complete_on(w, l, r, attrs, nattrs);
  free(attrs);
  blec__wreq_free(w, r);
}

void blec__wlink_on_req_done(blec_world *w, blec__wreq *r) {
  blec__wlink *l = r->link;
  blec__wreq_list_remove(&l->done, r);
  if (r->type == BLEC__WREQ_VALUE) {
    blec__wsub *s = l->state == BLEC__WLINK_UP ? blec__wsub_find(l, r->handle) : NULL;
    if (s && s->bits && l->events.value) {
      blec__wengine_enter_link(w, l);
      l->events.value(l->events_user, r->handle, r->data, r->len, !(s->bits & 1));
      blec__wengine_leave_link(w, l);
    }
  } else {
    complete_on(w, l, r, NULL, 0);
  }
  blec__wreq_free(w, r);
}

void blec__wlink_on_loss(blec_world *w, blec__wlink *l) {
  (void)w;
  blec__wlink_drop(l, BLEC_DISCONNECT_LINK_LOSS);
}

void blec__wlink_on_drop(blec_world *w, blec__wlink *l) {
  blec__wreq *r;
  while ((r = l->fifo.head) != NULL) {
    blec__wreq_list_remove(&l->fifo, r);
    r->status = r->type == BLEC__WREQ_DISCONNECT ? BLEC_OK : BLEC_ERR_DISCONNECTED;
    r->att = 0;
    r->len = 0;
    bool alive = complete_on(w, l, r, NULL, 0);
    blec__wreq_free(w, r);
    if (!alive) return;
  }
  l->state = BLEC__WLINK_CLOSED;
  if (l->reason != BLEC_DISCONNECT_REQUESTED && l->events.disconnected) {
    blec__wengine_enter_link(w, l);
    l->events.disconnected(l->events_user, l->reason);
    if (!blec__wengine_leave_link(w, l)) return;
  }
  while ((r = l->waiting.head) != NULL) {
    blec__wreq_list_remove(&l->waiting, r);
    r->status = BLEC_OK;
    bool alive = complete_on(w, l, r, NULL, 0);
    blec__wreq_free(w, r);
    if (!alive) return;
  }
}

/* ---- cancel and release ----------------------------------------------------------------------------- */

bool blec__world_cancel(blec_world *w, int64_t request_id) {
  if (!w || request_id <= 0) return false;
  blec__mutex_lock(&w->lock);
  uint64_t now = blec__world_now_locked(w);
  for (blec__wreq *r = w->connects.head; r; r = r->next) {
    if (r->id != request_id) continue;
    bool ok = !r->cancelled;
    if (ok) {
      r->cancelled = true;
      blec__wengine_schedule(w, &r->ev, now);
    }
    blec__mutex_unlock(&w->lock);
    return ok;
  }
  for (blec__wlink *l = w->links; l; l = l->next) {
    if (l->state != BLEC__WLINK_UP || l->released) continue;
    for (blec__wreq *r = l->fifo.head; r; r = r->next) {
      if (r->id != request_id) continue;
      bool was_head = r == l->fifo.head;
      blec__wreq_list_remove(&l->fifo, r);
      if (was_head) {
        blec__wengine_unschedule(w, &l->ev_req);
        schedule_head(w, l);
      }
      r->status = BLEC_ERR_CANCELLED;
      r->att = 0;
      r->len = 0;
      blec__wreq_list_push(&l->done, r);
      blec__wengine_schedule(w, &r->ev, now);
      blec__mutex_unlock(&w->lock);
      return true;
    }
  }
  blec__mutex_unlock(&w->lock);
  return false;
}

/* Makes a disconnect request complete with BLEC_OK on its own, without its link. */
static void orphan(blec_world *w, blec__wreq *r, bool queue) {
  r->link = NULL;
  r->ev.kind = BLEC__WEV_ORPHAN;
  r->status = BLEC_OK;
  r->att = 0;
  blec__wreq_list_push(&w->orphans, r);
  if (queue) blec__wengine_schedule(w, &r->ev, blec__world_now_locked(w));
}

/*
 * A released link's pending requests: their completions are dropped, except a
 * disconnect's, which completes with BLEC_OK (the link is down, as it asked): a stack
 * that releases its link in `disconnected` while its own disconnect waits still gets it.
 */
static void orphan_all(blec_world *w, blec__wlink *l) {
  blec__wreq_list *lists[3] = {&l->done, &l->fifo, &l->waiting};
  for (int i = 0; i < 3; i++) {
    blec__wreq *r;
    while ((r = lists[i]->head) != NULL) {
      blec__wreq_list_remove(lists[i], r);
      if (r->type == BLEC__WREQ_DISCONNECT && r->status != BLEC_ERR_CANCELLED) {
        orphan(w, r, !r->ev.pos); /* a queued one keeps its place */
      } else {
        blec__wengine_unschedule(w, &r->ev);
        blec__wreq_free(w, r);
      }
    }
  }
}

void blec__wlink_on_orphan(blec_world *w, blec__wreq *r) {
  blec__wreq_list_remove(&w->orphans, r);
  blec__mutex_unlock(&w->lock);
  complete(r, NULL, 0);
  blec__mutex_lock(&w->lock);
  blec__wreq_free(w, r);
}

void blec__wlink_release(blec__wlink *link) {
  if (!link) return;
  blec_world *w = link->w;
  blec__mutex_lock(&w->lock);
  if (link->released) {
    blec__mutex_unlock(&w->lock);
    return;
  }
  link->released = true;
  blec_world_peripheral *p = link->p;
  if (link->state == BLEC__WLINK_UP) {
    link->state = BLEC__WLINK_CLOSED; /* ends silently */
    if (p->link == link) p->link = NULL;
    blec__wscan_kick(w, p);
  }
  /* No event of it runs any more; its pending requests complete without it. */
  blec__wengine_unschedule(w, &link->ev_req);
  blec__wengine_unschedule(w, &link->ev_loss);
  blec__wengine_unschedule(w, &link->ev_drop);
  orphan_all(w, link);
  blec__wsub_clear(link);
  unlink_link(w, link);
  if (w->cb_link == link) {
    if (blec__wengine_on_thread(w)) {
      /* Released from inside its own callback: freed when the callback returns. */
      blec__mutex_unlock(&w->lock);
      return;
    }
    link->release_waiting = true;
    blec__wengine_wait_callbacks(w, link);
  }
  blec__wlink_free(w, link);
  blec__mutex_unlock(&w->lock);
}

/* ---- link queries ---------------------------------------------------------------------------------------
 */

blec_world_peripheral *blec__wlink_peripheral(blec__wlink *link) { return link ? link->p : NULL; }

int blec__wlink_mtu(blec__wlink *link) {
  if (!link) return 0;
  blec__mutex_lock(&link->w->lock);
  int m = link->mtu;
  blec__mutex_unlock(&link->w->lock);
  return m;
}

bool blec__wlink_connected(blec__wlink *link) {
  if (!link) return false;
  blec__mutex_lock(&link->w->lock);
  bool up = link->state == BLEC__WLINK_UP;
  blec__mutex_unlock(&link->w->lock);
  return up;
}
