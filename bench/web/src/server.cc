// The synthetic web's HTTP server. See server.h.
//
// One io_context run by N threads; each connection is a coroutine on its own
// strand (the socket's executor), so a connection's stream, timer and buffers
// are touched by one handler at a time. Errors travel as values
// (as_tuple(use_awaitable)); coroutines are free functions taking their
// arguments by value (never capturing lambdas: GCC 12 double-free, see
// STYLE.md). The counters are atomics; everything else a session reads
// (options, web, host tables) is immutable while the server runs.
#include "inlinks/testweb/server.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace inlinks::testweb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view kHostileSuffix = ".hostile.test";
constexpr std::string_view kHostilePathPrefix = "/_hostile/";

struct NamedHostile {
  Hostile behaviour;
  std::string_view name;
};
constexpr NamedHostile kHostileNames[] = {
    {Hostile::kNone, "none"},
    {Hostile::kEndlessBody, "endless-body"},
    {Hostile::kSlowloris, "slowloris"},
    {Hostile::kGzipBomb, "gzip-bomb"},
    {Hostile::kRedirectLoop, "redirect-loop"},
    {Hostile::kRobots500, "robots-500"},
    {Hostile::kWrongContentLength, "wrong-content-length"},
    {Hostile::kMalformedStatus, "malformed-status"},
    {Hostile::kHugeHeaders, "huge-headers"},
    {Hostile::kResetMidBody, "reset-mid-body"},
    {Hostile::kStall, "stall"},
    {Hostile::kRateLimited, "rate-limited"},
};

// Debian's abseil has its own string_view type.
absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}

// Host name of a Host header or authority: lower-case, port and a final dot
// removed ("WWW.D1.test:8080" -> "www.d1.test", "[::1]:80" -> "[::1]").
std::string HostOnly(std::string_view authority) {
  std::string host = Lower(authority);
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    if (close != std::string::npos) host.resize(close + 1);
  } else if (size_t colon = host.find(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  if (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

// One gzip member of `in` at `level`.
std::string Gzip(std::string_view in, int level) {
  z_stream zs{};
  std::string out;
  if (deflateInit2(&zs, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return out;
  }
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// gzip of `bytes` spaces, compressed 1 MiB at a time.
std::string GzipBomb(size_t bytes) {
  z_stream zs{};
  std::string out;
  if (deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) return out;
  const std::string chunk(1 << 20, ' ');
  char buf[1 << 16];
  size_t left = bytes;
  int flush = Z_NO_FLUSH;
  do {
    size_t n = std::min(left, chunk.size());
    left -= n;
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    zs.avail_in = static_cast<uInt>(n);
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof(buf);
      deflate(&zs, flush);
      out.append(buf, sizeof(buf) - zs.avail_out);
    } while (zs.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&zs);
  return out;
}

std::string_view ContentTypeFor(const fs::path& path) {
  std::string ext = Lower(path.extension().string());
  static const std::unordered_map<std::string, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".xhtml", "application/xhtml+xml"},
      {".css", "text/css"},
      {".js", "text/javascript"},
      {".json", "application/json"},
      {".xml", "application/xml"},
      {".txt", "text/plain; charset=utf-8"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".pdf", "application/pdf"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".gz", "application/gzip"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? std::string_view("application/octet-stream")
                            : it->second;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void NotFound(Response* out) {
  out->status = 404;
  out->content_type = "text/html; charset=utf-8";
  out->location.clear();
  out->body =
      "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
      "<body><h1>Not Found</h1></body></html>\n";
}

// Serves `target` (origin-form) from `root`. `origin` ("http://host:port")
// prefixes the Location of a directory redirect.
void ServeStatic(const fs::path& root, std::string_view target,
                 std::string_view origin, Response* out) {
  std::string_view path = target.substr(0, target.find('?'));
  std::string decoded;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && HexValue(path[i + 1]) >= 0 &&
        HexValue(path[i + 2]) >= 0) {
      decoded.push_back(static_cast<char>(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2])));
      i += 2;
    } else {
      decoded.push_back(path[i]);
    }
  }
  if (decoded.empty() || decoded[0] != '/' || decoded.find('\0') != std::string::npos) {
    NotFound(out);
    return;
  }
  fs::path file = root;
  size_t pos = 1;
  while (pos <= decoded.size()) {
    size_t end = decoded.find('/', pos);
    if (end == std::string::npos) end = decoded.size();
    std::string_view seg = std::string_view(decoded).substr(pos, end - pos);
    if (seg == "..") {
      NotFound(out);
      return;
    }
    if (!seg.empty() && seg != ".") file /= std::string(seg);
    pos = end + 1;
  }
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    if (decoded.back() != '/') {
      out->status = 301;
      out->content_type = "text/html; charset=utf-8";
      out->location = absl::StrCat(Av(origin), Av(path), "/");
      out->body = "<!DOCTYPE html>\n<html><body>Moved</body></html>\n";
      return;
    }
    file /= "index.html";
  }
  if (!fs::is_regular_file(file, ec)) {
    NotFound(out);
    return;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    NotFound(out);
    return;
  }
  out->body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  out->status = 200;
  out->content_type = std::string(ContentTypeFor(file));
  out->location.clear();
}

// Logs an exception that escaped a coroutine (there should be none: errors
// are values). The one catch-all per co_spawn.
struct LogEscapedException {
  const char* what;
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "inlinks-testweb: %s: %s\n", what, ex.what());
    } catch (...) {
      std::fprintf(stderr, "inlinks-testweb: %s: unknown exception\n", what);
    }
  }
};

}  // namespace

