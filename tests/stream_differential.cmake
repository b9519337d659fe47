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

# The same for the Responses stream: tests/node/differential/responses_run.mjs feeds generated
# Responses streams (text, 8 parallel calls sequential and interleaved, reasoning, refusal,
# incomplete, failed, unknown events, errors, cut streams; LF, CRLF and CR) to the SDK's
# client.responses.stream() and to coassist_response_differential, and compares the final snapshot
# with the SDK's finalResponse() and with each stream's own terminal response.
coassist_add_program(coassist_response_differential
  ${CMAKE_CURRENT_SOURCE_DIR}/responses/stream_tools/response_differential.cpp)
if(COASSIST_NODE_EXECUTABLE AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/node/node_modules/openai)
  add_test(NAME responses/stream_differential_node_sdk
    COMMAND ${COASSIST_NODE_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/node/differential/responses_run.mjs
      --tool $<TARGET_FILE:coassist_response_differential>
      --work ${CMAKE_CURRENT_BINARY_DIR}/response_differential
      --count 260 --seed 1)
  set_tests_properties(responses/stream_differential_node_sdk PROPERTIES
    LABELS "conformance;responses" TIMEOUT 300 PASS_REGULAR_EXPRESSION "PASSED")
endif()
