/* SPDX-License-Identifier: MIT */
/*
 * bz.h — shared declarations of the `bluez` backend: blec over BlueZ's D-Bus API
 * (the doc/ API texts of BlueZ 5.66 and later) through sd-bus.
 *
 * Threads: one sd-bus connection, owned by one backend thread (the "bus thread") that
 * runs an sd-event loop. Every sd-bus call, the mirror of bluetoothd's objects and the
 * per-client state live on that thread only. blec's request functions (any thread) post
 * jobs to it; a few requests that must answer synchronously (scan start, Bluetooth
 * checks) post a job and wait for it with a bound. Nothing here is touched by two
 * threads except the job queue and the scanner registry, each behind its own mutex.
 *
 * Trust: every signal and every agent call is checked against the unique name of the
 * current owner of org.bluez (tracked through NameOwnerChanged); anything else on the
 * system bus is ignored (and logged at debug level).
 */
#ifndef BLEC_BLUEZ_BZ_H
#define BLEC_BLUEZ_BZ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "core/backend.h"
#include "core/threads.h"

/* ---- names of BlueZ's D-Bus API ---------------------------------------------------------- */
#define BZ_SERVICE "org.bluez"
#define BZ_ROOT "/org/bluez"
#define BZ_IF_ADAPTER "org.bluez.Adapter1"
#define BZ_IF_DEVICE "org.bluez.Device1"
#define BZ_IF_SERVICE "org.bluez.GattService1"
#define BZ_IF_CHAR "org.bluez.GattCharacteristic1"
#define BZ_IF_DESC "org.bluez.GattDescriptor1"
#define BZ_IF_AGENT_MANAGER "org.bluez.AgentManager1"
#define BZ_IF_AGENT "org.bluez.Agent1"
#define BZ_IF_MONITOR_MANAGER "org.bluez.AdvertisementMonitorManager1"
#define BZ_IF_MONITOR "org.bluez.AdvertisementMonitor1"
#define BZ_IF_PROPERTIES "org.freedesktop.DBus.Properties"
#define BZ_IF_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define BZ_DBUS_NAME "org.freedesktop.DBus"

/** Longest object path the backend accepts from the bus (BlueZ's are far shorter). */
#define BZ_PATH_MAX 256

/* ---- values parsed from bluetoothd's messages (bz_props.c) ------------------------------------ */

typedef struct bz_blob {
  uint8_t *p;
  size_t n;
} bz_blob;

typedef struct bz_mfr {
  uint16_t company;
  bz_blob data;
} bz_mfr;

typedef struct bz_sdata {
  blec_uuid uuid;
  bz_blob data;
} bz_sdata;

/** One entry of Device1.AdvertisingData (a{yv}): an AD type and its payload. */
typedef struct bz_adrec {
  uint8_t type;
  bz_blob data;
} bz_adrec;

/** Device1 properties the backend reads (BZ_DP_* bits say which are present). */
typedef enum bz_dev_prop {
  BZ_DP_ADDRESS = 1u << 0,
  BZ_DP_ADDRESS_TYPE = 1u << 1,
  BZ_DP_NAME = 1u << 2,
  BZ_DP_ALIAS = 1u << 3,
  BZ_DP_ADAPTER = 1u << 4,
  BZ_DP_RSSI = 1u << 5,
  BZ_DP_TX_POWER = 1u << 6,
  BZ_DP_APPEARANCE = 1u << 7,
  BZ_DP_UUIDS = 1u << 8,
  BZ_DP_MANUFACTURER = 1u << 9,
  BZ_DP_SERVICE_DATA = 1u << 10,
  BZ_DP_AD_FLAGS = 1u << 11,
  BZ_DP_AD_DATA = 1u << 12,
  BZ_DP_CONNECTED = 1u << 13,
  BZ_DP_SERVICES_RESOLVED = 1u << 14,
  BZ_DP_PAIRED = 1u << 15,
  BZ_DP_BONDED = 1u << 16,
  BZ_DP_TRUSTED = 1u << 17
} bz_dev_prop;

/** The properties that come from received advertising data: a change of one of them is
 * an advertisement (with DuplicateData, BlueZ re-emits them for every packet). */
