// Tests of the synthetic web's graph and ground truth (bench/web/web.h):
// determinism, shape (link counts, page size, power law), agreement of every
// generated page with the real extractor, and the truth against an
// independent reference crawl through Web::Answer with the real extractor
// and robots.txt parser.
#include "inlinks/testweb/web.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/extractor.h"
#include "inlinks/crawler/robots.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::testweb {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

WebSpec SmallSpec() {
  WebSpec spec;
  spec.seed = 7;
  spec.hosts = 8;
  spec.domains = 3;
  spec.pages_per_host = 60;
  spec.port = 8080;
  return spec;
}

std::unique_ptr<Web> MakeWeb(const WebSpec& spec) {
  auto web = Web::Create(spec);
  EXPECT_THAT(web, IsOk());
  return web.ok() ? *std::move(web) : nullptr;
}

std::string Row(const std::string& source, const std::string& target,
                const std::string& anchor, uint32_t position, core::LinkTag tag,
                uint8_t rel, bool internal) {
  return absl::StrCat(source, "\t", target, "\t", anchor, "\t", position, "\t",
                      std::string(core::LinkTagName(tag)), "\trel=", rel, "\t",
                      internal ? "internal" : "external");
}

std::string Row(const Backlink& b) {
  return Row(b.source, b.target, b.anchor, b.position, b.tag, b.rel, b.internal);
}

