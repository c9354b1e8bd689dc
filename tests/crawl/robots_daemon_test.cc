// inlinksd against robots.txt files that misbehave (issue 18):
// - larger than the fetch cap: RFC 9309 section 2.5 asks a crawler to parse
//   at least the first 500 KiB. A 10 MB file used to fail the fetch
//   (body_too_large) and leave the host uncrawled; now its first 512 KiB are
//   parsed, their rules apply, and the summary counts it;
// - answering 500: `--once` used to sit idle for the ten-minute retry
//   without a word; now it logs the answer, gives the host up after its
//   retries (2 s apart) and says so in the summary.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/testweb/server.h"
#include "tests/crawl/daemon_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::testing::HasSubstr;

TEST(RobotsSize, TenMegabyteRobotsTxtIsParsedInPart) {
  testing::TempDir dir("robots_size_test");
  const fs::path site = fs::path(dir.path()) / "site";
  fs::create_directories(site);
  std::ofstream(site / "index.html") << "<a href=/a.html>a</a> <a href=/private/b.html>b</a>";
  std::ofstream(site / "a.html") << "<title>a</title>";
  fs::create_directories(site / "private");
  std::ofstream(site / "private" / "b.html") << "<title>b</title>";
  {
    // The rules first, then 10 MB of comments, then a rule past the cap
    // that must not apply.
    std::ofstream robots(site / "robots.txt");
    robots << "User-agent: *\nDisallow: /private/\n";
    const std::string comment = "# " + std::string(98, 'x') + "\n";
    for (int i = 0; i < 100'000; ++i) robots << comment;
    robots << "Disallow: /a.html\n";
  }
  ASSERT_GT(fs::file_size(site / "robots.txt"), 10'000'000u);
  testweb::ServerOptions so;
  so.static_sites.push_back({"site.test", site.string()});
  so.hostile_hosts = false;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());

  testing::Daemon d = testing::StartDaemon(
      {"crawl", "--db", dir.Sub("db"), "--seed", (*server)->Origin("site.test") + "/", "--once",
       "--delay-ms", "0", "--resolve", "*:127.0.0.1", "--allow-net", "127.0.0.0/8", "--scope",
       "hosts", "--progress", "no"},
      dir.Sub("log.txt"));
  ASSERT_EQ(testing::WaitExit(d.pid, std::chrono::seconds(60)), 0) << testing::ReadText(d.log);
  const std::string log = testing::ReadText(d.log);
  // index.html and a.html; /private/ is disallowed by the part that was read.
  EXPECT_THAT(log, HasSubstr("2 pages indexed")) << log;
  EXPECT_THAT(log, HasSubstr("robots-skipped 1 (1 robots.txt over 512 KiB read in part)"));
  EXPECT_THAT(log, HasSubstr("is larger than 524288 bytes"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("body_too_large")));
}

TEST(RobotsUnavailable, OnceGivesUpTheHostAndSaysWhy) {
  testing::TempDir dir("robots_500_test");
  fs::create_directories(dir.path());
  testweb::ServerOptions so;  // hostile hosts on: robots-500.hostile.test
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const std::string host = testweb::HostileHostName(testweb::Hostile::kRobots500);
  const auto start = std::chrono::steady_clock::now();
  testing::Daemon d = testing::StartDaemon(
      {"crawl", "--db", dir.Sub("db"), "--seed", (*server)->Origin(host) + "/page", "--once",
       "--delay-ms", "0", "--resolve", "*:127.0.0.1", "--allow-net", "127.0.0.0/8",
       "--progress", "no"},
      dir.Sub("log.txt"));
  // The default --robots-retry-ms is ten minutes: the run must not wait it.
  ASSERT_EQ(testing::WaitExit(d.pid, std::chrono::seconds(60)), 0) << testing::ReadText(d.log);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  const std::string log = testing::ReadText(d.log);
  EXPECT_THAT(log, HasSubstr("/robots.txt answered 500 (1 time)"));
  EXPECT_THAT(log, HasSubstr("/robots.txt answered 500 (3 times)"));
  EXPECT_THAT(log, HasSubstr("giving up on " + host));
  EXPECT_THAT(log, HasSubstr("(1 host given up: robots.txt unavailable)"));
  EXPECT_THAT(log, HasSubstr("0 pages indexed"));
}

}  // namespace
}  // namespace inlinks
