// QueryEngine over a database built by the real indexer: rows and fields,
// exact totals, paging by offset and by cursor, deep offsets, filters, lost
// links, aggregates.
#include "inlinks/query/backlinks.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/indexer/check.h"
#include "query/src/rows.h"
#include "query/src/source_domains.h"
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

Scope S(std::string_view target, ScopeKind kind = ScopeKind::kAuto) {
  return ResolveScope(target, kind).value();
}

std::vector<std::string> KeysOf(const BacklinkPage& page) {
  std::vector<std::string> keys;
  for (const BacklinkRow& r : page.rows) keys.push_back(r.key);
  return keys;
}

TEST(BacklinksTest, RowsCarryEveryStoredField) {
  IndexedDb idx;
  core::Page page = MakePage("https://src.example.org/post",
                             {L("https://example.com/a", "Anchor A", core::LinkTag::kA,
                                core::kRelNofollow | core::kRelUgc),
                              L("http://www.example.com/b", "alt text", core::LinkTag::kAImg),
                              L("https://src.example.org/other", "internal")},
                             "Post title");
  page.internal_links = 1;
  page.external_links = 2;
  page.total_links = 3;
  idx.Index(page, At(1000, 200, "192.0.2.7"));

  QueryEngine engine(idx.db());
  ASSERT_OK_AND_ASSIGN(BacklinkPage result, engine.Backlinks(S("example.com"), {}, 0, 10));
  EXPECT_EQ(result.total, 2u);
  EXPECT_EQ(result.offset, 0u);
  EXPECT_TRUE(result.next_cursor.empty());
  EXPECT_FALSE(result.scanned);
  ASSERT_EQ(result.rows.size(), 2u);
  // Key order: host example.com ("com.example.") before www ("com.example.www.").
  const BacklinkRow& a = result.rows[0];
  EXPECT_EQ(a.source_url, "https://src.example.org/post");
  EXPECT_EQ(a.source_title, "Post title");
  EXPECT_EQ(a.target_url, "https://example.com/a");
  EXPECT_EQ(a.anchor, "Anchor A");
  EXPECT_EQ(a.links_internal, 1u);
  EXPECT_EQ(a.links_external, 2u);
  EXPECT_EQ(a.links_total, 3u);
  EXPECT_EQ(a.position, 1u);
  EXPECT_EQ(a.tag, core::LinkTag::kA);
  EXPECT_TRUE(a.nofollow());
  EXPECT_TRUE(a.ugc());
  EXPECT_FALSE(a.sponsored());
  EXPECT_FALSE(a.lost);
  EXPECT_EQ(a.first_seen, 1000);
  EXPECT_EQ(a.last_seen, 1000);
  EXPECT_EQ(a.lost_time, 0);
  EXPECT_EQ(a.ip, "192.0.2.7");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_EQ(a.rank, 0);
  EXPECT_EQ(a.sr, 0);
  EXPECT_EQ(a.ccode, "");
  EXPECT_EQ(a.country, "");
  EXPECT_EQ(a.city, "");
  const BacklinkRow& b = result.rows[1];
  EXPECT_EQ(b.target_url, "http://www.example.com/b");
  EXPECT_EQ(b.anchor, "alt text");
  EXPECT_EQ(b.tag, core::LinkTag::kAImg);
  EXPECT_EQ(b.position, 2u);
  EXPECT_FALSE(b.nofollow());

  // A re-crawl keeps first-seen and moves last-seen.
  idx.Index(page, At(2000, 200, "192.0.2.8"));
  ASSERT_OK_AND_ASSIGN(result, engine.Backlinks(S("example.com"), {}, 0, 10));
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].first_seen, 1000);
  EXPECT_EQ(result.rows[0].last_seen, 2000);
  EXPECT_EQ(result.rows[0].ip, "192.0.2.8");

  ASSERT_OK_AND_ASSIGN(std::optional<double> rank, engine.PageRank("https://src.example.org/post"));
  ASSERT_TRUE(rank.has_value());
  EXPECT_EQ(*rank, 0);
  ASSERT_OK_AND_ASSIGN(rank, engine.PageRank("https://nowhere.example.org/"));
  EXPECT_FALSE(rank.has_value());
}

