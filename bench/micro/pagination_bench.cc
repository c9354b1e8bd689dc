// Deep pages: row N of a scope through the pagination directory
// (storage/buckets.h) beside a plain iterator skip of N rows, the naive way
// and the physical floor it replaces.
//
//   build-release/bench/pagination_bench [--links=N]
//
// Builds one database with N live reverse records (default 5,000,000) in one
// domain scope, written the way the indexer writes them (records + bucket
// counts in the same batches), then reads row 1,000,000 (and a few others).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace {

namespace fs = std::filesystem;
using inlinks::storage::Family;

uint64_t g_links = 5000000;

struct Fixture {
  fs::path dir;
  std::unique_ptr<inlinks::storage::Db> db;
  inlinks::core::KeyRange scope;
};

Fixture& TheFixture() {
  static Fixture f = [] {
    Fixture fx;
    fx.dir = fs::temp_directory_path() / ("inlinks_pagination_bench_" + std::to_string(::getpid()));
    fs::remove_all(fx.dir);
    fx.db = inlinks::storage::Db::Open(fx.dir.string()).value();
    auto buckets = inlinks::storage::BucketDirectory::Load(*fx.db).value();
    std::mt19937_64 rng(3);
    auto start = std::chrono::steady_clock::now();
    const uint64_t per_batch = 1000;
    for (uint64_t i = 0; i < g_links; i += per_batch) {
      inlinks::storage::Batch batch(*fx.db);
      for (uint64_t k = i; k < i + per_batch && k < g_links; ++k) {
        // ~5,000 target pages on ~50 hosts of one domain, sources everywhere.
        std::string target = "https://h" + std::to_string(rng() % 50) + ".big.example/page/" +
                             std::to_string(rng() % 5000);
        std::string source =
            "https://www.src" + std::to_string(rng() % 200000) + ".org/a/" + std::to_string(k);
        std::string key = inlinks::storage::ReverseKey(
            inlinks::core::UrlKey(inlinks::core::ParseUrl(target).value()), source, 0);
        inlinks::storage::LinkValue v{target, "anchor text", 7, inlinks::core::LinkTag::kA, 0,
                                      1, 0};
        batch.Put(Family::kLinks, key, inlinks::storage::EncodeLinkValue(v));
        buckets->OnInsert(key);
      }
      buckets->Stage(batch);
      if (!fx.db->Write(batch).ok() || !buckets->AfterWrite().ok()) std::abort();
    }
    (void)fx.db->Flush();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("built %llu links in %.1f s, %zu buckets\n",
                static_cast<unsigned long long>(g_links), secs, buckets->bucket_count());
    fx.scope = inlinks::core::DomainScope("big.example");
    return fx;
  }();
  return f;
}

void BM_SeekToRowWithDirectory(benchmark::State& state) {
  Fixture& f = TheFixture();
  const auto n = static_cast<uint64_t>(state.range(0));
  uint64_t scanned = 0;
  for (auto _ : state) {
    auto snap = f.db->GetSnapshot();
    auto it = inlinks::storage::SeekToRow(*f.db, f.scope, n, snap.get(), &scanned);
    if (!it.ok() || !(*it)->Valid()) {
      state.SkipWithError("row not found");
      return;
    }
    benchmark::DoNotOptimize((*it)->key().data());
  }
  state.counters["rows_scanned"] = static_cast<double>(scanned);
}

void BM_SeekToRowBySkipping(benchmark::State& state) {
  Fixture& f = TheFixture();
  const auto n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    auto snap = f.db->GetSnapshot();
    auto it = f.db->NewIterator(Family::kLinks, f.scope, snap.get());
    it->SeekToFirst();
    for (uint64_t i = 0; i < n && it->Valid(); ++i) it->Next();
    if (!it->Valid()) {
      state.SkipWithError("row not found");
      return;
    }
    benchmark::DoNotOptimize(it->key().data());
  }
  state.counters["rows_scanned"] = static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--links=", 0) == 0) g_links = std::max<uint64_t>(10000, std::stoull(a.substr(8)));
  }
  benchmark::Initialize(&argc, argv);
  TheFixture();
  for (int64_t n : {int64_t{0}, int64_t{1000}, int64_t{1000000},
                    static_cast<int64_t>(g_links - 1)}) {
    if (n >= static_cast<int64_t>(g_links)) continue;
    benchmark::RegisterBenchmark("BM_SeekToRowWithDirectory", BM_SeekToRowWithDirectory)
        ->Arg(n)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("BM_SeekToRowBySkipping", BM_SeekToRowBySkipping)
      ->Arg(std::min<int64_t>(1000000, static_cast<int64_t>(g_links - 1)))
      ->Unit(benchmark::kMillisecond)->Iterations(5);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Fixture& f = TheFixture();
  f.db.reset();
  fs::remove_all(f.dir);
  return 0;
}
