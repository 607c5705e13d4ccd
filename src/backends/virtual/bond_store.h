/* SPDX-License-Identifier: MIT */
/*
 * bond_store.h — the virtual backend's bond store: what an OS keeps of its pairings, so
 * that a bond made by one program (`blec pair ADDR`) still holds for the next one
 * (`blec read ADDR <protected>`). A small text file, by default
 * "<user state directory>/virtual-bonds" (blec__user_state_dir): $XDG_STATE_HOME/blec or
 * ~/.local/state/blec on POSIX, %LOCALAPPDATA%\blec on Windows.
 *
 * Format (version 1), one entry a line, '#' starts a comment line:
 *
 *     blec-bonds 1
 *     C0:FF:EE:00:00:05 authentication
 *
 * The level is none, encryption or authentication (blec_protection_level). Keyed by
 * address, as an OS keys its bonds by the device's identity. Saving rewrites the whole
 * file through a temporary file and a rename, re-reading it first, so two programs
 * lose at most the other's change made in the same instant.
 */
#ifndef BLEC_BACKENDS_VIRTUAL_BOND_STORE_H
#define BLEC_BACKENDS_VIRTUAL_BOND_STORE_H

#include <stddef.h>

#include "blec/blec.h"

/** Largest path of a store file. */
enum { BLEC__VBONDS_PATH_MAX = 1024 };

/** Called for each entry of a store file: an address ("AA:BB:..", upper case) and a level. */
typedef void (*blec__vbonds_entry_fn)(void *user, const char *address, int level);

/**
 * Parses the text of a store file (len bytes, NUL bytes refused): BLEC_OK after calling
 * fn for every entry, BLEC_ERR_PARSE at the first malformed line (the entries before it
 * were reported). An empty text is an empty store.
 */
int blec__vbonds_parse(const char *text, size_t len, blec__vbonds_entry_fn fn, void *user);

/**
 * The store file a context uses: the option's path (blec_ctx_options_set_bond_store), else
 * $BLEC_BOND_STORE, else the default. false when the store is off ("" or "off") or no
 * state directory is known.
 */
bool blec__vbonds_path(const char *option, char *buf, size_t size);

/** Sets the world's bonds from the store at path (a missing file is an empty store). */
void blec__vbonds_load(blec_ctx *ctx, const char *path, blec_world *world);

/** Records the bond with address at level (-1: none) in the store at path. */
void blec__vbonds_save(blec_ctx *ctx, const char *path, const char *address, int level);

#endif /* BLEC_BACKENDS_VIRTUAL_BOND_STORE_H */
