/* SPDX-License-Identifier: MIT */
/* worlds.c — the conformance worlds, built with the world builder API. */
#include "worlds.h"

#include <string.h>

static blec_world_peripheral *add(blec_world *w, const char *addr, blec_address_type t) {
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_add_peripheral(w, addr, t, &p));
  ASSERT(p != NULL);
  return p;
}

static void svc(blec_world_peripheral *p, const char *uuid) {
  blec_uuid u = fx_uuid(uuid);
  uint16_t h = 0;
  ASSERT_OK(blec_world_add_service(p, &u, &h));
}

static uint16_t chr(blec_world_peripheral *p, const char *uuid, uint32_t props, const void *value,
                    size_t len) {
  blec_uuid u = fx_uuid(uuid);
  uint16_t h = 0;
  ASSERT_OK(blec_world_add_characteristic(p, &u, props, value, len, &h));
  ASSERT(h != 0);
  return h;
}

static void desc(blec_world_peripheral *p, const char *uuid, const void *value, size_t len) {
  blec_uuid u = fx_uuid(uuid);
  uint16_t h = 0;
  ASSERT_OK(blec_world_add_descriptor(p, &u, value, len, &h));
}

static void ad(blec_world_peripheral *p, bool sr, uint8_t type, const void *data, size_t len) {
  ASSERT_OK(blec_world_peripheral_add_ad(p, sr, type, data, len));
}


void fx_add_heart_rate(blec_world *w) {
  blec_world_peripheral *p = add(w, HR_ADDR, BLEC_ADDRESS_PUBLIC);
  ASSERT_OK(blec_world_peripheral_set_name(p, "HR Sensor", false));
  ad(p, false, 0x03, (const uint8_t[]){0x0D, 0x18, 0x0F, 0x18}, 4);
  ad(p, false, 0x19, (const uint8_t[]){0x41, 0x03}, 2);
  ad(p, false, 0x0A, (const uint8_t[]){0xF8}, 1);
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -50, 0));
  svc(p, "180d");
  uint16_t hrm = chr(p, "2a37", BLEC_PROP_NOTIFY, (const uint8_t[]){0x00, 60}, 2);
  ASSERT_OK(blec_world_characteristic_set_stream(p, hrm, 1000, "heart-rate"));
  chr(p, "2a38", BLEC_PROP_READ, (const uint8_t[]){0x01}, 1);
  svc(p, "180f");
  chr(p, "2a19", BLEC_PROP_READ | BLEC_PROP_NOTIFY, (const uint8_t[]){100}, 1);
}

void fx_add_uart(blec_world *w) {
  blec_world_peripheral *p = add(w, UART_ADDR, BLEC_ADDRESS_RANDOM);
  ASSERT_OK(blec_world_peripheral_set_name(p, "UART Echo", false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -60, 0));
  svc(p, UART_SVC);
  uint16_t rx = chr(p, UART_RX, BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE, NULL, 0);
  uint16_t tx = chr(p, UART_TX, BLEC_PROP_NOTIFY, NULL, 0);
  ASSERT_OK(blec_world_characteristic_set_echo(p, rx, tx));
}

void fx_add_env(blec_world *w) {
  blec_world_peripheral *p = add(w, ENV_ADDR, BLEC_ADDRESS_PUBLIC);
  ASSERT_OK(blec_world_peripheral_set_name(p, "Env Sensor", false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -65, 0));
  svc(p, "181a");
  uint16_t t = chr(p, "2a6e", BLEC_PROP_READ | BLEC_PROP_INDICATE, (const uint8_t[]){0x00, 0x09}, 2);
  ASSERT_OK(blec_world_characteristic_set_stream(p, t, 500, "counter"));
}

void fx_add_beacon(blec_world *w) {
  blec_world_peripheral *p = add(w, BEACON_ADDR, BLEC_ADDRESS_RANDOM);
  ASSERT_OK(blec_world_peripheral_set_connectable(p, false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -80, 0));
  /* iBeacon: 02 15, proximity UUID, major 0001, minor 0002, measured power -59. */
  const uint8_t ibeacon[] = {0x4C, 0x00, 0x02, 0x15, 0xE2, 0xC5, 0x6D, 0xB5, 0xDF, 0xFB, 0x48,
                             0xD2, 0xB0, 0x60, 0xD0, 0xF5, 0xA7, 0x10, 0x96, 0xE0, 0x00, 0x01,
                             0x00, 0x02, 0xC5};
  ad(p, false, 0xFF, ibeacon, sizeof ibeacon);
}

void fx_add_beacon2(blec_world *w) {
  blec_world_peripheral *p = add(w, BEACON2_ADDR, BLEC_ADDRESS_RANDOM);
  ASSERT_OK(blec_world_peripheral_set_connectable(p, false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -75, 0));
  ad(p, false, 0x03, (const uint8_t[]){0xAA, 0xFE}, 2);
  ad(p, false, 0x16, (const uint8_t[]){0xAA, 0xFE, 0x10, 0x20}, 4);
  ad(p, false, 0x20, (const uint8_t[]){0x78, 0x56, 0x34, 0x12, 0x01}, 5);
  ad(p, false, 0x0A, (const uint8_t[]){0xFC}, 1);
}

