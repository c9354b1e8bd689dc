// File: query/src/server/server.cc
//
// Owns: the Beast side of inlinks::query::Server: the acceptor (on a thread
// of its own, so a slow query never delays accepting), one io_context per
// serving thread with connections dealt round-robin (a connection lives on
// one thread: no strand, no cross-thread wakeup per request; a slow query
// delays the other connections of its thread only), one coroutine per
// connection, strict header reading
// (header_scan.h) before Beast parses, the smuggling checks Beast leaves to
// us, timeouts, the connection cap, graceful Stop, and the access log.
//
// Coroutines follow STYLE.md: errors as values (as_tuple(use_awaitable)),
// parameters by value, no co_spawn of a capturing lambda (GCC 12), one
// catch-all at each co_spawn completion.
//
// Thread safety: see server.h. Session state is touched only on its
// io_context's thread, except `reading_header`, which Stop reads through a
// post to that io_context.
#include "inlinks/query/server.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "inlinks/core/log.h"
#include "inlinks/query/backlinks.h"
#include "server/header_scan.h"
#include "server/metrics.h"
#include "server/params.h"
#include "server/router.h"

namespace inlinks::query {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto kTok = net::as_tuple(net::use_awaitable);

// One connection. Shared by its coroutine and the registry Stop walks.
struct Session {
  Session(tcp::socket socket, uint64_t id, std::string client)
      : stream(std::move(socket)), id(id), client(std::move(client)) {}
  beast::tcp_stream stream;
  uint64_t id;
  std::string client;  // the peer's address
  // True while waiting for (the rest of) a request header: Stop may cancel.
  bool reading_header = false;
  // Waiting for the first byte of a request: the accept loop may close it
  // to make room (once: `shed`).
  std::atomic<bool> idle{true};
  std::atomic<bool> shed{false};
};

void LogException(std::exception_ptr e, const char* where) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    INLINKS_LOG(ERROR) << where << ": " << ex.what();
  } catch (...) {
    INLINKS_LOG(ERROR) << where << ": unknown exception";
  }
}

}  // namespace

struct Server::Impl {
  Impl(storage::Db& db_in, ServerOptions options_in)
      : db(db_in),
        options(std::move(options_in)),
        engine(db_in, options.geo),
        keys(db_in),
        router(engine, keys, metrics,
               server::RouterOptions{options.token_ttl, options.extra_metrics, options.add_seeds,
                                     [this] { return db.Health(); }}) {
    metrics.SetResponseBytes(&response_bytes);
  }

  storage::Db& db;
  ServerOptions options;
  QueryEngine engine;
  KeyStore keys;
  server::Metrics metrics;
  server::Router router;

  bool started = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};
  uint16_t bound_port = 0;

  std::mutex mu;
  std::condition_variable sessions_done;
  std::map<uint64_t, std::shared_ptr<Session>> sessions;  // guarded by mu
  std::map<std::string, size_t> per_client;                // guarded by mu
  std::atomic<size_t> response_bytes{0};  // bodies being sent (ResponseBytes)
  std::atomic<int64_t> last_trim_ms{0};
  uint64_t next_session_id = 0;                            // guarded by mu

  // Declared last so they are destroyed first: coroutine frames they still
  // hold (after a forced stop) unregister through the members above.
  // iocs[0] runs the acceptor only; the others serve connections. Each runs
  // on one thread of `threads`.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  size_t next_ioc = 0;  // the accept loop's round-robin position

  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = sessions.find(id); it != sessions.end()) {
      auto client = per_client.find(it->second->client);
      if (client != per_client.end() && --client->second == 0) per_client.erase(client);
      sessions.erase(it);
    }
    metrics.ConnectionClosed();
    if (sessions.empty()) sessions_done.notify_all();
  }
};

