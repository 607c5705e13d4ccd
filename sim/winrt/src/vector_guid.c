/* SPDX-License-Identifier: MIT */
/*
 * vector_guid.c — IVector<Guid> (BluetoothLEAdvertisement.ServiceUuids) with its view,
 * IIterable<Guid> and IIterator<Guid>. GUIDs are values, so this is not vector.c.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

struct sim_guid_vector {
  sim_obj obj;
  __FIVector_1_GUID vec;
  __FIVectorView_1_GUID view; /* answered by view objects only */
  __FIIterable_1_GUID iterable;
  SRWLOCK lock;
  GUID *v;
  UINT32 n, cap;
};

typedef struct guid_iter {
  sim_obj obj;
  __FIIterator_1_GUID it;
  struct sim_guid_vector *owner;
  UINT32 pos;
} guid_iter;

static void gv_destroy(sim_obj *o) { free(((sim_guid_vector *)o)->v); }
static void gi_destroy(sim_obj *o) { sim_Release(&((guid_iter *)o)->owner->iterable); }

static const sim_itf gv_itfs[] = {{&IID___FIVector_1_GUID, offsetof(sim_guid_vector, vec)},
                                  {&IID___FIIterable_1_GUID, offsetof(sim_guid_vector, iterable)},
                                  {NULL, 0}};
static const sim_itf gview_itfs[] = {{&IID___FIVectorView_1_GUID, offsetof(sim_guid_vector, view)},
                                     {&IID___FIIterable_1_GUID, offsetof(sim_guid_vector, iterable)},
                                     {NULL, 0}};
static const sim_itf gi_itfs[] = {{&IID___FIIterator_1_GUID, offsetof(guid_iter, it)}, {NULL, 0}};
static const sim_class gv_class = {L"Windows.Foundation.Collections.IVector`1<Guid>", gv_itfs, gv_destroy};
static const sim_class gview_class = {L"Windows.Foundation.Collections.IVectorView`1<Guid>", gview_itfs,
                                      gv_destroy};
static const sim_class gi_class = {L"Windows.Foundation.Collections.IIterator`1<Guid>", gi_itfs, gi_destroy};

#define GV(This) ((sim_guid_vector *)sim_obj_from(This))

static HRESULT grow(sim_guid_vector *v) {
  if (v->n < v->cap) return S_OK;
  UINT32 cap = v->cap ? v->cap * 2 : 4;
  GUID *p = realloc(v->v, cap * sizeof *p);
  if (!p) return E_OUTOFMEMORY;
  v->v = p;
  v->cap = cap;
  return S_OK;
}

static HRESULT get_at(sim_guid_vector *v, UINT32 index, GUID *value) {
  if (!value) return E_POINTER;
  HRESULT hr = S_OK;
  AcquireSRWLockShared(&v->lock);
  if (index < v->n)
    *value = v->v[index];
  else
    hr = E_BOUNDS;
  ReleaseSRWLockShared(&v->lock);
  return hr;
}

static HRESULT size_of(sim_guid_vector *v, UINT32 *value) {
  if (!value) return E_POINTER;
  AcquireSRWLockShared(&v->lock);
  *value = v->n;
  ReleaseSRWLockShared(&v->lock);
  return S_OK;
}

static HRESULT index_of(sim_guid_vector *v, const GUID *g, UINT32 *index, boolean *found) {
  if (!index || !found) return E_POINTER;
  *index = 0;
  *found = FALSE;
  AcquireSRWLockShared(&v->lock);
  for (UINT32 i = 0; i < v->n; i++) {
    if (IsEqualGUID(&v->v[i], g)) {
      *index = i;
      *found = TRUE;
      break;
    }
  }
  ReleaseSRWLockShared(&v->lock);
  return S_OK;
}

