// Separate compilation of the models: with COASSIST_SEPARATE_COMPILATION defined everywhere,
// include this header in exactly one translation unit (<coassist/src.hpp> does).
#pragma once

#ifndef COASSIST_SEPARATE_COMPILATION
#error "define COASSIST_SEPARATE_COMPILATION to use <coassist/api/models/src.hpp>"
#endif

#include <coassist/api/events.hpp>
#include <coassist/api/models/core.hpp>
#include <coassist/api/models/impl/models.ipp>
