// RankPages: PageRank over the stored page graph. Small graphs checked by
// hand (stored scale: PageRank x pages, so an average page has 1 and, with no
// dangling page, a page nobody links to has 1 - d = 0.15), the job's
// bookkeeping (idempotence, other fields kept, options), and a random
// power-law graph against networkx's pagerank (tests/indexer/
// pagerank_reference.py, Debian python3-networkx).
#include "inlinks/indexer/rank.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/records.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::indexer {
namespace {

using core::LinkTag;
using ::inlinks::testing::StatusIs;
using ::inlinks::testing::TempDir;
using storage::Family;

constexpr double kD = 0.85;
constexpr double kFloor = 1 - kD;  // stored rank of an unlinked page, no dangling pages

std::string Href(const std::string& url) { return core::ParseUrl(url).value().href(); }

core::Link L(const std::string& target, LinkTag tag = LinkTag::kA, uint8_t rel = 0) {
  core::Link l;
  l.target = Href(target);
  l.tag = tag;
  l.rel = rel;
  return l;
}

class RankTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, storage::Db::Open(dir_.path()));
    ASSERT_OK_AND_ASSIGN(indexer_, Indexer::Create(*db_));
  }

  void Index(const std::string& url, std::vector<core::Link> links, int64_t time = 1000) {
    core::Page p;
    p.url = Href(url);
    p.title = "title of " + url;
    for (size_t i = 0; i < links.size(); ++i) links[i].position = static_cast<uint32_t>(i + 1);
    p.links = std::move(links);
    p.total_links = static_cast<uint32_t>(p.links.size());
    core::FetchFacts f;
    f.http_status = 200;
    f.fetch_time_unix = time;
    f.ip = "192.0.2.7";
    ASSERT_OK(indexer_->Index(p, f));
  }

  void MarkGone(const std::string& url) {
    core::FetchFacts f;
    f.http_status = 404;
    f.fetch_time_unix = 2000;
    ASSERT_OK(indexer_->MarkGone(Href(url), f));
  }

  storage::PageValue Page(const std::string& url) {
    auto bytes = db_->Get(Family::kPages, Href(url));
    EXPECT_TRUE(bytes.ok() && bytes->has_value()) << url;
    if (!bytes.ok() || !bytes->has_value()) return {};
    return storage::DecodePageValue(**bytes).value();
  }
  double RankOf(const std::string& url) { return Page(url).rank; }

  RankStats Rank(RankOptions options = {}) {
    absl::StatusOr<RankStats> stats = RankPages(*db_, options);
    EXPECT_OK(stats.status());
    return stats.ok() ? *stats : RankStats{};
  }

  TempDir dir_{"inlinks_rank_test"};
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<Indexer> indexer_;
};

RankOptions Exact() {
  RankOptions o;
  o.tolerance = 1e-13;
  o.max_iterations = 1000;
  return o;
}

TEST_F(RankTest, CycleGivesEveryPageRankOne) {
  Index("https://a.test/", {L("https://b.test/")});
  Index("https://b.test/", {L("https://c.test/")});
  Index("https://c.test/", {L("https://a.test/")});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.pages, 3u);
  EXPECT_EQ(s.nodes, 3u);
  EXPECT_EQ(s.links, 3u);
  EXPECT_EQ(s.edges, 3u);
  EXPECT_EQ(s.dangling, 0u);
  EXPECT_TRUE(s.converged);
  EXPECT_LT(s.l1_delta, 1e-13);
  EXPECT_EQ(s.pages_written, 3u);
  EXPECT_GT(s.bytes_per_edge, 0);
  for (const char* url : {"https://a.test/", "https://b.test/", "https://c.test/"}) {
    EXPECT_NEAR(RankOf(url), 1.0, 1e-12) << url;
  }
}

