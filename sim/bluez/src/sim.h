/* SPDX-License-Identifier: MIT */
/*
 * sim.h — the simulated bluetoothd's internal state and the functions its parts share.
 *
 * Threads: everything in these structures belongs to the bus thread, except the job
 * queue (under `lock`) and the atomics marked so. World callbacks (the world thread)
 * only copy what they got into a job (jobs.c) and return.
 */
#ifndef BLEC_BLUEZ_SIM_SIM_H
#define BLEC_BLUEZ_SIM_SIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "blec/blec_world.h"
#include "blec_bluez_sim.h"
#include "bus.h"
#include "core/threads.h"
#include "eir.h"
#include "filter.h"
#include "world/world_stack.h"

#define BZ_MAX_ADAPTERS 8
#define BZ_ERROR "org.bluez.Error"

typedef struct bz_adapter bz_adapter;
typedef struct bz_device bz_device;
typedef struct bz_conn bz_conn;
typedef struct bz_gatt bz_gatt;
typedef struct bz_agent bz_agent;
typedef struct bz_monitor bz_monitor;

typedef struct bz_config {
  int adapters;
  bool experimental;
  int version; /* 5.<version> */
} bz_config;

struct blec_bluez_sim_config {
  bz_config c;
};

/* ---- jobs (jobs.c): world thread or API caller -> bus thread ------------------------------ */

typedef void (*bz_job_fn)(bz_sim *s, void *arg);
typedef struct bz_job {
  bz_job_fn fn;
  void (*drop)(void *arg); /* frees arg when the job never runs (shutdown); NULL: free() */
  void *arg;
  struct bz_job *next;
} bz_job;

/** Queues fn(arg) for the bus thread. On failure (no memory, stopped) arg is dropped. */
int bz_post(bz_sim *s, bz_job_fn fn, void *arg, void (*drop)(void *));
int bz_jobs_init(bz_sim *s);
/** Runs nothing more; drops what is queued. */
void bz_jobs_close(bz_sim *s);

/* ---- the simulator ------------------------------------------------------------------------- */

struct blec_bluez_sim {
  blec_world *world;
  bz_config cfg;
  char *bus_address; /* NULL: $DBUS_SYSTEM_BUS_ADDRESS */

  /* the bus thread */
  blec__thread thread;
  blec__mutex lock; /* guards the fields below up to `qfd` */
  blec__cond cond;
  int start_status;  /* 1 while starting */
  bool quit_requested;
  bz_job *qhead, *qtail;
  bool qclosed;
  int qfd; /* eventfd: jobs waiting */
  uint64_t sync_done; /* blec_bluez_sim_sync barriers passed */
  char unique[64];
  blec_bluez_sim_filter last_filter; /* the last accepted SetDiscoveryFilter */
  blec_bluez_sim_agents agents_seen;  /* AgentManager1's record (agent.c) */
  size_t held_calls;                  /* copy of nheld_getall for blec_bluez_sim_held_calls */

  sd_event *event;
  sd_bus *bus;
  sd_event_source *qsrc;
  sd_event_source *radio_timer;

  /* switches (bus thread; set through jobs) */
  int64_t sw[BLEC_BLUEZ_SIM_SWITCH_COUNT];

  /* object layer (bus.c) */
  bz_obj *bus_objects;
  bz_obj **bus_pending;
  size_t bus_npending, bus_cap_pending;
  uint64_t bus_seq;
  sd_event_source *bus_idle;
  sd_bus_message **held_getall; /* GetAll(Adapter1) calls held by HOLD_ADAPTER_GETALL */
  size_t nheld_getall;

  bz_obj *root_obj;  /* "/" (ObjectManager) */
  bz_obj *bluez_obj; /* "/org/bluez" (AgentManager1) */
  bz_adapter *adapters[BZ_MAX_ADAPTERS];
  int nadapters;
  bz_agent *agents;       /* registered agents; the default first */
  bz_agent *default_agent;
  bool radio; /* the world's radio, as last seen */
  atomic_int world_connects; /* world connect requests whose completion has not returned */
  bool stopping;
};

