/* SPDX-License-Identifier: MIT */
/*
 * cmd_shell.c — `blec shell [ADDR]`: an interactive session like bluetoothctl. One
 * library context and at most one connection for the whole session: scan, connect once,
 * then read, write, notify, list services, pair, unpair and disconnect without
 * connecting again per command. Lines come from lineedit.h (history and Tab completion
 * on a terminal, plain lines from a pipe, so the shell can be scripted).
 *
 * Each command line is checked by the command-line parser itself: `read 2a19` is parsed
 * as `blec read ADDR 2a19`, so the shell's commands take the same arguments, options and
 * values as the tool's and report the same errors; the work is done by the same
 * functions (services_run, gatt_read_run, ...) on the shell's connection.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "escape.h"
#include "exitcodes.h"
#include "format.h"
#include "gattio.h"
#include "hex.h"
#include "json.h"
#include "lineedit.h"
#include "plat.h"
#include "session.h"
#include "sig.h"

enum { MAX_WORDS = 64, MAX_SUBS = 32, MAX_COMPLETIONS = 512, DEFAULT_SCAN_MS = 5000 };

typedef struct shell {
  cli_session s;              /* the context, and the client while connected */
  const cli_args *a;          /* the shell's own command line */
  char address[BLEC_ADDR_STRLEN]; /* the device connected (or last connected) */
  blec_device **seen;         /* the last scan's devices */
  size_t nseen;
  blec_characteristic *subs[MAX_SUBS]; /* notifications on */
  size_t nsubs;
  int status;                 /* exit code of the last command */
  bool quit;
  /* completion candidates (strings owned here) */
  char *words[MAX_COMPLETIONS + 1];
  size_t nwords;
} shell;

/* ---- the commands ---------------------------------------------------------------------- */

typedef struct shell_cmd {
  const char *name;
  const char *usage;
  const char *help;
  int (*run)(shell *sh, char **argv, int argc);
  bool needs_connection;
} shell_cmd;

static const shell_cmd *find_cmd(const char *name);
static void print_help(const char *topic);

/* Parses `blec COMMAND [ADDR] ARGS...` with the tool's own parser into *a (free with
 * cli_args_free). Reports a bad line like the tool does and returns its exit code. */
static int parse_as(shell *sh, const char *command, bool with_address, char **argv, int argc, cli_args *a) {
  char *args[MAX_WORDS + 8];
  int n = 0;
  args[n++] = "blec";
  args[n++] = (char *)command;
  if (with_address) args[n++] = sh->address;
  for (int i = 0; i < argc && n < MAX_WORDS + 4; i++) args[n++] = argv[i];
  if (sh->a->json) args[n++] = "--json";
  char err[600];
  int rc = cli_parse(n, args, a, err, sizeof err);
  if (rc != CLI_EXIT_OK) fprintf(stderr, "blec: %s\n", err);
  return rc;
}

/* Runs fn on the shell's session with the line's arguments in place of the shell's. */
static int run_with(shell *sh, const cli_args *line, int (*fn)(cli_session *)) {
  const cli_args *saved = sh->s.a;
  sh->s.a = line;
  int rc = fn(&sh->s);
  sh->s.a = saved;
  return rc;
}

static bool connected(const shell *sh) { return sh->s.client && blec_client_is_connected(sh->s.client); }

static void say(const shell *sh, const char *event, const char *text) {
  if (sh->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", event);
    json_str(&j, "address", sh->address[0] ? sh->address : NULL);
    json_end_line(&j, stdout);
  } else {
    puts(text);
    fflush(stdout);
  }
}

