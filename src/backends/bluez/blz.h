/* SPDX-License-Identifier: MIT */
/*
 * blz.h — shared declarations of the `bluez` backend: blec over BlueZ's D-Bus API
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
#ifndef BLEC_BLUEZ_BLZ_H
#define BLEC_BLUEZ_BLZ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "core/backend.h"
#include "core/threads.h"

/* ---- names of BlueZ's D-Bus API ---------------------------------------------------------- */
#define BLZ_SERVICE "org.bluez"
#define BLZ_ROOT "/org/bluez"
#define BLZ_IF_ADAPTER "org.bluez.Adapter1"
#define BLZ_IF_DEVICE "org.bluez.Device1"
#define BLZ_IF_SERVICE "org.bluez.GattService1"
#define BLZ_IF_CHAR "org.bluez.GattCharacteristic1"
#define BLZ_IF_DESC "org.bluez.GattDescriptor1"
#define BLZ_IF_AGENT_MANAGER "org.bluez.AgentManager1"
#define BLZ_IF_AGENT "org.bluez.Agent1"
#define BLZ_IF_MONITOR_MANAGER "org.bluez.AdvertisementMonitorManager1"
#define BLZ_IF_MONITOR "org.bluez.AdvertisementMonitor1"
#define BLZ_IF_PROPERTIES "org.freedesktop.DBus.Properties"
#define BLZ_IF_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define BLZ_DBUS_NAME "org.freedesktop.DBus"
/** The object path of blec's Agent1 on its own connection. */
#define BLZ_AGENT_PATH "/org/blec/agent"

/** Longest object path the backend accepts from the bus (BlueZ's are far shorter). */
#define BLZ_PATH_MAX 256

/* ---- values parsed from bluetoothd's messages (blz_props.c) ------------------------------------ */

typedef struct blz_blob {
  uint8_t *p;
  size_t n;
} blz_blob;

typedef struct blz_mfr {
  uint16_t company;
  blz_blob data;
} blz_mfr;

typedef struct blz_sdata {
  blec_uuid uuid;
  blz_blob data;
} blz_sdata;

/** One entry of Device1.AdvertisingData (a{yv}): an AD type and its payload. */
typedef struct blz_adrec {
  uint8_t type;
  blz_blob data;
} blz_adrec;

/** Device1 properties the backend reads (BLZ_DP_* bits say which are present). */
typedef enum blz_dev_prop {
  BLZ_DP_ADDRESS = 1u << 0,
  BLZ_DP_ADDRESS_TYPE = 1u << 1,
  BLZ_DP_NAME = 1u << 2,
  BLZ_DP_ALIAS = 1u << 3,
  BLZ_DP_ADAPTER = 1u << 4,
  BLZ_DP_RSSI = 1u << 5,
  BLZ_DP_TX_POWER = 1u << 6,
  BLZ_DP_APPEARANCE = 1u << 7,
  BLZ_DP_UUIDS = 1u << 8,
  BLZ_DP_MANUFACTURER = 1u << 9,
  BLZ_DP_SERVICE_DATA = 1u << 10,
  BLZ_DP_AD_FLAGS = 1u << 11,
  BLZ_DP_AD_DATA = 1u << 12,
  BLZ_DP_CONNECTED = 1u << 13,
  BLZ_DP_SERVICES_RESOLVED = 1u << 14,
  BLZ_DP_PAIRED = 1u << 15,
  BLZ_DP_BONDED = 1u << 16,
  BLZ_DP_TRUSTED = 1u << 17
} blz_dev_prop;

/** The properties that come from received advertising data: a change of one of them is
 * an advertisement (with DuplicateData, BlueZ re-emits them for every packet). */
#define BLZ_DP_ADVERTISED                                                                          \
  (BLZ_DP_NAME | BLZ_DP_RSSI | BLZ_DP_TX_POWER | BLZ_DP_APPEARANCE | BLZ_DP_UUIDS | BLZ_DP_MANUFACTURER | \
   BLZ_DP_SERVICE_DATA | BLZ_DP_AD_FLAGS | BLZ_DP_AD_DATA)

