# SPDX-License-Identifier: MIT
# Fails when blec.h declares Windows-only items (they belong in blec_winrt.h).
file(READ ${HEADER} text)
foreach(word IN ITEMS blec_apartment BLEC_APARTMENT blec_gatt_status_name "typedef enum blec_gatt_status"
                      BLEC_GATT_STATUS_SUCCESS CoInitialize HRESULT_FROM)
  string(FIND "${text}" "${word}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${HEADER} declares '${word}', a Windows-only item: move it to blec_winrt.h")
  endif()
endforeach()
message(STATUS "blec.h is platform-neutral")
