// File: inlinks/core/keys.h
//
// Owns: the byte encoding of link targets as ordered keys, such that each
// query scope (docs/keys.md "Scopes") is one contiguous key range:
//
//   host key    HostKey("blog.example.com") == "com.example.blog."
//               labels reversed, each followed by '.'; IP literals are not
//               reversed ("127.0.0.1.", "[::1].")
//   domain scope  every host key that starts with HostKey(domain)
//               ("com.example." covers "com.example." and "com.example.blog.",
//               but not "com.example-shop.")
//   host scope  HostKey(host) + '\0'
//   URL scope   HostKey(host) + '\0' + port (2 bytes, big-endian, 0 = the
//               scheme's default) + path-and-query + '\0'
//
// The scheme is not part of the key, so http and https versions of a page
// share one scope; userinfo and fragment are not part of it either. The
// layout is documented byte for byte in docs/keys.md; storage appends its own
// suffixes (source, position) after a URL scope key.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "inlinks/core/url.h"

namespace inlinks::core {

// A half-open key range [begin, end). An empty `end` means "to the end of the
// key space".
struct KeyRange {
  std::string begin;
  std::string end;
  // True when `key` falls inside the range.
  bool Contains(std::string_view key) const;
};

// The smallest key greater than every key that starts with `prefix`
// ("" when there is none, i.e. the prefix is all 0xFF bytes).
std::string PrefixSuccessor(std::string_view prefix);

// The host key of a lower-case, already normalized host (see above).
std::string HostKey(std::string_view host);

// Inverse of HostKey: "com.example.blog." -> "blog.example.com".
// Errors: kInvalidArgument when `key` is not a host key.
absl::StatusOr<std::string> HostFromKey(std::string_view key);

// Key ranges of the three scopes. `domain` and `host` are lower-case ASCII
// hosts as Url::host() returns them.
KeyRange DomainScope(std::string_view domain);
KeyRange HostScope(std::string_view host);
KeyRange UrlScope(const Url& url);

// The URL scope key of `url` (the `begin` of UrlScope(url)); every key that
// starts with it belongs to that exact page.
std::string UrlKey(const Url& url);

// The parts of a URL key.
struct UrlKeyParts {
  std::string host;       // "blog.example.com"
  uint16_t port = 0;      // 0 = default port of the scheme
  std::string path_and_query;  // "/a?b"
  size_t key_size = 0;    // bytes of the URL key, so callers find a suffix
};

// Decodes a URL key (or a longer key that starts with one).
// Errors: kInvalidArgument when the bytes are not a URL key.
absl::StatusOr<UrlKeyParts> DecodeUrlKey(std::string_view key);

// The scheme-less display form of a decoded URL key: "blog.example.com/a?b",
// "example.com:8080/".
std::string DisplayUrl(const UrlKeyParts& parts);

}  // namespace inlinks::core
