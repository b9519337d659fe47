# The `coassist` command-line tool end to end against coassist-emulator (Python driver in
# tests/cli_scripts/): every operationId through `coassist op`, the GROUP VERB forms, exit codes
# 1/2/3, --stream and --stream --accumulate, events printed as they arrive, a stalled stream,
# --ca-file against the emulator's TLS, --help.
if(NOT TARGET coassist_cli OR NOT TARGET coassist-emulator)
  return()
endif()
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_FOUND)
  return()
endif()
foreach(case IN ITEMS operations group_verb exit_codes stream stream_timing tls help
                     responses_operations responses_stream)
  add_test(NAME cli/${case}
    COMMAND ${CMAKE_COMMAND} -E env COASSIST_REFERENCE_DIR=${COASSIST_REFERENCE_DIR}
      ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/cli_scripts/cli_test.py
      $<TARGET_FILE:coassist_cli> $<TARGET_FILE:coassist-emulator> ${case})
  set_tests_properties(cli/${case} PROPERTIES LABELS "integration;cli" TIMEOUT 120)
endforeach()