TEST(BacklinksTest, ScopesSelectTheirRows) {
  IndexedDb idx;
  idx.Index(
      MakePage("https://a.org/1", {L("https://example.com/p"), L("http://example.com/p"),
                                   L("https://blog.example.com/x"), L("https://example-shop.com/p"),
                                   L("https://examples.com/p")}),
      At(10));
  idx.Index(
      MakePage("https://b.net/2", {L("https://www.example.com/p"), L("https://example.com/q")}),
      At(10));
  QueryEngine engine(idx.db());
  auto total = [&](std::string_view target, ScopeKind kind = ScopeKind::kAuto) {
    return engine.Backlinks(S(target, kind), {}, 0, 100).value().total;
  };
  EXPECT_EQ(total("example.com"), 5u);
  EXPECT_EQ(total("www.example.com"), 5u);
  EXPECT_EQ(total("example.com", ScopeKind::kHost), 3u);
  EXPECT_EQ(total("blog.example.com"), 1u);
  EXPECT_EQ(total("example.com/p"), 2u);  // http and https together
  EXPECT_EQ(total("https://example.com/p"), 2u);
  EXPECT_EQ(total("www.example.com/p"), 1u);
  EXPECT_EQ(total("example-shop.com"), 1u);
  EXPECT_EQ(total("nothing.example"), 0u);

  ASSERT_OK_AND_ASSIGN(ScopeCounts c, engine.CountBacklinks(S("example.com")));
  EXPECT_EQ(c.live, 5u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.referring_domains, 2u);
  // The rows are exactly the naive range scan.
  for (const char* t : {"example.com", "blog.example.com", "example.com/p"}) {
    Scope s = S(t);
    ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(s, {}, 0, 100));
    EXPECT_EQ(KeysOf(page), idx.LiveInOrder(s.range)) << t;
  }
}

// A few hundred pages with random links into example.com and among
// themselves, ranked (so their sr differ), then partly re-crawled and
// extended after the rank job: the strength order has entries written by the
// indexer at ranked and unranked strengths and entries the rank job moved.
class PagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(42);
    auto source = [](int p) {
      return "https://src" + std::to_string(p % 37) + ".org/page" + std::to_string(p);
    };
    const char* hosts[] = {"https://example.com", "http://www.example.com",
                           "https://blog.example.com", "https://shop.example.com",
                           "https://example.net"};
    for (int p = 0; p < 300; ++p) {
      std::vector<core::Link> links;
      int n = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < n; ++i) {
        std::string target = std::string(hosts[rng() % 5]) + "/p/" + std::to_string(rng() % 12);
        uint8_t rel = rng() % 3 == 0 ? core::kRelNofollow : 0;
        auto tag = static_cast<core::LinkTag>(rng() % 3);
        links.push_back(L(target, "anchor " + std::to_string(rng() % 5), tag, rel));
      }
      if (p % 10 == 0) links.push_back(links.front());  // two links to one URL (occurrences)
      // Links among the sources, popular ones (low numbers) more often.
      for (int i = 0; i < 3; ++i) {
        links.push_back(L(source(static_cast<int>(rng() % (1 + rng() % 300)))));
      }
      pages_.push_back(MakePage(source(p), std::move(links)));
      idx_.Index(pages_.back(), At(100 + p));
    }
    indexer::RankStats ranked = idx_.Rank();
    EXPECT_GT(ranked.links_reordered, 0u);
    // After the rank job: re-crawls that drop or add links, and new pages
    // (no rank yet).
    for (int p = 0; p < 300; p += 7) {
      core::Page page = pages_[static_cast<size_t>(p)];
      page.links.erase(page.links.begin());
      page.links.push_back(L("https://example.com/p/" + std::to_string(p % 12)));
      idx_.Index(page, At(1000 + p));
    }
    for (int p = 300; p < 340; ++p) {
      idx_.Index(MakePage(source(p), {L("https://example.com/p/" + std::to_string(p % 12)),
                                      L("https://blog.example.com/p/3")}),
                 At(1000 + p));
    }
  }
  std::vector<core::Page> pages_;
  IndexedDb idx_;
};

