/* SPDX-License-Identifier: MIT */
/*
 * world_stack.h — how a Bluetooth stack (the `virtual` backend, the simulated Windows
 * stack, a simulated BlueZ) drives the world engine: it is the world's "radio".
 *
 * Contract for every function here:
 *  - Callable from any thread. Never calls back inside the call itself: every callback
 *    runs later on the world's own thread ("the world thread"), with no world lock held,
 *    so a callback may call any function here (start another request, disconnect, ...).
 *  - Requests on one link complete in the order they were made.
 *  - A request's completion runs exactly once: with its result, or with
 *    BLEC_ERR_DISCONNECTED if the link drops first, or BLEC_ERR_CANCELLED after
 *    blec__world_cancel succeeded (later, on the world thread, like every completion;
 *    a cancelled request completes at once, ahead of the requests queued before it).
 *    The exception: blec__wlink_release drops the completions still pending, but a
 *    disconnect's (see there).
 *  - Status values are blec_status codes; ATT errors come as BLEC_ERR_ATT plus the code.
 *  - A stack keeps its own reference to the world (blec_world_ref) for as long as it has
 *    scans or links open, and never drops the world's last reference from inside a world
 *    callback.
 *
 * The engine starts its thread (and the world clock) when the first scan or link is
 * opened and stops it when the world's last reference goes.
 *
 * What counts as a "request" for faults (att-error on-request N, link-loss after-requests
 * N) and blec_world_peripheral_request_count: reads and writes with response of
 * characteristics and descriptors (CCCD writes included). MTU exchange, discovery,
 * pairing and writes without response are not counted.
 */
#ifndef BLEC_WORLD_STACK_H
#define BLEC_WORLD_STACK_H

#include "blec/blec_world.h"

/*
 * The simulated OS stacks that run as modules of their own (sim/winrt's DLL) drive the one
 * world engine of blec's shared library, the very engine a test's blec_world lives in: so
 * these calls are exported from it (BLEC_API). They are not public API: no stability
 * promise, no header installed.
 */
#define BLEC__STACK_API BLEC_API

typedef struct blec__wscan blec__wscan;
typedef struct blec__wlink blec__wlink;

/* ---- scanning -------------------------------------------------------------------- */

/** One received packet, as a controller reports it. Pointers valid during the callback. */
typedef struct blec__wadv_report {
  const char *address;          /* "AA:BB:CC:DD:EE:FF" */
  blec_address_type address_type;
  int rssi;
  int tx_power;                 /* dBm, or 127 when not in the packet (informational) */
  blec_adv_type type;           /* BLEC_ADV_SCAN_RSP for scan responses */
  bool connectable;
  bool scannable;
  const uint8_t *data;          /* AD structures as sent */
  size_t len;
  uint64_t timestamp_us;        /* world clock */
} blec__wadv_report;

typedef struct blec__wscan_events {
  /** A packet was received. Active scans also get scan responses of scannable peripherals. */
  void (*report)(void *user, const blec__wadv_report *r);
  /**
   * The scan ended by itself (radio off): status BLEC_ERR_BLUETOOTH_UNAVAILABLE, reason.
   * No report follows; the scan is still to be freed with blec__world_scan_stop.
   */
  void (*stopped)(void *user, int status, int reason);
} blec__wscan_events;

/**
 * Starts receiving. Fails at once with BLEC_ERR_BLUETOOTH_UNAVAILABLE (reason
 * POWERED_OFF) when the radio is off. `events` is copied; either callback may be NULL.
 * Scans get each packet in the order they were started.
 */
BLEC__STACK_API int blec__world_scan_start(blec_world *w, bool active, const blec__wscan_events *events, void *user,
                           blec__wscan **out);
/**
 * Stops; when it returns, no callback of this scan runs any more (unless called from one:
 * then none after it returns). Frees. From another thread it waits for a running callback
 * of the scan to return.
 */
BLEC__STACK_API void blec__world_scan_stop(blec__wscan *scan);

/* ---- links ------------------------------------------------------------------------- */

typedef struct blec__wlink_events {
  /** A notification (indication false) or indication (true, already confirmed). */
  void (*value)(void *user, uint16_t handle, const uint8_t *data, size_t len, bool indication);
  /** The MTU changed (after an exchange). */
  void (*mtu_changed)(void *user, int mtu);
  /**
   * The link ended by the peripheral, link loss, unpairing or radio off
   * (BLEC_DISCONNECT_*). Runs once, after every pending request completed with
   * BLEC_ERR_DISCONNECTED. Not called for blec__wlink_disconnect (its completion says it).
   */
  void (*disconnected)(void *user, int reason);
} blec__wlink_events;

