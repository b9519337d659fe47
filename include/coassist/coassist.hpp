// The umbrella header: everything coassist offers.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
