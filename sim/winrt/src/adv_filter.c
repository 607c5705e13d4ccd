/* SPDX-License-Identifier: MIT */
/*
 * adv_filter.c — applying a watcher's filters to received packets.
 *
 * BluetoothLEAdvertisementFilter (its documentation): the filter applies to each packet,
 * not to a device, so a packet passes only if it carries everything the filter's
 * advertisement names: the local name (shortened or complete, equal), every service UUID
 * (in a 16-, 32- or 128-bit list), each manufacturer data (same company, data starting
 * with the filter's bytes), each data section (same type, data starting with the filter's
 * bytes). Byte patterns: the packet must match at least one of them (a section of the
 * pattern's type holding the pattern's bytes at its offset) — our reading, the
 * documentation does not say whether patterns combine with AND or OR.
 *
 * BluetoothSignalStrengthFilter (its documentation and the watcher's SignalStrengthFilter
 * remarks): thresholds from -127 to +20 dBm (default -127 when unset), out-of-range
 * timeout 1 to 60 s (default 60 s), sampling interval >= 0; values outside make Start fail.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "advertisement.h"

static HRESULT copy_buffer(IBuffer *b, sim_bytes *out) {
  BYTE *d;
  UINT32 n;
  HRESULT hr = sim_buffer_bytes(b, &d, &n);
  if (SUCCEEDED(hr) && sim_bytes_set(out, d, n) != 0) hr = E_OUTOFMEMORY;
  return hr;
}

/* Reads the elements of an IVector<T*> of ours or not (GetAt + get_Size share one layout). */
typedef struct any_vector_vtbl {
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel;
  HRESULT(STDMETHODCALLTYPE *GetAt)(void *This, UINT32 index, IUnknown **out);
  HRESULT(STDMETHODCALLTYPE *get_Size)(void *This, UINT32 *size);
} any_vector_vtbl;

static HRESULT vector_items(void *vec, IUnknown ***items, UINT32 *n) {
  *items = NULL;
  *n = 0;
  if (!vec) return S_OK;
  const any_vector_vtbl *vt = *(const any_vector_vtbl *const *)vec;
  UINT32 size = 0;
  HRESULT hr = vt->get_Size(vec, &size);
  if (FAILED(hr) || size == 0) return hr;
  IUnknown **v = calloc(size, sizeof *v);
  if (!v) return E_OUTOFMEMORY;
  for (UINT32 i = 0; i < size; i++) {
    hr = vt->GetAt(vec, i, &v[i]);
    if (FAILED(hr)) {
      for (UINT32 k = 0; k < i; k++) sim_release_any(v[k]);
      free(v);
      return hr;
    }
  }
  *items = v;
  *n = size;
  return S_OK;
}

static void free_items(IUnknown **items, UINT32 n) {
  for (UINT32 i = 0; i < n; i++) sim_release_any(items[i]);
  free(items);
}

