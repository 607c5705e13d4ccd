/* SPDX-License-Identifier: MIT */
/*
 * datawriter.c — Windows.Storage.Streams.DataWriter without a stream (the default
 * constructor), what a client uses to build the IBuffer of a GATT write: write values,
 * then DetachBuffer. Big-endian and UTF-8 by default, as documented.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

typedef struct writer {
  sim_obj obj;
  IDataWriter dw;
  IClosable closable;
  BYTE *data;
  UINT32 len, cap;
  UnicodeEncoding encoding;
  ByteOrder order;
  bool closed;
} writer;

static void writer_destroy(sim_obj *o) { free(((writer *)o)->data); }

static const sim_itf writer_itfs[] = {{&IID_IDataWriter, offsetof(writer, dw)},
                                      {&IID_IClosable, offsetof(writer, closable)},
                                      {NULL, 0}};
static const sim_class writer_class = {L"Windows.Storage.Streams.DataWriter", writer_itfs, writer_destroy};

#define WR(This) ((writer *)sim_obj_from(This))

static HRESULT put(writer *w, const void *p, UINT32 n) {
  if (w->closed) return RO_E_CLOSED;
  if (n > w->cap - w->len) {
    UINT32 cap = w->cap ? w->cap : 16;
    while (cap - w->len < n) cap *= 2;
    BYTE *d = realloc(w->data, cap);
    if (!d) return E_OUTOFMEMORY;
    w->data = d;
    w->cap = cap;
  }
  if (n) memcpy(w->data + w->len, p, n);
  w->len += n;
  return S_OK;
}

static HRESULT put_uint(writer *w, UINT64 v, UINT32 n) {
  BYTE b[8];
  for (UINT32 i = 0; i < n; i++) {
    BYTE byte = (BYTE)(v >> (8 * i));
    b[w->order == ByteOrder_BigEndian ? n - 1 - i : i] = byte;
  }
  return put(w, b, n);
}

static HRESULT STDMETHODCALLTYPE wr_get_UnstoredBufferLength(IDataWriter *This, UINT32 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = WR(This)->len;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wr_get_UnicodeEncoding(IDataWriter *This, UnicodeEncoding *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = WR(This)->encoding;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wr_put_UnicodeEncoding(IDataWriter *This, UnicodeEncoding value) {
  SIM_ENTER();
  WR(This)->encoding = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wr_get_ByteOrder(IDataWriter *This, ByteOrder *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = WR(This)->order;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wr_put_ByteOrder(IDataWriter *This, ByteOrder value) {
  SIM_ENTER();
  WR(This)->order = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE wr_WriteByte(IDataWriter *This, BYTE value) {
  SIM_ENTER();
  return put(WR(This), &value, 1);
}
static HRESULT STDMETHODCALLTYPE wr_WriteBytes(IDataWriter *This, UINT32 size, BYTE *value) {
  SIM_ENTER();
  if (size && !value) return E_POINTER;
  return put(WR(This), value, size);
}
static HRESULT STDMETHODCALLTYPE wr_WriteBuffer(IDataWriter *This, IBuffer *buffer) {
  SIM_ENTER();
  BYTE *d;
  UINT32 n;
  HRESULT hr = sim_buffer_bytes(buffer, &d, &n);
  return FAILED(hr) ? hr : put(WR(This), d, n);
}
static HRESULT STDMETHODCALLTYPE wr_WriteBufferRange(IDataWriter *This, IBuffer *buffer, UINT32 start, UINT32 count) {
  SIM_ENTER();
  BYTE *d;
  UINT32 n;
  HRESULT hr = sim_buffer_bytes(buffer, &d, &n);
  if (FAILED(hr)) return hr;
  if (start > n || count > n - start) return E_BOUNDS;
  return put(WR(This), d + start, count);
}
static HRESULT STDMETHODCALLTYPE wr_WriteBoolean(IDataWriter *This, boolean value) {
  SIM_ENTER();
  BYTE b = value ? 1 : 0;
  return put(WR(This), &b, 1);
}
static HRESULT STDMETHODCALLTYPE wr_WriteGuid(IDataWriter *This, GUID value) {
  SIM_ENTER();
  writer *w = WR(This);
  HRESULT hr = put_uint(w, value.Data1, 4);
  if (SUCCEEDED(hr)) hr = put_uint(w, value.Data2, 2);
  if (SUCCEEDED(hr)) hr = put_uint(w, value.Data3, 2);
  if (SUCCEEDED(hr)) hr = put(w, value.Data4, 8);
  return hr;
}

#define WRITE_INT(name, T, n)                                                             \
  static HRESULT STDMETHODCALLTYPE wr_##name(IDataWriter *This, T value) {               \
    SIM_ENTER();                                                                          \
    return put_uint(WR(This), (UINT64)value, n);                                          \
  }
WRITE_INT(WriteInt16, INT16, 2)
WRITE_INT(WriteInt32, INT32, 4)
WRITE_INT(WriteInt64, INT64, 8)
WRITE_INT(WriteUInt16, UINT16, 2)
WRITE_INT(WriteUInt32, UINT32, 4)
WRITE_INT(WriteUInt64, UINT64, 8)

static HRESULT STDMETHODCALLTYPE wr_WriteSingle(IDataWriter *This, FLOAT value) {
  SIM_ENTER();
  UINT32 u;
  memcpy(&u, &value, 4);
  return put_uint(WR(This), u, 4);
}
static HRESULT STDMETHODCALLTYPE wr_WriteDouble(IDataWriter *This, DOUBLE value) {
  SIM_ENTER();
  UINT64 u;
  memcpy(&u, &value, 8);
  return put_uint(WR(This), u, 8);
}
static HRESULT STDMETHODCALLTYPE wr_WriteDateTime(IDataWriter *This, DateTime value) {
  SIM_ENTER();
  return put_uint(WR(This), (UINT64)value.UniversalTime, 8);
}
static HRESULT STDMETHODCALLTYPE wr_WriteTimeSpan(IDataWriter *This, TimeSpan value) {
  SIM_ENTER();
  return put_uint(WR(This), (UINT64)value.Duration, 8);
}

/* Encodes a string as the writer's encoding would; returns its size in bytes. */
static HRESULT encode(writer *w, HSTRING value, bool store, UINT32 *result) {
  UINT32 n = 0;
  const WCHAR *s = WindowsGetStringRawBuffer(value, &n);
  if (w->encoding == UnicodeEncoding_Utf8) {
    int bytes = n ? WideCharToMultiByte(CP_UTF8, 0, s, (int)n, NULL, 0, NULL, NULL) : 0;
    *result = (UINT32)bytes;
    if (!store || bytes == 0) return S_OK;
    char *u = malloc((size_t)bytes);
    if (!u) return E_OUTOFMEMORY;
    WideCharToMultiByte(CP_UTF8, 0, s, (int)n, u, bytes, NULL, NULL);
    HRESULT hr = put(w, u, (UINT32)bytes);
    free(u);
    return hr;
  }
  *result = n * 2;
  if (!store) return S_OK;
  ByteOrder saved = w->order;
  w->order = w->encoding == UnicodeEncoding_Utf16BE ? ByteOrder_BigEndian : ByteOrder_LittleEndian;
  HRESULT hr = S_OK;
  for (UINT32 i = 0; i < n && SUCCEEDED(hr); i++) hr = put_uint(w, s[i], 2);
  w->order = saved;
  return hr;
}

