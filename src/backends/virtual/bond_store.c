/* SPDX-License-Identifier: MIT */
/* bond_store.c — see bond_store.h. */
#include "backends/virtual/bond_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/core.h"
#include "core/threads.h"
#include "world/world_stack.h"

#define HEADER "blec-bonds 1"
#define FILE_NAME "virtual-bonds"
/* A store holds a handful of bonds; more than this in one file is not a store of ours. */
enum { MAX_TEXT = 1 << 20 };

static const char *const level_names[] = {
    [BLEC_PROTECTION_NONE] = "none",
    [BLEC_PROTECTION_ENCRYPTION] = "encryption",
    [BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION] = "authentication",
};

static int level_parse(const char *s, size_t n) {
  for (int l = BLEC_PROTECTION_NONE; l <= BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION; l++)
    if (strlen(level_names[l]) == n && memcmp(level_names[l], s, n) == 0) return l;
  return -1;
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* ---- parsing --------------------------------------------------------------------------- */

int blec__vbonds_parse(const char *text, size_t len, blec__vbonds_entry_fn fn, void *user) {
  if (!text) return len ? BLEC_ERR_INVALID_ARG : BLEC_OK;
  if (memchr(text, '\0', len)) return BLEC_ERR_PARSE;
  bool header = false;
  size_t pos = 0;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    size_t a = pos, b = end;
    pos = nl ? end + 1 : len;
    while (a < b && blank(text[a])) a++;
    while (b > a && blank(text[b - 1])) b--;
    if (a == b || text[a] == '#') continue;
    if (!header) {
      if (b - a != strlen(HEADER) || memcmp(text + a, HEADER, b - a) != 0) return BLEC_ERR_PARSE;
      header = true;
      continue;
    }
    /* "ADDRESS LEVEL" */
    size_t sp = a;
    while (sp < b && !blank(text[sp])) sp++;
    size_t lv = sp;
    while (lv < b && blank(text[lv])) lv++;
    char addr_in[BLEC_ADDR_STRLEN], addr[BLEC_ADDR_STRLEN];
    if (sp - a != BLEC_ADDR_STRLEN - 1 || lv == b) return BLEC_ERR_PARSE;
    memcpy(addr_in, text + a, sp - a);
    addr_in[sp - a] = '\0';
    if (blec__address_normalize(addr_in, addr) != BLEC_OK) return BLEC_ERR_PARSE;
    int level = level_parse(text + lv, b - lv);
    if (level < 0) return BLEC_ERR_PARSE;
    if (fn) fn(user, addr, level);
  }
  return BLEC_OK;
}

/* ---- the file ------------------------------------------------------------------------------ */

bool blec__vbonds_path(const char *option, char *buf, size_t size) {
  const char *chosen = option ? option : getenv("BLEC_BOND_STORE");
  if (chosen) {
    if (!chosen[0] || strcmp(chosen, "off") == 0) return false;
    int n = snprintf(buf, size, "%s", chosen);
    return n > 0 && (size_t)n < size;
  }
  char dir[BLEC__VBONDS_PATH_MAX];
  if (!blec__user_state_dir(dir, sizeof dir)) return false;
  int n = snprintf(buf, size, "%s/%s", dir, FILE_NAME);
  return n > 0 && (size_t)n < size;
}

/* The whole file as a NUL-terminated string (NULL when absent or unreadable). */
static char *read_text(blec_ctx *ctx, const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL; /* no store yet */
  char *buf = malloc(MAX_TEXT + 1);
  size_t n = buf ? fread(buf, 1, MAX_TEXT + 1, f) : 0;
  bool bad = ferror(f) || n > MAX_TEXT;
  fclose(f);
  if (!buf || bad) {
    blec__log(ctx, BLEC_LOG_DEBUG, "bond store %s: cannot read it%s", path, n > MAX_TEXT ? " (too large)" : "");
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

typedef struct entry {
  char address[BLEC_ADDR_STRLEN];
  int level;
} entry;

typedef struct entries {
  entry *v;
  size_t n;
  bool failed;
} entries;

static void put(entries *e, const char *address, int level) {
  size_t i = 0;
  while (i < e->n && strcmp(e->v[i].address, address) != 0) i++;
  if (level < 0) { /* removal */
    if (i < e->n) e->v[i] = e->v[--e->n];
    return;
  }
  if (i == e->n) {
    entry *v = realloc(e->v, (e->n + 1) * sizeof *v);
    if (!v) {
      e->failed = true;
      return;
    }
    e->v = v;
    e->n++;
    memcpy(e->v[i].address, address, BLEC_ADDR_STRLEN);
  }
  e->v[i].level = level;
}

static void collect(void *user, const char *address, int level) { put(user, address, level); }

/* The store's entries; a malformed file counts as empty (and is replaced on the next save). */
static void load_entries(blec_ctx *ctx, const char *path, entries *e) {
  memset(e, 0, sizeof *e);
  size_t len = 0;
  char *text = read_text(ctx, path, &len);
  if (!text) return;
  if (blec__vbonds_parse(text, len, collect, e) != BLEC_OK) {
    blec__log(ctx, BLEC_LOG_WARNING, "bond store %s is malformed: its bonds are ignored", path);
    free(e->v);
    memset(e, 0, sizeof *e);
  }
  free(text);
}

void blec__vbonds_load(blec_ctx *ctx, const char *path, blec_world *world) {
  entries e;
  load_entries(ctx, path, &e);
  for (size_t i = 0; i < e.n; i++) blec__world_set_bond(world, e.v[i].address, e.v[i].level);
  free(e.v);
}

/* The directory part of path ("" when it has none). */
static void dir_of(const char *path, char *dir, size_t size) {
  const char *slash = strrchr(path, '/');
  const char *back = strrchr(path, '\\');
  if (back && (!slash || back > slash)) slash = back;
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n >= size) n = 0;
  memcpy(dir, path, n);
  dir[n] = '\0';
}

void blec__vbonds_save(blec_ctx *ctx, const char *path, const char *address, int level) {
  entries e;
  load_entries(ctx, path, &e);
  put(&e, address, level);
  if (e.failed) {
    blec__log(ctx, BLEC_LOG_DEBUG, "bond store %s: out of memory", path);
    free(e.v);
    return;
  }
  char dir[BLEC__VBONDS_PATH_MAX], tmp[BLEC__VBONDS_PATH_MAX + 32];
  dir_of(path, dir, sizeof dir);
  if (dir[0] && blec__make_dirs(dir) != BLEC_OK)
    blec__log(ctx, BLEC_LOG_DEBUG, "bond store: cannot create the directory %s", dir);
  snprintf(tmp, sizeof tmp, "%s.%lu.tmp", path, blec__process_id());
  FILE *f = fopen(tmp, "wb");
  bool ok = f != NULL;
  if (ok) {
    ok = fprintf(f, "# Bonds of blec's virtual backend (its simulated OS's pairings).\n" HEADER "\n") > 0;
    for (size_t i = 0; ok && i < e.n; i++) ok = fprintf(f, "%s %s\n", e.v[i].address, level_names[e.v[i].level]) > 0;
    ok = (fclose(f) == 0) && ok;
  }
  if (!ok || blec__file_replace(tmp, path) != BLEC_OK) {
    blec__log(ctx, BLEC_LOG_DEBUG, "bond store %s: cannot write it; the bond lasts as long as the world", path);
    remove(tmp);
  }
  free(e.v);
}
