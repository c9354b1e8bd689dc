// File: inlinks/crawler/fetch_options.h
//
// Owns: the settings and failure reasons of the fetcher (crawler/src/
// fetcher.h, private: its coroutine API needs Asio, which public headers do
// not pull in). The fetcher fetches one URL over HTTP/1.1 or HTTPS (Boost.Beast,
// OpenSSL) as a C++20 coroutine: DNS with a TTL cache and curl-style --resolve overrides,
// the SSRF guard (net_guard.h) on every resolved address, keep-alive
// connections pooled per origin, TLS with SNI and certificate verification
// against the system store, timeouts for connect, headers and the whole
// response, header and body size caps, and content decoding (gzip, deflate,
// br; at most 5 codings; compression bombs cut off by a ratio cap).
// Redirects are not followed here: the crawler records each as a link and
// queues its target (so the target gets its own politeness, robots and SSRF
// checks).
//
// Errors are values (FetchResult::error), never exceptions.
//
// Thread safety: a Fetcher may be used from coroutines on several threads of
// one io_context; its caches and pool are internally locked.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/net_guard.h"

namespace inlinks::crawler {

// A --resolve entry: connections to `host` (any port when port is 0) go to
// `address` instead of asking DNS. host "*" matches every host.
struct ResolveOverride {
  std::string host;
  uint16_t port = 0;
  IpAddress address;
  // Parses "HOST:ADDR" or curl's "HOST:PORT:ADDR" (IPv6 ADDR may be in
  // brackets). Errors: kInvalidArgument.
  static absl::StatusOr<ResolveOverride> Parse(std::string_view text);
};

struct FetchOptions {
  std::string user_agent = "inlinks/0.1 (+https://github.com/inlinks/inlinks)";
  std::chrono::milliseconds connect_timeout{10'000};
  // From sending the request to the end of the response header.
  std::chrono::milliseconds header_timeout{20'000};
  // From sending the request to the end of the body.
  std::chrono::milliseconds response_timeout{60'000};
  size_t max_header_bytes = 64 << 10;
  size_t max_body_bytes = 4 << 20;  // as received, and again after decoding
  double max_compression_ratio = 100;
  size_t max_content_encodings = 5;
  bool verify_tls = true;
  std::vector<ResolveOverride> resolve;
  // How long a resolved name is reused. The system resolver (getaddrinfo,
  // run asynchronously by Asio) does not report record TTLs, so this is a
  // fixed cache lifetime: the upper bound of how stale an address may be.
  std::chrono::milliseconds dns_ttl{300'000};
  NetGuard guard;
  size_t max_idle_connections = 512;
};

// Why a fetch produced no response.
enum class FetchError : uint8_t {
  kNone = 0,
  kDns,             // name did not resolve
  kBlocked,         // every address refused by the SSRF guard
  kConnect,         // refused, unreachable
  kTls,             // handshake or certificate failure
  kTimeout,         // connect, header or response deadline
  kHeaderTooLarge,  // max_header_bytes
  kBodyTooLarge,    // max_body_bytes, raw or decoded
  kBadResponse,     // malformed status line, header or framing
  kReset,           // connection closed or reset mid-response
  kEncoding,        // unsupported or corrupt content coding, bomb, > 5 codings
};
inline constexpr int kFetchErrorCount = 11;
std::string_view FetchErrorName(FetchError e);

}  // namespace inlinks::crawler
