// A full disk (issue 18): `inlinksd crawl` into a small tmpfs stops with a
// clear error and exit code 1 (it aborted inside RocksDB, which wrote its info
// LOG to the full disk); a restart on the full disk says the same;
// `inlinksd serve` answers read-only from it; and nothing the crawl reported
// indexed is lost: a copy on a disk with room publishes every page and passes
// the index check. Needs a tmpfs mount (root or CAP_SYS_ADMIN): skipped with
// a message where the test cannot mount one.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/db.h"
#include "inlinks/testweb/server.h"
#include "tests/crawl/daemon_testing.h"
#include "tests/testing/ports.h"
#include "tests/testing/status_matchers.h"

namespace inlinks {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadAll(const fs::path& file) { return testing::ReadText(file.string()); }

// Runs inlinksd with `args` to its end: its exit code (128 + signal).
int RunDaemon(const std::vector<std::string>& args, const fs::path& log) {
  return testing::WaitExit(testing::StartDaemon(args, log.string()).pid, std::chrono::seconds(120));
}

TEST(DiskFull, CrawlStopsCleanlyServeAnswersAndNothingIsLost) {
  const fs::path base = fs::temp_directory_path() / ("disk_full_test_" + std::to_string(getpid()));
  const fs::path disk = base / "disk";
  fs::remove_all(base);
  fs::create_directories(disk);
  if (mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=8m") != 0) {
    const std::string why = std::strerror(errno);
    fs::remove_all(base);
    GTEST_SKIP() << "cannot mount an 8 MB tmpfs on " << disk << " (" << why
                 << "): the disk-full test needs root or CAP_SYS_ADMIN";
  }
  absl::Cleanup unmount = [&] {
    umount2(disk.c_str(), MNT_DETACH);
    fs::remove_all(base);
  };

  // A web far larger than the disk: 6,000 pages of ~25 KB with 50-150 links.
  testweb::ServerOptions so;
  so.threads = 1;
  testweb::WebSpec spec;
  spec.seed = 3;
  spec.hosts = 20;
  spec.domains = 8;
  spec.pages_per_host = 300;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> web = testweb::Server::Start(so);
  ASSERT_THAT(web, IsOk());
  const std::string seeds = (base / "seeds.txt").string();
  {
    std::ofstream out(seeds);
    for (const std::string& s : (*web)->web()->SeedUrls()) out << s << "\n";
  }
  const std::string db = (disk / "data").string();
  const std::vector<std::string> crawl = {
      "crawl", "--db", db, "--seeds", seeds, "--once", "--delay-ms", "0", "--resolve",
      "*:127.0.0.1", "--allow-net", "127.0.0.0/8", "--progress", "no", "--refresh-interval",
      "50ms", "--serve", "127.0.0.1:0"};  // --serve: the API key is made before the disk fills

  // 1. The crawl fills the disk: a clean exit 1 that says so.
  ASSERT_EQ(RunDaemon(crawl, base / "crawl1.txt"), 1) << ReadAll(base / "crawl1.txt");
  const std::string first = ReadAll(base / "crawl1.txt");
  EXPECT_THAT(first, HasSubstr("No space left on device"));
  EXPECT_THAT(first, HasSubstr("is full. Nothing indexed is lost"));
  const size_t at = first.find(" pages indexed");
  ASSERT_NE(at, std::string::npos) << first;
  const uint64_t indexed = std::stoull(first.substr(first.rfind(' ', at - 1) + 1));
  EXPECT_GT(indexed, 0u);

  // 2. A restart on the full disk says the same, and crashes no more.
  ASSERT_EQ(RunDaemon(crawl, base / "crawl2.txt"), 1) << ReadAll(base / "crawl2.txt");
  EXPECT_THAT(ReadAll(base / "crawl2.txt"), HasSubstr("is full. Nothing indexed is lost"));

  // 3. serve answers from the full disk, read-only.
  const fs::path serve_log = base / "serve.txt";
  const pid_t serve =
      testing::StartDaemon({"serve", "--db", db, "--listen", "127.0.0.1:0"}, serve_log).pid;
  std::optional<testing::ServingApi> api;
  for (int i = 0; i < 400 && !api; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    api = testing::FindServingApi(ReadAll(serve_log));
  }
  std::string answer;
  if (api) {
    answer = testing::LoopbackHttp(api->port, "GET", "/v1/counts?target=d0.test&key=" + api->key);
  }
  kill(serve, SIGTERM);
  EXPECT_EQ(testing::WaitExit(serve), 0);
  const std::string served = ReadAll(serve_log);
  ASSERT_TRUE(api.has_value()) << served;
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 200")) << answer;
  EXPECT_THAT(served, HasSubstr("serving the published view read-only"));
  EXPECT_THAT(served, Not(HasSubstr(api->key.substr(api->key.find('.') + 1))));

  // 4. Nothing is lost: on a disk with room every page indexed is published
  // and the index checks.
  const fs::path copy = base / "copy";
  fs::copy(db, copy, fs::copy_options::recursive);
  absl::StatusOr<std::unique_ptr<storage::Db>> opened = storage::Db::Open(copy.string());
  ASSERT_THAT(opened, IsOk());
  ASSERT_THAT(indexer::RefreshIndex(**opened), IsOk());
  absl::StatusOr<indexer::CheckReport> check = indexer::CheckIndex(**opened);
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->errors, 0u) << check->messages.front();
  // At least: a call whose group was written can still fail after it (the
  // refresh it waits for), and then its pages are not counted as indexed.
  EXPECT_GE(check->pages, indexed);
  EXPECT_GT(check->live_links, 0u);
  EXPECT_EQ(check->pages_pending, 0u);
}

}  // namespace
}  // namespace inlinks
