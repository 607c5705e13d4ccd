/* SPDX-License-Identifier: MIT */
/*
 * stack.c — the simulated operating system below the runtime classes: one record per
 * remote device with the link every object of that device shares, the GATT cache that
 * outlives links, and the requests that go over the air.
 *
 * As on Windows (README.md gives the sources):
 *  - There is no Connect call: a GATT request that needs the device connects it, and a
 *    GattSession with MaintainConnection connects it and keeps it connected, reconnecting
 *    after a loss. The link ends when nothing holds it any more: no session maintaining
 *    it, no open GattDeviceService, no request in flight.
 *  - After connecting, the OS exchanges the ATT MTU on its own; the new size comes later.
 *  - Cached discovery and Cached reads are answered from the OS cache without the link
 *    when the cache has the answer; otherwise they go to the device, which fills the cache.
 *  - A request that cannot reach the device (not found, radio off, link lost, no answer)
 *    ends with Unreachable; an ATT error with ProtocolError and the code.
 *
 * Locking: g_lock guards every record; world request calls are made with it held (the
 * world never calls back inside a call), while callbacks into objects and the calls that
 * wait for world callbacks (blec__wlink_release) are made without it.
 */
#include "stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec_winrt_sim.h"

enum { LINK_DOWN, LINK_CONNECTING, LINK_UP, LINK_CLOSING };
enum { REQ_DISCOVER, REQ_READ, REQ_WRITE, REQ_PAIR, REQ_NO_ANSWER };

#define SIM_CLIENT_MTU 527 /* what the OS asks for in its MTU exchange */
/* STATUS_FLAP: how long ConnectionStatus shows Disconnected right after connecting. */
#define SIM_FLAP_MS 100

static bool connect_on_request(void) { return sim_quirk(BLEC_WINRT_SIM_QUIRK_CONNECT_ON_REQUEST) != 0; }

typedef struct req req;

struct sim_dev {
  UINT64 address;
  char text[18];
  BluetoothAddressType type; /* as last seen; Public until seen otherwise */
  bool seen;                 /* a watcher received one of its advertisements */
  int state;
  blec_world *world; /* while a link is open */
  int64_t connect_id; /* the world's connect request while CONNECTING */
  blec__wlink *link;
  int mtu;
  int holds, maintains;
  int bond_level; /* the level the OS paired at, -1 when unknown */
  req *waiting;   /* requests waiting for the link */
  req *unanswered; /* sent, and the device will never answer them (sim_dev_no_answer) */
  sim_listener *listeners;
  blec__wattr *attrs; /* the GATT cache */
  size_t n_attrs;
  bool attrs_valid;
  struct cached_value {
    uint16_t handle;
    sim_bytes v;
  } *values;
  size_t n_values, cap_values;
  HANDLE reconnect_timer;
  HANDLE linger_timer;  /* LINK_LINGERS_MS: the OS ends the released link when it fires */
  HANDLE flap_timer;    /* STATUS_FLAP: the status shows Connected again when it fires */
  bool flapping;        /* STATUS_FLAP: ConnectionStatus shows Disconnected meanwhile */
  bool held_elsewhere;  /* HELD_ELSEWHERE: another program holds this link too */
  sim_dev *next;
};

struct req {
  sim_dev *d;
  sim_async *op;     /* the operation it completes (identity only: never dereferenced here) */
  const void *owner; /* the object it belongs to (identity only) */
  bool held;     /* counted in d->holds */
  bool issued;   /* sent to the world (else waiting for the link) */
  int64_t world_id; /* the world's request id once issued */
  uint64_t seq;     /* unique, for lookups that must not trust a pointer (late withdrawal) */
  req *live_next;
  int kind;
  uint16_t handle;
  BYTE *data;
  size_t len;
  bool with_response;
  int level;
  bool answered; /* REQ_PAIR: the ceremony was answered (pin: ProvidePin's entry) */
  char pin[17];
  sim_gatt_cb cb;
  sim_status_cb scb;
  void *ctx;
  req *next;
};

static SRWLOCK g_lock = SRWLOCK_INIT;
static sim_dev *g_devs;
static req *g_live_reqs; /* every request not finished yet */
static uint64_t g_next_seq;

/* ---- objects that may be dying --------------------------------------------------------- */

bool sim_obj_tryref(sim_obj *o) {
  for (;;) {
    LONG r = o->refs;
    if (r <= 0) return false;
    if (InterlockedCompareExchange(&o->refs, r + 1, r) == r) return true;
  }
}

/* ---- records ------------------------------------------------------------------------------- */

static void reset_locked(sim_dev *d) {
  free(d->attrs);
  d->attrs = NULL;
  d->n_attrs = 0;
  d->attrs_valid = false;
  for (size_t i = 0; i < d->n_values; i++) sim_bytes_free(&d->values[i].v);
  d->n_values = 0;
}

void sim_stack_forget_all(void) {
  AcquireSRWLockExclusive(&g_lock);
  for (sim_dev *d = g_devs; d; d = d->next) {
    reset_locked(d);
    d->bond_level = -1;
    d->type = BluetoothAddressType_Public;
    d->seen = false;
  }
  ReleaseSRWLockExclusive(&g_lock);
}

void sim_stack_forget_cache(void) {
  AcquireSRWLockExclusive(&g_lock);
  for (sim_dev *d = g_devs; d; d = d->next) reset_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
}

void sim_stack_radio_changed(bool on) {
  (void)on;
  sim_radio_notify();
}

static sim_dev *record_locked(UINT64 address) {
  for (sim_dev *d = g_devs; d; d = d->next)
    if (d->address == address) return d;
  sim_dev *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->address = address;
  sim_addr_format(address, d->text);
  d->type = BluetoothAddressType_Public;
  d->mtu = 23;
  d->bond_level = -1;
  d->next = g_devs;
  g_devs = d;
  return d;
}

