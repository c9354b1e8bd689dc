// The server under hostile clients: request smuggling shapes, size caps,
// slowloris, the connection cap, malformed bytes, graceful Stop with a
// request in flight. Raw sockets, real server on port 0.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/log.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/records.h"
#include "inlinks/query/server.h"
#include "tests/server/server_testing.h"

namespace inlinks::query {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::RawStatus;

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = storage::Db::Open(dir_.path()).value();
    testing::BuildTestIndex(*db_);
  }
  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<Server>(*db_, options);
    ASSERT_TRUE(server_->Start().ok());
    key_ = server_->keys().Add({.id = "k", .credits = 1'000'000}).value().token();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // Sends `request` and expects `status` followed by a closed connection.
  void ExpectRejected(const std::string& request, int status = 400) {
    RawConnection c(server_->port());
    ASSERT_TRUE(c.connected());
    c.Send(request);
    bool closed = false;
    std::string response = c.ReadUntilClose(3s, &closed);
    EXPECT_EQ(RawStatus(response), status) << ::testing::PrintToString(request) << "\n" << response;
    EXPECT_TRUE(closed) << ::testing::PrintToString(request);
    EXPECT_THAT(response, ::testing::HasSubstr("Connection: close"));
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<Server> server_;
  std::string key_;
};

TEST_F(HardeningTest, WellFormedRawRequestIsAnswered) {
  StartServer();
  RawConnection c(server_->port());
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.ReadUntil("ok\n", 3s);
  EXPECT_EQ(RawStatus(r), 200) << r;
  // Pipelined: two requests in one write, two answers in order.
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string both = c.ReadUntil("apiResult", 3s);
  EXPECT_EQ(RawStatus(both), 200);
  EXPECT_THAT(both, ::testing::HasSubstr("\"apiErrorCode\":80"));
  // HTTP/1.0 closes after the answer; absolute-form targets are accepted.
  RawConnection old(server_->port());
  old.Send("GET http://x/healthz HTTP/1.0\r\n\r\n");
  bool closed = false;
  std::string r10 = old.ReadUntilClose(3s, &closed);
  EXPECT_EQ(RawStatus(r10), 200) << r10;
  EXPECT_TRUE(closed);
}

