/* SPDX-License-Identifier: MIT */
/*
 * winrt_scan_filter.c — the scan options' Windows filters put on the watcher, as bleak's
 * SignalStrengthFilter / AdvertisementFilter keywords do, so that Windows drops what is
 * not wanted before it reaches the program:
 *
 *  - BluetoothSignalStrengthFilter: in-range / out-of-range thresholds, out-of-range
 *    timeout, sampling interval (clamped to the ranges Windows accepts: −127…+20 dBm,
 *    1–60 s; the core applies the exact values to what Windows lets through);
 *  - BluetoothLEAdvertisementFilter: local name, service UUIDs and manufacturer data on
 *    its Advertisement; data sections (type + prefix) and byte patterns as BytePatterns.
 *
 * Windows filters each packet; the core filters the merged advertisement again, so the
 * program sees the stricter of both. Windows ORs its byte patterns; the core ANDs the
 * conditions, as blec's documentation says.
 *
 * The nullable properties take IReference<T> boxes, made here (IReference<Int16> and
 * IReference<TimeSpan>, agile, read through get_Value).
 */
#include <stdlib.h>

#include "backends/winrt/winrt_backend.h"
#include "core/core.h" /* blec_scan_options */

/* ---- IReference<T> boxes ----------------------------------------------------------------------- */

typedef struct box {
  const void *vtbl;
  LONG refs;
  const IID *iid;
  const WCHAR *class_name;
  union {
    INT16 i16;
    TimeSpan ts;
  } v;
} box;

