// Crash safety: a worker process indexes a deterministic workload and is
// killed with SIGKILL at random moments; after each kill the database is
// reopened and its published view must be consistent (every counter equals
// a full scan, every bucket count is exact, forward and reverse records
// agree: no page is half-indexed); once the journal the worker left is
// folded (indexer::RefreshIndex) it must be consistent again and hold every
// page whose Index() call returned before the kill. Then the next worker
// resumes where the last acknowledged step left off. Half the workers
// publish from a background thread every 2 ms, so kills also land inside
// refreshes. Iterations: INLINKS_CRASH_ITERATIONS, else 50 (10 when CI is
// set).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/records.h"
#include "tests/indexer/crash_workload.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::indexer {
namespace {

// Live links of a page: URL key -> how many links to it (occurrence numbers
// are the indexer's to choose).
using LiveSet = std::map<std::string, int>;

// What the workload says source `src` holds after `step` (inclusive), or
// nullopt when no step up to there touched it.
LiveSet ExpectedLive(const testing::CrashStep& s) {
  LiveSet live;
  if (s.gone) return live;
  for (const auto& link : s.page.links) {
    ++live[core::UrlKey(core::ParseUrl(link.target).value())];
  }
  return live;
}

struct Worker {
  pid_t pid = -1;
  int out = -1;
};

Worker Start(const std::string& db, uint64_t seed, uint64_t first, uint64_t last,
             int refresh_ms) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string s = std::to_string(seed), f = std::to_string(first), l = std::to_string(last);
    std::string r = std::to_string(refresh_ms);
    ::execl(INLINKS_CRASH_WORKER, INLINKS_CRASH_WORKER, db.c_str(), s.c_str(), f.c_str(),
            l.c_str(), r.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return {pid, fds[0]};
}

// Reads acknowledged steps; returns the last one seen (or `last` unchanged).
void Drain(int fd, std::string& buffer, int64_t& last_acked) {
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    buffer.append(buf, static_cast<size_t>(n));
  }
  size_t nl;
  while ((nl = buffer.find('\n')) != std::string::npos) {
    last_acked = std::stoll(buffer.substr(0, nl));
    buffer.erase(0, nl + 1);
  }
}

int Iterations() {
  if (const char* env = std::getenv("INLINKS_CRASH_ITERATIONS")) return std::atoi(env);
  return std::getenv("CI") != nullptr ? 10 : 50;
}

TEST(IndexerCrash, SigkillAtRandomMomentsLosesNothingAcknowledged) {
  auto dir = std::filesystem::temp_directory_path() /
             ("inlinks_crash_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const uint64_t seed = 7;
  const uint64_t total_steps = 100000;  // more than any run gets through
  std::mt19937 rng(42);
  int64_t next_step = 0;
  int kills = 0, progressed = 0, pending_seen = 0;
  const int iterations = Iterations();
  for (int iter = 0; iter < iterations; ++iter) {
    const int refresh_ms = iter % 4 >= 2 ? 2 : 0;
    Worker w = Start(dir.string(), seed, static_cast<uint64_t>(next_step), total_steps, refresh_ms);
    ASSERT_GT(w.pid, 0);
    // Even iterations kill at a random moment from the start (the open, the
    // creation, recovery); odd ones wait for the first acknowledged page (up
    // to 10 s, sanitizer builds start slowly) and kill mid-indexing.
    std::string buffer;
    int64_t last_acked = next_step - 1;
    if (iter % 2 == 1) {
      auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (last_acked < next_step && std::chrono::steady_clock::now() < give_up) {
        Drain(w.out, buffer, last_acked);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    auto delay = std::chrono::milliseconds(iter % 2 == 1 ? rng() % 100 : 20 + rng() % 300);
    auto deadline = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < deadline) {
      Drain(w.out, buffer, last_acked);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(::kill(w.pid, SIGKILL), 0);
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    Drain(w.out, buffer, last_acked);
    ::close(w.out);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "worker ended on its own (status " << status << ") before the kill";
    ++kills;
    if (last_acked >= next_step) ++progressed;

    // Reopen and check the published view, then publish what the journal
    // holds and check again.
    ASSERT_OK_AND_ASSIGN(auto db, storage::Db::Open(dir.string()));
    ASSERT_OK_AND_ASSIGN(CheckReport report, CheckIndex(*db));
    ASSERT_TRUE(report.ok()) << "after kill " << kills << " (refresh every " << refresh_ms
                             << " ms), before the refresh: " << report.errors
                             << " errors, first: " << report.messages[0];
    pending_seen += report.pages_pending > 0;
    ASSERT_OK(RefreshIndex(*db));
    ASSERT_OK_AND_ASSIGN(report, CheckIndex(*db));
    ASSERT_TRUE(report.ok()) << "after kill " << kills << ", after the refresh: " << report.errors
                             << " errors, first: " << report.messages[0];
    ASSERT_EQ(report.pages_pending, 0u);

    // Every acknowledged step is there: each source holds the links of its
    // last acknowledged step, or of the one in flight at the kill.
    std::map<std::string, LiveSet> expected, in_flight;
    for (int64_t step = 0; step <= last_acked; ++step) {
      testing::CrashStep s = testing::MakeCrashStep(seed, static_cast<uint64_t>(step));
      expected[s.source] = ExpectedLive(s);
    }
    testing::CrashStep flight = testing::MakeCrashStep(seed, static_cast<uint64_t>(last_acked + 1));
    std::map<std::string, LiveSet> actual;
    auto it = db->NewIterator(storage::Family::kLinks, {"", ""});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto parts = storage::DecodeReverseKey(it->key()).value();
      ++actual[std::string(parts.source_href)][std::string(parts.target_url_key)];
    }
    ASSERT_OK(it->status());
    std::set<std::string> sources;
    for (const auto& [s, l] : expected) sources.insert(s);
    for (const auto& [s, l] : actual) sources.insert(s);
    for (const std::string& source : sources) {
      const LiveSet& have = actual[source];
      const LiveSet& want = expected[source];
      bool ok = have == want || (flight.source == source && have == ExpectedLive(flight));
      ASSERT_TRUE(ok) << "after kill " << kills << ", last acknowledged step " << last_acked
                      << ": page " << source << " has " << have.size() << " live links, expected "
                      << want.size();
    }
    next_step = last_acked + 1;
  }
  std::cout << "crash test: " << kills << " SIGKILLs, " << progressed
            << " runs made progress, " << pending_seen << " left pages in the journal, "
            << next_step << " steps acknowledged, index consistent after every kill\n";
  EXPECT_GE(progressed, iterations / 2) << "the worker rarely got to index anything";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace inlinks::indexer
