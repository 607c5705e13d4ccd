/* SPDX-License-Identifier: MIT */
/*
 * msg.h — D-Bus messages built in memory for the parser tests: sd-bus creates messages
 * only on a started bus, so a bus over one end of a socketpair (never authenticated,
 * never used) stands in.
 */
#ifndef BLEC_BLUEZ_UNIT_MSG_H
#define BLEC_BLUEZ_UNIT_MSG_H

#include <systemd/sd-bus.h>

/** A new, empty signal message to append to. */
sd_bus_message *msg_new(void);
/** Seals m and rewinds it for reading (what the parsers get from the bus). */
void msg_seal(sd_bus_message *m);
/** Releases the stand-in bus (end of a test). */
void msg_done(void);

#endif
