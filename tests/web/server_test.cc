// Tests of the synthetic web's server (bench/web/server.h) over real
// loopback sockets: virtual hosts, robots.txt, redirects, 404s, keep-alive,
// gzip, static sites, every hostile behaviour, concurrency, and the
// inlinks-web executable.
#include "inlinks/testweb/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/url.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::testweb {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// A blocking loopback client with deadlines (poll), owning one socket.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool Get(std::string_view host, std::string_view target, std::string_view extra = "") {
    std::string request = "GET ";
    request.append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    request.append(extra).append("\r\n");
    return Send(request);
  }

  // Reads up to `max` more bytes into buffer_ until `deadline_ms` passes,
  // the peer closes (eof_ = true) or an error occurs (error_ = errno).
  // Returns the bytes read by this call.
  size_t ReadFor(int deadline_ms, size_t max = SIZE_MAX) {
    auto end = Clock::now() + std::chrono::milliseconds(deadline_ms);
    size_t got = 0;
    while (got < max && !eof_ && error_ == 0) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, left) <= 0) break;
      char buf[65536];
      ssize_t n = recv(fd_, buf, std::min(sizeof(buf), max - got), 0);
      if (n == 0) {
        eof_ = true;
      } else if (n < 0) {
        error_ = errno;
      } else {
        buffer_.append(buf, static_cast<size_t>(n));
        got += static_cast<size_t>(n);
      }
    }
    return got;
  }

  // Waits up to `deadline_ms` for bytes and reads what is there (one recv).
  void ReadOnce(int deadline_ms) {
    if (eof_ || error_ != 0 || deadline_ms <= 0) return;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, deadline_ms) <= 0) return;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) {
      eof_ = true;
    } else if (n < 0) {
      error_ = errno;
    } else {
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  struct Reply {
    int status = 0;
    std::string status_line;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  // Reads one response with a Content-Length (or until EOF without one).
  // Returns false on timeout or a malformed response.
  bool ReadReply(Reply* reply, int deadline_ms = 5000) {
    auto end = Clock::now() + std::chrono::milliseconds(deadline_ms);
    auto left = [&] {
      return static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
    };
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (eof_ || error_ || left() <= 0) return false;
      ReadOnce(left());
    }
    std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
    reply->status_line = lines[0];
    std::vector<std::string> parts = absl::StrSplit(lines[0], ' ');
    if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &reply->status)) return false;
    reply->headers.clear();
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) return false;
      reply->headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    auto cl = reply->headers.find("content-length");
    if (cl == reply->headers.end()) {
      while (!eof_ && !error_ && left() > 0) ReadOnce(left());
      reply->body = std::move(buffer_);
      buffer_.clear();
      return eof_;
    }
    size_t length = 0;
    if (!absl::SimpleAtoi(cl->second, &length)) return false;
    while (buffer_.size() < length) {
      if (eof_ || error_ || left() <= 0) return false;
      ReadOnce(left());
    }
    reply->body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return true;
  }

  std::string& buffer() { return buffer_; }
  bool eof() const { return eof_; }
  int error() const { return error_; }

 private:
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  int error_ = 0;
};

std::string Gunzip(std::string_view in, size_t cap = 256 << 20) {
  z_stream zs{};
  inflateInit2(&zs, 31);
  std::string out;
  char buf[1 << 16];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < cap) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  return out;
}

WebSpec SmallSpec() {
  WebSpec spec;
  spec.seed = 3;
  spec.hosts = 6;
  spec.domains = 3;
  spec.pages_per_host = 40;
  return spec;
}

std::unique_ptr<Server> StartOrDie(ServerOptions options) {
  auto server = Server::Start(std::move(options));
  EXPECT_THAT(server, IsOk());
  return server.ok() ? *std::move(server) : nullptr;
}

class TestwebServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.web = SmallSpec();
    options.slowloris_interval = absl::Milliseconds(100);
    options.gzip_bomb_bytes = 8 << 20;
    server_ = StartOrDie(options);
    ASSERT_NE(server_, nullptr);
    port_ = server_->port();
  }
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(TestwebServerTest, ReportsItsPortAndWritesItIntoTheWebsUrls) {
  EXPECT_NE(port_, 0);
  EXPECT_EQ(server_->address(), absl::StrCat("127.0.0.1:", port_));
  ASSERT_NE(server_->web(), nullptr);
  EXPECT_EQ(server_->web()->SeedUrls()[0], absl::StrCat("http://www.d0.test:", port_, "/"));
  EXPECT_EQ(server_->Origin("www.d0.test"), absl::StrCat("http://www.d0.test:", port_));
  auto hosts = server_->HostNames();
  EXPECT_THAT(hosts, ::testing::Contains("d0.test"));
  EXPECT_THAT(hosts, ::testing::Contains("slowloris.hostile.test"));
}

TEST_F(TestwebServerTest, ServesPagesByHostHeader) {
  const Web& web = *server_->web();
  Client c(port_);
  ASSERT_TRUE(c.ok());
  for (int h = 0; h < web.HostCount(); ++h) {
    ASSERT_TRUE(c.Get(absl::StrCat(web.HostName(h), ":", port_), "/"));
    Client::Reply r;
    ASSERT_TRUE(c.ReadReply(&r));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(r.body, *web.PageHtml(web.SeedUrls()[static_cast<size_t>(h)]));
  }
  // Host names are case-insensitive; a final dot names the same host.
  ASSERT_TRUE(c.Get("WWW.D0.TEST.", "/"));
  Client::Reply r;
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 200);
  // An unknown host is a 404.
  ASSERT_TRUE(c.Get("unknown.example", "/"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(server_->stats().connections, 1u);
  EXPECT_EQ(server_->stats().requests, 8u);
}

TEST_F(TestwebServerTest, RobotsRedirectsAndMissingPages) {
  const Web& web = *server_->web();
  Client c(port_);
  Client::Reply r;
  ASSERT_TRUE(c.Get("www.d0.test", "/robots.txt"));
  ASSERT_TRUE(c.ReadReply(&r));
  if (web.RobotsTxt(0)) {
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, *web.RobotsTxt(0));
    EXPECT_THAT(r.headers["content-type"], StartsWith("text/plain"));
  } else {
    EXPECT_EQ(r.status, 404);
  }
  int redirects = 0, missing = 0;
  for (const std::string& url : web.AllUrls()) {
    auto to = web.RedirectTarget(url);
    bool is_missing = web.IsMissing(url);
    if (!to.ok() && !is_missing) continue;
    auto parsed = core::ParseUrl(url);
    ASSERT_TRUE(c.Get(parsed->host(), parsed->PathAndQuery()));
    ASSERT_TRUE(c.ReadReply(&r));
    if (to.ok()) {
      EXPECT_EQ(r.status, 301);
      EXPECT_EQ(r.headers["location"], *to);
      ++redirects;
    } else {
      EXPECT_EQ(r.status, 404);
      ++missing;
    }
  }
  EXPECT_GT(redirects, 0);
  EXPECT_GT(missing, 0);
}

