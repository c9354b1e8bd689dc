// Link intelligence over a known graph (issue 7): referring domains with link
// counts and first-seen times, anchor texts with referring-domain counts, and
// the one-link-per-referring-domain filter of Backlinks, each compared with
// an independent computation from the test's own list of links (sources
// carry hand-written registrable domains, so the expectation needs no
// public-suffix lookup), over three crawl rounds with lost and revived
// links. Plus: the attribution of a page record that disagrees with the
// public-suffix list (query/src/source_domains.h), and HrefHost.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/query/backlinks.h"
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

// Source pages and the registrable domain each one's links count for.
struct Source {
  const char* url;
  const char* domain;
};
const Source kSources[] = {
    {"https://www.alpha.org/a", "alpha.org"},
    {"https://blog.alpha.org/b", "alpha.org"},
    {"http://alpha.org/c?x=1", "alpha.org"},
    {"https://beta.co.uk/x", "beta.co.uk"},
    {"https://news.beta.co.uk/y", "beta.co.uk"},
    {"https://foo.blogspot.com/p", "foo.blogspot.com"},  // private-section suffix
    {"https://bar.blogspot.com/p", "bar.blogspot.com"},
    {"http://user:pw@gamma.net:8080/q", "gamma.net"},  // userinfo and port
    {"http://192.0.2.7/ip", "192.0.2.7"},
    {"http://[2001:db8::1]:81/v6", "[2001:db8::1]"},
    {"https://xn--bcher-kva.de/b", "xn--bcher-kva.de"},
    {"https://shop.delta.com.au/d", "delta.com.au"},
    {"https://www.example.com/self", "example.com"},  // the target's own domain
    {"https://zeta.io/", "zeta.io"},
};

// Targets: host and path (scheme chosen per link; scopes ignore it).
const char* const kHosts[] = {"example.com", "www.example.com", "blog.example.com",
                              "shop.example.com", "other.com"};
const char* const kAnchors[] = {"home", "Example", "click here", "best shop", ""};

// Fixed per (source, target), scheme included: the link hash covers the
// href, so a returning link must be identical to be revived.
struct LinkAttrs {
  std::string scheme;
  std::string anchor;
  uint8_t rel = 0;
  core::LinkTag tag = core::LinkTag::kA;
};

// The model: what the test believes the index holds.
struct ModelLink {
  std::string source_href;
  std::string domain;
  std::string host;  // target host
  std::string path;  // target path
  LinkAttrs attrs;
  int64_t first_seen = 0;
  bool live = false;
};

class IntelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> extra_urls, extra_domains;
    for (int i = 0; i < 40; ++i) {
      int site = i % 17;
      std::string host = (i % 3 == 0 ? "m.site" : "www.site") + std::to_string(site) + ".net";
      extra_urls.push_back("https://" + host + "/page" + std::to_string(i));
      extra_domains.push_back("site" + std::to_string(site) + ".net");
    }
    for (const Source& s : kSources) {
      sources_.push_back({core::ParseUrl(s.url).value().href(), s.domain});
    }
    for (size_t i = 0; i < extra_urls.size(); ++i) {
      sources_.push_back({core::ParseUrl(extra_urls[i]).value().href(), extra_domains[i]});
    }
    for (const auto& [href, domain] : sources_) domain_of_[href] = domain;

    std::mt19937_64 rng(7);
    // Three rounds; each page links a random subset of the 5 x 8 targets.
    // A (page, target) link always has the same anchor, rel and tag, so a
    // returning link is a revived one (keeps its first-seen time).
    for (int64_t round = 0; round < 3; ++round) {
      const int64_t t = 1000 * (round + 1);
      for (size_t s = 0; s < sources_.size(); ++s) {
        if (round > 0 && rng() % 3 == 0) continue;  // not re-crawled this round
        std::vector<core::Link> links;
        std::set<std::pair<std::string, std::string>> now;
        int n = static_cast<int>(rng() % 7);
        for (int k = 0; k < n; ++k) {
          std::string host = kHosts[rng() % 5];
          std::string path = "/p/" + std::to_string(rng() % 8);
          if (!now.insert({host, path}).second) continue;  // one link per target
          LinkAttrs a = AttrsOf(s, host, path);
          links.push_back(L(a.scheme + host + path, a.anchor, a.tag, a.rel));
        }
        idx_.Index(MakePage(sources_[s].first, links), At(t));
        // The model's view of this crawl.
        for (auto& [id, m] : model_) {
          if (m.source_href == sources_[s].first) m.live = now.count({m.host, m.path}) > 0;
        }
        for (const auto& [host, path] : now) {
          auto id = std::make_tuple(sources_[s].first, host, path);
          auto [it, inserted] = model_.try_emplace(id);
          if (inserted) {
            it->second = ModelLink{
                sources_[s].first, sources_[s].second, host, path, AttrsOf(s, host, path), t, true};
          }
          it->second.live = true;
        }
      }
    }
  }

  static LinkAttrs AttrsOf(size_t source, const std::string& host, const std::string& path) {
    size_t h = std::hash<std::string>()(host + path) + source * 31;
    LinkAttrs a;
    a.scheme = (h / 60) % 2 ? "https://" : "http://";
    a.anchor = kAnchors[h % 5];
    a.rel = (h / 5) % 3 == 0 ? core::kRelNofollow : 0;
    a.tag = (h / 15) % 4 == 0 ? core::LinkTag::kAImg : core::LinkTag::kA;
    return a;
  }

  static bool InScope(const ModelLink& m, const std::string& target) {
    if (target == "example.com") {  // domain scope
      return m.host == "example.com" ||
             (m.host.size() > 12 && m.host.compare(m.host.size() - 12, 12, ".example.com") == 0);
    }
    if (target == "blog.example.com") return m.host == "blog.example.com";
    return m.host + m.path == target;  // a URL scope
  }

  // The model's links of `target`'s scope, live or lost.
  std::vector<const ModelLink*> Links(const std::string& target, bool live) const {
    std::vector<const ModelLink*> out;
    for (const auto& [id, m] : model_) {
      if (m.live == live && InScope(m, target)) out.push_back(&m);
    }
    return out;
  }

  // The model's link for a reverse key of the index.
  const ModelLink& ModelOf(std::string_view key) const {
    auto parts = storage::DecodeReverseKey(key).value();
    auto url = core::DecodeUrlKey(std::string(parts.target_url_key)).value();
    std::string display = core::DisplayUrl(url);  // "host/path"
    size_t slash = display.find('/');
    auto found = model_.find(std::make_tuple(std::string(parts.source_href),
                                             display.substr(0, slash), display.substr(slash)));
    EXPECT_NE(found, model_.end()) << display;
    return found->second;
  }

  IndexedDb idx_;
  std::vector<std::pair<std::string, std::string>> sources_;  // normalized href, domain
  std::map<std::string, std::string> domain_of_;
  std::map<std::tuple<std::string, std::string, std::string>, ModelLink> model_;
};

const char* const kScopes[] = {"example.com", "blog.example.com", "example.com/p/3",
                               "www.example.com/p/5"};

TEST_F(IntelTest, ReferringDomainsMatchTheModel) {
  QueryEngine engine(idx_.db());
  for (const char* target : kScopes) {
    Scope scope = ResolveScope(target).value();
    struct Want {
      uint64_t links = 0;
      int64_t first_seen = INT64_MAX;
    };
    std::map<std::string, Want> want;
    for (const ModelLink* m : Links(target, /*live=*/true)) {
      Want& w = want[m->domain];
      ++w.links;
      w.first_seen = std::min(w.first_seen, m->first_seen);
    }
    ASSERT_GT(want.size(), 1u) << target;
    std::vector<ReferringDomain> expected;
    for (const auto& [domain, w] : want) expected.push_back({domain, w.links, w.first_seen});
    std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
      return a.links != b.links ? a.links > b.links : a.domain < b.domain;
    });

    ASSERT_OK_AND_ASSIGN(ScopeCounts counts, engine.CountBacklinks(scope));
    EXPECT_EQ(counts.referring_domains, expected.size()) << target;
    for (uint64_t size : {1, 3, 100}) {
      std::vector<ReferringDomain> seen;
      for (uint64_t offset = 0; offset < expected.size(); offset += size) {
        ASSERT_OK_AND_ASSIGN(ReferringDomainPage page,
                             engine.ReferringDomains(scope, offset, size));
        EXPECT_EQ(page.total, expected.size()) << target;
        EXPECT_LE(page.domains.size(), size);
        for (auto& d : page.domains) seen.push_back(d);
      }
      ASSERT_EQ(seen.size(), expected.size()) << target << " size " << size;
      for (size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].domain, expected[i].domain) << target << " #" << i;
        EXPECT_EQ(seen[i].links, expected[i].links) << target << " " << seen[i].domain;
        EXPECT_EQ(seen[i].first_seen, expected[i].first_seen) << target << " " << seen[i].domain;
      }
    }
    EXPECT_THAT(engine.ReferringDomains(scope, expected.size(), 10),
                StatusIs(absl::StatusCode::kOutOfRange));
    ASSERT_OK_AND_ASSIGN(ReferringDomainPage only_total, engine.ReferringDomains(scope, 0, 0));
    EXPECT_EQ(only_total.total, expected.size());
    EXPECT_TRUE(only_total.domains.empty());
  }
  // Some first-seen times must differ from the first round, or the test
  // would not tell min(first_seen) from "first crawl".
  ASSERT_OK_AND_ASSIGN(ReferringDomainPage all,
                       engine.ReferringDomains(ResolveScope("example.com").value(), 0, 1000));
  std::set<int64_t> times;
  for (const auto& d : all.domains) times.insert(d.first_seen);
  EXPECT_GT(times.size(), 1u);
}