void sim_stack_seen(UINT64 address, bool random) {
  AcquireSRWLockExclusive(&g_lock);
  sim_dev *d = record_locked(address);
  if (d) {
    d->type = random ? BluetoothAddressType_Random : BluetoothAddressType_Public;
    d->seen = true;
  }
  ReleaseSRWLockExclusive(&g_lock);
}

sim_dev *sim_dev_find(UINT64 address, BluetoothAddressType type) {
  char text[18];
  sim_addr_format(address, text);
  blec_world *w = sim_world_ref();
  if (!w) return NULL;
  blec_world_peripheral *p = NULL;
  bool exists = blec_world_find_peripheral(w, text, &p) == BLEC_OK;
  blec_world_unref(w);
  if (!exists) return NULL;
  AcquireSRWLockExclusive(&g_lock);
  sim_dev *d = record_locked(address);
  bool ok = d && (type == BluetoothAddressType_Unspecified || type == d->type);
  ReleaseSRWLockExclusive(&g_lock);
  return ok ? d : NULL;
}

UINT64 sim_dev_address(sim_dev *d) { return d->address; }
const char *sim_dev_address_text(sim_dev *d) { return d->text; }

BluetoothAddressType sim_dev_address_type(sim_dev *d) {
  AcquireSRWLockShared(&g_lock);
  BluetoothAddressType t = d->type;
  ReleaseSRWLockShared(&g_lock);
  return t;
}

static void lower_addr(UINT64 a, char out[18]) {
  snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(a >> 40) & 0xff, (unsigned)(a >> 32) & 0xff,
           (unsigned)(a >> 24) & 0xff, (unsigned)(a >> 16) & 0xff, (unsigned)(a >> 8) & 0xff, (unsigned)a & 0xff);
}

HSTRING sim_dev_id(sim_dev *d) {
  char own[18], peer[18], id[80];
  lower_addr(SIM_ADAPTER_ADDRESS, own);
  lower_addr(d->address, peer);
  snprintf(id, sizeof id, "BluetoothLE#BluetoothLE%s-%s", own, peer);
  return sim_hstring_utf8(id);
}

sim_dev *sim_dev_from_id(HSTRING id) {
  char *s = sim_utf8(id);
  if (!s) return NULL;
  sim_dev *d = NULL;
  const char *dash = strrchr(s, '-');
  UINT64 a;
  char up[18];
  if (strncmp(s, "BluetoothLE#BluetoothLE", 23) == 0 && dash && strlen(dash + 1) == 17) {
    for (int i = 0; i < 17; i++) up[i] = (char)((dash[1 + i] >= 'a' && dash[1 + i] <= 'f') ? dash[1 + i] - 32 : dash[1 + i]);
    up[17] = 0;
    if (sim_addr_parse(up, &a)) d = sim_dev_find(a, BluetoothAddressType_Unspecified);
  }
  free(s);
  return d;
}

char *sim_dev_name(sim_dev *d) {
  char *name = NULL;
  blec_world *w = sim_world_ref();
  blec_world_peripheral *p = NULL;
  if (w && blec_world_find_peripheral(w, d->text, &p) == BLEC_OK) name = blec__world_peripheral_name(p);
  if (w) blec_world_unref(w);
  if (!name) {
    name = malloc(1);
    if (name) name[0] = 0;
  }
  return name;
}

/*
 * Whether another application of the PC holds a link to the device (world file:
 * connected-elsewhere): the OS then shows it connected whatever this application does.
 * Needs the world's accessor (SIM_WORLD_HAS_ELSEWHERE, detected by CMake).
 */
static bool elsewhere(sim_dev *d) {
#ifdef SIM_WORLD_HAS_ELSEWHERE
  blec_world *w = sim_world_ref();
  blec_world_peripheral *p = NULL;
  bool e = w && blec_world_find_peripheral(w, d->text, &p) == BLEC_OK && blec__world_peripheral_connected_elsewhere(p);
  if (w) blec_world_unref(w);
  return e;
#else
  (void)d;
  return false;
#endif
}

bool sim_stack_models_elsewhere(void) {
#ifdef SIM_WORLD_HAS_ELSEWHERE
  return true;
#else
  return false;
#endif
}

/*
 * Whether the OS knows the device, so that BluetoothLEDevice.FromBluetoothAddressAsync gives
 * an object for it: Windows answers from what it learned before (a scan, a pairing, a
 * connection; MicrosoftDocs/winrt-api#2093) and gives null otherwise (bleak #1022 turns that
 * into "device not found"). The test PC is taken as one that has been listening: a device
 * that advertises now counts as seen (ours); a silent one only when the OS met it before,
 * it is paired, or another application holds it connected.
 */
bool sim_dev_known(sim_dev *d) {
  AcquireSRWLockShared(&g_lock);
  bool known = d->seen || d->state != LINK_DOWN;
  ReleaseSRWLockShared(&g_lock);
  if (known || elsewhere(d) || sim_dev_paired(d)) return true;
  blec_world *w = sim_world_ref();
  blec_world_peripheral *p = NULL;
  known = w && blec_world_find_peripheral(w, d->text, &p) == BLEC_OK && blec__world_peripheral_advertising(p);
  if (w) blec_world_unref(w);
  return known;
}

bool sim_dev_connected(sim_dev *d) {
  AcquireSRWLockShared(&g_lock);
  bool c = d->state == LINK_UP;
  ReleaseSRWLockShared(&g_lock);
  return c || elsewhere(d);
}

bool sim_dev_status_connected(sim_dev *d) {
  AcquireSRWLockShared(&g_lock);
  bool flapping = d->flapping;
  ReleaseSRWLockShared(&g_lock);
  return !flapping && sim_dev_connected(d);
}

int sim_dev_mtu(sim_dev *d) {
  AcquireSRWLockShared(&g_lock);
  int m = d->state == LINK_UP ? d->mtu : 23;
  ReleaseSRWLockShared(&g_lock);
  return m;
}

/* ---- listeners ---------------------------------------------------------------------------- */

