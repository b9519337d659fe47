# Warning and sanitizer flags for the project's own targets (never pushed onto users).
add_library(coassist_project_options INTERFACE)
target_compile_options(coassist_project_options INTERFACE
  -Wall -Wextra -Wpedantic)
if(COASSIST_SANITIZE)
  target_compile_options(coassist_project_options INTERFACE -fsanitize=${COASSIST_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(coassist_project_options INTERFACE -fsanitize=${COASSIST_SANITIZE})
endif()
target_link_libraries(coassist_project_options INTERFACE coassist::coassist)

# coassist_add_program(name sources...): an executable of this project with its warnings.
function(coassist_add_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE coassist_project_options)
endfunction()
