/* SPDX-License-Identifier: MIT */
/*
 * buffer.c — Windows.Storage.Streams.Buffer: IBuffer (Capacity, Length) and the classic
 * COM IBufferByteAccess that gives its bytes; its factory (IBufferFactory.Create makes an
 * empty buffer of a capacity).
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

typedef struct buffer {
  sim_obj obj;
  IBuffer buf;
  IBufferByteAccess bba;
  BYTE *data;
  UINT32 capacity;
  UINT32 length;
} buffer;

static void buffer_destroy(sim_obj *o) { free(((buffer *)o)->data); }

static const sim_itf buffer_itfs[] = {{&IID_IBuffer, offsetof(buffer, buf)},
                                      {&IID_IBufferByteAccess, offsetof(buffer, bba)},
                                      {NULL, 0}};
static const sim_class buffer_class = {L"Windows.Storage.Streams.Buffer", buffer_itfs, buffer_destroy};

#define BUF(This) ((buffer *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE buf_get_Capacity(IBuffer *This, UINT32 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BUF(This)->capacity;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE buf_get_Length(IBuffer *This, UINT32 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BUF(This)->length;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE buf_put_Length(IBuffer *This, UINT32 value) {
  SIM_ENTER();
  buffer *b = BUF(This);
  if (value > b->capacity) return E_INVALIDARG;
  b->length = value;
  return S_OK;
}

SIM_VTABLE(IBufferVtbl, buf_vt) = {offsetof(buffer, buf),
                                   {SIM_INSPECTABLE_SLOTS, .get_Capacity = buf_get_Capacity,
                                    .get_Length = buf_get_Length, .put_Length = buf_put_Length}};

static HRESULT STDMETHODCALLTYPE bba_Buffer(IBufferByteAccess *This, BYTE **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BUF(This)->data;
  return S_OK;
}

SIM_VTABLE(IBufferByteAccessVtbl, bba_vt) = {offsetof(buffer, bba), {SIM_UNKNOWN_SLOTS, .Buffer = bba_Buffer}};

static buffer *buffer_alloc(UINT32 capacity) {
  buffer *b = sim_obj_new(&buffer_class, sizeof *b);
  if (!b) return NULL;
  b->buf.lpVtbl = (IBufferVtbl *)&buf_vt.v;
  b->bba.lpVtbl = (IBufferByteAccessVtbl *)&bba_vt.v;
  /* Never a NULL data pointer, even for capacity 0. */
  b->data = calloc(1, capacity ? capacity : 1);
  if (!b->data) {
    sim_Release(&b->buf);
    return NULL;
  }
  b->capacity = capacity;
  return b;
}

HRESULT sim_buffer_new(const void *data, UINT32 len, IBuffer **out) {
  buffer *b = buffer_alloc(len);
  if (!b) return E_OUTOFMEMORY;
  if (len) memcpy(b->data, data, len);
  b->length = len;
  *out = &b->buf;
  return S_OK;
}

HRESULT sim_buffer_bytes(IBuffer *buf, BYTE **data, UINT32 *len) {
  *data = NULL;
  *len = 0;
  if (!buf) return E_INVALIDARG;
  IBufferByteAccess *bba = NULL;
  HRESULT hr = IBuffer_QueryInterface(buf, &IID_IBufferByteAccess, (void **)&bba);
  if (FAILED(hr)) return hr;
  hr = IBufferByteAccess_Buffer(bba, data);
  IBufferByteAccess_Release(bba);
  if (SUCCEEDED(hr)) hr = IBuffer_get_Length(buf, len);
  return hr;
}

/* ---- factory ------------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE bf_Create(IBufferFactory *This, UINT32 capacity, IBuffer **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  buffer *b = buffer_alloc(capacity);
  if (!b) return E_OUTOFMEMORY;
  *result = &b->buf;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE bs_CreateCopyFromMemoryBuffer(IBufferStatics *This,
                                                               __x_ABI_CWindows_CFoundation_CIMemoryBuffer *mem,
                                                               IBuffer **result) {
  SIM_ENTER();
  (void)This;
  (void)mem;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}

static HRESULT STDMETHODCALLTYPE bs_CreateMemoryBufferOverIBuffer(IBufferStatics *This, IBuffer *input,
                                                                  __x_ABI_CWindows_CFoundation_CIMemoryBuffer **result) {
  SIM_ENTER();
  (void)This;
  (void)input;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}

SIM_VTABLE(IBufferFactoryVtbl, bf_vt) = {SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .Create = bf_Create}};
SIM_VTABLE(IBufferStaticsVtbl, bs_vt) = {
    SIM_FACTORY_SLOT(1),
    {SIM_INSPECTABLE_SLOTS, .CreateCopyFromMemoryBuffer = bs_CreateCopyFromMemoryBuffer,
     .CreateMemoryBufferOverIBuffer = bs_CreateMemoryBufferOverIBuffer}};

const sim_factory_desc sim_buffer_factory = {
    L"Windows.Storage.Streams.Buffer",
    NULL,
    {{&IID_IBufferFactory, &bf_vt.v}, {&IID_IBufferStatics, &bs_vt.v}}};
