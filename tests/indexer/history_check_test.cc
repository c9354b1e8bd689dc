// The daily history counters (docs/keys.md "Daily history") as the indexer
// writes them, and `inlinks check` (CheckIndex) catching every kind of
// tampering with them.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/records.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::indexer {
namespace {

using storage::ScopeKind;
using ::testing::HasSubstr;

constexpr int64_t kDay = 86400;
constexpr uint32_t kDay0 = 19783;  // 2024-03-01

core::Page Page(std::string url, std::vector<std::string> targets) {
  core::Page p;
  p.url = core::ParseUrl(url).value().href();
  for (size_t i = 0; i < targets.size(); ++i) {
    core::Link l;
    l.target = core::ParseUrl(targets[i]).value().href();
    l.position = static_cast<uint32_t>(i + 1);
    p.links.push_back(std::move(l));
  }
  p.total_links = static_cast<uint32_t>(p.links.size());
  return p;
}

core::FetchFacts At(int64_t t, int status = 200) {
  core::FetchFacts f;
  f.http_status = status;
  f.fetch_time_unix = t;
  return f;
}

class HistoryCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = storage::Db::Open(dir_.path()).value();
    indexer_ = Indexer::Create(*db_).value();
    const int64_t t0 = int64_t{kDay0} * kDay;
    // Day 0: two pages link to example.com; day 1: a.org drops /y; day 2:
    // a.org has /y again and b.net is gone.
    ASSERT_OK(indexer_->Index(
        Page("https://a.org/", {"https://example.com/x", "https://example.com/y"}), At(t0 + 10)));
    ASSERT_OK(indexer_->Index(Page("https://b.net/", {"https://example.com/x"}), At(t0 + 20)));
    ASSERT_OK(
        indexer_->Index(Page("https://a.org/", {"https://example.com/x"}), At(t0 + kDay + 10)));
    ASSERT_OK(
        indexer_->Index(Page("https://a.org/", {"https://example.com/x", "https://example.com/y"}),
                        At(t0 + 2 * kDay + 10)));
    ASSERT_OK(indexer_->MarkGone("https://b.net/", At(t0 + 2 * kDay + 20, 404)));
  }

  std::vector<int64_t> Daily(uint32_t day) {
    return db_->GetCounters(storage::DailyCounterKey(ScopeKind::kDomain, "com.example.", day))
        .value();
  }

  CheckReport Check() {
    absl::StatusOr<CheckReport> report = CheckIndex(*db_);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : CheckReport{};
  }

  void Add(const std::string& key, std::initializer_list<int64_t> deltas) {
    storage::Batch batch(*db_);
    batch.AddCounters(key, deltas);
    ASSERT_OK(db_->Write(batch));
  }

  // Adds `deltas` to `key`, expects the check to report `message`, and takes
  // them back.
  void ExpectCaught(const std::string& key, std::initializer_list<int64_t> deltas,
                    const std::string& message) {
    Add(key, deltas);
    CheckReport report = Check();
    EXPECT_FALSE(report.ok());
    EXPECT_THAT(::testing::PrintToString(report.messages), HasSubstr(message));
    std::vector<int64_t> back(deltas);
    for (int64_t& d : back) d = -d;
    storage::Batch batch(*db_);
    if (back.size() == 1) batch.AddCounters(key, {back[0]});
    if (back.size() == 4) batch.AddCounters(key, {back[0], back[1], back[2], back[3]});
    ASSERT_OK(db_->Write(batch));
    EXPECT_TRUE(Check().ok());
  }

  ::inlinks::testing::TempDir dir_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<Indexer> indexer_;
};

TEST_F(HistoryCheckTest, IndexerWritesOneDailyCounterPerScopeAndDay) {
  // [new, lost, revived, referring-domain change]
  EXPECT_EQ(Daily(kDay0), (std::vector<int64_t>{3, 0, 0, 2}));
  EXPECT_EQ(Daily(kDay0 + 1), (std::vector<int64_t>{0, 1, 0, 0}));
  EXPECT_EQ(Daily(kDay0 + 2), (std::vector<int64_t>{0, 1, 1, -1}));
  EXPECT_EQ(Daily(kDay0 + 3), (std::vector<int64_t>{0, 0, 0, 0}));
  // /y lost on day 1 came back: one revival under its lost day.
  EXPECT_EQ(
      db_->GetCounter(storage::RevivedByLostDayKey(ScopeKind::kDomain, "com.example.", kDay0 + 1))
          .value(),
      1);
  EXPECT_EQ(storage::GetHistorySince(*db_).value(), std::optional<int64_t>(0));
  EXPECT_EQ(storage::GetHistoryLastDay(*db_).value(), kDay0 + 2);
  CheckReport report = Check();
  EXPECT_TRUE(report.ok()) << report.messages[0];
  EXPECT_EQ(report.history_since, 0);
  // Domain and host on days 0-2; URL scopes keep no daily history.
  EXPECT_EQ(report.history_days_checked, 3u + 3u);
  const std::string url_y = core::UrlKey(core::ParseUrl("https://example.com/y").value());
  EXPECT_EQ(db_->GetCounters(storage::DailyCounterKey(ScopeKind::kUrl, url_y, kDay0)).value(),
            std::vector<int64_t>(4, 0));
}

TEST_F(HistoryCheckTest, TamperedDailyCountersAreReported) {
  const std::string day0 = storage::DailyCounterKey(ScopeKind::kDomain, "com.example.", kDay0);
  ExpectCaught(day0, {1, 0, 0, 0}, "says 4 new and 0 still lost; records say 3 and 0");
  ExpectCaught(day0, {0, 1, 0, 0}, "still lost");
  // A revival not matched by a revival under its lost day, and the other
  // way round.
  ExpectCaught(day0, {0, 0, 1, 0}, "adds up to");
  ExpectCaught(storage::RevivedByLostDayKey(ScopeKind::kDomain, "com.example.", kDay0 + 2), {1},
               "still lost");
  // Referring domains are checked by their sum only.
  ExpectCaught(storage::DailyCounterKey(ScopeKind::kHost, "com.example.", kDay0 + 1), {0, 0, 0, 1},
               "referring domains");
  // A day after the last day readers look at.
  ExpectCaught(storage::DailyCounterKey(ScopeKind::kHost, "com.example.", kDay0 + 5), {0, 0, 0, 1},
               "after inlinks.history_last_day");
  // A scope without any link, and a URL scope (which keeps none).
  ExpectCaught(storage::DailyCounterKey(ScopeKind::kHost, "com.nowhere.", kDay0), {1},
               "daily history of");
  ExpectCaught(
      storage::DailyCounterKey(ScopeKind::kUrl, std::string("com.nowhere.\0\0\0/\0", 17), kDay0),
      {1}, "a scope kind that keeps none");
  // A malformed key.
  Add("D\x01x", {1});
  CheckReport report = Check();
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(::testing::PrintToString(report.messages), HasSubstr("malformed daily history"));
}

TEST_F(HistoryCheckTest, DailyCountersWithoutTheHistoryKeyAreReported) {
  storage::Batch batch(*db_);
  batch.Delete(storage::Family::kMeta, storage::kHistorySinceMetaKey);
  ASSERT_OK(db_->Write(batch));
  CheckReport report = Check();
  EXPECT_FALSE(report.ok());
  EXPECT_FALSE(report.history_since.has_value());
  EXPECT_THAT(::testing::PrintToString(report.messages), HasSubstr(storage::kHistorySinceMetaKey));
}

}  // namespace
}  // namespace inlinks::indexer
