// inlinksd's configuration: flags, a TOML file, flags overriding the file,
// and a clear error naming the option for every kind of bad input.
#include "tools/daemon_config.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::tools {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
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
  EXPECT_EQ(c->crawl.frontier.recrawl_interval_ms, 0);  // --once: no re-crawls
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

}  // namespace
}  // namespace inlinks::tools
