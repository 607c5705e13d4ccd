/* SPDX-License-Identifier: MIT */
/*
 * advertisement.c — BluetoothLEAdvertisement and what it holds: BluetoothLEManufacturerData,
 * BluetoothLEAdvertisementDataSection; the filter pieces BluetoothLEAdvertisementBytePattern
 * and BluetoothLEAdvertisementFilter; the BluetoothLEAdvertisementDataTypes constants; and
 * the parsing of a received packet (AD structures) into an advertisement: Flags, LocalName
 * (shortened or complete), ServiceUuids (16-, 32-, 128-bit lists), ManufacturerData, and
 * every section, these included, in DataSections.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "advertisement.h"

static SIM_VECTOR_TYPE(vt_mfr, Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEManufacturerData);
static SIM_VECTOR_TYPE(vt_section,
                       Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementDataSection);
static SIM_VECTOR_TYPE(vt_pattern,
                       Windows__CDevices__CBluetooth__CAdvertisement__CBluetoothLEAdvertisementBytePattern);

static HRESULT empty_buffer(IBuffer **out) { return sim_buffer_new(NULL, 0, out); }

/* Replaces *slot by value (AddRef'd); NULL values are refused as Windows does. */
static HRESULT put_buffer(IBuffer **slot, IBuffer *value) {
  if (!value) return E_INVALIDARG;
  IBuffer_AddRef(value);
  IBuffer *old = *slot;
  *slot = value;
  sim_release_any(old);
  return S_OK;
}

static HRESULT get_buffer(IBuffer *b, IBuffer **value) {
  SIM_CHECK_OUT(value);
  *value = b;
  if (b) IBuffer_AddRef(b);
  return S_OK;
}

/* ==== BluetoothLEManufacturerData ==================================================== */

typedef struct mfr {
  sim_obj obj;
  IBluetoothLEManufacturerData m;
  UINT16 company;
  IBuffer *data;
} mfr;

static void mfr_destroy(sim_obj *o) { sim_release_any(((mfr *)o)->data); }
static const sim_itf mfr_itfs[] = {{&IID_IBluetoothLEManufacturerData, offsetof(mfr, m)}, {NULL, 0}};
static const sim_class mfr_class = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEManufacturerData",
                                    mfr_itfs, mfr_destroy};
#define MFR(This) ((mfr *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE mfr_get_CompanyId(IBluetoothLEManufacturerData *This, UINT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = MFR(This)->company;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE mfr_put_CompanyId(IBluetoothLEManufacturerData *This, UINT16 value) {
  SIM_ENTER();
  MFR(This)->company = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE mfr_get_Data(IBluetoothLEManufacturerData *This, IBuffer **value) {
  SIM_ENTER();
  return get_buffer(MFR(This)->data, value);
}
static HRESULT STDMETHODCALLTYPE mfr_put_Data(IBluetoothLEManufacturerData *This, IBuffer *value) {
  SIM_ENTER();
  return put_buffer(&MFR(This)->data, value);
}

SIM_VTABLE(IBluetoothLEManufacturerDataVtbl, mfr_vt) = {
    offsetof(mfr, m),
    {SIM_INSPECTABLE_SLOTS, .get_CompanyId = mfr_get_CompanyId, .put_CompanyId = mfr_put_CompanyId,
     .get_Data = mfr_get_Data, .put_Data = mfr_put_Data}};

static HRESULT mfr_new(UINT16 company, IBuffer *data, IBluetoothLEManufacturerData **out) {
  mfr *m = sim_obj_new(&mfr_class, sizeof *m);
  if (!m) return E_OUTOFMEMORY;
  m->m.lpVtbl = (IBluetoothLEManufacturerDataVtbl *)&mfr_vt.v;
  m->company = company;
  HRESULT hr = data ? put_buffer(&m->data, data) : empty_buffer(&m->data);
  if (FAILED(hr)) {
    sim_Release(&m->m);
    return hr;
  }
  *out = &m->m;
  return S_OK;
}

static HRESULT mfr_activate(IInspectable **out) {
  return mfr_new(0, NULL, (IBluetoothLEManufacturerData **)out);
}

