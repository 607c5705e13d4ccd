/* SPDX-License-Identifier: MIT */
/*
 * main.c — runs one test case by name: sim_winrt_tests <case>. The process joins the
 * multi-threaded apartment first (a case that wants an STA thread makes one).
 */
#include "sim_test.h"


static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
#define SIM_TEST(name) {#name, test_##name},
#include "cases.h"
#undef SIM_TEST
};

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sim_winrt_tests <case>\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) fprintf(stderr, "  %s\n", cases[i].name);
    return 2;
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (strcmp(cases[i].name, argv[1]) == 0) {
      CHECK_HR(RoInitialize(RO_INIT_MULTITHREADED));
      DWORD t0 = GetTickCount();
      cases[i].fn();
      t_log("PASS %s (%lu ms)", cases[i].name, (unsigned long)(GetTickCount() - t0));
      /* No RoUninitialize: worker threads of the stack may still be finishing releases. */
      return 0;
    }
  }
  fprintf(stderr, "unknown case %s\n", argv[1]);
  return 2;
}
