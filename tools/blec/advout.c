/* SPDX-License-Identifier: MIT */
/* advout.c — see advout.h. */
#include "advout.h"

#include "format.h"

void advout_json(json_obj *j, const blec_device *dev, const blec_adv *adv) {
  json_str(j, "address", blec_device_address(dev));
  json_str(j, "address_type", format_address_type(blec_device_address_type(dev)));
  const char *name = blec_adv_local_name(adv);
  json_str(j, "name", name ? name : blec_device_name(dev));
  json_int(j, "rssi", blec_adv_rssi(adv));
  json_bool(j, "connectable", blec_adv_connectable(adv));
  int tx;
  if (blec_adv_tx_power(adv, &tx))
    json_int(j, "tx_power", tx);
  else
    json_null(j, "tx_power");
  uint16_t app;
  if (blec_adv_appearance(adv, &app)) {
    json_int(j, "appearance", app);
    json_str(j, "appearance_name", blec_appearance_name(app));
  } else {
    json_null(j, "appearance");
    json_null(j, "appearance_name");
  }

  char ubuf[BLEC_UUID_STRLEN];
  size_t n = blec_adv_service_uuid_count(adv);
  json_begin_array(j, "service_uuids");
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    if (blec_adv_service_uuid_at(adv, i, &u) == BLEC_OK) json_str(j, NULL, blec_uuid_to_string(&u, ubuf));
  }
  json_end_array(j);
  json_begin_array(j, "services");
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    if (blec_adv_service_uuid_at(adv, i, &u) == BLEC_OK) json_str(j, NULL, format_uuid_name(&u));
  }
  json_end_array(j);

  n = blec_adv_manufacturer_count(adv);
  json_begin_array(j, "manufacturer_data");
  for (size_t i = 0; i < n; i++) {
    uint16_t company;
    const uint8_t *d;
    size_t len;
    if (blec_adv_manufacturer_at(adv, i, &company, &d, &len) != BLEC_OK) continue;
    json_begin_object(j, NULL);
    json_int(j, "company_id", company);
    json_str(j, "company", blec_company_name(company));
    json_hex(j, "data", d, len);
    json_end_object(j);
  }
  json_end_array(j);

  n = blec_adv_service_data_count(adv);
  json_begin_array(j, "service_data");
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    const uint8_t *d;
    size_t len;
    if (blec_adv_service_data_at(adv, i, &u, &d, &len) != BLEC_OK) continue;
    json_begin_object(j, NULL);
    json_str(j, "uuid", blec_uuid_to_string(&u, ubuf));
    json_str(j, "name", format_uuid_name(&u));
    json_hex(j, "data", d, len);
    json_end_object(j);
  }
  json_end_array(j);

  strbuf words;
  strbuf_init(&words);
  format_adv_words(&words, adv);
  json_str(j, "description", words.s);
  strbuf_free(&words);
  /* The payloads as received: what `blec record` keeps. */
  for (int k = 0; k < 2; k++) {
    size_t len = 0;
    const uint8_t *p = blec_adv_payload(adv, k == 1, &len);
    const char *key = k ? "scan_response_data" : "adv_data";
    if (p)
      json_hex(j, key, p, len);
    else
      json_null(j, key);
  }
}

void advout_json_unseen(json_obj *j, const char *address, const char *name) {
  json_str(j, "address", address);
  json_null(j, "address_type");
  json_str(j, "name", name);
  json_null(j, "rssi");
  json_null(j, "connectable");
  json_null(j, "tx_power");
  json_null(j, "appearance");
  json_null(j, "appearance_name");
  json_begin_array(j, "service_uuids");
  json_end_array(j);
  json_begin_array(j, "services");
  json_end_array(j);
  json_begin_array(j, "manufacturer_data");
  json_end_array(j);
  json_begin_array(j, "service_data");
  json_end_array(j);
  json_null(j, "description");
  json_null(j, "adv_data");
  json_null(j, "scan_response_data");
}