void sim_dev_listen(sim_dev *d, sim_listener *l) {
  AcquireSRWLockExclusive(&g_lock);
  l->next = d->listeners;
  d->listeners = l;
  ReleaseSRWLockExclusive(&g_lock);
}

void sim_dev_unlisten(sim_dev *d, sim_listener *l) {
  AcquireSRWLockExclusive(&g_lock);
  for (sim_listener **p = &d->listeners; *p; p = &(*p)->next) {
    if (*p == l) {
      *p = l->next;
      break;
    }
  }
  ReleaseSRWLockExclusive(&g_lock);
}

typedef enum {
  NOTE_CONNECTION,    /* the link came up or ended: sessions and devices */
  NOTE_DEVICE_STATUS, /* BluetoothLEDevice.ConnectionStatus alone changed (STATUS_FLAP) */
  NOTE_MTU,
  NOTE_VALUE
} note_kind;

/* Calls every listener of d (without the lock) for one change: the connection (connected,
 * and why it ended), the MTU, or a value. */
static void notify(sim_dev *d, note_kind kind, bool connected, BluetoothError why, int mtu, uint16_t handle,
                   const BYTE *data, size_t len) {
  sim_listener *snap[64];
  size_t n = 0;
  AcquireSRWLockExclusive(&g_lock);
  for (sim_listener *l = d->listeners; l && n < 64; l = l->next) {
    bool wants = (kind == NOTE_CONNECTION && l->connection) || (kind == NOTE_DEVICE_STATUS && l->device_status) ||
                 (kind == NOTE_MTU && l->mtu) || (kind == NOTE_VALUE && l->value);
    if (wants && sim_obj_tryref(l->obj)) snap[n++] = l;
  }
  ReleaseSRWLockExclusive(&g_lock);
  for (size_t i = 0; i < n; i++) {
    sim_listener *l = snap[i];
    sim_obj *o = l->obj;
    if (kind == NOTE_CONNECTION)
      l->connection(o, connected, why);
    else if (kind == NOTE_DEVICE_STATUS)
      l->device_status(o, connected);
    else if (kind == NOTE_MTU)
      l->mtu(o, mtu);
    else
      l->value(o, handle, data, len);
    sim_Release(sim_obj_default(o));
  }
}

/* ---- the GATT cache ------------------------------------------------------------------------ */

static void cache_value_locked(sim_dev *d, uint16_t handle, const BYTE *data, size_t len) {
  for (size_t i = 0; i < d->n_values; i++) {
    if (d->values[i].handle == handle) {
      sim_bytes_set(&d->values[i].v, data, len);
      return;
    }
  }
  if (d->n_values == d->cap_values) {
    size_t cap = d->cap_values ? d->cap_values * 2 : 16;
    struct cached_value *v = realloc(d->values, cap * sizeof *v);
    if (!v) return;
    d->values = v;
    d->cap_values = cap;
  }
  struct cached_value *c = &d->values[d->n_values];
  memset(c, 0, sizeof *c);
  if (sim_bytes_set(&c->v, data, len) == 0) {
    c->handle = handle;
    d->n_values++;
  }
}

bool sim_dev_cached_value(sim_dev *d, uint16_t handle, BYTE **data, size_t *len) {
  bool found = false;
  *data = NULL;
  *len = 0;
  AcquireSRWLockShared(&g_lock);
  for (size_t i = 0; i < d->n_values && !found; i++) {
    if (d->values[i].handle == handle) {
      found = true;
      *len = d->values[i].v.len;
      *data = malloc(*len ? *len : 1);
      if (*data && *len) memcpy(*data, d->values[i].v.data, *len);
      if (!*data) found = false;
    }
  }
  ReleaseSRWLockShared(&g_lock);
  return found;
}

bool sim_dev_cached_attrs(sim_dev *d, blec__wattr **attrs, size_t *n) {
  *attrs = NULL;
  *n = 0;
  AcquireSRWLockShared(&g_lock);
  bool ok = d->attrs_valid;
  if (ok) {
    *attrs = malloc((d->n_attrs ? d->n_attrs : 1) * sizeof **attrs);
    if (*attrs) {
      memcpy(*attrs, d->attrs, d->n_attrs * sizeof **attrs);
      *n = d->n_attrs;
    } else {
      ok = false;
    }
  }
  ReleaseSRWLockShared(&g_lock);
  return ok;
}

/* ---- completing requests ------------------------------------------------------------------- */

/* $BLEC_WINRT_SIM_TRACE=1: every request of the stack on stderr (debugging tests). */
static bool trace_on(void) {
  static volatile LONG on = -1;
  if (on < 0) {
    const char *e = getenv("BLEC_WINRT_SIM_TRACE");
    InterlockedExchange(&on, e && e[0] == '1');
  }
  return on > 0;
}

static void trace_req(const req *r, const char *what, int status) {
  static const char *const kinds[] = {"discover", "read", "write", "pair", "no-answer"};
  if (!trace_on()) return;
  fprintf(stderr, "blec_winrt_sim: %s %s %s handle 0x%04x len %u%s status %d (thread %lu)\n", r->d->text, kinds[r->kind],
          what, r->handle, (unsigned)r->len, r->kind == REQ_WRITE && r->len ? "" : "", status,
          (unsigned long)GetCurrentThreadId());
  fflush(stderr);
}

static void req_free(req *r) {
  free(r->data);
  free(r);
}

static void let_go_locked(sim_dev *d);

/* Ends a request: tells its owner, then drops its hold. Never with the lock held. */
static void finish(req *r, const sim_gatt_result *res, int status) {
  sim_dev *d = r->d;
  trace_req(r, "done", status);
  if (r->cb)
    r->cb(r->ctx, res);
  else if (r->scb)
    r->scb(r->ctx, status);
  AcquireSRWLockExclusive(&g_lock);
  for (req **p = &g_live_reqs; *p; p = &(*p)->live_next) {
    if (*p == r) {
      *p = r->live_next;
      break;
    }
  }
  if (r->held) {
    d->holds--;
    let_go_locked(d);
  }
  ReleaseSRWLockExclusive(&g_lock);
  req_free(r);
}

