/* SPDX-License-Identifier: MIT */
/* reference.c — boxed values: IReference<Int16>, <UInt8>, <UInt32>, <TimeSpan>, <Flags>. */
#include "sim.h"

typedef struct box {
  sim_obj obj;
  struct {
    const void *lpVtbl;
  } ref;
  sim_itf itfs[2];
  union {
    INT16 i16;
    BYTE u8;
    UINT32 u32;
    TimeSpan ts;
    BluetoothLEAdvertisementFlags flags;
  } v;
} box;

static const sim_itf no_itfs[] = {{NULL, 0}};
static const sim_class box_class = {L"Windows.Foundation.IReference`1", no_itfs, NULL};

#define BOX(This) ((box *)sim_obj_from(This))

static HRESULT STDMETHODCALLTYPE i16_get_Value(IReference_INT16 *This, INT16 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BOX(This)->v.i16;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE u8_get_Value(IReference_BYTE *This, BYTE *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BOX(This)->v.u8;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE u32_get_Value(IReference_UINT32 *This, UINT32 *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BOX(This)->v.u32;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE ts_get_Value(IReference_TimeSpan *This, TimeSpan *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BOX(This)->v.ts;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE flags_get_Value(IReference_AdvFlags *This, BluetoothLEAdvertisementFlags *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  *value = BOX(This)->v.flags;
  return S_OK;
}

SIM_VTABLE(__FIReference_1_INT16Vtbl, i16_vt) = {offsetof(box, ref), {SIM_INSPECTABLE_SLOTS, .get_Value = i16_get_Value}};
SIM_VTABLE(__FIReference_1_BYTEVtbl, u8_vt) = {offsetof(box, ref), {SIM_INSPECTABLE_SLOTS, .get_Value = u8_get_Value}};
SIM_VTABLE(__FIReference_1_UINT32Vtbl, u32_vt) = {offsetof(box, ref), {SIM_INSPECTABLE_SLOTS, .get_Value = u32_get_Value}};
SIM_VTABLE(__FIReference_1_TimeSpanVtbl, ts_vt) = {offsetof(box, ref), {SIM_INSPECTABLE_SLOTS, .get_Value = ts_get_Value}};
SIM_VTABLE(__FIReference_1_BluetoothLEAdvertisementFlagsVtbl, flags_vt) = {
    offsetof(box, ref), {SIM_INSPECTABLE_SLOTS, .get_Value = flags_get_Value}};

static box *new_box(const IID *iid, const void *vtbl) {
  box *b = sim_obj_new(&box_class, sizeof *b);
  if (!b) return NULL;
  b->ref.lpVtbl = vtbl;
  b->itfs[0].iid = iid;
  b->itfs[0].offset = offsetof(box, ref);
  b->obj.itfs = b->itfs;
  return b;
}

#define BOX_NEW(fn, T, field, iid, vt, OutT)                                               \
  HRESULT fn(T v, OutT **out) {                                                            \
    box *b = new_box(&iid, &vt.v);                                                         \
    if (!b) return E_OUTOFMEMORY;                                                          \
    b->v.field = v;                                                                        \
    *out = (OutT *)&b->ref;                                                                \
    return S_OK;                                                                           \
  }

BOX_NEW(sim_box_i16, INT16, i16, IID___FIReference_1_INT16, i16_vt, IReference_INT16)
BOX_NEW(sim_box_u8, BYTE, u8, IID___FIReference_1_BYTE, u8_vt, IReference_BYTE)
BOX_NEW(sim_box_u32, UINT32, u32, IID___FIReference_1_UINT32, u32_vt, IReference_UINT32)
BOX_NEW(sim_box_timespan, TimeSpan, ts, IID___FIReference_1_TimeSpan, ts_vt, IReference_TimeSpan)
BOX_NEW(sim_box_adv_flags, BluetoothLEAdvertisementFlags, flags, IID___FIReference_1_BluetoothLEAdvertisementFlags,
        flags_vt, IReference_AdvFlags)
