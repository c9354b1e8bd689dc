// The refresh (private to indexer/): folds the index journal (journal.h)
// into the published structures that queries read: the reverse records
// (kLinks, kLost), the counters of every scope (live, lost, referring
// domains, the pair counts behind them, the daily history, pages), the
// strength order and its pagination directory. Everything a fold writes
// goes into atomic batches that also delete the journal entries they fold,
// so every snapshot of the database is a published view: its totals equal
// the rows it can page, and a crash at any moment leaves the entries that
// were not folded to the next refresh. docs/keys.md "Refresh" has the
// protocol.
//
// Thread safety: thread-safe; folds are serialized.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/db.h"

namespace inlinks::indexer::internal {

struct PageWrites;
struct PairState;

class Refresher {
 public:
  // `db` must outlive the refresher. Only one may fold a database at a time.
  static absl::StatusOr<std::unique_ptr<Refresher>> Create(storage::Db& db,
                                                          const IndexerOptions& options);
  ~Refresher();

  // Folds every journal entry written before the call, oldest first, in as
  // few batches as the entries allow (one, unless a page's source repeats).
  // On an error the entries not folded stay for the next call.
  absl::Status Fold() ABSL_LOCKS_EXCLUDED(mu_);

  RefreshStats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  Refresher(storage::Db& db, const IndexerOptions& options);
  struct Run;  // consecutive journal entries folded in one batch

  absl::Status FoldRun(Run& run) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ReadPairs(const std::vector<PageWrites*>& pages,
                         absl::flat_hash_map<std::string_view, PairState>& pairs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Commit(std::vector<PageWrites*>& pages, storage::Batch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Db& db_;
  const IndexerOptions options_;
  mutable absl::Mutex mu_;
  // The next journal sequence number to fold.
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // The pagination directory of the result order (kStrength).
  std::unique_ptr<storage::BucketDirectory> strength_buckets_ ABSL_GUARDED_BY(mu_);
  // Stored (scope, source domain) link counts, which decide the
  // referring-domain counters without a read per pair.
  absl::flat_hash_map<std::string, int64_t> pair_cache_ ABSL_GUARDED_BY(mu_);
  // storage::kHistoryLastDayMetaKey as stored.
  uint32_t history_last_day_ ABSL_GUARDED_BY(mu_) = 0;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;  // the directory must be reloaded
  RefreshStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace inlinks::indexer::internal
