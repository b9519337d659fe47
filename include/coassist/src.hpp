// Include in exactly one translation unit of a program built with COASSIST_SEPARATE_COMPILATION
// defined everywhere: the model codecs are compiled here, once (see <coassist/config.hpp>).
// Both APIs' models; a program that uses one API only may include just its own
// <coassist/api/models/src.hpp> or <coassist/responses/models/src.hpp> instead.
#pragma once

#include <coassist/api/models/src.hpp>
#include <coassist/responses/models/src.hpp>
