/* SPDX-License-Identifier: MIT */
/*
 * stack.c — the table of simulated stacks this build has. Each stack lives in its own
 * file (stack_<backend>.c) that the suite's CMakeLists.txt adds, with
 * BLEC_TEST_STACK_<BACKEND>=1, only where that stack can run.
 */
#include <stddef.h>
#include <string.h>

#include "stack.h"

#if defined(BLEC_TEST_STACK_WINRT) && BLEC_TEST_STACK_WINRT
extern const fx_stack fx_stack_winrt;
#endif
#if defined(BLEC_TEST_STACK_BLUEZ) && BLEC_TEST_STACK_BLUEZ
extern const fx_stack fx_stack_bluez;
#endif

static const fx_stack *const stacks[] = {
#if defined(BLEC_TEST_STACK_WINRT) && BLEC_TEST_STACK_WINRT
    &fx_stack_winrt,
#endif
#if defined(BLEC_TEST_STACK_BLUEZ) && BLEC_TEST_STACK_BLUEZ
    &fx_stack_bluez,
#endif
    NULL};

const fx_stack *fx_stack_for_backend(const char *backend) {
  for (size_t i = 0; stacks[i]; i++)
    if (!strcmp(stacks[i]->backend, backend)) return stacks[i];
  return NULL;
}