#define BZ_DP_ADVERTISED                                                                          \
  (BZ_DP_NAME | BZ_DP_RSSI | BZ_DP_TX_POWER | BZ_DP_APPEARANCE | BZ_DP_UUIDS | BZ_DP_MANUFACTURER | \
   BZ_DP_SERVICE_DATA | BZ_DP_AD_FLAGS | BZ_DP_AD_DATA)

typedef struct bz_device {
  unsigned have; /* BZ_DP_* present */
  char address[BLEC_ADDR_STRLEN];
  blec_address_type address_type;
  char *name;
  char *alias;
  char *adapter; /* object path */
  int rssi;
  int tx_power;
  uint16_t appearance;
  blec_uuid *uuids;
  size_t nuuids;
  bz_mfr *mfr;
  size_t nmfr;
  bz_sdata *sdata;
  size_t nsdata;
  bz_adrec *ad;
  size_t nad;
  bz_blob flags;
  bool connected, services_resolved, paired, bonded, trusted;
} bz_device;

typedef enum bz_adapter_prop {
  BZ_AP_ADDRESS = 1u << 0,
  BZ_AP_POWERED = 1u << 1,
  BZ_AP_DISCOVERING = 1u << 2,
  BZ_AP_POWER_STATE = 1u << 3,
  BZ_AP_ROLES = 1u << 4
} bz_adapter_prop;

typedef struct bz_adapter {
  unsigned have; /* BZ_AP_* present */
  char address[BLEC_ADDR_STRLEN];
  bool powered, discovering;
  bool central;     /* Roles lists "central" (true when Roles is absent: BlueZ < 5.60) */
  char *power_state; /* "on", "off", "off-blocked", ... (experimental in 5.66) */
} bz_adapter;

/** GattService1 / GattCharacteristic1 / GattDescriptor1 properties (BZ_GP_* bits). */
typedef enum bz_gatt_prop {
  BZ_GP_UUID = 1u << 0,
  BZ_GP_PARENT = 1u << 1, /* Device / Service / Characteristic */
  BZ_GP_HANDLE = 1u << 2,
  BZ_GP_FLAGS = 1u << 3,
  BZ_GP_NOTIFY_ACQUIRED = 1u << 4,
  BZ_GP_WRITE_ACQUIRED = 1u << 5,
  BZ_GP_NOTIFYING = 1u << 6,
  BZ_GP_MTU = 1u << 7,
  BZ_GP_VALUE = 1u << 8,
  BZ_GP_PRIMARY = 1u << 9
} bz_gatt_prop;

typedef struct bz_attr {
  unsigned have; /* BZ_GP_* present */
  blec_uuid uuid;
  char *parent;
  uint16_t handle; /* the Handle property (BlueZ >= 5.69); else from the object path */
  uint32_t props;  /* BLEC_PROP_* from Flags */
  bool notify_acquired, write_acquired, notifying, primary;
  uint16_t mtu;
} bz_attr;

void bz_device_clear(bz_device *d);
void bz_adapter_clear(bz_adapter *a);
void bz_attr_clear(bz_attr *a);

/*
 * Each reads an a{sv} dictionary at the message's position (outside input: every value's
 * type is checked; a property of the wrong type or shape is skipped and named in *bad, a
 * malformed dictionary ends the read with a negative errno) and applies what it knows.
 * *changed gets the bits of the properties the dictionary carried. A negative return
 * leaves the struct consistent (each property is replaced whole or not at all).
 */
int bz_device_apply(bz_device *d, sd_bus_message *m, unsigned *changed, const char **bad);
int bz_adapter_apply(bz_adapter *a, sd_bus_message *m, unsigned *changed, const char **bad);
/* For GATT objects `value`/`value_len` receive a Value carried by the dictionary (pointing
 * into the message, valid while it is). */
int bz_attr_apply(bz_attr *a, sd_bus_message *m, unsigned *changed, const uint8_t **value, size_t *value_len,
                  const char **bad);
/** Forgets invalidated properties (PropertiesChanged's third argument, "as"). */
int bz_device_invalidate(bz_device *d, sd_bus_message *m);

/** BLEC_PROP_* bit of one Flags string of GattCharacteristic1; 0 for others. */
uint32_t bz_flag_bit(const char *flag);

/* ---- object paths (bz_paths.c) --------------------------------------------------------------- */

