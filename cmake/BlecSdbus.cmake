# SPDX-License-Identifier: MIT
# Finds sd-bus (libsystemd, Debian's libsystemd-dev) for the simulated bluetoothd
# (sim/bluez). Sets BLEC_HAVE_SDBUS and, when found, the imported target
# PkgConfig::BLEC_SIM_SDBUS (its own prefix: the bluez backend runs its own check in
# src/'s scope). Linux only; elsewhere nothing.
if(DEFINED BLEC_HAVE_SDBUS)
  return()
endif()
set(BLEC_HAVE_SDBUS OFF)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(BLEC_SIM_SDBUS QUIET IMPORTED_TARGET GLOBAL libsystemd)
    if(BLEC_SIM_SDBUS_FOUND)
      set(BLEC_HAVE_SDBUS ON)
    endif()
  endif()
  if(NOT BLEC_HAVE_SDBUS)
    message(STATUS "sd-bus (libsystemd) not found: no bluez backend, no simulated bluetoothd")
  endif()
endif()
