// File: tests/indexer/fixture_workload.h
//
// The pages of the stored-format fixtures (tests/data/format1/): step i
// always indexes the same page with the same links at the same fetch time
// (one hour apart, so the daily history spans several days), so a database
// converted from an older format can be compared, family by family, with
// the same steps indexed by this build.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "inlinks/indexer/indexer.h"
#include "tests/indexer/crash_workload.h"

namespace inlinks::testing {

inline constexpr uint64_t kFixtureSeed = 20261207;
// 2026-11-01T00:00:00Z.
inline constexpr int64_t kFixtureStartUnix = 1793491200;

// Indexes steps [first, last) of the fixture workload with `indexer`.
inline absl::Status IndexFixtureSteps(indexer::Indexer& indexer, uint64_t first, uint64_t last) {
  for (uint64_t step = first; step < last; ++step) {
    CrashStep s = MakeCrashStep(kFixtureSeed, step);
    core::FetchFacts facts;
    facts.http_status = s.gone ? 404 : 200;
    facts.fetch_time_unix = kFixtureStartUnix + static_cast<int64_t>(step) * 3600;
    facts.ip = "192.0.2." + std::to_string(step % 200 + 1);
    absl::Status st = indexer.Accept(s.page, facts);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace inlinks::testing
