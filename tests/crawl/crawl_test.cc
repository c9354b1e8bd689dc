// End-to-end crawls on loopback: the crawler fetches a synthetic web (and
// the Nutch fetcher test site) served by an in-process server started by the
// test, the real indexer stores every page, and the query module must answer
// exactly what the web's own graph says. Hostile hosts fail alone, each under
// its own reason, while the healthy hosts are crawled completely.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/crawler.h"
#include "inlinks/crawler/extractor.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/storage/db.h"
#include "inlinks/testweb/server.h"
#include "inlinks/testweb/web.h"
#include "tests/testing/ports.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;

// A link as both sides can describe it.
using Row = std::tuple<std::string, std::string, std::string, uint32_t, std::string, bool>;

// Passes pages on to the indexer and remembers how they came. The first
// group waits a little, so that pages fetched meanwhile queue up behind it.
class CountingSink : public core::PageSink {
 public:
  explicit CountingSink(core::PageSink& next) : next_(next) {}
  absl::Status Accept(const core::Page& page, const core::FetchFacts& facts) override {
    ++pages;
    return next_.Accept(page, facts);
  }
  std::vector<absl::Status> AcceptAll(std::span<const core::PageAndFacts> group) override {
    if (first_.exchange(false)) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    pages += group.size();
    ++groups;
    size_t seen = largest_group;
    while (group.size() > seen && !largest_group.compare_exchange_weak(seen, group.size())) {
    }
    return next_.AcceptAll(group);
  }
  std::atomic<size_t> pages{0}, groups{0}, largest_group{0};

 private:
  core::PageSink& next_;
  std::atomic<bool> first_{true};
};

class CrawlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path());
    absl::StatusOr<std::unique_ptr<storage::Db>> db = storage::Db::Open(dir_.Sub("db"));
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
    absl::StatusOr<std::unique_ptr<indexer::Indexer>> ix = indexer::Indexer::Create(*db_);
    ASSERT_THAT(ix, IsOk());
    indexer_ = std::move(*ix);
  }
  void TearDown() override {
    indexer_.reset();
    db_.reset();
  }

  // Options for a crawl of loopback servers: every host name resolves to
  // 127.0.0.1, which the SSRF guard is told to allow; no politeness delay.
  static CrawlerOptions LoopbackOptions() {
    CrawlerOptions o;
    o.once = true;
    o.host_delay_ms = 0;
    o.max_connections_per_ip = 0;
    o.concurrency = 16;
    o.threads = 2;
    absl::StatusOr<ResolveOverride> any = ResolveOverride::Parse("*:127.0.0.1");
    EXPECT_THAT(any, IsOk());
    o.fetch.resolve.push_back(*any);
    absl::StatusOr<NetGuard> guard = NetGuard::Create({"127.0.0.0/8"});
    EXPECT_THAT(guard, IsOk());
    o.fetch.guard = *guard;
    return o;
  }

  CrawlStats Crawl(const CrawlerOptions& options, const std::vector<std::string>& seeds,
                   core::PageSink* sink = nullptr) {
    absl::StatusOr<std::unique_ptr<Crawler>> crawler =
        Crawler::Create(*db_, sink != nullptr ? *sink : *indexer_, options);
    EXPECT_THAT(crawler, IsOk());
    if (!crawler.ok()) return {};
    EXPECT_THAT((*crawler)->frontier().AddSeeds(seeds), IsOk());
    EXPECT_THAT((*crawler)->Run(), IsOk());
    return (*crawler)->stats();
  }

  // Every live row of `target` (auto scope) as the query module returns it,
  // walked page by page.
  std::vector<Row> QueryRows(const std::string& target) {
    std::vector<Row> rows;
    absl::StatusOr<query::Scope> scope = query::ResolveScope(target);
    EXPECT_THAT(scope, IsOk()) << target;
    if (!scope.ok()) return rows;
    query::QueryEngine engine(*db_);
    uint64_t total = 0;
    for (uint64_t offset = 0;; offset += 100) {
      absl::StatusOr<query::BacklinkPage> page = engine.Backlinks(*scope, {}, offset, 100);
      if (!page.ok()) {
        EXPECT_EQ(page.status().code(), absl::StatusCode::kOutOfRange) << page.status();
        break;
      }
      total = page->total;
      for (const query::BacklinkRow& r : page->rows) {
        rows.emplace_back(r.source_url, r.target_url, r.anchor, r.position,
                          std::string(core::LinkTagName(r.tag)), r.nofollow());
      }
      if (page->rows.size() < 100) break;
    }
    EXPECT_EQ(rows.size(), total) << target;
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // Every target URL of the truth has exactly its number of live backlinks
  // in the index; with `whole_index`, the index holds no other live links.
  void ExpectLiveCountsMatch(const testweb::Truth& truth, bool whole_index = true) {
    query::QueryEngine engine(*db_);
    for (const auto& [target, count] : truth.CountsByTarget()) {
      absl::StatusOr<query::Scope> scope = query::ResolveScope(target, query::ScopeKind::kUrl);
      ASSERT_THAT(scope, IsOk()) << target;
      absl::StatusOr<query::ScopeCounts> counts = engine.CountBacklinks(*scope);
      ASSERT_THAT(counts, IsOk());
      EXPECT_EQ(counts->live, count) << target;
    }
    absl::StatusOr<indexer::CheckReport> check = indexer::CheckIndex(*db_);
    ASSERT_THAT(check, IsOk());
    EXPECT_EQ(check->errors, 0u);
    if (whole_index) {
      EXPECT_EQ(check->live_links, truth.LinkCount());
    }
  }

  testing::TempDir dir_{"crawl_test"};
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<indexer::Indexer> indexer_;
};

