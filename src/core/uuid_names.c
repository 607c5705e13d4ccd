/* SPDX-License-Identifier: MIT */
/*
 * uuid_names.c — names a program registers for its vendor UUIDs (bleak's
 * register_uuids): blec_uuid_description, and so every description blec prints, finds
 * them before the assigned numbers.
 *
 * The registry is process-wide and read far more often than written: readers take an
 * immutable snapshot (one atomic load, no lock); a registration copies the table under a
 * spin flag and publishes the new one. Names and old tables are never freed (a
 * description is static text for the whole process); they stay reachable from `retired`,
 * so a leak checker sees them as in use. The size is bounded.
 *
 * Names file (blec_uuid_register_names): one "UUID  description" a line; the UUID in any
 * blec_uuid_parse form; blanks around are trimmed; '#' starts a comment line; the
 * description is valid UTF-8 without control characters, at most 120 bytes.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

enum { MAX_NAMES = 4096, MAX_NAME_BYTES = 120 };

typedef struct entry {
  blec_uuid uuid;
  const char *name;
} entry;

typedef struct table {
  struct table *retired; /* the table this one replaced (kept: readers may hold it) */
  size_t n;
  entry e[];
} table;

static _Atomic(table *) current;
static atomic_flag writing = ATOMIC_FLAG_INIT;

/* Names live as long as the process: kept in a chain of blocks reachable from here. */
typedef struct name_block {
  struct name_block *next;
  char text[];
} name_block;
static name_block *names;

const char *blec__uuid_registered_name(const blec_uuid *u) {
  table *t = atomic_load_explicit(&current, memory_order_acquire);
  if (!t || !u) return NULL;
  for (size_t i = 0; i < t->n; i++)
    if (memcmp(t->e[i].uuid.b, u->b, 16) == 0) return t->e[i].name;
  return NULL;
}

static void lock(void) {
  while (atomic_flag_test_and_set_explicit(&writing, memory_order_acquire)) {
  }
}
static void unlock(void) { atomic_flag_clear_explicit(&writing, memory_order_release); }

/* NULL when `name` (n bytes) is fit to be a description, else why not. */
static const char *name_problem(const char *name, size_t n) {
  if (n == 0) return "the description is empty";
  if (n > MAX_NAME_BYTES) return "the description is longer than 120 bytes";
  const unsigned char *s = (const unsigned char *)name;
  for (size_t i = 0; i < n;) {
    if (s[i] < 0x20 || s[i] == 0x7F) return "the description holds a control character";
    size_t k = blec__utf8_len(s + i, n - i);
    if (k == 0) return "the description is not valid UTF-8";
    if (k == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0) return "the description holds a control character";
    i += k;
  }
  return NULL;
}

static int register_n(const blec_uuid *uuid, const char *name, size_t n) {
  name_block *b = malloc(sizeof *b + n + 1);
  if (!b) return BLEC_ERR_NO_MEMORY;
  memcpy(b->text, name, n);
  b->text[n] = '\0';
  lock();
  table *old = atomic_load_explicit(&current, memory_order_relaxed);
  size_t have = old ? old->n : 0;
  size_t at = have;
  for (size_t i = 0; old && i < have; i++)
    if (memcmp(old->e[i].uuid.b, uuid->b, 16) == 0) at = i;
  size_t count = at == have ? have + 1 : have;
  table *t = count <= MAX_NAMES ? malloc(sizeof *t + count * sizeof(entry)) : NULL;
  if (!t) {
    unlock();
    free(b);
    return BLEC_ERR_NO_MEMORY; /* out of memory, or MAX_NAMES reached */
  }
  if (have) memcpy(t->e, old->e, have * sizeof(entry));
  t->e[at].uuid = *uuid;
  t->e[at].name = b->text;
  t->n = count;
  t->retired = old;
  b->next = names;
  names = b;
  atomic_store_explicit(&current, t, memory_order_release);
  unlock();
  return BLEC_OK;
}

