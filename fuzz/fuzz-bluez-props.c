/* SPDX-License-Identifier: MIT */
/*
 * fuzz-bluez-props.c — libFuzzer target of the bluez backend's reading of bluetoothd's
 * property dictionaries and of the advertisement it re-serializes from them: the
 * property dict → advertisement conversion (src/backends/bluez/blz_props.c, blz_adv.c).
 *
 * The input is a small program that builds a D-Bus message with sd-bus (a message from
 * the bus is exactly what sd-bus could have built): a top-level a{sv} whose keys come
 * from the properties the backend knows (or are arbitrary text) and whose values are
 * variants of a type the input picks — the documented one or any other, nested
 * containers included — followed by an "as" of invalidated names. The message goes to
 * Device1's, Adapter1's and the GATT interfaces' readers, the device to blz_adv_build and
 * the result to the core's snapshot builder. Beyond memory errors it checks: the
 * synthesized data is bounded, every structure in it is well formed, and the core
 * accepts it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backends/bluez/blz.h"
#include "core/adv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

typedef struct in {
  const uint8_t *p;
  size_t n;
} in;

static uint8_t byte(in *s) {
  if (!s->n) return 0;
  s->n--;
  return *s->p++;
}

static const char *const keys[] = {
    "Address", "AddressType", "Name", "Alias", "Adapter", "RSSI", "TxPower", "Appearance", "UUIDs",
    "ManufacturerData", "ServiceData", "AdvertisingFlags", "AdvertisingData", "Connected", "ServicesResolved",
    "Paired", "Bonded", "Trusted", "Powered", "Discovering", "PowerState", "Roles", "UUID", "Device", "Service",
    "Characteristic", "Handle", "Flags", "NotifyAcquired", "WriteAcquired", "Notifying", "MTU", "Value", "Primary"};

static const char *const sigs[] = {"s",     "o",     "n",     "q",     "b",   "y",    "i",    "u",     "as",
                                   "ay",    "a{qv}", "a{sv}", "a{yv}", "a{ss}", "v", "(ss)", "a{qs}", "ao"};

/* Text from the input: a few printable bytes, or one of the well-formed values the
 * parsers look for (an address, a UUID, a path), so that both paths are reached. */
static void text(in *s, char *buf, size_t cap, char kind) {
  static const char *const good[] = {"C0:01:00:00:00:01", "0000180d-0000-1000-8000-00805f9b34fb", "180d",
                                     "12345678", "/org/bluez/hci0", "/org/bluez/hci0/dev_C0_01_00_00_00_01",
                                     "public", "random", "central", "read", "notify", "write-without-response",
                                     "off-blocked"};
  uint8_t c = byte(s);
  if (c < 0x80) {
    const char *g = good[c % (sizeof good / sizeof good[0])];
    if (kind == 'o' && g[0] != '/') g = "/org/bluez/hci0/dev_C0_01_00_00_00_01/service000a";
    strncpy(buf, g, cap - 1);
    buf[cap - 1] = 0;
    return;
  }
  if (kind == 'o') {
    strcpy(buf, "/p");
    return;
  }
  size_t n = byte(s) % (cap - 1);
  for (size_t i = 0; i < n; i++) buf[i] = (char)(' ' + byte(s) % 95);
  buf[n] = 0;
}

static int value(sd_bus_message *m, in *s, const char *sig, int depth);

static int basic(sd_bus_message *m, in *s, char t) {
  char buf[64];
  switch (t) {
    case 's':
    case 'o':
      text(s, buf, sizeof buf, t);
      return sd_bus_message_append_basic(m, t, buf);
    case 'n': {
      int16_t v = (int16_t)(byte(s) | byte(s) << 8);
      return sd_bus_message_append_basic(m, t, &v);
    }
    case 'q': {
      uint16_t v = (uint16_t)(byte(s) | byte(s) << 8);
      return sd_bus_message_append_basic(m, t, &v);
    }
    case 'b': {
      int v = byte(s) & 1;
      return sd_bus_message_append_basic(m, t, &v);
    }
    case 'y': {
      uint8_t v = byte(s);
      return sd_bus_message_append_basic(m, t, &v);
    }
    default: {
      uint32_t v = (uint32_t)byte(s) << 24 | (uint32_t)byte(s);
      return sd_bus_message_append_basic(m, t, &v);
    }
  }
}

