/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief blec — Bluetooth Low Energy central library: the whole public API.
 *
 * One public header; everything in it exists since version 0.1. Conventions that hold
 * for every function unless its comment says otherwise:
 *
 *  - Status: functions return int, BLEC_OK (0) on success or a negative blec_status.
 *  - Detail: calls that talk to a peripheral take an optional `blec_error *err` (may be
 *    NULL) that receives the detail of a failure (ATT code, OS status, a sentence). Every
 *    function taking one keeps one rule: on failure err->status equals the status it
 *    returns and err->message is not empty; on success err->status is BLEC_OK.
 *  - Strings: UTF-8, NUL-terminated. Returned `const char *` are owned by the object
 *    they come from and live as long as it.
 *  - No name: every call that names something (a UUID's description, a company, an
 *    appearance, an ATT error, a device's or client's name...) returns NULL when there is
 *    no name — never a placeholder such as "Unknown". The printable forms
 *    (blec_device_format and the like) write "Unknown" where bleak's repr does. Status
 *    texts (blec_status_name, blec_strerror) have text for any value.
 *  - Timeouts: `timeout_ms` in milliseconds bounds how long a call waits; 0 polls, and
 *    a negative value gives the call no limit of its own: it waits for ever, or — where
 *    the operation has a deadline of its own (a connect: the client options' timeout) —
 *    until that deadline. A scan's length (blec_discover's `duration_ms`) is not a
 *    timeout: it must not be negative.
 *  - Bad input: BLEC_ERR_PARSE comes only from the calls whose job is to parse text
 *    (blec_uuid_parse, blec_world_load_file / _string); a malformed argument of any other
 *    call (an address, a characteristic spec) is BLEC_ERR_INVALID_ARG.
 *  - Threads: every function may be called from any thread, including from inside any
 *    blec callback. Callbacks never run with a library lock held. Callbacks of one
 *    context run one at a time, in order (so those of one scanner or client are
 *    serialized), on the context's dispatch thread or, in queued delivery mode, inside
 *    blec_ctx_dispatch() on the program's thread.
 *  - Blocking vs asynchronous: every call that waits on a peripheral has a blocking form
 *    taking `timeout_ms` and an `_async` form that returns at once and reports through a
 *    blec_op_cb. An async completion never runs inside the call that started it.
 *  - `_async` calls: on BLEC_OK the operation completes later, exactly once, and `cb` (if
 *    not NULL) runs then with `user`. When the arguments are invalid, the state forbids
 *    the call (a client not connected) or the backend refuses a request at once, they
 *    return that error, no callback runs and `*op` is NULL. `op` may be NULL: the
 *    library then releases the operation; otherwise release it with blec_op_free. GATT
 *    requests have no deadline of their own: end them with blec_op_cancel (the blocking
 *    forms end them at `timeout_ms` with BLEC_ERR_TIMEOUT).
 *  - Option objects are not kept by the calls that take them (they are copied or read at
 *    once): free them right after.
 *  - Objects are opaque; `*_free` accepts NULL.
 */
#ifndef BLEC_BLEC_H
#define BLEC_BLEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------
 * Export macro. Build the shared library with BLEC_BUILDING_DLL (Windows) or hidden
 * visibility; link a static library with BLEC_STATIC defined.
 * ------------------------------------------------------------------------------- */
/**
 * @def BLEC_API
 * Marks the library's exported functions: `__declspec(dllexport)` / `dllimport` on
 * Windows (empty with BLEC_STATIC), default visibility with GCC and Clang.
 */
#if defined(BLEC_BUILDING_DLL) && defined(BLEC_STATIC)
#error "define at most one of BLEC_BUILDING_DLL and BLEC_STATIC"
#endif
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(BLEC_BUILDING_DLL)
#define BLEC_API __declspec(dllexport)
#elif defined(BLEC_STATIC)
#define BLEC_API
#else
#define BLEC_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define BLEC_API __attribute__((visibility("default")))
#else
#define BLEC_API
#endif

/* ---------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------- */
/** Major version of these headers. */
#define BLEC_VERSION_MAJOR 0
/** Minor version of these headers. */
#define BLEC_VERSION_MINOR 1
/** Patch version of these headers. */
#define BLEC_VERSION_PATCH 0
/** Version of these headers as text, "MAJOR.MINOR.PATCH". */
#define BLEC_VERSION_STRING "0.1.0"
/** 0xMMmmpp: compare with BLEC_VERSION_AT_LEAST at build time. */
#define BLEC_VERSION_HEX ((BLEC_VERSION_MAJOR << 16) | (BLEC_VERSION_MINOR << 8) | BLEC_VERSION_PATCH)
/** True when these headers are version maj.min.pat or newer; usable in `#if`. */
#define BLEC_VERSION_AT_LEAST(maj, min, pat) (BLEC_VERSION_HEX >= (((maj) << 16) | ((min) << 8) | (pat)))

/** Run-time version as BLEC_VERSION_HEX of the library actually loaded. Since 0.1. */
BLEC_API uint32_t blec_version(void);
/** Run-time version string, static. Since 0.1. */
BLEC_API const char *blec_version_string(void);

/* ---------------------------------------------------------------------------------
 * Status codes. One list yields the enum, the names and the messages. Numbers are
 * stable and append-only.
 * ------------------------------------------------------------------------------- */
/**
 * The status codes as an X-macro: `X(name, value, message)` per code. It yields
 * blec_status (`BLEC_##name = value`), blec_status_name and blec_strerror (`message`).
 */
#define BLEC_STATUS_MAP(X)                                                                   \
  X(OK, 0, "success")                                                                        \
  X(ERR_INVALID_ARG, -1, "invalid argument")                                                 \
  X(ERR_NO_MEMORY, -2, "out of memory")                                                      \
  X(ERR_TIMEOUT, -3, "operation timed out")                                                  \
  X(ERR_CANCELLED, -4, "operation cancelled")                                                \
  X(ERR_NOT_CONNECTED, -5, "not connected")                                                  \
  X(ERR_DEVICE_NOT_FOUND, -6, "device not found")                                            \
  X(ERR_NOT_SUPPORTED, -7, "not supported by the backend or the attribute")                 \
  X(ERR_ATT, -8, "ATT protocol error")                                                       \
  X(ERR_OS, -9, "operating system error")                                                    \
  X(ERR_SERVICE_NOT_FOUND, -10, "service not found")                                         \
  X(ERR_CHARACTERISTIC_NOT_FOUND, -11, "characteristic not found")                           \
  X(ERR_DESCRIPTOR_NOT_FOUND, -12, "descriptor not found")                                   \
  X(ERR_AMBIGUOUS, -13, "UUID matches more than one attribute")                              \
  X(ERR_BUSY, -14, "busy: already in progress")                                              \
  X(ERR_BLUETOOTH_UNAVAILABLE, -15, "Bluetooth is not available")                            \
  X(ERR_DISCONNECTED, -16, "the link was lost during the operation")                         \
  X(ERR_STATE, -17, "not allowed in the current state")                                      \
  X(ERR_PARSE, -18, "malformed input")                                                       \
  X(ERR_IO, -19, "input/output error")                                                       \
  X(ERR_PAIRING, -20, "pairing failed")                                                      \
  X(ERR_BACKEND_UNAVAILABLE, -21, "backend not available in this build or on this system")   \
  X(ERR_NOT_FOUND, -22, "not found")                                                         \
  X(ERR_INTERNAL, -23, "internal error")

/**
 * Status of a call or an operation: BLEC_OK (0) or a negative error. Each value's text
 * below is its blec_strerror sentence.
 */
typedef enum blec_status {
#define BLEC_STATUS_ENUM_(name, value, msg) BLEC_##name = value,
  BLEC_STATUS_MAP(BLEC_STATUS_ENUM_)
#undef BLEC_STATUS_ENUM_
  BLEC_STATUS_COUNT_ = 24 /**< number of codes; the lowest is -(BLEC_STATUS_COUNT_ - 1) */
} blec_status;

/** Symbol of a status ("BLEC_ERR_TIMEOUT"); static text, "BLEC_UNKNOWN" for unknown. */
BLEC_API const char *blec_status_name(int status);
/** Sentence for a status ("operation timed out"); static text for any value. */
BLEC_API const char *blec_strerror(int status);

/** Why Bluetooth is unavailable (blec_error.reason with BLEC_ERR_BLUETOOTH_UNAVAILABLE). */
typedef enum blec_unavailable_reason {
  BLEC_UNAVAILABLE_NONE = 0,              /**< Bluetooth is available */
  BLEC_UNAVAILABLE_NO_ADAPTER = 1,        /**< no Bluetooth adapter */
  BLEC_UNAVAILABLE_NO_CENTRAL_ROLE = 2,   /**< the adapter cannot act as a central */
  BLEC_UNAVAILABLE_POWERED_OFF = 3,       /**< the radio is powered off */
  BLEC_UNAVAILABLE_DENIED_BY_USER = 4,    /**< the user denied access to Bluetooth */
  BLEC_UNAVAILABLE_DENIED_BY_SYSTEM = 5,  /**< the system (policy, permissions) denied access */
  BLEC_UNAVAILABLE_RESOURCE_IN_USE = 6,   /**< the radio is in use by another program */
  BLEC_UNAVAILABLE_UNKNOWN = 7            /**< the OS does not know the radio's state (Windows: RadioState.Unknown) */
} blec_unavailable_reason;


/**
 * Detail of a failure. Filled by calls taking `blec_error *err` and by operations
 * (blec_op_error). Plain value: copy it freely. `status` is always set; other fields
 * are 0 (gatt_status: -1, BLEC_GATT_STATUS_NONE of blec_winrt.h) when they do not apply.
 */
typedef struct blec_error {
  int status;              /**< blec_status */
  int att_error;           /**< ATT error code (0x01–0xFF) when status is BLEC_ERR_ATT */
  int gatt_status;         /**< Windows GattCommunicationStatus (blec_gatt_status, blec_winrt.h), -1 if none */
  int32_t os_status;       /**< backend OS status (an HRESULT on Windows), 0 if none */
  int reason;              /**< blec_unavailable_reason with BLEC_ERR_BLUETOOTH_UNAVAILABLE */
  char message[192];       /**< a sentence of detail (UTF-8); not empty after a failed call */
} blec_error;

/** Resets `err` to success. */
BLEC_API void blec_error_clear(blec_error *err);
/**
 * Writes one line describing `err` into buf (always NUL-terminated when size > 0), e.g.
 * "ATT protocol error 0x05 (Insufficient Authentication): ...". The message is read
 * within its array (it need not be terminated). Returns buf.
 */
