# Fails the build when asn1c wrote C files that asn1c_sources.cmake does not list (or missed one it lists).
include(${LIST})
file(GLOB written RELATIVE ${DIR} ${DIR}/*.c)
list(REMOVE_ITEM written converter-sample.c)
list(SORT written)
set(expected ${SIM_ESIM_ASN1C_SOURCES})
list(SORT expected)
if(NOT written STREQUAL expected)
  message(FATAL_ERROR "asn1c wrote another set of C files than libsim/esim/asn1c_sources.cmake lists:\n"
                      "written: ${written}\nlisted: ${expected}")
endif()
