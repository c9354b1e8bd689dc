// History calls of QueryEngine (query/history.h) over databases built by the
// real indexer with a fake clock: the daily trend, new and lost links in a
// window with exact totals and paging, against the test's own bookkeeping of
// every link (first seen, lost, revived) over random crawl histories; day
// parsing; databases whose history began after they were created.
#include "inlinks/query/history.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/domain.h"
#include "inlinks/indexer/check.h"
#include "tests/query/query_testing.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::query {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
using storage::Family;
using testing::At;
using testing::IndexedDb;
using testing::L;
using testing::MakePage;

constexpr int64_t kDay = 86400;

Scope S(std::string_view target, ScopeKind kind = ScopeKind::kAuto) {
  return ResolveScope(target, kind).value();
}

uint32_t Day(std::string_view date) { return ParseDay(date).value(); }

// ---------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------

TEST(HistoryDaysTest, ParseAndFormatUtcDates) {
  EXPECT_EQ(Day("1970-01-01"), 0u);
  EXPECT_EQ(Day("1970-01-02"), 1u);
  EXPECT_EQ(Day("2024-03-01"), 19783u);  // 1709251200 / 86400
  EXPECT_EQ(Day("2000-02-29"), 11016u);
  for (uint32_t day : {0u, 59u, 10956u, 11016u, 19782u, 19783u, 2932896u}) {
    EXPECT_EQ(Day(FormatDay(day)), day) << FormatDay(day);
  }
  EXPECT_EQ(FormatDay(19783), "2024-03-01");
  EXPECT_EQ(FormatDay(Day("9999-12-31")), "9999-12-31");
  EXPECT_EQ(DayOfUnixTime(1709251200), 19783u);
  EXPECT_EQ(DayOfUnixTime(1709251199), 19782u);
  EXPECT_EQ(DayOfUnixTime(-5), 0u);
  for (const char* bad :
       {"", "2024-3-01", "2024-03-1", "2024/03/01", "2023-02-29", "2024-13-01", "2024-00-10",
        "2024-04-31", "1969-12-31", "20240301", "2024-03-01T00", "+024-03-01", " 2024-03-01"}) {
    EXPECT_THAT(ParseDay(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(ParseDay("2024-02-29"), IsOk());
}

TEST(HistoryDaysTest, WindowDefaultsAndLimits) {
  const uint32_t today = Day("2024-03-31");
  ASSERT_OK_AND_ASSIGN(DayRange r, MakeDayRange(std::nullopt, std::nullopt, today));
  EXPECT_EQ(r.first, Day("2024-03-02"));
  EXPECT_EQ(r.last, today);
  EXPECT_EQ(r.days(), 30u);
  ASSERT_OK_AND_ASSIGN(r, MakeDayRange(Day("2024-01-01"), std::nullopt, today));
  EXPECT_EQ(r.days(), 91u);
  ASSERT_OK_AND_ASSIGN(r, MakeDayRange(std::nullopt, Day("2024-01-10"), today));
  EXPECT_EQ(r.first, Day("2023-12-12"));
  ASSERT_OK_AND_ASSIGN(r, MakeDayRange(Day("2024-01-10"), Day("2024-01-10"), today));
  EXPECT_EQ(r.days(), 1u);
  EXPECT_THAT(MakeDayRange(Day("2024-01-11"), Day("2024-01-10"), today),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(r, MakeDayRange(today - kMaxHistoryDays + 1, today, today));
  EXPECT_EQ(r.days(), kMaxHistoryDays);
  EXPECT_THAT(MakeDayRange(today - kMaxHistoryDays, today, today),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Near the epoch the default start is day 0.
  ASSERT_OK_AND_ASSIGN(r, MakeDayRange(std::nullopt, 3u, today));
  EXPECT_EQ(r.first, 0u);
}

// ---------------------------------------------------------------------------
// The test's own bookkeeping
// ---------------------------------------------------------------------------

// Every link the test has made: one per (source page, target URL), anchors
// fixed per pair so that a link that comes back is the same link.
class Model {
 public:
  struct Link {
    std::string source;  // normalized href
    std::string target;  // normalized href
    std::string key;     // its reverse key (occurrence 0)
    bool live = true;
    int64_t first_seen = 0;
    int64_t lost_time = 0;
  };
  struct DayFigures {
    int64_t live = 0, referring_domains = 0, new_links = 0, lost_links = 0, revived_links = 0;
  };

  explicit Model(std::vector<Scope> scopes) : scopes_(std::move(scopes)) {}

  static std::string Anchor(const std::string& source, const std::string& target) {
    return "anchor " + std::to_string(std::hash<std::string>()(source + target) % 1000);
  }

  // The page at `source` now links to `targets` (in that order).
  core::Page Crawl(const std::string& source, const std::vector<std::string>& targets, int64_t t) {
    std::vector<core::Link> links;
    std::set<std::string> now;
    for (const std::string& target : targets) {
      links.push_back(L(target, Anchor(source, target)));
      now.insert(links.back().target);
    }
    core::Page page = MakePage(source, links);
    for (const std::string& target : now) {
      auto [it, inserted] = links_.try_emplace({page.url, target});
      Link& l = it->second;
      if (inserted) {
        l.source = page.url;
        l.target = target;
        l.key = storage::ReverseKey(core::UrlKey(core::ParseUrl(target).value()), page.url, 0);
        l.first_seen = t;
        Event(l, t, &DayFigures::new_links);
      } else if (!l.live) {
        l.live = true;
        l.lost_time = 0;
        Event(l, t, &DayFigures::revived_links);
      }
    }
    for (auto& [id, l] : links_) {
      if (id.first == page.url && l.live && !now.contains(id.second)) Lose(l, t);
    }
    return page;
  }

  // The page answers 404: every live link of it is lost.
  void Gone(const std::string& source, int64_t t) {
    std::string href = core::ParseUrl(source).value().href();
    for (auto& [id, l] : links_) {
      if (id.first == href && l.live) Lose(l, t);
    }
  }

  // Records the levels at the end of `day` (call once per day, in order,
  // after that day's crawls).
  void EndOfDay(uint32_t day) {
    for (size_t s = 0; s < scopes_.size(); ++s) {
      DayFigures& f = figures_[s][day];
      std::set<std::string> domains;
      f.live = 0;
      for (const auto& [id, l] : links_) {
        if (!l.live || !scopes_[s].range.Contains(l.key)) continue;
        ++f.live;
        domains.insert(core::SiteOf(core::ParseUrl(l.source).value().host()));
      }
      f.referring_domains = static_cast<int64_t>(domains.size());
    }
  }

  DayFigures Figures(size_t scope, uint32_t day) const {
    // Before the first recorded day everything is zero; on a day never
    // recorded (no call) the previous day's levels hold with no events.
    const auto& days = figures_.at(scope);
    auto it = days.upper_bound(day);
    if (it == days.begin()) return {};
    --it;
    DayFigures f = it->second;
    if (it->first != day) f.new_links = f.lost_links = f.revived_links = 0;
    return f;
  }

  // Keys of the links of `scope` matching `pred`, in the documented order:
  // live rows first, then lost rows, each in key order.
  template <typename Pred>
  std::vector<std::string> Keys(const Scope& scope, Pred pred) const {
    std::vector<std::pair<bool, std::string>> out;
    for (const auto& [id, l] : links_) {
      if (scope.range.Contains(l.key) && pred(l)) out.emplace_back(!l.live, l.key);
    }
    std::sort(out.begin(), out.end());
    std::vector<std::string> keys;
    for (auto& [lost, key] : out) keys.push_back(std::move(key));
    return keys;
  }

  const std::vector<Scope>& scopes() const { return scopes_; }

 private:
  void Lose(Link& l, int64_t t) {
    l.live = false;
    l.lost_time = t;
    Event(l, t, &DayFigures::lost_links);
  }
  void Event(const Link& l, int64_t t, int64_t DayFigures::*field) {
    for (size_t s = 0; s < scopes_.size(); ++s) {
      if (scopes_[s].range.Contains(l.key)) ++(figures_[s][DayOfUnixTime(t)].*field);
    }
  }

  std::vector<Scope> scopes_;
  std::map<std::pair<std::string, std::string>, Link> links_;
  std::map<size_t, std::map<uint32_t, DayFigures>> figures_;
};

std::vector<std::string> KeysOf(const HistoryPage& page) {
  std::vector<std::string> keys;
  for (const BacklinkRow& r : page.rows) keys.push_back(r.key);
  return keys;
}

// Walks a whole window `limit` rows at a time; every page must report the
// same total.
template <typename Call>
std::vector<std::string> WalkAll(Call call, uint64_t limit, uint64_t expected_total) {
  std::vector<std::string> keys;
  for (uint64_t offset = 0; offset < expected_total + limit; offset += limit) {
    absl::StatusOr<HistoryPage> page = call(offset, limit);
    if (offset > 0 && offset >= expected_total) {
      EXPECT_THAT(page, StatusIs(absl::StatusCode::kOutOfRange)) << offset;
      break;
    }
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    EXPECT_EQ(page->total, expected_total);
    EXPECT_EQ(page->offset, offset);
    for (const BacklinkRow& r : page->rows) keys.push_back(r.key);
  }
  return keys;
}

// ---------------------------------------------------------------------------
// A small graph by hand (also docs/query.md's example)
// ---------------------------------------------------------------------------

TEST(HistoryTest, HandWrittenHistory) {
  IndexedDb idx;
  const uint32_t d0 = Day("2024-03-01");
  const int64_t t0 = int64_t{d0} * kDay;
  // Day 0: a.org links to /x and /y; day 1: b.net links to /x; day 2: a.org
  // drops /y; day 3: a.org has /y again; day 4: b.net answers 404.
  idx.Index(MakePage("https://a.org/", {L("https://example.com/x"), L("https://example.com/y")}),
            At(t0 + 3600));
  idx.Index(MakePage("https://b.net/", {L("https://example.com/x")}), At(t0 + kDay + 60));
  idx.Index(MakePage("https://a.org/", {L("https://example.com/x")}), At(t0 + 2 * kDay + 60));
  idx.Index(MakePage("https://a.org/", {L("https://example.com/x"), L("https://example.com/y")}),
            At(t0 + 3 * kDay + 60));
  idx.MarkGone("https://b.net/", At(t0 + 4 * kDay + 60, 404));

  QueryEngine engine(idx.db());
  ASSERT_OK_AND_ASSIGN(LinkTrend trend, engine.Trend(S("example.com"), {d0 - 1, d0 + 5}));
  EXPECT_TRUE(trend.coverage.complete);
  ASSERT_EQ(trend.days.size(), 7u);
  struct Want {
    int64_t live, rd, added, lost, revived;
  };
  const Want want[7] = {{0, 0, 0, 0, 0}, {2, 1, 2, 0, 0}, {3, 2, 1, 0, 0}, {2, 2, 0, 1, 0},
                        {3, 2, 0, 0, 1}, {2, 1, 0, 1, 0}, {2, 1, 0, 0, 0}};
  for (int i = 0; i < 7; ++i) {
    const TrendDay& d = trend.days[i];
    EXPECT_EQ(d.day, d0 - 1 + i);
    EXPECT_EQ(d.live, want[i].live) << i;
    EXPECT_EQ(d.referring_domains, want[i].rd) << i;
    EXPECT_EQ(d.new_links, want[i].added) << i;
    EXPECT_EQ(d.lost_links, want[i].lost) << i;
    EXPECT_EQ(d.revived_links, want[i].revived) << i;
  }
  // Host scopes: example.com holds every link; www.example.com none.
  ASSERT_OK_AND_ASSIGN(trend, engine.Trend(S("example.com", ScopeKind::kHost), {d0 - 1, d0 + 5}));
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(trend.days[i].live, want[i].live) << i;
    EXPECT_EQ(trend.days[i].referring_domains, want[i].rd) << i;
  }
  ASSERT_OK_AND_ASSIGN(trend, engine.Trend(S("www.example.com", ScopeKind::kHost), {d0, d0 + 4}));
  for (const TrendDay& d : trend.days) {
    EXPECT_EQ(d.live, 0);
    EXPECT_EQ(d.new_links, 0);
  }
  // URL scopes keep no daily counters: no trend; windows are counted by scan.
  EXPECT_THAT(engine.Trend(S("example.com/y"), {d0, d0 + 3}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(HistoryPage url_page, engine.NewLinks(S("example.com/y"), {d0, d0}, 0, 10));
  EXPECT_TRUE(url_page.scanned);
  EXPECT_EQ(url_page.total, 1u);
  ASSERT_OK_AND_ASSIGN(url_page, engine.LostLinks(S("example.com/y"), {d0, d0 + 5}, 0, 10));
  EXPECT_EQ(url_page.total, 0u);  // lost on day 2, back on day 3

  // New links: all three were first seen on days 0-1.
  ASSERT_OK_AND_ASSIGN(HistoryPage page, engine.NewLinks(S("example.com"), {d0, d0 + 4}, 0, 10));
  EXPECT_FALSE(page.scanned);
  EXPECT_EQ(page.total, 3u);
  ASSERT_EQ(page.rows.size(), 3u);
  // Live rows first (a.org -> /x, a.org -> /y), then the lost b.net -> /x.
  EXPECT_EQ(page.rows[0].source_url, "https://a.org/");
  EXPECT_EQ(page.rows[0].target_url, "https://example.com/x");
  EXPECT_EQ(page.rows[1].target_url, "https://example.com/y");
  EXPECT_EQ(page.rows[1].first_seen, t0 + 3600);  // kept through the loss
  EXPECT_FALSE(page.rows[1].lost);
  EXPECT_EQ(page.rows[2].source_url, "https://b.net/");
  EXPECT_TRUE(page.rows[2].lost);
  EXPECT_EQ(page.rows[2].lost_time, t0 + 4 * kDay + 60);
  ASSERT_OK_AND_ASSIGN(page, engine.NewLinks(S("example.com"), {d0 + 1, d0 + 1}, 0, 10));
  EXPECT_EQ(page.total, 1u);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].source_url, "https://b.net/");
  // Lost links: /y was lost on day 2 but is back, so only b.net's is lost.
  ASSERT_OK_AND_ASSIGN(page, engine.LostLinks(S("example.com"), {d0, d0 + 5}, 0, 10));
  EXPECT_EQ(page.total, 1u);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].source_url, "https://b.net/");
  ASSERT_OK_AND_ASSIGN(page, engine.LostLinks(S("example.com"), {d0 + 2, d0 + 2}, 0, 10));
  EXPECT_EQ(page.total, 0u);
  EXPECT_TRUE(page.rows.empty());
  // limit 0: only the total; offset past the end: kOutOfRange.
  ASSERT_OK_AND_ASSIGN(page, engine.NewLinks(S("example.com"), {d0, d0 + 4}, 0, 0));
  EXPECT_EQ(page.total, 3u);
  EXPECT_TRUE(page.rows.empty());
  EXPECT_THAT(engine.NewLinks(S("example.com"), {d0, d0 + 4}, 3, 10),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(engine.NewLinks(S("example.com"), {d0 + 4, d0}, 0, 10),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine.Trend(S("example.com"), {d0, d0 + kMaxHistoryDays}),
              StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(indexer::CheckReport report, indexer::CheckIndex(idx.db()));
  EXPECT_TRUE(report.ok()) << report.messages[0];
  EXPECT_GT(report.history_days_checked, 0u);
  EXPECT_EQ(report.history_since, 0);
}

// ---------------------------------------------------------------------------
// Random histories against the bookkeeping
// ---------------------------------------------------------------------------

class RandomHistoryTest : public ::testing::TestWithParam<int> {};

TEST_P(RandomHistoryTest, TrendAndWindowsMatchTheBookkeeping) {
  std::mt19937_64 rng(static_cast<uint64_t>(GetParam()));
  IndexedDb idx;
  Model model({S("example.com"), S("www.example.com", ScopeKind::kHost), S("blog.example.com"),
               S("example.com/p1"), S("other.org"), S("nothing.example")});
  std::vector<std::string> targets;
  for (const char* host :
       {"example.com", "www.example.com", "blog.example.com", "other.org", "www.other.org"}) {
    for (int p = 0; p < 6; ++p)
      targets.push_back("https://" + std::string(host) + "/p" + std::to_string(p));
  }
  std::vector<std::string> sources;
  for (int i = 0; i < 30; ++i) {
    sources.push_back("https://s" + std::to_string(i % 7) + ".src" + std::to_string(i % 5) +
                      ".net/page" + std::to_string(i));
  }
  const uint32_t d0 = Day("2024-03-01");
  const uint32_t kDays = 25;
  for (uint32_t d = 0; d < kDays; ++d) {
    if (d == 10 || d == 11) continue;  // quiet days
    std::vector<int64_t> times;
    for (int k = 0; k < 8; ++k) {
      times.push_back(int64_t{d0 + d} * kDay + static_cast<int64_t>(rng() % kDay));
    }
    std::sort(times.begin(), times.end());
    for (int64_t t : times) {
      const std::string& source = sources[rng() % sources.size()];
      if (rng() % 10 == 0) {
        model.Gone(source, t);
        idx.MarkGone(source, At(t, 404));
        continue;
      }
      std::vector<std::string> chosen;
      for (const std::string& target : targets) {
        if (rng() % 4 == 0) chosen.push_back(target);
      }
      std::shuffle(chosen.begin(), chosen.end(), rng);  // positions move: rewrites
      idx.Index(model.Crawl(source, chosen, t), At(t));
    }
    model.EndOfDay(d0 + d);
  }

  // The history has every kind of event in the domain scope.
  int64_t added = 0, lost = 0, revived = 0;
  for (uint32_t d = 0; d < kDays; ++d) {
    Model::DayFigures f = model.Figures(0, d0 + d);
    added += f.new_links;
    lost += f.lost_links;
    revived += f.revived_links;
  }
  EXPECT_GT(added, 20);
  EXPECT_GT(lost, 10);
  EXPECT_GT(revived, 5);

  QueryEngine engine(idx.db());
  const DayRange windows[] = {{d0 - 3, d0 + kDays + 2}, {d0, d0},           {d0 + 5, d0 + 9},
                              {d0 + 10, d0 + 11},       {d0 + 24, d0 + 24}, {d0 + 40, d0 + 50}};
  for (size_t s = 0; s < model.scopes().size(); ++s) {
    const Scope& scope = model.scopes()[s];
    SCOPED_TRACE(scope.name);
    for (const DayRange& w : windows) {
      SCOPED_TRACE(FormatDay(w.first) + ".." + FormatDay(w.last));
      const bool url = scope.kind == ScopeKind::kUrl;
      absl::StatusOr<LinkTrend> trend = engine.Trend(scope, w);
      if (url) {
        EXPECT_THAT(trend, StatusIs(absl::StatusCode::kInvalidArgument));
      } else {
        ASSERT_THAT(trend, IsOk());
        ASSERT_EQ(trend->days.size(), w.days());
      }
      for (const TrendDay& got : url ? std::vector<TrendDay>() : trend->days) {
        Model::DayFigures want = model.Figures(s, got.day);
        EXPECT_EQ(got.live, want.live) << FormatDay(got.day);
        EXPECT_EQ(got.referring_domains, want.referring_domains) << FormatDay(got.day);
        EXPECT_EQ(got.new_links, want.new_links) << FormatDay(got.day);
        EXPECT_EQ(got.lost_links, want.lost_links) << FormatDay(got.day);
        EXPECT_EQ(got.revived_links, want.revived_links) << FormatDay(got.day);
      }

      auto in = [&](int64_t t) {
        return t != 0 && DayOfUnixTime(t) >= w.first && DayOfUnixTime(t) <= w.last;
      };
      std::vector<std::string> want_new =
          model.Keys(scope, [&](const Model::Link& l) { return in(l.first_seen); });
      std::vector<std::string> want_lost =
          model.Keys(scope, [&](const Model::Link& l) { return !l.live && in(l.lost_time); });
      ASSERT_OK_AND_ASSIGN(HistoryPage all_new, engine.NewLinks(scope, w, 0, 1000));
      EXPECT_EQ(all_new.scanned, url);
      EXPECT_EQ(all_new.total, want_new.size());
      EXPECT_EQ(KeysOf(all_new), want_new);
      ASSERT_OK_AND_ASSIGN(HistoryPage all_lost, engine.LostLinks(scope, w, 0, 1000));
      EXPECT_EQ(all_lost.total, want_lost.size());
      EXPECT_EQ(KeysOf(all_lost), want_lost);
      for (const BacklinkRow& r : all_lost.rows) {
        EXPECT_TRUE(r.lost);
        EXPECT_TRUE(in(r.lost_time));
      }
      for (const BacklinkRow& r : all_new.rows) EXPECT_TRUE(in(r.first_seen));
      // Paged walks give the same rows.
      EXPECT_EQ(WalkAll([&](uint64_t o, uint64_t l) { return engine.NewLinks(scope, w, o, l); }, 3,
                        want_new.size()),
                want_new);
      EXPECT_EQ(WalkAll([&](uint64_t o, uint64_t l) { return engine.LostLinks(scope, w, o, l); }, 2,
                        want_lost.size()),
                want_lost);
    }
  }
  ASSERT_OK_AND_ASSIGN(indexer::CheckReport report, indexer::CheckIndex(idx.db()));
  EXPECT_TRUE(report.ok()) << report.errors << " errors, first: " << report.messages[0];
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomHistoryTest, ::testing::Values(1, 2, 3));

// ---------------------------------------------------------------------------
// Databases whose history began late, or not at all
// ---------------------------------------------------------------------------

// Removes what a build without daily history would not have written: the
// history meta key and every 'D'/'V' counter.
void ForgetHistory(storage::Db& db) {
  storage::Batch batch(db);
  batch.Delete(Family::kMeta, storage::kHistorySinceMetaKey);
  for (std::string letter : {"D", "V"}) {
    auto it = db.NewIterator(Family::kCounters, {letter, core::PrefixSuccessor(letter)});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      batch.Delete(Family::kCounters, it->key());
    }
  }
  ASSERT_THAT(db.Write(batch), IsOk());
}

TEST(HistoryTest, DatabaseIndexedBeforeHistoryExisted) {
  testing::TempDir dir;
  auto db = storage::Db::Open(dir.path()).value();
  // Times relative to the real clock: the history starts when the indexer
  // of this version first opens the database.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const uint32_t today = DayOfUnixTime(now);
  {
    auto indexer = indexer::Indexer::Create(*db).value();
    ASSERT_THAT(indexer->Index(MakePage("https://old.org/", {L("https://example.com/a")}),
                               At(now - 10 * kDay)),
                IsOk());
  }
  ForgetHistory(*db);

  // Without the history key: no trend; windows are counted by scanning.
  QueryEngine engine(*db);
  EXPECT_THAT(engine.Trend(S("example.com"), {today - 20, today}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(HistoryPage page,
                       engine.NewLinks(S("example.com"), {today - 20, today}, 0, 10));
  EXPECT_TRUE(page.scanned);
  EXPECT_EQ(page.total, 1u);
  ASSERT_OK_AND_ASSIGN(indexer::CheckReport report, indexer::CheckIndex(*db));
  EXPECT_TRUE(report.ok()) << report.messages[0];
  EXPECT_FALSE(report.history_since.has_value());

  // The upgraded indexer starts the history now; exact from tomorrow on.
  auto indexer = indexer::Indexer::Create(*db).value();
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> since, storage::GetHistorySince(*db));
  ASSERT_TRUE(since.has_value());
  EXPECT_GE(*since, now);
  const uint32_t exact_from = DayOfUnixTime(*since) + 1;
  const int64_t later = int64_t{exact_from + 1} * kDay + 100;
  ASSERT_THAT(indexer->Index(MakePage("https://new.org/", {L("https://example.com/b")}), At(later)),
              IsOk());
  ASSERT_THAT(indexer->Index(MakePage("https://old.org/", {}), At(later + 10)), IsOk());

  ASSERT_OK_AND_ASSIGN(LinkTrend trend,
                       engine.Trend(S("example.com"), {exact_from - 12, exact_from + 1}));
  EXPECT_FALSE(trend.coverage.complete);
  EXPECT_EQ(trend.coverage.exact_from, exact_from);
  // Anchored at today's counts, the levels are exact from the upgrade on.
  EXPECT_EQ(trend.days.back().live, 1);
  EXPECT_EQ(trend.days.back().new_links, 1);
  EXPECT_EQ(trend.days.back().lost_links, 1);
  EXPECT_EQ(trend.days[trend.days.size() - 2].live, 1);  // old.org's link
  // A covered window: totals from the counters; an older one: scanned.
  ASSERT_OK_AND_ASSIGN(page,
                       engine.NewLinks(S("example.com"), {exact_from, exact_from + 5}, 0, 10));
  EXPECT_FALSE(page.scanned);
  EXPECT_EQ(page.total, 1u);
  ASSERT_OK_AND_ASSIGN(page,
                       engine.LostLinks(S("example.com"), {exact_from, exact_from + 5}, 0, 10));
  EXPECT_FALSE(page.scanned);
  EXPECT_EQ(page.total, 1u);
  ASSERT_OK_AND_ASSIGN(page,
                       engine.NewLinks(S("example.com"), {today - 20, exact_from + 5}, 0, 10));
  EXPECT_TRUE(page.scanned);
  EXPECT_EQ(page.total, 2u);
  ASSERT_EQ(page.rows.size(), 2u);
  EXPECT_EQ(page.rows[0].source_url, "https://new.org/");  // live first
  EXPECT_EQ(page.rows[1].source_url, "https://old.org/");
  ASSERT_OK_AND_ASSIGN(report, indexer::CheckIndex(*db));
  EXPECT_TRUE(report.ok()) << report.messages[0];
  EXPECT_EQ(report.history_since, *since);
  EXPECT_GT(report.history_days_checked, 0u);
}

}  // namespace
}  // namespace inlinks::query
