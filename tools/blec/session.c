/* SPDX-License-Identifier: MIT */
/* session.c — see session.h. */
#include "session.h"

#include "blec/blec_winrt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec_world.h"
#include "exitcodes.h"
#include "json.h"
#include "plat.h"
#include "sig.h"

enum {
  DEFAULT_TIMEOUT_MS = 10000,
  POLL_MS = 50,
  /* After cancelling, how long to wait for the library to complete the operation. */
  CANCEL_GRACE_MS = 5000,
  DISCONNECT_MS = 5000
};

void session_op_done(blec_op *op, void *user) {
  (void)op;
  (void)user;
}

static void error_set(blec_error *e, int status) {
  blec_error_clear(e);
  e->status = status;
}

/* ---- reporting ---------------------------------------------------------------------- */

static void hint_for(const cli_session *s, const blec_error *err, char *buf, size_t size) {
  const cli_args *a = s->a;
  const char *addr = a->address ? a->address : "ADDR";
  buf[0] = 0;
  switch (err->status) {
    case BLEC_ERR_DEVICE_NOT_FOUND:
      snprintf(buf, size,
               "check that it is on and in range ('blec scan' lists the devices around), or "
               "allow more time with --connect-timeout");
      break;
    case BLEC_ERR_SERVICE_NOT_FOUND:
    case BLEC_ERR_CHARACTERISTIC_NOT_FOUND:
    case BLEC_ERR_DESCRIPTOR_NOT_FOUND:
      snprintf(buf, size, "'blec services %s' lists what the device offers", addr);
      break;
    case BLEC_ERR_AMBIGUOUS:
      snprintf(buf, size,
               "several characteristics share this UUID: name one by its handle (e.g. '#14'); "
               "'blec services %s' shows the handles",
               addr);
      break;
    case BLEC_ERR_ATT:
      switch (err->att_error) {
        /* A level that reaches what the error asks for (a weaker one fails again), and
         * a bond that lasts: the backends keep bonds between commands. */
        case BLEC_ATT_INSUFFICIENT_AUTHENTICATION:
        case BLEC_ATT_INSUFFICIENT_AUTHORIZATION:
          snprintf(buf, size,
                   "pair with authentication first ('blec pair %s --protection authentication'), or "
                   "add --pair authentication to this command",
                   addr);
          break;
        case BLEC_ATT_INSUFFICIENT_ENCRYPTION:
        case BLEC_ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE:
          snprintf(buf, size,
                   "pair first ('blec pair %s --protection encryption'), or add --pair encryption to "
                   "this command",
                   addr);
          break;
        case BLEC_ATT_READ_NOT_PERMITTED:
        case BLEC_ATT_WRITE_NOT_PERMITTED:
          snprintf(buf, size, "'blec services %s' shows what each characteristic allows", addr);
          break;
        case BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH:
        case BLEC_ATT_VALUE_NOT_ALLOWED:
          snprintf(buf, size, "the device does not accept this value; check its length and content");
          break;
        default: break;
      }
      break;
    case BLEC_ERR_TIMEOUT:
      snprintf(buf, size, "allow more time with --timeout, or move closer to the device");
      break;
    case BLEC_ERR_BLUETOOTH_UNAVAILABLE:
      snprintf(buf, size, "check that the adapter is present and Bluetooth is turned on");
      break;
    case BLEC_ERR_BACKEND_UNAVAILABLE:
      snprintf(buf, size, "try --backend virtual (the simulated radio, always available)");
      break;
    case BLEC_ERR_NOT_SUPPORTED:
      /* The attribute's properties forbid it (the sentence names them), or the backend
       * lacks the feature. */
      if (strstr(err->message, "properties"))
        snprintf(buf, size, "'blec services %s' shows what each characteristic allows", addr);
      else
        snprintf(buf, size, "the backend in use cannot do this; another backend (--backend) may");
      break;
    case BLEC_ERR_DISCONNECTED:
    case BLEC_ERR_NOT_CONNECTED:
      if (a->cmd == CMD_SHELL && err->status == BLEC_ERR_NOT_CONNECTED)
        break; /* the shell's own sentence says what to do */
      snprintf(buf, size, "the link dropped: move closer and try again");
      break;
    case BLEC_ERR_PAIRING:
      if (strstr(err->message, "(ConfirmPinMatch)") || strstr(err->message, "(ProvidePin)"))
        snprintf(buf, size, "the device asks for a PIN: run the command from a terminal to answer");
      else if (a->protection == BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION)
        snprintf(buf, size, "the device may not pair at this level: try %s encryption",
                 a->cmd == CMD_PAIR ? "--protection" : "--pair");
      else
        snprintf(buf, size, "the device refused to pair; check that it accepts pairing now");
      break;
    case BLEC_ERR_BUSY:
      snprintf(buf, size, "another operation is using the device; try again");
      break;
    default: break;
  }
}

