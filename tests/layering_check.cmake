# The layers and the edges allowed between them (docs/architecture.md,
# "Layers"). The build already refuses a wrong #include (each layer compiles
# against its own include folder); this check states the rule once more in
# one table, and also catches what the build cannot: a relative include
# ("../x.h") that climbs out of a layer's folder.
# Run: cmake -DSOURCE_DIR=<repo> -P tests/layering_check.cmake
cmake_minimum_required(VERSION 3.20)

# layer -> layers it may include (its own always allowed).
set(allowed_core "")
set(allowed_script "core")
set(allowed_store "core")
set(allowed_engine "core;script;store")
set(allowed_cli "core")
set(allowed_http "core")
set(allowed_webhooks "core;script;store;engine")
set(allowed_dialects "core;script;store;engine;http")
set(allowed_middesk "core;script;store;engine;http;dialects;webhooks")
set(allowed_modus "core;script;store;engine;http;dialects")
set(allowed_control "core;script;store;engine;http")
set(allowed_transfer "core;script;store;engine;http;dialects;middesk;modus;cli")
set(allowed_app "core;script;store;engine;http;dialects;middesk;modus;webhooks;control;cli")

# A layer's public face: headers other layers may include. A layer not listed
# here shows every header. (The store keeps SQLite, its connections and its
# schema to itself; CMakeLists.txt links only these into the include folder.)
set(public_store "store/store.h;store/run_log.h;store/threads.h;store/namespace_state.h;store/webhook_outbox.h;store/snapshot_store.h;store/faulty_store.h")

# The layer a lib-relative path belongs to.
function(layer_of path out)
  if(path MATCHES "^dialects/(middesk|modus)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  elseif(path MATCHES "^([a-z_]+)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR}/lib ${SOURCE_DIR}/lib/*.h ${SOURCE_DIR}/lib/*.cpp
     ${SOURCE_DIR}/lib/*.in)
set(problems "")
set(edges 0)
foreach(file ${files})
  layer_of(${file} from)
  if(NOT DEFINED allowed_${from})
    string(APPEND problems "  lib/${file}: in no known layer (add it to tests/layering_check.cmake)\n")
    continue()
  endif()
  if(NOT from STREQUAL "store")
    file(STRINGS ${SOURCE_DIR}/lib/${file} sqlite REGEX "^[ \t]*#[ \t]*include[ \t]*<sqlite3\\.h>")
    if(sqlite)
      string(APPEND problems "  lib/${file}: only lib/store may include <sqlite3.h>\n")
    endif()
  endif()
  file(STRINGS ${SOURCE_DIR}/lib/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" target "${line}")
    if(target MATCHES "\\.\\./")
      string(APPEND problems "  lib/${file}: relative include \"${target}\" climbs out of its folder\n")
      continue()
    endif()
    if(NOT target MATCHES "/")
      continue()  # a file beside it
    endif()
    layer_of(${target} to)
    if(to STREQUAL from)
      continue()
    endif()
    math(EXPR edges "${edges} + 1")
    if(NOT to IN_LIST allowed_${from})
      string(APPEND problems "  lib/${file}: ${from} may not include \"${target}\" (layer ${to})\n")
    elseif(DEFINED public_${to} AND NOT target IN_LIST public_${to})
      string(APPEND problems "  lib/${file}: \"${target}\" is private to the ${to} layer\n")
    endif()
  endforeach()
endforeach()

list(LENGTH files count)
if(problems)
  message(FATAL_ERROR "Includes across layers that the layering does not allow:\n${problems}")
endif()
message(STATUS "layering: ${count} files, ${edges} includes across layers, all allowed")