namespace {

using Impl = Server::Impl;

// Unregisters the session when its coroutine frame goes away, whatever the
// path out (including an exception).
struct SessionGuard {
  Impl* impl;
  uint64_t id;
  ~SessionGuard() { impl->Unregister(id); }
};

// The HTTP response of `r`, whose body it takes.
http::response<http::string_body> MakeResponse(server::HttpResponse& r, unsigned version,
                                               bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "inlinks");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

// Waits (up to `limit`) until the response bytes being sent to all clients
// fit ServerOptions::max_response_bytes_in_flight: slow readers cannot make
// the server hold more than that (plus one response per serving thread).
net::awaitable<bool> WaitForResponseRoom(Impl* impl, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  net::steady_timer timer(co_await net::this_coro::executor);
  while (impl->response_bytes.load() > impl->options.max_response_bytes_in_flight) {
    if (std::chrono::steady_clock::now() >= deadline || impl->stopping.load()) co_return false;
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(kTok);
  }
  co_return true;
}

// Counts a response's bytes in Impl::response_bytes while it is sent; gives
// freed memory back to the system after large ones (at most once a second).
struct ResponseBytes {
  ResponseBytes(Impl* impl, size_t bytes) : impl(impl), bytes(bytes) {
    impl->response_bytes += bytes;
  }
  ~ResponseBytes() {
    impl->response_bytes -= bytes;
    constexpr size_t kLarge = 256 << 10;
    if (bytes < kLarge) return;
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t last = impl->last_trim_ms.load();
    if (now - last >= 1000 && impl->last_trim_ms.compare_exchange_strong(last, now)) {
      ::malloc_trim(0);
    }
  }
  Impl* impl;
  size_t bytes;
};

// After an error response: stop sending, then read and discard what the
// client still sends for a short while (lingering close), so the kernel does
// not answer unread bytes with a RST that could destroy the response.
net::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  char sink[4096];
  size_t drained = 0;
  stream.expires_after(std::chrono::milliseconds(500));
  while (drained < (256u << 10)) {
    auto [rec, n] = co_await stream.async_read_some(net::buffer(sink), kTok);
    if (rec) break;
    drained += n;
  }
  stream.socket().close(ec);
}

// Sends a protocol-level error and closes.
net::awaitable<void> FailRequest(Impl* impl, beast::tcp_stream& stream, std::string_view target,
                                 int status, std::string_view why) {
  impl->metrics.ProtocolError();
  server::HttpResponse r = server::Router::ProtocolError(target, status, why);
  impl->metrics.RecordRequest(r.dialect, r.status, 0);
  auto res = MakeResponse(r, 11, false);
  stream.expires_after(impl->options.write_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, kTok);
  if (impl->options.access_log) {
    INLINKS_LOG(INFO) << "http " << stream.socket().remote_endpoint(ec) << " - "
                      << server::RedactTarget(target) << " " << status << " (" << why << ")";
  }
  co_await LingeringClose(stream);
}

// True when `bytes` holds an LF not preceded by CR.
bool HasBareLf(const beast::flat_buffer& buffer) {
  std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
  for (size_t i = bytes.find('\n'); i != std::string_view::npos; i = bytes.find('\n', i + 1)) {
    if (i == 0 || bytes[i - 1] != '\r') return true;
  }
  return false;
}

// Reads the request body into `parser`. Beast waits for a CRLF that a chunk
// line ended by a bare LF never sends (until the read timeout), so a chunked
// body is fed to the parser here: each time it needs more, what it left
// unparsed is framing (a chunk-size line, the CRLF after the data, trailers;
// eager parsing consumes chunk data as it comes), and a bare LF there fails
// at once with http::error::bad_line_ending (RFC 9112 sections 2.2, 7.1).
template <class Parser>
net::awaitable<beast::error_code> ReadBody(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           Parser& parser) {
  if (!parser.chunked()) {
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTok);
    co_return ec;
  }
  parser.eager(true);
  for (;;) {
    beast::error_code ec;
    buffer.consume(parser.put(buffer.data(), ec));
    if (parser.is_done()) co_return beast::error_code();
    if (ec && ec != http::error::need_more) co_return ec;
    if (HasBareLf(buffer)) co_return http::error::bad_line_ending;
    auto [rec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTok);
    if (rec) co_return rec;
    buffer.commit(n);
  }
}

