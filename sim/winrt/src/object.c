/* SPDX-License-Identifier: MIT */
/*
 * object.c — the IUnknown and IInspectable half of every interface of every object
 * (see sim.h): reference counting, QueryInterface from the class's interface table,
 * GetIids, GetRuntimeClassName, GetTrustLevel.
 */
#include "sim.h"

#include <stdlib.h>

void *sim_obj_new(const sim_class *cls, size_t size) {
  sim_obj *o = calloc(1, size);
  if (!o) return NULL;
  o->cls = cls;
  o->itfs = cls->itfs;
  o->refs = 1;
  sim_live_add(o);
  return o;
}

sim_obj *sim_obj_from(const void *itf) {
  const size_t *vtbl = *(const size_t *const *)itf;
  return (sim_obj *)((char *)itf - vtbl[-1]);
}

void *sim_obj_default(sim_obj *obj) { return (char *)obj + obj->itfs[0].offset; }

/* The object's member for riid (no new reference), or NULL. */
static void *find_itf(sim_obj *o, REFIID riid) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IInspectable) || IsEqualIID(riid, &IID_IAgileObject))
    return sim_obj_default(o);
  for (const sim_itf *i = o->itfs; i->iid; i++)
    if (IsEqualIID(riid, i->iid)) return (char *)o + i->offset;
  return NULL;
}

/* The stack's own code sees every interface, whatever Windows build is played. */
void *sim_obj_get(sim_obj *obj, const IID *iid) {
  void *found = find_itf(obj, iid);
  if (found) InterlockedIncrement(&obj->refs);
  return found;
}

HRESULT STDMETHODCALLTYPE sim_QueryInterface(void *itf, REFIID riid, void **out) {
  if (!out) return E_POINTER;
  *out = NULL;
  sim_obj *o = sim_obj_from(itf);
  void *found = sim_itf_hidden(riid) ? NULL : find_itf(o, riid);
  if (!found) return E_NOINTERFACE;
  InterlockedIncrement(&o->refs);
  *out = found;
  return S_OK;
}

ULONG STDMETHODCALLTYPE sim_AddRef(void *itf) {
  sim_obj *o = sim_obj_from(itf);
  return (ULONG)InterlockedIncrement(&o->refs);
}

ULONG STDMETHODCALLTYPE sim_Release(void *itf) {
  sim_obj *o = sim_obj_from(itf);
  LONG r = InterlockedDecrement(&o->refs);
  if (r == 0) {
    if (o->cls->destroy) o->cls->destroy(o);
    sim_live_remove(o);
    free(o);
  }
  return (ULONG)r;
}

HRESULT STDMETHODCALLTYPE sim_GetIids(void *itf, ULONG *count, IID **iids) {
  SIM_ENTER();
  if (!count || !iids) return E_POINTER;
  sim_obj *o = sim_obj_from(itf);
  ULONG n = 0;
  for (const sim_itf *i = o->itfs; i->iid; i++) n++;
  *iids = NULL;
  *count = 0;
  if (n == 0) return S_OK;
  IID *v = CoTaskMemAlloc(n * sizeof(IID));
  if (!v) return E_OUTOFMEMORY;
  ULONG k = 0;
  for (const sim_itf *i = o->itfs; i->iid; i++)
    if (!sim_itf_hidden(i->iid)) v[k++] = *i->iid;
  *iids = v;
  *count = k;
  return S_OK;
}

HRESULT STDMETHODCALLTYPE sim_GetRuntimeClassName(void *itf, HSTRING *name) {
  SIM_ENTER();
  SIM_CHECK_OUT(name);
  sim_obj *o = sim_obj_from(itf);
  return WindowsCreateString(o->cls->name, (UINT32)wcslen(o->cls->name), name);
}

HRESULT STDMETHODCALLTYPE sim_GetTrustLevel(void *itf, TrustLevel *level) {
  SIM_ENTER();
  (void)itf;
  SIM_CHECK_OUT(level);
  *level = BaseTrust;
  return S_OK;
}
