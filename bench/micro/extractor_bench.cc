// Extractor throughput beside its physical limit: a bare gumbo parse of the
// same bytes in the same binary (issue: extractor >= 0.9x gumbo).
//
//   build/bench/extractor_bench --benchmark_repetitions=3
//
// BM_GumboParse            gumbo_parse with default options, then destroy
// BM_GumboParseNoErrors    the same with max_errors = 0 (the faster peer)
// BM_GumboParseArena       the same with the extractor's bump arena allocator
// BM_ExtractPage           charset decode + nesting guard + gumbo + link walk
//                          + URL resolution + registrable-domain lookups
// After the run it prints "extractor/gumbo throughput ratio" against the
// faster gumbo variant.
#include <gumbo.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>
#include <string>

#include "benchmark/benchmark.h"
#include "corpus.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/extractor.h"

namespace {

const inlinks::bench::Corpus& TheCorpus() {
  static const inlinks::bench::Corpus corpus = inlinks::bench::LoadCorpus();
  return corpus;
}

void Report(benchmark::State& state, size_t pages, size_t bytes, size_t links) {
  state.SetItemsProcessed(static_cast<int64_t>(pages));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["pages_per_s"] =
      benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsRate);
  if (links > 0) {
    state.counters["links_per_s"] =
        benchmark::Counter(static_cast<double>(links), benchmark::Counter::kIsRate);
  }
}

void GumboParse(benchmark::State& state, int max_errors) {
  const auto& corpus = TheCorpus();
  if (corpus.pages.empty()) {
    state.SkipWithError("no HTML corpus: apt-get install libboost1.81-doc");
    return;
  }
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = max_errors;
  size_t i = 0, pages = 0, bytes = 0;
  for (auto _ : state) {
    const auto& page = corpus.pages[i++ % corpus.pages.size()];
    GumboOutput* out = gumbo_parse_with_options(&options, page.body.data(), page.body.size());
    benchmark::DoNotOptimize(out->root);
    gumbo_destroy_output(&options, out);
    ++pages;
    bytes += page.body.size();
  }
  Report(state, pages, bytes, 0);
}

void BM_GumboParse(benchmark::State& state) { GumboParse(state, -1); }
void BM_GumboParseNoErrors(benchmark::State& state) { GumboParse(state, 0); }

// gumbo allocating from a bump arena freed in one go, as the extractor runs
// it: the parse alone, so the extractor's own cost beyond parsing shows.
struct BumpArena {
  std::vector<std::unique_ptr<char[]>> chunks;
  size_t used = 0;
  static constexpr size_t kChunk = 256 * 1024;
  static void* Alloc(void* self, size_t size) {
    auto* a = static_cast<BumpArena*>(self);
    size = (size + 15) & ~size_t{15};
    if (size > kChunk / 4) {
      a->chunks.emplace_back(new char[size]);
      return a->chunks.back().get();
    }
    if (a->chunks.empty() || a->used + size > kChunk) {
      a->chunks.emplace_back(new char[kChunk]);
      a->used = 0;
    }
    void* p = a->chunks.back().get() + a->used;
    a->used += size;
    return p;
  }
  static void Free(void*, void*) {}
};

void BM_GumboParseArena(benchmark::State& state) {
  const auto& corpus = TheCorpus();
  if (corpus.pages.empty()) {
    state.SkipWithError("no HTML corpus: apt-get install libboost1.81-doc");
    return;
  }
  size_t i = 0, pages = 0, bytes = 0;
  for (auto _ : state) {
    const auto& page = corpus.pages[i++ % corpus.pages.size()];
    BumpArena arena;
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;
    options.allocator = &BumpArena::Alloc;
    options.deallocator = &BumpArena::Free;
    options.userdata = &arena;
    GumboOutput* out = gumbo_parse_with_options(&options, page.body.data(), page.body.size());
    benchmark::DoNotOptimize(out->root);
    ++pages;
    bytes += page.body.size();
  }
  Report(state, pages, bytes, 0);
}

void BM_ExtractPage(benchmark::State& state) {
  const auto& corpus = TheCorpus();
  if (corpus.pages.empty()) {
    state.SkipWithError("no HTML corpus: apt-get install libboost1.81-doc");
    return;
  }
  std::vector<inlinks::core::Url> urls;
  for (const auto& p : corpus.pages) urls.push_back(inlinks::core::ParseUrl(p.url).value());
  size_t i = 0, pages = 0, bytes = 0, links = 0;
  for (auto _ : state) {
    size_t k = i++ % corpus.pages.size();
    const auto& page = corpus.pages[k];
    auto out = inlinks::crawler::ExtractPage(page.body, "text/html", urls[k]);
    if (!out.ok()) {
      state.SkipWithError(std::string(out.status().message()).c_str());
      return;
    }
    links += out->links.size();
    ++pages;
    bytes += page.body.size();
  }
  Report(state, pages, bytes, links);
}


// Keeps the mean bytes/s of each benchmark for the ratio line.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      // Single runs, or the mean when only aggregates are reported.
      if (run.error_occurred) continue;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "mean") continue;
      auto it = run.counters.find("bytes_per_second");
      if (it == run.counters.end()) continue;
      auto& [sum, n] = rates_[run.run_name.function_name];
      if (run.run_type == Run::RT_Aggregate) sum = n = 0;  // the mean wins
      sum += it->second.value;
      ++n;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double Mean(const std::string& name) const {
    auto it = rates_.find(name);
    return it == rates_.end() || it->second.second == 0
               ? 0
               : it->second.first / it->second.second;
  }

 private:
  std::map<std::string, std::pair<double, int>> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const auto& corpus = TheCorpus();
  std::printf("corpus: %s, %zu pages, %.1f MB\n", corpus.source.c_str(), corpus.pages.size(),
              corpus.bytes / 1e6);
  // Each run parses every page of the corpus exactly once, in the same
  // order, so all three benchmarks see the same bytes.
  const auto iterations = static_cast<benchmark::IterationCount>(
      std::max<size_t>(corpus.pages.size(), 1));
  benchmark::RegisterBenchmark("BM_GumboParse", BM_GumboParse)->Iterations(iterations);
  benchmark::RegisterBenchmark("BM_GumboParseNoErrors", BM_GumboParseNoErrors)
      ->Iterations(iterations);
  benchmark::RegisterBenchmark("BM_GumboParseArena", BM_GumboParseArena)->Iterations(iterations);
  benchmark::RegisterBenchmark("BM_ExtractPage", BM_ExtractPage)->Iterations(iterations);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  double gumbo = std::max(reporter.Mean("BM_GumboParse"), reporter.Mean("BM_GumboParseNoErrors"));
  double arena = reporter.Mean("BM_GumboParseArena");
  double extract = reporter.Mean("BM_ExtractPage");
  if (gumbo > 0 && extract > 0) {
    std::printf("bare gumbo (faster of default/no-errors): %.1f MB/s, extractor: %.1f MB/s, "
                "extractor/gumbo throughput ratio: %.3f\n",
                gumbo / 1e6, extract / 1e6, extract / gumbo);
  }
  if (arena > 0 && extract > 0) {
    std::printf("gumbo with the extractor's arena: %.1f MB/s, extractor/arena-gumbo ratio: %.3f\n",
                arena / 1e6, extract / arena);
  }
  benchmark::Shutdown();
  return 0;
}
