/* SPDX-License-Identifier: MIT */
/*
 * blec_winrt_sim.h — the control API of the simulated Windows Bluetooth stack
 * (blec_winrt_sim.dll), for tests. The classes themselves are reached only through
 * RoGetActivationFactory; these plain C exports choose the world, switch the radio,
 * count live objects and watch apartments. See sim/winrt/README.md.
 *
 * A test that wants the very module Wine activated (not a second copy) activates one
 * class first, then takes the exports from GetModuleHandleW(L"blec_winrt_sim.dll") (or
 * loads the DLL from the path of its registration): BLEC_WINRT_SIM_FUNCS lists them as
 * X(return type, name, parameters); blec_winrt_sim_api_load fills a table of them.
 *
 * Return values are blec_status codes (0 = success, negative = error) unless said.
 */
#ifndef BLEC_WINRT_SIM_H
#define BLEC_WINRT_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct blec_world blec_world; /* blec/blec_world.h */

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

/**
 * The hard parts of Windows the stack can play, each off by default (value 0). Set with
 * blec_winrt_sim_set_quirk, from a world file (`windows { quirk = value }`, see
 * docs/world-format.md), or all at once with BLEC_WINRT_SIM_HOSTILE=1 in the environment
 * (read when the DLL loads). README.md names the source of each.
 */
typedef enum blec_winrt_sim_quirk {
  /** 0 off; 1: IAsyncInfo::Cancel completes the operation (Canceled) only when its own
   *  work ends; 2: not within 60 s (beyond any caller's patience). */
  BLEC_WINRT_SIM_QUIRK_LATE_CANCEL = 1,
  /** Close() of a GattDeviceService, GattSession or BluetoothLEDevice blocks this many ms. */
  BLEC_WINRT_SIM_QUIRK_CLOSE_BLOCKS_MS = 2,
  /** 1: MaintainConnection alone does not bring the link up; the first GATT request does. */
  BLEC_WINRT_SIM_QUIRK_CONNECT_ON_REQUEST = 3,
  /** The link stays up this many ms after the program released every object of it. */
  BLEC_WINRT_SIM_QUIRK_LINK_LINGERS_MS = 4,
  /** 1: BluetoothLEDevice.ConnectionStatus flaps once (Connected, Disconnected, Connected)
   *  right after connecting. */
  BLEC_WINRT_SIM_QUIRK_STATUS_FLAP = 5,
  /** 1: events of one object come from several pool threads with no guaranteed order. */
  BLEC_WINRT_SIM_QUIRK_EVENTS_UNORDERED = 6,
  /** 1: with the radio off, Watcher.Start fails with
   *  HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_AVAILABLE) instead of a Stopped event. */
  BLEC_WINRT_SIM_QUIRK_WATCHER_START_FAILS = 7,
  /** 1: GattCharacteristic.AttributeHandle is the declaration handle (value handle - 1)
   *  instead of the value handle. */
  BLEC_WINRT_SIM_QUIRK_HANDLE_IS_DECLARATION = 8,
  /** A Windows 10 build number (17763, 18362, 19041, ...): interfaces introduced after it
   *  are hidden from QueryInterface and activation. 0 = newest. */
  BLEC_WINRT_SIM_QUIRK_WINDOWS_BUILD = 9,
  /** 1: another program holds the link of every device this program connects: after our
   *  release the link stays up and ConnectionStatus stays Connected. */
  BLEC_WINRT_SIM_QUIRK_HELD_ELSEWHERE = 10,
  /** 1: a BluetoothLEDevice object the program asked for services keeps the link up until
   *  it is closed (or released), beside the session and the services. */
  BLEC_WINRT_SIM_QUIRK_DEVICE_HOLDS_LINK = 11
} blec_winrt_sim_quirk;

/**
 * How the characteristic discovery of one service fails (blec_winrt_sim_set_service_fault):
 * GattCommunicationStatus Unreachable, ProtocolError with an ATT code, or no answer at all
 * (the operation stays Started until it is cancelled, its service is closed or the link
 * drops).
 */
typedef enum blec_winrt_sim_service_fault_kind {
  BLEC_WINRT_SIM_SERVICE_OK = 0,
  BLEC_WINRT_SIM_SERVICE_UNREACHABLE = 1,
  BLEC_WINRT_SIM_SERVICE_PROTOCOL_ERROR = 2,
  BLEC_WINRT_SIM_SERVICE_NO_ANSWER = 3
} blec_winrt_sim_service_fault_kind;

