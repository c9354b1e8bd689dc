// Indexer: records, re-crawl semantics, exact counters, referring domains,
// the pagination directory, and the consistency check over random histories.
#include "inlinks/indexer/indexer.h"

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/order.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/records.h"
#include "tests/indexer/family_dump.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::indexer {
namespace {

using storage::Family;
using storage::ScopeKind;

using ::inlinks::testing::TempDir;

core::Link L(std::string target, std::string anchor = "", core::LinkTag tag = core::LinkTag::kA,
             uint8_t rel = 0) {
  core::Link l;
  l.target = core::ParseUrl(target).value().href();
  l.anchor = std::move(anchor);
  l.tag = tag;
  l.rel = rel;
  return l;
}

core::Page MakePage(std::string url, std::vector<core::Link> links, std::string title = "t") {
  core::Page p;
  p.url = core::ParseUrl(url).value().href();
  p.title = std::move(title);
  for (size_t i = 0; i < links.size(); ++i) links[i].position = static_cast<uint32_t>(i + 1);
  p.links = std::move(links);
  p.total_links = static_cast<uint32_t>(p.links.size());
  return p;
}

core::FetchFacts At(int64_t t, int status = 200) {
  core::FetchFacts f;
  f.http_status = status;
  f.fetch_time_unix = t;
  f.ip = "192.0.2.1";
  return f;
}

class IndexerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(IndexerOptions options = {}) {
    indexer_.reset();
    db_.reset();
    ASSERT_OK_AND_ASSIGN(db_, storage::Db::Open(dir_.path()));
    ASSERT_OK_AND_ASSIGN(indexer_, Indexer::Create(*db_, options));
  }

  storage::ScopeCounts Counts(ScopeKind kind, std::string_view scope) {
    return storage::GetScopeCounts(*db_, kind, scope).value();
  }
  int64_t Live(ScopeKind kind, std::string_view scope) { return Counts(kind, scope).live; }
  int64_t Lost(ScopeKind kind, std::string_view scope) { return Counts(kind, scope).lost; }
  int64_t RefDomains(ScopeKind kind, std::string_view scope) {
    return Counts(kind, scope).referring_domains;
  }
  static std::string UrlKeyOf(std::string url) {
    return core::UrlKey(core::ParseUrl(url).value());
  }

  std::optional<storage::LinkValue> Record(Family f, std::string target, std::string source,
                                           uint32_t occurrence = 0) {
    std::string key = storage::ReverseKey(UrlKeyOf(target),
                                          core::ParseUrl(source).value().href(), occurrence);
    auto bytes = db_->Get(f, key).value();
    if (!bytes) return std::nullopt;
    return storage::DecodeLinkValue(*bytes).value();
  }

  void ExpectConsistent() {
    ASSERT_OK_AND_ASSIGN(CheckReport report, CheckIndex(*db_));
    EXPECT_TRUE(report.ok()) << report.errors << " errors, first: "
                             << (report.messages.empty() ? "" : report.messages[0]);
  }

  TempDir dir_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<Indexer> indexer_;
};