// Four leaves link to a hub that links nowhere: the hub's score is spread
// over all five pages. With h, l the PageRanks (sum 1):
//   l = 0.15/5 + 0.85 h/5,  h = 0.15/5 + 0.85 h/5 + 0.85 * 4 l
// give h = 11/21, l = 5/42; stored x5.
TEST_F(RankTest, StarIntoDanglingHub) {
  for (int i = 1; i <= 4; ++i) {
    Index("https://leaf" + std::to_string(i) + ".test/", {L("https://hub.test/")});
  }
  Index("https://hub.test/", {});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.dangling, 1u);
  EXPECT_NEAR(RankOf("https://hub.test/"), 55.0 / 21, 1e-10);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_NEAR(RankOf("https://leaf" + std::to_string(i) + ".test/"), 25.0 / 42, 1e-10);
  }
  EXPECT_NEAR(s.min_rank, 25.0 / 42, 1e-10);
  EXPECT_NEAR(s.max_rank, 55.0 / 21, 1e-10);
}

// a -> b, b dangling: a = 0.075 + 0.425 b, a + b = 1 give a = 20/57, b = 37/57.
TEST_F(RankTest, DanglingPageSpreadsItsScore) {
  Index("https://a.test/", {L("https://b.test/")});
  Index("https://b.test/", {});
  Rank(Exact());
  EXPECT_NEAR(RankOf("https://a.test/"), 40.0 / 57, 1e-10);
  EXPECT_NEAR(RankOf("https://b.test/"), 74.0 / 57, 1e-10);
}

// a links b (followed) and c, d, e (nofollow, ugc, sponsored); all link back.
// c, d, e get the floor; a = f + d (b + 3f), b = f + d a.
TEST_F(RankTest, NofollowUgcSponsoredPassNothing) {
  Index("https://a.test/",
        {L("https://b.test/"), L("https://c.test/", LinkTag::kA, core::kRelNofollow),
         L("https://d.test/", LinkTag::kAImg, core::kRelUgc),
         L("https://e.test/", LinkTag::kA, core::kRelSponsored | core::kRelNofollow)});
  for (const char* p :
       {"https://b.test/", "https://c.test/", "https://d.test/", "https://e.test/"}) {
    Index(p, {L("https://a.test/")});
  }
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.unfollowed_links, 3u);
  EXPECT_EQ(s.edges, 5u);
  const double a = kFloor * (1 + 4 * kD) / (1 - kD * kD);
  EXPECT_NEAR(RankOf("https://a.test/"), a, 1e-10);
  EXPECT_NEAR(RankOf("https://b.test/"), kFloor + kD * a, 1e-10);
  for (const char* p : {"https://c.test/", "https://d.test/", "https://e.test/"}) {
    EXPECT_NEAR(RankOf(p), kFloor, 1e-10) << p;
  }
  EXPECT_NEAR(s.min_rank, kFloor, 1e-10);
}

// x -> r; r -alias-> t and r -> u (a hyperlink); t -> x; u -> x. r's whole
// score goes to t (t = f + d r) and its hyperlink to u passes nothing.
class RankAliasTest : public RankTest,
                      public ::testing::WithParamInterface<std::pair<LinkTag, uint8_t>> {};

TEST_P(RankAliasTest, PassesTheSourcesFullScore) {
  auto [tag, rel] = GetParam();
  Index("https://x.test/", {L("https://r.test/")});
  Index("https://r.test/", {L("https://t.test/", tag, rel), L("https://u.test/")});
  Index("https://t.test/", {L("https://x.test/")});
  Index("https://u.test/", {L("https://x.test/")});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.edges, 4u);
  EXPECT_EQ(s.followed_links, 5u);
  const double r = RankOf("https://r.test/"), t = RankOf("https://t.test/");
  EXPECT_NEAR(t, kFloor + kD * r, 1e-10);
  EXPECT_NEAR(RankOf("https://u.test/"), kFloor, 1e-10);
  EXPECT_NEAR(RankOf("https://x.test/"), kFloor + kD * (t + kFloor), 1e-10);
  EXPECT_NEAR(RankOf("https://x.test/") + r + t + kFloor, 4.0, 1e-10);
}

// A canonical or redirect passes whatever its rel bits say: the extractor
// marks it nofollow on a meta robots nofollow page.
INSTANTIATE_TEST_SUITE_P(RankAliases, RankAliasTest,
                         ::testing::Values(std::make_pair(LinkTag::kRedirect, uint8_t{0}),
                                           std::make_pair(LinkTag::kCanonical, uint8_t{0}),
                                           std::make_pair(LinkTag::kCanonical,
                                                          uint8_t{core::kRelNofollow})),
                         [](const auto& info) {
                           return std::string(info.param.second ? "nofollow_" : "") +
                                  std::string(core::LinkTagName(info.param.first));
                         });

