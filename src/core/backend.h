/* SPDX-License-Identifier: MIT */
/*
 * backend.h — the porting spec: what a backend implements (struct blec__backend) and
 * the core functions it calls to report results and events.
 *
 * Rules for every backend:
 *  - Requests are asynchronous: a request function starts the work and returns BLEC_OK
 *    (it will complete the op exactly once, later, from any thread, with
 *    blec__op_complete*) or a negative status (it will not complete it; the core does).
 *    Never complete an op inside the request function itself (the core tolerates it, but
 *    it costs a thread hop and hides ordering bugs).
 *  - The backend holds whatever references it needs: blec__op_ref() before handing an op
 *    to another thread and blec__op_unref() after completing it; likewise for clients.
 *  - Report functions (blec__scanner_report, blec__client_*) may be called from any
 *    backend thread, but never with a backend lock held that a request function also
 *    takes: they may call back into the backend (a user callback is never run inside
 *    them, but core bookkeeping may start a new request).
 *  - Handles are the ATT handles: the value handle of a characteristic, the handle of a
 *    descriptor. Backends with their own objects (WinRT) keep them in the GATT model's
 *    backend pointers (blec__gatt_* below).
 *
 * Changes to this contract (newest first):
 *  - 2026-12 (hardening): blec__gatt_add_* take the discover op instead of the client: the
 *    attributes being discovered belong to that op until it completes, so a connect ended
 *    during discovery can never free them while the backend still adds to them.
 *    blec__op_set_backend_data / blec__op_backend_data are atomic (a cancel may read the
 *    slot while the request is being started).
 */
#ifndef BLEC_CORE_BACKEND_H
#define BLEC_CORE_BACKEND_H

#include "blec/blec.h"
#include "blec/blec_winrt.h"

/** One received packet (or an OS-merged advertisement), as a backend reports it. */
typedef struct blec__report {
  const char *address;            /* "AA:BB:CC:DD:EE:FF", any case */
  blec_address_type address_type;
  int rssi;
  blec_adv_type type;             /* BLEC_ADV_SCAN_RSP for scan responses */
  bool connectable;
  const uint8_t *data;            /* AD structures */
  size_t len;
  uint64_t timestamp_us;          /* 0: the core stamps it */
  const char *backend_id;         /* the backend's own id for the device, or NULL */
} blec__report;

/** Subscription modes for blec__backend.subscribe. */
typedef enum blec__cccd_mode { BLEC__CCCD_OFF = 0, BLEC__CCCD_NOTIFY = 1, BLEC__CCCD_INDICATE = 2 } blec__cccd_mode;

typedef struct blec__backend {
  const char *name;
  /**
   * BLEC_CAP_* bits: the core answers BLEC_ERR_NOT_SUPPORTED for missing ones early. The
   * most the backend can do: init may narrow them for its context to what the OS offers
   * (blec__ctx_set_caps).
   */
  uint32_t caps;
  /**
   * Bytes of per-client backend state (0: none). The core allocates them zeroed with each
   * client, suitably aligned for any type, in the client's own block, and frees them with
   * the client's last reference: blec__client_backend_priv() returns them from creation on.
   * Whatever holds a client reference (blec__client_ref) may use them.
   */
  size_t client_priv_size;

  /** Creates the backend's context state in *priv. `err` for detail. Required. */
  int (*init)(blec_ctx *ctx, const blec_ctx_options *opts, void **priv, blec_error *err);
  /** Frees it; every scanner and client is already gone. Required. */
  void (*exit)(blec_ctx *ctx, void *priv);
  /** BLEC_OK or BLEC_ERR_BLUETOOTH_UNAVAILABLE with a reason. Required. */
  int (*check_bluetooth)(blec_ctx *ctx, blec_error *err);
  /** The world a simulated backend drives (borrowed), else NULL. Optional. */
  blec_world *(*world)(blec_ctx *ctx);
  /**
   * Whether the backend can be the platform default now (its OS service answers); when
   * not, `why` gets a sentence. Called by blec_ctx_new when no backend is named, before
   * init, on the program's thread; quick (it may ask the OS, with a short bound).
   * Optional: NULL means always.
   */
  bool (*probe)(char *why, size_t size);

  /**
   * Starts receiving for a scanner (blec__scanner_mode/blec__scanner_opts tell how);
   * reports arrive through blec__scanner_report. Fails synchronously when scanning
   * cannot start (radio off). Optional with BLEC_CAP_SCAN clear.
   */
  int (*scan_start)(blec_scanner *s, blec_error *err);
  /** Stops; no blec__scanner_report for s may start after it returns. */
  void (*scan_stop)(blec_scanner *s);

  /**
   * Opens the link to blec__client_address() (address type from the options, maybe
   * UNSPECIFIED). Completes once the link is usable and the MTU is negotiated (report it
   * with blec__client_mtu before completing). Sets the name with blec__client_set_name
   * when known.
   */
  int (*connect)(blec_client *c, blec_op *op);
  /**
   * Discovers services into the model with blec__gatt_add_* (the core has cleared it).
   * Unreachable must be reported as BLEC_ERR_OS with gatt_status UNREACHABLE (the core
   * retries per the options). A service the OS denies is skipped, not fatal.
   */
  int (*discover)(blec_client *c, blec_op *op, blec_cache_mode mode);
  /** Closes the link; completes once really down. Must not call blec__client_disconnected. */
  int (*disconnect)(blec_client *c, blec_op *op);
  /** Reads a characteristic value or descriptor; completes with the bytes. */
  int (*read)(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached);
  int (*write)(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data,
               size_t len, bool with_response);
  /** Writes the CCCD of the characteristic (value handle given) and routes its values. */
  int (*subscribe)(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode);
  int (*pair)(blec_client *c, blec_op *op, blec_protection_level level);
  /** Removes the bond; backends where that disconnects report blec__client_disconnected. */
  int (*unpair)(blec_client *c, blec_op *op);
  /** Best-effort abort of an in-flight request (the core completes the op itself). Optional. */
  void (*cancel)(blec_op *op);
  /** Releases the backend's state of a client (link already down). Optional. */
  void (*client_free)(blec_client *c);
} blec__backend;

