/* SPDX-License-Identifier: MIT */
/*
 * list_winrt.c — blec-bench-winrt: the end-to-end benchmarks on the virtual backend and
 * on the WinRT backend over the simulated Windows stack, side by side (one process under
 * Wine, both on blec's shared library: the simulator DLL uses the same world engine).
 */
#include "bench.h"

extern const bench_stack bench_stack_winrt; /* stack_winrt.c */

const char bench_program[] = "blec-bench-winrt";

const bench_entry bench_list[] = {
    {"adv.e2e", bench_adv_e2e, BENCH_RUNS_PER_STACK},
    {"notify.e2e", bench_notify_e2e, BENCH_RUNS_PER_STACK},
    {"read", bench_read, BENCH_RUNS_PER_STACK},
    {"connect", bench_connect_discover, BENCH_RUNS_PER_STACK},
};
const size_t bench_list_count = sizeof bench_list / sizeof bench_list[0];

const bench_stack *const bench_stacks[] = {&bench_stack_virtual, &bench_stack_winrt};
const size_t bench_stacks_count = sizeof bench_stacks / sizeof bench_stacks[0];
