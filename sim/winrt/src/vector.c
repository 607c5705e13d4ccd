/* SPDX-License-Identifier: MIT */
/*
 * vector.c — IVector<T*>, IVectorView<T*>, IIterable<T*> and IIterator<T*> for every
 * interface type T: their vtables do not depend on T (elements are interface pointers),
 * only their IIDs do, which sim_vector_type gives.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

typedef struct vec_vtbl { /* IVector<T*> */
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel;
  HRESULT(STDMETHODCALLTYPE *GetAt)(void *This, UINT32 index, IUnknown **out);
  HRESULT(STDMETHODCALLTYPE *get_Size)(void *This, UINT32 *size);
  HRESULT(STDMETHODCALLTYPE *GetView)(void *This, void **view);
  HRESULT(STDMETHODCALLTYPE *IndexOf)(void *This, IUnknown *value, UINT32 *index, boolean *found);
  HRESULT(STDMETHODCALLTYPE *SetAt)(void *This, UINT32 index, IUnknown *value);
  HRESULT(STDMETHODCALLTYPE *InsertAt)(void *This, UINT32 index, IUnknown *value);
  HRESULT(STDMETHODCALLTYPE *RemoveAt)(void *This, UINT32 index);
  HRESULT(STDMETHODCALLTYPE *Append)(void *This, IUnknown *value);
  HRESULT(STDMETHODCALLTYPE *RemoveAtEnd)(void *This);
  HRESULT(STDMETHODCALLTYPE *Clear)(void *This);
  HRESULT(STDMETHODCALLTYPE *GetMany)(void *This, UINT32 start, UINT32 size, IUnknown **items,
                                      UINT32 *count);
  HRESULT(STDMETHODCALLTYPE *ReplaceAll)(void *This, UINT32 count, IUnknown **items);
} vec_vtbl;

typedef struct view_vtbl { /* IVectorView<T*> */
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel;
  HRESULT(STDMETHODCALLTYPE *GetAt)(void *This, UINT32 index, IUnknown **out);
  HRESULT(STDMETHODCALLTYPE *get_Size)(void *This, UINT32 *size);
  HRESULT(STDMETHODCALLTYPE *IndexOf)(void *This, IUnknown *value, UINT32 *index, boolean *found);
  HRESULT(STDMETHODCALLTYPE *GetMany)(void *This, UINT32 start, UINT32 size, IUnknown **items,
                                      UINT32 *count);
} view_vtbl;

typedef struct iterable_vtbl {
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel;
  HRESULT(STDMETHODCALLTYPE *First)(void *This, void **iterator);
} iterable_vtbl;

typedef struct iter_vtbl {
  void *QueryInterface, *AddRef, *Release, *GetIids, *GetRuntimeClassName, *GetTrustLevel;
  HRESULT(STDMETHODCALLTYPE *get_Current)(void *This, IUnknown **out);
  HRESULT(STDMETHODCALLTYPE *get_HasCurrent)(void *This, boolean *out);
  HRESULT(STDMETHODCALLTYPE *MoveNext)(void *This, boolean *out);
  HRESULT(STDMETHODCALLTYPE *GetMany)(void *This, UINT32 size, IUnknown **items, UINT32 *count);
} iter_vtbl;

struct sim_vector {
  sim_obj obj;
  struct {
    const void *lpVtbl;
  } vec, iterable;
  sim_itf itfs[3];
  const sim_vector_type *type;
  SRWLOCK lock;
  IUnknown **v;
  UINT32 n, cap;
};

typedef struct sim_iter {
  sim_obj obj;
  struct {
    const void *lpVtbl;
  } it;
  sim_itf itfs[2];
  sim_vector *owner;
  UINT32 pos;
} sim_iter;

static void vector_destroy(sim_obj *o) {
  sim_vector *v = (sim_vector *)o;
  for (UINT32 i = 0; i < v->n; i++) IUnknown_Release(v->v[i]);
  free(v->v);
}

static void iter_destroy(sim_obj *o) {
  sim_iter *it = (sim_iter *)o;
  sim_Release(&it->owner->vec);
}

static const sim_itf no_itfs[] = {{NULL, 0}};
static const sim_class vector_class = {L"Windows.Foundation.Collections.IVector`1", no_itfs, vector_destroy};
static const sim_class view_class = {L"Windows.Foundation.Collections.IVectorView`1", no_itfs, vector_destroy};
static const sim_class iter_class = {L"Windows.Foundation.Collections.IIterator`1", no_itfs, iter_destroy};

