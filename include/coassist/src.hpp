// Include in exactly one translation unit of a program built with COASSIST_SEPARATE_COMPILATION
// defined everywhere: the model codecs are compiled here, once (see <coassist/config.hpp>).
#pragma once

#include <coassist/api/models/src.hpp>
