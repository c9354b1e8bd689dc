// File: inlinks/core/url.h
//
// Owns: parsing, resolution and crawl normalization of http(s) URLs. Every URL
// that enters the index or the frontier goes through here, so two spellings of
// one resource give one string.
//
// Spec: the WHATWG URL Standard (https://url.spec.whatwg.org/) for special
// schemes, which is how browsers resolve an href against a page, on top of
// Boost.URL's RFC 3986 grammar; crawl normalization per RFC 3986 section 6.
// Deliberate deviations from WHATWG are listed in docs/url.md.
//
// Normalized form (what href() returns):
//   - scheme and host lower-case; IDN hosts in punycode (IDNA2008, libidn2);
//     IPv4 in any WHATWG number form becomes dotted decimal; IPv6 compressed;
//   - default port removed (80 for http, 443 for https);
//   - dot segments resolved; empty path becomes "/";
//   - fragment dropped (crawl mode);
//   - percent-encoding: WHATWG encode sets applied, hex digits upper-case, and
//     (crawl mode) escapes of unreserved characters (ALPHA DIGIT - . _ ~)
//     decoded; reserved escapes such as %2F are never decoded.
//   - userinfo is kept (it is part of the resource per WHATWG).
//
// Not owned here: registrable domains (domain.h), key bytes (keys.h).
// Thread safety: all functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace inlinks::core {

// How much normalization beyond the WHATWG serialization to apply.
struct UrlOptions {
  // Drop "#fragment" (a crawler fetches the same resource either way).
  bool drop_fragment = true;
  // Decode %XX escapes of unreserved characters and upper-case the hex
  // digits of the remaining escapes (RFC 3986 section 6.2.2).
  bool normalize_percent = true;
};

// A parsed, normalized absolute http or https URL. Immutable value type;
// copies own their bytes.
class Url {
 public:
  Url() = default;

  // The full normalized serialization, e.g. "https://example.com/a?b".
  const std::string& href() const { return href_; }
  // "http" or "https".
  std::string_view scheme() const;
  // Lower-case host: a DNS name in ASCII (punycode), a dotted IPv4 address,
  // or an IPv6 address in brackets ("[::1]").
  std::string_view host() const;
  // The explicit port, or 0 when the URL uses its scheme's default port.
  uint16_t port() const { return port_; }
  // The port to connect to: port() or the scheme's default.
  uint16_t EffectivePort() const;
  // Path, always starting with "/".
  std::string_view path() const;
  // Query without the leading "?", or empty. has_query() tells "?" from none.
  std::string_view query() const;
  bool has_query() const { return query_len_ != kNone; }
  // Path plus "?query" when there is one: the HTTP request target.
  std::string_view PathAndQuery() const;
  // Fragment without "#" (only when the options kept it).
  std::string_view fragment() const;
  bool has_fragment() const { return fragment_len_ != kNone; }
  // True when the host is an IPv4 or IPv6 literal.
  bool host_is_ip() const { return host_is_ip_; }

  friend bool operator==(const Url& a, const Url& b) {
    return a.href_ == b.href_;
  }

 private:
  friend class UrlBuilder;
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  std::string href_;
  uint32_t scheme_len_ = 0;
  uint32_t host_pos_ = 0, host_len_ = 0;
  uint32_t path_pos_ = 0, path_len_ = 0;
  uint32_t query_pos_ = 0, query_len_ = kNone;
  uint32_t fragment_pos_ = 0, fragment_len_ = kNone;
  uint16_t port_ = 0;
  bool host_is_ip_ = false;
};

// Parses an absolute URL. Leading/trailing C0 controls and spaces are
// stripped and tabs/newlines removed, as browsers do.
// Errors: kInvalidArgument with a message naming the problem, including
// "unsupported scheme" for anything but http and https, an empty or invalid
// host, and an invalid port.
absl::StatusOr<Url> ParseUrl(std::string_view input,
                             const UrlOptions& options = {});

// Resolves `reference` (an href as written in a page: relative, or absolute)
// against `base`, as a browser does, and normalizes the result.
// Errors: as ParseUrl; a reference with a non-http(s) scheme (mailto:,
// javascript:, data:, ...) gives kInvalidArgument "unsupported scheme".
absl::StatusOr<Url> ResolveUrl(const Url& base, std::string_view reference,
                               const UrlOptions& options = {});

}  // namespace inlinks::core