static sim_vector *from_vec(void *This) { return (sim_vector *)sim_obj_from(This); }

static HRESULT grow(sim_vector *v) {
  if (v->n < v->cap) return S_OK;
  UINT32 cap = v->cap ? v->cap * 2 : 4;
  IUnknown **p = realloc(v->v, cap * sizeof *p);
  if (!p) return E_OUTOFMEMORY;
  v->v = p;
  v->cap = cap;
  return S_OK;
}

/* ---- shared read methods --------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE v_GetAt(void *This, UINT32 index, IUnknown **out) {
  SIM_ENTER();
  SIM_CHECK_OUT(out);
  sim_vector *v = from_vec(This);
  HRESULT hr = S_OK;
  AcquireSRWLockShared(&v->lock);
  if (index >= v->n) {
    *out = NULL;
    hr = E_BOUNDS;
  } else {
    *out = v->v[index];
    IUnknown_AddRef(*out);
  }
  ReleaseSRWLockShared(&v->lock);
  return hr;
}

static HRESULT STDMETHODCALLTYPE v_get_Size(void *This, UINT32 *size) {
  SIM_ENTER();
  SIM_CHECK_OUT(size);
  sim_vector *v = from_vec(This);
  AcquireSRWLockShared(&v->lock);
  *size = v->n;
  ReleaseSRWLockShared(&v->lock);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE v_IndexOf(void *This, IUnknown *value, UINT32 *index, boolean *found) {
  SIM_ENTER();
  if (!index || !found) return E_POINTER;
  sim_vector *v = from_vec(This);
  *index = 0;
  *found = FALSE;
  /* Identity is the IUnknown of each object. */
  IUnknown *key = NULL;
  if (value) IUnknown_QueryInterface(value, &IID_IUnknown, (void **)&key);
  AcquireSRWLockShared(&v->lock);
  for (UINT32 i = 0; i < v->n && key; i++) {
    IUnknown *u = NULL;
    IUnknown_QueryInterface(v->v[i], &IID_IUnknown, (void **)&u);
    bool same = u == key;
    sim_release_any(u);
    if (same) {
      *index = i;
      *found = TRUE;
      break;
    }
  }
  ReleaseSRWLockShared(&v->lock);
  sim_release_any(key);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE v_GetMany(void *This, UINT32 start, UINT32 size, IUnknown **items,
                                           UINT32 *count) {
  SIM_ENTER();
  SIM_CHECK_OUT(count);
  sim_vector *v = from_vec(This);
  *count = 0;
  AcquireSRWLockShared(&v->lock);
  if (start > v->n) {
    ReleaseSRWLockShared(&v->lock);
    return E_BOUNDS;
  }
  UINT32 k = 0;
  for (UINT32 i = start; i < v->n && k < size; i++, k++) {
    items[k] = v->v[i];
    IUnknown_AddRef(items[k]);
  }
  ReleaseSRWLockShared(&v->lock);
  *count = k;
  return S_OK;
}

