# SPDX-License-Identifier: MIT
# Runs PROGRAM (a deliberate heap error that exits 0) through the Wine wrapper WINE_RUN and
# passes only when the wrapper failed it because of Wine's heap report.
execute_process(COMMAND ${WINE_RUN} ${PROGRAM} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
if(NOT out MATCHES "still running")
  message(FATAL_ERROR "the program did not run to its end: the failure would not be the heap check's")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "a program with a double free passed under Wine: heap errors are not caught")
endif()
if(NOT err MATCHES "warn:heap" OR NOT err MATCHES "Wine reported heap corruption")
  message(FATAL_ERROR "the failure does not come from Wine's heap report")
endif()
