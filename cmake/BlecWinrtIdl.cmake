# SPDX-License-Identifier: MIT
# BlecWinrtIdl.cmake — turns blec's WinRT IDL (src/backends/winrt/idl) into C headers with
# widl at build time. Used by the Windows build (src/backends/winrt) and by the ABI check
# (tests/winrt-abi), which runs in every build, native ones included.
#
#   BLEC_WIDL                 widl 8 or newer. Debian: widl-stable (package wine64-tools);
#                             the mingw-w64 x86_64-w64-mingw32-widl 7 cannot read Wine 8's IDL.
#   BLEC_WINRT_BASE_IDL_DIR   directory of the WinRT base IDL we import (inspectable.idl,
#                             windows.foundation.idl, ...). Debian: libwine-dev's
#                             /usr/include/wine/wine/windows; MSYS2: the toolchain's include/.
#
# blec_winrt_idl_headers(<out_var> <out_dir>) adds one custom command per IDL file and sets
# <out_var> to the list of headers, or to an empty list when widl or the base IDL is missing
# (the caller decides whether that is fatal).

set(BLEC_WINRT_IDL_DIR ${CMAKE_CURRENT_LIST_DIR}/../src/backends/winrt/idl)
get_filename_component(BLEC_WINRT_IDL_DIR ${BLEC_WINRT_IDL_DIR} ABSOLUTE)
# Imports come first: a header's include of an imported header needs no order, but keep the
# list in dependency order for readers.
set(BLEC_WINRT_IDL_NAMES base streams radios enumeration bluetooth)

find_program(BLEC_WIDL NAMES widl-stable widl
  NO_CMAKE_FIND_ROOT_PATH
  DOC "widl 8 or newer (Debian: widl-stable from wine64-tools)")
find_path(BLEC_WINRT_BASE_IDL_DIR windows.foundation.idl
  PATHS /usr/include/wine/wine/windows /usr/include/wine/windows
        /mingw64/include /ucrt64/include /clang64/include
  NO_CMAKE_FIND_ROOT_PATH
  DOC "directory holding the WinRT base IDL (windows.foundation.idl, inspectable.idl, ...)")

function(blec_winrt_idl_headers out_var out_dir)
  set(${out_var} "" PARENT_SCOPE)
  if(NOT BLEC_WIDL OR NOT BLEC_WINRT_BASE_IDL_DIR)
    return()
  endif()
  file(MAKE_DIRECTORY ${out_dir})
  set(all_idl)
  foreach(n IN LISTS BLEC_WINRT_IDL_NAMES)
    list(APPEND all_idl ${BLEC_WINRT_IDL_DIR}/blec_winrt_${n}.idl)
  endforeach()
  set(headers)
  foreach(n IN LISTS BLEC_WINRT_IDL_NAMES)
    set(idl ${BLEC_WINRT_IDL_DIR}/blec_winrt_${n}.idl)
    set(h ${out_dir}/blec_winrt_${n}.h)
    add_custom_command(OUTPUT ${h}
      COMMAND ${BLEC_WIDL} --winrt -I ${BLEC_WINRT_IDL_DIR} -I ${BLEC_WINRT_BASE_IDL_DIR}
              -h -o ${h} ${idl}
      DEPENDS ${all_idl}
      COMMENT "widl: blec_winrt_${n}.idl -> blec_winrt_${n}.h"
      VERBATIM)
    list(APPEND headers ${h})
  endforeach()
  set(${out_var} ${headers} PARENT_SCOPE)
endfunction()
