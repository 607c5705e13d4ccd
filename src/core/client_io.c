/* SPDX-License-Identifier: MIT */
/*
 * client_io.c — GATT requests on a connected client: reads, writes, descriptors,
 * notifications and pairing, each in its asynchronous form and a blocking form built on
 * it. Arguments are checked before anything starts (errors are returned, no callback
 * runs); once started, every request completes exactly once through its op.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define CCCD_UUID16 0x2902

/* A new tracked op about `handle` if the client is connected, else NULL with *status set.
 * Everything the op carries is set before tracking makes it visible. */
static blec_op *begin(blec_client *c, blec__op_kind kind, uint16_t handle, blec_op_cb cb, void *user, int *status) {
  blec__mutex_lock(&c->lock);
  bool up = c->state == BLEC__CONNECTED && c->link_up;
  blec__mutex_unlock(&c->lock);
  if (!up) {
    *status = BLEC_ERR_NOT_CONNECTED;
    return NULL;
  }
  blec_op *op = blec__op_new(c->ctx, kind, cb, user);
  if (!op) {
    *status = BLEC_ERR_NO_MEMORY;
    return NULL;
  }
  op->handle = handle;
  blec__client_track(c, op);
  *status = BLEC_OK;
  return op;
}

/* What a request needs of a characteristic or descriptor, copied under the client's lock. */
typedef struct attr_info {
  uint16_t handle;
  uint32_t props; /* characteristics */
  blec_uuid uuid;
} attr_info;

/* The program's object `obj`, if it belongs to one of the client's live trees (checked by
 * its address: an object of a released tree is never read). Client lock held. */
static bool given_locked(blec_client *c, const void *obj, bool descriptor, attr_info *out) {
  if (descriptor) {
    const blec_descriptor *d = blec__client_live_desc_locked(c, obj);
    if (!d) return false;
    *out = (attr_info){d->handle, 0, d->uuid};
  } else {
    const blec_characteristic *ch = blec__client_live_chr_locked(c, obj);
    if (!ch) return false;
    *out = (attr_info){ch->handle, ch->props, ch->uuid};
  }
  return true;
}

static bool given(blec_client *c, const void *obj, bool descriptor, attr_info *out) {
  if (!c || !obj) return false;
  blec__mutex_lock(&c->lock);
  bool ok = given_locked(c, obj, descriptor, out);
  blec__mutex_unlock(&c->lock);
  return ok;
}

/*
 * The attribute of the current tree that the program's object stands for: itself, or —
 * for an object of the tree a reconnection replaced — the one with the same handle and
 * UUID now. BLEC_ERR_INVALID_ARG when obj is not an object of this client's live trees,
 * BLEC_ERR_NOT_CONNECTED, or ..._NOT_FOUND when it is gone. *mine gets obj's own fields.
 */
static int resolve(blec_client *c, const void *obj, bool descriptor, attr_info *mine, attr_info *cur) {
  int r = BLEC_OK;
  blec__mutex_lock(&c->lock);
  if (!given_locked(c, obj, descriptor, mine)) {
    r = BLEC_ERR_INVALID_ARG;
  } else if (!(c->state == BLEC__CONNECTED && c->link_up)) {
    r = BLEC_ERR_NOT_CONNECTED;
  } else if (descriptor) {
    const blec_descriptor *d = blec__client_desc_by_handle_locked(c, mine->handle);
    if (d && blec_uuid_equal(&d->uuid, &mine->uuid))
      *cur = (attr_info){d->handle, 0, d->uuid};
    else
      r = BLEC_ERR_DESCRIPTOR_NOT_FOUND;
  } else {
    const blec_characteristic *ch = blec__client_chr_by_handle_locked(c, mine->handle);
    if (ch && blec_uuid_equal(&ch->uuid, &mine->uuid))
      *cur = (attr_info){ch->handle, ch->props, ch->uuid};
    else
      r = BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
  }
  blec__mutex_unlock(&c->lock);
  return r;
}

static bool is_cccd(const attr_info *a) {
  uint16_t u16;
  return blec_uuid_to16(&a->uuid, &u16) && u16 == CCCD_UUID16;
}

/* ---- reads ------------------------------------------------------------------------------- */

