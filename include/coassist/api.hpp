// The typed Assistants v2 client: coassist::client and its resources.
#pragma once

#include <coassist/api/client.hpp>
#include <coassist/api/error.hpp>
#include <coassist/api/file_resources.hpp>
#include <coassist/api/resources.hpp>