typedef struct blz_device {
  unsigned have; /* BLZ_DP_* present */
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
  blz_mfr *mfr;
  size_t nmfr;
  blz_sdata *sdata;
  size_t nsdata;
  blz_adrec *ad;
  size_t nad;
  blz_blob flags;
  bool connected, services_resolved, paired, bonded, trusted;
} blz_device;

typedef enum blz_adapter_prop {
  BLZ_AP_ADDRESS = 1u << 0,
  BLZ_AP_POWERED = 1u << 1,
  BLZ_AP_DISCOVERING = 1u << 2,
  BLZ_AP_POWER_STATE = 1u << 3,
  BLZ_AP_ROLES = 1u << 4
} blz_adapter_prop;

typedef struct blz_adapter {
  unsigned have; /* BLZ_AP_* present */
  char address[BLEC_ADDR_STRLEN];
  bool powered, discovering;
  bool central;     /* Roles lists "central" (true when Roles is absent: BlueZ < 5.60) */
  char *power_state; /* "on", "off", "off-blocked", ... (experimental in 5.66) */
} blz_adapter;

/** GattService1 / GattCharacteristic1 / GattDescriptor1 properties (BLZ_GP_* bits). */
typedef enum blz_gatt_prop {
  BLZ_GP_UUID = 1u << 0,
  BLZ_GP_PARENT = 1u << 1, /* Device / Service / Characteristic */
  BLZ_GP_HANDLE = 1u << 2,
  BLZ_GP_FLAGS = 1u << 3,
  BLZ_GP_NOTIFY_ACQUIRED = 1u << 4,
  BLZ_GP_WRITE_ACQUIRED = 1u << 5,
  BLZ_GP_NOTIFYING = 1u << 6,
  BLZ_GP_MTU = 1u << 7,
  BLZ_GP_VALUE = 1u << 8,
  BLZ_GP_PRIMARY = 1u << 9
} blz_gatt_prop;

typedef struct blz_attr {
  unsigned have; /* BLZ_GP_* present */
  blec_uuid uuid;
  char *parent;
  uint16_t handle; /* the Handle property (BlueZ >= 5.69); else from the object path */
  uint32_t props;  /* BLEC_PROP_* from Flags */
  bool notify_acquired, write_acquired, notifying, primary;
  uint16_t mtu;
} blz_attr;

void blz_device_clear(blz_device *d);
void blz_adapter_clear(blz_adapter *a);
void blz_attr_clear(blz_attr *a);

/*
 * Each reads an a{sv} dictionary at the message's position (outside input: every value's
 * type is checked; a property of the wrong type or shape is skipped and named in *bad, a
 * malformed dictionary ends the read with a negative errno) and applies what it knows.
 * *changed gets the bits of the properties the dictionary carried. A negative return
 * leaves the struct consistent (each property is replaced whole or not at all).
 */
int blz_device_apply(blz_device *d, sd_bus_message *m, unsigned *changed, const char **bad);
int blz_adapter_apply(blz_adapter *a, sd_bus_message *m, unsigned *changed, const char **bad);
/* For GATT objects `value`/`value_len` receive a Value carried by the dictionary (pointing
 * into the message, valid while it is). */
int blz_attr_apply(blz_attr *a, sd_bus_message *m, unsigned *changed, const uint8_t **value, size_t *value_len,
                  const char **bad);
/** Forgets invalidated properties (PropertiesChanged's third argument, "as"). */
int blz_device_invalidate(blz_device *d, sd_bus_message *m);

/** BLEC_PROP_* bit of one Flags string of GattCharacteristic1; 0 for others. */
uint32_t blz_flag_bit(const char *flag);

/* ---- object paths (blz_paths.c) --------------------------------------------------------------- */

/** "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF" into out; false when it does not fit. */
bool blz_device_path(const char *adapter_path, const char *address, char *out, size_t size);
/** The address of a device path's last element ("dev_AA_..."), upper case; false if none. */
bool blz_path_address(const char *path, char out[BLEC_ADDR_STRLEN]);
/** The hexadecimal handle of a path's last element "serviceXXXX" / "charXXXX" /
 * "descXXXX" (prefix given); false when it is not one. */
bool blz_path_handle(const char *path, const char *prefix, uint16_t *handle);
/** True when `path` lies strictly below `parent` ("/a/b" below "/a"). */
bool blz_path_below(const char *path, const char *parent);
/** The adapter name of an adapter path ("hci0" of "/org/bluez/hci0"), or NULL. */
const char *blz_adapter_name(const char *adapter_path);

