/* SPDX-License-Identifier: MIT */
/* test-parse.c — the world file format: good files, every error with its line, the default world. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world/world_internal.h"
#include "wtest.h"

#ifndef BLEC_WORLDS_DIR
#define BLEC_WORLDS_DIR "worlds"
#endif
#ifndef BLEC_DOCS_DIR
#define BLEC_DOCS_DIR "docs"
#endif

static int load(const char *text, blec_world **w, blec_error *err) {
  *w = NULL;
  blec_error_clear(err);
  return blec_world_load_string(text, "t.world", w, err);
}

/* Asserts text fails with exactly this message. */
static void expect_error(const char *text, const char *message) {
  blec_world *w = NULL;
  blec_error err;
  int st = load(text, &w, &err);
  if (st != BLEC_ERR_PARSE || strcmp(err.message, message) != 0)
    blec_test_fail_(__FILE__, __LINE__, "for:\n%s\nwanted BLEC_ERR_PARSE \"%s\"\ngot %s \"%s\"", text,
                    message, blec_status_name(st), err.message);
  ASSERT(w == NULL);
  ASSERT_EQ_INT(err.status, BLEC_ERR_PARSE);
}

static void value_is(blec_world_peripheral *p, uint16_t h, const void *want, size_t n) {
  uint8_t *v = NULL;
  size_t len = 0;
  ASSERT_OK(blec_world_get_value(p, h, &v, &len));
  ASSERT_EQ_INT(len, n);
  if (n) ASSERT_MEM_EQ(v, want, n);
  blec_free(v);
}

BLEC_TEST_IMPL(parse_minimal_world) {
  blec_world *w = NULL;
  blec_error err;
  ASSERT_OK(load("blec-world 1\n", &w, &err));
  ASSERT_EQ_INT(blec_world_peripheral_count(w), 0);
  ASSERT(blec_world_radio(w));
  blec_world_unref(w);
  /* Comments and blank lines before the version; CRLF line ends; no final newline. */
  ASSERT_OK(load("# hello\r\n\r\n   \t\r\n  blec-world 1  # v1\r\nradio off", &w, &err));
  ASSERT(!blec_world_radio(w));
  blec_world_unref(w);
}

static const char full[] =
    "blec-world 1\n"
    "seed 0x2a\n"
    "time-scale 0.5\n"
    "not-found-delay 20ms\n"
    "peripheral 12:34:56:78:9a:bc random\n"
    "  name \"Thing \\\"Q\\\"\"\n"
    "  services 180d 12345678 6e400001-b5a3-f393-e0a9-e50e24dcca9e\n"
    "  manufacturer 4c hex:01 02\n"
    "  scan-response service-data feaa hex:10\n"
    "  scan-response tx-power -8\n"
    "  adv appearance 0x0341\n"
    "  adv-interval 1.5s\n"
    "  rssi -61 \xC2\xB1"
    "7\n"
    "  mtu 185\n"
    "  pairing authentication\n"
    "  connect-delay 10ms\n"
    "  response-delay 2ms\n"
    "  fault att-error 0x0e on-request 3\n"
    "  fault link-loss after 2min\n"
    "  fault link-loss after-requests 5\n"
    "  fault stop-advertising after 5s\n"
    "  service 180d\n"
    "    characteristic 2a37 read,notify,indicate hex:0648\n"
    "      stream 1s heart-rate burst 2 count 10\n"
    "      descriptor 2901 read text:\"Heart rate\"\n"
    "    characteristic 2a38 read,reliable-write,write\n"
    "      value u16:513\n"
    "      security encryption\n"
    "    characteristic aa01 write-without-response\n"
    "      echo 2a37\n"
    "      descriptor aa50 s16:-2\n"
    "        value s8:-1\n"
    "peripheral 12:34:56:78:9A:BD\n"
    "  device-name \"Hidden\"\n"
    "  connectable no\n"
    "  rssi -70 +- 3\n";

