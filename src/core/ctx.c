/* SPDX-License-Identifier: MIT */
/* ctx.c — the library context: options, backend choice, dispatcher, timers, logging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blec/blec_world.h"
#include "core/core.h"

/* Backends compiled in. Without a backend named in the options or $BLEC_BACKEND the
 * context takes the first whose probe passes: `winrt` on Windows (the Windows Runtime's
 * Bluetooth LE stack); on Linux `bluez` when org.bluez answers on the system bus, else
 * `virtual` (the CLI says so: blec_ctx_backend_fallback). Every one is also chosen by name. */
#ifdef BLEC_HAVE_WINRT
extern const blec__backend blec__backend_winrt;
#endif
#ifdef BLEC_HAVE_BLUEZ
extern const blec__backend blec__backend_bluez;
#endif
const blec__backend *const blec__backends[] = {
#ifdef BLEC_HAVE_WINRT
    &blec__backend_winrt,
#endif
#ifdef BLEC_HAVE_BLUEZ
    &blec__backend_bluez,
#endif
    &blec__backend_virtual,
    NULL};

static blec_log_level parse_level(const char *s, blec_log_level dflt) {
  if (!s || !*s) return dflt;
  if (!strcmp(s, "none") || !strcmp(s, "0")) return BLEC_LOG_NONE;
  if (!strcmp(s, "error") || !strcmp(s, "1")) return BLEC_LOG_ERROR;
  if (!strcmp(s, "warning") || !strcmp(s, "warn") || !strcmp(s, "2")) return BLEC_LOG_WARNING;
  if (!strcmp(s, "info") || !strcmp(s, "3")) return BLEC_LOG_INFO;
  if (!strcmp(s, "debug") || !strcmp(s, "4")) return BLEC_LOG_DEBUG;
  return dflt;
}

blec_ctx_options *blec_ctx_options_new(void) {
  blec_ctx_options *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->log_level = BLEC_LOG_WARNING;
  o->delivery = BLEC_DELIVERY_THREAD;
  return o;
}

void blec_ctx_options_free(blec_ctx_options *o) {
  if (!o) return;
  free(o->backend);
  free(o->adapter);
  if (o->world) blec_world_unref(o->world);
  free(o);
}

int blec_ctx_options_set_backend(blec_ctx_options *o, const char *name) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  char *copy = NULL;
  if (name && !(copy = blec__strdup(name))) return BLEC_ERR_NO_MEMORY;
  free(o->backend);
  o->backend = copy;
  return BLEC_OK;
}

int blec_ctx_options_set_log_level(blec_ctx_options *o, blec_log_level level) {
  if (!o || level < BLEC_LOG_NONE || level > BLEC_LOG_DEBUG) return BLEC_ERR_INVALID_ARG;
  o->log_level = level;
  o->log_level_set = true;
  return BLEC_OK;
}

int blec_ctx_options_set_log_callback(blec_ctx_options *o, blec_log_cb cb, void *user) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  o->log_cb = cb;
  o->log_user = user;
  return BLEC_OK;
}

int blec_ctx_options_set_delivery(blec_ctx_options *o, blec_delivery mode) {
  if (!o || (mode != BLEC_DELIVERY_THREAD && mode != BLEC_DELIVERY_QUEUED)) return BLEC_ERR_INVALID_ARG;
  o->delivery = mode;
  return BLEC_OK;
}

int blec_ctx_options_set_world(blec_ctx_options *o, blec_world *world) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  if (world) blec_world_ref(world);
  if (o->world) blec_world_unref(o->world);
  o->world = world;
  return BLEC_OK;
}

int blec_ctx_options_set_adapter(blec_ctx_options *o, const char *name) {
  if (!o) return BLEC_ERR_INVALID_ARG;
  if (name) {
    size_t n = strlen(name);
    if (n == 0 || n > 32) return BLEC_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
      char c = name[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) return BLEC_ERR_INVALID_ARG; /* a name, never a path */
    }
  }
  char *copy = NULL;
  if (name && !(copy = blec__strdup(name))) return BLEC_ERR_NO_MEMORY;
  free(o->adapter);
  o->adapter = copy;
  return BLEC_OK;
}

const char *blec__ctx_options_adapter(const blec_ctx_options *o) { return o ? o->adapter : NULL; }

/* The backend named, or by default the first whose probe passes (*why says why the ones
 * before it did not, malloc'd, when there were any). */
static const blec__backend *find_backend(const char *name, char **why) {
  *why = NULL;
  if (name && *name) {
    for (size_t i = 0; blec__backends[i]; i++)
      if (!strcmp(blec__backends[i]->name, name)) return blec__backends[i];
    return NULL;
  }
  for (size_t i = 0; blec__backends[i]; i++) {
    const blec__backend *be = blec__backends[i];
    char reason[256];
    reason[0] = 0;
    if (!be->probe || be->probe(reason, sizeof reason) || !blec__backends[i + 1]) return be;
    if (!*why) {
      size_t n = strlen(be->name) + strlen(reason) + 64;
      if ((*why = malloc(n)) != NULL)
        snprintf(*why, n, "the %s backend is not available: %s", be->name, reason[0] ? reason : "no reason given");
    }
  }
  return NULL;
}

