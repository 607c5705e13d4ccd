/* SPDX-License-Identifier: MIT */
/*
 * world_scan.c — scans and advertising events.
 *
 * A peripheral that advertises has one timer node; it is queued only while at least one
 * scan runs (10 000 silent peripherals cost nothing when nobody listens). Each event sends
 * the advertisement to every running scan, then, to active scans, the scan response when
 * the peripheral is scannable (connectable, or has scan response data) and the scan
 * response is not empty. Scans receive reports in the order they were started.
 *
 * Timing: events come at a fixed phase within the interval (from the address), every
 * interval exactly, on a grid of world time; timestamps are the events' world times.
 * When the engine falls more than 100 ms of real time behind, missed events are skipped,
 * as a busy receiver misses packets (so a flood of advertising never delays a link's
 * requests).
 */
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"

static uint64_t phase_us(const blec_world_peripheral *p) {
  uint64_t s = p->addr;
  uint64_t interval = (uint64_t)p->adv_interval_ms * 1000u;
  return blec__wrng_next(&s) % interval;
}

/* Advertising events fall on a fixed grid of world time, phase + k * interval, whenever
 * they start: the timestamps a scan sees do not depend on when it started. */
static void kick_at(blec_world *w, blec_world_peripheral *p, uint64_t now) {
  if (w->nrunning == 0 || p->ev_adv.pos || !blec__wadv_active(p)) return;
  uint64_t iv = (uint64_t)p->adv_interval_ms * 1000u, ph = phase_us(p);
  uint64_t first = now <= ph ? ph : now + (iv - (now - ph) % iv) % iv;
  blec__wengine_schedule(w, &p->ev_adv, first);
}

void blec__wscan_kick(blec_world *w, blec_world_peripheral *p) { kick_at(w, p, blec__world_now_locked(w)); }

void blec__wscan_kick_all(blec_world *w) {
  /* One time for all: time moving on during the loop must not shift later peripherals. */
  uint64_t now = blec__world_now_locked(w);
  for (size_t i = 0; i < w->nperiph; i++) kick_at(w, w->periph[i], now);
}

static int draw_rssi(blec_world_peripheral *p) {
  int r = p->rssi;
  if (p->rssi_var > 0)
    r += (int)(blec__wrng_next(&p->rng_rssi) % (uint64_t)(2 * p->rssi_var + 1)) - p->rssi_var;
  if (r < -127) r = -127;
  if (r > 20) r = 20;
  return r;
}

/* The first running scan started after `after` (by id), NULL when none. */
static blec__wscan *next_scan(blec_world *w, uint64_t after) {
  for (blec__wscan *s = w->scans; s; s = s->next)
    if (s->id > after && s->running) return s;
  return NULL;
}

void blec__wscan_on_adv(blec_world *w, blec_world_peripheral *p) {
  if (w->nrunning == 0 || !blec__wadv_active(p)) return; /* not requeued: kicked when needed */
  uint64_t due = p->ev_adv.due;
  uint64_t interval = (uint64_t)p->adv_interval_ms * 1000u;
  uint64_t next = due + interval;
  uint64_t now = blec__world_now_locked(w);
  /* More than 100 ms of real time behind (or an interval): skip the missed packets. */
  uint64_t lag = (uint64_t)(100000.0 / w->scale);
  if (lag < interval) lag = interval;
  if (next + lag < now) next = now - (now - due) % interval + interval;
  blec__wengine_schedule(w, &p->ev_adv, next);

  /* Copy what is sent: the peripheral may change while callbacks run unlocked. */
  blec__wadv_report adv, rsp;
  memset(&adv, 0, sizeof adv);
  adv.address = p->address;
  adv.address_type = p->addr_type;
  adv.connectable = p->connectable;
  adv.scannable = p->connectable || p->payload_len[1] > 0;
  adv.type = p->connectable ? BLEC_ADV_IND : adv.scannable ? BLEC_ADV_SCAN_IND : BLEC_ADV_NONCONN_IND;
  adv.rssi = draw_rssi(p);
  adv.tx_power = p->tx_power[0];
  adv.timestamp_us = due;
  memcpy(w->scratch[0], p->payload[0], p->payload_len[0]);
  adv.data = w->scratch[0];
  adv.len = p->payload_len[0];
  bool send_rsp = adv.scannable && p->payload_len[1] > 0;
  if (send_rsp) {
    rsp = adv;
    rsp.type = BLEC_ADV_SCAN_RSP;
    rsp.rssi = draw_rssi(p);
    rsp.tx_power = p->tx_power[1];
    memcpy(w->scratch[1], p->payload[1], p->payload_len[1]);
    rsp.data = w->scratch[1];
    rsp.len = p->payload_len[1];
  }

  uint64_t last = 0;
  blec__wscan *s;
  while ((s = next_scan(w, last)) != NULL) {
    last = s->id;
    void (*report)(void *, const blec__wadv_report *) = s->events.report;
    if (!report) continue;
    blec__wengine_enter_scan(w, s);
    report(s->user, &adv);
    if (!blec__wengine_leave_scan(w, s)) continue;
    if (send_rsp && s->active && s->running) {
      blec__wengine_enter_scan(w, s);
      report(s->user, &rsp);
      blec__wengine_leave_scan(w, s);
    }
  }
}