/* ---- synthesized advertising data (blz_adv.c) ------------------------------------------------ */

/*
 * BlueZ hands over parsed properties, never the packets: the backend re-serializes them
 * as AD structures so that the core's merge, filters and accessors work unchanged. One
 * structure per property (Flags, complete name, UUID lists by size, TX power, appearance,
 * one per manufacturer and service-data entry, then AdvertisingData types none of those
 * cover); a structure whose payload exceeds 254 bytes, or that would take the whole past
 * BLEC__ADV_MAX_PAYLOAD, is left out. Returns the length written into out.
 */
size_t blz_adv_build(const blz_device *d, uint8_t *out, size_t cap);
/** Buffer size that blz_adv_build never exceeds. */
#define BLZ_ADV_MAX 1650u

/* ---- D-Bus errors (blz_error.c) --------------------------------------------------------------- */

/** The ATT error code a BlueZ error carries (org.bluez.Error.* per gatt-client.c, or the
 * text "ATT error: 0x.."); 0 when it carries none. */
int blz_att_error(const sd_bus_error *e);
/** Fills err for a failed call `what` (status chosen by the error's name) and logs it. */
int blz_error_from_dbus(blec_ctx *ctx, const sd_bus_error *e, const char *what, blec_error *err);
/** The same for a GATT request (ReadValue, WriteValue, StartNotify): NotSupported is ATT
 * 0x06, Request Not Supported (BLEC_ERR_ATT with that code). */
int blz_gatt_error_from_dbus(blec_ctx *ctx, const sd_bus_error *e, const char *what, blec_error *err);
/** The blec status of a negative errno from sd-bus. */
int blz_status_from_errno(int r);

/* ---- the bus thread (blz_loop.c) ------------------------------------------------------------- */

typedef struct blz_ctx blz_ctx;

/** A unit of work for the bus thread (embedded in a request; run() owns and frees it). */
typedef struct blz_job {
  struct blz_job *next;
  void (*run)(blz_ctx *z, struct blz_job *job);
  void (*drop)(struct blz_job *job); /* when the loop stops first */
} blz_job;

/** Queues a job; BLEC_ERR_STATE once the loop is stopping (the job is then not taken). */
int blz_post(blz_ctx *z, blz_job *job);
/** Calls member on org.bluez (bus thread; types/args as sd_bus_message_append) without
 * waiting: only an error answer matters, and it is logged (debug). */
int blz_call_logged(blz_ctx *z, const char *path, const char *iface, const char *member, const char *types, ...);
bool blz_on_bus_thread(blz_ctx *z);

/**
 * A job whose poster waits for it (bounded): the record is shared by the poster and the
 * bus thread (two references); a poster that gives up leaves it to the bus thread.
 */
typedef struct blz_sync {
  blz_job job;
  atomic_int refs;
  blec__mutex m;
  blec__cond cv;
  bool done;
  bool abandoned; /* the poster stopped waiting */
  bool dropped;   /* the loop stopped before running it */
  void (*fn)(blz_ctx *z, struct blz_sync *s); /* runs on the bus thread; calls blz_sync_done */
  void (*free_fn)(struct blz_sync *s);       /* frees the enclosing record */
} blz_sync;

/** Initialises s (refs 1: the caller's). */
int blz_sync_init(blz_sync *s, void (*fn)(blz_ctx *, blz_sync *), void (*free_fn)(blz_sync *));
/** Runs fn on the bus thread (inline when already there) and waits up to timeout_ms.
 * BLEC_OK when it finished, BLEC_ERR_TIMEOUT or BLEC_ERR_STATE otherwise. */
int blz_sync_run(blz_ctx *z, blz_sync *s, int timeout_ms);
/** Marks s finished (bus thread) and drops the bus thread's reference: true when the
 * poster reads the result, false when it gave up (the caller then undoes what it did). */
bool blz_sync_done(blz_sync *s);
void blz_sync_unref(blz_sync *s);

