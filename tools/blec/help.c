/* SPDX-License-Identifier: MIT */
/*
 * help.c — the table describing the command line (see help.h) and its two renderings:
 * the terminal help and the roff man page.
 */
#include "help.h"

#include <string.h>

#include "exitcodes.h"

/* ---------------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------------- */

static const char *const protection_levels[] = {"none", "encryption", "authentication", NULL};

static const cli_option_info options[OPT_COUNT_] = {
    [OPT_BACKEND] = {"backend", 0, "NAME",
                     "Bluetooth backend: virtual (a simulated radio world, available everywhere), "
                     "winrt (Windows) or bluez (Linux). Default: $BLEC_BACKEND, else the "
                     "platform's own.", NULL},
    [OPT_WORLD] = {"world", 0, "FILE",
                   "Serve this world file with the virtual backend (implies --backend virtual). "
                   "Without it the virtual backend serves $BLEC_WORLD or its built-in default "
                   "world.", NULL},
    [OPT_ADAPTER] = {"adapter", 0, "NAME",
                     "The Bluetooth adapter of the bluez backend: hci0, hci1, ... (the names in "
                     "/sys/class/bluetooth). Default: BlueZ's default adapter, the first one. "
                     "Other backends ignore it.", NULL},
    [OPT_UUID_NAMES] = {"uuid-names", 0, "FILE",
                        "Names for vendor UUIDs, used wherever a description is shown: one "
                        "'UUID description' a line ('#' starts a comment), e.g. "
                        "'8d5b0001-2f3e-4c6a-9b1d-7e0f1a2b3c4d Lock Service'.", NULL},
    [OPT_TIMEOUT] = {"timeout", 0, "S",
                     "Seconds allowed for finding and connecting to the device and for each "
                     "operation (default 10). Decimals are accepted.", NULL},
    [OPT_JSON] = {"json", 0, NULL,
                  "Machine output as JSON Lines (https://jsonlines.org): one JSON object per "
                  "line on standard output. Every line of a kind has the same keys; a value "
                  "that does not apply is null (or [] for a list), never left out. A failure "
                  "(other than a bad command line) is also reported as an "
                  "{\"event\":\"error\"} line with its \"exit_code\".", NULL},
    [OPT_VERBOSE] = {"verbose", 'v', NULL,
                     "Show the library's log on standard error: -v for information, -vv for "
                     "debugging.", NULL},
    [OPT_HELP] = {"help", 'h', NULL, "Show the help of the command and exit.", NULL},
    [OPT_VERSION] = {"version", 0, NULL, "Show the versions of blec and of the library and exit.", NULL},
    [OPT_PASSIVE] = {"passive", 0, NULL,
                     "Passive scan: listen only, send no scan requests (no scan responses).", NULL},
    [OPT_SERVICE] = {"service", 0, "UUID",
                     "Report only devices advertising this service (16-, 32- or 128-bit UUID). "
                     "Repeat to accept any of several.", NULL},
    [OPT_NAME] = {"name", 0, "TEXT",
                  "Report only devices whose name contains TEXT (case-insensitive).", NULL},
    [OPT_RSSI_MIN] = {"rssi-min", 0, "DBM",
                      "Ignore advertisements weaker than DBM (for example -70).", NULL},
    [OPT_CONNECT_TIMEOUT] = {"connect-timeout", 0, "S",
                             "Seconds allowed for finding and connecting (default: --timeout, "
                             "else 10).", NULL},
    [OPT_NO_SCAN] = {"no-scan", 0, NULL,
                     "Connect without scanning for the device first: reaches a device that no "
                     "longer advertises because another program is connected to it (where the "
                     "backend can).", NULL},
    [OPT_PAIR] = {"pair", 0, "[LEVEL]",
                  "Pair after connecting, before the operation, at protection LEVEL: none, "
                  "encryption or authentication (default: --protection, else the backend's "
                  "choice). A characteristic that answers Insufficient Authentication needs "
                  "authentication.",
                  protection_levels},
    [OPT_PROTECTION] = {"protection", 0, "LEVEL",
                        "Pairing protection: none, encryption or authentication (encryption "
                        "and authentication). Default: the backend's choice.", NULL},
    [OPT_TEXT] = {"text", 0, "STR",
                  "Write the bytes of STR (UTF-8) instead of HEX. The escapes \\n, \\r, \\t, "
                  "\\0, \\\\ and \\xHH are understood.", NULL},
    [OPT_NO_RESPONSE] = {"no-response", 0, NULL,
                         "Write without response (the default is with response when the "
                         "characteristic has the write property).", NULL},
    [OPT_LISTEN] = {"listen", 0, "CHAR",
                    "Subscribe to CHAR before writing and show its notifications afterwards "
                    "(a request/response exchange such as a UART echo).", NULL},
    [OPT_INDICATE] = {"indicate", 0, NULL,
                      "Use indications when the characteristic supports both notifications and "
                      "indications.", NULL},
    [OPT_COUNT] = {"count", 0, "N", "Stop after N values.", NULL},
    [OPT_DESCRIPTOR] = {"descriptor", 0, "UUID",
                        "Read or write the descriptor UUID of CHAR instead of its value (the "
                        "first one if several share the UUID). A descriptor can also be named "
                        "by its handle alone, as CHAR (#16).", NULL},
    [OPT_OUTPUT] = {"output", 'o', "FILE", "The world file to write (replaced if it exists).", NULL},
    [OPT_NO_HISTORY] = {"no-history", 0, NULL,
                        "Keep the history of the lines typed for this session only: read no "
                        "history file and write none (as BLEC_SHELL_HISTORY=off).", NULL},
    [OPT_ALL] = {"all", 0, NULL,
                 "Print every advertisement and scan response received (event \"adv\" in "
                 "--json), not only the first one of a device and its changes.", NULL},
};

