# SPDX-License-Identifier: MIT
# The `bluez` backend's sources (included by src/CMakeLists.txt on Linux, in that
# directory's scope): built when sd-bus (libsystemd, Debian's libsystemd-dev) is found;
# appended to BLEC_SOURCES with the library in BLEC_SYSTEM_LIBS, and BLEC_HAVE_BLUEZ
# defined for both library targets (ctx.c lists the backend).

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(BLEC_SDBUS QUIET libsystemd>=221)
endif()
if(NOT BLEC_SDBUS_FOUND)
  message(STATUS "bluez backend: libsystemd (sd-bus) not found, not built (Debian: libsystemd-dev)")
  set(BLEC_HAVE_BLUEZ OFF CACHE INTERNAL "the bluez backend is built")
  return()
endif()
message(STATUS "bluez backend: sd-bus ${BLEC_SDBUS_VERSION}")
# Seen by tests/, bench/ and sim/ too (this file runs in src/'s scope).
set(BLEC_HAVE_BLUEZ ON CACHE INTERNAL "the bluez backend is built")
set(BLEC_SDBUS_INCLUDE_DIRS "${BLEC_SDBUS_INCLUDE_DIRS}" CACHE INTERNAL "sd-bus include directories")
set(BLEC_SDBUS_LIBRARIES "${BLEC_SDBUS_LIBRARIES}" CACHE INTERNAL "sd-bus libraries")

file(GLOB BLEC_BLUEZ_BACKEND_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/blz_*.c)
list(APPEND BLEC_SOURCES ${BLEC_BLUEZ_BACKEND_SOURCES})
# By name (-lsystemd): the exported CMake package and blec.pc's Libs.private then name it too.
list(APPEND BLEC_SYSTEM_LIBS ${BLEC_SDBUS_LIBRARIES})

function(blec_bluez_backend_attach)
  foreach(t IN ITEMS blec blec_static)
    if(TARGET ${t})
      target_compile_definitions(${t} PRIVATE BLEC_HAVE_BLUEZ)
      target_include_directories(${t} PRIVATE ${BLEC_SDBUS_INCLUDE_DIRS})
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL blec_bluez_backend_attach)
