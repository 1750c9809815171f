# Run by CTest: fails when BINARY's dynamic section needs a backend library.
# A host that links only engram::core must not depend on hiredis, sqlite3 or
# HDF5: backends come as plugins, loaded at run time.
execute_process(COMMAND readelf -d ${BINARY} OUTPUT_VARIABLE dynamic RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "readelf -d ${BINARY} failed")
endif()
string(REGEX MATCHALL "Shared library: \\[[^]]*\\]" needed "${dynamic}")
if(NOT needed)
  message(FATAL_ERROR "readelf -d ${BINARY} lists no shared library: not a dynamic binary?")
endif()
foreach(entry IN LISTS needed)
  if(entry MATCHES "hiredis|sqlite|hdf5")
    message(FATAL_ERROR "${BINARY} needs a backend library: ${entry}")
  endif()
endforeach()
message(STATUS "${BINARY} needs only: ${needed}")