static const cli_option_note scan_notes[] = {
    {OPT_TIMEOUT, "Seconds to scan (default 5; 0 scans until Ctrl-C)."},
    {OPT_COUNT_, NULL},
};
static const cli_option_note notify_notes[] = {
    {OPT_TIMEOUT,
     "Seconds to listen once subscribed (default: until --count values or Ctrl-C). With "
     "--count, fewer values by then is a timeout (exit 4)."},
    {OPT_COUNT, "Stop after N values (default: listen until --timeout or Ctrl-C)."},
    {OPT_COUNT_, NULL},
};
static const cli_option_note write_notes[] = {
    {OPT_COUNT, "With --listen: stop after N notifications (default 1)."},
    {OPT_COUNT_, NULL},
};
static const cli_option_note pair_notes[] = {
    {OPT_PROTECTION,
     "Protection level to pair at: none, encryption or authentication (encryption and "
     "authentication). Default: the backend's choice."},
    {OPT_COUNT_, NULL},
};

static const cli_example scan_examples[] = {
    {"blec scan", "Show the devices around for 5 seconds, live."},
    {"blec scan --timeout 0 --service 180d", "Show heart-rate sensors until Ctrl-C."},
    {"blec scan --json --rssi-min -70", "Near devices as JSON lines, for a script."},
    {NULL, NULL},
};
static const cli_example info_examples[] = {
    {"blec info C0:FF:EE:00:00:01", "What a device advertises and how the link behaves."},
    {"blec info C0:FF:EE:00:00:07 --no-scan",
     "A device that does not advertise (another program holds it): connect directly."},
    {NULL, NULL},
};
static const cli_example services_examples[] = {
    {"blec services C0:FF:EE:00:00:01", "The GATT tree with every readable value decoded."},
    {"blec services C0:FF:EE:00:00:01 --json", "The same, one JSON object per attribute."},
    {NULL, NULL},
};
static const cli_example read_examples[] = {
    {"blec read C0:FF:EE:00:00:05 8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d --descriptor 2901",
     "Read the user description descriptor of the smart lock's state."},
    {"blec read C0:FF:EE:00:00:01 2a19", "Read the battery level."},
    {"blec read C0:FF:EE:00:00:01 '#14'", "Read the characteristic whose value handle is 14."},
    {"blec read C0:FF:EE:00:00:05 8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d --pair --protection "
     "authentication",
     "Pair first, then read a characteristic that needs an authenticated link."},
    {NULL, NULL},
};
static const cli_example write_examples[] = {
    {"blec write C0:FF:EE:00:00:06 4c1e0002-8a6f-4d3b-9e2c-1f0a5b6c7d8e 01",
     "Write one byte, 0x01, to the smart bulb of the default world."},
    {"blec write C0:FF:EE:00:00:02 6e400002-b5a3-f393-e0a9-e50e24dcca9e --text 'hello\\n' "
     "--listen 6e400003-b5a3-f393-e0a9-e50e24dcca9e",
     "Send a line to a Nordic UART peripheral and show its answer."},
    {NULL, NULL},
};
static const cli_example notify_examples[] = {
    {"blec notify C0:FF:EE:00:00:01 2a37 --count 3", "Three heart-rate measurements."},
    {NULL, NULL},
};
static const cli_example record_examples[] = {
    {"blec record C0:FF:EE:00:00:01 -o sensor.world", "Record the default world's heart-rate sensor."},
    {"blec scan --world sensor.world", "Replay it: the recorded device advertises again."},
    {"blec record C0:FF:EE:00:00:05 -o lock.world --pair authentication",
     "Pair first, so that protected values are recorded too."},
    {NULL, NULL},
};
static const cli_option_note record_notes[] = {
    {OPT_TIMEOUT, "Seconds allowed for finding and connecting and for each read (default 10)."},
    {OPT_COUNT_, NULL},
};
static const cli_example shell_examples[] = {
    {"blec shell", "Start a session; type 'scan', then 'connect C0:FF:EE:00:00:01'."},
    {"printf 'read 2a19\\nnotify 2a37\\n' | blec shell C0:FF:EE:00:00:01",
     "A script: connect once, read the battery level, then show heart rate values."},
    {NULL, NULL},
};
static const cli_example pair_examples[] = {
    {"blec pair C0:FF:EE:00:00:01 --protection encryption", "Pair with encryption."},
    {NULL, NULL},
};

