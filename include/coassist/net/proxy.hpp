// Proxy selection (pure functions, no I/O): which HTTP proxy, if any, serves a target origin.
//  - https targets go through a CONNECT tunnel; http targets use absolute-form request targets.
//  - Environment (when proxy_options::from_environment): https -> https_proxy, HTTPS_PROXY;
//    http -> http_proxy, HTTP_PROXY (lower case first, as curl). Exclusions: no_proxy, NO_PROXY.
//  - NO_PROXY: comma/space separated entries; `*` excludes everything; an entry matches the host
//    itself and its subdomains (a leading '.' is ignored); `host:port` matches that port only;
//    IP literals match exactly ("[::1]" or "::1"). CIDR ranges are not supported.
#pragma once

#include <coassist/config.hpp>
#include <coassist/net/options.hpp>
#include <coassist/net/url.hpp>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace coassist::net {

// A proxy to use: where to connect, and the Proxy-Authorization value (empty: none).
struct proxy_route {
  net::origin proxy;
  std::string authorization; // "Basic ..." from the proxy URL's user info; secret, never logged
  friend bool operator==(const proxy_route&, const proxy_route&) = default;
};

namespace detail {
COASSIST_DECL std::string base64(std::string_view in) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += table[v >> 18 & 63], out += table[v >> 12 & 63], out += table[v >> 6 & 63],
        out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += table[v >> 18 & 63], out += table[v >> 12 & 63], out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += table[v >> 18 & 63], out += table[v >> 12 & 63], out += table[v >> 6 & 63], out += '=';
  }
  return out;
}

COASSIST_DECL bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
    auto y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
    if (x != y) return false;
  }
  return true;
}
} // namespace detail

// Parses a proxy URL ("http://[user:pass@]host[:port]", or "host:port" taken as http).
// Only http proxies are supported: error::unsupported_scheme otherwise.
COASSIST_DECL std::optional<proxy_route> parse_proxy_url(std::string_view text,
                                                         std::error_code& ec) {
  ec = {};
  std::string owned;
  if (text.find("://") == std::string_view::npos) {
    owned = "http://" + std::string(text);
    text = owned;
  }
  auto r = urls::parse_absolute_uri(text);
  if (!r) {
    ec = error::bad_url;
    return std::nullopt;
  }
  if (r->scheme_id() != urls::scheme::http) {
    ec = error::unsupported_scheme;
    return std::nullopt;
  }
  auto o = origin_of(*r, ec);
  if (!o) return std::nullopt;
  proxy_route route{*o, {}};
  if (r->has_userinfo()) route.authorization = "Basic " + detail::base64(r->userinfo());
  return route;
}

// True when `list` (NO_PROXY syntax) excludes the target origin.
COASSIST_DECL bool no_proxy_matches(std::string_view list, const origin& target) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    auto end = list.find_first_of(", \t", pos);
    if (end == std::string_view::npos) end = list.size();
    auto entry = list.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    std::optional<std::uint16_t> port;
    // "[v6]:port", "[v6]", "v6" (several colons), "host:port", "host"
    if (entry.front() == '[') {
      auto close = entry.find(']');
      if (close == std::string_view::npos) continue;
      auto rest = entry.substr(close + 1);
      entry = entry.substr(1, close - 1);
      if (rest.size() > 1 && rest.front() == ':')
        port = static_cast<std::uint16_t>(std::atoi(std::string(rest.substr(1)).c_str()));
    } else if (auto c = entry.rfind(':'); c != std::string_view::npos && entry.find(':') == c) {
      port = static_cast<std::uint16_t>(std::atoi(std::string(entry.substr(c + 1)).c_str()));
      entry = entry.substr(0, c);
    }
    if (port && *port != target.port) continue;
    while (!entry.empty() && entry.front() == '.')
      entry.remove_prefix(1);
    if (entry.empty()) continue;
    std::string_view host = target.host;
    if (detail::iequal(host, entry)) return true;
    if (!target.host_is_ip && host.size() > entry.size() &&
        host[host.size() - entry.size() - 1] == '.' &&
        detail::iequal(host.substr(host.size() - entry.size()), entry))
      return true;
  }
  return false;
}

// Reads an environment variable; replaceable in tests.
using env_reader = std::function<const char*(const char*)>;

// The proxy for `target`, or nullopt for a direct connection. Throws std::invalid_argument when
// a configured proxy URL is unusable (so a typo never silently bypasses a required proxy).
COASSIST_DECL std::optional<proxy_route> select_proxy(
    const proxy_options& opts, const origin& target,
    const env_reader& getenv_fn = [](const char* n) {
      return static_cast<const char*>(std::getenv(n));
    }) {
  std::string url;
  std::string no_proxy;
  if (!opts.url.empty()) {
    url = opts.url;
    no_proxy = opts.no_proxy;
  } else if (opts.from_environment) {
    auto get = [&](const char* a, const char* b) -> std::string {
      const char* v = getenv_fn(a);
      if (!v || !*v) v = getenv_fn(b);
      return v ? v : "";
    };
    url = target.tls ? get("https_proxy", "HTTPS_PROXY") : get("http_proxy", "HTTP_PROXY");
    no_proxy = get("no_proxy", "NO_PROXY");
  }
  if (url.empty()) return std::nullopt;
  if (no_proxy_matches(no_proxy, target)) return std::nullopt;
  std::error_code ec;
  auto route = parse_proxy_url(url, ec);
  if (!route) throw std::invalid_argument("coassist: unusable proxy URL (" + ec.message() + ")");
  return route;
}

} // namespace coassist::net
