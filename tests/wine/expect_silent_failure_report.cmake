# SPDX-License-Identifier: MIT
# Runs SILENT (a program Wine cannot start) and TALKING (one that fails with a message of
# its own) through the Wine wrapper WINE_RUN: the first failure must be reported as silent,
# with Wine's loader error; the second must not.
execute_process(COMMAND ${WINE_RUN} ${SILENT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("silent: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
if(rc EQUAL 0 OR out MATCHES "started")
  message(FATAL_ERROR "the program with a missing DLL started: the test proves nothing")
endif()
if(NOT err MATCHES "without a word on stderr")
  message(FATAL_ERROR "a program that failed in silence was not reported as such")
endif()
if(NOT err MATCHES "err:module:.*wine_gone")
  message(FATAL_ERROR "the report does not show Wine's loader error")
endif()
execute_process(COMMAND ${WINE_RUN} ${TALKING} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("talking: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
if(rc EQUAL 0 OR NOT err MATCHES "usage")
  message(FATAL_ERROR "the talking program did not fail with its own message")
endif()
if(err MATCHES "without a word on stderr")
  message(FATAL_ERROR "a program that said why it failed was reported as silent")
endif()
