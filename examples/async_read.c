/* SPDX-License-Identifier: MIT */
/*
 * async_read — the asynchronous forms: find, connect, read and disconnect each return at
 * once with an operation handle and report to a completion callback, which starts the
 * next step; blec_op_cancel stops an operation early (its callback still runs, once,
 * with BLEC_ERR_CANCELLED). The C counterpart of awaiting bleak's coroutines, and of
 * cancelling an asyncio task.
 *
 *   async_read [NAME]
 *
 * Completions run on the main thread inside blec_ctx_dispatch() (queued delivery); with
 * the default delivery they would run on blec's dispatch thread. Exits 0 when the battery
 * level was read, the cancelled operations reported BLEC_ERR_CANCELLED (or had already
 * finished), and the client disconnected; 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <blec/blec.h>

/* ---- edit me ------------------------------------------------------------------------ */
static const char *const DEVICE = "Heart Rate Sensor";
static const char *const FIRST_READ = "2a19";  /* Battery Level */
static const char *const SECOND_READ = "2a38"; /* Body Sensor Location: read, then cancelled */
static const char *const NOBODY = "Nobody Here"; /* a name no device has */
static const int TIMEOUT_S = 30;
/* -------------------------------------------------------------------------------------- */

static blec_ctx *ctx;
static blec_client *client;
static blec_op *ops[8]; /* our references to every operation started, freed at the end */
static int nops;
static bool read_ok, ghost_cancelled, second_done, finished, failed;

static blec_op **next_op(void) { return &ops[nops++]; }

static void report(const char *what, blec_op *op) {
  char why[256];
  printf("%-22s %s\n", what, blec_error_format(blec_op_error(op), why, sizeof why));
}

static void on_disconnected(blec_op *op, void *user) {
  (void)user;
  report("disconnect:", op);
  if (blec_op_status(op) != BLEC_OK) failed = true;
  finished = true;
}

static void on_second_read(blec_op *op, void *user) {
  (void)user;
  second_done = true;
  int s = blec_op_status(op);
  if (s == BLEC_ERR_CANCELLED) printf("second read:           cancelled, as asked\n");
  else if (s == BLEC_OK) printf("second read:           finished before the cancel arrived\n");
  else {
    report("second read:", op);
    failed = true;
  }
  /* Next step from inside a callback: start the disconnect. */
  if (blec_client_disconnect_async(client, on_disconnected, NULL, next_op()) != BLEC_OK) failed = true;
}

static void on_first_read(blec_op *op, void *user) {
  (void)user;
  size_t len;
  const uint8_t *data = blec_op_data(op, &len); /* borrowed: lives with op */
  if (blec_op_status(op) != BLEC_OK || len < 1) {
    report("battery level:", op);
    failed = true;
    return;
  }
  printf("battery level:         %u %%\n", data[0]);
  read_ok = true;

  /* Start another read and cancel it at once. */
  blec_characteristic *chr;
  blec_op **slot = next_op();
  if (blec_client_characteristic_by_spec(client, SECOND_READ, &chr) != BLEC_OK ||
      blec_client_read_async(client, chr, 0, on_second_read, NULL, slot) != BLEC_OK) {
    failed = true;
    return;
  }
  int c = blec_op_cancel(*slot); /* BLEC_ERR_STATE if it already completed */
  printf("cancel second read:    %s\n", c == BLEC_OK ? "requested" : blec_status_name(c));
}

static void on_connected(blec_op *op, void *user) {
  (void)user;
  report("connect:", op);
  blec_characteristic *chr;
  if (blec_op_status(op) != BLEC_OK ||
      blec_client_characteristic_by_spec(client, FIRST_READ, &chr) != BLEC_OK ||
      blec_client_read_async(client, chr, 0, on_first_read, NULL, next_op()) != BLEC_OK)
    failed = true;
}

static void on_found(blec_op *op, void *user) {
  (void)user;
  blec_device *dev = blec_op_device(op); /* borrowed: lives with op */
  report("find:", op);
  if (!dev || blec_client_new_from_device(ctx, dev, NULL, &client) != BLEC_OK ||
      blec_client_connect_async(client, on_connected, NULL, next_op()) != BLEC_OK)
    failed = true;
}

static void on_ghost(blec_op *op, void *user) {
  (void)user;
  report("find nobody:", op);
  ghost_cancelled = blec_op_status(op) == BLEC_ERR_CANCELLED;
}

static bool name_is(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)adv;
  const char *name = blec_device_name(dev);
  return name && !strcmp(name, (const char *)user);
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : DEVICE;
  blec_ctx_options *opts = blec_ctx_options_new();
  blec_error err;
  char why[256];

  blec_ctx_options_set_delivery(opts, BLEC_DELIVERY_QUEUED);
  int r = blec_ctx_new(opts, &ctx, &err);
  blec_ctx_options_free(opts);
  if (r != BLEC_OK) {
    fprintf(stderr, "async_read: %s\n", blec_error_format(&err, why, sizeof why));
    return 1;
  }

  /* Two finds at once: the one we want, and one that would wait a minute — cancelled. */
  r = blec_find_device_async(ctx, NULL, name_is, (void *)name, 10000, on_found, NULL, next_op());
  if (r == BLEC_OK) {
    blec_op **ghost = next_op();
    r = blec_find_device_async(ctx, NULL, name_is, (void *)NOBODY, 60000, on_ghost, NULL, ghost);
    if (r == BLEC_OK) blec_op_cancel(*ghost);
  }
  if (r != BLEC_OK) {
    fprintf(stderr, "async_read: %s\n", blec_strerror(r));
    failed = true;
  }

  /* Run completions until the chain ends (or fails). */
  time_t deadline = time(NULL) + TIMEOUT_S;
  while (!failed && !(finished && second_done) && time(NULL) < deadline)
    blec_ctx_dispatch(ctx, 200);
  while (blec_ctx_dispatch(ctx, 0) > 0) {
  } /* the cancelled find's completion, if still queued */

  for (int i = 0; i < nops; i++) blec_op_free(ops[i]);
  blec_client_free(client);
  blec_ctx_free(ctx);
  bool ok = !failed && read_ok && ghost_cancelled && second_done && finished;
  if (!ok) fprintf(stderr, "async_read: the chain did not complete\n");
  return ok ? 0 : 1;
}