static void finish_status(req *r, GattCommunicationStatus st, int att, int bst) {
  sim_gatt_result res;
  memset(&res, 0, sizeof res);
  res.status = st;
  res.att = att;
  finish(r, &res, bst);
}

typedef struct later_fail {
  req *r;
  int status;
} later_fail;

static void later_fail_work(void *ctx) {
  later_fail *f = ctx;
  finish_status(f->r, GattCommunicationStatus_Unreachable, 0, f->status);
  free(f);
}

/* Fails a request from a worker: it may have been started inside a caller's call. */
static void fail_later(req *r, int status) {
  later_fail *f = malloc(sizeof *f);
  if (!f) return;
  f->r = r;
  f->status = status;
  sim_work_post(later_fail_work, f);
}

static GattCommunicationStatus gatt_status(int status) {
  if (status == BLEC_OK) return GattCommunicationStatus_Success;
  if (status == BLEC_ERR_ATT) return GattCommunicationStatus_ProtocolError;
  return GattCommunicationStatus_Unreachable;
}

static void read_done(void *user, int status, int att, const uint8_t *data, size_t len) {
  req *r = user;
  if (status == BLEC_OK) {
    AcquireSRWLockExclusive(&g_lock);
    cache_value_locked(r->d, r->handle, data, len);
    ReleaseSRWLockExclusive(&g_lock);
  }
  sim_gatt_result res;
  memset(&res, 0, sizeof res);
  res.status = gatt_status(status);
  res.att = att;
  res.data = data;
  res.len = len;
  finish(r, &res, status);
}

static void write_done(void *user, int status, int att) {
  req *r = user;
  finish_status(r, gatt_status(status), att, status);
}

static void status_done(void *user, int status, int att) {
  (void)att;
  req *r = user;
  finish_status(r, gatt_status(status), 0, status);
}

static void discover_done(void *user, int status, int att, const blec__wattr *attrs, size_t count) {
  req *r = user;
  if (status == BLEC_OK) {
    blec__wattr *copy = malloc((count ? count : 1) * sizeof *copy);
    if (copy) {
      memcpy(copy, attrs, count * sizeof *copy);
      AcquireSRWLockExclusive(&g_lock);
      free(r->d->attrs);
      r->d->attrs = copy;
      r->d->n_attrs = count;
      r->d->attrs_valid = true;
      ReleaseSRWLockExclusive(&g_lock);
    }
  }
  sim_gatt_result res;
  memset(&res, 0, sizeof res);
  res.status = gatt_status(status);
  res.att = att;
  res.attrs = attrs;
  res.n_attrs = count;
  finish(r, &res, status);
}

static void pair_done(void *user, int status, int att) {
  (void)att;
  req *r = user;
  if (status == BLEC_OK) {
    AcquireSRWLockExclusive(&g_lock);
    int level = r->level == BLEC_PROTECTION_DEFAULT ? BLEC_PROTECTION_ENCRYPTION : r->level;
    if (level > r->d->bond_level) r->d->bond_level = level;
    ReleaseSRWLockExclusive(&g_lock);
  }
  finish_status(r, gatt_status(status), 0, status);
}

static void pair_answered_done(void *user, int status, blec__wpair_failure why) {
  pair_done(user, why == BLEC__WPAIR_WRONG_PIN ? SIM_STATUS_WRONG_PIN : status, 0);
}

/* With the lock held: sends r over the link. Returns false (r untouched) when it cannot. */
static bool issue_locked(req *r, blec__wlink *link) {
  r->issued = false;
  if (r->kind == REQ_NO_ANSWER) { /* "sent": nothing comes back */
    r->next = r->d->unanswered;
    r->d->unanswered = r;
    r->issued = true;
    return true;
  }
  int64_t id;
  switch (r->kind) {
  case REQ_DISCOVER: id = blec__wlink_discover(link, discover_done, r); break;
  case REQ_READ: id = blec__wlink_read(link, r->handle, read_done, r); break;
  case REQ_WRITE:
    id = blec__wlink_write(link, r->handle, r->data, r->len, r->with_response, r->with_response ? write_done : status_done, r);
    break;
  default:
    if (r->answered) {
      blec__wpair_answer a = {(blec_protection_level)r->level, r->pin[0] ? r->pin : NULL};
      id = blec__wlink_pair_answered(link, &a, pair_answered_done, r);
    } else {
      id = blec__wlink_pair(link, (blec_protection_level)r->level, pair_done, r);
    }
    break;
  }
  r->issued = id > 0;
  r->world_id = id;
  return id > 0;
}

/* ---- the link -------------------------------------------------------------------------------- */

static void start_connect_locked(sim_dev *d);
static void begin_disconnect_locked(sim_dev *d);
static void start_flap(sim_dev *d);
static void schedule_reconnect_locked(sim_dev *d, DWORD ms);

static void on_value(void *user, uint16_t handle, const uint8_t *data, size_t len, bool indication) {
  (void)indication;
  sim_dev *d = user;
  if (trace_on()) fprintf(stderr, "blec_winrt_sim: %s value handle 0x%04x len %u\n", d->text, handle, (unsigned)len);
  AcquireSRWLockExclusive(&g_lock);
  cache_value_locked(d, handle, data, len);
  ReleaseSRWLockExclusive(&g_lock);
  notify(d, NOTE_VALUE, false, BluetoothError_Success, 0, handle, data, len);
}

static void on_mtu(void *user, int mtu) {
  sim_dev *d = user;
  AcquireSRWLockExclusive(&g_lock);
  d->mtu = mtu;
  ReleaseSRWLockExclusive(&g_lock);
  notify(d, NOTE_MTU, false, BluetoothError_Success, mtu, 0, NULL, 0);
}

