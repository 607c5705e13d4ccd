/* SPDX-License-Identifier: MIT */
/*
 * winrt_gate.c — handlers in flight. A WinRT event handler that reports to the core
 * enters the gate of its scanner or client first; stopping the scanner or freeing the
 * client closes the gate and waits for the handlers inside to leave, so that nothing
 * reaches a scanner or client the program freed. Handlers never block inside the gate
 * (they only post to the dispatcher), so the wait is short; it is bounded all the same.
 */
#include "backends/winrt/winrt_backend.h"

bool wr_gate_enter(wr_gate *g) {
  atomic_fetch_add(&g->inside, 1);
  if (atomic_load(&g->closed)) {
    atomic_fetch_sub(&g->inside, 1);
    return false;
  }
  return true;
}

void wr_gate_leave(wr_gate *g) { atomic_fetch_sub(&g->inside, 1); }

bool wr_gate_close(wr_gate *g, int budget_ms, bool self_inside) {
  atomic_store(&g->closed, true);
  int self = self_inside ? 1 : 0;
  uint64_t deadline = GetTickCount64() + (uint64_t)budget_ms;
  while (atomic_load(&g->inside) > self) {
    if (GetTickCount64() >= deadline) return false;
    SwitchToThread();
  }
  return true;
}

void wr_gate_reopen(wr_gate *g) { atomic_store(&g->closed, false); }