BLEC_API char *blec_error_format(const blec_error *err, char *buf, size_t size);
/**
 * Name of an ATT error code ("Insufficient Authentication"; "Application Error" for
 * 0x80-0x9F); static; NULL for a code without a name.
 */
BLEC_API const char *blec_att_error_name(int att_error);
/** Name of a blec_unavailable_reason ("radio powered off"); static; NULL for other values. */
BLEC_API const char *blec_unavailable_reason_name(int reason);

/** ATT error codes (Core spec Vol 3 Part F 3.4.1.1) for comparisons. */
enum {
  BLEC_ATT_INVALID_HANDLE = 0x01,                   /**< Invalid Handle */
  BLEC_ATT_READ_NOT_PERMITTED = 0x02,               /**< Read Not Permitted */
  BLEC_ATT_WRITE_NOT_PERMITTED = 0x03,              /**< Write Not Permitted */
  BLEC_ATT_INVALID_PDU = 0x04,                      /**< Invalid PDU */
  BLEC_ATT_INSUFFICIENT_AUTHENTICATION = 0x05,      /**< Insufficient Authentication */
  BLEC_ATT_REQUEST_NOT_SUPPORTED = 0x06,            /**< Request Not Supported */
  BLEC_ATT_INVALID_OFFSET = 0x07,                   /**< Invalid Offset */
  BLEC_ATT_INSUFFICIENT_AUTHORIZATION = 0x08,       /**< Insufficient Authorization */
  BLEC_ATT_PREPARE_QUEUE_FULL = 0x09,               /**< Prepare Queue Full */
  BLEC_ATT_ATTRIBUTE_NOT_FOUND = 0x0A,              /**< Attribute Not Found */
  BLEC_ATT_ATTRIBUTE_NOT_LONG = 0x0B,               /**< Attribute Not Long */
  BLEC_ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE = 0x0C, /**< Encryption Key Size Too Short */
  BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH = 0x0D,   /**< Invalid Attribute Value Length */
  BLEC_ATT_UNLIKELY_ERROR = 0x0E,                   /**< Unlikely Error */
  BLEC_ATT_INSUFFICIENT_ENCRYPTION = 0x0F,          /**< Insufficient Encryption */
  BLEC_ATT_UNSUPPORTED_GROUP_TYPE = 0x10,           /**< Unsupported Group Type */
  BLEC_ATT_INSUFFICIENT_RESOURCES = 0x11,           /**< Insufficient Resources */
  BLEC_ATT_DATABASE_OUT_OF_SYNC = 0x12,             /**< Database Out Of Sync */
  BLEC_ATT_VALUE_NOT_ALLOWED = 0x13                 /**< Value Not Allowed */
};

/**
 * What a bounded callback queue (notifications of a subscription, detections of a
 * scanner) does when a value arrives while it is full, because the callback is slower
 * than the values come. Every drop is counted (blec_client_notifications_dropped,
 * blec_scanner_detections_dropped) and the first one of a queue is logged as a warning.
 */
typedef enum blec_overflow {
  BLEC_OVERFLOW_DROP_OLDEST = 0, /**< the oldest queued value goes, the new one is kept (default) */
  BLEC_OVERFLOW_DROP_NEWEST = 1  /**< the new value goes, the queued ones are kept */
} blec_overflow;

/** Values a callback queue holds by default (4096); its limit is BLEC_MAX_CALLBACK_QUEUE. */
#define BLEC_DEFAULT_CALLBACK_QUEUE 4096
/** The largest capacity a callback queue may be given. */
#define BLEC_MAX_CALLBACK_QUEUE 1000000

/* ---------------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------------- */
/** Frees memory the library handed over (read values, formatted strings). NULL ok. */
BLEC_API void blec_free(void *p);

/* ---------------------------------------------------------------------------------
 * UUIDs. A value type: 16 bytes in the order they are written ("0000180d-0000-1000-
 * 8000-00805f9b34fb" is b[0]=0x00 ... b[15]=0xfb). 16- and 32-bit forms are expanded
 * against the Bluetooth base UUID.
 * ------------------------------------------------------------------------------- */
/** A 128-bit UUID, a plain value: compare with blec_uuid_equal, print with blec_uuid_to_string. */
typedef struct blec_uuid {
  uint8_t b[16]; /**< the bytes in written order ("0000180d-..." is b[0]=0x00, b[3]=0x0d) */
} blec_uuid;

/** Buffer size for blec_uuid_to_string (36 chars + NUL). */
#define BLEC_UUID_STRLEN 37

/**
 * Parses "180d", "0x180D", "2A37", "0000180d", 32-bit "12345678", 128-bit with or
 * without dashes or braces, any case. Returns BLEC_ERR_PARSE for anything else.
 */
BLEC_API int blec_uuid_parse(const char *text, blec_uuid *out);
/** A 16-bit assigned number expanded against the base UUID. */
BLEC_API blec_uuid blec_uuid_from16(uint16_t v);
/** A 32-bit value expanded against the base UUID. */
BLEC_API blec_uuid blec_uuid_from32(uint32_t v);
/** From 16 bytes in little-endian (over-the-air) order; the nil UUID (all zero) for NULL. */
BLEC_API blec_uuid blec_uuid_from_le_bytes(const uint8_t le[16]);
/** True when `u` is based on the Bluetooth base UUID and fits 16 bits; stores it. */
BLEC_API bool blec_uuid_to16(const blec_uuid *u, uint16_t *out);
/** True when `u` is based on the Bluetooth base UUID (16- or 32-bit); stores it. */
BLEC_API bool blec_uuid_to32(const blec_uuid *u, uint32_t *out);
/** True when both hold the same 16 bytes (two NULLs are equal; NULL and a UUID are not). */
BLEC_API bool blec_uuid_equal(const blec_uuid *a, const blec_uuid *b);
/** Canonical lower-case 36-character form into buf[BLEC_UUID_STRLEN]; returns buf. */
BLEC_API char *blec_uuid_to_string(const blec_uuid *u, char buf[BLEC_UUID_STRLEN]);
/**
 * Human description: a name the program registered (blec_uuid_register_name), else the
 * Bluetooth SIG assigned numbers (services, characteristics, descriptors, members) or
 * well-known vendor UUIDs ("Heart Rate", "Nordic UART Service"); static text (lives as
 * long as the process); NULL when none.
 */
BLEC_API const char *blec_uuid_description(const blec_uuid *u);
/**
 * Registers a description for a (vendor) UUID, as bleak's register_uuids: every
 * description blec gives or prints (blec_uuid_description, services, characteristics,
 * descriptors, printable forms, the blec tool) uses it from then on, before the assigned
 * numbers. Process-wide and thread-safe; registering a UUID again replaces its name. The
 * description is copied: valid UTF-8 without control characters, 1 to 120 bytes
 * (BLEC_ERR_INVALID_ARG otherwise). At most 4096 names (BLEC_ERR_NO_MEMORY beyond).
 * Since 0.2.
 */
BLEC_API int blec_uuid_register_name(const blec_uuid *uuid, const char *description);
/**
 * Registers the names of a text, one "UUID description" a line ('#' starts a comment
 * line, blank lines are skipped): all of them, or none when a line is bad
 * (BLEC_ERR_PARSE, "line N: why" in err). Since 0.2.
 */
BLEC_API int blec_uuid_register_names(const char *text, blec_error *err);
/** blec_uuid_register_names with the text of a file (BLEC_ERR_IO when unreadable). Since 0.2. */
BLEC_API int blec_uuid_register_names_file(const char *path, blec_error *err);
/** Company name for a Bluetooth SIG company identifier; static; NULL when unknown. */
BLEC_API const char *blec_company_name(uint16_t company_id);
/** Appearance name ("Heart Rate Sensor"); static; NULL when unknown. */
BLEC_API const char *blec_appearance_name(uint16_t appearance);

/* ---------------------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------------------- */
/** Severity of a log line; a context logs the lines at or below its level. */
typedef enum blec_log_level {
  BLEC_LOG_NONE = 0,    /**< as a level: log nothing */
  BLEC_LOG_ERROR = 1,   /**< failures */
  BLEC_LOG_WARNING = 2, /**< unexpected events (the default level) */
  BLEC_LOG_INFO = 3,    /**< life of contexts and connections */
  BLEC_LOG_DEBUG = 4    /**< details for diagnosis */
} blec_log_level;

/**
 * Receives log lines (no trailing newline). Runs on whichever thread logs, possibly
 * with no context lock but inside library work: it must not call blec functions.
 */
typedef void (*blec_log_cb)(blec_log_level level, const char *message, void *user);

/* ---------------------------------------------------------------------------------
 * Context: one library instance, one backend.
 * ------------------------------------------------------------------------------- */
/** A library instance bound to one backend, with its dispatch thread (or queue) and timers. */
typedef struct blec_ctx blec_ctx;
/** Settings of blec_ctx_new. */
typedef struct blec_ctx_options blec_ctx_options;
/** A virtual radio world served by the `virtual` backend; reference counted (blec_world.h). */
typedef struct blec_world blec_world; /* see blec_world.h */

/** How callbacks reach the program. */
typedef enum blec_delivery {
  /** A library-owned dispatch thread runs every callback (the default). */
  BLEC_DELIVERY_THREAD = 0,
  /**
   * Callbacks are queued; the program runs them with blec_ctx_dispatch() when
   * blec_ctx_wait_handle() becomes readable/signalled.
   */
  BLEC_DELIVERY_QUEUED = 1
} blec_delivery;

