/* SPDX-License-Identifier: MIT */
/* list.h — the stress tests, one BLEC_TEST(name) per line, grouped by file. */
/* s_connect.c */
BLEC_TEST(connects_aborted_during_discovery_never_touch_a_freed_tree)
BLEC_TEST(connect_racing_disconnect_never_wedges_the_client)
BLEC_TEST(connects_ended_as_their_link_comes_up_leave_nothing_behind)
/* s_io.c */
BLEC_TEST(async_calls_with_callbacks_race_link_drops_and_reconnects)
/* s_ctx.c */
BLEC_TEST(ctx_free_races_running_finds_and_discovers)
/* s_callbacks.c */
BLEC_TEST(callbacks_cancel_stop_and_free_while_streams_flow)
