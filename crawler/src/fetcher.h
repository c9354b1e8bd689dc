// File: crawler/src/fetcher.h (private to the crawler and its tests)
//
// Owns: the fetcher's coroutine API (settings and failure reasons are public
// in inlinks/crawler/fetch_options.h). Errors are values
// (FetchResult::error), never exceptions.
//
// Thread safety: a Fetcher may be used from coroutines on several threads of
// one io_context; its caches and pool are internally locked.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "absl/status/statusor.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/fetch_options.h"

namespace inlinks::crawler {

struct FetchResult {
  FetchError error = FetchError::kNone;
  std::string message;  // human-readable detail of `error`
  int status = 0;
  std::string ip;  // address connected to
  std::string content_type;
  std::string location;     // Location header, as sent
  std::string retry_after;  // Retry-After header, as sent
  std::string body;         // decoded
  uint64_t wire_bytes = 0;  // header + body bytes as received
  bool reused_connection = false;
  bool truncated = false;  // the body was cut at Get's `keep_first_bytes`
};

struct ResolveResult {
  std::vector<IpAddress> addresses;  // empty on failure
  std::string error;
};

class Fetcher {
 public:
  // Errors: kInvalidArgument when TLS cannot be set up.
  static absl::StatusOr<std::unique_ptr<Fetcher>> Create(boost::asio::any_io_executor executor,
                                                         FetchOptions options);
  ~Fetcher();

  // GETs `url`, reusing an idle kept-alive connection to its origin when
  // there is one (a stale one is replaced transparently). With
  // `keep_first_bytes` > 0 the request asks for no content coding and a
  // longer body is cut there and marked `truncated` instead of failing with
  // kBodyTooLarge (a Content-Length above 64 MiB still fails at once).
  boost::asio::awaitable<FetchResult> Get(core::Url url, size_t keep_first_bytes = 0);

  // The addresses `host` resolves to (overrides, cache, then DNS), before
  // the SSRF guard.
  boost::asio::awaitable<ResolveResult> Resolve(std::string host, uint16_t port);

  // Closes every idle connection.
  void CloseIdle();

  const FetchOptions& options() const;

 private:
  struct Impl;
  explicit Fetcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inlinks::crawler
