// inlinksd's configuration: flags, a TOML file, flags overriding the file,
// and a clear error naming the option for every kind of bad input; and
// --geoip end to end through the built daemon (INLINKS_INLINKSD).
#include "tools/daemon_config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/db.h"
#include "tests/query/geo_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/ports.h"
#include "tests/testing/temp_dir.h"
#include "tests/crawl/daemon_testing.h"

namespace inlinks::tools {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::inlinks::testing::LoopbackHttp;
using ::inlinks::testing::Daemon;
using ::inlinks::testing::ReadText;
using ::inlinks::testing::StartDaemon;
using ::inlinks::testing::StatusIs;
using ::inlinks::testing::WaitExit;
using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / (name + std::to_string(getpid()) + ".toml");
  std::ofstream(p) << text;
  return p.string();
}

TEST(DaemonConfig, FlagsSetCrawlerOptions) {
  absl::StatusOr<DaemonConfig> c = ParseDaemonConfig(
      {"crawl", "--db", "data", "--seeds", "seeds.txt", "--serve=127.0.0.1:9000", "--once",
       "--concurrency", "128", "--delay-ms=250", "--per-ip", "2", "--scope", "domains",
       "--max-depth", "3", "--resolve", "*:127.0.0.1", "--allow-net", "127.0.0.0/8",
       "--allow-net", "::1", "--insecure", "--user-agent", "inlinks-test/1",
       "--follow-nofollow=false", "--max-body", "1048576"});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->command, "crawl");
  EXPECT_EQ(c->db, "data");
  EXPECT_EQ(c->seeds_file, "seeds.txt");
  EXPECT_EQ(c->serve, "127.0.0.1:9000");
  EXPECT_TRUE(c->crawl.once);
  // --once keeps the interval: pages it finds due when it starts are
  // fetched again (issue 20).
  EXPECT_EQ(c->crawl.frontier.recrawl_interval_ms, 7LL * 86400 * 1000);
  EXPECT_EQ(c->crawl.concurrency, 128);
  EXPECT_EQ(c->crawl.host_delay_ms, 250);
  EXPECT_EQ(c->crawl.max_connections_per_ip, 2u);
  EXPECT_EQ(c->crawl.frontier.scope, crawler::CrawlScope::kSeedDomains);
  EXPECT_EQ(c->crawl.frontier.max_depth, 3u);
  ASSERT_EQ(c->crawl.fetch.resolve.size(), 1u);
  EXPECT_EQ(c->crawl.fetch.resolve[0].host, "*");
  EXPECT_FALSE(c->crawl.fetch.verify_tls);
  EXPECT_EQ(c->crawl.fetch.user_agent, "inlinks-test/1");
  EXPECT_FALSE(c->crawl.follow_nofollow);
  EXPECT_EQ(c->crawl.fetch.max_body_bytes, 1048576u);
  std::optional<crawler::IpAddress> loop = crawler::IpAddress::Parse("127.0.0.1");
  std::optional<crawler::IpAddress> v6 = crawler::IpAddress::Parse("::1");
  std::optional<crawler::IpAddress> priv = crawler::IpAddress::Parse("10.0.0.1");
  EXPECT_TRUE(c->crawl.fetch.guard.Allowed(*loop));
  EXPECT_TRUE(c->crawl.fetch.guard.Allowed(*v6));
  EXPECT_FALSE(c->crawl.fetch.guard.Allowed(*priv));
}

TEST(DaemonConfig, DefaultsArePolite) {
  absl::StatusOr<DaemonConfig> c = ParseDaemonConfig({"crawl", "--db", "d", "--seed", "a.com"});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->crawl.host_delay_ms, 1000);
  EXPECT_EQ(c->crawl.max_connections_per_ip, 8u);
  EXPECT_TRUE(c->crawl.fetch.verify_tls);
  EXPECT_EQ(c->crawl.frontier.recrawl_interval_ms, 7LL * 86400 * 1000);
  EXPECT_THAT(c->crawl.fetch.user_agent, HasSubstr("inlinks"));
  EXPECT_FALSE(c->crawl.fetch.guard.Allowed(*crawler::IpAddress::Parse("127.0.0.1")));
  EXPECT_EQ(c->refresh_interval_ms, 1000);
}

TEST(DaemonConfig, RefreshIntervalIsADuration) {
  const std::pair<const char*, int64_t> cases[] = {
      {"500ms", 500}, {"2s", 2000}, {"1.5s", 1500}, {"1m", 60000}, {"3", 3000}};
  for (const auto& [text, ms] : cases) {
    absl::StatusOr<DaemonConfig> c =
        ParseDaemonConfig({"crawl", "--db", "d", "--seed", "a.com", "--refresh-interval", text});
    ASSERT_THAT(c, IsOk()) << text;
    EXPECT_EQ(c->refresh_interval_ms, ms) << text;
  }
}