/** Calls fn(z, fd, revents, arg) on the bus thread whenever fd is readable or hangs up. */
typedef void (*blz_fd_fn)(blz_ctx *z, int fd, uint32_t revents, void *arg);
int blz_watch_fd(blz_ctx *z, int fd, blz_fd_fn fn, void *arg, sd_event_source **out);
/** Runs fn(z, arg) once after ms on the bus thread. */
int blz_timer(blz_ctx *z, int ms, void (*fn)(blz_ctx *z, void *arg), void *arg, sd_event_source **out);

/* ---- context state ----------------------------------------------------------------------------- */

typedef struct blz_objs blz_objs; /* the mirror of org.bluez's objects (blz_objects.c) */
typedef struct blz_scan blz_scan;
typedef struct blz_client blz_client;
typedef struct blz_req blz_req;

struct blz_ctx {
  blec_ctx *ctx;
  char *adapter_opt; /* the adapter the program named ("hci1"), or NULL */

  /* loop (blz_loop.c) */
  blec__thread thread;
  _Atomic uint64_t thread_id;
  blec__mutex qlock;
  blz_job *qhead, *qtail;
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
  blz_objs *objs;
  char *adapter;      /* the chosen adapter's path, or NULL */
  sd_bus_slot *match_slots[5];
  blz_client *clients; /* every client with backend state */
  blz_req *reqs;       /* requests in flight (for cancel) */
  bool discovering;   /* our discovery session is open */
  /* bluetoothd's serial (cookie) of the message being handled, and of its last reply to a
   * discovery call: it numbers its messages in the order it sends them, so a signal
   * with a lower serial than a scanner's start reply was sent before that start. */
  uint64_t msg_cookie;
  uint64_t discovery_reply_cookie;
  int connect_scans;  /* connects waiting for their device to be discovered */
  uint64_t find_seq;  /* numbers the connects' searches (blz_client.find_id) */
  /* the discovery session's calls in flight (blz_scan.c) */
  sd_bus_slot *disc_slot;
  int disc_step;      /* the call in flight, 0 for none */
  bool disc_dirty;    /* what is wanted changed since the chain in flight started */
  struct blz_disc_waiter *disc_batch;   /* answered by the chain in flight */
  struct blz_disc_waiter *disc_waiting; /* answered by the next chain */
  char **disc_uuids;  /* the UUID filter in force (NULL-terminated), NULL for none */
  /* the adapter's GetAll in flight and who waits for it (blz_refresh.c) */
  sd_bus_slot *refresh_slot;
  struct blz_refresh_waiter *refresh_batch; /* answered by the call in flight */
  struct blz_refresh_waiter *refresh_next;  /* answered by the next one */
  /* the pairing agent (blz_agent.c, blz_agent_io.c) */
  sd_bus_slot *agent_slot;  /* the exported Agent1 object */
  int agent_io;             /* blz_agent_io registered with AgentManager1 (NONE: none) */
  int agent_want;           /* the capability the registration in flight asks for */
  int agent_failed_io;      /* a capability that could not be registered: pairs go on without it */
  sd_bus_slot *agent_call;  /* the UnregisterAgent / RegisterAgent in flight */
  unsigned pairs_sent;      /* our Pair() calls bluetoothd has not answered (their requests live) */
  blz_req *pair_wait_head, *pair_wait_tail; /* pairs waiting for the capability they need */
  struct blz_agent_req *agent_reqs; /* agent calls awaiting the program's answer */
  unsigned monitor_apps; /* numbers the monitors' object paths */
  bool passive_offered;   /* at start-up: the adapter offers advertisement monitors */

  /* scanner registry (blz_scan.c): shared with request threads */
  blec__mutex scan_lock;
  blec__cond scan_cv;
  blz_scan *scans;
  uint64_t scan_gen;
};

blz_ctx *blz_ctx_of(blec_ctx *ctx);
/** The chosen adapter's mirror, or NULL (bus thread). */
struct blz_obj *blz_adapter_obj(blz_ctx *z);
/** Picks the adapter per the options (bus thread): the named one, else the first. */
void blz_choose_adapter(blz_ctx *z);
/** Fills err for "Bluetooth unavailable" from the mirror (bus thread); BLEC_OK if usable. */
int blz_availability(blz_ctx *z, blec_error *err);
/** The outcome of a fresh availability check (bus thread): BLEC_OK, else the status and err. */
typedef void (*blz_fresh_fn)(blz_ctx *z, void *arg, int status, const blec_error *err);
/** Calls fn with the availability (bus thread; possibly before returning): the mirror's
 * when usable, else after asking bluetoothd afresh — Properties.GetAll of the adapter,
 * asynchronous and bounded (blz_refresh.c); a power-off seen there is handled as its
 * signal would be. fn is called exactly once, BLEC_ERR_CANCELLED at the context's end. */