/** Backend capability bits (blec_ctx_capabilities). */
enum {
  BLEC_CAP_SCAN = 1u << 0,                 /**< scanners, blec_discover, blec_find_device */
  BLEC_CAP_PASSIVE_SCAN = 1u << 1,         /**< BLEC_SCAN_PASSIVE */
  BLEC_CAP_SIGNAL_FILTER = 1u << 2,        /**< blec_scan_options_set_signal_filter */
  BLEC_CAP_ADV_FILTER = 1u << 3,           /**< the blec_scan_options_filter_* calls */
  BLEC_CAP_CONNECT = 1u << 4,              /**< clients */
  BLEC_CAP_CACHE_MODE = 1u << 5,           /**< cache modes, BLEC_READ_CACHED */
  BLEC_CAP_PAIRING = 1u << 6,              /**< blec_client_pair, blec_client_options_set_pair */
  BLEC_CAP_UNPAIR = 1u << 7,               /**< blec_client_unpair */
  BLEC_CAP_CONNECT_WITHOUT_SCAN = 1u << 8, /**< connecting to an address without scanning first */
  BLEC_CAP_INDICATIONS = 1u << 9,          /**< subscribing to indications */
  BLEC_CAP_MTU_EVENTS = 1u << 10,          /**< MTU changes on a live link reach blec_mtu_cb */
  /**
   * Reports come as the packets came: advertisement or scan response
   * (blec_adv_last_type, blec_adv_payload), connectable or not, their own AD
   * structures. Without it the OS merges the packets and the backend rebuilds the
   * structures from the fields it publishes (BlueZ): every report is then an
   * advertisement said to be connectable, and the raw structures are the backend's.
   */
  BLEC_CAP_RAW_ADVERTISING = 1u << 11,
  /**
   * blec_client_pair fails when the level asked cannot be reached. Without it the OS
   * takes no level (BlueZ's Pair()): the ceremony decides, and a pairing asked at
   * BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION that ends unauthenticated fails only
   * after the OS kept the (encrypted) bond.
   */
  BLEC_CAP_PAIRING_LEVELS = 1u << 12,
  /** BLEC_NOTIFY_FORCE_INDICATE on a characteristic that offers both (BlueZ's StartNotify picks notifications). */
  BLEC_CAP_FORCE_INDICATE = 1u << 13,
  /**
   * A Just Works pairing asks the pairing callback (BLEC_PAIRING_CONFIRM_ONLY). Without
   * it the OS pairs without asking (BlueZ: the kernel accepts the Just Works pairing it
   * initiated).
   */
  BLEC_CAP_CONFIRM_JUST_WORKS = 1u << 14,
  /**
   * Insufficient Authentication / Encryption reach the program as ATT errors. Without it
   * the OS raises the link's security by itself on them (pairing when needed) and
   * retries the request (BlueZ).
   */
  BLEC_CAP_SECURITY_ERRORS = 1u << 15,
  /**
   * blec_disconnected_cb tells a link loss from the peripheral's disconnection. Without
   * it a link that went by itself is reported BLEC_DISCONNECT_REMOTE (BlueZ before 5.83,
   * which has no Device1.Disconnected signal).
   */
  BLEC_CAP_DISCONNECT_REASONS = 1u << 16,
  /**
   * A cancelled (or timed-out) GATT request or pairing is withdrawn from the link: it has
   * no effect and the link serves the next requests at once. Without it the OS cannot
   * withdraw a request once sent (BlueZ: an ATT request stays outstanding until the
   * peripheral answers or the ATT timeout ends the link): the operation still completes
   * with BLEC_ERR_CANCELLED at once, but a write may still land and the next requests
   * wait behind it.
   */
  BLEC_CAP_CANCEL_REQUESTS = 1u << 17,
  /**
   * A service discovery the peripheral does not answer fails with
   * BLEC_GATT_STATUS_UNREACHABLE and is retried as blec_client_options_set_discovery_retry
   * says. Without it the OS discovers the services inside its own connection (BlueZ) and
   * ends the link when the discovery gets no answer: the connect fails (the link's loss,
   * or its timeout) and the retry option has no effect.
   */
  BLEC_CAP_DISCOVERY_RETRY = 1u << 18,
  /**
   * A client without a pairing callback pairs as a device with no input and no output
   * (BlueZ: blec's agent is registered NoInputNoOutput for it): Just Works whatever the
   * peripheral's input/output, an unauthenticated bond, no question asked. Without it a
   * ceremony that needs a PIN is refused and the pairing fails, naming
   * blec_client_set_pairing_callback. Either way a pairing asked at
   * BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION needs the callback's answer. Since 0.2.
   */
  BLEC_CAP_JUST_WORKS_WITHOUT_CALLBACK = 1u << 19
};

/**
 * New options with defaults: the default backend (or $BLEC_BACKEND, see blec_ctx_new),
 * the system's default adapter, $BLEC_LOG, thread delivery. NULL when out of memory;
 * free with blec_ctx_options_free.
 */
BLEC_API blec_ctx_options *blec_ctx_options_new(void);
/** Frees options and drops their world reference. Contexts created from them are not affected. */
BLEC_API void blec_ctx_options_free(blec_ctx_options *opts);
/** "virtual", "winrt", "bluez", or NULL for the default. The name is copied. */
BLEC_API int blec_ctx_options_set_backend(blec_ctx_options *opts, const char *name);
/** Log level; takes precedence over $BLEC_LOG (default BLEC_LOG_WARNING). */
BLEC_API int blec_ctx_options_set_log_level(blec_ctx_options *opts, blec_log_level level);
/** Where log lines go (see blec_log_cb); without a callback (cb NULL) they go to stderr. */
BLEC_API int blec_ctx_options_set_log_callback(blec_ctx_options *opts, blec_log_cb cb, void *user);
/** How callbacks reach the program (default BLEC_DELIVERY_THREAD). */
BLEC_API int blec_ctx_options_set_delivery(blec_ctx_options *opts, blec_delivery mode);
/**
 * The virtual world the `virtual` backend serves (ignored by other backends). The
 * context takes a reference; without one the built-in default world is used, or the file
 * named by $BLEC_WORLD.
 */
BLEC_API int blec_ctx_options_set_world(blec_ctx_options *opts, blec_world *world);

/**
 * The Bluetooth adapter to use, by its system name: "hci0", "hci1", ... on Linux. NULL
 * (the default) uses the system's default adapter (BlueZ's: the first one). The name is
 * copied; it must be 1 to 32 letters, digits, '-' or '_' (BLEC_ERR_INVALID_ARG). A
 * context whose adapter does not exist opens, and blec_ctx_check_bluetooth reports
 * BLEC_UNAVAILABLE_NO_ADAPTER. Backends without a choice of adapter (virtual, winrt)
 * ignore it.
 */
BLEC_API int blec_ctx_options_set_adapter(blec_ctx_options *opts, const char *name);

/**
 * Where the `virtual` backend keeps its bonds between programs, as an OS does (ignored
 * by other backends, whose OS keeps its own): the path of its bond store file, or ""
 * to keep none (bonds then last as long as the world). NULL (the default) means
 * $BLEC_BOND_STORE ("off" or "" turns the store off), else the file "virtual-bonds" in
 * the user's state directory: $XDG_STATE_HOME/blec or ~/.local/state/blec on POSIX,
 * the folder blec in %LOCALAPPDATA% on Windows. The path is copied (at most 1023 bytes).
 */
BLEC_API int blec_ctx_options_set_bond_store(blec_ctx_options *opts, const char *path);
/**
 * The user's state directory, where blec keeps what outlives a program (the virtual
 * backend's bond store, `blec shell`'s history): $XDG_STATE_HOME/blec (an absolute
 * XDG_STATE_HOME) or ~/.local/state/blec on POSIX, the folder blec in %LOCALAPPDATA%
 * on Windows. Written into buf (size bytes with the NUL); the directory may not exist
 * yet. BLEC_ERR_NOT_FOUND when there is none (no home directory), BLEC_ERR_INVALID_ARG
 * when buf is NULL or too small. Since 0.2.
 */
BLEC_API int blec_user_state_dir(char *buf, size_t size);

/**
 * Creates a context. `opts` may be NULL (defaults); it is not kept. `err` gets detail on
 * failure (BLEC_ERR_BACKEND_UNAVAILABLE when the named backend is not in this build).
 *
 * The default backend, when neither the options nor $BLEC_BACKEND name one, is the
 * platform's when it answers and `virtual` otherwise: on Linux `bluez` when a
 * bluetoothd owns org.bluez on the system bus (checked once, here); on Windows, for
 * now, `virtual`. blec_ctx_backend_fallback says when and why the context fell back.
 */
BLEC_API int blec_ctx_new(const blec_ctx_options *opts, blec_ctx **out, blec_error *err);
/**
 * Frees the context, dropping the callbacks still queued. Every scanner and client of it
 * must be freed first: while one lives the call refuses with BLEC_ERR_STATE and frees
 * nothing, and so it does when called from a callback of this context. Finds and
 * discovers still running are ended first: they complete with BLEC_ERR_CANCELLED (a
 * blocking one returns it) and their callbacks are dropped with the rest (a callback
 * running on the dispatch thread finishes first). Operations the program holds stay
 * readable until blec_op_free.
 */
BLEC_API int blec_ctx_free(blec_ctx *ctx);
/** Name of the context's backend ("virtual"). */
BLEC_API const char *blec_ctx_backend_name(const blec_ctx *ctx);
/**
 * When the context took the default backend and the platform's did not answer (on
 * Linux: no bluetoothd on the system bus), a sentence saying why it runs on `virtual`
 * instead; NULL otherwise (a backend was named, or the platform's answered). Lives as
 * long as the context.
 */
BLEC_API const char *blec_ctx_backend_fallback(const blec_ctx *ctx);
/**
 * BLEC_CAP_* bits of the backend for this context: what it can do with the OS service it
 * found when the context was created (bluez: what this bluetoothd offers).
 */
BLEC_API uint32_t blec_ctx_capabilities(const blec_ctx *ctx);
/** The world a `virtual` context drives (borrowed), NULL for other backends. */
BLEC_API blec_world *blec_ctx_world(const blec_ctx *ctx);
/**
 * Whether Bluetooth is usable now: BLEC_OK, or BLEC_ERR_BLUETOOTH_UNAVAILABLE with the
 * reason in err->reason.
 */
BLEC_API int blec_ctx_check_bluetooth(blec_ctx *ctx, blec_error *err);

/** A waitable OS handle: a file descriptor on POSIX, a HANDLE on Windows. */
typedef intptr_t blec_os_handle;
/**
 * Queued mode: a handle that is readable (POSIX) / signalled (Windows) while callbacks
 * are queued. Never fails; it stays valid for the context's life. Wake-ups coalesce, and
 * the handle is cleared lazily: after blec_ctx_dispatch ran the last queued callbacks it
 * may stay ready until the next blec_ctx_dispatch, which then returns 0 and clears it (so
 * a steady stream costs no system call per callback). In thread mode it is still valid
 * but never becomes ready.
 */
BLEC_API blec_os_handle blec_ctx_wait_handle(blec_ctx *ctx);
/**
 * Queued mode: runs queued callbacks on the calling thread, waiting up to timeout_ms for
 * the first. Returns the number run (>= 0) or a negative status (BLEC_ERR_STATE in thread
 * mode or when called from a callback).
 */
BLEC_API int blec_ctx_dispatch(blec_ctx *ctx, int timeout_ms);