/* ---- IVector writes ------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE v_GetView(void *This, void **view) {
  SIM_ENTER();
  SIM_CHECK_OUT(view);
  *view = sim_vector_view(from_vec(This));
  return *view ? S_OK : E_OUTOFMEMORY;
}

static HRESULT STDMETHODCALLTYPE v_SetAt(void *This, UINT32 index, IUnknown *value) {
  SIM_ENTER();
  if (!value) return E_INVALIDARG;
  sim_vector *v = from_vec(This);
  IUnknown *old = NULL;
  AcquireSRWLockExclusive(&v->lock);
  if (index >= v->n) {
    ReleaseSRWLockExclusive(&v->lock);
    return E_BOUNDS;
  }
  old = v->v[index];
  IUnknown_AddRef(value);
  v->v[index] = value;
  ReleaseSRWLockExclusive(&v->lock);
  IUnknown_Release(old);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE v_InsertAt(void *This, UINT32 index, IUnknown *value) {
  SIM_ENTER();
  if (!value) return E_INVALIDARG;
  sim_vector *v = from_vec(This);
  AcquireSRWLockExclusive(&v->lock);
  HRESULT hr = index > v->n ? E_BOUNDS : grow(v);
  if (SUCCEEDED(hr)) {
    memmove(&v->v[index + 1], &v->v[index], (v->n - index) * sizeof *v->v);
    IUnknown_AddRef(value);
    v->v[index] = value;
    v->n++;
  }
  ReleaseSRWLockExclusive(&v->lock);
  return hr;
}

static HRESULT STDMETHODCALLTYPE v_RemoveAt(void *This, UINT32 index) {
  SIM_ENTER();
  sim_vector *v = from_vec(This);
  AcquireSRWLockExclusive(&v->lock);
  if (index >= v->n) {
    ReleaseSRWLockExclusive(&v->lock);
    return E_BOUNDS;
  }
  IUnknown *old = v->v[index];
  memmove(&v->v[index], &v->v[index + 1], (v->n - index - 1) * sizeof *v->v);
  v->n--;
  ReleaseSRWLockExclusive(&v->lock);
  IUnknown_Release(old);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE v_Append(void *This, IUnknown *value) {
  SIM_ENTER();
  return sim_vector_append(from_vec(This), value);
}

static HRESULT STDMETHODCALLTYPE v_RemoveAtEnd(void *This) {
  SIM_ENTER();
  sim_vector *v = from_vec(This);
  AcquireSRWLockShared(&v->lock);
  UINT32 n = v->n;
  ReleaseSRWLockShared(&v->lock);
  if (n == 0) return E_BOUNDS;
  return v_RemoveAt(This, n - 1);
}

static HRESULT STDMETHODCALLTYPE v_Clear(void *This) {
  SIM_ENTER();
  sim_vector *v = from_vec(This);
  AcquireSRWLockExclusive(&v->lock);
  IUnknown **items = v->v;
  UINT32 n = v->n;
  v->v = NULL;
  v->n = v->cap = 0;
  ReleaseSRWLockExclusive(&v->lock);
  for (UINT32 i = 0; i < n; i++) IUnknown_Release(items[i]);
  free(items);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE v_ReplaceAll(void *This, UINT32 count, IUnknown **items) {
  SIM_ENTER();
  HRESULT hr = v_Clear(This);
  for (UINT32 i = 0; i < count && SUCCEEDED(hr); i++) hr = sim_vector_append(from_vec(This), items[i]);
  return hr;
}

/* ---- IIterable / IIterator -------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE it_get_Current(void *This, IUnknown **out) {
  SIM_ENTER();
  sim_iter *it = (sim_iter *)sim_obj_from(This);
  return v_GetAt(&it->owner->vec, it->pos, out);
}

static HRESULT STDMETHODCALLTYPE it_get_HasCurrent(void *This, boolean *out) {
  SIM_ENTER();
  SIM_CHECK_OUT(out);
  sim_iter *it = (sim_iter *)sim_obj_from(This);
  AcquireSRWLockShared(&it->owner->lock);
  *out = it->pos < it->owner->n;
  ReleaseSRWLockShared(&it->owner->lock);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE it_MoveNext(void *This, boolean *out) {
  SIM_ENTER();
  SIM_CHECK_OUT(out);
  sim_iter *it = (sim_iter *)sim_obj_from(This);
  AcquireSRWLockShared(&it->owner->lock);
  if (it->pos < it->owner->n) it->pos++;
  *out = it->pos < it->owner->n;
  ReleaseSRWLockShared(&it->owner->lock);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE it_GetMany(void *This, UINT32 size, IUnknown **items, UINT32 *count) {
  SIM_ENTER();
  sim_iter *it = (sim_iter *)sim_obj_from(This);
  HRESULT hr = v_GetMany(&it->owner->vec, it->pos, size, items, count);
  if (SUCCEEDED(hr)) it->pos += *count;
  return hr;
}

SIM_VTABLE(iter_vtbl, iter_vt) = {offsetof(sim_iter, it),
                                  {SIM_INSPECTABLE_SLOTS, .get_Current = it_get_Current,
                                   .get_HasCurrent = it_get_HasCurrent, .MoveNext = it_MoveNext,
                                   .GetMany = it_GetMany}};

static HRESULT STDMETHODCALLTYPE v_First(void *This, void **iterator) {
  SIM_ENTER();
  SIM_CHECK_OUT(iterator);
  sim_vector *v = (sim_vector *)sim_obj_from(This);
  sim_iter *it = sim_obj_new(&iter_class, sizeof *it);
  if (!it) return E_OUTOFMEMORY;
  it->it.lpVtbl = &iter_vt.v;
  it->itfs[0].iid = v->type->iterator_iid;
  it->itfs[0].offset = offsetof(sim_iter, it);
  it->obj.itfs = it->itfs;
  sim_AddRef(&v->vec);
  it->owner = v;
  *iterator = &it->it;
  return S_OK;
}

SIM_VTABLE(vec_vtbl, vec_vt) = {
    offsetof(sim_vector, vec),
    {SIM_INSPECTABLE_SLOTS, .GetAt = v_GetAt, .get_Size = v_get_Size, .GetView = v_GetView,
     .IndexOf = v_IndexOf, .SetAt = v_SetAt, .InsertAt = v_InsertAt, .RemoveAt = v_RemoveAt,
     .Append = v_Append, .RemoveAtEnd = v_RemoveAtEnd, .Clear = v_Clear, .GetMany = v_GetMany,
     .ReplaceAll = v_ReplaceAll}};
SIM_VTABLE(view_vtbl, view_vt) = {offsetof(sim_vector, vec),
                                  {SIM_INSPECTABLE_SLOTS, .GetAt = v_GetAt, .get_Size = v_get_Size,
                                   .IndexOf = v_IndexOf, .GetMany = v_GetMany}};
SIM_VTABLE(iterable_vtbl, iterable_vt) = {offsetof(sim_vector, iterable),
                                          {SIM_INSPECTABLE_SLOTS, .First = v_First}};

/* ---- producer side --------------------------------------------------------------------------- */

