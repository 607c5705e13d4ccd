/* SPDX-License-Identifier: MIT */
/* t_client.c — connecting and disconnecting on the winrt backend. */
#include "wr_test.h"

#include <process.h>
#include <stdlib.h>
#include <string.h>

BLEC_TEST_IMPL(connect_mtu_and_name) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  ASSERT(blec_client_is_connected(c));
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 1);
  ASSERT_EQ_INT(blec_client_mtu(c), 185); /* the OS's exchange was awaited: not 23 */
  ASSERT_EQ_INT(blec_client_max_write_without_response_size(c), 182);
  ASSERT_STR_EQ(blec_client_name(c), "Lab");
  blec_error err;
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT(!blec_client_is_connected(c));
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 0);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(connect_unknown_device) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, "01:02:03:04:05:06", o, &c));
  blec_error err;
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(5000), &err), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_free(c);
  /* The right address with the wrong address type is no device either. */
  ASSERT_OK(blec_client_options_set_address_type(o, BLEC_ADDRESS_RANDOM));
  ASSERT_OK(blec_client_new(ctx, WT_LAB, o, &c));
  blec_client_options_free(o);
  ASSERT_STATUS(blec_client_connect(c, blec_test_ms(5000), &err), BLEC_ERR_DEVICE_NOT_FOUND);
  blec_client_free(c);
  wt_end(ctx);
}

BLEC_TEST_IMPL(remote_disconnect) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  wt_disc d = {0, BLEC_DISCONNECT_REQUESTED};
  blec_client_set_disconnected_callback(c, wt_on_disconnected, &d);
  ASSERT_OK(sim.blec_winrt_sim_peripheral_disconnect(WT_LAB));
  WT_WAIT_FOR(d.calls > 0, 3000);
  ASSERT_EQ_INT(d.reason, BLEC_DISCONNECT_REMOTE);
  ASSERT(!blec_client_is_connected(c));
  /* The OS must not reconnect behind the program's back: once the stack has delivered
   * everything, the peripheral is still alone. */
  sim.blec_winrt_sim_drain();
  wt_dispatch_barrier(ctx);
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 0);
  ASSERT_EQ_INT(d.calls, 1);
  /* And it connects again. */
  blec_error err;
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  wt_end(ctx);
}

/* Every call made by a single-threaded-apartment thread: the stack, strict, refuses calls
 * from outside the MTA, so this passes only if the backend makes them on its own threads. */
static unsigned __stdcall sta_main(void *arg) {
  (void)arg;
  CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  blec_apartment_allow_sta();
  blec_ctx *ctx = wt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  wt_scan_for(ctx, BLEC_SCAN_ACTIVE, 300, &list, &n);
  ASSERT(wt_find(list, n, WT_LAB) != NULL);
  blec_device_list_free(list, n);
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  uint8_t *data = NULL;
  size_t len = 0;
  blec_error err;
  ASSERT_OK(blec_client_read(c, wt_chr(c, 0xaa01), 0, blec_test_ms(5000), &data, &len, &err));
  blec_free(data);
  blec_client_free(c);
  ASSERT_OK(blec_ctx_free(ctx));
  CoUninitialize();
  return 0;
}

BLEC_TEST_IMPL(calls_from_sta_thread) {
  wt_world(wt_lab_world);
  sim.blec_winrt_sim_reset_apartment_stats();
  sim.blec_winrt_sim_set_apartment_strict(1);
  HANDLE t = (HANDLE)_beginthreadex(NULL, 0, sta_main, NULL, 0, NULL);
  ASSERT(t != NULL);
  ASSERT_EQ_INT(WaitForSingleObject(t, (DWORD)blec_test_ms(30000)), WAIT_OBJECT_0);
  CloseHandle(t);
  blec_winrt_sim_apartment_stats st;
  sim.blec_winrt_sim_get_apartment_stats(&st);
  sim.blec_winrt_sim_set_apartment_strict(0);
  ASSERT_EQ_INT(st.calls_refused, 0);
  ASSERT_EQ_INT(st.calls_sta, 0);
  ASSERT(st.calls_mta > 0);
  wt_check_no_live_objects();
}