struct Server::State {
  ServerOptions options;
  std::unique_ptr<Web> web;
  std::unordered_map<std::string, fs::path> static_sites;
  std::unordered_map<std::string, Hostile> hostile;
  uint16_t port = 0;
  std::string address;

  std::atomic<uint64_t> connections{0}, requests{0}, r2xx{0}, r3xx{0}, r4xx{0},
      r5xx{0}, hostile_count{0}, bytes_sent{0};

  std::once_flag bomb_once;
  std::string bomb;

  std::mutex rate_limited_mu;
  std::set<std::string> rate_limited_seen;  // paths already answered 429

  std::mutex requests_mu;
  std::vector<RequestRecord> request_log;  // when options.record_requests

  std::mutex stop_mu;
  bool stopped = false;
  std::vector<std::thread> threads;
  // Declared last: destroyed first, with every coroutine frame it holds.
  std::unique_ptr<asio::io_context> ioc;
  std::unique_ptr<tcp::acceptor> acceptor;

  void Count(int status, size_t bytes) {
    bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
    auto& c = status < 300 ? r2xx : status < 400 ? r3xx : status < 500 ? r4xx : r5xx;
    c.fetch_add(1, std::memory_order_relaxed);
  }
  const std::string& Bomb() {
    std::call_once(bomb_once, [this] { bomb = GzipBomb(options.gzip_bomb_bytes); });
    return bomb;
  }
};

namespace {

using State = Server::State;

// Writes raw bytes; returns false on error.
asio::awaitable<bool> WriteRaw(beast::tcp_stream& stream, std::string_view bytes,
                               State* st) {
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), kTok);
  st->bytes_sent.fetch_add(n, std::memory_order_relaxed);
  co_return !ec;
}

// Reads and discards until the peer closes (or the server stops).
asio::awaitable<void> HoldOpen(beast::tcp_stream& stream) {
  stream.expires_never();
  char buf[4096];
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), kTok);
    if (ec) co_return;
  }
}

std::string SmallPage(std::string_view title) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", Av(title),
      "</title></head><body><h1>", Av(title),
      "</h1><p>A page of a hostile host. <a href=\"/\">Home</a> "
      "<a href=\"/about.html\">About</a></p></body></html>\n");
}