/** Request completions. */
typedef void (*blec__wdone_cb)(void *user, int status, int att_error);
typedef void (*blec__wread_cb)(void *user, int status, int att_error, const uint8_t *data, size_t len);
typedef void (*blec__wconnect_cb)(void *user, int status, blec__wlink *link);

/**
 * Connects to a peripheral by address (any case), after the peripheral's connect delay
 * (the world's not-found delay for an unknown address). Completes with the new link, or
 * BLEC_ERR_DEVICE_NOT_FOUND (no such peripheral, or not connectable, or not advertising
 * and not connected elsewhere), BLEC_ERR_BUSY (it has a central link already),
 * BLEC_ERR_BLUETOOTH_UNAVAILABLE (radio off: the reason is always POWERED_OFF). A
 * mismatched address_type (not UNSPECIFIED) also gives DEVICE_NOT_FOUND. `events` is
 * copied (any callback may be NULL). Returns a request id for blec__world_cancel (> 0),
 * or a negative status when it cannot start (BLEC_ERR_INVALID_ARG for a bad address).
 * On success the link belongs to the stack, which releases it with blec__wlink_release.
 */
BLEC__STACK_API int64_t blec__world_connect(blec_world *w, const char *address, blec_address_type address_type,
                            const blec__wlink_events *events, void *events_user,
                            blec__wconnect_cb done, void *done_user);

/**
 * Cancels a pending request: true when it will complete with BLEC_ERR_CANCELLED. False
 * when it already completes (answered, or its link is going down: then it completes with
 * BLEC_ERR_DISCONNECTED) or the id is unknown. A cancelled request has no effect on the
 * peripheral (effects happen when a request is answered).
 */
BLEC__STACK_API bool blec__world_cancel(blec_world *w, int64_t request_id);

/** The peripheral behind a link (its GATT database, its name). */
BLEC__STACK_API blec_world_peripheral *blec__wlink_peripheral(blec__wlink *link);
/** Current ATT MTU of the link (23 until exchanged). */
BLEC__STACK_API int blec__wlink_mtu(blec__wlink *link);
/** Whether the link is still up. */
BLEC__STACK_API bool blec__wlink_connected(blec__wlink *link);

/* GATT requests. Each returns a request id (> 0) or a negative status. */
BLEC__STACK_API int64_t blec__wlink_exchange_mtu(blec__wlink *link, int client_mtu, blec__wdone_cb done, void *user);
BLEC__STACK_API int64_t blec__wlink_read(blec__wlink *link, uint16_t handle, blec__wread_cb done, void *user);
/** with_response false: completes as soon as the packet is sent (no ATT error possible). */
BLEC__STACK_API int64_t blec__wlink_write(blec__wlink *link, uint16_t handle, const uint8_t *data, size_t len,
                          bool with_response, blec__wdone_cb done, void *user);
/**
 * Pairs at `level` (DEFAULT means ENCRYPTION): BLEC_ERR_PAIRING when the peripheral
 * cannot do it. The bond keeps the highest level reached; the link is encrypted at the
 * bond's level from then on (and from the start of later links).
 */
BLEC__STACK_API int64_t blec__wlink_pair(blec__wlink *link, blec_protection_level level, blec__wdone_cb done, void *user);
/** What pairing at a level asks of the central's user (a KeyboardDisplay central). */
typedef struct blec__wceremony {
  blec_pairing_kind kind;
  char pin[7]; /* the PIN to compare or show (CONFIRM_PIN_MATCH, DISPLAY_PIN), else "" */
} blec__wceremony;

/**
 * The ceremony pairing with the link's peripheral at `level` takes: derived from its
 * `pairing-io` (blec_world_pairing_io) (Core spec Vol 3 Part H 2.3.5.1, with blec as KeyboardDisplay).
 * BLEC_ERR_NOT_CONNECTED when the link is down.
 */
BLEC__STACK_API int blec__wlink_pairing_ceremony(blec__wlink *link, blec_protection_level level, blec__wceremony *out);

/**
 * The peripheral's pairing IO capability and passkey (`pairing-io`, `passkey`), for a
 * stack whose own IO capability is not blec's KeyboardDisplay (BlueZ takes its agent's):
 * it selects the method from both sides itself. `passkey` gets the 6 digits and a NUL.
 */
BLEC__STACK_API blec_world_pairing_io blec__world_peripheral_pairing_io(blec_world_peripheral *p, char passkey[7]);

