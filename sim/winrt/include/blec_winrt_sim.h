/* SPDX-License-Identifier: MIT */
/*
 * blec_winrt_sim.h — the control API of the simulated Windows Bluetooth stack
 * (blec_winrt_sim.dll), for tests. The classes themselves are reached only through
 * RoGetActivationFactory; these plain C exports choose the world, switch the radio,
 * count live objects and watch apartments. See sim/winrt/README.md.
 *
 * A test that wants the very module Wine activated (not a second copy) activates one
 * class first, then takes the exports from GetModuleHandleW(L"blec_winrt_sim.dll"):
 * BLEC_WINRT_SIM_FUNCS lists them as X(return type, name, parameters) to build a table
 * of function pointers with GetProcAddress.
 *
 * Return values are blec_status codes (0 = success, negative = error) unless said.
 */
#ifndef BLEC_WINRT_SIM_H
#define BLEC_WINRT_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Calls seen by the stack, by the COM apartment of the calling thread. */
typedef struct blec_winrt_sim_apartment_stats {
  int64_t calls_mta;           /* thread in the multi-threaded apartment (CoInitializeEx MTA) */
  int64_t calls_implicit_mta;  /* thread without COM init in a process that has an MTA */
  int64_t calls_sta;           /* single-threaded apartment (STA, main STA, application STA) */
  int64_t calls_other;         /* neutral apartment */
  int64_t calls_no_apartment;  /* CoGetApartmentType failed: COM not initialized, no MTA */
  int64_t calls_refused;       /* failed with RPC_E_WRONG_THREAD in strict mode */
  uint32_t last_off_mta_thread; /* thread id of the last call from outside the MTA, 0 if none */
  char last_off_mta_method[64]; /* its method (C function name in the stack) */
} blec_winrt_sim_apartment_stats;

/*
 * X(return type, name, parameter list). Every function may be called from any thread.
 *
 * set_world_text / set_world_file / set_world_default: replace the world (docs/world-format.md)
 *   and forget the stack's own state (GATT cache, seen devices). BLEC_ERR_BUSY while the
 *   stack has a scan or a link open. Errors are described in err (may be NULL, size errlen).
 *   Without a call, the first use loads $BLEC_WORLD (a world file) or the built-in default.
 * set_radio: the radio on (1) or off (0): scans stop with RadioNotAvailable, links drop.
 * set_adapter_present: 0 simulates a PC without a Bluetooth adapter.
 * set_time_scale: scales every delay of the world (0.1 = ten times faster).
 * live_objects: how many COM objects of the stack are alive now (factories included).
 * live_objects_dump: writes "Class (refs)" lines of the live objects into buf; returns
 *   the number of live objects.
 * drain: waits until no completion or event delivery is queued or running.
 * set_apartment_strict: 1 makes every call from a thread outside the MTA fail with
 *   RPC_E_WRONG_THREAD (0x8001010E); get_apartment_stats / reset_apartment_stats.
 * peripheral_disconnect: the peripheral ends its link (remote disconnection).
 * peripheral_set_advertising: the peripheral starts (1) or stops (0) advertising.
 * peripheral_set_value: sets an attribute's value, notifying subscribers when notify is 1.
 * peripheral_request_count: GATT requests the peripheral served (see world_stack.h), or -1.
 * peripheral_connected: 1 when a central is connected, 0 when not, or a negative status.
 * forget_cache: empties the stack's GATT cache of every device.
 * models_connected_elsewhere: 1 when the world tells the stack which devices another
 *   application holds (then they show Connected and stay so when this one closes), else 0.
 */
#define BLEC_WINRT_SIM_FUNCS(X)                                                                   \
  X(int, blec_winrt_sim_set_world_text, (const char *text, char *err, size_t errlen))             \
  X(int, blec_winrt_sim_set_world_file, (const char *path, char *err, size_t errlen))             \
  X(int, blec_winrt_sim_set_world_default, (void))                                                \
  X(int, blec_winrt_sim_set_radio, (int on))                                                      \
  X(int, blec_winrt_sim_set_adapter_present, (int present))                                       \
  X(int, blec_winrt_sim_set_time_scale, (double scale))                                           \
  X(long, blec_winrt_sim_live_objects, (void))                                                    \
  X(long, blec_winrt_sim_live_objects_dump, (char *buf, size_t size))                             \
  X(void, blec_winrt_sim_drain, (void))                                                           \
  X(void, blec_winrt_sim_set_apartment_strict, (int on))                                          \
  X(void, blec_winrt_sim_get_apartment_stats, (blec_winrt_sim_apartment_stats *out))              \
  X(void, blec_winrt_sim_reset_apartment_stats, (void))                                           \
  X(int, blec_winrt_sim_peripheral_disconnect, (const char *address))                             \
  X(int, blec_winrt_sim_peripheral_set_advertising, (const char *address, int on))                \
  X(int, blec_winrt_sim_peripheral_set_value,                                                     \
    (const char *address, uint16_t handle, const uint8_t *data, size_t len, int notify))          \
  X(int64_t, blec_winrt_sim_peripheral_request_count, (const char *address))                      \
  X(int, blec_winrt_sim_peripheral_connected, (const char *address))                              \
  X(void, blec_winrt_sim_forget_cache, (void))                                                    \
  X(int, blec_winrt_sim_models_connected_elsewhere, (void))

#define BLEC_WINRT_SIM_DECLARE_(ret, name, params) ret name params;
BLEC_WINRT_SIM_FUNCS(BLEC_WINRT_SIM_DECLARE_)
#undef BLEC_WINRT_SIM_DECLARE_

#ifdef __cplusplus
}
#endif

#endif /* BLEC_WINRT_SIM_H */
