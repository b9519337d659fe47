# One style: every C++ source of the project must be as clang-format-14 writes it (.clang-format).
# Fix a failure with: clang-format-14 -i FILE...
find_program(COASSIST_CLANG_FORMAT NAMES clang-format-14)
if(COASSIST_CLANG_FORMAT)
  set(format_globs)
  foreach(dir IN ITEMS include tests examples tools emulator/src benchmarks fuzz)
    list(APPEND format_globs ${PROJECT_SOURCE_DIR}/${dir}/*.hpp ${PROJECT_SOURCE_DIR}/${dir}/*.cpp)
  endforeach()
  file(GLOB_RECURSE format_sources CONFIGURE_DEPENDS ${format_globs})
  list(FILTER format_sources EXCLUDE REGEX "/generated/")
  add_test(NAME core/clang-format
    COMMAND ${COASSIST_CLANG_FORMAT} --dry-run -Werror ${format_sources})
  set_tests_properties(core/clang-format PROPERTIES LABELS "unit;core" TIMEOUT 120)
endif()