/** Why a pairing failed (BLEC_ERR_PAIRING). */
typedef enum blec__wpair_failure {
  BLEC__WPAIR_OK = 0,
  BLEC__WPAIR_LEVEL_UNREACHABLE, /* the peripheral cannot pair at the level asked */
  BLEC__WPAIR_WRONG_PIN          /* the PIN given is not the peripheral's passkey */
} blec__wpair_failure;
typedef void (*blec__wpair_cb)(void *user, int status, blec__wpair_failure why);

/** The central user's side of a ceremony, once the program answered it. */
typedef struct blec__wpair_answer {
  blec_protection_level level;
  const char *pin; /* PROVIDE_PIN: the PIN entered; NULL otherwise */
  /* The two sides' IO capabilities chose Just Works (Core Vol 3 Part H 2.3.5.1: a central
   * without input and output, BlueZ's NoInputNoOutput agent, pairs any peripheral so): no
   * passkey is checked and the key cannot be authenticated. */
  bool just_works;
} blec__wpair_answer;

/**
 * Pairs with the ceremony's answer (the program accepted it): as blec__wlink_pair, and
 * for a PROVIDE_PIN ceremony the PIN must be the peripheral's passkey.
 */
BLEC__STACK_API int64_t blec__wlink_pair_answered(blec__wlink *link, const blec__wpair_answer *answer, blec__wpair_cb done,
                                  void *user);

/**
 * Removes the bond; the peripheral then drops the link: the unpair completes with
 * BLEC_OK, then the other pending requests with BLEC_ERR_DISCONNECTED, then
 * `disconnected` (UNPAIRED). Without a bond it completes with BLEC_OK and the link stays.
 */
BLEC__STACK_API int64_t blec__wlink_unpair(blec__wlink *link, blec__wdone_cb done, void *user);
/** Whether the bond exists (pairing survives links, per world). */
BLEC__STACK_API bool blec__world_is_paired(blec_world *w, const char *address);
/** The bond's blec_protection_level with the peripheral at address; -1 when none. */
BLEC__STACK_API int blec__world_bond_level(blec_world *w, const char *address);
/**
 * Sets the bond with the peripheral at address (level -1 removes it) without touching a
 * link: how an OS's bond store brings back bonds made before. BLEC_ERR_NOT_FOUND when no
 * peripheral has the address.
 */
BLEC__STACK_API int blec__world_set_bond(blec_world *w, const char *address, int level);
/**
 * Removes a bond without a link (as an OS's "remove device" does). A live link of that
 * peripheral then drops (disconnected: UNPAIRED). BLEC_ERR_NOT_FOUND for an unknown
 * address; BLEC_OK when there was no bond.
 */
BLEC__STACK_API int blec__world_unpair(blec_world *w, const char *address);
/**
 * Ends the link; completes once it is down (pending requests complete first with
 * BLEC_ERR_DISCONNECTED). The link must then be released with blec__wlink_release.
 * On a link already down it completes with BLEC_OK (after `disconnected`, if that is
 * still to come).
 */
BLEC__STACK_API int64_t blec__wlink_disconnect(blec__wlink *link, blec__wdone_cb done, void *user);
/**
 * Drops the stack's reference; no callback of the link runs after it returns: the
 * completions of requests still pending are dropped (never run) — except a pending
 * disconnect's, which still completes once, with BLEC_OK, on the world thread (the link
 * is down, as it asked): a stack may release its link in `disconnected` while its own
 * disconnect waits. Releasing a live link ends it silently. Callable from inside any
 * callback, the link's own included; from another thread it waits for a running callback
 * of the link to return.
 */
BLEC__STACK_API void blec__wlink_release(blec__wlink *link);

/* ---- the GATT database, for discovery ---------------------------------------------- */

/** Kinds of attribute. */
typedef enum blec__wattr_kind {
  BLEC__WATTR_SERVICE = 0,
  BLEC__WATTR_CHARACTERISTIC = 1, /* the value attribute; handle is the value handle */
  BLEC__WATTR_DESCRIPTOR = 2
} blec__wattr_kind;

typedef struct blec__wattr {
  blec__wattr_kind kind;
  uint16_t handle;     /* service: declaration; characteristic: value; descriptor: itself */
  uint16_t end_handle; /* services only: last handle of the service */
  blec_uuid uuid;
  uint32_t props;      /* characteristics only: BLEC_PROP_* */
} blec__wattr;

/**
 * The peripheral's attributes in handle order (services, each followed by its
 * characteristics, each followed by its descriptors). Copies into a new array
 * (free()), so it can be used on any thread. Discovery over the air is
 * blec__wlink_discover; this is the static view a simulated OS cache may also keep.
 */
