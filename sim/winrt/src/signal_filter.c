/* SPDX-License-Identifier: MIT */
/*
 * signal_filter.c — Windows.Devices.Bluetooth.BluetoothSignalStrengthFilter: four nullable
 * settings (IReference<Int16> thresholds, IReference<TimeSpan> timeout and interval), kept
 * as the caller's boxes. The watcher reads them when it starts (adv_filter.c).
 */
#include "sim.h"

#include "advertisement.h"

typedef struct ssf {
  sim_obj obj;
  IBluetoothSignalStrengthFilter f;
  SRWLOCK lock;
  IReference_INT16 *in_range, *out_of_range;
  IReference_TimeSpan *timeout, *sampling;
} ssf;

static void ssf_destroy(sim_obj *o) {
  ssf *s = (ssf *)o;
  sim_release_any(s->in_range);
  sim_release_any(s->out_of_range);
  sim_release_any(s->timeout);
  sim_release_any(s->sampling);
}
static const sim_itf ssf_itfs[] = {{&IID_IBluetoothSignalStrengthFilter, offsetof(ssf, f)}, {NULL, 0}};
static const sim_class ssf_class = {L"Windows.Devices.Bluetooth.BluetoothSignalStrengthFilter", ssf_itfs,
                                    ssf_destroy};

static HRESULT get_ref(ssf *s, void *slot, void **value) {
  SIM_CHECK_OUT(value);
  AcquireSRWLockShared(&s->lock);
  *value = *(void **)slot;
  sim_addref_any(*value);
  ReleaseSRWLockShared(&s->lock);
  return S_OK;
}

static HRESULT put_ref(ssf *s, void *slot, void *value) {
  sim_addref_any(value);
  AcquireSRWLockExclusive(&s->lock);
  void *old = *(void **)slot;
  *(void **)slot = value;
  ReleaseSRWLockExclusive(&s->lock);
  sim_release_any(old);
  return S_OK;
}

#define SSF(This) ((ssf *)sim_obj_from(This))
#define SSF_PROP(Name, field, T)                                                                 \
  static HRESULT STDMETHODCALLTYPE ssf_get_##Name(IBluetoothSignalStrengthFilter *This, T **value) { \
    SIM_ENTER();                                                                                  \
    return get_ref(SSF(This), &SSF(This)->field, (void **)value);                                 \
  }                                                                                               \
  static HRESULT STDMETHODCALLTYPE ssf_put_##Name(IBluetoothSignalStrengthFilter *This, T *value) { \
    SIM_ENTER();                                                                                  \
    return put_ref(SSF(This), &SSF(This)->field, value);                                          \
  }
SSF_PROP(InRangeThresholdInDBm, in_range, IReference_INT16)
SSF_PROP(OutOfRangeThresholdInDBm, out_of_range, IReference_INT16)
SSF_PROP(OutOfRangeTimeout, timeout, IReference_TimeSpan)
SSF_PROP(SamplingInterval, sampling, IReference_TimeSpan)

SIM_VTABLE(IBluetoothSignalStrengthFilterVtbl, ssf_vt) = {
    offsetof(ssf, f),
    {SIM_INSPECTABLE_SLOTS, .get_InRangeThresholdInDBm = ssf_get_InRangeThresholdInDBm,
     .put_InRangeThresholdInDBm = ssf_put_InRangeThresholdInDBm,
     .get_OutOfRangeThresholdInDBm = ssf_get_OutOfRangeThresholdInDBm,
     .put_OutOfRangeThresholdInDBm = ssf_put_OutOfRangeThresholdInDBm,
     .get_OutOfRangeTimeout = ssf_get_OutOfRangeTimeout, .put_OutOfRangeTimeout = ssf_put_OutOfRangeTimeout,
     .get_SamplingInterval = ssf_get_SamplingInterval, .put_SamplingInterval = ssf_put_SamplingInterval}};

HRESULT sim_signal_filter_new(IBluetoothSignalStrengthFilter **out) {
  ssf *s = sim_obj_new(&ssf_class, sizeof *s);
  if (!s) return E_OUTOFMEMORY;
  s->f.lpVtbl = (IBluetoothSignalStrengthFilterVtbl *)&ssf_vt.v;
  InitializeSRWLock(&s->lock);
  *out = &s->f;
  return S_OK;
}

static HRESULT ssf_activate(IInspectable **out) {
  return sim_signal_filter_new((IBluetoothSignalStrengthFilter **)out);
}

const sim_factory_desc sim_signal_filter_factory = {L"Windows.Devices.Bluetooth.BluetoothSignalStrengthFilter",
                                                    ssf_activate,
                                                    {{NULL, NULL}}};
