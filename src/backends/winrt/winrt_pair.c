/* SPDX-License-Identifier: MIT */
/*
 * winrt_pair.c — pairing and unpairing through Windows.Devices.Enumeration, as bleak:
 * a fresh DeviceInformation of the device (CreateFromIdAsync), "already paired" is
 * success, custom pairing (DeviceInformationCustomPairing) with a protection level, and
 * for the default level the fallback chain EncryptionAndAuthentication, then Encryption
 * (each time Windows answers ProtectionLevelCouldNotBeMet, or the ceremony it chose has no
 * one to answer it), then plain PairAsync.
 *
 * The ceremony Windows asks for (PairingRequested) reaches the program through its
 * pairing callback (blec__client_pairing_request): ConfirmOnly is accepted by the core
 * when the program has none, as bleak; ConfirmPinMatch, ProvidePin and DisplayPin need
 * one. The handler never waits: it takes a deferral, and the program's answer (from any
 * thread) is given to Windows on the pool (Accept / AcceptWithPin, then the deferral's
 * Complete). DevicePairingResultStatus names stay in the error detail.
 *
 * Unpairing (DeviceInformationPairing.UnpairAsync) works without a link; on Windows it
 * ends a live one, which is reported as BLEC_DISCONNECT_UNPAIRED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

#define H_PAIRING_REQUESTED \
  &IID___FITypedEventHandler_2_Windows__CDevices__CEnumeration__CDeviceInformationCustomPairing_Windows__CDevices__CEnumeration__CDevicePairingRequestedEventArgs

static const char *pairing_status_name(DevicePairingResultStatus st) {
  static const char *const names[] = {"Paired", "NotReadyToPair", "NotPaired", "AlreadyPaired", "ConnectionRejected",
                                      "TooManyConnections", "HardwareFailure", "AuthenticationTimeout",
                                      "AuthenticationNotAllowed", "AuthenticationFailure", "NoSupportedProfiles",
                                      "ProtectionLevelCouldNotBeMet", "AccessDenied", "InvalidCeremonyData",
                                      "PairingCanceled", "OperationAlreadyInProgress", "RequiredHandlerNotRegistered",
                                      "RejectedByHandler", "RemoteDeviceHasAssociation", "Failed"};
  return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "unknown";
}

static const char *unpairing_status_name(DeviceUnpairingResultStatus st) {
  static const char *const names[] = {"Unpaired", "AlreadyUnpaired", "OperationAlreadyInProgress", "AccessDenied",
                                      "Failed"};
  return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "unknown";
}

static const char *level_name(DevicePairingProtectionLevel l) {
  switch (l) {
    case DevicePairingProtectionLevel_None: return "None";
    case DevicePairingProtectionLevel_Encryption: return "Encryption";
    case DevicePairingProtectionLevel_EncryptionAndAuthentication: return "EncryptionAndAuthentication";
    default: return "Default";
  }
}

/* ---- the device's pairing objects --------------------------------------------------------------- */

/* A fresh DeviceInformation's pairing object of dev (bleak: the requester's is not updated). */
static HRESULT pairing_of(wr_job *job, IBluetoothLEDevice *dev, IDeviceInformationPairing **out) {
  wr_ctx *w = job->w;
  *out = NULL;
  HSTRING id = NULL;
  IDeviceInformationStatics *st = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceInformation *op = NULL;
  IDeviceInformation *info = NULL;
  IDeviceInformation2 *info2 = NULL;
  HRESULT hr = wr_hr(w, IBluetoothLEDevice_get_DeviceId(dev, &id), "BluetoothLEDevice.DeviceId");
  if (SUCCEEDED(hr)) hr = wr_statics(w, WR_DEVINFO_STATICS, (void **)&st);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceInformationStatics_CreateFromIdAsync(st, id, &op), "DeviceInformation.CreateFromIdAsync");
  if (st) IDeviceInformationStatics_Release(st);
  WindowsDeleteString(id);
  if (SUCCEEDED(hr)) hr = wr_await_devinfo(w, job, -1, op, &info);
  if (SUCCEEDED(hr) && !info) hr = E_POINTER;
  if (SUCCEEDED(hr)) hr = wr_qi(w, info, WR_IF_DEVINFO2, (void **)&info2);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceInformation2_get_Pairing(info2, out), "DeviceInformation.Pairing");
  if (SUCCEEDED(hr) && !*out) hr = E_POINTER;
  if (info2) IDeviceInformation2_Release(info2);
  if (info) IDeviceInformation_Release(info);
  return hr;
}

