/* SPDX-License-Identifier: MIT */
/*
 * pairing.c — Windows.Devices.Enumeration: DeviceInformation (for the devices of the
 * stack), DeviceInformationPairing, DeviceInformationCustomPairing with its
 * PairingRequested event, DevicePairingRequestedEventArgs with Accept and deferrals,
 * DevicePairingResult, DeviceUnpairingResult, and Windows.Foundation.Deferral.
 *
 * As on Windows: custom pairing raises PairingRequested (worker thread) with the ceremony
 * chosen among the kinds the caller supports, and pairs only once the handler (and every
 * deferral it took) accepted; without a handler the result is RequiredHandlerNotRegistered,
 * without Accept RejectedByHandler; pairing a paired device gives AlreadyPaired, unpairing
 * an unpaired one AlreadyUnpaired; unpairing drops the link. Plain PairAsync pairs as if the
 * user confirmed the system prompt. Pairing needs the link: the OS connects first.
 */
#include "gatt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== DevicePairingResult, DeviceUnpairingResult ============================================== */

typedef struct pair_result {
  sim_obj obj;
  struct {
    const void *lpVtbl;
  } r;
  INT32 status;
  DevicePairingProtectionLevel level;
} pair_result;

static HRESULT STDMETHODCALLTYPE pr_get_Status(IDevicePairingResult *This, DevicePairingResultStatus *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = (DevicePairingResultStatus)((pair_result *)sim_obj_from(This))->status;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pr_get_ProtectionLevelUsed(IDevicePairingResult *This,
                                                            DevicePairingProtectionLevel *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = ((pair_result *)sim_obj_from(This))->level;
  return S_OK;
}
SIM_VTABLE(IDevicePairingResultVtbl, pr_vt) = {
    offsetof(pair_result, r),
    {SIM_INSPECTABLE_SLOTS, .get_Status = pr_get_Status, .get_ProtectionLevelUsed = pr_get_ProtectionLevelUsed}};
static const sim_itf pr_itfs[] = {{&IID_IDevicePairingResult, offsetof(pair_result, r)}, {NULL, 0}};
static const sim_class pr_class = {L"Windows.Devices.Enumeration.DevicePairingResult", pr_itfs, NULL};

static HRESULT STDMETHODCALLTYPE ur_get_Status(IDeviceUnpairingResult *This, DeviceUnpairingResultStatus *v) {
  SIM_ENTER();
  SIM_CHECK_OUT(v);
  *v = (DeviceUnpairingResultStatus)((pair_result *)sim_obj_from(This))->status;
  return S_OK;
}
SIM_VTABLE(IDeviceUnpairingResultVtbl, ur_vt) = {offsetof(pair_result, r),
                                                 {SIM_INSPECTABLE_SLOTS, .get_Status = ur_get_Status}};
static const sim_itf ur_itfs[] = {{&IID_IDeviceUnpairingResult, offsetof(pair_result, r)}, {NULL, 0}};
static const sim_class ur_class = {L"Windows.Devices.Enumeration.DeviceUnpairingResult", ur_itfs, NULL};

static pair_result *result_new(bool unpair, INT32 status, DevicePairingProtectionLevel level) {
  pair_result *r = sim_obj_new(unpair ? &ur_class : &pr_class, sizeof *r);
  if (!r) return NULL;
  r->r.lpVtbl = unpair ? (const void *)&ur_vt.v : (const void *)&pr_vt.v;
  r->status = status;
  r->level = level;
  return r;
}

/* Completes a pairing operation with a result, from any thread (never inline: callers post). */
static void complete_pairing(sim_async *op, DevicePairingResultStatus st, DevicePairingProtectionLevel level) {
  pair_result *r = result_new(false, st, level);
  if (r) {
    sim_async_complete_obj(op, &r->r);
    sim_Release(&r->r);
  } else {
    sim_async_fail(op, E_OUTOFMEMORY);
  }
}

/* ==== pairing over the link ========================================================================= */

static void pair_done(void *ctx, int status);

typedef struct pair_job {
  sim_async *op;
  sim_dev *dev;
  DevicePairingProtectionLevel level;
  bool answered; /* a ceremony's answer (pin below), not plain pairing */
  char pin[17];
} pair_job;

static void submit_pair(pair_job *j) {
  if (j->answered)
    sim_dev_pair_answered(j->dev, (blec_protection_level)j->level, j->pin, pair_done, j, (sim_req_origin){j->op, NULL});
  else
    sim_dev_pair(j->dev, (blec_protection_level)j->level, pair_done, j, (sim_req_origin){j->op, NULL});
}

static void pair_done(void *ctx, int status) {
  pair_job *j = ctx;
  /* PairAsync without a level sets no minimum (switch, README.md): a device that cannot
   * reach Encryption pairs at what it reaches. */
  if (status == BLEC_ERR_PAIRING && j->level == DevicePairingProtectionLevel_Default &&
      sim_pairing_default_has_no_minimum()) {
    j->level = DevicePairingProtectionLevel_None;
    submit_pair(j);
    return;
  }
  DevicePairingResultStatus st;
  DevicePairingProtectionLevel used = DevicePairingProtectionLevel_None;
  if (status == BLEC_OK) {
    st = DevicePairingResultStatus_Paired;
    int b = sim_dev_bond_level(j->dev);
    used = b > 0 ? (DevicePairingProtectionLevel)b : DevicePairingProtectionLevel_Encryption;
  } else if (status == SIM_STATUS_WRONG_PIN) {
    st = DevicePairingResultStatus_AuthenticationFailure; /* the PIN entered was not the device's */
  } else if (status == BLEC_ERR_PAIRING) {
    st = DevicePairingResultStatus_ProtectionLevelCouldNotBeMet;
  } else {
    st = DevicePairingResultStatus_ConnectionRejected; /* the device could not be reached */
  }
  complete_pairing(j->op, st, used);
  SIM_ASYNC_RELEASE(j->op);
  free(j);
}

/* pin: NULL for plain pairing (no ceremony); "" for a ceremony answered without a PIN. */
static void start_pair(sim_async *op, sim_dev *dev, DevicePairingProtectionLevel level, const char *pin) {
  pair_job *j = malloc(sizeof *j);
  if (!j) {
    sim_async_fail(op, E_OUTOFMEMORY);
    return;
  }
  SIM_ASYNC_ADDREF(op);
  j->op = op;
  j->dev = dev;
  j->level = level;
  j->answered = pin != NULL;
  snprintf(j->pin, sizeof j->pin, "%s", pin ? pin : "");
  submit_pair(j);
}

/* ==== Deferral ======================================================================================== */

typedef struct request request;
static void request_release_hold(request *q);

typedef struct deferral {
  sim_obj obj;
  IDeferral d;
  IClosable closable;
  request *q;
  volatile LONG done;
} deferral;

static void deferral_complete(deferral *df) {
  if (InterlockedExchange(&df->done, 1)) return;
  request_release_hold(df->q);
}
static void deferral_destroy(sim_obj *o) {
  /* A deferral released without Complete completes (the caller is gone). */
  deferral_complete((deferral *)o);
}
static const sim_itf deferral_itfs[] = {{&IID_IDeferral, offsetof(deferral, d)},
                                        {&IID_IClosable, offsetof(deferral, closable)},
                                        {NULL, 0}};
static const sim_class deferral_class = {L"Windows.Foundation.Deferral", deferral_itfs, deferral_destroy};

static HRESULT STDMETHODCALLTYPE df_Complete(IDeferral *This) {
  SIM_ENTER();
  deferral_complete((deferral *)sim_obj_from(This));
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE df_Close(IClosable *This) {
  SIM_ENTER();
  deferral_complete((deferral *)sim_obj_from(This));
  return S_OK;
}
SIM_VTABLE(IDeferralVtbl, df_vt) = {offsetof(deferral, d), {SIM_INSPECTABLE_SLOTS, .Complete = df_Complete}};
SIM_VTABLE(IClosableVtbl, df_close_vt) = {offsetof(deferral, closable), {SIM_INSPECTABLE_SLOTS, .Close = df_Close}};

/* ==== DevicePairingRequestedEventArgs ==================================================================== */

struct request {
  sim_obj obj;
  IDevicePairingRequestedEventArgs a;
  sim_async *op;
  sim_dev *dev;
  DevicePairingKinds kind;
  DevicePairingProtectionLevel level;
  char pin_shown[7];   /* DisplayPin / ConfirmPinMatch: the device's passkey */
  char pin_entered[17]; /* ProvidePin: what AcceptWithPin gave (written before `accepted`) */
  volatile LONG holds; /* the handlers' run + each deferral not completed */
  volatile LONG accepted;
};

static void request_destroy(sim_obj *o) { SIM_ASYNC_RELEASE(((request *)o)->op); }
static const sim_itf request_itfs[] = {{&IID_IDevicePairingRequestedEventArgs, offsetof(request, a)}, {NULL, 0}};
static const sim_class request_class = {L"Windows.Devices.Enumeration.DevicePairingRequestedEventArgs", request_itfs,
                                        request_destroy};
#define RQ(This) ((request *)sim_obj_from(This))

/* The last hold gone: pair if accepted, else the handler rejected. */
static void request_release_hold(request *q) {
  if (InterlockedDecrement(&q->holds) != 0) return;
  if (q->accepted)
    start_pair(q->op, q->dev, q->level, q->kind == DevicePairingKinds_ProvidePin ? q->pin_entered : "");
  else
    complete_pairing(q->op, DevicePairingResultStatus_RejectedByHandler, DevicePairingProtectionLevel_None);
  sim_Release(&q->a); /* the holds' reference */
}

static HRESULT STDMETHODCALLTYPE rq_get_DeviceInformation(IDevicePairingRequestedEventArgs *This,
                                                          IDeviceInformation **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  return sim_device_information_new(RQ(This)->dev, value);
}
static HRESULT STDMETHODCALLTYPE rq_get_PairingKind(IDevicePairingRequestedEventArgs *This, DevicePairingKinds *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = RQ(This)->kind;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rq_get_Pin(IDevicePairingRequestedEventArgs *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  DevicePairingKinds k = RQ(This)->kind;
  /* A PIN to show or compare; none for the other ceremonies. */
  if (k != DevicePairingKinds_DisplayPin && k != DevicePairingKinds_ConfirmPinMatch) {
    *value = NULL;
    return S_OK;
  }
  WCHAR w[7] = {0};
  for (int i = 0; i < 6 && RQ(This)->pin_shown[i]; i++) w[i] = (WCHAR)RQ(This)->pin_shown[i];
  *value = sim_hstring(w);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rq_Accept(IDevicePairingRequestedEventArgs *This) {
  SIM_ENTER();
  InterlockedExchange(&RQ(This)->accepted, 1);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rq_AcceptWithPin(IDevicePairingRequestedEventArgs *This, HSTRING pin) {
  SIM_ENTER();
  UINT32 n = 0;
  const WCHAR *s = WindowsGetStringRawBuffer(pin, &n);
  request *q = RQ(This);
  if (n == 0 || n >= sizeof q->pin_entered) return E_INVALIDARG;
  for (UINT32 i = 0; i < n; i++) q->pin_entered[i] = s[i] < 0x80 ? (char)s[i] : '?';
  q->pin_entered[n] = '\0';
  InterlockedExchange(&q->accepted, 1);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE rq_GetDeferral(IDevicePairingRequestedEventArgs *This, IDeferral **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  request *q = RQ(This);
  deferral *df = sim_obj_new(&deferral_class, sizeof *df);
  if (!df) return E_OUTOFMEMORY;
  df->d.lpVtbl = (IDeferralVtbl *)&df_vt.v;
  df->closable.lpVtbl = (IClosableVtbl *)&df_close_vt.v;
  df->q = q;
  InterlockedIncrement(&q->holds);
  *result = &df->d;
  return S_OK;
}
SIM_VTABLE(IDevicePairingRequestedEventArgsVtbl, rq_vt) = {
    offsetof(request, a),
    {SIM_INSPECTABLE_SLOTS, .get_DeviceInformation = rq_get_DeviceInformation,
     .get_PairingKind = rq_get_PairingKind, .get_Pin = rq_get_Pin, .Accept = rq_Accept,
     .AcceptWithPin = rq_AcceptWithPin, .GetDeferral = rq_GetDeferral}};

/* ==== DeviceInformationCustomPairing ======================================================================= */

typedef struct custom {
  sim_obj obj;
  IDeviceInformationCustomPairing c;
  sim_dev *dev;
  sim_event requested;
} custom;

static void custom_destroy(sim_obj *o) { sim_event_clear(&((custom *)o)->requested); }
static const sim_itf custom_itfs[] = {{&IID_IDeviceInformationCustomPairing, offsetof(custom, c)}, {NULL, 0}};
static const sim_class custom_class = {L"Windows.Devices.Enumeration.DeviceInformationCustomPairing", custom_itfs,
                                       custom_destroy};
#define CU(This) ((custom *)sim_obj_from(This))

typedef struct custom_job {
  custom *cu;
  sim_async *op;
  DevicePairingKinds kinds;
  DevicePairingProtectionLevel level;
} custom_job;

/*
 * The ceremony Windows runs: chosen by the pairing method the two sides' IO capabilities
 * give (Core spec Vol 3 Part H 2.3.5.1; Windows with custom pairing takes the part of a
 * KeyboardDisplay device), from the world peripheral's `pairing-io`, whatever level was
 * asked (the level only decides whether the result is good enough). A ceremony the caller
 * did not list ends the pairing (0). `pin` gets the passkey for the ceremonies that show it.
 */
static DevicePairingKinds ceremony(sim_dev *dev, DevicePairingKinds kinds, char pin[7]) {
  blec_world *w = sim_world_ref();
  blec_world_peripheral *p = NULL;
  char passkey[7] = "";
  blec_world_pairing_io io = BLEC_WORLD_PAIRING_IO_NO_INPUT_NO_OUTPUT;
  if (w && blec_world_find_peripheral(w, sim_dev_address_text(dev), &p) == BLEC_OK && p)
    io = blec__world_peripheral_pairing_io(p, passkey);
  if (w) blec_world_unref(w);
  DevicePairingKinds k;
  switch (io) {
  case BLEC_WORLD_PAIRING_IO_DISPLAY_ONLY: k = DevicePairingKinds_ProvidePin; break;    /* it shows, we type */
  case BLEC_WORLD_PAIRING_IO_DISPLAY_YES_NO: k = DevicePairingKinds_ConfirmPinMatch; break; /* both show */
  case BLEC_WORLD_PAIRING_IO_KEYBOARD_ONLY: k = DevicePairingKinds_DisplayPin; break;    /* we show, it types */
  default: k = DevicePairingKinds_ConfirmOnly; break;                                  /* Just Works */
  }
  snprintf(pin, 7, "%s", (k == DevicePairingKinds_DisplayPin || k == DevicePairingKinds_ConfirmPinMatch) ? passkey : "");
  return (kinds & k) ? k : DevicePairingKinds_None;
}

static void custom_work(void *ctx) {
  custom_job *j = ctx;
  custom *cu = j->cu;
  if (sim_dev_paired(cu->dev)) {
    int b = sim_dev_bond_level(cu->dev);
    complete_pairing(j->op, DevicePairingResultStatus_AlreadyPaired, (DevicePairingProtectionLevel)(b > 0 ? b : 2));
  } else if (sim_event_count(&cu->requested) == 0) {
    complete_pairing(j->op, DevicePairingResultStatus_RequiredHandlerNotRegistered, DevicePairingProtectionLevel_None);
  } else {
    char shown[7];
    DevicePairingKinds k = ceremony(cu->dev, j->kinds, shown);
    request *q = k ? sim_obj_new(&request_class, sizeof *q) : NULL;
    if (!k) {
      complete_pairing(j->op, DevicePairingResultStatus_NoSupportedProfiles, DevicePairingProtectionLevel_None);
    } else if (!q) {
      sim_async_fail(j->op, E_OUTOFMEMORY);
    } else {
      q->a.lpVtbl = (IDevicePairingRequestedEventArgsVtbl *)&rq_vt.v;
      q->op = j->op;
      SIM_ASYNC_ADDREF(j->op);
      q->dev = cu->dev;
      q->kind = k;
      q->level = j->level;
      memcpy(q->pin_shown, shown, sizeof q->pin_shown);
      q->holds = 1;
      sim_AddRef(&q->a); /* for the holds */
      sim_event_fire(&cu->requested, &cu->c, &q->a);
      request_release_hold(q); /* the handlers returned */
      sim_Release(&q->a);
    }
  }
  SIM_ASYNC_RELEASE(j->op);
  sim_Release(&cu->c);
  free(j);
}

typedef __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDevicePairingResult PairOp;

static HRESULT custom_pair(custom *cu, DevicePairingKinds kinds, DevicePairingProtectionLevel level, PairOp **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (level < DevicePairingProtectionLevel_Default || level > DevicePairingProtectionLevel_EncryptionAndAuthentication)
    return E_INVALIDARG;
  custom_job *j = malloc(sizeof *j);
  sim_async *op = sim_async_new(&sim_at_pairing_result);
  if (!j || !op) {
    free(j);
    if (op) SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  j->cu = cu;
  sim_AddRef(&cu->c);
  j->op = op;
  SIM_ASYNC_ADDREF(op);
  j->kinds = kinds;
  j->level = level;
  sim_work_post(custom_work, j);
  *result = sim_async_itf(op);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE cu_PairAsync(IDeviceInformationCustomPairing *This, DevicePairingKinds kinds,
                                              PairOp **result) {
  SIM_ENTER();
  return custom_pair(CU(This), kinds, DevicePairingProtectionLevel_Default, result);
}
static HRESULT STDMETHODCALLTYPE cu_PairWithProtectionLevelAsync(IDeviceInformationCustomPairing *This,
                                                                 DevicePairingKinds kinds,
                                                                 DevicePairingProtectionLevel level, PairOp **result) {
  SIM_ENTER();
  return custom_pair(CU(This), kinds, level, result);
}
static HRESULT STDMETHODCALLTYPE cu_PairWithProtectionLevelAndSettingsAsync(IDeviceInformationCustomPairing *This,
                                                                            DevicePairingKinds kinds,
                                                                            DevicePairingProtectionLevel level,
                                                                            IDevicePairingSettings *settings,
                                                                            PairOp **result) {
  SIM_ENTER();
  (void)settings;
  return custom_pair(CU(This), kinds, level, result);
}
static HRESULT STDMETHODCALLTYPE cu_add_PairingRequested(
    IDeviceInformationCustomPairing *This,
    __FITypedEventHandler_2_Windows__CDevices__CEnumeration__CDeviceInformationCustomPairing_Windows__CDevices__CEnumeration__CDevicePairingRequestedEventArgs
        *handler,
    EventRegistrationToken *token) {
  SIM_ENTER();
  return sim_event_add(&CU(This)->requested, handler, token);
}
static HRESULT STDMETHODCALLTYPE cu_remove_PairingRequested(IDeviceInformationCustomPairing *This,
                                                            EventRegistrationToken token) {
  SIM_ENTER();
  return sim_event_remove(&CU(This)->requested, token);
}
SIM_VTABLE(IDeviceInformationCustomPairingVtbl, cu_vt) = {
    offsetof(custom, c),
    {SIM_INSPECTABLE_SLOTS, .PairAsync = cu_PairAsync, .PairWithProtectionLevelAsync = cu_PairWithProtectionLevelAsync,
     .PairWithProtectionLevelAndSettingsAsync = cu_PairWithProtectionLevelAndSettingsAsync,
     .add_PairingRequested = cu_add_PairingRequested, .remove_PairingRequested = cu_remove_PairingRequested}};

/* ==== DeviceInformationPairing ======================================================================= */

typedef struct pairing {
  sim_obj obj;
  IDeviceInformationPairing p;
  IDeviceInformationPairing2 p2;
  sim_dev *dev;
} pairing;

static const sim_itf pairing_itfs[] = {{&IID_IDeviceInformationPairing, offsetof(pairing, p)},
                                       {&IID_IDeviceInformationPairing2, offsetof(pairing, p2)},
                                       {NULL, 0}};
static const sim_class pairing_class = {L"Windows.Devices.Enumeration.DeviceInformationPairing", pairing_itfs, NULL};
#define PA(This) ((pairing *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE pa_get_IsPaired(IDeviceInformationPairing *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_dev_paired(PA(This)->dev);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pa_get_CanPair(IDeviceInformationPairing *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = !sim_dev_paired(PA(This)->dev);
  return S_OK;
}

typedef struct plain_job {
  sim_async *op;
  sim_dev *dev;
  DevicePairingProtectionLevel level;
} plain_job;

static void plain_work(void *ctx) {
  plain_job *j = ctx;
  if (sim_dev_paired(j->dev)) {
    int b = sim_dev_bond_level(j->dev);
    complete_pairing(j->op, DevicePairingResultStatus_AlreadyPaired, (DevicePairingProtectionLevel)(b > 0 ? b : 2));
  } else {
    start_pair(j->op, j->dev, j->level, NULL);
  }
  SIM_ASYNC_RELEASE(j->op);
  free(j);
}

static HRESULT plain_pair(pairing *pa, DevicePairingProtectionLevel level, PairOp **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (level < DevicePairingProtectionLevel_Default || level > DevicePairingProtectionLevel_EncryptionAndAuthentication)
    return E_INVALIDARG;
  plain_job *j = malloc(sizeof *j);
  sim_async *op = sim_async_new(&sim_at_pairing_result);
  if (!j || !op) {
    free(j);
    if (op) SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  j->op = op;
  SIM_ASYNC_ADDREF(op);
  j->dev = pa->dev;
  j->level = level;
  sim_work_post(plain_work, j);
  *result = sim_async_itf(op);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE pa_PairAsync(IDeviceInformationPairing *This, PairOp **result) {
  SIM_ENTER();
  return plain_pair(PA(This), DevicePairingProtectionLevel_Default, result);
}
static HRESULT STDMETHODCALLTYPE pa_PairWithProtectionLevelAsync(IDeviceInformationPairing *This,
                                                                 DevicePairingProtectionLevel level, PairOp **result) {
  SIM_ENTER();
  return plain_pair(PA(This), level, result);
}
SIM_VTABLE(IDeviceInformationPairingVtbl, pa_vt) = {
    offsetof(pairing, p),
    {SIM_INSPECTABLE_SLOTS, .get_IsPaired = pa_get_IsPaired, .get_CanPair = pa_get_CanPair,
     .PairAsync = pa_PairAsync, .PairWithProtectionLevelAsync = pa_PairWithProtectionLevelAsync}};

static HRESULT STDMETHODCALLTYPE pa2_get_ProtectionLevel(IDeviceInformationPairing2 *This,
                                                         DevicePairingProtectionLevel *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  int b = sim_dev_bond_level(PA(This)->dev);
  *value = b > 0 ? (DevicePairingProtectionLevel)b : DevicePairingProtectionLevel_None;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pa2_get_Custom(IDeviceInformationPairing2 *This, IDeviceInformationCustomPairing **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  custom *cu = sim_obj_new(&custom_class, sizeof *cu);
  if (!cu) return E_OUTOFMEMORY;
  cu->c.lpVtbl = (IDeviceInformationCustomPairingVtbl *)&cu_vt.v;
  cu->dev = PA(This)->dev;
  sim_event_init(&cu->requested);
  *value = &cu->c;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pa2_PairWithProtectionLevelAndSettingsAsync(IDeviceInformationPairing2 *This,
                                                                             DevicePairingProtectionLevel level,
                                                                             IDevicePairingSettings *settings,
                                                                             PairOp **result) {
  SIM_ENTER();
  (void)settings;
  return plain_pair(PA(This), level, result);
}

typedef struct unpair_job {
  sim_async *op;
} unpair_job;

static void unpair_done(void *ctx, int status) {
  unpair_job *j = ctx;
  pair_result *r = result_new(true, status == BLEC_OK ? DeviceUnpairingResultStatus_Unpaired
                                                      : DeviceUnpairingResultStatus_Failed,
                              DevicePairingProtectionLevel_None);
  if (r) {
    sim_async_complete_obj(j->op, &r->r);
    sim_Release(&r->r);
  } else {
    sim_async_fail(j->op, E_OUTOFMEMORY);
  }
  SIM_ASYNC_RELEASE(j->op);
  free(j);
}

static HRESULT STDMETHODCALLTYPE pa2_UnpairAsync(
    IDeviceInformationPairing2 *This, __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceUnpairingResult **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_async *op = sim_async_new(&sim_at_unpairing_result);
  if (!op) return E_OUTOFMEMORY;
  if (!sim_dev_paired(PA(This)->dev)) {
    pair_result *r = result_new(true, DeviceUnpairingResultStatus_AlreadyUnpaired, DevicePairingProtectionLevel_None);
    if (!r) {
      SIM_ASYNC_RELEASE(op);
      return E_OUTOFMEMORY;
    }
    sim_async_post_obj(op, &r->r);
    sim_Release(&r->r);
  } else {
    unpair_job *j = malloc(sizeof *j);
    if (!j) {
      SIM_ASYNC_RELEASE(op);
      return E_OUTOFMEMORY;
    }
    j->op = op;
    SIM_ASYNC_ADDREF(op);
    sim_dev_unpair(PA(This)->dev, unpair_done, j);
  }
  *result = sim_async_itf(op);
  return S_OK;
}
SIM_VTABLE(IDeviceInformationPairing2Vtbl, pa2_vt) = {
    offsetof(pairing, p2),
    {SIM_INSPECTABLE_SLOTS, .get_ProtectionLevel = pa2_get_ProtectionLevel, .get_Custom = pa2_get_Custom,
     .PairWithProtectionLevelAndSettingsAsync = pa2_PairWithProtectionLevelAndSettingsAsync,
     .UnpairAsync = pa2_UnpairAsync}};

/* ==== DeviceInformation ================================================================================= */

typedef struct devinfo {
  sim_obj obj;
  IDeviceInformation i;
  IDeviceInformation2 i2;
  sim_dev *dev;
} devinfo;

static const sim_itf devinfo_itfs[] = {{&IID_IDeviceInformation, offsetof(devinfo, i)},
                                       {&IID_IDeviceInformation2, offsetof(devinfo, i2)},
                                       {NULL, 0}};
static const sim_class devinfo_class = {L"Windows.Devices.Enumeration.DeviceInformation", devinfo_itfs, NULL};
#define DI(This) ((devinfo *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE di_get_Id(IDeviceInformation *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_dev_id(DI(This)->dev);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_Name(IDeviceInformation *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  char *n = sim_dev_name(DI(This)->dev);
  *value = sim_hstring_utf8(n);
  free(n);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_IsEnabled(IDeviceInformation *This, boolean *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = TRUE;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_IsDefault(IDeviceInformation *This, boolean *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = FALSE;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_EnclosureLocation(IDeviceInformation *This, IEnclosureLocation **value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = NULL;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_get_Properties(IDeviceInformation *This, __FIMapView_2_HSTRING_IInspectable **value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = NULL;
  return E_NOTIMPL; /* device properties are not simulated */
}
static HRESULT STDMETHODCALLTYPE di_Update(IDeviceInformation *This, IDeviceInformationUpdate *update) {
  SIM_ENTER();
  (void)This;
  (void)update;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di_GetThumbnailAsync(
    IDeviceInformation *This, __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceThumbnail **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  return E_NOTIMPL;
}
SIM_VTABLE(IDeviceInformationVtbl, di_vt) = {
    offsetof(devinfo, i),
    {SIM_INSPECTABLE_SLOTS, .get_Id = di_get_Id, .get_Name = di_get_Name, .get_IsEnabled = di_get_IsEnabled,
     .get_IsDefault = di_get_IsDefault, .get_EnclosureLocation = di_get_EnclosureLocation,
     .get_Properties = di_get_Properties, .Update = di_Update, .GetThumbnailAsync = di_GetThumbnailAsync,
     .GetGlyphThumbnailAsync = di_GetThumbnailAsync}};

static HRESULT STDMETHODCALLTYPE di2_get_Kind(IDeviceInformation2 *This, DeviceInformationKind *value) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(value);
  *value = DeviceInformationKind_AssociationEndpoint;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE di2_get_Pairing(IDeviceInformation2 *This, IDeviceInformationPairing **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = NULL;
  pairing *pa = sim_obj_new(&pairing_class, sizeof *pa);
  if (!pa) return E_OUTOFMEMORY;
  pa->p.lpVtbl = (IDeviceInformationPairingVtbl *)&pa_vt.v;
  pa->p2.lpVtbl = (IDeviceInformationPairing2Vtbl *)&pa2_vt.v;
  pa->dev = DI(This)->dev;
  *value = &pa->p;
  return S_OK;
}
SIM_VTABLE(IDeviceInformation2Vtbl, di2_vt) = {
    offsetof(devinfo, i2), {SIM_INSPECTABLE_SLOTS, .get_Kind = di2_get_Kind, .get_Pairing = di2_get_Pairing}};

HRESULT sim_device_information_new(sim_dev *d, IDeviceInformation **out) {
  devinfo *di = sim_obj_new(&devinfo_class, sizeof *di);
  if (!di) return E_OUTOFMEMORY;
  di->i.lpVtbl = (IDeviceInformationVtbl *)&di_vt.v;
  di->i2.lpVtbl = (IDeviceInformation2Vtbl *)&di2_vt.v;
  di->dev = d;
  *out = &di->i;
  return S_OK;
}

/* ---- statics: CreateFromIdAsync for the stack's device ids; enumeration is not simulated ---------- */

typedef __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceInformation InfoOp;
typedef __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceInformationCollection CollectionOp;

static HRESULT info_op(HSTRING id, InfoOp **result) {
  SIM_CHECK_OUT(result);
  *result = NULL;
  sim_dev *d = sim_dev_from_id(id);
  sim_async *op = sim_async_new(&sim_at_device_information);
  if (!op) return E_OUTOFMEMORY;
  IDeviceInformation *di = NULL;
  if (d && FAILED(sim_device_information_new(d, &di))) {
    SIM_ASYNC_RELEASE(op);
    return E_OUTOFMEMORY;
  }
  if (di)
    sim_async_post_obj(op, di);
  else
    sim_async_post_fail(op, SIM_E_NOT_FOUND);
  sim_release_any(di);
  *result = sim_async_itf(op);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE dis_CreateFromIdAsync(IDeviceInformationStatics *This, HSTRING id, InfoOp **result) {
  SIM_ENTER();
  (void)This;
  return info_op(id, result);
}
static HRESULT STDMETHODCALLTYPE dis_CreateFromIdAsyncAdditionalProperties(IDeviceInformationStatics *This, HSTRING id,
                                                                           __FIIterable_1_HSTRING *props,
                                                                           InfoOp **result) {
  SIM_ENTER();
  (void)This;
  (void)props;
  return info_op(id, result);
}
#define NOT_SIMULATED(result)                                                              \
  do {                                                                                     \
    SIM_CHECK_OUT(result);                                                                 \
    *(result) = NULL;                                                                      \
    return E_NOTIMPL;                                                                      \
  } while (0)
static HRESULT STDMETHODCALLTYPE dis_FindAllAsync(IDeviceInformationStatics *This, CollectionOp **result) {
  SIM_ENTER();
  (void)This;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_FindAllAsyncDeviceClass(IDeviceInformationStatics *This, DeviceClass c,
                                                             CollectionOp **result) {
  SIM_ENTER();
  (void)This;
  (void)c;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_FindAllAsyncAqsFilter(IDeviceInformationStatics *This, HSTRING f,
                                                           CollectionOp **result) {
  SIM_ENTER();
  (void)This;
  (void)f;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_FindAllAsyncAqsFilterAndAdditionalProperties(IDeviceInformationStatics *This,
                                                                                  HSTRING f, __FIIterable_1_HSTRING *p,
                                                                                  CollectionOp **result) {
  SIM_ENTER();
  (void)This;
  (void)f;
  (void)p;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_CreateWatcher(IDeviceInformationStatics *This, IDeviceWatcher **result) {
  SIM_ENTER();
  (void)This;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_CreateWatcherDeviceClass(IDeviceInformationStatics *This, DeviceClass c,
                                                              IDeviceWatcher **result) {
  SIM_ENTER();
  (void)This;
  (void)c;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_CreateWatcherAqsFilter(IDeviceInformationStatics *This, HSTRING f,
                                                            IDeviceWatcher **result) {
  SIM_ENTER();
  (void)This;
  (void)f;
  NOT_SIMULATED(result);
}
static HRESULT STDMETHODCALLTYPE dis_CreateWatcherAqsFilterAndAdditionalProperties(IDeviceInformationStatics *This,
                                                                                   HSTRING f, __FIIterable_1_HSTRING *p,
                                                                                   IDeviceWatcher **result) {
  SIM_ENTER();
  (void)This;
  (void)f;
  (void)p;
  NOT_SIMULATED(result);
}
SIM_VTABLE(IDeviceInformationStaticsVtbl, dis_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .CreateFromIdAsync = dis_CreateFromIdAsync,
     .CreateFromIdAsyncAdditionalProperties = dis_CreateFromIdAsyncAdditionalProperties,
     .FindAllAsync = dis_FindAllAsync, .FindAllAsyncDeviceClass = dis_FindAllAsyncDeviceClass,
     .FindAllAsyncAqsFilter = dis_FindAllAsyncAqsFilter,
     .FindAllAsyncAqsFilterAndAdditionalProperties = dis_FindAllAsyncAqsFilterAndAdditionalProperties,
     .CreateWatcher = dis_CreateWatcher, .CreateWatcherDeviceClass = dis_CreateWatcherDeviceClass,
     .CreateWatcherAqsFilter = dis_CreateWatcherAqsFilter,
     .CreateWatcherAqsFilterAndAdditionalProperties = dis_CreateWatcherAqsFilterAndAdditionalProperties}};

const sim_factory_desc sim_device_information_factory = {L"Windows.Devices.Enumeration.DeviceInformation",
                                                         NULL,
                                                         {{&IID_IDeviceInformationStatics, &dis_vt.v}}};