int session_fail(const cli_session *s, const char *action, const blec_error *err) {
  int code = cli_exit_from_status(err->status);
  char hint[256];
  hint_for(s, err, hint, sizeof hint);
  if (err->status == BLEC_ERR_CANCELLED && sig_interrupted()) {
    fprintf(stderr, "blec: %s: interrupted\n", action);
    code = CLI_EXIT_INTERRUPTED;
  } else {
    char detail[320];
    blec_error_format(err, detail, sizeof detail);
    if (!detail[0]) snprintf(detail, sizeof detail, "%s", blec_strerror(err->status));
    fprintf(stderr, "blec: %s: %s%s%s\n", action, detail, hint[0] ? "; " : "", hint);
  }
  fflush(stderr);
  if (s->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "error");
    json_str(&j, "action", action);
    json_str(&j, "status", blec_status_name(err->status));
    json_str(&j, "error", blec_strerror(err->status));
    /* Every member always present (null when it does not apply). */
    if (err->status == BLEC_ERR_ATT) {
      json_int(&j, "att_error", err->att_error);
      json_str(&j, "att_error_name", blec_att_error_name(err->att_error));
    } else {
      json_null(&j, "att_error");
      json_null(&j, "att_error_name");
    }
    if (err->gatt_status != BLEC_GATT_STATUS_NONE && err->gatt_status != BLEC_GATT_STATUS_SUCCESS)
      json_str(&j, "gatt_status", blec_gatt_status_name(err->gatt_status));
    else
      json_null(&j, "gatt_status");
    if (err->status == BLEC_ERR_BLUETOOTH_UNAVAILABLE)
      json_str(&j, "reason", blec_unavailable_reason_name(err->reason));
    else
      json_null(&j, "reason");
    json_str(&j, "message", err->message[0] ? err->message : blec_strerror(err->status));
    json_str(&j, "hint", hint[0] ? hint : NULL);
    json_int(&j, "exit_code", code);
    json_end_line(&j, stdout);
  }
  return code;
}

int session_fail_status(const cli_session *s, const char *action, int status, const char *message) {
  blec_error e;
  error_set(&e, status);
  snprintf(e.message, sizeof e.message, "%s", message ? message : "");
  return session_fail(s, action, &e);
}

/* ---- context ------------------------------------------------------------------------- */

/* A world file (--world or $BLEC_WORLD) that could not be loaded: CLI_EXIT_WORLD. */
static int world_fail(const cli_session *s, int st, const blec_error *err) {
  fprintf(stderr, "blec: cannot load world file: %s\n", err->message[0] ? err->message : blec_strerror(st));
  if (s->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "error");
    json_str(&j, "action", "load world");
    json_str(&j, "status", blec_status_name(st));
    json_str(&j, "error", blec_strerror(st));
    json_null(&j, "att_error");
    json_null(&j, "att_error_name");
    json_null(&j, "gatt_status");
    json_null(&j, "reason");
    json_str(&j, "message", err->message[0] ? err->message : blec_strerror(st));
    json_str(&j, "hint", "fix the world file: docs/world-format.md describes it");
    json_int(&j, "exit_code", CLI_EXIT_WORLD);
    json_end_line(&j, stdout);
  }
  return CLI_EXIT_WORLD;
}