TEST_F(IndexerTest, FirstCrawlWritesRecordsCountersAndPage) {
  core::Page page = MakePage("https://www.src.org/a",
                             {L("https://www.example.com/", "Home"),
                              L("http://blog.example.com/post", "Post", core::LinkTag::kA,
                                core::kRelNofollow),
                              L("https://other.net/x", "X")});
  page.internal_links = 0;
  page.external_links = 3;
  ASSERT_OK(indexer_->Index(page, At(1000)));

  EXPECT_EQ(Live(ScopeKind::kDomain, "com.example."), 2);
  EXPECT_EQ(Live(ScopeKind::kHost, "com.example.www."), 1);
  EXPECT_EQ(Live(ScopeKind::kHost, "com.example.blog."), 1);
  EXPECT_EQ(Live(ScopeKind::kUrl, UrlKeyOf("http://blog.example.com/post")), 1);
  EXPECT_EQ(Live(ScopeKind::kDomain, "net.other."), 1);
  EXPECT_EQ(RefDomains(ScopeKind::kDomain, "com.example."), 1);

  auto rec = Record(Family::kLinks, "http://blog.example.com/post", "https://www.src.org/a");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->anchor, "Post");
  EXPECT_EQ(rec->position, 2u);
  EXPECT_EQ(rec->rel, core::kRelNofollow);
  EXPECT_EQ(rec->first_seen, 1000);
  EXPECT_EQ(rec->target_href, "http://blog.example.com/post");

  auto page_bytes = db_->Get(Family::kPages, "https://www.src.org/a").value();
  ASSERT_TRUE(page_bytes.has_value());
  auto pv = storage::DecodePageValue(*page_bytes).value();
  EXPECT_EQ(pv.title, "t");
  EXPECT_EQ(pv.http_status, 200);
  EXPECT_EQ(pv.ip, "192.0.2.1");
  EXPECT_EQ(pv.first_fetch, 1000);
  EXPECT_EQ(pv.last_fetch, 1000);
  EXPECT_EQ(pv.external_links, 3u);
  EXPECT_EQ(pv.live_records, 3u);
  EXPECT_EQ(db_->GetCounter(storage::PagesCounterKey()).value(), 1);
  ExpectConsistent();
}

TEST_F(IndexerTest, HttpAndHttpsTargetsShareOneUrlScope) {
  ASSERT_OK(indexer_->Index(MakePage("http://s1.org/", {L("http://example.com/p")}), At(1)));
  ASSERT_OK(indexer_->Index(MakePage("http://s2.org/", {L("https://example.com/p")}), At(1)));
  EXPECT_EQ(Live(ScopeKind::kUrl, UrlKeyOf("http://example.com/p")), 2);
  EXPECT_EQ(RefDomains(ScopeKind::kUrl, UrlKeyOf("https://example.com/p")), 2);
  ExpectConsistent();
}

TEST_F(IndexerTest, UnchangedRecrawlRewritesNoLinkRecords) {
  std::vector<core::Link> links;
  for (int i = 0; i < 500; ++i) links.push_back(L("https://t" + std::to_string(i % 7) + ".com/" + std::to_string(i), "a"));
  core::Page page = MakePage("https://src.org/", links);
  ASSERT_OK(indexer_->Index(page, At(100)));
  IndexStats first = indexer_->stats();
  EXPECT_EQ(first.links_added, 500u);
  ASSERT_OK(indexer_->Index(page, At(200)));
  IndexStats second = indexer_->stats();
  EXPECT_EQ(second.links_added, 500u);
  EXPECT_EQ(second.links_rewritten, 0u);
  EXPECT_EQ(second.unchanged_pages, 1u);
  auto rec = Record(Family::kLinks, "https://t3.com/3", "https://src.org/");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->first_seen, 100);  // kept
  auto pv = storage::DecodePageValue(*db_->Get(Family::kPages, "https://src.org/").value()).value();
  EXPECT_EQ(pv.last_fetch, 200);  // the links' last-seen
  EXPECT_EQ(pv.first_fetch, 100);
  ExpectConsistent();
}

TEST_F(IndexerTest, LinkLostThenFoundAgainKeepsFirstSeen) {
  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/", {L("https://a.com/1"), L("https://b.com/2")}), At(100)));
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {L("https://a.com/1")}), At(200)));
  EXPECT_EQ(Live(ScopeKind::kDomain, "com.b."), 0);
  EXPECT_EQ(Lost(ScopeKind::kDomain, "com.b."), 1);
  EXPECT_EQ(RefDomains(ScopeKind::kDomain, "com.b."), 0);
  EXPECT_FALSE(Record(Family::kLinks, "https://b.com/2", "https://src.org/").has_value());
  auto lost = Record(Family::kLost, "https://b.com/2", "https://src.org/");
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(lost->lost_time, 200);
  EXPECT_EQ(lost->first_seen, 100);
  ExpectConsistent();

  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/", {L("https://a.com/1"), L("https://b.com/2")}), At(300)));
  auto back = Record(Family::kLinks, "https://b.com/2", "https://src.org/");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->first_seen, 100);
  EXPECT_FALSE(Record(Family::kLost, "https://b.com/2", "https://src.org/").has_value());
  EXPECT_EQ(Live(ScopeKind::kDomain, "com.b."), 1);
  EXPECT_EQ(Lost(ScopeKind::kDomain, "com.b."), 0);
  EXPECT_EQ(indexer_->stats().links_revived, 1u);
  ExpectConsistent();
}

