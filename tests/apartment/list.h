/* SPDX-License-Identifier: MIT */
/* Tests of the apartment suite (Windows only). allow_sta stays last: it holds for the whole
 * process, and `apartment` with no argument runs every test in one process. */
BLEC_TEST(uninitialised_thread)
BLEC_TEST(mta_thread)
BLEC_TEST(implicit_mta)
BLEC_TEST(sta_thread_no_loop)
BLEC_TEST(sta_thread_message_loop)
BLEC_TEST(uninitialize_implicit_sta)
BLEC_TEST(allow_sta)