/* ---------------------------------------------------------------------------------
 * Advertisement data: an immutable snapshot, the advertisement merged with its scan
 * response (the latest value of each single field wins; list entries are all kept).
 * Reference counted.
 * ------------------------------------------------------------------------------- */
/**
 * A device's advertisement data: immutable, reference counted. What its getters return
 * lives as long as the snapshot.
 */
typedef struct blec_adv blec_adv;

/** Kind of a Bluetooth device address. */
typedef enum blec_address_type {
  BLEC_ADDRESS_UNSPECIFIED = 0, /**< options only: let the backend decide */
  BLEC_ADDRESS_PUBLIC = 1,      /**< public (IEEE-assigned) address */
  BLEC_ADDRESS_RANDOM = 2       /**< random address (static or private) */
} blec_address_type;

/** Kind of the last PDU merged into an advertisement. */
typedef enum blec_adv_type {
  BLEC_ADV_IND = 0,         /**< connectable, scannable */
  BLEC_ADV_DIRECT_IND = 1,  /**< connectable, directed */
  BLEC_ADV_SCAN_IND = 2,    /**< scannable, not connectable */
  BLEC_ADV_NONCONN_IND = 3, /**< neither */
  BLEC_ADV_SCAN_RSP = 4     /**< scan response */
} blec_adv_type;

/** Buffer size for an address string "AA:BB:CC:DD:EE:FF" + NUL. */
#define BLEC_ADDR_STRLEN 18

/** Takes a reference (NULL ok); returns adv. */
BLEC_API blec_adv *blec_adv_ref(blec_adv *adv);
/** Drops a reference; the last one frees the snapshot. NULL ok. */
BLEC_API void blec_adv_unref(blec_adv *adv);
/**
 * Local name (complete, else shortened; a non-empty one before an empty one). NULL when
 * no name structure was advertised, "" when one was advertised empty.
 */
BLEC_API const char *blec_adv_local_name(const blec_adv *adv);
/** RSSI in dBm of the latest packet. */
BLEC_API int blec_adv_rssi(const blec_adv *adv);
/** TX power level: true and *dbm set when advertised; false when absent. */
BLEC_API bool blec_adv_tx_power(const blec_adv *adv, int *dbm);
/** Appearance: true and *value set when advertised. */
BLEC_API bool blec_adv_appearance(const blec_adv *adv, uint16_t *value);
/** Flags AD (0x01): true and *flags set when advertised. */
BLEC_API bool blec_adv_flags(const blec_adv *adv, uint8_t *flags);
/**
 * Address type the latest packet carried; BLEC_ADDRESS_UNSPECIFIED when the OS does not
 * say (Windows before 10 version 2004: the winrt backend never guesses "public").
 */
BLEC_API blec_address_type blec_adv_address_type(const blec_adv *adv);
/** Whether the latest advertisement (a scan response keeps it) was connectable. */
BLEC_API bool blec_adv_connectable(const blec_adv *adv);
/** Kind of the latest packet merged in. */
BLEC_API blec_adv_type blec_adv_last_type(const blec_adv *adv);
/** Microseconds on the library's monotonic clock when the latest packet arrived. */
BLEC_API uint64_t blec_adv_timestamp_us(const blec_adv *adv);

/**
 * Manufacturer data entries: one per structure, in order (advertisement, then scan
 * response). A company id may repeat (an iBeacon followed by another Apple structure).
 */
BLEC_API size_t blec_adv_manufacturer_count(const blec_adv *adv);
/**
 * Entry i (below blec_adv_manufacturer_count): company id and the payload after it
 * (borrowed, lives with adv). Any out-pointer may be NULL. BLEC_ERR_INVALID_ARG if i is
 * out of range.
 */
BLEC_API int blec_adv_manufacturer_at(const blec_adv *adv, size_t i, uint16_t *company_id,
                                      const uint8_t **data, size_t *len);
/**
 * The payload of the first entry of `company_id`, as blec_adv_manufacturer_at (iterate
 * with it to see repeated entries); BLEC_ERR_NOT_FOUND when absent.
 */
BLEC_API int blec_adv_manufacturer_find(const blec_adv *adv, uint16_t company_id,
                                        const uint8_t **data, size_t *len);

/**
 * Service data entries: one per structure, in order; 16-, 32- and 128-bit forms all
 * become a blec_uuid, and a UUID may repeat.
 */
BLEC_API size_t blec_adv_service_data_count(const blec_adv *adv);
/**
 * Entry i (below blec_adv_service_data_count): its UUID and the payload after the UUID
 * (borrowed, lives with adv). Any out-pointer may be NULL. BLEC_ERR_INVALID_ARG if i is
 * out of range.
 */
BLEC_API int blec_adv_service_data_at(const blec_adv *adv, size_t i, blec_uuid *uuid,
                                      const uint8_t **data, size_t *len);
/**
 * The payload of the first entry of `uuid`, as blec_adv_service_data_at;
 * BLEC_ERR_NOT_FOUND when absent.
 */
BLEC_API int blec_adv_service_data_find(const blec_adv *adv, const blec_uuid *uuid,
                                        const uint8_t **data, size_t *len);

/** Advertised service UUIDs (complete and incomplete lists, all sizes), no duplicates. */
BLEC_API size_t blec_adv_service_uuid_count(const blec_adv *adv);
/** UUID i (below blec_adv_service_uuid_count) into \*uuid; BLEC_ERR_INVALID_ARG if out of range. */
BLEC_API int blec_adv_service_uuid_at(const blec_adv *adv, size_t i, blec_uuid *uuid);
/** True when `uuid` is among the advertised service UUIDs. */
BLEC_API bool blec_adv_has_service_uuid(const blec_adv *adv, const blec_uuid *uuid);

/** Every AD structure of the advertisement then of the scan response, as received. */
BLEC_API size_t blec_adv_raw_count(const blec_adv *adv);
/**
 * AD structure i (below blec_adv_raw_count): its type and payload, without the length
 * and type bytes (borrowed, lives with adv). BLEC_ERR_INVALID_ARG if i is out of range.
 */
BLEC_API int blec_adv_raw_at(const blec_adv *adv, size_t i, uint8_t *ad_type,
                             const uint8_t **data, size_t *len);
/** The last raw payload of the advertisement (scan_response false) or scan response. */
BLEC_API const uint8_t *blec_adv_payload(const blec_adv *adv, bool scan_response, size_t *len);

/* ---------------------------------------------------------------------------------
 * Device: a peripheral seen by a scanner. Immutable snapshot, reference counted.
 * ------------------------------------------------------------------------------- */
/** A peripheral seen by a scan: address, address type and latest data; reference counted. */
typedef struct blec_device blec_device;

/** Takes a reference (NULL ok); returns dev. */
BLEC_API blec_device *blec_device_ref(blec_device *dev);
/** Drops a reference; the last one frees the snapshot. NULL ok. */
BLEC_API void blec_device_unref(blec_device *dev);
/** "AA:BB:CC:DD:EE:FF", upper case. */
BLEC_API const char *blec_device_address(const blec_device *dev);
/** Local name from the merged advertisement data (blec_adv_local_name): NULL when none was advertised. */
BLEC_API const char *blec_device_name(const blec_device *dev);
/** Address type of the latest advertisement (UNSPECIFIED when the OS does not say, see blec_adv_address_type). */
BLEC_API blec_address_type blec_device_address_type(const blec_device *dev);
/** Latest merged advertisement data (borrowed: lives as long as dev). */
BLEC_API const blec_adv *blec_device_adv(const blec_device *dev);
/** The backend's own identifier (a Windows device id, a world address); borrowed. */
BLEC_API const char *blec_device_backend_id(const blec_device *dev);
/**
 * Printable form of a device, as bleak prints a BLEDevice: "C0:FF:EE:00:00:01: Heart Rate
 * Sensor" ("None" for the name when it has none). Writes into buf (always NUL-terminated
 * when size > 0; cut with "..." when too small); returns buf. Since 0.2.
 */
BLEC_API char *blec_device_format(const blec_device *dev, char *buf, size_t size);
/**
 * Printable form of advertisement data, as bleak's AdvertisementData repr:
 * "AdvertisementData(local_name='Bulb', manufacturer_data={65535: b'\x01\x02'},
 * service_data={...}, service_uuids=[...], tx_power=-4, rssi=-66)" (absent fields left
 * out; repeated manufacturer or service data entries all shown, in order). As
 * blec_device_format for buf; 1024 bytes hold all but the longest. Since 0.2.
 */
BLEC_API char *blec_adv_format(const blec_adv *adv, char *buf, size_t size);
/** Frees an array returned by blec_scanner_devices / blec_discover and its references. */
BLEC_API void blec_device_list_free(blec_device **list, size_t count);

/* ---------------------------------------------------------------------------------
 * Operations: the asynchronous form of every waiting call.
 * ------------------------------------------------------------------------------- */
/**
 * An operation started by an `_async` call. It keeps its result once complete; the
 * caller's reference (when it asked for one) is released with blec_op_free.
 */
typedef struct blec_op blec_op;

/**
 * Completion of an asynchronous call. Runs once, on the dispatch thread (or in
 * blec_ctx_dispatch), never inside the call that started the operation; `op` is
 * borrowed for the call. Read the result with blec_op_status / blec_op_error /
 * blec_op_data / blec_op_device.
 */
typedef void (*blec_op_cb)(blec_op *op, void *user);

/**
 * Cancels: the operation completes (if it has not) with BLEC_ERR_CANCELLED and its
 * callback still runs once. Returns BLEC_OK, or BLEC_ERR_STATE when already complete.
 */
BLEC_API int blec_op_cancel(blec_op *op);
/**
 * Waits for completion: the operation's status, or BLEC_ERR_TIMEOUT when still running
 * after timeout_ms (the operation goes on).
 */
BLEC_API int blec_op_wait(blec_op *op, int timeout_ms);
/** True once the operation is complete and its result readable (its callback may still be pending). */
BLEC_API bool blec_op_done(const blec_op *op);
/** BLEC_ERR_BUSY while running, else the final status. */
BLEC_API int blec_op_status(const blec_op *op);
/** Detail of the final status (borrowed, lives with op); NULL before completion. */
BLEC_API const blec_error *blec_op_error(const blec_op *op);
/** Bytes a read produced (borrowed, lives with op); NULL before completion. */
BLEC_API const uint8_t *blec_op_data(const blec_op *op, size_t *len);
/** The device a find produced (borrowed; blec_device_ref to keep); NULL before completion. */
BLEC_API blec_device *blec_op_device(const blec_op *op);
/**
 * Devices a discover produced (borrowed array, lives with op), count in \*count; NULL
 * before completion.
 */