int session_begin(cli_session *s, const cli_args *a) {
  memset(s, 0, sizeof *s);
  s->a = a;
  s->op_ms = a->timeout_set && a->cmd != CMD_NOTIFY && a->cmd != CMD_SCAN ? a->timeout_ms
                                                                          : DEFAULT_TIMEOUT_MS;
  s->connect_ms = a->connect_timeout_set ? a->connect_timeout_ms : s->op_ms;

  if (a->uuid_names) {
    blec_error nerr;
    int st = blec_uuid_register_names_file(a->uuid_names, &nerr);
    if (st != BLEC_OK) return session_fail(s, "load --uuid-names", &nerr);
  }
  blec_ctx_options *opts = blec_ctx_options_new();
  if (!opts) return session_fail_status(s, "start", BLEC_ERR_NO_MEMORY, NULL);
  int rc = CLI_EXIT_OK;
  blec_error err;
  blec_error_clear(&err);
  const char *backend = a->backend ? a->backend : (a->world ? "virtual" : NULL);
  if (backend) {
    int st = blec_ctx_options_set_backend(opts, backend);
    if (st != BLEC_OK) {
      char m[160];
      snprintf(m, sizeof m, "cannot select backend '%s'", backend);
      rc = session_fail_status(s, "start", st, m);
      goto out;
    }
  }
  if (a->adapter) {
    int st = blec_ctx_options_set_adapter(opts, a->adapter);
    if (st != BLEC_OK) {
      rc = session_fail_status(s, "select the adapter", st, NULL);
      goto out;
    }
  }
  if (a->verbose) {
    blec_ctx_options_set_log_level(opts, a->verbose >= 2 ? BLEC_LOG_DEBUG : BLEC_LOG_INFO);
  } else if (!getenv("BLEC_LOG")) {
    /* Failures are reported by the tool itself, with advice; the log would repeat them. */
    blec_ctx_options_set_log_level(opts, BLEC_LOG_NONE);
  }
  if (a->world) {
    blec_world *w = NULL;
    int st = blec_world_load_file(a->world, &w, &err);
    if (st != BLEC_OK) {
      rc = world_fail(s, st, &err);
      goto out;
    }
    st = blec_ctx_options_set_world(opts, w);
    blec_world_unref(w);
    if (st != BLEC_OK) {
      rc = session_fail_status(s, "use the world file", st, NULL);
      goto out;
    }
  }
  int st = blec_ctx_new(opts, &s->ctx, &err);
  const char *env_world = getenv("BLEC_WORLD");
  if (st != BLEC_OK && !a->world && env_world && env_world[0] &&
      (st == BLEC_ERR_IO || st == BLEC_ERR_PARSE)) {
    /* The virtual backend could not load $BLEC_WORLD: the same failure as --world. */
    s->ctx = NULL;
    rc = world_fail(s, st, &err);
    goto out;
  }
  if (st != BLEC_OK) {
    if (err.status == BLEC_OK) err.status = st;
    char action[96];
    snprintf(action, sizeof action, "start the %s backend", backend ? backend : "default");
    rc = session_fail(s, action, &err);
    s->ctx = NULL;
    goto out;
  }
  /* The default backend fell back to the simulated world (no bluetoothd): one line. */
  const char *fallback = blec_ctx_backend_fallback(s->ctx);
  if (fallback) fprintf(stderr, "blec: %s: using the virtual world (--backend to choose)\n", fallback);
  st = blec_ctx_check_bluetooth(s->ctx, &err);
  if (st != BLEC_OK) {
    if (err.status == BLEC_OK) err.status = st;
    rc = session_fail(s, "check Bluetooth", &err);
  }
out:
  blec_ctx_options_free(opts);
  return rc;
}

void session_end(cli_session *s) {
  if (s->client) {
    if (blec_client_is_connected(s->client)) {
      blec_op *op = NULL;
      blec_error err;
      if (blec_client_disconnect_async(s->client, session_op_done, NULL, &op) == BLEC_OK && op) {
        session_wait(op, DISCONNECT_MS, &err);
        blec_op_free(op);
      }
    }
    blec_client_free(s->client);
    s->client = NULL;
  }
  if (s->ctx) {
    int st = blec_ctx_free(s->ctx);
    if (st != BLEC_OK) fprintf(stderr, "blec: closing the library: %s\n", blec_strerror(st));
    s->ctx = NULL;
  }
}

/* ---- waiting ------------------------------------------------------------------------- */