void fx_add_secure(blec_world *w) {
  blec_world_peripheral *p = add(w, SECURE_ADDR, BLEC_ADDRESS_PUBLIC);
  ASSERT_OK(blec_world_peripheral_set_name(p, "Secure Lock", false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -55, 0));
  ASSERT_OK(blec_world_peripheral_set_pairing(p, BLEC_PROTECTION_ENCRYPTION));
  svc(p, "bb00");
  uint16_t a = chr(p, "bb01", BLEC_PROP_READ, "secret", 6);
  ASSERT_OK(blec_world_characteristic_set_security(p, a, BLEC_PROTECTION_ENCRYPTION));
  uint16_t b = chr(p, "bb02", BLEC_PROP_READ, "top", 3);
  ASSERT_OK(blec_world_characteristic_set_security(p, b, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION));
  chr(p, "bb03", BLEC_PROP_READ, "open", 4);
}

void fx_add_shy(blec_world *w) {
  blec_world_peripheral *p = add(w, SHY_ADDR, BLEC_ADDRESS_PUBLIC);
  ASSERT_OK(blec_world_peripheral_set_name(p, "Shy Sensor", true));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -70, 0));
  ad(p, false, 0xFF, (const uint8_t[]){0xFF, 0xFF, 0x01, 0x02, 0x03}, 5);
  /* 128-bit service data: UUID little-endian, then 7F. */
  blec_uuid u = fx_uuid(SHY_SD128);
  uint8_t sd128[17];
  for (int i = 0; i < 16; i++) sd128[i] = u.b[15 - i];
  sd128[16] = 0x7F;
  ad(p, false, 0x21, sd128, sizeof sd128);
  ad(p, true, 0x03, (const uint8_t[]){0x00, 0xCC}, 2);
  svc(p, "cc00");
  chr(p, "cc01", BLEC_PROP_READ, "shy", 3);
}

void fx_add_lab(blec_world *w) {
  blec_world_peripheral *p = add(w, LAB_ADDR, BLEC_ADDRESS_PUBLIC);
  ASSERT_OK(blec_world_peripheral_set_name(p, "Lab", false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, -40, 0));
  svc(p, "aa00");
  chr(p, LAB_RW, BLEC_PROP_READ | BLEC_PROP_WRITE, "hello", 5);
  chr(p, LAB_WWR, BLEC_PROP_WRITE_WITHOUT_RESPONSE, NULL, 0);
  chr(p, LAB_WONLY, BLEC_PROP_WRITE, NULL, 0);
  uint16_t ni = chr(p, LAB_NI, BLEC_PROP_READ | BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE,
                    (const uint8_t[]){0x00}, 1);
  ASSERT_OK(blec_world_characteristic_set_stream(p, ni, 100, "counter"));
  chr(p, LAB_DESC, BLEC_PROP_READ, "desc", 4);
  desc(p, "2901", "lab value", 9);
  desc(p, "aa50", (const uint8_t[]){0x00}, 1);
  chr(p, LAB_WBOTH, BLEC_PROP_WRITE | BLEC_PROP_WRITE_WITHOUT_RESPONSE, NULL, 0);
  chr(p, LAB_CONST, BLEC_PROP_READ, "const", 5);
  chr(p, LAB_NOTIFY, BLEC_PROP_NOTIFY, NULL, 0);
  uint16_t ind = chr(p, LAB_IND, BLEC_PROP_INDICATE, (const uint8_t[]){0x00}, 1);
  ASSERT_OK(blec_world_characteristic_set_stream(p, ind, 100, "counter"));
  chr(p, LAB_PLAIN, BLEC_PROP_READ, "plain", 5);
  chr(p, "aa11", BLEC_PROP_READ | BLEC_PROP_WRITE, (const uint8_t[]){0x00}, 1);
  chr(p, "aa12", BLEC_PROP_READ | BLEC_PROP_WRITE, (const uint8_t[]){0x00}, 1);
  chr(p, "aa13", BLEC_PROP_READ | BLEC_PROP_WRITE, (const uint8_t[]){0x00}, 1);
  chr(p, "aa14", BLEC_PROP_READ | BLEC_PROP_WRITE, (const uint8_t[]){0x00}, 1);
  svc(p, "aa20");
  chr(p, LAB_DUP, BLEC_PROP_READ, "d1", 2);
  svc(p, "aa30");
  chr(p, LAB_DUP, BLEC_PROP_READ, "d2", 2);
  svc(p, "aa30");
  chr(p, "aa31", BLEC_PROP_READ, "s2", 2);
}

blec_world_peripheral *fx_add_simple(blec_world *w, const char *address, const char *name, int rssi) {
  blec_world_peripheral *p = add(w, address, BLEC_ADDRESS_PUBLIC);
  if (name) ASSERT_OK(blec_world_peripheral_set_name(p, name, false));
  ASSERT_OK(blec_world_peripheral_set_rssi(p, rssi, 0));
  svc(p, "ff00");
  chr(p, "ff01", BLEC_PROP_READ, "simple", 6);
  return p;
}

blec_world *fx_world_lab(void) {
  blec_world *w = fx_world_empty();
  fx_add_heart_rate(w);
  fx_add_uart(w);
  fx_add_env(w);
  fx_add_beacon(w);
  fx_add_beacon2(w);
  fx_add_secure(w);
  fx_add_shy(w);
  fx_add_lab(w);
  return w;
}