BLEC_API blec_device *const *blec_op_devices(const blec_op *op, size_t *count);
/**
 * Drops the caller's reference (from an `_async(..., &op)` call). Does not cancel: a
 * running operation still completes and its callback still runs.
 */
BLEC_API void blec_op_free(blec_op *op);

/* ---------------------------------------------------------------------------------
 * Scanner
 * ------------------------------------------------------------------------------- */
/** A scan that can be started and stopped; reports to a callback and/or a stream. */
typedef struct blec_scanner blec_scanner;
/**
 * Settings of a scanner or of a one-shot scan (blec_discover, blec_find_device). Filters
 * the backend cannot apply make the scan fail to start with BLEC_ERR_NOT_SUPPORTED.
 */
typedef struct blec_scan_options blec_scan_options;

/** Scan mode. */
typedef enum blec_scan_mode { BLEC_SCAN_ACTIVE = 0, BLEC_SCAN_PASSIVE = 1 } blec_scan_mode;
/** @var BLEC_SCAN_ACTIVE
 *  Requests scan responses (the default). */
/** @var BLEC_SCAN_PASSIVE
 *  Only listens: no scan responses (needs BLEC_CAP_PASSIVE_SCAN). On bluez the scan
 *  also needs a filter (a service UUID, the local name, manufacturer data, a data
 *  section or a byte pattern): BlueZ's advertisement monitors match byte patterns made
 *  of it, else BLEC_ERR_NOT_SUPPORTED. */

/**
 * Called for every advertisement and scan response that passes the filters, with the
 * device and its merged data (both borrowed for the call; ref them to keep). Runs on the
 * dispatch thread (or in blec_ctx_dispatch).
 */
typedef void (*blec_detection_cb)(blec_scanner *scanner, blec_device *dev, const blec_adv *adv,
                                  void *user);
/**
 * Called when scanning stops by itself (radio turned off, resource lost): the status is
 * in err (BLEC_ERR_BLUETOOTH_UNAVAILABLE with a reason, typically). Runs on the dispatch
 * thread (or in blec_ctx_dispatch); `err` is borrowed for the call.
 */
typedef void (*blec_scan_error_cb)(blec_scanner *scanner, const blec_error *err, void *user);
/**
 * Find predicate: true when `dev` is the one wanted. Runs on a library thread (not the
 * dispatch thread) while a find waits; it must be quick and must not call blocking blec
 * functions.
 */
typedef bool (*blec_device_predicate)(const blec_device *dev, const blec_adv *adv, void *user);

/** New scan options: active, no filter, no stream. NULL when out of memory. */
BLEC_API blec_scan_options *blec_scan_options_new(void);
/** Frees scan options. Scanners and scans started with them keep their own copy. */
BLEC_API void blec_scan_options_free(blec_scan_options *opts);
/** Active (default) or passive scanning. */
BLEC_API int blec_scan_options_set_mode(blec_scan_options *opts, blec_scan_mode mode);
/** Only advertisements listing one of these service UUIDs are reported. Repeatable. */
BLEC_API int blec_scan_options_add_service_uuid(blec_scan_options *opts, const blec_uuid *uuid);
/**
 * Signal-strength filter (Windows BluetoothSignalStrengthFilter semantics): a device is
 * reported once its RSSI reaches in_range_dbm and until it stays below out_of_range_dbm
 * for out_of_range_timeout_ms; reports of one device are spaced by at least
 * sampling_interval_ms (0 = every packet). Pass INT16_MIN / negative to leave one unset.
 */
BLEC_API int blec_scan_options_set_signal_filter(blec_scan_options *opts, int in_range_dbm,
                                                 int out_of_range_dbm, int out_of_range_timeout_ms,
                                                 int sampling_interval_ms);
/** Advertisement filter (BluetoothLEAdvertisementFilter): local name must equal this. */
BLEC_API int blec_scan_options_filter_local_name(blec_scan_options *opts, const char *name);
/** Advertisement filter: must advertise this service UUID (all added must be present). */
BLEC_API int blec_scan_options_filter_service_uuid(blec_scan_options *opts, const blec_uuid *uuid);
/**
 * Advertisement filter: a manufacturer data entry of company whose payload starts with
 * data (any entry, when the company id repeats).
 */
BLEC_API int blec_scan_options_filter_manufacturer(blec_scan_options *opts, uint16_t company_id,
                                                   const uint8_t *data, size_t len);
/** Advertisement filter: an AD structure of ad_type whose payload starts with data. */
BLEC_API int blec_scan_options_filter_data_section(blec_scan_options *opts, uint8_t ad_type,
                                                   const uint8_t *data, size_t len);
/** Advertisement filter: byte pattern at offset in an AD structure's payload of ad_type. */
BLEC_API int blec_scan_options_filter_byte_pattern(blec_scan_options *opts, uint8_t ad_type,
                                                   int offset, const uint8_t *data, size_t len);
/**
 * Keeps up to `capacity` reports for blec_scanner_next (the oldest is dropped when full,
 * counted by blec_scanner_stream_dropped). 0 (default) disables the stream. For several
 * readers, each with its own queue, see blec_scan_stream_open.
 */
BLEC_API int blec_scan_options_set_stream(blec_scan_options *opts, size_t capacity);
/**
 * Bounds the detections waiting for the detection callback (default
 * BLEC_DEFAULT_CALLBACK_QUEUE, drop the oldest): when the callback is slower than the
 * reports, memory stays flat and the excess is dropped per `policy` and counted
 * (blec_scanner_detections_dropped). capacity 1 to BLEC_MAX_CALLBACK_QUEUE. Since 0.1.
 */
BLEC_API int blec_scan_options_set_callback_queue(blec_scan_options *opts, size_t capacity,
                                                  blec_overflow policy);

/**
 * Creates a scanner (not started). opts may be NULL; it is copied. cb may be NULL; cb and
 * user are fixed for the scanner's life. BLEC_ERR_NOT_SUPPORTED without BLEC_CAP_SCAN.
 * Free it with blec_scanner_free before the context.
 */
BLEC_API int blec_scanner_new(blec_ctx *ctx, const blec_scan_options *opts, blec_detection_cb cb,
                              void *user, blec_scanner **out);
/** Sets (cb NULL clears) the callback run when scanning stops by itself. */
BLEC_API void blec_scanner_set_error_callback(blec_scanner *scanner, blec_scan_error_cb cb,
                                              void *user);
/**
 * Starts scanning; clears the seen devices. BLEC_ERR_BUSY if running,
 * BLEC_ERR_BLUETOOTH_UNAVAILABLE when the radio is off.
 */
BLEC_API int blec_scanner_start(blec_scanner *scanner, blec_error *err);
/**
 * Stops scanning. When it returns no callback of this scanner runs or will run: queued
 * detections are dropped, and a callback running on another thread has ended (called from
 * one of this context's callbacks, it does not wait: that callback may still be running).
 * Do not call it while holding a lock the scanner's callbacks take. BLEC_ERR_STATE if not
 * running.
 */
BLEC_API int blec_scanner_stop(blec_scanner *scanner);
/** True from a successful start until stop, or until scanning stops by itself. */
BLEC_API bool blec_scanner_is_scanning(const blec_scanner *scanner);
/** Detections the full callback queue dropped over the scanner's life (see blec_overflow). */
BLEC_API uint64_t blec_scanner_detections_dropped(const blec_scanner *scanner);
/**
 * Stops if needed and frees; as blec_scanner_stop, no callback of the scanner runs once it
 * returns. May be called from the scanner's own callback.
 */
BLEC_API void blec_scanner_free(blec_scanner *scanner);
/**
 * The devices seen since the last start, each with its latest data: a new array of new
 * references in *list (free with blec_device_list_free), count in *count.
 */
BLEC_API int blec_scanner_devices(blec_scanner *scanner, blec_device ***list, size_t *count);
/**
 * Pulls the next report from the stream (blec_scan_options_set_stream): waits up to
 * timeout_ms; on success *dev (a new reference, unref it) holds the device with its data.
 * BLEC_ERR_TIMEOUT when none came, BLEC_ERR_STATE when the stream is disabled or the
 * scanner stopped and the stream is empty.
 */
BLEC_API int blec_scanner_next(blec_scanner *scanner, int timeout_ms, blec_device **dev);

/** Reports the scanner's own stream (blec_scan_options_set_stream) dropped, full, since start. Since 0.2. */
BLEC_API uint64_t blec_scanner_stream_dropped(const blec_scanner *scanner);

/**
 * A reader of a scanner's reports, as bleak's advertisement_data(): any number of them
 * per scanner, each with its own queue, each seeing every report that passes the
 * scanner's filters, in order. A full queue drops its oldest report and counts it
 * (blec_scan_stream_dropped): an overflow is never silent.
 */
typedef struct blec_scan_stream blec_scan_stream;
/**
 * Opens a reader with a queue of `capacity` reports (1 to 16777216). It receives the
 * reports from now on, whether the scanner is started before or after. Close it with
 * blec_scan_stream_close (also after the scanner is freed: a stream of a freed scanner
 * only answers BLEC_ERR_STATE). Since 0.2.
 */
BLEC_API int blec_scan_stream_open(blec_scanner *scanner, size_t capacity, blec_scan_stream **out);
/**
 * The next report, waiting up to timeout_ms: *dev a new reference (unref it) whose
 * blec_device_adv is the advertisement data of that report, also in *adv (may be NULL;
 * borrowed from *dev). BLEC_ERR_TIMEOUT when none came; BLEC_ERR_STATE when the scanner
 * is not scanning and the queue is empty. One thread at a time per stream. Since 0.2.
 */
BLEC_API int blec_scan_stream_next(blec_scan_stream *stream, int timeout_ms, blec_device **dev,
                                   const blec_adv **adv);
/** Reports this stream dropped because its queue was full, since it was opened. Since 0.2. */
BLEC_API uint64_t blec_scan_stream_dropped(const blec_scan_stream *stream);
/** Closes a stream (NULL ok); no thread may be inside blec_scan_stream_next of it. Since 0.2. */
BLEC_API void blec_scan_stream_close(blec_scan_stream *stream);

/**
 * Scans for duration_ms and returns every device seen (free with blec_device_list_free).
 * A scan's length is not a timeout: a negative one is BLEC_ERR_INVALID_ARG.
 */
BLEC_API int blec_discover(blec_ctx *ctx, const blec_scan_options *opts, int duration_ms,
                           blec_device ***list, size_t *count, blec_error *err);