BLEC_TEST_IMPL(parse_full_file_builds_the_world) {
  blec_world *w = NULL;
  blec_error err;
  int st = load(full, &w, &err);
  if (st != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "%s", err.message);
  ASSERT_EQ_INT(blec_world_peripheral_count(w), 2);
  blec_world_peripheral *p = wt_periph(w, "12:34:56:78:9A:BC");
  ASSERT_STR_EQ(blec_world_peripheral_address(p), "12:34:56:78:9A:BC");
  ASSERT_EQ_INT(p->addr_type, BLEC_ADDRESS_RANDOM);
  char *name = blec__world_peripheral_name(p);
  ASSERT_STR_EQ(name, "Thing \"Q\"");
  free(name);
  ASSERT_EQ_INT(p->adv_interval_ms, 1500);
  ASSERT_EQ_INT(p->rssi, -61);
  ASSERT_EQ_INT(p->rssi_var, 7);
  ASSERT_EQ_INT(p->mtu, 185);
  ASSERT_EQ_INT(p->pair_max, BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION);
  ASSERT_EQ_INT(p->connect_delay_ms, 10);
  ASSERT_EQ_INT(p->response_delay_ms, 2);
  ASSERT_EQ_INT(p->nfaults, 1);
  ASSERT_EQ_INT(p->faults[0].att_error, 0x0E);
  ASSERT_EQ_INT(p->faults[0].nth, 3);
  ASSERT_EQ_INT(p->loss_after_ms, 120000);
  ASSERT_EQ_INT(p->loss_after_requests, 5);
  ASSERT_EQ_INT(p->stop_adv_ms, 5000);
  ASSERT_EQ_INT(w->seed, 42);
  ASSERT(w->scale == 0.5);
  ASSERT_EQ_INT(w->default_connect_delay_ms, 20);

  /* Handles in order: GAP 1..3, then 180D at 4. */
  blec__wattr *a = NULL;
  size_t n = 0;
  ASSERT_OK(blec__world_peripheral_attributes(p, &a, &n));
  uint16_t u16;
  ASSERT_EQ_INT(a[0].kind, BLEC__WATTR_SERVICE);
  ASSERT_EQ_INT(a[0].handle, 1);
  ASSERT_EQ_INT(a[0].end_handle, 3);
  ASSERT(blec_uuid_to16(&a[0].uuid, &u16) && u16 == 0x1800);
  ASSERT_EQ_INT(a[1].kind, BLEC__WATTR_CHARACTERISTIC);
  ASSERT_EQ_INT(a[1].handle, 3); /* declaration 2, value 3 */
  ASSERT(blec_uuid_to16(&a[1].uuid, &u16) && u16 == 0x2A00);
  ASSERT_EQ_INT(a[2].handle, 4); /* 180D */
  ASSERT(blec_uuid_to16(&a[2].uuid, &u16) && u16 == 0x180D);
  /* 2A37: decl 5, value 6, CCCD 7, 2901 8; 2A38: decl 9, value 10, 2900 11; AA01: 12, 13, AA50 14. */
  ASSERT_EQ_INT(a[2].end_handle, 14);
  ASSERT_EQ_INT(a[3].handle, 6);
  ASSERT_EQ_INT(a[3].props, BLEC_PROP_READ | BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE);
  ASSERT_EQ_INT(a[4].handle, 7);
  ASSERT(blec_uuid_to16(&a[4].uuid, &u16) && u16 == 0x2902);
  ASSERT_EQ_INT(a[5].handle, 8);
  ASSERT(blec_uuid_to16(&a[5].uuid, &u16) && u16 == 0x2901);
  ASSERT_EQ_INT(a[6].handle, 10);
  ASSERT_EQ_INT(a[6].props,
                BLEC_PROP_READ | BLEC_PROP_WRITE | BLEC_PROP_RELIABLE_WRITE | BLEC_PROP_EXTENDED_PROPERTIES);
  ASSERT_EQ_INT(a[7].handle, 11);
  ASSERT(blec_uuid_to16(&a[7].uuid, &u16) && u16 == 0x2900);
  ASSERT_EQ_INT(a[8].handle, 13);
  ASSERT_EQ_INT(a[9].handle, 14);
  ASSERT_EQ_INT(n, 10);
  free(a);

  value_is(p, 3, "Thing \"Q\"", 9);
  value_is(p, 6, "\x06\x48", 2);
  value_is(p, 7, "\x00\x00", 2);
  value_is(p, 8, "Heart rate", 10);
  value_is(p, 10, "\x01\x02", 2);
  value_is(p, 11, "\x01\x00", 2);
  value_is(p, 14, "\xff", 1);
  /* Declarations read as a server encodes them. */
  value_is(p, 5, "\x32\x06\x00\x37\x2a", 5);
  value_is(p, 4, "\x0d\x18", 2);
  ASSERT_EQ_INT(p->attrs[5].stream_ms, 1000);
  ASSERT_EQ_INT(p->attrs[5].burst, 2);
  ASSERT_EQ_INT(p->attrs[5].count, 10);
  ASSERT_EQ_INT(p->attrs[5].generator, BLEC__WGEN_HEART_RATE);
  ASSERT_EQ_INT(p->attrs[9].security, BLEC_PROTECTION_ENCRYPTION);
  ASSERT_EQ_INT(p->attrs[12].echo, 6);
  ASSERT_EQ_INT(p->attrs[7].access, BLEC__WACC_READ);

  /* The advertisement: flags, name, services (16, 32, 128 bits), manufacturer, appearance. */
  /* clang-format off */
  static const uint8_t adv[] = {2, 0x01, 0x06,
                                10, 0x09, 'T', 'h', 'i', 'n', 'g', ' ', '"', 'Q', '"',
                                3, 0x03, 0x0d, 0x18,
                                5, 0x05, 0x78, 0x56, 0x34, 0x12,
                                17, 0x07, 0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0, 0x93, 0xf3, 0xa3, 0xb5,
                                0x01, 0x00, 0x40, 0x6e,
                                5, 0xFF, 0x4c, 0x00, 0x01, 0x02,
                                3, 0x19, 0x41, 0x03};
  /* clang-format on */
  ASSERT_EQ_INT(p->payload_len[0], sizeof adv);
  ASSERT_MEM_EQ(p->payload[0], adv, sizeof adv);
  static const uint8_t rsp[] = {4, 0x16, 0xaa, 0xfe, 0x10, 2, 0x0A, 0xF8};
  ASSERT_EQ_INT(p->payload_len[1], sizeof rsp);
  ASSERT_MEM_EQ(p->payload[1], rsp, sizeof rsp);
  ASSERT_EQ_INT(p->tx_power[0], 127);
  ASSERT_EQ_INT(p->tx_power[1], -8);

  blec_world_peripheral *q = wt_periph(w, "12:34:56:78:9a:bd");
  ASSERT_EQ_INT(q->addr_type, BLEC_ADDRESS_PUBLIC);
  ASSERT(!q->connectable);
  ASSERT_EQ_INT(q->rssi_var, 3);
  name = blec__world_peripheral_name(q);
  ASSERT_STR_EQ(name, "Hidden");
  free(name);
  /* device-name: not advertised; flags say non-connectable. */
  ASSERT_EQ_INT(q->payload_len[0], 3);
  ASSERT_EQ_INT(q->payload[0][2], 0x04);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(parse_value_forms) {
  static const struct {
    const char *v;
    const char *bytes;
    size_t n;
  } cases[] = {
      {"hex:", "", 0},
      {"hex:00ff 10 2A", "\x00\xff\x10\x2a", 4},
      {"text:\"a b#c\"", "a b#c", 5},
      {"\"q\\\"\\\\\\n\\t\\x41\\x00\"", "q\"\\\n\tA\x00", 7},
      {"u8:255", "\xff", 1},
      {"u16:0x1234", "\x34\x12", 2},
      {"u32:4294967295", "\xff\xff\xff\xff", 4},
      {"s8:-128", "\x80", 1},
      {"s16:-2", "\xfe\xff", 2},
      {"s32:-1", "\xff\xff\xff\xff", 4},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[256];
    snprintf(text, sizeof text,
             "blec-world 1\nperipheral 00:00:00:00:00:01\nservice ff00\ncharacteristic ff01 read %s\n",
             cases[i].v);
    blec_world *w = wt_world(text);
    value_is(wt_periph(w, "00:00:00:00:00:01"), 3, cases[i].bytes, cases[i].n);
    blec_world_unref(w);
  }
}

BLEC_TEST_IMPL(parse_errors_name_the_line_and_what_was_expected) {
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
      {"", "t.world:1: empty world file (expected 'blec-world 1' as the first line)"},
      {"# only a comment\n\n", "t.world:2: empty world file (expected 'blec-world 1' as the first line)"},
      {"peripheral 00:00:00:00:00:01\n",
       "t.world:1: not a world file (expected 'blec-world 1' as the first line)"},
      {"blec-world 2\n", "t.world:1: unsupported version '2' (this library reads blec-world 1)"},
      {"blec-world 1\nblec-world 1\n",
       "t.world:2: 'blec-world' appears twice (expected it once, on the first line)"},
      {"blec-world 1\n\nfrobnicate 3\n",
       "t.world:3: unknown keyword 'frobnicate' (see docs/world-format.md)"},
      {"blec-world 1\nname \"x\"\n",
       "t.world:2: 'name' outside a peripheral (expected a 'peripheral' line before it)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\ncharacteristic 2a00 read\n",
       "t.world:3: 'characteristic' outside a service (expected a 'service' line before it)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180f\nstream 1s counter\n",
       "t.world:4: 'stream' outside a characteristic (expected a 'characteristic' line before it)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180f\nvalue hex:00\n",
       "t.world:4: 'value' outside a characteristic (expected a 'characteristic' or 'descriptor' line before "
       "it)"},
      {"blec-world 1\nperipheral 00:00:00:00:0:01\n",
       "t.world:2: bad address '00:00:00:00:0:01' (expected six hex bytes as AA:BB:CC:DD:EE:FF)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01 static\n",
       "t.world:2: bad address type 'static' (expected public or random)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nperipheral 00:00:00:00:00:01\n",
       "t.world:3: peripheral 00:00:00:00:00:01 is defined twice"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nname \"unterminated\n",
       "t.world:3: unterminated string (expected a closing \")"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nname unquoted\n",
       "t.world:3: expected a quoted string like \"text\""},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nname \"a\\qb\"\n",
       "t.world:3: unknown escape \\q in string (expected \\\", \\\\, \\n, \\r, \\t or \\xHH)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nname \"\\xff\"\n",
       "t.world:3: the name is not valid UTF-8 text"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\nname \"late\"\n",
       "t.world:4: the name must come before the first service (the GAP service 0x1800 takes the first "
       "handles)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nmtu 10\n",
       "t.world:3: bad number '10' for 'mtu' (expected 23..517)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nmtu\n",
       "t.world:3: wrong arguments for 'mtu' (expected: mtu 23..517)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nadv-interval 100\n",
       "t.world:3: bad duration '100' for 'adv-interval' (expected a whole number of ms up to 24h, as 100ms, "
       "1.5s or 2min)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nresponse-delay 0.5ms\n",
       "t.world:3: bad duration '0.5ms' for 'response-delay' (expected a whole number of ms up to 24h, as "
       "100ms, 1.5s or 2min)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nconnect-delay 999999999.999999min\n",
       "t.world:3: bad duration '999999999.999999min' for 'connect-delay' (expected a whole number of ms up "
       "to 24h, as 100ms, 1.5s or 2min)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nconnect-delay 1441min\n",
       "t.world:3: bad duration '1441min' for 'connect-delay' (expected a whole number of ms up to 24h, as "
       "100ms, 1.5s or 2min)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nfault att-error 0x10000000000000005 on-request 1\n",
       "t.world:3: bad number '0x10000000000000005' for 'att-error' (expected 1..255)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nconnectable maybe\n",
       "t.world:3: bad value 'maybe' for 'connectable' (expected yes or no)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nrssi -60 5\n",
       "t.world:3: bad RSSI variation (expected: rssi DBM [\xC2\xB1VARIATION], as rssi -60 \xC2\xB1"
       "5)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\npairing strong\n",
       "t.world:3: bad level 'strong' for 'pairing' (expected none, encryption or authentication)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nfault link-loss soon\n",
       "t.world:3: wrong arguments for 'fault link-loss' (expected: fault link-loss after DURATION, or "
       "after-requests N)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nfault meteor\n",
       "t.world:3: unknown fault 'meteor' (expected att-error, link-loss, stop-advertising or "
       "discovery-unreachable)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nfault att-error 0x100 on-request 1\n",
       "t.world:3: bad number '0x100' for 'att-error' (expected 1..255)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 18zz\n",
       "t.world:3: bad UUID '18zz' (expected 16-bit as 180d, 32-bit, or 128-bit as "
       "6e400001-b5a3-f393-e0a9-e50e24dcca9e)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 read,shout\n",
       "t.world:4: unknown property 'shout' (expected read, write, write-without-response, notify, indicate "
       "or another bleak property name)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify hex:0\n",
       "t.world:4: odd number of hex digits (expected two per byte)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify hex:0g\n",
       "t.world:4: 'g' is not a hex digit (expected hex:0A1B... with pairs of digits)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify u8:256\n",
       "t.world:4: bad number in 'u8:256' (expected u8: followed by 0..255)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify text:\"a\" "
       "extra\n",
       "t.world:4: unexpected 'extra' after the value"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify 12\n",
       "t.world:4: bad value '12' (expected hex:..., text:\"...\" or u8:/u16:/u32:/s8:/s16:/s32:N)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a38 read\nstream 1s "
       "counter\n",
       "t.world:5: a stream needs a characteristic that can notify or indicate"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify\nstream 1s "
       "random\n",
       "t.world:5: unknown generator 'random' (expected static, counter, heart-rate, temperature, humidity "
       "or battery)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify\nstream 1s "
       "counter fast 2\n",
       "t.world:5: unknown stream option 'fast' (expected burst N or count N)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify\ndescriptor "
       "2902\n",
       "t.world:5: the CCCD 0x2902 is added automatically (to characteristics that notify or indicate)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice 180d\ncharacteristic 2a37 notify\necho 2a37\n",
       "t.world:5: echo needs a writable characteristic (write or write-without-response)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice ff00\ncharacteristic ff01 write\n  echo ff09\n"
       "characteristic ff02 read\nperipheral 00:00:00:00:00:02\n",
       "t.world:5: echo target ff09: no such characteristic in peripheral 00:00:00:00:00:01"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice ff00\ncharacteristic ff01 write\n  echo ff02\n"
       "characteristic ff02 read\n",
       "t.world:5: echo target ff02 does not notify or indicate"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nservice ff00\ncharacteristic ff01 write\n  echo "
       "handle:0\n",
       "t.world:5: bad handle 'handle:0' (expected handle:N, N 1..65535)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nmanufacturer 12345 hex:00\n",
       "t.world:3: bad company id '12345' (expected up to 4 hex digits, as 004c)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nadv colour blue\n",
       "t.world:3: unknown advertising field 'colour' (expected name, short-name, services, manufacturer, "
       "service-data, tx-power, appearance, flags, ad or raw)"},
      {"blec-world 1\ntime-scale 0\n",
       "t.world:2: bad time scale '0' (expected a positive decimal, as 0.1 for ten times faster)"},
      {"blec-world 1\nradio dim\n", "t.world:2: bad value 'dim' for 'radio' (expected on or off)"},
      {"blec-world 1\nseed -1\n", "t.world:2: bad seed '-1' (expected a number, decimal or 0x-hex)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\nbonded none\n",
       "t.world:3: bad value 'none' for 'bonded' (expected no, encryption or authentication)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\npairing-io loud\n",
       "t.world:3: bad value 'loud' for 'pairing-io' (expected no-input-no-output, display-only, display-yes-no or "
       "keyboard-only)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\npasskey 12345\n",
       "t.world:3: bad passkey '12345' (expected 6 digits)"},
      {"blec-world 1\nperipheral 00:00:00:00:00:01\npasskey 12345a\n",
       "t.world:3: bad passkey '12345a' (expected 6 digits)"},
      {"blec-world 1\npe\x00ripheral\n", "t.world:2: unknown keyword 'pe' (see docs/world-format.md)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) expect_error(cases[i].text, cases[i].message);
  /* 250 bytes of service data make a 252-byte structure: too long for a scan response. */
  char text[1024];
  int k =
      snprintf(text, sizeof text, "blec-world 1\nperipheral 00:00:00:00:00:01\nscan-response ad 0x16 hex:");
  for (int i = 0; i < 250; i++) k += snprintf(text + k, sizeof text - (size_t)k, "%02x", i);
  snprintf(text + k, sizeof text - (size_t)k, "\n");
  expect_error(text, "t.world:3: the scan response is too long (at most 251 bytes, flags and name included)");
}

BLEC_TEST_IMPL(parse_rejects_bad_arguments_without_crashing) {
  blec_world *w = NULL;
  blec_error err;
  ASSERT_STATUS(blec_world_load_string(NULL, "x", &w, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_world_load_string("blec-world 1", "x", NULL, &err), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_world_load_string("blec-world 1", NULL, &w, NULL));
  blec_world_unref(w);
  /* No name: "world" in messages. */
  ASSERT_STATUS(blec_world_load_string("x", NULL, &w, &err), BLEC_ERR_PARSE);
  ASSERT(strncmp(err.message, "world:1: ", 9) == 0);
}

BLEC_TEST_IMPL(parse_load_file_reports_the_path) {
  blec_world *w = NULL;
  blec_error err;
  ASSERT_STATUS(blec_world_load_file(BLEC_WORLDS_DIR "/no-such.world", &w, &err), BLEC_ERR_IO);
  ASSERT(strstr(err.message, "no-such.world") != NULL);
  ASSERT(w == NULL);
  ASSERT_OK(blec_world_load_file(BLEC_WORLDS_DIR "/faults.world", &w, &err));
  ASSERT(blec_world_peripheral_count(w) >= 4);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(parse_example_worlds_load) {
  static const char *const files[] = {"default.world", "faults.world", "lab.world", "beacons.world"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", BLEC_WORLDS_DIR, files[i]);
    blec_world *w = NULL;
    blec_error err;
    int st = blec_world_load_file(path, &w, &err);
    if (st != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "%s: %s", path, err.message);
    ASSERT(blec_world_peripheral_count(w) > 0);
    blec_world_unref(w);
  }
}

BLEC_TEST_IMPL(parse_default_world_is_the_documented_file) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new_default(&w));
  ASSERT_EQ_INT(blec_world_peripheral_count(w), 7);
  /* The compiled text is worlds/default.world, byte for byte. */
  FILE *f = fopen(BLEC_WORLDS_DIR "/default.world", "rb");
  ASSERT(f != NULL);
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  ASSERT_STR_EQ(blec__world_default_text(), buf);
  /* docs/world-format.md shows it from its first device on. */
  f = fopen(BLEC_DOCS_DIR "/world-format.md", "rb");
  ASSERT(f != NULL);
  static char doc[131072];
  size_t dn = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[dn] = '\0';
  const char *from = strstr(buf, "# A heart-rate sensor");
  ASSERT(from != NULL);
  if (!strstr(doc, from))
    blec_test_fail_(__FILE__, __LINE__, "docs/world-format.md does not show the default world's text");

  /* What a newcomer expects of it. */
  blec_world_peripheral *hr = wt_periph(w, "C0:FF:EE:00:00:01");
  char *name = blec__world_peripheral_name(hr);
  ASSERT_STR_EQ(name, "Heart Rate Sensor");
  free(name);
  uint16_t hrm = wt_char(hr, "2a37");
  ASSERT(hr->attrs[hrm - 1].props & BLEC_PROP_NOTIFY);
  ASSERT_EQ_INT(hr->attrs[hrm - 1].stream_ms, 1000);
  wt_char(hr, "2a38");
  wt_char(hr, "2a19");
  wt_char(hr, "2a29");
  wt_char(hr, "2a24");
  blec_world_peripheral *uart = wt_periph(w, "C0:FF:EE:00:00:02");
  uint16_t rx = wt_char(uart, "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
  ASSERT_EQ_INT(uart->attrs[rx - 1].echo, wt_char(uart, "6e400003-b5a3-f393-e0a9-e50e24dcca9e"));
  blec_world_peripheral *env = wt_periph(w, "C0:FF:EE:00:00:03");
  ASSERT(env->attrs[wt_char(env, "2a6e") - 1].props & BLEC_PROP_INDICATE);
  ASSERT(env->attrs[wt_char(env, "2a6f") - 1].props & BLEC_PROP_INDICATE);
  blec_world_peripheral *beacon = wt_periph(w, "C0:FF:EE:00:00:04");
  ASSERT(!beacon->connectable);
  /* iBeacon: FF 4C 00 02 15 ... */
  const uint8_t *ad = beacon->payload[0];
  ASSERT_EQ_INT(ad[3], 26);
  ASSERT_EQ_INT(ad[4], 0xFF);
  ASSERT_MEM_EQ(ad + 5, "\x4c\x00\x02\x15", 4);
  ASSERT(beacon->payload_len[1] > 0);
  blec_world_peripheral *lock = wt_periph(w, "C0:FF:EE:00:00:05");
  ASSERT_EQ_INT(lock->attrs[wt_char(lock, "8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d") - 1].security,
                BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION);
  blec_world_peripheral *bulb = wt_periph(w, "C0:FF:EE:00:00:06");
  ASSERT_EQ_INT(bulb->name_where, BLEC__WNAME_SCAN_RSP);
  blec_world_peripheral *band = wt_periph(w, "C0:FF:EE:00:00:07");
  ASSERT(band->connected_elsewhere);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(parse_long_name_is_shortened_in_the_advertisement) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new(&w));
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_add_peripheral(w, "00:00:00:00:00:01", BLEC_ADDRESS_PUBLIC, &p));
  uint8_t big[240];
  memset(big, 0xAB, sizeof big);
  ASSERT_OK(blec_world_peripheral_add_ad(p, false, 0xFF, big, sizeof big));
  ASSERT_OK(blec_world_peripheral_set_name(p, "A rather long name \xC3\xA9t\xC3\xA9", false));
  /* 251 - 3 (flags) - 242 (manufacturer) = 6: a shortened name of 4 bytes. */
  ASSERT_EQ_INT(p->payload[0][3], 5);
  ASSERT_EQ_INT(p->payload[0][4], 0x08);
  ASSERT_MEM_EQ(p->payload[0] + 5, "A ra", 4);
  ASSERT_EQ_INT(p->payload_len[0], 251);
  /* The GAP name is whole. */
  char *name = blec__world_peripheral_name(p);
  ASSERT_STR_EQ(name, "A rather long name \xC3\xA9t\xC3\xA9");
  free(name);
  /* Too much data is refused. */
  ASSERT_STATUS(blec_world_peripheral_add_ad(p, false, 0xFF, big, 10), BLEC_ERR_INVALID_ARG);
  /* Raw payloads replace the generated ones. */
  ASSERT_OK(blec_world_peripheral_set_adv_data(p, true, (const uint8_t *)"\x02\x0a\x05", 3));
  ASSERT_EQ_INT(p->payload_len[1], 3);
  ASSERT_EQ_INT(p->tx_power[1], 5);
  blec_world_unref(w);
}

