/* SPDX-License-Identifier: MIT */
/*
 * exitcodes.h — the exit status of every `blec` command. The numbers are part of the
 * command line's interface (scripts test them): never renumber, only append. help.c
 * renders the same list into `blec --help` and the man page.
 */
#ifndef BLEC_CLI_EXITCODES_H
#define BLEC_CLI_EXITCODES_H

enum cli_exit {
  CLI_EXIT_OK = 0,            /* the command did what was asked */
  CLI_EXIT_FAILURE = 1,       /* any failure without a code of its own below */
  CLI_EXIT_USAGE = 2,         /* bad command line: unknown option, bad value, missing argument */
  CLI_EXIT_NOT_FOUND = 3,     /* no such device, service, characteristic or descriptor */
  CLI_EXIT_TIMEOUT = 4,       /* the device or the operation did not answer in time */
  CLI_EXIT_ATT = 5,           /* the peripheral answered with an ATT protocol error */
  CLI_EXIT_NOT_SUPPORTED = 6, /* the backend or the characteristic cannot do this */
  CLI_EXIT_UNAVAILABLE = 7,   /* Bluetooth unavailable: no adapter, radio off, backend absent */
  CLI_EXIT_CONNECTION = 8,    /* could not stay connected: the link dropped or was refused */
  CLI_EXIT_PAIRING = 9,       /* pairing failed or was refused */
  CLI_EXIT_WORLD = 10,        /* the world file (--world, $BLEC_WORLD) could not be read or parsed */
  CLI_EXIT_INTERRUPTED = 130  /* stopped by Ctrl-C (SIGINT) or SIGTERM, cleanly */
};

/** The exit status for a failed blec_status (negative); CLI_EXIT_OK for BLEC_OK. */
int cli_exit_from_status(int status);

#endif /* BLEC_CLI_EXITCODES_H */