static const char elsewhere_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:61 public\n"
    "  name \"Band\"\n"
    "  connected-elsewhere yes\n"
    "  service ff00\n"
    "    characteristic ff01 read text:\"band\"\n";
#define BAND "AA:00:00:00:00:61"

/* A device another program holds does not advertise: it is reached by address, and the
 * other program's link outlives this program's connection. */
BLEC_TEST_IMPL(connect_without_scan_to_a_device_connected_elsewhere) {
  wt_world(elsewhere_world);
  blec_ctx *ctx = wt_ctx();
  blec_device **list = NULL;
  size_t n = 0;
  wt_scan_for(ctx, BLEC_SCAN_ACTIVE, 300, &list, &n);
  ASSERT(wt_find(list, n, BAND) == NULL);
  blec_device_list_free(list, n);
  blec_client_options *o = blec_client_options_new();
  ASSERT_OK(blec_client_options_set_scan_first(o, false));
  blec_client *c = wt_connect(ctx, BAND, o);
  blec_client_options_free(o);
  uint8_t buf[8];
  ASSERT_EQ_INT(wt_read(c, wt_chr(c, 0xff01), 0, buf, sizeof buf), 4);
  ASSERT_MEM_EQ(buf, "band", 4);
  blec_error err;
  ASSERT_OK(blec_client_disconnect(c, blec_test_ms(10000), &err));
  ASSERT(!blec_client_is_connected(c));
  /* Windows still shows it Connected: the other program's link; the detail says so. */
  if (sim.blec_winrt_sim_models_connected_elsewhere()) ASSERT(strstr(err.message, "still reports") != NULL);
  blec_client_free(c);
  wt_end(ctx);
}

/* GattSession.CanMaintainConnection false: Windows cannot keep the link for this program,
 * so the connect says so instead of relying on MaintainConnection, and leaves no link. */
BLEC_TEST_IMPL(connect_refused_when_windows_cannot_maintain_the_connection) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = wt_ctx();
  blec_client *c = NULL;
  ASSERT_OK(blec_client_new(ctx, WT_LAB, NULL, &c));
  ASSERT_OK(sim.blec_winrt_sim_set_can_maintain_connection(0));
  blec_error err;
  int st = blec_client_connect(c, blec_test_ms(10000), &err);
  sim.blec_winrt_sim_set_can_maintain_connection(1);
  ASSERT_EQ_INT(st, BLEC_ERR_NOT_SUPPORTED);
  ASSERT(strstr(err.message, "CanMaintainConnection") != NULL);
  ASSERT(!blec_client_is_connected(c));
  sim.blec_winrt_sim_drain();
  uint64_t deadline = wt_now_ms() + (uint64_t)blec_test_ms(5000);
  while (sim.blec_winrt_sim_peripheral_connected(WT_LAB) != 0) {
    if (wt_now_ms() > deadline) blec_test_fail_(__FILE__, __LINE__, "the refused connect left a link up");
    Sleep(1);
  }
  /* Once Windows can, the same client connects. */
  ASSERT_OK(blec_client_connect(c, blec_test_ms(10000), &err));
  ASSERT(blec_client_is_connected(c));
  blec_client_free(c);
  wt_end(ctx);
}

/* On Windows, with the Windows Bluetooth stack there, a context made without options is on
 * winrt (virtual comes last). */
BLEC_TEST_IMPL(winrt_is_the_default_backend_on_windows) {
  wt_world(wt_lab_world);
  blec_ctx *ctx = NULL;
  blec_error err;
  ASSERT(getenv("BLEC_BACKEND") == NULL); /* the choice below is the library's own */
  ASSERT_OK(blec_ctx_new(NULL, &ctx, &err));
  ASSERT_STR_EQ(blec_ctx_backend_name(ctx), "winrt");
  blec_client *c = wt_connect(ctx, WT_LAB, NULL);
  ASSERT_EQ_INT(sim.blec_winrt_sim_peripheral_connected(WT_LAB), 1); /* the simulated Windows stack, not virtual */
  blec_client_free(c);
  wt_end(ctx);
}
