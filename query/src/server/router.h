// File: query/src/server/router.h
//
// Owns: turning one parsed HTTP request into one HTTP response, with no I/O:
// dialect detection (domain, URL, native, operational), the three dialects'
// parameter rules and envelopes (docs/api.md), authentication and credit
// charging. The Beast session (server.cc) calls Router::Handle for every
// request; the fuzzer and the unit tests call it directly.
//
// Thread safety: Handle is thread-safe (the engine, the key store and the
// metrics are).
#pragma once

#include <chrono>
#include <functional>

#include "absl/status/statusor.h"
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inlinks/query/backlinks.h"
#include "inlinks/query/keys.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/metrics.h"
#include "server/params.h"

namespace inlinks::query::server {

// The parts of a request the router reads (borrowed for the call).
struct HttpRequest {
  std::string_view method;         // "GET", "POST", ...
  std::string_view target;         // origin-form "/path?query"
  std::string_view authorization;  // Authorization header value, or ""
  std::string_view content_type;   // Content-Type header value, or ""
  std::string_view body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  Dialect dialect = Dialect::kOther;
  int64_t credits_charged = 0;
  // The domain dialect's apiErrorCode (its answers are HTTP 200 whatever
  // the error), for the access log; 0 for success and other dialects.
  int api_error = 0;
  // Why an internal error (500, domain code 1) was answered: the router
  // logs it and counts it in /metrics.
  absl::Status error;
};

struct RouterOptions {
  // Lifetime of a /v3/token bearer token.
  std::chrono::seconds token_ttl{3600};
  // More Prometheus text appended to /metrics (ServerOptions::extra_metrics).
  std::function<std::string()> extra_metrics;
  // ServerOptions::add_seeds.
  std::function<absl::StatusOr<size_t>(const std::vector<std::string>&)> add_seeds;
  // Whether the database can still write (storage::Db::Health); /healthz
  // answers 503 with its message when not. Unset: always healthy.
  std::function<absl::Status()> health;
};

class Router {
 public:
  // Borrows all three; they must outlive the router. `keys` may be written
  // (credits).
  Router(const QueryEngine& engine, KeyStore& keys, Metrics& metrics,
         RouterOptions options = {});

  // Answers `request`. An internal error (HttpResponse::error) is counted
  // in Metrics and logged with its status, once a minute per distinct
  // message.
  HttpResponse Handle(const HttpRequest& request) const;

  // Responses for requests that never reach Handle (the session's protocol
  // errors): `status` with a body in the dialect `target` suggests (or a
  // plain JSON body when the target is unknown or empty).
  static HttpResponse ProtocolError(std::string_view target, int status,
                                    std::string_view message);

 private:
  HttpResponse Dispatch(const HttpRequest& request) const;
  void ReportError(const HttpRequest& request, const absl::Status& error) const;
  HttpResponse HandleDomain(const HttpRequest& request, Target target) const;
  HttpResponse HandleUrlDialect(const HttpRequest& request, const Target& target) const;
  HttpResponse HandleToken(const HttpRequest& request, const Target& target) const;
  HttpResponse AddSeeds(const HttpRequest& request, const Target& target) const;
  HttpResponse HandleNative(const HttpRequest& request, const Target& target) const;

  const QueryEngine& engine_;
  KeyStore& keys_;
  Metrics& metrics_;
  RouterOptions options_;
  // Messages of internal errors logged in the last minute -> when.
  mutable absl::Mutex logged_mu_;
  mutable absl::flat_hash_map<std::string, int64_t> logged_ ABSL_GUARDED_BY(logged_mu_);
};

}  // namespace inlinks::query::server
