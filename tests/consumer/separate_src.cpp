// The one translation unit that compiles coassist's model codecs (COASSIST_SEPARATE_COMPILATION).
#include <coassist/src.hpp>