/** One past the highest quirk number (for loops over every quirk). */
#define BLEC_WINRT_SIM_QUIRK_END_ 12

/*
 * X(return type, name, parameter list). Every function may be called from any thread.
 *
 * set_world_text / set_world_file / set_world_default: replace the world (docs/world-format.md)
 *   and forget the stack's own state (GATT cache, seen devices). BLEC_ERR_BUSY while the
 *   stack has a scan or a link open. Errors are described in err (may be NULL, size errlen).
 *   Without a call, the first use loads $BLEC_WORLD (a world file) or the built-in default.
 *   Links only the OS keeps (a lingering link, one held by another program) are ended
 *   first, as time passing or that program leaving would end them.
 * set_world: serve this world object (the stack takes its own reference): the world engine
 *   is blec's shared library's, the same the caller's blec_world lives in, so what the
 *   caller does to its world (faults, values, radio) is what the stack meets. NULL lets
 *   go of the current world (the next use loads $BLEC_WORLD or the default). BLEC_ERR_BUSY
 *   as above.
 * set_radio: the radio on (1) or off (0): scans stop with RadioNotAvailable, links drop.
 * set_adapter_present: 0 simulates a PC without a Bluetooth adapter.
 * set_time_scale: scales every delay of the world (0.1 = ten times faster).
 * live_objects: how many COM objects of the stack are alive now (factories included).
 * live_objects_dump: writes "Class (refs)" lines of the live objects into buf; returns
 *   the number of live objects.
 * wait_no_live_objects: waits until no COM object of the stack is alive, at most
 *   timeout_ms; returns how many are still alive (0: none).
 * drain: waits until no completion or event delivery is queued or running.
 * set_apartment_strict: 1 makes every call from a thread outside the MTA fail with
 *   RPC_E_WRONG_THREAD (0x8001010E); get_apartment_stats / reset_apartment_stats.
 * peripheral_disconnect: the peripheral ends its link (remote disconnection).
 * peripheral_set_advertising: the peripheral starts (1) or stops (0) advertising.
 * peripheral_set_value: sets an attribute's value, notifying subscribers when notify is 1.
 * peripheral_request_count: GATT requests the peripheral served (see world_stack.h), or -1.
 * peripheral_set_delays: its connect and response delays from now on (world time, ms; see
 *   blec_world_peripheral_set_delays).
 * peripheral_connected: 1 when a central is connected, 0 when not, or a negative status.
 * forget_cache: empties the stack's GATT cache of every device.
 * world_clock_us: the world's clock (scaled microseconds; 0 until its first scan or link):
 *   tests wait for it to pass a span before asserting that nothing happened meanwhile.
 * models_connected_elsewhere: 1 when the world tells the stack which devices another
 *   application holds (then they show Connected and stay so when this one closes), else 0.
 * set_quirk: turns a blec_winrt_sim_quirk on (value as its comment says) or off (0); S_OK,
 *   or E_INVALIDARG for an unknown quirk or a value out of range. Takes effect for calls
 *   made after it; a world set later may set quirks of its own (its `windows` block).
 * get_quirk: the quirk's value now (0 for an unknown quirk).
 * peripheral_set_mtu: the device's live link now has ATT MTU mtu (23..517): GattSession's
 *   MaxPduSize reads it and MaxPduSizeChanged is raised. BLEC_ERR_NOT_CONNECTED without a
 *   link.
 * set_radio_state_unknown: 1 makes Radio.State read RadioState.Unknown (whatever the world's
 *   radio), 0 goes back to the world's radio.
 * set_can_maintain_connection: 0 makes GattSession.CanMaintainConnection read false (1, the
 *   default: true).
 * set_pairing_default_no_minimum: 1 makes a pairing without a protection level (PairAsync,
 *   DevicePairingProtectionLevel.Default) set no minimum level: a device that cannot reach
 *   Encryption pairs at None (ProtectionLevelUsed None) instead of failing with
 *   ProtectionLevelCouldNotBeMet. 0 (the default): Default pairs like Encryption.
 * set_service_fault: the characteristic discovery (GetCharacteristics*Async) of the service
 *   service_uuid (text, 16-bit "bb00" or 128-bit) of the device at address fails as
 *   `fault` says (blec_winrt_sim_service_fault_kind; att: the ATT code of PROTOCOL_ERROR),
 *   cached or not, until the world is replaced; BLEC_WINRT_SIM_SERVICE_OK takes it back.
 *   BLEC_ERR_INVALID_ARG for a bad address, UUID, fault or code; BLEC_ERR_NO_MEMORY.
 */
