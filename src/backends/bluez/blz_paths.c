/* SPDX-License-Identifier: MIT */
/*
 * blz_paths.c — BlueZ's object paths (doc/device-api.txt, gatt-api.txt):
 * /org/bluez/hci0, .../hci0/dev_AA_BB_CC_DD_EE_FF, .../dev_.../service000c,
 * .../service000c/char000d, .../char000d/desc000f. BlueZ names GATT objects after their
 * handle in four hex digits (src/gatt-client.c: the service's start handle, the
 * characteristic's declaration handle, the descriptor's handle); paths come from the bus,
 * so every parse here checks its input.
 */
#include <stdio.h>
#include <string.h>

#include "backends/bluez/blz.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static const char *last_element(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

bool blz_device_path(const char *adapter_path, const char *address, char *out, size_t size) {
  if (!adapter_path || !address || strlen(address) != 17) return false;
  char a[18];
  for (int i = 0; i < 17; i++) {
    char c = address[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
      a[i] = '_';
    } else {
      if (hexval(c) < 0) return false;
      a[i] = (char)(c >= 'a' && c <= 'f' ? c - 32 : c);
    }
  }
  a[17] = 0;
  int n = snprintf(out, size, "%s/dev_%s", adapter_path, a);
  return n > 0 && (size_t)n < size;
}

bool blz_path_address(const char *path, char out[BLEC_ADDR_STRLEN]) {
  if (!path) return false;
  const char *e = last_element(path);
  if (strncmp(e, "dev_", 4) != 0 || strlen(e) != 4 + 17) return false;
  e += 4;
  for (int i = 0; i < 17; i++) {
    char c = e[i];
    if (i % 3 == 2) {
      if (c != '_') return false;
      out[i] = ':';
    } else {
      if (hexval(c) < 0) return false;
      out[i] = (char)(c >= 'a' && c <= 'f' ? c - 32 : c);
    }
  }
  out[17] = 0;
  return true;
}

bool blz_path_handle(const char *path, const char *prefix, uint16_t *handle) {
  if (!path || !prefix) return false;
  const char *e = last_element(path);
  size_t pl = strlen(prefix);
  if (strncmp(e, prefix, pl) != 0) return false;
  e += pl;
  if (strlen(e) != 4) return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(e[i]);
    if (h < 0) return false;
    v = v * 16 + (unsigned)h;
  }
  *handle = (uint16_t)v;
  return true;
}

bool blz_path_below(const char *path, const char *parent) {
  if (!path || !parent) return false;
  size_t n = strlen(parent);
  return strncmp(path, parent, n) == 0 && path[n] == '/' && path[n + 1] != 0;
}

const char *blz_adapter_name(const char *adapter_path) {
  if (!adapter_path || !blz_path_below(adapter_path, BLZ_ROOT)) return NULL;
  const char *e = last_element(adapter_path);
  return (size_t)(e - adapter_path) == strlen(BLZ_ROOT) + 1 ? e : NULL;
}
