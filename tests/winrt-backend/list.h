/* SPDX-License-Identifier: MIT */
/* Tests of the winrt-backend suite (Windows only, under Wine against sim/winrt). */
BLEC_TEST(context_and_capabilities)
BLEC_TEST(scan_merges_scan_response)
BLEC_TEST(passive_scan_has_no_scan_response)
BLEC_TEST(radio_off_scanner_error)
BLEC_TEST(connect_mtu_and_name)
BLEC_TEST(connect_unknown_device)
BLEC_TEST(services_tree)
BLEC_TEST(read_write)
BLEC_TEST(notify)
BLEC_TEST(att_error_mapping)
BLEC_TEST(remote_disconnect)
BLEC_TEST(calls_from_sta_thread)