TEST_F(IntelTest, AnchorTextsMatchTheModel) {
  QueryEngine engine(idx_.db());
  for (const char* target : kScopes) {
    Scope scope = ResolveScope(target).value();
    struct Want {
      uint64_t links = 0, nofollow = 0;
      std::set<std::string> domains;
    };
    std::map<std::string, Want> want;
    for (const ModelLink* m : Links(target, /*live=*/true)) {
      Want& w = want[m->attrs.anchor];
      ++w.links;
      if (m->attrs.rel & core::kRelNofollow) ++w.nofollow;
      w.domains.insert(m->domain);
    }
    std::vector<AnchorCount> expected;
    for (const auto& [anchor, w] : want) {
      expected.push_back({anchor, w.links, w.nofollow, w.domains.size()});
    }
    std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
      return a.links != b.links ? a.links > b.links : a.anchor < b.anchor;
    });
    for (uint64_t size : {1, 2, 100}) {
      std::vector<AnchorCount> seen;
      for (uint64_t offset = 0; offset < expected.size(); offset += size) {
        ASSERT_OK_AND_ASSIGN(AnchorPage page, engine.AnchorTexts(scope, offset, size));
        EXPECT_EQ(page.total, expected.size());
        for (auto& a : page.anchors) seen.push_back(a);
      }
      ASSERT_EQ(seen.size(), expected.size()) << target;
      for (size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].anchor, expected[i].anchor) << target << " #" << i;
        EXPECT_EQ(seen[i].links, expected[i].links) << target << " '" << seen[i].anchor << "'";
        EXPECT_EQ(seen[i].nofollow_links, expected[i].nofollow_links) << target;
        EXPECT_EQ(seen[i].referring_domains, expected[i].referring_domains)
            << target << " '" << seen[i].anchor << "'";
      }
    }
  }
}