TEST_F(PagingTest, WalkingEveryPageYieldsEachLinkOnce) {
  QueryEngine engine(idx_.db());
  for (const char* t : {"example.com", "blog.example.com", "example.com/p/3"}) {
    Scope scope = S(t);
    std::vector<std::string> naive = idx_.LiveInOrder(scope.range);
    ASSERT_GT(naive.size(), 0u) << t;
    for (uint64_t size : {1, 7, 100}) {
      // By offset.
      std::vector<std::string> seen;
      uint64_t total = 0;
      for (uint64_t offset = 0;; offset += size) {
        absl::StatusOr<BacklinkPage> page = engine.Backlinks(scope, {}, offset, size);
        if (offset > 0 && offset >= naive.size()) {
          EXPECT_THAT(page, StatusIs(absl::StatusCode::kOutOfRange));
          break;
        }
        ASSERT_THAT(page, IsOk());
        total = page->total;
        EXPECT_EQ(page->offset, offset);
        for (auto& k : KeysOf(*page)) seen.push_back(k);
        if (page->next_cursor.empty()) {
          EXPECT_EQ(offset + page->rows.size(), page->total);
        }
      }
      EXPECT_EQ(total, naive.size()) << t << " size " << size;
      EXPECT_EQ(seen, naive) << t << " size " << size;
      std::set<std::string> unique(seen.begin(), seen.end());
      EXPECT_EQ(unique.size(), seen.size());

      // By cursor.
      std::vector<std::string> by_cursor;
      ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, {}, 0, size));
      for (;;) {
        EXPECT_EQ(page.offset, by_cursor.size());
        for (auto& k : KeysOf(page)) by_cursor.push_back(k);
        if (page.next_cursor.empty()) break;
        ASSERT_OK_AND_ASSIGN(page, engine.BacklinksAfterCursor(scope, {}, page.next_cursor, size));
        EXPECT_EQ(page.total, naive.size());
      }
      EXPECT_EQ(by_cursor, naive) << t << " size " << size;
    }
  }
}

TEST_F(PagingTest, StrongestSourcesComeFirst) {
  QueryEngine engine(idx_.db());
  ASSERT_OK_AND_ASSIGN(indexer::CheckReport report, indexer::CheckIndex(idx_.db()));
  EXPECT_TRUE(report.ok()) << (report.messages.empty() ? "" : report.messages[0]);
  EXPECT_TRUE(report.strength_order);
  for (const char* t : {"example.com", "blog.example.com", "example.com/p/3"}) {
    ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(S(t), {}, 0, 10000));
    ASSERT_EQ(page.rows.size(), page.total) << t;
    std::set<double> strengths;
    for (size_t i = 0; i < page.rows.size(); ++i) {
      strengths.insert(page.rows[i].sr);
      if (i == 0) continue;
      const BacklinkRow& a = page.rows[i - 1];
      const BacklinkRow& b = page.rows[i];
      ASSERT_GE(a.sr, b.sr) << t << " row " << i;
      if (a.sr == b.sr) {
        ASSERT_LE(a.source_url, b.source_url) << t << " row " << i;
      }
    }
    // Ranked sources at several strengths, and the unranked new pages (0).
    EXPECT_GE(strengths.size(), 3u) << t;
    EXPECT_EQ(*strengths.begin(), 0) << t;
  }
  // One link per referring domain picks each domain's strongest link.
  BacklinkFilter per_domain;
  per_domain.one_per_domain = true;
  ASSERT_OK_AND_ASSIGN(BacklinkPage firsts, engine.Backlinks(S("example.com"), per_domain, 0, 100));
  ASSERT_OK_AND_ASSIGN(BacklinkPage all, engine.Backlinks(S("example.com"), {}, 0, 10000));
  std::map<std::string, double> best;
  for (const BacklinkRow& r : all.rows) {
    std::string domain(internal::HrefHost(r.source_url));
    best.emplace(domain, r.sr);  // the first row of a domain is its strongest
  }
  EXPECT_EQ(firsts.total, best.size());
  for (const BacklinkRow& r : firsts.rows) {
    EXPECT_EQ(r.sr, best[std::string(internal::HrefHost(r.source_url))]) << r.source_url;
  }
}

