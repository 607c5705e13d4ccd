/* SPDX-License-Identifier: MIT */
/* util.c — HSTRINGs, times, Bluetooth addresses and byte buffers. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

HSTRING sim_hstring(const WCHAR *s) {
  HSTRING h = NULL;
  if (s && *s) WindowsCreateString(s, (UINT32)wcslen(s), &h);
  return h;
}

HSTRING sim_hstring_utf8(const char *s) {
  if (!s || !*s) return NULL;
  int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  if (n <= 1) return NULL;
  WCHAR *w = malloc((size_t)n * sizeof(WCHAR));
  if (!w) return NULL;
  MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
  HSTRING h = NULL;
  WindowsCreateString(w, (UINT32)(n - 1), &h);
  free(w);
  return h;
}

char *sim_utf8(HSTRING h) {
  UINT32 len = 0;
  const WCHAR *w = WindowsGetStringRawBuffer(h, &len);
  int n = len ? WideCharToMultiByte(CP_UTF8, 0, w, (int)len, NULL, 0, NULL, NULL) : 0;
  char *s = malloc((size_t)n + 1);
  if (!s) return NULL;
  if (n) WideCharToMultiByte(CP_UTF8, 0, w, (int)len, s, n, NULL, NULL);
  s[n] = 0;
  return s;
}

DateTime sim_now_datetime(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  DateTime d;
  d.UniversalTime = (INT64)(((UINT64)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
  return d;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool sim_addr_parse(const char *text, UINT64 *out) {
  UINT64 v = 0;
  if (!text || strlen(text) != 17) return false;
  for (int i = 0; i < 6; i++) {
    int hi = hexval(text[i * 3]), lo = hexval(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) return false;
    v = (v << 8) | (UINT64)(hi << 4 | lo);
  }
  *out = v;
  return true;
}

void sim_addr_format(UINT64 addr, char out[18]) {
  snprintf(out, 18, "%02X:%02X:%02X:%02X:%02X:%02X", (unsigned)(addr >> 40) & 0xff,
           (unsigned)(addr >> 32) & 0xff, (unsigned)(addr >> 24) & 0xff, (unsigned)(addr >> 16) & 0xff,
           (unsigned)(addr >> 8) & 0xff, (unsigned)addr & 0xff);
}

void sim_bytes_free(sim_bytes *b) {
  free(b->data);
  b->data = NULL;
  b->len = 0;
}

int sim_bytes_set(sim_bytes *b, const void *data, size_t len) {
  BYTE *d = NULL;
  if (len) {
    d = malloc(len);
    if (!d) return -1;
    memcpy(d, data, len);
  }
  free(b->data);
  b->data = d;
  b->len = (UINT32)len;
  return 0;
}

/* blec_uuid holds the 16 bytes in written order; a GUID's first three fields are numbers. */
GUID sim_guid_from_uuid(const blec_uuid *u) {
  GUID g;
  const uint8_t *b = u->b;
  g.Data1 = (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
  g.Data2 = (unsigned short)(b[4] << 8 | b[5]);
  g.Data3 = (unsigned short)(b[6] << 8 | b[7]);
  memcpy(g.Data4, b + 8, 8);
  return g;
}

blec_uuid sim_uuid_from_guid(const GUID *g) {
  blec_uuid u;
  u.b[0] = (uint8_t)(g->Data1 >> 24);
  u.b[1] = (uint8_t)(g->Data1 >> 16);
  u.b[2] = (uint8_t)(g->Data1 >> 8);
  u.b[3] = (uint8_t)g->Data1;
  u.b[4] = (uint8_t)(g->Data2 >> 8);
  u.b[5] = (uint8_t)g->Data2;
  u.b[6] = (uint8_t)(g->Data3 >> 8);
  u.b[7] = (uint8_t)g->Data3;
  memcpy(u.b + 8, g->Data4, 8);
  return u;
}

GUID sim_guid_from_le(const BYTE *le, size_t n) {
  blec_uuid u;
  if (n == 2) {
    u = blec_uuid_from16((uint16_t)(le[0] | le[1] << 8));
  } else if (n == 4) {
    u = blec_uuid_from32((uint32_t)le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24);
  } else {
    u = blec_uuid_from_le_bytes(le);
  }
  return sim_guid_from_uuid(&u);
}