void blec__wscan_on_stop_adv(blec_world *w, blec_world_peripheral *p) {
  p->advertising = false;
  blec__wengine_unschedule(w, &p->ev_adv);
}

void blec__wscan_on_stopped(blec_world *w, blec__wscan *s) {
  void (*stopped)(void *, int, int) = s->events.stopped;
  if (!stopped) return;
  blec__wengine_enter_scan(w, s);
  stopped(s->user, s->stop_status, s->stop_reason);
  blec__wengine_leave_scan(w, s);
}

void blec__wscan_radio_off(blec_world *w) {
  for (blec__wscan *s = w->scans; s; s = s->next) {
    if (!s->running) continue;
    s->running = false;
    w->nrunning--;
    s->stop_status = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
    s->stop_reason = BLEC_UNAVAILABLE_POWERED_OFF;
    blec__wengine_schedule(w, &s->ev_stopped, blec__world_now_locked(w));
  }
}

void blec__wscan_free(blec_world *w, blec__wscan *s) {
  blec__wengine_unschedule(w, &s->ev_stopped);
  free(s);
}

int blec__world_scan_start(blec_world *w, bool active, const blec__wscan_events *events, void *user,
                           blec__wscan **out) {
  if (out) *out = NULL;
  if (!w || !events || !out) return BLEC_ERR_INVALID_ARG;
  blec__wscan *s = calloc(1, sizeof *s);
  if (!s) return BLEC_ERR_NO_MEMORY;
  s->w = w;
  s->active = active;
  s->events = *events;
  s->user = user;
  s->ev_stopped.kind = BLEC__WEV_SCAN_STOPPED;
  blec__mutex_lock(&w->lock);
  int st = BLEC_OK;
  if (!w->radio) {
    st = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
  } else {
    st = blec__wengine_start(w);
  }
  if (st != BLEC_OK) {
    blec__mutex_unlock(&w->lock);
    free(s);
    return st;
  }
  s->id = w->next_scan_id++;
  s->running = true;
  s->prev = w->scans_tail;
  if (w->scans_tail)
    w->scans_tail->next = s;
  else
    w->scans = s;
  w->scans_tail = s;
  w->nrunning++;
  if (w->nrunning == 1) blec__wscan_kick_all(w);
  blec__mutex_unlock(&w->lock);
  *out = s;
  return BLEC_OK;
}

void blec__world_scan_stop(blec__wscan *scan) {
  if (!scan) return;
  blec_world *w = scan->w;
  blec__mutex_lock(&w->lock);
  if (scan->running) {
    scan->running = false;
    w->nrunning--;
  }
  scan->released = true;
  blec__wengine_unschedule(w, &scan->ev_stopped);
  if (scan->prev)
    scan->prev->next = scan->next;
  else
    w->scans = scan->next;
  if (scan->next)
    scan->next->prev = scan->prev;
  else
    w->scans_tail = scan->prev;
  scan->prev = scan->next = NULL;
  if (w->cb_scan == scan) {
    if (blec__wengine_on_thread(w)) {
      /* Stopped from inside its own callback: freed when the callback returns. */
      blec__mutex_unlock(&w->lock);
      return;
    }
    scan->release_waiting = true;
    blec__wengine_wait_callbacks(w, scan);
  }
  blec__wscan_free(w, scan);
  blec__mutex_unlock(&w->lock);
}
