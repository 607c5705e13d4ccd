/* SPDX-License-Identifier: MIT */
/*
 * classes.c — every runtime class the DLL activates (DllGetActivationFactory) and that
 * the registration fixture writes under ActivatableClassId (sim/winrt/CMakeLists.txt
 * keeps the same list: keep them in step).
 */
#include "sim.h"

#include "advertisement.h"
#include "gatt.h"

const sim_factory_desc *const sim_factories[] = {
    &sim_buffer_factory,
    &sim_datareader_factory,
    &sim_datawriter_factory,
    &sim_watcher_factory,
    &sim_adv_factory,
    &sim_section_factory,
    &sim_mfr_factory,
    &sim_filter_factory,
    &sim_pattern_factory,
    &sim_datatypes_factory,
    &sim_signal_filter_factory,
    &sim_device_factory,
    &sim_device_id_factory,
    &sim_session_factory,
    &sim_service_factory,
    &sim_characteristic_factory,
    &sim_descriptor_factory,
    &sim_protocol_error_factory,
    &sim_adapter_factory,
    &sim_radio_factory,
    &sim_uuid_helper_factory,
    &sim_device_information_factory,
    NULL,
};