int blec_ctx_new(const blec_ctx_options *opts, blec_ctx **out, blec_error *err) {
  blec_error_clear(err);
  if (!out) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "out is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  *out = NULL;
  blec_ctx_options dflt;
  memset(&dflt, 0, sizeof dflt);
  dflt.log_level = BLEC_LOG_WARNING;
  if (!opts) opts = &dflt;

  const char *name = opts->backend ? opts->backend : getenv("BLEC_BACKEND");
  char *fallback = NULL;
  const blec__backend *be = find_backend(name, &fallback);
  if (!be) {
    blec__error_set(err, BLEC_ERR_BACKEND_UNAVAILABLE, "no backend named \"%s\" in this build", name);
    return BLEC_ERR_BACKEND_UNAVAILABLE;
  }

  blec_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    free(fallback);
    blec__error_set(err, BLEC_ERR_NO_MEMORY, NULL);
    return BLEC_ERR_NO_MEMORY;
  }
  ctx->backend = be;
  ctx->caps = be->caps;
  ctx->fallback = fallback;
  ctx->log_level = opts->log_level_set ? opts->log_level : parse_level(getenv("BLEC_LOG"), opts->log_level);
  ctx->log_cb = opts->log_cb;
  ctx->log_user = opts->log_user;
  if (opts->world) ctx->world = blec_world_ref(opts->world);

  int s = BLEC_ERR_NO_MEMORY;
  if (blec__mutex_init(&ctx->lock) != BLEC_OK) goto fail;
  if (blec__timers_init(&ctx->timers) != BLEC_OK) goto fail_lock;
  if (blec__dispatcher_init(&ctx->dispatcher, opts->delivery) != BLEC_OK) goto fail_timers;
  s = be->init(ctx, opts, &ctx->backend_priv, err);
  if (s != BLEC_OK) goto fail_dispatcher;
  if (ctx->fallback) blec__log(ctx, BLEC_LOG_INFO, "%s: using the %s backend", ctx->fallback, be->name);
  blec__log(ctx, BLEC_LOG_INFO, "context created with the %s backend", be->name);
  *out = ctx;
  return BLEC_OK;

fail_dispatcher:
  blec__dispatcher_destroy(&ctx->dispatcher);
fail_timers:
  blec__timers_destroy(&ctx->timers);
fail_lock:
  blec__mutex_destroy(&ctx->lock);
fail:
  if (ctx->world) blec_world_unref(ctx->world);
  free(ctx->fallback);
  free(ctx);
  if (err && err->status == BLEC_OK) blec__error_set(err, s, "the context could not be created");
  return s;
}

int blec_ctx_free(blec_ctx *ctx) {
  if (!ctx) return BLEC_OK;
  if (blec__dispatcher_in_callback(&ctx->dispatcher)) return BLEC_ERR_STATE;
  blec__mutex_lock(&ctx->lock);
  int live = ctx->live_scanners + ctx->live_clients;
  blec__mutex_unlock(&ctx->lock);
  if (live) {
    blec__log(ctx, BLEC_LOG_ERROR, "blec_ctx_free: %d scanner(s)/client(s) still alive", live);
    return BLEC_ERR_STATE;
  }
  /* No callback runs from here on; running finds and discovers end (their callbacks are
   * dropped with the rest of the queue); then timers (they complete ops, which post), the
   * dispatcher (drops what is queued, releasing the last references to scanners and
   * clients), and the backend. */
  blec__dispatcher_stop(&ctx->dispatcher);
  blec__find_end_all(ctx);
  blec__timers_destroy(&ctx->timers);
  blec__dispatcher_destroy(&ctx->dispatcher);
  ctx->backend->exit(ctx, ctx->backend_priv);
  if (ctx->world) blec_world_unref(ctx->world);
  free(ctx->fallback);
  blec__mutex_destroy(&ctx->lock);
  free(ctx);
  return BLEC_OK;
}

const char *blec_ctx_backend_name(const blec_ctx *ctx) { return ctx ? ctx->backend->name : NULL; }
const char *blec_ctx_backend_fallback(const blec_ctx *ctx) { return ctx ? ctx->fallback : NULL; }
uint32_t blec_ctx_capabilities(const blec_ctx *ctx) { return ctx ? ctx->caps : 0; }

blec_world *blec_ctx_world(const blec_ctx *ctx) {
  if (!ctx || !ctx->backend->world) return NULL;
  return ctx->backend->world((blec_ctx *)ctx);
}

int blec_ctx_check_bluetooth(blec_ctx *ctx, blec_error *err) {
  blec_error_clear(err);
  if (!ctx) {
    blec__error_set(err, BLEC_ERR_INVALID_ARG, "ctx is NULL");
    return BLEC_ERR_INVALID_ARG;
  }
  return ctx->backend->check_bluetooth(ctx, err);
}

blec_os_handle blec_ctx_wait_handle(blec_ctx *ctx) {
  return ctx ? blec__waitable_handle(&ctx->dispatcher.waitable) : (blec_os_handle)-1;
}

int blec_ctx_dispatch(blec_ctx *ctx, int timeout_ms) {
  if (!ctx) return BLEC_ERR_INVALID_ARG;
  return blec__dispatcher_run(&ctx->dispatcher, timeout_ms);
}

void *blec__ctx_backend_priv(blec_ctx *ctx) { return ctx->backend_priv; }
void blec__ctx_set_caps(blec_ctx *ctx, uint32_t caps) { ctx->caps = ctx->backend->caps & caps; }
void blec__ctx_set_passive_why(blec_ctx *ctx, const char *why) { ctx->passive_why = why; }
blec_world *blec__ctx_option_world(blec_ctx *ctx) { return ctx->world; }
