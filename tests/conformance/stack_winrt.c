/* SPDX-License-Identifier: MIT */
/*
 * stack_winrt.c — the simulated Windows Bluetooth stack (sim/winrt's blec_winrt_sim.dll)
 * as the conformance suite's stack for backend "winrt", under Wine.
 *
 * One world engine: this program and the simulator DLL both use blec's shared library
 * (libblec.dll), so the blec_world the test built is handed to the stack as it is
 * (blec_winrt_sim_set_world) and what the test does to it is what the backend meets.
 *
 * The DLL is the one Wine's combase activates for the Bluetooth classes: its path is read
 * from the registration (ActivatableClassId\...\DllPath) and loaded from that path, so the
 * control calls reach the very module that serves the backend (no second copy).
 */
#include <windows.h>

#include <stdio.h>

#include "blec_winrt_sim.h"
#include "stack.h"
#include "test.h"

/* Where Wine's RoGetActivationFactory finds the DLL (sim/winrt/README.md). */
#define SIM_CLASS_KEY L"Software\\Microsoft\\WindowsRuntime\\ActivatableClassId\\Windows.Devices.Bluetooth.BluetoothLEDevice"

/** How long the stack may take, after the context was freed, to see its last object go. */
#define STACK_RELEASE_MS 5000

static blec_winrt_sim_api sim;

static void load_sim(void) {
  if (sim.blec_winrt_sim_set_world) return;
  WCHAR raw[MAX_PATH], path[MAX_PATH];
  DWORD size = sizeof raw;
  /* REG_SZ or REG_EXPAND_SZ (which combase expands): read unexpanded, expand here. */
  LSTATUS rc = RegGetValueW(HKEY_LOCAL_MACHINE, SIM_CLASS_KEY, L"DllPath",
                            RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL, raw, &size);
  if (rc == ERROR_SUCCESS && ExpandEnvironmentStringsW(raw, path, MAX_PATH) - 1u >= MAX_PATH) rc = ERROR_BAD_PATHNAME;
  if (rc != ERROR_SUCCESS)
    blec_test_fail_(__FILE__, __LINE__,
                    "the simulated Windows stack is not registered in this Wine prefix (error %ld): "
                    "run the sim_winrt.register test first",
                    (long)rc);
  HMODULE m = LoadLibraryW(path);
  if (!m) blec_test_fail_(__FILE__, __LINE__, "cannot load %ls (error %lu)", path, (unsigned long)GetLastError());
  const char *missing = blec_winrt_sim_api_load(&sim, m);
  if (missing) blec_test_fail_(__FILE__, __LINE__, "%ls does not export %s", path, missing);
}

static void winrt_attach(blec_world *world) {
  load_sim();
  int st = world ? sim.blec_winrt_sim_set_world(world) : sim.blec_winrt_sim_set_world_default();
  if (st != 0)
    blec_test_fail_(__FILE__, __LINE__, "the simulated Windows stack refused the test's world: %s",
                    blec_test_status_name_(st));
}

/* After the context is freed: every WinRT object the backend took must have been
 * released, then the stack lets go of the test's world. */
static void winrt_detach(void) {
  long left = sim.blec_winrt_sim_wait_no_live_objects(blec_test_ms(STACK_RELEASE_MS));
  if (left != 0) {
    static char dump[8192];
    sim.blec_winrt_sim_live_objects_dump(dump, sizeof dump);
    blec_test_fail_(__FILE__, __LINE__, "%ld objects of the simulated Windows stack still alive after the context was freed:\n%s",
                    left, dump);
  }
  int st = sim.blec_winrt_sim_set_world(NULL);
  if (st != 0)
    blec_test_fail_(__FILE__, __LINE__, "the simulated Windows stack still has a scan or link open: %s",
                    blec_test_status_name_(st));
}

/* The stack delivers each completion and event to the backend's handler from its own
 * queue: once that queue is empty and idle, the backend has seen them all. */
static void winrt_flush(void) { sim.blec_winrt_sim_drain(); }

const fx_stack fx_stack_winrt = {"winrt", winrt_attach, winrt_detach, winrt_flush};
