// See order.h. The build walks kForward and kPages together (both keyed by
// source href): each page's live links at its strength, in batches of about
// 4,096 pages, each with its directory counts.
#include "inlinks/indexer/order.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "strength.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/records.h"

namespace inlinks::indexer {
namespace {

using storage::Family;

constexpr int kBatchPages = 4096;
// Sorted batches of this size insert fast without outgrowing a memtable.
constexpr size_t kMaxWritesPerBatch = 1 << 16;

// Deletes every record of `family` (what an interrupted build left).
absl::Status Clear(storage::Db& db, Family family) {
  auto it = db.NewIterator(family, {"", ""});
  storage::Batch batch(db);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Delete(family, it->key());
    if (batch.Count() >= 65536) {
      RETURN_IF_ERROR(db.Write(batch));
      batch = storage::Batch(db);
    }
  }
  RETURN_IF_ERROR(it->status());
  return batch.Count() > 0 ? db.Write(batch) : absl::OkStatus();
}

}  // namespace

absl::StatusOr<StrengthOrderStats> EnsureStrengthOrder(storage::Db& db,
                                                      uint64_t bucket_target) {
  StrengthOrderStats stats;
  ASSIGN_OR_RETURN(std::optional<std::string> done,
                   db.Get(Family::kMeta, storage::kStrengthOrderMetaKey));
  if (done) return stats;
  const auto start = std::chrono::steady_clock::now();
  stats.built = true;
  RETURN_IF_ERROR(Clear(db, Family::kStrength));
  RETURN_IF_ERROR(Clear(db, Family::kStrengthBuckets));
  ASSIGN_OR_RETURN(std::unique_ptr<storage::BucketDirectory> dir,
                   storage::BucketDirectory::Load(db, bucket_target,
                                                  storage::kStrengthOrderBuckets));
  auto forward = db.NewIterator(Family::kForward, {"", ""});
  storage::Batch batch(db);
  internal::StrengthWrites writes;
  int pages_in_batch = 0;
  auto flush = [&]() -> absl::Status {
    pages_in_batch = 0;
    return internal::WriteWithOrder(db, batch, writes, *dir);
  };
  for (forward->SeekToFirst(); forward->Valid(); forward->Next()) {
    std::string source(forward->key());
    ASSIGN_OR_RETURN(std::vector<storage::ForwardEntry> entries,
                     storage::DecodeForward(forward->value()));
    ASSIGN_OR_RETURN(std::optional<std::string> page_bytes, db.Get(Family::kPages, source));
    double rank = 0;
    if (page_bytes) {
      ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(*page_bytes));
      rank = page.rank;
    }
    RETURN_IF_ERROR(internal::PutStrengthEntries(db, writes, *dir, source, entries,
                                                 storage::SrTenths(rank)));
    for (const auto& e : entries) stats.links += e.lost ? 0 : 1;
    ++stats.pages;
    if (++pages_in_batch >= kBatchPages || writes.size() >= kMaxWritesPerBatch) {
      RETURN_IF_ERROR(flush());
    }
  }
  RETURN_IF_ERROR(forward->status());
  // The key-order directory (kBuckets) of older builds serves no query once
  // the strength order exists, and is no longer kept: dropped with the
  // write that completes the order.
  auto old_buckets = db.NewIterator(Family::kBuckets, {"", ""});
  for (old_buckets->SeekToFirst(); old_buckets->Valid(); old_buckets->Next()) {
    batch.Delete(Family::kBuckets, old_buckets->key());
  }
  RETURN_IF_ERROR(old_buckets->status());
  batch.Put(Family::kMeta, storage::kStrengthOrderMetaKey, "1");
  RETURN_IF_ERROR(flush());
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (stats.links > 0) {
    INLINKS_LOG(INFO) << "strength order built: " << stats.links << " live links of "
                      << stats.pages << " pages in " << stats.seconds << " s";
  }
  return stats;
}

}  // namespace inlinks::indexer