int session_wait(blec_op *op, int timeout_ms, blec_error *err) {
  uint64_t start = plat_now_ms();
  uint64_t cancelled_at = 0;
  int cancel_reason = BLEC_OK;
  blec_error_clear(err);
  while (!blec_op_done(op)) {
    blec_op_wait(op, POLL_MS);
    if (blec_op_done(op)) break;
    uint64_t now = plat_now_ms();
    if (cancel_reason == BLEC_OK) {
      if (sig_interrupted()) {
        cancel_reason = BLEC_ERR_CANCELLED;
      } else if (timeout_ms >= 0 && now - start >= (uint64_t)timeout_ms) {
        cancel_reason = BLEC_ERR_TIMEOUT;
      }
      if (cancel_reason != BLEC_OK) {
        blec_op_cancel(op);
        cancelled_at = now;
      }
    } else if (now - cancelled_at > CANCEL_GRACE_MS) {
      /* The library did not complete the cancelled operation: leave it behind. */
      err->status = cancel_reason;
      snprintf(err->message, sizeof err->message,
               "the operation did not stop within %d s of being cancelled", CANCEL_GRACE_MS / 1000);
      return cancel_reason;
    }
  }
  int status = blec_op_status(op);
  const blec_error *e = blec_op_error(op);
  if (e) *err = *e;
  err->status = status;
  if (status == BLEC_ERR_CANCELLED && cancel_reason == BLEC_ERR_TIMEOUT) {
    status = BLEC_ERR_TIMEOUT;
    blec_error_clear(err);
    err->status = status;
    snprintf(err->message, sizeof err->message, "no answer within %.1f s", timeout_ms / 1000.0);
  }
  return status;
}

/* ---- finding ----------------------------------------------------------------------------- */

int session_find(cli_session *s, blec_device **dev) {
  const cli_args *a = s->a;
  char action[96];
  snprintf(action, sizeof action, "find %s", a->address);
  blec_op *op = NULL;
  blec_error err;
  *dev = NULL;
  int st = blec_find_device_by_address_async(s->ctx, NULL, a->address, s->connect_ms, session_op_done, NULL, &op);
  if (st == BLEC_OK) {
    st = session_wait(op, s->connect_ms + 2000, &err);
    if (st == BLEC_OK && blec_op_device(op)) *dev = blec_device_ref(blec_op_device(op));
    blec_op_free(op);
  } else {
    error_set(&err, st);
  }
  if (st == BLEC_OK && !*dev) st = err.status = BLEC_ERR_DEVICE_NOT_FOUND;
  if (st == BLEC_OK) return CLI_EXIT_OK;
  if (st == BLEC_ERR_TIMEOUT) err.status = BLEC_ERR_DEVICE_NOT_FOUND;
  return session_fail(s, action, &err);
}

/* ---- connecting ------------------------------------------------------------------------ */

int session_connect(cli_session *s, blec_device *dev) {
  const cli_args *a = s->a;
  char action[96];
  snprintf(action, sizeof action, "connect to %s", a->address);
  blec_client_options *opts = blec_client_options_new();
  if (!opts) return session_fail_status(s, action, BLEC_ERR_NO_MEMORY, NULL);
  blec_client_options_set_timeout(opts, s->connect_ms);
  if (a->no_scan) blec_client_options_set_scan_first(opts, false);
  int st = dev ? blec_client_new_from_device(s->ctx, dev, opts, &s->client)
               : blec_client_new(s->ctx, a->address, opts, &s->client);
  blec_client_options_free(opts);
  if (st != BLEC_OK) {
    s->client = NULL;
    return session_fail_status(s, action, st, NULL);
  }
  pairprompt_init_stdio(&s->prompt);
  blec_client_set_pairing_callback(s->client, pairprompt_cb, &s->prompt);
  blec_error err;
  blec_op *op = NULL;
  st = blec_client_connect_async(s->client, session_op_done, NULL, &op);
  if (st == BLEC_OK) {
    /* The library's own deadline (with its more precise error) comes first. */
    st = session_wait(op, s->connect_ms + 2000, &err);
    blec_op_free(op);
  } else
    error_set(&err, st);
  if (st != BLEC_OK) return session_fail(s, action, &err);
  if (a->pair) {
    snprintf(action, sizeof action, "pair with %s", a->address);
    st = blec_client_pair_async(s->client, a->protection, session_op_done, NULL, &op);
    if (st == BLEC_OK) {
      st = session_wait(op, s->op_ms, &err);
      blec_op_free(op);
    } else
      error_set(&err, st);
    if (st != BLEC_OK) return session_fail(s, action, &err);
  }
  return CLI_EXIT_OK;
}
