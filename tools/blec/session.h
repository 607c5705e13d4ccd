/* SPDX-License-Identifier: MIT */
/*
 * session.h — what every command shares: the library context (backend, world, log
 * level), waiting on operations with a deadline and Ctrl-C, connecting, tidy shutdown,
 * and reporting a failure (a sentence with what to try, a JSON line, the exit code).
 */
#ifndef BLEC_CLI_SESSION_H
#define BLEC_CLI_SESSION_H

#include <stdbool.h>

#include "args.h"
#include "blec/blec.h"
#include "pairprompt.h"

typedef struct cli_session {
  const cli_args *a;
  blec_ctx *ctx;
  blec_client *client;
  int connect_ms; /* time allowed to find and connect */
  int op_ms;      /* time allowed for one operation */
  pairprompt prompt; /* answers the pairing ceremonies of s->client */
} cli_session;

/**
 * Creates the context from the options (loading --world) and checks that Bluetooth is
 * usable. Returns an exit code; on failure it has reported why.
 */
int session_begin(cli_session *s, const cli_args *a);
/** Disconnects and frees the client (if any), then the context. */
void session_end(cli_session *s);

/**
 * Waits for `op`: its final status, err filled. Past timeout_ms (negative: no limit) the
 * operation is cancelled and BLEC_ERR_TIMEOUT returned; on Ctrl-C it is cancelled and
 * BLEC_ERR_CANCELLED returned. The caller still frees op (blec_op_free).
 */
int session_wait(blec_op *op, int timeout_ms, blec_error *err);

/** The completion callback handed to the library's _async calls (does nothing). */
void session_op_done(blec_op *op, void *user);

/**
 * Scans until a->address advertises (with its scan response, in active mode); *dev a
 * new reference. Returns an exit code; on failure it has reported why.
 */
int session_find(cli_session *s, blec_device **dev);

/**
 * Connects to a->address (or to `dev` when not NULL), then pairs with --pair. Returns
 * an exit code; on failure it has reported why.
 */
int session_connect(cli_session *s, blec_device *dev);

/**
 * Reports a failure of `action` ("read 2a37 on AA:..."): one line on stderr with the
 * detail and what to try, and with --json an {"event":"error"} line on stdout.
 * Returns the exit code for it.
 */
int session_fail(const cli_session *s, const char *action, const blec_error *err);
/** Same for a failure the tool detects itself (status and sentence). */
int session_fail_status(const cli_session *s, const char *action, int status, const char *message);

#endif /* BLEC_CLI_SESSION_H */
