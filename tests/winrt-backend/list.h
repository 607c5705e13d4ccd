/* SPDX-License-Identifier: MIT */
/* Tests of the winrt-backend suite (Windows only, under Wine against sim/winrt). */
/* t_scan.c */
BLEC_TEST(context_and_capabilities)
BLEC_TEST(scan_merges_scan_response)
BLEC_TEST(passive_scan_has_no_scan_response)
BLEC_TEST(radio_off_scanner_error)
BLEC_TEST(scanner_freed_right_after_start_releases_the_watcher)
BLEC_TEST(advertisement_filter_runs_in_windows_per_packet)
BLEC_TEST(signal_strength_filter_runs_in_windows)
BLEC_TEST(extended_advertisements_allowed_where_windows_has_them)
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
/* t_pool.c (issue 10, defects 2 and 4) */
BLEC_TEST(pool_two_quick_posts_with_one_idle_thread)
BLEC_TEST(pool_strand_runs_items_one_at_a_time_in_order)
BLEC_TEST(pool_call_gives_up_after_its_budget_and_the_work_ends_alone)
BLEC_TEST(pool_freed_while_work_is_stuck_is_abandoned_not_waited_for)
/* t_defects.c (issue 10, defects 3 to 7) */
BLEC_TEST(reconnect_right_after_each_remote_disconnect)
BLEC_TEST(client_freed_while_connecting_or_while_its_link_drops)
BLEC_TEST(no_wait_inside_callbacks_from_windows)
/* t_pair.c (issue 11: pairing) */
BLEC_TEST(pairing_capabilities_claimed)
BLEC_TEST(pair_just_works_without_a_callback_then_already_paired)
BLEC_TEST(pair_default_level_falls_back_as_bleak)
BLEC_TEST(pair_ceremony_reaches_the_pairing_callback)
BLEC_TEST(pair_refused_by_the_program_or_without_a_callback)
BLEC_TEST(pair_level_the_device_cannot_meet)
BLEC_TEST(pair_on_connect_then_unpair_ends_the_link)
/* t_gatt.c (issue 11: GATT) */
BLEC_TEST(reads_cached_and_uncached)
BLEC_TEST(descriptor_write_reaches_the_device)
BLEC_TEST(write_without_response_end_to_end)
BLEC_TEST(mtu_event_reaches_the_mtu_callback)
BLEC_TEST(indications_and_force_indicate)
BLEC_TEST(services_subset_asked_by_uuid)
/* t_errors.c (issue 11: errors) */
BLEC_TEST(att_errors_reported_as_hresults)
BLEC_TEST(access_denied_and_a_restarted_service_have_their_own_detail)
BLEC_TEST(bluetooth_errors_give_the_right_reason)
BLEC_TEST(missing_interfaces_say_which_windows_they_need)