static int read_start(blec_client *c, uint16_t handle, bool descriptor, unsigned flags, blec_op_cb cb, void *user,
                      blec_op **out) {
  if (flags & ~(unsigned)BLEC_READ_CACHED) return BLEC_ERR_INVALID_ARG;
  if ((flags & BLEC_READ_CACHED) && !(c->ctx->caps & BLEC_CAP_CACHE_MODE)) return BLEC_ERR_NOT_SUPPORTED;
  int r;
  blec_op *op = begin(c, BLEC__OP_READ, handle, cb, user, &r);
  if (!op) return r;
  return blec__op_launched(op, c->ctx->backend->read(c, op, handle, descriptor, (flags & BLEC_READ_CACHED) != 0), out);
}

int blec_client_read_async(blec_client *c, const blec_characteristic *chr, unsigned flags, blec_op_cb cb,
                           void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c || !chr) return BLEC_ERR_INVALID_ARG;
  attr_info mine, cur;
  int st = resolve(c, chr, false, &mine, &cur);
  if (st != BLEC_OK) return st;
  return read_start(c, cur.handle, false, flags, cb, user, out);
}

int blec_client_read_descriptor_async(blec_client *c, const blec_descriptor *d, unsigned flags, blec_op_cb cb,
                                      void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c || !d) return BLEC_ERR_INVALID_ARG;
  attr_info mine, cur;
  int st = resolve(c, d, true, &mine, &cur);
  if (st != BLEC_OK) return st;
  return read_start(c, cur.handle, true, flags, cb, user, out);
}

static int wait_data(blec_op *op, int timeout_ms, uint8_t **data, size_t *len, blec_error *err) {
  int r = blec__op_wait_final(op, timeout_ms, err);
  if (r == BLEC_OK) {
    *data = op->data; /* the op gives its buffer to the caller */
    *len = op->len;
    op->data = NULL;
    op->len = 0;
  }
  blec__op_unref(op);
  return r;
}