/* Notifications and disconnections arrive on the library's thread; lines are whole. */
static void on_value(blec_client *client, blec_characteristic *chr, const uint8_t *data, size_t len, void *user) {
  shell *sh = user;
  blec_uuid u = blec_characteristic_uuid(chr);
  if (sh->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "notification");
    json_str(&j, "address", blec_client_address(client));
    gattio_json_attr(&j, &u, blec_characteristic_description(chr), blec_characteristic_handle(chr));
    gattio_json_value(&j, &u, data, len);
    json_end_line(&j, stdout);
    return;
  }
  strbuf b;
  strbuf_init(&b);
  strbuf_append(&b, "[NOTIFY] ");
  gattio_label(&b, &u, blec_characteristic_description(chr), blec_characteristic_handle(chr));
  strbuf_append(&b, ": ");
  format_value(&b, &u, data, len);
  strbuf_putc(&b, '\n');
  fputs(b.s, stdout);
  fflush(stdout);
  strbuf_free(&b);
}

static void on_disconnected(blec_client *client, blec_disconnect_reason reason, void *user) {
  shell *sh = user;
  (void)client;
  if (reason == BLEC_DISCONNECT_REQUESTED) return;
  char line[128];
  snprintf(line, sizeof line, "[DISCONNECTED] %s: the link ended (%s).", sh->address,
           reason == BLEC_DISCONNECT_REMOTE      ? "by the device"
           : reason == BLEC_DISCONNECT_LINK_LOSS ? "link lost"
           : reason == BLEC_DISCONNECT_UNPAIRED  ? "unpaired"
                                                 : "radio off");
  say(sh, "disconnected", line);
}

/* Ends the connection: subscriptions, then the link, then the client. */
static void drop_connection(shell *sh) {
  if (!sh->s.client) return;
  for (size_t i = 0; i < sh->nsubs; i++) blec_client_stop_notify(sh->s.client, sh->subs[i], sh->s.op_ms, NULL);
  sh->nsubs = 0;
  blec_client_set_disconnected_callback(sh->s.client, NULL, NULL);
  blec_client_disconnect(sh->s.client, sh->s.op_ms, NULL);
  blec_client_free(sh->s.client);
  sh->s.client = NULL;
}

static int sh_help(shell *sh, char **argv, int argc) {
  (void)sh;
  print_help(argc ? argv[0] : NULL);
  return CLI_EXIT_OK;
}

static int sh_quit(shell *sh, char **argv, int argc) {
  (void)argv;
  (void)argc;
  sh->quit = true;
  return sh->status;
}

static void forget_scan(shell *sh) {
  blec_device_list_free(sh->seen, sh->nseen);
  sh->seen = NULL;
  sh->nseen = 0;
}

static void print_device(const shell *sh, const blec_device *dev) {
  const blec_adv *adv = blec_device_adv(dev);
  const char *name = blec_device_name(dev);
  if (sh->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "device");
    json_str(&j, "address", blec_device_address(dev));
    json_str(&j, "name", name);
    json_int(&j, "rssi", blec_adv_rssi(adv));
    json_bool(&j, "connectable", blec_adv_connectable(adv));
    json_end_line(&j, stdout);
    return;
  }
  strbuf words;
  strbuf_init(&words);
  format_adv_words(&words, adv);
  printf("Device %s %4d dBm  %s%s%s  %s\n", blec_device_address(dev), blec_adv_rssi(adv), name ? "\"" : "",
         name ? esc(name).s : "(no name)", name ? "\"" : "", esc(words.s).s);
  strbuf_free(&words);
}

static int sh_scan(shell *sh, char **argv, int argc) {
  int ms = DEFAULT_SCAN_MS;
  if (argc > 1) {
    fprintf(stderr, "blec: usage: scan [SECONDS]\n");
    return CLI_EXIT_USAGE;
  }
  if (argc == 1) {
    char *end = NULL;
    double secs = strtod(argv[0], &end);
    if (!end || *end || secs <= 0 || secs > 3600) {
      fprintf(stderr, "blec: scan takes a number of seconds from 0.001 to 3600, got '%s'\n", argv[0]);
      return CLI_EXIT_USAGE;
    }
    ms = (int)(secs * 1000 + 0.5);
    if (ms < 1) ms = 1;
  }
  forget_scan(sh);
  blec_error err;
  int st = blec_discover(sh->s.ctx, NULL, ms, &sh->seen, &sh->nseen, &err);
  if (st != BLEC_OK) return session_fail(&sh->s, "scan", &err);
  for (size_t i = 0; i < sh->nseen; i++) print_device(sh, sh->seen[i]);
  if (!sh->a->json) printf("%zu device%s.\n", sh->nseen, sh->nseen == 1 ? "" : "s");
  fflush(stdout);
  return CLI_EXIT_OK;
}

