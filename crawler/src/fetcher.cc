// The HTTP(S) fetcher (fetcher.h): Beast over Asio coroutines, errors as
// values through as_tuple(use_awaitable).
#include "fetcher.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "inlinks/core/string_view.h"
#include "inlinks/crawler/http_response.h"

namespace inlinks::crawler {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using core::Av;
using core::Sv;

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

asio::ip::address ToAsio(const IpAddress& a) {
  if (a.v4) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(a.bytes.begin(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(a.bytes.begin(), 16, b.begin());
  return asio::ip::address_v6(b);
}

IpAddress FromAsio(const asio::ip::address& a) {
  IpAddress out;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
    out.v4 = true;
  } else {
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
  }
  return out;
}

// Maps a transport or parse error to its reason.
FetchError Classify(const boost::system::error_code& ec) {
  // Our deadlines are the only thing that cancels a fetch's operations;
  // a cancelled op can surface as operation_aborted instead of timeout.
  if (ec == beast::error::timeout || ec == asio::error::timed_out ||
      ec == asio::error::operation_aborted) {
    return FetchError::kTimeout;
  }
  if (ec == http::error::header_limit) return FetchError::kHeaderTooLarge;
  if (ec == http::error::body_limit) return FetchError::kBodyTooLarge;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
      ec == ssl::error::stream_truncated) {
    return FetchError::kReset;
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return FetchError::kBadResponse;
  }
  if (ec.category() == asio::error::get_ssl_category()) return FetchError::kTls;
  return FetchError::kConnect;
}

struct Connection {
  std::string origin;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::string ip;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

FetchResult Fail(FetchError e, std::string message) {
  FetchResult r;
  r.error = e;
  r.message = std::move(message);
  return r;
}

std::string StripBrackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::string(host);
}

}  // namespace

std::string_view FetchErrorName(FetchError e) {
  switch (e) {
    case FetchError::kNone: return "none";
    case FetchError::kDns: return "dns";
    case FetchError::kBlocked: return "blocked";
    case FetchError::kConnect: return "connect";
    case FetchError::kTls: return "tls";
    case FetchError::kTimeout: return "timeout";
    case FetchError::kHeaderTooLarge: return "header_too_large";
    case FetchError::kBodyTooLarge: return "body_too_large";
    case FetchError::kBadResponse: return "bad_response";
    case FetchError::kReset: return "reset";
    case FetchError::kEncoding: return "encoding";
  }
  return "unknown";
}

absl::StatusOr<ResolveOverride> ResolveOverride::Parse(std::string_view text) {
  // HOST:ADDR or HOST:PORT:ADDR; ADDR may be an IPv6 address (with colons,
  // optionally bracketed), so split HOST and the optional PORT off the front.
  size_t c1 = text.find(':');
  if (c1 == std::string_view::npos || c1 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--resolve '", Av(text), "': expected HOST:ADDR or HOST:PORT:ADDR"));
  }
  ResolveOverride o;
  o.host = absl::AsciiStrToLower(Av(text.substr(0, c1)));
  std::string_view rest = text.substr(c1 + 1);
  size_t c2 = rest.find(':');
  if (c2 != std::string_view::npos && c2 > 0 &&
      std::all_of(rest.begin(), rest.begin() + c2, [](char c) { return c >= '0' && c <= '9'; })) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + c2, port);
    if (ec != std::errc() || port == 0 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("--resolve '", Av(text), "': bad port"));
    }
    o.port = static_cast<uint16_t>(port);
    rest = rest.substr(c2 + 1);
  }
  std::optional<IpAddress> a = IpAddress::Parse(rest);
  if (!a) {
    return absl::InvalidArgumentError(absl::StrCat("--resolve '", Av(text), "': bad address"));
  }
  o.address = *a;
  return o;
}

struct Fetcher::Impl {
  Impl(asio::any_io_executor ex, FetchOptions options)
      : executor(std::move(ex)), options(std::move(options)) {}

  asio::any_io_executor executor;
  const FetchOptions options;
  ssl::context tls_context{ssl::context::tls_client};

  std::mutex mu;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  size_t idle_count = 0;
  struct DnsEntry {
    std::vector<IpAddress> addresses;
    Clock::time_point expires;
  };
  std::unordered_map<std::string, DnsEntry> dns;

