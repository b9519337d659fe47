// Separate compilation of the Responses models: with COASSIST_SEPARATE_COMPILATION defined
// everywhere, include this header in exactly one translation unit (<coassist/src.hpp> does).
#pragma once

#ifndef COASSIST_SEPARATE_COMPILATION
#error "define COASSIST_SEPARATE_COMPILATION to use <coassist/responses/models/src.hpp>"
#endif

#include <coassist/api/models/core.hpp>
#include <coassist/responses/events.hpp>
#include <coassist/responses/models/impl/models.ipp>
