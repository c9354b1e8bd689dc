// History calls (query/history.h) on one large domain scope beside the
// physical floor of any scan-based answer: reading the times of every
// record of the scope (what a trend or a window total without the daily
// counters would cost).
//
//   build-release/bench/history_bench [--links=N] [benchmark flags]
//
// Builds the database with the real indexer (so the daily counters are the
// ones it writes): N links (default 1,000,000) from pages of 100 links each
// into ~5,000 pages on 50 hosts of one domain, first crawled over 365 days
// (one fetch time per page, spread evenly); then 20% of the pages are
// re-crawled later with a tenth of their links gone, and half of those once
// more with them back (lost and revived links, lost records).
//
// BM_Trend/days:D          the trend of the last D days (D = 30, 365, 3660)
// BM_NewLinks/..           a page of links first seen in a window:
//                          window (days back from the last day), offset, limit
// BM_LostLinks/..          likewise for lost links
// BM_PeerScanTimes         every record of the scope (live and lost), its
//                          times decoded (storage::DecodeLinkTimes)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/history.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace {

namespace fs = std::filesystem;
using inlinks::storage::Family;

uint64_t g_links = 1000000;
bool g_flush = true;
constexpr int64_t kDay = 86400;
constexpr uint32_t kFirstDay = 19358;  // 2023-01-01
constexpr uint32_t kHistoryDays = 365;

struct Fixture {
  fs::path dir;
  std::unique_ptr<inlinks::storage::Db> db;
  inlinks::query::Scope scope;
  uint32_t last_day = 0;  // the last day with events
};

inlinks::core::Page MakeSourcePage(uint64_t p, std::mt19937_64& rng, int drop_every) {
  inlinks::core::Page page;
  page.url = "https://www.src" + std::to_string(p % 20000) + ".org/post/" + std::to_string(p);
  page.title = "Source " + std::to_string(p);
  std::mt19937_64 links_rng(p);  // the same links at every crawl of the page
  for (uint32_t i = 0; i < 100; ++i) {
    uint64_t host = links_rng() % 50, path = links_rng() % 100;
    if (drop_every > 0 && i % drop_every == 0) continue;
    inlinks::core::Link l;
    l.target = "https://h" + std::to_string(host) + ".big.example/page/" + std::to_string(path) +
               "-" + std::to_string(host);
    l.anchor = "anchor " + std::to_string(i % 37);
    l.position = i + 1;
    page.links.push_back(std::move(l));
  }
  (void)rng;
  page.total_links = static_cast<uint32_t>(page.links.size());
  page.external_links = page.total_links;
  return page;
}

Fixture& TheFixture() {
  static Fixture f = [] {
    Fixture fx;
    fx.dir = fs::temp_directory_path() / ("inlinks_history_bench_" + std::to_string(::getpid()));
    fs::remove_all(fx.dir);
    fx.db = inlinks::storage::Db::Open(fx.dir.string()).value();
    auto indexer = inlinks::indexer::Indexer::Create(*fx.db).value();
    fx.scope = inlinks::query::ResolveScope("big.example").value();
    std::mt19937_64 rng(7);
    const uint64_t pages = g_links / 100;
    auto start = std::chrono::steady_clock::now();
    auto index = [&](const inlinks::core::Page& page, int64_t t) {
      inlinks::core::FetchFacts facts;
      facts.http_status = 200;
      facts.fetch_time_unix = t;
      if (!indexer->Index(page, facts).ok()) std::abort();
    };
    const int64_t t0 = int64_t{kFirstDay} * kDay;
    for (uint64_t p = 0; p < pages; ++p) {
      index(MakeSourcePage(p, rng, 0), t0 + static_cast<int64_t>(p * kHistoryDays * kDay / pages));
    }
    // Re-crawls: 20% of the pages lose a tenth of their links, half of those
    // get them back, over the last 60 days.
    for (uint64_t p = 0; p < pages; p += 5) {
      int64_t t =
          t0 + int64_t{kHistoryDays - 60} * kDay + static_cast<int64_t>(rng() % (50 * kDay));
      index(MakeSourcePage(p, rng, 10), t);
      if (p % 10 == 0) index(MakeSourcePage(p, rng, 0), t + 5 * kDay);
    }
    if (g_flush) (void)fx.db->Flush();
    fx.last_day = kFirstDay + kHistoryDays + 5;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto counts =
        inlinks::storage::GetScopeCounts(*fx.db, fx.scope.counter_kind, fx.scope.counter_scope_key)
            .value();
    std::printf(
        "indexed %llu pages in %.1f s: scope has %lld live, %lld lost links, %lld "
        "referring domains\n",
        static_cast<unsigned long long>(pages), secs, static_cast<long long>(counts.live),
        static_cast<long long>(counts.lost), static_cast<long long>(counts.referring_domains));
    return fx;
  }();
  return f;
}