static int sh_devices(shell *sh, char **argv, int argc) {
  (void)argv;
  (void)argc;
  for (size_t i = 0; i < sh->nseen; i++) print_device(sh, sh->seen[i]);
  if (!sh->a->json && !sh->nseen) puts("No devices: run 'scan' first.");
  fflush(stdout);
  return CLI_EXIT_OK;
}

static int sh_connect(shell *sh, char **argv, int argc) {
  if (argc < 1 && !sh->address[0]) {
    fprintf(stderr, "blec: usage: connect ADDR [--no-scan] [--pair [LEVEL]] [--connect-timeout S]\n");
    return CLI_EXIT_USAGE;
  }
  cli_args line;
  /* Parsed as `blec services ADDR ...`: the connecting options, the address checked. */
  int rc = parse_as(sh, "services", false, argc ? argv : (char *[]){sh->address}, argc ? argc : 1, &line);
  if (rc != CLI_EXIT_OK) {
    cli_args_free(&line);
    return rc;
  }
  if (connected(sh)) {
    char want[BLEC_ADDR_STRLEN];
    snprintf(want, sizeof want, "%s", line.address);
    for (char *p = want; *p; p++)
      if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
    if (strcmp(blec_client_address(sh->s.client), want) == 0) {
      cli_args_free(&line);
      say(sh, "connected", "Already connected.");
      return CLI_EXIT_OK; /* as bleak: connecting a connected client is no error */
    }
    drop_connection(sh);
  } else if (sh->s.client) {
    drop_connection(sh);
  }
  snprintf(sh->address, sizeof sh->address, "%s", line.address);
  for (char *p = sh->address; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
  blec_device *dev = NULL;
  for (size_t i = 0; i < sh->nseen && !dev; i++)
    if (strcmp(blec_device_address(sh->seen[i]), sh->address) == 0) dev = sh->seen[i];
  const cli_args *saved = sh->s.a;
  sh->s.a = &line;
  line.address = sh->address;
  rc = session_connect(&sh->s, line.no_scan ? NULL : dev);
  sh->s.a = saved;
  cli_args_free(&line);
  if (rc != CLI_EXIT_OK) {
    if (sh->s.client) {
      blec_client_free(sh->s.client);
      sh->s.client = NULL;
    }
    return rc;
  }
  blec_client_set_disconnected_callback(sh->s.client, on_disconnected, sh);
  const char *name = blec_client_name(sh->s.client);
  char text[ESC_TEXT_MAX + 100];
  snprintf(text, sizeof text, "Connected to %s%s%s%s (MTU %d, %zu services).", sh->address, name ? " \"" : "",
           name ? esc(name).s : "", name ? "\"" : "", blec_client_mtu(sh->s.client),
           blec_client_service_count(sh->s.client));
  say(sh, "connected", text);
  return CLI_EXIT_OK;
}

static int sh_disconnect(shell *sh, char **argv, int argc) {
  (void)argv;
  (void)argc;
  drop_connection(sh);
  char text[64];
  snprintf(text, sizeof text, "Disconnected from %s.", sh->address);
  say(sh, "disconnected", text);
  return CLI_EXIT_OK;
}

static int sh_info(shell *sh, char **argv, int argc) {
  (void)argv;
  (void)argc;
  blec_client *c = sh->s.client;
  const char *name = blec_client_name(c);
  if (sh->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "info");
    json_str(&j, "address", blec_client_address(c));
    json_str(&j, "name", name);
    json_int(&j, "mtu", blec_client_mtu(c));
    json_int(&j, "max_write_without_response", (long long)blec_client_max_write_without_response_size(c));
    json_int(&j, "services", (long long)blec_client_service_count(c));
    json_int(&j, "notifying", (long long)sh->nsubs);
    json_end_line(&j, stdout);
  } else {
    printf("Device %s%s%s%s: MTU %d, max write without response %zu bytes, %zu services, %zu "
           "subscription%s.\n",
           blec_client_address(c), name ? " \"" : "", name ? esc(name).s : "", name ? "\"" : "",
           blec_client_mtu(c), blec_client_max_write_without_response_size(c), blec_client_service_count(c),
           sh->nsubs, sh->nsubs == 1 ? "" : "s");
    fflush(stdout);
  }
  return CLI_EXIT_OK;
}

