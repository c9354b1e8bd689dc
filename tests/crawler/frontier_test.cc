// The persistent frontier: per-host FIFO queues, politeness by an injected
// clock, trap and scope limits, and resuming after a restart (a SIGKILL-style
// reopen of the database without any shutdown step).
#include "inlinks/crawler/frontier.h"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/url.h"
#include "inlinks/storage/db.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::crawler {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::testing::ElementsAre;

class FrontierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("frontier_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    frontier_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  // Drops the frontier and database without any flush step, as a killed
  // process would, and opens them again.
  void Reopen(const FrontierOptions& options = {}) {
    frontier_.reset();
    db_.reset();
    absl::StatusOr<std::unique_ptr<storage::Db>> db = storage::Db::Open(dir_.string());
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
    absl::StatusOr<std::unique_ptr<Frontier>> f = Frontier::Open(*db_, options);
    ASSERT_THAT(f, IsOk());
    frontier_ = std::move(*f);
  }
  std::optional<Lease> Next(int64_t now, int64_t* wake = nullptr) {
    absl::StatusOr<std::optional<Lease>> l = frontier_->Next(now, wake);
    EXPECT_THAT(l, IsOk());
    return l.ok() ? *l : std::nullopt;
  }

  fs::path dir_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<Frontier> frontier_;
};

TEST_F(FrontierTest, SeedsAcceptHostsUrlsAndComments) {
  absl::StatusOr<size_t> n = frontier_->AddSeeds(
      {"# a comment", "", "example.com", "https://www.example.org/start?x=1", "  spaced.net  ",
       "example.com"});
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 3u);
  std::set<std::string> urls;
  while (std::optional<Lease> l = Next(0)) urls.insert(l->url);
  EXPECT_THAT(urls, ElementsAre("http://example.com/", "http://spaced.net/",
                                "https://www.example.org/start?x=1"));
}

TEST_F(FrontierTest, BadSeedIsReportedAndTheRestAdded) {
  absl::StatusOr<size_t> n = frontier_->AddSeeds({"good.com", "http://[bad", "also-good.com"});
  EXPECT_FALSE(n.ok());
  EXPECT_THAT(std::string(n.status().message()), ::testing::HasSubstr("http://[bad"));
  EXPECT_EQ(frontier_->stats().queued, 2u);
}

TEST_F(FrontierTest, OneLeasePerHostAndDelayBetweenFetches) {
  ASSERT_THAT(frontier_->AddSeeds({"a.com/1", "a.com/2", "b.com/1"}), IsOk());
  std::optional<Lease> a1 = Next(1000);
  std::optional<Lease> b1 = Next(1000);
  ASSERT_TRUE(a1 && b1);
  EXPECT_EQ(a1->url, "http://a.com/1");
  EXPECT_EQ(b1->url, "http://b.com/1");
  // a.com is busy: its second URL waits even though time allows.
  int64_t wake = 0;
  EXPECT_FALSE(Next(1000, &wake));
  EXPECT_EQ(wake, -1);
  ASSERT_THAT(frontier_->Complete(*a1, {}, 1500, 1000), IsOk());
  // Not before 1500 + 1000.
  EXPECT_FALSE(Next(2499, &wake));
  EXPECT_EQ(wake, 2500);
  std::optional<Lease> a2 = Next(2500);
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->url, "http://a.com/2");
}

// Politeness with an injected clock: however the crawler interleaves hosts,
// no two leases of one host are closer than the delay.
TEST_F(FrontierTest, NoTwoFetchesOfAHostCloserThanTheDelay) {
  std::vector<std::string> seeds;
  for (int h = 0; h < 5; ++h) {
    for (int p = 0; p < 20; ++p) seeds.push_back("h" + std::to_string(h) + ".com/" + std::to_string(p));
  }
  ASSERT_THAT(frontier_->AddSeeds(seeds), IsOk());
  constexpr int64_t kDelay = 250;
  std::map<std::string, std::vector<int64_t>> starts;
  int64_t now = 0;
  std::vector<std::pair<Lease, int64_t>> in_flight;  // lease, finish time
  size_t done = 0;
  while (done < seeds.size()) {
    while (std::optional<Lease> l = Next(now)) {
      starts[l->host].push_back(now);
      in_flight.emplace_back(*l, now + 7 + static_cast<int64_t>(l->seq % 13));
    }
    now += 1;
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      if (it->second <= now) {
        ASSERT_THAT(frontier_->Complete(it->first, {}, now, kDelay), IsOk());
        ++done;
        it = in_flight.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [host, times] : starts) {
    ASSERT_EQ(times.size(), 20u) << host;
    for (size_t i = 1; i < times.size(); ++i) {
      EXPECT_GE(times[i] - times[i - 1], kDelay) << host;
    }
  }
  EXPECT_TRUE(frontier_->Idle());
}

TEST_F(FrontierTest, DiscoveredLinksAreDedupedAndFiltered) {
  FrontierOptions o;
  o.max_depth = 1;
  o.max_path_depth = 3;
  o.max_repeated_segment = 2;
  o.max_query_params = 2;
  o.max_url_length = 60;
  Reopen(o);
  ASSERT_THAT(frontier_->AddSeeds({"a.com"}), IsOk());
  std::optional<Lease> seed = Next(0);
  ASSERT_TRUE(seed);
  std::vector<AddResult> results;
  ASSERT_THAT(frontier_->Complete(*seed,
                                  {{"http://a.com/x"},
                                   {"http://a.com/x"},
                                   {"http://a.com/"},
                                   {"http://a.com/1/2/3/4"},
                                   {"http://a.com/s/s/s"},
                                   {"http://a.com/q?a=1&b=2&c=3"},
                                   {"http://a.com/" + std::string(80, 'l')},
                                   {"http://b.com/"}},
                                  0, 0, &results),
              IsOk());
  EXPECT_THAT(results, ElementsAre(AddResult::kAdded, AddResult::kSeen, AddResult::kSeen,
                                   AddResult::kTrap, AddResult::kTrap, AddResult::kTrap,
                                   AddResult::kTrap, AddResult::kAdded));
  // Depth: links found on a depth-1 page are depth 2 > max_depth.
  std::optional<Lease> x = Next(0);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->depth, 1u);
  ASSERT_THAT(frontier_->Complete(*x, {{"http://a.com/deeper"}}, 0, 0, &results), IsOk());
  EXPECT_THAT(results, ElementsAre(AddResult::kTooDeep));
}