/** "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF" into out; false when it does not fit. */
bool bz_device_path(const char *adapter_path, const char *address, char *out, size_t size);
/** The address of a device path's last element ("dev_AA_..."), upper case; false if none. */
bool bz_path_address(const char *path, char out[BLEC_ADDR_STRLEN]);
/** The hexadecimal handle of a path's last element "serviceXXXX" / "charXXXX" /
 * "descXXXX" (prefix given); false when it is not one. */
bool bz_path_handle(const char *path, const char *prefix, uint16_t *handle);
/** True when `path` lies strictly below `parent` ("/a/b" below "/a"). */
bool bz_path_below(const char *path, const char *parent);
/** The adapter name of an adapter path ("hci0" of "/org/bluez/hci0"), or NULL. */
const char *bz_adapter_name(const char *adapter_path);

/* ---- synthesized advertising data (bz_adv.c) ------------------------------------------------ */

/*
 * BlueZ hands over parsed properties, never the packets: the backend re-serializes them
 * as AD structures so that the core's merge, filters and accessors work unchanged. One
 * structure per property (Flags, complete name, UUID lists by size, TX power, appearance,
 * one per manufacturer and service-data entry, then AdvertisingData types none of those
 * cover); a structure whose payload exceeds 254 bytes, or that would take the whole past
 * BLEC__ADV_MAX_PAYLOAD, is left out. Returns the length written into out.
 */
size_t bz_adv_build(const bz_device *d, uint8_t *out, size_t cap);
/** Buffer size that bz_adv_build never exceeds. */
#define BZ_ADV_MAX 1650u

/* ---- D-Bus errors (bz_error.c) --------------------------------------------------------------- */

/** The ATT error code a BlueZ error carries (org.bluez.Error.* per gatt-client.c, or the
 * text "ATT error: 0x.."); 0 when it carries none. */
int bz_att_error(const sd_bus_error *e);
/** Fills err for a failed call `what` (status chosen by the error's name) and logs it. */
int bz_error_from_dbus(blec_ctx *ctx, const sd_bus_error *e, const char *what, blec_error *err);
/** The blec status of a negative errno from sd-bus. */
int bz_status_from_errno(int r);

/* ---- the bus thread (bz_loop.c) ------------------------------------------------------------- */

typedef struct bz_ctx bz_ctx;

/** A unit of work for the bus thread (embedded in a request; run() owns and frees it). */
typedef struct bz_job {
  struct bz_job *next;
  void (*run)(bz_ctx *z, struct bz_job *job);
  void (*drop)(struct bz_job *job); /* when the loop stops first */
} bz_job;

/** Queues a job; BLEC_ERR_STATE once the loop is stopping (the job is then not taken). */
int bz_post(bz_ctx *z, bz_job *job);
bool bz_on_bus_thread(bz_ctx *z);

/**
 * A job whose poster waits for it (bounded): the record is shared by the poster and the
 * bus thread (two references); a poster that gives up leaves it to the bus thread.
 */
typedef struct bz_sync {
  bz_job job;
  atomic_int refs;
  blec__mutex m;
  blec__cond cv;
  bool done;
  bool abandoned; /* the poster stopped waiting */
  bool dropped;   /* the loop stopped before running it */
  void (*fn)(bz_ctx *z, struct bz_sync *s); /* runs on the bus thread; calls bz_sync_done */
  void (*free_fn)(struct bz_sync *s);       /* frees the enclosing record */
} bz_sync;

/** Initialises s (refs 1: the caller's). */
int bz_sync_init(bz_sync *s, void (*fn)(bz_ctx *, bz_sync *), void (*free_fn)(bz_sync *));
/** Runs fn on the bus thread (inline when already there) and waits up to timeout_ms.
 * BLEC_OK when it finished, BLEC_ERR_TIMEOUT or BLEC_ERR_STATE otherwise. */
int bz_sync_run(bz_ctx *z, bz_sync *s, int timeout_ms);
/** Marks s finished (bus thread) and drops the bus thread's reference: true when the
 * poster reads the result, false when it gave up (the caller then undoes what it did). */
bool bz_sync_done(bz_sync *s);
void bz_sync_unref(bz_sync *s);

