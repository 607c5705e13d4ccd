/* SPDX-License-Identifier: MIT */
/*
 * test-write.c — the world writer (blec_world_write_text / blec_world_save_file): every
 * shipped world written and loaded back has the same peripherals, payloads, settings and
 * attribute tables, and writing that again gives the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wtest.h"
#include "world/world_internal.h"

/* Everything the writer promises to keep, compared field by field. */
static void assert_same_world(blec_world *a, blec_world *b) {
  ASSERT_EQ_INT(a->nperiph, b->nperiph);
  ASSERT_EQ_INT(a->seed, b->seed);
  ASSERT(a->scale == b->scale);
  ASSERT_EQ_INT(a->radio, b->radio);
  ASSERT_EQ_INT(a->default_connect_delay_ms, b->default_connect_delay_ms);
  for (size_t i = 0; i < a->nperiph; i++) {
    const blec_world_peripheral *p = a->periph[i], *q = b->periph[i];
    ASSERT_STR_EQ(p->address, q->address);
    ASSERT_EQ_INT(p->addr_type, q->addr_type);
    ASSERT((p->name == NULL) == (q->name == NULL));
    if (p->name) ASSERT_STR_EQ(p->name, q->name);
    for (int k = 0; k < 2; k++) {
      ASSERT_EQ_INT(p->payload_len[k], q->payload_len[k]);
      ASSERT_MEM_EQ(p->payload[k], q->payload[k], p->payload_len[k]);
    }
    ASSERT_EQ_INT(p->adv_interval_ms, q->adv_interval_ms);
    ASSERT_EQ_INT(p->rssi, q->rssi);
    ASSERT_EQ_INT(p->rssi_var, q->rssi_var);
    ASSERT_EQ_INT(p->connectable, q->connectable);
    ASSERT_EQ_INT(p->advertising, q->advertising);
    ASSERT_EQ_INT(p->adv_while_connected, q->adv_while_connected);
    ASSERT_EQ_INT(p->connected_elsewhere, q->connected_elsewhere);
    ASSERT_EQ_INT(p->mtu, q->mtu);
    ASSERT_EQ_INT(p->pair_max, q->pair_max);
    ASSERT_EQ_INT(p->pair_io, q->pair_io);
    ASSERT_STR_EQ(p->passkey, q->passkey);
    ASSERT_EQ_INT(p->bond, q->bond);
    ASSERT_EQ_INT(p->connect_delay_ms, q->connect_delay_ms);
    ASSERT_EQ_INT(p->response_delay_ms, q->response_delay_ms);
    ASSERT_EQ_INT(p->nfaults, q->nfaults);
    ASSERT_EQ_INT(p->loss_after_ms, q->loss_after_ms);
    ASSERT_EQ_INT(p->loss_after_requests, q->loss_after_requests);
    ASSERT_EQ_INT(p->stop_adv_ms, q->stop_adv_ms);
    ASSERT_EQ_INT(p->discovery_unreachable, q->discovery_unreachable);
    ASSERT_EQ_INT(p->gap_name, q->gap_name);
    ASSERT_EQ_INT(p->nattrs, q->nattrs);
    for (size_t h = 0; h < p->nattrs; h++) {
      const blec__wattr_rec *x = &p->attrs[h], *y = &q->attrs[h];
      ASSERT_EQ_INT(x->handle, y->handle);
      ASSERT_EQ_INT(x->kind, y->kind);
      ASSERT(blec_uuid_equal(&x->uuid, &y->uuid));
      ASSERT_EQ_INT(x->props, y->props);
      ASSERT_EQ_INT(x->security, y->security);
      ASSERT_EQ_INT(x->access, y->access);
      ASSERT_EQ_INT(x->owner, y->owner);
      ASSERT_EQ_INT(x->cccd, y->cccd);
      ASSERT_EQ_INT(x->echo, y->echo);
      ASSERT_EQ_INT(x->stream_ms, y->stream_ms);
      if (x->stream_ms >= 0) {
        ASSERT_EQ_INT(x->generator, y->generator);
        ASSERT_EQ_INT(x->burst, y->burst);
        ASSERT_EQ_INT(x->count, y->count);
      }
      ASSERT_EQ_INT(x->len, y->len);
      if (x->len) ASSERT_MEM_EQ(x->value, y->value, x->len);
    }
  }
}

static void round_trip(blec_world *w, const char *what) {
  char *text = NULL;
  ASSERT_OK(blec_world_write_text(w, &text));
  blec_world *back = NULL;
  blec_error err;
  if (blec_world_load_string(text, what, &back, &err) != BLEC_OK)
    blec_test_fail_(__FILE__, __LINE__, "%s written does not load: %s\n%s", what, err.message, text);
  assert_same_world(w, back);
  char *again = NULL;
  ASSERT_OK(blec_world_write_text(back, &again));
  ASSERT_STR_EQ(text, again);
  blec_free(again);
  blec_free(text);
  blec_world_unref(back);
}

BLEC_TEST_IMPL(write_round_trips_every_shipped_world) {
  static const char *const files[] = {"default.world", "faults.world", "lab.world", "beacons.world"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", BLEC_WORLDS_DIR, files[i]);
    blec_world *w = NULL;
    blec_error err;
    if (blec_world_load_file(path, &w, &err) != BLEC_OK) blec_test_fail_(__FILE__, __LINE__, "%s", err.message);
    round_trip(w, files[i]);
    blec_world_unref(w);
  }
}