TEST_F(TestwebServerTest, AbsoluteFormTargetsAndHead) {
  Client c(port_);
  Client::Reply r;
  ASSERT_TRUE(c.Send(absl::StrCat("GET http://www.d1.test:", port_,
                                  "/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, *server_->web()->PageHtml(server_->web()->SeedUrls()[1]));
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: www.d1.test\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.ReadFor(200);
  EXPECT_THAT(c.buffer(), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(c.buffer(), HasSubstr("Content-Length: "));
  EXPECT_EQ(c.buffer().find("<html"), std::string::npos);
}

TEST_F(TestwebServerTest, KeepAliveAndConnectionClose) {
  Client c(port_);
  Client::Reply r;
  // Pipelined requests on one connection are answered in order.
  ASSERT_TRUE(c.Send(
      "GET / HTTP/1.1\r\nHost: www.d0.test\r\n\r\n"
      "GET /robots.txt HTTP/1.1\r\nHost: www.d2.test\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: www.d0.test\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(c.ReadReply(&r));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["connection"], "close");
  c.ReadFor(2000);
  EXPECT_TRUE(c.eof());
  EXPECT_EQ(server_->stats().connections, 1u);
}

TEST(TestwebServerGzipTest, GzipsWhenTheClientAcceptsIt) {
  ServerOptions options;
  options.web = SmallSpec();
  options.gzip = true;
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  Client c(server->port());
  Client::Reply r;
  ASSERT_TRUE(c.Get("www.d0.test", "/", "Accept-Encoding: gzip, deflate, br\r\n"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.headers["content-encoding"], "gzip");
  std::string html = *server->web()->PageHtml(server->web()->SeedUrls()[0]);
  EXPECT_LT(r.body.size(), html.size() / 2);
  EXPECT_EQ(Gunzip(r.body), html);
  ASSERT_TRUE(c.Get("www.d0.test", "/"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.headers.count("content-encoding"), 0u);
  EXPECT_EQ(r.body, html);
}

TEST(TestwebServerStartTest, ErrorsAreValues) {
  ServerOptions bad_listen;
  bad_listen.listen = "not an address";
  EXPECT_THAT(Server::Start(bad_listen), StatusIs(absl::StatusCode::kInvalidArgument));
  ServerOptions bad_web;
  bad_web.web = WebSpec{};
  bad_web.web->domains = 0;
  EXPECT_THAT(Server::Start(bad_web), StatusIs(absl::StatusCode::kInvalidArgument));
  ServerOptions bad_dir;
  bad_dir.static_sites.push_back({"static.test", "/nonexistent/dir"});
  EXPECT_THAT(Server::Start(bad_dir), StatusIs(absl::StatusCode::kInvalidArgument));
  ServerOptions dup;
  dup.web = SmallSpec();
  dup.static_sites.push_back({"www.d0.test", "/tmp"});
  EXPECT_THAT(Server::Start(dup), StatusIs(absl::StatusCode::kInvalidArgument));

  auto first = StartOrDie(ServerOptions{});
  ASSERT_NE(first, nullptr);
  ServerOptions taken;
  taken.listen = first->address();
  EXPECT_THAT(Server::Start(taken), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(TestwebServerStopTest, StopClosesOpenConnections) {
  auto server = StartOrDie(ServerOptions{});
  ASSERT_NE(server, nullptr);
  Client c(server->port());
  ASSERT_TRUE(c.Get("stall.hostile.test", "/"));
  c.ReadFor(100);
  EXPECT_FALSE(c.eof());
  server->Stop();
  c.ReadFor(2000);
  EXPECT_TRUE(c.eof() || c.error() != 0);
  server->Stop();  // idempotent
}

TEST(TestwebServerConcurrencyTest, ManyConnectionsOnManyThreads) {
  ServerOptions options;
  options.web = SmallSpec();
  options.threads = 4;
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  const Web& web = *server->web();
  const std::vector<std::string> urls = web.PageUrls();
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> clients;
  constexpr int kClients = 16, kRequests = 40;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Client c(server->port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string& url = urls[static_cast<size_t>(t * kRequests + i) % urls.size()];
        auto parsed = core::ParseUrl(url);
        Client::Reply r;
        if (c.Get(parsed->host(), parsed->PathAndQuery()) && c.ReadReply(&r) &&
            r.status == 200 && r.body == *web.PageHtml(url)) {
          ++good;
        } else {
          ++bad;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(bad.load(), 0);
  // The server counts a response after its write completes, which may be
  // just after the client has read it.
  ServerStats stats = server->stats();
  for (int i = 0; i < 200 && stats.responses_2xx < kClients * kRequests; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stats = server->stats();
  }
  EXPECT_EQ(stats.connections, static_cast<uint64_t>(kClients));
  EXPECT_EQ(stats.requests, static_cast<uint64_t>(kClients * kRequests));
  EXPECT_EQ(stats.responses_2xx, static_cast<uint64_t>(kClients * kRequests));
  EXPECT_GT(stats.bytes_sent, static_cast<uint64_t>(kClients * kRequests) * 20000);
}

class TestwebStaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("testweb_static_", getpid());
    std::filesystem::create_directories(dir_ / "docs");
    std::ofstream(dir_ / "index.html") << "<html><a href=\"docs/\">Docs</a></html>";
    std::ofstream(dir_ / "docs" / "index.html") << "<html>docs index</html>";
    std::ofstream(dir_ / "docs" / "a b.css") << "body{}";
    std::ofstream(dir_ / "robots.txt") << "User-agent: *\nDisallow:\n";
    ServerOptions options;
    options.static_sites.push_back({"static.test", dir_.string()});
    server_ = StartOrDie(options);
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  Client::Reply Get(std::string_view target) {
    Client c(server_->port());
    Client::Reply r;
    EXPECT_TRUE(c.Get("static.test", target));
    EXPECT_TRUE(c.ReadReply(&r));
    return r;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Server> server_;
};

TEST_F(TestwebStaticSiteTest, ServesFilesIndexesAndContentTypes) {
  Client::Reply r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("Docs"));
  r = Get("/docs");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.headers["location"], "http://static.test/docs/");
  r = Get("/docs/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<html>docs index</html>");
  r = Get("/docs/a%20b.css?v=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/css");
  r = Get("/robots.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.headers["content-type"], StartsWith("text/plain"));
  EXPECT_EQ(Get("/missing.html").status, 404);
  EXPECT_EQ(Get("/../etc/passwd").status, 404);
  EXPECT_EQ(Get("/docs/%2e%2e/%2e%2e/etc/passwd").status, 404);
}

TEST(TestwebStaticSiteNutchTest, ServesTheNutchTestSite) {
  std::filesystem::path dir =
      std::filesystem::path(INLINKS_TESTDATA_DIR) / "html" / "nutch-fetch-test-site";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " missing";
  ServerOptions options;
  options.static_sites.push_back({"nutch.test", dir.string()});
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  Client c(server->port());
  Client::Reply r;
  ASSERT_TRUE(c.Get("nutch.test", "/"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, std::filesystem::exists(dir / "index.html") ? 200 : 404);
}

// --- Hostile behaviours: each does what its name says.

Client::Reply ReadHead(Client& c, int deadline_ms) {
  Client::Reply r;
  auto end = Clock::now() + std::chrono::milliseconds(deadline_ms);
  while (c.buffer().find("\r\n\r\n") == std::string::npos && !c.eof() && !c.error() &&
         Clock::now() < end) {
    c.ReadFor(50);
  }
  size_t head_end = c.buffer().find("\r\n\r\n");
  if (head_end == std::string::npos) return r;
  std::string head = c.buffer().substr(0, head_end);
  c.buffer().erase(0, head_end + 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  r.status_line = lines[0];
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    r.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  return r;
}

TEST_F(TestwebServerTest, HostileSlowlorisSendsOneBytePerInterval) {
  Client c(port_);
  ASSERT_TRUE(c.Get("slowloris.hostile.test", "/"));
  c.ReadFor(450);
  // 100 ms per byte: about 5 bytes in 450 ms, never a whole response.
  EXPECT_GE(c.buffer().size(), 2u);
  EXPECT_LE(c.buffer().size(), 8u);
  EXPECT_THAT(c.buffer(), StartsWith(std::string("HTTP/1.1").substr(0, c.buffer().size())));
  EXPECT_GE(server_->stats().hostile, 1u);
}

TEST_F(TestwebServerTest, HostileEndlessBodyNeverEnds) {
  Client c(port_);
  ASSERT_TRUE(c.Get("endless-body.hostile.test", "/"));
  Client::Reply head = ReadHead(c, 2000);
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head.headers.count("content-length"), 0u);
  c.ReadFor(5000, 4 << 20);
  EXPECT_GE(c.buffer().size(), 4u << 20);
  EXPECT_FALSE(c.eof());
}

TEST_F(TestwebServerTest, HostileGzipBombInflatesFarBeyondItsSize) {
  Client c(port_);
  ASSERT_TRUE(c.Get("gzip-bomb.hostile.test", "/"));
  Client::Reply r;
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.headers["content-encoding"], "gzip");
  EXPECT_LT(r.body.size(), 64u << 10);
  EXPECT_EQ(Gunzip(r.body).size(), 8u << 20);
}

TEST_F(TestwebServerTest, HostileRedirectLoopLoops) {
  Client c(port_);
  Client::Reply r;
  std::string host = absl::StrCat("redirect-loop.hostile.test:", port_);
  ASSERT_TRUE(c.Get(host, "/start"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.headers["location"], absl::StrCat("http://", host, "/start/b"));
  ASSERT_TRUE(c.Get(host, "/start/b"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.headers["location"], absl::StrCat("http://", host, "/start"));
  ASSERT_TRUE(c.Get(host, "/robots.txt"));  // robots.txt allows everything
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("Allow: /"));
}

TEST_F(TestwebServerTest, HostileRobots500) {
  Client c(port_);
  Client::Reply r;
  ASSERT_TRUE(c.Get("robots-500.hostile.test", "/robots.txt"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 500);
  ASSERT_TRUE(c.Get("robots-500.hostile.test", "/"));
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("<a href="));
}

TEST_F(TestwebServerTest, HostileWrongContentLengthSendsLessThanItPromises) {
  Client c(port_);
  ASSERT_TRUE(c.Get("wrong-content-length.hostile.test", "/"));
  Client::Reply head = ReadHead(c, 2000);
  EXPECT_EQ(head.headers["content-length"], "100000");
  c.ReadFor(2000);
  EXPECT_TRUE(c.eof());
  EXPECT_EQ(c.buffer().size(), 1000u);
}

TEST_F(TestwebServerTest, HostileMalformedStatusLine) {
  Client c(port_);
  ASSERT_TRUE(c.Get("malformed-status.hostile.test", "/"));
  c.ReadFor(2000);
  EXPECT_THAT(c.buffer(), StartsWith("HTTP/1.1 2OO OK\r\n"));
  EXPECT_TRUE(c.eof());
}

TEST_F(TestwebServerTest, HostileHugeHeaders) {
  Client c(port_);
  ASSERT_TRUE(c.Get("huge-headers.hostile.test", "/"));
  c.ReadFor(3000, 2 << 20);
  size_t head_end = c.buffer().find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_GE(head_end, 1u << 20);
}

TEST_F(TestwebServerTest, HostileResetMidBody) {
  Client c(port_);
  ASSERT_TRUE(c.Get("reset-mid-body.hostile.test", "/"));
  c.ReadFor(3000);
  EXPECT_TRUE(c.eof() || c.error() == ECONNRESET) << c.error();
  EXPECT_LT(c.buffer().size(), 100000u);
}

TEST_F(TestwebServerTest, HostileStallNeverAnswers) {
  Client c(port_);
  ASSERT_TRUE(c.Get("stall.hostile.test", "/"));
  c.ReadFor(300);
  EXPECT_TRUE(c.buffer().empty());
  EXPECT_FALSE(c.eof());
}

TEST_F(TestwebServerTest, HostileTlsHandshakeStalls) {
  Client c(port_);
  // The start of a TLS 1.2 ClientHello record.
  ASSERT_TRUE(c.Send(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11)));
  c.ReadFor(300);
  EXPECT_TRUE(c.buffer().empty());
  EXPECT_FALSE(c.eof());
}

TEST_F(TestwebServerTest, HostilePathsWorkOnAnyHost) {
  Client c(port_);
  ASSERT_TRUE(c.Get("www.d0.test", "/_hostile/malformed-status"));
  c.ReadFor(2000);
  EXPECT_THAT(c.buffer(), StartsWith("HTTP/1.1 2OO OK"));
  Client c2(port_);
  Client::Reply r;
  ASSERT_TRUE(c2.Get("www.d0.test", "/_hostile/robots-500"));
  ASSERT_TRUE(c2.ReadReply(&r));
  EXPECT_EQ(r.status, 500);
  ASSERT_TRUE(c2.Get("www.d0.test", "/_hostile/redirect-loop"));
  ASSERT_TRUE(c2.ReadReply(&r));
  EXPECT_EQ(r.status, 302);
  EXPECT_THAT(r.headers["location"], HasSubstr("/_hostile/redirect-loop/b"));
}

TEST(TestwebHostileNamesTest, RoundTrip) {
  for (Hostile b : AllHostile()) {
    EXPECT_EQ(HostileFromName(HostileName(b)), b);
    EXPECT_EQ(HostileHostName(b), std::string(HostileName(b)) + ".hostile.test");
  }
  EXPECT_EQ(AllHostile().size(), 11u);
  EXPECT_EQ(HostileFromName("nope"), std::nullopt);
}

TEST(TestwebServerHostileMapTest, ExtraHostsGetTheirBehaviour) {
  ServerOptions options;
  options.hostile_hosts = false;
  options.hostile["slow.example"] = Hostile::kStall;
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  Client c(server->port());
  Client::Reply r;
  ASSERT_TRUE(c.Get("slowloris.hostile.test", "/"));  // not served: 404
  ASSERT_TRUE(c.ReadReply(&r));
  EXPECT_EQ(r.status, 404);
  ASSERT_TRUE(c.Get("slow.example", "/"));
  c.ReadFor(200);
  EXPECT_TRUE(c.buffer().empty());
}

// --- The executable.

TEST(TestwebInlinksWebTest, ListensServesAndExitsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(INLINKS_WEB_BIN, INLINKS_WEB_BIN, "--listen", "127.0.0.1:0", "--hosts", "4",
          "--domains", "2", "--pages-per-host", "20", "--threads", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ASSERT_THAT(line, StartsWith("listening 127.0.0.1:"));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(line.substr(line.rfind(':') + 1), &port));
  {
    Client c(static_cast<uint16_t>(port));
    Client::Reply r;
    ASSERT_TRUE(c.Get("d0.test", "/"));
    ASSERT_TRUE(c.ReadReply(&r));
    EXPECT_EQ(r.status, 200);
    EXPECT_THAT(r.body, HasSubstr(absl::StrCat(".test:", port, "/")));
  }
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  close(out[0]);
}

std::string RunAndCapture(const std::string& args) {
  std::string out;
  FILE* p = popen((std::string(INLINKS_WEB_BIN) + " " + args).c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(TestwebInlinksWebTest, PrintsSeedsAndBacklinks) {
  std::string seeds =
      RunAndCapture("--hosts 4 --domains 2 --pages-per-host 20 --url-port 8080 --print-seeds");
  EXPECT_EQ(seeds,
            "http://www.d0.test:8080/\nhttp://www.d1.test:8080/\n"
            "http://d0.test:8080/\nhttp://d1.test:8080/\n");
  std::string rows = RunAndCapture(
      "--hosts 4 --domains 2 --pages-per-host 20 --url-port 8080 --backlinks "
      "http://d1.test:8080/");
  WebSpec spec;
  spec.hosts = 4;
  spec.domains = 2;
  spec.pages_per_host = 20;
  spec.port = 8080;
  auto web = Web::Create(spec);
  ASSERT_THAT(web, IsOk());
  std::vector<Backlink> want =
      (*web)->ReachableTruth().Backlinks(Scope{Scope::Kind::kUrl, "http://d1.test:8080/"});
  std::vector<std::string> lines = absl::StrSplit(rows, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), want.size());
  ASSERT_FALSE(want.empty());
  std::vector<std::string> first = absl::StrSplit(lines[0], '\t');
  ASSERT_EQ(first.size(), 6u);
  EXPECT_EQ(first[0], want[0].source);
  EXPECT_EQ(first[1], "http://d1.test:8080/");
  EXPECT_EQ(first[2], want[0].anchor);
  EXPECT_EQ(first[3], absl::StrCat(want[0].position));
  EXPECT_EQ(first[4], core::LinkTagName(want[0].tag));
  EXPECT_EQ(first[5], want[0].nofollow() ? "1" : "0");
}

}  // namespace
}  // namespace inlinks::testweb