void blz_availability_fresh(blz_ctx *z, blz_fresh_fn fn, void *arg);
/** The same, asking bluetoothd even when the mirror says usable. */
void blz_availability_refresh(blz_ctx *z, blz_fresh_fn fn, void *arg);
/** Answers the waiting checks BLEC_ERR_CANCELLED and drops the call in flight (teardown). */
void blz_refresh_exit(blz_ctx *z);

/* ---- object mirror (blz_objects.c) --------------------------------------------------------------- */

typedef enum blz_iface {
  BLZ_I_ADAPTER = 1u << 0,
  BLZ_I_DEVICE = 1u << 1,
  BLZ_I_SERVICE = 1u << 2,
  BLZ_I_CHAR = 1u << 3,
  BLZ_I_DESC = 1u << 4,
  BLZ_I_MONITOR_MANAGER = 1u << 5,
  BLZ_I_AGENT_MANAGER = 1u << 6
} blz_iface;

typedef struct blz_obj {
  struct blz_obj *next; /* hash chain */
  char *path;
  unsigned ifaces; /* BLZ_I_* */
  blz_adapter adapter;
  blz_device dev;
  blz_attr attr;
} blz_obj;

blz_objs *blz_objs_new(void);
void blz_objs_free(blz_objs *o);
void blz_objs_clear(blz_objs *o);
blz_obj *blz_objs_find(blz_objs *o, const char *path);
/** The object of path, created empty when absent (NULL when out of memory). */
blz_obj *blz_objs_get(blz_objs *o, const char *path);
/** Drops interfaces; the object goes when none is left. */
void blz_objs_drop(blz_objs *o, const char *path, unsigned ifaces);
/** Calls fn for every object (fn must not add or remove objects). */
void blz_objs_each(blz_objs *o, void (*fn)(blz_obj *obj, void *arg), void *arg);
/** The BLZ_I_* bit of an interface name, 0 for others. */
unsigned blz_iface_bit(const char *name);

/* ---- signals and owner tracking (blz_signals.c) ----------------------------------------------------- */

/** Installs the match rules, learns the owner of org.bluez and loads its objects. */
int blz_signals_start(blz_ctx *z, blec_error *err);
void blz_signals_stop(blz_ctx *z);
/** True when m was sent by the current owner of org.bluez (logs and says false if not). */
bool blz_from_bluez(blz_ctx *z, sd_bus_message *m);

/** Over-the-air (little-endian) bytes of a UUID in its shortest form (blz_adv.c); returns 2, 4 or 16. */
size_t blz_uuid_le(const blec_uuid *u, uint8_t le[16]);

/** Why passive scanning is not offered (BLEC_ERR_NOT_SUPPORTED's text). */
#define BLZ_NO_MONITORS                                                                              \
  "BlueZ scans passively only for advertisement monitors (AdvertisementMonitorManager1), which this " \
  "bluetoothd does not offer (BlueZ 5.66 offers them with --experimental)"

/* ---- scanning (blz_scan.c, blz_monitor.c) ------------------------------------------------------------ */

/** The outcome of a discovery update for whoever waits for it (bus thread): BLEC_OK once
 * the session is what was wanted, else the status and err why it cannot be. */
typedef void (*blz_disc_done_fn)(blz_ctx *z, void *arg, uint64_t id, int status, const blec_error *err);
/** Opens, changes or closes the context's discovery session for the active scanners and
 * z->connect_scans (bus thread, asynchronous calls: it never waits for bluetoothd). fn
 * (NULL: nobody waits) is called with arg and id once a chain of calls that started
 * after this request ended — possibly before this returns. */
