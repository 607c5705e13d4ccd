/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief The virtual radio world: scripted peripherals that the `virtual` backend (and
 * the simulated Windows stack) serve.
 *
 * Programs use it to test BLE code without a radio; blec's own tests use it for every
 * scenario.
 *
 * A world is built from a world file (docs/world-format.md, versioned, line-numbered
 * errors), from text, from the built-in default, or with the builder calls below. Once a
 * context uses it, the world runs: it advertises, answers GATT requests, notifies and
 * injects its faults on its own thread, in an order fixed by the file and its seed.
 *
 * Thread safety: every function may be called from any thread.
 *
 * Ownership: a world is reference counted; the calls that create one give the caller a
 * reference (blec_world_unref), and a context using it holds its own. Peripherals belong
 * to their world and live as long as it.
 */
#ifndef BLEC_BLEC_WORLD_H
#define BLEC_BLEC_WORLD_H

#include "blec.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A scripted peripheral of a world (owned by the world). */
typedef struct blec_world_peripheral blec_world_peripheral;

/** An empty world (radio on, seed 1, time scale 1). */
BLEC_API int blec_world_new(blec_world **out);
/** The built-in default world (docs/world-format.md lists its devices). */
BLEC_API int blec_world_new_default(blec_world **out);
/** Parses a world file. On BLEC_ERR_PARSE, err->message is "path:line: what is wrong". */
BLEC_API int blec_world_load_file(const char *path, blec_world **out, blec_error *err);
/** Parses world text; `name` is used in error messages. */
BLEC_API int blec_world_load_string(const char *text, const char *name, blec_world **out,
                                    blec_error *err);
/**
 * The world as world-file text that loads back to the same radio behaviour (new memory,
 * blec_free): each peripheral's advertisement and scan response as the bytes it sends,
 * its GAP name, settings, faults and GATT database with the current values, security,
 * streams and echoes. The GAP service, CCCDs and Extended Properties descriptors the
 * world makes by itself are left out: loading makes them again. Since 0.2.
 */
BLEC_API int blec_world_write_text(blec_world *world, char **text);
/** Writes blec_world_write_text's text to the file `path` (replaced). BLEC_ERR_IO when it cannot. Since 0.2. */
BLEC_API int blec_world_save_file(blec_world *world, const char *path, blec_error *err);
/** Takes a reference (NULL ok); returns world. */
BLEC_API blec_world *blec_world_ref(blec_world *world);
/** Drops a reference; the last one stops the world and frees it with its peripherals. NULL ok. */
BLEC_API void blec_world_unref(blec_world *world);

/** Scales every delay and interval of the world (0.1 = ten times faster). */
BLEC_API int blec_world_set_time_scale(blec_world *world, double scale);
/** Seed of the world's pseudo-random generator (RSSI variation). */
BLEC_API int blec_world_set_seed(blec_world *world, uint64_t seed);
/** Turns the radio on or off at run time (off: scans stop with an error, links drop). */
BLEC_API int blec_world_set_radio(blec_world *world, bool on);
/** Whether the radio is on. */
BLEC_API bool blec_world_radio(const blec_world *world);

/* ---- peripherals -------------------------------------------------------------- */

/** Adds a peripheral; `address` "AA:BB:CC:DD:EE:FF". BLEC_ERR_BUSY if the address exists. */
BLEC_API int blec_world_add_peripheral(blec_world *world, const char *address,
                                       blec_address_type type, blec_world_peripheral **out);
/** BLEC_ERR_NOT_FOUND when no peripheral has the address. */
BLEC_API int blec_world_find_peripheral(blec_world *world, const char *address,
                                        blec_world_peripheral **out);
/** Number of peripherals. */
BLEC_API size_t blec_world_peripheral_count(const blec_world *world);
/** Peripheral i in the order they were added, else NULL. */
BLEC_API blec_world_peripheral *blec_world_peripheral_at(const blec_world *world, size_t i);
/** Its address, "AA:BB:CC:DD:EE:FF" in upper case (lives with the world). */
BLEC_API const char *blec_world_peripheral_address(const blec_world_peripheral *p);

/** Device name (GAP 0x2A00) and, unless in_scan_response_only, complete local name in the ADV. */
BLEC_API int blec_world_peripheral_set_name(blec_world_peripheral *p, const char *name,
                                            bool in_scan_response_only);
/** Raw advertising / scan response payloads (AD structures); replaces generated ones. */
BLEC_API int blec_world_peripheral_set_adv_data(blec_world_peripheral *p, bool scan_response,
                                                const uint8_t *data, size_t len);
/** Appends one AD structure to the advertisement or the scan response. */
BLEC_API int blec_world_peripheral_add_ad(blec_world_peripheral *p, bool scan_response,
                                          uint8_t ad_type, const uint8_t *data, size_t len);
/** Advertising interval, 1 to 3600000 ms (default 100). */
BLEC_API int blec_world_peripheral_set_adv_interval(blec_world_peripheral *p, int interval_ms);
/** RSSI base and ± variation (uniform, from the world's seed). */
BLEC_API int blec_world_peripheral_set_rssi(blec_world_peripheral *p, int rssi_dbm, int variation_db);
/** Whether it accepts connections (default true); its advertised flags follow. */
BLEC_API int blec_world_peripheral_set_connectable(blec_world_peripheral *p, bool connectable);
/** Starts / stops advertising now. */
BLEC_API int blec_world_peripheral_set_advertising(blec_world_peripheral *p, bool advertising);
/**
 * Held by another program (the world file's `connected-elsewhere`): it does not
 * advertise, yet a connect by address without a scan reaches it. Since 0.2.
 */