HRESULT sim_adv_match_init(sim_adv_match *m, IBluetoothLEAdvertisementFilter *f) {
  memset(m, 0, sizeof *m);
  if (!f) return S_OK;
  IBluetoothLEAdvertisement *a = NULL;
  HRESULT hr = IBluetoothLEAdvertisementFilter_get_Advertisement(f, &a);
  if (SUCCEEDED(hr) && a) {
    HSTRING name = NULL;
    if (SUCCEEDED(IBluetoothLEAdvertisement_get_LocalName(a, &name)) && WindowsGetStringLen(name) > 0)
      m->name = sim_utf8(name);
    WindowsDeleteString(name);
    __FIVector_1_GUID *uuids = NULL;
    if (SUCCEEDED(hr = IBluetoothLEAdvertisement_get_ServiceUuids(a, &uuids))) {
      hr = sim_guid_vector_copy(uuids, &m->uuids, &m->n_uuids);
      sim_release_any(uuids);
    }
    IVector_MfrData *mv = NULL;
    IUnknown **items = NULL;
    UINT32 n = 0;
    if (SUCCEEDED(hr) && SUCCEEDED(hr = IBluetoothLEAdvertisement_get_ManufacturerData(a, &mv))) {
      hr = vector_items(mv, &items, &n);
      sim_release_any(mv);
      if (SUCCEEDED(hr) && !(m->mfr = calloc(n ? n : 1, sizeof *m->mfr))) hr = E_OUTOFMEMORY;
      for (UINT32 i = 0; i < n && SUCCEEDED(hr) && m->mfr; i++) {
        IBluetoothLEManufacturerData *md = (IBluetoothLEManufacturerData *)items[i];
        UINT16 c = 0;
        IBuffer *b = NULL;
        IBluetoothLEManufacturerData_get_CompanyId(md, &c);
        if (SUCCEEDED(hr = IBluetoothLEManufacturerData_get_Data(md, &b))) hr = copy_buffer(b, &m->mfr[i].data);
        sim_release_any(b);
        m->mfr[i].key = c;
        m->n_mfr = i + 1;
      }
      free_items(items, n);
    }
    IVector_DataSection *sv = NULL;
    if (SUCCEEDED(hr) && SUCCEEDED(hr = IBluetoothLEAdvertisement_get_DataSections(a, &sv))) {
      hr = vector_items(sv, &items, &n);
      sim_release_any(sv);
      if (SUCCEEDED(hr) && !(m->sections = calloc(n ? n : 1, sizeof *m->sections))) hr = E_OUTOFMEMORY;
      for (UINT32 i = 0; i < n && SUCCEEDED(hr) && m->sections; i++) {
        IBluetoothLEAdvertisementDataSection *s = (IBluetoothLEAdvertisementDataSection *)items[i];
        BYTE t = 0;
        IBuffer *b = NULL;
        IBluetoothLEAdvertisementDataSection_get_DataType(s, &t);
        if (SUCCEEDED(hr = IBluetoothLEAdvertisementDataSection_get_Data(s, &b)))
          hr = copy_buffer(b, &m->sections[i].data);
        sim_release_any(b);
        m->sections[i].key = t;
        m->n_sections = i + 1;
      }
      free_items(items, n);
    }
  }
  sim_release_any(a);
  IVector_BytePattern *pv = NULL;
  if (SUCCEEDED(hr) && SUCCEEDED(hr = IBluetoothLEAdvertisementFilter_get_BytePatterns(f, &pv))) {
    IUnknown **items = NULL;
    UINT32 n = 0;
    hr = vector_items(pv, &items, &n);
    sim_release_any(pv);
    if (SUCCEEDED(hr) && !(m->patterns = calloc(n ? n : 1, sizeof *m->patterns))) hr = E_OUTOFMEMORY;
    for (UINT32 i = 0; i < n && SUCCEEDED(hr) && m->patterns; i++) {
      IBluetoothLEAdvertisementBytePattern *p = (IBluetoothLEAdvertisementBytePattern *)items[i];
      BYTE t = 0;
      INT16 off = 0;
      IBuffer *b = NULL;
      IBluetoothLEAdvertisementBytePattern_get_DataType(p, &t);
      IBluetoothLEAdvertisementBytePattern_get_Offset(p, &off);
      if (SUCCEEDED(hr = IBluetoothLEAdvertisementBytePattern_get_Data(p, &b)))
        hr = copy_buffer(b, &m->patterns[i].data);
      sim_release_any(b);
      m->patterns[i].key = t;
      m->patterns[i].offset = off;
      m->n_patterns = i + 1;
    }
    free_items(items, n);
  }
  if (FAILED(hr)) sim_adv_match_free(m);
  return hr;
}

void sim_adv_match_free(sim_adv_match *m) {
  free(m->name);
  free(m->uuids);
  for (UINT32 i = 0; i < m->n_mfr; i++) sim_bytes_free(&m->mfr[i].data);
  for (UINT32 i = 0; i < m->n_sections; i++) sim_bytes_free(&m->sections[i].data);
  for (UINT32 i = 0; i < m->n_patterns; i++) sim_bytes_free(&m->patterns[i].data);
  free(m->mfr);
  free(m->sections);
  free(m->patterns);
  memset(m, 0, sizeof *m);
}

/* Calls fn for each AD structure of a packet until it returns true. */
typedef bool (*ad_fn)(const void *ctx, BYTE type, const BYTE *d, size_t n);
static bool any_ad(const BYTE *data, size_t len, ad_fn fn, const void *ctx) {
  size_t i = 0;
  while (i < len) {
    size_t l = data[i];
    if (l == 0 || i + 1 + l > len) break;
    if (fn(ctx, data[i + 1], data + i + 2, l - 1)) return true;
    i += 1 + l;
  }
  return false;
}

static bool ad_has_name(const void *ctx, BYTE type, const BYTE *d, size_t n) {
  const char *name = ctx;
  return (type == 0x08 || type == 0x09) && strlen(name) == n && memcmp(name, d, n) == 0;
}

static bool ad_has_uuid(const void *ctx, BYTE type, const BYTE *d, size_t n) {
  const GUID *g = ctx;
  if (type < 0x02 || type > 0x07) return false;
  size_t w = type <= 0x03 ? 2 : type <= 0x05 ? 4 : 16;
  for (size_t i = 0; i + w <= n; i += w) {
    GUID x = sim_guid_from_le(d + i, w);
    if (IsEqualGUID(&x, g)) return true;
  }
  return false;
}

