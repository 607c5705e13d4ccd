# SPDX-License-Identifier: MIT
# The `bluez` backend's sources (included by src/CMakeLists.txt on Linux, in that
# directory's scope): built when sd-bus (libsystemd, Debian's libsystemd-dev) is found;
# appended to BLEC_SOURCES with the library in BLEC_SYSTEM_LIBS, and BLEC_HAVE_BLUEZ
# defined for both library targets (ctx.c lists the backend).

set(_found FALSE)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  # A prefix of its own: the simulated bluetoothd (sim/bluez) runs its own check.
  pkg_check_modules(BLEC_BLUEZ_LIBSYSTEMD QUIET libsystemd>=221)
  if(BLEC_BLUEZ_LIBSYSTEMD_FOUND)
    set(_found TRUE)
    set(_libs ${BLEC_BLUEZ_LIBSYSTEMD_LIBRARIES})
    set(_incs ${BLEC_BLUEZ_LIBSYSTEMD_INCLUDE_DIRS})
  endif()
endif()
# Seen by tests/, bench/ and fuzz/ too (this file runs in src/'s scope).
set(BLEC_HAVE_BLUEZ ${_found} CACHE INTERNAL "the bluez backend is built")
if(NOT _found)
  message(STATUS "bluez backend: libsystemd (sd-bus) not found, not built (Debian: libsystemd-dev)")
  return()
endif()
set(BLEC_BLUEZ_LIBS "${_libs}" CACHE INTERNAL "what the bluez backend links (sd-bus)")
set(BLEC_BLUEZ_INCLUDE_DIRS "${_incs}" CACHE INTERNAL "sd-bus include directories")

file(GLOB BLEC_BLUEZ_BACKEND_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/blz_*.c)
list(APPEND BLEC_SOURCES ${BLEC_BLUEZ_BACKEND_SOURCES})
# By name (-lsystemd): the exported CMake package and blec.pc's Libs.private then name it too.
list(APPEND BLEC_SYSTEM_LIBS ${BLEC_BLUEZ_LIBS})

function(blec_bluez_backend_attach)
  foreach(t IN ITEMS blec blec_static)
    if(TARGET ${t})
      target_compile_definitions(${t} PRIVATE BLEC_HAVE_BLUEZ)
      target_include_directories(${t} PRIVATE ${BLEC_BLUEZ_INCLUDE_DIRS})
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL blec_bluez_backend_attach)
