/* SPDX-License-Identifier: MIT */
/* winrt_util.c — buffers, UUIDs, addresses, strings and closing for the winrt backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

HRESULT wr_buffer_bytes(IBuffer *b, BYTE **p, UINT32 *len) {
  *p = NULL;
  *len = 0;
  HRESULT hr = IBuffer_get_Length(b, len);
  if (FAILED(hr)) return hr;
  IBufferByteAccess *bba = NULL;
  hr = IBuffer_QueryInterface(b, &IID_IBufferByteAccess, (void **)&bba);
  if (FAILED(hr)) return hr;
  hr = IBufferByteAccess_Buffer(bba, p);
  IBufferByteAccess_Release(bba);
  return hr;
}

HRESULT wr_buffer_new(wr_ctx *w, const uint8_t *data, UINT32 len, IBuffer **out) {
  *out = NULL;
  IBufferFactory *f = NULL;
  HRESULT hr = wr_statics(w, WR_BUFFER_FACTORY, (void **)&f);
  if (FAILED(hr)) return hr;
  IBuffer *b = NULL;
  hr = wr_hr(w, IBufferFactory_Create(f, len ? len : 1, &b), "Buffer(capacity)");
  IBufferFactory_Release(f);
  if (FAILED(hr)) return hr;
  BYTE *p = NULL;
  UINT32 cur = 0;
  hr = wr_buffer_bytes(b, &p, &cur);
  if (SUCCEEDED(hr)) {
    if (len) memcpy(p, data, len);
    hr = IBuffer_put_Length(b, len);
  }
  if (FAILED(wr_hr(w, hr, "filling a Buffer"))) {
    IBuffer_Release(b);
    return hr;
  }
  *out = b;
  return S_OK;
}

blec_uuid wr_uuid_from_guid(const GUID *g) {
  blec_uuid u;
  u.b[0] = (uint8_t)(g->Data1 >> 24);
  u.b[1] = (uint8_t)(g->Data1 >> 16);
  u.b[2] = (uint8_t)(g->Data1 >> 8);
  u.b[3] = (uint8_t)g->Data1;
  u.b[4] = (uint8_t)(g->Data2 >> 8);
  u.b[5] = (uint8_t)g->Data2;
  u.b[6] = (uint8_t)(g->Data3 >> 8);
  u.b[7] = (uint8_t)g->Data3;
  memcpy(&u.b[8], g->Data4, 8);
  return u;
}

GUID wr_guid_from_uuid(const blec_uuid *u) {
  GUID g;
  g.Data1 = (UINT32)u->b[0] << 24 | (UINT32)u->b[1] << 16 | (UINT32)u->b[2] << 8 | u->b[3];
  g.Data2 = (USHORT)(u->b[4] << 8 | u->b[5]);
  g.Data3 = (USHORT)(u->b[6] << 8 | u->b[7]);
  memcpy(g.Data4, &u->b[8], 8);
  return g;
}

void wr_address_format(UINT64 a, char out[18]) {
  snprintf(out, 18, "%02X:%02X:%02X:%02X:%02X:%02X", (unsigned)(a >> 40) & 0xff, (unsigned)(a >> 32) & 0xff,
           (unsigned)(a >> 24) & 0xff, (unsigned)(a >> 16) & 0xff, (unsigned)(a >> 8) & 0xff, (unsigned)a & 0xff);
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int wr_address_parse(const char *s, UINT64 *out) {
  UINT64 v = 0;
  int digits = 0;
  for (; *s; s++) {
    if (*s == ':' || *s == '-') continue;
    int h = hexval(*s);
    if (h < 0 || ++digits > 12) return BLEC_ERR_INVALID_ARG;
    v = (v << 4) | (UINT64)h;
  }
  if (digits != 12) return BLEC_ERR_INVALID_ARG;
  *out = v;
  return BLEC_OK;
}

void wr_close(wr_ctx *w, void *obj, const char *what) {
  if (!obj) return;
  IClosable *c = NULL;
  if (SUCCEEDED(IUnknown_QueryInterface((IUnknown *)obj, &IID_IClosable, (void **)&c))) {
    wr_hr(w, IClosable_Close(c), what);
    IClosable_Release(c);
  }
}

char *wr_hstring_utf8(HSTRING h) {
  UINT32 n = 0;
  const WCHAR *w = WindowsGetStringRawBuffer(h, &n);
  if (!w || n == 0) return NULL;
  int need = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
  if (need <= 0) return NULL;
  char *s = malloc((size_t)need + 1);
  if (!s) return NULL;
  WideCharToMultiByte(CP_UTF8, 0, w, (int)n, s, need, NULL, NULL);
  s[need] = 0;
  return s;
}

HRESULT wr_hstring_from_utf8(const char *s, HSTRING *out) {
  *out = NULL;
  if (!s || !*s) return S_OK;
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  if (n <= 0) return E_INVALIDARG;
  WCHAR *w = malloc((size_t)n * sizeof *w);
  if (!w) return E_OUTOFMEMORY;
  MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
  HRESULT hr = WindowsCreateString(w, (UINT32)(n - 1), out);
  free(w);
  return hr;
}
