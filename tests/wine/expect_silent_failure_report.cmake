# SPDX-License-Identifier: MIT
# Runs SILENT (a program Wine cannot start) and TALKING (one that fails with a message of
# its own) through the Wine wrapper WINE_RUN: the first failure must be reported as silent,
# with Wine's loader error; the second must not. LOADER_ERROR writes only a line in the form
# of Wine's earliest errors (no "pid:tid:" head): it must be reported as silent, with the
# line and what it means.

# Runs a program through the wrapper; rc, out and err in the caller's scope.
function(run_wrapped label program)
  execute_process(COMMAND ${WINE_RUN} ${program} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${label}: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

# Fails the test with `why` unless the wrapper's stderr matches `regex`.
function(require_report regex why)
  if(NOT err MATCHES "${regex}")
    message(FATAL_ERROR "${why}")
  endif()
endfunction()

run_wrapped(silent ${SILENT})
if(rc EQUAL 0 OR out MATCHES "started")
  message(FATAL_ERROR "the program with a missing DLL started: the test proves nothing")
endif()
require_report("without a word on stderr" "a program that failed in silence was not reported as such")
require_report("err:module:.*wine_gone" "the report does not show Wine's loader error")

run_wrapped(talking ${TALKING})
if(rc EQUAL 0 OR NOT err MATCHES "usage")
  message(FATAL_ERROR "the talking program did not fail with its own message")
endif()
if(err MATCHES "without a word on stderr")
  message(FATAL_ERROR "a program that said why it failed was reported as silent")
endif()
if(err MATCHES "wine-run.sh: line")
  message(FATAL_ERROR "a program's own failure was reported as the wrapper's")
endif()

run_wrapped("loader error" ${LOADER_ERROR})
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "the imitation of Wine's loader failure did not end with status 1")
endif()
require_report("without a word on stderr"
               "a line in the form of Wine's earliest errors was taken as the program's own")
require_report("Wine's errors while it ran:\nerr:virtual:virtual_alloc_first_teb"
               "the report does not show the loader's line")
require_report("shared user data \\(0x7ffe0000\\)" "the report does not say what the loader's line means")