TEST(TestwebWebSpecTest, RejectsBadSpecs) {
  WebSpec spec;
  spec.domains = 0;
  EXPECT_THAT(Web::Create(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec = WebSpec{};
  spec.domains = spec.hosts + 1;
  EXPECT_THAT(Web::Create(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec = WebSpec{};
  spec.pages_per_host = 3;
  EXPECT_THAT(Web::Create(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("pages_per_host")));
  spec = WebSpec{};
  spec.min_links = 100;
  spec.max_links = 50;
  EXPECT_THAT(Web::Create(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec = WebSpec{};
  spec.nofollow_share = 1.5;
  EXPECT_THAT(Web::Create(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec = WebSpec{};
  spec.tld = "Bad TLD";
  EXPECT_THAT(Web::Create(spec), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TestwebWebTest, HostsSpreadOverRegistrableDomains) {
  auto web = MakeWeb(SmallSpec());
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->HostName(0), "www.d0.test");
  EXPECT_EQ(web->HostName(3), "d0.test");
  EXPECT_EQ(web->HostName(6), "blog.d0.test");
  EXPECT_EQ(web->Origin(0), "http://www.d0.test:8080");
  std::set<std::string> domains;
  for (int h = 0; h < web->HostCount(); ++h) {
    // Our idea of the registrable domain is libpsl's (core/domain.h).
    EXPECT_EQ(core::SiteOf(web->HostName(h)), web->DomainOf(h)) << web->HostName(h);
    EXPECT_EQ(web->FindHost(web->HostName(h)), h);
    domains.insert(web->DomainOf(h));
  }
  EXPECT_EQ(domains.size(), 3u);
  EXPECT_EQ(web->FindHost("WWW.D0.TEST"), 0);
  EXPECT_EQ(web->FindHost("nope.test"), -1);
  EXPECT_EQ(web->SeedUrls().size(), 8u);
  EXPECT_EQ(web->SeedUrls()[1], "http://www.d1.test:8080/");
}

TEST(TestwebWebTest, SameSeedSameBytesOtherSeedOtherBytes) {
  auto a = MakeWeb(SmallSpec());
  auto b = MakeWeb(SmallSpec());
  WebSpec other_spec = SmallSpec();
  other_spec.seed = 8;
  auto other = MakeWeb(other_spec);
  ASSERT_TRUE(a && b && other);
  ASSERT_EQ(a->PageUrls(), b->PageUrls());
  int differing = 0;
  for (const std::string& url : a->PageUrls()) {
    auto ha = a->PageHtml(url);
    auto hb = b->PageHtml(url);
    ASSERT_THAT(ha, IsOk());
    ASSERT_THAT(hb, IsOk());
    ASSERT_EQ(*ha, *hb) << url;
    auto ho = other->PageHtml(url);
    if (!ho.ok() || *ho != *ha) ++differing;
  }
  EXPECT_GT(differing, static_cast<int>(a->PageUrls().size()) * 9 / 10);
  EXPECT_EQ(a->ReachableTruth().LinkCount(), b->ReachableTruth().LinkCount());
}

TEST(TestwebWebTest, LinkCountsAndPageSizesInRange) {
  auto web = MakeWeb(SmallSpec());
  ASSERT_NE(web, nullptr);
  int pages = 0, external = 0, nofollow = 0, images = 0, total = 0;
  for (const std::string& url : web->PageUrls()) {
    auto links = web->PageLinks(url);
    ASSERT_THAT(links, IsOk());
    EXPECT_GE(links->size(), 50u) << url;
    EXPECT_LE(links->size(), 150u) << url;
    auto html = web->PageHtml(url);
    ASSERT_THAT(html, IsOk());
    EXPECT_GE(html->size(), 25u * 1024 * 8 / 10) << url;
    EXPECT_LE(html->size(), 25u * 1024 * 3 / 2) << url;
    ++pages;
    for (const core::Link& l : *links) {
      ++total;
      external += !l.internal;
      nofollow += l.nofollow();
      images += l.tag == core::LinkTag::kAImg;
    }
  }
  EXPECT_EQ(pages, static_cast<int>(web->PageUrls().size()));
  // Shares of body links, diluted by navigation and tree links.
  EXPECT_GT(external, total / 10);
  EXPECT_LT(external, total * 4 / 10);
  EXPECT_GT(nofollow, total / 20);
  EXPECT_GT(images, total / 20);
}

TEST(TestwebWebTest, InLinksFollowAPowerLaw) {
  WebSpec spec;  // the default web: 50 hosts x 200 pages
  spec.pages_per_host = 100;
  auto web = MakeWeb(spec);
  ASSERT_NE(web, nullptr);
  auto counts = web->ReachableTruth().CountsByTarget();
  std::vector<uint64_t> values;
  for (const auto& [target, n] : counts) values.push_back(n);
  std::sort(values.rbegin(), values.rend());
  ASSERT_GT(values.size(), 1000u);
  uint64_t median = values[values.size() / 2];
  EXPECT_GT(values[0], 50 * median) << "top " << values[0] << " median " << median;
  EXPECT_GT(values[values.size() / 100], 5 * median);
}

// Every generated page, parsed by the real extractor, gives exactly the
// links the graph says (targets, anchors, positions, tags, rel, internal).
TEST(TestwebWebTest, ExtractorAgreesOnEveryPage) {
  WebSpec spec = SmallSpec();
  spec.meta_nofollow_share = 0.05;  // more meta-nofollow pages
  auto web = MakeWeb(spec);
  ASSERT_NE(web, nullptr);
  int checked = 0;
  for (const std::string& url : web->PageUrls()) {
    auto final_url = core::ParseUrl(url);
    ASSERT_THAT(final_url, IsOk());
    auto html = web->PageHtml(url);
    ASSERT_THAT(html, IsOk());
    auto page = crawler::ExtractPage(*html, "text/html; charset=utf-8", *final_url);
    ASSERT_THAT(page, IsOk());
    auto links = web->PageLinks(url);
    ASSERT_THAT(links, IsOk());
    std::vector<std::string> got, want;
    for (const core::Link& l : page->links) {
      got.push_back(Row(url, l.target, l.anchor, l.position, l.tag, l.rel, l.internal));
    }
    for (const core::Link& l : *links) {
      want.push_back(Row(url, l.target, l.anchor, l.position, l.tag, l.rel, l.internal));
    }
    ASSERT_THAT(got, ElementsAreArray(want)) << url;
    auto title = web->PageTitle(url);
    ASSERT_THAT(title, IsOk());
    EXPECT_EQ(page->title, *title);
    EXPECT_EQ(page->truncation, core::Truncation::kNone);
    EXPECT_GT(page->skipped_hrefs, 0u);  // "#main", "#top", mailto:, ...
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(web->PageUrls().size()));
}

// A reference crawl: BFS from the seeds through Web::Answer (the bytes the
// server sends), the real robots.txt parser and the real extractor,
// following every link and redirect. Its links must equal the truth's.
struct ReferenceCrawl {
  std::set<std::string> fetched_pages;
  std::vector<std::string> rows;
};

ReferenceCrawl Crawl(const Web& web) {
  ReferenceCrawl out;
  std::map<std::string, crawler::RobotsRules> robots;
  std::set<std::string> seen;
  std::deque<std::string> queue;
  for (const std::string& s : web.SeedUrls()) {
    if (seen.insert(s).second) queue.push_back(s);
  }
  Response answer;
  while (!queue.empty()) {
    std::string url = queue.front();
    queue.pop_front();
    auto parsed = core::ParseUrl(url);
    if (!parsed.ok()) continue;
    std::string host(parsed->host());
    if (!robots.count(host)) {
      web.Answer(host, "/robots.txt", &answer);
      robots.emplace(host, answer.status == 200
                               ? crawler::RobotsRules::Parse(answer.body, "inlinks")
                               : crawler::RobotsRules::AllowAll());
    }
    std::string target(parsed->PathAndQuery());
    if (!robots.at(host).IsAllowed(target)) continue;
    web.Answer(host, target, &answer);
    if (answer.status == 301) {
      auto to = core::ParseUrl(answer.location);
      if (!to.ok()) continue;
      out.rows.push_back(Row(url, to->href(), "", 1, core::LinkTag::kRedirect, 0,
                             core::SiteOf(to->host()) == core::SiteOf(host)));
      if (seen.insert(to->href()).second) queue.push_back(to->href());
      continue;
    }
    if (answer.status != 200) continue;
    auto page = crawler::ExtractPage(answer.body, answer.content_type, *parsed);
    if (!page.ok()) continue;
    out.fetched_pages.insert(url);
    for (const core::Link& l : page->links) {
      out.rows.push_back(Row(url, l.target, l.anchor, l.position, l.tag, l.rel, l.internal));
      if (seen.insert(l.target).second) queue.push_back(l.target);
    }
  }
  std::sort(out.rows.begin(), out.rows.end());
  return out;
}

TEST(TestwebTruthTest, EqualsAReferenceCrawlWithTheRealExtractorAndRobotsParser) {
  WebSpec spec = SmallSpec();
  spec.no_robots_share = 0.3;  // some hosts serve private pages to crawlers
  spec.seed_hosts = 2;         // reach the rest through links
  auto web = MakeWeb(spec);
  ASSERT_NE(web, nullptr);
  ReferenceCrawl crawl = Crawl(*web);
  const Truth& truth = web->ReachableTruth();
  std::vector<std::string> rows;
  truth.ForEachLink([&](const Backlink& b) { rows.push_back(Row(b)); });
  std::sort(rows.begin(), rows.end());
  ASSERT_EQ(rows.size(), crawl.rows.size());
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i], crawl.rows[i]) << i;
  std::vector<std::string> pages = truth.FetchedPages();
  EXPECT_EQ(std::set<std::string>(pages.begin(), pages.end()), crawl.fetched_pages);
  EXPECT_EQ(truth.LinkCount(), rows.size());
  EXPECT_FALSE(truth.FetchedRedirects().empty());
  EXPECT_FALSE(truth.FetchedMissing().empty());
}

TEST(TestwebTruthTest, EveryFetchablePageIsReachedWhateverTheNofollowPolicy) {
  auto web = MakeWeb(SmallSpec());
  ASSERT_NE(web, nullptr);
  const Truth& follow = web->ReachableTruth();
  Truth no_follow = web->ComputeTruth(TruthOptions{.follow_nofollow = false});
  std::vector<std::string> fetchable;
  for (const std::string& url : web->PageUrls()) {
    if (!web->IsDisallowed(url)) fetchable.push_back(url);
  }
  std::sort(fetchable.begin(), fetchable.end());
  EXPECT_EQ(follow.FetchedPages(), fetchable);
  EXPECT_EQ(no_follow.FetchedPages(), fetchable);
  EXPECT_EQ(no_follow.FetchedRedirects(), follow.FetchedRedirects());
  EXPECT_EQ(no_follow.LinkCount(), follow.LinkCount());
}

TEST(TestwebTruthTest, DisallowedMissingAndRedirectedUrls) {
  auto web = MakeWeb(SmallSpec());
  ASSERT_NE(web, nullptr);
  const Truth& truth = web->ReachableTruth();
  int disallowed = 0, missing = 0, redirects = 0;
  for (const std::string& url : web->AllUrls()) {
    if (web->IsDisallowed(url)) {
      ++disallowed;
      EXPECT_THAT(url, HasSubstr("/private/"));
      EXPECT_FALSE(truth.IsIndexedSource(url)) << url;
    }
    if (web->IsMissing(url)) {
      ++missing;
      EXPECT_FALSE(truth.IsIndexedSource(url)) << url;
      EXPECT_THAT(web->PageLinks(url), StatusIs(absl::StatusCode::kNotFound));
    }
    if (auto to = web->RedirectTarget(url); to.ok()) {
      ++redirects;
      EXPECT_THAT(url, HasSubstr("/old/"));
      ASSERT_TRUE(truth.IsIndexedSource(url));
      ASSERT_OK_AND_ASSIGN(Scope scope, ParseScope(*to));
      std::vector<Backlink> in = truth.Backlinks(scope);
      auto it = std::find_if(in.begin(), in.end(),
                             [&](const Backlink& b) { return b.source == url; });
      ASSERT_NE(it, in.end()) << url;
      EXPECT_EQ(it->tag, core::LinkTag::kRedirect);
      EXPECT_EQ(it->position, 1u);
    }
  }
  EXPECT_GT(disallowed, 0);
  EXPECT_GT(missing, 0);
  EXPECT_GT(redirects, 0);
}

TEST(TestwebTruthTest, ScopesNest) {
  auto web = MakeWeb(SmallSpec());
  ASSERT_NE(web, nullptr);
  const Truth& truth = web->ReachableTruth();
  uint64_t by_domain = 0, by_host = 0;
  for (int d = 0; d < 3; ++d) {
    by_domain += truth.CountBacklinks(Scope{Scope::Kind::kDomain, absl::StrCat("d", d, ".test")});
  }
  for (int h = 0; h < web->HostCount(); ++h) {
    by_host += truth.CountBacklinks(Scope{Scope::Kind::kHost, web->HostName(h)});
  }
  EXPECT_EQ(by_domain, truth.LinkCount());
  EXPECT_EQ(by_host, truth.LinkCount());

  const std::string home = web->SeedUrls()[0];
  ASSERT_OK_AND_ASSIGN(Scope url_scope, ParseScope(home));
  std::vector<Backlink> rows = truth.Backlinks(url_scope);
  EXPECT_EQ(rows.size(), truth.CountBacklinks(url_scope));
  EXPECT_GT(rows.size(), 100u);  // every page's navigation links home
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), [](const Backlink& a, const Backlink& b) {
    return a.source != b.source ? a.source < b.source : a.position < b.position;
  }));
  for (const Backlink& b : rows) EXPECT_EQ(b.target, home);
  auto counts = truth.CountsByTarget();
  EXPECT_EQ(counts[home], rows.size());
}

TEST(TestwebScopeTest, ParsesLikeTheQueryTools) {
  ASSERT_OK_AND_ASSIGN(Scope a, ParseScope("d3.test"));
  EXPECT_EQ(a.kind, Scope::Kind::kDomain);
  EXPECT_EQ(a.value, "d3.test");
  ASSERT_OK_AND_ASSIGN(Scope b, ParseScope("WWW.d3.test"));
  EXPECT_EQ(b.kind, Scope::Kind::kDomain);
  EXPECT_EQ(b.value, "d3.test");
  ASSERT_OK_AND_ASSIGN(Scope c, ParseScope("blog.d3.test"));
  EXPECT_EQ(c.kind, Scope::Kind::kHost);
  EXPECT_EQ(c.value, "blog.d3.test");
  ASSERT_OK_AND_ASSIGN(Scope d, ParseScope("blog.d3.test:8080/news/page-5.html"));
  EXPECT_EQ(d.kind, Scope::Kind::kUrl);
  EXPECT_EQ(d.value, "http://blog.d3.test:8080/news/page-5.html");
  ASSERT_OK_AND_ASSIGN(Scope e, ParseScope("https://d3.test/"));
  EXPECT_EQ(e.kind, Scope::Kind::kUrl);
  EXPECT_EQ(e.value, "http://d3.test/");
  EXPECT_THAT(ParseScope(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TestwebWebTest, AnswersRobotsRedirectsAndMissingPages) {
  auto web = MakeWeb(SmallSpec());
  ASSERT_NE(web, nullptr);
  Response r;
  web->Answer("www.d0.test", "/", &r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, *web->PageHtml("http://www.d0.test:8080/"));
  web->Answer("unknown.test", "/", &r);
  EXPECT_EQ(r.status, 404);
  web->Answer("www.d0.test", "/?q=1", &r);
  EXPECT_EQ(r.status, 404);
  web->Answer("www.d0.test", "/news/page-99999.html", &r);
  EXPECT_EQ(r.status, 404);
  int robots = 0, no_robots = 0;
  for (int h = 0; h < web->HostCount(); ++h) {
    web->Answer(web->HostName(h), "/robots.txt", &r);
    if (web->RobotsTxt(h)) {
      ++robots;
      EXPECT_EQ(r.status, 200);
      EXPECT_THAT(r.body, HasSubstr("Disallow: /private/"));
    } else {
      ++no_robots;
      EXPECT_EQ(r.status, 404);
    }
  }
  EXPECT_GT(robots, 0);
  for (const std::string& url : web->AllUrls()) {
    auto parsed = core::ParseUrl(url);
    ASSERT_THAT(parsed, IsOk());
    web->Answer(parsed->host(), parsed->PathAndQuery(), &r);
    if (auto to = web->RedirectTarget(url); to.ok()) {
      EXPECT_EQ(r.status, 301) << url;
      EXPECT_EQ(r.location, *to);
    } else if (web->IsMissing(url)) {
      EXPECT_EQ(r.status, 404) << url;
    } else {
      EXPECT_EQ(r.status, 200) << url;
    }
  }
}

TEST(TestwebWebTest, SitemapsListFetchablePages) {
  WebSpec spec = SmallSpec();
  spec.sitemaps = true;
  spec.seed_hosts = 1;
  auto web = MakeWeb(spec);
  ASSERT_NE(web, nullptr);
  ASSERT_TRUE(web->RobotsTxt(0).has_value());
  EXPECT_THAT(*web->RobotsTxt(0), HasSubstr("Sitemap: http://www.d0.test:8080/sitemap.xml"));
  Response r;
  web->Answer("www.d0.test", "/sitemap.xml", &r);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("<loc>http://www.d0.test:8080/</loc>"));
  EXPECT_FALSE(web->ReachableTruth().FetchedPages().empty());
}

}  // namespace
}  // namespace inlinks::testweb
