// The typed Responses and Conversations client: client.responses() and client.conversations()
// (<coassist/responses/resources.hpp>), the generated models (namespace coassist::responses), the
// typed stream events and the Response helpers. It includes none of the Assistants models
// (<coassist/api.hpp> is their counterpart and includes none of these).
#pragma once

#include <coassist/api/client.hpp>
#include <coassist/api/error.hpp>
#include <coassist/responses/events.hpp>
#include <coassist/responses/resources.hpp>
#include <coassist/responses/response_helpers.hpp>