#define CONNECTING_OPTIONS                                                                    \
  (CLI_OPTBIT(OPT_CONNECT_TIMEOUT) | CLI_OPTBIT(OPT_NO_SCAN) | CLI_OPTBIT(OPT_PAIR) |           \
   CLI_OPTBIT(OPT_PROTECTION))

static const cli_command_info commands[CMD_COUNT_] = {
    [CMD_SCAN] = {"scan", "[--passive] [--service UUID]... [--name TEXT] [--rssi-min DBM]",
                  "Scan for advertising devices and show them live.",
                  "Prints one line per device as it appears and another whenever what it "
                  "advertises changes: address, signal strength, name, and in words what the "
                  "advertisement carries (services such as Heart Rate, iBeacon and Eddystone "
                  "frames, manufacturer names, appearance). Changes of signal strength alone "
                  "are not reported. At the end it prints a summary of every device seen.\n\n"
                  "With --all every advertisement and scan response is printed.\n\n"
                  "With --json each line is an object with \"event\" \"new\" or \"update\" "
                  "(and \"adv\" with --all), then one with \"event\" \"summary\".",
                  CLI_OPTBIT(OPT_PASSIVE) | CLI_OPTBIT(OPT_SERVICE) | CLI_OPTBIT(OPT_NAME) |
                      CLI_OPTBIT(OPT_RSSI_MIN) | CLI_OPTBIT(OPT_ALL),
                  scan_notes, 0, 0, scan_examples},
    [CMD_INFO] = {"info", "ADDR",
                  "Show a device's advertisement and connection details.",
                  "Scans until the device with address ADDR advertises, shows its advertisement "
                  "(name, address type, signal strength, TX power, appearance, services, "
                  "manufacturer and service data), then connects and shows the MTU, the "
                  "largest write without response and the services it offers. With --no-scan "
                  "it connects at once and shows only the connection.",
                  CONNECTING_OPTIONS, NULL, 1, 1, info_examples},
    [CMD_SERVICES] = {"services", "ADDR",
                      "List the GATT services, characteristics and descriptors with their values.",
                      "Connects to ADDR and prints the whole GATT tree: each service, "
                      "characteristic and descriptor with its UUID, description, handle and "
                      "(characteristics) properties. Readable values are read and decoded where "
                      "the Bluetooth assigned number says how (names and strings, battery "
                      "level, heart rate, temperature, humidity, body sensor location, "
                      "appearance, client configuration...), else shown as hexadecimal and "
                      "printable text. A value that cannot be read shows why.\n\n"
                      "With --json each line is one attribute: {\"type\":\"service\"}, "
                      "{\"type\":\"characteristic\"} or {\"type\":\"descriptor\"}.",
                      CONNECTING_OPTIONS, NULL, 1, 1, services_examples},
    [CMD_READ] = {"read", "ADDR CHAR [--descriptor UUID]",
                  "Read a characteristic or a descriptor.",
                  "Connects to ADDR and reads characteristic CHAR, named by a UUID in any form "
                  "(2a19, 0x2A19, 00002a19-0000-1000-8000-00805f9b34fb) or by its value handle "
                  "(#14, #0x0e, h14, handle:14). Prints the value in hexadecimal, as text and "
                  "decoded when its UUID says how. With --descriptor it reads that descriptor "
                  "of CHAR; a descriptor's handle given as CHAR reads the descriptor too.",
                  CONNECTING_OPTIONS | CLI_OPTBIT(OPT_DESCRIPTOR), NULL, 2, 2, read_examples},
    [CMD_WRITE] = {"write", "ADDR CHAR HEX | ADDR CHAR --text STR",
                   "Write a characteristic or a descriptor.",
                   "Connects to ADDR and writes characteristic CHAR (a UUID or a handle, as "
                   "for read). HEX is the value in hexadecimal: 0102ff, 01 02 ff, 01:02:ff or "
                   "0x0102ff. The write is with response when the characteristic has the "
                   "write property, unless --no-response is given. With --descriptor (or a "
                   "descriptor's handle as CHAR) it writes that descriptor; the Client "
                   "Characteristic Configuration (2902) is written by 'blec notify' instead.",
                   CONNECTING_OPTIONS | CLI_OPTBIT(OPT_TEXT) | CLI_OPTBIT(OPT_NO_RESPONSE) |
                       CLI_OPTBIT(OPT_LISTEN) | CLI_OPTBIT(OPT_COUNT) | CLI_OPTBIT(OPT_DESCRIPTOR),
                   write_notes, 2, 3, write_examples},
    [CMD_NOTIFY] = {"notify", "ADDR CHAR",
                    "Subscribe to a characteristic and show its notifications.",
                    "Connects to ADDR, subscribes to notifications (or indications) of CHAR "
                    "and prints each value as it arrives, decoded when its UUID says how. "
                    "Stops after --count values, after --timeout seconds or on Ctrl-C, then "
                    "unsubscribes and disconnects.",
                    CONNECTING_OPTIONS | CLI_OPTBIT(OPT_INDICATE) | CLI_OPTBIT(OPT_COUNT),
                    notify_notes, 2, 2, notify_examples},
    [CMD_PAIR] = {"pair", "ADDR [--protection LEVEL]",
                  "Pair with a device.",
                  "Connects to ADDR and pairs at the requested protection level.",
                  CLI_OPTBIT(OPT_CONNECT_TIMEOUT) | CLI_OPTBIT(OPT_NO_SCAN) |
                      CLI_OPTBIT(OPT_PROTECTION),
                  pair_notes, 1,
                  1, pair_examples},
    [CMD_UNPAIR] = {"unpair", "ADDR",
                    "Remove the pairing with a device.",
                    "Removes the pairing with ADDR (which also ends any connection to it).",
                    CLI_OPTBIT(OPT_CONNECT_TIMEOUT) | CLI_OPTBIT(OPT_NO_SCAN), NULL, 1, 1, NULL},
    [CMD_RECORD] = {"record", "ADDR -o FILE",
                    "Record a device into a world file, to replay it with --world.",
                    "Finds ADDR, keeps its advertisement and scan response as received, "
                    "connects, reads every readable characteristic and descriptor of its GATT "
                    "database and writes a world file (docs/world-format.md) that serves the same "
                    "device: 'blec --world FILE' and blec_world_load_file then replay it, without "
                    "the device. A characteristic that needs pairing is recorded with its security "
                    "level and no value, unless --pair gets it read. With --no-scan the device is "
                    "recorded without an advertisement (as one connected elsewhere).\n\n"
                    "The device's handles are kept, gaps included (where the attributes a world "
                    "makes by itself leave room); what the device does on its own "
                    "(notifications, changing values) is not recorded.",
                    CONNECTING_OPTIONS | CLI_OPTBIT(OPT_OUTPUT), record_notes, 1, 1, record_examples},
    [CMD_SHELL] = {"shell", "[ADDR]",
                   "An interactive session: scan, connect once, then read, write, notify...",
                   "Opens one session with the backend, like bluetoothctl: 'scan', 'connect ADDR', "
                   "then 'services', 'read CHAR', 'write CHAR HEX', 'notify CHAR' (values print as "
                   "they come; 'notify CHAR off'), 'pair [LEVEL] [PIN]', 'unpair', 'info', "
                   "'disconnect', 'quit'; 'help' lists them. Each command takes the arguments and "
                   "options of the blec command of the same name, on the one connection. With ADDR "
                   "it connects first.\n\n"
                   "On a terminal, lines can be edited, Up recalls earlier ones and Tab completes "
                   "commands, scanned addresses and the device's characteristics; a device that asks "
                   "for a PIN while pairing is answered at the prompt. The lines typed are kept "
                   "between sessions, as a shell does: the last 500 in shell_history in "
                   "$XDG_STATE_HOME/blec or ~/.local/state/blec, "
                   "or the file $BLEC_SHELL_HISTORY names (a 'pair' line with a PIN is never kept); "
                   "--no-history or BLEC_SHELL_HISTORY=off keeps none. From a pipe it reads one command a line without prompts and "
                   "without history, so it can be scripted; its exit status is that of the last "
                   "command.",
                   CLI_OPTBIT(OPT_CONNECT_TIMEOUT) | CLI_OPTBIT(OPT_NO_HISTORY), NULL, 0, 1, shell_examples},
    [CMD_HELP] = {"help", "[COMMAND]", "Show the help of blec or of a command.",
                  "Same as blec --help, or blec COMMAND --help.", 0, NULL, 0, 1,
                  NULL},
};

