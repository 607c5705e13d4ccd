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

/* A new tracked op if the client is connected, else NULL with *status set. */
static blec_op *begin(blec_client *c, blec__op_kind kind, blec_op_cb cb, void *user, int *status) {
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
  blec__client_track(c, op);
  *status = BLEC_OK;
  return op;
}

/* After the backend's request function: a refusal ends the op silently (the caller gets
 * the status), otherwise the op goes to the caller. */
static int launched(blec_op *op, int r, blec_op **out) {
  if (r != BLEC_OK) {
    op->cb = NULL;
    blec__op_complete(op, r);
    blec__op_unref(op);
    return r;
  }
  blec__op_give(op, out);
  return BLEC_OK;
}

static bool chr_is_ours(const blec_client *c, const blec_characteristic *chr) { return chr->client == c; }

/*
 * The characteristic of the current tree that `chr` stands for: itself, or — for an
 * object of a tree discovered on an earlier connection — the one with the same handle
 * and UUID now. NULL with *status set when not connected or when it is gone.
 */
static const blec_characteristic *current_chr(blec_client *c, const blec_characteristic *chr, int *status) {
  if (!blec_client_is_connected(c)) {
    *status = BLEC_ERR_NOT_CONNECTED;
    return NULL;
  }
  blec__mutex_lock(&c->lock);
  const blec_characteristic *cur = blec__client_chr_by_handle_locked(c, chr->handle);
  if (cur && !blec_uuid_equal(&cur->uuid, &chr->uuid)) cur = NULL;
  blec__mutex_unlock(&c->lock);
  *status = cur ? BLEC_OK : BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
  return cur;
}

static const blec_descriptor *current_desc(blec_client *c, const blec_descriptor *d, int *status) {
  if (!blec_client_is_connected(c)) {
    *status = BLEC_ERR_NOT_CONNECTED;
    return NULL;
  }
  blec_descriptor *cur = NULL;
  blec__mutex_lock(&c->lock);
  if (blec_client_descriptor_by_handle(c, d->handle, &cur) != BLEC_OK || !blec_uuid_equal(&cur->uuid, &d->uuid))
    cur = NULL;
  blec__mutex_unlock(&c->lock);
  *status = cur ? BLEC_OK : BLEC_ERR_DESCRIPTOR_NOT_FOUND;
  return cur;
}

/* ---- reads ------------------------------------------------------------------------------- */

static int read_start(blec_client *c, uint16_t handle, bool descriptor, unsigned flags, blec_op_cb cb, void *user,
                      blec_op **out) {
  if (flags & ~(unsigned)BLEC_READ_CACHED) return BLEC_ERR_INVALID_ARG;
  if ((flags & BLEC_READ_CACHED) && !(c->ctx->caps & BLEC_CAP_CACHE_MODE)) return BLEC_ERR_NOT_SUPPORTED;
  int r;
  blec_op *op = begin(c, BLEC__OP_READ, cb, user, &r);
  if (!op) return r;
  return launched(op, c->ctx->backend->read(c, op, handle, descriptor, (flags & BLEC_READ_CACHED) != 0), out);
}

int blec_client_read_async(blec_client *c, const blec_characteristic *chr, unsigned flags, blec_op_cb cb,
                           void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c || !chr || !chr_is_ours(c, chr)) return BLEC_ERR_INVALID_ARG;
  int st;
  if (!(chr = current_chr(c, chr, &st))) return st;
  return read_start(c, chr->handle, false, flags, cb, user, out);
}