TEST_F(IndexerTest, LinksBeyondTheRememberedLossesAreRevivedNotDuplicated) {
  IndexerOptions options;
  options.max_lost_kept_per_page = 2;
  Open(options);
  std::vector<core::Link> five;
  for (int i = 0; i < 5; ++i) five.push_back(L("https://t.com/" + std::to_string(i)));
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", five), At(10)));
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {}), At(20)));  // all 5 lost, 3 forgotten
  EXPECT_EQ(Lost(ScopeKind::kDomain, "com.t."), 5);
  ExpectConsistent();
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", five), At(30)));  // all back
  EXPECT_EQ(Live(ScopeKind::kDomain, "com.t."), 5);
  EXPECT_EQ(Lost(ScopeKind::kDomain, "com.t."), 0);
  EXPECT_EQ(indexer_->stats().links_revived, 5u);
  for (int i = 0; i < 5; ++i) {
    auto rec = Record(Family::kLinks, "https://t.com/" + std::to_string(i), "https://src.org/");
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->first_seen, 10) << i;
    EXPECT_FALSE(Record(Family::kLost, "https://t.com/" + std::to_string(i), "https://src.org/"));
  }
  ExpectConsistent();
}

TEST_F(IndexerTest, ChangedAnchorRewritesRecordKeepingFirstSeen) {
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {L("https://a.com/", "old")}), At(1)));
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {L("https://a.com/", "new")}), At(2)));
  auto rec = Record(Family::kLinks, "https://a.com/", "https://src.org/");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->anchor, "new");
  EXPECT_EQ(rec->first_seen, 1);
  EXPECT_EQ(indexer_->stats().links_rewritten, 1u);
  EXPECT_EQ(Live(ScopeKind::kDomain, "com.a."), 1);
  ExpectConsistent();
}

TEST_F(IndexerTest, InsertedLinkAtTopDoesNotLoseTheOthers) {
  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/", {L("https://a.com/"), L("https://b.com/")}), At(1)));
  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/", {L("https://new.com/"), L("https://a.com/"), L("https://b.com/")}),
      At(2)));
  IndexStats s = indexer_->stats();
  EXPECT_EQ(s.links_lost, 0u);
  EXPECT_EQ(s.links_added, 3u);
  EXPECT_EQ(s.links_rewritten, 2u);  // positions moved
  EXPECT_EQ(Record(Family::kLinks, "https://b.com/", "https://src.org/")->position, 3u);
  EXPECT_EQ(Record(Family::kLinks, "https://b.com/", "https://src.org/")->first_seen, 1);
  ExpectConsistent();
}

TEST_F(IndexerTest, DuplicateLinksAreSeparateOccurrences) {
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {L("https://a.com/", "x"),
                                                          L("https://a.com/", "y"),
                                                          L("https://a.com/#frag", "z")}),
                            At(1)));
  EXPECT_EQ(Live(ScopeKind::kUrl, UrlKeyOf("https://a.com/")), 3);
  EXPECT_EQ(Record(Family::kLinks, "https://a.com/", "https://src.org/", 1)->anchor, "y");
  EXPECT_EQ(RefDomains(ScopeKind::kUrl, UrlKeyOf("https://a.com/")), 1);
  ExpectConsistent();
}

