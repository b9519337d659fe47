# The generated models are committed: fail when they differ from what the generator makes of the
# spec now (run scripts/gen_models.py to refresh them). One check per API (generator mode).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME models/generated-files-up-to-date
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/gen_models.py
            --spec ${COASSIST_REFERENCE_DIR}/openai-spec/assistants-v2.yaml
            --out ${PROJECT_SOURCE_DIR}/include/coassist/api --check)
  set_tests_properties(models/generated-files-up-to-date PROPERTIES LABELS "unit;models" TIMEOUT 120)
  add_test(NAME models/responses-generated-files-up-to-date
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/gen_models.py
            --spec ${COASSIST_REFERENCE_DIR}/openai-spec/responses-v1.yaml
            --out ${PROJECT_SOURCE_DIR}/include/coassist/responses --check)
  set_tests_properties(models/responses-generated-files-up-to-date
    PROPERTIES LABELS "unit;models" TIMEOUT 120)
endif()