// A page that names itself canonical (the common case) keeps its hyperlinks.
TEST_F(RankTest, SelfCanonicalKeepsHyperlinks) {
  Index("https://a.test/", {L("https://a.test/", LinkTag::kCanonical), L("https://b.test/")});
  Index("https://b.test/", {L("https://a.test/")});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.self_links, 1u);
  EXPECT_NEAR(RankOf("https://a.test/"), 1.0, 1e-12);
  EXPECT_NEAR(RankOf("https://b.test/"), 1.0, 1e-12);
}

// Several links from one page to one target count once.
TEST_F(RankTest, RepeatedLinksCountOnce) {
  Index("https://a.test/", {L("https://b.test/"), L("https://b.test/"), L("https://c.test/"),
                            L("https://b.test/", LinkTag::kIframe)});
  Index("https://b.test/", {L("https://a.test/")});
  Index("https://c.test/", {L("https://a.test/")});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.followed_links, 6u);
  EXPECT_EQ(s.edges, 4u);
  EXPECT_NEAR(RankOf("https://b.test/"), RankOf("https://c.test/"), 1e-12);
}

// Links to pages without a page record are not part of the graph: a's only
// out-edge is b.
TEST_F(RankTest, LinksToUncrawledPagesAreDropped) {
  Index("https://a.test/", {L("https://b.test/"), L("https://never.test/crawled")});
  Index("https://b.test/", {L("https://a.test/")});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.uncrawled_links, 1u);
  EXPECT_EQ(s.pages, 2u);
  EXPECT_NEAR(RankOf("https://a.test/"), 1.0, 1e-12);
  EXPECT_NEAR(RankOf("https://b.test/"), 1.0, 1e-12);
  ASSERT_OK_AND_ASSIGN(auto missing, db_->Get(Family::kPages, Href("https://never.test/crawled")));
  EXPECT_FALSE(missing.has_value());
}

// Only live links count: c lost its in-link at a's re-crawl; gone g's links
// are lost too, so it is dangling.
TEST_F(RankTest, LostLinksPassNothing) {
  Index("https://a.test/", {L("https://b.test/"), L("https://c.test/")});
  Index("https://b.test/", {L("https://a.test/")});
  Index("https://c.test/", {L("https://a.test/")});
  Index("https://g.test/", {L("https://c.test/")});
  Index("https://a.test/", {L("https://b.test/")}, 2000);
  MarkGone("https://g.test/");
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.links, 3u);
  EXPECT_EQ(s.dangling, 1u);
  EXPECT_DOUBLE_EQ(RankOf("https://c.test/"), s.min_rank);
  EXPECT_DOUBLE_EQ(RankOf("https://g.test/"), s.min_rank);
  EXPECT_GT(RankOf("https://b.test/"), s.min_rank);
}

// http and https versions of a page share a URL key: one node, both records
// get its rank, and the http -> https redirect is a self link.
TEST_F(RankTest, HttpAndHttpsAreOneNode) {
  Index("http://a.test/", {L("https://a.test/", LinkTag::kRedirect)});
  Index("https://a.test/", {L("https://b.test/")});
  Index("https://b.test/", {L("http://a.test/")});
  RankStats s = Rank(Exact());
  EXPECT_EQ(s.pages, 3u);
  EXPECT_EQ(s.nodes, 2u);
  EXPECT_EQ(s.self_links, 1u);
  EXPECT_NEAR(RankOf("http://a.test/"), 1.0, 1e-12);
  EXPECT_NEAR(RankOf("https://a.test/"), 1.0, 1e-12);
  EXPECT_NEAR(RankOf("https://b.test/"), 1.0, 1e-12);
}