std::string RawResponse(std::string_view status_line, std::string_view content_type,
                        std::string_view body, bool keep_alive,
                        std::string_view extra_headers = {}) {
  return absl::StrCat(Av(status_line), "\r\nServer: inlinks-testweb\r\nContent-Type: ",
                      Av(content_type), "\r\nContent-Length: ", body.size(), "\r\n",
                      Av(extra_headers), keep_alive ? "" : "Connection: close\r\n", "\r\n",
                      Av(body));
}

// Answers one request with a hostile behaviour. Returns true when the
// connection may serve another request.
asio::awaitable<bool> RunHostile(beast::tcp_stream& stream, Hostile behaviour,
                                 std::string origin, std::string target,
                                 bool path_mode, bool keep_alive, State* st) {
  st->hostile_count.fetch_add(1, std::memory_order_relaxed);
  const ServerOptions& o = st->options;
  switch (behaviour) {
    case Hostile::kNone:
      co_return false;
    case Hostile::kEndlessBody: {
      stream.expires_after(ToChrono(o.idle_timeout));
      if (!co_await WriteRaw(stream,
                             "HTTP/1.1 200 OK\r\nServer: inlinks-testweb\r\n"
                             "Content-Type: text/html; charset=utf-8\r\n"
                             "Connection: close\r\n\r\n<!DOCTYPE html>\n<html><head>"
                             "<title>Endless</title></head><body>\n",
                             st)) {
        co_return false;
      }
      std::string chunk;
      while (chunk.size() < 16384) {
        chunk += "<p>This body never ends: endless endless endless endless.</p>\n";
      }
      for (;;) {
        stream.expires_after(ToChrono(o.idle_timeout));
        if (!co_await WriteRaw(stream, chunk, st)) co_return false;
      }
    }
    case Hostile::kSlowloris: {
      std::string bytes = RawResponse("HTTP/1.1 200 OK", "text/html; charset=utf-8",
                                      SmallPage("Slowloris"), false);
      asio::steady_timer timer(co_await asio::this_coro::executor);
      stream.expires_never();
      for (char c : bytes) {
        if (!co_await WriteRaw(stream, std::string_view(&c, 1), st)) co_return false;
        timer.expires_after(ToChrono(o.slowloris_interval));
        auto [ec] = co_await timer.async_wait(kTok);
        if (ec) co_return false;
      }
      co_return false;
    }
    case Hostile::kGzipBomb: {
      const std::string& bomb = st->Bomb();
      std::string head = absl::StrCat(
          "HTTP/1.1 200 OK\r\nServer: inlinks-testweb\r\n"
          "Content-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
          "Content-Length: ",
          bomb.size(), "\r\nConnection: close\r\n\r\n");
      stream.expires_after(ToChrono(o.idle_timeout));
      if (co_await WriteRaw(stream, head, st)) co_await WriteRaw(stream, bomb, st);
      co_return false;
    }
    case Hostile::kRedirectLoop: {
      // /x -> /x/b -> /x: a loop of two whatever the crawler's hop limit.
      std::string path = target.substr(0, target.find('?'));
      std::string next;
      if (path.size() > 2 && path.ends_with("/b")) {
        next = path.substr(0, path.size() - 2);
      } else {
        next = path + (path.ends_with("/") ? "b" : "/b");
      }
      if (next.empty()) next = "/";
      std::string bytes =
          RawResponse("HTTP/1.1 302 Found", "text/html; charset=utf-8", "", keep_alive,
                      absl::StrCat("Location: ", origin, next, "\r\n"));
      stream.expires_after(ToChrono(o.idle_timeout));
      co_return co_await WriteRaw(stream, bytes, st) && keep_alive;
    }
    case Hostile::kRobots500: {
      // Host mode: robots.txt answers 500 (handled by the caller's robots
      // branch), pages are normal. Path mode: this path answers 500.
      std::string bytes =
          path_mode ? RawResponse("HTTP/1.1 500 Internal Server Error",
                                  "text/plain", "500 Internal Server Error\n", keep_alive)
                    : RawResponse("HTTP/1.1 200 OK", "text/html; charset=utf-8",
                                  SmallPage("Robots 500"), keep_alive);
      stream.expires_after(ToChrono(o.idle_timeout));
      co_return co_await WriteRaw(stream, bytes, st) && keep_alive;
    }
    case Hostile::kWrongContentLength: {
      std::string body = SmallPage("Wrong Content-Length");
      body.resize(1000, ' ');
      std::string bytes = absl::StrCat(
          "HTTP/1.1 200 OK\r\nServer: inlinks-testweb\r\n"
          "Content-Type: text/html; charset=utf-8\r\nContent-Length: 100000\r\n\r\n",
          body);
      stream.expires_after(ToChrono(o.idle_timeout));
      co_await WriteRaw(stream, bytes, st);
      co_return false;
    }
    case Hostile::kMalformedStatus: {
      stream.expires_after(ToChrono(o.idle_timeout));
      co_await WriteRaw(stream,
                        "HTTP/1.1 2OO OK\r\nContent-Type: text/html\r\n"
                        "Content-Length: 14\r\nConnection: close\r\n\r\n<html></html>\n",
                        st);
      co_return false;
    }
    case Hostile::kHugeHeaders: {
      std::string bytes =
          "HTTP/1.1 200 OK\r\nServer: inlinks-testweb\r\nContent-Type: text/html\r\n";
      const std::string filler(1000, 'a');
      for (int i = 0; bytes.size() < o.huge_header_bytes; ++i) {
        absl::StrAppend(&bytes, "X-Filler-", i, ": ", filler, "\r\n");
      }
      bytes += "Content-Length: 14\r\nConnection: close\r\n\r\n<html></html>\n";
      stream.expires_after(ToChrono(o.idle_timeout));
      co_await WriteRaw(stream, bytes, st);
      co_return false;
    }
    case Hostile::kResetMidBody: {
      std::string body = SmallPage("Reset");
      body.resize(8000, ' ');
      std::string bytes = absl::StrCat(
          "HTTP/1.1 200 OK\r\nServer: inlinks-testweb\r\n"
          "Content-Type: text/html; charset=utf-8\r\nContent-Length: 100000\r\n\r\n",
          body);
      stream.expires_after(ToChrono(o.idle_timeout));
      co_await WriteRaw(stream, bytes, st);
      beast::error_code ec;
      stream.socket().set_option(asio::socket_base::linger(true, 0), ec);
      stream.socket().close(ec);  // SO_LINGER 0: the close sends RST
      co_return false;
    }
    case Hostile::kStall:
      co_await HoldOpen(stream);
      co_return false;
    case Hostile::kRateLimited: {
      bool limited;
      {
        std::lock_guard lock(st->rate_limited_mu);
        limited = st->rate_limited_seen.insert(origin + target).second;
      }
      std::string bytes =
          limited ? RawResponse("HTTP/1.1 429 Too Many Requests", "text/plain",
                                "slow down\n", keep_alive, "Retry-After: 1\r\n")
                  : RawResponse("HTTP/1.1 200 OK", "text/html; charset=utf-8",
                                SmallPage("Rate limited"), keep_alive);
      stream.expires_after(ToChrono(o.idle_timeout));
      co_return co_await WriteRaw(stream, bytes, st) && keep_alive;
    }
  }
  co_return false;
}

