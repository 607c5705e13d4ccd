/* SPDX-License-Identifier: MIT */
/*
 * t_errors.c — how Windows' failures become blec statuses (winrt_error.c, issue 11): ATT
 * errors Windows reports as HRESULTs (0x8065xxxx), access denied (consent, policy), a
 * restarted Bluetooth service, and BluetoothError's "not available" reasons (OtherError
 * is not "powered off").
 */
#include "backends/winrt/winrt_backend.h"
#include "wr_test.h"

#include <string.h>

#define CONTAINS(s, sub) ASSERT(strstr((s), (sub)) != NULL)

BLEC_TEST_IMPL(att_errors_reported_as_hresults) {
  blec_error e;
  wr_error_from_hr(&e, (HRESULT)0x80650005L, "reading");
  ASSERT_EQ_INT(e.status, BLEC_ERR_ATT);
  ASSERT_EQ_INT(e.att_error, BLEC_ATT_INSUFFICIENT_AUTHENTICATION);
  ASSERT_EQ_INT(e.gatt_status, BLEC_GATT_STATUS_PROTOCOL_ERROR);
  ASSERT_EQ_INT((uint32_t)e.os_status, 0x80650005u);
  CONTAINS(e.message, "Insufficient Authentication");
  wr_error_from_hr(&e, (HRESULT)0x806500FDL, "writing"); /* application range */
  ASSERT_EQ_INT(e.status, BLEC_ERR_ATT);
  ASSERT_EQ_INT(e.att_error, 0xFD);
}

BLEC_TEST_IMPL(access_denied_and_a_restarted_service_have_their_own_detail) {
  blec_error e;
  wr_error_from_hr(&e, E_ACCESSDENIED, "connecting");
  ASSERT_EQ_INT(e.status, BLEC_ERR_OS);
  ASSERT_EQ_INT(e.gatt_status, BLEC_GATT_STATUS_ACCESS_DENIED);
  CONTAINS(e.message, "denied access");
  static const HRESULT gone[] = {(HRESULT)0x80010108L /* RPC_E_DISCONNECTED */,
                                 (HRESULT)0x800706BAL /* RPC_S_SERVER_UNAVAILABLE */,
                                 (HRESULT)0x800706BEL /* RPC_S_CALL_FAILED */};
  for (size_t i = 0; i < 3; i++) {
    wr_error_from_hr(&e, gone[i], "reading");
    ASSERT_EQ_INT(e.status, BLEC_ERR_DISCONNECTED);
    CONTAINS(e.message, "Bluetooth service stopped or restarted");
  }
  wr_error_from_hr(&e, (HRESULT)0x80000013L /* RO_E_CLOSED */, "reading");
  ASSERT_EQ_INT(e.status, BLEC_ERR_NOT_CONNECTED);
  wr_error_from_hr(&e, HRESULT_FROM_WIN32(ERROR_CANCELLED), "reading");
  ASSERT_EQ_INT(e.status, BLEC_ERR_CANCELLED);
  wr_error_from_hr(&e, E_NOINTERFACE, "connecting");
  ASSERT_EQ_INT(e.status, BLEC_ERR_NOT_SUPPORTED);
}

BLEC_TEST_IMPL(bluetooth_errors_give_the_right_reason) {
  static const struct {
    BluetoothError be;
    int status, reason;
  } cases[] = {
      {BluetoothError_RadioNotAvailable, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_POWERED_OFF},
      {BluetoothError_ResourceInUse, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_RESOURCE_IN_USE},
      {BluetoothError_DisabledByPolicy, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_DENIED_BY_SYSTEM},
      {BluetoothError_DisabledByUser, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_DENIED_BY_USER},
      {BluetoothError_ConsentRequired, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_DENIED_BY_USER},
      {BluetoothError_NotSupported, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_NO_CENTRAL_ROLE},
      {BluetoothError_TransportNotSupported, BLEC_ERR_BLUETOOTH_UNAVAILABLE, BLEC_UNAVAILABLE_NO_CENTRAL_ROLE},
      {BluetoothError_OtherError, BLEC_ERR_OS, BLEC_UNAVAILABLE_NONE}, /* not "powered off" */
      {BluetoothError_DeviceNotConnected, BLEC_ERR_DISCONNECTED, BLEC_UNAVAILABLE_NONE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    blec_error e;
    wr_error_from_bluetooth_error(&e, cases[i].be, "the scan stopped");
    ASSERT_EQ_INT(e.status, cases[i].status);
    ASSERT_EQ_INT(e.reason, cases[i].reason);
    CONTAINS(e.message, wr_bluetooth_error_name(cases[i].be));
  }
}

BLEC_TEST_IMPL(missing_interfaces_say_which_windows_they_need) {
  ASSERT_STR_EQ(wr_iface_needs(WR_IF_RECEIVED2), "needs Windows 10 version 2004 (build 19041)");
  ASSERT_STR_EQ(wr_iface_needs(WR_IF_DEVICE4), "needs Windows 10 version 1709 (build 16299)");
}

/* RadioState.Unknown: "the radio state is unknown, or the radio is in a bad or uncontrollable
 * state" — nothing says it is powered off, and the program is told so. */
BLEC_TEST_IMPL(radio_state_unknown_is_not_powered_off) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_scanner *s = NULL;
  ASSERT_OK(blec_scanner_new(ctx, NULL, NULL, NULL, &s));
  ASSERT_OK(sim.blec_winrt_sim_set_radio_state_unknown(1));
  blec_error err;
  int st = blec_scanner_start(s, &err);
  sim.blec_winrt_sim_set_radio_state_unknown(0);
  ASSERT_EQ_INT(st, BLEC_ERR_BLUETOOTH_UNAVAILABLE);
  ASSERT_EQ_INT(err.reason, BLEC_UNAVAILABLE_UNKNOWN);
  CONTAINS(err.message, "unknown");
  ASSERT(strstr(err.message, "off") == NULL);
  blec_error_clear(&err);
  ASSERT_OK(blec_scanner_start(s, &err));
  blec_scanner_free(s);
  wt_end(ctx);
}

/* A class Windows could not give once (here: hidden by an older Windows, standing for a
 * Bluetooth service that was restarting) is asked for again: only successes are kept. */
BLEC_TEST_IMPL(failed_factory_lookup_is_asked_again) {
  wt_world(wt_lab_world);
  WT_SKIP_UNLESS(wt_quirk(WT_QUIRK_WINDOWS_BUILD, 14393)); /* no GattSession before 15063 */
  blec_ctx *ctx = wt_ctx();
  wr_ctx *w = wr_ctx_of(ctx);
  IUnknown *u = NULL;
  ASSERT(FAILED(wr_statics(w, WR_SESSION_STATICS, (void **)&u)));
  ASSERT(u == NULL);
  ASSERT(wt_quirk(WT_QUIRK_WINDOWS_BUILD, 0));
  ASSERT(SUCCEEDED(wr_statics(w, WR_SESSION_STATICS, (void **)&u)));
  ASSERT(u != NULL);
  IUnknown_Release(u);
  /* And the context connects. */
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  blec_client_free(c);
  wt_end(ctx);
}
