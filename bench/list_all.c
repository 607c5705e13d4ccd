/* SPDX-License-Identifier: MIT */
/*
 * list_all.c — blec-bench: every benchmark (the core's own paths, end to end, memory) on
 * the virtual backend, the library linked statically (the core benchmarks call its
 * internal functions); on Linux with the bluez backend, blec beside bleak on the
 * simulated bluetoothd.
 */
#include "bench.h"

const char bench_program[] = "blec-bench";

/* Order: cheap core figures first, memory last (it wants a settled heap), the long-run
 * checks (--longrun) after it. */
const bench_entry bench_list[] = {
    {"adv.core", bench_adv_core, BENCH_RUNS_ONCE},
    {"adv.e2e", bench_adv_e2e, BENCH_RUNS_PER_STACK},
    {"notify.core", bench_notify_core, BENCH_RUNS_ONCE},
    {"notify.e2e", bench_notify_e2e, BENCH_RUNS_PER_STACK},
    {"read", bench_read, BENCH_RUNS_PER_STACK},
    {"connect", bench_connect_discover, BENCH_RUNS_PER_STACK},
#ifdef BLEC_BENCH_BLUEZ
    /* on its own stack (the simulated bluetoothd), beside bleak */
    {"bluez", bench_bluez, BENCH_RUNS_ONCE},
#endif
    {"mem.device", bench_mem_devices, BENCH_RUNS_ONCE},
    {"mem.client", bench_mem_clients, BENCH_RUNS_ONCE},
    {"longrun.reconnect", bench_longrun_reconnects, BENCH_RUNS_ONCE},
    {"longrun.overrun", bench_longrun_overrun, BENCH_RUNS_ONCE},
};
const size_t bench_list_count = sizeof bench_list / sizeof bench_list[0];

const bench_stack *const bench_stacks[] = {&bench_stack_virtual};
const size_t bench_stacks_count = sizeof bench_stacks / sizeof bench_stacks[0];
