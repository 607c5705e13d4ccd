/* SPDX-License-Identifier: MIT */
/*
 * fixture.h — what every conformance test shares: a context on the backend named by
 * $BLEC_TEST_BACKEND (default "virtual") serving a world built for the test, capability
 * checks, waiting on conditions with scaled timeouts, and thread-safe recorders for
 * callbacks. The suite is backend-agnostic: nothing here knows how a backend works.
 */
#ifndef BLEC_CONFORMANCE_FIXTURE_H
#define BLEC_CONFORMANCE_FIXTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "blec/blec.h"
#include "blec/blec_world.h"
#include "core/threads.h"
#include "test.h"

/* Prototypes of every test (the runner's list, declared for -Wmissing-prototypes). */
#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

/** Time scale of every test world: world delays and intervals run ten times faster. */
#define FX_TIME_SCALE 0.1

/** A world delay that never ends within a test (scaled: 100 s of real time). */
#define FX_FOREVER_MS 1000000

/* ---- context ------------------------------------------------------------------------- */

typedef struct fx {
  blec_ctx *ctx;
  blec_world *world; /* the fixture's own reference (the context holds another) */
  uint32_t caps;
  blec_delivery delivery;
  const struct fx_stack *stack; /* the simulated OS stack serving world, or NULL (virtual) */
} fx;

/** $BLEC_TEST_BACKEND, or "virtual". */
const char *fx_backend(void);

/** Parses world text (asserting it parses) and sets the fixture's time scale. */
blec_world *fx_world_text(const char *text);
/** An empty world with the fixture's time scale. */
blec_world *fx_world_empty(void);

/** Opens a context in thread delivery mode on `world` (takes the caller's reference). */
void fx_open(fx *f, blec_world *world);
/** Same with a delivery mode. */
void fx_open_mode(fx *f, blec_world *world, blec_delivery mode);
/** Same with log level and callback as well (cb may be NULL). */
void fx_open_log(fx *f, blec_world *world, blec_delivery mode, blec_log_level level, blec_log_cb cb,
                 void *user);
/**
 * For tests that make their context themselves (blec_ctx_options_set_world): hands `world`
 * to the simulated OS stack of the backend, if it has one (fx_open does this itself);
 * fx_close lets go of it. `f` needs no other field.
 */
void fx_attach_world(fx *f, blec_world *world);
/** Frees the context (asserting BLEC_OK) and the world reference. */
void fx_close(fx *f);

bool fx_cap(const fx *f, uint32_t cap);
/** Prints that a capability is absent, so the test's short ending is visible. */
void fx_note_unsupported(const char *what);
/** Prints that a capability is absent and which of the test's checks therefore are not made. */
void fx_note_skipped(const char *cap, const char *what);

/**
 * For tests of one capability: true when the backend lacks it, after asserting that the
 * call answered BLEC_ERR_NOT_SUPPORTED (the call is only made then). The test then frees
 * what it holds and ends:
 *   if (FX_LACKS(&f, BLEC_CAP_PAIRING, blec_client_pair(...))) { ...free...; return; }
 */