static HRESULT STDMETHODCALLTYPE mfrf_Create(IBluetoothLEManufacturerDataFactory *This, UINT16 company,
                                             IBuffer *data, IBluetoothLEManufacturerData **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (!data) return E_INVALIDARG;
  return mfr_new(company, data, result);
}

SIM_VTABLE(IBluetoothLEManufacturerDataFactoryVtbl, mfrf_vt) = {SIM_FACTORY_SLOT(0),
                                                                {SIM_INSPECTABLE_SLOTS, .Create = mfrf_Create}};
const sim_factory_desc sim_mfr_factory = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEManufacturerData",
                                          mfr_activate,
                                          {{&IID_IBluetoothLEManufacturerDataFactory, &mfrf_vt.v}}};

/* ==== BluetoothLEAdvertisementDataSection ============================================== */

typedef struct section {
  sim_obj obj;
  IBluetoothLEAdvertisementDataSection s;
  BYTE type;
  IBuffer *data;
} section;

static void section_destroy(sim_obj *o) { sim_release_any(((section *)o)->data); }
static const sim_itf section_itfs[] = {{&IID_IBluetoothLEAdvertisementDataSection, offsetof(section, s)},
                                       {NULL, 0}};
static const sim_class section_class = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementDataSection", section_itfs, section_destroy};
#define SEC(This) ((section *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE sec_get_DataType(IBluetoothLEAdvertisementDataSection *This, BYTE *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = SEC(This)->type;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sec_put_DataType(IBluetoothLEAdvertisementDataSection *This, BYTE value) {
  SIM_ENTER();
  SEC(This)->type = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE sec_get_Data(IBluetoothLEAdvertisementDataSection *This, IBuffer **value) {
  SIM_ENTER();
  return get_buffer(SEC(This)->data, value);
}
static HRESULT STDMETHODCALLTYPE sec_put_Data(IBluetoothLEAdvertisementDataSection *This, IBuffer *value) {
  SIM_ENTER();
  return put_buffer(&SEC(This)->data, value);
}

SIM_VTABLE(IBluetoothLEAdvertisementDataSectionVtbl, sec_vt) = {
    offsetof(section, s),
    {SIM_INSPECTABLE_SLOTS, .get_DataType = sec_get_DataType, .put_DataType = sec_put_DataType,
     .get_Data = sec_get_Data, .put_Data = sec_put_Data}};

static HRESULT section_new(BYTE type, IBuffer *data, IBluetoothLEAdvertisementDataSection **out) {
  section *s = sim_obj_new(&section_class, sizeof *s);
  if (!s) return E_OUTOFMEMORY;
  s->s.lpVtbl = (IBluetoothLEAdvertisementDataSectionVtbl *)&sec_vt.v;
  s->type = type;
  HRESULT hr = data ? put_buffer(&s->data, data) : empty_buffer(&s->data);
  if (FAILED(hr)) {
    sim_Release(&s->s);
    return hr;
  }
  *out = &s->s;
  return S_OK;
}

static HRESULT section_activate(IInspectable **out) {
  return section_new(0, NULL, (IBluetoothLEAdvertisementDataSection **)out);
}

static HRESULT STDMETHODCALLTYPE secf_Create(IBluetoothLEAdvertisementDataSectionFactory *This, BYTE type,
                                             IBuffer *data, IBluetoothLEAdvertisementDataSection **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (!data) return E_INVALIDARG;
  return section_new(type, data, result);
}

SIM_VTABLE(IBluetoothLEAdvertisementDataSectionFactoryVtbl, secf_vt) = {
    SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .Create = secf_Create}};
const sim_factory_desc sim_section_factory = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementDataSection",
    section_activate,
    {{&IID_IBluetoothLEAdvertisementDataSectionFactory, &secf_vt.v}}};

/* ==== BluetoothLEAdvertisementBytePattern ================================================ */

typedef struct pattern {
  sim_obj obj;
  IBluetoothLEAdvertisementBytePattern p;
  BYTE type;
  INT16 offset;
  IBuffer *data;
} pattern;

