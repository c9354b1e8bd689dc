// Resume after SIGKILL: `inlinksd crawl --once` is killed at random moments
// (at least 10 times in CI), started again on the same data directory each
// time, and the index it finally builds equals the index of an uninterrupted
// crawl of the same synthetic web: the same live links with the same
// attributes, no lost links, the same pages, and consistent counters.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/indexer/check.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"
#include "inlinks/testweb/server.h"
#include "tests/testing/ports.h"
#include "tests/testing/status_matchers.h"

namespace inlinks {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::inlinks::testing::LoopbackHttp;

pid_t StartDaemon(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(INLINKS_INLINKSD));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(INLINKS_INLINKSD, argv.data());
    _exit(127);
  }
  return pid;
}

// What an index holds, with times left out (they differ between runs).
struct IndexImage {
  std::map<std::string, std::string> links;  // reverse key -> value without first_seen
  size_t lost = 0;
  std::vector<std::string> pages;
};

IndexImage Image(const std::string& dir) {
  IndexImage image;
  storage::DbOptions o;
  o.read_only = true;
  absl::StatusOr<std::unique_ptr<storage::Db>> db = storage::Db::Open(dir, o);
  EXPECT_THAT(db, IsOk());
  if (!db.ok()) return image;
  absl::StatusOr<indexer::CheckReport> check = indexer::CheckIndex(**db);
  EXPECT_THAT(check, IsOk());
  if (check.ok()) {
    EXPECT_EQ(check->errors, 0u);
  }
  auto it = (*db)->NewIterator(storage::Family::kLinks, {"", ""});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StatusOr<storage::LinkValue> v = storage::DecodeLinkValue(it->value());
    EXPECT_THAT(v, IsOk());
    if (!v.ok()) continue;
    v->first_seen = 0;
    image.links[std::string(it->key())] = storage::EncodeLinkValue(*v);
  }
  auto lost = (*db)->NewIterator(storage::Family::kLost, {"", ""});
  for (lost->SeekToFirst(); lost->Valid(); lost->Next()) ++image.lost;
  auto pages = (*db)->NewIterator(storage::Family::kPages, {"", ""});
  for (pages->SeekToFirst(); pages->Valid(); pages->Next()) {
    image.pages.emplace_back(pages->key());
  }
  return image;
}

TEST(Resume, KilledCrawlEndsWithTheUninterruptedIndex) {
  testweb::ServerOptions so;
  so.threads = 1;
  testweb::WebSpec spec;
  spec.seed = 5;
  spec.hosts = 24;
  spec.domains = 6;
  spec.pages_per_host = 100;
  spec.page_bytes = 6 * 1024;
  spec.min_links = 20;
  spec.max_links = 50;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());

  fs::path base = fs::temp_directory_path() / ("resume_test_" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  std::string seeds = (base / "seeds.txt").string();
  {
    std::ofstream out(seeds);
    for (const std::string& s : (*server)->web()->SeedUrls()) out << s << "\n";
  }
  auto args = [&](const std::string& db) {
    return std::vector<std::string>{"crawl", "--db", db, "--seeds", seeds, "--once",
                                    "--delay-ms", "0", "--per-ip", "0", "--resolve",
                                    "*:127.0.0.1", "--allow-net", "127.0.0.0/8",
                                    "--progress", "no", "--log-level", "error",
                                    "--threads", "2", "--concurrency", "8"};
  };

  // Reference: one uninterrupted crawl.
  std::string reference = (base / "reference").string();
  int status = 0;
  pid_t pid = StartDaemon(args(reference));
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  uint64_t requests_reference = (*server)->stats().requests;

  // Killed again and again.
  const bool ci = std::getenv("CI") != nullptr;
  const int kills = ci ? 10 : 25;
  std::string killed = (base / "killed").string();
  std::mt19937 rng(1234);
  int actual_kills = 0;
  bool finished = false;
  for (int i = 0; i < kills && !finished; ++i) {
    pid = StartDaemon(args(killed));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 250)(rng)));
    if (waitpid(pid, &status, WNOHANG) == pid) {
      finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      ASSERT_TRUE(finished) << "daemon failed: " << status;
      break;
    }
    kill(pid, SIGKILL);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ++actual_kills;
  }
  // Restarts until it completes.
  for (int i = 0; i < 20 && !finished; ++i) {
    pid = StartDaemon(args(killed));
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  ASSERT_TRUE(finished);
  EXPECT_GE(actual_kills, ci ? 10 : 10);

  IndexImage want = Image(reference);
  IndexImage got = Image(killed);
  EXPECT_GT(want.links.size(), 1000u);
  EXPECT_EQ(got.links.size(), want.links.size());
  EXPECT_TRUE(got.links == want.links);
  EXPECT_EQ(got.lost, 0u);
  EXPECT_EQ(want.lost, 0u);
  EXPECT_EQ(got.pages, want.pages);
  // Only fetches in flight at a kill are repeated: at most concurrency (8)
  // page fetches plus robots.txt refetches (one per host) per restart.
  uint64_t requests_killed = (*server)->stats().requests - requests_reference;
  EXPECT_LE(requests_killed,
            requests_reference + static_cast<uint64_t>(actual_kills + 1) * (8 + spec.hosts));
  fs::remove_all(base);
}