TEST_F(RankTest, RerunIsIdempotentAndKeepsOtherFields) {
  Index("https://a.test/", {L("https://b.test/"), L("https://c.test/")});
  Index("https://b.test/", {L("https://a.test/")});
  Index("https://c.test/", {L("https://b.test/", LinkTag::kA, core::kRelUgc)});
  storage::PageValue before = Page("https://a.test/");
  RankStats first = Rank();
  EXPECT_EQ(first.pages_written, 3u);
  std::map<std::string, double> ranks;
  for (const char* p : {"https://a.test/", "https://b.test/", "https://c.test/"}) {
    ranks[p] = RankOf(p);
    EXPECT_GT(ranks[p], 0) << p;
  }
  RankStats second = Rank();
  EXPECT_EQ(second.pages_written, 0u);
  for (const auto& [p, r] : ranks) EXPECT_EQ(RankOf(p), r) << p;

  storage::PageValue after = Page("https://a.test/");
  EXPECT_EQ(after.title, before.title);
  EXPECT_EQ(after.ip, before.ip);
  EXPECT_EQ(after.last_fetch, before.last_fetch);
  EXPECT_EQ(after.live_records, before.live_records);
  EXPECT_EQ(after.source_domain_key, before.source_domain_key);
  after.rank = before.rank;
  EXPECT_EQ(storage::EncodePageValue(after), storage::EncodePageValue(before));

  // The indexer keeps a page's rank on re-crawl; a new page has 0 until the
  // next run.
  Index("https://a.test/", {L("https://b.test/")}, 3000);
  Index("https://d.test/", {L("https://a.test/")}, 3000);
  EXPECT_EQ(RankOf("https://a.test/"), ranks["https://a.test/"]);
  EXPECT_EQ(RankOf("https://d.test/"), 0);
  RankStats third = Rank();
  EXPECT_EQ(third.pages, 4u);
  EXPECT_GT(third.pages_written, 0u);
  EXPECT_GT(RankOf("https://d.test/"), 0);
}

TEST_F(RankTest, MaxIterationsStopsUnconvergedButStores) {
  Index("https://a.test/", {L("https://b.test/")});
  Index("https://b.test/", {L("https://c.test/")});
  Index("https://c.test/", {});
  RankOptions o;
  o.max_iterations = 1;
  RankStats s = Rank(o);
  EXPECT_EQ(s.iterations, 1);
  EXPECT_FALSE(s.converged);
  EXPECT_GT(s.l1_delta, o.tolerance);
  EXPECT_GT(RankOf("https://c.test/"), RankOf("https://a.test/"));
}

TEST_F(RankTest, SmallBatchesWriteEveryPage) {
  for (int i = 0; i < 10; ++i) {
    Index("https://p" + std::to_string(i) + ".test/",
          {L("https://p" + std::to_string((i + 1) % 10) + ".test/")});
  }
  RankOptions o = Exact();
  o.batch_pages = 3;
  RankStats s = Rank(o);
  EXPECT_EQ(s.pages_written, 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_NEAR(RankOf("https://p" + std::to_string(i) + ".test/"), 1.0, 1e-12);
  }
}

TEST_F(RankTest, EmptyIndex) {
  RankStats s = Rank();
  EXPECT_EQ(s.pages, 0u);
  EXPECT_EQ(s.nodes, 0u);
  EXPECT_EQ(s.edges, 0u);
  EXPECT_TRUE(s.converged);
  EXPECT_EQ(s.pages_written, 0u);
}