TEST_F(FrontierTest, ScopeSeedHostsAndSeedDomains) {
  FrontierOptions o;
  o.scope = CrawlScope::kSeedHosts;
  Reopen(o);
  ASSERT_THAT(frontier_->AddSeeds({"www.a.com"}), IsOk());
  std::optional<Lease> seed = Next(0);
  ASSERT_TRUE(seed);
  std::vector<AddResult> results;
  ASSERT_THAT(frontier_->Complete(*seed, {{"http://www.a.com/p"}, {"http://blog.a.com/"},
                                          {"http://b.com/"}},
                                  0, 0, &results),
              IsOk());
  EXPECT_THAT(results,
              ElementsAre(AddResult::kAdded, AddResult::kOutOfScope, AddResult::kOutOfScope));

  o.scope = CrawlScope::kSeedDomains;
  Reopen(o);  // seeds are remembered across restarts
  ASSERT_THAT(frontier_->Add("http://blog.a.com/", 1), IsOk());
  absl::StatusOr<AddResult> r = frontier_->Add("http://blog.a.com/x", 1);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(*r, AddResult::kAdded);
  r = frontier_->Add("http://b.com/x", 1);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(*r, AddResult::kOutOfScope);
}

TEST_F(FrontierTest, MaxPagesPerHostSurvivesRestart) {
  FrontierOptions o;
  o.max_pages_per_host = 3;
  Reopen(o);
  ASSERT_THAT(frontier_->AddSeeds({"a.com/1", "a.com/2"}), IsOk());
  absl::StatusOr<AddResult> r = frontier_->Add("http://a.com/3", 1);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(*r, AddResult::kAdded);
  Reopen(o);
  r = frontier_->Add("http://a.com/4", 1);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(*r, AddResult::kHostFull);
}

// A killed process resumes with the same queue and seen set: leased but not
// completed URLs come back (the fetches in flight are repeated), completed
// ones do not, and everything discovered stays known.
TEST_F(FrontierTest, ResumeAfterKillRepeatsOnlyInFlight) {
  ASSERT_THAT(frontier_->AddSeeds({"a.com/1", "b.com/1", "c.com/1"}), IsOk());
  std::optional<Lease> a = Next(0), b = Next(0);
  ASSERT_TRUE(a && b);
  ASSERT_THAT(frontier_->Complete(*a, {{"http://a.com/2"}, {"http://d.com/"}}, 0, 0), IsOk());
  // b stays in flight; the process dies here.
  Reopen();
  std::set<std::string> urls;
  while (std::optional<Lease> l = Next(0)) {
    urls.insert(l->url);
    ASSERT_THAT(frontier_->Complete(*l, {{"http://a.com/1"}, {"http://b.com/1"}}, 0, 0), IsOk());
  }
  EXPECT_THAT(urls, ElementsAre("http://a.com/2", "http://b.com/1", "http://c.com/1",
                                "http://d.com/"));
  EXPECT_EQ(frontier_->stats().known, 5u);
  EXPECT_TRUE(frontier_->Idle());
}

TEST_F(FrontierTest, RetryGoesToTheBackAndCountsAttempts) {
  ASSERT_THAT(frontier_->AddSeeds({"a.com/1", "a.com/2"}), IsOk());
  std::optional<Lease> l = Next(0);
  ASSERT_TRUE(l);
  ASSERT_THAT(frontier_->Retry(*l, 0, 100), IsOk());
  EXPECT_FALSE(Next(99));
  std::optional<Lease> second = Next(100);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->url, "http://a.com/2");
  ASSERT_THAT(frontier_->Drop(*second, 100, 0), IsOk());
  std::optional<Lease> again = Next(100);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->url, "http://a.com/1");
  EXPECT_EQ(again->attempts, 1);
}