static int refuse(blec_error *err, int r, const char *what) {
  if (err) blec__error_set(err, r, "%s", what);
  return r;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int refuse_f(blec_error *err, int r, const char *fmt, ...) {
  if (err) {
    char m[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    blec__error_set(err, r, "%s", m);
  }
  return r;
}

/* "read, notify" (bleak's names), or "none". */
static const char *props_text(uint32_t props, char *buf, size_t size) {
  if (!props) {
    snprintf(buf, size, "none");
    return buf;
  }
  return blec_properties_format(props, buf, size);
}

static const char *refusal_text(int r) {
  switch (r) {
    case BLEC_ERR_NOT_CONNECTED: return "the client is not connected";
    case BLEC_ERR_INVALID_ARG: return "invalid argument";
    default: return blec_strerror(r);
  }
}

/* Why resolve() refused the program's GATT object. */
static const char *object_refusal(int r) {
  return r == BLEC_ERR_INVALID_ARG
             ? "the characteristic is not one of this client's (another client's, or of a tree a reconnection released)"
             : refusal_text(r);
}

int blec_client_read(blec_client *c, const blec_characteristic *chr, unsigned flags, int timeout_ms,
                     uint8_t **data, size_t *len, blec_error *err) {
  blec_error_clear(err);
  if (!data || !len) return refuse(err, BLEC_ERR_INVALID_ARG, "data and len are required");
  *data = NULL;
  *len = 0;
  blec_op *op;
  int r = blec_client_read_async(c, chr, flags, NULL, NULL, &op);
  if (r != BLEC_OK) return refuse(err, r, refusal_text(r));
  return wait_data(op, timeout_ms, data, len, err);
}

int blec_client_read_descriptor(blec_client *c, const blec_descriptor *d, unsigned flags, int timeout_ms,
                                uint8_t **data, size_t *len, blec_error *err) {
  blec_error_clear(err);
  if (!data || !len) return refuse(err, BLEC_ERR_INVALID_ARG, "data and len are required");
  *data = NULL;
  *len = 0;
  blec_op *op;
  int r = blec_client_read_descriptor_async(c, d, flags, NULL, NULL, &op);
  if (r != BLEC_OK) return refuse(err, r, refusal_text(r));
  return wait_data(op, timeout_ms, data, len, err);
}

/* ---- writes ---------------------------------------------------------------------------------- */

/* Why `chr` (of the current tree) cannot be written with `len` bytes in `mode`: a status
 * with its sentence in err (NULL ok), or BLEC_OK with *with_response chosen. BlueZ and
 * Windows refuse a write to a characteristic without a write property, and a write
 * command longer than MTU - 3; so does blec, before anything is sent. */
static int write_check(blec_client *c, const attr_info *chr, size_t len, blec_write_mode mode,
                       bool *with_response, blec_error *err) {
  char props[160];
  if (!(chr->props & (BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE)))
    return refuse_f(err, BLEC_ERR_NOT_SUPPORTED,
                    "the characteristic cannot be written: its properties are %s (neither write nor "
                    "write-without-response)",
                    props_text(chr->props, props, sizeof props));
  switch (mode) {
    case BLEC_WRITE_DEFAULT: *with_response = (chr->props & BLEC_PROP_WRITE) != 0; break;
    case BLEC_WRITE_WITH_RESPONSE: *with_response = true; break;
    case BLEC_WRITE_WITHOUT_RESPONSE: *with_response = false; break;
    default: return refuse_f(err, BLEC_ERR_INVALID_ARG, "unknown write mode %d", (int)mode);
  }
  size_t max = blec_client_max_write_without_response_size(c);
  if (!*with_response && len > max && blec_client_is_connected(c))
    return refuse_f(err, BLEC_ERR_INVALID_ARG,
                    "a write without response carries at most %lu bytes on this link (MTU - 3), "
                    "the value has %lu",
                    (unsigned long)max, (unsigned long)len);
  return BLEC_OK;
}

static int write_start(blec_client *c, const blec_characteristic *chr, const uint8_t *data, size_t len,
                       blec_write_mode mode, blec_op_cb cb, void *user, blec_op **out, blec_error *err) {
  if (out) *out = NULL;
  attr_info mine, cur;
  if (!c || !chr || (len && !data))
    return refuse_f(err, BLEC_ERR_INVALID_ARG, "%s", !c || !chr ? "client and characteristic are required"
                                                                : "data is NULL with a non-zero len");
  int st = resolve(c, chr, false, &mine, &cur);
  if (st != BLEC_OK) return refuse_f(err, st, "%s", object_refusal(st));
  bool with_response;
  if ((st = write_check(c, &cur, len, mode, &with_response, err)) != BLEC_OK) return st;
  int r;
  blec_op *op = begin(c, BLEC__OP_WRITE, cur.handle, cb, user, &r);
  if (!op) return refuse_f(err, r, "%s", refusal_text(r));
  r = blec__op_launched(op, c->ctx->backend->write(c, op, cur.handle, false, data, len, with_response), out);
  return r == BLEC_OK ? r : refuse_f(err, r, "%s", refusal_text(r));
}

int blec_client_write_async(blec_client *c, const blec_characteristic *chr, const uint8_t *data, size_t len,
                            blec_write_mode mode, blec_op_cb cb, void *user, blec_op **out) {
  return write_start(c, chr, data, len, mode, cb, user, out, NULL);
}

int blec_client_write(blec_client *c, const blec_characteristic *chr, const uint8_t *data, size_t len,
                      blec_write_mode mode, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = write_start(c, chr, data, len, mode, NULL, NULL, &op, err);
  if (r != BLEC_OK) return r;
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}

int blec_client_write_descriptor_async(blec_client *c, const blec_descriptor *d, const uint8_t *data, size_t len,
                                       blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c || !d || (len && !data)) return BLEC_ERR_INVALID_ARG;
  attr_info mine, cur;
  if (given(c, d, true, &mine) && is_cccd(&mine)) return BLEC_ERR_INVALID_ARG; /* use start_notify */
  int st = resolve(c, d, true, &mine, &cur);
  if (st != BLEC_OK) return st;
  int r;
  blec_op *op = begin(c, BLEC__OP_WRITE, cur.handle, cb, user, &r);
  if (!op) return r;
  return blec__op_launched(op, c->ctx->backend->write(c, op, cur.handle, true, data, len, true), out);
}

int blec_client_write_descriptor(blec_client *c, const blec_descriptor *d, const uint8_t *data, size_t len,
                                 int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = blec_client_write_descriptor_async(c, d, data, len, NULL, NULL, &op);
  if (r != BLEC_OK) {
    attr_info mine;
    bool cccd = given(c, d, true, &mine) && is_cccd(&mine);
    return refuse(err, r,
                  cccd ? "the Client Characteristic Configuration descriptor is written by start_notify/stop_notify"
                       : refusal_text(r));
  }
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}

/* ---- notifications ------------------------------------------------------------------------------ */

static blec__subscription *find_sub_locked(blec_client *c, uint16_t handle) {
  for (size_t i = 0; i < c->nsubs; i++)
    if (c->subs[i].handle == handle) return &c->subs[i];
  return NULL;
}

/* Takes the subscription of `handle` (of generation gen, or any when gen is 0) out of the
 * client; its stream (returned) is the caller's to end. */
static blec__stream *remove_sub_locked(blec_client *c, uint16_t handle, uint64_t gen) {
  for (size_t i = 0; i < c->nsubs; i++) {
    if (c->subs[i].handle == handle && (!gen || c->subs[i].generation == gen)) {
      blec__stream *s = c->subs[i].stream;
      c->subs[i] = c->subs[--c->nsubs];
      return s;
    }
  }
  return NULL;
}

/* A failed subscription is removed again (unless a newer one replaced it). */
static void subscribed(blec_op *op, void *arg) {
  blec_client *c = op->client;
  uint64_t gen = (uint64_t)(uintptr_t)arg;
  if (op->err.status == BLEC_OK) return;
  blec__mutex_lock(&c->lock);
  blec__stream *s = remove_sub_locked(c, op->handle, gen);
  blec__mutex_unlock(&c->lock);
  if (s) blec__notify_stream_end(c, s, false);
}

/* A characteristic without notify or indicate cannot be subscribed to: BLEC_ERR_NOT_SUPPORTED
 * (as BlueZ's NotSupported), with its properties in the sentence. */
static int notify_check(const attr_info *chr, blec_error *err) {
  char props[160];
  if (chr->props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)) return BLEC_OK;
  return refuse_f(err, BLEC_ERR_NOT_SUPPORTED,
                  "the characteristic supports neither notify nor indicate: its properties are %s",
                  props_text(chr->props, props, sizeof props));
}