std::vector<Row> TruthRows(const testweb::Web& web, const std::string& target) {
  std::vector<Row> rows;
  absl::StatusOr<testweb::Scope> scope = testweb::ParseScope(target);
  EXPECT_THAT(scope, IsOk()) << target;
  if (!scope.ok()) return rows;
  for (const testweb::Backlink& b : web.ReachableTruth().Backlinks(*scope)) {
    rows.emplace_back(b.source, b.target, b.anchor, b.position,
                      std::string(core::LinkTagName(b.tag)), b.nofollow());
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST_F(CrawlTest, SyntheticWebIndexAnswersWhatTheGraphSays) {
  testweb::ServerOptions so;
  so.threads = 2;
  testweb::WebSpec spec;
  spec.seed = 7;
  spec.hosts = 12;
  spec.domains = 5;
  spec.pages_per_host = 40;
  spec.page_bytes = 8 * 1024;
  spec.min_links = 20;
  spec.max_links = 60;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const testweb::Web& web = *(*server)->web();

  CountingSink sink(*indexer_);
  CrawlStats stats = Crawl(LoopbackOptions(), web.SeedUrls(), &sink);
  const testweb::Truth& truth = web.ReachableTruth();
  EXPECT_EQ(stats.pages_indexed, truth.FetchedPages().size() + truth.FetchedRedirects().size() +
                                     truth.FetchedMissing().size());
  // Pages reach the indexer in groups while many are in flight, each once.
  EXPECT_EQ(sink.pages, stats.pages_indexed);
  EXPECT_LT(sink.groups, sink.pages);
  EXPECT_GT(sink.largest_group, 1u);
  EXPECT_EQ(stats.redirects, truth.FetchedRedirects().size());
  EXPECT_GT(stats.robots_disallowed, 0u);
  for (int e = 1; e < kFetchErrorCount; ++e) {
    EXPECT_EQ(stats.errors[e], 0u) << FetchErrorName(static_cast<FetchError>(e));
  }

  // Totals of every target URL, then full row sets of every host and domain.
  ExpectLiveCountsMatch(truth);
  std::set<std::string> targets;
  for (int h = 0; h < web.HostCount(); ++h) {
    targets.insert(web.HostName(h));
    targets.insert(web.DomainOf(h));
  }
  for (const std::string& target : targets) {
    EXPECT_EQ(QueryRows(target), TruthRows(web, target)) << target;
  }
}

// robots.txt Sitemap lines are followed: pages only a sitemap lists are
// crawled too, and the index still matches the graph.
TEST_F(CrawlTest, SitemapsFromRobotsTxtAreFollowed) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.seed = 21;
  spec.hosts = 6;
  spec.domains = 3;
  spec.pages_per_host = 30;
  spec.page_bytes = 4096;
  spec.min_links = 10;
  spec.max_links = 30;
  spec.sitemaps = true;
  spec.seed_hosts = 2;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const testweb::Web& web = *(*server)->web();
  CrawlStats stats = Crawl(LoopbackOptions(), web.SeedUrls());
  EXPECT_GT(stats.sitemaps, 0u);
  const testweb::Truth& truth = web.ReachableTruth();
  EXPECT_EQ(stats.pages_indexed, truth.FetchedPages().size() + truth.FetchedRedirects().size() +
                                     truth.FetchedMissing().size());
  ExpectLiveCountsMatch(truth);
}

// The Nutch fetcher test site, served from its directory: every page
// reachable from the front page is indexed with the links the extractor
// finds in its file.
TEST_F(CrawlTest, NutchFetchTestSite) {
  std::string site = testing::TestdataPath("html/nutch-fetch-test-site").string();
  testweb::ServerOptions so;
  so.static_sites.push_back({"nutch.test", site});
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  std::string origin = (*server)->Origin("nutch.test");

  CrawlStats stats = Crawl(LoopbackOptions(), {origin + "/"});
  EXPECT_EQ(stats.robots_fetches, 1u);

  // Expected: a breadth-first walk over the files with the extractor.
  std::vector<Row> expected;
  std::set<std::string> seen = {origin + "/"};
  std::vector<std::string> queue = {origin + "/"};
  while (!queue.empty()) {
    std::string url = queue.back();
    queue.pop_back();
    absl::StatusOr<core::Url> u = core::ParseUrl(url);
    ASSERT_THAT(u, IsOk());
    std::string path(u->path());
    if (path == "/") path = "/index.html";
    std::optional<std::string> body = testing::ReadFileBytes(site + path);
    if (!body) continue;  // a 404
    absl::StatusOr<core::Page> page = ExtractPage(*body, "text/html", *u);
    ASSERT_THAT(page, IsOk());
    for (const core::Link& l : page->links) {
      expected.emplace_back(url, l.target, l.anchor, l.position,
                            std::string(core::LinkTagName(l.tag)), l.nofollow());
      if (seen.insert(l.target).second) queue.push_back(l.target);
    }
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(QueryRows("nutch.test"), expected);
  EXPECT_EQ(stats.pages_indexed, seen.size());
}

// Each hostile host fails alone, under its own reason; the healthy web is
// crawled completely; memory stays bounded.
TEST_F(CrawlTest, HostileServersFailAloneUnderTheirOwnReason) {
  testweb::ServerOptions so;
  so.threads = 2;
  testweb::WebSpec spec;
  spec.seed = 3;
  spec.hosts = 4;
  spec.domains = 2;
  spec.pages_per_host = 20;
  spec.page_bytes = 4 * 1024;
  spec.min_links = 10;
  spec.max_links = 20;
  so.web = spec;
  so.slowloris_interval = absl::Milliseconds(300);
  so.gzip_bomb_bytes = 64 << 20;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const testweb::Web& web = *(*server)->web();

  CrawlerOptions o = LoopbackOptions();
  o.fetch.connect_timeout = std::chrono::milliseconds(1000);
  o.fetch.header_timeout = std::chrono::milliseconds(1500);
  o.fetch.response_timeout = std::chrono::milliseconds(2000);
  o.fetch.max_body_bytes = 1 << 20;
  o.max_attempts = 1;
  o.frontier.max_redirects = 5;
  std::vector<std::string> seeds = web.SeedUrls();
  for (testweb::Hostile h : testweb::AllHostile()) {
    seeds.push_back((*server)->Origin(testweb::HostileHostName(h)) + "/page");
  }
  // A TLS client against a server that never answers the handshake.
  seeds.push_back("https://tls-stall.test:" + std::to_string((*server)->port()) + "/");

  CrawlStats stats = Crawl(o, seeds);
  auto errors = [&](FetchError e) { return stats.errors[static_cast<size_t>(e)]; };
  for (int e = 1; e < kFetchErrorCount; ++e) {
    std::printf("%s=%llu ", std::string(FetchErrorName(static_cast<FetchError>(e))).c_str(),
                static_cast<unsigned long long>(stats.errors[e]));
  }
  std::printf("\n");
  EXPECT_GE(errors(FetchError::kBodyTooLarge), 1u);    // endless body
  EXPECT_GE(errors(FetchError::kTimeout), 3u);         // slowloris, stall, TLS stall
  EXPECT_GE(errors(FetchError::kEncoding), 1u);        // gzip bomb
  EXPECT_GE(errors(FetchError::kReset), 2u);           // wrong length, reset mid-body
  EXPECT_GE(errors(FetchError::kBadResponse), 1u);     // malformed status line
  EXPECT_GE(errors(FetchError::kHeaderTooLarge), 1u);  // 1 MB of headers
  EXPECT_GE(stats.robots_unavailable, 1u);             // robots.txt 500
  EXPECT_GE(stats.redirects, 2u);                      // the loop, cut by the seen set

  // The healthy web is all there (beside the redirect loop's links).
  ExpectLiveCountsMatch(web.ReachableTruth(), /*whole_index=*/false);
  // A 64 MiB gzip bomb and a never-ending body were cut at their caps.
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  EXPECT_LT(usage.ru_maxrss, 512 * 1024) << "peak RSS KiB";
}

// Each hostile server in its own crawl: its failure is counted under its
// own reason, and the healthy web beside it is crawled completely.
struct HostileCase {
  testweb::Hostile behaviour;
  std::function<uint64_t(const CrawlStats&)> counter;  // must be >= 1
};

class HostileEach : public CrawlTest,
                    public ::testing::WithParamInterface<testweb::Hostile> {};

uint64_t ErrorCount(const CrawlStats& s, FetchError e) {
  return s.errors[static_cast<size_t>(e)];
}

TEST_P(HostileEach, FailsAloneUnderItsOwnReason) {
  const testweb::Hostile h = GetParam();
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.seed = 17;
  spec.hosts = 3;
  spec.domains = 2;
  spec.pages_per_host = 16;
  spec.page_bytes = 2048;
  spec.min_links = 8;
  spec.max_links = 16;
  so.web = spec;
  so.slowloris_interval = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  CrawlerOptions o = LoopbackOptions();
  o.fetch.header_timeout = std::chrono::milliseconds(1000);
  o.fetch.response_timeout = std::chrono::milliseconds(1500);
  o.fetch.max_body_bytes = 1 << 20;
  o.max_attempts = 1;
  std::vector<std::string> seeds = (*server)->web()->SeedUrls();
  seeds.push_back((*server)->Origin(testweb::HostileHostName(h)) + "/page");
  CrawlStats stats = Crawl(o, seeds);
  uint64_t count = 0;
  switch (h) {
    case testweb::Hostile::kEndlessBody: count = ErrorCount(stats, FetchError::kBodyTooLarge); break;
    case testweb::Hostile::kSlowloris:
    case testweb::Hostile::kStall: count = ErrorCount(stats, FetchError::kTimeout); break;
    case testweb::Hostile::kGzipBomb: count = ErrorCount(stats, FetchError::kEncoding); break;
    case testweb::Hostile::kRedirectLoop: count = stats.redirects >= 2; break;
    case testweb::Hostile::kRobots500: count = stats.robots_unavailable; break;
    case testweb::Hostile::kWrongContentLength:
    case testweb::Hostile::kResetMidBody: count = ErrorCount(stats, FetchError::kReset); break;
    case testweb::Hostile::kMalformedStatus: count = ErrorCount(stats, FetchError::kBadResponse); break;
    case testweb::Hostile::kHugeHeaders: count = ErrorCount(stats, FetchError::kHeaderTooLarge); break;
    case testweb::Hostile::kRateLimited: count = stats.status_class[4]; break;
    case testweb::Hostile::kNone: break;
  }
  EXPECT_GE(count, 1u) << testweb::HostileName(h);
  ExpectLiveCountsMatch((*server)->web()->ReachableTruth(),
                        /*whole_index=*/h != testweb::Hostile::kRedirectLoop);
}

INSTANTIATE_TEST_SUITE_P(Hostile, HostileEach, ::testing::ValuesIn(testweb::AllHostile()),
                         [](const ::testing::TestParamInfo<testweb::Hostile>& info) {
                           std::string name(testweb::HostileName(info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// A TLS client against a server that never answers the handshake.
TEST_F(CrawlTest, TlsHandshakeStallTimesOut) {
  testweb::ServerOptions so;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  CrawlerOptions o = LoopbackOptions();
  o.fetch.connect_timeout = std::chrono::milliseconds(800);
  o.max_attempts = 1;
  CrawlStats stats = Crawl(o, {"https://tls-stall.test:" + std::to_string((*server)->port()) + "/"});
  EXPECT_EQ(ErrorCount(stats, FetchError::kTimeout), 1u);
  EXPECT_EQ(stats.robots_unavailable, 1u);
}

// Stops the crawl while its third group is at the sink, and takes long
// enough over that group that the grace period is over before it is written.
class StopWhileStoringSink : public core::PageSink {
 public:
  explicit StopWhileStoringSink(core::PageSink& next) : next_(next) {}
  absl::Status Accept(const core::Page& page, const core::FetchFacts& facts) override {
    return next_.Accept(page, facts);
  }
  std::vector<absl::Status> AcceptAll(std::span<const core::PageAndFacts> group) override {
    if (++groups_ == 3) {
      // Pages fetched meanwhile queue up behind this group; then the crawl
      // is told to stop, and its grace period runs out before the group is
      // written.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      crawler->Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
    }
    std::vector<absl::Status> results = next_.AcceptAll(group);
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < group.size(); ++i) {
      if (results[i].ok()) stored_.insert(group[i].page->url);
    }
    return results;
  }
  std::set<std::string> stored() {
    std::lock_guard lock(mu_);
    return stored_;
  }
  Crawler* crawler = nullptr;

 private:
  core::PageSink& next_;
  std::atomic<int> groups_{0};
  std::mutex mu_;
  std::set<std::string> stored_;
};

// A crawl stopped past its grace period while a group of pages is being
// stored finishes that group and settles its leases: every stored page is
// counted and leaves the frontier, so the next crawl does not fetch it again.
// Pages that were still waiting to be stored stay queued for the next crawl.
TEST_F(CrawlTest, StopPastGraceSettlesThePagesBeingStored) {
  testweb::ServerOptions so;
  so.threads = 2;
  so.record_requests = true;
  testweb::WebSpec spec;
  spec.seed = 11;
  spec.hosts = 8;
  spec.domains = 4;
  spec.pages_per_host = 40;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  const testweb::Web& web = *(*server)->web();

  CrawlerOptions options = LoopbackOptions();
  options.stop_grace_ms = 0;
  StopWhileStoringSink sink(*indexer_);
  CrawlStats stats;
  {
    absl::StatusOr<std::unique_ptr<Crawler>> crawler =
        Crawler::Create(*db_, sink, options);
    ASSERT_THAT(crawler, IsOk());
    sink.crawler = crawler->get();
    ASSERT_THAT((*crawler)->frontier().AddSeeds(web.SeedUrls()), IsOk());
    ASSERT_THAT((*crawler)->Run(), IsOk());
    stats = (*crawler)->stats();
  }
  const std::set<std::string> stored = sink.stored();
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stats.pages_indexed, stored.size());
  // Pages fetched meanwhile were given back, not failed.
  EXPECT_GT(stats.fetches, stored.size());
  EXPECT_EQ(stats.sink_errors, 0u);

  // What the next crawl would fetch: everything still queued.
  absl::StatusOr<std::unique_ptr<Frontier>> frontier = Frontier::Open(*db_, options.frontier);
  ASSERT_THAT(frontier, IsOk());
  std::set<std::string> queued;
  for (int i = 0; i < 100'000; ++i) {
    absl::StatusOr<std::optional<Lease>> lease = (*frontier)->Next(1LL << 50);
    ASSERT_THAT(lease, IsOk());
    if (!lease->has_value()) break;
    queued.insert((*lease)->url);
    ASSERT_THAT((*frontier)->Drop(**lease, 1LL << 50, 0), IsOk());
  }
  // The crawl did stop early, leaving pages for the next one.
  EXPECT_FALSE(queued.empty());
  for (const std::string& url : stored) EXPECT_FALSE(queued.contains(url)) << url;
  // Pages fetched but not stored (waiting for the sink, or still being
  // fetched) are all queued again; there were some.
  size_t given_back = 0;
  for (const testweb::RequestRecord& r : (*server)->Requests()) {
    if (r.url.ends_with("/robots.txt")) continue;
    absl::StatusOr<core::Url> url = core::ParseUrl(r.url);
    ASSERT_THAT(url, IsOk()) << r.url;
    if (stored.contains(url->href())) continue;
    EXPECT_TRUE(queued.contains(url->href())) << url->href();
    ++given_back;
  }
  EXPECT_GT(given_back, 0u);
}

// A host nobody answers for (connection refused) does not hold a --once
// crawl: its URLs are dropped, not retried for the robots.txt retry period.
TEST_F(CrawlTest, UnreachableHostDoesNotHoldAOnceCrawl) {
  uint16_t free_port = testing::FreeLoopbackPort();  // nobody listens there
  ASSERT_NE(free_port, 0);
  std::string port = std::to_string(free_port);
  CrawlerOptions o = LoopbackOptions();
  o.robots_error_retry_ms = 3'600'000;  // would hold the crawl for an hour
  CrawlStats stats =
      Crawl(o, {"http://gone.test:" + port + "/", "http://gone.test:" + port + "/a"});
  // One robots.txt failure drops the host's whole queue.
  EXPECT_EQ(stats.robots_unavailable, 1u);
  EXPECT_EQ(stats.dropped, 2u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.errors[static_cast<size_t>(FetchError::kConnect)], 1u);
}

// 429 with Retry-After: the URL is fetched again no sooner than the server
// asked, and then indexed.
TEST_F(CrawlTest, RetryAfterIsHonoured) {
  testweb::ServerOptions so;
  so.record_requests = true;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  std::string host = testweb::HostileHostName(testweb::Hostile::kRateLimited);
  CrawlerOptions o = LoopbackOptions();
  o.max_attempts = 3;
  CrawlStats stats = Crawl(o, {(*server)->Origin(host) + "/page"});
  // The host answers the first request of every URL with 429 (its small
  // page links to more pages of it): every page got one 429, one retry no
  // sooner than a second later, and was then indexed.
  EXPECT_GE(stats.pages_indexed, 1u);
  EXPECT_EQ(stats.retries, stats.pages_indexed);
  EXPECT_EQ(stats.status_class[4], stats.pages_indexed);
  std::map<std::string, std::vector<int64_t>> by_url;
  for (const testweb::RequestRecord& r : (*server)->Requests()) {
    if (!r.url.ends_with("/robots.txt")) by_url[r.url].push_back(r.arrival_us);
  }
  EXPECT_EQ(by_url.size(), stats.pages_indexed);
  for (const auto& [url, times] : by_url) {
    ASSERT_EQ(times.size(), 2u) << url;
    EXPECT_GE(times[1] - times[0], 1'000'000 - 2'000) << url;
  }
}

// SSRF: without an allow list, loopback is refused after resolution, and
// the refusals are counted (not silently skipped).
TEST_F(CrawlTest, LoopbackRefusedWithoutAllowList) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.hosts = 2;
  spec.domains = 1;
  spec.pages_per_host = 16;
  so.web = spec;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  CrawlerOptions o = LoopbackOptions();
  o.fetch.guard = NetGuard();
  o.max_attempts = 1;
  std::vector<std::string> seeds = (*server)->web()->SeedUrls();
  seeds.push_back("http://2130706433:" + std::to_string((*server)->port()) + "/");
  seeds.push_back("http://[::ffff:127.0.0.1]:" + std::to_string((*server)->port()) + "/");
  CrawlStats stats = Crawl(o, seeds);
  EXPECT_EQ(stats.pages_indexed, 0u);
  EXPECT_EQ((*server)->stats().requests, 0u);
  // Robots fetches are refused first; every seed is dropped.
  EXPECT_GE(stats.errors[static_cast<size_t>(FetchError::kBlocked)], seeds.size());
}

// Politeness on the wire: with a delay, no two requests to one host arrive
// closer together than the delay (the server's clock), and robots.txt
// disallow rules are obeyed (no request for a disallowed path).
TEST_F(CrawlTest, PolitenessDelayAndRobotsOnTheWire) {
  testweb::ServerOptions so;
  testweb::WebSpec spec;
  spec.seed = 11;
  spec.hosts = 3;
  spec.domains = 2;
  spec.pages_per_host = 16;
  spec.min_links = 10;
  spec.max_links = 20;
  spec.page_bytes = 2048;
  spec.private_share = 0.2;
  so.web = spec;
  so.record_requests = true;
  absl::StatusOr<std::unique_ptr<testweb::Server>> server = testweb::Server::Start(so);
  ASSERT_THAT(server, IsOk());
  CrawlerOptions o = LoopbackOptions();
  o.host_delay_ms = 40;
  o.frontier.max_pages_per_host = 8;
  CrawlStats stats = Crawl(o, (*server)->web()->SeedUrls());
  EXPECT_GT(stats.pages_indexed, 0u);
  std::map<std::string, std::vector<int64_t>> by_host;
  for (const testweb::RequestRecord& r : (*server)->Requests()) {
    EXPECT_FALSE((*server)->web()->IsDisallowed(r.url)) << r.url;
    by_host[r.host].push_back(r.arrival_us);
  }
  for (auto& [host, times] : by_host) {
    std::sort(times.begin(), times.end());
    for (size_t i = 1; i < times.size(); ++i) {
      EXPECT_GE(times[i] - times[i - 1], 40'000 - 2'000) << host;  // 2 ms clock slack
    }
  }
}

}  // namespace
}  // namespace inlinks::crawler
