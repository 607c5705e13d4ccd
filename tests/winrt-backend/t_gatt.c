/* SPDX-License-Identifier: MIT */
/* t_gatt.c — discovery, reads, writes and notifications on the winrt backend. */
#include "wr_test.h"

BLEC_TEST_IMPL(services_tree) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_service *svc = NULL;
  blec_uuid aa00 = blec_uuid_from16(0xaa00), hid = blec_uuid_from16(0x1812);
  ASSERT_STATUS(blec_client_service(c, &hid, &svc), BLEC_ERR_SERVICE_NOT_FOUND); /* denied: skipped */
  ASSERT_OK(blec_client_service(c, &aa00, &svc));
  ASSERT_EQ_INT(blec_service_characteristic_count(svc), 4);
  blec_characteristic *aa01 = blec_service_characteristic_at(svc, 0);
  uint16_t u16 = 0;
  blec_uuid u = blec_characteristic_uuid(aa01);
  ASSERT(blec_uuid_to16(&u, &u16));
  ASSERT_EQ_INT(u16, 0xaa01);
  ASSERT_EQ_INT(blec_characteristic_properties(aa01), BLEC_PROP_READ | BLEC_PROP_WRITE);
  ASSERT_EQ_INT(blec_characteristic_descriptor_count(aa01), 1);
  blec_characteristic *aa06 = blec_service_characteristic_at(svc, 3);
  ASSERT_EQ_INT(blec_characteristic_properties(aa06), BLEC_PROP_NOTIFY);
  blec_uuid cccd = blec_uuid_from16(0x2902);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_characteristic_descriptor(aa06, &cccd, &d));
  ASSERT(blec_descriptor_handle(d) > blec_characteristic_handle(aa06));
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(read_write) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_characteristic *aa01 = wt_chr(c, 0xaa01);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 5);
  ASSERT_MEM_EQ(data, "hello", 5);
  blec_free(data);
  ASSERT_OK(blec_client_write(c, aa01, (const uint8_t *)"bye", 3, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 3);
  ASSERT_MEM_EQ(data, "bye", 3);
  blec_free(data);
  blec_descriptor *d = blec_characteristic_descriptor_at(aa01, 0);
  ASSERT(d != NULL);
  ASSERT_OK(blec_client_read_descriptor(c, d, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 9);
  ASSERT_MEM_EQ(data, "lab value", 9);
  blec_free(data);
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT_STATUS(blec_client_read(c, aa01, 0, blec_test_ms(5000), &data, &len, &err), BLEC_ERR_NOT_CONNECTED);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(notify) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_characteristic *rx = wt_chr(c, 0xaa05), *tx = wt_chr(c, 0xaa06);
  wt_values v;
  wt_values_init(&v);
  blec_error err;
  ASSERT_OK(blec_client_start_notify(c, tx, 0, wt_on_value, &v, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_write(c, rx, (const uint8_t *)"ping", 4, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  WT_WAIT_FOR(wt_values_count(&v) > 0, 3000);
  ASSERT_EQ_INT(v.last_len, 4);
  ASSERT_MEM_EQ(v.last, "ping", 4);
  ASSERT_OK(blec_client_stop_notify(c, tx, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_write(c, rx, (const uint8_t *)"pong", 4, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  /* Once the stack delivered everything and the dispatcher ran what it had: nothing more. */
  sim.blec_winrt_sim_drain();
  wt_dispatch_barrier(ctx);
  ASSERT_EQ_INT(wt_values_count(&v), 1);
  blec_client_free(c);
  wt_end(ctx);
  wt_values_free(&v);
}

BLEC_TEST_IMPL(att_error_mapping) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_FLAKY, NULL);
  blec_characteristic *ff01 = wt_chr(c, 0xff01);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  /* Requests of the connection: the second answers ATT 0x0e. */
  int r1 = blec_client_read(c, ff01, 0, blec_test_ms(5000), &data, &len, &err);
  if (r1 == BLEC_OK) blec_free(data);
  int r2 = blec_client_read(c, ff01, 0, blec_test_ms(5000), &data, &len, &err);
  if (r2 == BLEC_OK) blec_free(data);
  ASSERT(r1 == BLEC_ERR_ATT || r2 == BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.status, BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, 0x0e);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  blec_client_free(c);
  wt_end(ctx);
}

/* ---- issue 11: GATT capabilities ------------------------------------------------------------------- */

static const char gatt_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:41 public\n"
    "  name \"Gatt\"\n"
    "  adv-interval 20ms\n"
    "  mtu 100\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"one\"\n"
    "      descriptor aa99 read,write hex:00\n"
    "    characteristic aa02 write-without-response\n"
    "    characteristic aa03 read,notify,indicate text:\"both\"\n"
    "    characteristic aa04 write\n"
    "      echo aa03\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"other\"\n";
#define GATT_DEV "AA:00:00:00:00:41"

BLEC_TEST_IMPL(reads_cached_and_uncached) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx();
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_CACHE_MODE);
  blec_client *c = wt_connect(ctx, GATT_DEV, NULL);
  blec_characteristic *ch = wt_chr(c, 0xaa01);
  uint8_t buf[16];
  ASSERT_EQ_INT(wt_read(c, ch, 0, buf, sizeof buf), 3); /* from the device: the OS caches it */
  wt_set_value(GATT_DEV, blec_characteristic_handle(ch), "two", 3);
  ASSERT_EQ_INT(wt_read(c, ch, BLEC_READ_CACHED, buf, sizeof buf), 3);
  ASSERT_MEM_EQ(buf, "one", 3); /* the OS's value */
  ASSERT_EQ_INT(wt_read(c, ch, 0, buf, sizeof buf), 3);
  ASSERT_MEM_EQ(buf, "two", 3); /* the device's */
  /* Descriptors the same way. */
  blec_uuid du = blec_uuid_from16(0xaa99);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_characteristic_descriptor(ch, &du, &d));
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read_descriptor(c, d, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(len, 1);
  blec_free(data);
  wt_set_value(GATT_DEV, blec_descriptor_handle(d), "\x07", 1);
  ASSERT_OK(blec_client_read_descriptor(c, d, BLEC_READ_CACHED, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(data[0], 0);
  blec_free(data);
  ASSERT_OK(blec_client_read_descriptor(c, d, 0, blec_test_ms(5000), &data, &len, &err));
  ASSERT_EQ_INT(data[0], 7);
  blec_free(data);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(descriptor_write_reaches_the_device) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, GATT_DEV, NULL);
  blec_uuid du = blec_uuid_from16(0xaa99);
  blec_descriptor *d = NULL;
  ASSERT_OK(blec_characteristic_descriptor(wt_chr(c, 0xaa01), &du, &d));
  blec_error err;
  ASSERT_OK(blec_client_write_descriptor(c, d, (const uint8_t *)"\x2a\x2b", 2, blec_test_ms(5000), &err));
  uint8_t buf[4];
  ASSERT_EQ_INT(wt_get_value(GATT_DEV, blec_descriptor_handle(d), buf, sizeof buf), 2);
  ASSERT_MEM_EQ(buf, "\x2a\x2b", 2);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(write_without_response_end_to_end) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, GATT_DEV, NULL);
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 97); /* MTU 100 */
  blec_characteristic *ch = wt_chr(c, 0xaa02);
  uint8_t big[97];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 3);
  blec_error err;
  ASSERT_OK(blec_client_write(c, ch, big, sizeof big, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(5000), &err));
  uint8_t buf[128];
  uint64_t deadline = wt_now_ms() + (uint64_t)blec_test_ms(5000);
  while (wt_get_value(GATT_DEV, blec_characteristic_handle(ch), buf, sizeof buf) != sizeof big ||
         memcmp(buf, big, sizeof big) != 0) {
    ASSERT(wt_now_ms() < deadline);
    Sleep(1);
  }
  /* One byte more than MTU - 3 is refused before Windows sees it. */
  uint8_t more[98] = {0};
  ASSERT_STATUS(blec_client_write(c, ch, more, sizeof more, BLEC_WRITE_WITHOUT_RESPONSE, blec_test_ms(5000), &err),
                BLEC_ERR_INVALID_ARG);
  blec_client_free(c);
  wt_end(ctx);
}

typedef struct mtu_seen {
  volatile LONG calls;
  volatile LONG last;
} mtu_seen;

static void on_mtu(blec_client *c, int mtu, void *user) {
  (void)c;
  mtu_seen *m = user;
  InterlockedExchange(&m->last, mtu);
  InterlockedIncrement(&m->calls);
}

BLEC_TEST_IMPL(mtu_event_reaches_the_mtu_callback) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx();
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_MTU_EVENTS);
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, GATT_DEV, NULL, &c));
  mtu_seen m = {0, 0};
  blec_client_set_mtu_callback(c, on_mtu, &m);
  blec_error err;
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  ASSERT_EQ_INT(blec_client_mtu(c), 100);
  WT_WAIT_FOR(m.last == 100, 5000);
  blec_client_free(c);
  wt_end(ctx);
}

