# cmake -DFUZZER=<binary> -DINPUT_DIRS=<dir>|<dir> [-DOPTIONS=a|b|c] -P replay_inputs.cmake
#
# Runs the fuzz target once on every file in the given directories (libFuzzer's
# reproduction mode: no mutation, no new inputs): the committed seeds, and the inputs that
# once crashed it (tests/fuzz/regressions/<target>/). Fails on the first that still does.
foreach(variable FUZZER INPUT_DIRS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "replay_inputs.cmake: ${variable} is not set")
  endif()
endforeach()
string(REPLACE "|" ";" options "${OPTIONS}")
string(REPLACE "|" ";" directories "${INPUT_DIRS}")

set(inputs)
foreach(directory IN LISTS directories)
  file(GLOB found LIST_DIRECTORIES false ${directory}/*)
  list(SORT found)
  list(APPEND inputs ${found})
endforeach()
if(NOT inputs)
  message(FATAL_ERROR "no inputs in ${directories}")
endif()

# -dict and -max_len only shape new inputs; a replay runs each file as it is.
list(FILTER options EXCLUDE REGEX "^-(dict|max_len)=")
execute_process(COMMAND ${FUZZER} ${options} ${inputs} RESULT_VARIABLE result)
list(LENGTH inputs count)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${result}) replaying ${count} inputs")
endif()
message(STATUS "${count} inputs replayed without a failure")