static sim_vector *new_vec(const sim_vector_type *type, bool view) {
  sim_vector *v = sim_obj_new(view ? &view_class : &vector_class, sizeof *v);
  if (!v) return NULL;
  v->vec.lpVtbl = view ? (const void *)&view_vt.v : (const void *)&vec_vt.v;
  v->iterable.lpVtbl = &iterable_vt.v;
  v->itfs[0].iid = view ? type->view_iid : type->vector_iid;
  v->itfs[0].offset = offsetof(sim_vector, vec);
  v->itfs[1].iid = type->iterable_iid;
  v->itfs[1].offset = offsetof(sim_vector, iterable);
  v->obj.itfs = v->itfs;
  v->type = type;
  InitializeSRWLock(&v->lock);
  return v;
}

sim_vector *sim_vector_new(const sim_vector_type *type) { return new_vec(type, type->vector_iid == NULL); }

HRESULT sim_vector_append(sim_vector *v, void *elem) {
  if (!elem) return E_INVALIDARG;
  AcquireSRWLockExclusive(&v->lock);
  HRESULT hr = grow(v);
  if (SUCCEEDED(hr)) {
    IUnknown_AddRef((IUnknown *)elem);
    v->v[v->n++] = elem;
  }
  ReleaseSRWLockExclusive(&v->lock);
  return hr;
}

void *sim_vector_itf(sim_vector *v) { return &v->vec; }

UINT32 sim_vector_size(sim_vector *v) {
  AcquireSRWLockShared(&v->lock);
  UINT32 n = v->n;
  ReleaseSRWLockShared(&v->lock);
  return n;
}

void *sim_vector_at(sim_vector *v, UINT32 i) {
  AcquireSRWLockShared(&v->lock);
  void *p = i < v->n ? v->v[i] : NULL;
  ReleaseSRWLockShared(&v->lock);
  return p;
}

void *sim_view_new(const sim_vector_type *type, void *const *elems, UINT32 n) {
  sim_vector *v = new_vec(type, true);
  if (!v) return NULL;
  for (UINT32 i = 0; i < n; i++) {
    if (FAILED(sim_vector_append(v, elems[i]))) {
      sim_Release(&v->vec);
      return NULL;
    }
  }
  return &v->vec;
}

void *sim_vector_view(sim_vector *v) {
  AcquireSRWLockShared(&v->lock);
  void *view = sim_view_new(v->type, (void *const *)v->v, v->n);
  ReleaseSRWLockShared(&v->lock);
  return view;
}

sim_vector *sim_vector_from_itf(void *itf) {
  if (!itf) return NULL;
  const void *vt = *(const void *const *)itf;
  if (vt != &vec_vt.v && vt != &view_vt.v) return NULL;
  return (sim_vector *)sim_obj_from(itf);
}