/* Windows changes the MTU of a live link (MaxPduSizeChanged after connecting): only the
 * backend's handler of that event can bring the new value to the program. */
BLEC_TEST_IMPL(mtu_changed_on_a_live_link_reaches_the_mtu_callback) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = wt_connect(ctx, GATT_DEV, NULL);
  ASSERT_EQ_INT(blec_client_mtu(c), 100);
  mtu_seen m = {0, 0};
  blec_client_set_mtu_callback(c, on_mtu, &m);
  ASSERT_OK(sim.blec_winrt_sim_peripheral_set_mtu(GATT_DEV, 247));
  WT_WAIT_FOR(m.last == 247, 5000);
  ASSERT_EQ_INT(blec_client_mtu(c), 247);
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 244);
  ASSERT(wt_log_contains("MaxPduSizeChanged 247"));
  /* Smaller again: reported too. */
  ASSERT_OK(sim.blec_winrt_sim_peripheral_set_mtu(GATT_DEV, 64));
  WT_WAIT_FOR(m.last == 64, 5000);
  ASSERT_EQ_INT(blec_client_mtu(c), 64);
  ASSERT_EQ_INT(m.calls, 2);
  /* Without a link there is nothing to change. */
  blec_error err;
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_set_mtu(GATT_DEV, 100), BLEC_ERR_NOT_CONNECTED);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(indications_and_force_indicate) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx();
  ASSERT(blec_ctx_capabilities(ctx) & BLEC_CAP_INDICATIONS);
  blec_client *c = wt_connect(ctx, GATT_DEV, NULL);
  blec_characteristic *both = wt_chr(c, 0xaa03), *in = wt_chr(c, 0xaa04);
  blec_uuid cu = blec_uuid_from16(0x2902);
  blec_descriptor *cccd = NULL;
  ASSERT_OK(blec_characteristic_descriptor(both, &cu, &cccd));
  wt_values v;
  wt_values_init(&v);
  blec_error err;
  uint8_t cfg[2];
  /* Notify and indicate: notifications unless forced. */
  ASSERT_OK(blec_client_start_notify(c, both, 0, wt_on_value, &v, blec_test_ms(5000), &err));
  ASSERT_EQ_INT(wt_get_value(GATT_DEV, blec_descriptor_handle(cccd), cfg, sizeof cfg), 2);
  ASSERT_EQ_INT(cfg[0], 1);
  ASSERT_OK(blec_client_stop_notify(c, both, blec_test_ms(5000), &err));
  ASSERT_OK(blec_client_start_notify(c, both, BLEC_NOTIFY_FORCE_INDICATE, wt_on_value, &v, blec_test_ms(5000), &err));
  ASSERT_EQ_INT(wt_get_value(GATT_DEV, blec_descriptor_handle(cccd), cfg, sizeof cfg), 2);
  ASSERT_EQ_INT(cfg[0], 2);
  ASSERT_OK(blec_client_write(c, in, (const uint8_t *)"ind", 3, BLEC_WRITE_WITH_RESPONSE, blec_test_ms(5000), &err));
  WT_WAIT_FOR(wt_values_count(&v) == 1, 5000);
  ASSERT_MEM_EQ(v.last, "ind", 3);
  ASSERT_OK(blec_client_stop_notify(c, both, blec_test_ms(5000), &err));
  ASSERT_EQ_INT(wt_get_value(GATT_DEV, blec_descriptor_handle(cccd), cfg, sizeof cfg), 2);
  ASSERT_EQ_INT(cfg[0], 0);
  blec_client_free(c);
  wt_end(ctx);
  wt_values_free(&v);
}

