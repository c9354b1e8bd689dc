// File: tests/server/server_testing.cc
//
// Owns: the clients of server_testing.h.
// Thread safety: see server_testing.h.
#include "tests/server/server_testing.h"

#include <arpa/inet.h>

#include <fcntl.h>
#include <netinet/tcp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace inlinks::query::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  explicit Impl(uint16_t p) : port(p), socket(ioc) {}
  uint16_t port;
  net::io_context ioc;
  tcp::socket socket;
  beast::flat_buffer buffer;
  bool connected = false;

  bool Connect() {
    beast::error_code ec;
    socket.close(ec);
    socket = tcp::socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    connected = !ec;
    buffer.clear();
    return connected;
  }
};

HttpClient::HttpClient(uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) {
  HttpResult out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->connected && !impl_->Connect()) return out;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    if (req.method() == http::verb::unknown) req.method_string(method);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    if (!body.empty() || method == "POST") req.prepare_payload();
    beast::error_code ec;
    http::write(impl_->socket, req, ec);
    if (ec) {
      impl_->connected = false;
      continue;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(impl_->socket, impl_->buffer, parser, ec);
    if (ec) {
      impl_->connected = false;
      if (attempt == 0 && (ec == http::error::end_of_stream || ec == net::error::eof ||
                           ec == net::error::connection_reset)) {
        continue;  // the server closed an idle connection: retry once
      }
      return out;
    }
    auto& res = parser.get();
    out.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    out.ok = true;
    if (!res.keep_alive()) impl_->connected = false;
    return out;
  }
  return out;
}

std::vector<KnownLink> BuildTestIndex(storage::Db& db) {
  auto indexer = indexer::Indexer::Create(db).value();
  std::vector<core::Page> pages;
  pages.push_back(MakePage("http://a.org/1",
                           {MakeLink("https://www.example.com/", "Home"),
                            MakeLink("http://blog.example.com/post", "Blog Post",
                                     core::LinkTag::kA, core::kRelNofollow),
                            MakeLink("https://other.net/", "Other")},
                           "A One"));
  pages.push_back(MakePage("https://b.org/page",
                           {MakeLink("http://example.com/page.html",
                                     "F\xC3\xBCnf deutsche \xE2\x80\xA6"),
                            MakeLink("http://example.com/", "logo", core::LinkTag::kAImg),
                            MakeLink("https://b.org/other", "self")},
                           kHostileTitle, 1));
  for (int i = 0; i < 30; ++i) {
    char host[32], target[64], anchor[16], title[16];
    std::snprintf(host, sizeof host, "http://c%02d.net/", i);
    std::snprintf(target, sizeof target, "http://www.example.com/p%02d", i);
    std::snprintf(anchor, sizeof anchor, "p%02d", i);
    std::snprintf(title, sizeof title, "C %02d", i);
    pages.push_back(MakePage(host, {MakeLink(target, anchor)}, title));
  }
  std::vector<KnownLink> out;
  for (const core::Page& p : pages) {
    EXPECT_TRUE(indexer->Index(p, FetchedAt(1700000000)).ok());
    for (const core::Link& l : p.links) out.push_back({p.url, l.target, l.anchor});
  }
  return out;
}

RawConnection::RawConnection(uint16_t port, const char* source, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  if (source != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
  int one = 1;
  if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawConnection::ReadUntilClose(std::chrono::milliseconds timeout, bool* closed) {
  std::string out;
  if (closed) *closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) break;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string RawConnection::ReadUntil(std::string_view needle, std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (out.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) break;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

int RawStatus(std::string_view response) {
  if (response.substr(0, 5) != "HTTP/") return 0;
  size_t sp = response.find(' ');
  if (sp == std::string_view::npos || sp + 4 > response.size()) return 0;
  return std::atoi(std::string(response.substr(sp + 1, 3)).c_str());
}

}  // namespace inlinks::query::testing
