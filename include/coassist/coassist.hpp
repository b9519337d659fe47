// The umbrella header: everything coassist offers. Include the parts you need instead to keep
// compile times down (the typed models are large): <coassist/api.hpp> for the client,
// <coassist/tools/tool_set.hpp> for the tool runtime alone, <coassist/net/http_client.hpp> for
// the transport alone.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>

#include <coassist/agent/run_loop.hpp>
#include <coassist/api.hpp>
#include <coassist/stream/run_stream.hpp>
#include <coassist/tools/tool_set.hpp>
