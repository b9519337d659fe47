// Library-wide configuration: version, namespace aliases and the linkage macro.
#pragma once

#define COASSIST_VERSION_MAJOR 0
#define COASSIST_VERSION_MINOR 1
#define COASSIST_VERSION_PATCH 0
#define COASSIST_VERSION_STRING "0.1.0"

// Header-only: every non-template function defined in a header is `inline` (COASSIST_DECL).
//
// The generated JSON codecs of the API models are most of what a translation unit that uses the
// client compiles. Defining COASSIST_SEPARATE_COMPILATION in every translation unit (a compile
// definition of the target) and including <coassist/src.hpp> in exactly one of them compiles the
// codecs there once instead (as Boost.MySQL and Boost.Redis do); the other units only see their
// declarations.
#define COASSIST_DECL inline
#ifdef COASSIST_SEPARATE_COMPILATION
#define COASSIST_MODELS_DECL
#else
#define COASSIST_MODELS_DECL inline
#endif

namespace boost::json {}
namespace boost::urls {}

namespace coassist {
namespace json = boost::json;
namespace urls = boost::urls;
} // namespace coassist
