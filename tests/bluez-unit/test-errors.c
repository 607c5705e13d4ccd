/* SPDX-License-Identifier: MIT */
/* test-errors.c — BlueZ's D-Bus errors to blec statuses and ATT codes. */
#include <string.h>

#include "backends/bluez/blz.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include BLEC_TEST_LIST
#undef BLEC_TEST

static sd_bus_error E(const char *name, const char *message) {
  sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(name, message);
  return e;
}

BLEC_TEST_IMPL(att_codes_come_from_bluez_errors_named_or_in_text) {
  struct {
    const char *name, *message;
    int att;
  } cases[] = {
      {"org.bluez.Error.Failed", "Operation failed with ATT error: 0x0e", 0x0E},
      {"org.bluez.Error.Failed", "Operation failed with ATT error: 0x80", 0x80},
      {"org.bluez.Error.Failed", "Operation failed with ATT error: 0xF", 0},
      {"org.bluez.Error.Failed", "Operation failed with ATT error: 0x00", 0},
      {"org.bluez.Error.Failed", "Not connected", 0},
      {"org.bluez.Error.NotPermitted", "Read not permitted", BLEC_ATT_READ_NOT_PERMITTED},
      {"org.bluez.Error.NotPermitted", "Write not permitted", BLEC_ATT_WRITE_NOT_PERMITTED},
      {"org.bluez.Error.NotPermitted", "Not paired", BLEC_ATT_INSUFFICIENT_AUTHENTICATION},
      {"org.bluez.Error.NotPermitted", "Notify acquired", 0},
      {"org.bluez.Error.InvalidArguments", "Invalid offset", BLEC_ATT_INVALID_OFFSET},
      {"org.bluez.Error.InvalidArguments", "Invalid Length", BLEC_ATT_INVALID_ATTRIBUTE_VALUE_LENGTH},
      {"org.bluez.Error.NotAuthorized", "Operation Not Authorized", BLEC_ATT_INSUFFICIENT_AUTHORIZATION},
      {"org.freedesktop.DBus.Error.NoReply", "ATT error: 0x0e", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sd_bus_error e = E(cases[i].name, cases[i].message);
    if (blz_att_error(&e) != cases[i].att)
      blec_test_fail_(__FILE__, __LINE__, "%s \"%s\": ATT 0x%02x, wanted 0x%02x", cases[i].name, cases[i].message,
                      blz_att_error(&e), cases[i].att);
  }
  ASSERT_EQ_INT(blz_att_error(NULL), 0);
}

BLEC_TEST_IMPL(dbus_errors_map_to_statuses_with_their_detail) {
  struct {
    const char *name, *message;
    int status, reason;
  } cases[] = {
      {"org.bluez.Error.Failed", "Operation failed with ATT error: 0x0e", BLEC_ERR_ATT, 0},
      {"org.bluez.Error.NotReady", "Resource Not Ready", BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_POWERED_OFF},
      {"org.bluez.Error.Failed", "Not Powered", BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_POWERED_OFF},
      {"org.bluez.Error.Blocked", "Blocked through rfkill", BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_POWERED_OFF},
      {"org.bluez.Error.InProgress", "In Progress", BLEC_ERR_BUSY, 0},
      {"org.bluez.Error.NotConnected", "Not Connected", BLEC_ERR_NOT_CONNECTED, 0},
      {"org.bluez.Error.Failed", "Not connected", BLEC_ERR_NOT_CONNECTED, 0},
      {"org.bluez.Error.NotSupported", "Operation is not supported", BLEC_ERR_NOT_SUPPORTED, 0},
      {"org.bluez.Error.DoesNotExist", "Does Not Exist", BLEC_ERR_DEVICE_NOT_FOUND, 0},
      {"org.bluez.Error.AuthenticationFailed", "Authentication Failed", BLEC_ERR_PAIRING, 0},
      {"org.bluez.Error.AuthenticationRejected", "Authentication Rejected", BLEC_ERR_PAIRING, 0},
      {"org.freedesktop.DBus.Error.NoReply", "timed out", BLEC_ERR_TIMEOUT, 0},
      {"org.freedesktop.DBus.Error.ServiceUnknown", "not provided", BLEC_ERR_BLUETOOTH_UNAVAILABLE,
       BLEC_UNAVAILABLE_NO_ADAPTER},
      {"org.freedesktop.DBus.Error.AccessDenied", "denied", BLEC_ERR_BLUETOOTH_UNAVAILABLE,
       BLEC_UNAVAILABLE_DENIED_BY_SYSTEM},
      {"org.bluez.Error.Failed", "le-connection-abort-by-local", BLEC_ERR_OS, 0},
      {"com.example.Whatever", NULL, BLEC_ERR_OS, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sd_bus_error e = E(cases[i].name, cases[i].message);
    blec_error err;
    blec_error_clear(&err);
    int s = blz_error_from_dbus(NULL, &e, "Test", &err);
    if (s != cases[i].status || err.status != s || err.reason != cases[i].reason)
      blec_test_fail_(__FILE__, __LINE__, "%s: status %s reason %d, wanted %s reason %d", cases[i].name,
                      blec_status_name(s), err.reason, blec_status_name(cases[i].status), cases[i].reason);
    ASSERT(strstr(err.message, "Test") != NULL);
    ASSERT(strstr(err.message, cases[i].name) != NULL);
  }
  sd_bus_error e = E("org.bluez.Error.Failed", "Operation failed with ATT error: 0x0e");
  blec_error err;
  blz_error_from_dbus(NULL, &e, "ReadValue", &err);
  ASSERT_EQ_INT(err.att_error, 0x0E);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
}

BLEC_TEST_IMPL(not_supported_of_a_gatt_request_is_att_request_not_supported) {
  /* create_gatt_dbus_error: ATT 0x06 becomes org.bluez.Error.NotSupported. */
  sd_bus_error e = E("org.bluez.Error.NotSupported", "Operation is not supported");
  blec_error err;
  blec_error_clear(&err);
  ASSERT_STATUS(blz_gatt_error_from_dbus(NULL, &e, "GattCharacteristic1.WriteValue", &err), BLEC_ERR_ATT);
  ASSERT_STATUS(err.status, BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, BLEC_ATT_REQUEST_NOT_SUPPORTED);
  ASSERT_EQ_INT(err.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  ASSERT(strstr(err.message, "WriteValue") != NULL);
  /* Other errors of a GATT request keep their mapping; outside GATT NotSupported stays. */
  sd_bus_error f = E("org.bluez.Error.Failed", "Operation failed with ATT error: 0x0e");
  ASSERT_STATUS(blz_gatt_error_from_dbus(NULL, &f, "ReadValue", &err), BLEC_ERR_ATT);
  ASSERT_EQ_INT(err.att_error, 0x0E);
  sd_bus_error g = E("org.bluez.Error.NotConnected", "Not Connected");
  ASSERT_STATUS(blz_gatt_error_from_dbus(NULL, &g, "ReadValue", &err), BLEC_ERR_NOT_CONNECTED);
  ASSERT_EQ_INT(err.att_error, 0);
  ASSERT_STATUS(blz_error_from_dbus(NULL, &e, "Adapter1.StartDiscovery", &err), BLEC_ERR_NOT_SUPPORTED);
  ASSERT_EQ_INT(err.att_error, 0);
  ASSERT_STATUS(blz_gatt_error_from_dbus(NULL, &e, "ReadValue", NULL), BLEC_ERR_ATT);
}
