// File: inlinks/indexer/indexer.h
//
// Owns: turning crawled pages into the stored backlink index. The write path
// stores, per page (or group of pages given together) in one atomic RocksDB
// batch, its page record, its forward record and one journal entry with its
// link changes. The refresh folds the journal into the published
// structures that queries read: the reverse-link records (one per link,
// keyed for the domain / host / URL scopes of core/keys.h), the exact
// counters of every scope, the daily history, and the result order with its
// pagination directory (indexer/order.h, storage/buckets.h). Each fold is
// atomic with the deletion of the entries it folded, so every snapshot of
// the database is a consistent published view (docs/keys.md "Refresh").
//
// Re-crawl semantics (what Ahrefs and Majestic users expect):
//   - a link still present keeps its first-seen time; its last-seen time is
//     the page's last fetch, so an unchanged page rewrites no link records;
//   - a new link gets first-seen = the fetch time;
//   - a link no longer present moves to the lost records with the time it was
//     found missing (history is kept, never deleted); if it comes back it is
//     live again with its original first-seen time;
//   - a page that returns 404/410, or is reported gone, loses all its links.
// Counters (storage/records.h ScopeCounts) are exact in every published
// view after any sequence of crawls, re-crawls, lost links and crashes. So
// are the daily history counters (new, lost and revived links and the
// referring-domain change per scope and UTC day of the fetch time;
// storage/records.h DailyCounterKey), which the trend and new/lost-links
// queries read.
//
// Thread safety: thread-safe. Index() may be called from many threads; the
// per-page work that needs no database runs in parallel, the read-diff-write
// step runs under one writer lock, and refreshes are serialized apart from
// it.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/core/page_sink.h"
#include "inlinks/core/records.h"
#include "inlinks/storage/db.h"

namespace inlinks::indexer {

struct IndexerOptions {
  // Records per pagination bucket (storage::BucketDirectory).
  uint64_t bucket_target = 1024;
  // In-memory cache of (scope, source domain) link counts, which decide the
  // referring-domain counters without a read per link. Entries, not bytes.
  size_t pair_cache_entries = 1 << 20;
  // Lost links remembered per page so one that returns keeps its first-seen.
  size_t max_lost_kept_per_page = 1000;
  // When written pages are published (folded from the journal): 0 = before
  // every Index / MarkGone / Accept / AcceptAll call returns; > 0 = by a
  // background thread every refresh_interval_ms, and once more when the
  // Indexer is destroyed (a daemon's crawl).
  int64_t refresh_interval_ms = 0;
  // Link changes folded in one atomic batch at most (its memory); a refresh
  // with more pending writes several batches, each a published view.
  size_t max_refresh_events = 1 << 14;
  // With a background refresh: link changes written and not yet published
  // at most. A write that leaves more waits for the refresh (which starts
  // at once): indexing never outruns publishing, so the journal and the
  // visibility lag stay bounded.
  size_t max_pending_events = 1 << 17;
  // A run of at least this many link changes is written as sorted table
  // files (storage::Db::Ingest: no write-ahead log, no memtable); smaller
  // ones as an ordinary batch. Off by default: index_bench measured more
  // whole-process CPU per link with it (43 against 39 us; the ingested
  // files' compactions cost more than the memtable inserts they save).
  size_t ingest_min_events = std::numeric_limits<size_t>::max();
};

// What the refreshes of an Indexer did.
struct RefreshStats {
  uint64_t refreshes = 0;  // folds that published something
  uint64_t entries = 0;    // journal entries folded
  uint64_t pages = 0;      // page indexings folded
  uint64_t events = 0;     // link changes folded
  uint64_t errors = 0;     // failed batches (their entries were retried)
  double seconds = 0;      // wall time of the folds that published something
  double last_seconds = 0;
};

struct IndexStats {
  uint64_t pages = 0;
  uint64_t links_added = 0;      // new live records
  uint64_t links_rewritten = 0;  // live records whose anchor/rel/position changed
  uint64_t links_lost = 0;
  uint64_t links_revived = 0;
  uint64_t unchanged_pages = 0;  // re-crawls that wrote only the page record
};

class Indexer : public core::PageSink {
 public:
  // `db` must outlive the indexer. Only one Indexer may write a database.
  // The first Create on a database records since when its daily history is
  // complete (storage::kHistorySinceMetaKey): from the start for a database
  // with no pages, else from now on.
  static absl::StatusOr<std::unique_ptr<Indexer>> Create(storage::Db& db,
                                                         const IndexerOptions& options = {});
  ~Indexer() override;

  // Indexes `page` as fetched with `facts` (facts.fetch_time_unix 0 = now).
  // Errors: kInvalidArgument for a page whose URL does not parse; storage
  // errors as storage::Db::Write returns them (then nothing of the page was
  // written). With refresh_interval_ms 0, a failed refresh is the error of
  // every page the call wrote: stored, published by the next refresh.
  absl::Status Index(const core::Page& page, const core::FetchFacts& facts);

  // Marks every live link of the page at `source_url` lost (the page now
  // answers 404/410 or no longer exists) and records the status.
  absl::Status MarkGone(std::string_view source_url, const core::FetchFacts& facts);

  // PageSink: 404 and 410 call MarkGone, everything else Index.
  absl::Status Accept(const core::Page& page, const core::FetchFacts& facts) override;
  // PageSink: Accept of each page, in order, written in one atomic batch
  // (more when a source page repeats): pages indexed together cost less
  // than one by one. A page that fails
  // (bad URL, corrupt stored state) is left out and gets its error; an error
  // of the write itself is every page's, and then none of them was written.
  std::vector<absl::Status> AcceptAll(std::span<const core::PageAndFacts> pages) override;

  IndexStats stats() const;

  // Publishes everything written before the call (with
  // refresh_interval_ms > 0, queries see pages only after a refresh).
  // Errors: storage errors; the pages stay in the journal for the next try.
  absl::Status Refresh();
  RefreshStats refresh_stats() const;

 private:
  struct Impl;
  explicit Indexer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Publishes what the journal of `db` holds (pages a process wrote and did
// not refresh before it stopped or died), for a database no Indexer is
// writing: the rank job, a server opening the database. Indexer::Create
// does it too.
absl::Status RefreshIndex(storage::Db& db, const IndexerOptions& options = {});

}  // namespace inlinks::indexer
