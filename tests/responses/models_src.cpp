// The one translation unit of coassist_test_responses that compiles the Responses model codecs
// (the area is built with COASSIST_SEPARATE_COMPILATION: see extra.cmake).
#include <coassist/responses/models/src.hpp>