/*
 * The link's ATT MTU changes while it is up (blec_winrt_sim_peripheral_set_mtu): Windows
 * raises GattSession.MaxPduSizeChanged whenever MaxPduSize changes, not only after the
 * first exchange. BLEC_ERR_NOT_CONNECTED when the device has no link up.
 */
int sim_stack_change_mtu(UINT64 address, int mtu) {
  sim_dev *d = NULL;
  AcquireSRWLockExclusive(&g_lock);
  for (sim_dev *x = g_devs; x; x = x->next)
    if (x->address == address && x->state == LINK_UP) d = x;
  ReleaseSRWLockExclusive(&g_lock);
  if (!d) return BLEC_ERR_NOT_CONNECTED;
  on_mtu(d, mtu);
  return BLEC_OK;
}

/* The link is gone (lock held): takes it out of the record; returns what to release, and in
 * *unanswered the requests the device never answered (the caller fails them, unlocked). */
static blec__wlink *drop_link_locked(sim_dev *d, blec_world **world, req **unanswered) {
  blec__wlink *link = d->link;
  *unanswered = d->unanswered;
  d->unanswered = NULL;
  *world = d->world;
  d->link = NULL;
  d->world = NULL;
  d->state = LINK_DOWN;
  d->mtu = 23;
  d->flapping = false;
  d->held_elsewhere = false;
  return link;
}

/* Requests the device never answered end with the link: Unreachable, as every request
 * in flight does when the link drops. */
static void fail_unanswered(req *r) {
  while (r) {
    req *next = r->next;
    r->next = NULL;
    finish_status(r, GattCommunicationStatus_Unreachable, 0, BLEC_ERR_NOT_CONNECTED);
    r = next;
  }
}

static void release_link(blec__wlink *link, blec_world *world) {
  if (link) blec__wlink_release(link);
  if (world) {
    /* Unref first: while counted as in use, the world cannot be replaced, so this is
     * never its last reference (which a world callback must not drop). */
    blec_world_unref(world);
    sim_world_use(-1);
  }
}

/* Why a link ended, as GattSessionStatusChangedEventArgs.Error says it: the radio turned
 * off is RadioNotAvailable (api/windows.devices.bluetooth.bluetootherror); Windows tells no
 * other cause apart (a remote disconnection and a link loss look the same). */
static BluetoothError link_end_error(int reason) {
  return reason == BLEC_DISCONNECT_RADIO_OFF ? BluetoothError_RadioNotAvailable : BluetoothError_DeviceNotConnected;
}

static void on_disconnected(void *user, int reason) {
  sim_dev *d = user;
  blec__wlink *link = NULL;
  blec_world *world = NULL;
  req *unanswered = NULL;
  AcquireSRWLockExclusive(&g_lock);
  bool was_up = d->state == LINK_UP;
  if (was_up) {
    link = drop_link_locked(d, &world, &unanswered);
    if (d->maintains > 0 && !connect_on_request()) schedule_reconnect_locked(d, 200);
  }
  /* LINK_CLOSING: our own disconnect completes next and releases the link. */
  ReleaseSRWLockExclusive(&g_lock);
  release_link(link, world);
  fail_unanswered(unanswered);
  if (was_up && !elsewhere(d)) notify(d, NOTE_CONNECTION, false, link_end_error(reason), 0, 0, NULL, 0);
}

static const blec__wlink_events link_events = {on_value, on_mtu, on_disconnected};

static void disconnect_done(void *user, int status, int att) {
  (void)status;
  (void)att;
  sim_dev *d = user;
  blec_world *world = NULL;
  req *unanswered = NULL;
  AcquireSRWLockExclusive(&g_lock);
  blec__wlink *link = drop_link_locked(d, &world, &unanswered);
  if (d->waiting || (d->maintains > 0 && !connect_on_request())) start_connect_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
  release_link(link, world);
  fail_unanswered(unanswered);
  if (!elsewhere(d)) notify(d, NOTE_CONNECTION, false, BluetoothError_Success, 0, 0, NULL, 0);
}

static void mtu_done(void *user, int status, int att) {
  (void)user;
  (void)status;
  (void)att;
}

static void connect_done(void *user, int status, blec__wlink *link) {
  sim_dev *d = user;
  blec_world *world = NULL;
  AcquireSRWLockExclusive(&g_lock);
  req *waiting = d->waiting;
  d->waiting = NULL;
  req *failed = NULL;
  if (status == BLEC_OK) {
    d->state = LINK_UP;
    d->link = link;
    d->mtu = blec__wlink_mtu(link);
    blec__wlink_exchange_mtu(link, SIM_CLIENT_MTU, mtu_done, d);
    /* Requests go out in the order they came. */
    req *rev = NULL;
    while (waiting) {
      req *r = waiting;
      waiting = r->next;
      r->next = rev;
      rev = r;
    }
    while (rev) {
      req *r = rev;
      rev = r->next;
      r->next = NULL;
      if (!issue_locked(r, link)) {
        r->next = failed;
        failed = r;
      }
    }
  } else {
    d->state = LINK_DOWN;
    world = d->world;
    d->world = NULL;
    failed = waiting;
    if (d->maintains > 0 && !connect_on_request()) schedule_reconnect_locked(d, 1000);
  }
  bool up = status == BLEC_OK;
  bool flap = false;
  if (up) {
    d->held_elsewhere = sim_quirk(BLEC_WINRT_SIM_QUIRK_HELD_ELSEWHERE) != 0;
    flap = sim_quirk(BLEC_WINRT_SIM_QUIRK_STATUS_FLAP) != 0;
    let_go_locked(d);
  }
  ReleaseSRWLockExclusive(&g_lock);
  if (world) {
    blec_world_unref(world);
    sim_world_use(-1);
  }
  if (up && !elsewhere(d)) notify(d, NOTE_CONNECTION, true, BluetoothError_Success, 0, 0, NULL, 0);
  if (up && flap) start_flap(d);
  while (failed) {
    req *r = failed;
    failed = r->next;
    finish_status(r, GattCommunicationStatus_Unreachable, 0, up ? BLEC_ERR_NOT_CONNECTED : status);
  }
}