void blz_discovery_update(blz_ctx *z, blz_disc_done_fn fn, void *arg, uint64_t id);
int blz_scan_start(blec_scanner *s, blec_error *err);
void blz_scan_stop(blec_scanner *s);
/** A device's advertisement (bus thread): reported to every scanner that wants it and
 * that started before bluetoothd sent message `cookie` (0: unknown, any scanner). */
void blz_scan_device_seen(blz_ctx *z, blz_obj *dev, uint64_t cookie);
/** Scanning ended by itself (radio off, adapter or daemon gone): every scanner stops. */
void blz_scan_all_stopped(blz_ctx *z, int status, int reason, const char *why);
/** bluetoothd ended our discovery session without our StopDiscovery (Discovering turned
 * false while powered): StartDiscovery again for the scanners that still want it, else
 * (it fails) those scanners stop through their error callback with the reason. */
void blz_scan_discovery_ended(blz_ctx *z);
/** Registry teardown at exit. */
void blz_scan_exit(blz_ctx *z);

/** The scanner of sc, for reports and errors (NULL once stopped). */
blec_scanner *blz_scan_scanner(blz_scan *sc);
/** The passive scanner's advertisement monitor (blz_monitor.c's; NULL when none). */
struct blz_mon_app **blz_scan_monitor(blz_scan *sc);
/** Reports dev to sc alone (its monitor found it). */
void blz_scan_report_to(blz_ctx *z, blz_scan *sc, blz_obj *dev);
/** Stops sc alone with err (its monitor was released). */
void blz_scan_stopped_one(blz_ctx *z, blz_scan *sc, const blec_error *err);

/** How a passive scanner's start ends (bus thread): status BLEC_OK once its monitors
 * are registered and active, else the failure. */
typedef void (*blz_monitor_done_fn)(blz_ctx *z, blz_scan *sc, int status, const blec_error *err);
/**
 * Passive scanning (blz_monitor.c): AdvertisementMonitor1 objects with "or_patterns"
 * made from the scanner's filters, registered on the adapter's
 * AdvertisementMonitorManager1 (bus thread). BLEC_OK: done runs later; else the status
 * (err filled), and done never runs.
 */
int blz_monitor_add(blz_ctx *z, blz_scan *sc, blz_monitor_done_fn done, blec_error *err);
/** Unregisters and frees sc's monitor (any state; done is not called). */
void blz_monitor_remove(blz_ctx *z, blz_scan *sc);
/** Whether sc's monitor found this device. */
bool blz_monitor_has(blz_scan *sc, const char *dev_path);
/** The adapter offers AdvertisementMonitorManager1 (bus thread). */
bool blz_monitor_offered(blz_ctx *z);

/* ---- clients (blz_client.c, blz_gatt.c, blz_agent.c) ------------------------------------------------ */

typedef enum blz_req_kind {
  BLZ_REQ_CONNECT = 1,
  BLZ_REQ_DISCONNECT,
  BLZ_REQ_DISCOVER,
  BLZ_REQ_READ,
  BLZ_REQ_WRITE,
  BLZ_REQ_SUBSCRIBE,
  BLZ_REQ_PAIR,
  BLZ_REQ_UNPAIR,
  BLZ_REQ_FREE
} blz_req_kind;

typedef struct blz_read_args {
  uint16_t handle;
  bool descriptor;
  bool cached;
} blz_read_args;

typedef struct blz_write_args {
  uint16_t handle;
  bool descriptor;
  bool with_response;
  uint8_t *data; /* owned */
  size_t len;
} blz_write_args;

typedef struct blz_subscribe_args {
  uint16_t handle;
  blec__cccd_mode mode;
} blz_subscribe_args;

typedef struct blz_pair_args {
  blec_protection_level level;
  bool sent; /* its Pair() went to bluetoothd (counted in blz_ctx.pairs_sent) */
} blz_pair_args;

typedef struct blz_discover_args {
  blec_cache_mode mode;
} blz_discover_args;

