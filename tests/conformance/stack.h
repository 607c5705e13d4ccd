/* SPDX-License-Identifier: MIT */
/*
 * stack.h — the simulated operating-system stack behind a non-virtual backend. The
 * `virtual` backend takes the test's world through blec_ctx_options_set_world; `winrt`
 * and `bluez` talk to an OS stack (sim/winrt, sim/bluez) which must serve that same world
 * object, so that what a test does to its world (faults, values, radio) is what the
 * backend meets. fx_open attaches the test's world to the stack of $BLEC_TEST_BACKEND
 * before it creates the context; fx_close detaches it after the context is freed.
 */
#ifndef BLEC_CONFORMANCE_STACK_H
#define BLEC_CONFORMANCE_STACK_H

#include "blec/blec_world.h"

/** One simulated stack: the backend it serves and how a world is handed to it. */
typedef struct fx_stack {
  const char *backend; /* the backend name it serves ("winrt", "bluez") */
  /** Serves `world` (borrowed; the fixture keeps a reference until detach). NULL: the
   *  stack's default world. Fails the test when the stack cannot serve it. */
  void (*attach)(blec_world *world);
  /** Stops serving the world; every object of the stack is released. */
  void (*detach)(void);
  /**
   * Returns once what the world's callbacks made so far has reached the backend (events
   * delivered to its handlers), so that a dispatcher marker behind it proves it arrived.
   */
  void (*flush)(void);
} fx_stack;

/** The stack of $BLEC_TEST_BACKEND, or NULL when the backend needs none (virtual). */
const fx_stack *fx_stack_for_backend(const char *backend);

#endif /* BLEC_CONFORMANCE_STACK_H */