BLEC_API int blec_world_peripheral_set_connected_elsewhere(blec_world_peripheral *p, bool on);
/** Largest ATT MTU the peripheral accepts (default 247). */
BLEC_API int blec_world_peripheral_set_mtu(blec_world_peripheral *p, int mtu);
/** Pairing the peripheral accepts: highest level it can do (default encryption). */
BLEC_API int blec_world_peripheral_set_pairing(blec_world_peripheral *p, blec_protection_level max);
/**
 * A peripheral's pairing input/output capability (the SMP IO capability). It decides the
 * ceremony a KeyboardDisplay central (blec with a pairing callback) goes through.
 */
typedef enum blec_world_pairing_io {
  BLEC_WORLD_PAIRING_IO_UNSET = 0,              /**< Just Works up to its pairing level (the default) */
  BLEC_WORLD_PAIRING_IO_NO_INPUT_NO_OUTPUT = 1, /**< Just Works only: cannot reach authentication */
  BLEC_WORLD_PAIRING_IO_DISPLAY_ONLY = 2,       /**< shows its passkey: the program provides it */
  BLEC_WORLD_PAIRING_IO_DISPLAY_YES_NO = 3,     /**< numeric comparison of the passkey */
  BLEC_WORLD_PAIRING_IO_KEYBOARD_ONLY = 4       /**< its user types the passkey the program shows */
} blec_world_pairing_io;

/**
 * Pairing IO capability and the 6-digit passkey it shows, compares or expects (NULL
 * keeps the current one; default "123456"). Since 0.2.
 */
BLEC_API int blec_world_peripheral_set_pairing_io(blec_world_peripheral *p, blec_world_pairing_io io,
                                                  const char *passkey);
/** Connect delay and per-request response delay in ms. */
BLEC_API int blec_world_peripheral_set_delays(blec_world_peripheral *p, int connect_ms, int response_ms);

/* ---- GATT database --------------------------------------------------------------- */

/**
 * Adds a primary service; *handle its declaration handle. Handles are assigned in order;
 * the builder calls answer BLEC_ERR_STATE once a peripheral's 65535 handles are taken.
 */
BLEC_API int blec_world_add_service(blec_world_peripheral *p, const blec_uuid *uuid, uint16_t *handle);
/**
 * Adds a characteristic to the last service; *value_handle gets its value handle. A
 * CCCD (0x2902) is added automatically when props has notify or indicate.
 */
BLEC_API int blec_world_add_characteristic(blec_world_peripheral *p, const blec_uuid *uuid,
                                           uint32_t props, const uint8_t *value, size_t len,
                                           uint16_t *value_handle);
/**
 * The next attribute added gets `handle` (for a characteristic: its declaration; its value
 * is the handle after), the handles between stay unused, as on a real device whose
 * database has gaps (what `blec record` keeps). BLEC_ERR_INVALID_ARG unless `handle` is
 * above every handle taken so far. Since 0.2.
 */
BLEC_API int blec_world_set_next_handle(blec_world_peripheral *p, uint16_t handle);
/** Adds a descriptor to the last characteristic. */
BLEC_API int blec_world_add_descriptor(blec_world_peripheral *p, const blec_uuid *uuid,
                                       const uint8_t *value, size_t len, uint16_t *handle);
/** Security needed to access a characteristic: answers Insufficient Authentication/Encryption until met. */
BLEC_API int blec_world_characteristic_set_security(blec_world_peripheral *p, uint16_t value_handle,
                                                    blec_protection_level needed);
/** Writes to `value_handle` are echoed as a notification of `notify_handle`. */
BLEC_API int blec_world_characteristic_set_echo(blec_world_peripheral *p, uint16_t value_handle,
                                                uint16_t notify_handle);
/**
 * Sends the value of a notify/indicate characteristic every interval_ms while subscribed;
 * the value changes each time by `generator`: "static", "counter" (first byte + 1),
 * "heart-rate" (0x2A37 format, a plausible varying bpm).
 */
BLEC_API int blec_world_characteristic_set_stream(blec_world_peripheral *p, uint16_t value_handle,
                                                  int interval_ms, const char *generator);
/** Sets a value (and notifies subscribers when notify is true). */
BLEC_API int blec_world_set_value(blec_world_peripheral *p, uint16_t handle, const uint8_t *value,
                                  size_t len, bool notify);
/** Copies the current value of an attribute (new memory, blec_free). */
BLEC_API int blec_world_get_value(blec_world_peripheral *p, uint16_t handle, uint8_t **value,
                                  size_t *len);

/* ---- faults ------------------------------------------------------------------------- */

/** The Nth GATT request (1-based, counted per connection) answers ATT error `att_error`. */
BLEC_API int blec_world_fault_att_error(blec_world_peripheral *p, int nth_request, int att_error);
/** The link drops after `ms` from connection (ms > 0) and/or after `requests` requests. */
BLEC_API int blec_world_fault_link_loss(blec_world_peripheral *p, int after_ms, int after_requests);
/** The peripheral stops advertising `ms` after the world starts. */
BLEC_API int blec_world_fault_stop_advertising(blec_world_peripheral *p, int after_ms);
/** The peripheral ends the link now (remote disconnection). */
BLEC_API int blec_world_peripheral_disconnect(blec_world_peripheral *p);
/** Whether a central is connected now. */
BLEC_API bool blec_world_peripheral_connected(const blec_world_peripheral *p);
/**
 * Requests served in total, over all connections: reads and writes with response of
 * characteristics and descriptors (CCCD writes included); MTU exchange, discovery,
 * pairing and writes without response do not count.
 */
BLEC_API uint64_t blec_world_peripheral_request_count(const blec_world_peripheral *p);

#ifdef __cplusplus
}
#endif

#endif /* BLEC_BLEC_WORLD_H */