int blec_client_read_descriptor_async(blec_client *c, const blec_descriptor *d, unsigned flags, blec_op_cb cb,
                                      void *user, blec_op **out) {
  if (out) *out = NULL;
  if (!c || !d || !chr_is_ours(c, d->chr)) return BLEC_ERR_INVALID_ARG;
  int st;
  if (!(d = current_desc(c, d, &st))) return st;
  return read_start(c, d->handle, true, flags, cb, user, out);
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
static int write_check(blec_client *c, const blec_characteristic *chr, size_t len, blec_write_mode mode,
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
  if (!c || !chr || !chr_is_ours(c, chr) || (len && !data))
    return refuse_f(err, BLEC_ERR_INVALID_ARG, "%s", !c || !chr ? "client and characteristic are required"
                                                    : (len && !data) ? "data is NULL with a non-zero len"
                                                                     : "the characteristic belongs to another client");
  int st;
  if (!(chr = current_chr(c, chr, &st))) return refuse_f(err, st, "%s", refusal_text(st));
  bool with_response;
  if ((st = write_check(c, chr, len, mode, &with_response, err)) != BLEC_OK) return st;
  int r;
  blec_op *op = begin(c, BLEC__OP_WRITE, cb, user, &r);
  if (!op) return refuse_f(err, r, "%s", refusal_text(r));
  r = launched(op, c->ctx->backend->write(c, op, chr->handle, false, data, len, with_response), out);
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
  if (!c || !d || !chr_is_ours(c, d->chr) || (len && !data)) return BLEC_ERR_INVALID_ARG;
  uint16_t u16;
  if (blec_uuid_to16(&d->uuid, &u16) && u16 == CCCD_UUID16) return BLEC_ERR_INVALID_ARG; /* use start_notify */
  int st;
  if (!(d = current_desc(c, d, &st))) return st;
  int r;
  blec_op *op = begin(c, BLEC__OP_WRITE, cb, user, &r);
  if (!op) return r;
  return launched(op, c->ctx->backend->write(c, op, d->handle, true, data, len, true), out);
}

int blec_client_write_descriptor(blec_client *c, const blec_descriptor *d, const uint8_t *data, size_t len,
                                 int timeout_ms, blec_error *err) {
  blec_error_clear(err);
  blec_op *op;
  int r = blec_client_write_descriptor_async(c, d, data, len, NULL, NULL, &op);
  if (r != BLEC_OK) {
    uint16_t u16;
    bool cccd = d && blec_uuid_to16(&d->uuid, &u16) && u16 == CCCD_UUID16;
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

static void remove_sub_locked(blec_client *c, uint16_t handle) {
  for (size_t i = 0; i < c->nsubs; i++) {
    if (c->subs[i].handle == handle) {
      c->subs[i] = c->subs[--c->nsubs];
      return;
    }
  }
}

/* A failed subscription is removed again (unless a newer one replaced it). */
static void subscribed(blec_op *op, void *arg) {
  blec_client *c = op->client;
  uint64_t gen = (uint64_t)(uintptr_t)arg;
  if (op->err.status == BLEC_OK) return;
  blec__mutex_lock(&c->lock);
  blec__subscription *s = find_sub_locked(c, op->handle);
  if (s && s->generation == gen) remove_sub_locked(c, s->handle);
  blec__mutex_unlock(&c->lock);
}

/* A characteristic without notify or indicate cannot be subscribed to: BLEC_ERR_NOT_SUPPORTED
 * (as BlueZ's NotSupported), with its properties in the sentence. */
static int notify_check(const blec_characteristic *chr, blec_error *err) {
  char props[160];
  if (chr->props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE)) return BLEC_OK;
  return refuse_f(err, BLEC_ERR_NOT_SUPPORTED,
                  "the characteristic supports neither notify nor indicate: its properties are %s",
                  props_text(chr->props, props, sizeof props));
}

static int notify_start(blec_client *c, const blec_characteristic *chr, unsigned flags, blec_notify_cb cb,
                        void *cb_user, blec_op_cb done, void *user, blec_op **out, blec_error *err) {
  if (out) *out = NULL;
  if (!c || !chr || !chr_is_ours(c, chr) || !cb || (flags & ~(unsigned)BLEC_NOTIFY_FORCE_INDICATE))
    return refuse_f(err, BLEC_ERR_INVALID_ARG, "%s",
                    !c || !chr || !cb ? "client, characteristic and callback are required"
                    : !chr_is_ours(c, chr) ? "the characteristic belongs to another client"
                                           : "unknown flags");
  int st;
  if ((st = notify_check(chr, err)) != BLEC_OK) return st;
  if (!(chr = current_chr(c, chr, &st))) return refuse_f(err, st, "%s", refusal_text(st));
  if ((st = notify_check(chr, err)) != BLEC_OK) return st;
  bool indicate = !(chr->props & BLEC_PROP_NOTIFY) ||
                  ((flags & BLEC_NOTIFY_FORCE_INDICATE) && (chr->props & BLEC_PROP_INDICATE));
  if (indicate && !(c->ctx->caps & BLEC_CAP_INDICATIONS))
    return refuse_f(err, BLEC_ERR_NOT_SUPPORTED, "the %s backend cannot subscribe to indications",
                    c->ctx->backend->name);
  if (indicate && (chr->props & BLEC_PROP_NOTIFY) && !(c->ctx->caps & BLEC_CAP_FORCE_INDICATE))
    return refuse_f(err, BLEC_ERR_NOT_SUPPORTED,
                    "the %s backend cannot choose indications over notifications (BLEC_NOTIFY_FORCE_INDICATE)",
                    c->ctx->backend->name);
  int r;
  blec_op *op = begin(c, BLEC__OP_SUBSCRIBE, done, user, &r);
  if (!op) return refuse_f(err, r, "%s", refusal_text(r));
  /* Active before the CCCD write, so the first values after it are not lost. */
  blec__mutex_lock(&c->lock);
  if (find_sub_locked(c, chr->handle)) {
    blec__mutex_unlock(&c->lock);
    op->cb = NULL;
    blec__op_complete(op, BLEC_ERR_BUSY);
    blec__op_unref(op);
    return refuse_f(err, BLEC_ERR_BUSY, "notifications are already started on this characteristic");
  }
  blec__subscription *a = realloc(c->subs, (c->nsubs + 1) * sizeof *a);
  if (!a) {
    blec__mutex_unlock(&c->lock);
    op->cb = NULL;
    blec__op_complete(op, BLEC_ERR_NO_MEMORY);
    blec__op_unref(op);
    return refuse_f(err, BLEC_ERR_NO_MEMORY, "no memory for the subscription");
  }
  c->subs = a;
  uint64_t gen = ++c->sub_gen;
  c->subs[c->nsubs++] = (blec__subscription){chr->handle, true, gen, cb, cb_user};
  blec__mutex_unlock(&c->lock);
  op->handle = chr->handle;
  blec__op_then(op, subscribed, (void *)(uintptr_t)gen);
  r = c->ctx->backend->subscribe(c, op, chr->handle, indicate ? BLEC__CCCD_INDICATE : BLEC__CCCD_NOTIFY);
  r = launched(op, r, out);
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
  if (!c || !chr || !chr_is_ours(c, chr)) return BLEC_ERR_INVALID_ARG;
  int st;
  if (!(chr = current_chr(c, chr, &st))) return st;
  /* No callback of chr starts from here on, whatever the CCCD write does. */
  blec__mutex_lock(&c->lock);
  bool had = find_sub_locked(c, chr->handle) != NULL;
  remove_sub_locked(c, chr->handle);
  c->sub_gen++;
  blec__mutex_unlock(&c->lock);
  if (!had) return BLEC_ERR_STATE;
  int r;
  blec_op *op = begin(c, BLEC__OP_SUBSCRIBE, done, user, &r);
  if (!op) return r;
  return launched(op, c->ctx->backend->subscribe(c, op, chr->handle, BLEC__CCCD_OFF), out);
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
  blec_op *op = begin(c, BLEC__OP_PAIR, cb, user, &r);
  if (!op) return r;
  return launched(op, c->ctx->backend->pair(c, op, level), out);
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
  return launched(op, c->ctx->backend->unpair(c, op), out);
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