/* A deterministic mutation fuzzer over the default world: never a crash, every failure a
 * line-numbered parse error (the libFuzzer target does the same at scale). */
BLEC_TEST_IMPL(parse_survives_mutated_input) {
  const char *base = blec__world_default_text();
  size_t n = strlen(base);
  char *buf = malloc(n + 64);
  ASSERT(buf != NULL);
  uint64_t s = 7;
  static const char alphabet[] = " \t\n\"\\#:,.-+0123456789abcdefxhu:AZ\xC2\xB1";
  int ok = 0, bad = 0;
  for (int iter = 0; iter < 3000; iter++) {
    memcpy(buf, base, n + 1);
    size_t len = n;
    int edits = 1 + (int)(blec__wrng_next(&s) % 4);
    for (int e = 0; e < edits; e++) {
      size_t at = (size_t)(blec__wrng_next(&s) % len);
      int kind = (int)(blec__wrng_next(&s) % 3);
      char c = alphabet[blec__wrng_next(&s) % (sizeof alphabet - 1)];
      if (kind == 0) {
        buf[at] = c;
      } else if (kind == 1 && len > 1) {
        memmove(buf + at, buf + at + 1, len - at);
        len--;
      } else if (len < n + 60) {
        memmove(buf + at + 1, buf + at, len - at + 1);
        buf[at] = c;
        len++;
      }
    }
    buf[len] = '\0';
    blec_world *w = NULL;
    blec_error err;
    int st = blec_world_load_string(buf, "m", &w, &err);
    if (st == BLEC_OK) {
      ok++;
      blec_world_unref(w);
    } else {
      bad++;
      ASSERT_EQ_INT(st, BLEC_ERR_PARSE);
      ASSERT(strncmp(err.message, "m:", 2) == 0);
      ASSERT(err.message[2] >= '1' && err.message[2] <= '9');
    }
  }
  ASSERT(ok > 0 && bad > 0);
  free(buf);
}