/* Lock held, state DOWN: opens a link to d. Waiting requests fail (later) if it cannot start. */
static void start_connect_locked(sim_dev *d) {
  blec_world *w = sim_world_ref();
  int64_t id = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
  if (w && sim_adapter_present()) {
    d->world = w;
    d->state = LINK_CONNECTING;
    sim_world_use(+1);
    id = blec__world_connect(w, d->text, BLEC_ADDRESS_UNSPECIFIED, &link_events, d, connect_done, d);
    if (id > 0) {
      d->connect_id = id;
      return;
    }
    sim_world_use(-1);
    d->world = NULL;
    d->state = LINK_DOWN;
  }
  if (w) blec_world_unref(w);
  req *waiting = d->waiting;
  d->waiting = NULL;
  while (waiting) {
    req *r = waiting;
    waiting = r->next;
    fail_later(r, (int)id);
  }
}

static void begin_disconnect_locked(sim_dev *d) {
  if (d->state != LINK_UP) return;
  d->state = LINK_CLOSING;
  if (blec__wlink_disconnect(d->link, disconnect_done, d) <= 0) {
    /* Cannot even ask: treat the link as gone at once (from a worker, never inline). */
    d->state = LINK_UP;
  }
}

static void CALLBACK reconnect_tick(void *ctx, BOOLEAN fired) {
  (void)fired;
  sim_dev *d = ctx;
  AcquireSRWLockExclusive(&g_lock);
  HANDLE t = d->reconnect_timer;
  d->reconnect_timer = NULL;
  if (d->state == LINK_DOWN && (d->maintains > 0 || d->waiting)) start_connect_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
  if (t) DeleteTimerQueueTimer(NULL, t, NULL);
}

static void schedule_reconnect_locked(sim_dev *d, DWORD ms) {
  if (d->reconnect_timer) return;
  CreateTimerQueueTimer(&d->reconnect_timer, NULL, reconnect_tick, d, ms, 0, WT_EXECUTEONLYONCE);
}

/*
 * Nothing of the program holds the device any more (lock held): the OS ends its link, or
 * gives up a connection attempt nobody waits for (a connect that would never end otherwise).
 */
static void CALLBACK linger_tick(void *ctx, BOOLEAN fired) {
  (void)fired;
  sim_dev *d = ctx;
  AcquireSRWLockExclusive(&g_lock);
  HANDLE t = d->linger_timer;
  d->linger_timer = NULL;
  if (d->state == LINK_UP && d->holds == 0 && d->maintains == 0 && !d->held_elsewhere) begin_disconnect_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
  if (t) DeleteTimerQueueTimer(NULL, t, NULL);
}

static void let_go_locked(sim_dev *d) {
  if (d->holds != 0 || d->maintains != 0) return;
  if (d->state == LINK_UP) {
    /* Another program holds it (HELD_ELSEWHERE, bleak #1759): the link stays. */
    if (d->held_elsewhere) return;
    /* The link outlives the program's objects for a while (LINK_LINGERS_MS). */
    int linger = sim_quirk(BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS);
    if (linger > 0) {
      if (!d->linger_timer &&
          !CreateTimerQueueTimer(&d->linger_timer, NULL, linger_tick, d, (DWORD)linger, 0, WT_EXECUTEONLYONCE))
        d->linger_timer = NULL;
      if (d->linger_timer) return;
    }
    begin_disconnect_locked(d);
  } else if (d->state == LINK_CONNECTING && !d->waiting && d->world) {
    /* connect_done follows with BLEC_ERR_CANCELLED and puts the record down. */
    blec__world_cancel(d->world, d->connect_id);
  }
}

void sim_dev_hold(sim_dev *d, int delta) {
  AcquireSRWLockExclusive(&g_lock);
  d->holds += delta;
  let_go_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
}

void sim_dev_maintain(sim_dev *d, int delta) {
  AcquireSRWLockExclusive(&g_lock);
  d->maintains += delta;
  /* MaintainConnection connects, unless it takes a GATT request (CONNECT_ON_REQUEST,
   * bleak #604 and 986c718): then it only keeps the link once a request made it. */
  if (delta > 0 && d->maintains == delta && d->state == LINK_DOWN && !connect_on_request()) start_connect_locked(d);
  let_go_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
}

/* With the lock held: r off a list of the device (NULL when it is not on it any more). */
static req *unlink_locked(req **list, req *r) {
  for (req **p = list; *p; p = &(*p)->next) {
    if (*p == r) {
      *p = r->next;
      r->next = NULL;
      return r;
    }
  }
  return NULL;
}

/*
 * With the lock held: the program no longer waits for r (its operation was cancelled, its
 * owner closed). Returns r when it was still waiting for the link (taken off the queue: the
 * caller fails it, without the lock) or sent to a device that never answers it (the same);
 * else r, sent, is cancelled at the world (it then finishes a moment later as cancelled)
 * or, answered already, runs on without its hold.
 */
static req *withdraw_locked(req *r) {
  sim_dev *d = r->d;
  trace_req(r, r->issued ? "withdrawn (sent)" : "withdrawn (waiting)", 0);
  if (!r->issued) return unlink_locked(&d->waiting, r); /* NULL: failing already */
  if (r->kind == REQ_NO_ANSWER) return unlink_locked(&d->unanswered, r);
  if (!(d->world && blec__world_cancel(d->world, r->world_id)) && r->held) {
    r->held = false;
    d->holds--;
    let_go_locked(d);
  }
  return NULL;
}

/*
 * BLEC_WINRT_SIM_QUIRK_LATE_CANCEL: the request of a cancelled operation goes on (its
 * operation completes as Canceled only when it ends) until the device answers or this
 * long has passed; then the OS withdraws it, as Windows ends an ATT transaction the
 * device leaves unanswered (there after 30 s; here shorter, to keep tests short: ours).
 */