/** Calls fn(z, fd, revents, arg) on the bus thread whenever fd is readable or hangs up. */
typedef void (*bz_fd_fn)(bz_ctx *z, int fd, uint32_t revents, void *arg);
int bz_watch_fd(bz_ctx *z, int fd, bz_fd_fn fn, void *arg, sd_event_source **out);
/** Runs fn(z, arg) once after ms on the bus thread. */
int bz_timer(bz_ctx *z, int ms, void (*fn)(bz_ctx *z, void *arg), void *arg, sd_event_source **out);

/* ---- context state ----------------------------------------------------------------------------- */

typedef struct bz_objs bz_objs; /* the mirror of org.bluez's objects (bz_objects.c) */
typedef struct bz_scan bz_scan;
typedef struct bz_client bz_client;
typedef struct bz_req bz_req;

struct bz_ctx {
  blec_ctx *ctx;
  char *adapter_opt; /* the adapter the program named ("hci1"), or NULL */

  /* loop (bz_loop.c) */
  blec__thread thread;
  _Atomic uint64_t thread_id;
  blec__mutex qlock;
  bz_job *qhead, *qtail;
  bool stopping;
  int wake_fd; /* eventfd */
  sd_event *event;
  sd_bus *bus;
  int start_status; /* result of the thread's start-up, for init */
  blec_error start_err;
  bool started;
  blec__cond start_cv;

  /* bus-thread state */
  char *owner;        /* unique name owning org.bluez, or NULL */
  bz_objs *objs;
  char *adapter;      /* the chosen adapter's path, or NULL */
  sd_bus_slot *match_slots[5];
  bz_client *clients; /* every client with backend state */
  bz_req *reqs;       /* requests in flight (for cancel) */
  bool discovering;   /* our discovery session is open */
  char **disc_uuids;  /* the UUID filter in force (NULL-terminated), NULL for none */
  bool agent_registered;
  bool agent_keyboard; /* registered as KeyboardDisplay (else NoInputNoOutput) */
  sd_bus_slot *agent_slot;
  struct bz_agent_req *agent_reqs; /* agent calls awaiting the program's answer */
  sd_bus_slot *monitor_om_slot;
  bool monitor_registered;

  /* scanner registry (bz_scan.c): shared with request threads */
  blec__mutex scan_lock;
  blec__cond scan_cv;
  bz_scan *scans;
  uint64_t scan_gen;
};

bz_ctx *bz_ctx_of(blec_ctx *ctx);
/** The chosen adapter's mirror, or NULL (bus thread). */
struct bz_obj *bz_adapter_obj(bz_ctx *z);
/** Picks the adapter per the options (bus thread): the named one, else the first. */
void bz_choose_adapter(bz_ctx *z);
/** Fills err for "Bluetooth unavailable" from the mirror (bus thread); BLEC_OK if usable. */
int bz_availability(bz_ctx *z, blec_error *err);

/* ---- object mirror (bz_objects.c) --------------------------------------------------------------- */

typedef enum bz_iface {
  BZ_I_ADAPTER = 1u << 0,
  BZ_I_DEVICE = 1u << 1,
  BZ_I_SERVICE = 1u << 2,
  BZ_I_CHAR = 1u << 3,
  BZ_I_DESC = 1u << 4,
  BZ_I_MONITOR_MANAGER = 1u << 5,
  BZ_I_AGENT_MANAGER = 1u << 6
} bz_iface;

typedef struct bz_obj {
  struct bz_obj *next; /* hash chain */
  char *path;
  unsigned ifaces; /* BZ_I_* */
  bz_adapter adapter;
  bz_device dev;
  bz_attr attr;
} bz_obj;

bz_objs *bz_objs_new(void);
void bz_objs_free(bz_objs *o);
void bz_objs_clear(bz_objs *o);
bz_obj *bz_objs_find(bz_objs *o, const char *path);
/** The object of path, created empty when absent (NULL when out of memory). */
bz_obj *bz_objs_get(bz_objs *o, const char *path);
/** Drops interfaces; the object goes when none is left. */
void bz_objs_drop(bz_objs *o, const char *path, unsigned ifaces);
/** Calls fn for every object (fn must not add or remove objects). */
void bz_objs_each(bz_objs *o, void (*fn)(bz_obj *obj, void *arg), void *arg);
/** The BZ_I_* bit of an interface name, 0 for others. */
unsigned bz_iface_bit(const char *name);