int blec_uuid_register_name(const blec_uuid *uuid, const char *description) {
  if (!uuid || !description || name_problem(description, strlen(description))) return BLEC_ERR_INVALID_ARG;
  return register_n(uuid, description, strlen(description));
}

/* ---- the names file -------------------------------------------------------------------- */

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int blec__uuid_names_parse(const char *text, size_t len, blec__uuid_name_fn fn, void *user, blec_error *err) {
  blec_error_clear(err);
  if (!text && len) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "text is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  size_t pos = 0;
  for (int line = 1; pos < len; line++) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    size_t a = pos, z = end;
    pos = nl ? end + 1 : len;
    while (a < z && blank(text[a])) a++;
    while (z > a && blank(text[z - 1])) z--;
    if (a == z || text[a] == '#') continue;
    size_t u_end = a;
    while (u_end < z && !blank(text[u_end])) u_end++;
    char utext[48];
    blec_uuid uuid;
    size_t ulen = u_end - a;
    bool uuid_ok = ulen < sizeof utext;
    if (uuid_ok) {
      memcpy(utext, text + a, ulen);
      utext[ulen] = '\0';
      uuid_ok = !memchr(utext, '\0', ulen) && blec_uuid_parse(utext, &uuid) == BLEC_OK;
    }
    if (!uuid_ok) {
      blec__error_set(err, BLEC_ERR_PARSE, "line %d: '%.40s' is not a UUID (180d, 12345678 or 128-bit)", line,
                      ulen < sizeof utext ? utext : "a long word");
      return BLEC_ERR_PARSE;
    }
    size_t d = u_end;
    while (d < z && blank(text[d])) d++;
    const char *why = memchr(text + d, '\0', z - d) ? "the description holds a NUL byte" : name_problem(text + d, z - d);
    if (why) {
      blec__error_set(err, BLEC_ERR_PARSE, "line %d: %s (write: UUID description)", line, why);
      return BLEC_ERR_PARSE;
    }
    if (fn) {
      int st = fn(user, &uuid, text + d, z - d);
      if (st != BLEC_OK) {
        blec__error_set(err, st, "line %d: %s", line, blec_strerror(st));
        return st;
      }
    }
  }
  return BLEC_OK;
}

static int register_entry(void *user, const blec_uuid *uuid, const char *name, size_t n) {
  (void)user;
  return register_n(uuid, name, n);
}

int blec_uuid_register_names(const char *text, blec_error *err) {
  if (!text) {
    blec_error_clear(err);
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "text is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  /* All or nothing: check every line before registering any. */
  int st = blec__uuid_names_parse(text, strlen(text), NULL, NULL, err);
  if (st != BLEC_OK) return st;
  return blec__uuid_names_parse(text, strlen(text), register_entry, NULL, err);
}

int blec_uuid_register_names_file(const char *path, blec_error *err) {
  blec_error_clear(err);
  if (!path) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "path is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    blec__error_set(err, BLEC_ERR_IO, "%.150s: cannot open the file", path);
    return BLEC_ERR_IO;
  }
  enum { MAX_FILE = MAX_NAMES * 200 };
  char *text = malloc(MAX_FILE + 1);
  size_t n = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
  bool bad = ferror(f) != 0;
  fclose(f);
  int st = BLEC_OK;
  if (!text) {
    st = BLEC_ERR_NO_MEMORY;
    blec__error_set(err, st, "%.150s: no memory to read it", path);
  } else if (bad || n > MAX_FILE) {
    st = BLEC_ERR_IO;
    blec__error_set(err, st, "%.150s: %s", path, bad ? "cannot read the file" : "the file is too large");
  } else if (memchr(text, '\0', n)) {
    st = BLEC_ERR_PARSE;
    blec__error_set(err, st, "%.150s: the file holds NUL bytes (not text)", path);
  } else {
    text[n] = '\0';
    st = blec_uuid_register_names(text, err);
    if (st != BLEC_OK && err) {
      char m[sizeof err->message];
      snprintf(m, sizeof m, "%.60s: %.120s", path, err->message);
      memcpy(err->message, m, sizeof m);
    }
  }
  free(text);
  return st;
}
