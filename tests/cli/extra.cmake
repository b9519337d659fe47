# the CLI's argument parser lives beside the tool
target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/tools/cli)