/**
 * Asynchronous blec_discover: completes after duration_ms with the devices seen
 * (blec_op_devices), or earlier with the error that ended the scan.
 */
BLEC_API int blec_discover_async(blec_ctx *ctx, const blec_scan_options *opts, int duration_ms,
                                 blec_op_cb cb, void *user, blec_op **op);
/**
 * Scans until a device matching the predicate is seen (returns at once) or timeout_ms
 * passes (BLEC_ERR_DEVICE_NOT_FOUND). \*out is a new reference. `pred` is required.
 * In active mode a matching scannable device is returned once its scan response has been
 * merged in (as bleak's Windows backend reports it), so its name, TX power and the like
 * are there; after three advertising events without one, or at the timeout, it is
 * returned as seen. The by-address and by-name finds follow the same rule.
 */
BLEC_API int blec_find_device(blec_ctx *ctx, const blec_scan_options *opts,
                              blec_device_predicate pred, void *pred_user, int timeout_ms,
                              blec_device **out, blec_error *err);
/** Asynchronous blec_find_device: the device is in blec_op_device once complete. */
BLEC_API int blec_find_device_async(blec_ctx *ctx, const blec_scan_options *opts,
                                    blec_device_predicate pred, void *pred_user, int timeout_ms,
                                    blec_op_cb cb, void *user, blec_op **op);
/**
 * blec_find_device for the device with `address` (any case: "aa:bb:..." works), with the
 * default scan options (blec_find_device_by_address_opts takes others); a malformed
 * address is BLEC_ERR_INVALID_ARG.
 */
BLEC_API int blec_find_device_by_address(blec_ctx *ctx, const char *address, int timeout_ms,
                                         blec_device **out, blec_error *err);
/** blec_find_device for the device whose advertised local name is exactly `name`. */
BLEC_API int blec_find_device_by_name(blec_ctx *ctx, const char *name, int timeout_ms,
                                      blec_device **out, blec_error *err);
/**
 * Asynchronous blec_find_device_by_address with scan options (opts may be NULL: active,
 * no filter): the mode, service UUIDs and filters of a scanner apply to the find (as
 * bleak's find_device_by_address takes the scanner's arguments). Since 0.2.
 */
BLEC_API int blec_find_device_by_address_async(blec_ctx *ctx, const blec_scan_options *opts,
                                               const char *address, int timeout_ms, blec_op_cb cb,
                                               void *user, blec_op **op);
/** Asynchronous blec_find_device_by_name with scan options (opts may be NULL). Since 0.2. */
BLEC_API int blec_find_device_by_name_async(blec_ctx *ctx, const blec_scan_options *opts,
                                            const char *name, int timeout_ms, blec_op_cb cb,
                                            void *user, blec_op **op);
/**
 * blec_find_device_by_address with scan options (opts may be NULL: active, no filter, as
 * blec_find_device_by_address): the mode, service UUIDs and filters of a scanner apply to
 * the find, as bleak's find_device_by_address takes the scanner's arguments. Since 0.2.
 */
BLEC_API int blec_find_device_by_address_opts(blec_ctx *ctx, const blec_scan_options *opts,
                                              const char *address, int timeout_ms,
                                              blec_device **out, blec_error *err);
/** blec_find_device_by_name with scan options (opts may be NULL). Since 0.2. */
BLEC_API int blec_find_device_by_name_opts(blec_ctx *ctx, const blec_scan_options *opts,
                                           const char *name, int timeout_ms, blec_device **out,
                                           blec_error *err);

/* ---------------------------------------------------------------------------------
 * GATT model: owned by the client. How long its objects (services, characteristics,
 * descriptors, and what their getters return) stay valid:
 *  - A connection that discovers the same database as the client's current one (same
 *    services, characteristics, descriptors, handles and properties) keeps the current
 *    objects: a program reconnecting to an unchanged device sees the same pointers, and
 *    memory does not grow with reconnections.
 *  - A connection that discovers a different database replaces them; the replaced
 *    objects stay valid until the client's next blec_client_connect (or _async) call, or
 *    until the client is freed. Meanwhile an object of the replaced tree used in a request
 *    is matched to the current tree by handle and UUID (BLEC_ERR_CHARACTERISTIC_NOT_FOUND /
 *    BLEC_ERR_DESCRIPTOR_NOT_FOUND if it is gone).
 *  - Otherwise objects live until the client is freed. Lookups answer from the current tree.
 * The library never reads an object of a tree it released: a request with one is refused
 * with BLEC_ERR_INVALID_ARG (using one in the program is a use after free).
 * ------------------------------------------------------------------------------- */
/** A primary service of a client's GATT database (owned by the client, see above). */
typedef struct blec_service blec_service;
/** A characteristic of a service (owned by the client). */
typedef struct blec_characteristic blec_characteristic;
/** A descriptor of a characteristic (owned by the client). */
typedef struct blec_descriptor blec_descriptor;

/** Characteristic property bits (the GATT declaration's byte, plus extended ones). */
enum {
  BLEC_PROP_BROADCAST = 0x0001,                   /**< "broadcast" */
  BLEC_PROP_READ = 0x0002,                        /**< "read" */
  BLEC_PROP_WRITE_WITHOUT_RESPONSE = 0x0004,      /**< "write-without-response" */
  BLEC_PROP_WRITE = 0x0008,                       /**< "write" */
  BLEC_PROP_NOTIFY = 0x0010,                      /**< "notify" */
  BLEC_PROP_INDICATE = 0x0020,                    /**< "indicate" */
  BLEC_PROP_AUTHENTICATED_SIGNED_WRITES = 0x0040, /**< "authenticated-signed-writes" */
  BLEC_PROP_EXTENDED_PROPERTIES = 0x0080,         /**< "extended-properties" */
  BLEC_PROP_RELIABLE_WRITE = 0x0100,              /**< "reliable-write" (extended) */
  BLEC_PROP_WRITABLE_AUXILIARIES = 0x0200         /**< "writable-auxiliaries" (extended) */
};

/** bleak's name of one property bit ("write-without-response"); static; NULL if not one bit. */
BLEC_API const char *blec_property_name(uint32_t bit);
/** Comma-separated names of all set bits into buf; returns buf. */
BLEC_API char *blec_properties_format(uint32_t props, char *buf, size_t size);

/** Handle of the service declaration. */
BLEC_API uint16_t blec_service_handle(const blec_service *svc);
/** The service's UUID. */
BLEC_API blec_uuid blec_service_uuid(const blec_service *svc);
/** Its UUID's blec_uuid_description (static text, NULL when none). */
BLEC_API const char *blec_service_description(const blec_service *svc);
/** Number of characteristics. */
BLEC_API size_t blec_service_characteristic_count(const blec_service *svc);
/** Characteristic i (below the count), else NULL. */
BLEC_API blec_characteristic *blec_service_characteristic_at(const blec_service *svc, size_t i);

/**
 * The characteristic `uuid` of this service (a lookup that stays unambiguous when other
 * services hold the same UUID). BLEC_ERR_CHARACTERISTIC_NOT_FOUND, or BLEC_ERR_AMBIGUOUS
 * when the service itself has several. Since 0.2.
 */
BLEC_API int blec_service_characteristic(const blec_service *svc, const blec_uuid *uuid,
                                         blec_characteristic **out);

/** The value handle. */
BLEC_API uint16_t blec_characteristic_handle(const blec_characteristic *chr);
/** The characteristic's UUID. */
BLEC_API blec_uuid blec_characteristic_uuid(const blec_characteristic *chr);
/** Its UUID's blec_uuid_description (static text, NULL when none). */
BLEC_API const char *blec_characteristic_description(const blec_characteristic *chr);
/** BLEC_PROP_* bits. */
BLEC_API uint32_t blec_characteristic_properties(const blec_characteristic *chr);
/** The service it belongs to. */
BLEC_API blec_service *blec_characteristic_service(const blec_characteristic *chr);
/** Max bytes in one write without response on the live link (MTU - 3). */
BLEC_API size_t blec_characteristic_max_write_without_response_size(const blec_characteristic *chr);
/** Number of descriptors. */
BLEC_API size_t blec_characteristic_descriptor_count(const blec_characteristic *chr);
/** Descriptor i (below the count), else NULL. */
BLEC_API blec_descriptor *blec_characteristic_descriptor_at(const blec_characteristic *chr, size_t i);
/** The descriptor with `uuid` (the first if several); BLEC_ERR_DESCRIPTOR_NOT_FOUND when absent. */
BLEC_API int blec_characteristic_descriptor(const blec_characteristic *chr, const blec_uuid *uuid,
                                            blec_descriptor **out);

/**
 * Printable form of a service, as bleak prints one: "0000180d-0000-1000-8000-00805f9b34fb
 * (Handle: 4): Heart Rate" ("Unknown" without a description). As blec_device_format for
 * buf. Since 0.2.
 */
BLEC_API char *blec_service_format(const blec_service *svc, char *buf, size_t size);
/** Printable form of a characteristic, as blec_service_format: "UUID (Handle: N): description". Since 0.2. */
BLEC_API char *blec_characteristic_format(const blec_characteristic *chr, char *buf, size_t size);
/** Printable form of a descriptor, as blec_service_format. Since 0.2. */
BLEC_API char *blec_descriptor_format(const blec_descriptor *desc, char *buf, size_t size);

/** The descriptor's handle. */
BLEC_API uint16_t blec_descriptor_handle(const blec_descriptor *desc);
/** The descriptor's UUID. */
BLEC_API blec_uuid blec_descriptor_uuid(const blec_descriptor *desc);
/** Its UUID's blec_uuid_description (static text, NULL when none). */
BLEC_API const char *blec_descriptor_description(const blec_descriptor *desc);
/** The characteristic it belongs to. */
BLEC_API blec_characteristic *blec_descriptor_characteristic(const blec_descriptor *desc);

/* ---------------------------------------------------------------------------------
 * Client: one connection to one peripheral.
 * ------------------------------------------------------------------------------- */
/** A connection to one peripheral and its GATT database; free it before the context. */
typedef struct blec_client blec_client;
/** Settings of a client (blec_client_new). */
typedef struct blec_client_options blec_client_options;

/** Windows BluetoothCacheMode-like choice for service discovery and reads. */
typedef enum blec_cache_mode {
  BLEC_CACHE_DEFAULT = 0,  /**< let the OS decide */
  BLEC_CACHE_CACHED = 1,   /**< use the OS cache when it has the data */
  BLEC_CACHE_UNCACHED = 2  /**< always ask the device */
} blec_cache_mode;