TEST_F(IntelTest, OneLinkPerDomainMatchesTheModel) {
  QueryEngine engine(idx_.db());
  std::vector<BacklinkFilter> filters(6);
  for (auto& f : filters) f.one_per_domain = true;
  filters[1].nofollow = false;
  filters[2].tag = core::LinkTag::kAImg;
  filters[3].state = LinkState::kLost;
  filters[4].state = LinkState::kAll;
  filters[5].state = LinkState::kAll;
  filters[5].nofollow = true;
  for (const char* target : kScopes) {
    Scope scope = ResolveScope(target).value();
    // Live keys in strength order, then lost keys in index order (the
    // documented order), and the model's attributes of each.
    std::vector<std::pair<std::string, bool>> ordered;  // key, lost
    for (auto& k : idx_.LiveInOrder(scope.range)) ordered.emplace_back(k, false);
    for (auto& k : idx_.Keys(Family::kLost, scope.range)) ordered.emplace_back(k, true);
    ASSERT_EQ(ordered.size(), Links(target, true).size() + Links(target, false).size());
    for (const BacklinkFilter& f : filters) {
      std::vector<std::string> want;
      std::set<std::string> domains;
      for (const auto& [key, lost] : ordered) {
        if (lost ? f.state == LinkState::kLive : f.state == LinkState::kLost) continue;
        const ModelLink& m = ModelOf(key);
        EXPECT_EQ(m.live, !lost);
        if (f.nofollow && *f.nofollow != ((m.attrs.rel & core::kRelNofollow) != 0)) continue;
        if (f.tag && *f.tag != m.attrs.tag) continue;
        if (!domains.insert(m.domain).second) continue;
        want.push_back(key);
      }
      if (f.state == LinkState::kLive && !f.nofollow && !f.tag) {
        ASSERT_OK_AND_ASSIGN(ScopeCounts counts, engine.CountBacklinks(scope));
        EXPECT_EQ(want.size(), counts.referring_domains) << target;
      }
      const std::string label = std::string(target) + " state " +
                                std::string(LinkStateName(f.state)) +
                                (f.nofollow ? " nofollow" : "") + (f.tag ? " tag" : "");
      for (uint64_t size : {1, 3, 100}) {
        std::vector<std::string> seen;
        for (uint64_t offset = 0; offset < std::max<size_t>(want.size(), 1); offset += size) {
          ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, f, offset, size));
          EXPECT_TRUE(page.scanned);
          EXPECT_EQ(page.total, want.size()) << label;
          EXPECT_EQ(page.offset, offset);
          EXPECT_EQ(page.next_cursor.empty(), offset + page.rows.size() >= want.size()) << label;
          for (const BacklinkRow& r : page.rows) {
            EXPECT_EQ(r.lost, ModelOf(r.key).live == false);
            seen.push_back(r.key);
          }
        }
        EXPECT_EQ(seen, want) << label << " size " << size;
        // By cursor.
        std::vector<std::string> by_cursor;
        ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, f, 0, size));
        for (;;) {
          EXPECT_EQ(page.offset, by_cursor.size()) << label;
          EXPECT_EQ(page.total, want.size()) << label;
          for (const BacklinkRow& r : page.rows) by_cursor.push_back(r.key);
          if (page.next_cursor.empty()) break;
          ASSERT_OK_AND_ASSIGN(page, engine.BacklinksAfterCursor(scope, f, page.next_cursor, size));
        }
        EXPECT_EQ(by_cursor, want) << label << " size " << size;
      }
      // Only the total; past the end.
      ASSERT_OK_AND_ASSIGN(BacklinkPage only_total, engine.Backlinks(scope, f, 0, 0));
      EXPECT_EQ(only_total.total, want.size()) << label;
      EXPECT_TRUE(only_total.rows.empty());
      if (!want.empty()) {
        EXPECT_THAT(engine.Backlinks(scope, f, want.size(), 10),
                    StatusIs(absl::StatusCode::kOutOfRange))
            << label;
      }
    }
  }
}

