/* SPDX-License-Identifier: MIT */
/* gattio.c — see gattio.h. */
#include "gattio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "format.h"
#include "hex.h"

/* Copies the bytes an operation produced (borrowed from op) into new memory. */
static int take_data(blec_op *op, uint8_t **data, size_t *len) {
  size_t n = 0;
  const uint8_t *d = blec_op_data(op, &n);
  if (!d) n = 0;
  uint8_t *p = malloc(n ? n : 1);
  if (!p) return BLEC_ERR_NO_MEMORY;
  if (n) memcpy(p, d, n);
  *data = p;
  *len = n;
  return BLEC_OK;
}

static int finish_read(cli_session *s, int st, blec_op *op, uint8_t **data, size_t *len,
                       blec_error *err) {
  if (st != BLEC_OK) {
    blec_error_clear(err);
    err->status = st;
    return st;
  }
  st = session_wait(op, s->op_ms, err);
  if (st == BLEC_OK) {
    st = take_data(op, data, len);
    if (st != BLEC_OK) {
      blec_error_clear(err);
      err->status = st;
    }
  }
  blec_op_free(op);
  return st;
}

int gattio_read_chr(cli_session *s, const blec_characteristic *chr, uint8_t **data, size_t *len,
                    blec_error *err) {
  blec_op *op = NULL;
  *data = NULL;
  *len = 0;
  int st = blec_client_read_async(s->client, chr, 0, session_op_done, NULL, &op);
  return finish_read(s, st, op, data, len, err);
}

int gattio_read_desc(cli_session *s, const blec_descriptor *desc, uint8_t **data, size_t *len,
                     blec_error *err) {
  blec_op *op = NULL;
  *data = NULL;
  *len = 0;
  int st = blec_client_read_descriptor_async(s->client, desc, 0, session_op_done, NULL, &op);
  return finish_read(s, st, op, data, len, err);
}

void gattio_label(strbuf *b, const blec_uuid *uuid, const char *description, uint16_t handle) {
  char ub[BLEC_UUID_STRLEN];
  const char *d = description && *description ? description : "Unknown";
  strbuf_printf(b, "%s (%s, handle %u)", d, format_uuid_short(uuid, ub), handle);
}

void gattio_json_attr(json_obj *j, const blec_uuid *uuid, const char *description, uint16_t handle) {
  char ub[BLEC_UUID_STRLEN];
  json_str(j, "uuid", blec_uuid_to_string(uuid, ub));
  json_str(j, "description", description);
  json_int(j, "handle", handle);
}

void gattio_json_value(json_obj *j, const blec_uuid *uuid, const uint8_t *data, size_t len) {
  json_hex(j, "value", data, len);
  strbuf dec;
  strbuf_init(&dec);
  if (format_decode(&dec, uuid, data, len))
    json_str(j, "decoded", dec.s);
  else
    json_null(j, "decoded");
  strbuf_free(&dec);
  if (is_printable_text(data, len)) {
    size_t n = len;
    while (n > 0 && data[n - 1] == 0) n--;
    strbuf t;
    strbuf_init(&t);
    strbuf_append_n(&t, (const char *)data, n);
    json_str(j, "text", t.s);
    strbuf_free(&t);
  } else {
    json_null(j, "text");
  }
}

void gattio_json_properties(json_obj *j, uint32_t props) {
  json_begin_array(j, "properties");
  for (uint32_t bit = 1; bit && bit <= props; bit <<= 1) {
    if (!(props & bit)) continue;
    const char *n = blec_property_name(bit);
    if (n) json_str(j, NULL, n);
  }
  json_end_array(j);
}

void gattio_json_error(json_obj *j, const blec_error *err) {
  json_begin_object(j, "error");
  json_str(j, "status", blec_status_name(err->status));
  if (err->status == BLEC_ERR_ATT) {
    json_int(j, "att_error", err->att_error);
    json_str(j, "att_error_name", blec_att_error_name(err->att_error));
  } else {
    json_null(j, "att_error");
    json_null(j, "att_error_name");
  }
  char detail[320];
  blec_error_format(err, detail, sizeof detail);
  json_str(j, "message", detail);
  json_end_object(j);
}

