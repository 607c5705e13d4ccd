# SPDX-License-Identifier: MIT
# toolchain-mingw64.cmake — cross-compiles blec for 64-bit Windows with mingw-w64 on Linux:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake
# ctest then runs the Windows test programs under Wine (cmake/wine.cmake).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(BLEC_MINGW_TRIPLE x86_64-w64-mingw32 CACHE STRING "mingw-w64 target triple")
set(CMAKE_C_COMPILER ${BLEC_MINGW_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${BLEC_MINGW_TRIPLE}-g++)
set(CMAKE_RC_COMPILER ${BLEC_MINGW_TRIPLE}-windres)

# Libraries and headers come from the target's tree, programs (widl, python3) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${BLEC_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# No libgcc DLL to ship: blec.dll and the programs depend on Windows system DLLs only.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

include(${CMAKE_CURRENT_LIST_DIR}/wine.cmake)
