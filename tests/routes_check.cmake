# Every handler is registered through http::RouteTable (lib/http/route_table.cpp),
# never on the httplib::Server directly: the OpenAPI document, strict mode and
# the request journal all read the table, so a route added elsewhere would be
# served but missing from all three (issue 13). Fails naming the line.
file(GLOB_RECURSE sources ${SOURCE_DIR}/lib/*.cpp ${SOURCE_DIR}/lib/*.h)
set(bad "")
foreach(f ${sources})
  if(f MATCHES "/lib/http/route_table\\.cpp$")
    continue()
  endif()
  file(STRINGS ${f} lines REGEX "(server_?|srv|svr)(\\.|->)(Get|Post|Put|Patch|Delete|Options)\\(")
  foreach(line ${lines})
    string(APPEND bad "\n  ${f}: ${line}")
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "handlers registered outside http::RouteTable:${bad}")
endif()
