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
    set_tests_properties(berth_${name}_test PROPERTIES LABELS unit)
  endif()
endfunction()

# berth_test_server(NAME DIR): a real server the tests need (tests/NAME/start.sh DIR and
# stop.sh DIR), started by CTest before the tests that require fixture NAME and stopped after,
# so those tests cannot be skipped by accident.
function(berth_test_server name dir)
  add_test(NAME ${name}_start COMMAND ${PROJECT_SOURCE_DIR}/tests/${name}/start.sh ${dir})
  add_test(NAME ${name}_stop COMMAND ${PROJECT_SOURCE_DIR}/tests/${name}/stop.sh ${dir})
  set_tests_properties(${name}_start PROPERTIES FIXTURES_SETUP ${name} LABELS unit)
  set_tests_properties(${name}_stop PROPERTIES FIXTURES_CLEANUP ${name} LABELS unit)
endfunction()
