/* SPDX-License-Identifier: MIT */
/*
 * cmd_gatt.c — `blec read`, `blec write` (with --listen) and `blec notify`.
 *
 * Notifications arrive on the library's dispatch thread: the callback prints them and
 * counts them in an atomic; the main thread sleeps in short steps until the count, the
 * deadline, Ctrl-C or a disconnection, then unsubscribes and disconnects.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"
#include "format.h"
#include "gattio.h"
#include "hex.h"
#include "plat.h"
#include "session.h"
#include "sig.h"

enum { STEP_MS = 20 };

/* ---- read ---------------------------------------------------------------------------- */

int gatt_read_run(cli_session *sp) {
  cli_session s = *sp;
  const cli_args *a = s.a;
  gattio_attr at;
  uint8_t *d = NULL;
  size_t len = 0;
  int rc = gattio_find_attr(&s, a->chr, a->descriptor, &at);
  if (rc != CLI_EXIT_OK) goto out;

  blec_uuid u;
  const char *description;
  uint16_t handle;
  gattio_attr_id(&at, &u, &description, &handle);
  blec_error err;
  int st = gattio_read_attr(&s, &at, &d, &len, &err);
  if (st != BLEC_OK) {
    char action[160];
    snprintf(action, sizeof action, "read %s%s%s on %s", a->chr, a->descriptor ? " descriptor " : "",
             a->descriptor ? a->descriptor : "", a->address);
    rc = session_fail(&s, action, &err);
    goto out;
  }
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "read");
    json_str(&j, "address", blec_client_address(s.client));
    json_str(&j, "attribute", at.desc ? "descriptor" : "characteristic");
    json_int(&j, "characteristic_handle", blec_characteristic_handle(at.chr));
    gattio_json_attr(&j, &u, description, handle);
    gattio_json_value(&j, &u, d, len);
    json_end_line(&j, stdout);
  } else {
    strbuf b;
    strbuf_init(&b);
    if (at.desc) strbuf_append(&b, "Descriptor ");
    gattio_label(&b, &u, description, handle);
    strbuf_append(&b, ": ");
    if (format_decode(&b, &u, d, len)) {
      strbuf_append(&b, "  [");
      hex_append(&b, d, len);
      strbuf_putc(&b, ']');
    } else {
      format_value(&b, &u, d, len);
    }
    puts(b.s);
    strbuf_free(&b);
    fflush(stdout);
  }
out:
  free(d);
  return rc;
}

int cmd_read(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  if (rc == CLI_EXIT_OK) rc = session_connect(&s, NULL);
  if (rc == CLI_EXIT_OK) rc = gatt_read_run(&s);
  session_end(&s);
  return rc;
}

/* ---- listening ----------------------------------------------------------------------- */

typedef struct listen_state {
  const cli_args *a;
  long limit;        /* values to print at most; 0 = no limit */
  uint64_t start_ms;
  atomic_long received;
  atomic_bool disconnected;
  atomic_int reason; /* blec_disconnect_reason, once disconnected */
  /* `write --listen`: values that arrive before the write's own line is printed wait in
   * `held` so the output keeps the order of events (the echo after the write). */
  atomic_flag lock;
  bool held_open; /* under lock */
  strbuf held;
} listen_state;

/* Prints a finished line now, or holds it until listen_release. */
static void listen_emit(listen_state *ls, const char *line) {
  while (atomic_flag_test_and_set(&ls->lock)) {
  }
  if (ls->held_open) {
    fputs(line, stdout);
    fflush(stdout);
  } else {
    strbuf_append(&ls->held, line);
  }
  atomic_flag_clear(&ls->lock);
}

/* Prints what was held and lets later values through directly. */
static void listen_release(listen_state *ls) {
  while (atomic_flag_test_and_set(&ls->lock)) {
  }
  if (ls->held.s) fputs(ls->held.s, stdout);
  fflush(stdout);
  ls->held_open = true;
  atomic_flag_clear(&ls->lock);
}

