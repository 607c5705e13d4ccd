/* SPDX-License-Identifier: MIT */
/*
 * stack.h — the simulated operating system below the runtime classes: the world that
 * drives it (world.c) and the OS's own state about devices (stack.c): devices seen,
 * links shared by every object of one device, the GATT cache that outlives links.
 */
#ifndef BLEC_SIM_WINRT_STACK_H
#define BLEC_SIM_WINRT_STACK_H

#include "sim.h"

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "world/world_stack.h"

/* ---- world.c ---------------------------------------------------------------------------- */

/** A new reference to the current world (loaded on first use); NULL if none can be made. */
blec_world *sim_world_ref(void);
/** Counts open scans and links (+1 / -1): the world cannot be replaced while any is open. */
void sim_world_use(int delta);
/** Whether the PC has a Bluetooth adapter (blec_winrt_sim_set_adapter_present). */
bool sim_adapter_present(void);

/* ---- stack.c ------------------------------------------------------------------------------ */

/** The simulated PC's own Bluetooth address (BluetoothAdapter.BluetoothAddress, device ids). */
#define SIM_ADAPTER_ADDRESS 0x001A7DDA7113ULL

/**
 * The OS's record of one remote device, shared by every object that represents it (all
 * BluetoothLEDevice objects of an address share one link, as on Windows). Records live as
 * long as the process; a new world resets them.
 */
typedef struct sim_dev sim_dev;

/**
 * The device at address, or NULL (*known false) when the world has no such peripheral, or
 * its address type differs from `type` (Unspecified matches any).
 */
sim_dev *sim_dev_find(UINT64 address, BluetoothAddressType type);
UINT64 sim_dev_address(sim_dev *d);
const char *sim_dev_address_text(sim_dev *d);
BluetoothAddressType sim_dev_address_type(sim_dev *d);
/** "BluetoothLE#BluetoothLEaa:bb:..-11:22:.." (new HSTRING). */
HSTRING sim_dev_id(sim_dev *d);
/** Parses an id of sim_dev_id's form: the device, or NULL. */
sim_dev *sim_dev_from_id(HSTRING id);
/** The device's name (GAP name known to the OS), new UTF-8 string (free()), "" when none. */
char *sim_dev_name(sim_dev *d);
bool sim_dev_connected(sim_dev *d);
/** BluetoothLEDevice.ConnectionStatus: the link, as the device's status shows it (STATUS_FLAP). */
bool sim_dev_status_connected(sim_dev *d);
/** Whether the OS knows the device (FromBluetoothAddressAsync gives null otherwise; stack.c). */
bool sim_dev_known(sim_dev *d);
/** Current ATT MTU (23 until exchanged; 23 when not connected). */
int sim_dev_mtu(sim_dev *d);

/** What an object wants to hear about its device. Callbacks run on the world thread. */
typedef struct sim_listener {
  sim_obj *obj; /* tried (sim_obj_tryref) before each call: dying objects are skipped */
  /** The link came up or ended; `why` it ended (Success when it came up or the program ended it). */
  void (*connection)(sim_obj *obj, bool connected, BluetoothError why);
  /** BluetoothLEDevice.ConnectionStatus alone changed (the link did not; STATUS_FLAP). */
  void (*device_status)(sim_obj *obj, bool connected);
  void (*mtu)(sim_obj *obj, int mtu);
  void (*value)(sim_obj *obj, uint16_t handle, const BYTE *data, size_t len);
  struct sim_listener *next;
} sim_listener;
void sim_dev_listen(sim_dev *d, sim_listener *l);
void sim_dev_unlisten(sim_dev *d, sim_listener *l);

/** Keeps the link up while > 0 (open services, requests in flight); at 0 the link ends. */
void sim_dev_hold(sim_dev *d, int delta);
/** GattSession.MaintainConnection: connects now and reconnects after a loss while > 0. */
void sim_dev_maintain(sim_dev *d, int delta);

/** Outcome of a GATT request as Windows reports it. */
typedef struct sim_gatt_result {
  GattCommunicationStatus status;
  int att;            /* ATT error code with ProtocolError */
  const BYTE *data;   /* reads */
  size_t len;
  const blec__wattr *attrs; /* discovery: the whole database, in handle order */
  size_t n_attrs;
} sim_gatt_result;
/** Runs once, on the world thread or a worker, never inside the starting call. */
typedef void (*sim_gatt_cb)(void *ctx, const sim_gatt_result *r);

