// The process the crash test kills: indexes steps [first, last) of the
// crash workload into DB and writes "<step>\n" to stdout (one write(2), no
// buffering) after each Index()/MarkGone() call has returned. With
// REFRESH_MS > 0 a background thread publishes the journal that often
// (kills then land inside refreshes too), ingesting each run as table
// files; else every call publishes.
//
//   indexer_crash_worker DB SEED FIRST LAST [REFRESH_MS]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "inlinks/indexer/indexer.h"
#include "tests/indexer/crash_workload.h"

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s DB SEED FIRST LAST [REFRESH_MS]\n", argv[0]);
    return 2;
  }
  uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  uint64_t first = std::strtoull(argv[3], nullptr, 10);
  uint64_t last = std::strtoull(argv[4], nullptr, 10);
  auto db = inlinks::storage::Db::Open(argv[1]);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.status().ToString().c_str());
    return 1;
  }
  inlinks::indexer::IndexerOptions options;
  options.bucket_target = 64;  // many splits, so kills land inside them too
  if (argc == 6) options.refresh_interval_ms = std::strtoll(argv[5], nullptr, 10);
  // Background runs are ingested as table files (kills land in ingestions).
  if (options.refresh_interval_ms > 0) options.ingest_min_events = 1;
  auto indexer = inlinks::indexer::Indexer::Create(**db, options);
  if (!indexer.ok()) {
    std::fprintf(stderr, "indexer: %s\n", indexer.status().ToString().c_str());
    return 1;
  }
  for (uint64_t step = first; step < last; ++step) {
    inlinks::testing::CrashStep s = inlinks::testing::MakeCrashStep(seed, step);
    inlinks::core::FetchFacts facts;
    facts.fetch_time_unix = static_cast<int64_t>(step + 1);
    facts.http_status = s.gone ? 404 : 200;
    absl::Status st = s.gone ? (*indexer)->MarkGone(s.source, facts)
                             : (*indexer)->Index(s.page, facts);
    if (!st.ok()) {
      std::fprintf(stderr, "step %llu: %s\n", static_cast<unsigned long long>(step),
                   st.ToString().c_str());
      return 1;
    }
    std::string line = std::to_string(step) + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) return 1;
  }
  return 0;
}
