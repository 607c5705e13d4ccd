# SPDX-License-Identifier: MIT
# wine.cmake — lets ctest run the Windows programs of a cross build under Wine: the
# emulator is scripts/wine-run.sh, which uses the Wine prefix the build owns
# (<build>/wineprefix, never ~/.wine), Wine's 64-bit loader directly, a silenced Wine and a
# persistent wineserver (parallel ctest shares it). Included by toolchain-mingw64.cmake;
# leaves the emulator unset when Wine is missing (the tests then cannot run).

if(DEFINED CMAKE_CROSSCOMPILING_EMULATOR)
  return()
endif()
find_program(BLEC_WINE64 NAMES wine64 PATHS /usr/lib/wine /usr/lib64/wine /opt/wine-stable/bin
  NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH DOC "Wine's 64-bit loader")
if(NOT BLEC_WINE64)
  find_program(BLEC_WINE64 NAMES wine64 NO_CMAKE_FIND_ROOT_PATH)
endif()
if(BLEC_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../scripts/wine-run.sh)
  get_filename_component(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CROSSCOMPILING_EMULATOR} ABSOLUTE)
endif()
