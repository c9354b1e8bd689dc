// The PageRank job (indexer/rank.h) beside its physical floor: a bare scan of
// the same page and link records through storage::Iterator (what any rank
// pass must read).
//
//   build-release/bench/rank_bench [--pages=N] [--links-per-page=K] [--db=DIR]
//                                  [benchmark flags]
//
// Builds one database with the real Indexer: N pages (default 20,000) of K
// links (default 50); targets are crawled pages (60% by Zipf popularity, 30%
// uniform) or pages never crawled (10%); 10% of links nofollow, 5% of pages a
// canonical to themselves. --db=DIR builds it in DIR and keeps it (for
// `inlinks rank --db DIR`); by default it lives in a temp dir.
//
// BM_RankPass       RankPages from unranked pages (ranks reset to 0 and the
//                   strength order rebuilt at 0 outside the timing, so every
//                   record is rewritten and every page's links move in the
//                   strength order): load + iterate + store and reorder
// BM_RerankUnchanged RankPages again over the same graph: nothing to write
// BM_BareScan       kPages and kLinks read with no decoding
// Counters: s_per_M_links (and per phase; store includes the reorder),
// links_reordered, bytes_per_edge (RankStats: peak array bytes per live
// link), iterations.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/order.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace {

namespace fs = std::filesystem;
using inlinks::storage::Family;

int g_pages = 20000;
int g_links_per_page = 50;
std::string g_keep_dir;

struct Fixture {
  fs::path dir;
  bool keep = false;
  std::unique_ptr<inlinks::storage::Db> db;
  uint64_t links = 0;
  ~Fixture() {
    db.reset();
    std::error_code ec;
    if (!keep && !dir.empty()) fs::remove_all(dir, ec);
  }
};

std::string PageUrl(uint64_t i) {
  return "https://www.site" + std::to_string(i % 2000) + ".example/articles/" + std::to_string(i) +
         "/a-readable-slug.html";
}

void Build(Fixture& f) {
  f.keep = !g_keep_dir.empty();
  f.dir = f.keep ? fs::path(g_keep_dir)
                 : fs::temp_directory_path() / ("inlinks_rank_bench_" + std::to_string(::getpid()));
  if (!f.keep) fs::remove_all(f.dir);
  f.db = inlinks::storage::Db::Open(f.dir.string()).value();
  auto indexer = inlinks::indexer::Indexer::Create(*f.db).value();
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u01(0, 1);
  std::vector<uint64_t> by_popularity(static_cast<size_t>(g_pages));
  for (size_t i = 0; i < by_popularity.size(); ++i) by_popularity[i] = i;
  std::shuffle(by_popularity.begin(), by_popularity.end(), rng);
  // Zipf (exponent 1) over the popularity order: a power-law in-degree.
  std::vector<double> weights(by_popularity.size());
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::discrete_distribution<size_t> popular(weights.begin(), weights.end());
  auto start = std::chrono::steady_clock::now();
  inlinks::core::FetchFacts facts;
  facts.http_status = 200;
  facts.fetch_time_unix = 1000;
  for (int p = 0; p < g_pages; ++p) {
    inlinks::core::Page page;
    page.url = inlinks::core::ParseUrl(PageUrl(p)).value().href();
    page.title = "Page " + std::to_string(p);
    for (int k = 0; k < g_links_per_page; ++k) {
      inlinks::core::Link l;
      std::string target;
      if (k == 0 && u01(rng) < 0.05) {
        l.tag = inlinks::core::LinkTag::kCanonical;
        target = PageUrl(p);
      } else if (double kind = u01(rng); kind < 0.6) {
        target = PageUrl(by_popularity[popular(rng)]);
      } else if (kind < 0.9) {
        target = PageUrl(rng() % static_cast<uint64_t>(g_pages));
      } else {
        target = "https://elsewhere" + std::to_string(rng() % 5000) + ".example/" +
                 std::to_string(rng() % 100);
      }
      l.target = inlinks::core::ParseUrl(target).value().href();
      l.anchor = "anchor " + std::to_string(k);
      l.position = static_cast<uint32_t>(page.links.size() + 1);
      if (u01(rng) < 0.1) l.rel = inlinks::core::kRelNofollow;
      page.links.push_back(std::move(l));
    }
    page.total_links = static_cast<uint32_t>(page.links.size());
    f.links += page.links.size();
    if (!indexer->Index(page, facts).ok()) {
      std::fprintf(stderr, "rank_bench: indexing failed\n");
      std::exit(1);
    }
  }
  (void)f.db->Flush();
  std::fprintf(stderr, "rank_bench: %d pages, %llu links indexed in %.1f s (%s)\n", g_pages,
               static_cast<unsigned long long>(f.links),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               f.dir.c_str());
}

