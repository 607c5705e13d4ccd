/* SPDX-License-Identifier: MIT */
/*
 * service_faults.c — per-service failures of characteristic discovery, set by a test
 * (blec_winrt_sim_set_service_fault): GetCharacteristics*Async of one service of one
 * device answers Unreachable, ProtocolError with an ATT code, or never answers. The
 * world's own faults are per device or per request number (docs/world-format.md), and the
 * stack's HID denial is per UUID for every device: neither can make one service of one
 * device fail while the others answer, which is what "a service not asked for cannot fail
 * the connect" (issue 11) needs to be shown with. README.md, Control API.
 *
 * A short table under a lock; the world being replaced (sim_stack_forget_all) empties it.
 */
#include "gatt.h"

#include <stdlib.h>
#include <string.h>

#include "blec_winrt_sim.h"

typedef struct service_fault {
  UINT64 address;
  GUID service;
  int fault; /* blec_winrt_sim_service_fault_kind */
  int att;
} service_fault;

static SRWLOCK g_lock = SRWLOCK_INIT;
static service_fault *g_faults;
static size_t g_n, g_cap;

void sim_service_faults_clear(void) {
  AcquireSRWLockExclusive(&g_lock);
  free(g_faults);
  g_faults = NULL;
  g_n = g_cap = 0;
  ReleaseSRWLockExclusive(&g_lock);
}

static service_fault *find_locked(UINT64 address, const GUID *service) {
  for (size_t i = 0; i < g_n; i++)
    if (g_faults[i].address == address && IsEqualGUID(&g_faults[i].service, service)) return &g_faults[i];
  return NULL;
}

int blec_winrt_sim_set_service_fault(const char *address, const char *service_uuid, int fault, int att) {
  UINT64 a = 0;
  blec_uuid u;
  if (!address || !sim_addr_parse(address, &a) || !service_uuid || blec_uuid_parse(service_uuid, &u) != BLEC_OK)
    return BLEC_ERR_INVALID_ARG;
  if (fault < BLEC_WINRT_SIM_SERVICE_OK || fault > BLEC_WINRT_SIM_SERVICE_NO_ANSWER) return BLEC_ERR_INVALID_ARG;
  if (fault == BLEC_WINRT_SIM_SERVICE_PROTOCOL_ERROR && (att <= 0 || att > 0xff)) return BLEC_ERR_INVALID_ARG;
  GUID g = sim_guid_from_uuid(&u);
  int st = BLEC_OK;
  AcquireSRWLockExclusive(&g_lock);
  service_fault *f = find_locked(a, &g);
  if (!f && fault != BLEC_WINRT_SIM_SERVICE_OK) {
    if (g_n == g_cap) {
      size_t cap = g_cap ? g_cap * 2 : 8;
      service_fault *v = realloc(g_faults, cap * sizeof *v);
      if (v) {
        g_faults = v;
        g_cap = cap;
      }
    }
    if (g_n < g_cap) {
      f = &g_faults[g_n++];
      f->address = a;
      f->service = g;
    } else {
      st = BLEC_ERR_NO_MEMORY;
    }
  }
  if (f && fault == BLEC_WINRT_SIM_SERVICE_OK) {
    *f = g_faults[--g_n]; /* order does not matter */
  } else if (f) {
    f->fault = fault;
    f->att = att;
  }
  ReleaseSRWLockExclusive(&g_lock);
  return st;
}

int sim_service_fault(UINT64 address, const GUID *service, int *att) {
  AcquireSRWLockShared(&g_lock);
  const service_fault *f = find_locked(address, service);
  int fault = f ? f->fault : BLEC_WINRT_SIM_SERVICE_OK;
  *att = f ? f->att : 0;
  ReleaseSRWLockShared(&g_lock);
  return fault;
}