/* The device of the client: its link's, else from its address (unpairing needs no link). */
static HRESULT device_of(wr_job *job, bool need_link, IBluetoothLEDevice **dev) {
  wr_client *wc = wr_client_of(job->c);
  blec__mutex_lock(&wc->lock);
  *dev = wc->state != WR_LINK_NONE ? wc->dev : NULL;
  if (*dev) IBluetoothLEDevice_AddRef(*dev);
  blec__mutex_unlock(&wc->lock);
  if (*dev || need_link) return S_OK;
  UINT64 addr = 0;
  if (wr_address_parse(blec__client_address(job->c), &addr) != BLEC_OK) return E_INVALIDARG;
  return wr_device_from_address(job, addr, blec__client_address_type(job->c), dev);
}

/* ---- the ceremony: Windows asks, the program answers ---------------------------------------------- */

/* Shared by a pairing and its handler (which may outlive the job). */
typedef struct pair_state {
  LONG refs;
  wr_ctx *w;
  blec_client *c;      /* referenced */
  blec_op *op;         /* referenced */
  volatile LONG refusal; /* the program's last refusal (a blec status), 0 if none */
  blec_pairing_kind kind; /* the last ceremony asked */
} pair_state;

static void state_unref(void *p) {
  pair_state *ps = p;
  if (InterlockedDecrement(&ps->refs) != 0) return;
  blec__op_unref(ps->op);
  blec__client_unref(ps->c);
  free(ps);
}

/* An answer on its way to Windows (on the pool). */
typedef struct answer {
  pair_state *ps;
  IDevicePairingRequestedEventArgs *args;
  IDeferral *deferral;
  int status;
  char pin[16];
} answer;

static void give_answer(void *arg) {
  answer *a = arg;
  wr_ctx *w = a->ps->w;
  if (a->status == BLEC_OK) {
    HSTRING pin = NULL;
    if (a->pin[0] && SUCCEEDED(wr_hstring_from_utf8(a->pin, &pin)))
      wr_hr(w, IDevicePairingRequestedEventArgs_AcceptWithPin(a->args, pin), "DevicePairingRequestedEventArgs.AcceptWithPin");
    else
      wr_hr(w, IDevicePairingRequestedEventArgs_Accept(a->args), "DevicePairingRequestedEventArgs.Accept");
    WindowsDeleteString(pin);
  } else {
    InterlockedExchange(&a->ps->refusal, a->status);
  }
  wr_log(w, BLEC_LOG_DEBUG, "pairing ceremony answered: %s", blec_status_name(a->status));
  if (a->deferral) {
    wr_hr(w, IDeferral_Complete(a->deferral), "Deferral.Complete");
    IDeferral_Release(a->deferral);
  }
  IDevicePairingRequestedEventArgs_Release(a->args);
  state_unref(a->ps);
  free(a);
}

/* The program's answer, from any thread: Windows hears it on the pool. */
static void answered(void *arg, int status, const char *pin) {
  answer *a = arg;
  a->status = status;
  if (pin) snprintf(a->pin, sizeof a->pin, "%s", pin);
  if (wr_post(a->ps->w->pool, give_answer, a) != BLEC_OK) {
    /* No pool left (the context is going): refused here, on the caller's thread, so that
     * Windows' deferral is completed and the ceremony ends instead of waiting for it. */
    wr_log(a->ps->w, BLEC_LOG_WARNING, "a pairing answer could not reach Windows' pool: refused here");
    a->status = BLEC_ERR_CANCELLED;
    give_answer(a);
  }
}

