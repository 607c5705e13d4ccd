/* SPDX-License-Identifier: MIT */
/*
 * cmd_services.c — `blec services`: the GATT tree with every readable value, decoded
 * (what bleak's service_explorer example shows). A value that cannot be read is shown
 * with the reason and the walk goes on; a lost link or Ctrl-C ends it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "escape.h"
#include "commands.h"
#include "exitcodes.h"
#include "format.h"
#include "gattio.h"
#include "session.h"
#include "sig.h"

/* A read failure that ends the walk (the rest would fail the same way). */
static bool fatal(int status) {
  return status == BLEC_ERR_DISCONNECTED || status == BLEC_ERR_NOT_CONNECTED ||
         status == BLEC_ERR_CANCELLED || sig_interrupted();
}

/* Human line tail for a value or a read failure. */
static void value_text(strbuf *b, const blec_uuid *u, int st, const uint8_t *d, size_t len,
                       const blec_error *err) {
  if (st == BLEC_OK) {
    strbuf_append(b, " = ");
    format_value(b, u, d, len);
  } else {
    strbuf_append(b, " (read failed: ");
    gattio_error_text(b, err);
    strbuf_putc(b, ')');
  }
}

static int show_descriptor(cli_session *s, blec_descriptor *desc, uint16_t chr_handle) {
  blec_uuid u = blec_descriptor_uuid(desc);
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  int st = gattio_read_desc(s, desc, &d, &len, &err);
  if (s->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "type", "descriptor");
    json_int(&j, "characteristic_handle", chr_handle);
    gattio_json_attr(&j, &u, blec_descriptor_description(desc), blec_descriptor_handle(desc));
    gattio_json_outcome(&j, &u, true, st, d, len, &err);
    json_end_line(&j, stdout);
  } else {
    strbuf b;
    strbuf_init(&b);
    strbuf_append(&b, "    [Descriptor] ");
    gattio_label(&b, &u, blec_descriptor_description(desc), blec_descriptor_handle(desc));
    value_text(&b, &u, st, d, len, &err);
    puts(b.s);
    strbuf_free(&b);
  }
  free(d);
  return fatal(st) ? st : BLEC_OK;
}

static int show_characteristic(cli_session *s, blec_characteristic *chr, uint16_t svc_handle) {
  blec_uuid u = blec_characteristic_uuid(chr);
  uint32_t props = blec_characteristic_properties(chr);
  uint16_t handle = blec_characteristic_handle(chr);
  uint8_t *d = NULL;
  size_t len = 0;
  blec_error err;
  int st = BLEC_ERR_NOT_SUPPORTED;
  bool readable = props & BLEC_PROP_READ;
  if (readable) st = gattio_read_chr(s, chr, &d, &len, &err);
  if (s->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "type", "characteristic");
    json_int(&j, "service_handle", svc_handle);
    gattio_json_attr(&j, &u, blec_characteristic_description(chr), handle);
    gattio_json_properties(&j, props);
    gattio_json_outcome(&j, &u, readable, st, d, len, &err);
    json_end_line(&j, stdout);
  } else {
    char pbuf[256];
    strbuf b;
    strbuf_init(&b);
    strbuf_append(&b, "  [Characteristic] ");
    gattio_label(&b, &u, blec_characteristic_description(chr), handle);
    strbuf_printf(&b, " [%s]", blec_properties_format(props, pbuf, sizeof pbuf));
    if (readable) value_text(&b, &u, st, d, len, &err);
    puts(b.s);
    strbuf_free(&b);
  }
  free(d);
  if (readable && fatal(st)) return st;
  size_t nd = blec_characteristic_descriptor_count(chr);
  for (size_t i = 0; i < nd; i++) {
    int r = show_descriptor(s, blec_characteristic_descriptor_at(chr, i), handle);
    if (r != BLEC_OK) return r;
  }
  return BLEC_OK;
}

int services_run(cli_session *sp) {
  cli_session s = *sp; /* the walk reads it only */
  const cli_args *a = s.a;
  int rc = CLI_EXIT_OK;
  size_t nsvc = blec_client_service_count(s.client);
  const char *name = blec_client_name(s.client);
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "type", "device");
    json_str(&j, "address", blec_client_address(s.client));
    json_str(&j, "name", name);
    json_int(&j, "mtu", blec_client_mtu(s.client));
    json_int(&j, "services", (long long)nsvc);
    json_end_line(&j, stdout);
  } else {
    printf("Device %s%s%s%s: %zu service%s, MTU %d\n", blec_client_address(s.client),
           name ? " \"" : "", name ? esc(name).s : "", name ? "\"" : "", nsvc, nsvc == 1 ? "" : "s",
           blec_client_mtu(s.client));
  }
  int st = BLEC_OK;
  for (size_t i = 0; i < nsvc && st == BLEC_OK; i++) {
    blec_service *svc = blec_client_service_at(s.client, i);
    blec_uuid u = blec_service_uuid(svc);
    uint16_t h = blec_service_handle(svc);
    if (a->json) {
      json_obj j;
      json_begin(&j);
      json_str(&j, "type", "service");
      gattio_json_attr(&j, &u, blec_service_description(svc), h);
      json_end_line(&j, stdout);
    } else {
      strbuf b;
      strbuf_init(&b);
      strbuf_append(&b, "[Service] ");
      gattio_label(&b, &u, blec_service_description(svc), h);
      puts(b.s);
      strbuf_free(&b);
    }
    size_t nc = blec_service_characteristic_count(svc);
    for (size_t k = 0; k < nc && st == BLEC_OK; k++)
      st = show_characteristic(&s, blec_service_characteristic_at(svc, k), h);
  }
  fflush(stdout);
  if (st != BLEC_OK) {
    char action[96];
    snprintf(action, sizeof action, "list the services of %s", a->address);
    rc = session_fail_status(&s, action, st, NULL);
  }
  return rc;
}

int cmd_services(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  if (rc == CLI_EXIT_OK) rc = session_connect(&s, NULL);
  if (rc == CLI_EXIT_OK) rc = services_run(&s);
  session_end(&s);
  return rc;
}
