# SPDX-License-Identifier: MIT
# Every public function that takes a `blec_error *` must be exercised by the conformance
# test every_call_taking_an_error_fills_it_on_failure (tests/conformance/t_rules.c),
# which checks that a failure fills the error (status = return value, a message). A new
# function that is not named there fails this test.
file(GLOB headers ${INCLUDE_DIR}/blec/*.h)
file(READ ${RULES_TEST} tested)
set(missing)
foreach(h IN LISTS headers)
  file(READ ${h} text)
  string(REGEX MATCHALL "BLEC_API[^;]*;" decls "${text}")
  foreach(d IN LISTS decls)
    # the name and its parameters: only an error among the parameters counts
    if(NOT d MATCHES "(blec_[a-z0-9_]+)[ \t\r\n]*\\(([^)]*)\\)")
      continue()
    endif()
    set(name ${CMAKE_MATCH_1})
    if(NOT CMAKE_MATCH_2 MATCHES "blec_error \\*")
      continue()
    endif()
    if(name STREQUAL "blec_error_clear" OR name STREQUAL "blec_error_format")
      continue() # they read or reset an error, they do not report one
    endif()
    string(FIND "${tested}" "${name}(" at)
    if(at EQUAL -1)
      list(APPEND missing ${name})
    endif()
  endforeach()
endforeach()
if(missing)
  message(FATAL_ERROR "not checked by every_call_taking_an_error_fills_it_on_failure: ${missing}")
endif()
message(STATUS "every function taking a blec_error * is checked")