static int notify_start(blec_client *c, const blec_characteristic *chr, unsigned flags, blec_notify_cb cb,
                        void *cb_user, blec_op_cb done, void *user, blec_op **out, blec_error *err) {
  if (out) *out = NULL;
  attr_info mine, cur;
  if (!c || !chr || !cb || (flags & ~(unsigned)BLEC_NOTIFY_FORCE_INDICATE))
    return refuse_f(err, BLEC_ERR_INVALID_ARG, "%s",
                    !c || !chr || !cb ? "client, characteristic and callback are required" : "unknown flags");
  if (!given(c, chr, false, &mine))
    return refuse_f(err, BLEC_ERR_INVALID_ARG, "%s", object_refusal(BLEC_ERR_INVALID_ARG));
  int st;
  if ((st = notify_check(&mine, err)) != BLEC_OK) return st;
  if ((st = resolve(c, chr, false, &mine, &cur)) != BLEC_OK) return refuse_f(err, st, "%s", object_refusal(st));
  if ((st = notify_check(&cur, err)) != BLEC_OK) return st;
  bool indicate = !(cur.props & BLEC_PROP_NOTIFY) ||
                  ((flags & BLEC_NOTIFY_FORCE_INDICATE) && (cur.props & BLEC_PROP_INDICATE));
  if (indicate && !(c->ctx->caps & BLEC_CAP_INDICATIONS))
    return refuse_f(err, BLEC_ERR_NOT_SUPPORTED, "the %s backend cannot subscribe to indications",
                    c->ctx->backend->name);
  if (indicate && (cur.props & BLEC_PROP_NOTIFY) && !(c->ctx->caps & BLEC_CAP_FORCE_INDICATE))
    return refuse_f(err, BLEC_ERR_NOT_SUPPORTED,
                    "the %s backend cannot choose indications over notifications (BLEC_NOTIFY_FORCE_INDICATE)",
                    c->ctx->backend->name);
  int r;
  blec_op *op = begin(c, BLEC__OP_SUBSCRIBE, cur.handle, done, user, &r);
  if (!op) return refuse_f(err, r, "%s", refusal_text(r));
  /* Active before the CCCD write, so the first values after it are not lost. */
  blec__mutex_lock(&c->lock);
  if (find_sub_locked(c, cur.handle)) {
    blec__mutex_unlock(&c->lock);
    blec__op_launched(op, BLEC_ERR_BUSY, out);
    return refuse_f(err, BLEC_ERR_BUSY, "notifications are already started on this characteristic");
  }
  blec__subscription *a = realloc(c->subs, (c->nsubs + 1) * sizeof *a);
  blec__stream *stream = a ? blec__notify_stream_new(c, cur.handle, cb, cb_user) : NULL;
  if (a) c->subs = a;
  if (!stream) {
    blec__mutex_unlock(&c->lock);
    blec__op_launched(op, BLEC_ERR_NO_MEMORY, out);
    return refuse_f(err, BLEC_ERR_NO_MEMORY, "no memory for the subscription");
  }
  uint64_t gen = ++c->sub_gen;
  c->subs[c->nsubs++] = (blec__subscription){cur.handle, gen, stream};
  blec__mutex_unlock(&c->lock);
  blec__op_then(op, subscribed, (void *)(uintptr_t)gen);
  r = c->ctx->backend->subscribe(c, op, cur.handle, indicate ? BLEC__CCCD_INDICATE : BLEC__CCCD_NOTIFY);
  r = blec__op_launched(op, r, out);
  return r == BLEC_OK ? r : refuse_f(err, r, "%s", refusal_text(r));
}

