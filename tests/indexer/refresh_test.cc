// The journal and the refresh (docs/keys.md "Journal and refresh"): written
// pages stay invisible to queries until a refresh publishes them; every
// snapshot taken while a crawl writes and refreshes is a consistent view;
// however the writes are folded (each call, one refresh for many calls, a
// background thread, the indexer's destructor), the published index equals
// the same pages indexed and published one by one.
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"
#include "tests/indexer/crash_workload.h"
#include "tests/indexer/family_dump.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::indexer {
namespace {

using storage::Family;

constexpr uint64_t kSeed = 11;

// Step `step` of the crash workload as a page and its fetch facts (a new
// UTC day every ~25 steps, so runs cross days).
struct Step {
  testing::CrashStep s;
  core::FetchFacts facts;
};
Step MakeStep(uint64_t step) {
  Step out{testing::MakeCrashStep(kSeed, step), {}};
  out.facts.http_status = out.s.gone ? 404 : 200;
  out.facts.fetch_time_unix = int64_t{86400} * 20000 + static_cast<int64_t>(step) * 3500;
  out.facts.ip = "192.0.2.7";
  return out;
}

class IndexerRefreshTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Db> OpenDb(const std::string& name) {
    std::filesystem::create_directories(dir_.path());
    return storage::Db::Open(dir_.Sub(name)).value();
  }

  // The reference: steps [0, n) indexed and published one by one.
  std::unique_ptr<storage::Db> OneByOne(uint64_t n) {
    auto db = OpenDb("one_by_one");
    auto indexer = Indexer::Create(*db).value();
    for (uint64_t i = 0; i < n; ++i) {
      Step st = MakeStep(i);
      EXPECT_OK(indexer->Accept(st.s.page, st.facts));
    }
    return db;
  }

  static CheckReport Check(const storage::Db& db) {
    absl::StatusOr<CheckReport> report = CheckIndex(db);
    EXPECT_OK(report.status());
    return report.ok() ? *report : CheckReport{};
  }

  static size_t JournalEntries(const storage::Db& db) {
    return testing::DumpFamily(db, Family::kJournal).size();
  }

  testing::TempDir dir_{"inlinks_refresh"};
};

TEST_F(IndexerRefreshTest, WrittenPagesAreInvisibleUntilTheRefresh) {
  auto db = OpenDb("db");
  IndexerOptions options;
  options.refresh_interval_ms = 3'600'000;  // no background refresh in this test
  auto indexer = Indexer::Create(*db, options).value();
  Step st = MakeStep(1);
  ASSERT_FALSE(st.s.gone);
  ASSERT_OK(indexer->Accept(st.s.page, st.facts));

  // Stored (page, forward, journal), not published (records, counters).
  EXPECT_EQ(JournalEntries(*db), 1u);
  EXPECT_TRUE(testing::DumpFamily(*db, Family::kLinks).empty());
  EXPECT_TRUE(testing::DumpFamily(*db, Family::kStrength).empty());
  EXPECT_THAT(db->GetCounter(storage::PagesCounterKey()), testing::IsOkAndHolds(0));
  CheckReport before = Check(*db);
  EXPECT_TRUE(before.ok()) << before.messages[0];
  EXPECT_EQ(before.pages_pending, 1u);
  EXPECT_EQ(before.live_links, 0u);

  ASSERT_OK(indexer->Refresh());
  EXPECT_EQ(JournalEntries(*db), 0u);
  EXPECT_EQ(testing::DumpFamily(*db, Family::kLinks).size(), st.s.page.links.size());
  EXPECT_THAT(db->GetCounter(storage::PagesCounterKey()), testing::IsOkAndHolds(1));
  CheckReport after = Check(*db);
  EXPECT_TRUE(after.ok()) << after.messages[0];
  EXPECT_EQ(after.pages_pending, 0u);
  EXPECT_EQ(after.live_links, st.s.page.links.size());
  RefreshStats stats = indexer->refresh_stats();
  EXPECT_EQ(stats.refreshes, 1u);
  EXPECT_EQ(stats.pages, 1u);
  EXPECT_EQ(stats.events, st.s.page.links.size());
}

// A writer never outruns the background refresh by more than
// max_pending_events link changes: it waits, and the refresh starts at once
// (here the interval alone would never run it).
TEST_F(IndexerRefreshTest, WritesWaitForTheRefreshBeyondTheBacklogBound) {
  auto db = OpenDb("db");
  IndexerOptions options;
  options.refresh_interval_ms = 3'600'000;
  options.max_pending_events = 1;
  auto indexer = Indexer::Create(*db, options).value();
  uint64_t events = 0;  // link changes written: a first crawl's are its links
  std::set<std::string> seen;
  for (uint64_t i = 0; i < 30; ++i) {
    Step st = MakeStep(i);
    if (!seen.insert(st.s.source).second) continue;  // first crawls only
    ASSERT_OK(indexer->Accept(st.s.page, st.facts));
    events += st.s.page.links.size();
    EXPECT_GE(indexer->refresh_stats().events + options.max_pending_events, events)
        << "step " << i;
  }
  EXPECT_GE(indexer->refresh_stats().refreshes, 10u);
}

