/* SPDX-License-Identifier: MIT */
/* stdinline.h — one line of standard input, whatever its length (the shell from a pipe). */
#ifndef BLEC_CLI_STDINLINE_H
#define BLEC_CLI_STDINLINE_H

/** The next line without its end (LF or CRLF; malloc'd, free it), NULL at the end of input. */
char *stdin_line(void);

#endif /* BLEC_CLI_STDINLINE_H */
