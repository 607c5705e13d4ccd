/* SPDX-License-Identifier: MIT */
/*
 * blz_backend.c — the `bluez` backend's entry in blec's backend table: context set-up
 * (the bus thread, the adapter option), the Bluetooth availability check and the probe
 * that makes `bluez` the default backend on Linux when org.bluez answers.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/bluez/blz.h"

int blz_loop_start(blz_ctx *z, blec_error *err);
void blz_loop_stop(blz_ctx *z);

/* How long a synchronous request waits for the bus thread (it answers at once unless
 * bluetoothd is slow: the GetAll it may wait for is bounded by 10 s, blz_refresh.c). */
#define SYNC_WAIT_MS 30000

/* What the backend can do; PASSIVE_SCAN only where bluetoothd offers advertisement monitors. */
#define BLZ_CAPS                                                                                        \
  (BLEC_CAP_SCAN | BLEC_CAP_PASSIVE_SCAN | BLEC_CAP_SIGNAL_FILTER | BLEC_CAP_ADV_FILTER | BLEC_CAP_CONNECT | \
   BLEC_CAP_PAIRING | BLEC_CAP_UNPAIR | BLEC_CAP_INDICATIONS | BLEC_CAP_MTU_EVENTS |                   \
   BLEC_CAP_JUST_WORKS_WITHOUT_CALLBACK)

blz_ctx *blz_ctx_of(blec_ctx *ctx) { return blec__ctx_backend_priv(ctx); }

static void ctx_free(blz_ctx *z) {
  blz_objs_free(z->objs);
  free(z->adapter_opt);
  free(z->adapter);
  free(z->owner);
  blec__cond_destroy(&z->scan_cv);
  blec__mutex_destroy(&z->scan_lock);
  blec__cond_destroy(&z->start_cv);
  blec__mutex_destroy(&z->qlock);
  free(z);
}

static int blz_init(blec_ctx *ctx, const blec_ctx_options *opts, void **priv, blec_error *err) {
  blz_ctx *z = calloc(1, sizeof *z);
  if (!z) return BLEC_ERR_NO_MEMORY;
  z->ctx = ctx;
  z->wake_fd = -1;
  atomic_init(&z->thread_id, 0);
  const char *adapter = blec__ctx_options_adapter(opts);
  if (blec__mutex_init(&z->qlock) != BLEC_OK || blec__cond_init(&z->start_cv) != BLEC_OK ||
      blec__mutex_init(&z->scan_lock) != BLEC_OK || blec__cond_init(&z->scan_cv) != BLEC_OK ||
      !(z->objs = blz_objs_new()) || (adapter && !(z->adapter_opt = malloc(strlen(adapter) + 1)))) {
    free(z->objs);
    free(z);
    return BLEC_ERR_NO_MEMORY;
  }
  if (adapter) strcpy(z->adapter_opt, adapter);
  *priv = z; /* the thread's start-up may log through the context */
  int r = blz_loop_start(z, err);
  if (r != BLEC_OK) {
    *priv = NULL;
    ctx_free(z);
    return r;
  }
  /* Passive scanning where this bluetoothd offers advertisement monitors (5.66: only
   * with --experimental). */
  if (!z->passive_offered) {
    blec__ctx_set_caps(ctx, BLZ_CAPS & ~(uint32_t)BLEC_CAP_PASSIVE_SCAN);
    blec__ctx_set_passive_why(ctx, BLZ_NO_MONITORS);
  }
  return BLEC_OK;
}

static void blz_exit(blec_ctx *ctx, void *priv) {
  (void)ctx;
  blz_ctx *z = priv;
  blz_loop_stop(z);
  ctx_free(z);
}

/* ---- availability -------------------------------------------------------------------------- */

