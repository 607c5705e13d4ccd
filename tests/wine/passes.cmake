# SPDX-License-Identifier: MIT
# Further passes of whole suites under Wine, against the simulated Windows stack
# (sim/winrt), included by tests/CMakeLists.txt once every suite is defined:
#
#   conformance-winrt.<test>     the conformance suite on backend "winrt"
#   conformance-hostile.<test>   the same with every hard part of Windows played
#   winrt-backend-hostile.<test> the winrt backend's own tests, likewise
#                                (BLEC_WINRT_SIM_HOSTILE=1, sim/winrt/README.md)
#
# Each pass has the label of its name (ctest -L winrt / -L hostile). A test that fails
# because of a defect of the backend (never of the simulator) is listed, with the reason,
# in the pass's known-failures file; it is not run (DISABLED) and scripts/test-windows.sh
# prints the list. A listed name that is no test is a configuration error.

if(NOT (WIN32 AND CMAKE_CROSSCOMPILING_EMULATOR))
  return()
endif()
if(NOT (EXISTS ${PROJECT_SOURCE_DIR}/sim/winrt/CMakeLists.txt
        AND EXISTS ${PROJECT_SOURCE_DIR}/src/backends/winrt/backend.cmake))
  return()
endif()

# blec_add_suite_pass(SUITE s PASS p ENV var=value... KNOWN_FAILURES file)
function(blec_add_suite_pass)
  cmake_parse_arguments(P "" "SUITE;PASS;KNOWN_FAILURES" "ENV" ${ARGN})
  get_property(names GLOBAL PROPERTY BLEC_SUITE_TESTS_${P_SUITE})
  if(NOT names)
    return()
  endif()
  # Known failures: "<ctest name> <reason>" per line; '#' starts a comment.
  set(known)
  if(P_KNOWN_FAILURES AND EXISTS ${P_KNOWN_FAILURES})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${P_KNOWN_FAILURES})
    file(STRINGS ${P_KNOWN_FAILURES} lines REGEX "^[A-Za-z]")
    foreach(line IN LISTS lines)
      string(REGEX MATCH "^[^ \t]+" test "${line}")
      list(APPEND known ${test})
    endforeach()
  endif()
  set(all)
  foreach(name IN LISTS names)
    set(test ${P_SUITE}-${P_PASS}.${name})
    list(APPEND all ${test})
    get_property(env GLOBAL PROPERTY BLEC_SUITE_ENV_${P_SUITE}.${name})
    if(NOT env)
      set(env ${BLEC_SUITE_DEFAULT_ENV})
    endif()
    add_test(NAME ${test} COMMAND ${P_SUITE} ${name})
    set_tests_properties(${test} PROPERTIES TIMEOUT 60 ENVIRONMENT "${env};${P_ENV}"
      FIXTURES_REQUIRED sim_winrt_registered LABELS ${P_PASS})
    if(test IN_LIST known)
      set_tests_properties(${test} PROPERTIES DISABLED TRUE)
    endif()
  endforeach()
  foreach(test IN LISTS known)
    if(test MATCHES "^${P_SUITE}-${P_PASS}\\." AND NOT test IN_LIST all)
      message(FATAL_ERROR "${P_KNOWN_FAILURES}: ${test} is no test of the ${P_PASS} pass")
    endif()
  endforeach()
endfunction()

set(winrt_env BLEC_TEST_BACKEND=winrt)
set(hostile_env BLEC_TEST_BACKEND=winrt BLEC_WINRT_SIM_HOSTILE=1)
blec_add_suite_pass(SUITE conformance PASS winrt ENV ${winrt_env}
  KNOWN_FAILURES ${CMAKE_CURRENT_LIST_DIR}/known-failures-winrt.txt)
blec_add_suite_pass(SUITE conformance PASS hostile ENV ${hostile_env}
  KNOWN_FAILURES ${CMAKE_CURRENT_LIST_DIR}/known-failures-hostile.txt)
blec_add_suite_pass(SUITE winrt-backend PASS hostile ENV ${hostile_env}
  KNOWN_FAILURES ${CMAKE_CURRENT_LIST_DIR}/known-failures-hostile.txt)