static HRESULT STDMETHODCALLTYPE wr_WriteString(IDataWriter *This, HSTRING value, UINT32 *result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  return encode(WR(This), value, true, result);
}
static HRESULT STDMETHODCALLTYPE wr_MeasureString(IDataWriter *This, HSTRING value, UINT32 *result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  return encode(WR(This), value, false, result);
}
static HRESULT STDMETHODCALLTYPE wr_StoreAsync(IDataWriter *This, __FIAsyncOperation_1_UINT32 **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  /* No stream to store to: only DetachBuffer makes sense for this writer. */
  return E_ILLEGAL_METHOD_CALL;
}
static HRESULT STDMETHODCALLTYPE wr_FlushAsync(IDataWriter *This, __FIAsyncOperation_1_boolean **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_ILLEGAL_METHOD_CALL;
}
static HRESULT STDMETHODCALLTYPE wr_DetachBuffer(IDataWriter *This, IBuffer **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  writer *w = WR(This);
  HRESULT hr = sim_buffer_new(w->data, w->len, result);
  if (SUCCEEDED(hr)) w->len = 0;
  return hr;
}
static HRESULT STDMETHODCALLTYPE wr_DetachStream(IDataWriter *This, __x_ABI_CWindows_CStorage_CStreams_CIOutputStream **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_ILLEGAL_METHOD_CALL;
}