static const cli_exit_info exit_codes[] = {
    {CLI_EXIT_OK, "ok", "Success."},
    {CLI_EXIT_FAILURE, "failure", "A failure without a code of its own below."},
    {CLI_EXIT_USAGE, "usage", "Bad command line: unknown command or option, bad or missing value."},
    {CLI_EXIT_NOT_FOUND, "not found",
     "No such device (it did not advertise in time), service, characteristic or descriptor."},
    {CLI_EXIT_TIMEOUT, "timeout", "The device or the operation did not answer in time."},
    {CLI_EXIT_ATT, "ATT error",
     "The device refused the request with an ATT protocol error (for example Insufficient "
     "Authentication: pair first)."},
    {CLI_EXIT_NOT_SUPPORTED, "not supported",
     "The backend cannot do this, or the characteristic lacks the property (notify)."},
    {CLI_EXIT_UNAVAILABLE, "Bluetooth unavailable",
     "No adapter, radio off, access denied, or the backend is not in this build."},
    {CLI_EXIT_CONNECTION, "connection", "The connection was refused or dropped during the command."},
    {CLI_EXIT_PAIRING, "pairing", "Pairing failed or was refused."},
    {CLI_EXIT_WORLD, "world file", "The world file (--world or $BLEC_WORLD) could not be read or is malformed."},
    {CLI_EXIT_INTERRUPTED, "interrupted",
     "Stopped by Ctrl-C or SIGTERM after scans were stopped and connections closed."},
    {0, NULL, NULL},
};

