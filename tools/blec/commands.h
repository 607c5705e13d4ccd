/* SPDX-License-Identifier: MIT */
/* commands.h — one function per command; each returns the exit code (exitcodes.h). */
#ifndef BLEC_CLI_COMMANDS_H
#define BLEC_CLI_COMMANDS_H

#include "args.h"

int cmd_scan(const cli_args *a);     /* cmd_scan.c */
int cmd_info(const cli_args *a);     /* cmd_client.c */
int cmd_pair(const cli_args *a);     /* cmd_client.c */
int cmd_unpair(const cli_args *a);   /* cmd_client.c */
int cmd_services(const cli_args *a); /* cmd_services.c */
int cmd_read(const cli_args *a);     /* cmd_gatt.c */
int cmd_write(const cli_args *a);    /* cmd_gatt.c */
int cmd_notify(const cli_args *a);   /* cmd_gatt.c */
int cmd_record(const cli_args *a);   /* cmd_record.c */
int cmd_shell(const cli_args *a);    /* cmd_shell.c */

/* The work of a command on a session already connected (s->a its arguments): what
 * `blec shell` runs on its one connection. Each returns the exit code it reported. */
#include "session.h"
int services_run(cli_session *s);   /* cmd_services.c */
int gatt_read_run(cli_session *s);  /* cmd_gatt.c */
int gatt_write_run(cli_session *s); /* cmd_gatt.c */
int pair_run(cli_session *s);       /* cmd_client.c */

#endif /* BLEC_CLI_COMMANDS_H */