static void pattern_destroy(sim_obj *o) { sim_release_any(((pattern *)o)->data); }
static const sim_itf pattern_itfs[] = {{&IID_IBluetoothLEAdvertisementBytePattern, offsetof(pattern, p)},
                                       {NULL, 0}};
static const sim_class pattern_class = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementBytePattern", pattern_itfs, pattern_destroy};
#define PAT(This) ((pattern *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE pat_get_DataType(IBluetoothLEAdvertisementBytePattern *This, BYTE *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = PAT(This)->type;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pat_put_DataType(IBluetoothLEAdvertisementBytePattern *This, BYTE value) {
  SIM_ENTER();
  PAT(This)->type = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pat_get_Offset(IBluetoothLEAdvertisementBytePattern *This, INT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = PAT(This)->offset;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pat_put_Offset(IBluetoothLEAdvertisementBytePattern *This, INT16 value) {
  SIM_ENTER();
  PAT(This)->offset = value;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE pat_get_Data(IBluetoothLEAdvertisementBytePattern *This, IBuffer **value) {
  SIM_ENTER();
  return get_buffer(PAT(This)->data, value);
}
static HRESULT STDMETHODCALLTYPE pat_put_Data(IBluetoothLEAdvertisementBytePattern *This, IBuffer *value) {
  SIM_ENTER();
  return put_buffer(&PAT(This)->data, value);
}

SIM_VTABLE(IBluetoothLEAdvertisementBytePatternVtbl, pat_vt) = {
    offsetof(pattern, p),
    {SIM_INSPECTABLE_SLOTS, .get_DataType = pat_get_DataType, .put_DataType = pat_put_DataType,
     .get_Offset = pat_get_Offset, .put_Offset = pat_put_Offset, .get_Data = pat_get_Data,
     .put_Data = pat_put_Data}};

static HRESULT pattern_new(BYTE type, INT16 offset, IBuffer *data, IBluetoothLEAdvertisementBytePattern **out) {
  pattern *p = sim_obj_new(&pattern_class, sizeof *p);
  if (!p) return E_OUTOFMEMORY;
  p->p.lpVtbl = (IBluetoothLEAdvertisementBytePatternVtbl *)&pat_vt.v;
  p->type = type;
  p->offset = offset;
  HRESULT hr = data ? put_buffer(&p->data, data) : empty_buffer(&p->data);
  if (FAILED(hr)) {
    sim_Release(&p->p);
    return hr;
  }
  *out = &p->p;
  return S_OK;
}

static HRESULT pattern_activate(IInspectable **out) {
  return pattern_new(0, 0, NULL, (IBluetoothLEAdvertisementBytePattern **)out);
}

static HRESULT STDMETHODCALLTYPE patf_Create(IBluetoothLEAdvertisementBytePatternFactory *This, BYTE type,
                                             INT16 offset, IBuffer *data,
                                             IBluetoothLEAdvertisementBytePattern **result) {
  SIM_ENTER();
  (void)This;
  SIM_CHECK_OUT(result);
  *result = NULL;
  if (!data) return E_INVALIDARG;
  return pattern_new(type, offset, data, result);
}

SIM_VTABLE(IBluetoothLEAdvertisementBytePatternFactoryVtbl, patf_vt) = {
    SIM_FACTORY_SLOT(0), {SIM_INSPECTABLE_SLOTS, .Create = patf_Create}};
const sim_factory_desc sim_pattern_factory = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementBytePattern",
    pattern_activate,
    {{&IID_IBluetoothLEAdvertisementBytePatternFactory, &patf_vt.v}}};

/* ==== BluetoothLEAdvertisement ============================================================= */

typedef struct adv {
  sim_obj obj;
  IBluetoothLEAdvertisement a;
  SRWLOCK lock;
  IReference_AdvFlags *flags;
  HSTRING name;
  sim_guid_vector *uuids;
  sim_vector *mfr;
  sim_vector *sections;
} adv;

static void adv_destroy(sim_obj *o) {
  adv *a = (adv *)o;
  sim_release_any(a->flags);
  WindowsDeleteString(a->name);
  if (a->uuids) sim_Release(sim_guid_vector_itf(a->uuids));
  if (a->mfr) sim_Release(sim_vector_itf(a->mfr));
  if (a->sections) sim_Release(sim_vector_itf(a->sections));
}
static const sim_itf adv_itfs[] = {{&IID_IBluetoothLEAdvertisement, offsetof(adv, a)}, {NULL, 0}};
static const sim_class adv_class = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisement", adv_itfs,
                                    adv_destroy};
