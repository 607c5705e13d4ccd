/* SPDX-License-Identifier: MIT */
/*
 * bus.h — the object layer of the simulated bluetoothd, modelled on the way bluetoothd's
 * gdbus (BlueZ gdbus/object.c) exports objects, because clients see its quirks:
 *
 *  - Objects are paths with interfaces; each interface has a method table and a property
 *    table whose entries may "exist" or not (a property that does not exist is left out
 *    of GetAll / GetManagedObjects / InterfacesAdded and listed as invalidated in
 *    PropertiesChanged).
 *  - Property changes are not sent at once: they are collected per object and interface
 *    and sent as one PropertiesChanged when the loop goes idle — or earlier, right before
 *    any other message (a reply, a call to an agent) is sent, so that the order of
 *    causes is kept ("Flush pending signal to guarantee message order").
 *  - A new object's InterfacesAdded goes out with that same flush, parent before child;
 *    interfaces removed before they were announced are never announced.
 *  - Every object also lists org.freedesktop.DBus.Introspectable and
 *    org.freedesktop.DBus.Properties (empty) in InterfacesAdded / GetManagedObjects.
 *  - A method call whose signature does not match gets org.freedesktop.DBus.Error.
 *    UnknownMethod (gdbus leaves it unhandled); an unknown path UnknownObject.
 *
 * Everything here runs on the bus thread.
 */
#ifndef BLEC_BLUEZ_SIM_BUS_H
#define BLEC_BLUEZ_SIM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

typedef struct blec_bluez_sim bz_sim;
typedef struct bz_obj bz_obj;

/** Appends the property's value (of its signature) to `m`. */
typedef int (*bz_get_fn)(sd_bus_message *m, void *data);
/** Whether the property exists now (NULL: always). */
typedef bool (*bz_exists_fn)(void *data);
/**
 * Sets the property from `call` (read position inside the variant, whose signature was
 * checked). Replies to `call` itself (bz_reply_empty / bz_reply_error), now or later.
 */
typedef void (*bz_set_fn)(bz_sim *s, sd_bus_message *call, void *data);
/** A method: replies to `m` (now, or later after sd_bus_message_ref). */
typedef void (*bz_method_fn)(bz_sim *s, sd_bus_message *m, void *data);

enum {
  BZ_EXPERIMENTAL = 1 /* only with bluetoothd -E (G_DBUS_*_FLAG_EXPERIMENTAL) */
};

typedef struct bz_prop {
  const char *name;
  const char *sig;
  bz_get_fn get;
  bz_exists_fn exists;
  bz_set_fn set;
  unsigned flags;
} bz_prop;

typedef struct bz_method {
  const char *name;
  const char *in_sig;
  const char *out_sig;
  bz_method_fn fn;
  unsigned flags;
} bz_method;

typedef struct bz_iface {
  const char *name;
  const bz_method *methods; /* ends with a NULL name */
  const bz_prop *props;     /* ends with a NULL name; at most 64 */
} bz_iface;

#define BZ_IFACE_MAX 6

/** Starts the layer on `bus`: the fallback handler and the ObjectManager at "/". */
int bz_bus_init(bz_sim *s);
/** Drops every object without signals (shutdown). */
void bz_bus_free_all(bz_sim *s);
/** Answers the GetAll calls HOLD_ADAPTER_GETALL held (switch set back to 0). */
void bz_bus_release_getall(bz_sim *s);

/** A new object at `path` (copied); announced once an interface is added. */
bz_obj *bz_obj_new(bz_sim *s, const char *path);
const char *bz_obj_path(const bz_obj *o);
/** Adds an interface with its data (announced in InterfacesAdded at the next flush). */
int bz_obj_add(bz_obj *o, const bz_iface *def, void *data);
/**
 * Removes an interface: its pending property changes go out first; then, unless it was
 * never announced, it is listed in InterfacesRemoved at the next flush.
 */
void bz_obj_remove(bz_obj *o, const bz_iface *def);
/** Removes every interface and forgets the object (freed after its signals went out). */
void bz_obj_free(bz_obj *o);
/** Queues a PropertiesChanged of `prop` of interface `def` (sent at the next flush). */
void bz_emit(bz_obj *o, const bz_iface *def, const char *prop);

/** bz_emit, then this object's queued property changes go out at once
 *  (G_DBUS_PROPERTY_CHANGED_FLAG_FLUSH: characteristic values). */
void bz_emit_flush(bz_obj *o, const bz_iface *def, const char *prop);
/** Sends everything queued, as gdbus does before it sends a message. */
void bz_flush(bz_sim *s);
/** Sends everything queued, as gdbus's idle callbacks do when the loop goes idle. */
void bz_flush_idle(bz_sim *s);
/** Sends `m` after flushing what is queued (a reply, a method call, a signal). Unrefs m. */
int bz_send(bz_sim *s, sd_bus_message *m);

/* ---- replies -------------------------------------------------------------------------- */

int bz_reply_empty(bz_sim *s, sd_bus_message *call);
int bz_reply_error(bz_sim *s, sd_bus_message *call, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/** Starts a reply the caller fills and hands to bz_send. NULL on no memory. */
sd_bus_message *bz_reply_new(sd_bus_message *call);

/** Whether experimental interfaces and properties are on (bluetoothd -E). */
bool bz_experimental(const bz_sim *s);

#endif /* BLEC_BLUEZ_SIM_BUS_H */
