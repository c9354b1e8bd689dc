// File: inlinks/indexer/indexer.h
//
// Owns: turning crawled pages into the stored backlink index: one atomic
// RocksDB batch per page (or per group of pages given together) holding its reverse-link records (one per link, keyed
// for the domain / host / URL scopes of core/keys.h), its page record, its
// forward record, the exact counters of every scope it touches, and its
// links' entries in the result order with their pagination directory
// (indexer/order.h, storage/buckets.h).
//
// Re-crawl semantics (what Ahrefs and Majestic users expect):
//   - a link still present keeps its first-seen time; its last-seen time is
//     the page's last fetch, so an unchanged page rewrites no link records;
//   - a new link gets first-seen = the fetch time;
//   - a link no longer present moves to the lost records with the time it was
//     found missing (history is kept, never deleted); if it comes back it is
//     live again with its original first-seen time;
//   - a page that returns 404/410, or is reported gone, loses all its links.
// Counters (storage/records.h ScopeCounts) are exact after any sequence of
// crawls, re-crawls and lost links, because they change in the same batch as
// the records they count. So are the daily history counters (new, lost and
// revived links and the referring-domain change per scope and UTC day of the
// fetch time; storage/records.h DailyCounterKey), which the trend and
// new/lost-links queries read.
//
// Thread safety: thread-safe. Index() may be called from many threads; the
// per-page work that needs no database runs in parallel, the read-diff-write
// step runs under one writer lock.
#pragma once

#include <cstdint>
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
  // written).
  absl::Status Index(const core::Page& page, const core::FetchFacts& facts);

  // Marks every live link of the page at `source_url` lost (the page now
  // answers 404/410 or no longer exists) and records the status.
  absl::Status MarkGone(std::string_view source_url, const core::FetchFacts& facts);

  // PageSink: 404 and 410 call MarkGone, everything else Index.
  absl::Status Accept(const core::Page& page, const core::FetchFacts& facts) override;
  // PageSink: Accept of each page, in order, written in one atomic batch
  // (more when a source page repeats) whose counters are summed per key:
  // pages indexed together cost less than one by one. A page that fails
  // (bad URL, corrupt stored state) is left out and gets its error; an error
  // of the write itself is every page's, and then none of them was written.
  std::vector<absl::Status> AcceptAll(std::span<const core::PageAndFacts> pages) override;

  IndexStats stats() const;

 private:
  struct Impl;
  explicit Indexer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inlinks::indexer
