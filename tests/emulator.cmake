# coassist-emulator's non-Catch tests: the official Node SDK's conformance suite, validation of
# every response body it received against the spec, the command-line/TLS contract, and many
# clients at once (the TSan test in a -DCOASSIST_SANITIZE=thread build).
if(NOT TARGET coassist-emulator)
  return()
endif()
find_program(COASSIST_NODE node)
find_package(Python3 COMPONENTS Interpreter)
set(emulator_logs ${PROJECT_BINARY_DIR}/emulator-logs)

add_test(NAME emulator/clean_logs
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${emulator_logs})
set_tests_properties(emulator/clean_logs PROPERTIES LABELS "conformance;emulator" FIXTURES_SETUP emulator_logs)

set(emulator_certs ${PROJECT_BINARY_DIR}/emulator-certs)
if(COASSIST_NODE AND EXISTS ${PROJECT_SOURCE_DIR}/tests/node/node_modules/openai AND Python3_FOUND)
  # the Responses suites speak TLS with a self-signed CA that node trusts from its start
  add_test(NAME emulator/tls_certs
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/emulator/scripts/make_certs.py
      $<TARGET_FILE:coassist-emulator> ${emulator_certs})
  set_tests_properties(emulator/tls_certs PROPERTIES LABELS "conformance;emulator" TIMEOUT 60
    FIXTURES_SETUP emulator_tls)
  file(GLOB emulator_node_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/node/conformance/*.test.mjs)
  foreach(test_file IN LISTS emulator_node_tests)
    get_filename_component(name ${test_file} NAME_WE)
    add_test(NAME emulator/node_${name}
      COMMAND ${CMAKE_COMMAND} -E env
        COASSIST_EMULATOR=$<TARGET_FILE:coassist-emulator> COASSIST_EMULATOR_LOG_DIR=${emulator_logs}
        COASSIST_EMULATOR_CERTS=${emulator_certs} NODE_EXTRA_CA_CERTS=${emulator_certs}/ca.pem
        ${COASSIST_NODE} --test ${test_file}
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/node)
    # node --test exits non-zero on failure; the summary line is checked too
    set_tests_properties(emulator/node_${name} PROPERTIES LABELS "conformance;emulator" TIMEOUT 180
      FIXTURES_REQUIRED "emulator_logs;emulator_tls"
      FAIL_REGULAR_EXPRESSION "# fail [1-9]")
  endforeach()
endif()

if(Python3_FOUND)
  add_test(NAME emulator/validate_responses
    COMMAND sh -c "${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/validate_responses.py --spec ${COASSIST_REFERENCE_DIR}/openai-spec ${emulator_logs}/*.jsonl")
  set_tests_properties(emulator/validate_responses PROPERTIES LABELS "conformance;emulator" TIMEOUT 300
    FIXTURES_CLEANUP emulator_logs)

  add_test(NAME emulator/cli_contract
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/emulator/scripts/cli_test.py $<TARGET_FILE:coassist-emulator>)
  set_tests_properties(emulator/cli_contract PROPERTIES LABELS "integration;emulator" TIMEOUT 120)

  if(TARGET coassist-emulator-load)
    add_test(NAME emulator/concurrency
      COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/emulator/scripts/concurrency_test.py
        $<TARGET_FILE:coassist-emulator> $<TARGET_FILE:coassist-emulator-load>)
    set_tests_properties(emulator/concurrency PROPERTIES LABELS "integration;emulator" TIMEOUT 600)
  endif()
endif()