static HRESULT STDMETHODCALLTYPE box_QueryInterface(box *b, REFIID riid, void **out) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IInspectable) || IsEqualIID(riid, &IID_IAgileObject) ||
      IsEqualIID(riid, b->iid)) {
    InterlockedIncrement(&b->refs);
    *out = b;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE box_AddRef(box *b) { return (ULONG)InterlockedIncrement(&b->refs); }
static ULONG STDMETHODCALLTYPE box_Release(box *b) {
  LONG r = InterlockedDecrement(&b->refs);
  if (r == 0) free(b);
  return (ULONG)r;
}
static HRESULT STDMETHODCALLTYPE box_GetIids(box *b, ULONG *count, IID **iids) {
  *iids = CoTaskMemAlloc(sizeof **iids);
  if (!*iids) return E_OUTOFMEMORY;
  **iids = *b->iid;
  *count = 1;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_GetRuntimeClassName(box *b, HSTRING *name) {
  return WindowsCreateString(b->class_name, (UINT32)wcslen(b->class_name), name);
}
static HRESULT STDMETHODCALLTYPE box_GetTrustLevel(box *b, TrustLevel *level) {
  (void)b;
  *level = BaseTrust;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_get_i16(box *b, INT16 *value) {
  *value = b->v.i16;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE box_get_ts(box *b, TimeSpan *value) {
  *value = b->v.ts;
  return S_OK;
}

#define BOX_SLOTS                                                       \
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(box *, REFIID, void **);   \
  ULONG(STDMETHODCALLTYPE *AddRef)(box *);                              \
  ULONG(STDMETHODCALLTYPE *Release)(box *);                             \
  HRESULT(STDMETHODCALLTYPE *GetIids)(box *, ULONG *, IID **);          \
  HRESULT(STDMETHODCALLTYPE *GetRuntimeClassName)(box *, HSTRING *);    \
  HRESULT(STDMETHODCALLTYPE *GetTrustLevel)(box *, TrustLevel *);
static const struct {
  BOX_SLOTS
  HRESULT(STDMETHODCALLTYPE *get_Value)(box *, INT16 *);
} i16_vtbl = {box_QueryInterface, box_AddRef, box_Release, box_GetIids, box_GetRuntimeClassName, box_GetTrustLevel,
              box_get_i16};
static const struct {
  BOX_SLOTS
  HRESULT(STDMETHODCALLTYPE *get_Value)(box *, TimeSpan *);
} ts_vtbl = {box_QueryInterface, box_AddRef, box_Release, box_GetIids, box_GetRuntimeClassName, box_GetTrustLevel,
             box_get_ts};

static box *box_new(const void *vtbl, const IID *iid, const WCHAR *name) {
  box *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->vtbl = vtbl;
  b->refs = 1;
  b->iid = iid;
  b->class_name = name;
  return b;
}

static __FIReference_1_INT16 *box_i16(INT16 v) {
  box *b = box_new(&i16_vtbl, &IID___FIReference_1_INT16, L"Windows.Foundation.IReference`1<Int16>");
  if (b) b->v.i16 = v;
  return (__FIReference_1_INT16 *)b;
}

static __FIReference_1_TimeSpan *box_ms(int ms) {
  box *b = box_new(&ts_vtbl, &IID___FIReference_1_TimeSpan,
                   L"Windows.Foundation.IReference`1<Windows.Foundation.TimeSpan>");
  if (b) b->v.ts.Duration = (INT64)ms * 10000; /* 100 ns units */
  return (__FIReference_1_TimeSpan *)b;
}

/* ---- signal-strength filter ------------------------------------------------------------------------ */

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static HRESULT set_i16(wr_ctx *w, IBluetoothSignalStrengthFilter *f, bool in_range, int dbm) {
  __FIReference_1_INT16 *r = box_i16((INT16)clamp(dbm, -127, 20));
  if (!r) return E_OUTOFMEMORY;
  HRESULT hr = in_range ? IBluetoothSignalStrengthFilter_put_InRangeThresholdInDBm(f, r)
                        : IBluetoothSignalStrengthFilter_put_OutOfRangeThresholdInDBm(f, r);
  __FIReference_1_INT16_Release(r);
  return wr_hr(w, hr, in_range ? "SignalStrengthFilter.InRangeThresholdInDBm" : "SignalStrengthFilter.OutOfRangeThresholdInDBm");
}

static HRESULT set_span(wr_ctx *w, IBluetoothSignalStrengthFilter *f, bool timeout, int ms) {
  __FIReference_1_TimeSpan *r = box_ms(ms);
  if (!r) return E_OUTOFMEMORY;
  HRESULT hr = timeout ? IBluetoothSignalStrengthFilter_put_OutOfRangeTimeout(f, r)
                       : IBluetoothSignalStrengthFilter_put_SamplingInterval(f, r);
  __FIReference_1_TimeSpan_Release(r);
  return wr_hr(w, hr, timeout ? "SignalStrengthFilter.OutOfRangeTimeout" : "SignalStrengthFilter.SamplingInterval");
}

static HRESULT signal_filter(wr_ctx *w, IBluetoothLEAdvertisementWatcher *watcher, const blec_scan_options *o) {
  bool in = o->in_range_dbm != INT16_MIN, out = o->out_of_range_dbm != INT16_MIN;
  if (!in && !out && o->sampling_interval_ms <= 0) return S_OK;
  IBluetoothSignalStrengthFilter *f = NULL;
  HRESULT hr = wr_activate(w, WR_SIGNAL_FILTER_ACTIVATION, &IID_IBluetoothSignalStrengthFilter, (void **)&f);
  if (SUCCEEDED(hr) && in) hr = set_i16(w, f, true, o->in_range_dbm);
  if (SUCCEEDED(hr) && out) hr = set_i16(w, f, false, o->out_of_range_dbm);
  /* Windows accepts 1–60 s; a shorter timeout is enforced by the core on what arrives. */
  if (SUCCEEDED(hr) && out && o->out_of_range_timeout_ms > 0)
    hr = set_span(w, f, true, clamp(o->out_of_range_timeout_ms, 1000, 60000));
  if (SUCCEEDED(hr) && o->sampling_interval_ms > 0) hr = set_span(w, f, false, o->sampling_interval_ms);
  if (SUCCEEDED(hr))
    hr = wr_hr(w, IBluetoothLEAdvertisementWatcher_put_SignalStrengthFilter(watcher, f), "Watcher.SignalStrengthFilter");
  if (f) IBluetoothSignalStrengthFilter_Release(f);
  if (SUCCEEDED(hr))
    wr_log(w, BLEC_LOG_DEBUG, "signal-strength filter: in %d dBm, out %d dBm, timeout %d ms, sampling %d ms",
           o->in_range_dbm, o->out_of_range_dbm, o->out_of_range_timeout_ms, o->sampling_interval_ms);
  return hr;
}

/* ---- advertisement filter ------------------------------------------------------------------------------ */

typedef __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData ManufacturerVector;
typedef __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern PatternVector;

static HRESULT add_services(wr_ctx *w, IBluetoothLEAdvertisement *adv, const blec_scan_options *o) {
  if (!o->nfilter_services) return S_OK;
  __FIVector_1_GUID *v = NULL;
  HRESULT hr = wr_hr(w, IBluetoothLEAdvertisement_get_ServiceUuids(adv, &v), "Advertisement.ServiceUuids");
  for (size_t i = 0; SUCCEEDED(hr) && i < o->nfilter_services; i++) {
    GUID g = wr_guid_from_uuid(&o->filter_services[i]);
    hr = wr_hr(w, __FIVector_1_GUID_Append(v, g), "ServiceUuids.Append");
  }
  if (v) __FIVector_1_GUID_Release(v);
  return hr;
}

static HRESULT add_manufacturer(wr_ctx *w, IBluetoothLEAdvertisement *adv, const blec__byte_filter *f) {
  IBluetoothLEManufacturerDataFactory *mf = NULL;
  IBuffer *b = NULL;
  IBluetoothLEManufacturerData *md = NULL;
  ManufacturerVector *v = NULL;
  HRESULT hr = wr_statics(w, WR_MANUFACTURER_FACTORY, (void **)&mf);
  if (SUCCEEDED(hr)) hr = wr_buffer_new(w, f->data, (UINT32)f->len, &b);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IBluetoothLEManufacturerDataFactory_Create(mf, f->company, b, &md), "ManufacturerData(company, data)");
  if (SUCCEEDED(hr)) hr = wr_hr(w, IBluetoothLEAdvertisement_get_ManufacturerData(adv, &v), "Advertisement.ManufacturerData");
  if (SUCCEEDED(hr))
    hr = wr_hr(w, __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_Append(v, md),
               "ManufacturerData.Append");
  if (v) __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData_Release(v);
  if (md) IBluetoothLEManufacturerData_Release(md);
  if (b) IBuffer_Release(b);
  if (mf) IBluetoothLEManufacturerDataFactory_Release(mf);
  return hr;
}

/* A data section (type + prefix) is the byte pattern at offset 0. */
static HRESULT add_pattern(wr_ctx *w, IBluetoothLEAdvertisementFilter *af, const blec__byte_filter *f) {
  IBluetoothLEAdvertisementBytePatternFactory *pf = NULL;
  IBuffer *b = NULL;
  IBluetoothLEAdvertisementBytePattern *p = NULL;
  PatternVector *v = NULL;
  INT16 offset = (INT16)(f->offset < 0 ? 0 : f->offset);
  HRESULT hr = wr_statics(w, WR_BYTE_PATTERN_FACTORY, (void **)&pf);
  if (SUCCEEDED(hr)) hr = wr_buffer_new(w, f->data, (UINT32)f->len, &b);
  if (SUCCEEDED(hr))
    hr = wr_hr(w, IBluetoothLEAdvertisementBytePatternFactory_Create(pf, f->ad_type, offset, b, &p), "BytePattern(type, offset, data)");
  if (SUCCEEDED(hr)) hr = wr_hr(w, IBluetoothLEAdvertisementFilter_get_BytePatterns(af, &v), "Filter.BytePatterns");
  if (SUCCEEDED(hr))
    hr = wr_hr(w, __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern_Append(v, p),
               "BytePatterns.Append");
  if (v) __FIVector_1_Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern_Release(v);
  if (p) IBluetoothLEAdvertisementBytePattern_Release(p);
  if (b) IBuffer_Release(b);
  if (pf) IBluetoothLEAdvertisementBytePatternFactory_Release(pf);
  return hr;
}

static HRESULT adv_filter(wr_ctx *w, IBluetoothLEAdvertisementWatcher *watcher, const blec_scan_options *o) {
  if (!o->local_name && !o->nfilter_services && !o->nbyte_filters) return S_OK;
  IBluetoothLEAdvertisementFilter *af = NULL;
  IBluetoothLEAdvertisement *adv = NULL;
  HRESULT hr = wr_activate(w, WR_ADV_FILTER_ACTIVATION, &IID_IBluetoothLEAdvertisementFilter, (void **)&af);
  if (SUCCEEDED(hr)) hr = wr_hr(w, IBluetoothLEAdvertisementFilter_get_Advertisement(af, &adv), "Filter.Advertisement");
  if (SUCCEEDED(hr) && !adv) hr = E_POINTER;
  if (SUCCEEDED(hr) && o->local_name) {
    HSTRING name = NULL;
    hr = wr_hstring_from_utf8(o->local_name, &name);
    if (SUCCEEDED(hr)) hr = wr_hr(w, IBluetoothLEAdvertisement_put_LocalName(adv, name), "Advertisement.LocalName");
    WindowsDeleteString(name);
  }
  if (SUCCEEDED(hr)) hr = add_services(w, adv, o);
  for (size_t i = 0; SUCCEEDED(hr) && i < o->nbyte_filters; i++) {
    const blec__byte_filter *f = &o->byte_filters[i];
    hr = f->is_manufacturer ? add_manufacturer(w, adv, f) : add_pattern(w, af, f);
  }
  if (SUCCEEDED(hr))
    hr = wr_hr(w, IBluetoothLEAdvertisementWatcher_put_AdvertisementFilter(watcher, af), "Watcher.AdvertisementFilter");
  if (adv) IBluetoothLEAdvertisement_Release(adv);
  if (af) IBluetoothLEAdvertisementFilter_Release(af);
  if (SUCCEEDED(hr))
    wr_log(w, BLEC_LOG_DEBUG, "advertisement filter: name %s, %u service(s), %u data filter(s)",
           o->local_name ? o->local_name : "(any)", (unsigned)o->nfilter_services, (unsigned)o->nbyte_filters);
  return hr;
}

int wr_scan_apply_filters(wr_ctx *w, IBluetoothLEAdvertisementWatcher *watcher, const blec_scan_options *o,
                          blec_error *err) {
  HRESULT hr = signal_filter(w, watcher, o);
  const char *what = "setting the watcher's signal-strength filter";
  if (SUCCEEDED(hr)) {
    hr = adv_filter(w, watcher, o);
    what = "setting the watcher's advertisement filter";
  }
  if (SUCCEEDED(hr)) return BLEC_OK;
  wr_error_from_hr(err, hr, what);
  return err->status;
}