BLEC_TEST_IMPL(services_subset_asked_by_uuid) {
  wt_world(gatt_world);
  blec_ctx *ctx = wt_ctx_logged();
  blec_client *c = wt_connect_subset(ctx, GATT_DEV, 0xbb00);
  ASSERT_EQ_INT(blec_client_service_count(c), 1);
  uint8_t buf[8];
  ASSERT_EQ_INT(wt_read(c, wt_chr(c, 0xbb01), 0, buf, sizeof buf), 5);
  blec_characteristic *aa01 = NULL;
  blec_uuid u = blec_uuid_from16(0xaa01);
  ASSERT_STATUS(blec_client_characteristic(c, &u, &aa01), BLEC_ERR_CHARACTERISTIC_NOT_FOUND);
  blec_client_free(c);
  wt_end(ctx);
}

/* Windows' documentation does not say whether AttributeHandle is a characteristic's
 * declaration or its value handle: the stack plays both, blec's handles are value handles. */
BLEC_TEST_IMPL(attribute_handle_as_declaration_or_value) {
  uint16_t handles[2][4];
  for (int mode = 0; mode < 2; mode++) {
    wt_world(wt_lab_world);
    if (mode) WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_HANDLE_IS_DECLARATION, 1));
    blec_ctx *ctx = mode ? wt_ctx_logged() : wt_ctx();
    blec_client *c = wt_connect(ctx, WT_LAB, NULL);
    if (mode) ASSERT(wt_log_contains("AttributeHandle of characteristics: declaration handles"));
    static const uint16_t uuids[4] = {0xaa01, 0xaa02, 0xaa05, 0xaa06};
    for (int i = 0; i < 4; i++) handles[mode][i] = blec_characteristic_handle(wt_chr(c, uuids[i]));
    /* The handle reaches the world's value: what it reads is the characteristic's value. */
    uint8_t buf[8];
    ASSERT_EQ_INT(wt_get_value(WT_LAB, handles[mode][0], buf, sizeof buf), 5);
    ASSERT_MEM_EQ(buf, "hello", 5);
    ASSERT_EQ_INT(wt_read(c, wt_chr(c, 0xaa01), 0, buf, sizeof buf), 5);
    wt_values v;
    wt_values_init(&v);
    blec_error err;
    ASSERT_OK(blec_client_start_notify(c, wt_chr(c, 0xaa06), 0, wt_on_value, &v, blec_test_ms(5000), &err));
    ASSERT_OK(blec_client_write(c, wt_chr(c, 0xaa05), (const uint8_t *)"hi", 2, BLEC_WRITE_WITH_RESPONSE,
                                blec_test_ms(5000), &err));
    WT_WAIT_FOR(wt_values_count(&v) == 1, 5000);
    blec_client_free(c);
    wt_end(ctx);
    wt_values_free(&v);
  }
  for (int i = 0; i < 4; i++) ASSERT_EQ_INT(handles[0][i], handles[1][i]);
}