/* A database with gaps, as a recorded device has: the handles stated are the handles
 * used, the ones between are no attribute, the lines after number on. */
static const char gaps_world[] = "blec-world 1\n"
                                 "peripheral C0:FF:EE:6A:95:01\n"
                                 "  name \"Gaps\"\n"
                                 "  service 180f handle:0x0010\n"
                                 "    characteristic 2a19 handle:18 read,notify u8:77\n"
                                 "  service 5d000001-0000-4000-8000-00805f9b34fb handle:0x28\n"
                                 "    characteristic 5d000002-0000-4000-8000-00805f9b34fb handle:0x30 read hex:0102\n"
                                 "      descriptor 2901 handle:0x34 read text:\"Gapped\"\n"
                                 "    characteristic 5d000003-0000-4000-8000-00805f9b34fb read u8:3\n";

BLEC_TEST_IMPL(parse_explicit_handles_leave_gaps) {
  blec_world *w = NULL;
  blec_error err;
  ASSERT_OK(load(gaps_world, &w, &err));
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_find_peripheral(w, "C0:FF:EE:6A:95:01", &p));
  blec__wattr *attrs = NULL;
  size_t n = 0;
  ASSERT_OK(blec__world_peripheral_attributes(p, &attrs, &n));
  /* GAP 1 (3), battery 0x10 (0x12, CCCD 0x13), vendor 0x28 (0x30, 0x2901 at 0x34, 0x36). */
  static const struct {
    blec__wattr_kind kind;
    uint16_t handle, end;
  } want[] = {{BLEC__WATTR_SERVICE, 1, 3},         {BLEC__WATTR_CHARACTERISTIC, 3, 0},
              {BLEC__WATTR_SERVICE, 0x10, 0x13},   {BLEC__WATTR_CHARACTERISTIC, 0x12, 0},
              {BLEC__WATTR_DESCRIPTOR, 0x13, 0},   {BLEC__WATTR_SERVICE, 0x28, 0x36},
              {BLEC__WATTR_CHARACTERISTIC, 0x30, 0}, {BLEC__WATTR_DESCRIPTOR, 0x34, 0},
              {BLEC__WATTR_CHARACTERISTIC, 0x36, 0}};
  ASSERT_EQ_INT(n, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < n; i++) {
    ASSERT_EQ_INT(attrs[i].kind, want[i].kind);
    ASSERT_EQ_INT(attrs[i].handle, want[i].handle);
    if (want[i].kind == BLEC__WATTR_SERVICE) ASSERT_EQ_INT(attrs[i].end_handle, want[i].end);
  }
  free(attrs);
  value_is(p, 0x12, "\x4d", 1);
  value_is(p, 0x34, "Gapped", 6);
  /* The handles skipped hold nothing. */
  uint8_t *v = NULL;
  size_t len = 0;
  ASSERT_STATUS(blec_world_get_value(p, 0x20, &v, &len), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_world_get_value(p, 0x33, &v, &len), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_world_set_value(p, 0x20, (const uint8_t *)"x", 1, false), BLEC_ERR_INVALID_ARG);
  /* The builder call: only upwards. */
  ASSERT_STATUS(blec_world_set_next_handle(p, 0x36), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_world_set_next_handle(p, 0), BLEC_ERR_INVALID_ARG);
  ASSERT_STATUS(blec_world_set_next_handle(NULL, 0x100), BLEC_ERR_INVALID_ARG);
  ASSERT_OK(blec_world_set_next_handle(p, 0x37)); /* the next one anyway: no gap */
  ASSERT_OK(blec_world_set_next_handle(p, 0x100));
  blec_uuid u = blec_uuid_from16(0x180a);
  uint16_t h = 0;
  ASSERT_OK(blec_world_add_service(p, &u, &h));
  ASSERT_EQ_INT(h, 0x100);
  blec_world_unref(w);
}