// Many writes, sources repeating (a page re-crawled, losing and reviving
// links, gone), folded by one refresh: runs split where a source repeats and
// the lost links' values come from records the same refresh wrote.
// Runs written as an ordinary batch, or ingested as table files.
class IndexerRefreshRunTest : public IndexerRefreshTest,
                              public ::testing::WithParamInterface<size_t> {};
INSTANTIATE_TEST_SUITE_P(BatchOrIngest, IndexerRefreshRunTest,
                         ::testing::Values(size_t{1} << 30, size_t{1}));

TEST_P(IndexerRefreshRunTest, OneRefreshOfManyWritesEqualsOneByOne) {
  constexpr uint64_t kSteps = 300;
  auto db = OpenDb("db");
  {
    IndexerOptions options;
    options.refresh_interval_ms = 3'600'000;
    options.ingest_min_events = GetParam();
    auto indexer = Indexer::Create(*db, options).value();
    for (uint64_t i = 0; i < kSteps; ++i) {
      Step st = MakeStep(i);
      ASSERT_OK(indexer->Accept(st.s.page, st.facts));
    }
    EXPECT_GT(JournalEntries(*db), 250u);
    ASSERT_OK(indexer->Refresh());
    EXPECT_EQ(JournalEntries(*db), 0u);
    EXPECT_GT(indexer->stats().links_lost, 100u);
    EXPECT_GT(indexer->stats().links_revived, 10u);
  }
  auto reference = OneByOne(kSteps);
  testing::ExpectSameFamilies(*reference, *db, /*with_directories=*/false);
  CheckReport report = Check(*db);
  EXPECT_TRUE(report.ok()) << report.messages[0];
}

// A crawl's set-up: groups of pages written while a background thread
// refreshes every millisecond and a reader checks whatever it sees.
TEST_P(IndexerRefreshRunTest, EveryViewDuringBackgroundRefreshesIsConsistent) {
  constexpr uint64_t kSteps = 400;
  auto db = OpenDb("db");
  std::atomic<bool> done{false};
  std::atomic<int> checks{0}, pending_seen{0};
  std::thread reader([&] {
    while (!done) {
      CheckReport report = Check(*db);
      ASSERT_TRUE(report.ok()) << "view " << checks << ": " << report.messages[0];
      pending_seen += report.pages_pending > 0;
      ++checks;
    }
  });
  {
    IndexerOptions options;
    options.refresh_interval_ms = 1;
    options.ingest_min_events = GetParam();
    // The writer waits for the refresh every ~25 pages: many refreshes
    // however the threads are scheduled.
    options.max_pending_events = 2000;
    auto indexer = Indexer::Create(*db, options).value();
    std::vector<Step> steps;
    for (uint64_t i = 0; i < kSteps; ++i) steps.push_back(MakeStep(i));
    for (uint64_t begin = 0; begin < kSteps;) {
      const uint64_t n = std::min<uint64_t>(1 + begin % 13, kSteps - begin);
      std::vector<core::PageAndFacts> group;
      for (uint64_t i = begin; i < begin + n; ++i) group.push_back({&steps[i].s.page, steps[i].facts});
      for (const absl::Status& s : indexer->AcceptAll(group)) ASSERT_OK(s);
      begin += n;
      // Leave the reader and the refresh some of the two cores.
      if (begin % 40 == 0) std::this_thread::yield();
    }
    EXPECT_GE(indexer->refresh_stats().refreshes, 10u);
  }  // the destructor publishes the rest
  done = true;
  reader.join();
  EXPECT_GE(checks, 2);
  EXPECT_EQ(JournalEntries(*db), 0u);
  auto reference = OneByOne(kSteps);
  testing::ExpectSameFamilies(*reference, *db, /*with_directories=*/false);
  CheckReport report = Check(*db);
  EXPECT_TRUE(report.ok()) << report.messages[0];
  std::cout << checks << " views checked while indexing, " << pending_seen
            << " with pages waiting for a refresh\n";
}

// (What a killed process leaves in the journal is folded by the next
// writable open: tests/indexer/crash_test.cc.)
TEST_F(IndexerRefreshTest, TheDestructorPublishesWhatTheIndexerWrote) {
  auto db = OpenDb("db");
  {
    IndexerOptions options;
    options.refresh_interval_ms = 3'600'000;
    auto indexer = Indexer::Create(*db, options).value();
    for (uint64_t i = 0; i < 20; ++i) {
      Step st = MakeStep(i);
      ASSERT_OK(indexer->Accept(st.s.page, st.facts));
    }
    EXPECT_GT(JournalEntries(*db), 0u);
  }
  EXPECT_EQ(JournalEntries(*db), 0u) << "the destructor publishes";
  auto reference = OneByOne(20);
  testing::ExpectSameFamilies(*reference, *db, /*with_directories=*/false);
}

}  // namespace
}  // namespace inlinks::indexer