/** Security of a link: pairing level, and what a world's characteristic requires. */
typedef enum blec_protection_level {
  BLEC_PROTECTION_DEFAULT = 0,                      /**< pairing: the backend's choice */
  BLEC_PROTECTION_NONE = 1,                         /**< no encryption */
  BLEC_PROTECTION_ENCRYPTION = 2,                   /**< encrypted, unauthenticated ("Just Works") */
  BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION = 3 /**< encrypted, authenticated (MITM protection) */
} blec_protection_level;

/** Why a link ended (blec_disconnected_cb). */
typedef enum blec_disconnect_reason {
  BLEC_DISCONNECT_REQUESTED = 0, /**< blec_client_disconnect or free */
  BLEC_DISCONNECT_REMOTE = 1,    /**< the peripheral ended the link (on Windows, which does not say why a
                                      link ended, also a link loss) */
  BLEC_DISCONNECT_LINK_LOSS = 2, /**< supervision timeout, out of range */
  BLEC_DISCONNECT_UNPAIRED = 3,  /**< unpair ended the link */
  BLEC_DISCONNECT_RADIO_OFF = 4  /**< the adapter went away */
} blec_disconnect_reason;

/** Name of a blec_disconnect_reason ("link lost"); static; NULL for other values. Since 0.2. */
BLEC_API const char *blec_disconnect_reason_name(int reason);

/** Read flags. */
enum { BLEC_READ_CACHED = 1u << 0 /**< accept the OS's cached value (needs BLEC_CAP_CACHE_MODE) */ };

/** How blec_client_write sends a value. */
typedef enum blec_write_mode {
  BLEC_WRITE_DEFAULT = 0,  /**< with response if the characteristic has "write", else without */
  BLEC_WRITE_WITH_RESPONSE = 1,    /**< Write Request: the peripheral acknowledges */
  BLEC_WRITE_WITHOUT_RESPONSE = 2  /**< Write Command: no acknowledgement; at most MTU - 3 bytes */
} blec_write_mode;

/** Notify flags. */
enum {
  BLEC_NOTIFY_FORCE_INDICATE = 1u << 0 /**< indications when both are supported (needs BLEC_CAP_FORCE_INDICATE) */
};

/**
 * Called exactly once per disconnection of a completed connection, whatever its cause
 * (requested, remote, link loss, unpairing, radio off) — except after blec_client_free,
 * which ends all of the client's callbacks. A link lost during a connect is reported by
 * the connect's failure instead. Runs on the dispatch thread (or in blec_ctx_dispatch).
 */
typedef void (*blec_disconnected_cb)(blec_client *client, blec_disconnect_reason reason, void *user);
/** Called when the live MTU changes. Runs on the dispatch thread (or in blec_ctx_dispatch). */
typedef void (*blec_mtu_cb)(blec_client *client, int mtu, void *user);
/**
 * A notification or indication value of `chr` (data borrowed for the call). Runs on the
 * dispatch thread (or in blec_ctx_dispatch).
 */
typedef void (*blec_notify_cb)(blec_client *client, blec_characteristic *chr, const uint8_t *data,
                               size_t len, void *user);

/**
 * New client options: all services, 10000 ms, address type from the scan, default cache
 * mode, no pairing, scan first, 10 discovery retries of 1000 ms. NULL when out of memory.
 */
BLEC_API blec_client_options *blec_client_options_new(void);
/** Frees client options. Clients created with them keep their own copy. */
BLEC_API void blec_client_options_free(blec_client_options *opts);
/** Discover only these services (repeatable); default all. */
BLEC_API int blec_client_options_add_service(blec_client_options *opts, const blec_uuid *uuid);
/** Default timeout of connect (scan + link + discovery); default 10000 ms. */
BLEC_API int blec_client_options_set_timeout(blec_client_options *opts, int timeout_ms);
/**
 * Address type to connect with. BLEC_ADDRESS_UNSPECIFIED (default): the one the scan saw,
 * else the backend's choice.
 */
BLEC_API int blec_client_options_set_address_type(blec_client_options *opts, blec_address_type type);
/**
 * Cache mode of service discovery ("use_cached_services"). A mode other than
 * BLEC_CACHE_DEFAULT needs BLEC_CAP_CACHE_MODE: connecting answers BLEC_ERR_NOT_SUPPORTED
 * without it.
 */
BLEC_API int blec_client_options_set_cache_mode(blec_client_options *opts, blec_cache_mode mode);
/** Pair before discovering services (bleak's pair=True). */
BLEC_API int blec_client_options_set_pair(blec_client_options *opts, bool pair);
/**
 * Connecting by address first scans for the device (default true, as bleak). false
 * connects directly: works for a device connected elsewhere that no longer advertises
 * where the backend has BLEC_CAP_CONNECT_WITHOUT_SCAN.
 */
BLEC_API int blec_client_options_set_scan_first(blec_client_options *opts, bool scan_first);
/** Retries of service discovery answered "Unreachable": count and delay (default 10 × 1000 ms).
 *  Has effect where the backend has BLEC_CAP_DISCOVERY_RETRY. */
BLEC_API int blec_client_options_set_discovery_retry(blec_client_options *opts, int count, int delay_ms);
/**
 * Bounds the values waiting for each subscription's notify callback (default
 * BLEC_DEFAULT_CALLBACK_QUEUE, drop the oldest): when a callback is slower than its
 * stream, memory stays flat and the excess is dropped per `policy` and counted
 * (blec_client_notifications_dropped). capacity 1 to BLEC_MAX_CALLBACK_QUEUE. Since 0.1.
 */
BLEC_API int blec_client_options_set_notify_queue(blec_client_options *opts, size_t capacity,
                                                  blec_overflow policy);

/**
 * A client for an address ("AA:BB:..."; any case). Does not connect. opts may be NULL;
 * it is copied. BLEC_ERR_NOT_SUPPORTED without BLEC_CAP_CONNECT.
 */
BLEC_API int blec_client_new(blec_ctx *ctx, const char *address, const blec_client_options *opts,
                             blec_client **out);
/** A client for a scanned device (no scan on connect); it keeps its own reference to dev. */
BLEC_API int blec_client_new_from_device(blec_ctx *ctx, blec_device *dev,
                                         const blec_client_options *opts, blec_client **out);
/**
 * Disconnects (waiting) if connected, then frees. When it returns no callback of the
 * client (notify, disconnected, MTU, pairing) runs or will run — a disconnection not yet
 * delivered is not delivered — and one running on another thread has ended (called from
 * one of this context's callbacks it does not wait). Completions of the client's
 * operations still run, once each. May be called from its own callbacks.
 */
BLEC_API void blec_client_free(blec_client *client);
/** Sets (cb NULL clears) the disconnection callback; set it before connecting. */
BLEC_API void blec_client_set_disconnected_callback(blec_client *client, blec_disconnected_cb cb,
                                                    void *user);
/** Sets (cb NULL clears) the MTU callback. */
BLEC_API void blec_client_set_mtu_callback(blec_client *client, blec_mtu_cb cb, void *user);
/** The address ("AA:BB:CC:DD:EE:FF"). */
BLEC_API const char *blec_client_address(const blec_client *client);
/** The peripheral's name once known, else NULL. Valid until the client is freed. */
BLEC_API const char *blec_client_name(const blec_client *client);

/**
 * Connects: scans for the address if needed, opens the link, (pairs), discovers services
 * with the cache mode of the options. timeout_ms bounds the whole connect in place of
 * the options' timeout; a negative one leaves the options' timeout as the bound.
 * Connecting a connected client is a no-op that succeeds (as bleak's connect());
 * BLEC_ERR_BUSY while a connect or a disconnection is in progress.
 */
BLEC_API int blec_client_connect(blec_client *client, int timeout_ms, blec_error *err);
/** Asynchronous blec_client_connect, bounded by the options' timeout. */
BLEC_API int blec_client_connect_async(blec_client *client, blec_op_cb cb, void *user, blec_op **op);
/**
 * Disconnects and waits until really disconnected. BLEC_OK if already disconnected.
 * On Windows the link is shared with other programs: when another one keeps it up after
 * this program let go, the call still succeeds (this program's connection is closed) and
 * `err->message` says that Windows keeps the link up.
 */
BLEC_API int blec_client_disconnect(blec_client *client, int timeout_ms, blec_error *err);
/**
 * Asynchronous blec_client_disconnect (completes with BLEC_OK when already
 * disconnected). A connect in progress is cancelled first; a disconnection already in
 * progress is joined (this op completes with it).
 */
BLEC_API int blec_client_disconnect_async(blec_client *client, blec_op_cb cb, void *user,
                                          blec_op **op);
/** True from a successful connect until the link is lost or a disconnection starts. */
BLEC_API bool blec_client_is_connected(const blec_client *client);
/** ATT MTU of the live link (23 before exchange); 0 when not connected. */
BLEC_API int blec_client_mtu(const blec_client *client);
/** MTU - 3, 0 when not connected. */
BLEC_API size_t blec_client_max_write_without_response_size(const blec_client *client);
/** Notification values the full queues of this client's subscriptions dropped, over its life. */
BLEC_API uint64_t blec_client_notifications_dropped(const blec_client *client);

/**
 * Pairs the connected peripheral at `level`. BLEC_ERR_NOT_SUPPORTED without
 * BLEC_CAP_PAIRING; BLEC_ERR_PAIRING when the peripheral refuses.
 */
BLEC_API int blec_client_pair(blec_client *client, blec_protection_level level, int timeout_ms,
                              blec_error *err);
/** Asynchronous blec_client_pair. */
BLEC_API int blec_client_pair_async(blec_client *client, blec_protection_level level, blec_op_cb cb,
                                    void *user, blec_op **op);
/**
 * What a pairing ceremony asks of the program (Windows' DevicePairingKinds, BlueZ's
 * Agent1 requests). Which one a peripheral needs follows from its input/output
 * capabilities and the protection level asked.
 */
typedef enum blec_pairing_kind {
  BLEC_PAIRING_CONFIRM_ONLY = 1,      /**< Just Works: accept or reject */
  BLEC_PAIRING_CONFIRM_PIN_MATCH = 2, /**< both sides show the PIN (blec_pairing_request_pin): accept if equal */
  BLEC_PAIRING_PROVIDE_PIN = 3,       /**< the peripheral shows a PIN: answer with blec_pairing_request_accept_with_pin */
  BLEC_PAIRING_DISPLAY_PIN = 4        /**< show the PIN to the user, who types it on the peripheral; then accept */
} blec_pairing_kind;