// Which behaviour applies to a request, and whether it came from the path.
struct HostileChoice {
  Hostile behaviour = Hostile::kNone;
  bool path_mode = false;
};

HostileChoice ChooseHostile(const State& st, const std::string& host,
                            std::string_view target) {
  if (st.options.hostile_paths && target.starts_with(kHostilePathPrefix)) {
    std::string_view rest = target.substr(kHostilePathPrefix.size());
    rest = rest.substr(0, rest.find_first_of("/?"));
    if (auto b = HostileFromName(rest); b && *b != Hostile::kNone) return {*b, true};
  }
  auto it = st.hostile.find(host);
  if (it != st.hostile.end()) return {it->second, false};
  return {};
}

bool AcceptsGzip(const http::request<http::string_body>& req) {
  auto it = req.find(http::field::accept_encoding);
  if (it == req.end()) return false;
  std::string v = Lower(std::string_view(it->value().data(), it->value().size()));
  return v.find("gzip") != std::string::npos;
}

asio::awaitable<void> Session(tcp::socket socket, State* st) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  const ServerOptions& o = st->options;

  if (o.tls_stall) {
    // Peek at the first bytes: a TLS ClientHello starts with 0x16.
    stream.expires_after(ToChrono(o.idle_timeout));
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTok);
    if (ec) co_return;
    buffer.commit(n);
    if (n > 0 && static_cast<unsigned char>(
                     static_cast<const char*>(buffer.data().data())[0]) == 0x16) {
      st->hostile_count.fetch_add(1, std::memory_order_relaxed);
      co_await HoldOpen(stream);
      co_return;
    }
  }

  Response answer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    stream.expires_after(ToChrono(o.idle_timeout));
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTok);
    if (rec) break;  // EOF, timeout or a malformed request: close
    st->requests.fetch_add(1, std::memory_order_relaxed);
    http::request<http::string_body>& req = parser.get();
    const bool keep_alive = req.keep_alive();

    // Host and origin-form target; an absolute-form target ("GET
    // http://host/path", as sent to a proxy) names the host itself.
    std::string target(req.target().data(), req.target().size());
    std::string authority;
    if (absl::StartsWithIgnoreCase(target, "http://")) {
      size_t slash = target.find('/', 7);
      authority = target.substr(7, slash == std::string::npos ? std::string::npos : slash - 7);
      target = slash == std::string::npos ? "/" : target.substr(slash);
    } else if (auto it = req.find(http::field::host); it != req.end()) {
      authority.assign(it->value().data(), it->value().size());
    }
    const std::string host = HostOnly(authority);
    const std::string origin = absl::StrCat("http://", authority);
    if (o.record_requests) {
      RequestRecord r;
      r.host = host;
      r.url = absl::StrCat(origin, target);
      r.arrival_us = absl::ToUnixMicros(absl::Now());
      std::lock_guard lock(st->requests_mu);
      st->request_log.push_back(std::move(r));
    }

    HostileChoice choice = ChooseHostile(*st, host, target);
    const bool hostile_robots = !choice.path_mode && target == "/robots.txt";
    if (choice.behaviour != Hostile::kNone && !hostile_robots) {
      if (!co_await RunHostile(stream, choice.behaviour, origin, target,
                               choice.path_mode, keep_alive, st)) {
        co_return;  // RunHostile closed, reset or abandoned the connection
      }
      continue;
    }

    // A normal answer.
    answer.location.clear();
    if (choice.behaviour != Hostile::kNone) {  // robots.txt of a hostile host
      if (choice.behaviour == Hostile::kRobots500) {
        answer.status = 500;
        answer.content_type = "text/plain";
        answer.body = "500 Internal Server Error\n";
      } else {
        answer.status = 200;
        answer.content_type = "text/plain; charset=utf-8";
        answer.body = "User-agent: *\nAllow: /\n";
      }
    } else if (auto it = st->static_sites.find(host); it != st->static_sites.end()) {
      ServeStatic(it->second, target, origin, &answer);
    } else if (st->web != nullptr && st->web->FindHost(host) >= 0) {
      st->web->Answer(host, target, &answer);
    } else {
      NotFound(&answer);
    }

    if (o.response_delay > absl::ZeroDuration()) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(ToChrono(o.response_delay));
      co_await timer.async_wait(kTok);
    }

    http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                          req.version()};
    res.set(http::field::server, "inlinks-testweb");
    res.set(http::field::content_type, answer.content_type);
    if (!answer.location.empty()) res.set(http::field::location, answer.location);
    bool gzipped = false;
    if (o.gzip && answer.status == 200 && answer.body.size() >= 256 && AcceptsGzip(req)) {
      res.body() = Gzip(answer.body, 1);
      res.set(http::field::content_encoding, "gzip");
      res.set(http::field::vary, "Accept-Encoding");
      gzipped = true;
    } else {
      res.body() = std::move(answer.body);
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    size_t written = 0;
    beast::error_code wec;
    stream.expires_after(ToChrono(o.idle_timeout));
    if (req.method() == http::verb::head) {
      http::response<http::empty_body> head{res.result(), res.version()};
      for (const auto& field : res) head.set(field.name_string(), field.value());
      auto [ec, n] = co_await http::async_write(stream, head, kTok);
      wec = ec;
      written = n;
    } else {
      auto [ec, n] = co_await http::async_write(stream, res, kTok);
      wec = ec;
      written = n;
    }
    st->Count(answer.status, written);
    if (!gzipped) answer.body = std::move(res.body());  // keep the capacity
    if (wec || !keep_alive) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> AcceptLoop(State* st) {
  for (;;) {
    auto [ec, socket] =
        co_await st->acceptor->async_accept(asio::make_strand(*st->ioc), kTok);
    if (ec) {
      if (ec == asio::error::operation_aborted || !st->acceptor->is_open()) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(kTok);
      continue;
    }
    st->connections.fetch_add(1, std::memory_order_relaxed);
    beast::error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Session(tcp::socket(std::move(socket)), st),
                   LogEscapedException{"session"});
  }
}

}  // namespace

