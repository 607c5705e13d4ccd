/* SPDX-License-Identifier: MIT */
/*
 * blz_error.c — D-Bus errors of bluetoothd and of the bus, mapped to blec statuses in one
 * place. ATT errors: BlueZ's GATT client (src/gatt-client.c, create_gatt_dbus_error)
 * turns a few ATT codes into named errors and every other one into
 * org.bluez.Error.Failed "Operation failed with ATT error: 0x%02x"; the named ones are
 * mapped back to the code they stand for (for "Not paired", which BlueZ uses for three
 * codes, the first: Insufficient Authentication).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

#define ERR(x) "org.bluez.Error." x
#define DBUS_ERR(x) "org.freedesktop.DBus.Error." x

static bool has(const sd_bus_error *e, const char *name) { return e && e->name && strcmp(e->name, name) == 0; }

static bool says(const sd_bus_error *e, const char *text) {
  return e && e->message && strcmp(e->message, text) == 0;
}

/* The code of "...ATT error: 0xNN..." in a message, 0 when absent or malformed. */
static int att_in_text(const char *msg) {
  const char *p = msg ? strstr(msg, "ATT error: 0x") : NULL;
  if (!p) return 0;
  p += strlen("ATT error: 0x");
  int v = 0, digits = 0;
  for (; digits < 2; digits++, p++) {
    int h = (*p >= '0' && *p <= '9') ? *p - '0'
            : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
            : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                        : -1;
    if (h < 0) break;
    v = v * 16 + h;
  }
  return digits == 2 && v > 0 ? v : 0;
}

int blz_att_error(const sd_bus_error *e) {
  if (!e || !e->name) return 0;
  if (has(e, ERR("Failed"))) return att_in_text(e->message);
  if (has(e, ERR("NotPermitted"))) {
    if (says(e, "Read not permitted")) return BLEC_ATT_READ_NOT_PERMITTED;
    if (says(e, "Write not permitted")) return BLEC_ATT_WRITE_NOT_PERMITTED;
    if (says(e, "Not paired")) return BLEC_ATT_INSUFFICIENT_AUTHENTICATION;
    return 0;
  }
  if (has(e, ERR("InvalidArguments"))) {
    if (says(e, "Invalid offset")) return BLEC_ATT_INVALID_OFFSET;
    if (says(e, "Invalid Length")) return BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH;
    return 0;
  }
  if (has(e, ERR("NotAuthorized"))) return BLEC_ATT_INSUFFICIENT_AUTHORIZATION;
  return 0;
}

int blz_status_from_errno(int r) {
  switch (-r) {
    case ENOMEM: return BLEC_ERR_NO_MEMORY;
    case ETIMEDOUT: return BLEC_ERR_TIMEOUT;
    case ECANCELED: return BLEC_ERR_CANCELLED;
    case ENOTCONN:
    case ECONNRESET: return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
    case EINVAL: return BLEC_ERR_INVALID_ARG;
    case EBADMSG: return BLEC_ERR_PARSE;
    default: return BLEC_ERR_OS;
  }
}

int blz_error_from_dbus(blec_ctx *ctx, const sd_bus_error *e, const char *what, blec_error *err) {
  const char *name = e && e->name ? e->name : "(no error name)";
  const char *msg = e && e->message ? e->message : "";
  blec__log(ctx, BLEC_LOG_DEBUG, "bluez: %s failed: %s: %s", what, name, msg);
  int status = BLEC_ERR_OS, reason = 0, att = blz_att_error(e);
  if (att) {
    status = BLEC_ERR_ATT;
  } else if (has(e, ERR("NotReady")) || has(e, ERR("Blocked")) || (has(e, ERR("Failed")) && says(e, "Not Powered"))) {
    /* Not powered (NotReady), rfkill (Blocked: mgmt "RFKilled"), or the controller
     * turned off while a request was on its way (Failed with mgmt's "Not Powered"). */
    status = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
    reason = BLEC_UNAVAILABLE_POWERED_OFF;
  } else if (has(e, ERR("InProgress")) || has(e, ERR("AlreadyConnected"))) {
    status = BLEC_ERR_BUSY;
  } else if (has(e, ERR("NotConnected")) || (has(e, ERR("Failed")) && says(e, "Not connected"))) {
    status = BLEC_ERR_NOT_CONNECTED;
  } else if (has(e, ERR("NotSupported")) || has(e, DBUS_ERR("UnknownMethod"))) {
    status = BLEC_ERR_NOT_SUPPORTED;
  } else if (has(e, ERR("DoesNotExist")) || has(e, DBUS_ERR("UnknownObject"))) {
    status = BLEC_ERR_DEVICE_NOT_FOUND;
  } else if (has(e, ERR("AuthenticationFailed")) || has(e, ERR("AuthenticationCanceled")) ||
             has(e, ERR("AuthenticationRejected")) || has(e, ERR("AuthenticationTimeout"))) {
    status = BLEC_ERR_PAIRING;
  } else if (has(e, DBUS_ERR("NoReply")) || has(e, DBUS_ERR("Timeout")) || has(e, DBUS_ERR("TimedOut"))) {
    status = BLEC_ERR_TIMEOUT;
  } else if (has(e, DBUS_ERR("ServiceUnknown")) || has(e, DBUS_ERR("NameHasNoOwner")) ||
             has(e, DBUS_ERR("Disconnected"))) {
    status = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
    reason = BLEC_UNAVAILABLE_NO_ADAPTER;
  } else if (has(e, DBUS_ERR("AccessDenied"))) {
    status = BLEC_ERR_BLUETOOTH_UNAVAILABLE;
    reason = BLEC_UNAVAILABLE_DENIED_BY_SYSTEM;
  } else if (has(e, ERR("InvalidArguments")) || has(e, DBUS_ERR("InvalidArgs"))) {
    status = BLEC_ERR_INVALID_ARG;
  }
  if (err) {
    blec__error_set(err, status, "%s: %s (%s)", what, msg[0] ? msg : blec_strerror(status), name);
    err->att_error = att;
    err->gatt_status = att ? BLEC_GATT_STATUS_PROTOCOL_ERROR : BLEC_GATT_STATUS_NONE;
    err->reason = reason;
  }
  return status;
}

int blz_gatt_error_from_dbus(blec_ctx *ctx, const sd_bus_error *e, const char *what, blec_error *err) {
  blec_error local;
  if (!err) err = &local;
  int status = blz_error_from_dbus(ctx, e, what, err);
  if (status == BLEC_ERR_NOT_SUPPORTED && has(e, ERR("NotSupported"))) {
    /* create_gatt_dbus_error: Request Not Supported (0x06) is the one ATT code BlueZ
     * reports as NotSupported; the request's own checks that answer it (a write type the
     * properties lack) are made by blec before a request reaches BlueZ. */
    status = BLEC_ERR_ATT;
    err->status = status;
    err->att_error = BLEC_ATT_REQUEST_NOT_SUPPORTED;
    err->gatt_status = BLEC_GATT_STATUS_PROTOCOL_ERROR;
  }
  return status;
}
