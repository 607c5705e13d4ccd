/* SPDX-License-Identifier: MIT */
/*
 * cmd_scan.c — `blec scan`: live lines as devices appear and change, then a summary.
 *
 * The detection callback (library dispatch thread) keeps the table of devices and prints
 * the live lines; the main thread sleeps in short steps until the time is up, Ctrl-C, or
 * a scan error, then stops the scanner and prints the summary. The table is guarded by a
 * spin lock (C11 atomic_flag: portable, and contention is nil).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "advout.h"
#include "commands.h"
#include "exitcodes.h"
#include "format.h"
#include "hex.h"
#include "json.h"
#include "plat.h"
#include "session.h"
#include "sig.h"

enum { DEFAULT_SCAN_MS = 5000, STEP_MS = 50 };

typedef struct seen {
  char address[BLEC_ADDR_STRLEN];
  char *signature; /* what the advertisement carries, RSSI aside: a change prints a line */
  char *name;
  char *words;
  int rssi;
  bool connectable;
} seen;

typedef struct scan_state {
  const cli_args *a;
  atomic_flag lock;
  seen *devs;
  size_t count, cap;
  uint64_t start_ms;
  atomic_bool failed; /* the scan stopped by itself */
  blec_error error;   /* why (written before failed is set) */
} scan_state;

static void lock(scan_state *st) {
  while (atomic_flag_test_and_set_explicit(&st->lock, memory_order_acquire)) plat_sleep_ms(1);
}
static void unlock(scan_state *st) { atomic_flag_clear_explicit(&st->lock, memory_order_release); }

static char *dup_str(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

/* Case-insensitive ASCII substring test. */
static bool contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i]) {
      char x = hay[i], y = needle[i];
      if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
      if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
      if (x != y) break;
      i++;
    }
    if (i == n) return true;
  }
  return n == 0;
}

static void signature(strbuf *b, const blec_adv *adv, const char *name) {
  strbuf_printf(b, "n=%s;c=%d;", name ? name : "", blec_adv_connectable(adv));
  int tx;
  if (blec_adv_tx_power(adv, &tx)) strbuf_printf(b, "t=%d;", tx);
  uint16_t app;
  if (blec_adv_appearance(adv, &app)) strbuf_printf(b, "a=%u;", app);
  size_t n = blec_adv_service_uuid_count(adv);
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    char ub[BLEC_UUID_STRLEN];
    if (blec_adv_service_uuid_at(adv, i, &u) == BLEC_OK)
      strbuf_printf(b, "u=%s;", blec_uuid_to_string(&u, ub));
  }
  n = blec_adv_manufacturer_count(adv);
  for (size_t i = 0; i < n; i++) {
    uint16_t c;
    const uint8_t *d;
    size_t len;
    if (blec_adv_manufacturer_at(adv, i, &c, &d, &len) != BLEC_OK) continue;
    strbuf_printf(b, "m=%u:", c);
    hex_append_compact(b, d, len);
    strbuf_putc(b, ';');
  }
  n = blec_adv_service_data_count(adv);
  for (size_t i = 0; i < n; i++) {
    blec_uuid u;
    const uint8_t *d;
    size_t len;
    char ub[BLEC_UUID_STRLEN];
    if (blec_adv_service_data_at(adv, i, &u, &d, &len) != BLEC_OK) continue;
    strbuf_printf(b, "s=%s:", blec_uuid_to_string(&u, ub));
    hex_append_compact(b, d, len);
    strbuf_putc(b, ';');
  }
}

/* The kind of the packet a report came from, as the Core specification names it. */
static const char *packet_name(blec_adv_type t) {
  switch (t) {
    case BLEC_ADV_IND: return "ADV_IND";
    case BLEC_ADV_DIRECT_IND: return "ADV_DIRECT_IND";
    case BLEC_ADV_SCAN_IND: return "ADV_SCAN_IND";
    case BLEC_ADV_NONCONN_IND: return "ADV_NONCONN_IND";
    case BLEC_ADV_SCAN_RSP: return "SCAN_RSP";
    default: return "unknown";
  }
}

