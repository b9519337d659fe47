# Differential test of the SSE parser + accumulator against the official openai-node SDK
# (tests/node/node_modules/openai 6.49.0): tests/node/differential/run.mjs feeds the same SSE
# bytes to the SDK and to coassist_stream_differential and compares the results as JSON.
coassist_add_program(coassist_stream_differential
  ${CMAKE_CURRENT_SOURCE_DIR}/stream/tools/stream_differential.cpp)
find_program(COASSIST_NODE_EXECUTABLE node)
if(COASSIST_NODE_EXECUTABLE AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/node/node_modules/openai)
  add_test(NAME stream/differential_node_sdk
    COMMAND ${COASSIST_NODE_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/node/differential/run.mjs
      --tool $<TARGET_FILE:coassist_stream_differential>
      --spec ${COASSIST_REFERENCE_DIR}/openai-spec/assistants-v2.json
      --work ${CMAKE_CURRENT_BINARY_DIR}/stream_differential
      --count 200 --seed 1)
  set_tests_properties(stream/differential_node_sdk PROPERTIES
    LABELS "conformance;stream" TIMEOUT 300 PASS_REGULAR_EXPRESSION "PASSED")
endif()
