/* SPDX-License-Identifier: MIT */
/*
 * winrt_io.c — reads (with the cache mode asked: the OS's cached value or the device's),
 * writes with GattWriteOption (with or without response, values and descriptors), and
 * notifications / indications: the CCCD written through
 * WriteClientCharacteristicConfigurationDescriptorWithResultAsync, values through
 * ValueChanged. Each request is a job on the pool with its own argument struct; it takes
 * its own reference to the WinRT object it uses, so a teardown meanwhile cannot pull it
 * away. No WinRT call is made with the client's lock held (issue 10, defect 6).
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

#define H_VALUE \
  &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattCharacteristic_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattValueChangedEventArgs

typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult ReadOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult WriteOp;

/* The table's object for the request, or the op completed with why there is none. */
static IUnknown *attr_or_fail(wr_job *job, wr_attr_kind kind, uint16_t handle) {
  wr_client *wc = wr_client_of(job->c);
  IUnknown *o = wr_client_attr(wc, kind, handle);
  if (!o) {
    blec__mutex_lock(&wc->lock);
    bool up = wc->state == WR_LINK_ACTIVE;
    blec__mutex_unlock(&wc->lock);
    if (!up) {
      /* The core took the request on a live link: it went down before the request was
       * made (its objects released with it), which is a link lost during the operation. */
      blec_error e;
      blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link was lost before the request was made");
      blec__op_complete_error(job->op, &e);
    } else {
      blec__op_complete(job->op, kind == WR_ATTR_DESCRIPTOR ? BLEC_ERR_DESCRIPTOR_NOT_FOUND
                                                            : BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
    }
  }
  return o;
}

/* A request that failed as Unreachable or on a closed object while the link dropped fails
 * with BLEC_ERR_DISCONNECTED, as on every backend. */
static bool complete_if_link_down(wr_job *job) {
  if (!wr_link_dropped(job)) return false;
  blec_error e;
  blec__error_set(&e, BLEC_ERR_DISCONNECTED, "the link was lost during the operation");
  blec__op_complete_error(job->op, &e);
  return true;
}

/* Failures that a lost link explains. */
/* Failures that a lost link explains (a cancel included: the backend cancels the requests
 * of a link it takes apart; one the program cancelled is complete already). */
static bool link_failure(HRESULT hr, GattCommunicationStatus st) {
  int s = wr_status_from_hr(hr);
  return FAILED(hr) ? s == BLEC_ERR_NOT_CONNECTED || s == BLEC_ERR_DISCONNECTED || s == BLEC_ERR_CANCELLED
                    : st == GattCommunicationStatus_Unreachable;
}

static int start(wr_job *job) {
  if (!job) return BLEC_ERR_NO_MEMORY;
  return wr_job_start(job, WR_JOB_POOL_ORDERED);
}

/* ---- read ----------------------------------------------------------------------------------------- */

typedef struct read_job {
  wr_job base;
  wr_attr_kind kind;
  uint16_t handle;
  BluetoothCacheMode mode;
} read_job;

static void read_run(wr_job *job) {
  read_job *j = (read_job *)job;
  wr_ctx *w = job->w;
  IUnknown *o = attr_or_fail(job, j->kind, j->handle);
  if (!o) return;
  ReadOp *op = NULL;
  HRESULT hr = j->kind == WR_ATTR_DESCRIPTOR ? IGattDescriptor_ReadValueWithCacheModeAsync((IGattDescriptor *)o, j->mode, &op)
                                             : IGattCharacteristic_ReadValueWithCacheModeAsync((IGattCharacteristic *)o, j->mode, &op);
  IUnknown_Release(o);
  wr_job_pass_turn(job); /* the request is made: the next may go while this one waits */
  IGattReadResult *r = NULL;
  if (SUCCEEDED(wr_hr(w, hr, "ReadValueAsync"))) hr = wr_await_read(w, job, -1, op, &r);
  wr_job_wait_answer_turn(job);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    if (!(link_failure(hr, GattCommunicationStatus_Success) && complete_if_link_down(job)))
      wr_complete_hr(job->op, hr, "reading");
    return;
  }
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  hr = wr_hr(w, IGattReadResult_get_Status(r, &st), "GattReadResult.Status");
  wr_log(w, BLEC_LOG_DEBUG, "read 0x%04x (%s): %s", (unsigned)j->handle,
         j->mode == BluetoothCacheMode_Cached ? "cached" : "uncached", wr_gatt_status_name(st));
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "GattReadResult.Status");
  } else if (link_failure(S_OK, st) && complete_if_link_down(job)) {
    /* done */
  } else if (st != GattCommunicationStatus_Success) {
    int att = -1;
    IGattReadResult2 *r2 = NULL;
    __FIReference_1_BYTE *pe = NULL;
    if (SUCCEEDED(wr_qi(w, r, WR_IF_READ_RESULT2, (void **)&r2))) {
      if (SUCCEEDED(wr_hr(w, IGattReadResult2_get_ProtocolError(r2, &pe), "GattReadResult.ProtocolError")) && pe) {
        att = wr_protocol_error(pe);
        __FIReference_1_BYTE_Release(pe);
      }
      IGattReadResult2_Release(r2);
    }
    wr_complete_gatt(job->op, st, att, "reading");
  } else {
    IBuffer *b = NULL;
    BYTE *p = NULL;
    UINT32 n = 0;
    hr = wr_hr(w, IGattReadResult_get_Value(r, &b), "GattReadResult.Value");
    if (SUCCEEDED(hr) && b) hr = wr_buffer_bytes(b, &p, &n);
    if (FAILED(hr))
      wr_complete_hr(job->op, hr, "GattReadResult.Value");
    else
      blec__op_complete_data(job->op, p, n);
    if (b) IBuffer_Release(b);
  }
  IGattReadResult_Release(r);
}

