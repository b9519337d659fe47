# Consumer projects: the library installed into a prefix and found with find_package, and the
# source tree pulled in with add_subdirectory. Each configures, builds and runs a small program.
set(consumer_dir ${PROJECT_BINARY_DIR}/consumer)
add_test(NAME consumer/install
  COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${consumer_dir}/prefix)
add_test(NAME consumer/find_package
  COMMAND ${CMAKE_COMMAND} -E env --unset=CXXFLAGS
    sh -c "${CMAKE_COMMAND} -S ${CMAKE_CURRENT_SOURCE_DIR}/consumer/find_package -B ${consumer_dir}/fp -G Ninja -DCMAKE_PREFIX_PATH=${consumer_dir}/prefix -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} && ${CMAKE_COMMAND} --build ${consumer_dir}/fp && ${consumer_dir}/fp/consumer && ${consumer_dir}/fp/consumer_separate")
add_test(NAME consumer/add_subdirectory
  COMMAND sh -c "${CMAKE_COMMAND} -S ${CMAKE_CURRENT_SOURCE_DIR}/consumer/add_subdirectory -B ${consumer_dir}/as -G Ninja -DCOASSIST_ROOT=${PROJECT_SOURCE_DIR} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} && ${CMAKE_COMMAND} --build ${consumer_dir}/as && ${consumer_dir}/as/consumer")
set_tests_properties(consumer/install PROPERTIES LABELS "consumer" FIXTURES_SETUP coassist_installed)
# (the programs run only if the build succeeded, and the last one only if the first did: its line
# proves them all; PASS_REGULAR_EXPRESSION ignores exit codes)
set_tests_properties(consumer/find_package PROPERTIES LABELS "consumer" FIXTURES_REQUIRED coassist_installed
  PASS_REGULAR_EXPRESSION "coassist ${PROJECT_VERSION} \\(separate compilation\\): asst_1" TIMEOUT 300)
set_tests_properties(consumer/add_subdirectory PROPERTIES LABELS "consumer"
  PASS_REGULAR_EXPRESSION "coassist ${PROJECT_VERSION}" TIMEOUT 300)