TEST_F(IndexerTest, GonePageLosesAllItsLinks) {
  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/p", {L("https://a.com/"), L("https://b.com/")}), At(1)));
  core::Page gone;
  gone.url = "https://src.org/p";
  ASSERT_OK(indexer_->Accept(gone, At(5, 404)));
  EXPECT_EQ(Live(ScopeKind::kDomain, "com.a."), 0);
  EXPECT_EQ(Lost(ScopeKind::kDomain, "com.a."), 1);
  EXPECT_EQ(Record(Family::kLost, "https://b.com/", "https://src.org/p")->lost_time, 5);
  auto pv = storage::DecodePageValue(*db_->Get(Family::kPages, "https://src.org/p").value()).value();
  EXPECT_EQ(pv.http_status, 404);
  EXPECT_EQ(pv.live_records, 0u);
  ExpectConsistent();
  ASSERT_OK(indexer_->MarkGone("https://never-seen.org/", At(6, 410)));
  ExpectConsistent();
}

TEST_F(IndexerTest, ReferringDomainsCountDistinctSourceDomains) {
  // Two pages of one site and one page of another link to example.com.
  ASSERT_OK(indexer_->Index(MakePage("https://www.s1.org/a", {L("https://example.com/x")}), At(1)));
  ASSERT_OK(indexer_->Index(MakePage("https://blog.s1.org/b", {L("https://example.com/y")}), At(1)));
  ASSERT_OK(indexer_->Index(MakePage("https://s2.co.uk/", {L("https://www.example.com/")}), At(1)));
  EXPECT_EQ(RefDomains(ScopeKind::kDomain, "com.example."), 2);
  EXPECT_EQ(RefDomains(ScopeKind::kHost, "com.example."), 1);
  EXPECT_EQ(Live(ScopeKind::kDomain, "com.example."), 3);
  // One page of s1 drops its link: s1 still refers through the other page.
  ASSERT_OK(indexer_->Index(MakePage("https://www.s1.org/a", {}), At(2)));
  EXPECT_EQ(RefDomains(ScopeKind::kDomain, "com.example."), 2);
  ASSERT_OK(indexer_->Index(MakePage("https://blog.s1.org/b", {}), At(3)));
  EXPECT_EQ(RefDomains(ScopeKind::kDomain, "com.example."), 1);
  ExpectConsistent();
  // Survives a restart (the pair cache is rebuilt from disk).
  Open();
  ASSERT_OK(indexer_->Index(MakePage("https://s2.co.uk/", {}), At(4)));
  EXPECT_EQ(RefDomains(ScopeKind::kDomain, "com.example."), 0);
  ExpectConsistent();
}

