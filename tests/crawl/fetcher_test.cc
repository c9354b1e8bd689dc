// The fetcher against real local servers: keep-alive reuse, --resolve
// overrides, the SSRF guard after resolution, and HTTPS through OpenSSL
// against `openssl s_server` with a certificate made by the test (refused
// when verification is on, since no system CA signed it; fetched when it is
// off).
#include "crawler/src/fetcher.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/testweb/server.h"
#include "tests/testing/ports.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::crawler {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::testing::HasSubstr;

asio::awaitable<void> FetchAll(Fetcher* fetcher, std::vector<core::Url> urls,
                               std::vector<FetchResult>* out) {
  for (core::Url& u : urls) out->push_back(co_await fetcher->Get(u));
}

std::vector<FetchResult> Fetch(FetchOptions options, const std::vector<std::string>& urls) {
  asio::io_context io;
  absl::StatusOr<std::unique_ptr<Fetcher>> fetcher = Fetcher::Create(io.get_executor(), options);
  EXPECT_THAT(fetcher, IsOk());
  std::vector<core::Url> parsed;
  for (const std::string& u : urls) {
    absl::StatusOr<core::Url> p = core::ParseUrl(u);
    EXPECT_THAT(p, IsOk()) << u;
    if (p.ok()) parsed.push_back(*p);
  }
  std::vector<FetchResult> results;
  asio::co_spawn(io, FetchAll(fetcher->get(), parsed, &results), asio::detached);
  io.run();
  return results;
}

FetchOptions Loopback() {
  FetchOptions o;
  absl::StatusOr<ResolveOverride> any = ResolveOverride::Parse("*:127.0.0.1");
  EXPECT_THAT(any, IsOk());
  o.resolve.push_back(*any);
  absl::StatusOr<NetGuard> guard = NetGuard::Create({"127.0.0.0/8"});
  EXPECT_THAT(guard, IsOk());
  o.guard = *guard;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.header_timeout = std::chrono::milliseconds(3000);
  o.response_timeout = std::chrono::milliseconds(5000);
  return o;
}

TEST(ResolveOverride, ParsesCurlForms) {
  absl::StatusOr<ResolveOverride> o = ResolveOverride::Parse("Example.COM:127.0.0.1");
  ASSERT_THAT(o, IsOk());
  EXPECT_EQ(o->host, "example.com");
  EXPECT_EQ(o->port, 0);
  EXPECT_EQ(o->address.ToString(), "127.0.0.1");
  o = ResolveOverride::Parse("example.com:8443:[::1]");
  ASSERT_THAT(o, IsOk());
  EXPECT_EQ(o->port, 8443);
  EXPECT_EQ(o->address.ToString(), "::1");
  o = ResolveOverride::Parse("v6.test:::1");
  ASSERT_THAT(o, IsOk());
  EXPECT_EQ(o->address.ToString(), "::1");
  for (const char* bad : {"", "example.com", ":1.2.3.4", "a.com:99999:1.2.3.4", "a.com:nope"}) {
    EXPECT_FALSE(ResolveOverride::Parse(bad).ok()) << bad;
  }
}

TEST(Fetcher, KeepAliveReusesTheConnection) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.hosts = 2;
  spec.domains = 1;
  spec.pages_per_host = 16;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  std::vector<std::string> pages = (*server)->web()->PageUrls();
  ASSERT_GE(pages.size(), 3u);
  std::vector<FetchResult> r = Fetch(Loopback(), {pages[0], pages[1], pages[2]});
  ASSERT_EQ(r.size(), 3u);
  for (const FetchResult& f : r) {
    EXPECT_EQ(f.error, FetchError::kNone) << f.message;
    EXPECT_EQ(f.ip, "127.0.0.1");
    EXPECT_GT(f.body.size(), 1000u);
  }
  EXPECT_FALSE(r[0].reused_connection);
  EXPECT_TRUE(r[1].reused_connection);
  EXPECT_EQ((*server)->stats().connections, 1u);
}

TEST(Fetcher, FetchesOverIpv6) {
  testweb::ServerOptions so;
  so.listen = "[::1]:0";
  testweb::WebSpec spec;
  spec.hosts = 1;
  spec.domains = 1;
  spec.pages_per_host = 16;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  FetchOptions o;
  absl::StatusOr<ResolveOverride> v6 = ResolveOverride::Parse("*:[::1]");
  ASSERT_THAT(v6, IsOk());
  o.resolve.push_back(*v6);
  absl::StatusOr<NetGuard> guard = NetGuard::Create({"::1/128"});
  ASSERT_THAT(guard, IsOk());
  o.guard = *guard;
  std::string port = std::to_string((*server)->port());
  std::vector<FetchResult> r =
      Fetch(o, {(*server)->web()->SeedUrls()[0], "http://[::1]:" + port + "/robots.txt"});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].error, FetchError::kNone) << r[0].message;
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].ip, "::1");
  // An IPv6 literal host in the URL (the test web knows no host "[::1]", so
  // it answers 404).
  EXPECT_EQ(r[1].error, FetchError::kNone) << r[1].message;
  EXPECT_EQ(r[1].status, 404);
  EXPECT_EQ(r[1].ip, "::1");
}

TEST(Fetcher, GuardRefusesLoopbackAfterResolution) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.hosts = 1;
  spec.domains = 1;
  spec.pages_per_host = 16;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  FetchOptions o = Loopback();
  o.guard = NetGuard();
  std::vector<FetchResult> r = Fetch(o, {(*server)->web()->SeedUrls()[0]});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, FetchError::kBlocked);
  EXPECT_THAT(r[0].message, HasSubstr("loopback"));
  EXPECT_EQ((*server)->stats().connections, 0u);
}

TEST(Fetcher, ConnectionRefusedIsAConnectError) {
  std::vector<FetchResult> r =
      Fetch(Loopback(),
            {"http://refused.test:" + std::to_string(testing::FreeLoopbackPort()) + "/"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, FetchError::kConnect);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fetcher_tls_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string cmd = "cd " + dir_.string() +
                      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out "
                      "cert.pem -days 2 -subj /CN=tls.test -addext "
                      "subjectAltName=DNS:tls.test >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl req failed";
    std::ofstream(dir_ / "page.html") << "<html><title>over tls</title>"
                                         "<a href=/x>x</a></html>";
    port_ = testing::FreeLoopbackPort();
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir_.c_str()) != 0) _exit(126);
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execlp("openssl", "openssl", "s_server", "-quiet", "-accept",
             std::to_string(port_).c_str(), "-cert", "cert.pem", "-key", "key.pem", "-WWW",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait until it listens.
    for (int i = 0; i < 100; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port_);
      bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
      close(fd);
      if (ok) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "openssl s_server did not start";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  std::string Url() const { return "https://tls.test:" + std::to_string(port_) + "/page.html"; }

  fs::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(TlsTest, UntrustedCertificateIsRefusedWhenVerifying) {
  std::vector<FetchResult> r = Fetch(Loopback(), {Url()});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, FetchError::kTls) << r[0].message;
  EXPECT_THAT(r[0].message, HasSubstr("certificate"));
}

TEST_F(TlsTest, FetchesOverTlsWithoutVerification) {
  FetchOptions o = Loopback();
  o.verify_tls = false;
  std::vector<FetchResult> r = Fetch(o, {Url()});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, FetchError::kNone) << r[0].message;
  EXPECT_EQ(r[0].status, 200);
  EXPECT_THAT(r[0].body, HasSubstr("over tls"));
}

}  // namespace
}  // namespace inlinks::crawler
