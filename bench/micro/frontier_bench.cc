// Frontier at scale: memory (RSS of the whole process) and speed of adding
// and leasing URLs with 10 million known URLs, beside the physical floor of
// the same URLs held as a plain in-memory set of strings (what a naive
// crawler keeps). Issue target: <= 500 MB RSS for the daemon at 10M URLs.
//
//   build-release/bench/frontier_bench --benchmark_min_time=1x
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <unordered_set>

#include "inlinks/crawler/frontier.h"
#include "inlinks/storage/db.h"

namespace {

namespace fs = std::filesystem;
using inlinks::crawler::Discovered;
using inlinks::crawler::Frontier;
using inlinks::crawler::FrontierOptions;

// Resident set size of this process in bytes (Linux /proc).
double RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string UrlOf(uint64_t i) {
  // 100,000 hosts, realistic path lengths.
  return "http://host" + std::to_string(i % 100000) + ".example.com/section/" +
         std::to_string(i / 100000) + "/article-" + std::to_string(i * 2654435761u % 1000003) +
         ".html";
}

void BM_Frontier10M(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  fs::path dir = fs::temp_directory_path() / ("frontier_bench_" + std::to_string(getpid()));
  for (auto _ : state) {
    fs::remove_all(dir);
    double rss_before = RssBytes();
    // As inlinksd opens it (tools/inlinksd.cc).
    auto db = inlinks::storage::Db::Open(dir.string(),
                                         inlinks::storage::BoundedMemoryOptions(256u << 20));
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      return;
    }
    auto frontier = Frontier::Open(**db, FrontierOptions{});
    if (!frontier.ok()) {
      state.SkipWithError(frontier.status().ToString().c_str());
      return;
    }
    if (!(*frontier)->AddSeeds({"http://seed.example.com/"}).ok()) {
      state.SkipWithError("seed");
      return;
    }
    auto seed = (*frontier)->Next(0);
    if (!seed.ok() || !seed->has_value()) {
      state.SkipWithError("lease");
      return;
    }
    // Discover n URLs as a crawl would: batches of 100 links per page.
    std::vector<Discovered> batch;
    auto start = std::chrono::steady_clock::now();
    inlinks::crawler::Lease page = **seed;
    for (uint64_t i = 0; i < n; i += 100) {
      batch.clear();
      for (uint64_t j = i; j < std::min(n, i + 100); ++j) batch.push_back({UrlOf(j)});
      if (!(*frontier)->Complete(page, batch, 0, 0).ok()) {
        state.SkipWithError("complete");
        return;
      }
    }
    double add_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Lease and complete 100,000 URLs.
    start = std::chrono::steady_clock::now();
    uint64_t leased = 0;
    while (leased < 100000) {
      auto l = (*frontier)->Next(1);
      if (!l.ok() || !l->has_value()) break;
      if (!(*frontier)->Complete(**l, {}, 1, 0).ok()) break;
      ++leased;
    }
    double lease_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["known_urls"] = static_cast<double>((*frontier)->stats().known);
    state.counters["rss_MB"] = RssBytes() / 1e6;
    state.counters["rss_growth_MB"] = (RssBytes() - rss_before) / 1e6;
    state.counters["add_urls_per_s"] = static_cast<double>(n) / add_seconds;
    state.counters["lease_per_s"] = static_cast<double>(leased) / lease_seconds;
    state.counters["disk_MB"] =
        static_cast<double>((*db)->ApproximateSize(inlinks::storage::Family::kFrontier)) / 1e6;
    frontier->reset();
    db->reset();
    fs::remove_all(dir);
  }
}
BENCHMARK(BM_Frontier10M)->Arg(10'000'000)->Unit(benchmark::kSecond)->Iterations(1);

// The peer: the same URLs as std::unordered_set<std::string> in memory.
void BM_NaiveStringSet(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    double rss_before = RssBytes();
    std::unordered_set<std::string> seen;
    seen.reserve(n);
    for (uint64_t i = 0; i < n; ++i) seen.insert(UrlOf(i));
    state.counters["rss_growth_MB"] = (RssBytes() - rss_before) / 1e6;
    benchmark::DoNotOptimize(seen.size());
  }
}
BENCHMARK(BM_NaiveStringSet)->Arg(10'000'000)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
