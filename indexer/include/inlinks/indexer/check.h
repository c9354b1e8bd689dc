// File: inlinks/indexer/check.h
//
// Owns: the consistency check of a stored index (`inlinks check`, and the
// crash tests): recomputes every counter, referring-domain count and bucket
// count from full scans of the records and compares; checks that every forward
// record matches the reverse records of its page; checks the daily history
// counters: per scope and day, the links first seen that day and the links
// still lost with a lost time that day must match the records, and (when
// the history is complete) all daily changes of a scope must add up to its
// live and referring-domain counts; checks the strength order: one entry per
// live link and scope kind, in its scope, at its source page's strength,
// holding a copy of the link's value. Reads one snapshot, so it can run beside
// a writer; it checks the published view (what the refreshes folded) and
// skips the page and forward records of pages still in the journal.
#pragma once

#include <cstdint>
#include <optional>
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
  // Whether the strength order (indexer/order.h) is complete, and its
  // entries checked (three per live link when it is).
  bool strength_order = false;
  uint64_t strength_entries = 0;
  // (scope, day) pairs whose daily history counters were checked against
  // the records (storage/records.h DailyCounterKey).
  uint64_t history_days_checked = 0;
  // storage::GetHistorySince: 0 when the daily history is complete since the
  // database was created (then its sums are checked too); nullopt when no
  // history-keeping indexer has opened the database.
  std::optional<int64_t> history_since;
  // Journal entries not yet folded by a refresh, and the pages they hold:
  // the check covers the published view, whose records these pages' page
  // and forward records are ahead of (not compared).
  uint64_t journal_entries = 0;
  uint64_t pages_pending = 0;
  uint64_t errors = 0;
  std::vector<std::string> messages;  // the first errors found (at most 50)
  bool ok() const { return errors == 0; }
};

// Errors: only storage errors (kDataLoss for corrupt or undecodable records);
// inconsistencies are reported in the CheckReport.
absl::StatusOr<CheckReport> CheckIndex(const storage::Db& db);

}  // namespace inlinks::indexer