static const char program_description[] =
    "blec talks to Bluetooth Low Energy peripherals as a central: it scans for advertising "
    "devices, connects, lists their GATT services, reads, writes, subscribes to "
    "notifications, pairs and unpairs.\n\n"
    "Devices are named by their address AA:BB:CC:DD:EE:FF (any case). Characteristics "
    "(CHAR) are named by a UUID in any form (2a37, 0x2A37, a 32-bit or 128-bit UUID) or by "
    "their value handle (#14, #0x0e, h14, handle:14); a handle tells apart characteristics "
    "sharing a UUID.\n\n"
    "The virtual backend serves a simulated radio world, the built-in default unless "
    "--world or $BLEC_WORLD names a world file, so every command can be tried without a "
    "radio. Its default world has a heart-rate sensor (C0:FF:EE:00:00:01), a Nordic UART "
    "echo device (...:02), an environmental sensor (...:03), a beacon (...:04), a smart lock "
    "that needs an authenticated link (...:05), a smart bulb (...:06) and a fitness band that "
    "does not advertise (...:07).";

static const char environment_text[] =
    "BLEC_BACKEND: the backend used when --backend is not given.\n"
    "BLEC_WORLD: the world file the virtual backend serves when --world is not given.\n"
    "BLEC_BOND_STORE: the file where the virtual backend keeps its bonds between commands "
    "(default: virtual-bonds in $XDG_STATE_HOME/blec or ~/.local/state/blec); off keeps "
    "none.\n"
    "BLEC_SHELL_HISTORY: the file where blec shell keeps the lines typed between sessions "
    "(default: shell_history in $XDG_STATE_HOME/blec or ~/.local/state/blec); off keeps "
    "none.\n"
    "BLEC_LOG: the library's log level (none, error, warning, info, debug) when -v is not "
    "given.";

