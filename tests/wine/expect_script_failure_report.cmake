# SPDX-License-Identifier: MIT
# The Wine wrapper WINE_RUN stops at a command of its own that fails (set -e): it must say
# which line, or a test would see exit status 1 and no word, as from a program Wine could
# not start. Its scratch directory made impossible (TMPDIR names no directory), mktemp
# fails. (That a program's own failure gets no such report, expect_silent_failure_report
# checks.)
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${SCRATCH}/no/such/directory ${WINE_RUN} ${TALKING}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("TMPDIR unusable: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "the wrapper ran without its scratch directory: the test proves nothing")
endif()
if(NOT err MATCHES "wine-run.sh: line [0-9]+: \"[^\"]*mktemp")
  message(FATAL_ERROR "the wrapper stopped without naming the line and command that failed")
endif()
string(REGEX MATCHALL "wine-run.sh: line [0-9]+:" reports "${err}")
list(LENGTH reports n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "the wrapper reported its failure ${n} times, not once")
endif()
