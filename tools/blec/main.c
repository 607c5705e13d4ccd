/* SPDX-License-Identifier: MIT */
/* main.c — `blec`: parses the command line and runs the command. */
#include <stdio.h>

#include "args.h"
#include "blec/blec.h"
#include "commands.h"
#include "exitcodes.h"
#include "help.h"
#include "sig.h"

static int run(const cli_args *a) {
  switch (a->cmd) {
    case CMD_SCAN: return cmd_scan(a);
    case CMD_INFO: return cmd_info(a);
    case CMD_SERVICES: return cmd_services(a);
    case CMD_READ: return cmd_read(a);
    case CMD_WRITE: return cmd_write(a);
    case CMD_NOTIFY: return cmd_notify(a);
    case CMD_PAIR: return cmd_pair(a);
    case CMD_UNPAIR: return cmd_unpair(a);
    case CMD_RECORD: return cmd_record(a);
    case CMD_SHELL: return cmd_shell(a);
    default: return CLI_EXIT_USAGE;
  }
}

int main(int argc, char **argv) {
  cli_args a;
  char err[600];
  int rc = cli_parse(argc, argv, &a, err, sizeof err);
  if (rc != CLI_EXIT_OK) {
    fprintf(stderr, "blec: %s\n", err);
    if (a.cmd != CMD_NONE && a.cmd != CMD_HELP)
      fprintf(stderr, "Try 'blec %s --help'.\n", cli_command(a.cmd)->name);
    else
      fprintf(stderr, "Try 'blec --help'.\n");
    cli_args_free(&a);
    return CLI_EXIT_USAGE;
  }
  if (a.help) {
    help_print_command(stdout, a.help_topic);
  } else if (a.version) {
    printf("blec %s (library %s)\n", BLEC_VERSION_STRING, blec_version_string());
  } else {
    sig_install();
    rc = run(&a);
  }
  cli_args_free(&a);
  return rc;
}
