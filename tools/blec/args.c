/* SPDX-License-Identifier: MIT */
/*
 * args.c — see args.h. Two passes: the first splits argv into the command, options
 * (with their values) and positional arguments, knowing from the table only whether an
 * option takes a value; the second checks each against the command and converts it.
 */
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "hex.h"

enum { MAX_ITEMS = 64, MAX_POSITIONAL = 3 };

typedef struct opt_item {
  cli_opt opt;
  const char *value; /* NULL for flags */
  const char *as_typed;
} opt_item;

typedef struct parse_state {
  char *err;
  size_t err_size;
  const char *cmd_name; /* for messages; NULL before the command */
} parse_state;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(parse_state *ps, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (ps->err_size) {
    if (ps->cmd_name)
      snprintf(ps->err, ps->err_size, "%s: %s", ps->cmd_name, msg);
    else
      snprintf(ps->err, ps->err_size, "%s", msg);
  }
  return CLI_EXIT_USAGE;
}

/* A value typed by the user, shortened for a message ("0000...0000" of 1000 digits). */
typedef struct clipped {
  char s[56];
} clipped;

static clipped clip(const char *v) {
  clipped c;
  size_t n = strlen(v);
  if (n < 48)
    snprintf(c.s, sizeof c.s, "%s", v);
  else
    snprintf(c.s, sizeof c.s, "%.20s...%s", v, v + n - 20);
  for (char *p = c.s; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?'; /* no control bytes to the terminal */
  return c;
}

/* Levenshtein distance of two short strings (longer ones are "far"). */
static int distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 31 || lb > 31) return 99;
  int prev[32], cur[32];
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      int del = prev[j] + 1, ins = cur[j - 1] + 1;
      int m = sub < del ? sub : del;
      cur[j] = m < ins ? m : ins;
    }
    memcpy(prev, cur, sizeof(int) * (lb + 1));
  }
  return prev[lb];
}

static const char *suggest_command(const char *name) {
  const char *best = NULL;
  int bestd = 3;
  for (int c = CMD_NONE + 1; c < CMD_COUNT_; c++) {
    int d = distance(name, cli_command((cli_cmd)c)->name);
    if (d < bestd) {
      bestd = d;
      best = cli_command((cli_cmd)c)->name;
    }
  }
  return best;
}

static const char *suggest_option(const char *name) {
  const char *best = NULL;
  int bestd = 3;
  for (int o = 0; o < OPT_COUNT_; o++) {
    int d = distance(name, cli_option((cli_opt)o)->long_name);
    if (d < bestd) {
      bestd = d;
      best = cli_option((cli_opt)o)->long_name;
    }
  }
  return best;
}

static int lookup_long(const char *name, size_t len) {
  for (int o = 0; o < OPT_COUNT_; o++) {
    const char *ln = cli_option((cli_opt)o)->long_name;
    if (strlen(ln) == len && strncmp(ln, name, len) == 0) return o;
  }
  return -1;
}

static int lookup_short(char c) {
  for (int o = 0; o < OPT_COUNT_; o++)
    if (cli_option((cli_opt)o)->short_name == c) return o;
  return -1;
}

/* ---- values ------------------------------------------------------------------------ */

/* Seconds into ms; 0 .. one week. Decimals past the millisecond round up, so a value
 * above zero never becomes 0 ms (which the scan and notify commands read as "no limit"). */
static bool parse_seconds(const char *s, int *ms) {
  long long whole = 0;
  int frac = 0, fdigits = 0;
  bool below_ms = false; /* a non-zero digit past the third decimal */
  const char *p = s;
  if (*p < '0' || *p > '9') {
    if (!(*p == '.' && p[1] >= '0' && p[1] <= '9')) return false;
  }
  while (*p >= '0' && *p <= '9') {
    whole = whole * 10 + (*p - '0');
    if (whole > 604800) return false;
    p++;
  }
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') {
      if (fdigits < 3) {
        frac = frac * 10 + (*p - '0');
        fdigits++;
      } else if (*p != '0') {
        below_ms = true;
      }
      p++;
    }
  }
  if (*p) return false;
  while (fdigits < 3) {
    frac *= 10;
    fdigits++;
  }
  long long total = whole * 1000 + frac + (below_ms ? 1 : 0);
  if (total > 604800LL * 1000) return false;
  *ms = (int)total;
  return true;
}

