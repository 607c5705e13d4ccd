/* SPDX-License-Identifier: MIT */
/* list.h — the bluez backend's tests against the simulated bluetoothd, by file. */
/* t_trust.c */
BLEC_TEST(signals_of_other_connections_are_not_believed)
/* t_system.c */
BLEC_TEST(default_backend_is_bluez_when_org_bluez_answers)
BLEC_TEST(default_backend_falls_back_to_virtual_and_says_why)
BLEC_TEST(bluetooth_unavailable_until_bluetoothd_starts_and_after_it_leaves)
BLEC_TEST(powered_off_adapter_is_unavailable_with_its_reason)
BLEC_TEST(adapter_option_picks_one_of_several)
/* t_passive.c */
BLEC_TEST(passive_scanning_needs_an_advertisement_monitor)
BLEC_TEST(passive_scanning_reports_what_the_monitor_matches)
BLEC_TEST(passive_scanning_refused_patterns_fail_the_start)
BLEC_TEST(monitor_calls_of_other_connections_are_refused)
/* t_gatt.c */
BLEC_TEST(notifications_come_through_the_acquired_socket_by_default)
BLEC_TEST(notifications_on_the_signal_path_and_a_read_is_not_one)
BLEC_TEST(writes_without_response_go_through_the_acquired_socket)
BLEC_TEST(handles_come_from_object_paths_as_bluez_names_them)
BLEC_TEST(att_errors_keep_the_code_bluez_passes_on)