/*
 * Requests over the link, and who they are for: the operation their result completes (its
 * Cancel withdraws the request) and the object they belong to (a service for the requests
 * of its characteristics and descriptors, the device object for service discovery: when it
 * is closed, its requests are withdrawn too). Either may be NULL. A withdrawn request
 * still waiting for the link never goes out; one sent is cancelled at the world while the
 * device has not answered (the link is then free for the next request, as the world's own
 * cancel model says), else it runs on without holding the link. It then ends (Unreachable)
 * as every request does, and its operation completes as BLEC_WINRT_SIM_QUIRK_LATE_CANCEL
 * says (async.c).
 */
typedef struct sim_req_origin {
  sim_async *op;
  const void *owner;
} sim_req_origin;
/** The owner was closed: withdraws its requests. */
void sim_dev_owner_closed(sim_dev *d, const void *owner);
/** The attribute database: from the OS cache (Cached, when known) or discovered over the link. */
void sim_dev_discover(sim_dev *d, BluetoothCacheMode mode, sim_gatt_cb cb, void *ctx, sim_req_origin origin);
/** A request the device never answers (a service fault, service_faults.c): it connects and
 *  holds the link like any request, and ends (Unreachable) only when withdrawn or when the
 *  link drops. */
void sim_dev_no_answer(sim_dev *d, sim_gatt_cb cb, void *ctx, sim_req_origin origin);
/** A value: from the OS cache (Cached, when a value is cached) or read over the link. */
void sim_dev_read(sim_dev *d, uint16_t handle, BluetoothCacheMode mode, sim_gatt_cb cb, void *ctx,
                  sim_req_origin origin);
void sim_dev_write(sim_dev *d, uint16_t handle, const BYTE *data, size_t len, bool with_response, sim_gatt_cb cb,
                   void *ctx, sim_req_origin origin);
/** Pairs over the link (connecting if needed); status as a blec_status (BLEC_OK, BLEC_ERR_PAIRING...). */
typedef void (*sim_status_cb)(void *ctx, int status);
void sim_dev_pair(sim_dev *d, blec_protection_level level, sim_status_cb cb, void *ctx, sim_req_origin origin);
/** A pairing the program's handler accepted in a ceremony: as sim_dev_pair, with the PIN it
 *  entered for ProvidePin (NULL otherwise), checked against the peripheral's passkey. */
void sim_dev_pair_answered(sim_dev *d, blec_protection_level level, const char *pin, sim_status_cb cb, void *ctx,
                           sim_req_origin origin);
/** The status a pairing completes with when the PIN entered was not the peripheral's passkey. */
#define SIM_STATUS_WRONG_PIN (-1000)
/** Removes the bond (the link drops, as unpairing does on Windows). */
void sim_dev_unpair(sim_dev *d, sim_status_cb cb, void *ctx);
bool sim_dev_paired(sim_dev *d);
/** Highest protection of the bond, or -1. */
int sim_dev_bond_level(sim_dev *d);
/** A copy of the cached database (free()); false when the OS has none. */
bool sim_dev_cached_attrs(sim_dev *d, blec__wattr **attrs, size_t *n);
/** The OS's cached value of an attribute (free() *data); false when none. */
bool sim_dev_cached_value(sim_dev *d, uint16_t handle, BYTE **data, size_t *len);

/** Whether the world tells which devices are connected by another application. */
bool sim_stack_models_elsewhere(void);
/** The watcher saw an advertisement of this address (the OS learns its address type). */
void sim_stack_seen(UINT64 address, bool random);

/** AddRef unless the object is already being destroyed. */
bool sim_obj_tryref(sim_obj *o);

/**
 * Ends the links no object of the program holds any more but the OS keeps up (lingering
 * after release, held by another program); returns how many links are going down, those
 * it began to end and those already ending (a world replaced now waits for them).
 */
int sim_stack_end_kept_links(void);
/** The device's live link gets ATT MTU mtu; MaxPduSizeChanged follows (see stack.c). */
int sim_stack_change_mtu(UINT64 address, int mtu);
/** The world was replaced: forget every device. */
void sim_stack_forget_all(void);
/** Empties the GATT cache. */
void sim_stack_forget_cache(void);
/** The radio was switched (the world already dropped scans and links when off). */
void sim_stack_radio_changed(bool on);
/** Raises StateChanged on every Radio object (adapter.c). */
void sim_radio_notify(void);

#endif /* BLEC_SIM_WINRT_STACK_H */