TEST_F(RankTest, RejectsOptionsOutOfRange) {
  auto with = [](auto set) {
    RankOptions o;
    set(o);
    return o;
  };
  for (const RankOptions& o : {with([](RankOptions& o) { o.damping = 1.0; }),
                               with([](RankOptions& o) { o.damping = -0.1; }),
                               with([](RankOptions& o) { o.damping = std::nan(""); }),
                               with([](RankOptions& o) { o.tolerance = 0; }),
                               with([](RankOptions& o) { o.max_iterations = 0; }),
                               with([](RankOptions& o) { o.batch_pages = 0; })}) {
    EXPECT_THAT(RankPages(*db_, o).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

// ---------------------------------------------------------------------------
// Against networkx
// ---------------------------------------------------------------------------

// The interpreter that has networkx: Debian's python3-networkx installs into
// /usr/bin/python3's path; a python3 earlier in PATH may have its own.
std::string PythonWithNetworkx() {
  for (const char* python : {"/usr/bin/python3", "python3"}) {
    std::string probe = std::string(python) + " -c 'import networkx' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

// Spearman's rho with average ranks for ties (values within 1e-9 relative
// are one tie: both sides tie mathematically equal ranks, up to rounding).
double Spearman(const std::vector<double>& x, const std::vector<double>& y) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size();) {
      size_t j = i + 1;
      while (j < order.size() && v[order[j]] - v[order[j - 1]] <= 1e-9 * std::fabs(v[order[j]]))
        ++j;
      for (size_t k = i; k < j; ++k) r[order[k]] = (i + j - 1) / 2.0;
      i = j;
    }
    return r;
  };
  std::vector<double> rx = ranks(x), ry = ranks(y);
  double n = static_cast<double>(x.size()), mx = (n - 1) / 2, sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - mx);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - mx) * (ry[i] - mx);
  }
  return sxy / std::sqrt(sxx * syy);
}

std::set<std::string> Top(const std::map<std::string, double>& ranks, size_t n) {
  std::vector<std::pair<double, std::string>> v;
  for (const auto& [url, r] : ranks) v.emplace_back(-r, url);
  std::sort(v.begin(), v.end());
  std::set<std::string> out;
  for (size_t i = 0; i < n && i < v.size(); ++i) out.insert(v[i].second);
  return out;
}

