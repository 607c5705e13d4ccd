/* SPDX-License-Identifier: MIT */
/* cmd_client.c — `blec info`, `blec pair`, `blec unpair`: the device as a whole. */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "advout.h"
#include "commands.h"
#include "exitcodes.h"
#include "format.h"
#include "hex.h"
#include "json.h"
#include "session.h"

static const char *protection_name(blec_protection_level p) {
  switch (p) {
    case BLEC_PROTECTION_NONE: return "none";
    case BLEC_PROTECTION_ENCRYPTION: return "encryption";
    case BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION: return "authentication";
    default: return "default";
  }
}

/* ---- info ---------------------------------------------------------------------------- */

static void print_adv_human(const blec_device *dev, const blec_adv *adv) {
  const char *name = blec_adv_local_name(adv);
  if (!name) name = blec_device_name(dev);
  printf("Device %s\n", blec_device_address(dev));
  printf("  Name:              %s\n", name ? esc(name).s : "(none advertised)");
  printf("  Address type:      %s\n", format_address_type(blec_device_address_type(dev)));
  printf("  RSSI:              %d dBm\n", blec_adv_rssi(adv));
  printf("  Connectable:       %s\n", blec_adv_connectable(adv) ? "yes" : "no");
  int tx;
  if (blec_adv_tx_power(adv, &tx)) printf("  TX power:          %d dBm\n", tx);
  uint16_t app;
  if (blec_adv_appearance(adv, &app)) {
    const char *an = blec_appearance_name(app);
    printf("  Appearance:        %s (0x%04x)\n", an ? an : "unknown", app);
  }
  char ub[BLEC_UUID_STRLEN];
  size_t n = blec_adv_service_uuid_count(adv);
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    if (blec_adv_service_uuid_at(adv, i, &u) != BLEC_OK) continue;
    const char *un = format_uuid_name(&u);
    printf("  %-19s%s%s%s\n", i ? "" : "Services:", format_uuid_short(&u, ub), un ? " " : "",
           un ? un : "");
  }
  strbuf b;
  strbuf_init(&b);
  n = blec_adv_manufacturer_count(adv);
  for (size_t i = 0; i < n; i++) {
    uint16_t c;
    const uint8_t *d;
    size_t len;
    if (blec_adv_manufacturer_at(adv, i, &c, &d, &len) != BLEC_OK) continue;
    const char *cn = blec_company_name(c);
    strbuf_reset(&b);
    hex_append(&b, d, len);
    printf("  %-19s%s (0x%04x): %s\n", i ? "" : "Manufacturer data:", cn ? cn : "unknown company",
           c, b.s);
  }
  n = blec_adv_service_data_count(adv);
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    const uint8_t *d;
    size_t len;
    if (blec_adv_service_data_at(adv, i, &u, &d, &len) != BLEC_OK) continue;
    strbuf_reset(&b);
    hex_append(&b, d, len);
    printf("  %-19s%s: %s\n", i ? "" : "Service data:", format_uuid_short(&u, ub), b.s);
  }
  strbuf_reset(&b);
  format_adv_words(&b, adv);
  if (b.len) printf("  In words:          %s\n", b.s);
  strbuf_free(&b);
  fflush(stdout);
}