/** One request of blec's on its way through the bus thread. */
struct blz_req {
  blz_job job;
  blz_req *next; /* z->reqs while a D-Bus call is pending */
  blz_req_kind kind;
  blec_op *op;     /* referenced; NULL for BLZ_REQ_FREE */
  blec_client *c;  /* referenced */
  sd_bus_slot *slot; /* the pending call */
  sd_event_source *grace; /* an Unlikely Error held back (blz_req_fail_gatt) */
  struct blz_req *after;  /* a request waiting for this one to end (it starts then) */
  struct blz_req *wait_next; /* a pair waiting for its agent capability (blz_agent_io.c) */
  blec_error held;
  void (*start)(blz_ctx *z, blz_req *r);
  union {
    blz_read_args read;
    blz_write_args write;
    blz_subscribe_args subscribe;
    blz_pair_args pair;
    blz_discover_args discover;
  } a;
};

/** A request for client c and op (references taken); start runs on the bus thread. */
blz_req *blz_req_new(blz_req_kind kind, blec_client *c, blec_op *op, void (*start)(blz_ctx *, blz_req *));
/** Posts it: BLEC_OK, or a status (the request is freed). */
int blz_req_post(blz_ctx *z, blz_req *r);
/** Sends m (taken; build_status < 0 when building it failed) as r's call with reply
 * handler fn: true when sent (r is then pending), false after completing and ending r. */
bool blz_req_send(blz_ctx *z, blz_req *r, sd_bus_message *m, int build_status, uint64_t usec,
                 sd_bus_message_handler_t fn);
/** Marks it in flight (the call's slot kept for cancel). */
void blz_req_pending(blz_ctx *z, blz_req *r, sd_bus_slot *slot);
/** Ends it: unlinks, drops the slot and references, frees. */
void blz_req_end(blz_ctx *z, blz_req *r);
/** The pending request of an op, or NULL (bus thread). */
blz_req *blz_req_of_op(blz_ctx *z, blec_op *op);
/** Completes r's op from a D-Bus error reply (ATT errors become BLEC_ERR_ATT). */
void blz_req_fail_dbus(blz_ctx *z, blz_req *r, const sd_bus_error *e, const char *what);
/** The same for a GATT request, and ends r: an Unlikely Error (0x0E, what BlueZ answers
 * for a request cut by a disconnection) is held back briefly, so that the link's loss,
 * if that is what it was, fails the request with BLEC_ERR_DISCONNECTED instead. */
void blz_req_fail_gatt(blz_ctx *z, blz_req *r, const sd_bus_error *e, const char *what);

typedef struct blz_hattr { /* one attribute of the discovered tree */
  uint16_t handle;         /* value handle (characteristics), handle (descriptors) */
  bool descriptor;
  char *path;
  bool notify_acquirable;  /* NotifyAcquired is offered */
  bool write_acquirable;   /* WriteAcquired is offered */
  uint32_t props;
  /* Reads of this characteristic sent and not answered. BlueZ stores the value a read got
   * and signals it as a Value change right before the read's reply (chrc_read_cb), so while
   * one is in flight the latest Value change is held back: the reply tells whether it was
   * the read's (same bytes: dropped) or a notification (delivered then). */
  unsigned reads;
  blz_blob held;
  bool has_held;
} blz_hattr;

typedef struct blz_sub { /* one subscription */
  struct blz_client *bc;
  uint16_t handle;
  char *path;
  int fd; /* AcquireNotify socket, -1 on the signal path */
  sd_event_source *src;
} blz_sub;

typedef enum blz_link {
  BLZ_LINK_DOWN = 0,
  BLZ_LINK_FINDING,   /* BlueZ has no object for the device (removed with its bond, or never
                       * seen): discovering until it appears, then Connect() */
  BLZ_LINK_CONNECTING, /* Connect() sent */
  BLZ_LINK_RESOLVING,  /* connected, waiting for ServicesResolved */
  BLZ_LINK_UP,
  BLZ_LINK_CLOSING,    /* Disconnect() sent */
  BLZ_LINK_DROPPING    /* down without a reason: waiting briefly for a power-off to explain it */
} blz_link;