// RFC 9112 section 6.1 / 6.3 (https://www.rfc-editor.org/rfc/rfc9112#section-6.3):
// framing a proxy and a server could read differently is refused.
TEST_F(HardeningTest, Rfc9112_6_RequestSmugglingShapes) {
  StartServer();
  const std::string post = "POST /v3/token HTTP/1.1\r\nHost: x\r\n";
  // Content-Length together with Transfer-Encoding.
  ExpectRejected(post + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ExpectRejected(post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n");
  // Duplicate or invalid Content-Length.
  ExpectRejected(post + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd");
  ExpectRejected(post + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde");
  ExpectRejected(post + "Content-Length: 4, 4\r\n\r\nabcd");
  ExpectRejected(post + "Content-Length: -1\r\n\r\n");
  ExpectRejected(post + "Content-Length: 0x10\r\n\r\n");
  ExpectRejected(post + "Content-Length: 99999999999999999999999\r\n\r\n");
  // chunked not last, other codings, obfuscated spellings.
  ExpectRejected(post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
  ExpectRejected(post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  ExpectRejected(post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n");
  ExpectRejected(post +
                 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "0\r\n\r\n");
  ExpectRejected(post +
                 "Transfer-Encoding:\x0b"
                 "chunked\r\n\r\n0\r\n\r\n");
  // Bad chunk sizes.
  ExpectRejected(post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
  ExpectRejected(post + "Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n");
  // Chunk framing ended by a bare LF: a 400 at once, not the read timeout
  // (ExpectRejected waits 3 s; the timeout is 10 s).
  ExpectRejected(post + "Transfer-Encoding: chunked\r\n\r\n4\nabcd\n0\n\n");
  ExpectRejected(post + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\n0\r\n\r\n");
  ExpectRejected(post + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\nX: y\n\r\n");
  ExpectRejected(post + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n\r\n");
  // obs-fold, bare CR / LF, NUL, whitespace before the colon.
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n");
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n");
  ExpectRejected("GET /healthz HTTP/1.1\nHost: x\n\n");
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n");
  ExpectRejected(std::string("GET /healthz HTTP/1.1\r\nHost: x\0y\r\n\r\n", 37));
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n");
  // HTTP/1.1 without Host, or with two.
  ExpectRejected("GET /healthz HTTP/1.1\r\n\r\n");
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  // Garbage request lines.
  ExpectRejected("GARBAGE\r\n\r\n");
  ExpectRejected("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n");
  ExpectRejected("GET healthz HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST_F(HardeningTest, ChunkedBodyIsAcceptedWhenWellFormed) {
  StartServer();
  RawConnection c(server_->port());
  c.Send(
      "POST /v3/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
      "1d\r\ngrant_type=client_credentials\r\n0\r\n\r\n");
  std::string r = c.ReadUntil("}", 3s);
  EXPECT_EQ(RawStatus(r), 401) << r;  // parsed fine; no credentials given
  EXPECT_THAT(r, ::testing::HasSubstr("invalid_client"));
  // LF bytes inside chunk data are data, not framing; so are chunks split
  // across reads.
  RawConnection d(server_->port());
  d.Send(
      "POST /v3/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
      "22\r\ngrant_type=client_credentials&x=\n\n\r\n");
  std::this_thread::sleep_for(100ms);
  d.Send("3\r\na\nb\r\n0\r\n\r\n");
  r = d.ReadUntil("}", 3s);
  EXPECT_EQ(RawStatus(r), 401) << r;
  EXPECT_THAT(r, ::testing::HasSubstr("invalid_client"));
}

TEST_F(HardeningTest, SizeCapsAnswerInTheRightDialect) {
  ServerOptions o;
  o.max_request_line_bytes = 256;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 100;
  StartServer(o);
  ExpectRejected("GET /" + std::string(300, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n", 431);
  ExpectRejected(
      "POST /v3/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'c'),
      413);
  // The URL dialect's error shape for a protocol error on its routes.
  RawConnection c(server_->port());
  c.Send("GET /v3/ResearchLinksGetListBacklinks.json HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n");
  std::string r = c.ReadUntilClose(3s);
  EXPECT_THAT(r, ::testing::HasSubstr("\"error\":400,\"error_message\""));
}

TEST_F(HardeningTest, SlowlorisDoesNotStarveOthers) {
  ServerOptions o;
  o.header_timeout = 1500ms;
  o.threads = 1;  // the worst case: one I/O thread for everyone
  StartServer(o);
  std::atomic<bool> done{false};
  std::vector<std::thread> slow;
  std::atomic<int> slow_closed{0};
  for (int i = 0; i < 8; ++i) {
    slow.emplace_back([&] {
      RawConnection c(server_->port());
      std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'a');
      for (char ch : req) {
        if (done || !c.Send(std::string_view(&ch, 1))) break;
        std::this_thread::sleep_for(100ms);  // 10 bytes/s
      }
      bool closed = false;
      c.ReadUntilClose(3s, &closed);
      if (closed) ++slow_closed;
    });
  }
  // Meanwhile a normal client is served promptly, many times.
  std::this_thread::sleep_for(200ms);
  testing::HttpClient client(server_->port());
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = client.Get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
    std::this_thread::sleep_for(20ms);
  }
  for (auto& t : slow) t.join();
  done = true;
  // Each slow client was cut off by the header timeout (long before its
  // 10 s trickle would end).
  EXPECT_EQ(slow_closed.load(), 8);
}

TEST_F(HardeningTest, IdleConnectionsAreClosed) {
  ServerOptions o;
  o.header_timeout = 300ms;
  o.idle_timeout = 300ms;
  StartServer(o);
  RawConnection silent(server_->port());
  bool closed = false;
  silent.ReadUntilClose(3s, &closed);
  EXPECT_TRUE(closed);
}

// A connection from 127.0.0.2 (another client address on loopback), or an
// unconnected one when the address cannot be bound.
std::unique_ptr<RawConnection> FromOtherClient(uint16_t port) {
  return std::make_unique<RawConnection>(port, "127.0.0.2");
}

// Full of idle connections (issue 18: 1,024 idle connections locked every
// client out): the oldest idle one is closed to make room. Full of busy
// ones (a header half sent): the new one is refused.
TEST_F(HardeningTest, ConnectionCapShedsIdleConnectionsFirst) {
  ServerOptions o;
  o.max_connections = 3;
  StartServer(o);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_->port()));
    idle.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(RawStatus(idle.back()->ReadUntil("ok\n", 3s)), 200);
  }
  auto extra = std::make_unique<RawConnection>(server_->port());
  extra->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(RawStatus(extra->ReadUntil("ok\n", 3s)), 200);
  bool closed = false;
  idle.front()->ReadUntilClose(3s, &closed);
  EXPECT_TRUE(closed) << "the oldest idle connection was not shed";
  EXPECT_THAT(server_->MetricsText(),
              ::testing::HasSubstr("inlinks_http_connections_shed_total 1"));

  // Busy connections (a header half sent) are never shed.
  idle.clear();
  extra.reset();
  for (int i = 0; i < 200; ++i) {
    if (server_->MetricsText().find("inlinks_http_connections 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  std::vector<std::unique_ptr<RawConnection>> busy;
  for (int i = 0; i < 3; ++i) {
    busy.push_back(std::make_unique<RawConnection>(server_->port()));
    busy.back()->Send("GET /healthz HTTP/1.1\r\n");
  }
  for (int i = 0; i < 200; ++i) {
    if (server_->MetricsText().find("inlinks_http_connections 3\n") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(300ms);  // their first bytes read: not idle
  RawConnection refused(server_->port());
  refused.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(refused.ReadUntilClose(3s, &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_THAT(server_->MetricsText(),
              ::testing::HasSubstr("inlinks_http_connections_refused_total 1"));
}

// One client address cannot take every connection: past
// max_connections_per_client its connections are refused, and another
// client is still served.
TEST_F(HardeningTest, PerClientConnectionCap) {
  ServerOptions o;
  o.max_connections_per_client = 2;
  StartServer(o);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port()));
    held.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(RawStatus(held.back()->ReadUntil("ok\n", 3s)), 200);
  }
  RawConnection third(server_->port());
  third.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(third.ReadUntilClose(3s, &closed), "");
  EXPECT_TRUE(closed);
  std::unique_ptr<RawConnection> other = FromOtherClient(server_->port());
  if (!other->connected()) GTEST_SKIP() << "cannot connect from 127.0.0.2 here";
  other->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(RawStatus(other->ReadUntil("ok\n", 3s)), 200);
  // A slot of the first client frees up once one of its connections closes.
  held.pop_back();
  for (int attempt = 0; attempt < 50; ++attempt) {
    RawConnection again(server_->port());
    again.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    if (RawStatus(again.ReadUntil("ok\n", 1s)) == 200) return;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "no connection accepted after one closed";
}

TEST_F(HardeningTest, RandomBytesNeverCrash) {
  StartServer();
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245 + 12345;
    return (seed >> 16) & 0xFF;
  };
  for (int i = 0; i < 60; ++i) {
    std::string junk = i % 2 ? "GET /" : "";
    for (int j = 0; j < 200; ++j) junk.push_back(static_cast<char>(next()));
    junk += "\r\n\r\n";
    RawConnection c(server_->port());
    c.Send(junk);
    c.ReadUntilClose(2s);
  }
  testing::HttpClient client(server_->port());
  EXPECT_EQ(client.Get("/healthz").status, 200);
}

TEST_F(HardeningTest, AccessLogNeverContainsSecrets) {
  ServerOptions o;
  o.access_log = true;
  core::SetLogLevel(core::LogLevel::kInfo);
  StartServer(o);
  auto [id, secret] = SplitKeyString(key_).value();
  std::string token = server_->keys().IssueToken(id, std::chrono::seconds(60));
  ::testing::internal::CaptureStderr();
  {
    testing::HttpClient client(server_->port());
    client.Get("/api/links/getBacklinks/" + key_ + "/example.com/json/1");
    client.Get("/index.php?service=links&method=getBacklinks&key=" + key_ + "&domain=x.com");
    client.Get("/api/service=links&method=getBacklinks&key=" + key_ + "&domain=x.com");
    client.Get("/api/user/getCreditstate/" + key_);
    client.Get("/v1/counts?target=example.com&key=" + key_);
    client.Get("/v3/ResearchLinksGetCountBacklinks.json?url=example.com&access_token=" + token);
    client.Request("POST", "/v3/token?client_id=" + id + "&client_secret=" + secret, {}, "");
    client.Get("/v1/counts?target=example.com", {{"Authorization", "Bearer " + key_}});
    // The key with one character of its secret percent-encoded.
    std::string encoded = key_;
    const size_t middle = key_.size() - secret.size() / 2;
    encoded.replace(middle, 1, absl::StrFormat("%%%02x", key_[middle]));
    // Shapes the router serves or refuses with the key elsewhere than its
    // usual position (issue 18): empty and dot segments, encoded slashes,
    // path parameters, a percent-encoded secret.
    for (std::string shape : std::vector<std::string>{
             "/api//links/getBacklinks/KEY/example.com/json",
             "/api/links//getBacklinks/KEY/example.com/json",
             "/api/links/getBacklinks//KEY/example.com/json", "/api/user/getCreditstate//KEY/json",
             "/api/links%2FgetBacklinks/KEY/example.com/json",
             "/api/links/getBacklinks;x=1/KEY/example.com/json",
             "/api/./links/getBacklinks/KEY/example.com/json",
             "//api/links/getBacklinks/KEY/example.com", "/api/links/KEY/getBacklinks/example.com",
             "/v1/backlinks/KEY?target=example.com", "/v1/backlinks?target=example.com&x=KEY",
             "/v1/backlinks?target=example.com&k%65y=" + encoded}) {
      const size_t at = shape.find("KEY");
      if (at != std::string::npos) shape.replace(at, 3, key_);
      client.Get(shape);
    }
    RawConnection raw(server_->port());
    raw.Send("GET /api/links/getBacklinks/" + key_ +
             "/x.com HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n");
    raw.ReadUntilClose(2s);
  }
  server_->Stop();
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ::testing::HasSubstr("REDACTED"));
  EXPECT_THAT(log, ::testing::HasSubstr("/api/links/getBacklinks/REDACTED/example.com"));
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
  EXPECT_EQ(log.find(secret.substr(0, secret.size() / 2)), std::string::npos) << log;
  EXPECT_EQ(log.find(secret.substr(secret.size() / 2 + 1)), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos) << log;
}

// Storage errors (issue 18.6). Rows inside example.com's scopes, in
// multi-block table files with garbage in their middle: reading them fails
// its block checksum. Each request answers an internal error; the log
// records the status once (not once per request), the domain dialect's
// access line says its code, and /metrics counts every one.
TEST_F(HardeningTest, StorageErrorsAreLoggedCountedAndShown) {
  std::mt19937 rng(7);
  const std::string strength =
      storage::StrengthScopeRange(storage::ScopeKind::kDomain, core::HostKey("example.com")).begin;
  const std::string links = core::HostKey("example.com");
  for (int round = 0; round < 4; ++round) {
    storage::Batch b(*db_);
    for (int i = 0; i < 500; ++i) {
      std::string value(200, '\0');
      for (char& c : value) c = static_cast<char>(rng());
      const std::string suffix = absl::StrFormat("%c%06d", 0x7e, round * 1000 + i);
      b.Put(storage::Family::kStrength, strength + suffix, value);
      b.Put(storage::Family::kLinks, links + suffix, value);
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  int corrupted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    const auto size = entry.file_size();
    if (entry.path().extension() != ".sst" || size < 16384) continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2 - 1024));
    const std::string garbage(2048, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    ++corrupted;
  }
  ASSERT_GE(corrupted, 2);
  db_ = storage::Db::Open(dir_.path()).value();

  ServerOptions o;
  o.access_log = true;
  core::SetLogLevel(core::LogLevel::kInfo);
  StartServer(o);
  ::testing::internal::CaptureStderr();
  testing::HttpClient client(server_->port());
  const std::string domain = "/api/links/getBacklinks/" + key_ + "/example.com/json/100";
  const std::string native = "/v1/backlinks?target=example.com&sort=key&limit=1000&key=" + key_;
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(client.Get(domain).body, ::testing::HasSubstr("\"apiErrorCode\":1,"));
    EXPECT_EQ(client.Get(native).status, 500);
  }
  const std::string metrics = client.Get("/metrics").body;
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(metrics, ::testing::HasSubstr("inlinks_http_internal_errors_total 6\n"));
  // One line per distinct status, however many requests met it.
  size_t lines = 0;
  for (size_t at = 0; (at = log.find("internal error answering", at)) != std::string::npos; ++at) {
    ++lines;
  }
  EXPECT_GE(lines, 1u) << log;
  EXPECT_LE(lines, 2u) << log;
  EXPECT_THAT(log, ::testing::HasSubstr("DATA_LOSS"));  // a checksum or a malformed record
  EXPECT_THAT(log, ::testing::HasSubstr(" 200 code 1 "));  // the domain dialect's access line
  EXPECT_EQ(log.find(key_.substr(key_.find('.') + 1)), std::string::npos);
  EXPECT_EQ(client.Get("/healthz").status, 200);  // reads failed; writes still work
}

// /healthz says when the database cannot write: here, opened read-only
// (as `inlinksd serve` does on a full disk).
TEST_F(HardeningTest, HealthzReportsADatabaseThatCannotWrite) {
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  storage::DbOptions read_only;
  read_only.read_only = true;
  db_ = storage::Db::Open(dir_.path(), read_only).value();
  ServerOptions o;
  o.port = 0;
  server_ = std::make_unique<Server>(*db_, o);
  ASSERT_TRUE(server_->Start().ok());
  testing::HttpClient client(server_->port());
  testing::HttpResult r = client.Get("/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "database cannot write: opened read-only\n");
}

// Slow readers (issue 18: 300 of them pipelining limit=1000 grew RSS from
// 102 to 332 MB). The response bytes being sent are bounded by
// max_response_bytes_in_flight: past it a request waits (up to
// write_timeout, then 503). Here a client that does not read holds a ~16 MB
// response: another request is answered only once that write has timed
// out and freed the room, not at once.
TEST_F(HardeningTest, SlowReadersCannotPileUpResponses) {
  {
    auto indexer = indexer::Indexer::Create(*db_).value();
    const std::string anchor(16 << 10, 'x');
    for (int i = 0; i < 1000; ++i) {
      core::Page p = testing::MakePage(absl::StrFormat("http://slow%d.test/", i),
                                       {testing::MakeLink("http://big.test/", anchor)}, "t");
      ASSERT_TRUE(indexer->Index(p, testing::FetchedAt(1700000000)).ok());
    }
  }
  ServerOptions o;
  o.max_response_bytes_in_flight = 1 << 20;
  o.write_timeout = 1500ms;
  StartServer(o);
  const std::string big = "GET /v1/backlinks?target=big.test&limit=1000&key=" + key_ +
                          " HTTP/1.1\r\nHost: x\r\n\r\n";
  RawConnection slow(server_->port(), nullptr, 4096);
  ASSERT_TRUE(slow.Send(big));  // and never read
  // Until the slow response is being sent.
  bool sending = false;
  for (int i = 0; i < 500 && !sending; ++i) {
    std::this_thread::sleep_for(10ms);
    sending = server_->MetricsText().find("inlinks_http_response_bytes_in_flight 0\n") ==
              std::string::npos;
  }
  ASSERT_TRUE(sending);
  std::this_thread::sleep_for(300ms);
  // /healthz is answered at once whatever slow readers hold.
  RawConnection health(server_->port());
  health.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(RawStatus(health.ReadUntil("ok\n", 1s)), 200);
  RawConnection waiting(server_->port());
  const auto start = std::chrono::steady_clock::now();
  waiting.Send("GET /v1/counts?target=example.com&key=" + key_ + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(RawStatus(waiting.ReadUntil("}", 5s)), 200);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 400ms) << "answered while 16 MB were pending for a client that does not read";
  bool closed = false;
  slow.ReadUntilClose(10s, &closed);
  EXPECT_TRUE(closed) << "the slow write did not time out";
}

TEST_F(HardeningTest, GracefulStopFinishesInFlightRequest) {
  StartServer();
  // An idle keep-alive connection and one with a request half sent (its
  // header complete, its body not yet).
  RawConnection idle(server_->port());
  idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(RawStatus(idle.ReadUntil("ok\n", 3s)), 200);
  auto [id, secret] = SplitKeyString(key_).value();
  std::string body = "grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret;
  RawConnection busy(server_->port());
  busy.Send(
      "POST /v3/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
  std::this_thread::sleep_for(100ms);
  std::thread stopper([&] { server_->Stop(); });
  std::this_thread::sleep_for(200ms);
  // New connections are refused once Stop began.
  RawConnection late(server_->port());
  if (late.connected()) {
    late.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(RawStatus(late.ReadUntilClose(1s)), 0);
  }
  // The idle connection was closed.
  bool idle_closed = false;
  idle.ReadUntilClose(2s, &idle_closed);
  EXPECT_TRUE(idle_closed);
  // The in-flight request completes, with Connection: close.
  busy.Send(body.substr(10));
  bool closed = false;
  std::string r = busy.ReadUntilClose(3s, &closed);
  EXPECT_EQ(RawStatus(r), 200) << r;
  EXPECT_THAT(r, ::testing::HasSubstr("access_token"));
  EXPECT_THAT(r, ::testing::HasSubstr("Connection: close"));
  EXPECT_TRUE(closed);
  stopper.join();
}

}  // namespace
}  // namespace inlinks::query