#define SIM_LATE_WITHDRAW_MS 500

typedef struct late_withdrawal {
  uint64_t seq;
  HANDLE timer;
} late_withdrawal;

static void withdraw_seq(uint64_t seq) {
  req *drop = NULL;
  AcquireSRWLockExclusive(&g_lock);
  for (req *r = g_live_reqs; r; r = r->live_next) {
    if (r->seq == seq) {
      drop = withdraw_locked(r);
      break;
    }
  }
  ReleaseSRWLockExclusive(&g_lock);
  if (drop) fail_later(drop, BLEC_ERR_CANCELLED);
}

static void CALLBACK late_withdraw_tick(void *ctx, BOOLEAN fired) {
  (void)fired;
  late_withdrawal *lw = ctx;
  withdraw_seq(lw->seq);
  DeleteTimerQueueTimer(NULL, lw->timer, NULL);
  free(lw);
}

/* Cancel of a request's operation (async.c calls it once, from Cancel). */
static void request_cancelled(void *ctx) {
  sim_async *op = ctx;
  uint64_t seq = 0;
  AcquireSRWLockShared(&g_lock);
  for (req *r = g_live_reqs; r; r = r->live_next) {
    if (r->op == op) {
      seq = r->seq;
      break;
    }
  }
  ReleaseSRWLockShared(&g_lock);
  if (!seq) return;
  late_withdrawal *lw = sim_quirk(BLEC_WINRT_SIM_QUIRK_LATE_CANCEL) ? calloc(1, sizeof *lw) : NULL;
  if (lw) {
    lw->seq = seq;
    /* The handle is written before the callback can read it: the timer starts later. */
    AcquireSRWLockExclusive(&g_lock);
    BOOL ok = CreateTimerQueueTimer(&lw->timer, NULL, late_withdraw_tick, lw, SIM_LATE_WITHDRAW_MS, 0,
                                    WT_EXECUTEONLYONCE);
    ReleaseSRWLockExclusive(&g_lock);
    if (ok) return;
    free(lw);
  }
  withdraw_seq(seq);
}

void sim_dev_owner_closed(sim_dev *d, const void *owner) {
  req *drop = NULL;
  AcquireSRWLockExclusive(&g_lock);
  for (req *r = g_live_reqs; r; r = r->live_next) {
    if (r->d != d || r->owner != owner) continue;
    req *w = withdraw_locked(r);
    if (w) {
      w->next = drop;
      drop = w;
    }
  }
  ReleaseSRWLockExclusive(&g_lock);
  while (drop) {
    req *r = drop;
    drop = r->next;
    r->next = NULL;
    fail_later(r, BLEC_ERR_NOT_CONNECTED);
  }
}

/* Starts a request: over the link now, or once the link is up. */
static void submit(req *r) {
  sim_dev *d = r->d;
  trace_req(r, "submitted", 0);
  /* Before r is published: once it is, it may finish (and be freed) at any moment. The
   * hook finds r by its operation in the live list, so a late Cancel finds nothing. */
  if (r->op) sim_async_set_cancel(r->op, request_cancelled, r->op);
  AcquireSRWLockExclusive(&g_lock);
  d->holds++;
  r->held = true;
  r->seq = ++g_next_seq;
  r->live_next = g_live_reqs;
  g_live_reqs = r;
  if (d->state == LINK_UP) {
    bool ok = issue_locked(r, d->link);
    ReleaseSRWLockExclusive(&g_lock);
    if (!ok) fail_later(r, BLEC_ERR_NOT_CONNECTED);
    return;
  }
  r->next = d->waiting;
  d->waiting = r;
  if (d->state == LINK_DOWN) start_connect_locked(d);
  ReleaseSRWLockExclusive(&g_lock);
}

static req *req_new(sim_dev *d, int kind, sim_gatt_cb cb, sim_status_cb scb, void *ctx, sim_req_origin origin) {
  req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->d = d;
  r->op = origin.op;
  r->owner = origin.owner;
  r->kind = kind;
  r->cb = cb;
  r->scb = scb;
  r->ctx = ctx;
  return r;
}

/* ---- answers from the cache (on a worker) ----------------------------------------------------- */

typedef struct cached_answer {
  sim_gatt_cb cb;
  void *ctx;
  blec__wattr *attrs;
  size_t n_attrs;
  BYTE *data;
  size_t len;
} cached_answer;

static void cached_work(void *ctx) {
  cached_answer *a = ctx;
  sim_gatt_result res;
  memset(&res, 0, sizeof res);
  res.status = GattCommunicationStatus_Success;
  res.attrs = a->attrs;
  res.n_attrs = a->n_attrs;
  res.data = a->data;
  res.len = a->len;
  a->cb(a->ctx, &res);
  free(a->attrs);
  free(a->data);
  free(a);
}

static bool answer_from_cache(sim_gatt_cb cb, void *ctx, blec__wattr *attrs, size_t n, BYTE *data, size_t len) {
  cached_answer *a = malloc(sizeof *a);
  if (!a) {
    free(attrs);
    free(data);
    return false;
  }
  a->cb = cb;
  a->ctx = ctx;
  a->attrs = attrs;
  a->n_attrs = n;
  a->data = data;
  a->len = len;
  sim_work_post(cached_work, a);
  return true;
}

void sim_dev_discover(sim_dev *d, BluetoothCacheMode mode, sim_gatt_cb cb, void *ctx, sim_req_origin origin) {
  blec__wattr *attrs;
  size_t n;
  if (mode == BluetoothCacheMode_Cached && sim_dev_cached_attrs(d, &attrs, &n) &&
      answer_from_cache(cb, ctx, attrs, n, NULL, 0))
    return;
  req *r = req_new(d, REQ_DISCOVER, cb, NULL, ctx, origin);
  if (r) submit(r);
}

