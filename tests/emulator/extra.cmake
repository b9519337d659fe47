# the emulator's I/O-free core is tested directly (compiled here when the emulator is not built)
if(TARGET coassist_emulator_core)
  target_link_libraries(${exe} PRIVATE coassist_emulator_core)
else()
  set(emulator_dir ${PROJECT_SOURCE_DIR}/emulator)
  target_sources(${exe} PRIVATE ${emulator_dir}/src/app.cpp ${emulator_dir}/src/api_assistants.cpp
    ${emulator_dir}/src/api_runs.cpp ${emulator_dir}/src/api_files.cpp ${emulator_dir}/src/api_responses.cpp
    ${emulator_dir}/src/api_conversations.cpp ${emulator_dir}/src/model_text.cpp ${emulator_dir}/src/json_schema.cpp
    ${emulator_dir}/generated/spec_schemas.cpp)
  target_include_directories(${exe} PRIVATE ${emulator_dir}/src)
endif()