TEST_F(FrontierTest, DropHostEmptiesOnlyThatHostsQueueAndSurvivesRestart) {
  ASSERT_THAT(frontier_->AddSeeds({"dead.com/1", "dead.com/2", "dead.com/3", "live.com/1"}),
              IsOk());
  std::optional<Lease> l = Next(0);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->host, "dead.com");
  absl::StatusOr<size_t> dropped = frontier_->DropHost(*l, 0, 0);
  ASSERT_THAT(dropped, IsOk());
  EXPECT_EQ(*dropped, 3u);
  EXPECT_EQ(frontier_->stats().queued, 1u);
  Reopen();
  std::optional<Lease> live = Next(0);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->url, "http://live.com/1");
  EXPECT_FALSE(Next(0));
  // Found again later, a URL of the host is queued as usual (it is known,
  // so only new ones).
  absl::StatusOr<AddResult> r = frontier_->Add("http://dead.com/4", 1);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(*r, AddResult::kAdded);
}

TEST_F(FrontierTest, RecrawlScheduleBringsPagesBack) {
  FrontierOptions o;
  o.recrawl_interval_ms = 1000;
  Reopen(o);
  ASSERT_THAT(frontier_->AddSeeds({"a.com"}), IsOk());
  std::optional<Lease> l = Next(0);
  ASSERT_TRUE(l);
  ASSERT_THAT(frontier_->Complete(*l, {}, 5000, 0), IsOk());
  EXPECT_TRUE(frontier_->Idle());
  EXPECT_EQ(frontier_->stats().scheduled, 1u);
  absl::StatusOr<size_t> moved = frontier_->PromoteDue(5999);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 0u);
  Reopen(o);  // the schedule is persistent
  moved = frontier_->PromoteDue(6000);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 1u);
  std::optional<Lease> again = Next(6000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->url, "http://a.com/");
}

// A page is due when its last fetch is older than the interval in force
// now, whatever the run that fetched it had (issue 20: a --once run, with
// no interval, fetched it; a later run with one must find it due).
TEST_F(FrontierTest, PageFetchedWithoutIntervalIsDueUnderALaterOne) {
  FrontierOptions none;
  none.recrawl_interval_ms = 0;
  Reopen(none);
  ASSERT_THAT(frontier_->AddSeeds({"a.com"}), IsOk());
  std::optional<Lease> l = Next(0);
  ASSERT_TRUE(l);
  ASSERT_THAT(frontier_->Complete(*l, {}, 5000, 0), IsOk());
  absl::StatusOr<size_t> moved = frontier_->PromoteDue(1'000'000);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 0u);  // no interval: never due
  FrontierOptions minute;
  minute.recrawl_interval_ms = 60'000;
  Reopen(minute);
  moved = frontier_->PromoteDue(64'999);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 0u);
  moved = frontier_->PromoteDue(65'000);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 1u);
  std::optional<Lease> again = Next(65'000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->url, "http://a.com/");
  // Fetched again, it waits for the interval again.
  ASSERT_THAT(frontier_->Complete(*again, {}, 70'000, 0), IsOk());
  moved = frontier_->PromoteDue(129'999);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 0u);
  EXPECT_EQ(frontier_->stats().scheduled, 1u);
}

// A page given up on is not forgotten: it is tried again a re-crawl
// interval later, as a fetched one is (a host down during a run).
TEST_F(FrontierTest, DroppedPagesComeBackAfterTheInterval) {
  FrontierOptions o;
  o.recrawl_interval_ms = 1000;
  Reopen(o);
  ASSERT_THAT(frontier_->AddSeeds({"a.com", "b.com"}), IsOk());
  std::optional<Lease> a = Next(0);
  ASSERT_TRUE(a);
  ASSERT_THAT(frontier_->Drop(*a, 5000, 0), IsOk());
  std::optional<Lease> b = Next(0);
  ASSERT_TRUE(b);
  absl::StatusOr<size_t> dropped = frontier_->DropHost(*b, 5000, 0);
  ASSERT_THAT(dropped, IsOk());
  EXPECT_TRUE(frontier_->Idle());
  EXPECT_EQ(frontier_->stats().scheduled, 2u);
  absl::StatusOr<size_t> moved = frontier_->PromoteDue(5999);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 0u);
  moved = frontier_->PromoteDue(6000);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, 2u);
}

TEST(FrontierTraps, HostQueueKeyKeepsNonDefaultPorts) {
  absl::StatusOr<core::Url> u = core::ParseUrl("http://a.com:8080/x");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(Frontier::HostQueueKey(*u), "a.com:8080");
  u = core::ParseUrl("https://a.com:443/x");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(Frontier::HostQueueKey(*u), "a.com");
}

}  // namespace
}  // namespace inlinks::crawler
