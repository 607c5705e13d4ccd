/* SPDX-License-Identifier: MIT */
/* list.h — the bluez backend's unit tests, one BLEC_TEST(name) per line, by file. */
/* test-props.c */
BLEC_TEST(device_properties_read_every_documented_property)
BLEC_TEST(device_properties_of_the_wrong_type_are_skipped_and_named)
BLEC_TEST(device_entries_of_the_wrong_shape_are_dropped_not_the_rest)
BLEC_TEST(device_properties_that_are_not_a_dictionary_fail_cleanly)
BLEC_TEST(device_invalidated_properties_are_forgotten)
BLEC_TEST(device_values_beyond_the_bounds_are_refused)
BLEC_TEST(adapter_properties_powered_discovering_roles)
BLEC_TEST(gatt_properties_flags_handle_mtu_and_value)
/* test-adv.c */
BLEC_TEST(adv_build_carries_every_property_to_the_core_snapshot)
BLEC_TEST(adv_build_of_nothing_is_empty)
BLEC_TEST(adv_build_leaves_out_structures_that_do_not_fit)
BLEC_TEST(adv_build_adds_advertising_data_types_no_property_covers)
/* test-paths.c */
BLEC_TEST(device_path_is_built_from_adapter_and_address)
BLEC_TEST(address_and_handles_are_read_from_paths)
BLEC_TEST(malformed_paths_are_refused)
/* test-errors.c */
BLEC_TEST(att_codes_come_from_bluez_errors_named_or_in_text)
BLEC_TEST(dbus_errors_map_to_statuses_with_their_detail)
BLEC_TEST(not_supported_of_a_gatt_request_is_att_request_not_supported)
