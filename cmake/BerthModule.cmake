# berth_module(NAME SOURCES ... DEPS ... TESTS ...)
# Each module is a static library berth_<name>; its tests (files beside the code) become
# one GoogleTest binary berth_<name>_test registered with CTest.
function(berth_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(berth_${name} STATIC ${M_SOURCES})
  target_include_directories(berth_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(berth_${name} PUBLIC ${M_DEPS})
  if(M_TESTS)
    add_executable(berth_${name}_test ${M_TESTS})
    target_link_libraries(berth_${name}_test PRIVATE berth_${name} GTest::gtest_main)
    add_test(NAME berth_${name}_test COMMAND berth_${name}_test)
  endif()
endfunction()
