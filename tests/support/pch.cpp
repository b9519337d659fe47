// Compiles the shared precompiled header (tests/support/pch.hpp) that every test area reuses.