#define FX_LACKS(f, cap, call) \
  (!fx_cap((f), (cap)) && fx_expect_not_supported_((call), #cap, #call, __FILE__, __LINE__))
bool fx_expect_not_supported_(int status, const char *cap, const char *call, const char *file, int line);

/* ---- time and waiting ------------------------------------------------------------------ */

uint64_t fx_now_ms(void);
void fx_sleep_ms(int ms);
/**
 * Waits until expr is true, checking every millisecond, for at most ms (scaled by
 * blec_test_ms); fails the test naming expr otherwise.
 */
#define WAIT_UNTIL(expr, ms)                                                              \
  do {                                                                                    \
    uint64_t wdl_ = fx_now_ms() + (uint64_t)blec_test_ms(ms);                             \
    while (!(expr)) {                                                                     \
      if (fx_now_ms() > wdl_)                                                             \
        blec_test_fail_(__FILE__, __LINE__, "timed out after %d ms waiting for %s",       \
                        blec_test_ms(ms), #expr);                                         \
      fx_sleep_ms(1);                                                                     \
    }                                                                                     \
  } while (0)

/** World time fx_settle lets pass: longer than every interval and delay the checks wait out. */
#define FX_SETTLE_WORLD_MS 1500

/**
 * Before checking that something did NOT happen (no further callback, no second
 * disconnection): proves that what was on its way has arrived, in three barriers along
 * the path every event takes, each failing the test when it does not pass in time:
 *  1. the world: FX_SETTLE_WORLD_MS of world time passed, every world event due in that
 *     window ran and its callback into the stack returned (fx_pass_world);
 *  2. the simulated OS stack, if any, delivered what those callbacks made to the backend;
 *  3. the dispatcher: a marker callback queued behind everything ran (fx_drain).
 * Never used to wait for something to happen.
 */
void fx_settle(fx *f);
/**
 * fx_settle, and for a client that is down, a marker through that client's own sequence
 * as well (a disconnect of the down client, which completes at once): its disconnection
 * reports pass that sequence before they reach the dispatcher.
 */
void fx_settle_client(fx *f, blec_client *c);
/** Lets `world_ms` of the fixture world's time pass (barrier 1 of fx_settle). */
void fx_pass_world(fx *f, int world_ms);
/**
 * Waits until a marker callback queued now has run: every callback queued before it ran
 * (in queued delivery this dispatches on the calling thread until then).
 */
void fx_drain(fx *f);

/** Default wait for things that should happen promptly. */
#define FX_WAIT_MS 5000

/* ---- world helpers ------------------------------------------------------------------------ */

blec_world_peripheral *fx_peripheral(fx *f, const char *address);

/* ---- recorders ------------------------------------------------------------------------------ */

/** Result of an asynchronous operation, as its completion callback saw it. */
typedef struct fx_opres {
  atomic_int calls;
  atomic_int in_call;      /* set by the test around the _async call (FX_IN_CALL) */
  _Atomic uint64_t caller; /* the thread making that call */
  atomic_int ran_in_call;  /* the callback ran inside that call, on its thread */
  int status;              /* blec_op_status inside the callback */
  blec_error err;
  uint8_t data[512];
  size_t len;
  bool has_data;
  char device[BLEC_ADDR_STRLEN];
  size_t ndevices;
  uint64_t thread;
} fx_opres;

void fx_opres_init(fx_opres *r);
/** Marks the start / end of an _async call whose completion must not run inside it. */
void fx_in_call(fx_opres *r, bool in);
/** blec_op_cb recording into a fx_opres (user). */
void fx_op_cb(blec_op *op, void *user);
/** Waits for the first completion and returns its status. */
int fx_opres_wait(fx_opres *r, int ms);

/** A mutex-protected log of notification values. */
#define FX_NOTIFY_MAX 512
typedef struct fx_notes {
  blec__mutex m;
  int count;
  int stored;
  uint8_t first_byte[FX_NOTIFY_MAX];
  uint8_t last[64];
  size_t last_len;
  uint16_t last_handle;
  uint64_t thread;
} fx_notes;

void fx_notes_init(fx_notes *n);
void fx_notes_destroy(fx_notes *n);
int fx_notes_count(fx_notes *n);
/** blec_notify_cb recording into a fx_notes (user). */
void fx_notify_cb(blec_client *client, blec_characteristic *chr, const uint8_t *data, size_t len,
                  void *user);
/** Copies the last value into buf (up to cap), returns its length. */
size_t fx_notes_last(fx_notes *n, uint8_t *buf, size_t cap);

/** Disconnection recorder. */
typedef struct fx_disc {
  atomic_int count;
  atomic_int reason;
} fx_disc;

void fx_disc_init(fx_disc *d);
void fx_disconnected_cb(blec_client *client, blec_disconnect_reason reason, void *user);

/** Detection recorder: per-address statistics of a scanner's detection callback. */
#define FX_SEEN_MAX 32
typedef struct fx_seen {
  char address[BLEC_ADDR_STRLEN];
  int count;
  int scan_responses;   /* reports whose last packet was a scan response */
  int with_name;        /* reports carrying a local name */
  char name[64];
  int connectable;
  int rssi_min, rssi_max;
} fx_seen;

typedef struct fx_scan_rec {
  blec__mutex m;
  fx_seen dev[FX_SEEN_MAX];
  int ndev;
  int total;
  int bad_args;         /* callbacks with a NULL device or adv */
  int mismatched;       /* device address != adv of that device */
} fx_scan_rec;

void fx_scan_rec_init(fx_scan_rec *r);
void fx_scan_rec_destroy(fx_scan_rec *r);
void fx_detection_cb(blec_scanner *s, blec_device *dev, const blec_adv *adv, void *user);
/** Reports of one address so far (0 if never). */
int fx_scan_rec_count(fx_scan_rec *r, const char *address);
int fx_scan_rec_total(fx_scan_rec *r);
/** A copy of the statistics of one address; false if never seen. */
bool fx_scan_rec_get(fx_scan_rec *r, const char *address, fx_seen *out);
void fx_scan_rec_reset(fx_scan_rec *r);

/* ---- scanner helpers ------------------------------------------------------------------------------ */

/** Creates and starts a scanner; on failure frees it and returns the failing status. */
int fx_scan_start(fx *f, const blec_scan_options *o, blec_detection_cb cb, void *user,
                  blec_scanner **out);

/* ---- client helpers ------------------------------------------------------------------------------ */

/** A client for address with opts (may be NULL), connected (asserting BLEC_OK). */
blec_client *fx_connect(fx *f, const char *address, const blec_client_options *opts);
/** The characteristic with this UUID text (asserting it exists and is unique). */
blec_characteristic *fx_chr(blec_client *c, const char *uuid_text);
/** The descriptor `uuid_text` of characteristic `chr_uuid` (asserting it exists). */
blec_descriptor *fx_desc(blec_client *c, const char *chr_uuid, const char *desc_uuid);
blec_uuid fx_uuid(const char *text);

/** Blocking read into buf (asserting BLEC_OK); returns the length. */
size_t fx_read(blec_client *c, const blec_characteristic *chr, uint8_t *buf, size_t cap);
/** Asserts the peripheral's current value of `handle` equals data. */
void fx_assert_world_value(blec_world_peripheral *p, uint16_t handle, const void *data, size_t len);

/** Whether the queued-mode wait handle is ready within timeout_ms (the one platform switch). */
bool wait_handle_ready(blec_os_handle h, int timeout_ms);

#endif /* BLEC_CONFORMANCE_FIXTURE_H */