int wr_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached) {
  read_job *j = wr_job_new(wr_ctx_of(blec__client_ctx(c)), c, op, sizeof *j, read_run, descriptor ? "read descriptor" : "read");
  if (j) {
    j->kind = descriptor ? WR_ATTR_DESCRIPTOR : WR_ATTR_CHARACTERISTIC;
    j->handle = handle;
    j->mode = cached ? BluetoothCacheMode_Cached : BluetoothCacheMode_Uncached;
  }
  return start(j ? &j->base : NULL);
}

/* ---- write ------------------------------------------------------------------------------------------- */

/* How a write result ends the op. */
static void finish_write(wr_job *job, HRESULT hr, IGattWriteResult *r, const char *what) {
  wr_ctx *w = job->w;
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (FAILED(hr)) {
    if (!(link_failure(hr, GattCommunicationStatus_Success) && complete_if_link_down(job)))
      wr_complete_hr(job->op, hr, what);
    return;
  }
  GattCommunicationStatus st = GattCommunicationStatus_Success;
  hr = wr_hr(w, IGattWriteResult_get_Status(r, &st), "GattWriteResult.Status");
  wr_log(w, BLEC_LOG_DEBUG, "%s: %s", what, FAILED(hr) ? "no status" : wr_gatt_status_name(st));
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "GattWriteResult.Status");
  } else if (st == GattCommunicationStatus_Success) {
    blec__op_complete(job->op, BLEC_OK);
  } else if (link_failure(S_OK, st) && complete_if_link_down(job)) {
    /* done */
  } else {
    __FIReference_1_BYTE *pe = NULL;
    int att = -1;
    if (SUCCEEDED(wr_hr(w, IGattWriteResult_get_ProtocolError(r, &pe), "GattWriteResult.ProtocolError")) && pe) {
      att = wr_protocol_error(pe);
      __FIReference_1_BYTE_Release(pe);
    }
    wr_complete_gatt(job->op, st, att, what);
  }
  IGattWriteResult_Release(r);
}

typedef struct write_job {
  wr_job base;
  wr_attr_kind kind;
  uint16_t handle;
  GattWriteOption option; /* characteristics */
  size_t len;
  uint8_t data[];
} write_job;

static void write_run(wr_job *job) {
  write_job *j = (write_job *)job;
  wr_ctx *w = job->w;
  IUnknown *o = attr_or_fail(job, j->kind, j->handle);
  if (!o) return;
  IBuffer *b = NULL;
  WriteOp *op = NULL;
  HRESULT hr = wr_buffer_new(w, j->data, (UINT32)j->len, &b);
  if (SUCCEEDED(hr) && j->kind == WR_ATTR_DESCRIPTOR) {
    IGattDescriptor2 *d2 = NULL;
    hr = wr_qi(w, o, WR_IF_DESCRIPTOR2, (void **)&d2);
    if (SUCCEEDED(hr)) {
      hr = wr_hr(w, IGattDescriptor2_WriteValueWithResultAsync(d2, b, &op), "GattDescriptor.WriteValueWithResultAsync");
      IGattDescriptor2_Release(d2);
    }
  } else if (SUCCEEDED(hr)) {
    IGattCharacteristic3 *c3 = NULL;
    hr = wr_qi(w, o, WR_IF_CHARACTERISTIC3, (void **)&c3);
    if (SUCCEEDED(hr)) {
      hr = wr_hr(w, IGattCharacteristic3_WriteValueWithResultAndOptionAsync(c3, b, j->option, &op),
                 "GattCharacteristic.WriteValueWithResultAndOptionAsync");
      IGattCharacteristic3_Release(c3);
    }
  }
  if (b) IBuffer_Release(b);
  IUnknown_Release(o);
  wr_job_pass_turn(job);
  IGattWriteResult *r = NULL;
  if (SUCCEEDED(hr)) hr = wr_await_write(w, job, -1, op, &r);
  wr_job_wait_answer_turn(job);
  finish_write(job, hr, r,
               j->kind == WR_ATTR_DESCRIPTOR                          ? "writing the descriptor"
               : j->option == GattWriteOption_WriteWithoutResponse ? "writing without response"
                                                                    : "writing");
}