static bool parse_long(const char *s, long min, long max, long *out) {
  const char *p = s;
  bool neg = false;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  if (*p < '0' || *p > '9') return false;
  long long v = 0;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (*p - '0');
    if (v > 10000000000LL) return false;
    p++;
  }
  if (*p) return false;
  if (neg) v = -v;
  if (v < min || v > max) return false;
  *out = (long)v;
  return true;
}

static bool is_address(const char *s) {
  if (strlen(s) != 17) return false;
  for (int i = 0; i < 17; i++) {
    char c = s[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool cli_parse_handle(const char *text, uint16_t *handle) {
  const char *p;
  if (text[0] == '#')
    p = text + 1;
  else if (text[0] == 'h' && text[1] >= '0' && text[1] <= '9')
    p = text + 1;
  else if (strncmp(text, "handle:", 7) == 0)
    p = text + 7;
  else
    return false;
  unsigned long v = 0;
  int base = 10;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (!*p) return false;
  for (; *p; p++) {
    int d;
    if (*p >= '0' && *p <= '9')
      d = *p - '0';
    else if (base == 16 && *p >= 'a' && *p <= 'f')
      d = *p - 'a' + 10;
    else if (base == 16 && *p >= 'A' && *p <= 'F')
      d = *p - 'A' + 10;
    else
      return false;
    v = v * (unsigned long)base + (unsigned long)d;
    if (v > 0xFFFF) return false;
  }
  if (v == 0) return false;
  *handle = (uint16_t)v;
  return true;
}

static int check_char(parse_state *ps, const char *what, const char *spec) {
  uint16_t h;
  blec_uuid u;
  if (cli_parse_handle(spec, &h)) return CLI_EXIT_OK;
  if (spec[0] == '#' || strncmp(spec, "handle:", 7) == 0)
    return fail(ps, "%s '%s' is not a handle: write #14, #0x0e, h14 or handle:14 (1 to 65535)",
                what, clip(spec).s);
  if (blec_uuid_parse(spec, &u) == BLEC_OK) return CLI_EXIT_OK;
  return fail(ps,
              "%s '%s' is neither a UUID (2a37, 0x2A37, 12345678, or 128-bit "
              "0000180d-0000-1000-8000-00805f9b34fb) nor a handle (#14, handle:14)",
              what, clip(spec).s);
}

/* ---- second pass: one option --------------------------------------------------------- */

static int apply(parse_state *ps, cli_args *a, const opt_item *it, unsigned *seen) {
  const cli_option_info *oi = cli_option(it->opt);
  const char *v = it->value;
  bool repeatable = it->opt == OPT_SERVICE || it->opt == OPT_VERBOSE;
  if (!repeatable && (*seen & CLI_OPTBIT(it->opt)))
    return fail(ps, "option --%s is given more than once", oi->long_name);
  *seen |= CLI_OPTBIT(it->opt);
  switch (it->opt) {
    case OPT_BACKEND:
      if (!*v) return fail(ps, "option --backend needs a backend name (virtual, winrt, bluez)");
      a->backend = v;
      break;
    case OPT_WORLD:
      if (!*v) return fail(ps, "option --world needs a file name");
      a->world = v;
      break;
    case OPT_ADAPTER: {
      /* The library's rule for a name (letters, digits, '-', '_'), checked here so that a
       * bad one is a usage error. */
      blec_ctx_options *o = blec_ctx_options_new();
      int st = o ? blec_ctx_options_set_adapter(o, v) : BLEC_ERR_NO_MEMORY;
      blec_ctx_options_free(o);
      if (st == BLEC_ERR_INVALID_ARG)
        return fail(ps, "option --adapter needs an adapter name such as hci0, not '%s'", clip(v).s);
      a->adapter = v;
      break;
    }
    case OPT_UUID_NAMES:
      if (!*v) return fail(ps, "option --uuid-names needs a file name");
      a->uuid_names = v;
      break;
    case OPT_TIMEOUT:
    case OPT_CONNECT_TIMEOUT: {
      int ms;
      if (!parse_seconds(v, &ms))
        return fail(ps,
                    "option --%s needs a number of seconds between 0 and 604800 (e.g. 10 or "
                    "2.5), got '%s'",
                    oi->long_name, clip(v).s);
      if (it->opt == OPT_TIMEOUT) {
        a->timeout_ms = ms;
        a->timeout_set = true;
      } else {
        if (ms == 0) return fail(ps, "option --connect-timeout must be more than 0 seconds");
        a->connect_timeout_ms = ms;
        a->connect_timeout_set = true;
      }
      break;
    }
    case OPT_JSON: a->json = true; break;
    case OPT_VERBOSE: a->verbose++; break;
    case OPT_HELP: a->help = true; break;
    case OPT_VERSION: a->version = true; break;
    case OPT_PASSIVE: a->passive = true; break;
    case OPT_SERVICE:
      if (a->service_count == CLI_MAX_SERVICES)
        return fail(ps, "more than %d --service options", CLI_MAX_SERVICES);
      if (blec_uuid_parse(v, &a->services[a->service_count]) != BLEC_OK)
        return fail(ps,
                    "option --service needs a UUID (180d, 0x180D, 12345678 or 128-bit), got "
                    "'%s'",
                    clip(v).s);
      a->service_count++;
      break;
    case OPT_NAME: a->name = v; break;
    case OPT_RSSI_MIN: {
      long r;
      if (!parse_long(v, -127, 20, &r))
        return fail(ps, "option --rssi-min needs a signal strength in dBm from -127 to 20 (e.g. "
                        "-70), got '%s'", clip(v).s);
      a->rssi_min = (int)r;
      a->rssi_min_set = true;
      break;
    }
    case OPT_NO_SCAN: a->no_scan = true; break;
    case OPT_PAIR:
    case OPT_PROTECTION: {
      if (it->opt == OPT_PAIR) a->pair = true;
      if (!v) break; /* --pair alone */
      blec_protection_level level;
      if (strcmp(v, "none") == 0)
        level = BLEC_PROTECTION_NONE;
      else if (strcmp(v, "encryption") == 0)
        level = BLEC_PROTECTION_ENCRYPTION;
      else if (strcmp(v, "authentication") == 0 || strcmp(v, "encryption-and-authentication") == 0)
        level = BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION;
      else
        return fail(ps, "option --%s needs none, encryption or authentication, got '%s'", oi->long_name,
                    clip(v).s);
      if (a->protection != BLEC_PROTECTION_DEFAULT && a->protection != level)
        return fail(ps, "--pair and --protection ask for different levels: give the level once");
      a->protection = level;
      break;
    }
    case OPT_TEXT: {
      char e[200];
      free(a->data);
      a->data = NULL;
      if (text_unescape(v, &a->data, &a->data_len, e, sizeof e) != 0)
        return fail(ps, "option --text: %s", e);
      a->text = true;
      break;
    }
    case OPT_NO_RESPONSE: a->no_response = true; break;
    case OPT_LISTEN: {
      int r = check_char(ps, "--listen", v);
      if (r) return r;
      a->listen = v;
      break;
    }
    case OPT_INDICATE: a->indicate = true; break;
    case OPT_ALL: a->all = true; break;
    case OPT_NO_HISTORY: a->no_history = true; break;
    case OPT_OUTPUT:
      if (!*v) return fail(ps, "option --output needs a file name");
      a->output = v;
      break;
    case OPT_DESCRIPTOR: {
      blec_uuid u;
      if (blec_uuid_parse(v, &u) != BLEC_OK)
        return fail(ps, "option --descriptor needs a descriptor UUID (such as 2901), got '%s'", clip(v).s);
      a->descriptor = v;
      break;
    }
    case OPT_COUNT: {
      long n;
      if (!parse_long(v, 1, 1000000000L, &n))
        return fail(ps, "option --count needs a whole number from 1 to 1000000000, got '%s'", clip(v).s);
      a->count = n;
      a->count_set = true;
      break;
    }
    case OPT_COUNT_: break;
  }
  return CLI_EXIT_OK;
}

/* ---- positional arguments ------------------------------------------------------------ */

static int positionals(parse_state *ps, cli_args *a, const cli_command_info *ci, char **pos,
                       int npos) {
  if (npos > ci->max_positional) {
    return fail(ps, "unexpected argument '%s' (usage: blec %s %s)", clip(pos[ci->max_positional]).s,
                ci->name, ci->synopsis);
  }
  switch (a->cmd) {
    case CMD_HELP:
      if (npos == 1) {
        a->help_topic = cli_command_lookup(pos[0]);
        if (a->help_topic == CMD_NONE) {
          const char *s = suggest_command(pos[0]);
          return fail(ps, "no command '%s'%s%s%s", clip(pos[0]).s, s ? "; did you mean '" : "",
                      s ? s : "", s ? "'?" : "");
        }
      }
      a->help = true;
      return CLI_EXIT_OK;
    case CMD_SCAN: return CLI_EXIT_OK;
    default: break;
  }
  if (npos >= 1 && !is_address(pos[0]))
    return fail(ps, "'%s' is not a device address: write it as AA:BB:CC:DD:EE:FF (six "
                    "hexadecimal pairs separated by ':')", clip(pos[0]).s);
  if (npos >= 2) {
    int r = check_char(ps, "CHAR", pos[1]);
    if (r) return r;
    a->chr = pos[1];
  }
  if (npos < ci->min_positional) {
    if (npos == 0)
      return fail(ps, "missing ADDR, the device address (AA:BB:CC:DD:EE:FF; 'blec scan' lists "
                      "them)");
    return fail(ps, "missing CHAR, the characteristic: a UUID such as 2a37 or a handle such "
                    "as #14 ('blec services ADDR' lists them)");
  }
  a->address = npos >= 1 ? pos[0] : NULL;
  if (a->cmd == CMD_WRITE) {
    if (npos == 3 && a->text)
      return fail(ps, "give the value either as HEX or with --text, not both");
    if (npos == 3) {
      char e[200];
      if (hex_parse(pos[2], &a->data, &a->data_len, e, sizeof e) != 0)
        return fail(ps, "HEX value '%s': %s", clip(pos[2]).s, e);
    } else if (!a->text) {
      return fail(ps, "missing the value to write: HEX (e.g. 0102ff) or --text STR");
    }
  }
  return CLI_EXIT_OK;
}

/* ---- whole command line -------------------------------------------------------------- */

static int check_combinations(parse_state *ps, const cli_args *a) {
  if (a->world && a->backend && strcmp(a->backend, "virtual") != 0)
    return fail(ps, "--world needs the virtual backend, not '%s'", clip(a->backend).s);
  if (a->timeout_set && a->timeout_ms == 0 && a->cmd != CMD_SCAN && a->cmd != CMD_NOTIFY)
    return fail(ps, "option --timeout must be more than 0 seconds");
  if (a->protection != BLEC_PROTECTION_DEFAULT && !a->pair && a->cmd != CMD_PAIR)
    return fail(ps, "--protection applies when pairing: add --pair, or run 'blec pair'");
  if (a->cmd == CMD_WRITE && a->count_set && !a->listen)
    return fail(ps, "--count applies to write only with --listen CHAR");
  if (a->cmd == CMD_RECORD && !a->output && !a->help)
    return fail(ps, "missing -o FILE, the world file to write");
  if (a->descriptor && a->no_response)
    return fail(ps, "a descriptor is always written with response: leave out --no-response");
  return CLI_EXIT_OK;
}

int cli_parse(int argc, char **argv, cli_args *a, char *err, size_t err_size) {
  memset(a, 0, sizeof *a);
  parse_state ps = {err, err_size, NULL};
  if (err_size) err[0] = 0;
  opt_item items[MAX_ITEMS];
  int nitems = 0;
  char *pos[MAX_POSITIONAL + 1];
  int npos = 0;
  bool only_positional = false;

  for (int i = 1; i < argc; i++) {
    char *arg = argv[i];
    if (!only_positional && strcmp(arg, "--") == 0) {
      only_positional = true;
      continue;
    }
    if (!only_positional && arg[0] == '-' && arg[1] == '-') {
      const char *name = arg + 2;
      const char *eq = strchr(name, '=');
      size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
      int o = lookup_long(name, nlen);
      if (o < 0) {
        char shown[40];
        snprintf(shown, sizeof shown, "%.*s", (int)(nlen < 32 ? nlen : 32), name);
        const char *s = suggest_option(shown);
        return fail(&ps, "unknown option '--%s'%s%s%s", clip(shown).s, s ? "; did you mean '--" : "",
                    s ? s : "", s ? "'?" : "");
      }
      const cli_option_info *oi = cli_option((cli_opt)o);
      const char *value = NULL;
      if (oi->values && !eq) {
        /* An optional value: only a word it accepts is taken from the next argument. */
        for (const char *const *v = oi->values; *v && !value && i + 1 < argc; v++)
          if (strcmp(argv[i + 1], *v) == 0) value = argv[++i];
      } else if (oi->arg_name) {
        if (eq) {
          value = eq + 1;
        } else if (i + 1 < argc) {
          value = argv[++i];
        } else {
          return fail(&ps, "option --%s needs a value (%s)", oi->long_name, oi->arg_name);
        }
      } else if (eq) {
        return fail(&ps, "option --%s takes no value", oi->long_name);
      }
      if (nitems == MAX_ITEMS) return fail(&ps, "too many options (more than %d)", MAX_ITEMS);
      items[nitems++] = (opt_item){(cli_opt)o, value, arg};
      continue;
    }
    if (!only_positional && arg[0] == '-' && arg[1] != 0) {
      for (const char *c = arg + 1; *c; c++) {
        int o = lookup_short(*c);
        if (o < 0) {
          if (*c >= 0x20 && *c < 0x7f)
            return fail(&ps, "unknown option '-%c'", *c);
          return fail(&ps, "unknown option in '%s'", clip(arg).s);
        }
        if (nitems == MAX_ITEMS) return fail(&ps, "too many options (more than %d)", MAX_ITEMS);
        const char *value = NULL;
        if (cli_option((cli_opt)o)->arg_name) {
          /* "-oFILE" or "-o FILE": the rest of the word, else the next argument */
          if (c[1]) {
            value = c + 1;
          } else if (i + 1 < argc) {
            value = argv[++i];
          } else {
            return fail(&ps, "option -%c needs a value (%s)", *c, cli_option((cli_opt)o)->arg_name);
          }
        }
        items[nitems++] = (opt_item){(cli_opt)o, value, arg};
        if (value) break;
      }
      continue;
    }
    if (a->cmd == CMD_NONE) {
      a->cmd = cli_command_lookup(arg);
      if (a->cmd == CMD_NONE) {
        const char *s = suggest_command(arg);
        return fail(&ps, "unknown command '%s'%s%s%s", clip(arg).s,
                    s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
      }
      ps.cmd_name = cli_command(a->cmd)->name;
      continue;
    }
    if (npos == MAX_POSITIONAL + 1)
      return fail(&ps, "unexpected argument '%s'", clip(arg).s);
    pos[npos++] = arg;
  }

  const cli_command_info *ci = cli_command(a->cmd);
  cli_optset allowed = CLI_COMMON_OPTIONS | (ci ? ci->options : CLI_OPTBIT(OPT_VERSION));
  unsigned seen = 0;
  for (int k = 0; k < nitems; k++) {
    if (!(allowed & CLI_OPTBIT(items[k].opt))) {
      const cli_option_info *oi = cli_option(items[k].opt);
      if (items[k].opt == OPT_VERSION)
        return fail(&ps, "--version goes before any command: blec --version");
      if (!ci)
        return fail(&ps, "option --%s belongs after a command", oi->long_name);
      /* name the commands that do take it */
      char which[128] = "";
      for (int c = CMD_NONE + 1; c < CMD_COUNT_; c++)
        if (cli_command((cli_cmd)c)->options & CLI_OPTBIT(items[k].opt)) {
          size_t l = strlen(which);
          snprintf(which + l, sizeof which - l, "%s%s", l ? ", " : "", cli_command((cli_cmd)c)->name);
        }
      return fail(&ps, "option --%s does not apply to %s (it is for: %s)", oi->long_name,
                  ci->name, which);
    }
    int r = apply(&ps, a, &items[k], &seen);
    if (r) return r;
  }

  if (a->help || a->version) {
    if (a->help && a->help_topic == CMD_NONE) a->help_topic = a->cmd;
    if (a->cmd == CMD_HELP && npos == 1) return positionals(&ps, a, ci, pos, npos);
    return CLI_EXIT_OK;
  }
  if (!ci) return fail(&ps, "no command given");
  int r = positionals(&ps, a, ci, pos, npos);
  if (r) return r;
  return check_combinations(&ps, a);
}

void cli_args_free(cli_args *a) {
  free(a->data);
  a->data = NULL;
  a->data_len = 0;
}