  std::unique_ptr<Connection> TakeIdle(const std::string& origin) {
    std::lock_guard lock(mu);
    auto it = idle.find(origin);
    if (it == idle.end() || it->second.empty()) return nullptr;
    std::unique_ptr<Connection> c = std::move(it->second.back());
    it->second.pop_back();
    if (it->second.empty()) idle.erase(it);
    --idle_count;
    return c;
  }

  void PutIdle(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu);
    if (idle_count >= options.max_idle_connections) return;  // closed on destruction
    idle[c->origin].push_back(std::move(c));
    ++idle_count;
  }

  asio::awaitable<ResolveResult> Resolve(std::string host, uint16_t port) {
    ResolveResult out;
    for (const ResolveOverride& o : options.resolve) {
      if ((o.host == host || o.host == "*") && (o.port == 0 || o.port == port)) {
        out.addresses.push_back(o.address);
        co_return out;
      }
    }
    if (std::optional<IpAddress> literal = IpAddress::Parse(host)) {
      out.addresses.push_back(*literal);
      co_return out;
    }
    {
      std::lock_guard lock(mu);
      auto it = dns.find(host);
      if (it != dns.end() && it->second.expires > Clock::now()) {
        out.addresses = it->second.addresses;
        co_return out;
      }
    }
    tcp::resolver resolver(executor);
    auto [ec, results] = co_await resolver.async_resolve(host, std::to_string(port), kToken);
    if (ec) {
      out.error = absl::StrCat("cannot resolve ", host, ": ", ec.message());
      co_return out;
    }
    for (const auto& entry : results) {
      IpAddress a = FromAsio(entry.endpoint().address());
      if (std::find(out.addresses.begin(), out.addresses.end(), a) == out.addresses.end()) {
        out.addresses.push_back(a);
      }
    }
    if (out.addresses.empty()) {
      out.error = absl::StrCat("no address for ", host);
      co_return out;
    }
    std::lock_guard lock(mu);
    dns[host] = DnsEntry{out.addresses, Clock::now() + options.dns_ttl};
    co_return out;
  }

  // Opens a connection to the origin of `url`: resolve, guard, connect and,
  // for https, the TLS handshake.
  asio::awaitable<FetchResult> Connect(const core::Url& url, Connection& conn) {
    std::string host = StripBrackets(url.host());
    uint16_t port = url.EffectivePort();
    ResolveResult rr = co_await Resolve(host, port);
    if (rr.addresses.empty()) co_return Fail(FetchError::kDns, rr.error);
    std::vector<IpAddress> allowed;
    std::string refused;
    for (const IpAddress& a : rr.addresses) {
      absl::Status s = options.guard.Check(a);
      if (s.ok()) {
        allowed.push_back(a);
      } else if (refused.empty()) {
        refused = std::string(s.message());
      }
    }
    if (allowed.empty()) co_return Fail(FetchError::kBlocked, absl::StrCat(host, ": ", refused));

    bool https = url.scheme() == "https";
    boost::system::error_code last;
    for (const IpAddress& a : allowed) {
      if (https) {
        conn.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context);
        conn.plain.reset();
      } else {
        conn.plain = std::make_unique<beast::tcp_stream>(executor);
        conn.tls.reset();
      }
      beast::tcp_stream& s = conn.lowest();
      s.expires_after(options.connect_timeout);
      auto [ec] = co_await s.async_connect(tcp::endpoint(ToAsio(a), port), kToken);
      if (!ec) {
        conn.ip = a.ToString();
        last = {};
        break;
      }
      last = ec;
    }
    if (last) {
      co_return Fail(Classify(last) == FetchError::kTimeout ? FetchError::kTimeout
                                                             : FetchError::kConnect,
                     absl::StrCat("connect to ", host, ":", port, ": ", last.message()));
    }
    if (https) {
      if (!url.host_is_ip() && !SSL_set_tlsext_host_name(conn.tls->native_handle(), host.c_str())) {
        co_return Fail(FetchError::kTls, "cannot set SNI");
      }
      if (options.verify_tls) {
        conn.tls->set_verify_mode(ssl::verify_peer);
        conn.tls->set_verify_callback(ssl::host_name_verification(host));
      } else {
        conn.tls->set_verify_mode(ssl::verify_none);
      }
      conn.lowest().expires_after(options.connect_timeout);
      auto [ec] = co_await conn.tls->async_handshake(ssl::stream_base::client, kToken);
      if (ec) {
        FetchError e = Classify(ec) == FetchError::kTimeout ? FetchError::kTimeout : FetchError::kTls;
        co_return Fail(e, absl::StrCat("TLS handshake with ", host, ": ", ec.message()));
      }
    }
    co_return FetchResult{};
  }

  // Reads the body into `parser` until it is complete or holds `cut` bytes
  // (then `*truncated`); `*wire` counts the bytes received.
  template <class Stream, class Parser>
  asio::awaitable<boost::system::error_code> ReadBody(Stream& stream, Connection& conn,
                                                      Parser& parser, size_t cut,
                                                      uint64_t* wire, bool* truncated) {
    if (cut == 0) {
      auto [ec, n] = co_await http::async_read(stream, conn.buffer, parser, kToken);
      *wire += n;
      co_return ec;
    }
    while (!parser.is_done() && parser.get().body().size() < cut) {
      auto [ec, n] = co_await http::async_read_some(stream, conn.buffer, parser, kToken);
      *wire += n;
      if (ec) co_return ec;
    }
    *truncated = !parser.is_done();
    if (*truncated) parser.get().body().resize(cut);
    co_return boost::system::error_code();
  }

  // The largest Content-Length a cut fetch accepts (it reads `cut` bytes).
  static constexpr size_t kMaxCutContentLength = 64 << 20;

  template <class Stream>
  asio::awaitable<FetchResult> Exchange(Stream& stream, Connection& conn, const core::Url& url,
                                        size_t cut, bool* keep_alive, bool* nothing_received) {
    *keep_alive = false;
    *nothing_received = true;
    http::request<http::empty_body> req{http::verb::get, url.PathAndQuery(), 11};
    std::string host_header(url.host());
    if (url.port() != 0) absl::StrAppend(&host_header, ":", url.port());
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, options.user_agent);
    req.set(http::field::accept,
            "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5");
    // A cut body is read as sent: a cut compressed stream cannot be decoded.
    req.set(http::field::accept_encoding, cut > 0 ? "identity" : "gzip, deflate, br");
    req.set(http::field::connection, "keep-alive");

    beast::tcp_stream& lowest = conn.lowest();
    Clock::time_point start = Clock::now();
    lowest.expires_at(start + options.header_timeout);
    {
      auto [ec, n] = co_await http::async_write(stream, req, kToken);
      if (ec) co_return Fail(Classify(ec), absl::StrCat("sending request: ", ec.message()));
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(
        std::min<size_t>(options.max_header_bytes, std::numeric_limits<uint32_t>::max())));
    // A cut fetch reads only `cut` bytes, but the parser reserves the whole
    // Content-Length first: that stays bounded (a larger one fails at once).
    parser.body_limit(cut > 0 ? std::max<size_t>(options.max_body_bytes, kMaxCutContentLength)
                              : options.max_body_bytes);
    FetchResult r;
    {
      auto [ec, n] = co_await http::async_read_header(stream, conn.buffer, parser, kToken);
      r.wire_bytes += n;
      if (n > 0 || conn.buffer.size() > 0) *nothing_received = false;
      if (ec) co_return Fail(Classify(ec), absl::StrCat("reading header: ", ec.message()));
    }
    *nothing_received = false;
    lowest.expires_at(start + options.response_timeout);
    if (auto ec = co_await ReadBody(stream, conn, parser, cut, &r.wire_bytes, &r.truncated)) {
      co_return Fail(Classify(ec), absl::StrCat("reading body: ", ec.message()));
    }
    auto& res = parser.get();
    r.status = static_cast<int>(res.result_int());
    r.ip = conn.ip;
    r.content_type = std::string(res[http::field::content_type]);
    r.location = std::string(res[http::field::location]);
    r.retry_after = std::string(res[http::field::retry_after]);
    *keep_alive = res.keep_alive() && !r.truncated;
    std::string body = std::move(res.body());

    // Content codings, undone in reverse order of application.
    std::vector<std::string> codings;
    for (auto field = res.find(http::field::content_encoding);
         field != res.end() && field->name() == http::field::content_encoding; ++field) {
      for (absl::string_view c :
           absl::StrSplit(absl::string_view(field->value().data(), field->value().size()), ',')) {
        std::string coding = absl::AsciiStrToLower(absl::StripAsciiWhitespace(c));
        if (!coding.empty() && coding != "identity") codings.push_back(std::move(coding));
      }
    }
    if (codings.size() > options.max_content_encodings) {
      co_return Fail(FetchError::kEncoding,
                     absl::StrCat(codings.size(), " content codings (at most ",
                                  options.max_content_encodings, ")"));
    }
    HttpResponseOptions decode;
    decode.max_body_bytes = options.max_body_bytes;
    decode.max_compression_ratio = options.max_compression_ratio;
    for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
      absl::StatusOr<std::string> decoded = DecodeContentCoding(*it, body, decode);
      if (!decoded.ok()) {
        co_return Fail(FetchError::kEncoding,
                       absl::StrCat("content coding ", *it, ": ", decoded.status().message()));
      }
      body = std::move(*decoded);
    }
    r.body = std::move(body);
    co_return r;
  }

  // One exchange on `conn` (connecting it first when it is new).
  asio::awaitable<FetchResult> Attempt(core::Url url, Connection* conn, bool reused, size_t cut,
                                       bool* keep_alive, bool* nothing_received) {
    if (!reused) {
      FetchResult c = co_await Connect(url, *conn);
      if (c.error != FetchError::kNone) co_return c;
    }
    if (conn->tls) {
      co_return co_await Exchange(*conn->tls, *conn, url, cut, keep_alive, nothing_received);
    }
    co_return co_await Exchange(*conn->plain, *conn, url, cut, keep_alive, nothing_received);
  }

  asio::awaitable<FetchResult> Get(core::Url url, size_t cut) {
    std::string origin =
        absl::StrCat(Av(url.scheme()), "://", Av(url.host()), ":", url.EffectivePort());
    std::unique_ptr<Connection> conn = TakeIdle(origin);
    bool reused = conn != nullptr;
    if (!conn) {
      conn = std::make_unique<Connection>();
      conn->origin = origin;
    }
    bool keep_alive = false, nothing_received = true;
    FetchResult r =
        co_await Attempt(url, conn.get(), reused, cut, &keep_alive, &nothing_received);
    if (reused && r.error != FetchError::kNone && nothing_received) {
      // A kept-alive connection the server closed meanwhile: one new one.
      conn = std::make_unique<Connection>();
      conn->origin = origin;
      reused = false;
      r = co_await Attempt(url, conn.get(), false, cut, &keep_alive, &nothing_received);
    }
    r.reused_connection = reused;
    if (r.error == FetchError::kNone && keep_alive) {
      conn->lowest().expires_never();
      PutIdle(std::move(conn));
    }
    co_return r;
  }
};

Fetcher::Fetcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Fetcher::~Fetcher() = default;

absl::StatusOr<std::unique_ptr<Fetcher>> Fetcher::Create(asio::any_io_executor executor,
                                                         FetchOptions options) {
  auto impl = std::make_unique<Impl>(std::move(executor), std::move(options));
  boost::system::error_code ec;
  impl->tls_context.set_default_verify_paths(ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS trust store: ", ec.message()));
  impl->tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                    ssl::context::no_sslv3,
                                ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS options: ", ec.message()));
  return std::unique_ptr<Fetcher>(new Fetcher(std::move(impl)));
}

asio::awaitable<FetchResult> Fetcher::Get(core::Url url, size_t keep_first_bytes) {
  return impl_->Get(std::move(url), keep_first_bytes);
}

asio::awaitable<ResolveResult> Fetcher::Resolve(std::string host, uint16_t port) {
  return impl_->Resolve(std::move(host), port);
}

void Fetcher::CloseIdle() {
  std::lock_guard lock(impl_->mu);
  impl_->idle.clear();
  impl_->idle_count = 0;
}

const FetchOptions& Fetcher::options() const { return impl_->options; }

}  // namespace inlinks::crawler