// The request target in origin form; absolute-form ("http://host/p?q",
// RFC 9112 section 3.2.2) is reduced to its path and query.
std::string_view OriginForm(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target;
  size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return {};
  size_t slash = target.find_first_of("/?", scheme + 3);
  if (slash == std::string_view::npos) return "/";
  if (target[slash] == '?') return {};  // "/?" would need a rewrite; reject
  return target.substr(slash);
}

// Header checks Beast does not make (RFC 9112 sections 6.1, 6.3 and 3.2).
// Empty when acceptable, else why not.
std::string_view CheckFraming(const http::request<http::string_body>& req) {
  size_t content_lengths = 0, transfer_encodings = 0, hosts = 0;
  std::string_view te;
  for (const auto& field : req) {
    switch (field.name()) {
      case http::field::content_length:
        ++content_lengths;
        break;
      case http::field::transfer_encoding:
        ++transfer_encodings;
        te = field.value();
        break;
      case http::field::host:
        ++hosts;
        break;
      default:
        break;
    }
  }
  if (content_lengths > 1) return "duplicate Content-Length";
  if (transfer_encodings > 1) return "duplicate Transfer-Encoding";
  if (transfer_encodings == 1) {
    if (content_lengths) return "Content-Length with Transfer-Encoding";
    while (!te.empty() && (te.front() == ' ' || te.front() == '\t')) te.remove_prefix(1);
    while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
    if (!server::EqualsIgnoreCase(te, "chunked")) return "unsupported Transfer-Encoding";
    if (req.version() < 11) return "Transfer-Encoding in HTTP/1.0";
  }
  if (content_lengths == 1) {
    std::string_view cl = req[http::field::content_length];
    if (cl.empty() || !server::ParseUint(cl)) return "invalid Content-Length";
  }
  if (req.version() == 11 && hosts != 1) return "HTTP/1.1 needs exactly one Host";
  if (hosts > 1) return "duplicate Host";
  return {};
}