static void on_value(blec_client *client, blec_characteristic *chr, const uint8_t *data, size_t len,
                     void *user) {
  listen_state *ls = user;
  long index = atomic_fetch_add(&ls->received, 1) + 1;
  if (ls->limit && index > ls->limit) return;
  blec_uuid u = blec_characteristic_uuid(chr);
  double t = (double)(plat_now_ms() - ls->start_ms) / 1000.0;
  if (ls->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "notification");
    json_int(&j, "index", index);
    json_num(&j, "time_s", t, 3);
    json_str(&j, "address", blec_client_address(client));
    gattio_json_attr(&j, &u, blec_characteristic_description(chr), blec_characteristic_handle(chr));
    gattio_json_value(&j, &u, data, len);
    strbuf_append(&j.b, "}\n");
    if (!j.b.failed) listen_emit(ls, j.b.s);
    strbuf_free(&j.b);
    return;
  }
  strbuf b;
  strbuf_init(&b);
  const char *what = blec_characteristic_description(chr);
  strbuf_printf(&b, "[%8.3f s] %s: ", t, what ? what : "Unknown");
  if (format_decode(&b, &u, data, len)) {
    strbuf_append(&b, "  [");
    hex_append(&b, data, len);
    strbuf_putc(&b, ']');
  } else {
    format_value(&b, &u, data, len);
  }
  strbuf_putc(&b, '\n');
  listen_emit(ls, b.s);
  strbuf_free(&b);
}

static void on_disconnected(blec_client *client, blec_disconnect_reason reason, void *user) {
  (void)client;
  listen_state *ls = user;
  if (reason == BLEC_DISCONNECT_REQUESTED) return;
  atomic_store(&ls->reason, (int)reason);
  atomic_store(&ls->disconnected, true);
}

static const char *disconnect_text(blec_disconnect_reason r) {
  switch (r) {
    case BLEC_DISCONNECT_REMOTE: return "the device ended the connection";
    case BLEC_DISCONNECT_LINK_LOSS: return "the link was lost (out of range or interference)";
    case BLEC_DISCONNECT_UNPAIRED: return "unpairing ended the connection";
    case BLEC_DISCONNECT_RADIO_OFF: return "the Bluetooth radio went off";
    default: return "the connection ended";
  }
}

/* Checks that chr can notify (or indicate, with --indicate); reports if not. */
static int check_notify(cli_session *s, const blec_characteristic *chr, const char *spec) {
  uint32_t props = blec_characteristic_properties(chr);
  char action[128], msg[320], pbuf[160];
  snprintf(action, sizeof action, "subscribe to %s on %s", spec, s->a->address);
  blec_properties_format(props, pbuf, sizeof pbuf);
  if (!(props & (BLEC_PROP_NOTIFY | BLEC_PROP_INDICATE))) {
    snprintf(msg, sizeof msg, "the characteristic can neither notify nor indicate (properties: %s)",
             pbuf[0] ? pbuf : "none");
    return session_fail_status(s, action, BLEC_ERR_NOT_SUPPORTED, msg);
  }
  if (s->a->indicate && !(props & BLEC_PROP_INDICATE)) {
    snprintf(msg, sizeof msg, "the characteristic cannot indicate (properties: %s); leave out --indicate",
             pbuf);
    return session_fail_status(s, action, BLEC_ERR_NOT_SUPPORTED, msg);
  }
  return CLI_EXIT_OK;
}

