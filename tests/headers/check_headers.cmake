# Run by CTest: compiles every header under HEADER_DIR/engram alone and
# lists what it includes, failing on a header that does not compile or that
# reaches a backend library's headers.
file(GLOB headers RELATIVE ${HEADER_DIR} ${HEADER_DIR}/engram/*.h)
list(LENGTH headers count)
if(count EQUAL 0)
  message(FATAL_ERROR "no public headers found under ${HEADER_DIR}/engram")
endif()

set(include_flags -I${HEADER_DIR})
foreach(dir IN LISTS EXTRA_INCLUDES)
  list(APPEND include_flags -I${dir})
endforeach()

set(forbidden "hiredis|sqlite3|hdf5|/H5[A-Za-z]*\\.h|yaml-cpp|boost/dll")
set(failures 0)
foreach(header IN LISTS headers)
  execute_process(
    COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror
            ${include_flags} -x c++ ${HEADER_DIR}/${header}
    RESULT_VARIABLE compiled ERROR_VARIABLE compile_errors)
  if(NOT compiled EQUAL 0)
    message(SEND_ERROR "${header} does not compile on its own:\n${compile_errors}")
    math(EXPR failures "${failures} + 1")
    continue()
  endif()
  execute_process(
    COMMAND ${CXX} -std=c++20 -M ${include_flags} -x c++ ${HEADER_DIR}/${header}
    OUTPUT_VARIABLE dependencies RESULT_VARIABLE listed)
  # The headers' own folder may have any name (a checkout in /work/hdf5):
  # only what lies outside it is checked.
  string(REPLACE "${HEADER_DIR}/" "<headers>/" dependencies "${dependencies}")
  if(NOT listed EQUAL 0)
    message(SEND_ERROR "could not list the includes of ${header}")
    math(EXPR failures "${failures} + 1")
  elseif(dependencies MATCHES "[^ ]*(${forbidden})[^ ]*")
    message(SEND_ERROR "${header} includes a backend header: ${CMAKE_MATCH_0}")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} of ${count} public headers failed")
endif()
message(STATUS "${count} public headers compile alone and include no backend header")