int cmd_info(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  blec_device *dev = NULL;
  if (rc != CLI_EXIT_OK) goto out;

  bool connectable = true;
  const blec_adv *adv = NULL;
  if (!a->no_scan) {
    rc = session_find(&s, &dev);
    if (rc != CLI_EXIT_OK) goto out;
    adv = blec_device_adv(dev);
    connectable = blec_adv_connectable(adv);
    if (!a->json) print_adv_human(dev, adv);
  }
  if (connectable) {
    rc = session_connect(&s, dev);
    if (rc != CLI_EXIT_OK) goto out;
  }
  size_t nsvc = connectable ? blec_client_service_count(s.client) : 0;
  char ub[BLEC_UUID_STRLEN];
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "info");
    if (dev)
      advout_json(&j, dev, adv);
    else
      advout_json_unseen(&j, blec_client_address(s.client), blec_client_name(s.client));
    json_bool(&j, "connected", connectable);
    if (!connectable) {
      json_null(&j, "gatt_name");
      json_null(&j, "mtu");
      json_null(&j, "max_write_without_response");
      json_null(&j, "gatt_services");
    } else {
      json_str(&j, "gatt_name", blec_client_name(s.client));
      json_int(&j, "mtu", blec_client_mtu(s.client));
      json_int(&j, "max_write_without_response", (long long)blec_client_max_write_without_response_size(s.client));
      json_begin_array(&j, "gatt_services");
      for (size_t i = 0; i < nsvc; i++) {
        blec_service *svc = blec_client_service_at(s.client, i);
        blec_uuid u = blec_service_uuid(svc);
        json_begin_object(&j, NULL);
        json_str(&j, "uuid", blec_uuid_to_string(&u, ub));
        json_str(&j, "description", blec_service_description(svc));
        json_int(&j, "handle", blec_service_handle(svc));
        json_int(&j, "characteristics", (long long)blec_service_characteristic_count(svc));
        json_end_object(&j);
      }
      json_end_array(&j);
    }
    json_end_line(&j, stdout);
  } else if (!connectable) {
    printf("Connection: none (the device does not accept connections)\n");
  } else {
    const char *gname = blec_client_name(s.client);
    if (!dev) printf("Device %s\n", blec_client_address(s.client));
    printf("Connection\n");
    if (gname) printf("  Device name:       %s\n", esc(gname).s);
    printf("  MTU:               %d\n", blec_client_mtu(s.client));
    printf("  Max write without response: %zu bytes\n",
           blec_client_max_write_without_response_size(s.client));
    printf("  Services:          %zu\n", nsvc);
    for (size_t i = 0; i < nsvc; i++) {
      blec_service *svc = blec_client_service_at(s.client, i);
      blec_uuid u = blec_service_uuid(svc);
      printf("    %-8s %-36s (handle %u, %zu characteristic%s)\n", format_uuid_short(&u, ub),
             blec_service_description(svc) ? blec_service_description(svc) : "Unknown",
             blec_service_handle(svc),
             blec_service_characteristic_count(svc),
             blec_service_characteristic_count(svc) == 1 ? "" : "s");
    }
  }
  fflush(stdout);
out:
  blec_device_unref(dev);
  session_end(&s);
  return rc;
}

/* ---- pair / unpair ----------------------------------------------------------------- */

int pair_run(cli_session *sp) {
  cli_session s = *sp;
  const cli_args *a = s.a;
  int rc = CLI_EXIT_OK;
  char action[96];
  snprintf(action, sizeof action, "pair with %s", a->address);
  blec_op *op = NULL;
  blec_error err;
  int st = blec_client_pair_async(s.client, a->protection, session_op_done, NULL, &op);
  if (st == BLEC_OK) {
    st = session_wait(op, s.op_ms, &err);
    blec_op_free(op);
  } else {
    blec_error_clear(&err);
    err.status = st;
  }
  if (st != BLEC_OK) {
    rc = session_fail(&s, action, &err);
    goto out;
  }
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "paired");
    json_str(&j, "address", blec_client_address(s.client));
    json_str(&j, "protection", protection_name(a->protection));
    json_end_line(&j, stdout);
  } else {
    printf("Paired with %s (protection: %s).\n", blec_client_address(s.client),
           protection_name(a->protection));
  }
out:
  return rc;
}

int cmd_pair(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  if (rc == CLI_EXIT_OK) rc = session_connect(&s, NULL);
  if (rc == CLI_EXIT_OK) rc = pair_run(&s);
  session_end(&s);
  return rc;
}

int cmd_unpair(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  if (rc != CLI_EXIT_OK) goto out;
  char action[96];
  snprintf(action, sizeof action, "unpair %s", a->address);
  int st = blec_client_new(s.ctx, a->address, NULL, &s.client);
  if (st != BLEC_OK) {
    s.client = NULL;
    rc = session_fail_status(&s, action, st, NULL);
    goto out;
  }
  blec_error err;
  for (int attempt = 0; attempt < 2; attempt++) {
    blec_op *op = NULL;
    st = blec_client_unpair_async(s.client, session_op_done, NULL, &op);
    if (st == BLEC_OK) {
      st = session_wait(op, s.op_ms, &err);
      blec_op_free(op);
    } else {
      blec_error_clear(&err);
      err.status = st;
    }
    /* Backends that unpair through a link want one: connect, then try again. */
    if (attempt == 0 && (st == BLEC_ERR_NOT_CONNECTED || st == BLEC_ERR_STATE)) {
      blec_client_free(s.client);
      s.client = NULL;
      rc = session_connect(&s, NULL);
      if (rc != CLI_EXIT_OK) goto out;
      continue;
    }
    break;
  }
  if (st != BLEC_OK) {
    rc = session_fail(&s, action, &err);
    goto out;
  }
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "unpaired");
    json_str(&j, "address", blec_client_address(s.client));
    json_end_line(&j, stdout);
  } else {
    printf("Unpaired %s.\n", blec_client_address(s.client));
  }
out:
  session_end(&s);
  return rc;
}
