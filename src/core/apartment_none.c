/* SPDX-License-Identifier: MIT */
/* apartment_none.c — COM apartments exist only on Windows: everything is NOT_SUPPORTED. */
#include <stdio.h>

#include "blec/blec.h"
#include "blec/blec_winrt.h"

int blec_apartment_get(blec_apartment *out) {
  if (out) *out = BLEC_APARTMENT_NONE;
  return BLEC_ERR_NOT_SUPPORTED;
}
int blec_apartment_assert_mta(blec_error *err) {
  if (err) {
    blec_error_clear(err);
    err->status = BLEC_ERR_NOT_SUPPORTED;
    snprintf(err->message, sizeof err->message, "COM apartments exist only on Windows");
  }
  return BLEC_ERR_NOT_SUPPORTED;
}
int blec_apartment_allow_sta(void) { return BLEC_ERR_NOT_SUPPORTED; }
int blec_apartment_uninitialize_sta(void) { return BLEC_ERR_NOT_SUPPORTED; }
