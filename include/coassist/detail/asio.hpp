// The one place that includes Asio. Order matters in Asio 1.22: channel.hpp must come before
// coro.hpp (otherwise a concept named `execution_context` breaks the build).
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/experimental/coro.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>
#include <asio/ssl.hpp>
