/* SPDX-License-Identifier: MIT */
/*
 * stack_winrt.c — the simulated Windows Bluetooth stack (sim/winrt's blec_winrt_sim.dll,
 * under Wine) as a bench stack for backend "winrt".
 *
 * One world engine: this program and the simulator DLL both use blec's shared library, so
 * the world a benchmark built is handed to the stack as it is (blec_winrt_sim_set_world)
 * and what the benchmark does to it (values pushed, requests counted) is what the stack
 * serves. The DLL is the one Wine's combase activates for the Bluetooth classes: its path
 * is read from the registration (sim/winrt/README.md) and loaded from there, so the
 * control calls reach the very module that serves the backend.
 */
#include <windows.h>

#include <stdio.h>

#include "bench.h"
#include "blec_winrt_sim.h"

#define SIM_CLASS_KEY L"Software\\Microsoft\\WindowsRuntime\\ActivatableClassId\\Windows.Devices.Bluetooth.BluetoothLEDevice"

/** How long the stack may take, once the context is freed, to see its last object go. */
#define STACK_RELEASE_MS 5000

static int (*sim_set_world)(blec_world *world);
static long (*sim_wait_no_live_objects)(int timeout_ms);

static int load_sim(void) {
  if (sim_set_world) return BLEC_OK;
  WCHAR raw[MAX_PATH], path[MAX_PATH];
  DWORD size = sizeof raw;
  /* REG_SZ or REG_EXPAND_SZ (which combase expands): read unexpanded, expand here. */
  LSTATUS rc = RegGetValueW(HKEY_LOCAL_MACHINE, SIM_CLASS_KEY, L"DllPath",
                            RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL, raw, &size);
  if (rc == ERROR_SUCCESS && ExpandEnvironmentStringsW(raw, path, MAX_PATH) - 1u >= MAX_PATH) rc = ERROR_BAD_PATHNAME;
  if (rc != ERROR_SUCCESS) {
    fprintf(stderr, "%s: the simulated Windows stack is not registered in this Wine prefix (error %ld): "
                    "ctest -R '^sim_winrt.register$' (scripts/bench-windows.sh does it)\n",
            bench_program, (long)rc);
    return BLEC_ERR_NOT_FOUND;
  }
  HMODULE m = LoadLibraryW(path);
  if (!m) {
    fprintf(stderr, "%s: cannot load %ls (error %lu)\n", bench_program, path, (unsigned long)GetLastError());
    return BLEC_ERR_NOT_FOUND;
  }
  sim_wait_no_live_objects = (long (*)(int))(void (*)(void))GetProcAddress(m, "blec_winrt_sim_wait_no_live_objects");
  sim_set_world = (int (*)(blec_world *))(void (*)(void))GetProcAddress(m, "blec_winrt_sim_set_world");
  if (!sim_set_world || !sim_wait_no_live_objects) {
    sim_set_world = NULL;
    fprintf(stderr, "%s: %ls lacks the control calls (blec_winrt_sim_set_world)\n", bench_program, path);
    return BLEC_ERR_NOT_SUPPORTED;
  }
  return BLEC_OK;
}

static int winrt_attach(blec_world *world) {
  int r = load_sim();
  return r == BLEC_OK ? sim_set_world(world) : r;
}

/* After the context is freed: every WinRT object the backend took is released (the
 * stack's count of live objects reaches 0), then the stack lets go of the world. */
static int winrt_detach(void) {
  long left = sim_wait_no_live_objects(STACK_RELEASE_MS * 3);
  if (left != 0) {
    fprintf(stderr, "%s: %ld objects of the simulated Windows stack alive after the context was freed\n",
            bench_program, left);
    return BLEC_ERR_BUSY;
  }
  return sim_set_world(NULL);
}

/* Under Wine every event crosses COM objects, worker threads and the simulator: the
 * full counts are divided so that a run takes about as long as the virtual one. */
const bench_stack bench_stack_winrt = {"winrt", "the simulated Windows stack (sim/winrt) under Wine, WinRT backend", 20,
                                       winrt_attach, winrt_detach};