/* read / write / services / pair: the tool's command on this connection. */
static int run_as(shell *sh, const char *command, char **argv, int argc, int (*fn)(cli_session *)) {
  cli_args line;
  int rc = parse_as(sh, command, true, argv, argc, &line);
  if (rc == CLI_EXIT_OK) rc = run_with(sh, &line, fn);
  cli_args_free(&line);
  return rc;
}

static int sh_read(shell *sh, char **argv, int argc) { return run_as(sh, "read", argv, argc, gatt_read_run); }
static int sh_write(shell *sh, char **argv, int argc) { return run_as(sh, "write", argv, argc, gatt_write_run); }
static int sh_services(shell *sh, char **argv, int argc) {
  return run_as(sh, "services", argv, argc, services_run);
}

static int sh_pair(shell *sh, char **argv, int argc) {
  /* pair [LEVEL] [PIN]: a PIN answers the ceremonies that ask for one, from a script too. */
  const char *pin = NULL;
  if (argc >= 1 && argv[argc - 1][0] >= '0' && argv[argc - 1][0] <= '9') pin = argv[--argc];
  char *args[3];
  int n = 0;
  if (argc > 1) {
    fprintf(stderr, "blec: usage: pair [none|encryption|authentication] [PIN]\n");
    return CLI_EXIT_USAGE;
  }
  if (argc == 1) {
    args[n++] = "--protection";
    args[n++] = argv[0];
  }
  sh->s.prompt.pin = pin;
  int rc = run_as(sh, "pair", args, n, pair_run);
  sh->s.prompt.pin = NULL;
  return rc;
}

static int sh_unpair(shell *sh, char **argv, int argc) {
  (void)argv;
  (void)argc;
  blec_error err;
  for (size_t i = 0; i < sh->nsubs; i++) blec_client_stop_notify(sh->s.client, sh->subs[i], sh->s.op_ms, NULL);
  sh->nsubs = 0;
  int st = blec_client_unpair(sh->s.client, sh->s.op_ms, &err);
  if (st != BLEC_OK) {
    char action[64];
    snprintf(action, sizeof action, "unpair %s", sh->address);
    return session_fail(&sh->s, action, &err);
  }
  char text[64];
  snprintf(text, sizeof text, "Unpaired %s.", sh->address);
  say(sh, "unpaired", text);
  return CLI_EXIT_OK;
}