static void print_live(const scan_state *st, const char *event, const blec_device *dev,
                       const blec_adv *adv, const seen *s) {
  if (st->a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", event);
    json_num(&j, "time_s", (double)(plat_now_ms() - st->start_ms) / 1000.0, 3);
    json_str(&j, "packet", packet_name(blec_adv_last_type(adv)));
    advout_json(&j, dev, adv);
    json_end_line(&j, stdout);
    return;
  }
  strbuf line;
  strbuf_init(&line);
  const char *tag = strcmp(event, "new") == 0 ? "NEW" : strcmp(event, "update") == 0 ? "CHG" : "ADV";
  strbuf_printf(&line, "[%s] %s %4d dBm  ", tag, s->address, s->rssi);
  if (s->name) {
    strbuf_putc(&line, '"');
    esc_append(&line, s->name);
    strbuf_putc(&line, '"');
  } else {
    strbuf_append(&line, "(no name)");
  }
  if (s->words && s->words[0]) {
    strbuf_append(&line, "  ");
    esc_append(&line, s->words);
  }
  if (!s->connectable) strbuf_append(&line, "  [not connectable]");
  strbuf_putc(&line, '\n');
  fputs(line.s, stdout);
  fflush(stdout);
  strbuf_free(&line);
}

static void on_detect(blec_scanner *scanner, blec_device *dev, const blec_adv *adv, void *user) {
  (void)scanner;
  scan_state *st = user;
  const cli_args *a = st->a;
  int rssi = blec_adv_rssi(adv);
  if (a->rssi_min_set && rssi < a->rssi_min) return;
  const char *name = blec_adv_local_name(adv);
  if (!name) name = blec_device_name(dev);
  if (a->name && !(name && contains_ci(name, a->name))) return;

  strbuf sig;
  strbuf_init(&sig);
  signature(&sig, adv, name);
  const char *addr = blec_device_address(dev);

  lock(st);
  seen *s = NULL;
  for (size_t i = 0; i < st->count; i++)
    if (strcmp(st->devs[i].address, addr) == 0) s = &st->devs[i];
  const char *event = NULL;
  if (!s) {
    if (st->count == st->cap) {
      size_t cap = st->cap ? st->cap * 2 : 32;
      seen *p = realloc(st->devs, cap * sizeof *p);
      if (!p) goto done;
      st->devs = p;
      st->cap = cap;
    }
    s = &st->devs[st->count++];
    memset(s, 0, sizeof *s);
    snprintf(s->address, sizeof s->address, "%s", addr);
    event = "new";
  } else if (!s->signature || strcmp(s->signature, sig.s) != 0) {
    event = "update";
  } else if (a->all) {
    event = "adv"; /* --all: unchanged, printed all the same */
  }
  s->rssi = rssi;
  if (event) {
    strbuf words;
    strbuf_init(&words);
    format_adv_words(&words, adv);
    free(s->signature);
    free(s->name);
    free(s->words);
    s->signature = strbuf_take(&sig);
    s->name = dup_str(name);
    s->words = strbuf_take(&words);
    s->connectable = blec_adv_connectable(adv);
    print_live(st, event, dev, adv, s);
  }
done:
  unlock(st);
  strbuf_free(&sig);
}

static void on_scan_error(blec_scanner *scanner, const blec_error *err, void *user) {
  (void)scanner;
  scan_state *st = user;
  if (atomic_load(&st->failed)) return;
  st->error = *err;
  atomic_store(&st->failed, true);
}