int blec_client_start_notify_async(blec_client *c, const blec_characteristic *chr, unsigned flags, blec_notify_cb cb,
                                   void *cb_user, blec_op_cb done, void *user, blec_op **out) {
  return notify_start(c, chr, flags, cb, cb_user, done, user, out, NULL);
}

int blec_client_start_notify(blec_client *c, const blec_characteristic *chr, unsigned flags, blec_notify_cb cb,
                             void *cb_user, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = notify_start(c, chr, flags, cb, cb_user, NULL, NULL, &op, err);
  if (r != BLEC_OK) return r;
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}

int blec_client_stop_notify_async(blec_client *c, const blec_characteristic *chr, blec_op_cb done, void *user,
                                  blec_op **out) {
  if (out) *out = NULL;
  if (!c || !chr) return BLEC_ERR_INVALID_ARG;
  attr_info mine, cur;
  int st = resolve(c, chr, false, &mine, &cur);
  if (st != BLEC_OK) return st;
  /* No callback of chr runs from here on, whatever the CCCD write does: its stream ends,
   * and one running on another thread ends first (issue 13, item 9). */
  blec__mutex_lock(&c->lock);
  blec__stream *s = remove_sub_locked(c, cur.handle, 0);
  c->sub_gen++;
  blec__mutex_unlock(&c->lock);
  if (!s) return BLEC_ERR_STATE;
  blec__notify_stream_end(c, s, true);
  int r;
  blec_op *op = begin(c, BLEC__OP_SUBSCRIBE, cur.handle, done, user, &r);
  if (!op) return r;
  return blec__op_launched(op, c->ctx->backend->subscribe(c, op, cur.handle, BLEC__CCCD_OFF), out);
}

int blec_client_stop_notify(blec_client *c, const blec_characteristic *chr, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = blec_client_stop_notify_async(c, chr, NULL, NULL, &op);
  if (r != BLEC_OK) return refuse(err, r, r == BLEC_ERR_STATE ? "notifications are not started" : refusal_text(r));
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}

/* ---- pairing --------------------------------------------------------------------------------------- */

int blec_client_pair_async(blec_client *c, blec_protection_level level, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c || level < BLEC_PROTECTION_DEFAULT || level > BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION)
    return BLEC_ERR_INVALID_ARG;
  if (!(c->ctx->caps & BLEC_CAP_PAIRING)) return BLEC_ERR_NOT_SUPPORTED;
  int r;
  blec_op *op = begin(c, BLEC__OP_PAIR, 0, cb, user, &r);
  if (!op) return r;
  return blec__op_launched(op, c->ctx->backend->pair(c, op, level), out);
}

int blec_client_pair(blec_client *c, blec_protection_level level, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = blec_client_pair_async(c, level, NULL, NULL, &op);
  if (r != BLEC_OK) return refuse(err, r, refusal_text(r));
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}

int blec_client_unpair_async(blec_client *c, blec_op_cb cb, void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c) return BLEC_ERR_INVALID_ARG;
  if (!(c->ctx->caps & BLEC_CAP_UNPAIR)) return BLEC_ERR_NOT_SUPPORTED;
  /* Connected or not, as bleak: the bond is the OS's. The op is not tracked as pending:
   * unpairing ends the link, and that must not fail the unpair itself. */
  blec_op *op = blec__op_new(c->ctx, BLEC__OP_UNPAIR, cb, user);
  if (!op) return BLEC_ERR_NO_MEMORY;
  op->client = blec__client_ref(c);
  return blec__op_launched(op, c->ctx->backend->unpair(c, op), out);
}

int blec_client_unpair(blec_client *c, int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = blec_client_unpair_async(c, NULL, NULL, &op);
  if (r != BLEC_OK) return refuse(err, r, refusal_text(r));
  r = blec__op_wait_final(op, timeout_ms, err);
  blec__op_unref(op);
  return r;
}
