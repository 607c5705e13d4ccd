/* SPDX-License-Identifier: MIT */
/*
 * errors.c — the org.bluez.Error replies of GATT requests and LE connections, with
 * bluetoothd's texts (BlueZ 5.66 src/gatt-client.c create_gatt_dbus_error, src/error.c).
 */
#include "sim.h"

enum {
  ATT_READ_NOT_PERMITTED = 0x02,
  ATT_WRITE_NOT_PERMITTED = 0x03,
  ATT_AUTHENTICATION = 0x05,
  ATT_REQUEST_NOT_SUPPORTED = 0x06,
  ATT_INVALID_OFFSET = 0x07,
  ATT_AUTHORIZATION = 0x08,
  ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE = 0x0C,
  ATT_INVALID_ATTRIBUTE_VALUE_LEN = 0x0D,
  ATT_UNLIKELY = 0x0E,
  ATT_INSUFFICIENT_ENCRYPTION = 0x0F
};

void bz_reply_gatt_error(bz_sim *s, sd_bus_message *m, int status, int att) {
  if (status != BLEC_ERR_ATT) {
    /* The link went (or the request never reached the peripheral): bt_att completes
     * what is pending with an error response without PDU, read as "unlikely error". */
    att = ATT_UNLIKELY;
  }
  switch (att) {
    case ATT_READ_NOT_PERMITTED: bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Read not permitted"); break;
    case ATT_WRITE_NOT_PERMITTED: bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Write not permitted"); break;
    case ATT_AUTHENTICATION:
    case ATT_INSUFFICIENT_ENCRYPTION:
    case ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE: bz_reply_error(s, m, BZ_ERROR ".NotPermitted", "Not paired"); break;
    case ATT_INVALID_OFFSET: bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid offset"); break;
    case ATT_INVALID_ATTRIBUTE_VALUE_LEN: bz_reply_error(s, m, BZ_ERROR ".InvalidArguments", "Invalid Length"); break;
    case ATT_AUTHORIZATION: bz_reply_error(s, m, BZ_ERROR ".NotAuthorized", "Operation Not Authorized"); break;
    case ATT_REQUEST_NOT_SUPPORTED: bz_reply_error(s, m, BZ_ERROR ".NotSupported", "Operation is not supported"); break;
    case 0: bz_reply_error(s, m, BZ_ERROR ".Failed", "Operation failed"); break;
    default: bz_reply_error(s, m, BZ_ERROR ".Failed", "Operation failed with ATT error: 0x%02x", att); break;
  }
}

/* What a failed LE connection attempt reports (btd_error_le_conn_from_errno): the
 * controller's connection attempt to a device that does not answer ends with the local
 * host terminating it (ECONNABORTED). */
const char *bz_le_conn_error(int status) {
  switch (status) {
    case BLEC_ERR_BLUETOOTH_UNAVAILABLE: return "le-connection-adapter-not-powered";
    case BLEC_ERR_INVALID_ARG: return "le-connection-invalid-arguments";
    default: return "le-connection-abort-by-local";
  }
}