static int listen_start(cli_session *s, listen_state *ls, const blec_characteristic *chr,
                        const char *spec, long limit, bool hold) {
  int rc = check_notify(s, chr, spec);
  if (rc != CLI_EXIT_OK) return rc;
  atomic_flag_clear(&ls->lock);
  ls->held_open = !hold;
  strbuf_init(&ls->held);
  ls->a = s->a;
  ls->limit = limit;
  ls->start_ms = plat_now_ms();
  atomic_init(&ls->received, 0);
  atomic_init(&ls->disconnected, false);
  atomic_init(&ls->reason, (int)BLEC_DISCONNECT_REQUESTED);
  blec_client_set_disconnected_callback(s->client, on_disconnected, ls);
  blec_op *op = NULL;
  blec_error err;
  unsigned flags = s->a->indicate ? BLEC_NOTIFY_FORCE_INDICATE : 0;
  int st = blec_client_start_notify_async(s->client, chr, flags, on_value, ls, session_op_done, NULL, &op);
  if (st == BLEC_OK) {
    st = session_wait(op, s->op_ms, &err);
    blec_op_free(op);
  } else {
    blec_error_clear(&err);
    err.status = st;
  }
  if (st != BLEC_OK) {
    char action[128];
    snprintf(action, sizeof action, "subscribe to %s on %s", spec, s->a->address);
    return session_fail(s, action, &err);
  }
  return CLI_EXIT_OK;
}

/*
 * Waits for `limit` values (0: no limit) for up to timeout_ms (0: no limit), Ctrl-C or
 * a disconnection; unsubscribes; prints the end. Returns the exit code.
 */
typedef enum listen_end { END_COUNT, END_INTERRUPTED, END_DISCONNECTED, END_TIMEOUT } listen_end;
static const char *const end_names[] = {"count", "interrupted", "disconnected", "timeout"};

static listen_end listen_until(const listen_state *ls, int timeout_ms) {
  uint64_t start = plat_now_ms();
  for (;;) {
    if (ls->limit && atomic_load(&ls->received) >= ls->limit) return END_COUNT;
    if (sig_interrupted()) return END_INTERRUPTED;
    if (atomic_load(&ls->disconnected)) return END_DISCONNECTED;
    if (timeout_ms > 0 && plat_now_ms() - start >= (uint64_t)timeout_ms) return END_TIMEOUT;
    plat_sleep_ms(STEP_MS);
  }
}

static int listen_wait(cli_session *s, listen_state *ls, const blec_characteristic *chr,
                       const char *spec, int timeout_ms) {
  listen_end why = listen_until(ls, timeout_ms);
  if (why != END_DISCONNECTED && blec_client_is_connected(s->client)) {
    blec_error err;
    blec_op *op = NULL;
    if (blec_client_stop_notify_async(s->client, chr, session_op_done, NULL, &op) == BLEC_OK) {
      session_wait(op, s->op_ms, &err);
      blec_op_free(op);
    }
  }
  long got = atomic_load(&ls->received);
  if (ls->limit && got > ls->limit) got = ls->limit;
  if (s->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "end");
    json_int(&j, "received", got);
    json_str(&j, "reason", end_names[why]);
    json_end_line(&j, stdout);
  } else {
    fprintf(stderr, "Received %ld value%s (%s).\n", got, got == 1 ? "" : "s", end_names[why]);
  }
  char action[128];
  snprintf(action, sizeof action, "listen to %s on %s", spec, s->a->address);
  switch (why) {
    case END_INTERRUPTED: return CLI_EXIT_INTERRUPTED;
    case END_DISCONNECTED:
      return session_fail_status(s, action, BLEC_ERR_DISCONNECTED,
                                 disconnect_text((blec_disconnect_reason)atomic_load(&ls->reason)));
    case END_TIMEOUT:
      if (ls->limit) {
        char msg[128];
        snprintf(msg, sizeof msg, "%ld of %ld values in %.1f s", got, ls->limit, timeout_ms / 1000.0);
        return session_fail_status(s, action, BLEC_ERR_TIMEOUT, msg);
      }
      return CLI_EXIT_OK;
    default: return CLI_EXIT_OK;
  }
}

/* ---- notify -------------------------------------------------------------------------- */

