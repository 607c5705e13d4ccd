/* SPDX-License-Identifier: MIT */
/*
 * printable.c — the printable forms of devices, advertisement data and GATT objects: what
 * bleak's str()/repr() give, so that a program ported from bleak prints the same lines
 * without writing them by hand:
 *
 *   device          "C0:FF:EE:00:00:01: Heart Rate Sensor"           (BLEDevice str; None without a name)
 *   advertisement   "AdvertisementData(local_name='Heart Rate Sensor', manufacturer_data={76: b'\x02\x15'},
 *                    service_data={'0000feaa-...': b'\x10'}, service_uuids=['0000180d-...'], tx_power=-4,
 *                    rssi=-58)"                                       (repr; absent fields left out)
 *   service, characteristic, descriptor
 *                   "0000180d-0000-1000-8000-00805f9b34fb (Handle: 4): Heart Rate"   (str)
 *
 * Manufacturer and service data entries that repeat a key are all shown, in order (a
 * Python dict would keep the last). Texts are cut to the buffer, ending in "...".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "blec/blec.h"

/* An output buffer that never overflows and remembers that it was cut. */
typedef struct out {
  char *buf;
  size_t size, len;
  bool cut;
} out;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(out *o, const char *fmt, ...) {
  if (o->cut) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= o->size - o->len) {
    o->cut = true;
    o->len = o->size - 1;
  } else {
    o->len += (size_t)n;
  }
}

static char *finish(out *o) {
  if (o->cut && o->size >= 4) memcpy(o->buf + o->size - 4, "...", 4);
  return o->buf;
}

static bool start(out *o, char *buf, size_t size) {
  o->buf = buf;
  o->size = size;
  o->len = 0;
  o->cut = false;
  if (!buf || size == 0) return false;
  buf[0] = '\0';
  return true;
}

/* An empty text for a NULL object. */
static char *empty(char *buf, size_t size) {
  if (buf && size) buf[0] = '\0';
  return buf;
}

/* Python's repr of bytes: b'...' with \xHH for what is not printable ASCII. */
static void put_bytes(out *o, const uint8_t *d, size_t n) {
  put(o, "b'");
  for (size_t i = 0; i < n; i++) {
    uint8_t c = d[i];
    if (c == '\\' || c == '\'')
      put(o, "\\%c", c);
    else if (c >= 0x20 && c < 0x7f)
      put(o, "%c", c);
    else
      put(o, "\\x%02x", c);
  }
  put(o, "'");
}

/* Python's repr of a str: '...' with \', \\ and \xHH for control characters. */
static void put_str(out *o, const char *s) {
  put(o, "'");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\' || c == '\'')
      put(o, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      put(o, "\\x%02x", c);
    else
      put(o, "%c", c);
  }
  put(o, "'");
}

char *blec_device_format(const blec_device *dev, char *buf, size_t size) {
  out o;
  if (!dev) return empty(buf, size);
  if (!start(&o, buf, size)) return buf;
  const char *name = blec_device_name(dev);
  put(&o, "%s: %s", blec_device_address(dev), name ? name : "None");
  return finish(&o);
}

char *blec_adv_format(const blec_adv *adv, char *buf, size_t size) {
  out o;
  if (!adv) return empty(buf, size);
  if (!start(&o, buf, size)) return buf;
  char u[BLEC_UUID_STRLEN];
  put(&o, "AdvertisementData(");
  const char *name = blec_adv_local_name(adv);
  if (name) {
    put(&o, "local_name=");
    put_str(&o, name);
    put(&o, ", ");
  }
  size_t n = blec_adv_manufacturer_count(adv);
  if (n) {
    put(&o, "manufacturer_data={");
    for (size_t i = 0; i < n; i++) {
      uint16_t company = 0;
      const uint8_t *d = NULL;
      size_t len = 0;
      blec_adv_manufacturer_at(adv, i, &company, &d, &len);
      put(&o, "%s%u: ", i ? ", " : "", (unsigned)company);
      put_bytes(&o, d, len);
    }
    put(&o, "}, ");
  }
  n = blec_adv_service_data_count(adv);
  if (n) {
    put(&o, "service_data={");
    for (size_t i = 0; i < n; i++) {
      blec_uuid uuid;
      const uint8_t *d = NULL;
      size_t len = 0;
      blec_adv_service_data_at(adv, i, &uuid, &d, &len);
      put(&o, "%s'%s': ", i ? ", " : "", blec_uuid_to_string(&uuid, u));
      put_bytes(&o, d, len);
    }
    put(&o, "}, ");
  }
  n = blec_adv_service_uuid_count(adv);
  if (n) {
    put(&o, "service_uuids=[");
    for (size_t i = 0; i < n; i++) {
      blec_uuid uuid;
      blec_adv_service_uuid_at(adv, i, &uuid);
      put(&o, "%s'%s'", i ? ", " : "", blec_uuid_to_string(&uuid, u));
    }
    put(&o, "], ");
  }
  int tx;
  if (blec_adv_tx_power(adv, &tx)) put(&o, "tx_power=%d, ", tx);
  put(&o, "rssi=%d)", blec_adv_rssi(adv));
  return finish(&o);
}

/* "UUID (Handle: N): description", as bleak's GATT objects print. */
static char *attribute(char *buf, size_t size, const blec_uuid *uuid, unsigned handle, const char *description) {
  out o;
  if (!start(&o, buf, size)) return buf;
  char u[BLEC_UUID_STRLEN];
  put(&o, "%s (Handle: %u): %s", blec_uuid_to_string(uuid, u), handle, description ? description : "Unknown");
  return finish(&o);
}

char *blec_service_format(const blec_service *svc, char *buf, size_t size) {
  if (!svc) return empty(buf, size);
  blec_uuid u = blec_service_uuid(svc);
  return attribute(buf, size, &u, blec_service_handle(svc), blec_service_description(svc));
}

char *blec_characteristic_format(const blec_characteristic *chr, char *buf, size_t size) {
  if (!chr) return empty(buf, size);
  blec_uuid u = blec_characteristic_uuid(chr);
  return attribute(buf, size, &u, blec_characteristic_handle(chr), blec_characteristic_description(chr));
}

char *blec_descriptor_format(const blec_descriptor *desc, char *buf, size_t size) {
  if (!desc) return empty(buf, size);
  blec_uuid u = blec_descriptor_uuid(desc);
  return attribute(buf, size, &u, blec_descriptor_handle(desc), blec_descriptor_description(desc));
}