static bool kind_of(DevicePairingKinds k, blec_pairing_kind *out) {
  switch (k) {
    case DevicePairingKinds_ConfirmOnly: *out = BLEC_PAIRING_CONFIRM_ONLY; return true;
    case DevicePairingKinds_ConfirmPinMatch: *out = BLEC_PAIRING_CONFIRM_PIN_MATCH; return true;
    case DevicePairingKinds_ProvidePin: *out = BLEC_PAIRING_PROVIDE_PIN; return true;
    case DevicePairingKinds_DisplayPin: *out = BLEC_PAIRING_DISPLAY_PIN; return true;
    default: return false;
  }
}

static HRESULT on_pairing_requested(void *ctx, void *sender, void *args) {
  (void)sender;
  pair_state *ps = ctx;
  IDevicePairingRequestedEventArgs *ra = args;
  DevicePairingKinds k = DevicePairingKinds_None;
  if (!ra || FAILED(wr_hr(ps->w, IDevicePairingRequestedEventArgs_get_PairingKind(ra, &k), "PairingRequested.PairingKind")))
    return S_OK;
  blec_pairing_kind kind;
  wr_log(ps->w, BLEC_LOG_DEBUG, "PairingRequested: DevicePairingKinds 0x%x", (unsigned)k);
  if (!kind_of(k, &kind)) return S_OK; /* not accepted: Windows ends it as RejectedByHandler */
  answer *a = calloc(1, sizeof *a);
  if (!a) return S_OK;
  HSTRING hpin = NULL;
  char *pin = NULL;
  if (SUCCEEDED(wr_hr(ps->w, IDevicePairingRequestedEventArgs_get_Pin(ra, &hpin), "PairingRequested.Pin")) && hpin) {
    pin = wr_hstring_utf8(hpin);
    WindowsDeleteString(hpin);
  }
  /* Windows waits for the deferral, not for this handler. */
  if (FAILED(wr_hr(ps->w, IDevicePairingRequestedEventArgs_GetDeferral(ra, &a->deferral), "PairingRequested.GetDeferral")))
    a->deferral = NULL;
  IDevicePairingRequestedEventArgs_AddRef(ra);
  a->args = ra;
  InterlockedIncrement(&ps->refs);
  a->ps = ps;
  ps->kind = kind;
  blec__client_pairing_request(ps->c, ps->op, kind, pin && *pin ? pin : NULL, answered, a);
  free(pin);
  return S_OK;
}

/* ---- pairing ------------------------------------------------------------------------------------------ */

typedef struct pair_job {
  wr_job base;
  DevicePairingProtectionLevel level; /* Default: the fallback chain */
} pair_job;

/* Every ceremony the program can be asked (the core answers ConfirmOnly without a callback). */
#define WR_PAIRING_KINDS                                                                                     \
  (DevicePairingKinds)(DevicePairingKinds_ConfirmOnly | DevicePairingKinds_ConfirmPinMatch | DevicePairingKinds_ProvidePin | \
                       DevicePairingKinds_DisplayPin)

/* One custom pairing at a level (Default: plain custom PairAsync); *used: the level
 * Windows says it paired at (DevicePairingResult.ProtectionLevelUsed). */
static HRESULT pair_once(wr_job *job, IDeviceInformationCustomPairing *cp, DevicePairingProtectionLevel level,
                         DevicePairingResultStatus *status, DevicePairingProtectionLevel *used) {
  wr_ctx *w = job->w;
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDevicePairingResult *op = NULL;
  HRESULT hr = level == DevicePairingProtectionLevel_Default
                   ? IDeviceInformationCustomPairing_PairAsync(cp, WR_PAIRING_KINDS, &op)
                   : IDeviceInformationCustomPairing_PairWithProtectionLevelAsync(cp, WR_PAIRING_KINDS, level, &op);
  IDevicePairingResult *r = NULL;
  if (SUCCEEDED(wr_hr(w, hr, "DeviceInformationCustomPairing.PairAsync"))) hr = wr_await_pairing(w, job, -1, op, &r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDevicePairingResult_get_Status(r, status), "DevicePairingResult.Status");
  *used = DevicePairingProtectionLevel_Default;
  if (SUCCEEDED(hr) && FAILED(wr_hr(w, IDevicePairingResult_get_ProtectionLevelUsed(r, used),
                                    "DevicePairingResult.ProtectionLevelUsed")))
    *used = DevicePairingProtectionLevel_Default; /* unknown: logged, not fatal */
  if (r) IDevicePairingResult_Release(r);
  if (SUCCEEDED(hr))
    wr_log(w, BLEC_LOG_DEBUG, "pairing at %s: %s", level_name(level), pairing_status_name(*status));
  return hr;
}