/* Appends one value of signature sig (one complete type) from the input. */
static int value(sd_bus_message *m, in *s, const char *sig, int depth) {
  int r;
  if (sig[0] == 'v') {
    const char *inner = depth < 3 ? sigs[byte(s) % (sizeof sigs / sizeof sigs[0])] : "y";
    if ((r = sd_bus_message_open_container(m, 'v', inner)) < 0) return r;
    if ((r = value(m, s, inner, depth + 1)) < 0) return r;
    return sd_bus_message_close_container(m);
  }
  if (sig[0] == 'a' && sig[1] == 'y') {
    uint8_t n = byte(s);
    uint8_t buf[255];
    for (unsigned i = 0; i < n; i++) buf[i] = byte(s);
    return sd_bus_message_append_array(m, 'y', buf, n);
  }
  if (sig[0] == 'a') {
    const char *elem = sig + 1;
    if ((r = sd_bus_message_open_container(m, 'a', elem)) < 0) return r;
    unsigned n = byte(s) % 8;
    for (unsigned i = 0; i < n && s->n; i++) {
      if (elem[0] == '{') {
        char entry[8] = {elem[1], elem[2], 0};
        if ((r = sd_bus_message_open_container(m, 'e', entry)) < 0) return r;
        if ((r = basic(m, s, elem[1])) < 0) return r;
        if ((r = value(m, s, elem + 2, depth + 1)) < 0) return r;
        if ((r = sd_bus_message_close_container(m)) < 0) return r;
      } else if ((r = value(m, s, elem, depth + 1)) < 0) {
        return r;
      }
    }
    return sd_bus_message_close_container(m);
  }
  if (sig[0] == '(') {
    if ((r = sd_bus_message_open_container(m, 'r', "ss")) < 0) return r;
    if ((r = basic(m, s, 's')) < 0 || (r = basic(m, s, 's')) < 0) return r;
    return sd_bus_message_close_container(m);
  }
  return basic(m, s, sig[0]);
}

static sd_bus *stand_in_bus(void) {
  static sd_bus *bus;
  if (bus) return bus;
  int fds[2];
  check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0);
  check(sd_bus_new(&bus) >= 0);
  check(sd_bus_set_fd(bus, fds[0], fds[0]) >= 0);
  check(sd_bus_start(bus) >= 0);
  return bus; /* kept for the process's life, as the peer end */
}