static HRESULT get_many(sim_guid_vector *v, UINT32 start, UINT32 size, GUID *items, UINT32 *count) {
  if (!count) return E_POINTER;
  *count = 0;
  AcquireSRWLockShared(&v->lock);
  if (start > v->n) {
    ReleaseSRWLockShared(&v->lock);
    return E_BOUNDS;
  }
  UINT32 k = 0;
  for (UINT32 i = start; i < v->n && k < size; i++) items[k++] = v->v[i];
  ReleaseSRWLockShared(&v->lock);
  *count = k;
  return S_OK;
}

static HRESULT insert_at(sim_guid_vector *v, UINT32 index, const GUID *g) {
  AcquireSRWLockExclusive(&v->lock);
  HRESULT hr = index > v->n ? E_BOUNDS : grow(v);
  if (SUCCEEDED(hr)) {
    memmove(&v->v[index + 1], &v->v[index], (v->n - index) * sizeof *v->v);
    v->v[index] = *g;
    v->n++;
  }
  ReleaseSRWLockExclusive(&v->lock);
  return hr;
}

static HRESULT remove_at(sim_guid_vector *v, UINT32 index) {
  AcquireSRWLockExclusive(&v->lock);
  HRESULT hr = S_OK;
  if (index < v->n) {
    memmove(&v->v[index], &v->v[index + 1], (v->n - index - 1) * sizeof *v->v);
    v->n--;
  } else {
    hr = E_BOUNDS;
  }
  ReleaseSRWLockExclusive(&v->lock);
  return hr;
}

static sim_guid_vector *new_gv(bool view);

