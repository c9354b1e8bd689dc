// File: inlinks/indexer/check.h
//
// Owns: the consistency check of a stored index (`inlinks check`, and the
// crash tests): recomputes every counter, referring-domain count and bucket
// count from full scans of the records and compares; checks that every forward
// record matches the reverse records of its page. Reads one snapshot, so it
// can run beside a writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "inlinks/storage/db.h"

namespace inlinks::indexer {

struct CheckReport {
  uint64_t live_links = 0;
  uint64_t lost_links = 0;
  uint64_t pages = 0;
  uint64_t counters_checked = 0;
  uint64_t buckets_checked = 0;
  uint64_t errors = 0;
  std::vector<std::string> messages;  // the first errors found (at most 50)
  bool ok() const { return errors == 0; }
};

// Errors: only storage errors (kDataLoss for corrupt or undecodable records);
// inconsistencies are reported in the CheckReport.
absl::StatusOr<CheckReport> CheckIndex(const storage::Db& db);

}  // namespace inlinks::indexer
