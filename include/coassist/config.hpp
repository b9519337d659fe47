// Library-wide configuration: version, namespace aliases and the linkage macro.
#pragma once

#define COASSIST_VERSION_MAJOR 0
#define COASSIST_VERSION_MINOR 1
#define COASSIST_VERSION_PATCH 0
#define COASSIST_VERSION_STRING "0.1.0"

// Header-only by default: every non-template function is `inline`. Defining
// COASSIST_SEPARATE_COMPILATION and including <coassist/src.hpp> in exactly one translation unit
// compiles them once instead (as Boost.MySQL and Boost.Redis do).
#ifdef COASSIST_SEPARATE_COMPILATION
#define COASSIST_DECL
#else
#define COASSIST_DECL inline
#endif

namespace boost::json {}
namespace boost::urls {}

namespace coassist {
namespace json = boost::json;
namespace urls = boost::urls;
} // namespace coassist
