# SPDX-License-Identifier: MIT
# The `winrt` backend's sources (included by src/CMakeLists.txt on WIN32, in that directory's
# scope, after backends/winrt/CMakeLists.txt): appended to BLEC_SOURCES; both library targets
# get BLEC_HAVE_WINRT (ctx.c lists the backend) once src/CMakeLists.txt has made them.

file(GLOB BLEC_WINRT_BACKEND_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_LIST_DIR}/backend*.c ${CMAKE_CURRENT_LIST_DIR}/winrt_*.c)
list(APPEND BLEC_SOURCES ${BLEC_WINRT_BACKEND_SOURCES})
# Every interface up to UniversalApiContract 15 (the generated headers gate them by contract).
set_source_files_properties(${BLEC_WINRT_BACKEND_SOURCES} PROPERTIES
  COMPILE_DEFINITIONS "WINDOWS_FOUNDATION_UNIVERSALAPICONTRACT_VERSION=0xf0000;_WIN32_WINNT=0x0A00")

function(blec_winrt_backend_attach)
  foreach(t IN ITEMS blec blec_static)
    if(TARGET ${t})
      target_compile_definitions(${t} PRIVATE BLEC_HAVE_WINRT)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL blec_winrt_backend_attach)