static void print_summary(const scan_state *st, uint64_t elapsed_ms, bool interrupted) {
  const cli_args *a = st->a;
  if (a->json) {
    json_obj j;
    json_begin(&j);
    json_str(&j, "event", "summary");
    json_int(&j, "devices", (long long)st->count);
    json_num(&j, "duration_s", (double)elapsed_ms / 1000.0, 3);
    json_str(&j, "mode", a->passive ? "passive" : "active");
    json_bool(&j, "interrupted", interrupted);
    json_begin_array(&j, "addresses");
    for (size_t i = 0; i < st->count; i++) json_str(&j, NULL, st->devs[i].address);
    json_end_array(&j);
    json_end_line(&j, stdout);
    return;
  }
  size_t connectable = 0;
  for (size_t i = 0; i < st->count; i++) connectable += st->devs[i].connectable;
  printf("\n%s scan %s after %.1f s: %zu device%s (%zu connectable).\n",
         a->passive ? "Passive" : "Active", interrupted ? "interrupted" : "finished",
         (double)elapsed_ms / 1000.0, st->count, st->count == 1 ? "" : "s", connectable);
  if (st->count) printf("  %-17s  %4s  %-24s  %s\n", "ADDRESS", "RSSI", "NAME", "ADVERTISES");
  for (size_t i = 0; i < st->count; i++) {
    const seen *s = &st->devs[i];
    printf("  %-17s  %4d  %-24s  %s\n", s->address, s->rssi, s->name ? esc(s->name).s : "-",
           s->words && s->words[0] ? esc(s->words).s : "-");
  }
  fflush(stdout);
}

int cmd_scan(const cli_args *a) {
  cli_session s;
  int rc = session_begin(&s, a);
  if (rc != CLI_EXIT_OK) {
    session_end(&s);
    return rc;
  }
  scan_state st;
  memset(&st, 0, sizeof st);
  st.a = a;
  atomic_flag_clear(&st.lock);
  atomic_init(&st.failed, false);

  blec_scan_options *opts = blec_scan_options_new();
  blec_scanner *scanner = NULL;
  if (!opts) {
    rc = session_fail_status(&s, "scan", BLEC_ERR_NO_MEMORY, NULL);
    goto out;
  }
  blec_scan_options_set_mode(opts, a->passive ? BLEC_SCAN_PASSIVE : BLEC_SCAN_ACTIVE);
  for (size_t i = 0; i < a->service_count; i++) blec_scan_options_add_service_uuid(opts, &a->services[i]);
  int status = blec_scanner_new(s.ctx, opts, on_detect, &st, &scanner);
  if (status != BLEC_OK) {
    rc = session_fail_status(&s, "scan", status, NULL);
    goto out;
  }
  blec_scanner_set_error_callback(scanner, on_scan_error, &st);

  blec_error err;
  blec_error_clear(&err);
  st.start_ms = plat_now_ms();
  status = blec_scanner_start(scanner, &err);
  if (status != BLEC_OK) {
    if (err.status == BLEC_OK) err.status = status;
    rc = session_fail(&s, "scan", &err);
    goto out;
  }
  int duration = a->timeout_set ? a->timeout_ms : DEFAULT_SCAN_MS;
  if (!a->json) {
    if (duration)
      fprintf(stderr, "Scanning (%s) for %.1f s; Ctrl-C stops.\n", a->passive ? "passive" : "active",
              duration / 1000.0);
    else
      fprintf(stderr, "Scanning (%s) until Ctrl-C.\n", a->passive ? "passive" : "active");
  }
  while (!sig_interrupted() && !atomic_load(&st.failed)) {
    uint64_t elapsed = plat_now_ms() - st.start_ms;
    if (duration && elapsed >= (uint64_t)duration) break;
    int step = STEP_MS;
    if (duration && (uint64_t)duration - elapsed < (uint64_t)step) step = (int)((uint64_t)duration - elapsed);
    plat_sleep_ms(step);
  }
  if (blec_scanner_is_scanning(scanner)) blec_scanner_stop(scanner);
  uint64_t elapsed = plat_now_ms() - st.start_ms;

  lock(&st);
  if (atomic_load(&st.failed)) {
    blec_error e = st.error;
    if (e.status == BLEC_OK) e.status = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
    print_summary(&st, elapsed, false);
    rc = session_fail(&s, "scan stopped", &e);
  } else {
    print_summary(&st, elapsed, sig_interrupted());
    rc = sig_interrupted() ? CLI_EXIT_INTERRUPTED : CLI_EXIT_OK;
  }
  unlock(&st);

out:
  blec_scanner_free(scanner);
  blec_scan_options_free(opts);
  session_end(&s);
  for (size_t i = 0; i < st.count; i++) {
    free(st.devs[i].signature);
    free(st.devs[i].name);
    free(st.devs[i].words);
  }
  free(st.devs);
  return rc;
}
