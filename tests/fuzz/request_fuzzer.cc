// Fuzz target for the HTTP API's request handling (query/src/server): the
// strict header scanner, target/parameter parsing, redaction, and the router
// of all three dialects over a small real index with a known key.
//
// Input: "METHOD\nTARGET\nAUTHORIZATION\nBODY..." (missing parts are empty);
// the whole input is also fed to the header scanner as raw header bytes.
// Checks, beyond not crashing: every JSON response parses (Boost.JSON), a
// redacted target never contains the key's secret, and a response always has
// a status in 100..599.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/keys.h"
#include "server/header_scan.h"
#include "server/metrics.h"
#include "server/params.h"
#include "server/router.h"

namespace {

using namespace inlinks;

struct World {
  std::string dir;
  std::unique_ptr<storage::Db> db;
  std::unique_ptr<query::QueryEngine> engine;
  std::unique_ptr<query::KeyStore> keys;
  query::server::Metrics metrics;
  std::unique_ptr<query::server::Router> router;
  std::string secret;

  World() {
    dir = (std::filesystem::temp_directory_path() /
           ("inlinks_request_fuzzer_" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(dir);
    storage::DbOptions options;  // small: no 64 MiB WAL preallocation
    options.write_buffer_bytes = 1 << 20;
    options.memtable_budget_bytes = 8 << 20;
    options.block_cache_bytes = 1 << 20;
    db = storage::Db::Open(dir, options).value();
    auto indexer = indexer::Indexer::Create(*db).value();
    auto link = [](const char* target, const char* anchor) {
      core::Link l;
      l.target = core::ParseUrl(target).value().href();
      l.anchor = anchor;
      return l;
    };
    for (int i = 0; i < 5; ++i) {
      core::Page p;
      p.url = core::ParseUrl("http://s" + std::to_string(i) + ".org/").value().href();
      p.title = "t\x01<&>\xC3\xBC\xFF";
      p.links = {link("http://example.com/", "a\"\\\x02"), link("http://www.example.com/x", "b")};
      p.links[0].position = 1;
      p.links[1].position = 2;
      p.total_links = p.external_links = 2;
      core::FetchFacts f;
      f.http_status = 200;
      f.fetch_time_unix = 1700000000;
      (void)indexer->Index(p, f);
    }
    engine = std::make_unique<query::QueryEngine>(*db);
    keys = std::make_unique<query::KeyStore>(*db);
    auto k = keys->Add({.id = "fuzz", .credits = int64_t{1} << 60}).value();
    secret = k.secret;
    router = std::make_unique<query::server::Router>(*engine, *keys, metrics);
  }
  ~World() {
    router.reset();
    keys.reset();
    engine.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

World& TheWorld() {
  static World world;  // its destructor removes the database at exit
  return world;
}

[[noreturn]] void Fail(const char* why, std::string_view detail) {
  std::fprintf(stderr, "request_fuzzer: %s: %.*s\n", why, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::string_view NextLine(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  World& w = TheWorld();

  query::server::HeaderScanner scanner(512, 4096);
  if (scanner.Scan(in) == query::server::HeaderScan::kComplete) {
    if (scanner.begin() > scanner.end() || scanner.end() > in.size()) Fail("scanner range", in);
  }

  std::string_view rest = in;
  std::string method(NextLine(rest));
  std::string target(NextLine(rest));
  std::string authorization(NextLine(rest));
  // "KEY" in the input stands for the fuzz key, so the fuzzer reaches the
  // authenticated paths.
  auto expand = [&](std::string s) {
    for (size_t p; (p = s.find("KEY")) != std::string::npos;) {
      s.replace(p, 3, "fuzz." + w.secret);
    }
    return s;
  };
  target = expand(target);
  authorization = expand(authorization);

  std::string redacted = query::server::RedactTarget(target);
  // When the secret occurs once in the target, in a canonical key carrier,
  // the redacted target must not hold it.
  std::string full_key = "fuzz." + w.secret;
  size_t at = target.find(full_key);
  if (at != std::string::npos && target.find(w.secret, at + full_key.size()) == std::string::npos) {
    std::string_view before = std::string_view(target).substr(0, at);
    size_t q = target.find('?');
    bool in_query = q != std::string::npos && q < at;
    std::string_view qs = in_query ? before.substr(q + 1) : std::string_view();
    bool carrier =
        in_query ? (qs == "key=" || qs.ends_with("&key=") || qs == "access_token=" ||
                    qs.ends_with("&access_token="))
                 : (before == "/api/links/getBacklinks/" || before == "/links/getBacklinks/");
    if (carrier && redacted.find(w.secret) != std::string::npos) Fail("secret in log", redacted);
  }

  query::server::HttpRequest req;
  req.method = method;
  req.target = target;
  req.authorization = authorization;
  req.content_type = "application/x-www-form-urlencoded";
  req.body = rest;
  query::server::HttpResponse r = w.router->Handle(req);
  if (r.status < 100 || r.status > 599) Fail("status", r.body);
  if (r.content_type.find("json") != std::string::npos) {
    boost::system::error_code ec;
    boost::json::parse(r.body, ec);
    if (ec) Fail("response is not JSON", r.body);
  }
  query::server::HttpResponse e = query::server::Router::ProtocolError(target, 400, "x");
  boost::system::error_code ec;
  boost::json::parse(e.body, ec);
  if (ec) Fail("protocol error is not JSON", e.body);
  return 0;
}
