# Helpers that give every module the same shape:
#   <module>/include/inlinks/<module>/*.h   public headers
#   <module>/src/*.cc                        implementation and private headers
#
# inlinks_library(NAME SRCS ... DEPS ...)
#   Builds target inlinks_<NAME> (alias inlinks::<NAME>). DEPS must follow
#   docs/design.md's module table; tests/module_deps_test.sh enforces it on includes.
function(inlinks_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target inlinks_${name})
  if(ARG_SRCS)
    add_library(${target} STATIC ${ARG_SRCS})
    target_include_directories(${target}
      PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  else()
    # A module whose code has not landed yet: it still exists as a target so
    # the dependency graph is complete.
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()
  add_library(inlinks::${name} ALIAS ${target})
endfunction()

# inlinks_test(NAME SRCS ... DEPS ...): one GoogleTest binary, tests discovered
# into ctest.
function(inlinks_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} inlinks_testing
                        GTest::gmock GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    INLINKS_TESTDATA_DIR="${INLINKS_TESTDATA_DIR}"
    INLINKS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 300)
endfunction()

# inlinks_bench(NAME SRCS ... DEPS ...): one Google Benchmark binary.
function(inlinks_bench name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  target_compile_definitions(${name} PRIVATE INLINKS_TESTDATA_DIR="${INLINKS_TESTDATA_DIR}")
endfunction()

# inlinks_fuzzer(NAME SRC ... DEPS ...): a libFuzzer target under clang with
# INLINKS_BUILD_FUZZERS=ON, and always a replay binary that runs the seed
# corpus tests/fuzz/corpus/<NAME>/ as a ctest under any compiler.
function(inlinks_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SRC;DEPS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  add_executable(${name}_replay ${ARG_SRC} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
  target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS})
  add_test(NAME fuzz_replay.${name} COMMAND ${name}_replay ${corpus})
  set_tests_properties(fuzz_replay.${name} PROPERTIES TIMEOUT 300)
  if(INLINKS_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    add_executable(${name} ${ARG_SRC})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  endif()
endfunction()