const cli_option_info *cli_option(cli_opt opt) {
  if ((int)opt < 0 || opt >= OPT_COUNT_) return NULL;
  return &options[opt];
}

const cli_command_info *cli_command(cli_cmd cmd) {
  if (cmd <= CMD_NONE || cmd >= CMD_COUNT_) return NULL;
  return &commands[cmd];
}

cli_cmd cli_command_lookup(const char *name) {
  for (int c = CMD_NONE + 1; c < CMD_COUNT_; c++)
    if (strcmp(commands[c].name, name) == 0) return (cli_cmd)c;
  return CMD_NONE;
}

const cli_exit_info *cli_exit_codes(void) { return exit_codes; }

const char *cli_option_help(cli_cmd cmd, cli_opt opt) {
  const cli_command_info *ci = cli_command(cmd);
  if (ci && ci->notes)
    for (const cli_option_note *n = ci->notes; n->help; n++)
      if (n->opt == opt) return n->help;
  return options[opt].help;
}

/* ---------------------------------------------------------------------------------
 * Terminal rendering
 * ------------------------------------------------------------------------------- */

enum { WRAP_WIDTH = 79 };

/*
 * Prints `text` word-wrapped to WRAP_WIDTH, every line indented by `indent` except the
 * first, which continues at column `col` (the caller has printed that much already).
 * A "\n" in the text starts a new line; "\n\n" leaves a blank line.
 */
static void wrap(FILE *out, const char *text, int indent, int col) {
  const char *p = text;
  int line_start = 1;
  while (*p) {
    if (*p == '\n') {
      fputc('\n', out);
      p++;
      col = 0;
      line_start = 1;
      continue;
    }
    if (*p == ' ') {
      p++;
      continue;
    }
    size_t wlen = strcspn(p, " \n");
    if (col == 0) {
      fprintf(out, "%*s", indent, "");
      col = indent;
      line_start = 1;
    }
    if (!line_start && col + 1 + (int)wlen > WRAP_WIDTH) {
      fprintf(out, "\n%*s", indent, "");
      col = indent;
      line_start = 1;
    }
    if (!line_start) {
      fputc(' ', out);
      col++;
    }
    fwrite(p, 1, wlen, out);
    col += (int)wlen;
    p += wlen;
    line_start = 0;
  }
  if (col != 0) fputc('\n', out);
}

static void option_label(const cli_option_info *o, char *buf, size_t size) {
  if (o->short_name)
    snprintf(buf, size, "-%c, --%s%s%s", o->short_name, o->long_name, o->arg_name ? " " : "",
             o->arg_name ? o->arg_name : "");
  else
    snprintf(buf, size, "    --%s%s%s", o->long_name, o->arg_name ? " " : "",
             o->arg_name ? o->arg_name : "");
}