/* notify CHAR [off]: turns a subscription on (values print as they come) or off. */
static int sh_notify(shell *sh, char **argv, int argc) {
  bool off = argc == 2 && strcmp(argv[1], "off") == 0;
  if (argc == 2 && !off) {
    fprintf(stderr, "blec: usage: notify CHAR [off]\n");
    return CLI_EXIT_USAGE;
  }
  cli_args line;
  int rc = parse_as(sh, "notify", true, argv, off ? 1 : argc, &line);
  blec_characteristic *chr = NULL;
  if (rc == CLI_EXIT_OK) {
    const cli_args *saved = sh->s.a;
    sh->s.a = &line;
    rc = gattio_find_chr(&sh->s, line.chr, &chr);
    sh->s.a = saved;
  }
  char action[128];
  snprintf(action, sizeof action, "%s %s on %s", off ? "unsubscribe from" : "subscribe to", argc ? argv[0] : "",
           sh->address);
  size_t k = 0;
  while (chr && k < sh->nsubs && sh->subs[k] != chr) k++;
  blec_error err;
  if (rc == CLI_EXIT_OK && off) {
    if (k == sh->nsubs) {
      rc = session_fail_status(&sh->s, action, BLEC_ERR_STATE, "notifications of it are not on");
    } else {
      sh->subs[k] = sh->subs[--sh->nsubs];
      int st = blec_client_stop_notify(sh->s.client, chr, sh->s.op_ms, &err);
      rc = st == BLEC_OK ? CLI_EXIT_OK : session_fail(&sh->s, action, &err);
      if (rc == CLI_EXIT_OK) say(sh, "unsubscribed", "Notifications off.");
    }
  } else if (rc == CLI_EXIT_OK) {
    if (sh->nsubs == MAX_SUBS) {
      rc = session_fail_status(&sh->s, action, BLEC_ERR_BUSY, "too many subscriptions at once");
    } else {
      unsigned flags = line.indicate ? BLEC_NOTIFY_FORCE_INDICATE : 0;
      int st = blec_client_start_notify(sh->s.client, chr, flags, on_value, sh, sh->s.op_ms, &err);
      if (st == BLEC_OK) {
        sh->subs[sh->nsubs++] = chr;
        say(sh, "subscribed", "Notifications on ('notify CHAR off' stops them).");
      } else {
        rc = session_fail(&sh->s, action, &err);
      }
    }
  }
  cli_args_free(&line);
  return rc;
}

static const shell_cmd commands[] = {
    {"help", "[COMMAND]", "Show the commands, or one command's help.", sh_help, false},
    {"scan", "[SECONDS]", "Scan (default 5 s) and list the devices seen.", sh_scan, false},
    {"devices", "", "List the devices of the last scan.", sh_devices, false},
    {"connect", "ADDR [--no-scan] [--pair [LEVEL]]", "Connect to a device (Tab completes scanned addresses).",
     sh_connect, false},
    {"disconnect", "", "Disconnect.", sh_disconnect, true},
    {"info", "", "The connected device: name, MTU, services.", sh_info, true},
    {"services", "", "The GATT tree with every readable value.", sh_services, true},
    {"read", "CHAR [--descriptor UUID]", "Read a characteristic or a descriptor.", sh_read, true},
    {"write", "CHAR HEX | CHAR --text STR", "Write a characteristic or a descriptor (as 'blec write').",
     sh_write, true},
    {"notify", "CHAR [off]", "Show a characteristic's notifications as they come, or stop them.", sh_notify,
     true},
    {"pair", "[LEVEL] [PIN]", "Pair (a PIN answers a device that asks for one).", sh_pair, true},
    {"unpair", "", "Remove the pairing (the device disconnects).", sh_unpair, true},
    {"quit", "", "Leave the shell (also 'exit' or Ctrl-D).", sh_quit, false},
    {"exit", "", "Leave the shell.", sh_quit, false},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const shell_cmd *find_cmd(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

static void print_help(const char *topic) {
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (topic && strcmp(commands[i].name, topic) != 0) continue;
    printf("  %-10s %-36s %s\n", commands[i].name, commands[i].usage, commands[i].help);
  }
  if (!topic)
    printf("CHAR is a UUID (2a19) or a handle (#14); values and options are those of the blec command "
           "of the same name.\n");
  fflush(stdout);
}

/* ---- completion ------------------------------------------------------------------------ */

static void add_word(shell *sh, const char *w) {
  if (sh->nwords == MAX_COMPLETIONS) return;
  size_t n = strlen(w);
  char *c = malloc(n + 1);
  if (!c) return;
  memcpy(c, w, n + 1);
  sh->words[sh->nwords++] = c;
}

static void clear_words(shell *sh) {
  for (size_t i = 0; i < sh->nwords; i++) free(sh->words[i]);
  sh->nwords = 0;
  sh->words[0] = NULL;
}

/* The attributes of the connected device, as CHAR may name them. */
static void add_attribute_words(shell *sh) {
  blec_client *c = sh->s.client;
  if (!connected(sh)) return;
  char buf[BLEC_UUID_STRLEN], h[16];
  for (size_t i = 0; i < blec_client_service_count(c); i++) {
    blec_service *svc = blec_client_service_at(c, i);
    for (size_t k = 0; k < blec_service_characteristic_count(svc); k++) {
      blec_characteristic *chr = blec_service_characteristic_at(svc, k);
      blec_uuid u = blec_characteristic_uuid(chr);
      add_word(sh, format_uuid_short(&u, buf));
      snprintf(h, sizeof h, "#%u", blec_characteristic_handle(chr));
      add_word(sh, h);
    }
  }
}

static const char *const *complete(const char *before, void *user) {
  shell *sh = user;
  clear_words(sh);
  char first[32] = "";
  int nwords_before = 0;
  for (const char *p = before; *p;) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    const char *start = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    if (nwords_before++ == 0) snprintf(first, sizeof first, "%.*s", (int)(p - start), start);
  }
  if (nwords_before == 0) {
    for (size_t i = 0; i < NCOMMANDS; i++) add_word(sh, commands[i].name);
  } else if (nwords_before == 1) {
    if (!strcmp(first, "connect")) {
      for (size_t i = 0; i < sh->nseen; i++) add_word(sh, blec_device_address(sh->seen[i]));
    } else if (!strcmp(first, "read") || !strcmp(first, "write") || !strcmp(first, "notify")) {
      add_attribute_words(sh);
    } else if (!strcmp(first, "pair")) {
      add_word(sh, "none");
      add_word(sh, "encryption");
      add_word(sh, "authentication");
    } else if (!strcmp(first, "help")) {
      for (size_t i = 0; i < NCOMMANDS; i++) add_word(sh, commands[i].name);
    }
  } else if (nwords_before == 2 && !strcmp(first, "notify")) {
    add_word(sh, "off");
  }
  sh->words[sh->nwords] = NULL;
  return (const char *const *)sh->words;
}