TEST_F(PagingTest, KeyOrderOnRequest) {
  QueryEngine engine(idx_.db());
  for (const char* t : {"example.com", "example.com/p/3"}) {
    Scope scope = S(t);
    std::vector<std::string> naive = idx_.Keys(Family::kLinks, scope.range);
    for (bool nofollow : {false, true}) {
      BacklinkFilter f;
      f.order = ResultOrder::kKey;
      std::vector<std::string> want = naive;
      if (nofollow) {
        f.nofollow = true;
        want.clear();
        for (const auto& [key, v] : idx_.Records(Family::kLinks, scope.range)) {
          if (v.rel & core::kRelNofollow) want.push_back(key);
        }
      }
      // By offset (a scan: there is no directory over the key order) ...
      std::vector<std::string> seen;
      for (uint64_t offset = 0; offset < want.size(); offset += 7) {
        ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, f, offset, 7));
        EXPECT_EQ(page.total, want.size());
        for (auto& k : KeysOf(page)) seen.push_back(k);
      }
      EXPECT_EQ(seen, want) << t;
      // ... and by cursor; a cursor of one order is refused by the other.
      std::vector<std::string> by_cursor;
      ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, f, 0, 5));
      ASSERT_FALSE(page.next_cursor.empty());
      EXPECT_THAT(engine.BacklinksAfterCursor(scope, BacklinkFilter{}, page.next_cursor, 5),
                  StatusIs(absl::StatusCode::kInvalidArgument));
      for (;;) {
        for (auto& k : KeysOf(page)) by_cursor.push_back(k);
        if (page.next_cursor.empty()) break;
        ASSERT_OK_AND_ASSIGN(page, engine.BacklinksAfterCursor(scope, f, page.next_cursor, 5));
      }
      EXPECT_EQ(by_cursor, want) << t;
    }
  }
  EXPECT_EQ(ParseResultOrder("Key").value(), ResultOrder::kKey);
  EXPECT_EQ(ParseResultOrder("default").value(), ResultOrder::kStrength);
  EXPECT_THAT(ParseResultOrder("date"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PagingTest, DeepOffsetEqualsNaiveSkip) {
  QueryEngine engine(idx_.db());
  Scope scope = S("example.com");
  std::vector<std::string> naive = idx_.LiveInOrder(scope.range);
  for (uint64_t offset = 0; offset < naive.size(); offset += 5) {
    ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, {}, offset, 3));
    std::vector<std::string> want(
        naive.begin() + static_cast<long>(offset),
        naive.begin() + static_cast<long>(std::min<uint64_t>(offset + 3, naive.size())));
    EXPECT_EQ(KeysOf(page), want) << offset;
  }
  // Past the end: kOutOfRange; limit 0: only the total.
  EXPECT_THAT(engine.Backlinks(scope, {}, naive.size(), 10),
              StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(BacklinkPage only_total, engine.Backlinks(scope, {}, 0, 0));
  EXPECT_EQ(only_total.total, naive.size());
  EXPECT_TRUE(only_total.rows.empty());
  // An empty scope at offset 0 is an empty page, not an error.
  ASSERT_OK_AND_ASSIGN(BacklinkPage empty, engine.Backlinks(S("unknown.example"), {}, 0, 10));
  EXPECT_EQ(empty.total, 0u);
}