// Reads the rest of a request's body (after a 100 Continue when asked);
// false when the session ends (an error answered, a timeout, the peer gone).
net::awaitable<bool> ReceiveBody(Impl* impl, beast::tcp_stream& stream,
                                 beast::flat_buffer& buffer,
                                 http::request_parser<http::string_body>& parser,
                                 std::string_view target) {
  const ServerOptions& opt = impl->options;
  if (server::EqualsIgnoreCase(parser.get()[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(opt.write_timeout);
    auto [wec, wn] = co_await net::async_write(stream, net::buffer(kContinue), kTok);
    if (wec) co_return false;
  }
  stream.expires_after(opt.read_timeout);
  beast::error_code ec = co_await ReadBody(stream, buffer, parser);
  if (!ec) co_return true;
  if (ec == http::error::bad_line_ending) {
    co_await FailRequest(impl, stream, target, 400, "bare LF in the chunked body's framing");
  } else if (ec == http::error::body_limit) {
    co_await FailRequest(impl, stream, target, 413, "request body too large");
  } else if (ec == beast::error::timeout) {
    impl->metrics.Timeout();
  } else if (ec != http::error::end_of_stream && ec != net::error::eof &&
             ec != net::error::connection_reset && ec != net::error::operation_aborted) {
    co_await FailRequest(impl, stream, target, 400, "malformed request body");
  }
  co_return false;
}

// Answers a complete request and logs it; false when the session ends
// (an error, Connection: close, the server stopping).
net::awaitable<bool> Answer(Impl* impl, beast::tcp_stream& stream,
                            http::request<http::string_body>& req, std::string_view target) {
  const ServerOptions& opt = impl->options;
  // /healthz and /metrics answer whatever slow readers hold.
  const bool operational = target == "/healthz" || target == "/metrics";
  if (!operational && !co_await WaitForResponseRoom(impl, opt.write_timeout)) {
    co_await FailRequest(impl, stream, target, 503, "server busy: too many responses pending");
    co_return false;
  }
  auto start = std::chrono::steady_clock::now();
  server::HttpRequest hr;
  hr.method = req.method_string();
  hr.target = target;
  hr.authorization = req[http::field::authorization];
  hr.content_type = req[http::field::content_type];
  hr.body = req.body();
  server::HttpResponse r = impl->router.Handle(hr);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  impl->metrics.RecordRequest(r.dialect, r.status, seconds);
  bool keep_alive = req.keep_alive() && !impl->stopping.load();
  auto res = MakeResponse(r, req.version(), keep_alive);
  if (req.method() == http::verb::head) res.body().clear();
  stream.expires_after(opt.write_timeout);
  std::optional<ResponseBytes> counted(std::in_place, impl, res.body().size());
  auto [wec, wn] = co_await http::async_write(stream, res, kTok);
  res = {};
  counted.reset();
  if (opt.access_log) {
    beast::error_code ignored;
    INLINKS_LOG(INFO) << "http " << stream.socket().remote_endpoint(ignored) << " " << hr.method
                      << " " << server::RedactTarget(target) << " " << r.status
                      << (r.api_error != 0 ? absl::StrCat(" code ", r.api_error) : "") << " "
                      << wn << "B " << static_cast<int64_t>(seconds * 1e6) << "us "
                      << server::DialectName(r.dialect);
  }
  if (wec) co_return false;
  if (!keep_alive) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return false;
  }
  co_return true;
}

net::awaitable<void> RunSession(Impl* impl, std::shared_ptr<Session> session) {
  SessionGuard guard{impl, session->id};
  beast::tcp_stream& stream = session->stream;
  const ServerOptions& opt = impl->options;
  beast::flat_buffer buffer;
  bool first_request = true;

  for (;;) {
    // ---- Header: idle wait, then the header timeout from the first byte
    // (a new connection gets the header timeout from accept).
    session->reading_header = true;
    if (impl->stopping.load()) break;
    server::HeaderScanner scanner(opt.max_request_line_bytes, opt.max_header_bytes);
    bool deadline_set = false;
    if (first_request) {
      stream.expires_after(opt.header_timeout);
      deadline_set = true;
    }
    server::HeaderScan verdict = server::HeaderScan::kNeedMore;
    for (;;) {
      std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
      verdict = scanner.Scan(data);
      if (verdict != server::HeaderScan::kNeedMore) break;
      session->idle = data.empty();
      if (!data.empty() && !deadline_set) {
        stream.expires_after(opt.header_timeout);
        deadline_set = true;
      } else if (data.empty() && !deadline_set) {
        stream.expires_after(opt.idle_timeout);
      }
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTok);
      if (ec) {
        if (ec == beast::error::timeout) impl->metrics.Timeout();
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
      }
      buffer.commit(n);
      if (!deadline_set) {
        stream.expires_after(opt.header_timeout);
        deadline_set = true;
      }
    }
    session->idle = false;
    std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
    // The request line, for a dialect-shaped error body.
    std::string_view line = data.substr(scanner.begin());
    line = line.substr(0, line.find('\r'));
    std::string_view line_target;
    if (size_t sp = line.find(' '); sp != std::string_view::npos) {
      line_target = line.substr(sp + 1);
      line_target = line_target.substr(0, line_target.find(' '));
    }
    if (verdict == server::HeaderScan::kBad) {
      co_await FailRequest(impl, stream, line_target, 400, scanner.error());
      co_return;
    }
    if (verdict == server::HeaderScan::kRequestLineTooLong) {
      co_await FailRequest(impl, stream, "", 414, "request line too long");
      co_return;
    }
    if (verdict == server::HeaderScan::kTooLarge) {
      co_await FailRequest(impl, stream, line_target, 431, "request header too large");
      co_return;
    }
    session->reading_header = false;

    // ---- Beast parses the checked header.
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes + 4));
    parser.body_limit(opt.max_body_bytes);
    parser.eager(false);
    beast::error_code pec;
    size_t header_size = scanner.end() - scanner.begin();
    size_t used = parser.put(net::buffer(data.data() + scanner.begin(), header_size), pec);
    if (pec == http::error::body_limit) {
      co_await FailRequest(impl, stream, line_target, 413, "request body too large");
      co_return;
    }
    if (pec || !parser.is_header_done() || used != header_size) {
      co_await FailRequest(impl, stream, line_target, 400,
                           pec ? std::string_view("malformed request header")
                               : std::string_view("incomplete header"));
      co_return;
    }
    buffer.consume(scanner.end());
    auto& req = parser.get();
    if (req.version() != 10 && req.version() != 11) {
      co_await FailRequest(impl, stream, line_target, 505, "HTTP version not supported");
      co_return;
    }
    if (std::string_view why = CheckFraming(req); !why.empty()) {
      co_await FailRequest(impl, stream, line_target, 400, why);
      co_return;
    }
    std::string_view target = OriginForm(req.target());
    if (target.empty()) {
      co_await FailRequest(impl, stream, "", 400, "bad request target");
      co_return;
    }

    // ---- Body.
    if (!parser.is_done() && !co_await ReceiveBody(impl, stream, buffer, parser, target)) {
      co_return;
    }

    // ---- Answer.
    if (!co_await Answer(impl, stream, parser.get(), target)) co_return;
    first_request = false;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