/* Builds the message; NULL when sd-bus refuses what the input asked for. */
static sd_bus_message *build(in *s) {
  sd_bus_message *m = NULL;
  if (sd_bus_message_new_signal(stand_in_bus(), &m, "/org/bluez/hci0/dev_C0_01_00_00_00_01", BLZ_IF_PROPERTIES,
                                "PropertiesChanged") < 0)
    return NULL;
  int r = 0;
  bool top_dict = byte(s) != 0xFF; /* now and then not a dictionary at all */
  if (top_dict) {
    r = sd_bus_message_open_container(m, 'a', "{sv}");
    unsigned n = byte(s) % 24;
    for (unsigned i = 0; r >= 0 && i < n && s->n; i++) {
      uint8_t k = byte(s);
      char own[32];
      const char *key = keys[k % (sizeof keys / sizeof keys[0])];
      if (k >= 0xF0) {
        text(s, own, sizeof own, 's');
        key = own;
      }
      const char *sig = sigs[byte(s) % (sizeof sigs / sizeof sigs[0])];
      if ((r = sd_bus_message_open_container(m, 'e', "sv")) < 0) break;
      if ((r = sd_bus_message_append_basic(m, 's', key)) < 0) break;
      if ((r = sd_bus_message_open_container(m, 'v', sig)) < 0) break;
      if ((r = value(m, s, sig, 1)) < 0) break;
      if ((r = sd_bus_message_close_container(m)) < 0) break;
      r = sd_bus_message_close_container(m);
    }
    if (r >= 0) r = sd_bus_message_close_container(m);
  } else {
    r = value(m, s, "as", 0);
  }
  /* Invalidated properties. */
  if (r >= 0) {
    r = sd_bus_message_open_container(m, 'a', "s");
    unsigned n = byte(s) % 4;
    for (unsigned i = 0; r >= 0 && i < n; i++) r = sd_bus_message_append_basic(m, 's', keys[byte(s) % 10]);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  static uint64_t cookie;
  if (r >= 0) r = sd_bus_message_seal(m, ++cookie, 0);
  if (r >= 0) r = sd_bus_message_rewind(m, 1);
  if (r < 0) return sd_bus_message_unref(m);
  return m;
}

static int walk_ad(void *user, uint8_t type, const uint8_t *d, size_t len) {
  (void)type;
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < len; i++) sink ^= d[i];
  (void)sink;
  (*(size_t *)user)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  in s = {copy, size};
  sd_bus_message *m = build(&s);
  free(copy);
  if (!m) return 0;

  /* Device1: twice (the second apply replaces what the first read), then invalidation. */
  blz_device d;
  memset(&d, 0, sizeof d);
  for (int round = 0; round < 2; round++) {
    unsigned changed = 0;
    const char *bad = NULL;
    check(sd_bus_message_rewind(m, 1) >= 0);
    int r = blz_device_apply(&d, m, &changed, &bad);
    check((changed & ~d.have) == 0 || r < 0); /* what changed is present */
    if (r >= 0) blz_device_invalidate(&d, m);
  }
  uint8_t ad[BLZ_ADV_MAX];
  size_t n = blz_adv_build(&d, ad, sizeof ad);
  check(n <= BLZ_ADV_MAX && n <= BLEC__ADV_MAX_PAYLOAD);
  /* Every structure is well formed: the walk covers the whole payload. */
  uint8_t *exact = malloc(n ? n : 1);
  check(exact != NULL);
  if (n) memcpy(exact, ad, n);
  size_t count = 0;
  check(blec__ad_foreach(exact, n, walk_ad, &count) == 0);
  for (size_t i = 0; i < n;) { /* no zero length byte (it would end the payload early) */
    check(exact[i] != 0);
    i += (size_t)exact[i] + 1;
    check(i <= n);
  }
  blec_adv *a = NULL;
  check(blec__adv_build(exact, n, NULL, 0, NULL, &a) == BLEC_OK);
  check(blec_adv_raw_count(a) == count);
  if (d.have & BLZ_DP_NAME && d.name && d.name[0]) check(blec_adv_local_name(a) != NULL);
  blec_adv_unref(a);
  free(exact);
  blz_device_clear(&d);

  /* The other interfaces' readers on the same dictionary. */
  blz_adapter ad1;
  memset(&ad1, 0, sizeof ad1);
  check(sd_bus_message_rewind(m, 1) >= 0);
  blz_adapter_apply(&ad1, m, NULL, NULL);
  blz_adapter_clear(&ad1);
  blz_attr at;
  memset(&at, 0, sizeof at);
  const uint8_t *v = NULL;
  size_t vn = 0;
  check(sd_bus_message_rewind(m, 1) >= 0);
  if (blz_attr_apply(&at, m, NULL, &v, &vn, NULL) >= 0 && v) {
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < vn; i++) sink ^= v[i];
    (void)sink;
  }
  blz_attr_clear(&at);
  sd_bus_message_unref(m);
  return 0;
}