void sim_dev_no_answer(sim_dev *d, sim_gatt_cb cb, void *ctx, sim_req_origin origin) {
  req *r = req_new(d, REQ_NO_ANSWER, cb, NULL, ctx, origin);
  if (r) submit(r);
}

void sim_dev_read(sim_dev *d, uint16_t handle, BluetoothCacheMode mode, sim_gatt_cb cb, void *ctx,
                  sim_req_origin origin) {
  BYTE *data;
  size_t len;
  if (mode == BluetoothCacheMode_Cached && sim_dev_cached_value(d, handle, &data, &len) &&
      answer_from_cache(cb, ctx, NULL, 0, data, len))
    return;
  req *r = req_new(d, REQ_READ, cb, NULL, ctx, origin);
  if (!r) return;
  r->handle = handle;
  submit(r);
}

void sim_dev_write(sim_dev *d, uint16_t handle, const BYTE *data, size_t len, bool with_response, sim_gatt_cb cb,
                   void *ctx, sim_req_origin origin) {
  req *r = req_new(d, REQ_WRITE, cb, NULL, ctx, origin);
  if (!r) return;
  r->handle = handle;
  r->with_response = with_response;
  if (len) {
    r->data = malloc(len);
    if (!r->data) {
      free(r);
      return;
    }
    memcpy(r->data, data, len);
  }
  r->len = len;
  submit(r);
}

void sim_dev_pair(sim_dev *d, blec_protection_level level, sim_status_cb cb, void *ctx, sim_req_origin origin) {
  req *r = req_new(d, REQ_PAIR, NULL, cb, ctx, origin);
  if (!r) return;
  r->level = level;
  submit(r);
}

void sim_dev_pair_answered(sim_dev *d, blec_protection_level level, const char *pin, sim_status_cb cb, void *ctx,
                           sim_req_origin origin) {
  req *r = req_new(d, REQ_PAIR, NULL, cb, ctx, origin);
  if (!r) return;
  r->level = level;
  r->answered = true;
  snprintf(r->pin, sizeof r->pin, "%s", pin ? pin : "");
  submit(r);
}

typedef struct unpair_job {
  sim_dev *d;
  sim_status_cb cb;
  void *ctx;
} unpair_job;

static void unpair_work(void *ctx) {
  unpair_job *j = ctx;
  blec_world *w = sim_world_ref();
  /* Like removing the device in the OS: no link needed; a live link drops (UNPAIRED). */
  int st = w ? blec__world_unpair(w, j->d->text) : BLEC_ERR_STATE;
  if (w) blec_world_unref(w);
  if (st == BLEC_OK) {
    AcquireSRWLockExclusive(&g_lock);
    j->d->bond_level = -1;
    ReleaseSRWLockExclusive(&g_lock);
  }
  j->cb(j->ctx, st);
  free(j);
}

void sim_dev_unpair(sim_dev *d, sim_status_cb cb, void *ctx) {
  unpair_job *j = malloc(sizeof *j);
  if (!j) return;
  j->d = d;
  j->cb = cb;
  j->ctx = ctx;
  sim_work_post(unpair_work, j);
}

bool sim_dev_paired(sim_dev *d) {
  blec_world *w = sim_world_ref();
  bool p = w && blec__world_is_paired(w, d->text);
  if (w) blec_world_unref(w);
  return p;
}

int sim_dev_bond_level(sim_dev *d) {
  if (!sim_dev_paired(d)) return -1;
  AcquireSRWLockShared(&g_lock);
  int level = d->bond_level;
  ReleaseSRWLockShared(&g_lock);
  /* A bond the OS had before (from the world file): at least encryption. */
  return level >= 0 ? level : BLEC_PROTECTION_ENCRYPTION;
}

/*
 * STATUS_FLAP (bleak 216e981: "devices disconnect briefly after initial connection and
 * before enumerating services"): BluetoothLEDevice.ConnectionStatus goes Disconnected right
 * after Connected, then Connected again; the link itself and the GattSession stay up.
 */
static void CALLBACK flap_tick(void *ctx, BOOLEAN fired) {
  (void)fired;
  sim_dev *d = ctx;
  AcquireSRWLockExclusive(&g_lock);
  HANDLE t = d->flap_timer;
  d->flap_timer = NULL;
  bool was = d->flapping;
  d->flapping = false;
  bool up = d->state == LINK_UP;
  ReleaseSRWLockExclusive(&g_lock);
  if (was && up) notify(d, NOTE_DEVICE_STATUS, true, BluetoothError_Success, 0, 0, NULL, 0);
  if (t) DeleteTimerQueueTimer(NULL, t, NULL);
}

static void start_flap(sim_dev *d) {
  AcquireSRWLockExclusive(&g_lock);
  bool go = d->state == LINK_UP && !d->flapping && !d->flap_timer;
  if (go) {
    d->flapping = true;
    if (!CreateTimerQueueTimer(&d->flap_timer, NULL, flap_tick, d, SIM_FLAP_MS, 0, WT_EXECUTEONLYONCE)) {
      d->flap_timer = NULL;
      d->flapping = false;
      go = false;
    }
  }
  ReleaseSRWLockExclusive(&g_lock);
  if (go) notify(d, NOTE_DEVICE_STATUS, false, BluetoothError_Success, 0, 0, NULL, 0);
}

int sim_stack_end_kept_links(void) {
  int n = 0;
  AcquireSRWLockExclusive(&g_lock);
  for (sim_dev *d = g_devs; d; d = d->next) {
    if (d->state == LINK_UP && d->holds == 0 && d->maintains == 0) {
      d->held_elsewhere = false; /* that program lets go too */
      begin_disconnect_locked(d);
      n++;
    } else if (d->state == LINK_CLOSING) {
      /* Already going down (its last holder let go a moment ago: DEVICE_HOLDS_LINK ends
       * the link when the device object is released): the world's thread ends it soon. */
      n++;
    }
  }
  ReleaseSRWLockExclusive(&g_lock);
  return n;
}
