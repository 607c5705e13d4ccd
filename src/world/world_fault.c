/* SPDX-License-Identifier: MIT */
/*
 * world_fault.c — the faults a peripheral can be given (ATT errors, link loss,
 * stop-advertising, unanswered discovery), remote disconnection, the state a test can
 * observe (connected, requests served) and bonds (is paired, unpair without a link).
 */
#include "world/world_internal.h"

/* ---- faults ------------------------------------------------------------------------------------ */

int blec_world_fault_att_error(blec_world_peripheral *p, int nth_request, int att_error) {
  if (!p || nth_request < 1 || att_error < 1 || att_error > 0xFF) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  int st = BLEC_OK;
  if (p->nfaults == BLEC__W_MAX_FAULTS) {
    st = BLEC_ERR_NO_MEMORY;
  } else {
    p->faults[p->nfaults].nth = (uint64_t)nth_request;
    p->faults[p->nfaults].att_error = att_error;
    p->nfaults++;
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

int blec_world_fault_link_loss(blec_world_peripheral *p, int after_ms, int after_requests) {
  if (!p || (after_ms <= 0 && after_requests <= 0)) return BLEC_ERR_INVALID_ARG;
  blec_world *w = p->w;
  blec__mutex_lock(&w->lock);
  if (after_ms > 0) {
    p->loss_after_ms = after_ms;
    /* A live link gets the timer counted from its start. */
    if (p->link && p->link->state == BLEC__WLINK_UP) {
      uint64_t due = p->link->connected_at + (uint64_t)after_ms * 1000u;
      uint64_t now = blec__world_now_locked(w);
      blec__wengine_schedule(w, &p->link->ev_loss, due > now ? due : now);
    }
  }
  if (after_requests > 0) p->loss_after_requests = after_requests;
  blec__mutex_unlock(&w->lock);
  return BLEC_OK;
}

int blec_world_fault_stop_advertising(blec_world_peripheral *p, int after_ms) {
  if (!p || after_ms < 0) return BLEC_ERR_INVALID_ARG;
  blec_world *w = p->w;
  blec__mutex_lock(&w->lock);
  p->stop_adv_ms = after_ms;
  if (w->started) {
    /* Counted from the world's start; a time already past applies at once. */
    uint64_t due = (uint64_t)after_ms * 1000u;
    uint64_t now = blec__world_now_locked(w);
    blec__wengine_schedule(w, &p->ev_stop_adv, due > now ? due : now);
  }
  blec__mutex_unlock(&w->lock);
  return BLEC_OK;
}

int blec__world_fault_discovery(blec_world_peripheral *p, int count) {
  if (!p || count < 0) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  p->discovery_unreachable = count;
  blec__mutex_unlock(&p->w->lock);
  return BLEC_OK;
}

int blec_world_peripheral_disconnect(blec_world_peripheral *p) {
  if (!p) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&p->w->lock);
  int st = BLEC_ERR_NOT_CONNECTED;
  if (p->link && p->link->state == BLEC__WLINK_UP) {
    blec__wlink_drop(p->link, BLEC_DISCONNECT_REMOTE);
    st = BLEC_OK;
  }
  blec__mutex_unlock(&p->w->lock);
  return st;
}

bool blec_world_peripheral_connected(const blec_world_peripheral *p) {
  if (!p) return false;
  blec_world *w = p->w;
  blec__mutex_lock(&w->lock);
  bool c = p->link != NULL && p->link->state == BLEC__WLINK_UP;
  blec__mutex_unlock(&w->lock);
  return c;
}

uint64_t blec_world_peripheral_request_count(const blec_world_peripheral *p) {
  if (!p) return 0;
  blec_world *w = p->w;
  blec__mutex_lock(&w->lock);
  uint64_t n = p->requests_total;
  blec__mutex_unlock(&w->lock);
  return n;
}

/* ---- bonds ---------------------------------------------------------------------------------------- */

bool blec__world_is_paired(blec_world *w, const char *address) {
  uint64_t a;
  if (!w || !blec__waddr_parse(address, &a)) return false;
  blec__mutex_lock(&w->lock);
  blec_world_peripheral *p = blec__world_find_locked(w, a);
  bool paired = p && p->bond >= 0;
  blec__mutex_unlock(&w->lock);
  return paired;
}

int blec__world_bond_level(blec_world *w, const char *address) {
  uint64_t a;
  if (!w || !blec__waddr_parse(address, &a)) return -1;
  blec__mutex_lock(&w->lock);
  blec_world_peripheral *p = blec__world_find_locked(w, a);
  int level = p ? p->bond : -1;
  blec__mutex_unlock(&w->lock);
  return level;
}

int blec__world_set_bond(blec_world *w, const char *address, int level) {
  uint64_t a;
  if (!w || !blec__waddr_parse(address, &a)) return BLEC_ERR_INVALID_ARG;
  if (level != -1 && (level < BLEC_PROTECTION_NONE || level > BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION))
    return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&w->lock);
  blec_world_peripheral *p = blec__world_find_locked(w, a);
  if (p) p->bond = level;
  blec__mutex_unlock(&w->lock);
  return p ? BLEC_OK : BLEC_ERR_NOT_FOUND;
}

int blec__world_unpair(blec_world *w, const char *address) {
  uint64_t a;
  if (!w || !blec__waddr_parse(address, &a)) return BLEC_ERR_INVALID_ARG;
  blec__mutex_lock(&w->lock);
  blec_world_peripheral *p = blec__world_find_locked(w, a);
  int st = p ? BLEC_OK : BLEC_ERR_NOT_FOUND;
  if (p && p->bond >= 0) {
    p->bond = -1;
    if (p->link && p->link->state == BLEC__WLINK_UP) blec__wlink_drop(p->link, BLEC_DISCONNECT_UNPAIRED);
  }
  blec__mutex_unlock(&w->lock);
  return st;
}