/* ---- signals and owner tracking (bz_signals.c) ----------------------------------------------------- */

/** Installs the match rules, learns the owner of org.bluez and loads its objects. */
int bz_signals_start(bz_ctx *z, blec_error *err);
void bz_signals_stop(bz_ctx *z);
/** True when m was sent by the current owner of org.bluez (logs and says false if not). */
bool bz_from_bluez(bz_ctx *z, sd_bus_message *m);

/* ---- scanning (bz_scan.c, bz_monitor.c) ------------------------------------------------------------ */

int bz_scan_start(blec_scanner *s, blec_error *err);
void bz_scan_stop(blec_scanner *s);
/** A device's advertisement (bus thread): reported to every scanner that wants it. */
void bz_scan_device_seen(bz_ctx *z, bz_obj *dev);
/** Scanning ended by itself (radio off, adapter or daemon gone): every scanner stops. */
void bz_scan_all_stopped(bz_ctx *z, int status, int reason, const char *why);
/** Registry teardown at exit. */
void bz_scan_exit(bz_ctx *z);

/** Passive scanning: AdvertisementMonitor1 objects (bus thread). */
int bz_monitor_add(bz_ctx *z, bz_scan *sc, blec_error *err);
void bz_monitor_remove(bz_ctx *z, bz_scan *sc);
/** Whether the scanner's monitor found this device (passive scanners only). */
bool bz_monitor_has(const bz_scan *sc, const char *dev_path);
void bz_monitor_exit(bz_ctx *z);

/* ---- clients (bz_client.c, bz_gatt.c, bz_agent.c) ------------------------------------------------ */

typedef enum bz_req_kind {
  BZ_REQ_CONNECT = 1,
  BZ_REQ_DISCONNECT,
  BZ_REQ_DISCOVER,
  BZ_REQ_READ,
  BZ_REQ_WRITE,
  BZ_REQ_SUBSCRIBE,
  BZ_REQ_PAIR,
  BZ_REQ_UNPAIR,
  BZ_REQ_FREE
} bz_req_kind;

typedef struct bz_read_args {
  uint16_t handle;
  bool descriptor;
  bool cached;
} bz_read_args;

typedef struct bz_write_args {
  uint16_t handle;
  bool descriptor;
  bool with_response;
  uint8_t *data; /* owned */
  size_t len;
} bz_write_args;

typedef struct bz_subscribe_args {
  uint16_t handle;
  blec__cccd_mode mode;
} bz_subscribe_args;

typedef struct bz_pair_args {
  blec_protection_level level;
} bz_pair_args;

typedef struct bz_discover_args {
  blec_cache_mode mode;
} bz_discover_args;

/** One request of blec's on its way through the bus thread. */
struct bz_req {
  bz_job job;
  bz_req *next; /* z->reqs while a D-Bus call is pending */
  bz_req_kind kind;
  blec_op *op;     /* referenced; NULL for BZ_REQ_FREE */
  blec_client *c;  /* referenced */
  sd_bus_slot *slot; /* the pending call */
  void (*start)(bz_ctx *z, bz_req *r);
  union {
    bz_read_args read;
    bz_write_args write;
    bz_subscribe_args subscribe;
    bz_pair_args pair;
    bz_discover_args discover;
  } a;
};

/** A request for client c and op (references taken); start runs on the bus thread. */
bz_req *bz_req_new(bz_req_kind kind, blec_client *c, blec_op *op, void (*start)(bz_ctx *, bz_req *));
/** Posts it: BLEC_OK, or a status (the request is freed). */
int bz_req_post(bz_ctx *z, bz_req *r);
/** Sends m (taken; build_status < 0 when building it failed) as r's call with reply
 * handler fn: true when sent (r is then pending), false after completing and ending r. */
bool bz_req_send(bz_ctx *z, bz_req *r, sd_bus_message *m, int build_status, uint64_t usec,
                 sd_bus_message_handler_t fn);