// Closes the oldest idle session (on its own thread) to make room for a new
// one; false when every session is busy. Called with impl->mu held.
bool ShedIdle(Impl* impl) {
  for (auto& [id, s] : impl->sessions) {
    if (!s->idle.load() || s->shed.exchange(true)) continue;
    // Decided again on the session's own thread: a request may have begun
    // meanwhile, and is then answered (the server is over by one until a
    // connection closes).
    net::post(s->stream.get_executor(), [s = s] {
      if (!s->idle.load()) {
        s->shed = false;
        return;
      }
      beast::error_code ignored;
      s->stream.socket().close(ignored);
    });
    impl->metrics.ConnectionShed();
    return true;
  }
  return false;
}

// Registers the accepted `socket` as a session, or closes it: its client is
// at max_connections_per_client, or the server is full with nothing idle.
std::shared_ptr<Session> Admit(Impl* impl, tcp::socket socket) {
  beast::error_code ec;
  std::string client = socket.remote_endpoint(ec).address().to_string();
  std::lock_guard<std::mutex> lock(impl->mu);
  const bool client_full = impl->per_client[client] >= impl->options.max_connections_per_client;
  if (client_full || (impl->sessions.size() >= impl->options.max_connections && !ShedIdle(impl))) {
    if (impl->per_client[client] == 0) impl->per_client.erase(client);
    impl->metrics.ConnectionRefused();
    socket.close(ec);
    return nullptr;
  }
  socket.set_option(tcp::no_delay(true), ec);
  ++impl->per_client[client];
  auto session = std::make_shared<Session>(std::move(socket), impl->next_session_id++,
                                           std::move(client));
  impl->sessions.emplace(session->id, session);
  impl->metrics.ConnectionOpened();
  return session;
}

net::awaitable<void> AcceptLoop(Impl* impl) {
  for (;;) {
    net::io_context& home = *impl->iocs[1 + impl->next_ioc++ % (impl->iocs.size() - 1)];
    auto [ec, socket] = co_await impl->acceptor->async_accept(home, kTok);
    if (impl->stopping.load()) {
      beast::error_code ignored;
      socket.close(ignored);
      co_return;
    }
    if (ec) {
      if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      INLINKS_LOG(WARNING) << "accept: " << ec.message();
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(kTok);
      continue;
    }
    std::shared_ptr<Session> session = Admit(impl, std::move(socket));
    if (!session) continue;
    auto executor = session->stream.get_executor();
    net::co_spawn(executor, RunSession(impl, std::move(session)),
                  [](std::exception_ptr e) { LogException(e, "http session"); });
  }
}

}  // namespace