// A page keeps the source domain it was indexed with while it has live links
// (indexer.cc), even if the public-suffix list now says otherwise. Built by
// hand: x.blog.example.org's page record says "blog.example.org" (as if
// example.org had been a public suffix), y.blog.example.org's says
// "example.org"; the counters agree with the page records.
TEST(IntelAttributionTest, PageRecordWinsOverThePublicSuffixList) {
  testing::TempDir dir;
  auto db = storage::Db::Open(dir.path()).value();
  Scope scope = ResolveScope("target.example").value();
  struct Row {
    const char* source;
    const char* domain;
    const char* target;
    const char* anchor;
    int64_t first_seen;
  };
  const Row rows[] = {
      {"https://x.blog.example.org/1", "blog.example.org", "https://target.example/a", "A", 300},
      {"https://x.blog.example.org/1", "blog.example.org", "https://target.example/b", "A", 200},
      {"https://y.blog.example.org/2", "example.org", "https://target.example/a", "A", 100},
      {"https://y.blog.example.org/2", "example.org", "https://target.example/c", "B", 400},
  };
  storage::Batch batch(*db);
  std::map<std::string, int64_t> pairs;
  for (const Row& r : rows) {
    core::Url target = core::ParseUrl(r.target).value();
    storage::LinkValue v;
    v.target_href = target.href();
    v.anchor = r.anchor;
    v.position = 1;
    v.first_seen = r.first_seen;
    batch.Put(Family::kLinks, storage::ReverseKey(core::UrlKey(target), r.source, 0),
              storage::EncodeLinkValue(v));
    storage::PageValue page;
    page.http_status = 200;
    page.live_records = 2;
    page.source_domain_key = core::HostKey(r.domain);
    batch.Put(Family::kPages, r.source, storage::EncodePageValue(page));
    ++pairs[core::HostKey(r.domain)];
  }
  for (const auto& [domain_key, n] : pairs) {
    batch.AddCounters(
        storage::PairCounterKey(scope.counter_kind, scope.counter_scope_key, domain_key), {n});
  }
  batch.AddCounters(storage::ScopeCounterKey(scope.counter_kind, scope.counter_scope_key),
                    {4, 0, 2});
  ASSERT_THAT(db->Write(batch), IsOk());

  QueryEngine engine(*db);
  ASSERT_OK_AND_ASSIGN(ReferringDomainPage rd, engine.ReferringDomains(scope, 0, 10));
  ASSERT_EQ(rd.domains.size(), 2u);
  EXPECT_EQ(rd.domains[0].domain, "blog.example.org");
  EXPECT_EQ(rd.domains[0].links, 2u);
  EXPECT_EQ(rd.domains[0].first_seen, 200);
  EXPECT_EQ(rd.domains[1].domain, "example.org");
  EXPECT_EQ(rd.domains[1].first_seen, 100);
  ASSERT_OK_AND_ASSIGN(AnchorPage anchors, engine.AnchorTexts(scope, 0, 10));
  ASSERT_EQ(anchors.anchors.size(), 2u);
  EXPECT_EQ(anchors.anchors[0].anchor, "A");
  EXPECT_EQ(anchors.anchors[0].links, 3u);
  EXPECT_EQ(anchors.anchors[0].referring_domains, 2u);  // by host it would be 1
  EXPECT_EQ(anchors.anchors[1].referring_domains, 1u);
}

TEST(StringIdsTest, DenseIdsForAnyBytes) {
  internal::StringIds ids;
  std::vector<std::string> strings = {"", "a", std::string(100000, 'x'), std::string("\0b", 2)};
  for (int i = 0; i < 5000; ++i) strings.push_back("string number " + std::to_string(i));
  for (size_t i = 0; i < strings.size(); ++i) {
    bool added = false;
    EXPECT_EQ(ids.Intern(strings[i], &added), i);
    EXPECT_TRUE(added);
  }
  for (size_t i = 0; i < strings.size(); ++i) {
    bool added = false;
    EXPECT_EQ(ids.Intern(strings[i], &added), i);
    EXPECT_FALSE(added);
    EXPECT_EQ(ids.Get(static_cast<uint32_t>(i)), strings[i]);
    EXPECT_EQ(ids.Find(strings[i]), static_cast<int64_t>(i));
  }
  EXPECT_EQ(ids.Find("never"), -1);
  EXPECT_EQ(ids.size(), strings.size());
}

// The bitmap part, the hash part (later anchors, unexpected domains) and the
// boundary between them agree with std::set.
TEST(PairSetTest, AgreesWithASet) {
  std::mt19937_64 rng(11);
  internal::PairSet pairs(/*expected_domains=*/100, /*bitmap_bits=*/128 * 20);  // 20 rows
  std::set<std::pair<uint32_t, uint32_t>> want;
  for (int i = 0; i < 20000; ++i) {
    auto anchor = static_cast<uint32_t>(rng() % 40);
    auto domain = static_cast<uint32_t>(rng() % 140);  // some past the expected 100
    EXPECT_EQ(pairs.Insert(anchor, domain), want.insert({anchor, domain}).second)
        << anchor << " " << domain;
  }
}

// HrefHost must agree with core::Url::host() on normalized hrefs.
TEST(HrefHostTest, AgreesWithTheUrlParser) {
  for (const char* url :
       {"http://example.com/", "https://www.example.com:8443/a?b#c", "http://u:p@h.example/x",
        "http://u%40x:p@h.example:81/", "http://[2001:db8::1]/", "http://[::1]:8080/a",
        "http://192.0.2.1/", "https://xn--bcher-kva.de/b", "http://a.b.c.example.co.uk/?q=1"}) {
    core::Url u = core::ParseUrl(url).value();
    EXPECT_EQ(internal::HrefHost(u.href()), u.host()) << u.href();
  }
  EXPECT_EQ(internal::HrefHost("no-scheme"), "");
}

}  // namespace
}  // namespace inlinks::query