TEST(DaemonConfig, TomlFileWithFlagsOverriding) {
  std::string path = WriteFile("cfg_ok", R"(
db = "from-file"
concurrency = 32
delay-ms = 500
once = true
allow-net = ["127.0.0.0/8"]
resolve = ["a.test:127.0.0.1", "b.test:8080:127.0.0.2"]
scope = "hosts"
)");
  absl::StatusOr<DaemonConfig> c =
      ParseDaemonConfig({"crawl", "--concurrency", "8", "--config", path, "--seed", "a.test"});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->db, "from-file");
  EXPECT_EQ(c->crawl.concurrency, 8);  // the flag wins, wherever --config is
  EXPECT_EQ(c->crawl.host_delay_ms, 500);
  EXPECT_TRUE(c->crawl.once);
  EXPECT_EQ(c->crawl.fetch.resolve.size(), 2u);
  EXPECT_EQ(c->crawl.frontier.scope, crawler::CrawlScope::kSeedHosts);
  EXPECT_TRUE(c->crawl.fetch.guard.Allowed(*crawler::IpAddress::Parse("127.0.0.1")));
  fs::remove(path);
}

TEST(DaemonConfig, BadInputNamesTheOption) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::string bad_toml = WriteFile("cfg_bad", "concurrency = [1, 2\n");
  std::string unknown_key = WriteFile("cfg_unknown", "colour = \"blue\"\n");
  std::string wrong_type = WriteFile("cfg_type", "concurrency = \"many\"\n");
  const Case cases[] = {
      {{}, "missing command"},
      {{"fly"}, "unknown command 'fly'"},
      {{"crawl", "--seed", "a.com"}, "--db DIR is required"},
      {{"crawl", "--db", "d", "--bogus"}, "unknown option '--bogus'"},
      {{"crawl", "--db", "d", "--concurrency"}, "--concurrency needs a value"},
      {{"crawl", "--db", "d", "--concurrency", "0"}, "--concurrency: '0'"},
      {{"crawl", "--db", "d", "--concurrency", "12x"}, "--concurrency: '12x'"},
      {{"crawl", "--db", "d", "--delay-ms", "-5"}, "--delay-ms"},
      {{"crawl", "--db", "d", "--once=maybe"}, "--once: 'maybe' is not a boolean"},
      {{"crawl", "--db", "d", "--scope", "planet"}, "--scope: 'planet'"},
      {{"crawl", "--db", "d", "--refresh-interval", "0"}, "--refresh-interval: '0'"},
      {{"crawl", "--db", "d", "--refresh-interval", "soon"}, "--refresh-interval: 'soon'"},
      {{"crawl", "--db", "d", "--refresh-interval", "2h"}, "--refresh-interval: '2h'"},
      {{"crawl", "--db", "d", "--allow-net", "300.0.0.0/8"}, "--allow-net"},
      {{"crawl", "--db", "d", "--resolve", "nohost"}, "--resolve 'nohost'"},
      {{"crawl", "--db", "d", "stray"}, "unexpected argument 'stray'"},
      {{"crawl", "--config", bad_toml}, bad_toml},
      {{"crawl", "--config", unknown_key}, "unknown option 'colour'"},
      {{"crawl", "--config", wrong_type}, "--concurrency: 'many'"},
      {{"crawl", "--config", "/nonexistent/inlinks.toml"}, "/nonexistent/inlinks.toml"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<DaemonConfig> r = ParseDaemonConfig(c.args);
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << c.message;
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.message));
    }
  }
  fs::remove(bad_toml);
  fs::remove(unknown_key);
  fs::remove(wrong_type);
}

TEST(DaemonConfig, HelpListsEveryOption) {
  absl::StatusOr<DaemonConfig> c = ParseDaemonConfig({"crawl", "--help"});
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->help);
  std::string usage = DaemonUsage();
  for (const char* flag : {"--db", "--seeds", "--serve", "--once", "--delay-ms", "--per-ip",
                           "--resolve", "--allow-net", "--config", "--recrawl-interval"}) {
    EXPECT_THAT(usage, HasSubstr(flag));
  }
}

TEST(DaemonConfig, GeoipFromFlagOrToml) {
  absl::StatusOr<DaemonConfig> c =
      ParseDaemonConfig({"serve", "--db", "d", "--geoip", "/data/GeoLite2-City.mmdb"});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->geoip, "/data/GeoLite2-City.mmdb");
  std::string path = WriteFile("cfg_geoip", "geoip = \"/data/dbip-country-lite.mmdb\"\n");
  c = ParseDaemonConfig({"serve", "--db", "d", "--config", path});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->geoip, "/data/dbip-country-lite.mmdb");
  EXPECT_THAT(DaemonUsage(), HasSubstr("--geoip FILE"));
  fs::remove(path);
}

