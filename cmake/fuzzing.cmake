# Instrumentation for the libFuzzer build (GLASSBOX_BUILD_FUZZERS, the `fuzz` preset): every
# library is compiled with libFuzzer's coverage hooks (fuzzer-no-link) and with ASan + UBSan,
# so that the fuzz targets in tests/fuzz/ are guided by, and catch faults in, all of our code
# they reach. The fuzz executables add -fsanitize=fuzzer (libFuzzer's main) at link time.
# See docs/decisions/008-fuzzing.md.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GLASSBOX_BUILD_FUZZERS needs clang (libFuzzer ships with it): "
                      "use `cmake --preset fuzz`")
endif()

# -O1: libFuzzer's recommendation (fast enough to fuzz, still debuggable); line tables give
# symbolised stack traces at a fraction of the build time of full debug information.
#
# -fno-sanitize=function: clang 14 cannot emit UBSan's function-type check into C++20
# coroutines (the backend fails with "Cannot represent a difference across sections",
# llvm/llvm-project#49689), and every handler is a coroutine. The other UBSan checks stay.
add_compile_options(-O1 -gline-tables-only -fno-omit-frame-pointer
                    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
                    -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)