int wr_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response) {
  write_job *j =
      wr_job_new(wr_ctx_of(blec__client_ctx(c)), c, op, sizeof *j + (len ? len : 1), write_run,
                 descriptor ? "write descriptor" : with_response ? "write" : "write without response");
  if (j) {
    j->kind = descriptor ? WR_ATTR_DESCRIPTOR : WR_ATTR_CHARACTERISTIC;
    j->handle = handle;
    j->option = with_response ? GattWriteOption_WriteWithResponse : GattWriteOption_WriteWithoutResponse;
    j->len = len;
    if (len) memcpy(j->data, data, len);
  }
  return start(j ? &j->base : NULL);
}

/* ---- notifications and indications ---------------------------------------------------------------- */

typedef struct value_ctx {
  blec_client *c; /* referenced */
  uint16_t handle;
} value_ctx;

static void value_ctx_free(void *p) {
  value_ctx *v = p;
  blec__client_unref(v->c);
  free(v);
}

static HRESULT on_value(void *ctx, void *sender, void *args) {
  (void)sender;
  value_ctx *v = ctx;
  wr_client *wc = wr_client_of(v->c);
  IGattValueChangedEventArgs *a = args;
  IBuffer *b = NULL;
  if (!a || !wr_client_enter(wc)) return S_OK;
  wr_ctx *w = wr_ctx_of(blec__client_ctx(v->c));
  BYTE *p = NULL;
  UINT32 n = 0;
  if (SUCCEEDED(wr_hr(w, IGattValueChangedEventArgs_get_CharacteristicValue(a, &b), "ValueChangedEventArgs.CharacteristicValue")) &&
      b && SUCCEEDED(wr_hr(w, wr_buffer_bytes(b, &p, &n), "the value's bytes"))) {
    wr_log(w, BLEC_LOG_DEBUG, "%s: ValueChanged handle 0x%04x, %u bytes", blec__client_address(v->c),
           (unsigned)v->handle, (unsigned)n);
    blec__client_value(v->c, v->handle, p, n); /* the core drops it unless subscribed */
  }
  if (b) IBuffer_Release(b);
  wr_client_leave(wc);
  return S_OK;
}

/* The table entry of characteristic object ch (the current table), or NULL. Lock held. */
static wr_attr *entry_locked(wr_client *wc, IUnknown *ch) {
  for (size_t i = 0; i < wc->gatt.n; i++)
    if (wc->gatt.v[i].obj == ch && wc->gatt.v[i].kind == WR_ATTR_CHARACTERISTIC) return &wc->gatt.v[i];
  return NULL;
}

/* Registers a ValueChanged handler for ch (outside the lock), then records it in its entry. */
static HRESULT handler_on(wr_job *job, IUnknown *ch, uint16_t handle) {
  wr_client *wc = wr_client_of(job->c);
  blec__mutex_lock(&wc->lock);
  wr_attr *a = entry_locked(wc, ch);
  bool have = a && a->value_handler;
  blec__mutex_unlock(&wc->lock);
  if (have) return S_OK;
  value_ctx *v = malloc(sizeof *v);
  if (!v) return E_OUTOFMEMORY;
  v->c = blec__client_ref(job->c);
  v->handle = handle;
  void *d = wr_delegate_new(H_VALUE, on_value, v, value_ctx_free);
  if (!d) return E_OUTOFMEMORY;
  EventRegistrationToken tok;
  HRESULT hr = wr_hr(job->w, IGattCharacteristic_add_ValueChanged((IGattCharacteristic *)ch, d, &tok),
                     "GattCharacteristic.add_ValueChanged");
  if (FAILED(hr)) {
    wr_delegate_release(d);
    return hr;
  }
  blec__mutex_lock(&wc->lock);
  a = entry_locked(wc, ch);
  bool keep = a && !a->value_handler;
  if (keep) {
    a->value_handler = d;
    a->value_token = tok;
  }
  blec__mutex_unlock(&wc->lock);
  if (!keep) { /* the table was replaced meanwhile, or another subscription won */
    wr_hr(job->w, IGattCharacteristic_remove_ValueChanged((IGattCharacteristic *)ch, tok), "GattCharacteristic.remove_ValueChanged");
    wr_delegate_release(d);
  }
  return S_OK;
}

