# SPDX-License-Identifier: MIT
# Install rules of the library: headers, shared and static libraries, an exported CMake
# package (find_package(blec) -> blec::blec, blec::blec_static) and a pkg-config file.
# Included from the top CMakeLists.txt after src/ (the targets blec and blec_static
# exist). The CLI installs itself from tools/blec.

include(CMakePackageConfigHelpers)

set(BLEC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/blec" CACHE STRING
    "Where the CMake package files of blec are installed (relative to the prefix)")
set(BLEC_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
    "Where blec.pc is installed (relative to the prefix)")

file(GLOB BLEC_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/blec/*.h)
install(FILES ${BLEC_PUBLIC_HEADERS}
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/blec
        COMPONENT Development)

# Shared: libblec.so.0.1.0 + libblec.so.0 (SONAME) + libblec.so (link name);
# on Windows blec.dll in bin/ and its import library in lib/.
install(TARGETS blec EXPORT blecTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Runtime
                NAMELINK_COMPONENT Development
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS blec_static EXPORT blecTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The CMake package: imported targets blec::blec and blec::blec_static.
install(EXPORT blecTargets
        NAMESPACE blec::
        FILE blecTargets.cmake
        DESTINATION ${BLEC_INSTALL_CMAKEDIR}
        COMPONENT Development)
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/blecConfig.cmake.in
  ${PROJECT_BINARY_DIR}/blecConfig.cmake
  INSTALL_DESTINATION ${BLEC_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/blecConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  # 0.x releases may break the API between minor versions; from 1.0 on, SameMajorVersion.
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/blecConfig.cmake ${PROJECT_BINARY_DIR}/blecConfigVersion.cmake
        DESTINATION ${BLEC_INSTALL_CMAKEDIR}
        COMPONENT Development)

# pkg-config. The file is relocatable: its prefix is found from ${pcfiledir}, so
# `cmake --install build --prefix /elsewhere` and DESTDIR staging both give a working file.
# Libs.private lists what a static link needs besides libblec.a (taken from blec_static's
# link interface: the thread library, and the system libraries on Windows).
set(_blec_pc_private "")
get_target_property(_blec_iface blec_static INTERFACE_LINK_LIBRARIES)
if(_blec_iface)
  foreach(_lib IN LISTS _blec_iface)
    if(_lib STREQUAL "Threads::Threads")
      if(CMAKE_THREAD_LIBS_INIT)
        list(APPEND _blec_pc_private "${CMAKE_THREAD_LIBS_INIT}")
      elseif(NOT WIN32)
        list(APPEND _blec_pc_private "-pthread")
      endif()
    elseif(_lib MATCHES "^-")
      list(APPEND _blec_pc_private "${_lib}")
    elseif(NOT _lib MATCHES "::|\\$<")
      list(APPEND _blec_pc_private "-l${_lib}")
    endif()
  endforeach()
endif()
list(REMOVE_DUPLICATES _blec_pc_private)
string(JOIN " " BLEC_PC_LIBS_PRIVATE ${_blec_pc_private})

function(_blec_pc_path var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${BLEC_INSTALL_PKGCONFIGDIR}")
  set(BLEC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  # ${pcfiledir}/.. once per component of the pkgconfig directory ("lib/pkgconfig" -> ../..).
  set(BLEC_PC_PREFIX "\${pcfiledir}")
  string(REPLACE "/" ";" _parts "${BLEC_INSTALL_PKGCONFIGDIR}")
  foreach(_p IN LISTS _parts)
    if(NOT _p STREQUAL "" AND NOT _p STREQUAL ".")
      string(APPEND BLEC_PC_PREFIX "/..")
    endif()
  endforeach()
endif()
_blec_pc_path(BLEC_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
_blec_pc_path(BLEC_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/blec.pc.in ${PROJECT_BINARY_DIR}/blec.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/blec.pc
        DESTINATION ${BLEC_INSTALL_PKGCONFIGDIR}
        COMPONENT Development)