/** Marks it in flight (the call's slot kept for cancel). */
void bz_req_pending(bz_ctx *z, bz_req *r, sd_bus_slot *slot);
/** Ends it: unlinks, drops the slot and references, frees. */
void bz_req_end(bz_ctx *z, bz_req *r);
/** The pending request of an op, or NULL (bus thread). */
bz_req *bz_req_of_op(bz_ctx *z, blec_op *op);
/** Completes r's op from a D-Bus error reply (ATT errors become BLEC_ERR_ATT). */
void bz_req_fail_dbus(bz_ctx *z, bz_req *r, const sd_bus_error *e, const char *what);

typedef struct bz_hattr { /* one attribute of the discovered tree */
  uint16_t handle;         /* value handle (characteristics), handle (descriptors) */
  bool descriptor;
  char *path;
  bool notify_acquirable;  /* NotifyAcquired is offered */
  bool write_acquirable;   /* WriteAcquired is offered */
  uint32_t props;
  bz_blob echo;            /* the value of our last read: BlueZ repeats it as a Value change */
  bool has_echo;
} bz_hattr;

typedef struct bz_sub { /* one subscription */
  struct bz_client *bc;
  uint16_t handle;
  char *path;
  int fd; /* AcquireNotify socket, -1 on the signal path */
  sd_event_source *src;
} bz_sub;

typedef enum bz_link {
  BZ_LINK_DOWN = 0,
  BZ_LINK_CONNECTING, /* Connect() sent */
  BZ_LINK_RESOLVING,  /* connected, waiting for ServicesResolved */
  BZ_LINK_UP,
  BZ_LINK_CLOSING     /* Disconnect() sent */
} bz_link;

struct bz_client {
  bz_client *next;
  blec_client *c; /* referenced */
  char *dev_path;
  bz_link link;
  bz_req *connecting;  /* the connect request waiting for the link */
  bz_req *closing;     /* the disconnect request waiting for Connected false */
  sd_event_source *close_timer;
  bool unpairing;      /* RemoveDevice in flight: a link loss is "unpaired" */
  int last_reason;     /* from Device1.Disconnected (BlueZ >= 5.83), -1 if none */
  bz_hattr *attrs;
  size_t nattrs;
  bz_sub **subs;
  size_t nsubs;
  int write_fd;        /* AcquireWrite socket of write_handle, or -1 */
  uint16_t write_handle;
  int mtu;
};

/** The backend state of c, created on first use (bus thread). */
bz_client *bz_client_of(bz_ctx *z, blec_client *c);
/** Frees every client's state at exit (bus thread). */
void bz_clients_exit(bz_ctx *z);
/** A Device1's properties changed (bus thread). */
void bz_client_device_changed(bz_ctx *z, bz_obj *dev, unsigned changed);
/** A device object went away (bus thread). */
void bz_client_device_removed(bz_ctx *z, const char *path);
/** Device1.Disconnected(reason, message) (bus thread). */
void bz_client_disconnect_reason(bz_ctx *z, const char *path, const char *reason);
/** The adapter powered off or went away: every link is down (bus thread). */
void bz_clients_radio_off(bz_ctx *z);
/** A characteristic's Value changed (bus thread): a notification on the signal path. */
void bz_client_value_changed(bz_ctx *z, const char *char_path, const uint8_t *v, size_t n);
/** A characteristic's MTU changed. */
void bz_client_mtu_changed(bz_ctx *z, const char *char_path, uint16_t mtu);
/** Releases the GATT table, subscriptions and sockets of a client (bus thread). */
void bz_client_release_gatt(bz_ctx *z, bz_client *bc);

int bz_connect(blec_client *c, blec_op *op);
int bz_disconnect(blec_client *c, blec_op *op);
int bz_discover(blec_client *c, blec_op *op, blec_cache_mode mode);
int bz_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached);
int bz_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response);
int bz_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode);
int bz_pair(blec_client *c, blec_op *op, blec_protection_level level);
int bz_unpair(blec_client *c, blec_op *op);
void bz_cancel(blec_op *op);
void bz_client_free(blec_client *c);

/** Registers the pairing agent on AgentManager1 with the IO capability wanted (keyboard:
 * KeyboardDisplay, else NoInputNoOutput) unless it is already (bus thread). */
int bz_agent_ensure(bz_ctx *z, bool keyboard, sd_bus_error *e);
void bz_agent_exit(bz_ctx *z);

#endif /* BLEC_BLUEZ_BZ_H */