// A random graph with a power-law in-degree (Zipf target popularity) and
// out-degree (Pareto), with every feature of the model: nofollow/ugc/
// sponsored, repeated and self links, links to pages never crawled, dangling
// pages, redirect pages, canonicals to other pages and to themselves, page-wide
// nofollow, re-crawls that lose links and pages gone 404. Indexed with the
// real Indexer; the raw live links go to the reference, which applies the
// model on its own.
TEST_F(RankTest, ReferenceRandomPowerLawGraphMatchesNetworkx) {
  const std::string python = PythonWithNetworkx();
  ASSERT_FALSE(python.empty())
      << "python3 with networkx not found: apt-get install python3-networkx";

  constexpr int kPages = 2000, kUncrawled = 300, kAll = kPages + kUncrawled;
  std::mt19937_64 rng(20240607);
  auto url = [](int i) {
    return "https://h" + std::to_string(i % 97) + ".test/p" + std::to_string(i);
  };
  std::vector<int> by_popularity(kAll);
  for (int i = 0; i < kAll; ++i) by_popularity[i] = i;
  std::shuffle(by_popularity.begin(), by_popularity.end(), rng);
  std::vector<double> weights(kAll);
  for (int i = 0; i < kAll; ++i) weights[i] = 1.0 / std::pow(i + 1, 1.1);
  std::discrete_distribution<int> popular(weights.begin(), weights.end());
  std::uniform_real_distribution<double> u01(0, 1);
  auto target = [&] { return by_popularity[popular(rng)]; };

  std::map<std::string, std::vector<core::Link>> live;  // href -> live links
  for (int i = 0; i < kPages; ++i) {
    std::vector<core::Link> links;
    double kind = u01(rng);
    if (kind < 0.03) {  // a redirect page
      links.push_back(L(url(target()), LinkTag::kRedirect));
    } else if (kind > 0.05) {  // else no links at all
      int out = static_cast<int>(std::min(150.0, 2 / std::pow(1 - u01(rng), 1 / 1.5)));
      if (u01(rng) < 0.04) links.push_back(L(url(target()), LinkTag::kCanonical));
      if (u01(rng) < 0.10) links.push_back(L(url(i), LinkTag::kCanonical));
      for (int k = 0; k < out; ++k) {
        int t = u01(rng) < 0.02 ? i : target();
        double r = u01(rng);
        uint8_t rel = r < 0.08   ? core::kRelNofollow
                      : r < 0.10 ? core::kRelUgc
                      : r < 0.12 ? core::kRelSponsored
                      : r < 0.13 ? core::kRelNofollow | core::kRelUgc
                                 : 0;
        LinkTag tags[] = {LinkTag::kA,    LinkTag::kA,      LinkTag::kA,    LinkTag::kAImg,
                          LinkTag::kArea, LinkTag::kIframe, LinkTag::kFrame};
        links.push_back(L(url(t), tags[rng() % 7], rel));
      }
      if (u01(rng) < 0.02) {  // meta robots nofollow: the extractor marks every link
        for (core::Link& l : links) l.rel |= core::kRelNofollow;
      }
    }
    live[Href(url(i))] = links;
    Index(url(i), links);
  }
  for (int i = 0; i < kPages; ++i) {
    double r = u01(rng);
    if (r < 0.02) {  // re-crawled with its first half of links
      auto& links = live[Href(url(i))];
      links.resize(links.size() / 2);
      Index(url(i), links, 2000);
    } else if (r < 0.03) {
      live[Href(url(i))].clear();
      MarkGone(url(i));
    }
  }
  if (HasFatalFailure()) return;

  RankOptions options;
  options.tolerance = 1e-12;
  options.max_iterations = 1000;
  RankStats s = Rank(options);
  EXPECT_EQ(s.pages, static_cast<uint64_t>(kPages));
  EXPECT_EQ(s.nodes, static_cast<uint64_t>(kPages));
  EXPECT_TRUE(s.converged);
  // The graph exercises every rule.
  EXPECT_GT(s.unfollowed_links, 100u);
  EXPECT_GT(s.uncrawled_links, 100u);
  EXPECT_GT(s.self_links, 100u);
  EXPECT_GT(s.dangling, 50u);
  EXPECT_LT(s.edges, s.followed_links);

  TempDir scratch("inlinks_rank_reference");
  std::filesystem::create_directories(scratch.path());
  {
    std::ofstream in(scratch.Sub("graph.txt"));
    for (const auto& [source, links] : live) {
      in << "page " << source << "\n";
      for (const core::Link& l : links) {
        in << "link " << source << " " << l.target << " " << core::LinkTagName(l.tag) << " "
           << static_cast<int>(l.rel) << "\n";
      }
    }
  }
  std::string command = python + " " INLINKS_SOURCE_DIR "/tests/indexer/pagerank_reference.py " +
                        scratch.Sub("graph.txt") + " " + scratch.Sub("ranks.txt") + " 0.85";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  std::map<std::string, double> ours, reference;
  std::ifstream out(scratch.Sub("ranks.txt"));
  std::string page;
  double r;
  while (out >> page >> r) reference[page] = r;
  ASSERT_EQ(reference.size(), static_cast<size_t>(kPages));
  std::vector<double> x, y;
  double worst = 0;
  std::string worst_page;
  for (const auto& [p, ref] : reference) {
    ours[p] = RankOf(p);
    x.push_back(ours[p]);
    y.push_back(ref);
    double err = std::fabs(ours[p] - ref) / ref;
    if (err > worst) {
      worst = err;
      worst_page = p;
    }
  }
  double rho = Spearman(x, y);
  EXPECT_GE(rho, 0.999);
  EXPECT_EQ(Top(ours, 100), Top(reference, 100));
  // Same model, same fixed point: the values agree, not only the order.
  EXPECT_LT(worst, 1e-6) << worst_page << ": ours " << ours[worst_page] << ", networkx "
                         << reference[worst_page];

  // Pages no other page links to get the floor, the smallest rank; every
  // page has rank > 0.
  std::set<std::string> linked;
  for (const auto& [source, links] : live) {
    for (const core::Link& l : links) {
      if (l.target != source) linked.insert(l.target);
    }
  }
  int unlinked = 0;
  for (const auto& [p, rank] : ours) {
    EXPECT_GT(rank, 0) << p;
    EXPECT_GE(rank, s.min_rank) << p;
    if (!linked.count(p)) {
      ++unlinked;
      EXPECT_DOUBLE_EQ(rank, s.min_rank) << p;
    }
  }
  EXPECT_GT(unlinked, 100);
  std::ostringstream summary;
  summary << "spearman " << std::setprecision(9) << rho << ", max relative error " << worst;
  RecordProperty("reference", summary.str());
}

}  // namespace
}  // namespace inlinks::indexer
