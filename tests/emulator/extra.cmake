# the emulator's I/O-free core is tested directly
target_link_libraries(${exe} PRIVATE coassist_emulator_core)