TEST_F(PagingTest, FiltersMatchNaiveScanAndPage) {
  QueryEngine engine(idx_.db());
  Scope scope = S("example.com");
  auto records = idx_.Records(Family::kLinks, scope.range);
  std::vector<BacklinkFilter> filters(4);
  filters[0].nofollow = true;
  filters[1].nofollow = false;
  filters[2].tag = core::LinkTag::kAImg;
  filters[3].tag = core::LinkTag::kA;
  filters[3].nofollow = true;
  for (const BacklinkFilter& f : filters) {
    std::vector<std::string> want;
    for (const auto& [key, v] : records) {
      if (f.nofollow && *f.nofollow != ((v.rel & core::kRelNofollow) != 0)) continue;
      if (f.tag && *f.tag != v.tag) continue;
      want.push_back(key);
    }
    ASSERT_GT(want.size(), 0u);
    want = idx_.InStrengthOrder(std::move(want));
    for (uint64_t size : {1, 7, 100}) {
      std::vector<std::string> seen;
      for (uint64_t offset = 0; offset < want.size(); offset += size) {
        ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, f, offset, size));
        EXPECT_TRUE(page.scanned);
        EXPECT_EQ(page.total, want.size());
        for (const BacklinkRow& r : page.rows) {
          if (f.nofollow) {
            EXPECT_EQ(r.nofollow(), *f.nofollow);
          }
          if (f.tag) {
            EXPECT_EQ(r.tag, *f.tag);
          }
          seen.push_back(r.key);
        }
      }
      EXPECT_EQ(seen, want) << size;
      std::vector<std::string> by_cursor;
      ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, f, 0, size));
      for (;;) {
        EXPECT_EQ(page.offset, by_cursor.size());
        for (auto& k : KeysOf(page)) by_cursor.push_back(k);
        if (page.next_cursor.empty()) break;
        ASSERT_OK_AND_ASSIGN(page, engine.BacklinksAfterCursor(scope, f, page.next_cursor, size));
      }
      EXPECT_EQ(by_cursor, want) << size;
    }
  }
}

TEST_F(PagingTest, AggregatesAgreeWithRecords) {
  QueryEngine engine(idx_.db());
  Scope scope = S("example.com");
  auto records = idx_.Records(Family::kLinks, scope.range);

  std::map<std::string, uint64_t> anchors;
  std::map<std::string, uint64_t> pages;
  for (const auto& [key, v] : records) {
    ++anchors[v.anchor];
    auto parts = storage::DecodeReverseKey(key).value();
    ++pages[std::string(parts.target_url_key)];
  }
  ASSERT_OK_AND_ASSIGN(AnchorPage a, engine.AnchorTexts(scope, 0, 1000));
  EXPECT_EQ(a.total, anchors.size());
  uint64_t sum = 0;
  for (size_t i = 0; i < a.anchors.size(); ++i) {
    EXPECT_EQ(a.anchors[i].links, anchors[a.anchors[i].anchor]);
    if (i > 0) {
      EXPECT_GE(a.anchors[i - 1].links, a.anchors[i].links);
    }
    sum += a.anchors[i].links;
  }
  EXPECT_EQ(sum, records.size());
  ASSERT_OK_AND_ASSIGN(AnchorPage a2, engine.AnchorTexts(scope, 1, 2));
  ASSERT_EQ(a2.anchors.size(), 2u);
  EXPECT_EQ(a2.anchors[0].anchor, a.anchors[1].anchor);

  ASSERT_OK_AND_ASSIGN(LinkedPagePage lp, engine.LinkedPages(scope, 0, 1000));
  EXPECT_EQ(lp.total, pages.size());
  ASSERT_EQ(lp.pages.size(), pages.size());
  // Most backlinks first, ties in URL-key order.
  std::vector<std::pair<int64_t, std::string>> by_links;
  for (const auto& [url_key, n] : pages) by_links.emplace_back(-static_cast<int64_t>(n), url_key);
  std::sort(by_links.begin(), by_links.end());
  auto want = by_links.begin();
  for (const LinkedPage& p : lp.pages) {
    EXPECT_EQ(p.live, static_cast<uint64_t>(-want->first)) << p.url;
    EXPECT_EQ(p.url, core::DisplayUrl(core::DecodeUrlKey(want->second).value())) << p.url;
    EXPECT_EQ(p.url.rfind("/p/"), p.url.find('/')) << p.url;
    ++want;
  }
  EXPECT_GT(lp.pages.front().live, lp.pages.back().live);
  ASSERT_OK_AND_ASSIGN(LinkedPagePage lp2, engine.LinkedPages(scope, 3, 4));
  ASSERT_EQ(lp2.pages.size(), 4u);
  EXPECT_EQ(lp2.pages[0].url, lp.pages[3].url);
  EXPECT_EQ(lp2.total, lp.total);

  ASSERT_OK_AND_ASSIGN(ScopeCounts counts, engine.CountBacklinks(scope));
  ASSERT_OK_AND_ASSIGN(ReferringDomainPage rd, engine.ReferringDomains(scope, 0, 1000));
  EXPECT_EQ(rd.total, counts.referring_domains);
  EXPECT_EQ(rd.total, 37u);  // src0.org .. src36.org
  uint64_t links = 0;
  for (const ReferringDomain& d : rd.domains) {
    EXPECT_EQ(d.domain.rfind("src", 0), 0u) << d.domain;
    links += d.links;
  }
  EXPECT_EQ(links, records.size());
}