void bz_log(bz_sim *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Looks at the world's radio now (it is also polled): Powered follows it. */
void bz_check_radio(bz_sim *s);

/** Milliseconds of a switch. */
static inline int64_t bz_switch(const bz_sim *s, blec_bluez_sim_switch sw) { return s->sw[sw]; }

/* ---- adapters (adapter.c, discovery.c) ------------------------------------------------------ */

typedef struct bz_disc_client {
  char *owner;             /* unique bus name */
  bz_filter *filter;       /* NULL: no filter set */
  bool discovering;        /* in the discovery list (else: a pre-set filter only) */
  sd_bus_track *track;     /* the owner leaving ends its session */
  sd_bus_message *pending; /* StartDiscovery / StopDiscovery waiting for the "controller" */
  struct bz_disc_client *next;
} bz_disc_client;

/* A report the "kernel" holds until the scan response that may follow (hci_event.c). */
typedef struct bz_held_report {
  bool valid;
  char address[18];
  blec_address_type type;
  int rssi;
  bool connectable;
  uint8_t data[31 * 2 + 1650];
  size_t len;
} bz_held_report;

struct bz_adapter {
  bz_sim *sim;
  int index;
  char path[32];
  char address[18];
  char name[64];
  char *alias;
  bz_obj *obj;
  bool power_setting; /* Powered as set through D-Bus (default on) */
  bool powered;       /* effective: setting and the world's radio */
  bool discovering;
  bool filtered_discovery;
  bz_disc_client *clients;
  blec__wscan *scan;
  bool scan_active;   /* the scan is discovery's (active), else the monitors' (passive) */
  sd_event_source *discovery_timer; /* the "controller" answering Start/StopDiscovery */
  bz_held_report held;
  bz_device *devices;
  bz_monitor *monitors; /* AdvertisementMonitor registrations (-E) */
};

extern const bz_iface bz_adapter_iface;
int bz_adapters_create(bz_sim *s);
void bz_adapters_destroy(bz_sim *s);
bz_adapter *bz_adapter_by_path(bz_sim *s, const char *path);
/** The world's radio went on or off: Powered follows, discovery and links end. */
void bz_adapter_radio_changed(bz_sim *s, bool on);
void bz_adapter_set_powered(bz_adapter *a, bool powered);
/** Discovery (discovery.c). */
void bz_discovery_start_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_discovery_stop_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_discovery_set_filter_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_discovery_get_filters_method(bz_sim *s, sd_bus_message *m, void *data);
/** Ends every discovery session of the adapter (power off). */
void bz_discovery_reset(bz_adapter *a);
/** Background (passive) scanning for monitors: on when `want`, the adapter powered and no
 *  discovery scans; off otherwise (discovery's active scan serves monitors too). */
void bz_discovery_passive(bz_adapter *a, bool want);
void bz_discovery_free(bz_adapter *a);
/** The held Start/StopDiscovery calls are confirmed (HOLD_DISCOVERY set back to 0). */
void bz_discovery_release(bz_adapter *a);
/** Every session ends without a reply to anyone, Discovering turns false (a fault). */
void bz_discovery_end(bz_adapter *a);
/** A report reached the adapter's scan (bus thread copy). */
typedef struct bz_report {
  bz_adapter *adapter;
  char address[18];
  blec_address_type type;
  int rssi;
  blec_adv_type adv_type;
  bool connectable, scannable;
  size_t len;
  uint8_t data[];
} bz_report;
void bz_discovery_report(bz_sim *s, bz_report *r);

/* ---- devices (device.c, device_props.c) ------------------------------------------------------ */

typedef struct bz_kv {
  uint16_t company;            /* ManufacturerData key */
  char uuid[BLEC_UUID_STRLEN]; /* ServiceData key */
  uint8_t type;                /* AdvertisingData key */
  uint8_t *data;
  size_t len;
  struct bz_kv *next;
} bz_kv;

typedef struct bz_strlist {
  char **v;
  size_t n;
} bz_strlist;

struct bz_device {
  bz_adapter *ad;
  bz_device *next;
  char address[18];
  blec_address_type atype;
  char path[64];
  bz_obj *obj;

  /* from advertisements */
  char *name;
  int16_t rssi;      /* 0: none (exists false) */
  int8_t tx_power;   /* 127: none */
  uint16_t appearance;
  bz_kv *mfr, *sdata, *adata;
  uint8_t ad_flags;
  bool has_flags;
  bz_strlist eir_uuids;
  bz_strlist uuids;  /* resolved services */
  bool connectable;  /* last report connectable */
  bool in_found;     /* in this discovery's found list (RSSI/TxPower invalidated at stop) */

  char *alias;
  bool paired, bonded, trusted, blocked, connected, svc_resolved, wake_allowed;
  bool temporary;
  sd_event_source *tmp_timer;

  bz_conn *conn;                /* link (or connection attempt) */
  sd_bus_message *connect_msg;  /* Connect waiting */
  sd_bus_message **disconnects; /* Disconnect / RemoveDevice waiting */
  size_t ndisconnects;
  bool remove_after_disconnect;
  int abort_by_local;           /* this connect ends "le-connection-abort-by-local" */

  bz_gatt *gatt;                /* exported GATT objects (kept per the Cache setting) */
  struct bz_bonding *bonding;   /* Pair (or a security elevation) in progress */
  int bond_level;               /* BZ_SEC_* of the bond (0: none) */
};

bz_device *bz_device_find(bz_adapter *a, const char *address);
bz_device *bz_device_by_path(bz_sim *s, const char *path);
bz_device *bz_device_create(bz_adapter *a, const char *address, blec_address_type type);
/** Removes the object (InterfacesRemoved) and frees; ends its link silently. */
void bz_device_remove(bz_device *d);
void bz_device_set_temporary(bz_device *d, bool temporary);
/** Restarts the TemporaryTimeout timer (device_update_last_seen). */
void bz_device_seen(bz_device *d, bool connectable);
/** Applies one (merged) advertising report: bluetoothd's btd_adapter_update_found_device
 *  from device_set_legacy on. */
void bz_device_update_from_report(bz_device *d, const bz_eir *eir, int rssi, bool filtered, bool duplicate);
void bz_device_invalidate_rssi(bz_device *d);
void bz_device_set_connected(bz_device *d, bool connected);
void bz_device_set_services_resolved(bz_device *d, bool resolved);
void bz_device_set_paired(bz_device *d, bool paired, bool bonded);
void bz_device_set_name(bz_device *d, const char *name);
void bz_device_set_uuids(bz_device *d, const char *const *uuids, size_t n);
extern const bz_iface bz_device_iface;

/* Device1 methods (connect.c, pair.c). */
void bz_device_connect_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_device_disconnect_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_device_pair_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_device_cancel_pairing_method(bz_sim *s, sd_bus_message *m, void *data);
/** device_request_disconnect: `msg` (may be NULL) is answered once the link is down. */
void bz_device_request_disconnect(bz_device *d, sd_bus_message *msg);
/** Ends the link at once without replies (shutdown, device removal). */
void bz_device_drop_link(bz_device *d);
/** Starts a connection attempt (d->conn set); a negative errno when it cannot. */
int bz_device_start_connect(bz_device *d);

/* ---- links (connect.c) -------------------------------------------------------------------- */

typedef struct bz_req bz_req;

/* Link security (bt_att's BT_ATT_SECURITY_*): LOW unencrypted, MEDIUM encrypted
 * without MITM protection, HIGH encrypted and authenticated. */
enum { BZ_SEC_LOW = 1, BZ_SEC_MEDIUM = 2, BZ_SEC_HIGH = 3 };

struct bz_conn {
  atomic_int refs;
  int security;              /* BZ_SEC_* of the link now */
  bz_sim *sim;
  bz_device *dev;            /* NULL once detached from its device */
  blec__wlink *link;         /* set once up */
  int64_t connect_id;        /* world request while connecting */
  bool up;                   /* link established */
  bool down;                 /* link gone (disconnected or released) */
  bool disconnecting;        /* a disconnect was requested */
  int mtu;
  bz_req *reqs;              /* world requests in flight */
  sd_event_source *delay_timer; /* CONNECT_DELAY_MS */
};

void bz_conn_unref(bz_conn *c);
bz_conn *bz_conn_ref(bz_conn *c);

/** A world request whose completion is posted to the bus thread. */
struct bz_req {
  bz_conn *conn;
  atomic_int fired;            /* the world called back */
  void (*done)(bz_sim *s, bz_req *r); /* bus thread: handles the result, then the req is freed */
  void (*cancelled)(bz_sim *s, bz_req *r); /* the link went away before it fired */
  void *ctx;                   /* the requester's */
  int status, att_error;
  uint8_t *data;
  size_t len;
  bz_req *next;
};

bz_req *bz_req_new(bz_conn *c, void (*done)(bz_sim *, bz_req *), void (*cancelled)(bz_sim *, bz_req *),
                   void *ctx);
/* World callbacks that post the req (user = the req). */
void bz_req_done_cb(void *user, int status, int att_error);
void bz_req_read_cb(void *user, int status, int att_error, const uint8_t *data, size_t len);
/** The request could not start (negative id): completes it now with `status`. */
void bz_req_fail_now(bz_sim *s, bz_req *r, int status);

/* ---- GATT (gatt.c, gatt_io.c, notify.c) ------------------------------------------------------- */

/** Discovery over the link finished: builds (or keeps) the objects, then ServicesResolved. */
void bz_gatt_build(bz_device *d, const blec__wattr *attrs, size_t count);
/** The link went down: sockets close (HUP), notify sessions end, objects stay or go. */
void bz_gatt_link_down(bz_device *d);
void bz_gatt_free(bz_device *d, bool emit);
/** A notification / indication value from the link. */
void bz_gatt_value(bz_device *d, uint16_t value_handle, const uint8_t *data, size_t len);
/** The MTU changed: "MTU" PropertiesChanged on every characteristic. */
void bz_gatt_mtu_changed(bz_device *d);

/* ---- agents and pairing (agent.c, pair.c) ------------------------------------------------------ */

int bz_agents_init(bz_sim *s);
void bz_agents_free(bz_sim *s);
/** The agent for a request from `sender` (its own, else the default), or NULL. */
bz_agent *bz_agent_for(bz_sim *s, const char *sender);
const char *bz_agent_owner(const bz_agent *a);
const char *bz_agent_path(const bz_agent *a);
/** IO capability of the agent (BZ_IO_*), NoInputNoOutput for NULL. */
int bz_agent_io(const bz_agent *a);
enum { BZ_IO_DISPLAY_ONLY = 0, BZ_IO_DISPLAY_YESNO = 1, BZ_IO_KEYBOARD_ONLY = 2, BZ_IO_NO_INPUT_NO_OUTPUT = 3,
       BZ_IO_KEYBOARD_DISPLAY = 4 };
/** Pairing hooks: the link a Pair asked for came up / could not be made / went; the
 *  services were resolved (a Pair that waits for them is answered). */
void bz_pair_link_up(bz_device *d);
void bz_pair_connect_failed(bz_device *d);
void bz_pair_link_down(bz_device *d);
void bz_pair_services_resolved(bz_device *d);
/**
 * bt_att's change_security: pairs the link up to `level` (BZ_SEC_MEDIUM / HIGH) the way
 * the kernel does when bluetoothd raises the ATT socket's security — the adapter's IO
 * capability (the default agent's, NoInputNoOutput without one), agent calls to the
 * default agent. `done` runs once, later, with whether the level was reached.
 */
void bz_pair_raise_security(bz_device *d, int level, void (*done)(bz_device *d, bool ok, void *ctx), void *ctx);

/* ---- advertisement monitors (monitor.c, experimental) --------------------------------------- */

int bz_monitor_manager_add(bz_adapter *a);
void bz_monitor_manager_free(bz_adapter *a);
/** Whether any active monitor's patterns match the report's AD structures. */
bool bz_monitors_match(bz_adapter *a, const uint8_t *data, size_t len);
bool bz_monitors_active(const bz_adapter *a);
/** DeviceFound(device) to every active monitor the report matches. */
void bz_monitors_notify(bz_adapter *a, const bz_device *d, const uint8_t *data, size_t len);

/* ---- the test control interface (control.c) -------------------------------------------------- */

int bz_control_init(bz_sim *s);

/* ---- errors (errors.c) ------------------------------------------------------------------------ */

/** Replies to a GATT request failed with `status` / ATT `att` (create_gatt_dbus_error). */
void bz_reply_gatt_error(bz_sim *s, sd_bus_message *m, int status, int att);
/** org.bluez.Error.Failed with an LE connection error text (btd_error_le_conn_from_errno). */
const char *bz_le_conn_error(int status);

#endif /* BLEC_BLUEZ_SIM_SIM_H */
