// Precompiled header shared by every test executable: the heavy, stable headers only.
#pragma once
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <coassist/detail/asio.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