BLEC_TEST_IMPL(write_keeps_awkward_names_values_and_builder_worlds) {
  blec_world *w = wt_world("blec-world 1\n"
                           "seed 7\n"
                           "time-scale 0.25\n"
                           "peripheral 01:02:03:04:05:06 public\n"
                           "  name \"quote\\\" back\\\\slash\\nnewline\\x01\"\n"
                           "  connectable no\n"
                           "  advertising no\n"
                           "  pairing-io display-only\n"
                           "  passkey 654321\n"
                           "  bonded encryption\n"
                           "  fault att-error 0x0e on-request 3\n"
                           "  fault link-loss after 5s\n"
                           "  service 1234\n"
                           "    characteristic 2a00 read,reliable-write hex:00ff7f\n"
                           "      descriptor 2901 read text:\"a \\\"b\\\"\"\n"
                           "      descriptor 12345678 write\n"
                           "    characteristic 6e400003-b5a3-f393-e0a9-e50e24dcca9e notify,indicate\n"
                           "      stream 250ms counter burst 3 count 9\n"
                           "      security authentication\n");
  round_trip(w, "awkward");
  blec_world_unref(w);

  /* A world built with the builder calls, after run-time changes. */
  ASSERT_OK(blec_world_new(&w));
  blec_world_peripheral *p = NULL;
  ASSERT_OK(blec_world_add_peripheral(w, "AA:BB:CC:DD:EE:01", BLEC_ADDRESS_RANDOM, &p));
  ASSERT_OK(blec_world_peripheral_set_name(p, "Built", true));
  const uint8_t sr[] = {0x03, 0xFF, 0x34, 0x12};
  ASSERT_OK(blec_world_peripheral_set_adv_data(p, true, sr, sizeof sr));
  blec_uuid svc = blec_uuid_from16(0x180F), lvl = blec_uuid_from16(0x2A19);
  uint16_t h = 0, vh = 0;
  ASSERT_OK(blec_world_add_service(p, &svc, &h));
  const uint8_t v = 50;
  ASSERT_OK(blec_world_add_characteristic(p, &lvl, BLEC_PROP_READ | BLEC_PROP_NOTIFY, &v, 1, &vh));
  const uint8_t v2 = 49;
  ASSERT_OK(blec_world_set_value(p, vh, &v2, 1, false));
  round_trip(w, "built");
  blec_world_unref(w);
}

BLEC_TEST_IMPL(write_keeps_explicit_handles_only_where_there_are_gaps) {
  blec_world *w = NULL;
  blec_error err;
  ASSERT_OK(blec_world_load_string("blec-world 1\n"
                                   "peripheral C0:FF:EE:6A:95:01\n"
                                   "  name \"Gaps\"\n"
                                   "  service 180f handle:0x0010\n"
                                   "    characteristic 2a19 handle:0x12 read,notify u8:77\n"
                                   "  service 180a handle:0x14\n"
                                   "    characteristic 2a29 handle:0x20 read text:\"Maker\"\n"
                                   "      descriptor 2901 handle:0x24 read text:\"Gapped\"\n"
                                   "      descriptor 2904 read hex:0401\n"
                                   "    characteristic 2a24 read text:\"M1\"\n",
                                   "gaps", &w, &err));
  char *text = NULL;
  ASSERT_OK(blec_world_write_text(w, &text));
  ASSERT(strstr(text, "  service 180f handle:16\n") != NULL);
  ASSERT(strstr(text, "    characteristic 2a19 read,notify") != NULL); /* right after its service */
  ASSERT(strstr(text, "  service 180a\n") != NULL); /* 0x14 follows the CCCD at 0x13: implicit */
  ASSERT(strstr(text, "    characteristic 2a29 handle:32 read") != NULL);
  ASSERT(strstr(text, "      descriptor 2901 handle:36 read") != NULL);
  ASSERT(strstr(text, "      descriptor 2904 read") != NULL);
  ASSERT(strstr(text, "    characteristic 2a24 read") != NULL);
  blec_free(text);
  round_trip(w, "gaps");
  blec_world_unref(w);
}

BLEC_TEST_IMPL(write_save_file_reports_what_fails) {
  blec_world *w = NULL;
  ASSERT_OK(blec_world_new_default(&w));
  blec_error err;
  ASSERT_STATUS(blec_world_save_file(w, "/nonexistent-dir/x.world", &err), BLEC_ERR_IO);
  ASSERT_EQ_INT(err.status, BLEC_ERR_IO);
  ASSERT(strstr(err.message, "/nonexistent-dir/x.world") != NULL);
  ASSERT_STATUS(blec_world_save_file(w, NULL, &err), BLEC_ERR_INVALID_ARG);
  ASSERT(err.message[0] != '\0');
  ASSERT_STATUS(blec_world_write_text(NULL, NULL), BLEC_ERR_INVALID_ARG);
  const char *path = "world-write-test.world";
  ASSERT_OK(blec_world_save_file(w, path, &err));
  blec_world *back = NULL;
  ASSERT_OK(blec_world_load_file(path, &back, &err));
  assert_same_world(w, back);
  remove(path);
  blec_world_unref(back);
  blec_world_unref(w);
}
