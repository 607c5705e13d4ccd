/* SPDX-License-Identifier: MIT */
/* Tests of the winrt-backend suite (Windows only, under Wine against sim/winrt). */
/* t_scan.c */
BLEC_TEST(context_and_capabilities)
BLEC_TEST(scan_merges_scan_response)
BLEC_TEST(passive_scan_has_no_scan_response)
BLEC_TEST(radio_off_scanner_error)
BLEC_TEST(scanner_freed_right_after_start_releases_the_watcher)
/* t_client.c */
BLEC_TEST(connect_mtu_and_name)
BLEC_TEST(connect_unknown_device)
BLEC_TEST(remote_disconnect)
BLEC_TEST(calls_from_sta_thread)
/* t_gatt.c */
BLEC_TEST(services_tree)
BLEC_TEST(read_write)
BLEC_TEST(notify)
BLEC_TEST(att_error_mapping)
/* t_denied.c (issue 10, defect 1) */
BLEC_TEST(denied_service_first)
BLEC_TEST(denied_service_middle)
BLEC_TEST(denied_service_last)
BLEC_TEST(denied_services_only)