/**
 * One question of a pairing ceremony to the program. Owned by the library; valid during
 * the pairing callback, or until released when the program took a reference
 * (blec_pairing_request_ref) to answer later.
 */
typedef struct blec_pairing_request blec_pairing_request;

/**
 * Called when a pairing (blec_client_pair, or connect with pairing) asks the program
 * something. Answer with blec_pairing_request_accept / _accept_with_pin / _reject, in
 * the callback or later from any thread (take a reference first). An unanswered request
 * ends with the pairing's timeout. Runs on the dispatch thread (or in blec_ctx_dispatch:
 * in queued delivery, pair with blec_client_pair_async so that the program's loop can run
 * it). Without a callback the library accepts BLEC_PAIRING_CONFIRM_ONLY by itself (as
 * bleak does) and the PIN ceremonies fail with BLEC_ERR_PAIRING. Since 0.2.
 */
typedef void (*blec_pairing_cb)(blec_client *client, blec_pairing_request *req, void *user);

/** Sets (cb NULL clears) the pairing callback; set it before pairing. Since 0.2. */
BLEC_API void blec_client_set_pairing_callback(blec_client *client, blec_pairing_cb cb, void *user);
/** The ceremony asked. Since 0.2. */
BLEC_API blec_pairing_kind blec_pairing_request_kind(const blec_pairing_request *req);
/**
 * The PIN to compare (CONFIRM_PIN_MATCH) or to show (DISPLAY_PIN): six digits; NULL for
 * the other kinds. Lives with the request. Since 0.2.
 */
BLEC_API const char *blec_pairing_request_pin(const blec_pairing_request *req);
/**
 * Accepts (CONFIRM_ONLY, CONFIRM_PIN_MATCH, DISPLAY_PIN). BLEC_ERR_INVALID_ARG for
 * PROVIDE_PIN (use _accept_with_pin), BLEC_ERR_STATE once answered or once the pairing
 * ended. Since 0.2.
 */
BLEC_API int blec_pairing_request_accept(blec_pairing_request *req);
/** Answers PROVIDE_PIN with the PIN the peripheral shows (digits). Since 0.2. */
BLEC_API int blec_pairing_request_accept_with_pin(blec_pairing_request *req, const char *pin);
/** Refuses: the pairing fails with BLEC_ERR_PAIRING. Since 0.2. */
BLEC_API int blec_pairing_request_reject(blec_pairing_request *req);
/** Takes a reference, to answer after the callback returned; returns req. Since 0.2. */
BLEC_API blec_pairing_request *blec_pairing_request_ref(blec_pairing_request *req);
/** Drops a reference taken with blec_pairing_request_ref. NULL ok. Since 0.2. */
BLEC_API void blec_pairing_request_unref(blec_pairing_request *req);

/**
 * Removes the pairing with the peripheral, connected or not (as bleak); a live link
 * ends on backends where unpairing does that (Windows, virtual). BLEC_ERR_NOT_SUPPORTED
 * without BLEC_CAP_UNPAIR.
 */
BLEC_API int blec_client_unpair(blec_client *client, int timeout_ms, blec_error *err);
/** Asynchronous blec_client_unpair. */
BLEC_API int blec_client_unpair_async(blec_client *client, blec_op_cb cb, void *user, blec_op **op);

/* Services tree (after connect). */
/** Number of services the last connect discovered (0 before any). */
BLEC_API size_t blec_client_service_count(const blec_client *client);
/** Service i (below the count), else NULL. */
BLEC_API blec_service *blec_client_service_at(const blec_client *client, size_t i);
/** BLEC_ERR_SERVICE_NOT_FOUND, BLEC_ERR_AMBIGUOUS when several share the UUID. */
BLEC_API int blec_client_service(const blec_client *client, const blec_uuid *uuid, blec_service **out);
/** By declaration handle. BLEC_ERR_SERVICE_NOT_FOUND. */
BLEC_API int blec_client_service_by_handle(const blec_client *client, uint16_t handle,
                                           blec_service **out);
/** By UUID over all services. BLEC_ERR_CHARACTERISTIC_NOT_FOUND / BLEC_ERR_AMBIGUOUS. */
BLEC_API int blec_client_characteristic(const blec_client *client, const blec_uuid *uuid,
                                        blec_characteristic **out);
/** By value handle. */
BLEC_API int blec_client_characteristic_by_handle(const blec_client *client, uint16_t handle,
                                                  blec_characteristic **out);
/**
 * By text, as bleak accepts: a UUID in any blec_uuid_parse form, or a handle written
 * "#14", "h14" or "handle:14" (decimal) or "#0x0e".
 */
BLEC_API int blec_client_characteristic_by_spec(const blec_client *client, const char *spec,
                                                blec_characteristic **out);
/**
 * blec_client_characteristic_by_spec with the detail of a failure in err: an ambiguous
 * UUID (BLEC_ERR_AMBIGUOUS) names the services that hold it ("... in several services:
 * Battery (handle 10), Battery (handle 20); name one by its handle or look it up in its
 * service"), a missing one says so. Since 0.2.
 */
BLEC_API int blec_client_find_characteristic(const blec_client *client, const char *spec,
                                             blec_characteristic **out, blec_error *err);
/** By handle over all characteristics. BLEC_ERR_DESCRIPTOR_NOT_FOUND. */
BLEC_API int blec_client_descriptor_by_handle(const blec_client *client, uint16_t handle,
                                              blec_descriptor **out);

/** Reads a value; \*data is new memory (blec_free), \*len its size. flags: BLEC_READ_*. */
BLEC_API int blec_client_read(blec_client *client, const blec_characteristic *chr, unsigned flags,
                              int timeout_ms, uint8_t **data, size_t *len, blec_error *err);
/**
 * Reads the characteristic named by `spec` — a UUID in any blec_uuid_parse form or a
 * handle ("#14") — in one call, as bleak's read_gatt_char("2a19"): the lookup's failure
 * (blec_client_find_characteristic) or the read's. Since 0.2.
 */
BLEC_API int blec_client_read_spec(blec_client *client, const char *spec, unsigned flags, int timeout_ms,
                                   uint8_t **data, size_t *len, blec_error *err);
/** Asynchronous blec_client_read: the bytes are in blec_op_data (they live with the op). */
BLEC_API int blec_client_read_async(blec_client *client, const blec_characteristic *chr,
                                    unsigned flags, blec_op_cb cb, void *user, blec_op **op);
/**
 * Writes a value per `mode`. A write without response completes when the stack has
 * taken the value, and may not exceed MTU - 3 bytes (BLEC_ERR_INVALID_ARG, the limit and
 * the size in err). A characteristic with neither "write" nor "write-without-response"
 * is not written: BLEC_ERR_NOT_SUPPORTED (as BlueZ and Windows refuse it), its
 * properties in err.
 */
BLEC_API int blec_client_write(blec_client *client, const blec_characteristic *chr,
                               const uint8_t *data, size_t len, blec_write_mode mode, int timeout_ms,
                               blec_error *err);
/** Writes the characteristic named by `spec` (as blec_client_read_spec) in one call. Since 0.2. */
BLEC_API int blec_client_write_spec(blec_client *client, const char *spec, const uint8_t *data, size_t len,
                                    blec_write_mode mode, int timeout_ms, blec_error *err);
/** Asynchronous blec_client_write; `data` is copied before it returns. */
BLEC_API int blec_client_write_async(blec_client *client, const blec_characteristic *chr,
                                     const uint8_t *data, size_t len, blec_write_mode mode,
                                     blec_op_cb cb, void *user, blec_op **op);
/** Reads a descriptor; \*data is new memory (blec_free), \*len its size. flags: BLEC_READ_*. */
BLEC_API int blec_client_read_descriptor(blec_client *client, const blec_descriptor *desc,
                                         unsigned flags, int timeout_ms, uint8_t **data,
                                         size_t *len, blec_error *err);
/** Asynchronous blec_client_read_descriptor: the bytes are in blec_op_data. */
BLEC_API int blec_client_read_descriptor_async(blec_client *client, const blec_descriptor *desc,
                                               unsigned flags, blec_op_cb cb, void *user,
                                               blec_op **op);
/** Writing the Client Characteristic Configuration (0x2902) is refused: use start_notify. */
BLEC_API int blec_client_write_descriptor(blec_client *client, const blec_descriptor *desc,
                                          const uint8_t *data, size_t len, int timeout_ms,
                                          blec_error *err);
/** Asynchronous blec_client_write_descriptor; `data` is copied before it returns. */
BLEC_API int blec_client_write_descriptor_async(blec_client *client, const blec_descriptor *desc,
                                                const uint8_t *data, size_t len, blec_op_cb cb,
                                                void *user, blec_op **op);
/**
 * Subscribes: notifications, or indications when only those are supported or when flags
 * has BLEC_NOTIFY_FORCE_INDICATE. `cb` runs for every value until stop_notify or
 * disconnection. BLEC_ERR_BUSY when already subscribed; BLEC_ERR_NOT_SUPPORTED when the
 * characteristic has neither "notify" nor "indicate" (its properties in err).
 */
BLEC_API int blec_client_start_notify(blec_client *client, const blec_characteristic *chr,
                                      unsigned flags, blec_notify_cb cb, void *cb_user,
                                      int timeout_ms, blec_error *err);
/**
 * Asynchronous blec_client_start_notify: `cb` (required) is active from this call on;
 * `done` reports the subscription's result. A failed subscription drops `cb`.
 */
BLEC_API int blec_client_start_notify_async(blec_client *client, const blec_characteristic *chr,
                                            unsigned flags, blec_notify_cb cb, void *cb_user,
                                            blec_op_cb done, void *user, blec_op **op);
/**
 * Unsubscribes. When it returns (whatever its status, once it got past its argument
 * checks) no notify callback of this subscription runs or will run: queued values are
 * dropped, and one running on another thread has ended (called from one of this context's
 * callbacks it does not wait).
 */
BLEC_API int blec_client_stop_notify(blec_client *client, const blec_characteristic *chr,
                                     int timeout_ms, blec_error *err);
/**
 * Asynchronous blec_client_stop_notify: the notify callback ends before it returns, as
 * with blec_client_stop_notify (BLEC_ERR_STATE when not subscribed); `done` reports the
 * descriptor write.
 */
BLEC_API int blec_client_stop_notify_async(blec_client *client, const blec_characteristic *chr,
                                           blec_op_cb done, void *user, blec_op **op);

#ifdef __cplusplus
}
#endif

#endif /* BLEC_BLEC_H */