static bool paired(DevicePairingResultStatus st) {
  return st == DevicePairingResultStatus_Paired || st == DevicePairingResultStatus_AlreadyPaired;
}

static void pair_run(wr_job *job) {
  pair_job *j = (pair_job *)job;
  wr_ctx *w = job->w;
  IBluetoothLEDevice *dev = NULL;
  HRESULT hr = device_of(job, true, &dev);
  if (SUCCEEDED(hr) && !dev) {
    blec__op_complete(job->op, BLEC_ERR_NOT_CONNECTED);
    return;
  }
  IDeviceInformationPairing *pairing = NULL;
  IDeviceInformationPairing2 *pairing2 = NULL;
  IDeviceInformationCustomPairing *cp = NULL;
  if (SUCCEEDED(hr)) hr = pairing_of(job, dev, &pairing);
  if (dev) IBluetoothLEDevice_Release(dev);
  boolean is_paired = FALSE, can = TRUE;
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceInformationPairing_get_IsPaired(pairing, &is_paired), "DeviceInformationPairing.IsPaired");
  if (SUCCEEDED(hr) && is_paired) { /* as bleak: already paired is success */
    wr_log(w, BLEC_LOG_DEBUG, "%s is already paired", blec__client_address(job->c));
    IDeviceInformationPairing_Release(pairing);
    blec__op_complete(job->op, BLEC_OK);
    return;
  }
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceInformationPairing_get_CanPair(pairing, &can), "DeviceInformationPairing.CanPair");
  if (SUCCEEDED(hr) && !can) {
    IDeviceInformationPairing_Release(pairing);
    blec_error e;
    blec__error_set(&e, BLEC_ERR_PAIRING, "%s does not support pairing (CanPair is false)", blec__client_address(job->c));
    blec__op_complete_error(job->op, &e);
    return;
  }
  if (SUCCEEDED(hr)) hr = wr_qi(w, pairing, WR_IF_PAIRING2, (void **)&pairing2);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceInformationPairing2_get_Custom(pairing2, &cp), "DeviceInformationPairing.Custom");
  if (SUCCEEDED(hr) && !cp) hr = E_POINTER;
  pair_state *ps = NULL;
  void *handler = NULL;
  EventRegistrationToken tok = {0};
  if (SUCCEEDED(hr) && !(ps = calloc(1, sizeof *ps))) hr = E_OUTOFMEMORY;
  if (SUCCEEDED(hr)) {
    ps->refs = 2; /* the job's and the handler's */
    ps->w = w;
    ps->c = blec__client_ref(job->c);
    ps->op = blec__op_ref(job->op);
    handler = wr_delegate_new(H_PAIRING_REQUESTED, on_pairing_requested, ps, state_unref);
    hr = handler ? wr_hr(w, IDeviceInformationCustomPairing_add_PairingRequested(cp, handler, &tok),
                         "DeviceInformationCustomPairing.add_PairingRequested")
                 : E_OUTOFMEMORY;
  }
  DevicePairingResultStatus st = DevicePairingResultStatus_Failed;
  DevicePairingProtectionLevel used = j->level;          /* the level asked last */
  DevicePairingProtectionLevel reached = DevicePairingProtectionLevel_Default; /* Windows' ProtectionLevelUsed */
  if (SUCCEEDED(hr)) {
    if (j->level != DevicePairingProtectionLevel_Default) {
      hr = pair_once(job, cp, j->level, &st, &reached);
    } else {
      /* bleak's chain: the strongest level first, a weaker one when it cannot be met. */
      static const DevicePairingProtectionLevel chain[] = {DevicePairingProtectionLevel_EncryptionAndAuthentication,
                                                           DevicePairingProtectionLevel_Encryption};
      for (size_t i = 0; i < 2 && SUCCEEDED(hr); i++) {
        InterlockedExchange(&ps->refusal, 0);
        used = chain[i];
        hr = pair_once(job, cp, used, &st, &reached);
        bool level_refused = st == DevicePairingResultStatus_ProtectionLevelCouldNotBeMet ||
                             st == DevicePairingResultStatus_NoSupportedProfiles ||
                             (st == DevicePairingResultStatus_RejectedByHandler &&
                              InterlockedCompareExchange(&ps->refusal, 0, 0) == BLEC_ERR_NOT_SUPPORTED);
        if (FAILED(hr) || !level_refused) break;
      }
      if (SUCCEEDED(hr) && !paired(st) && InterlockedCompareExchange(&ps->refusal, 0, 0) != BLEC_ERR_PAIRING &&
          (st == DevicePairingResultStatus_ProtectionLevelCouldNotBeMet || st == DevicePairingResultStatus_NoSupportedProfiles ||
           st == DevicePairingResultStatus_RejectedByHandler)) {
        used = DevicePairingProtectionLevel_Default;
        hr = pair_once(job, cp, DevicePairingProtectionLevel_Default, &st, &reached);
      }
    }
  }
  if (handler) {
    wr_hr(w, IDeviceInformationCustomPairing_remove_PairingRequested(cp, tok), "DeviceInformationCustomPairing.remove_PairingRequested");
    wr_delegate_release(handler);
  } else if (ps) {
    state_unref(ps); /* the handler's share */
  }
  if (cp) IDeviceInformationCustomPairing_Release(cp);
  if (pairing2) IDeviceInformationPairing2_Release(pairing2);
  if (pairing) IDeviceInformationPairing_Release(pairing);
  int refusal = ps ? (int)InterlockedCompareExchange(&ps->refusal, 0, 0) : 0;
  blec_pairing_kind kind = ps ? ps->kind : BLEC_PAIRING_CONFIRM_ONLY;
  if (ps) state_unref(ps);
  if (FAILED(hr)) {
    if (hr == E_NOINTERFACE)
      wr_complete_missing(job->op, WR_IF_PAIRING2, "custom pairing");
    else
      wr_complete_hr(job->op, hr, "pairing");
    return;
  }
  if (paired(st)) {
    /* Which call paired, and at which level Windows says it did (bleak logs the same; the
     * two differ when a PairAsync without a level paired below Encryption). */
    wr_log(w, BLEC_LOG_INFO, "%s paired (%s): asked %s, ProtectionLevelUsed %s", blec__client_address(job->c),
           pairing_status_name(st), level_name(used), level_name(reached));
    blec__op_complete(job->op, BLEC_OK);
    return;
  }
  blec_error e;
  if (st == DevicePairingResultStatus_RejectedByHandler && refusal)
    blec__error_set(&e, refusal == BLEC_ERR_CANCELLED ? BLEC_ERR_CANCELLED : BLEC_ERR_PAIRING, "%s (Windows: %s)",
                    blec__pairing_refusal_text(refusal, kind), pairing_status_name(st));
  else
    blec__error_set(&e, BLEC_ERR_PAIRING, "Windows could not pair at protection level %s: %s%s", level_name(used),
                    pairing_status_name(st),
                    st == DevicePairingResultStatus_ProtectionLevelCouldNotBeMet ? " (the peripheral cannot reach it)"
                    : st == DevicePairingResultStatus_AuthenticationFailure && kind == BLEC_PAIRING_PROVIDE_PIN
                        ? " (the PIN entered is not the one the peripheral shows)"
                        : "");
  blec__op_complete_error(job->op, &e);
}