static bool ad_has_mfr(const void *ctx, BYTE type, const BYTE *d, size_t n) {
  const struct sim_match_bytes *b = ctx;
  return type == 0xFF && n >= 2 && (UINT32)(d[0] | d[1] << 8) == b->key && n - 2 >= b->data.len &&
         (b->data.len == 0 || memcmp(d + 2, b->data.data, b->data.len) == 0);
}

static bool ad_has_section(const void *ctx, BYTE type, const BYTE *d, size_t n) {
  const struct sim_match_bytes *b = ctx;
  return type == b->key && n >= b->data.len && (b->data.len == 0 || memcmp(d, b->data.data, b->data.len) == 0);
}

static bool ad_has_pattern(const void *ctx, BYTE type, const BYTE *d, size_t n) {
  const struct sim_match_bytes *b = ctx;
  if (type != b->key || b->offset < 0) return false;
  size_t off = (size_t)b->offset;
  return n >= off + b->data.len && (b->data.len == 0 || memcmp(d + off, b->data.data, b->data.len) == 0);
}

bool sim_adv_match_packet(const sim_adv_match *m, const BYTE *data, size_t len) {
  if (m->name && !any_ad(data, len, ad_has_name, m->name)) return false;
  for (UINT32 i = 0; i < m->n_uuids; i++)
    if (!any_ad(data, len, ad_has_uuid, &m->uuids[i])) return false;
  for (UINT32 i = 0; i < m->n_mfr; i++)
    if (!any_ad(data, len, ad_has_mfr, &m->mfr[i])) return false;
  for (UINT32 i = 0; i < m->n_sections; i++)
    if (!any_ad(data, len, ad_has_section, &m->sections[i])) return false;
  if (m->n_patterns == 0) return true;
  for (UINT32 i = 0; i < m->n_patterns; i++)
    if (any_ad(data, len, ad_has_pattern, &m->patterns[i])) return true;
  return false;
}

/* ---- signal strength --------------------------------------------------------------------- */

HRESULT sim_rssi_cfg_read(IBluetoothSignalStrengthFilter *f, sim_rssi_cfg *cfg) {
  cfg->active = false;
  cfg->in_range_dbm = -127;
  cfg->out_of_range_dbm = -127;
  cfg->out_of_range_timeout_100ns = 60LL * 10000000;
  cfg->sampling_100ns = 0;
  if (!f) return S_OK;
  IReference_INT16 *r16 = NULL;
  IReference_TimeSpan *rts = NULL;
  INT16 v16;
  TimeSpan ts;
  HRESULT hr = IBluetoothSignalStrengthFilter_get_InRangeThresholdInDBm(f, &r16);
  if (SUCCEEDED(hr) && r16) {
    if (SUCCEEDED(hr = __FIReference_1_INT16_get_Value(r16, &v16))) cfg->in_range_dbm = v16;
    cfg->active = true;
  }
  sim_release_any(r16);
  r16 = NULL;
  if (SUCCEEDED(hr) && SUCCEEDED(hr = IBluetoothSignalStrengthFilter_get_OutOfRangeThresholdInDBm(f, &r16)) && r16) {
    if (SUCCEEDED(hr = __FIReference_1_INT16_get_Value(r16, &v16))) cfg->out_of_range_dbm = v16;
    cfg->active = true;
  }
  sim_release_any(r16);
  if (SUCCEEDED(hr) && SUCCEEDED(hr = IBluetoothSignalStrengthFilter_get_OutOfRangeTimeout(f, &rts)) && rts) {
    if (SUCCEEDED(hr = __FIReference_1_TimeSpan_get_Value(rts, &ts))) cfg->out_of_range_timeout_100ns = ts.Duration;
    cfg->active = true;
  }
  sim_release_any(rts);
  rts = NULL;
  if (SUCCEEDED(hr) && SUCCEEDED(hr = IBluetoothSignalStrengthFilter_get_SamplingInterval(f, &rts)) && rts) {
    if (SUCCEEDED(hr = __FIReference_1_TimeSpan_get_Value(rts, &ts))) cfg->sampling_100ns = ts.Duration;
    cfg->active = true;
  }
  sim_release_any(rts);
  if (FAILED(hr)) return hr;
  if (cfg->in_range_dbm < -127 || cfg->in_range_dbm > 20 || cfg->out_of_range_dbm < -127 ||
      cfg->out_of_range_dbm > 20)
    return E_INVALIDARG;
  if (cfg->out_of_range_timeout_100ns < 10000000LL || cfg->out_of_range_timeout_100ns > 60LL * 10000000)
    return E_INVALIDARG;
  if (cfg->sampling_100ns < 0) return E_INVALIDARG;
  return S_OK;
}