void gattio_json_outcome(json_obj *j, const blec_uuid *uuid, bool read, int status, const uint8_t *data,
                         size_t len, const blec_error *err) {
  if (read && status == BLEC_OK) {
    gattio_json_value(j, uuid, data, len);
    json_null(j, "error");
    return;
  }
  json_null(j, "value");
  json_null(j, "decoded");
  json_null(j, "text");
  if (read)
    gattio_json_error(j, err);
  else
    json_null(j, "error");
}

void gattio_error_text(strbuf *b, const blec_error *err) {
  char detail[320];
  blec_error_format(err, detail, sizeof detail);
  strbuf_append(b, detail[0] ? detail : blec_strerror(err->status));
}

int gattio_find_chr(cli_session *s, const char *spec, blec_characteristic **out) {
  *out = NULL;
  blec_error err;
  int st = blec_client_find_characteristic(s->client, spec, out, &err);
  if (st == BLEC_OK && *out) return CLI_EXIT_OK;
  *out = NULL;
  char action[128];
  snprintf(action, sizeof action, "find characteristic %s on %s", spec, s->a->address);
  return session_fail(s, action, &err);
}

int gattio_find_attr(cli_session *s, const char *spec, const char *desc_uuid, gattio_attr *out) {
  memset(out, 0, sizeof *out);
  char action[160], msg[200];
  if (desc_uuid) {
    int rc = gattio_find_chr(s, spec, &out->chr);
    if (rc != CLI_EXIT_OK) return rc;
    blec_uuid u;
    blec_uuid_parse(desc_uuid, &u); /* checked by the parser */
    if (blec_characteristic_descriptor(out->chr, &u, &out->desc) == BLEC_OK) return CLI_EXIT_OK;
    out->desc = NULL;
    snprintf(action, sizeof action, "find descriptor %s of %s on %s", desc_uuid, spec, s->a->address);
    snprintf(msg, sizeof msg, "characteristic %s has no descriptor %s", spec, desc_uuid);
    return session_fail_status(s, action, BLEC_ERR_DESCRIPTOR_NOT_FOUND, msg);
  }
  /* A handle that is no characteristic's value handle may be a descriptor's. */
  uint16_t h;
  blec_characteristic *chr = NULL;
  if (cli_parse_handle(spec, &h) && blec_client_characteristic_by_handle(s->client, h, &chr) != BLEC_OK &&
      blec_client_descriptor_by_handle(s->client, h, &out->desc) == BLEC_OK && out->desc) {
    out->chr = blec_descriptor_characteristic(out->desc);
    return CLI_EXIT_OK;
  }
  out->desc = NULL;
  return gattio_find_chr(s, spec, &out->chr);
}

void gattio_attr_id(const gattio_attr *at, blec_uuid *uuid, const char **description, uint16_t *handle) {
  if (at->desc) {
    *uuid = blec_descriptor_uuid(at->desc);
    *description = blec_descriptor_description(at->desc);
    *handle = blec_descriptor_handle(at->desc);
  } else {
    *uuid = blec_characteristic_uuid(at->chr);
    *description = blec_characteristic_description(at->chr);
    *handle = blec_characteristic_handle(at->chr);
  }
}

int gattio_read_attr(cli_session *s, const gattio_attr *at, uint8_t **data, size_t *len, blec_error *err) {
  return at->desc ? gattio_read_desc(s, at->desc, data, len, err) : gattio_read_chr(s, at->chr, data, len, err);
}

int gattio_write_attr(cli_session *s, const gattio_attr *at, const uint8_t *data, size_t len,
                      blec_write_mode mode, blec_error *err) {
  blec_op *op = NULL;
  int st = at->desc ? blec_client_write_descriptor_async(s->client, at->desc, data, len, session_op_done, NULL, &op)
                    : blec_client_write_async(s->client, at->chr, data, len, mode, session_op_done, NULL, &op);
  if (st == BLEC_OK) {
    st = session_wait(op, s->op_ms, err);
    blec_op_free(op);
    return st;
  }
  /* Refused before anything was sent (no write property, a write without response over
   * MTU - 3, the CCCD...): the blocking form refuses the same way and says why. */
  return at->desc ? blec_client_write_descriptor(s->client, at->desc, data, len, s->op_ms, err)
                  : blec_client_write(s->client, at->chr, data, len, mode, s->op_ms, err);
}