std::string_view HostileName(Hostile behaviour) {
  for (const NamedHostile& n : kHostileNames) {
    if (n.behaviour == behaviour) return n.name;
  }
  return "none";
}

std::optional<Hostile> HostileFromName(std::string_view name) {
  for (const NamedHostile& n : kHostileNames) {
    if (n.name == name) return n.behaviour;
  }
  return std::nullopt;
}

std::vector<Hostile> AllHostile() {
  std::vector<Hostile> out;
  for (const NamedHostile& n : kHostileNames) {
    if (n.behaviour != Hostile::kNone) out.push_back(n.behaviour);
  }
  return out;
}

std::string HostileHostName(Hostile behaviour) {
  return absl::StrCat(Av(HostileName(behaviour)), Av(kHostileSuffix));
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  if (options.threads < 1 || options.threads > 256) {
    return absl::InvalidArgumentError("threads must be in [1, 256]");
  }
  // "ADDR:PORT", "[V6]:PORT".
  size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address needs ADDRESS:PORT: ", options.listen));
  }
  std::string addr = options.listen.substr(0, colon);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') {
    addr = addr.substr(1, addr.size() - 2);
  }
  if (addr.empty()) addr = "127.0.0.1";
  int port_number = -1;
  if (!absl::SimpleAtoi(options.listen.substr(colon + 1), &port_number) ||
      port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in ", options.listen));
  }
  beast::error_code ec;
  asio::ip::address ip = asio::ip::make_address(addr, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad address: ", addr));

  std::unique_ptr<Server> server(new Server());
  server->state_ = std::make_unique<State>();
  State* st = server->state_.get();
  st->options = std::move(options);
  const ServerOptions& o = st->options;

  st->ioc = std::make_unique<asio::io_context>(o.threads);
  st->acceptor = std::make_unique<tcp::acceptor>(*st->ioc);
  tcp::endpoint endpoint(ip, static_cast<uint16_t>(port_number));
  st->acceptor->open(endpoint.protocol(), ec);
  if (!ec) st->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) st->acceptor->bind(endpoint, ec);
  if (!ec) st->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", o.listen, ": ", ec.message()));
  }
  st->port = st->acceptor->local_endpoint(ec).port();
  st->address = ip.is_v6() ? absl::StrCat("[", ip.to_string(), "]:", st->port)
                           : absl::StrCat(ip.to_string(), ":", st->port);

  std::unordered_map<std::string, int> seen;
  if (o.web) {
    WebSpec spec = *o.web;
    if (spec.port == 0 && o.web_port_from_listener) spec.port = st->port;
    auto web = Web::Create(spec);
    if (!web.ok()) return web.status();
    st->web = *std::move(web);
    for (int h = 0; h < st->web->HostCount(); ++h) seen[st->web->HostName(h)]++;
  }
  for (const StaticSite& site : o.static_sites) {
    std::error_code fec;
    if (!fs::is_directory(site.dir, fec)) {
      return absl::InvalidArgumentError(
          absl::StrCat("static site ", site.host, ": not a directory: ", site.dir));
    }
    std::string host = HostOnly(site.host);
    if (host.empty() || seen[host]++ > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("static site host empty or served twice: ", site.host));
    }
    st->static_sites[host] = fs::path(site.dir);
  }
  if (o.hostile_hosts) {
    for (Hostile b : AllHostile()) st->hostile[HostileHostName(b)] = b;
  }
  for (const auto& [name, behaviour] : o.hostile) st->hostile[HostOnly(name)] = behaviour;
  for (const auto& [name, behaviour] : st->hostile) {
    if (seen[name]++ > 0) {
      return absl::InvalidArgumentError(absl::StrCat("host served twice: ", name));
    }
  }

  asio::co_spawn(*st->ioc, AcceptLoop(st), LogEscapedException{"accept loop"});
  st->threads.reserve(static_cast<size_t>(o.threads));
  for (int i = 0; i < o.threads; ++i) {
    st->threads.emplace_back([ioc = st->ioc.get()] { ioc->run(); });
  }
  return server;
}