// A model of the live index, for the random-history test.
TEST_F(IndexerTest, RandomHistoriesStayExactAndPageable) {
  IndexerOptions options;
  options.bucket_target = 8;
  options.pair_cache_entries = 16;  // force evictions
  Open(options);
  std::mt19937 rng(12345);
  std::vector<std::string> hosts = {"a.com", "www.a.com", "b.a.com", "c.org", "d.co.uk",
                                    "x.blogspot.com", "y.blogspot.com", "127.0.0.1"};
  auto random_url = [&] {
    return "http" + std::string(rng() % 2 ? "s" : "") + "://" + hosts[rng() % hosts.size()] +
           "/p" + std::to_string(rng() % 6);
  };
  std::vector<std::string> sources;
  for (int i = 0; i < 12; ++i) sources.push_back(random_url());
  for (int step = 0; step < 300; ++step) {
    const std::string& src = sources[rng() % sources.size()];
    if (rng() % 10 == 0) {
      ASSERT_OK(indexer_->MarkGone(src, At(step, 404)));
    } else {
      std::vector<core::Link> links;
      int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        links.push_back(L(random_url(), "anchor" + std::to_string(rng() % 3),
                          static_cast<core::LinkTag>(rng() % 3),
                          static_cast<uint8_t>(rng() % 2)));
      }
      ASSERT_OK(indexer_->Index(MakePage(src, links), At(step)));
    }
    if (step % 50 == 49) {
      ExpectConsistent();
      if (step == 149) Open(options);  // restart mid-history
      if (step == 99 || step == 199) {
        // The rank job between crawls (no indexer open, as `inlinks rank`):
        // pages whose strength changes move their strength-order entries.
        indexer_.reset();
        ASSERT_OK_AND_ASSIGN(RankStats ranked, RankPages(*db_));
        EXPECT_GT(ranked.pages_written, 0u);
        ExpectConsistent();
        Open(options);
      }
    }
  }
  ExpectConsistent();
  ASSERT_OK_AND_ASSIGN(CheckReport report, CheckIndex(*db_));
  EXPECT_TRUE(report.strength_order);
  EXPECT_EQ(report.strength_entries, 3 * report.live_links);

  // Every scope pages correctly through the directory.
  auto snapshot = db_->GetSnapshot();
  for (const std::string& host : hosts) {
    for (core::KeyRange scope : {core::HostScope(host), core::DomainScope(host)}) {
      std::vector<std::string> all;
      auto it = db_->NewIterator(Family::kLinks, scope, snapshot.get());
      for (it->SeekToFirst(); it->Valid(); it->Next()) all.emplace_back(it->key());
      for (uint64_t n = 0; n <= all.size() + 1; ++n) {
        ASSERT_OK_AND_ASSIGN(auto row, storage::SeekToRow(*db_, scope, n, snapshot.get()));
        if (n < all.size()) {
          ASSERT_TRUE(row->Valid()) << host << " row " << n;
          EXPECT_EQ(row->key(), all[n]) << host << " row " << n;
        } else {
          EXPECT_FALSE(row->Valid()) << host << " row " << n;
        }
      }
    }
    // And in strength order, through its own directory.
    for (auto [kind, key] : {std::pair{ScopeKind::kHost, core::HostKey(host)},
                             std::pair{ScopeKind::kDomain, core::HostKey(core::SiteOf(host))}}) {
      core::KeyRange scope = storage::StrengthScopeRange(kind, key);
      std::vector<std::string> all;
      auto it = db_->NewIterator(Family::kStrength, scope, snapshot.get());
      for (it->SeekToFirst(); it->Valid(); it->Next()) all.emplace_back(it->key());
      EXPECT_EQ(all.size(), static_cast<uint64_t>(Live(kind, key))) << host;
      for (uint64_t n = 0; n <= all.size() + 1; ++n) {
        ASSERT_OK_AND_ASSIGN(auto row, storage::SeekToRow(*db_, scope, n, snapshot.get(), nullptr,
                                                          storage::kStrengthOrderBuckets));
        if (n < all.size()) {
          ASSERT_TRUE(row->Valid()) << host << " row " << n;
          EXPECT_EQ(row->key(), all[n]) << host << " row " << n;
        } else {
          EXPECT_FALSE(row->Valid()) << host << " row " << n;
        }
      }
    }
  }
}