SIM_VTABLE(IDataWriterVtbl, wr_vt) = {
    offsetof(writer, dw),
    {SIM_INSPECTABLE_SLOTS, .get_UnstoredBufferLength = wr_get_UnstoredBufferLength,
     .get_UnicodeEncoding = wr_get_UnicodeEncoding, .put_UnicodeEncoding = wr_put_UnicodeEncoding,
     .get_ByteOrder = wr_get_ByteOrder, .put_ByteOrder = wr_put_ByteOrder, .WriteByte = wr_WriteByte,
     .WriteBytes = wr_WriteBytes, .WriteBuffer = wr_WriteBuffer, .WriteBufferRange = wr_WriteBufferRange,
     .WriteBoolean = wr_WriteBoolean, .WriteGuid = wr_WriteGuid, .WriteInt16 = wr_WriteInt16,
     .WriteInt32 = wr_WriteInt32, .WriteInt64 = wr_WriteInt64, .WriteUInt16 = wr_WriteUInt16,
     .WriteUInt32 = wr_WriteUInt32, .WriteUInt64 = wr_WriteUInt64, .WriteSingle = wr_WriteSingle,
     .WriteDouble = wr_WriteDouble, .WriteDateTime = wr_WriteDateTime, .WriteTimeSpan = wr_WriteTimeSpan,
     .WriteString = wr_WriteString, .MeasureString = wr_MeasureString, .StoreAsync = wr_StoreAsync,
     .FlushAsync = wr_FlushAsync, .DetachBuffer = wr_DetachBuffer, .DetachStream = wr_DetachStream}};

static HRESULT STDMETHODCALLTYPE wr_Close(IClosable *This) {
  SIM_ENTER();
  WR(This)->closed = true;
  return S_OK;
}

SIM_VTABLE(IClosableVtbl, wr_close_vt) = {offsetof(writer, closable), {SIM_INSPECTABLE_SLOTS, .Close = wr_Close}};

/* ---- factory ------------------------------------------------------------------------------ */

static HRESULT writer_activate(IInspectable **out) {
  writer *w = sim_obj_new(&writer_class, sizeof *w);
  if (!w) return E_OUTOFMEMORY;
  w->dw.lpVtbl = (IDataWriterVtbl *)&wr_vt.v;
  w->closable.lpVtbl = (IClosableVtbl *)&wr_close_vt.v;
  w->order = ByteOrder_BigEndian;
  w->encoding = UnicodeEncoding_Utf8;
  *out = (IInspectable *)&w->dw;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE wf_CreateDataWriter(IDataWriterFactory *This, __x_ABI_CWindows_CStorage_CStreams_CIOutputStream *stream,
                                                     IDataWriter **result) {
  SIM_ENTER();
  (void)This;
  (void)stream;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}

SIM_VTABLE(IDataWriterFactoryVtbl, wf_vt) = {SIM_FACTORY_SLOT(0),
                                             {SIM_INSPECTABLE_SLOTS, .CreateDataWriter = wf_CreateDataWriter}};

const sim_factory_desc sim_datawriter_factory = {L"Windows.Storage.Streams.DataWriter",
                                                 writer_activate,
                                                 {{&IID_IDataWriterFactory, &wf_vt.v}}};
