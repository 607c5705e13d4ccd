/* SPDX-License-Identifier: MIT */
/*
 * uart_terminal — a terminal over the Nordic UART Service: every line typed is written
 * to the RX characteristic, everything the device sends on TX is printed. The C twin of
 * bleak's examples/uart_service.py.
 *
 *   uart_terminal                 interactive: type lines, Ctrl-D (Ctrl-Z on Windows) ends
 *   uart_terminal --send TEXT     sends TEXT once, waits for it to come back, exits
 *
 * The device is found by what it advertises (the service UUID), like bleak's
 * find_device_by_filter. Interactive mode lets blec's dispatch thread print what arrives
 * while the main thread blocks reading stdin; --send mode has nothing else to do, so it
 * runs the callbacks itself (queued delivery) until the echo is back. Exits 0 on success
 * (--send: the echo arrived), 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const UART_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e";
static const char *const UART_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"; /* we write */
static const char *const UART_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"; /* it notifies */
static const int ECHO_TIMEOUT_S = 10;
/* -------------------------------------------------------------------------------------- */

/* --send mode: what we expect back and how much of it came. Touched only by callbacks
 * run from blec_ctx_dispatch() on the main thread. */
static const char *expected;
static size_t echoed;
static bool echo_mismatch;

static bool has_uart_service(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)dev;
  return blec_adv_has_service_uuid(adv, (const blec_uuid *)user);
}

static void on_rx(blec_client *client, blec_characteristic *chr, const uint8_t *data, size_t len,
                  void *user) {
  (void)client;
  (void)chr;
  (void)user;
  printf("received: %.*s\n", (int)len, (const char *)data);
  fflush(stdout);
  if (expected) {
    size_t want = strlen(expected);
    if (echoed + len > want || memcmp(expected + echoed, data, len) != 0) echo_mismatch = true;
    else echoed += len;
  }
}

static void on_disconnect(blec_client *client, blec_disconnect_reason reason, void *user) {
  (void)client;
  (void)user;
  if (reason != BLEC_DISCONNECT_REQUESTED) printf("device was disconnected, goodbye.\n");
}

/* Writes in pieces of at most MTU - 3 bytes, without response (a UART has no replies). */
static int send_bytes(blec_client *client, blec_characteristic *rx, const char *text, size_t len,
                      blec_error *err) {
  size_t chunk = blec_client_max_write_without_response_size(client);
  if (chunk == 0) chunk = 20;
  for (size_t off = 0; off < len; off += chunk) {
    size_t n = len - off < chunk ? len - off : chunk;
    int r = blec_client_write(client, rx, (const uint8_t *)text + off, n, BLEC_WRITE_WITHOUT_RESPONSE,
                              5000, err);
    if (r != BLEC_OK) return r;
  }
  return BLEC_OK;
}

int main(int argc, char **argv) {
  const char *send = argc > 2 && !strcmp(argv[1], "--send") ? argv[2] : NULL;
  blec_ctx_options *opts = blec_ctx_options_new();
  blec_ctx *ctx;
  blec_device *dev = NULL;
  blec_client *client = NULL;
  blec_characteristic *rx, *tx;
  blec_uuid service;
  blec_error err;
  char why[256];

  blec_uuid_parse(UART_SERVICE, &service);
  blec_ctx_options_set_delivery(opts, send ? BLEC_DELIVERY_QUEUED : BLEC_DELIVERY_THREAD);
  int r = blec_ctx_new(opts, &ctx, &err);
  blec_ctx_options_free(opts);
  if (r != BLEC_OK) {
    fprintf(stderr, "uart_terminal: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  r = blec_find_device(ctx, NULL, has_uart_service, &service, 10000, &dev, &err);
  if (r == BLEC_OK) r = blec_client_new_from_device(ctx, dev, NULL, &client);
  blec_device_unref(dev);
  if (r == BLEC_OK) {
    blec_client_set_disconnected_callback(client, on_disconnect, NULL);
    r = blec_client_connect(client, -1, &err);
  }
  if (r == BLEC_OK && (r = blec_client_characteristic_by_spec(client, UART_RX, &rx)) == BLEC_OK &&
      (r = blec_client_characteristic_by_spec(client, UART_TX, &tx)) == BLEC_OK)
    r = blec_client_start_notify(client, tx, 0, on_rx, NULL, 5000, &err);
  if (r != BLEC_OK) {
    if (err.status != r) {
      blec_error_clear(&err);
      err.status = r;
    }
    fprintf(stderr, "uart_terminal: %s\n", blec_error_format(&err, why, sizeof why));
    blec_client_free(client);
    blec_ctx_free(ctx);
    return 1;
  }

  int status = 0;
  if (send) {
    expected = send;
    r = send_bytes(client, rx, send, strlen(send), &err);
    if (r == BLEC_OK) {
      printf("sent: %s\n", send);
      time_t deadline = time(NULL) + ECHO_TIMEOUT_S;
      while (echoed < strlen(send) && !echo_mismatch && time(NULL) < deadline &&
             blec_client_is_connected(client))
        blec_ctx_dispatch(ctx, 200);
      if (echoed < strlen(send) || echo_mismatch) {
        fprintf(stderr, "uart_terminal: the echo %s\n", echo_mismatch ? "differs" : "did not come back");
        status = 1;
      }
    } else {
      fprintf(stderr, "uart_terminal: write: %s\n", blec_error_format(&err, why, sizeof why));
      status = 1;
    }
  } else {
    char line[512];
    printf("connected to %s, start typing and press ENTER...\n", blec_client_address(client));
    fflush(stdout);
    while (blec_client_is_connected(client) && fgets(line, sizeof line, stdin)) {
      line[strcspn(line, "\r\n")] = '\0'; /* some devices want "\r\n": add it here */
      if (send_bytes(client, rx, line, strlen(line), &err) != BLEC_OK) {
        fprintf(stderr, "uart_terminal: write: %s\n", blec_error_format(&err, why, sizeof why));
        status = 1;
        break;
      }
      printf("sent: %s\n", line);
      fflush(stdout);
    }
  }

  blec_client_free(client); /* disconnects first */
  blec_ctx_free(ctx);
  return status;
}