/* ---- the loop --------------------------------------------------------------------------- */

/* Splits a line into words: blanks separate, "..." and '...' quote (no escapes inside
 * '...'; \" and \\ inside "..."). Words are written into the line itself. */
static int split(char *line, char **argv, int max) {
  int n = 0;
  char *r = line, *w = line;
  while (*r) {
    while (*r == ' ' || *r == '\t') r++;
    if (!*r) break;
    if (n == max) return -1;
    argv[n++] = w;
    while (*r && *r != ' ' && *r != '\t') {
      if (*r == '"' || *r == '\'') {
        char q = *r++;
        while (*r && *r != q) {
          if (q == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\')) r++;
          *w++ = *r++;
        }
        if (*r) r++;
      } else {
        *w++ = *r++;
      }
    }
    if (*r) r++;
    *w++ = '\0';
  }
  return n;
}

static void run_line(shell *sh, char *line) {
  char *argv[MAX_WORDS];
  int argc = split(line, argv, MAX_WORDS);
  if (argc == 0) return;
  if (argc < 0) {
    fprintf(stderr, "blec: too many words (at most %d)\n", MAX_WORDS);
    sh->status = CLI_EXIT_USAGE;
    return;
  }
  if (argv[0][0] == '#') return; /* a comment, in scripts */
  const shell_cmd *c = find_cmd(argv[0]);
  if (!c) {
    fprintf(stderr, "blec: no command '%s' in the shell; 'help' lists them\n", esc(argv[0]).s);
    sh->status = CLI_EXIT_USAGE;
    return;
  }
  if (c->needs_connection && !connected(sh)) {
    char action[64];
    snprintf(action, sizeof action, "%s", c->name);
    sh->status = session_fail_status(&sh->s, action, BLEC_ERR_NOT_CONNECTED,
                                     "'connect ADDR' first ('scan' lists the devices)");
    return;
  }
  sh->status = c->run(sh, argv + 1, argc - 1);
}

static void prompt_for(const shell *sh, char *buf, size_t size) {
  const char *name = connected(sh) ? blec_client_name(sh->s.client) : NULL;
  if (name)
    snprintf(buf, size, "[%.40s]# ", esc(name).s);
  else if (connected(sh))
    snprintf(buf, size, "[%s]# ", sh->address);
  else
    snprintf(buf, size, "[blec]# ");
}

/* Whether the line carries a secret that must not reach the history file: "pair ... PIN"
 * (the PIN is its last word, starting with a digit, as sh_pair reads it). */
static bool holds_a_pin(const char *line) {
  while (*line == ' ' || *line == '\t') line++;
  if (strncmp(line, "pair", 4) != 0 || (line[4] != ' ' && line[4] != '\t')) return false;
  const char *last = line + 4;
  for (const char *p = line + 4; *p; p++)
    if ((p[0] == ' ' || p[0] == '\t') && p[1] && p[1] != ' ' && p[1] != '\t') last = p + 1;
  return *last >= '0' && *last <= '9';
}

/* Where the history of the lines typed is kept between sessions: $BLEC_SHELL_HISTORY (a
 * file; "off" or empty: none), else shell_history in the user's state directory (made
 * when missing). False when none is kept (--no-history, off, no state directory, or the
 * directory cannot be made: then the history lasts the session, said with -v). */
static bool history_path(const cli_args *a, char *buf, size_t size) {
  if (a->no_history) return false;
  const char *chosen = getenv("BLEC_SHELL_HISTORY");
  if (chosen) {
    if (!chosen[0] || strcmp(chosen, "off") == 0) return false;
    int n = snprintf(buf, size, "%s", chosen);
    return n > 0 && (size_t)n < size;
  }
  char dir[1024];
  if (blec_user_state_dir(dir, sizeof dir) != BLEC_OK) {
    if (a->verbose) fprintf(stderr, "blec shell: no state directory ($HOME unset): history for this session only\n");
    return false;
  }
  if (plat_make_dirs(dir) != 0) {
    if (a->verbose) fprintf(stderr, "blec shell: cannot make %s: history for this session only\n", dir);
    return false;
  }
  int n = snprintf(buf, size, "%s%cshell_history", dir, plat_dir_separator());
  return n > 0 && (size_t)n < size;
}

int cmd_shell(const cli_args *a) {
  shell *sh = calloc(1, sizeof *sh);
  if (!sh) return CLI_EXIT_FAILURE;
  sh->a = a;
  int rc = session_begin(&sh->s, a);
  if (rc != CLI_EXIT_OK) goto out;
  bool interactive = plat_stdin_is_terminal();
  char history[1100];
  /* Only a person at a terminal leaves a history (a script's lines are not kept), and
   * only where lines are edited (libedit keeps the history). */
  bool keep = interactive && lineedit_has_editing() && history_path(a, history, sizeof history);
  lineedit_open(interactive, keep ? history : NULL, a->verbose > 0, complete, sh);
  if (interactive && !a->json)
    printf("blec shell on the %s backend: 'help' lists the commands, Tab completes%s.\n",
           blec_ctx_backend_name(sh->s.ctx), lineedit_has_editing() ? ", Up recalls" : "");
  if (a->address) {
    char *args[1] = {(char *)a->address};
    sh->status = sh_connect(sh, args, 1);
  }
  while (!sh->quit) {
    char prompt[80];
    prompt_for(sh, prompt, sizeof prompt);
    char *line = lineedit_read(prompt);
    if (!line) break; /* end of input */
    if (!holds_a_pin(line)) lineedit_remember(line);
    sig_reset();
    run_line(sh, line);
    free(line);
  }
  lineedit_close();
  rc = sh->status;
out:
  drop_connection(sh);
  forget_scan(sh);
  clear_words(sh);
  session_end(&sh->s);
  free(sh);
  return rc;
}
