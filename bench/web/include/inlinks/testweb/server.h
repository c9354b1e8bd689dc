// File: inlinks/testweb/server.h
//
// Owns: the HTTP/1.1 server of the synthetic web (Boost.Beast, C++20
// coroutines, keep-alive, many connections, N threads): virtual hosts by the
// Host header (or an absolute-form request target, so a crawler can use it as
// its HTTP proxy), the generated web of web.h, static directories served as
// hosts, and hostile hosts and paths for crawler robustness tests.
//
// Not owned here: the graph and the page bytes (web.h).
//
// Example (a test):
//   ServerOptions options;            // 127.0.0.1:0, one thread
//   options.web = WebSpec{};          // URLs get the bound port
//   ASSIGN_OR_RETURN(std::unique_ptr<Server> server, Server::Start(options));
//   uint16_t port = server->port();
//   std::vector<std::string> seeds = server->web()->SeedUrls();
//   // ... crawl with every host name resolved to 127.0.0.1 ...
//   server->Stop();                   // or let the destructor stop it
//
// Thread safety: Start, Stop and the destructor must not race each other;
// every other method may be called from any thread while the server runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "inlinks/testweb/web.h"

namespace inlinks::testweb {

// Misbehaviours a host (or a path) can be given. Each answers every request
// except robots.txt (which allows everything) this way, after reading the
// request.
enum class Hostile : uint8_t {
  kNone = 0,
  kEndlessBody,         // 200, no Content-Length, HTML body that never ends
  kSlowloris,           // a normal small page sent one byte per interval
  kGzipBomb,            // Content-Encoding: gzip, gzip_bomb_bytes when decoded
  kRedirectLoop,        // 302 /x -> /x/b -> /x -> ... (keep-alive kept)
  kRobots500,           // robots.txt answers 500; pages are normal
  kWrongContentLength,  // Content-Length 100000, 1000 bytes sent, then close
  kMalformedStatus,     // "HTTP/1.1 2OO OK" status line, then close
  kHugeHeaders,         // huge_header_bytes of header fields, small body
  kResetMidBody,        // Content-Length 100000, 8000 bytes, then TCP RST
  kStall,               // reads the request, never answers
  kRateLimited,         // the first request of each URL gets 429 with
                        // Retry-After: 1, later ones a small normal page
};

// "endless-body", "slowloris", "gzip-bomb", "redirect-loop", "robots-500",
// "wrong-content-length", "malformed-status", "huge-headers",
// "reset-mid-body", "stall", "rate-limited"; "none" for kNone.
std::string_view HostileName(Hostile behaviour);
// Inverse of HostileName; nullopt for an unknown name.
std::optional<Hostile> HostileFromName(std::string_view name);
// Every behaviour but kNone.
std::vector<Hostile> AllHostile();
// The host name the server gives a behaviour when
// ServerOptions::hostile_hosts is on: "<name>.hostile.test".
std::string HostileHostName(Hostile behaviour);

// A directory of files served as one virtual host: a path maps to the file
// under `dir` (percent-decoded, ".." refused), a directory to its
// index.html (a directory path without the final "/" is redirected to it),
// the Content-Type from the extension.
struct StaticSite {
  std::string host;  // lower-case host name, no port
  std::string dir;
};

struct ServerOptions {
  // "ADDRESS:PORT" to listen on; port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:0";
  int threads = 1;
  // The generated web to serve, if any.
  std::optional<WebSpec> web;
  // When web->port is 0, write the bound port into the web's URLs (so a
  // crawler that maps host names to 127.0.0.1 fetches them from this server).
  // Off: URLs carry no port (use the server as an HTTP proxy, or port 80).
  bool web_port_from_listener = true;
  std::vector<StaticSite> static_sites;
  // Serve HostileHostName(b) for every behaviour b.
  bool hostile_hosts = true;
  // More hosts with a behaviour (host name -> behaviour).
  std::map<std::string, Hostile> hostile;
  // "/_hostile/<name>[/...]" on every host answers with that behaviour.
  bool hostile_paths = true;
  // gzip the body when the request's Accept-Encoding names gzip.
  bool gzip = false;
  // TLS stall: a connection whose first byte is 0x16 (a TLS handshake
  // record) is held open and never answered.
  bool tls_stall = true;
  absl::Duration slowloris_interval = absl::Seconds(1);
  size_t gzip_bomb_bytes = 64 << 20;
  size_t huge_header_bytes = 1 << 20;
  // A connection idle this long between requests is closed.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Delay added before every normal answer (latency simulation).
  absl::Duration response_delay = absl::ZeroDuration();
  // Keep a log of every request read (Requests()), e.g. to check a
  // crawler's politeness on the wire.
  bool record_requests = false;
};

// One request the server read.
struct RequestRecord {
  std::string host;     // Host header (or absolute-form authority), no port
  std::string url;      // "http://" authority target, as requested
  int64_t arrival_us = 0;  // unix microseconds when its head was read
};

struct ServerStats {
  uint64_t connections = 0;  // accepted
  uint64_t requests = 0;     // requests read
  uint64_t responses_2xx = 0, responses_3xx = 0, responses_4xx = 0,
           responses_5xx = 0;
  uint64_t hostile = 0;     // requests answered by a hostile behaviour
  uint64_t bytes_sent = 0;  // response bytes written (headers included)
};

class Server {
 public:
  // Binds, builds the web (after binding, to know the port), and starts
  // `threads` threads serving. Errors: kInvalidArgument for a bad listen
  // address, a bad WebSpec, a static dir that is not a directory, or a host
  // name served twice; kUnavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);

  // Stops: closes the listener and every connection and joins the threads.
  ~Server();
  // Idempotent; returns when every thread has exited.
  void Stop();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port.
  uint16_t port() const;
  // The bound address, "127.0.0.1:PORT".
  std::string address() const;
  // The served web, or nullptr when the options had none.
  const Web* web() const;
  // Every virtual host served: web hosts, static sites, hostile hosts.
  std::vector<std::string> HostNames() const;
  // "http://HOST:PORT" for a host served here.
  std::string Origin(std::string_view host) const;
  // Counters since Start.
  ServerStats stats() const;
  // Every request read so far, in order (empty unless record_requests).
  std::vector<RequestRecord> Requests() const;

  struct State;  // implementation

 private:
  Server() = default;
  std::unique_ptr<State> state_;
};

}  // namespace inlinks::testweb