// A database indexed before the strength order existed (no meta key, no
// entries; or a build cut short) gets it, complete, when a writer opens it.
TEST_F(IndexerTest, OpeningAnOlderDatabaseBuildsTheStrengthOrder) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(indexer_->Index(
        MakePage("https://s" + std::to_string(i % 4) + ".org/" + std::to_string(i),
                 {L("https://a.com/" + std::to_string(i % 3)), L("https://b.a.com/x"),
                  L("https://s0.org/0"), L("https://s1.org/1", "", core::LinkTag::kA,
                                           core::kRelNofollow)}),
        At(i)));
  }
  indexer_.reset();
  ASSERT_OK(RankPages(*db_).status());
  ASSERT_OK_AND_ASSIGN(CheckReport before, CheckIndex(*db_));
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before.strength_entries, 3 * before.live_links);
  // Make it look like an older database whose last build was interrupted.
  {
    storage::Batch b(*db_);
    b.Delete(Family::kMeta, storage::kStrengthOrderMetaKey);
    auto it = db_->NewIterator(Family::kStrength, {"", ""});
    int kept = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (++kept % 3 != 0) b.Delete(Family::kStrength, it->key());
    }
    b.Put(Family::kStrengthBuckets, "zz", std::string(1, '\x07'));
    ASSERT_OK(db_->Write(b));
  }
  ASSERT_OK_AND_ASSIGN(CheckReport partial, CheckIndex(*db_));
  EXPECT_FALSE(partial.strength_order);  // not checked: not complete

  ASSERT_OK_AND_ASSIGN(StrengthOrderStats stats, EnsureStrengthOrder(*db_, 8));
  EXPECT_TRUE(stats.built);
  EXPECT_EQ(stats.links, before.live_links);
  EXPECT_EQ(stats.pages, 20u);
  ASSERT_OK_AND_ASSIGN(CheckReport after, CheckIndex(*db_));
  EXPECT_TRUE(after.ok()) << (after.messages.empty() ? "" : after.messages[0]);
  EXPECT_TRUE(after.strength_order);
  EXPECT_EQ(after.strength_entries, 3 * after.live_links);
  // Complete now: a second call does nothing, and the indexer goes on.
  ASSERT_OK_AND_ASSIGN(stats, EnsureStrengthOrder(*db_));
  EXPECT_FALSE(stats.built);
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(indexer_->Index(MakePage("https://s3.org/new", {L("https://a.com/9")}), At(50)));
  ExpectConsistent();
}

}  // namespace
}  // namespace inlinks::indexer

namespace inlinks::indexer {
namespace {

// The check must fail when the index is inconsistent (it guards the crash
// tests, so it must be able to fail).
TEST_F(IndexerTest, CheckFindsPlantedInconsistencies) {
  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/", {L("https://a.com/1"), L("https://b.com/2")}), At(1)));
  ExpectConsistent();
  auto expect_errors = [&](const char* what) {
    ASSERT_OK_AND_ASSIGN(CheckReport report, CheckIndex(*db_));
    EXPECT_FALSE(report.ok()) << what;
  };
  {
    storage::Batch b(*db_);
    b.AddCounters(storage::ScopeCounterKey(ScopeKind::kDomain, "com.a."), {0, 0, 1});
    ASSERT_OK(db_->Write(b));
    expect_errors("counter off by one");
    storage::Batch undo(*db_);
    undo.AddCounters(storage::ScopeCounterKey(ScopeKind::kDomain, "com.a."), {0, 0, -1});
    ASSERT_OK(db_->Write(undo));
    ExpectConsistent();
  }
  {
    std::string key = storage::ReverseKey(UrlKeyOf("https://b.com/2"), "https://src.org/", 0);
    auto value = db_->Get(Family::kLinks, key).value();
    storage::Batch b(*db_);
    b.Delete(Family::kLinks, key);
    ASSERT_OK(db_->Write(b));
    expect_errors("record missing");
    storage::Batch undo(*db_);
    undo.Put(Family::kLinks, key, *value);
    ASSERT_OK(db_->Write(undo));
    ExpectConsistent();
  }
  {
    // A strength-order entry at a strength its source page does not have.
    std::string url_key = UrlKeyOf("https://a.com/1");
    std::string key = storage::StrengthKey(ScopeKind::kUrl, url_key, 0, "https://src.org/",
                                           url_key, 0);
    auto value = db_->Get(Family::kStrength, key).value();
    ASSERT_TRUE(value.has_value());
    std::string moved = storage::StrengthKey(ScopeKind::kUrl, url_key, 7, "https://src.org/",
                                             url_key, 0);
    storage::Batch b(*db_);
    b.Delete(Family::kStrength, key);
    b.Put(Family::kStrength, moved, *value);
    ASSERT_OK(db_->Write(b));
    expect_errors("strength entry at the wrong strength");
    storage::Batch undo(*db_);
    undo.Delete(Family::kStrength, moved);
    undo.Put(Family::kStrength, key, *value);
    ASSERT_OK(db_->Write(undo));
    ExpectConsistent();
    storage::Batch gone(*db_);
    gone.Delete(Family::kStrength, key);
    ASSERT_OK(db_->Write(gone));
    expect_errors("strength entry missing");
    ASSERT_OK(db_->Write(undo));
    ExpectConsistent();
  }
  {
    storage::Batch b(*db_);
    b.Put(Family::kBuckets, "zzz", std::string(1, '\x05'));
    ASSERT_OK(db_->Write(b));
    expect_errors("bucket count wrong");
  }
}

}  // namespace
}  // namespace inlinks::indexer