static DevicePairingProtectionLevel level_of(blec_protection_level l) {
  switch (l) {
    case BLEC_PROTECTION_NONE: return DevicePairingProtectionLevel_None;
    case BLEC_PROTECTION_ENCRYPTION: return DevicePairingProtectionLevel_Encryption;
    case BLEC_PROTECTION_ENCRYPTION_AND_AUTHENTICATION: return DevicePairingProtectionLevel_EncryptionAndAuthentication;
    default: return DevicePairingProtectionLevel_Default;
  }
}

int wr_pair(blec_client *c, blec_op *op, blec_protection_level level) {
  pair_job *j = wr_job_new(wr_ctx_of(blec__client_ctx(c)), c, op, sizeof *j, pair_run, "pair");
  if (!j) return BLEC_ERR_NO_MEMORY;
  j->level = level_of(level);
  return wr_job_start(&j->base, WR_JOB_STRAND);
}

/* ---- unpairing ------------------------------------------------------------------------------------------ */

static void unpair_run(wr_job *job) {
  wr_ctx *w = job->w;
  IBluetoothLEDevice *dev = NULL;
  HRESULT hr = device_of(job, false, &dev);
  if (SUCCEEDED(hr) && !dev) {
    blec__op_complete(job->op, BLEC_ERR_DEVICE_NOT_FOUND);
    return;
  }
  IDeviceInformationPairing *pairing = NULL;
  IDeviceInformationPairing2 *pairing2 = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceUnpairingResult *op = NULL;
  IDeviceUnpairingResult *r = NULL;
  DeviceUnpairingResultStatus st = DeviceUnpairingResultStatus_Failed;
  if (SUCCEEDED(hr)) hr = pairing_of(job, dev, &pairing);
  if (dev) IBluetoothLEDevice_Release(dev);
  if (SUCCEEDED(hr)) hr = wr_qi(w, pairing, WR_IF_PAIRING2, (void **)&pairing2);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceInformationPairing2_UnpairAsync(pairing2, &op), "DeviceInformationPairing.UnpairAsync");
  if (SUCCEEDED(hr)) hr = wr_await_unpairing(w, job, -1, op, &r);
  if (SUCCEEDED(hr) && !r) hr = E_POINTER;
  if (SUCCEEDED(hr)) hr = wr_hr(w, IDeviceUnpairingResult_get_Status(r, &st), "DeviceUnpairingResult.Status");
  if (r) IDeviceUnpairingResult_Release(r);
  if (pairing2) IDeviceInformationPairing2_Release(pairing2);
  if (pairing) IDeviceInformationPairing_Release(pairing);
  if (FAILED(hr)) {
    if (hr == E_NOINTERFACE)
      wr_complete_missing(job->op, WR_IF_PAIRING2, "unpairing");
    else
      wr_complete_hr(job->op, hr, "unpairing");
    return;
  }
  wr_log(w, BLEC_LOG_DEBUG, "unpairing %s: %s", blec__client_address(job->c), unpairing_status_name(st));
  if (st != DeviceUnpairingResultStatus_Unpaired && st != DeviceUnpairingResultStatus_AlreadyUnpaired) {
    blec_error e;
    blec__error_set(&e, BLEC_ERR_PAIRING, "Windows could not unpair: %s", unpairing_status_name(st));
    blec__op_complete_error(job->op, &e);
    return;
  }
  /* Unpairing ends a live link on Windows: this program's link is gone with it. */
  wr_client *wc = wr_client_of(job->c);
  blec__mutex_lock(&wc->lock);
  bool live = wc->state == WR_LINK_ACTIVE;
  blec__mutex_unlock(&wc->lock);
  blec__op_complete(job->op, BLEC_OK);
  if (live) {
    wr_remains *rm = wr_link_take(w, wc);
    uint64_t mark = wr_jobs_mark(w); /* the link's jobs: not those asked from the callback */
    if (wr_client_enter(wc)) {
      blec__client_disconnected(job->c, BLEC_DISCONNECT_UNPAIRED);
      wr_client_leave(wc);
    }
    wr_jobs_cancel_client(w, job->c, job, mark);
    wr_link_close(w, rm, 0, 0);
  }
}

int wr_unpair(blec_client *c, blec_op *op) {
  wr_job *j = wr_job_new(wr_ctx_of(blec__client_ctx(c)), c, op, sizeof *j, unpair_run, "unpair");
  if (!j) return BLEC_ERR_NO_MEMORY;
  return wr_job_start(j, WR_JOB_STRAND);
}