static void print_option(FILE *out, cli_cmd cmd, cli_opt opt) {
  char label[64];
  option_label(&options[opt], label, sizeof label);
  int col = fprintf(out, "  %-26s", label);
  if (col > 28) {
    fputc('\n', out);
    col = 0;
  } else {
    col = 28;
  }
  wrap(out, cli_option_help(cmd, opt), 28, col);
}

static void print_exit_codes(FILE *out) {
  fputs("Exit status:\n", out);
  for (const cli_exit_info *e = exit_codes; e->meaning; e++) {
    int col = fprintf(out, "  %3d  %-23s", e->code, e->name);
    wrap(out, e->meaning, 30, col);
  }
}

void help_print_general(FILE *out) {
  fputs("Usage: blec [OPTIONS] COMMAND [ARGS]...\n\n", out);
  wrap(out, program_description, 0, 0);
  fputs("\nCommands:\n", out);
  for (int c = CMD_NONE + 1; c < CMD_COUNT_; c++) {
    int col = fprintf(out, "  %-10s", commands[c].name);
    wrap(out, commands[c].summary, 12, col);
  }
  fputs("\nCommon options (before or after the command):\n", out);
  for (int o = 0; o < OPT_COUNT_; o++)
    if (CLI_COMMON_OPTIONS & CLI_OPTBIT(o)) print_option(out, CMD_NONE, (cli_opt)o);
  print_option(out, CMD_NONE, OPT_VERSION);
  fputc('\n', out);
  print_exit_codes(out);
  fputs("\nEnvironment:\n", out);
  wrap(out, environment_text, 2, 0);
  fputs("\nRun 'blec COMMAND --help' for the options of a command; 'man blec' for all.\n", out);
}

void help_print_command(FILE *out, cli_cmd cmd) {
  const cli_command_info *ci = cli_command(cmd);
  if (!ci) {
    help_print_general(out);
    return;
  }
  fprintf(out, "Usage: blec %s [OPTIONS] %s\n\n", ci->name, ci->synopsis);
  wrap(out, ci->summary, 0, 0);
  fputc('\n', out);
  wrap(out, ci->description, 0, 0);
  if (ci->options) {
    fputs("\nOptions:\n", out);
    for (int o = 0; o < OPT_COUNT_; o++)
      if (ci->options & CLI_OPTBIT(o)) print_option(out, cmd, (cli_opt)o);
  }
  fputs("\nCommon options:\n", out);
  for (int o = 0; o < OPT_COUNT_; o++)
    if (CLI_COMMON_OPTIONS & CLI_OPTBIT(o)) print_option(out, cmd, (cli_opt)o);
  if (ci->examples) {
    fputs("\nExamples:\n", out);
    for (const cli_example *e = ci->examples; e->command_line; e++) {
      fprintf(out, "  %s\n", e->command_line);
      wrap(out, e->what, 6, 0);
    }
  }
  fputs("\nExit status: 0 ok, 2 usage; see 'blec --help' for the others.\n", out);
}

/* ---------------------------------------------------------------------------------
 * Man page rendering (roff, man macros)
 * ------------------------------------------------------------------------------- */

/* Writes text escaped for roff: backslashes, hyphens, and a leading dot or quote. */
static void roff(FILE *out, const char *text) {
  int bol = 1;
  for (const char *p = text; *p; p++) {
    if (bol && (*p == '.' || *p == '\'')) fputs("\\&", out);
    bol = 0;
    switch (*p) {
      case '\\': fputs("\\e", out); break;
      case '-': fputs("\\-", out); break;
      case '\n':
        fputc('\n', out);
        bol = 1;
        break;
      default: fputc(*p, out); break;
    }
  }
}

/* Paragraphs of `text` ("\n\n" separated; a single "\n" becomes a line break). */
static void roff_paragraphs(FILE *out, const char *text) {
  const char *p = text;
  while (*p) {
    const char *end = strstr(p, "\n\n");
    size_t n = end ? (size_t)(end - p) : strlen(p);
    fputs(".PP\n", out);
    for (size_t i = 0; i < n;) {
      size_t l = 0;
      while (i + l < n && p[i + l] != '\n') l++;
      char line[1024];
      size_t m = l < sizeof line - 1 ? l : sizeof line - 1;
      memcpy(line, p + i, m);
      line[m] = 0;
      roff(out, line);
      fputc('\n', out);
      i += l;
      if (i < n) {
        fputs(".br\n", out);
        i++;
      }
    }
    p += n;
    if (*p) p += 2;
  }
}