#define ADV(This) ((adv *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE adv_get_Flags(IBluetoothLEAdvertisement *This, IReference_AdvFlags **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  adv *a = ADV(This);
  AcquireSRWLockShared(&a->lock);
  *value = a->flags;
  sim_addref_any(a->flags);
  ReleaseSRWLockShared(&a->lock);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE adv_put_Flags(IBluetoothLEAdvertisement *This, IReference_AdvFlags *value) {
  SIM_ENTER();
  adv *a = ADV(This);
  sim_addref_any(value);
  AcquireSRWLockExclusive(&a->lock);
  IReference_AdvFlags *old = a->flags;
  a->flags = value;
  ReleaseSRWLockExclusive(&a->lock);
  sim_release_any(old);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE adv_get_LocalName(IBluetoothLEAdvertisement *This, HSTRING *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  adv *a = ADV(This);
  AcquireSRWLockShared(&a->lock);
  HRESULT hr = WindowsDuplicateString(a->name, value);
  ReleaseSRWLockShared(&a->lock);
  return hr;
}
static HRESULT STDMETHODCALLTYPE adv_put_LocalName(IBluetoothLEAdvertisement *This, HSTRING value) {
  SIM_ENTER();
  adv *a = ADV(This);
  HSTRING dup = NULL;
  HRESULT hr = WindowsDuplicateString(value, &dup);
  if (FAILED(hr)) return hr;
  AcquireSRWLockExclusive(&a->lock);
  HSTRING old = a->name;
  a->name = dup;
  ReleaseSRWLockExclusive(&a->lock);
  WindowsDeleteString(old);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE adv_get_ServiceUuids(IBluetoothLEAdvertisement *This, __FIVector_1_GUID **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_guid_vector_itf(ADV(This)->uuids);
  sim_AddRef(*value);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE adv_get_ManufacturerData(IBluetoothLEAdvertisement *This, IVector_MfrData **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_vector_itf(ADV(This)->mfr);
  sim_AddRef(*value);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE adv_get_DataSections(IBluetoothLEAdvertisement *This, IVector_DataSection **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_vector_itf(ADV(This)->sections);
  sim_AddRef(*value);
  return S_OK;
}

/* A view of the elements of v whose key (read through their interface) equals key. */
static HRESULT filtered_view(sim_vector *v, const sim_vector_type *type, bool by_company, UINT32 key, void **out) {
  UINT32 n = sim_vector_size(v), k = 0;
  void **sel = calloc(n ? n : 1, sizeof *sel);
  if (!sel) return E_OUTOFMEMORY;
  for (UINT32 i = 0; i < n; i++) {
    void *e = sim_vector_at(v, i);
    if (!e) continue;
    UINT32 ek = 0;
    if (by_company) {
      UINT16 c = 0;
      IBluetoothLEManufacturerData_get_CompanyId((IBluetoothLEManufacturerData *)e, &c);
      ek = c;
    } else {
      BYTE t = 0;
      IBluetoothLEAdvertisementDataSection_get_DataType((IBluetoothLEAdvertisementDataSection *)e, &t);
      ek = t;
    }
    if (ek == key) sel[k++] = e;
  }
  *out = sim_view_new(type, sel, k);
  free(sel);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT STDMETHODCALLTYPE adv_GetManufacturerDataByCompanyId(IBluetoothLEAdvertisement *This, UINT16 company,
                                                                     IVectorView_MfrData **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  return filtered_view(ADV(This)->mfr, &vt_mfr, true, company, (void **)result);
}
static HRESULT STDMETHODCALLTYPE adv_GetSectionsByType(IBluetoothLEAdvertisement *This, BYTE type,
                                                       IVectorView_DataSection **result) {
  SIM_ENTER();
  SIM_CHECK_OUT(result);
  return filtered_view(ADV(This)->sections, &vt_section, false, type, (void **)result);
}

SIM_VTABLE(IBluetoothLEAdvertisementVtbl, adv_vt) = {
    offsetof(adv, a),
    {SIM_INSPECTABLE_SLOTS, .get_Flags = adv_get_Flags, .put_Flags = adv_put_Flags,
     .get_LocalName = adv_get_LocalName, .put_LocalName = adv_put_LocalName,
     .get_ServiceUuids = adv_get_ServiceUuids, .get_ManufacturerData = adv_get_ManufacturerData,
     .get_DataSections = adv_get_DataSections,
     .GetManufacturerDataByCompanyId = adv_GetManufacturerDataByCompanyId,
     .GetSectionsByType = adv_GetSectionsByType}};

static adv *adv_alloc(void) {
  adv *a = sim_obj_new(&adv_class, sizeof *a);
  if (!a) return NULL;
  a->a.lpVtbl = (IBluetoothLEAdvertisementVtbl *)&adv_vt.v;
  InitializeSRWLock(&a->lock);
  a->uuids = sim_guid_vector_new();
  a->mfr = sim_vector_new(&vt_mfr);
  a->sections = sim_vector_new(&vt_section);
  if (!a->uuids || !a->mfr || !a->sections) {
    sim_Release(&a->a);
    return NULL;
  }
  return a;
}

static HRESULT adv_activate(IInspectable **out) {
  adv *a = adv_alloc();
  if (!a) return E_OUTOFMEMORY;
  *out = (IInspectable *)&a->a;
  return S_OK;
}

const sim_factory_desc sim_adv_factory = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisement",
                                          adv_activate,
                                          {{NULL, NULL}}};

/* Adds one AD structure to a, interpreting the well-known ones. */
static HRESULT adv_add_section(adv *a, BYTE type, const BYTE *d, size_t n) {
  IBuffer *buf = NULL;
  HRESULT hr = sim_buffer_new(d, (UINT32)n, &buf);
  if (FAILED(hr)) return hr;
  IBluetoothLEAdvertisementDataSection *s = NULL;
  hr = section_new(type, buf, &s);
  if (SUCCEEDED(hr)) {
    hr = sim_vector_append(a->sections, s);
    IBluetoothLEAdvertisementDataSection_Release(s);
  }
  switch (type) {
  case 0x01: /* Flags */
    if (n >= 1 && SUCCEEDED(hr)) {
      sim_release_any(a->flags);
      a->flags = NULL;
      hr = sim_box_adv_flags((BluetoothLEAdvertisementFlags)d[0], &a->flags);
    }
    break;
  case 0x08: /* Shortened Local Name: unless a complete one came first */
  case 0x09: /* Complete Local Name */
    if (type == 0x09 || !a->name) {
      char tmp[256];
      size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
      memcpy(tmp, d, k);
      tmp[k] = 0;
      WindowsDeleteString(a->name);
      a->name = sim_hstring_utf8(tmp);
    }
    break;
  case 0x02: case 0x03: /* 16-bit service UUIDs */
  case 0x04: case 0x05: /* 32-bit */
  case 0x06: case 0x07: { /* 128-bit */
    size_t w = type <= 0x03 ? 2 : type <= 0x05 ? 4 : 16;
    for (size_t i = 0; i + w <= n && SUCCEEDED(hr); i += w) {
      GUID g = sim_guid_from_le(d + i, w);
      hr = sim_guid_vector_append(a->uuids, &g);
    }
    break;
  }
  case 0xFF: /* Manufacturer Specific Data: company id (little-endian), then data */
    if (n >= 2 && SUCCEEDED(hr)) {
      IBuffer *md = NULL;
      hr = sim_buffer_new(d + 2, (UINT32)(n - 2), &md);
      IBluetoothLEManufacturerData *m = NULL;
      if (SUCCEEDED(hr)) hr = mfr_new((UINT16)(d[0] | d[1] << 8), md, &m);
      if (SUCCEEDED(hr)) hr = sim_vector_append(a->mfr, m);
      sim_release_any(m);
      sim_release_any(md);
    }
    break;
  default:
    break;
  }
  sim_release_any(buf);
  return hr;
}

HRESULT sim_adv_parse(const BYTE *data, size_t len, IBluetoothLEAdvertisement **out) {
  *out = NULL;
  adv *a = adv_alloc();
  if (!a) return E_OUTOFMEMORY;
  HRESULT hr = S_OK;
  size_t i = 0;
  while (i < len && SUCCEEDED(hr)) {
    size_t l = data[i];
    if (l == 0) break; /* early termination of the significant part */
    if (i + 1 + l > len) break; /* malformed: ignore the rest */
    hr = adv_add_section(a, data[i + 1], data + i + 2, l - 1);
    i += 1 + l;
  }
  if (FAILED(hr)) {
    sim_Release(&a->a);
    return hr;
  }
  *out = &a->a;
  return S_OK;
}

/* ==== BluetoothLEAdvertisementFilter ========================================================== */

typedef struct filter {
  sim_obj obj;
  IBluetoothLEAdvertisementFilter f;
  SRWLOCK lock;
  IBluetoothLEAdvertisement *adv;
  sim_vector *patterns;
} filter;

static void filter_destroy(sim_obj *o) {
  filter *f = (filter *)o;
  sim_release_any(f->adv);
  if (f->patterns) sim_Release(sim_vector_itf(f->patterns));
}
static const sim_itf filter_itfs[] = {{&IID_IBluetoothLEAdvertisementFilter, offsetof(filter, f)}, {NULL, 0}};
static const sim_class filter_class = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                                       filter_itfs, filter_destroy};
#define FLT(This) ((filter *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE flt_get_Advertisement(IBluetoothLEAdvertisementFilter *This,
                                                       IBluetoothLEAdvertisement **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  filter *f = FLT(This);
  AcquireSRWLockShared(&f->lock);
  *value = f->adv;
  sim_addref_any(f->adv);
  ReleaseSRWLockShared(&f->lock);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE flt_put_Advertisement(IBluetoothLEAdvertisementFilter *This,
                                                       IBluetoothLEAdvertisement *value) {
  SIM_ENTER();
  if (!value) return E_INVALIDARG;
  filter *f = FLT(This);
  IBluetoothLEAdvertisement_AddRef(value);
  AcquireSRWLockExclusive(&f->lock);
  IBluetoothLEAdvertisement *old = f->adv;
  f->adv = value;
  ReleaseSRWLockExclusive(&f->lock);
  sim_release_any(old);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE flt_get_BytePatterns(IBluetoothLEAdvertisementFilter *This,
                                                      IVector_BytePattern **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = sim_vector_itf(FLT(This)->patterns);
  sim_AddRef(*value);
  return S_OK;
}

SIM_VTABLE(IBluetoothLEAdvertisementFilterVtbl, flt_vt) = {
    offsetof(filter, f),
    {SIM_INSPECTABLE_SLOTS, .get_Advertisement = flt_get_Advertisement,
     .put_Advertisement = flt_put_Advertisement, .get_BytePatterns = flt_get_BytePatterns}};

HRESULT sim_adv_filter_new(IBluetoothLEAdvertisementFilter **out) {
  *out = NULL;
  filter *f = sim_obj_new(&filter_class, sizeof *f);
  if (!f) return E_OUTOFMEMORY;
  f->f.lpVtbl = (IBluetoothLEAdvertisementFilterVtbl *)&flt_vt.v;
  InitializeSRWLock(&f->lock);
  adv *a = adv_alloc();
  f->patterns = sim_vector_new(&vt_pattern);
  if (!a || !f->patterns) {
    if (a) sim_Release(&a->a);
    sim_Release(&f->f);
    return E_OUTOFMEMORY;
  }
  f->adv = &a->a;
  *out = &f->f;
  return S_OK;
}

static HRESULT filter_activate(IInspectable **out) {
  return sim_adv_filter_new((IBluetoothLEAdvertisementFilter **)out);
}

const sim_factory_desc sim_filter_factory = {L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFilter",
                                             filter_activate,
                                             {{NULL, NULL}}};

/* ==== BluetoothLEAdvertisementDataTypes ========================================================= */

#define DATA_TYPE(name, v)                                                                       \
  static HRESULT STDMETHODCALLTYPE dt_get_##name(IBluetoothLEAdvertisementDataTypesStatics *This, \
                                                 BYTE *value) {                                   \
    SIM_ENTER();                                                                                  \
    (void)This;                                                                                   \
    SIM_CHECK_OUT(value);                                                                         \
    *value = v;                                                                                   \
    return S_OK;                                                                                  \
  }
/* Bluetooth SIG assigned numbers of the AD types. */
DATA_TYPE(Flags, 0x01)
DATA_TYPE(IncompleteService16BitUuids, 0x02)
DATA_TYPE(CompleteService16BitUuids, 0x03)
DATA_TYPE(IncompleteService32BitUuids, 0x04)
DATA_TYPE(CompleteService32BitUuids, 0x05)
DATA_TYPE(IncompleteService128BitUuids, 0x06)
DATA_TYPE(CompleteService128BitUuids, 0x07)
DATA_TYPE(ShortenedLocalName, 0x08)
DATA_TYPE(CompleteLocalName, 0x09)
DATA_TYPE(TxPowerLevel, 0x0A)
DATA_TYPE(PeripheralConnectionIntervalRange, 0x12)
DATA_TYPE(ServiceSolicitation16BitUuids, 0x14)
DATA_TYPE(ServiceSolicitation32BitUuids, 0x1F)
DATA_TYPE(ServiceSolicitation128BitUuids, 0x15)
DATA_TYPE(ServiceData16BitUuids, 0x16)
DATA_TYPE(ServiceData32BitUuids, 0x20)
DATA_TYPE(ServiceData128BitUuids, 0x21)
DATA_TYPE(PublicTargetAddress, 0x17)
DATA_TYPE(RandomTargetAddress, 0x18)
DATA_TYPE(Appearance, 0x19)
DATA_TYPE(AdvertisingInterval, 0x1A)
DATA_TYPE(ManufacturerSpecificData, 0xFF)

SIM_VTABLE(IBluetoothLEAdvertisementDataTypesStaticsVtbl, dt_vt) = {
    SIM_FACTORY_SLOT(0),
    {SIM_INSPECTABLE_SLOTS, .get_Flags = dt_get_Flags,
     .get_IncompleteService16BitUuids = dt_get_IncompleteService16BitUuids,
     .get_CompleteService16BitUuids = dt_get_CompleteService16BitUuids,
     .get_IncompleteService32BitUuids = dt_get_IncompleteService32BitUuids,
     .get_CompleteService32BitUuids = dt_get_CompleteService32BitUuids,
     .get_IncompleteService128BitUuids = dt_get_IncompleteService128BitUuids,
     .get_CompleteService128BitUuids = dt_get_CompleteService128BitUuids,
     .get_ShortenedLocalName = dt_get_ShortenedLocalName, .get_CompleteLocalName = dt_get_CompleteLocalName,
     .get_TxPowerLevel = dt_get_TxPowerLevel,
     .get_PeripheralConnectionIntervalRange = dt_get_PeripheralConnectionIntervalRange,
     .get_ServiceSolicitation16BitUuids = dt_get_ServiceSolicitation16BitUuids,
     .get_ServiceSolicitation32BitUuids = dt_get_ServiceSolicitation32BitUuids,
     .get_ServiceSolicitation128BitUuids = dt_get_ServiceSolicitation128BitUuids,
     .get_ServiceData16BitUuids = dt_get_ServiceData16BitUuids,
     .get_ServiceData32BitUuids = dt_get_ServiceData32BitUuids,
     .get_ServiceData128BitUuids = dt_get_ServiceData128BitUuids,
     .get_PublicTargetAddress = dt_get_PublicTargetAddress, .get_RandomTargetAddress = dt_get_RandomTargetAddress,
     .get_Appearance = dt_get_Appearance, .get_AdvertisingInterval = dt_get_AdvertisingInterval,
     .get_ManufacturerSpecificData = dt_get_ManufacturerSpecificData}};

const sim_factory_desc sim_datatypes_factory = {
    L"Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementDataTypes",
    NULL,
    {{&IID_IBluetoothLEAdvertisementDataTypesStatics, &dt_vt.v}}};
