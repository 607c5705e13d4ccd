# SPDX-License-Identifier: MIT
# register.cmake — writes HKLM\Software\Microsoft\WindowsRuntime\ActivatableClassId\<class>
# (value DllPath = the DLL, REG_SZ) for every class of the simulated stack into the
# build's Wine prefix, with Wine's reg tool run by the rig's wrapper (scripts/wine-run.sh
# finds the build directory from the working directory and creates the prefix on first
# use). One `reg import` of a generated file instead of one `reg add` per class: each Wine
# process costs about 0.4 s.
#   cmake -DWINE_RUN=<wrapper> -DDLL=<path of blec_winrt_sim.dll> -DCLASSES=<a|b|c> -P register.cmake

if(NOT WINE_RUN OR NOT DLL OR NOT CLASSES)
  message(FATAL_ERROR "usage: cmake -DWINE_RUN=... -DDLL=... -DCLASSES=a|b -P register.cmake")
endif()
string(REPLACE "|" ";" classes "${CLASSES}")
# Wine maps the Unix root to drive Z:; .reg files escape backslashes.
string(REPLACE "/" "\\\\" dll_reg "${DLL}")
set(text "REGEDIT4\n\n")
foreach(c IN LISTS classes)
  string(APPEND text "[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\WindowsRuntime\\ActivatableClassId\\${c}]\n")
  string(APPEND text "\"DllPath\"=\"Z:${dll_reg}\"\n\n")
endforeach()
set(reg_file sim_winrt_classes.reg)
file(WRITE ${reg_file} "${text}")

execute_process(COMMAND ${WINE_RUN} reg import ${reg_file}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "reg import ${reg_file} failed (${rc}): ${out} ${err}")
endif()
list(LENGTH classes n)
message(STATUS "registered ${n} classes -> Z:${DLL}")
