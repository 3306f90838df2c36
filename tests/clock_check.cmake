# Time is injected (../shared/STYLE.md): sandbox time comes from a Clock, and
# the only wall-time readings and waits outside lib/core/ are MonotonicMs()
# (core/clock.h) and WaitWallMs() (core/wall_wait.h). This check fails on any
# other read of an OS clock, or timed wait, outside lib/core/.
# Run: cmake -DSOURCE_DIR=<repo> -P tests/clock_check.cmake
cmake_minimum_required(VERSION 3.20)

set(forbidden
  "steady_clock" "system_clock" "high_resolution_clock" "wait_for[ \t]*\\(" "wait_until[ \t]*\\("
  "sleep_for[ \t]*\\(" "sleep_until[ \t]*\\(" "gettimeofday" "clock_gettime" "[^_a-zA-Z]time[ \t]*\\([ \t]*(NULL|nullptr|0)"
  "localtime" "gmtime[ \t]*\\(" "usleep[ \t]*\\(" "nanosleep")

file(GLOB_RECURSE files ${SOURCE_DIR}/lib/*.h ${SOURCE_DIR}/lib/*.cpp)
list(APPEND files ${SOURCE_DIR}/main.cpp)
set(problems "")
foreach(file ${files})
  if(file MATCHES "/lib/core/")
    continue()
  endif()
  file(STRINGS ${file} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(line MATCHES "^[ \t]*//")
      continue()  # a comment may name what it does not do
    endif()
    foreach(pattern ${forbidden})
      if(line MATCHES "${pattern}")
        file(RELATIVE_PATH rel ${SOURCE_DIR} ${file})
        string(APPEND problems "  ${rel}:${n}: ${line}\n")
        break()
      endif()
    endforeach()
  endforeach()
endforeach()
if(problems)
  message(FATAL_ERROR "OS clocks read or waited on outside lib/core/ (use the Clock, MonotonicMs() or "
                      "WaitWallMs()):\n${problems}")
endif()
list(LENGTH files count)
message(STATUS "clock: ${count} files, no OS clock outside lib/core/")