Server::~Server() { Stop(); }

void Server::Stop() {
  if (state_ == nullptr) return;
  State* st = state_.get();
  std::lock_guard<std::mutex> lock(st->stop_mu);
  if (st->stopped) return;
  st->stopped = true;
  st->ioc->stop();
  for (std::thread& t : st->threads) t.join();
  st->threads.clear();
  // Destroying the io_context destroys every suspended session, closing its
  // socket, so clients see the close now rather than at destruction.
  st->acceptor.reset();
  st->ioc.reset();
}

uint16_t Server::port() const { return state_->port; }
std::string Server::address() const { return state_->address; }
const Web* Server::web() const { return state_->web.get(); }

std::vector<std::string> Server::HostNames() const {
  std::vector<std::string> out;
  if (state_->web) out = state_->web->HostNames();
  for (const auto& [host, dir] : state_->static_sites) out.push_back(host);
  for (const auto& [host, b] : state_->hostile) out.push_back(host);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Server::Origin(std::string_view host) const {
  return absl::StrCat("http://", Av(host), ":", state_->port);
}

std::vector<RequestRecord> Server::Requests() const {
  std::lock_guard lock(state_->requests_mu);
  return state_->request_log;
}

ServerStats Server::stats() const {
  const State& st = *state_;
  ServerStats s;
  s.connections = st.connections.load();
  s.requests = st.requests.load();
  s.responses_2xx = st.r2xx.load();
  s.responses_3xx = st.r3xx.load();
  s.responses_4xx = st.r4xx.load();
  s.responses_5xx = st.r5xx.load();
  s.hostile = st.hostile_count.load();
  s.bytes_sent = st.bytes_sent.load();
  return s;
}

}  // namespace inlinks::testweb