BLEC__STACK_API int blec__world_peripheral_attributes(blec_world_peripheral *p, blec__wattr **attrs, size_t *count);
/** Discovery over the link: completes (with delay/faults) and hands the attribute list. */
typedef void (*blec__wdiscover_cb)(void *user, int status, int att_error, const blec__wattr *attrs,
                                   size_t count);
BLEC__STACK_API int64_t blec__wlink_discover(blec__wlink *link, blec__wdiscover_cb done, void *user);

/** Monotonic world clock in microseconds (scaled); 0 until the engine starts. */
BLEC__STACK_API uint64_t blec__world_now_us(blec_world *w);

/**
 * A barrier for tests that check that nothing happened during a window of world time:
 * waits until the world has run every event due within the next `world_ms` of world time
 * (scheduled before this call), each stack callback they made included (returned). A
 * marker event due at now + world_ms goes through the world's own timer queue, which runs
 * events in (due time, scheduling order): its running proves the window passed.
 * BLEC_OK; BLEC_ERR_TIMEOUT when it did not within `timeout_ms` of real time;
 * BLEC_ERR_STATE on the world thread (it would wait for itself); BLEC_ERR_INVALID_ARG for
 * a NULL world or a negative time. A world whose clock has not started (no scan or link
 * opened yet) runs no event and its time stands still: BLEC_OK at once.
 */
BLEC__STACK_API int blec__world_wait_passed(blec_world *w, int world_ms, int timeout_ms);

/** The text of the built-in default world (worlds/default.world), static. */
BLEC__STACK_API const char *blec__world_default_text(void);

/**
 * Whether the world says another application holds the peripheral connected (it does
 * not advertise, yet a connect by address reaches it; an OS shows it as connected).
 */
BLEC__STACK_API bool blec__world_peripheral_connected_elsewhere(blec_world_peripheral *p);
/** Whether the peripheral advertises now (world file `advertising`, set_advertising, faults). */
BLEC__STACK_API bool blec__world_peripheral_advertising(blec_world_peripheral *p);
/** The peripheral's address type (public / random). */
BLEC__STACK_API blec_address_type blec__world_peripheral_address_type(blec_world_peripheral *p);

/*
 * How the simulated Windows stack plays Windows in this world (world file `windows KEY
 * VALUE` lines, docs/world-format.md). The numbers are those of sim/winrt's
 * blec_winrt_sim_quirk, so the stack takes them as they are; other stacks ignore them.
 */
typedef enum blec__wwin {
  BLEC__WWIN_LATE_CANCEL = 1,           /* 0 off, 1 when-done, 2 never */
  BLEC__WWIN_CLOSE_BLOCKS_MS = 2,       /* ms */
  BLEC__WWIN_CONNECT_ON_REQUEST = 3,    /* 0/1 */
  BLEC__WWIN_LINK_LINGERS_MS = 4,       /* ms */
  BLEC__WWIN_STATUS_FLAP = 5,           /* 0/1 */
  BLEC__WWIN_EVENTS_UNORDERED = 6,      /* 0/1 */
  BLEC__WWIN_WATCHER_START_FAILS = 7,   /* 0/1 */
  BLEC__WWIN_HANDLE_IS_DECLARATION = 8, /* 0/1 */
  BLEC__WWIN_BUILD = 9,                 /* a Windows 10 build number */
  BLEC__WWIN_HELD_ELSEWHERE = 10,       /* 0/1 */
  BLEC__WWIN_DEVICE_HOLDS_LINK = 11,    /* 0/1 */
  BLEC__WWIN_END_
} blec__wwin;
/** Whether the world sets `what`, and its value then. */
BLEC__STACK_API bool blec__world_windows(blec_world *w, blec__wwin what, int *value);

/** The peripheral's device name (GAP 0x2A00) as new memory (free()), NULL when none. */
BLEC__STACK_API char *blec__world_peripheral_name(blec_world_peripheral *p);

/**
 * blec_world_characteristic_set_stream with throughput controls: each tick sends `burst`
 * values back to back (>= 1); `count` > 0 ends the stream after that many values per
 * subscription. interval_ms 0 sends ticks back to back: the fastest stream the engine can
 * make (for benchmarks; it yields to other due events between ticks).
 */
BLEC__STACK_API int blec__world_characteristic_set_stream_ex(blec_world_peripheral *p, uint16_t value_handle,
                                             int interval_ms, const char *generator, uint32_t burst,
                                             uint64_t count);

#endif /* BLEC_WORLD_STACK_H */