/* ---- backend table ---------------------------------------------------------------- */
extern const blec__backend blec__backend_virtual;
/** Backends compiled in, NULL-terminated; the default is the first whose probe passes. */
extern const blec__backend *const blec__backends[];

/* ---- what backends call: the context ---------------------------------------------- */
/** The backend's context state (NULL during init). */
void *blec__ctx_backend_priv(blec_ctx *ctx);
/** Narrows the context's capabilities to `caps` (within blec__backend.caps); in init only. */
void blec__ctx_set_caps(blec_ctx *ctx, uint32_t caps);
/** Why this context cannot scan passively (a static string, told with BLEC_ERR_NOT_SUPPORTED); in init only. */
void blec__ctx_set_passive_why(blec_ctx *ctx, const char *why);
/** The world given in the options (borrowed), or NULL. */
blec_world *blec__ctx_option_world(blec_ctx *ctx);
/** The adapter named in the options ("hci1"), or NULL for the system's default (init). */
const char *blec__ctx_options_adapter(const blec_ctx_options *opts);
/** The bond store path given in the options (init's opts, may be NULL): NULL when not given, "" for off. */
const char *blec__ctx_options_bond_store(const blec_ctx_options *opts);

/* ---- what backends call: operations ------------------------------------------------- */
blec_op *blec__op_ref(blec_op *op);
void blec__op_unref(blec_op *op);
/** Completes with status (BLEC_OK or negative); first completion wins: false if already done. */
bool blec__op_complete(blec_op *op, int status);
/** Completes with full detail. */
bool blec__op_complete_error(blec_op *op, const blec_error *err);
/** Completes BLEC_OK with a copy of data. */
bool blec__op_complete_data(blec_op *op, const uint8_t *data, size_t len);
/** Completes with an ATT error code (status BLEC_ERR_ATT, gatt_status PROTOCOL_ERROR). */
bool blec__op_complete_att(blec_op *op, int att_error);
bool blec__op_is_done(const blec_op *op);
/** The backend's per-op slot (e.g. a request id). */
void blec__op_set_backend_data(blec_op *op, int64_t v);
int64_t blec__op_backend_data(const blec_op *op);
blec_client *blec__op_client(const blec_op *op);

/* ---- scanners ------------------------------------------------------------------------- */
void *blec__scanner_backend_priv(const blec_scanner *s);
void blec__scanner_set_backend_priv(blec_scanner *s, void *p);
blec_ctx *blec__scanner_ctx(const blec_scanner *s);
blec_scan_mode blec__scanner_mode(const blec_scanner *s);
const blec_scan_options *blec__scanner_opts(const blec_scanner *s);
/** The service UUIDs of the scanner's options (blec_scan_options_add_service_uuid). */
size_t blec__scanner_services(const blec_scanner *s, const blec_uuid **list);
void blec__scanner_report(blec_scanner *s, const blec__report *r);
/** Scanning ended by itself (radio off): the scanner stops and its error callback runs. */
void blec__scanner_stopped(blec_scanner *s, const blec_error *err);