TEST(BacklinksTest, LostLinksAfterRecrawl) {
  IndexedDb idx;
  idx.Index(MakePage("https://a.org/1",
                     {L("https://example.com/x", "X"), L("https://example.com/y", "Y")}),
            At(100));
  idx.Index(MakePage("https://b.org/2", {L("https://example.com/z", "Z")}), At(100));
  idx.Index(MakePage("https://a.org/1", {L("https://example.com/x", "X")}), At(200));
  QueryEngine engine(idx.db());
  Scope scope = S("example.com");

  BacklinkFilter live, lost, all;
  lost.state = LinkState::kLost;
  all.state = LinkState::kAll;
  ASSERT_OK_AND_ASSIGN(BacklinkPage p, engine.Backlinks(scope, live, 0, 10));
  ASSERT_EQ(p.total, 2u);
  EXPECT_EQ(p.rows[0].target_url, "https://example.com/x");
  EXPECT_EQ(p.rows[1].target_url, "https://example.com/z");

  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(scope, lost, 0, 10));
  ASSERT_EQ(p.total, 1u);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].target_url, "https://example.com/y");
  EXPECT_TRUE(p.rows[0].lost);
  EXPECT_EQ(p.rows[0].lost_time, 200);
  EXPECT_EQ(p.rows[0].first_seen, 100);
  EXPECT_EQ(p.rows[0].last_seen, 200);
  EXPECT_EQ(p.rows[0].anchor, "Y");

  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(scope, all, 0, 10));
  ASSERT_EQ(p.total, 3u);
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_FALSE(p.rows[0].lost);
  EXPECT_FALSE(p.rows[1].lost);
  EXPECT_TRUE(p.rows[2].lost);

  // Paging "all" one row at a time, by offset and by cursor, crosses from
  // live to lost exactly once.
  std::vector<std::string> by_offset, by_cursor;
  for (uint64_t o = 0; o < 3; ++o) {
    ASSERT_OK_AND_ASSIGN(BacklinkPage one, engine.Backlinks(scope, all, o, 1));
    ASSERT_EQ(one.rows.size(), 1u);
    by_offset.push_back(one.rows[0].key);
    EXPECT_EQ(one.next_cursor.empty(), o == 2);
  }
  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(scope, all, 0, 1));
  for (;;) {
    for (auto& k : KeysOf(p)) by_cursor.push_back(k);
    if (p.next_cursor.empty()) break;
    ASSERT_OK_AND_ASSIGN(p, engine.BacklinksAfterCursor(scope, all, p.next_cursor, 1));
  }
  EXPECT_EQ(by_offset, by_cursor);
  EXPECT_EQ(by_offset.size(), 3u);
  // A lost-row cursor is refused for the live state.
  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(scope, all, 1, 1));
  ASSERT_FALSE(p.next_cursor.empty());
  ASSERT_OK_AND_ASSIGN(BacklinkPage last,
                       engine.BacklinksAfterCursor(scope, all, p.next_cursor, 1));
  EXPECT_TRUE(last.rows[0].lost);

  // Filters apply to lost rows too.
  BacklinkFilter lost_nofollow = lost;
  lost_nofollow.nofollow = true;
  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(scope, lost_nofollow, 0, 10));
  EXPECT_EQ(p.total, 0u);

  // The page disappears: all its links are lost.
  idx.MarkGone("https://a.org/1", At(300, 404));
  ASSERT_OK_AND_ASSIGN(ScopeCounts c, engine.CountBacklinks(scope));
  EXPECT_EQ(c.live, 1u);
  EXPECT_EQ(c.lost, 2u);
  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(scope, lost, 0, 10));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].target_url, "https://example.com/x");
  EXPECT_EQ(p.rows[0].lost_time, 300);
  EXPECT_EQ(p.rows[0].http_status, 404);
}

