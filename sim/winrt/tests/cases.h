/* SPDX-License-Identifier: MIT */
/* cases.h — every test case; each SIM_TEST line becomes one ctest entry sim_winrt.<name>. */
SIM_TEST(activation_through_ro)
SIM_TEST(buffer_byte_access)
SIM_TEST(datawriter_datareader)
