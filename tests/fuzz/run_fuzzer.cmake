# cmake -DFUZZER=<binary> -DSEEDS=<dir> -DWORK_DIR=<dir> -DSECONDS=<n> [-DOPTIONS=a|b|c]
#       -P run_fuzzer.cmake
#
# A bounded libFuzzer run over a copy of the committed seed corpus, so that the inputs it
# adds go to WORK_DIR/corpus and never into the source tree. Fails when libFuzzer stops on
# anything (crash, sanitizer report, leak, timeout, out-of-memory); the input that did it
# is WORK_DIR/artifacts/<kind>-<sha1>: copy it into tests/fuzz/regressions/<target>/.
foreach(variable FUZZER SEEDS WORK_DIR SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzzer.cmake: ${variable} is not set")
  endif()
endforeach()
string(REPLACE "|" ";" options "${OPTIONS}")

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/corpus ${WORK_DIR}/artifacts)
file(GLOB seeds LIST_DIRECTORIES false ${SEEDS}/*)
if(NOT seeds)
  message(FATAL_ERROR "no seed inputs in ${SEEDS}")
endif()
file(COPY ${seeds} DESTINATION ${WORK_DIR}/corpus)

execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -print_final_stats=1
          -artifact_prefix=${WORK_DIR}/artifacts/ ${options} ${WORK_DIR}/corpus
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB artifacts ${WORK_DIR}/artifacts/*)
  message(FATAL_ERROR "${FUZZER} stopped with ${result}; input(s): ${artifacts}\n"
                      "Reproduce: ${FUZZER} <input>; keep it in tests/fuzz/regressions/.")
endif()
