/* SPDX-License-Identifier: MIT */
/* exitcodes.c — which exit status each library status becomes. */
#include "exitcodes.h"

#include "blec/blec.h"

int cli_exit_from_status(int status) {
  switch (status) {
    case BLEC_OK:
      return CLI_EXIT_OK;
    case BLEC_ERR_INVALID_ARG:
    case BLEC_ERR_PARSE: /* a file given on the command line is malformed (--uuid-names) */
      return CLI_EXIT_USAGE;
    case BLEC_ERR_DEVICE_NOT_FOUND:
    case BLEC_ERR_SERVICE_NOT_FOUND:
    case BLEC_ERR_CHARACTERISTIC_NOT_FOUND:
    case BLEC_ERR_DESCRIPTOR_NOT_FOUND:
    case BLEC_ERR_NOT_FOUND:
      return CLI_EXIT_NOT_FOUND;
    case BLEC_ERR_TIMEOUT:
      return CLI_EXIT_TIMEOUT;
    case BLEC_ERR_ATT:
      return CLI_EXIT_ATT;
    case BLEC_ERR_NOT_SUPPORTED:
      return CLI_EXIT_NOT_SUPPORTED;
    case BLEC_ERR_BLUETOOTH_UNAVAILABLE:
    case BLEC_ERR_BACKEND_UNAVAILABLE:
      return CLI_EXIT_UNAVAILABLE;
    case BLEC_ERR_NOT_CONNECTED:
    case BLEC_ERR_DISCONNECTED:
      return CLI_EXIT_CONNECTION;
    case BLEC_ERR_PAIRING:
      return CLI_EXIT_PAIRING;
    case BLEC_ERR_CANCELLED:
      return CLI_EXIT_INTERRUPTED;
    default:
      return CLI_EXIT_FAILURE;
  }
}
