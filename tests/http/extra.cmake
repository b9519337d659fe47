# The http tests are sans-I/O and include no Asio: compiling them without the shared precompiled
# header (Asio + Boost) is faster, and does not depend on that PCH being built first.
set_target_properties(${exe} PROPERTIES DISABLE_PRECOMPILE_HEADERS ON)
