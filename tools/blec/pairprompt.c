/* SPDX-License-Identifier: MIT */
/* pairprompt.c — see pairprompt.h. */
#include "pairprompt.h"

#include <string.h>

#include "plat.h"

/* One line of the user's answer without its line end; false at the end of input. */
static int read_answer(FILE *in, char *buf, size_t size) {
  if (!fgets(buf, (int)size, in)) return 0;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 1;
}

void pairprompt_cb(blec_client *client, blec_pairing_request *req, void *user) {
  pairprompt *p = user;
  const char *addr = blec_client_address(client);
  const char *pin = blec_pairing_request_pin(req);
  char answer[64];
  switch (blec_pairing_request_kind(req)) {
    case BLEC_PAIRING_CONFIRM_ONLY:
      blec_pairing_request_accept(req);
      return;
    case BLEC_PAIRING_DISPLAY_PIN:
      fprintf(p->out, "Pairing with %s: type the PIN %s on the device.\n", addr, pin ? pin : "?");
      fflush(p->out);
      blec_pairing_request_accept(req);
      return;
    case BLEC_PAIRING_CONFIRM_PIN_MATCH:
      if (p->pin) {
        if (pin && strcmp(p->pin, pin) == 0) {
          blec_pairing_request_accept(req);
          return;
        }
        fprintf(p->out, "Pairing with %s: the device shows %s, not %s: rejected.\n", addr, pin ? pin : "?", p->pin);
        fflush(p->out);
        break;
      }
      if (!p->interactive) break;
      fprintf(p->out, "Pairing with %s: does the device show the PIN %s? [y/N] ", addr, pin ? pin : "?");
      fflush(p->out);
      if (read_answer(p->in, answer, sizeof answer) && (answer[0] == 'y' || answer[0] == 'Y')) {
        blec_pairing_request_accept(req);
        return;
      }
      break;
    case BLEC_PAIRING_PROVIDE_PIN:
      if (p->pin) {
        blec_pairing_request_accept_with_pin(req, p->pin);
        return;
      }
      if (!p->interactive) break;
      fprintf(p->out, "Pairing with %s: the PIN the device shows: ", addr);
      fflush(p->out);
      if (read_answer(p->in, answer, sizeof answer) && answer[0]) {
        blec_pairing_request_accept_with_pin(req, answer);
        return;
      }
      break;
    default: break;
  }
  blec_pairing_request_reject(req);
}

void pairprompt_init_stdio(pairprompt *p) {
  p->in = stdin;
  p->out = stderr;
  p->interactive = plat_stdin_is_terminal();
  p->pin = NULL;
}