inlinks::query::DayRange LastDays(const Fixture& f, int64_t days) {
  return {static_cast<uint32_t>(f.last_day - days + 1), f.last_day};
}

void BM_Trend(benchmark::State& state) {
  Fixture& f = TheFixture();
  inlinks::query::QueryEngine engine(*f.db);
  const auto range = LastDays(f, state.range(0));
  for (auto _ : state) {
    auto trend = engine.Trend(f.scope, range);
    if (!trend.ok() || trend->days.size() != range.days()) {
      state.SkipWithError("trend failed");
      return;
    }
    benchmark::DoNotOptimize(trend->days.back().live);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));  // days
}

void Window(benchmark::State& state, bool lost) {
  Fixture& f = TheFixture();
  inlinks::query::QueryEngine engine(*f.db);
  const auto range = LastDays(f, state.range(0));
  const auto offset = static_cast<uint64_t>(state.range(1));
  const auto limit = static_cast<uint64_t>(state.range(2));
  uint64_t total = 0;
  for (auto _ : state) {
    auto page = lost ? engine.LostLinks(f.scope, range, offset, limit)
                     : engine.NewLinks(f.scope, range, offset, limit);
    if (!page.ok()) {
      state.SkipWithError(std::string(page.status().message()).c_str());
      return;
    }
    total = page->total;
    benchmark::DoNotOptimize(page->rows.data());
  }
  state.counters["total"] = static_cast<double>(total);
}

void BM_NewLinks(benchmark::State& state) { Window(state, false); }
void BM_LostLinks(benchmark::State& state) { Window(state, true); }

void BM_PeerScanTimes(benchmark::State& state) {
  Fixture& f = TheFixture();
  uint64_t records = 0;
  for (auto _ : state) {
    auto snap = f.db->GetSnapshot();
    records = 0;
    int64_t sum = 0;
    for (Family family : {Family::kLinks, Family::kLost}) {
      auto it = f.db->NewIterator(family, f.scope.range, snap.get());
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        int64_t first_seen = 0, lost_time = 0;
        if (!inlinks::storage::DecodeLinkTimes(it->value(), first_seen, lost_time).ok()) {
          state.SkipWithError("bad record");
          return;
        }
        sum += first_seen + lost_time;
        ++records;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.counters["records"] = static_cast<double>(records);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records));
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--links=", 0) == 0) g_links = std::max<uint64_t>(10000, std::stoull(a.substr(8)));
    if (a == "--no-flush") g_flush = false;
  }
  benchmark::Initialize(&argc, argv);
  TheFixture();
  for (int64_t days : {30, 365, 3660}) {
    benchmark::RegisterBenchmark("BM_Trend", BM_Trend)
        ->Arg(days)
        ->ArgName("days")
        ->Unit(benchmark::kMicrosecond);
  }
  // window (days back), offset, limit
  for (auto args : std::vector<std::vector<int64_t>>{
           {30, 0, 100}, {30, 0, 0}, {365, 0, 100}, {365, 500000, 100}, {7, 0, 100}}) {
    benchmark::RegisterBenchmark("BM_NewLinks", BM_NewLinks)
        ->Args(args)
        ->ArgNames({"window", "offset", "limit"})
        ->Unit(benchmark::kMillisecond);
  }
  for (auto args : std::vector<std::vector<int64_t>>{{30, 0, 100}, {365, 0, 100}}) {
    benchmark::RegisterBenchmark("BM_LostLinks", BM_LostLinks)
        ->Args(args)
        ->ArgNames({"window", "offset", "limit"})
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_PeerScanTimes", BM_PeerScanTimes)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Fixture& f = TheFixture();
  f.db.reset();
  fs::remove_all(f.dir);
  return 0;
}
