/* SPDX-License-Identifier: MIT */
/*
 * args.h — parses the command line against the table of help.h into cli_args, checking
 * every value (numbers and their ranges, addresses, UUIDs, handles, hexadecimal, text
 * escapes) so that a command never starts with bad input. Prints nothing and never
 * exits: on error it returns CLI_EXIT_USAGE with a sentence. Self-contained (no main):
 * the CLI fuzz target compiles args.c, help.c, hex.c and strbuf.c with it.
 */
#ifndef BLEC_CLI_ARGS_H
#define BLEC_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blec/blec.h"
#include "help.h"

enum { CLI_MAX_SERVICES = 32 };

typedef struct cli_args {
  cli_cmd cmd;       /* CMD_NONE with --help / --version alone */
  bool help;         /* --help, -h, or the help command */
  cli_cmd help_topic;/* the command whose help to show (CMD_NONE: general help) */
  bool version;

  /* common */
  const char *backend; /* NULL: the library's default */
  const char *world;   /* NULL: none given */
  const char *adapter; /* --adapter NAME, NULL: the system's default */
  const char *uuid_names; /* --uuid-names FILE, NULL: none */
  int timeout_ms;      /* valid when timeout_set */
  bool timeout_set;
  bool json;
  int verbose;

  /* scan */
  bool passive;
  blec_uuid services[CLI_MAX_SERVICES];
  size_t service_count;
  const char *name;
  int rssi_min; /* valid when rssi_min_set */
  bool rssi_min_set;

  /* commands that connect */
  const char *address; /* as typed, checked to be AA:BB:CC:DD:EE:FF */
  int connect_timeout_ms; /* valid when connect_timeout_set */
  bool connect_timeout_set;
  bool no_scan;
  bool pair;
  blec_protection_level protection; /* BLEC_PROTECTION_DEFAULT unless --protection */

  /* read, write, notify */
  const char *chr; /* checked: a UUID or a handle, as blec_client_characteristic_by_spec takes */

  /* write */
  uint8_t *data; /* malloc'd (cli_args_free), from HEX or --text */
  size_t data_len;
  bool text; /* the value came from --text */
  bool no_response;
  const char *listen; /* --listen CHAR, checked like chr */

  /* read, write --descriptor: checked to be a UUID */
  const char *descriptor;

  /* scan --all */
  bool all;

  /* record -o */
  const char *output;

  /* shell --no-history */
  bool no_history;

  /* notify, write --listen */
  bool indicate;
  long count; /* valid when count_set */
  bool count_set;
} cli_args;

/**
 * Parses argv[1..argc-1] into *a (zeroed first). Returns CLI_EXIT_OK, or CLI_EXIT_USAGE
 * with a sentence in err (no "blec: " prefix, no trailing newline). cli_args_free is
 * needed either way. Strings in *a point into argv.
 */
int cli_parse(int argc, char **argv, cli_args *a, char *err, size_t err_size);
void cli_args_free(cli_args *a);

/** Whether text is a handle spec ("#14", "#0x0e", "h14", "handle:14"); stores it. */
bool cli_parse_handle(const char *text, uint16_t *handle);

#endif /* BLEC_CLI_ARGS_H */