/* ---- IVector<Guid> ------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE vec_GetAt(__FIVector_1_GUID *This, UINT32 index, GUID *value) {
  SIM_ENTER();
  return get_at(GV(This), index, value);
}
static HRESULT STDMETHODCALLTYPE vec_get_Size(__FIVector_1_GUID *This, UINT32 *value) {
  SIM_ENTER();
  return size_of(GV(This), value);
}
static HRESULT STDMETHODCALLTYPE vec_GetView(__FIVector_1_GUID *This, __FIVectorView_1_GUID **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  sim_guid_vector *v = GV(This), *c = new_gv(true);
  if (!c) return E_OUTOFMEMORY;
  AcquireSRWLockShared(&v->lock);
  HRESULT hr = S_OK;
  for (UINT32 i = 0; i < v->n && SUCCEEDED(hr); i++) hr = insert_at(c, c->n, &v->v[i]);
  ReleaseSRWLockShared(&v->lock);
  if (FAILED(hr)) {
    sim_Release(&c->view);
    return hr;
  }
  *value = &c->view;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE vec_IndexOf(__FIVector_1_GUID *This, GUID element, UINT32 *index,
                                             boolean *found) {
  SIM_ENTER();
  return index_of(GV(This), &element, index, found);
}
static HRESULT STDMETHODCALLTYPE vec_SetAt(__FIVector_1_GUID *This, UINT32 index, GUID value) {
  SIM_ENTER();
  sim_guid_vector *v = GV(This);
  HRESULT hr = S_OK;
  AcquireSRWLockExclusive(&v->lock);
  if (index < v->n)
    v->v[index] = value;
  else
    hr = E_BOUNDS;
  ReleaseSRWLockExclusive(&v->lock);
  return hr;
}
static HRESULT STDMETHODCALLTYPE vec_InsertAt(__FIVector_1_GUID *This, UINT32 index, GUID value) {
  SIM_ENTER();
  return insert_at(GV(This), index, &value);
}
static HRESULT STDMETHODCALLTYPE vec_RemoveAt(__FIVector_1_GUID *This, UINT32 index) {
  SIM_ENTER();
  return remove_at(GV(This), index);
}
static HRESULT STDMETHODCALLTYPE vec_Append(__FIVector_1_GUID *This, GUID value) {
  SIM_ENTER();
  sim_guid_vector *v = GV(This);
  AcquireSRWLockShared(&v->lock);
  UINT32 n = v->n;
  ReleaseSRWLockShared(&v->lock);
  return insert_at(v, n, &value);
}
static HRESULT STDMETHODCALLTYPE vec_RemoveAtEnd(__FIVector_1_GUID *This) {
  SIM_ENTER();
  sim_guid_vector *v = GV(This);
  AcquireSRWLockShared(&v->lock);
  UINT32 n = v->n;
  ReleaseSRWLockShared(&v->lock);
  return n ? remove_at(v, n - 1) : E_BOUNDS;
}
static HRESULT STDMETHODCALLTYPE vec_Clear(__FIVector_1_GUID *This) {
  SIM_ENTER();
  sim_guid_vector *v = GV(This);
  AcquireSRWLockExclusive(&v->lock);
  v->n = 0;
  ReleaseSRWLockExclusive(&v->lock);
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE vec_GetMany(__FIVector_1_GUID *This, UINT32 start, UINT32 size, GUID *items,
                                             UINT32 *count) {
  SIM_ENTER();
  return get_many(GV(This), start, size, items, count);
}
static HRESULT STDMETHODCALLTYPE vec_ReplaceAll(__FIVector_1_GUID *This, UINT32 count, GUID *items) {
  SIM_ENTER();
  sim_guid_vector *v = GV(This);
  AcquireSRWLockExclusive(&v->lock);
  v->n = 0;
  ReleaseSRWLockExclusive(&v->lock);
  HRESULT hr = S_OK;
  for (UINT32 i = 0; i < count && SUCCEEDED(hr); i++) hr = insert_at(v, i, &items[i]);
  return hr;
}

SIM_VTABLE(__FIVector_1_GUIDVtbl, vec_vt) = {
    offsetof(sim_guid_vector, vec),
    {SIM_INSPECTABLE_SLOTS, .GetAt = vec_GetAt, .get_Size = vec_get_Size, .GetView = vec_GetView,
     .IndexOf = vec_IndexOf, .SetAt = vec_SetAt, .InsertAt = vec_InsertAt, .RemoveAt = vec_RemoveAt,
     .Append = vec_Append, .RemoveAtEnd = vec_RemoveAtEnd, .Clear = vec_Clear, .GetMany = vec_GetMany,
     .ReplaceAll = vec_ReplaceAll}};

/* ---- IVectorView<Guid> ----------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE view_GetAt(__FIVectorView_1_GUID *This, UINT32 index, GUID *value) {
  SIM_ENTER();
  return get_at(GV(This), index, value);
}
static HRESULT STDMETHODCALLTYPE view_get_Size(__FIVectorView_1_GUID *This, UINT32 *value) {
  SIM_ENTER();
  return size_of(GV(This), value);
}
static HRESULT STDMETHODCALLTYPE view_IndexOf(__FIVectorView_1_GUID *This, GUID element, UINT32 *index,
                                              boolean *found) {
  SIM_ENTER();
  return index_of(GV(This), &element, index, found);
}
static HRESULT STDMETHODCALLTYPE view_GetMany(__FIVectorView_1_GUID *This, UINT32 start, UINT32 size,
                                              GUID *items, UINT32 *count) {
  SIM_ENTER();
  return get_many(GV(This), start, size, items, count);
}

SIM_VTABLE(__FIVectorView_1_GUIDVtbl, view_vt) = {
    offsetof(sim_guid_vector, view),
    {SIM_INSPECTABLE_SLOTS, .GetAt = view_GetAt, .get_Size = view_get_Size, .IndexOf = view_IndexOf,
     .GetMany = view_GetMany}};

/* ---- IIterable<Guid>, IIterator<Guid> ----------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE it_get_Current(__FIIterator_1_GUID *This, GUID *value) {
  SIM_ENTER();
  guid_iter *it = (guid_iter *)sim_obj_from(This);
  return get_at(it->owner, it->pos, value);
}
static HRESULT STDMETHODCALLTYPE it_get_HasCurrent(__FIIterator_1_GUID *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  guid_iter *it = (guid_iter *)sim_obj_from(This);
  UINT32 n = 0;
  size_of(it->owner, &n);
  *value = it->pos < n;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE it_MoveNext(__FIIterator_1_GUID *This, boolean *value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  guid_iter *it = (guid_iter *)sim_obj_from(This);
  UINT32 n = 0;
  size_of(it->owner, &n);
  if (it->pos < n) it->pos++;
  *value = it->pos < n;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE it_GetMany(__FIIterator_1_GUID *This, UINT32 size, GUID *items, UINT32 *count) {
  SIM_ENTER();
  guid_iter *it = (guid_iter *)sim_obj_from(This);
  HRESULT hr = get_many(it->owner, it->pos, size, items, count);
  if (SUCCEEDED(hr)) it->pos += *count;
  return hr;
}

SIM_VTABLE(__FIIterator_1_GUIDVtbl, it_vt) = {
    offsetof(guid_iter, it),
    {SIM_INSPECTABLE_SLOTS, .get_Current = it_get_Current, .get_HasCurrent = it_get_HasCurrent,
     .MoveNext = it_MoveNext, .GetMany = it_GetMany}};

static HRESULT STDMETHODCALLTYPE able_First(__FIIterable_1_GUID *This, __FIIterator_1_GUID **value) {
  SIM_ENTER();
  SIM_CHECK_OUT(value);
  guid_iter *it = sim_obj_new(&gi_class, sizeof *it);
  if (!it) return E_OUTOFMEMORY;
  it->it.lpVtbl = (__FIIterator_1_GUIDVtbl *)&it_vt.v;
  it->owner = GV(This);
  sim_AddRef(&it->owner->iterable);
  *value = &it->it;
  return S_OK;
}

SIM_VTABLE(__FIIterable_1_GUIDVtbl, able_vt) = {offsetof(sim_guid_vector, iterable),
                                                {SIM_INSPECTABLE_SLOTS, .First = able_First}};

static sim_guid_vector *new_gv(bool view) {
  sim_guid_vector *v = sim_obj_new(view ? &gview_class : &gv_class, sizeof *v);
  if (!v) return NULL;
  v->vec.lpVtbl = (__FIVector_1_GUIDVtbl *)&vec_vt.v;
  v->view.lpVtbl = (__FIVectorView_1_GUIDVtbl *)&view_vt.v;
  v->iterable.lpVtbl = (__FIIterable_1_GUIDVtbl *)&able_vt.v;
  InitializeSRWLock(&v->lock);
  return v;
}

sim_guid_vector *sim_guid_vector_new(void) { return new_gv(false); }
__FIVector_1_GUID *sim_guid_vector_itf(sim_guid_vector *v) { return &v->vec; }

HRESULT sim_guid_vector_append(sim_guid_vector *v, const GUID *g) {
  AcquireSRWLockShared(&v->lock);
  UINT32 n = v->n;
  ReleaseSRWLockShared(&v->lock);
  return insert_at(v, n, g);
}

HRESULT sim_guid_vector_copy(__FIVector_1_GUID *itf, GUID **out, UINT32 *n) {
  *out = NULL;
  *n = 0;
  if (!itf) return S_OK;
  UINT32 size = 0;
  HRESULT hr = __FIVector_1_GUID_get_Size(itf, &size);
  if (FAILED(hr) || size == 0) return hr;
  GUID *v = calloc(size, sizeof *v);
  if (!v) return E_OUTOFMEMORY;
  for (UINT32 i = 0; i < size; i++) {
    hr = __FIVector_1_GUID_GetAt(itf, i, &v[i]);
    if (FAILED(hr)) {
      free(v);
      return hr;
    }
  }
  *out = v;
  *n = size;
  return S_OK;
}