// SIGTERM stops a running (not --once) crawl cleanly within 5 seconds;
// SIGHUP before it reloads the seed file (a host added to the file gets
// crawled).
TEST(Signals, SighupReloadsSeedsAndSigtermExitsCleanly) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.seed = 9;
  spec.hosts = 6;
  spec.domains = 3;
  spec.pages_per_host = 400;
  spec.page_bytes = 4096;
  spec.min_links = 10;
  spec.max_links = 20;
  so.web = spec;
  so.record_requests = true;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const testweb::Web& web = *(*server)->web();

  fs::path base = fs::temp_directory_path() / ("signals_test_" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  std::string seeds = (base / "seeds.txt").string();
  std::ofstream(seeds) << web.Origin(0) << "/\n";
  pid_t pid = StartDaemon({"crawl", "--db", (base / "db").string(), "--seeds", seeds,
                           "--scope", "hosts", "--delay-ms", "20", "--resolve", "*:127.0.0.1",
                           "--allow-net", "127.0.0.0/8", "--progress", "no", "--log-level",
                           "error"});
  auto requested = [&](const std::string& host) {
    for (const testweb::RequestRecord& r : (*server)->Requests()) {
      if (r.host == host) return true;
    }
    return false;
  };
  for (int i = 0; i < 100 && !requested(web.HostName(0)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(requested(web.HostName(0)));
  EXPECT_FALSE(requested(web.HostName(1)));  // scope: seed hosts only

  std::ofstream(seeds, std::ios::app) << web.Origin(1) << "/\n";
  kill(pid, SIGHUP);
  for (int i = 0; i < 100 && !requested(web.HostName(1)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(requested(web.HostName(1)));

  auto start = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_LT(seconds, 5.0);
  fs::remove_all(base);
}


// `crawl --serve` answers the API while crawling, with the crawler's
// counters on /metrics and the default key printed on stderr; seeds POSTed
// to /v1/seeds are crawled.
TEST(Serve, CrawlServesTheApiAndCrawlerMetrics) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.seed = 13;
  spec.hosts = 4;
  spec.domains = 2;
  spec.pages_per_host = 30;
  spec.page_bytes = 4096;
  spec.min_links = 10;
  spec.max_links = 20;
  so.web = spec;
  so.record_requests = true;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  fs::path base = fs::temp_directory_path() / ("serve_test_" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  std::string log = (base / "stderr.txt").string();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    std::string db = (base / "db").string();
    std::string seed = (*server)->web()->SeedUrls()[0];
    execl(INLINKS_INLINKSD, INLINKS_INLINKSD, "crawl", "--db", db.c_str(), "--seed",
          seed.c_str(), "--serve", "127.0.0.1:0", "--scope", "hosts", "--delay-ms", "0",
          "--resolve",
          "*:127.0.0.1", "--allow-net", "127.0.0.0/8", "--progress", "no", "--log-level",
          "warning", static_cast<char*>(nullptr));
    _exit(127);
  }
  uint16_t port = 0;
  std::string key;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto api = testing::FindServingApi(text)) {
      port = api->port;
      key = api->key;
    }
  }
  ASSERT_NE(port, 0);
  // Wait until the crawl has indexed something and a refresh has published
  // it (every second by default), then ask.
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = LoopbackHttp(port, "GET", "/metrics");
    if (metrics.find("inlinks_index_published_pages_total 0") == std::string::npos &&
        metrics.find("inlinks_index_published_pages_total") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_NE(metrics.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(metrics.find("inlinks_crawl_errors_total{reason=\"timeout\"}"), std::string::npos);
  EXPECT_NE(metrics.find("inlinks_crawl_queue_urls"), std::string::npos);
  // Memory gauges: a running daemon has a non-zero RSS.
  EXPECT_NE(metrics.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_EQ(metrics.find("process_resident_memory_bytes 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("inlinks_rocksdb_block_cache_bytes "), std::string::npos);
  EXPECT_EQ(metrics.find("inlinks_crawl_pages_indexed_total 0\n"), std::string::npos);
  EXPECT_EQ(metrics.find("inlinks_index_refreshes_total 0\n"), std::string::npos);
  std::string api = LoopbackHttp(port, "GET", "/api/links/getBacklinks/" + key + "/" +
                                      (*server)->web()->DomainOf(0) + "/json/1/0");
  EXPECT_NE(api.find("\"apiErrorMessage\":\"0k.\""), std::string::npos) << api;

  // Seeds at run time: host 1 is outside the seed-hosts scope until posted.
  const testweb::Web& web = *(*server)->web();
  auto requested = [&](const std::string& host) {
    for (const testweb::RequestRecord& r : (*server)->Requests()) {
      if (r.host == host) return true;
    }
    return false;
  };
  EXPECT_FALSE(requested(web.HostName(1)));
  std::string no_key = LoopbackHttp(port, "POST", "/v1/seeds", web.Origin(1) + "/\n");
  EXPECT_NE(no_key.find("HTTP/1.1 401"), std::string::npos) << no_key;
  std::string added =
      LoopbackHttp(port, "POST", "/v1/seeds?key=" + key, "# more\n" + web.Origin(1) + "/\n");
  EXPECT_NE(added.find("{\"added\":1,\"received\":1}"), std::string::npos) << added;
  for (int i = 0; i < 200 && !requested(web.HostName(1)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(requested(web.HostName(1)));
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fs::remove_all(base);
}

}  // namespace
}  // namespace inlinks
