// Index throughput beside a bare RocksDB write of the same reverse records
// (issue 17: the writer thread >= 0.7x the bare write rate, and the whole
// process's CPU per link, background refresh, flush and compaction
// included, <= 2.5x the bare write's; an unchanged re-crawl >= 5x cheaper
// than the first index of the page).
//
//   build-release/bench/index_bench [--pages=N]
//
// BM_BareWriteBatch     one WriteBatch per page of its ~100 reverse records
//                       (same keys and values the indexer writes), no reads
// BM_IndexFirstCrawl    Indexer::Index of new pages, each call published
//                       before it returns (the refresh on the writer thread)
// .../group:32          32 pages per call (Indexer::AcceptAll; the bare
//                       peer: one WriteBatch for the 32 pages), as the
//                       crawler hands pages over while many are in flight
// .../refresh:1s        published by the background refresh once a second,
//                       as inlinksd and inlinks import do: the writer thread
//                       writes page and forward records and the journal
// .../ingest            the refresh writes its runs as table files
//                       (IndexerOptions::ingest_min_events 1) instead of
//                       ordinary batches
// BM_IndexRecrawlSame   the same pages again, unchanged
// Items/s are the benchmark thread's CPU (the writer thread's).
// process_cpu_us_per_link counts every thread of the process from the first
// write until the database has settled (indexer refreshed, memtables
// flushed, no compaction pending or running).
// BM_ReplayIndexWrites  the batches BM_IndexFirstCrawl/group:32 writes,
//                       captured and written again as they are into a fresh
//                       database: the storage cost of everything the index
//                       keeps, without the indexer's own work
//   .../issue3_only     the same without the strength order's entries and
//                       the daily history counters (added by later issues)
//   .../records_only    reverse, page and forward records only
// Pages are generated like real ones: 100 links, URLs ~60 bytes, anchors ~20
// bytes, Zipf-like target popularity over 50,000 hosts.
#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace {

namespace fs = std::filesystem;
using inlinks::core::Link;
using inlinks::core::Page;

int g_pages = 20000;
constexpr size_t kGroup = 32;

const std::vector<Page>& Pages() {
  static const std::vector<Page> pages = [] {
    std::mt19937_64 rng(1);
    std::vector<Page> out;
    out.reserve(g_pages);
    const char* words[] = {"best", "cheap", "guide", "review", "news", "home", "blog",
                           "shop", "about", "contact", "2024", "tips"};
    for (int p = 0; p < g_pages; ++p) {
      Page page;
      uint64_t site = rng() % 20000;
      page.url = "https://www.site" + std::to_string(site) + ".com/articles/" +
                 std::to_string(p) + "/some-readable-slug.html";
      page.title = "Page " + std::to_string(p);
      for (uint32_t i = 0; i < 100; ++i) {
        Link l;
        bool internal = i < 60;
        uint64_t host;
        if (internal) {
          host = site;
        } else {
          double u = std::uniform_real_distribution<double>(0, 1)(rng);
          host = static_cast<uint64_t>(50000 * u * u * u);  // popular hosts far more often
        }
        l.target = "https://www.site" + std::to_string(host) + ".com/" + words[rng() % 12] +
                   "/" + words[rng() % 12] + "-" + std::to_string(rng() % (internal ? 200 : 5000)) +
                   ".html";
        l.target = inlinks::core::ParseUrl(l.target).value().href();
        l.anchor = std::string(words[rng() % 12]) + " " + words[rng() % 12] + " " +
                   words[rng() % 12];
        l.position = i + 1;
        page.links.push_back(std::move(l));
      }
      page.total_links = 100;
      out.push_back(std::move(page));
    }
    return out;
  }();
  return pages;
}

