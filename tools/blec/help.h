/* SPDX-License-Identifier: MIT */
/*
 * help.h — the one description of the command line: its commands, their options and
 * arguments, the exit codes, examples. args.c parses with it, `blec --help` prints it
 * and mangen.c turns it into the man page blec.1, so the three cannot disagree.
 * No dependency on the library (the man page builds before the library links).
 */
#ifndef BLEC_CLI_HELP_H
#define BLEC_CLI_HELP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_cmd {
  CMD_NONE = 0,
  CMD_SCAN,
  CMD_INFO,
  CMD_SERVICES,
  CMD_READ,
  CMD_WRITE,
  CMD_NOTIFY,
  CMD_PAIR,
  CMD_UNPAIR,
  CMD_RECORD,
  CMD_SHELL,
  CMD_HELP,
  CMD_COUNT_
} cli_cmd;

typedef enum cli_opt {
  /* common to every command */
  OPT_BACKEND = 0,
  OPT_WORLD,
  OPT_ADAPTER,
  OPT_UUID_NAMES,
  OPT_TIMEOUT,
  OPT_JSON,
  OPT_VERBOSE,
  OPT_HELP,
  OPT_VERSION, /* only before a command */
  /* scan */
  OPT_PASSIVE,
  OPT_SERVICE,
  OPT_NAME,
  OPT_RSSI_MIN,
  /* commands that connect */
  OPT_CONNECT_TIMEOUT,
  OPT_NO_SCAN,
  OPT_PAIR,
  OPT_PROTECTION,
  /* write */
  OPT_TEXT,
  OPT_NO_RESPONSE,
  OPT_LISTEN,
  /* notify (and write --listen) */
  OPT_INDICATE,
  OPT_COUNT,
  /* read, write */
  OPT_DESCRIPTOR,
  /* scan */
  OPT_ALL,
  /* record */
  OPT_OUTPUT,
  /* shell */
  OPT_NO_HISTORY,
  OPT_COUNT_
} cli_opt;

/** Set of options as bits (1 << cli_opt). */
typedef uint32_t cli_optset;
#define CLI_OPTBIT(o) ((cli_optset)1u << (o))

typedef struct cli_option_info {
  const char *long_name; /* without the leading "--" */
  char short_name;       /* 0 when none */
  const char *arg_name;  /* NULL for a flag */
  const char *help;
  /* Non-NULL: the value may be left out ("--pair" or "--pair LEVEL"): the next argument
   * is taken only when it is one of these (NULL-terminated); "--opt=VALUE" always is. */
  const char *const *values;
} cli_option_info;

typedef struct cli_option_note {
  cli_opt opt;
  const char *help; /* what the option means for this command, replaces the general text */
} cli_option_note;

typedef struct cli_example {
  const char *command_line;
  const char *what;
} cli_example;

typedef struct cli_command_info {
  const char *name;
  const char *synopsis;    /* arguments after the command name */
  const char *summary;     /* one line */
  const char *description; /* paragraphs separated by "\n\n" */
  cli_optset options;      /* command-specific options it accepts (common ones always) */
  const cli_option_note *notes; /* terminated by {OPT_COUNT_, NULL}; may be NULL */
  int min_positional, max_positional;
  const cli_example *examples; /* terminated by {NULL, NULL}; may be NULL */
} cli_command_info;

typedef struct cli_exit_info {
  int code;
  const char *name;
  const char *meaning;
} cli_exit_info;

/** Options every command accepts. */
#define CLI_COMMON_OPTIONS                                                                  \
  (CLI_OPTBIT(OPT_BACKEND) | CLI_OPTBIT(OPT_WORLD) | CLI_OPTBIT(OPT_UUID_NAMES) |         \
   CLI_OPTBIT(OPT_ADAPTER) | CLI_OPTBIT(OPT_TIMEOUT) |                                     \
   CLI_OPTBIT(OPT_JSON) | CLI_OPTBIT(OPT_VERBOSE) | CLI_OPTBIT(OPT_HELP))

const cli_option_info *cli_option(cli_opt opt);
/** NULL for CMD_NONE / out of range. */
const cli_command_info *cli_command(cli_cmd cmd);
/** The command named `name`, CMD_NONE if none. */
cli_cmd cli_command_lookup(const char *name);
/** The exit codes, terminated by {0, NULL, NULL}. */
const cli_exit_info *cli_exit_codes(void);
/** The help text of `opt` for `cmd` (its note if it has one). */
const char *cli_option_help(cli_cmd cmd, cli_opt opt);

/** `blec --help`. */
void help_print_general(FILE *out);
/** `blec COMMAND --help`. */
void help_print_command(FILE *out, cli_cmd cmd);
/** The man page blec.1 (roff), for version `version`. */
void help_write_man(FILE *out, const char *version);

#endif /* BLEC_CLI_HELP_H */