#define BLEC_WINRT_SIM_FUNCS(X)                                                                   \
  X(int, blec_winrt_sim_set_world_text, (const char *text, char *err, size_t errlen))             \
  X(int, blec_winrt_sim_set_world_file, (const char *path, char *err, size_t errlen))             \
  X(int, blec_winrt_sim_set_world_default, (void))                                                \
  X(int, blec_winrt_sim_set_world, (blec_world * world))                                          \
  X(int, blec_winrt_sim_set_radio, (int on))                                                      \
  X(int, blec_winrt_sim_set_adapter_present, (int present))                                       \
  X(int, blec_winrt_sim_set_time_scale, (double scale))                                           \
  X(long, blec_winrt_sim_live_objects, (void))                                                    \
  X(long, blec_winrt_sim_live_objects_dump, (char *buf, size_t size))                             \
  X(long, blec_winrt_sim_wait_no_live_objects, (int timeout_ms))                                  \
  X(void, blec_winrt_sim_drain, (void))                                                           \
  X(void, blec_winrt_sim_set_apartment_strict, (int on))                                          \
  X(void, blec_winrt_sim_get_apartment_stats, (blec_winrt_sim_apartment_stats *out))              \
  X(void, blec_winrt_sim_reset_apartment_stats, (void))                                           \
  X(int, blec_winrt_sim_peripheral_disconnect, (const char *address))                             \
  X(int, blec_winrt_sim_peripheral_set_advertising, (const char *address, int on))                \
  X(int, blec_winrt_sim_peripheral_set_value,                                                     \
    (const char *address, uint16_t handle, const uint8_t *data, size_t len, int notify))          \
  X(int64_t, blec_winrt_sim_peripheral_request_count, (const char *address))                      \
  X(int, blec_winrt_sim_peripheral_set_delays, (const char *address, int connect_ms, int response_ms)) \
  X(int, blec_winrt_sim_peripheral_connected, (const char *address))                              \
  X(void, blec_winrt_sim_forget_cache, (void))                                                    \
  X(int64_t, blec_winrt_sim_world_clock_us, (void))                                               \
  X(int, blec_winrt_sim_models_connected_elsewhere, (void))                                      \
  X(HRESULT, blec_winrt_sim_set_quirk, (int quirk, int value))                                    \
  X(int, blec_winrt_sim_get_quirk, (int quirk))                                                  \
  X(int, blec_winrt_sim_peripheral_set_mtu, (const char *address, int mtu))                       \
  X(int, blec_winrt_sim_set_radio_state_unknown, (int unknown))                                 \
  X(int, blec_winrt_sim_set_can_maintain_connection, (int can))                                  \
  X(int, blec_winrt_sim_set_pairing_default_no_minimum, (int on))                                \
  X(int, blec_winrt_sim_set_service_fault, (const char *address, const char *service_uuid, int fault, int att))

#define BLEC_WINRT_SIM_DECLARE_(ret, name, params) ret name params;
BLEC_WINRT_SIM_FUNCS(BLEC_WINRT_SIM_DECLARE_)
#undef BLEC_WINRT_SIM_DECLARE_

/** The control API as function pointers, one member per BLEC_WINRT_SIM_FUNCS entry. */
typedef struct blec_winrt_sim_api {
#define BLEC_WINRT_SIM_FIELD_(ret, name, params) ret(*name) params;
  BLEC_WINRT_SIM_FUNCS(BLEC_WINRT_SIM_FIELD_)
#undef BLEC_WINRT_SIM_FIELD_
} blec_winrt_sim_api;

/**
 * Fills `api` from the module `m` (the DLL Wine activated, see above). Returns NULL, or
 * the name of the first control call the module does not export (an older DLL).
 */
static inline const char *blec_winrt_sim_api_load(blec_winrt_sim_api *api, HMODULE m) {
#define BLEC_WINRT_SIM_LOAD_(ret, name, params)                                                   \
  api->name = (ret(*) params)(void (*)(void))GetProcAddress(m, #name);                             \
  if (!api->name) return #name;
  BLEC_WINRT_SIM_FUNCS(BLEC_WINRT_SIM_LOAD_)
#undef BLEC_WINRT_SIM_LOAD_
  return NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* BLEC_WINRT_SIM_H */
