/* SPDX-License-Identifier: MIT */
/* errors.c — names and sentences of every status, ATT error and OS-level status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec.h"
#include "blec/blec_winrt.h"

uint32_t blec_version(void) { return BLEC_VERSION_HEX; }
const char *blec_version_string(void) { return BLEC_VERSION_STRING; }

const char *blec_status_name(int status) {
  switch (status) {
#define NAME_(name, value, msg) \
  case value:                   \
    return "BLEC_" #name;
    BLEC_STATUS_MAP(NAME_)
#undef NAME_
  }
  return "BLEC_UNKNOWN";
}

const char *blec_strerror(int status) {
  switch (status) {
#define MSG_(name, value, msg) \
  case value:                  \
    return msg;
    BLEC_STATUS_MAP(MSG_)
#undef MSG_
  }
  return "unknown status";
}

const char *blec_att_error_name(int att_error) {
  /* Core spec v5.4 Vol 3 Part F 3.4.1.1, and Supplement to the Core Specification
   * Part B 1.2 for the common profile codes 0xFC-0xFF. */
  switch (att_error) {
    case 0x01: return "Invalid Handle";
    case 0x02: return "Read Not Permitted";
    case 0x03: return "Write Not Permitted";
    case 0x04: return "Invalid PDU";
    case 0x05: return "Insufficient Authentication";
    case 0x06: return "Request Not Supported";
    case 0x07: return "Invalid Offset";
    case 0x08: return "Insufficient Authorization";
    case 0x09: return "Prepare Queue Full";
    case 0x0A: return "Attribute Not Found";
    case 0x0B: return "Attribute Not Long";
    case 0x0C: return "Encryption Key Size Too Short";
    case 0x0D: return "Invalid Attribute Value Length";
    case 0x0E: return "Unlikely Error";
    case 0x0F: return "Insufficient Encryption";
    case 0x10: return "Unsupported Group Type";
    case 0x11: return "Insufficient Resources";
    case 0x12: return "Database Out Of Sync";
    case 0x13: return "Value Not Allowed";
    case 0xFC: return "Write Request Rejected";
    case 0xFD: return "Client Characteristic Configuration Descriptor Improperly Configured";
    case 0xFE: return "Procedure Already in Progress";
    case 0xFF: return "Out of Range";
    default: break;
  }
  if (att_error >= 0x80 && att_error <= 0x9F) return "Application Error";
  return NULL;
}

const char *blec_gatt_status_name(int gatt_status) {
  switch (gatt_status) {
    case BLEC_GATT_STATUS_SUCCESS: return "Success";
    case BLEC_GATT_STATUS_UNREACHABLE: return "Unreachable";
    case BLEC_GATT_STATUS_PROTOCOL_ERROR: return "ProtocolError";
    case BLEC_GATT_STATUS_ACCESS_DENIED: return "AccessDenied";
    case BLEC_GATT_STATUS_NONE: return "None";
    default: return NULL;
  }
}

const char *blec_unavailable_reason_name(int reason) {
  switch (reason) {
    case BLEC_UNAVAILABLE_NONE: return "available";
    case BLEC_UNAVAILABLE_NO_ADAPTER: return "no Bluetooth adapter";
    case BLEC_UNAVAILABLE_NO_CENTRAL_ROLE: return "the adapter does not support the central role";
    case BLEC_UNAVAILABLE_POWERED_OFF: return "the Bluetooth radio is powered off";
    case BLEC_UNAVAILABLE_DENIED_BY_USER: return "access denied by the user";
    case BLEC_UNAVAILABLE_DENIED_BY_SYSTEM: return "access denied by the system";
    case BLEC_UNAVAILABLE_RESOURCE_IN_USE: return "the radio is in use by another program";
    case BLEC_UNAVAILABLE_UNKNOWN: return "the radio's state is unknown";
    default: return NULL;
  }
}

const char *blec_disconnect_reason_name(int reason) {
  switch (reason) {
    case BLEC_DISCONNECT_REQUESTED: return "requested";
    case BLEC_DISCONNECT_REMOTE: return "ended by the peripheral";
    case BLEC_DISCONNECT_LINK_LOSS: return "link lost";
    case BLEC_DISCONNECT_UNPAIRED: return "unpaired";
    case BLEC_DISCONNECT_RADIO_OFF: return "radio off";
    default: return NULL;
  }
}

/* A name for a formatted line: "Unknown" where a lookup has none. */
static const char *or_unknown(const char *name) { return name ? name : "Unknown"; }

void blec_error_clear(blec_error *err) {
  if (!err) return;
  memset(err, 0, sizeof *err);
  err->gatt_status = BLEC_GATT_STATUS_NONE;
}

char *blec_error_format(const blec_error *err, char *buf, size_t size) {
  if (!buf || size == 0) return buf;
  if (!err) {
    snprintf(buf, size, "%s", blec_strerror(BLEC_OK));
    return buf;
  }
  char head[160];
  switch (err->status) {
    case BLEC_ERR_ATT:
      snprintf(head, sizeof head, "ATT protocol error 0x%02X (%s)", (unsigned)err->att_error,
               or_unknown(blec_att_error_name(err->att_error)));
      break;
    case BLEC_ERR_BLUETOOTH_UNAVAILABLE:
      snprintf(head, sizeof head, "Bluetooth is not available: %s",
               or_unknown(blec_unavailable_reason_name(err->reason)));
      break;
    default:
      snprintf(head, sizeof head, "%s", blec_strerror(err->status));
      break;
  }
  /* "[Unreachable]", "[0x80070005]" or "[AccessDenied, 0x80070005]": only what is known. */
  char os[96] = "";
  bool gatt = err->gatt_status > BLEC_GATT_STATUS_SUCCESS;
  if (gatt && err->os_status != 0)
    snprintf(os, sizeof os, " [%s, 0x%08lX]", or_unknown(blec_gatt_status_name(err->gatt_status)),
             (unsigned long)(uint32_t)err->os_status);
  else if (gatt)
    snprintf(os, sizeof os, " [%s]", or_unknown(blec_gatt_status_name(err->gatt_status)));
  else if (err->os_status != 0)
    snprintf(os, sizeof os, " [0x%08lX]", (unsigned long)(uint32_t)err->os_status);
  /* The message is read within its array: a detail the program filled itself need not
   * be terminated. */
  const char *end = memchr(err->message, '\0', sizeof err->message);
  int mlen = end ? (int)(end - err->message) : (int)sizeof err->message;
  snprintf(buf, size, "%s%s%s%.*s", head, os, mlen ? ": " : "", mlen, err->message);
  return buf;
}

void blec_free(void *p) { free(p); }
