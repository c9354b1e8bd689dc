// The refresh (private to indexer/): folds the index journal (journal.h)
// into the published structures that queries read: the reverse records
// (kLinks, kLost), the counters of every scope (live, lost, referring
// domains, the pair counts behind them, the daily history, pages), the
// strength order and its pagination directory. Everything a run of
// entries changes is written in one atomic batch (a large one as ingested
// table files) with the number of its last entry
// (storage::kJournalFoldedMetaKey); then the entries are deleted. Every
// snapshot of the database is thus a published view (its totals equal the
// rows it can page), and a crash at any moment leaves the entries that were
// not folded to the next refresh. docs/keys.md "Journal and refresh" has
// the protocol.
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
  // The sequence number the next journal entry written must have at least
  // (entries at or below the last one folded are never folded again).
  uint64_t next_seq() const ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until this refresher has folded at least `events` link changes
  // in all, or a fold failed after the call began (its error is returned).
  absl::Status WaitForFolded(uint64_t events) ABSL_LOCKS_EXCLUDED(progress_mu_);
  // Whether it has folded at least `events` link changes in all.
  bool HasFolded(uint64_t events) const ABSL_LOCKS_EXCLUDED(progress_mu_);

 private:
  Refresher(storage::Db& db, const IndexerOptions& options);
  struct Run;  // consecutive journal entries folded in one batch

  absl::Status FoldRun(Run& run) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ReadPairs(const std::vector<PageWrites*>& pages,
                         absl::flat_hash_map<std::string_view, PairState>& pairs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds the pages' writes to `batch` and writes it (`ingest`: as table
  // files, storage::Db::Ingest).
  absl::Status Commit(std::vector<PageWrites*>& pages, storage::Batch& batch, bool ingest)
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
  // One batch for every run: its buffer (tens of MB for a large run) is
  // reused instead of faulted in afresh.
  storage::Batch batch_ ABSL_GUARDED_BY(mu_);
  RefreshStats stats_ ABSL_GUARDED_BY(mu_);
  // Progress for WaitForFolded, updated after every run (mu_ is held for a
  // whole fold).
  mutable absl::Mutex progress_mu_;
  uint64_t folded_events_ ABSL_GUARDED_BY(progress_mu_) = 0;
  uint64_t failures_ ABSL_GUARDED_BY(progress_mu_) = 0;
  absl::Status last_error_ ABSL_GUARDED_BY(progress_mu_);
};

}  // namespace inlinks::indexer::internal
