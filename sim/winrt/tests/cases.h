/* SPDX-License-Identifier: MIT */
/* cases.h — every test case; each SIM_TEST line becomes one ctest entry sim_winrt.<name>. */
SIM_TEST(activation_through_ro)
SIM_TEST(buffer_byte_access)
SIM_TEST(datawriter_datareader)
SIM_TEST(scan_active_with_scan_response)
SIM_TEST(scan_passive_without_scan_response)
SIM_TEST(scan_advertisement_filter)
SIM_TEST(scan_signal_strength_filter)
SIM_TEST(scan_radio_off_and_no_adapter)