// Built once in main and destroyed before main returns (RocksDB must close
// before static destruction).
std::unique_ptr<Fixture> g_fixture;

Fixture& TheFixture() { return *g_fixture; }

// Every page back to rank 0, as before its first ranking, with the strength
// order rebuilt to match (every link at strength 0).
bool ResetRanks(inlinks::storage::Db& db) {
  inlinks::storage::Batch batch(db);
  auto it = db.NewIterator(Family::kPages, {"", ""});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto page = inlinks::storage::DecodePageValue(it->value());
    if (!page.ok()) return false;
    page->rank = 0;
    batch.Put(Family::kPages, it->key(), inlinks::storage::EncodePageValue(*page));
  }
  batch.Delete(Family::kMeta, inlinks::storage::kStrengthOrderMetaKey);
  return it->status().ok() && db.Write(batch).ok() &&
         inlinks::indexer::EnsureStrengthOrder(db).ok();
}

void BM_RankPass(benchmark::State& state) {
  Fixture& f = TheFixture();
  inlinks::indexer::RankStats stats;
  double load = 0, iterate = 0, store = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (!ResetRanks(*f.db)) {
      state.SkipWithError("resetting ranks failed");
      return;
    }
    state.ResumeTiming();
    auto s = inlinks::indexer::RankPages(*f.db);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.status().message()).c_str());
      return;
    }
    stats = *s;
    load += stats.load_seconds;
    iterate += stats.iterate_seconds;
    store += stats.store_seconds;
  }
  const double runs = static_cast<double>(state.iterations());
  const double per_m = 1e6 / static_cast<double>(std::max<uint64_t>(stats.links, 1)) / runs;
  state.SetItemsProcessed(static_cast<int64_t>(stats.links) * state.iterations());
  state.counters["links"] = static_cast<double>(stats.links);
  state.counters["edges"] = static_cast<double>(stats.edges);
  state.counters["iterations"] = stats.iterations;
  state.counters["s_per_M_links"] = (load + iterate + store) * per_m;
  state.counters["load_s_per_M"] = load * per_m;
  state.counters["iterate_s_per_M"] = iterate * per_m;
  state.counters["store_s_per_M"] = store * per_m;
  state.counters["bytes_per_edge"] = stats.bytes_per_edge;
  state.counters["peak_MB"] = static_cast<double>(stats.peak_bytes) / 1e6;
  state.counters["pages_reordered"] = static_cast<double>(stats.pages_reordered);
  state.counters["links_reordered"] = static_cast<double>(stats.links_reordered);
}

void BM_RerankUnchanged(benchmark::State& state) {
  Fixture& f = TheFixture();
  inlinks::indexer::RankStats stats;
  double seconds = 0;
  if (!inlinks::indexer::RankPages(*f.db).ok()) {  // ranked once, untimed
    state.SkipWithError("first rank pass failed");
    return;
  }
  for (auto _ : state) {
    auto s = inlinks::indexer::RankPages(*f.db);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.status().message()).c_str());
      return;
    }
    stats = *s;
    seconds += stats.load_seconds + stats.iterate_seconds + stats.store_seconds;
  }
  state.SetItemsProcessed(static_cast<int64_t>(stats.links) * state.iterations());
  state.counters["s_per_M_links"] = seconds * 1e6 /
                                    static_cast<double>(std::max<uint64_t>(stats.links, 1)) /
                                    static_cast<double>(state.iterations());
  state.counters["pages_written"] = static_cast<double>(stats.pages_written);
  state.counters["links_reordered"] = static_cast<double>(stats.links_reordered);
}

void BM_BareScan(benchmark::State& state) {
  Fixture& f = TheFixture();
  uint64_t records = 0, bytes = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    for (Family family : {Family::kPages, Family::kLinks}) {
      auto it = f.db->NewIterator(family, {"", ""});
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ++records;
        bytes += it->key().size() + it->value().size();
      }
      if (!it->status().ok()) {
        state.SkipWithError("scan failed");
        return;
      }
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(f.links) * state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["s_per_M_links"] =
      seconds * 1e6 / static_cast<double>(f.links) / static_cast<double>(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--pages=", 0) == 0) g_pages = std::max(100, std::atoi(a.c_str() + 8));
    if (a.rfind("--links-per-page=", 0) == 0) {
      g_links_per_page = std::max(1, std::atoi(a.c_str() + 17));
    }
    if (a.rfind("--db=", 0) == 0) g_keep_dir = a.substr(5);
  }
  benchmark::Initialize(&argc, argv);
  g_fixture = std::make_unique<Fixture>();
  Build(*g_fixture);
  benchmark::RegisterBenchmark("BM_RankPass", BM_RankPass)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("BM_RerankUnchanged", BM_RerankUnchanged)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("BM_BareScan", BM_BareScan)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_fixture.reset();
  return 0;
}