/* Whether the kernel's rfkill switch blocks a Bluetooth radio (/sys/class/rfkill). */
static bool rfkill_blocked(void) {
  DIR *d = opendir("/sys/class/rfkill");
  if (!d) return false;
  bool blocked = false;
  struct dirent *e;
  while (!blocked && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[300], buf[32];
    snprintf(path, sizeof path, "/sys/class/rfkill/%s/type", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    bool bt = fgets(buf, sizeof buf, f) && strncmp(buf, "bluetooth", 9) == 0;
    fclose(f);
    if (!bt) continue;
    for (int i = 0; i < 2 && !blocked; i++) {
      snprintf(path, sizeof path, "/sys/class/rfkill/%s/%s", e->d_name, i ? "hard" : "soft");
      if ((f = fopen(path, "r")) != NULL) {
        blocked = fgets(buf, sizeof buf, f) && buf[0] == '1';
        fclose(f);
      }
    }
  }
  closedir(d);
  return blocked;
}

int blz_availability(blz_ctx *z, blec_error *err) {
  int reason;
  if (!z->owner) {
    reason = BLEC_UNAVAILABLE_NO_ADAPTER;
    blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE,
                    "bluetoothd is not running: nobody owns org.bluez on the system bus (%s)",
                    blec_unavailable_reason_name(reason));
  } else if (!blz_adapter_obj(z)) {
    reason = BLEC_UNAVAILABLE_NO_ADAPTER;
    if (z->adapter_opt)
      blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "BlueZ has no adapter named %s (%s)", z->adapter_opt,
                      blec_unavailable_reason_name(reason));
    else
      blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "BlueZ lists no Bluetooth adapter (%s)",
                      blec_unavailable_reason_name(reason));
  } else {
    blz_obj *a = blz_adapter_obj(z);
    const char *name = blz_adapter_name(a->path);
    bool blocked = a->adapter.power_state && !strcmp(a->adapter.power_state, "off-blocked");
    if (!a->adapter.powered) {
      reason = BLEC_UNAVAILABLE_POWERED_OFF;
      if (blocked || rfkill_blocked())
        blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE,
                        "adapter %s is blocked by rfkill (%s): `rfkill unblock bluetooth`", name,
                        blec_unavailable_reason_name(reason));
      else
        blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "adapter %s is not powered (%s): `bluetoothctl power on`",
                        name, blec_unavailable_reason_name(reason));
    } else if (!a->adapter.central) {
      reason = BLEC_UNAVAILABLE_NO_CENTRAL_ROLE;
      blec__error_set(err, BLEC_ERR_BLUETOOTH_UNAVAILABLE, "adapter %s cannot act as a central (%s)", name,
                      blec_unavailable_reason_name(reason));
    } else {
      return BLEC_OK;
    }
  }
  if (err) err->reason = reason;
  return BLEC_ERR_BLUETOOTH_UNAVAILABLE;
}

/* check_bluetooth asks bluetoothd afresh (a property change may still be on its way). */
typedef struct check_call {
  blz_sync sync;
  int status;
  blec_error err;
} check_call;

static void check_free(blz_sync *s) { free(s); }

static void check_done(blz_ctx *z, void *arg, int status, const blec_error *err) {
  (void)z;
  check_call *c = arg;
  c->status = status;
  if (status != BLEC_OK) c->err = *err;
  blz_sync_done(&c->sync);
}

static void check_run(blz_ctx *z, blz_sync *s) {
  check_call *c = (check_call *)s;
  blec_error_clear(&c->err);
  blz_availability_refresh(z, check_done, c);
}

/* Runs the availability check on the bus thread (fresh adapter state). */
int blz_check_now(blz_ctx *z, blec_error *err);
int blz_check_now(blz_ctx *z, blec_error *err) {
  check_call *c = calloc(1, sizeof *c);
  if (!c || blz_sync_init(&c->sync, check_run, check_free) != BLEC_OK) {
    free(c);
    return BLEC_ERR_NO_MEMORY;
  }
  int r = blz_sync_run(z, &c->sync, SYNC_WAIT_MS);
  if (r == BLEC_OK) {
    r = c->status;
    if (err) *err = c->err;
  } else {
    blec__error_set(err, r, "the bluez backend's thread did not answer");
  }
  blz_sync_unref(&c->sync);
  return r;
}

static int blz_check_bluetooth(blec_ctx *ctx, blec_error *err) { return blz_check_now(blz_ctx_of(ctx), err); }

/* ---- the default-backend probe -------------------------------------------------------------- */

/* Whether org.bluez has an owner on the system bus: one short-lived connection. */
static bool blz_probe(char *why, size_t size) {
  sd_bus *bus = NULL;
  int r = sd_bus_open_system(&bus);
  if (r < 0) {
    snprintf(why, size, "the system D-Bus is not reachable (%s)", strerror(-r));
    return false;
  }
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  sd_bus_message *call = NULL;
  r = sd_bus_message_new_method_call(bus, &call, BLZ_DBUS_NAME, "/org/freedesktop/DBus", BLZ_DBUS_NAME, "NameHasOwner");
  if (r >= 0) r = sd_bus_message_append(call, "s", BLZ_SERVICE);
  if (r >= 0) r = sd_bus_call(bus, call, 2u * 1000u * 1000u, &e, &reply);
  int owned = 0;
  if (r >= 0 && sd_bus_message_read(reply, "b", &owned) < 0) owned = 0;
  if (r < 0)
    snprintf(why, size, "the system D-Bus did not answer (%s)", e.message ? e.message : strerror(-r));
  else if (!owned)
    snprintf(why, size, "bluetoothd is not running (org.bluez has no owner on the system bus)");
  sd_bus_error_free(&e);
  sd_bus_message_unref(reply);
  sd_bus_message_unref(call);
  sd_bus_flush_close_unref(bus);
  return r >= 0 && owned;
}

const blec__backend blec__backend_bluez = {
    .name = "bluez",
    .caps = BLZ_CAPS,
    .init = blz_init,
    .exit = blz_exit,
    .check_bluetooth = blz_check_bluetooth,
    .probe = blz_probe,
    .scan_start = blz_scan_start,
    .scan_stop = blz_scan_stop,
    .connect = blz_connect,
    .discover = blz_discover,
    .disconnect = blz_disconnect,
    .read = blz_read,
    .write = blz_write,
    .subscribe = blz_subscribe,
    .pair = blz_pair,
    .unpair = blz_unpair,
    .cancel = blz_cancel,
    .client_free = blz_client_free,
};
