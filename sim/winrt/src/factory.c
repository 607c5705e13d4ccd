/* SPDX-License-Identifier: MIT */
/*
 * factory.c — the DLL's WinRT entry points. Wine's RoGetActivationFactory finds the DLL
 * through HKLM\Software\Microsoft\WindowsRuntime\ActivatableClassId\<class>\DllPath,
 * loads it and calls DllGetActivationFactory(class name); the factory it returns answers
 * IActivationFactory (ActivateInstance, for classes with a default constructor) and the
 * class's statics and factory interfaces (sim_factory_desc).
 */
#include "sim.h"

#include <wchar.h>

static const sim_class factory_class = {L"Windows.Foundation.IActivationFactory", NULL, NULL};

static HRESULT STDMETHODCALLTYPE af_ActivateInstance(IActivationFactory *This, IInspectable **instance) {
  SIM_ENTER();
  SIM_CHECK_OUT(instance);
  *instance = NULL;
  sim_factory *f = (sim_factory *)sim_obj_from(This);
  if (!f->desc->activate) return E_NOTIMPL;
  return f->desc->activate(instance);
}

SIM_VTABLE(IActivationFactoryVtbl, af_vt) = {offsetof(sim_factory, activation),
                                             {SIM_INSPECTABLE_SLOTS, .ActivateInstance = af_ActivateInstance}};

static HRESULT factory_new(const sim_factory_desc *desc, IActivationFactory **out) {
  sim_factory *f = sim_obj_new(&factory_class, sizeof *f);
  if (!f) return E_OUTOFMEMORY;
  f->activation.lpVtbl = (IActivationFactoryVtbl *)&af_vt.v;
  f->desc = desc;
  int k = 0;
  f->itfs[k].iid = &IID_IActivationFactory;
  f->itfs[k++].offset = offsetof(sim_factory, activation);
  for (int i = 0; i < SIM_FACTORY_MAX_EXTRA && desc->extra[i].iid; i++) {
    f->slot[i].lpVtbl = desc->extra[i].vtbl;
    f->itfs[k].iid = desc->extra[i].iid;
    f->itfs[k++].offset = SIM_FACTORY_SLOT(i);
  }
  f->obj.itfs = f->itfs;
  *out = &f->activation;
  return S_OK;
}

HRESULT WINAPI DllGetActivationFactory(HSTRING class_id, IActivationFactory **factory);
HRESULT WINAPI DllCanUnloadNow(void);

HRESULT WINAPI DllGetActivationFactory(HSTRING class_id, IActivationFactory **factory) {
  if (!factory) return E_POINTER;
  *factory = NULL;
  const WCHAR *name = WindowsGetStringRawBuffer(class_id, NULL);
  /* A class newer than the Windows build played is not registered on that PC. */
  if (sim_class_hidden(name)) return REGDB_E_CLASSNOTREG;
  for (const sim_factory_desc *const *d = sim_factories; *d; d++) {
    if (wcscmp((*d)->name, name) == 0) return factory_new(*d, factory);
  }
  return CLASS_E_CLASSNOTAVAILABLE;
}

HRESULT WINAPI DllCanUnloadNow(void) {
  /* Worker threads run the DLL's code for the life of the process. */
  return S_FALSE;
}