TEST(BacklinksTest, BadCursorsAreInvalidArgument) {
  IndexedDb idx;
  idx.Index(MakePage("https://a.org/1", {L("https://example.com/x"), L("https://example.com/y"),
                                         L("https://other.com/")}),
            At(100));
  QueryEngine engine(idx.db());
  ASSERT_OK_AND_ASSIGN(BacklinkPage p, engine.Backlinks(S("example.com"), {}, 0, 1));
  ASSERT_FALSE(p.next_cursor.empty());
  EXPECT_THAT(engine.BacklinksAfterCursor(S("example.com"), {}, "not a cursor!", 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine.BacklinksAfterCursor(S("example.com"), {}, "", 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine.BacklinksAfterCursor(S("other.com"), {}, p.next_cursor, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  BacklinkFilter lost;
  lost.state = LinkState::kLost;
  EXPECT_THAT(engine.BacklinksAfterCursor(S("example.com"), lost, p.next_cursor, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(BacklinkPage next,
                       engine.BacklinksAfterCursor(S("example.com"), {}, p.next_cursor, 1));
  ASSERT_EQ(next.rows.size(), 1u);
  EXPECT_EQ(next.rows[0].target_url, "https://example.com/y");
  EXPECT_EQ(next.offset, 1u);
  EXPECT_TRUE(next.next_cursor.empty());
}

TEST(BacklinksTest, OnePageReadsOneSnapshot) {
  // Rows written after a cursor was issued but behind it do not repeat rows
  // ahead of it: the next page continues after the cursor's key.
  IndexedDb idx;
  idx.Index(MakePage("https://m.org/1", {L("https://example.com/m")}), At(1));
  idx.Index(MakePage("https://n.org/1", {L("https://example.com/n")}), At(1));
  QueryEngine engine(idx.db());
  Scope scope = S("example.com");
  ASSERT_OK_AND_ASSIGN(BacklinkPage p, engine.Backlinks(scope, {}, 0, 1));
  ASSERT_EQ(p.rows[0].target_url, "https://example.com/m");
  idx.Index(MakePage("https://a.org/1", {L("https://example.com/a")}), At(2));
  ASSERT_OK_AND_ASSIGN(BacklinkPage next, engine.BacklinksAfterCursor(scope, {}, p.next_cursor, 5));
  ASSERT_EQ(next.rows.size(), 1u);
  EXPECT_EQ(next.rows[0].target_url, "https://example.com/n");
  EXPECT_EQ(next.total, 3u);
}


// The engine keeps page records between requests (PageCache): a write in
// between must show in the next request, never the cached state.
TEST(BacklinksTest, CachedPageRecordsNeverOutliveAWrite) {
  IndexedDb idx;
  core::Page page = MakePage("https://src.example.org/post", {L("https://example.com/a")},
                             "First title");
  page.total_links = 1;
  idx.Index(page, At(1000, 200, "192.0.2.7"));
  QueryEngine engine(idx.db());
  for (int i = 0; i < 3; ++i) {  // the second and third read the cache
    ASSERT_OK_AND_ASSIGN(BacklinkPage p, engine.Backlinks(S("example.com"), {}, 0, 10));
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0].source_title, "First title");
    EXPECT_EQ(p.rows[0].ip, "192.0.2.7");
    EXPECT_EQ(p.rows[0].last_seen, 1000);
  }
  // The same link, a new title and address: only the page record changes.
  page.title = "Second title";
  idx.Index(page, At(2000, 200, "192.0.2.8"));
  ASSERT_OK_AND_ASSIGN(BacklinkPage p, engine.Backlinks(S("example.com"), {}, 0, 10));
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].source_title, "Second title");
  EXPECT_EQ(p.rows[0].ip, "192.0.2.8");
  EXPECT_EQ(p.rows[0].last_seen, 2000);
  // An unrelated write (another page) also moves the snapshot on.
  idx.Index(MakePage("https://other.example.net/", {L("https://elsewhere.org/")}), At(3000));
  page.title = "Third title";
  idx.Index(page, At(4000, 200, "192.0.2.9"));
  ASSERT_OK_AND_ASSIGN(p, engine.Backlinks(S("example.com"), {}, 0, 10));
  EXPECT_EQ(p.rows[0].source_title, "Third title");
}

TEST(PageCacheTest, EntriesServeOnlyTheirOwnSequence) {
  PageCache cache(3);
  auto page = [](std::string title) {
    storage::PageValue v;
    v.title = std::move(title);
    return std::make_shared<const storage::PageValue>(std::move(v));
  };
  std::vector<std::string_view> ab = {"a", "b"};
  cache.Insert(7, ab, {page("A7"), nullptr});  // b has no record: cached as such
  std::vector<PageCache::Page> out;
  std::vector<bool> found;
  cache.Lookup(7, {"a", "b", "c"}, out, found);
  EXPECT_EQ(found, (std::vector<bool>{true, true, false}));
  ASSERT_NE(out[0], nullptr);
  EXPECT_EQ(out[0]->title, "A7");
  EXPECT_EQ(out[1], nullptr);
  cache.Lookup(8, {"a"}, out, found);  // a newer view: nothing cached for it
  EXPECT_FALSE(found[0]);
  cache.Lookup(6, {"a"}, out, found);  // an older one neither
  EXPECT_FALSE(found[0]);
  cache.Insert(6, {"a"}, {page("A6")});  // older than the cache: ignored
  cache.Lookup(7, {"a"}, out, found);
  ASSERT_TRUE(found[0]);
  EXPECT_EQ(out[0]->title, "A7");
  cache.Insert(9, {"c"}, {page("C9")});  // newer: replaces everything
  cache.Lookup(9, {"a", "c"}, out, found);
  EXPECT_EQ(found, (std::vector<bool>{false, true}));
  cache.Lookup(7, {"a"}, out, found);
  EXPECT_FALSE(found[0]);
  // Capacity 3: a fourth entry starts the cache over instead of growing it.
  cache.Insert(9, {"d", "e"}, {page("D"), page("E")});
  cache.Insert(9, {"f"}, {page("F")});
  cache.Lookup(9, {"c", "d", "e", "f"}, out, found);
  EXPECT_EQ(found, (std::vector<bool>{false, false, false, true}));
}

}  // namespace
}  // namespace inlinks::query