/* Removes ch's handler, unless a later subscription job took it over (a job that ends
 * late, its timeout or cancel long gone, must not undo what the program asked after it). */
static void handler_off(wr_job *job, IUnknown *ch) {
  wr_client *wc = wr_client_of(job->c);
  blec__mutex_lock(&wc->lock);
  wr_attr *a = entry_locked(wc, ch);
  if (a && a->value_owner > job->ticket) a = NULL;
  void *d = a ? a->value_handler : NULL;
  EventRegistrationToken tok = a ? a->value_token : (EventRegistrationToken){0};
  if (a) a->value_handler = NULL;
  blec__mutex_unlock(&wc->lock);
  if (!d) return;
  wr_hr(job->w, IGattCharacteristic_remove_ValueChanged((IGattCharacteristic *)ch, tok), "GattCharacteristic.remove_ValueChanged");
  wr_delegate_release(d);
}

typedef struct subscribe_job {
  wr_job base;
  uint16_t handle;
  GattClientCharacteristicConfigurationDescriptorValue value;
} subscribe_job;

static void subscribe_run(wr_job *job) {
  subscribe_job *j = (subscribe_job *)job;
  wr_ctx *w = job->w;
  IUnknown *o = attr_or_fail(job, WR_ATTR_CHARACTERISTIC, j->handle);
  if (!o) return;
  bool on = j->value != GattClientCharacteristicConfigurationDescriptorValue_None;
  /* The handler is this job's now: an earlier job that ends late leaves it alone. */
  wr_client *wc = wr_client_of(job->c);
  blec__mutex_lock(&wc->lock);
  wr_attr *a = entry_locked(wc, o);
  if (a) a->value_owner = job->ticket;
  blec__mutex_unlock(&wc->lock);
  HRESULT hr = on ? handler_on(job, o, j->handle) : S_OK;
  IGattCharacteristic3 *c3 = NULL;
  WriteOp *op = NULL;
  if (SUCCEEDED(hr)) hr = wr_qi(w, o, WR_IF_CHARACTERISTIC3, (void **)&c3);
  if (SUCCEEDED(hr))
    hr = wr_hr(w, IGattCharacteristic3_WriteClientCharacteristicConfigurationDescriptorWithResultAsync(c3, j->value, &op),
               "GattCharacteristic.WriteClientCharacteristicConfigurationDescriptorWithResultAsync");
  if (c3) IGattCharacteristic3_Release(c3);
  wr_job_pass_turn(job);
  IGattWriteResult *r = NULL;
  if (SUCCEEDED(hr)) hr = wr_await_write(w, job, -1, op, &r);
  wr_job_wait_answer_turn(job);
  GattCommunicationStatus st = GattCommunicationStatus_Unreachable;
  if (SUCCEEDED(hr) && r && FAILED(wr_hr(w, IGattWriteResult_get_Status(r, &st), "GattWriteResult.Status")))
    st = GattCommunicationStatus_Unreachable;
  /* Off, or on that failed (a device that claims indications it lacks): no handler left. */
  if (!on || st != GattCommunicationStatus_Success) handler_off(job, o);
  IUnknown_Release(o);
  finish_write(job, hr, r,
               j->value == GattClientCharacteristicConfigurationDescriptorValue_Notify     ? "enabling notifications"
               : j->value == GattClientCharacteristicConfigurationDescriptorValue_Indicate ? "enabling indications"
                                                                                           : "disabling notifications");
}

int wr_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode) {
  subscribe_job *j = wr_job_new(wr_ctx_of(blec__client_ctx(c)), c, op, sizeof *j, subscribe_run, "subscribe");
  if (j) {
    j->handle = value_handle;
    j->value = mode == BLEC__CCCD_NOTIFY     ? GattClientCharacteristicConfigurationDescriptorValue_Notify
               : mode == BLEC__CCCD_INDICATE ? GattClientCharacteristicConfigurationDescriptorValue_Indicate
                                             : GattClientCharacteristicConfigurationDescriptorValue_None;
  }
  return start(j ? &j->base : NULL);
}