struct blz_client {
  blz_client *next;
  blec_client *c; /* referenced */
  char *dev_path;
  blz_link link;
  blz_req *connecting;  /* the connect request waiting for the link */
  blz_req *closing;     /* the disconnect request waiting for Connected false */
  sd_event_source *close_timer;
  sd_event_source *drop_timer;
  bool unpairing;      /* RemoveDevice in flight: a link loss is "unpaired" */
  bool dropping;       /* a Disconnect we sent and forgot (cancelled connect) is under way */
  bool wait_down;      /* a connect waits for that disconnection before Connect() */
  int last_reason;     /* from Device1.Disconnected (BlueZ >= 5.83), -1 if none */
  uint64_t find_id;    /* this connect's search for its device (z->find_seq), while FINDING */
  blz_hattr *attrs;
  size_t nattrs;
  blz_sub **subs;
  size_t nsubs;
  /* the pairing in flight: what the agent asked the program and what it answered */
  bool pair_asked;
  blec_pairing_kind pair_kind;
  int pair_answer;
  bool pair_authenticated; /* a PIN ceremony was answered: the bond is authenticated */
  int write_fd;        /* AcquireWrite socket of write_handle, or -1 */
  uint16_t write_handle;
  int mtu;
};

/** The backend state of c, created on first use (bus thread). */
blz_client *blz_client_of(blz_ctx *z, blec_client *c);
/** Frees every client's state at exit (bus thread). */
void blz_clients_exit(blz_ctx *z);
/** A Device1's properties changed (bus thread). */
void blz_client_device_changed(blz_ctx *z, blz_obj *dev, unsigned changed);
/** A device object appeared (InterfacesAdded; bus thread). */
void blz_client_device_appeared(blz_ctx *z, blz_obj *dev);
/** A device object went away (bus thread). */
void blz_client_device_removed(blz_ctx *z, const char *path);
/** Device1.Disconnected(reason, message) (bus thread). */
void blz_client_disconnect_reason(blz_ctx *z, const char *path, const char *reason);
/** The adapter powered off or went away: every link is down (bus thread). */
void blz_clients_radio_off(blz_ctx *z);
/** A characteristic's Value changed (bus thread): a notification on the signal path. */
void blz_client_value_changed(blz_ctx *z, const char *char_path, const uint8_t *v, size_t n);
/** A characteristic's MTU changed. */
void blz_client_mtu_changed(blz_ctx *z, const char *char_path, uint16_t mtu);
/** Releases the GATT table, subscriptions and sockets of a client (bus thread). */
void blz_client_release_gatt(blz_ctx *z, blz_client *bc);

int blz_connect(blec_client *c, blec_op *op);
int blz_disconnect(blec_client *c, blec_op *op);
int blz_discover(blec_client *c, blec_op *op, blec_cache_mode mode);
int blz_read(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, bool cached);
int blz_write(blec_client *c, blec_op *op, uint16_t handle, bool descriptor, const uint8_t *data, size_t len,
             bool with_response);
int blz_subscribe(blec_client *c, blec_op *op, uint16_t value_handle, blec__cccd_mode mode);
int blz_pair(blec_client *c, blec_op *op, blec_protection_level level);
int blz_unpair(blec_client *c, blec_op *op);
void blz_cancel(blec_op *op);
void blz_client_free(blec_client *c);

void blz_agent_exit(blz_ctx *z);

/** The IO capability of the agent registered on AgentManager1 (doc/agent-api.txt). */
typedef enum blz_agent_io {
  BLZ_AGENT_NONE = 0,
  BLZ_AGENT_NO_INPUT_NO_OUTPUT, /* a client without a pairing callback: Just Works, no question */
  BLZ_AGENT_KEYBOARD_DISPLAY    /* a client that answers questions: every ceremony */
} blz_agent_io;

/** Exports the Agent1 object (once; bus thread): a negative errno when it cannot be. */
int blz_agent_export(blz_ctx *z);
/** Sends r's Device1.Pair now (its checks first), the agent being what r needs. */
void blz_pair_send(blz_ctx *z, blz_req *r);
/**
 * Pairs r once the agent has the capability r needs (blz_agent_io.c; bus thread):
 * re-registers it (UnregisterAgent, RegisterAgent: asynchronous) when no Pair() of the
 * other capability is in flight, else r waits for those to end.
 */
void blz_agent_pair_queue(blz_ctx *z, blz_req *r);
/** A request whose Pair() was sent ended (blz_req_end): waiting pairs may go on. */
void blz_agent_pair_ended(blz_ctx *z);
/** Cancels the waiting pairs and the registration in flight (teardown). */
void blz_agent_io_exit(blz_ctx *z);

#endif /* BLEC_BLUEZ_BLZ_H */