int cmd_notify(const cli_args *a) {
  cli_session s;
  blec_characteristic *chr = NULL;
  listen_state ls;
  memset(&ls, 0, sizeof ls);
  int rc = session_begin(&s, a);
  if (rc == CLI_EXIT_OK) rc = session_connect(&s, NULL);
  if (rc == CLI_EXIT_OK) rc = gattio_find_chr(&s, a->chr, &chr);
  if (rc == CLI_EXIT_OK) rc = listen_start(&s, &ls, chr, a->chr, a->count_set ? a->count : 0, false);
  if (rc != CLI_EXIT_OK) goto out;
  if (!a->json) {
    strbuf b;
    strbuf_init(&b);
    blec_uuid u = blec_characteristic_uuid(chr);
    gattio_label(&b, &u, blec_characteristic_description(chr), blec_characteristic_handle(chr));
    fprintf(stderr, "Subscribed to %s on %s; Ctrl-C stops.\n", b.s, a->address);
    strbuf_free(&b);
  }
  rc = listen_wait(&s, &ls, chr, a->chr, a->timeout_set ? a->timeout_ms : 0);
out:
  session_end(&s);
  return rc;
}

/* ---- write --------------------------------------------------------------------------- */

int gatt_write_run(cli_session *sp) {
  cli_session s = *sp;
  const cli_args *a = s.a;
  gattio_attr at;
  blec_characteristic *lchr = NULL;
  listen_state ls;
  memset(&ls, 0, sizeof ls);
  int rc = gattio_find_attr(&s, a->chr, a->descriptor, &at);
  if (rc == CLI_EXIT_OK && a->listen) rc = gattio_find_chr(&s, a->listen, &lchr);
  if (rc == CLI_EXIT_OK && lchr)
    rc = listen_start(&s, &ls, lchr, a->listen, a->count_set ? a->count : 1, true);
  if (rc != CLI_EXIT_OK) goto out;

  uint32_t props = blec_characteristic_properties(at.chr);
  blec_write_mode mode = a->no_response ? BLEC_WRITE_WITHOUT_RESPONSE : BLEC_WRITE_DEFAULT;
  bool with_response = at.desc || (!a->no_response && (props & BLEC_PROP_WRITE));
  blec_error err;
  int st = gattio_write_attr(&s, &at, a->data, a->data_len, mode, &err);
  if (st != BLEC_OK) {
    char action[160];
    snprintf(action, sizeof action, "write %s%s%s on %s", a->chr, a->descriptor ? " descriptor " : "",
             a->descriptor ? a->descriptor : "", a->address);
    rc = session_fail(&s, action, &err);
    goto out;
  }
  blec_uuid u;
  const char *description;
  uint16_t handle;
  gattio_attr_id(&at, &u, &description, &handle);
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "write");
    json_str(&j, "address", blec_client_address(s.client));
    json_str(&j, "attribute", at.desc ? "descriptor" : "characteristic");
    json_int(&j, "characteristic_handle", blec_characteristic_handle(at.chr));
    gattio_json_attr(&j, &u, description, handle);
    json_hex(&j, "value", a->data, a->data_len);
    json_int(&j, "bytes", (long long)a->data_len);
    json_bool(&j, "with_response", with_response);
    json_end_line(&j, stdout);
  } else {
    strbuf b;
    strbuf_init(&b);
    if (at.desc) strbuf_append(&b, "descriptor ");
    gattio_label(&b, &u, description, handle);
    printf("Wrote %zu byte%s to %s %s response.\n", a->data_len, a->data_len == 1 ? "" : "s", b.s,
           with_response ? "with" : "without");
    fflush(stdout);
    strbuf_free(&b);
  }
  if (lchr) {
    listen_release(&ls);
    rc = listen_wait(&s, &ls, lchr, a->listen, s.op_ms);
  }
out:
  if (lchr) {
    blec_client_stop_notify(s.client, lchr, s.op_ms, NULL);
    blec_client_set_disconnected_callback(s.client, NULL, NULL);
  }
  strbuf_free(&ls.held);
  return rc;
}

int cmd_write(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  if (rc == CLI_EXIT_OK) rc = session_connect(&s, NULL);
  if (rc == CLI_EXIT_OK) rc = gatt_write_run(&s);
  session_end(&s);
  return rc;
}
