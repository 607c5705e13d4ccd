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
# in tests/wine/known-failures-*.txt; scripts/test-windows.sh leaves those out and prints
# them.

if(NOT (WIN32 AND CMAKE_CROSSCOMPILING_EMULATOR))
  return()
endif()
if(NOT (EXISTS ${PROJECT_SOURCE_DIR}/sim/winrt/CMakeLists.txt
        AND EXISTS ${PROJECT_SOURCE_DIR}/src/backends/winrt/backend.cmake))
  return()
endif()

# blec_add_suite_pass(SUITE s PASS p ENV var=value...)
function(blec_add_suite_pass)
  cmake_parse_arguments(P "" "SUITE;PASS" "ENV" ${ARGN})
  get_property(names GLOBAL PROPERTY BLEC_SUITE_TESTS_${P_SUITE})
  foreach(name IN LISTS names)
    set(test ${P_SUITE}-${P_PASS}.${name})
    get_property(env GLOBAL PROPERTY BLEC_SUITE_ENV_${P_SUITE}.${name})
    if(NOT env)
      set(env ${BLEC_SUITE_DEFAULT_ENV})
    endif()
    add_test(NAME ${test} COMMAND ${P_SUITE} ${name})
    set_tests_properties(${test} PROPERTIES TIMEOUT 60 ENVIRONMENT "${env};${P_ENV}"
      FIXTURES_REQUIRED sim_winrt_registered LABELS ${P_PASS})
  endforeach()
endfunction()

blec_add_suite_pass(SUITE conformance PASS winrt ENV BLEC_TEST_BACKEND=winrt)
blec_add_suite_pass(SUITE conformance PASS hostile ENV BLEC_TEST_BACKEND=winrt BLEC_WINRT_SIM_HOSTILE=1)
blec_add_suite_pass(SUITE winrt-backend PASS hostile ENV BLEC_WINRT_SIM_HOSTILE=1)
