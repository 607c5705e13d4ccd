/* SPDX-License-Identifier: MIT */
/*
 * layout.c — runs under Wine through scripts/wine-run.sh: checks that the Wine process runs
 * with the kernel's address randomization off, so that the loader's C heap (brk) starts
 * right above the loader (0x7d000000) and cannot reach the shared user data page at
 * 0x7ffe0000 that Wine maps for every process. With randomization on, the heap starts
 * anywhere in the gigabyte above the loader, over that page about once in 7 700 starts, and
 * Wine ends the process before main ("failed to map the shared user data: c0000018").
 * The process finds its own /proc files (through Wine's Z: drive) by the argument TOKEN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

enum {
  PERSONALITY_ADDR_NO_RANDOMIZE = 0x0040000, /* <linux/personality.h> */
};

/* Where Debian's wine64 is linked, and the page Wine needs free. */
static const unsigned long long WINE_LOADER_BASE = 0x7d000000ull;
static const unsigned long long SHARED_USER_DATA = 0x7ffe0000ull;
/* An unrandomized heap starts within this distance of the loader's start (its image is a
 * few pages); a randomized one lands farther with probability 1 - 16 MB / 1 GB. */
static const unsigned long long HEAP_NEAR = 16ull << 20;

/* Reads a whole small file (Wine opens it in the wineserver, which passes the descriptor on:
 * "/proc/self" there would be the wineserver, so the test names its process by number). */
static size_t read_file(const char *path, char *buf, size_t cap) {
  size_t n;
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  return n;
}

/* Whether a command line is a Wine process's: Wine rewrites its argv, which then starts with
 * the Windows program's path (the wrapper scripts that pass the token on start with bash). */
static int is_wine_process(const char *cmd) {
  size_t n = strlen(cmd);
  return n > 4 && _stricmp(cmd + n - 4, ".exe") == 0;
}

/* Whether the NUL-separated command line holds the argument `token`. */
static int cmdline_has(const char *cmd, size_t n, const char *token) {
  size_t i = 0;
  while (i < n) {
    if (strcmp(cmd + i, token) == 0)
      return 1;
    i += strlen(cmd + i) + 1;
  }
  return 0;
}

/* Checks one Wine process; returns 0 when its layout is fixed. */
static int check_process(const char *pid) {
  static char buf[1 << 16];
  char path[MAX_PATH];
  char *line;
  unsigned long long personality = 0, heap_start = 0, heap_end = 0;
  snprintf(path, sizeof path, "Z:\\proc\\%s\\personality", pid);
  if (!read_file(path, buf, sizeof buf) || sscanf(buf, "%llx", &personality) != 1) {
    fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  if (!(personality & PERSONALITY_ADDR_NO_RANDOMIZE)) {
    fprintf(stderr, "process %s: personality %llx, address randomization is on\n", pid, personality);
    return 1;
  }
  snprintf(path, sizeof path, "Z:\\proc\\%s\\maps", pid);
  if (!read_file(path, buf, sizeof buf)) {
    fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  /* The heap's line: its start, from the beginning of that line. */
  line = strstr(buf, "[heap]");
  if (line) {
    while (line > buf && line[-1] != '\n')
      line--;
    if (sscanf(line, "%llx-%llx", &heap_start, &heap_end) != 2)
      heap_start = heap_end = 0;
  }
  if (heap_end) {
    if (heap_start < WINE_LOADER_BASE || heap_start - WINE_LOADER_BASE > HEAP_NEAR) {
      fprintf(stderr, "process %s: the heap starts at %llx, not right above the loader at %llx\n", pid,
              heap_start, WINE_LOADER_BASE);
      return 1;
    }
    if (heap_end > SHARED_USER_DATA) {
      fprintf(stderr, "process %s: the heap (%llx-%llx) reaches the shared user data at %llx\n", pid,
              heap_start, heap_end, SHARED_USER_DATA);
      return 1;
    }
  }
  printf("ok: process %s, personality %llx, heap %llx-%llx\n", pid, personality, heap_start, heap_end);
  return 0;
}

int main(int argc, char **argv) {
  static char cmd[1 << 16];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int found = 0, failed = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: wine_layout TOKEN (an argument that names this process among /proc's)\n");
    return 2;
  }
  h = FindFirstFileA("Z:\\proc\\*", &fd);
  if (h == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "cannot list Z:\\proc (error %lu)\n", (unsigned long)GetLastError());
    return 1;
  }
  do {
    char path[MAX_PATH];
    size_t n;
    if (strspn(fd.cFileName, "0123456789") != strlen(fd.cFileName))
      continue;
    snprintf(path, sizeof path, "Z:\\proc\\%s\\cmdline", fd.cFileName);
    n = read_file(path, cmd, sizeof cmd);
    if (n && is_wine_process(cmd) && cmdline_has(cmd, n, argv[1])) {
      found++;
      failed |= check_process(fd.cFileName);
    }
  } while (FindNextFileA(h, &fd));
  FindClose(h);
  if (!found) {
    fprintf(stderr, "no Wine process in Z:\\proc has the argument %s\n", argv[1]);
    return 1;
  }
  return failed;
}
