// File: inlinks/query/server.h
//
// Owns: the HTTP API server (docs/api.md): HTTP/1.1 with keep-alive over Boost.Beast
// (C++20 coroutines, errors as values), speaking the three dialects (domain,
// URL, native) plus /metrics (Prometheus text) and /healthz, with API keys
// and credits (keys.h). docs/api.md documents routes, errors and examples.
//
// Hardening: caps on the request line, the header block and the body; a
// header timeout (the whole header must arrive within it, so a slowloris
// client cannot hold a connection), a body/read timeout, an idle keep-alive
// timeout, a write timeout and a connection cap. Requests that could be
// smuggled (Content-Length together with Transfer-Encoding, duplicate or
// invalid Content-Length, a Transfer-Encoding other than a single "chunked",
// bad chunk sizes, obs-fold, bare CR or LF, NUL or other control bytes in the
// header) get 400 and the connection is closed. Access log lines never
// contain API keys, secrets or tokens.
//
// Lifecycle (the daemon):
//   inlinks::query::ServerOptions opt;        // 127.0.0.1:8080 by default
//   inlinks::query::Server server(*db, opt);  // db outlives server
//   RETURN_IF_ERROR(server.Start());          // binds, starts threads
//   ... EnsureDefaultKey(server.keys(), dir + "/default-api-key") ...
//   // on SIGTERM:
//   server.Stop();                            // graceful, returns when done
//
// Thread safety: Start/Stop/port/keys may be called from any one thread (not
// concurrently with each other); requests run on the server's own threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/query/geo.h"
#include "inlinks/query/keys.h"
#include "inlinks/storage/db.h"

namespace inlinks::query {

struct ServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal to bind
  uint16_t port = 8080;                // 0: pick a free port (see Server::port())
  // Serving threads, each with its own connections (dealt in turn), which
  // run their queries inline; one more thread only accepts.
  int threads = 2;

  // Limits.
  size_t max_request_line_bytes = 8 * 1024;  // longer -> 414 and close
  size_t max_header_bytes = 16 * 1024;       // whole header block -> 431 and close
  size_t max_body_bytes = 64 * 1024;         // -> 413 and close
  // Open connections. When all are taken, the oldest idle one (waiting for
  // a request) is closed to make room; when none is idle, the new one is
  // closed at accept.
  size_t max_connections = 1024;
  // Open connections from one client address; more are closed at accept.
  size_t max_connections_per_client = 128;
  // Response bytes being sent to all clients together. Past it, a request
  // waits (up to write_timeout, then 503) before it is answered, so slow
  // readers cannot make the server hold more (plus one response per thread).
  size_t max_response_bytes_in_flight = 64 << 20;
  std::chrono::milliseconds header_timeout{10'000};  // first byte .. end of header
  std::chrono::milliseconds read_timeout{10'000};    // the body
  std::chrono::milliseconds idle_timeout{30'000};    // keep-alive wait for a request
  std::chrono::milliseconds write_timeout{30'000};   // sending one response
  // Stop(): in-flight requests get this long to finish before their
  // connections are closed anyway.
  std::chrono::milliseconds shutdown_grace{10'000};

  // Geolocation of the rows' ip (ccode/country/city; geo.h). Borrowed: must
  // outlive the server. nullptr: those fields stay empty.
  const GeoDb* geo = nullptr;

  // Lifetime of bearer tokens from POST /v3/token (expires_in).
  std::chrono::seconds token_ttl{3600};

  // One INFO line per request via core/log.h (method, redacted target,
  // status, bytes, microseconds, dialect).
  bool access_log = false;
  // More Prometheus text appended to /metrics (the daemon adds the
  // crawler's figures); called on a server thread per scrape.
  std::function<std::string()> extra_metrics;
  // POST /v1/seeds hands the seeds of its body here (the daemon queues them
  // in the crawler's frontier) and reports how many were new. Unset (serve
  // only): the endpoint answers 503.
  std::function<absl::StatusOr<size_t>(const std::vector<std::string>&)> add_seeds;
};

class Server {
 public:
  // Borrows `db` (must outlive the server; written only for key credits).
  Server(storage::Db& db, ServerOptions options = {});
  ~Server();  // calls Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens, then accepts on a thread of its own and serves on
  // options.threads threads.
  // Errors: kInvalidArgument for a bad address, kUnavailable when the port
  // cannot be bound, kFailedPrecondition when already started.
  absl::Status Start();

  // Graceful stop: stops accepting, lets in-flight requests finish (at most
  // shutdown_grace), closes idle connections, joins the threads. Idempotent.
  void Stop();

  // The bound port (after Start; useful with options.port == 0).
  uint16_t port() const;

  // The key store the server authenticates and charges against.
  KeyStore& keys();

  // The Prometheus text of the server's metrics (what GET /metrics serves).
  std::string MetricsText() const;

  struct Impl;  // implementation detail (server.cc)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inlinks::query