// ---- inlinksd --geoip ----

// A seed file that cannot be read stops the crawl before the database is
// created (issue 18: it left a new database folder behind).
TEST(DaemonInputs, MissingSeedFileCreatesNothing) {
  ::inlinks::testing::TempDir dir("inlinksd_seeds_missing");
  fs::create_directories(dir.path());
  Daemon d = StartDaemon({"crawl", "--db", dir.Sub("db"), "--seeds", dir.Sub("nope.txt"),
                          "--once"},
                         dir.Sub("stderr.txt"));
  EXPECT_EQ(WaitExit(d.pid), 2);
  EXPECT_THAT(ReadText(d.log), HasSubstr("cannot read seed file"));
  EXPECT_FALSE(fs::exists(dir.Sub("db")));
}

// A bad --geoip stops inlinksd at startup with a message naming the option.
TEST(DaemonGeoip, BadFileFailsAtStartup) {
  ::inlinks::testing::TempDir dir("inlinksd_geoip_bad");
  fs::create_directories(dir.path());
  std::string garbage = dir.Sub("garbage.mmdb");
  std::ofstream(garbage) << "not a database";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"serve", "--db", dir.Sub("db"), "--geoip", dir.Sub("missing.mmdb")},
           {"serve", "--db", dir.Sub("db"), "--geoip", garbage},
           {"crawl", "--db", dir.Sub("db"), "--seed", "a.test", "--serve", "127.0.0.1:0",
            "--geoip", garbage},
       }) {
    Daemon d = StartDaemon(args, dir.Sub("stderr.txt"));
    ASSERT_GT(d.pid, 0);
    EXPECT_EQ(WaitExit(d.pid), 2) << args.back();
    std::string err = ReadText(d.log);
    EXPECT_THAT(err, HasSubstr("--geoip")) << err;
    EXPECT_THAT(err, HasSubstr(args.back())) << err;
  }
  EXPECT_FALSE(fs::exists(dir.Sub("db")));  // failed before opening the index
}

// `inlinksd serve --geoip` answers rows located from the source page's ip.
TEST(DaemonGeoip, ServeLocatesRows) {
  const query::testing::GeoTestDbs& dbs = query::testing::TestGeoDbs();
  ASSERT_TRUE(dbs.error.empty()) << dbs.error;
  ::inlinks::testing::TempDir dir("inlinksd_geoip");
  fs::create_directories(dir.path());
  const std::string db_dir = dir.Sub("db");
  {
    std::unique_ptr<storage::Db> db = storage::Db::Open(db_dir).value();
    std::unique_ptr<indexer::Indexer> idx = indexer::Indexer::Create(*db).value();
    core::Page page;
    page.url = core::ParseUrl("http://berlin.example.org/").value().href();
    core::Link link;
    link.target = core::ParseUrl("https://geo.test/a").value().href();
    link.position = 1;
    page.links = {link};
    page.total_links = page.external_links = 1;
    core::FetchFacts facts;
    facts.http_status = 200;
    facts.fetch_time_unix = 1000;
    facts.ip = "127.0.0.1";
    ASSERT_THAT(idx->Index(page, facts), IsOk());
  }
  Daemon d = StartDaemon({"serve", "--db", db_dir, "--listen", "127.0.0.1:0", "--geoip",
                          dbs.city, "--log-level", "warning"},
                         dir.Sub("stderr.txt"));
  ASSERT_GT(d.pid, 0);
  uint16_t port = 0;
  std::string key, err;
  for (int i = 0; i < 400 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    err = ReadText(d.log);
    if (auto api = testing::FindServingApi(err)) {
      port = api->port;
      key = api->key;
    }
  }
  std::string response;
  if (port != 0) response = LoopbackHttp(port, "GET", "/v1/backlinks?target=geo.test&key=" + key);
  kill(d.pid, SIGTERM);
  EXPECT_EQ(WaitExit(d.pid), 0);
  ASSERT_NE(port, 0) << err;
  // The secret is in the owner-only key file, never in the log.
  ASSERT_EQ(key.size(), std::string_view("default.").size() + 32) << key;
  EXPECT_EQ(err.find(key.substr(key.find('.') + 1)), std::string::npos) << err;
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("\"ip\":\"127.0.0.1\""));
  EXPECT_THAT(response, HasSubstr("\"ccode\":\"DE\",\"country\":\"Germany\",\"city\":\"Berlin\""));
}

}  // namespace
}  // namespace inlinks::tools