/* ---- clients --------------------------------------------------------------------------- */
void *blec__client_backend_priv(const blec_client *c);
void blec__client_set_backend_priv(blec_client *c, void *p);
blec_ctx *blec__client_ctx(const blec_client *c);
blec_client *blec__client_ref(blec_client *c);
void blec__client_unref(blec_client *c);
const char *blec__client_address(const blec_client *c);
blec_address_type blec__client_address_type(const blec_client *c);
/**
 * The services the program asked for (blec_client_options_add_service): their count, the
 * array in *uuids (lives with the client). 0 when it wants them all.
 */
size_t blec__client_services(const blec_client *c, const blec_uuid **uuids);
/** The backend id of the scanned device, or NULL (connect by address). */
const char *blec__client_backend_id(const blec_client *c);
void blec__client_set_name(blec_client *c, const char *name);
void blec__client_mtu(blec_client *c, int mtu);
/** A notification / indication value of a characteristic (value handle). */
void blec__client_value(blec_client *c, uint16_t value_handle, const uint8_t *data, size_t len);
/** The link went down by itself (not for blec__backend.disconnect). */
void blec__client_disconnected(blec_client *c, blec_disconnect_reason reason);

/* ---- pairing ceremonies ------------------------------------------------------------------ */
/**
 * The program's answer to a pairing question: BLEC_OK (accepted; `pin` set for
 * BLEC_PAIRING_PROVIDE_PIN, else NULL) or an error status: BLEC_ERR_PAIRING (rejected),
 * BLEC_ERR_NOT_SUPPORTED (no pairing callback can answer this kind), BLEC_ERR_CANCELLED
 * (the pairing op ended first, or the context is going away). Called exactly once, from
 * any thread, never inside blec__client_pairing_request itself, with no core lock held.
 * `pin` is borrowed for the call.
 */
typedef void (*blec__pairing_answer_fn)(void *arg, int status, const char *pin);
/**
 * Asks the program (its pairing callback, on the dispatch thread) during the pair op `op`.
 * `pin` is the PIN to compare or show (CONFIRM_PIN_MATCH, DISPLAY_PIN), else NULL.
 */
void blec__client_pairing_request(blec_client *c, blec_op *op, blec_pairing_kind kind, const char *pin,
                                  blec__pairing_answer_fn answer, void *arg);
/** Whether the program set a pairing callback on c (a backend whose OS asks fewer
 * questions of a program that cannot answer them picks its IO capability by it). */
bool blec__client_has_pairing_callback(blec_client *c);
/** Says why an answer's status failed a pairing, for the op's message ("rejected by the program"). */
const char *blec__pairing_refusal_text(int status, blec_pairing_kind kind);

/* ---- GATT model building (during discover) -------------------------------------------- */
/*
 * The attributes a discovery finds go into its op (the `op` of blec__backend.discover),
 * in database order, before the backend completes it: the op owns them until the core
 * takes them over from the completed op. Adding to an op that already completed (it was
 * cancelled or timed out meanwhile) is ignored (BLEC_ERR_STATE): filling never races with
 * the core, whatever ends the connection attempt.
 */
int blec__gatt_add_service(blec_op *op, uint16_t handle, uint16_t end_handle, const blec_uuid *uuid,
                           void *backend_obj);
/** Adds to the last service. */
int blec__gatt_add_characteristic(blec_op *op, uint16_t value_handle, const blec_uuid *uuid,
                                  uint32_t props, void *backend_obj);
/** Adds to the last characteristic. */
int blec__gatt_add_descriptor(blec_op *op, uint16_t handle, const blec_uuid *uuid, void *backend_obj);
/** The CCCD handle of the characteristic with this value handle in the current tree. */
int blec__client_cccd_handle(blec_client *c, uint16_t value_handle, uint16_t *cccd);
void *blec__characteristic_backend_obj(const blec_characteristic *chr);
void *blec__service_backend_obj(const blec_service *svc);
void *blec__descriptor_backend_obj(const blec_descriptor *d);

/* ---- logging ----------------------------------------------------------------------------- */
/** Whether a line at `level` would be logged (to skip formatting lines per packet). */
bool blec__log_wants(const blec_ctx *ctx, blec_log_level level);
void blec__log(blec_ctx *ctx, blec_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/**
 * Makes text valid UTF-8 without control characters, in place: each byte that is not
 * part of a valid sequence, and each control character, becomes '?' (messages that quote
 * outside input must not carry invalid text or terminal escape sequences).
 */
void blec__text_sanitize(char *text);

/**
 * Fills err: status, and a printf-style message (sanitized as blec__text_sanitize does;
 * an empty message on a failure becomes blec_strerror(status)).
 */
void blec__error_set(blec_error *err, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* BLEC_CORE_BACKEND_H */
