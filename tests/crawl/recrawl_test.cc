// Re-crawls across runs (issue 20): a page is due when its last fetch is
// older than the re-crawl interval in force now, whatever mode fetched it. A
// database crawled with `inlinksd crawl --once` is crawled again by a later
// `--once` run with a short interval: the page's changed links show up as
// lost and new.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/storage/db.h"
#include "inlinks/testweb/server.h"
#include "tests/crawl/daemon_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;

void WritePage(const fs::path& file, const std::string& links) {
  std::ofstream(file) << "<!doctype html><title>t</title>" << links;
}

// The source href, target URL (as linked) and lost flag of every row of
// `target`'s backlinks, live and lost.
std::vector<std::string> Rows(const std::string& db_dir, const std::string& target) {
  storage::DbOptions o;
  o.read_only = true;
  absl::StatusOr<std::unique_ptr<storage::Db>> db = storage::Db::Open(db_dir, o);
  EXPECT_THAT(db, IsOk());
  if (!db.ok()) return {};
  query::QueryEngine engine(**db);
  absl::StatusOr<query::Scope> scope = query::ResolveScope(target);
  EXPECT_THAT(scope, IsOk());
  if (!scope.ok()) return {};
  query::BacklinkFilter all;
  all.state = query::LinkState::kAll;
  absl::StatusOr<query::BacklinkPage> page = engine.Backlinks(*scope, all, 0, 100);
  EXPECT_THAT(page, IsOk());
  std::vector<std::string> rows;
  if (!page.ok()) return rows;
  for (const query::BacklinkRow& r : page->rows) {
    rows.push_back(r.source_url + " -> " + r.target_url + (r.lost ? " (lost)" : ""));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(Recrawl, OnceDatabaseIsCrawledAgainWhenDue) {
  testing::TempDir dir("recrawl_test");
  const fs::path site = fs::path(dir.path()) / "site";
  fs::create_directories(site);
  WritePage(site / "index.html", "<a href=/a.html>a</a>");
  WritePage(site / "a.html", "<a href=http://other.test/x>x</a>");
  testweb::ServerOptions so;
  so.static_sites.push_back({"site.test", site.string()});
  so.hostile_hosts = false;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const std::string origin = (*server)->Origin("site.test");
  const std::string db = dir.Sub("db");
  auto crawl = [&](const std::vector<std::string>& extra, const std::string& log) {
    std::vector<std::string> args = {"crawl", "--db", db, "--seed", origin + "/", "--once",
                                     "--delay-ms", "0", "--resolve", "*:127.0.0.1",
                                     "--allow-net", "127.0.0.0/8", "--scope", "hosts",
                                     "--progress", "no"};
    args.insert(args.end(), extra.begin(), extra.end());
    testing::Daemon d = testing::StartDaemon(args, dir.Sub(log));
    EXPECT_EQ(testing::WaitExit(d.pid, std::chrono::seconds(60)), 0) << testing::ReadText(d.log);
    return testing::ReadText(d.log);
  };

  crawl({}, "first.txt");
  EXPECT_THAT(Rows(db, "other.test"),
              ::testing::ElementsAre(origin + "/a.html -> http://other.test/x"));

  // The page changes; a --once run whose interval has passed fetches it
  // again (before the fix it fetched nothing: `0 fetches`).
  WritePage(site / "a.html", "<a href=http://other.test/y>y</a>");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const std::string second = crawl({"--recrawl-interval", "1"}, "second.txt");
  EXPECT_THAT(second, ::testing::HasSubstr("2 pages indexed"));
  EXPECT_THAT(Rows(db, "other.test"),
              ::testing::ElementsAre(origin + "/a.html -> http://other.test/x (lost)",
                                     origin + "/a.html -> http://other.test/y"));

  // Within the interval nothing is due: a third run fetches nothing.
  const std::string third = crawl({"--recrawl-interval", "3600"}, "third.txt");
  EXPECT_THAT(third, ::testing::HasSubstr("0 pages indexed"));
}

}  // namespace
}  // namespace inlinks
