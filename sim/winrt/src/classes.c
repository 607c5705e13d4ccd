/* SPDX-License-Identifier: MIT */
/*
 * classes.c — every runtime class the DLL activates (DllGetActivationFactory) and that
 * the registration fixture writes under ActivatableClassId (sim/winrt/CMakeLists.txt
 * keeps the same list: keep them in step).
 */
#include "sim.h"

const sim_factory_desc *const sim_factories[] = {
    &sim_buffer_factory,
    &sim_datareader_factory,
    &sim_datawriter_factory,
    NULL,
};
