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
  }
  char detail[320];
  blec_error_format(err, detail, sizeof detail);
  json_str(j, "message", detail);
  json_end_object(j);
}

void gattio_error_text(strbuf *b, const blec_error *err) {
  char detail[320];
  blec_error_format(err, detail, sizeof detail);
  strbuf_append(b, detail[0] ? detail : blec_strerror(err->status));
}

int gattio_find_chr(cli_session *s, const char *spec, blec_characteristic **out) {
  *out = NULL;
  int st = blec_client_characteristic_by_spec(s->client, spec, out);
  if (st == BLEC_OK && *out) return CLI_EXIT_OK;
  *out = NULL;
  if (st == BLEC_OK) st = BLEC_ERR_CHARACTERISTIC_NOT_FOUND;
  char action[128], msg[160];
  snprintf(action, sizeof action, "find characteristic %s on %s", spec, s->a->address);
  if (st == BLEC_ERR_CHARACTERISTIC_NOT_FOUND)
    snprintf(msg, sizeof msg, "the device has no characteristic %s", spec);
  else
    msg[0] = 0;
  return session_fail_status(s, action, st, msg);
}