namespace inlinks::indexer {
namespace {

// Review finding: two links to one URL key must keep their own identities
// when one of them goes away.
TEST_F(IndexerTest, LinksToTheSameUrlKeepTheirIdentities) {
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {L("http://x.com/a", "Logo"),
                                                          L("https://x.com/a", "Home")}),
                            At(100)));
  ASSERT_OK(indexer_->Index(MakePage("https://src.org/", {L("https://x.com/a", "Home")}), At(200)));
  EXPECT_EQ(indexer_->stats().links_rewritten, 1u);  // position 2 -> 1, same link
  EXPECT_EQ(indexer_->stats().links_lost, 1u);
  std::string url_key = UrlKeyOf("https://x.com/a");
  // The live record is the Home link, with its first-seen; Logo is lost.
  int live = 0, lost = 0;
  for (auto family : {Family::kLinks, Family::kLost}) {
    auto it = db_->NewIterator(family, core::UrlScope(core::ParseUrl("https://x.com/a").value()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto v = storage::DecodeLinkValue(it->value()).value();
      if (family == Family::kLinks) {
        ++live;
        EXPECT_EQ(v.anchor, "Home");
        EXPECT_EQ(v.first_seen, 100);
        EXPECT_EQ(v.position, 1u);
      } else {
        ++lost;
        EXPECT_EQ(v.anchor, "Logo");
        EXPECT_EQ(v.lost_time, 200);
      }
    }
  }
  EXPECT_EQ(live, 1);
  EXPECT_EQ(lost, 1);
  ExpectConsistent();
}

// Review finding: a page whose indexing fails half-way must leave no trace in
// the in-memory pagination directory (it used to be written by the next page).
TEST_F(IndexerTest, FailedPageLeavesNoPhantomBucketCounts) {
  ASSERT_OK(indexer_->Index(
      MakePage("https://src.org/", {L("https://a.com/x"), L("https://a.com/y")}), At(1)));
  std::string y_key = storage::ReverseKey(UrlKeyOf("https://a.com/y"), "https://src.org/", 0);
  auto y_value = db_->Get(Family::kLinks, y_key).value();
  ASSERT_TRUE(y_value.has_value());
  {  // Damage: y's reverse record disappears behind the indexer's back.
    storage::Batch b(*db_);
    b.Delete(Family::kLinks, y_key);
    ASSERT_OK(db_->Write(b));
  }
  // Re-crawl: a new link is counted, then losing y finds the damage.
  EXPECT_THAT(indexer_->Index(MakePage("https://src.org/", {L("https://a.com/new"),
                                                            L("https://a.com/x")}),
                              At(2)),
              inlinks::testing::StatusIs(absl::StatusCode::kDataLoss));
  {  // Repair, then index something else.
    storage::Batch b(*db_);
    b.Put(Family::kLinks, y_key, *y_value);
    ASSERT_OK(db_->Write(b));
  }
  ASSERT_OK(indexer_->Index(MakePage("https://other.org/", {L("https://b.com/")}), At(3)));
  ExpectConsistent();
}