Server::Server(storage::Db& db, ServerOptions options)
    : impl_(std::make_unique<Impl>(db, std::move(options))) {}

Server::~Server() { Stop(); }

absl::Status Server::Start() {
  Impl& impl = *impl_;
  if (impl.started) return absl::FailedPreconditionError("server already started");
  beast::error_code ec;
  auto address = net::ip::make_address(impl.options.address, ec);
  if (ec) return absl::InvalidArgumentError("bad listen address '" + impl.options.address + "'");
  tcp::endpoint endpoint(address, impl.options.port);
  const int threads = std::max(1, impl.options.threads);
  for (int i = 0; i <= threads; ++i) {  // the acceptor's, then the serving ones
    impl.iocs.push_back(std::make_unique<net::io_context>(1));
    impl.work.push_back(net::make_work_guard(*impl.iocs.back()));
  }
  impl.acceptor.emplace(*impl.iocs.front());
  auto fail = [&](const char* what) {
    std::string msg = std::string(what) + " " + impl.options.address + ":" +
                      std::to_string(impl.options.port) + ": " + ec.message();
    beast::error_code ignored;
    impl.acceptor->close(ignored);
    impl.acceptor.reset();
    impl.work.clear();
    impl.iocs.clear();
    return absl::UnavailableError(msg);
  };
  impl.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt");
  impl.acceptor->bind(endpoint, ec);
  if (ec) return fail("bind");
  impl.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl.bound_port = impl.acceptor->local_endpoint(ec).port();
  impl.started = true;
  net::co_spawn(impl.acceptor->get_executor(), AcceptLoop(&impl),
                [](std::exception_ptr e) { LogException(e, "http accept loop"); });
  for (auto& ioc : impl.iocs) {
    impl.threads.emplace_back([&ioc] { ioc->run(); });
  }
  return absl::OkStatus();
}

void Server::Stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  impl.stopping.store(true);
  // Stop accepting (on the acceptor's thread).
  net::post(impl.acceptor->get_executor(), [&impl] {
    beast::error_code ignored;
    impl.acceptor->close(ignored);
  });
  // Wake connections waiting for a request; busy ones finish their response
  // and then see `stopping`.
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    for (auto& [id, s] : impl.sessions) sessions.push_back(s);
  }
  for (auto& s : sessions) {
    net::post(s->stream.get_executor(), [s] {
      if (s->reading_header) s->stream.cancel();
    });
  }
  sessions.clear();
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    if (!impl.sessions_done.wait_for(lock, impl.options.shutdown_grace,
                                     [&] { return impl.sessions.empty(); })) {
      INLINKS_LOG(WARNING) << "http: " << impl.sessions.size()
                           << " connections still busy after the grace period; closing them";
      for (auto& [id, s] : impl.sessions) sessions.push_back(s);
    }
  }
  for (auto& s : sessions) {
    net::post(s->stream.get_executor(), [s] {
      beast::error_code ignored;
      s->stream.socket().close(ignored);
    });
  }
  sessions.clear();
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    impl.sessions_done.wait_for(lock, std::chrono::seconds(2),
                                [&] { return impl.sessions.empty(); });
  }
  impl.work.clear();
  for (auto& ioc : impl.iocs) ioc->stop();
  for (std::thread& t : impl.threads) t.join();
  impl.threads.clear();
  // Balances charged since the last batch write.
  absl::Status flushed = impl.keys.Flush();
  if (!flushed.ok()) {
    INLINKS_LOG(ERROR) << "API key balances not saved: " << flushed;
  }
}

uint16_t Server::port() const { return impl_->bound_port; }

KeyStore& Server::keys() { return impl_->keys; }

std::string Server::MetricsText() const { return impl_->metrics.Render(); }

}  // namespace inlinks::query