struct TempDb {
  TempDb() {
    static int n = 0;
    dir = fs::temp_directory_path() /
          ("inlinks_index_bench_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(dir);
    db = inlinks::storage::Db::Open(dir.string()).value();
  }
  ~TempDb() {
    db.reset();
    fs::remove_all(dir);
  }
  fs::path dir;
  std::unique_ptr<inlinks::storage::Db> db;
};

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// The whole process's CPU since `start_cpu`, once `db` has settled, per link.
void ReportProcessCpu(benchmark::State& state, inlinks::storage::Db& db, double start_cpu,
                      size_t links) {
  if (auto s = db.Settle(); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  state.counters["process_cpu_us_per_link"] =
      (ProcessCpuSeconds() - start_cpu) * 1e6 / static_cast<double>(std::max<size_t>(links, 1));
}

void Report(benchmark::State& state, size_t pages, size_t links) {
  state.SetItemsProcessed(static_cast<int64_t>(links));
  state.counters["pages_per_s"] =
      benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsRate);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["peak_rss_mb"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// One iteration = `group` pages in one WriteBatch.
void BareWrite(benchmark::State& state, size_t group) {
  const auto& pages = Pages();
  TempDb t;
  size_t i = 0, links = 0;
  const double start_cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    inlinks::storage::Batch batch(*t.db);
    for (size_t g = 0; g < group; ++g) {
      const Page& page = pages[i++ % pages.size()];
      uint32_t occurrence = 0;
      for (const Link& l : page.links) {
        auto target = inlinks::core::ParseUrl(l.target).value();
        inlinks::storage::LinkValue v{l.target, l.anchor, l.position, l.tag, l.rel, 1, 0};
        batch.Put(inlinks::storage::Family::kLinks,
                  inlinks::storage::ReverseKey(inlinks::core::UrlKey(target), page.url,
                                               occurrence++),
                  inlinks::storage::EncodeLinkValue(v));
      }
      links += page.links.size();
    }
    if (auto s = t.db->Write(batch); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
  }
  ReportProcessCpu(state, *t.db, start_cpu, links);
  Report(state, i, links);
}

void BM_BareWriteBatch(benchmark::State& state) { BareWrite(state, 1); }
void BM_BareWriteBatchGrouped(benchmark::State& state) { BareWrite(state, kGroup); }

// One iteration = `group` pages (Index for 1, else AcceptAll), published
// by every call (refresh_ms 0) or in the background.
void IndexPages(benchmark::State& state, bool recrawl, size_t group = 1, int64_t refresh_ms = 0,
                bool ingest = false) {
  const auto& pages = Pages();
  TempDb t;
  inlinks::indexer::IndexerOptions options;
  options.refresh_interval_ms = refresh_ms;
  if (ingest) options.ingest_min_events = 1;
  auto indexer = inlinks::indexer::Indexer::Create(*t.db, options).value();
  inlinks::core::FetchFacts facts;
  facts.http_status = 200;
  facts.fetch_time_unix = 1000;
  if (recrawl) {
    for (const Page& page : pages) {
      if (!indexer->Index(page, facts).ok()) {
        state.SkipWithError("first index failed");
        return;
      }
    }
    facts.fetch_time_unix = 2000;
    if (!indexer->Refresh().ok() || !t.db->Settle().ok()) {
      state.SkipWithError("first index did not settle");
      return;
    }
  }
  size_t i = 0, links = 0;
  std::vector<inlinks::core::PageAndFacts> batch;
  const double start_cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    if (group == 1) {
      const Page& page = pages[i++ % pages.size()];
      if (auto s = indexer->Index(page, facts); !s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        return;
      }
      links += page.links.size();
      continue;
    }
    batch.clear();
    for (size_t g = 0; g < group; ++g) {
      const Page& page = pages[i++ % pages.size()];
      batch.push_back({&page, facts});
      links += page.links.size();
    }
    for (const absl::Status& s : indexer->AcceptAll(batch)) {
      if (!s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        return;
      }
    }
  }
  if (auto s = indexer->Refresh(); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  ReportProcessCpu(state, *t.db, start_cpu, links);
  Report(state, i, links);
  auto stats = indexer->stats();
  state.counters["unchanged_pages"] = static_cast<double>(stats.unchanged_pages);
  auto refreshed = indexer->refresh_stats();
  state.counters["refreshes"] = static_cast<double>(refreshed.refreshes);
  state.counters["refresh_ms_avg"] =
      refreshed.refreshes == 0 ? 0 : refreshed.seconds * 1e3 / static_cast<double>(refreshed.refreshes);
}

// A Db that hands every batch written through it to `on_write` before
// writing it to `inner`.
class CapturingDb : public inlinks::storage::ForwardingDb {
 public:
  using Batch = inlinks::storage::Batch;
  CapturingDb(Db& inner, std::function<void(const Batch&)> on_write)
      : ForwardingDb(inner), on_write_(std::move(on_write)) {}

  absl::Status Write(Batch& batch) override {
    on_write_(batch);
    return ForwardingDb::Write(batch);
  }
  // Ingested batches are captured too (and replayed as ordinary writes).
  absl::Status Ingest(Batch& batch) override {
    on_write_(batch);
    return ForwardingDb::Ingest(batch);
  }

 private:
  std::function<void(const Batch&)> on_write_;
};

// Every batch that indexing the pages in groups of 32 wrote (records,
// strength order, counters, directory counts and splits, page and forward
// records), captured while indexing a first database; made once, kept for
// the replays below.
struct CapturedWrites {
  std::vector<std::string> batches;
  absl::Status status;
};

const CapturedWrites& IndexWrites() {
  static const CapturedWrites captured = [] {
    CapturedWrites out;
    TempDb source;
    CapturingDb capture(*source.db,
                        [&](const inlinks::storage::Batch& b) { out.batches.push_back(b.Data()); });
    // Published as a daemon publishes them: refreshes folding many
    // groups (here one refresh at the end: runs of max_refresh_events).
    inlinks::indexer::IndexerOptions options;
    options.refresh_interval_ms = 3'600'000;
    auto indexer = inlinks::indexer::Indexer::Create(capture, options).value();
    inlinks::core::FetchFacts facts;
    facts.http_status = 200;
    facts.fetch_time_unix = 1000;
    const auto& pages = Pages();
    std::vector<inlinks::core::PageAndFacts> group;
    for (size_t i = 0; i < pages.size() && out.status.ok(); i += kGroup) {
      group.clear();
      for (size_t g = i; g < std::min(pages.size(), i + kGroup); ++g) {
        group.push_back({&pages[g], facts});
      }
      for (const absl::Status& s : indexer->AcceptAll(group)) out.status.Update(s);
    }
    out.status.Update(indexer->Refresh());
    return out;
  }();
  return captured;
}

// The storage cost of (part of) the indexer's own writes: the captured
// batches, keeping the writes `keep` accepts, written as they are into a
// fresh database with none of the indexer's reads, diffing or bookkeeping.
// One iteration writes them all; items = the links of all pages, as above.
template <typename Keep>
void ReplayIndexWrites(benchmark::State& state, Keep keep) {
  const CapturedWrites& captured = IndexWrites();
  if (!captured.status.ok()) {
    state.SkipWithError(std::string(captured.status.message()).c_str());
    return;
  }
  TempDb t;
  std::vector<inlinks::storage::Batch> batches;
  batches.reserve(captured.batches.size());
  std::array<size_t, inlinks::storage::kFamilyCount> per_family{};
  for (const std::string& data : captured.batches) {
    auto batch = inlinks::storage::Batch::FromData(*t.db, data, keep);
    if (!batch.ok()) {
      state.SkipWithError(std::string(batch.status().message()).c_str());
      return;
    }
    const auto counts = batch->CountByFamily();
    for (size_t f = 0; f < counts.size(); ++f) per_family[f] += counts[f];
    batches.push_back(std::move(*batch));
  }
  for (auto _ : state) {
    for (inlinks::storage::Batch& batch : batches) {
      if (auto s = t.db->Write(batch); !s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        return;
      }
    }
  }
  const auto& pages = Pages();
  size_t links = 0;
  for (const Page& p : pages) links += p.links.size();
  Report(state, pages.size(), links);
  size_t total = 0;
  for (size_t n : per_family) total += n;
  state.counters["writes_per_link"] = static_cast<double>(total) / static_cast<double>(links);
  for (size_t f = 0; f < per_family.size(); ++f) {
    if (per_family[f] == 0) continue;
    const auto family = static_cast<inlinks::storage::Family>(f);
    state.counters[std::string(inlinks::storage::FamilyName(family)) + "_per_link"] =
        static_cast<double>(per_family[f]) / static_cast<double>(links);
  }
}

using inlinks::storage::Family;

void BM_ReplayIndexWrites(benchmark::State& state) {
  ReplayIndexWrites(state, [](Family, std::string_view) { return true; });
}
// Without what later issues added: the strength order (its entries; its
// directory counts stay, standing in for the key-order directory over
// `links` that it replaced) and the daily history counters (D and V).
void BM_ReplayIndexWritesIssue3(benchmark::State& state) {
  ReplayIndexWrites(state, [](Family f, std::string_view key) {
    if (f == Family::kStrength) return false;
    return !(f == Family::kCounters && !key.empty() && (key[0] == 'D' || key[0] == 'V'));
  });
}
// The records alone: reverse records, page and forward records.
void BM_ReplayIndexWritesRecords(benchmark::State& state) {
  ReplayIndexWrites(state, [](Family f, std::string_view) {
    return f == Family::kLinks || f == Family::kPages || f == Family::kForward ||
           f == Family::kMeta;
  });
}

void BM_IndexFirstCrawl(benchmark::State& state) { IndexPages(state, false); }
void BM_IndexRecrawlSame(benchmark::State& state) { IndexPages(state, true); }
void BM_IndexFirstCrawlGrouped(benchmark::State& state) { IndexPages(state, false, kGroup); }
void BM_IndexRecrawlSameGrouped(benchmark::State& state) { IndexPages(state, true, kGroup); }
void BM_IndexFirstCrawlRefreshed(benchmark::State& state) {
  IndexPages(state, false, kGroup, 1000);
}
void BM_IndexFirstCrawlRefreshedIngest(benchmark::State& state) {
  IndexPages(state, false, kGroup, 1000, /*ingest=*/true);
}
void BM_IndexRecrawlSameRefreshed(benchmark::State& state) {
  IndexPages(state, true, kGroup, 1000);
}

class RateReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type == Run::RT_Aggregate) continue;
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates_[run.run_name.function_name] = it->second.value;
      it = run.counters.find("process_cpu_us_per_link");
      if (it != run.counters.end()) cpu_[run.run_name.function_name] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> rates_;
  std::map<std::string, double> cpu_;  // whole-process CPU per link, µs
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--pages=", 0) == 0) g_pages = std::max(100, std::atoi(a.c_str() + 8));
  }
  benchmark::Initialize(&argc, argv);
  Pages();
  auto n = static_cast<benchmark::IterationCount>(g_pages);
  benchmark::RegisterBenchmark("BM_BareWriteBatch", BM_BareWriteBatch)->Iterations(n);
  benchmark::RegisterBenchmark("BM_IndexFirstCrawl", BM_IndexFirstCrawl)->Iterations(n);
  benchmark::RegisterBenchmark("BM_IndexRecrawlSame", BM_IndexRecrawlSame)->Iterations(n);
  auto groups = static_cast<benchmark::IterationCount>(g_pages / kGroup);
  benchmark::RegisterBenchmark("BM_BareWriteBatch/group:32", BM_BareWriteBatchGrouped)
      ->Iterations(groups);
  benchmark::RegisterBenchmark("BM_IndexFirstCrawl/group:32", BM_IndexFirstCrawlGrouped)
      ->Iterations(groups);
  benchmark::RegisterBenchmark("BM_IndexRecrawlSame/group:32", BM_IndexRecrawlSameGrouped)
      ->Iterations(groups);
  benchmark::RegisterBenchmark("BM_IndexFirstCrawl/group:32/refresh:1s",
                               BM_IndexFirstCrawlRefreshed)
      ->Iterations(groups);
  benchmark::RegisterBenchmark("BM_IndexFirstCrawl/group:32/refresh:1s/ingest",
                               BM_IndexFirstCrawlRefreshedIngest)
      ->Iterations(groups);
  benchmark::RegisterBenchmark("BM_IndexRecrawlSame/group:32/refresh:1s",
                               BM_IndexRecrawlSameRefreshed)
      ->Iterations(groups);
  // Last: they hold every captured batch in memory (peak RSS).
  benchmark::RegisterBenchmark("BM_ReplayIndexWrites/group:32", BM_ReplayIndexWrites)
      ->Iterations(1);
  benchmark::RegisterBenchmark("BM_ReplayIndexWrites/group:32/issue3_only",
                               BM_ReplayIndexWritesIssue3)
      ->Iterations(1);
  benchmark::RegisterBenchmark("BM_ReplayIndexWrites/group:32/records_only",
                               BM_ReplayIndexWritesRecords)
      ->Iterations(1);
  RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  for (const char* suffix :
       {"", "/group:32", "/group:32/refresh:1s", "/group:32/refresh:1s/ingest"}) {
    const std::string bare_name =
        std::string("BM_BareWriteBatch") + (*suffix ? "/group:32" : "");
    double bare = reporter.rates_[bare_name];
    double first = reporter.rates_[std::string("BM_IndexFirstCrawl") + suffix];
    double again = reporter.rates_[std::string("BM_IndexRecrawlSame") + suffix];
    if (bare > 0 && first > 0) {
      std::printf("%s: writer thread links/s: bare WriteBatch %.0f, index first crawl %.0f "
                  "(%.3f x bare)",
                  *suffix ? suffix + 1 : "one page per call", bare, first, first / bare);
      if (again > 0) std::printf(", unchanged re-crawl %.0f (%.1fx the first)", again, again / first);
      const double bare_cpu = reporter.cpu_[bare_name];
      const double cpu = reporter.cpu_[std::string("BM_IndexFirstCrawl") + suffix];
      if (bare_cpu > 0 && cpu > 0) {
        std::printf("; whole-process CPU per link: bare %.2f us, index %.2f us (%.2f x bare)",
                    bare_cpu, cpu, cpu / bare_cpu);
      }
      std::printf("\n");
    }
  }
  const double bare = reporter.rates_["BM_BareWriteBatch/group:32"];
  const double first = reporter.rates_["BM_IndexFirstCrawl/group:32"];
  const double replay = reporter.rates_["BM_ReplayIndexWrites/group:32"];
  if (bare > 0 && first > 0 && replay > 0) {
    std::printf("the indexer's own writes replayed bare: %.0f links/s = %.3f x the bare write of "
                "the reverse records alone; the indexer runs at %.3f x its replayed writes\n",
                replay, replay / bare, first / replay);
  }
  for (const char* part : {"issue3_only", "records_only"}) {
    const double rate = reporter.rates_[std::string("BM_ReplayIndexWrites/group:32/") + part];
    if (bare > 0 && rate > 0) {
      std::printf("replayed, %s: %.0f links/s = %.3f x the bare write\n", part, rate,
                  rate / bare);
    }
  }
  benchmark::Shutdown();
  return 0;
}
