/* SPDX-License-Identifier: MIT */
/*
 * datareader.c — Windows.Storage.Streams.DataReader over a buffer (DataReader.FromBuffer),
 * what a client uses to read GATT values. Reads past the end fail with E_BOUNDS; the byte
 * order defaults to big-endian and the string encoding to UTF-8, as documented. Readers
 * over streams (CreateDataReader, LoadAsync) are not simulated.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

typedef struct reader {
  sim_obj obj;
  IDataReader dr;
  IClosable closable;
  BYTE *data;
  UINT32 len, pos;
  UnicodeEncoding encoding;
  ByteOrder order;
  InputStreamOptions options;
  bool closed;
} reader;

static void reader_destroy(sim_obj *o) { free(((reader *)o)->data); }

static const sim_itf reader_itfs[] = {{&IID_IDataReader, offsetof(reader, dr)},
                                      {&IID_IClosable, offsetof(reader, closable)},
                                      {NULL, 0}};
static const sim_class reader_class = {L"Windows.Storage.Streams.DataReader", reader_itfs, reader_destroy};

#define RD(This) ((reader *)sim_obj_from(This))

static HRESULT take(reader *r, UINT32 n, const BYTE **p) {
  if (r->closed) return RO_E_CLOSED;
  if (n > r->len - r->pos) return E_BOUNDS;
  *p = r->data + r->pos;
  r->pos += n;
  return S_OK;
}

static HRESULT read_uint(reader *r, UINT32 n, UINT64 *v) {
  const BYTE *p;
  HRESULT hr = take(r, n, &p);
  if (FAILED(hr)) return hr;
  UINT64 x = 0;
  for (UINT32 i = 0; i < n; i++) {
    UINT32 k = r->order == ByteOrder_BigEndian ? i : n - 1 - i;
    x = (x << 8) | p[k];
  }
  *v = x;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE rd_get_UnconsumedBufferLength(IDataReader *This, UINT32 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RD(This)->len - RD(This)->pos;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_get_UnicodeEncoding(IDataReader *This, UnicodeEncoding *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RD(This)->encoding;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_put_UnicodeEncoding(IDataReader *This, UnicodeEncoding value) {
  SIM_ENTER();
  RD(This)->encoding = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_get_ByteOrder(IDataReader *This, ByteOrder *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RD(This)->order;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_put_ByteOrder(IDataReader *This, ByteOrder value) {
  SIM_ENTER();
  RD(This)->order = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_get_InputStreamOptions(IDataReader *This, InputStreamOptions *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RD(This)->options;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_put_InputStreamOptions(IDataReader *This, InputStreamOptions value) {
  SIM_ENTER();
  RD(This)->options = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rd_ReadByte(IDataReader *This, BYTE *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  const BYTE *p;
  HRESULT hr = take(RD(This), 1, &p);
  if (SUCCEEDED(hr)) *value = *p;
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadBytes(IDataReader *This, UINT32 size, BYTE *value) {
  SIM_ENTER();
  if (size && !value) return E_POINTER;
  const BYTE *p;
  HRESULT hr = take(RD(This), size, &p);
  if (SUCCEEDED(hr) && size) memcpy(value, p, size);
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadBuffer(IDataReader *This, UINT32 length, IBuffer **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  const BYTE *p;
  HRESULT hr = take(RD(This), length, &p);
  if (SUCCEEDED(hr)) hr = sim_buffer_new(p, length, result);
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadBoolean(IDataReader *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  const BYTE *p;
  HRESULT hr = take(RD(This), 1, &p);
  if (SUCCEEDED(hr)) *value = *p != 0;
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadGuid(IDataReader *This, GUID *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  reader *r = RD(This);
  if (r->len - r->pos < 16) return E_BOUNDS;
  UINT64 a, b, c;
  read_uint(r, 4, &a);
  read_uint(r, 2, &b);
  read_uint(r, 2, &c);
  value->Data1 = (unsigned long)a;
  value->Data2 = (unsigned short)b;
  value->Data3 = (unsigned short)c;
  const BYTE *p;
  take(r, 8, &p);
  memcpy(value->Data4, p, 8);
  return S_OK;
}

#define READ_INT(name, T, n)                                                              \
  static HRESULT STDMETHODCALLTYPE rd_##name(IDataReader *This, T *value) {              \
    SIM_ENTER();                                                                          \
    SIM_CHECK_OUT(value);                                                                 \
    UINT64 v;                                                                             \
    HRESULT hr = read_uint(RD(This), n, &v);                                              \
    if (SUCCEEDED(hr)) *value = (T)v;                                                     \
    return hr;                                                                            \
  }
READ_INT(ReadInt16, INT16, 2)
READ_INT(ReadInt32, INT32, 4)
READ_INT(ReadInt64, INT64, 8)
READ_INT(ReadUInt16, UINT16, 2)
READ_INT(ReadUInt32, UINT32, 4)
READ_INT(ReadUInt64, UINT64, 8)

static HRESULT STDMETHODCALLTYPE rd_ReadSingle(IDataReader *This, FLOAT *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  UINT64 v;
  HRESULT hr = read_uint(RD(This), 4, &v);
  if (SUCCEEDED(hr)) {
    UINT32 u = (UINT32)v;
    memcpy(value, &u, 4);
  }
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadDouble(IDataReader *This, DOUBLE *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  UINT64 v;
  HRESULT hr = read_uint(RD(This), 8, &v);
  if (SUCCEEDED(hr)) memcpy(value, &v, 8);
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadString(IDataReader *This, UINT32 count, HSTRING *result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  reader *r = RD(This);
  if (r->encoding == UnicodeEncoding_Utf8) {
    /* UTF-8: the count is in bytes. */
    const BYTE *p;
    HRESULT hr = take(r, count, &p);
    if (FAILED(hr) || count == 0) return hr;
    int n = MultiByteToWideChar(CP_UTF8, 0, (const char *)p, (int)count, NULL, 0);
    WCHAR *w = malloc(((size_t)n + 1) * sizeof(WCHAR));
    if (!w) return E_OUTOFMEMORY;
    MultiByteToWideChar(CP_UTF8, 0, (const char *)p, (int)count, w, n);
    hr = WindowsCreateString(w, (UINT32)n, result);
    free(w);
    return hr;
  }
  if ((UINT64)count * 2 > r->len - r->pos) return E_BOUNDS;
  WCHAR *w = malloc(((size_t)count + 1) * sizeof(WCHAR));
  if (!w) return E_OUTOFMEMORY;
  ByteOrder saved = r->order;
  r->order = r->encoding == UnicodeEncoding_Utf16BE ? ByteOrder_BigEndian : ByteOrder_LittleEndian;
  for (UINT32 i = 0; i < count; i++) {
    UINT64 v;
    read_uint(r, 2, &v);
    w[i] = (WCHAR)v;
  }
  r->order = saved;
  HRESULT hr = WindowsCreateString(w, count, result);
  free(w);
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadDateTime(IDataReader *This, DateTime *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  UINT64 v;
  HRESULT hr = read_uint(RD(This), 8, &v);
  if (SUCCEEDED(hr)) value->UniversalTime = (INT64)v;
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_ReadTimeSpan(IDataReader *This, TimeSpan *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  UINT64 v;
  HRESULT hr = read_uint(RD(This), 8, &v);
  if (SUCCEEDED(hr)) value->Duration = (INT64)v;
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_LoadAsync(IDataReader *This, UINT32 count, __FIAsyncOperation_1_UINT32 **result) {
  SIM_ENTER();
  (void)This;
  (void)count;
  SIM_CHECK_OUT(result);
  *result = NULL;
  /* A reader made from a buffer has no stream to load from. */
  return E_ILLEGAL_METHOD_CALL;
}
static HRESULT STDMETHODCALLTYPE rd_DetachBuffer(IDataReader *This, IBuffer **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  reader *r = RD(This);
  HRESULT hr = sim_buffer_new(r->data + r->pos, r->len - r->pos, result);
  if (SUCCEEDED(hr)) r->pos = r->len;
  return hr;
}
static HRESULT STDMETHODCALLTYPE rd_DetachStream(IDataReader *This, __x_ABI_CWindows_CStorage_CStreams_CIInputStream **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_ILLEGAL_METHOD_CALL;
}

SIM_VTABLE(IDataReaderVtbl, rd_vt) = {
    offsetof(reader, dr),
    {SIM_INSPECTABLE_SLOTS, .get_UnconsumedBufferLength = rd_get_UnconsumedBufferLength,
     .get_UnicodeEncoding = rd_get_UnicodeEncoding, .put_UnicodeEncoding = rd_put_UnicodeEncoding,
     .get_ByteOrder = rd_get_ByteOrder, .put_ByteOrder = rd_put_ByteOrder,
     .get_InputStreamOptions = rd_get_InputStreamOptions, .put_InputStreamOptions = rd_put_InputStreamOptions,
     .ReadByte = rd_ReadByte, .ReadBytes = rd_ReadBytes, .ReadBuffer = rd_ReadBuffer,
     .ReadBoolean = rd_ReadBoolean, .ReadGuid = rd_ReadGuid, .ReadInt16 = rd_ReadInt16,
     .ReadInt32 = rd_ReadInt32, .ReadInt64 = rd_ReadInt64, .ReadUInt16 = rd_ReadUInt16,
     .ReadUInt32 = rd_ReadUInt32, .ReadUInt64 = rd_ReadUInt64, .ReadSingle = rd_ReadSingle,
     .ReadDouble = rd_ReadDouble, .ReadString = rd_ReadString, .ReadDateTime = rd_ReadDateTime,
     .ReadTimeSpan = rd_ReadTimeSpan, .LoadAsync = rd_LoadAsync, .DetachBuffer = rd_DetachBuffer,
     .DetachStream = rd_DetachStream}};

static HRESULT STDMETHODCALLTYPE rd_Close(IClosable *This) {
  SIM_ENTER();
  RD(This)->closed = true;
  return S_OK;
}

SIM_VTABLE(IClosableVtbl, rd_close_vt) = {offsetof(reader, closable), {SIM_INSPECTABLE_SLOTS, .Close = rd_Close}};

/* ---- factory ----------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE rs_FromBuffer(IDataReaderStatics *This, IBuffer *buffer, IDataReader **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (!buffer) return E_INVALIDARG;
  BYTE *data;
  UINT32 len;
  HRESULT hr = sim_buffer_bytes(buffer, &data, &len);
  if (FAILED(hr)) return hr;
  reader *r = sim_obj_new(&reader_class, sizeof *r);
  if (!r) return E_OUTOFMEMORY;
  r->dr.lpVtbl = (IDataReaderVtbl *)&rd_vt.v;
  r->closable.lpVtbl = (IClosableVtbl *)&rd_close_vt.v;
  r->order = ByteOrder_BigEndian;
  r->encoding = UnicodeEncoding_Utf8;
  r->data = malloc(len ? len : 1);
  if (!r->data) {
    sim_Release(&r->dr);
    return E_OUTOFMEMORY;
  }
  if (len) memcpy(r->data, data, len);
  r->len = len;
  *result = &r->dr;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE rf_CreateDataReader(IDataReaderFactory *This, __x_ABI_CWindows_CStorage_CStreams_CIInputStream *stream,
                                                     IDataReader **result) {
  SIM_ENTER();
  (void)This;
  (void)stream;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}

SIM_VTABLE(IDataReaderStaticsVtbl, rs_vt) = {SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .FromBuffer = rs_FromBuffer}};
SIM_VTABLE(IDataReaderFactoryVtbl, rf_vt) = {SIM_FACTORY_SLOT(1),
                                             {SIM_INSPECTABLE_SLOTS, .CreateDataReader = rf_CreateDataReader}};

const sim_factory_desc sim_datareader_factory = {
    L"Windows.Storage.Streams.DataReader",
    NULL,
    {{&IID_IDataReaderStatics, &rs_vt.v}, {&IID_IDataReaderFactory, &rf_vt.v}}};
