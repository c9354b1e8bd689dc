// File: tests/server/server_testing.h
//
// Owns: what the server tests share: a database built by the real indexer
// from pages whose backlinks the tests know, a running Server on port 0 with
// keys, a small blocking HTTP/1.1 client (Beast) and a raw-socket client for
// malformed requests.
//
// Thread safety: test-only; a client is used by one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/query/keys.h"
#include "inlinks/query/server.h"
#include "inlinks/storage/db.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::query::testing {

using ::inlinks::testing::TempDir;

inline core::Link MakeLink(std::string target, std::string anchor = "",
                           core::LinkTag tag = core::LinkTag::kA, uint8_t rel = 0) {
  core::Link l;
  l.target = core::ParseUrl(target).value().href();
  l.anchor = std::move(anchor);
  l.tag = tag;
  l.rel = rel;
  return l;
}

// A page with `links`; `internal` of them count as internal.
inline core::Page MakePage(std::string url, std::vector<core::Link> links, std::string title,
                           uint32_t internal = 0) {
  core::Page p;
  p.url = core::ParseUrl(url).value().href();
  p.title = std::move(title);
  for (size_t i = 0; i < links.size(); ++i) links[i].position = static_cast<uint32_t>(i + 1);
  p.links = std::move(links);
  p.total_links = static_cast<uint32_t>(p.links.size());
  p.internal_links = internal;
  p.external_links = p.total_links - internal;
  return p;
}

inline core::FetchFacts FetchedAt(int64_t t, std::string ip = "192.0.2.7") {
  core::FetchFacts f;
  f.http_status = 200;
  f.fetch_time_unix = t;
  f.ip = std::move(ip);
  return f;
}

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool ok = false;  // a complete response was read
};

// A blocking keep-alive HTTP/1.1 client on 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One request on the connection (reconnects when the server closed it).
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& body = "");
  HttpResult Get(const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return Request("GET", target, headers);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A raw TCP connection for hand-written bytes.
class RawConnection {
 public:
  // Connects to 127.0.0.1:`port`, from `source` (an IPv4 loopback address)
  // when given, with a `receive_buffer` of that many bytes when > 0 (no
  // autotuning: a client that does not read soon blocks the server).
  explicit RawConnection(uint16_t port, const char* source = nullptr, int receive_buffer = 0);
  ~RawConnection();
  bool connected() const { return fd_ >= 0; }
  // Sends all bytes; false on error (e.g. the server closed).
  bool Send(std::string_view bytes);
  // Reads until the peer closes or `timeout` passes without data; returns
  // what arrived. `closed` tells whether the peer closed (EOF or reset).
  std::string ReadUntilClose(std::chrono::milliseconds timeout, bool* closed = nullptr);
  // Reads until `needle` appears (or close/timeout).
  std::string ReadUntil(std::string_view needle, std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// One backlink the test index holds.
struct KnownLink {
  std::string source;  // normalized href
  std::string target;  // normalized href
  std::string anchor;
};

// Indexes the test web into `db` with the real indexer and returns its links.
//   http://a.org/1 "A One": https://www.example.com/ "Home",
//       http://blog.example.com/post "Blog Post" (nofollow), https://other.net/ "Other"
//   https://b.org/page (a hostile title): http://example.com/page.html
//       "F\u00fcnf deutsche \u2026", http://example.com/ (aimg, alt "logo"),
//       https://b.org/other (internal)
//   http://c00.net/ .. http://c29.net/ "C NN": http://www.example.com/pNN "pNN"
// Scopes: example.com 34 links, www.example.com 31, blog.example.com 1,
// example.com/page.html 1, other.net 1.
std::vector<KnownLink> BuildTestIndex(storage::Db& db);
inline constexpr char kHostileTitle[] = "B <Page> & \"F\xC3\xBCnf\" \x01\x02 ]]> '\xE2\x80\xA8";

// The first line's status code of a raw response; 0 when none.
int RawStatus(std::string_view response);

}  // namespace inlinks::query::testing
