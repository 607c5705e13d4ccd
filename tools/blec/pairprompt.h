/* SPDX-License-Identifier: MIT */
/*
 * pairprompt.h — answers the pairing ceremonies a peripheral asks for (the library's
 * pairing callback): Just Works is accepted, a PIN to show is shown, and a PIN to compare
 * or to type is asked of the user on the terminal. Without a terminal on standard input
 * those two are rejected (the pairing then fails, saying which ceremony it needed).
 */
#ifndef BLEC_CLI_PAIRPROMPT_H
#define BLEC_CLI_PAIRPROMPT_H

#include <stdio.h>

#include "blec/blec.h"

/** Where the prompt reads answers and writes questions. */
typedef struct pairprompt {
  FILE *in;       /* answers, one line each */
  FILE *out;      /* questions and the PIN to show */
  int interactive; /* 0: the ceremonies that need the user are rejected */
  /* A PIN given in advance (the shell's `pair LEVEL PIN`): the answer to a PIN the device
   * shows, and the one a PIN comparison accepts. NULL: ask (or reject). */
  const char *pin;
} pairprompt;

/** The pairing callback (user: a pairprompt that outlives the client). */
void pairprompt_cb(blec_client *client, blec_pairing_request *req, void *user);

/** A prompt on stdin / stderr, interactive when stdin is a terminal. */
void pairprompt_init_stdio(pairprompt *p);

#endif /* BLEC_CLI_PAIRPROMPT_H */
