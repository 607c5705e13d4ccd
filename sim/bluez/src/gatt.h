/* SPDX-License-Identifier: MIT */
/*
 * gatt.h — the exported GATT objects of one device (BlueZ 5.66 src/gatt-client.c):
 * services, characteristics, descriptors with their paths (handles in hex: service000c,
 * char000d — the declaration handle —, desc000f), their cached values and the notify
 * sessions and acquired sockets of characteristics. Shared by gatt.c (objects),
 * gatt_io.c (ReadValue / WriteValue) and notify.c (StartNotify / StopNotify /
 * AcquireNotify / AcquireWrite).
 */
#ifndef BLEC_BLUEZ_SIM_GATT_H
#define BLEC_BLUEZ_SIM_GATT_H

#include "sim.h"

typedef enum bz_gkind { BZ_G_SERVICE, BZ_G_CHAR, BZ_G_DESC } bz_gkind;

typedef struct bz_gnode bz_gnode;

/* A client's notify session (struct notify_client): one per bus name and characteristic. */
typedef struct bz_notify_client {
  bz_gnode *chr;
  char *owner;
  bool registered; /* notify_id != 0: the CCCD write succeeded on the current link */
  bool acquired;   /* the session of an AcquireNotify */
  sd_bus_track *track;
  sd_bus_message *pending; /* StartNotify / AcquireNotify waiting for the CCCD write */
  struct bz_notify_client *next;
} bz_notify_client;

/* An acquired socket (struct sock_io). */
typedef struct bz_sock {
  int fd;                  /* our end */
  sd_event_source *src;
  sd_event_source *late;   /* SOCKET_CLOSE_SEEN_LATE_MS: the hang-up noticed then */
  bz_sim *sim;
  bz_gnode *chr;
  bool write;              /* AcquireWrite (else AcquireNotify) */
} bz_sock;

/* ReadValue calls with the same offset share one ATT read (struct async_dbus_op). */
typedef struct bz_read_op {
  uint16_t offset;
  sd_bus_message **msgs;
  size_t n;
} bz_read_op;

/* The WriteValue with response in flight (kept whole: a security elevation resends it). */
typedef struct bz_write_op {
  sd_bus_message *msg;
  uint8_t *value;
  size_t len;
} bz_write_op;

struct bz_gnode {
  bz_gkind kind;
  bz_gatt *g;
  bz_gnode *parent;       /* characteristic of a descriptor, service of a characteristic */
  uint16_t handle;        /* service: start; characteristic: declaration; descriptor: itself */
  uint16_t value_handle;  /* characteristic: its value */
  uint16_t end;           /* service: last handle */
  blec_uuid uuid;
  char uuid_str[BLEC_UUID_STRLEN];
  uint32_t props;         /* characteristic: BLEC_PROP_* (ATT bits and extended ones) */
  char path[160];
  bz_obj *obj;
  uint8_t *value;         /* the cache behind "Value" */
  size_t len;
  bz_read_op *read_op;
  bz_write_op *write_op;   /* the WriteValue in flight (others get InProgress) */
  bool notifying;
  bz_notify_client *clients;
  bz_sock *write_io, *notify_io;
  uint16_t cccd;          /* characteristic: its CCCD handle, 0 when none */
};

struct bz_gatt {
  bz_device *dev;
  bz_gnode *nodes; /* handle order */
  size_t n;
  bool mtu_watch;  /* built on the current link: MTU changes are signalled */
};

extern const bz_iface bz_gatt_service_iface, bz_gatt_char_iface, bz_gatt_desc_iface;

/** The link to use for a GATT request of this device, NULL when not connected. */
bz_conn *bz_gatt_conn(const bz_gnode *n);
/** Whether a request's completion still concerns the device's current link. */
bool bz_req_current(const bz_req *r);
/** Fails the reads and writes in flight with the link's end (ATT error 0x0e). */
void bz_gatt_fail_pending(bz_gatt *g);
/** Stores a value into the cache and emits "Value" (flushed at once for characteristics). */
void bz_gatt_store(bz_gnode *n, uint16_t offset, const uint8_t *data, size_t len);

/* gatt_io.c */
void bz_gatt_read_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_gatt_write_method(bz_sim *s, sd_bus_message *m, void *data);
/** Parses the a{sv} options of ReadValue / WriteValue ("offset" q, "type" s). */
bool bz_gatt_parse_options(sd_bus_message *m, uint16_t *offset, const char **type);

/* notify.c */
void bz_gatt_start_notify_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_gatt_stop_notify_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_gatt_acquire_write_method(bz_sim *s, sd_bus_message *m, void *data);
void bz_gatt_acquire_notify_method(bz_sim *s, sd_bus_message *m, void *data);
/** A notification for this characteristic arrived. */
void bz_notify_value(bz_gnode *chr, const uint8_t *data, size_t len);
/** The link is up and the objects ready: sessions of clients still on the bus resume. */
void bz_notify_link_up(bz_gatt *g);
/** The link went: sockets close (HUP), sessions stay but are no longer registered. */
void bz_notify_link_down(bz_gatt *g);
/** The characteristic goes away. */
void bz_notify_free(bz_gnode *chr);

#endif /* BLEC_BLUEZ_SIM_GATT_H */