// Pages given together (AcceptAll, one batch per group) leave exactly the
// records, counters and history of the same pages indexed one by one: over a
// random history of crawls, re-crawls, losses, revivals, gone pages, days
// changing inside a group, a source repeated inside a group and pages that
// fail.
TEST(IndexerGroupTest, AcceptAllEqualsOneByOne) {
  IndexerOptions options;
  options.bucket_target = 8;
  options.pair_cache_entries = 16;
  TempDir one_dir, all_dir;
  ASSERT_OK_AND_ASSIGN(auto one_db, storage::Db::Open(one_dir.path()));
  ASSERT_OK_AND_ASSIGN(auto all_db, storage::Db::Open(all_dir.path()));
  ASSERT_OK_AND_ASSIGN(auto one, Indexer::Create(*one_db, options));
  ASSERT_OK_AND_ASSIGN(auto all, Indexer::Create(*all_db, options));

  std::mt19937 rng(777);
  std::vector<std::string> hosts = {"a.com", "www.a.com", "b.a.com", "c.org", "d.co.uk",
                                    "x.blogspot.com", "y.blogspot.com"};
  auto random_url = [&] {
    return "https://" + hosts[rng() % hosts.size()] + "/p" + std::to_string(rng() % 5);
  };
  std::vector<std::string> sources;
  for (int i = 0; i < 10; ++i) sources.push_back(random_url());
  std::vector<core::Page> pages;
  std::vector<core::FetchFacts> facts;
  for (int step = 0; step < 400; ++step) {
    core::Page page;
    if (rng() % 50 == 0) {
      page.url = "not a url";
    } else {
      std::vector<core::Link> links;
      int n = static_cast<int>(rng() % 10);
      for (int i = 0; i < n; ++i) {
        links.push_back(L(random_url(), "anchor" + std::to_string(rng() % 3),
                          static_cast<core::LinkTag>(rng() % 2), static_cast<uint8_t>(rng() % 2)));
      }
      page = MakePage(sources[rng() % sources.size()], links);
    }
    pages.push_back(std::move(page));
    // A new UTC day every ~25 pages; one page in 12 is gone.
    facts.push_back(At(int64_t{86400} * 20000 + step * 3500, rng() % 12 == 0 ? 404 : 200));
  }

  size_t failed = 0, grouped = 0;
  for (size_t begin = 0; begin < pages.size();) {
    size_t n = std::min<size_t>(1 + rng() % 24, pages.size() - begin);
    std::vector<core::PageAndFacts> group;
    for (size_t i = begin; i < begin + n; ++i) group.push_back({&pages[i], facts[i]});
    std::vector<absl::Status> results = all->AcceptAll(group);
    ASSERT_EQ(results.size(), n);
    for (size_t i = begin; i < begin + n; ++i) {
      absl::Status alone = one->Accept(pages[i], facts[i]);
      EXPECT_EQ(alone.code(), results[i - begin].code()) << i << ": " << alone;
      failed += !alone.ok();
    }
    grouped += n > 1;
    begin += n;
  }
  EXPECT_GT(failed, 0u);
  EXPECT_GT(grouped, 10u);
  EXPECT_EQ(one->stats().pages, all->stats().pages);
  EXPECT_EQ(one->stats().links_lost, all->stats().links_lost);
  EXPECT_GT(all->stats().links_revived, 0u);

  // Every family the same but the pagination directory, which may cut its
  // buckets elsewhere (splits follow the batches): it is checked for
  // consistency instead.
  testing::ExpectSameFamilies(*one_db, *all_db, /*with_directories=*/false);
  for (storage::Db* db : {one_db.get(), all_db.get()}) {
    ASSERT_OK_AND_ASSIGN(CheckReport report, CheckIndex(*db));
    EXPECT_TRUE(report.ok()) << report.errors << " errors, first: "
                             << (report.messages.empty() ? "" : report.messages[0]);
    EXPECT_GT(report.live_links, 20u);
  }
}

TEST_F(IndexerTest, PageRecordKeepsTheSourceDomainItsLinksAreCountedUnder) {
  ASSERT_OK(indexer_->Index(MakePage("https://blog.site.co.uk/p", {L("https://a.com/")}), At(1)));
  auto pv = storage::DecodePageValue(*db_->Get(Family::kPages, "https://blog.site.co.uk/p").value())
                .value();
  EXPECT_EQ(pv.source_domain_key, "uk.co.site.");
}

}  // namespace
}  // namespace inlinks::indexer
