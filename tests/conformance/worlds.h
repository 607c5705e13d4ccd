/* SPDX-License-Identifier: MIT */
/*
 * worlds.h — the peripherals of the conformance worlds. Each test starts from the "lab"
 * world (every kind of peripheral below, written in the world file format) or writes
 * its own world text inline.
 */
#ifndef BLEC_CONFORMANCE_WORLDS_H
#define BLEC_CONFORMANCE_WORLDS_H

#include "fixture.h"

/* Heart-rate sensor: 180D (2A37 notify, heart-rate stream; 2A38 read = 01), 180F (2A19
 * read|notify = 0x64). Public address, name "HR Sensor" in the advertisement, appearance
 * 0x0341, TX power -8, service UUIDs 180D and 180F advertised, RSSI -50. */
#define HR_ADDR "C0:01:00:00:00:01"
/* Nordic-UART-style: 6E400001-…; RX 6E400002 write|write-without-response echoed as a
 * notification of TX 6E400003. Random address, "UART Echo". */
#define UART_ADDR "C0:02:00:00:00:02"
#define UART_SVC "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
#define UART_RX "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
#define UART_TX "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
/* Environmental sensor: 181A, 2A6E read|indicate (counter stream). "Env Sensor". */
#define ENV_ADDR "C0:03:00:00:00:03"
/* Beacon: not connectable, random address, iBeacon manufacturer data (0x004C: 02 15 …),
 * RSSI -80, no name, nothing else. */
#define BEACON_ADDR "C0:04:00:00:00:04"
/* Eddystone-like beacon: not connectable, random, RSSI -75, service UUID FEAA, service
 * data FEAA = 10 20 (16-bit form) and 12345678 = 01 (32-bit form), TX power -4. */
#define BEACON2_ADDR "C0:08:00:00:00:08"
/* Secure device: BB00 with BB01 read (needs encryption) = "secret", BB02 read (needs
 * encryption and authentication) = "top"; pairs up to encryption. "Secure Lock". */
#define SECURE_ADDR "C0:05:00:00:00:05"
/* Name only in its scan response ("Shy Sensor", with service UUID CC00 there too);
 * manufacturer 0xFFFF 01 02 03 and 128-bit service data SHY_SD128 = 7F in the
 * advertisement. RSSI -70. */
#define SHY_ADDR "C0:06:00:00:00:06"
#define SHY_SD128 "0000fe00-1111-2222-3333-444455556666"
/* Lab: every characteristic kind, see worlds.c. "Lab", public, RSSI -40. */
#define LAB_ADDR "C0:07:00:00:00:07"

/* Lab characteristics (service AA00 unless said). */
#define LAB_RW "aa01"       /* read|write, "hello" */
#define LAB_WWR "aa02"      /* write-without-response only */
#define LAB_WONLY "aa03"    /* write only */
#define LAB_NI "aa04"       /* read|notify|indicate, counter stream */
#define LAB_DESC "aa05"     /* read "desc"; 2901 "lab value"; AA50 (read/write) = 00 */
#define LAB_WBOTH "aa06"    /* write|write-without-response */
#define LAB_CONST "aa07"    /* read, "const" */
#define LAB_NOTIFY "aa08"   /* notify only, no stream (values pushed by the test) */
#define LAB_IND "aa09"      /* indicate only, counter stream */
#define LAB_PLAIN "aa0a"    /* read only, no notify: start_notify must refuse */
#define LAB_T1 "aa11"       /* read|write, per-thread, = 00 (AA11..AA14) */
#define LAB_DUP "aadd"      /* in services AA20 ("d1") and AA30 ("d2"): ambiguous */
/* Service AA30 exists twice (ambiguous); the second holds AA31 "s2". */

/** The lab world (all peripherals above, from world text) with the fixture's time scale. */
blec_world *fx_world_lab(void);
/** The lab world followed by more world text (peripherals, without the version line). */
blec_world *fx_world_lab_plus(const char *extra);

#endif /* BLEC_CONFORMANCE_WORLDS_H */
