// URLs for the transport, parsed and built with Boost.URL only (no string concatenation of
// user data). A base URL is `http(s)://host[:port][/prefix]` (IPv4/IPv6 literals and names,
// any port, any path prefix such as /v1 or a gateway prefix). make_url() appends a path template
// whose `{name}` segments are replaced by percent-encoded parameters, plus encoded query values.
#pragma once

#include <coassist/config.hpp>
#include <coassist/net/error.hpp>

#include <boost/url.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coassist::net {

// The connection-relevant part of an absolute URL.
struct origin {
  bool tls = false;       // https
  std::string host;       // for connecting: a name, "1.2.3.4" or "::1" (no brackets)
  std::uint16_t port = 0; // explicit or the scheme default
  bool host_is_ip = false;

  // "host:port" with brackets for IPv6, as used in Host headers, CONNECT and messages.
  std::string authority() const {
    std::string s = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return s + ":" + std::to_string(port);
  }
  // The Host header value: the port only when it is not the scheme default.
  std::string host_header() const {
    std::string s = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls ? 443 : 80)) s += ":" + std::to_string(port);
    return s;
  }
  friend bool operator==(const origin&, const origin&) = default;
};

// Extracts the origin of an absolute http/https URL; error::bad_url or error::unsupported_scheme.
COASSIST_DECL std::optional<origin> origin_of(urls::url_view u, std::error_code& ec) {
  ec = {};
  if (!u.has_scheme() || !u.has_authority() || u.encoded_host().empty()) {
    ec = error::bad_url;
    return std::nullopt;
  }
  origin o;
  if (u.scheme_id() == urls::scheme::https)
    o.tls = true;
  else if (u.scheme_id() != urls::scheme::http) {
    ec = error::unsupported_scheme;
    return std::nullopt;
  }
  switch (u.host_type()) {
  case urls::host_type::ipv4:
    o.host = u.host_ipv4_address().to_string();
    o.host_is_ip = true;
    break;
  case urls::host_type::ipv6:
    o.host = u.host_ipv6_address().to_string();
    o.host_is_ip = true;
    break;
  case urls::host_type::name:
    o.host = u.host_name();
    break;
  default:
    ec = error::bad_url;
    return std::nullopt; // IPvFuture
  }
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) {
      ec = error::bad_url;
      return std::nullopt;
    }
    o.port = u.port_number();
  } else {
    o.port = o.tls ? 443 : 80;
  }
  return o;
}

// One path or query parameter.
using url_param = std::pair<std::string_view, std::string_view>;

// A validated base URL such as "https://api.openai.com/v1" or "http://[::1]:8080/gateway/v1".
class base_url {
public:
  // Parses and validates; throws std::invalid_argument with the reason on failure. The base URL
  // must not carry a query, fragment or user info (credentials belong in headers).
  explicit base_url(std::string_view text) {
    std::error_code ec;
    if (!assign(text, ec)) throw std::invalid_argument("coassist: bad base URL: " + ec.message());
  }
  base_url(std::string_view text, std::error_code& ec) { assign(text, ec); }

  const urls::url& url() const noexcept { return url_; }
  const net::origin& origin() const noexcept { return origin_; }

  // base + path template, e.g. make_url("/threads/{thread_id}/runs", {{"thread_id", id}},
  // {{"limit", "20"}}). `{name}` must fill a whole segment; each value becomes exactly one
  // percent-encoded segment (a '/' in it is encoded as %2F). Throws std::invalid_argument for a
  // placeholder without a parameter.
  urls::url make_url(std::string_view path_template,
                     std::initializer_list<url_param> path_params = {},
                     std::initializer_list<url_param> query = {}) const {
    return make_url(path_template, std::vector<url_param>(path_params),
                    std::vector<url_param>(query));
  }
  urls::url make_url(std::string_view path_template, const std::vector<url_param>& path_params,
                     const std::vector<url_param>& query) const {
    urls::url u = url_;
    auto segs = u.segments();
    // the base's trailing empty segment ("/v1/") is dropped so we never produce "//"
    if (!segs.empty() && segs.back().empty()) segs.pop_back();
    std::size_t pos = 0;
    while (pos <= path_template.size()) {
      auto slash = path_template.find('/', pos);
      auto seg = path_template.substr(pos, slash == std::string_view::npos ? std::string_view::npos
                                                                           : slash - pos);
      if (!seg.empty()) {
        if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
          auto name = seg.substr(1, seg.size() - 2);
          const url_param* found = nullptr;
          for (const auto& p : path_params)
            if (p.first == name) found = &p;
          if (!found)
            throw std::invalid_argument("coassist: no value for path parameter " +
                                        std::string(name));
          if (found->second.empty())
            throw std::invalid_argument("coassist: empty path parameter " + std::string(name));
          segs.push_back(found->second); // segments() percent-encodes
        } else {
          segs.push_back(seg);
        }
      }
      if (slash == std::string_view::npos) break;
      pos = slash + 1;
    }
    // (Boost.URL 1.81 turns set_path("/") on an empty path into "/./")
    if (u.encoded_path().empty()) u = urls::url(std::string(u.encoded_origin()) + "/");
    for (const auto& q : query)
      u.params().append({q.first, q.second}); // params() encodes
    return u;
  }

private:
  bool assign(std::string_view text, std::error_code& ec) {
    auto r = urls::parse_absolute_uri(text);
    if (!r) {
      ec = error::bad_url;
      return false;
    }
    if (r->has_query() || r->has_fragment() || r->has_userinfo()) {
      ec = error::bad_url;
      return false;
    }
    auto o = origin_of(*r, ec);
    if (!o) return false;
    url_ = *r;
    url_.normalize_scheme();
    origin_ = *o;
    return true;
  }

  urls::url url_;
  net::origin origin_;
};

// The request target for an origin server: "/path?query" ("/" when the path is empty).
COASSIST_DECL std::string origin_form_target(urls::url_view u) {
  std::string t(u.encoded_path());
  if (t.empty()) t = "/";
  if (u.has_query()) {
    t += '?';
    t += u.encoded_query();
  }
  return t;
}

// The request target through a plain-http proxy: "http://host:port/path?query".
COASSIST_DECL std::string absolute_form_target(urls::url_view u) {
  std::string t(u.scheme());
  t += "://";
  t += u.encoded_host_and_port();
  t += origin_form_target(u);
  return t;
}

} // namespace coassist::net