BLEC_TEST_IMPL(parse_explicit_handle_errors_name_the_line) {
  static const char head[] = "blec-world 1\nperipheral 00:00:00:00:00:01\n  name \"n\"\n";
  static const struct {
    const char *tail;
    const char *message;
  } cases[] = {
      {"  service 180f handle:3\n",
       "t.world:4: service handle 3 is not above the handles already taken (up to 3; handles must increase, and "
       "a characteristic's declaration takes the handle before its value)"},
      {"  service 180f handle:0x10\n    characteristic 2a19 handle:0x11 read\n",
       "t.world:5: characteristic handle 17 is not above the handles already taken (up to 16; handles must "
       "increase, and a characteristic's declaration takes the handle before its value)"},
      {"  service 180f handle:0x10\n  service 180a handle:0x08\n",
       "t.world:5: service handle 8 is not above the handles already taken (up to 16; handles must increase, "
       "and a characteristic's declaration takes the handle before its value)"},
      {"  service 180f handle:0\n", "t.world:4: bad handle 'handle:0' (expected handle:N, N 1..65535)"},
      {"  service 180f handle:65536\n", "t.world:4: bad handle 'handle:65536' (expected handle:N, N 1..65535)"},
      {"  service 180f handle:x\n", "t.world:4: bad handle 'handle:x' (expected handle:N, N 1..65535)"},
      {"  service 180f handle:9 extra\n",
       "t.world:4: wrong arguments for 'service' (expected: service UUID [handle:N])"},
      {"  service 180f extra\n", "t.world:4: wrong arguments for 'service' (expected: service UUID [handle:N])"},
      {"  service 180f\n    characteristic 2a19 handle:9\n",
       "t.world:5: wrong arguments for 'characteristic' (expected: characteristic UUID [handle:N] PROPERTIES "
       "[VALUE])"},
      {"  service 180f\n    characteristic 2a19 handle:65535 read,notify\n",
       "t.world:5: characteristic handle 65535 leaves no room for its 3 attributes (handles end at 65535)"},
      {"  service 180f\n    characteristic 2a19 handle:65535 read\n      descriptor 2901 handle:65535\n",
       "t.world:6: descriptor handle 65535 is not above the handles already taken (up to 65535; handles must "
       "increase, and a characteristic's declaration takes the handle before its value)"},
      {"  service 180f\n    characteristic 2a19 handle:65535 read\n      descriptor 2901\n",
       "t.world:6: cannot add the descriptor: no attribute handle left (a GATT database has at most 65535 "
       "attributes)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text, "%s%s", head, cases[i].tail);
    expect_error(text, cases[i].message);
  }
}

BLEC_TEST_IMPL(parse_windows_settings_for_the_simulated_windows_stack) {
  blec_world *w = NULL;
  blec_error err;
  ASSERT_OK(load("blec-world 1\n"
                 "windows late-cancel when-done\n"
                 "windows close-blocks 300ms\n"
                 "windows connect-on-request yes\n"
                 "windows link-lingers 1.5s\n"
                 "windows status-flap on\n"
                 "windows events-unordered true\n"
                 "windows watcher-start-fails no\n"
                 "windows handle-is-declaration yes\n"
                 "windows build 17763\n",
                 &w, &err));
  static const struct {
    blec__wwin what;
    int value;
  } want[] = {{BLEC__WWIN_LATE_CANCEL, 1},         {BLEC__WWIN_CLOSE_BLOCKS_MS, 300},
              {BLEC__WWIN_CONNECT_ON_REQUEST, 1},  {BLEC__WWIN_LINK_LINGERS_MS, 1500},
              {BLEC__WWIN_STATUS_FLAP, 1},         {BLEC__WWIN_EVENTS_UNORDERED, 1},
              {BLEC__WWIN_WATCHER_START_FAILS, 0}, {BLEC__WWIN_HANDLE_IS_DECLARATION, 1},
              {BLEC__WWIN_BUILD, 17763}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    int v = -1;
    ASSERT(blec__world_windows(w, want[i].what, &v));
    ASSERT_EQ_INT(v, want[i].value);
  }
  /* Not set: not there (the stack keeps its own). */
  ASSERT(!blec__world_windows(w, BLEC__WWIN_HELD_ELSEWHERE, NULL));
  ASSERT(!blec__world_windows(w, (blec__wwin)0, NULL));
  ASSERT(!blec__world_windows(w, BLEC__WWIN_END_, NULL));
  ASSERT(!blec__world_windows(NULL, BLEC__WWIN_BUILD, NULL));
  blec_world_unref(w);
  /* The last line wins; never is 2. */
  ASSERT_OK(load("blec-world 1\nwindows late-cancel never\nwindows late-cancel off\nwindows build 0\n", &w, &err));
  int v = -1;
  ASSERT(blec__world_windows(w, BLEC__WWIN_LATE_CANCEL, &v));
  ASSERT_EQ_INT(v, 0);
  ASSERT(blec__world_windows(w, BLEC__WWIN_BUILD, &v));
  ASSERT_EQ_INT(v, 0);
  blec_world_unref(w);

  expect_error("blec-world 1\nwindows\n",
               "t.world:2: wrong arguments for 'windows' (expected: windows KEY VALUE, as windows close-blocks 300ms)");
  expect_error("blec-world 1\nwindows build\n",
               "t.world:2: wrong arguments for 'windows' (expected: windows KEY VALUE, as windows close-blocks 300ms)");
  expect_error("blec-world 1\nwindows quirky yes\n",
               "t.world:2: unknown Windows setting 'quirky' (expected a key of 'windows' in docs/world-format.md)");
  expect_error("blec-world 1\nwindows late-cancel later\n",
               "t.world:2: bad value 'later' for 'late-cancel' (expected off, when-done or never)");
  expect_error("blec-world 1\nwindows status-flap maybe\n",
               "t.world:2: bad value 'maybe' for 'status-flap' (expected yes or no)");
  expect_error("blec-world 1\nwindows close-blocks 300\n",
               "t.world:2: bad duration '300' for 'close-blocks' (expected a whole number of ms up to 24h, as "
               "100ms, 1.5s or 2min)");
  expect_error("blec-world 1\nwindows link-lingers 11min\n", "t.world:2: 'link-lingers' too long: 11min (at most 10min)");
  expect_error("blec-world 1\nwindows build 9200\n", "t.world:2: bad build '9200' (expected 0 or 10240..99999)");
  expect_error("blec-world 1\nwindows build -1\n", "t.world:2: bad number '-1' for 'build' (expected 0..99999)");
}