static void man_option(FILE *out, cli_cmd cmd, cli_opt opt) {
  const cli_option_info *o = &options[opt];
  fputs(".TP\n", out);
  if (o->short_name) fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
  fputs("\\fB\\-\\-", out);
  roff(out, o->long_name);
  fputs("\\fR", out);
  if (o->arg_name) {
    fputs(" \\fI", out);
    roff(out, o->arg_name);
    fputs("\\fR", out);
  }
  fputc('\n', out);
  roff(out, cli_option_help(cmd, opt));
  fputc('\n', out);
}

void help_write_man(FILE *out, const char *version) {
  fputs(".\\\" SPDX-License-Identifier: MIT\n", out);
  fputs(".\\\" Generated from tools/blec/help.c by blec_mangen; do not edit.\n", out);
  fputs(".TH BLEC 1 \"\" \"blec ", out);
  roff(out, version);
  fputs("\" \"User Commands\"\n", out);
  fputs(".SH NAME\nblec \\- Bluetooth Low Energy central from the command line\n", out);
  fputs(".SH SYNOPSIS\n", out);
  for (int c = CMD_NONE + 1; c < CMD_COUNT_; c++) {
    fprintf(out, "\\fBblec\\fR [\\fIOPTIONS\\fR] \\fB%s\\fR ", commands[c].name);
    roff(out, commands[c].synopsis);
    fputs("\n.br\n", out);
  }
  fputs("\\fBblec \\-\\-version\\fR\n", out);
  fputs(".SH DESCRIPTION\n", out);
  roff_paragraphs(out, program_description);
  fputs(".SH COMMANDS\n", out);
  for (int c = CMD_NONE + 1; c < CMD_COUNT_; c++) {
    const cli_command_info *ci = &commands[c];
    fprintf(out, ".SS \"%s ", ci->name);
    roff(out, ci->synopsis);
    fputs("\"\n", out);
    roff_paragraphs(out, ci->summary);
    roff_paragraphs(out, ci->description);
    if (ci->options) {
      fputs(".PP\nOptions:\n.RS\n", out);
      for (int o = 0; o < OPT_COUNT_; o++)
        if (ci->options & CLI_OPTBIT(o)) man_option(out, (cli_cmd)c, (cli_opt)o);
      fputs(".RE\n", out);
    }
    if (ci->notes) {
      for (const cli_option_note *n = ci->notes; n->help; n++)
        if (CLI_COMMON_OPTIONS & CLI_OPTBIT(n->opt)) {
          fputs(".PP\nFor this command:\n.RS\n", out);
          man_option(out, (cli_cmd)c, n->opt);
          fputs(".RE\n", out);
        }
    }
    if (ci->examples) {
      fputs(".PP\nExamples:\n", out);
      for (const cli_example *e = ci->examples; e->command_line; e++) {
        fputs(".TP\n.B ", out);
        roff(out, e->command_line);
        fputc('\n', out);
        roff(out, e->what);
        fputc('\n', out);
      }
    }
  }
  fputs(".SH OPTIONS\nThese options are accepted by every command, before or after its name.\n", out);
  for (int o = 0; o < OPT_COUNT_; o++)
    if (CLI_COMMON_OPTIONS & CLI_OPTBIT(o)) man_option(out, CMD_NONE, (cli_opt)o);
  man_option(out, CMD_NONE, OPT_VERSION);
  fputs(".SH \"EXIT STATUS\"\n", out);
  for (const cli_exit_info *e = exit_codes; e->meaning; e++) {
    fprintf(out, ".TP\n.B %d\n", e->code);
    roff(out, e->name);
    fputs(": ", out);
    roff(out, e->meaning);
    fputc('\n', out);
  }
  fputs(".SH ENVIRONMENT\n", out);
  roff_paragraphs(out, environment_text);
  fputs(".SH \"SEE ALSO\"\nThe blec library's header blec/blec.h and its documentation.\n", out);
}
