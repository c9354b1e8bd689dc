// Strength-order helpers shared by the indexer, the rank job and the order
// build (private to indexer/): the kStrength entries of one link and moving
// a page's entries to another strength.
#ifndef INLINKS_INDEXER_SRC_STRENGTH_H_
#define INLINKS_INDEXER_SRC_STRENGTH_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace inlinks::indexer::internal {

// The kStrength keys of the live link (url_key, source, occurrence) in its
// domain, host and URL scopes, at strength `sr_tenths`.
std::array<std::string, 3> StrengthKeys(std::string_view source, uint8_t sr_tenths,
                                        std::string_view url_key, uint32_t domain_key_len,
                                        uint32_t occurrence);

// kStrength writes gathered for one batch and added to it in key order:
// RocksDB inserts a batch's keys into the memtable in batch order, and
// sorted keys reuse the previous insert's search path (several times cheaper
// than scattered ones when a batch holds many pages).
class StrengthWrites {
 public:
  void Put(std::string key, std::string value) { ops_.push_back({std::move(key), std::move(value), false}); }
  void Delete(std::string key) { ops_.push_back({std::move(key), {}, true}); }
  // Adds every write to `batch`, sorted by key, and forgets them.
  void AddTo(storage::Batch& batch);
  size_t size() const { return ops_.size(); }

 private:
  struct Op {
    std::string key;
    std::string value;
    bool is_delete;
  };
  std::vector<Op> ops_;
};

// Writes `batch` with `writes` (sorted) and the directory counts they
// changed, then splits oversized buckets; leaves `batch` empty for reuse.
absl::Status WriteWithOrder(storage::Db& db, storage::Batch& batch, StrengthWrites& writes,
                            storage::BucketDirectory& dir);

// Adds to `writes` the entries of the live links among `entries` (the
// forward record of `source`), at strength `sr_tenths`, holding copies of
// their kLinks values (read at the latest state); counted in `dir`.
absl::Status PutStrengthEntries(const storage::Db& db, StrengthWrites& writes,
                                storage::BucketDirectory& dir, std::string_view source,
                                const std::vector<storage::ForwardEntry>& entries,
                                uint8_t sr_tenths);

// Moves the entries of the live links among `entries` from strength `from`
// to `to` (their values are kept).
absl::Status MoveStrengthEntries(const storage::Db& db, StrengthWrites& writes,
                                 storage::BucketDirectory& dir, std::string_view source,
                                 const std::vector<storage::ForwardEntry>& entries, uint8_t from,
                                 uint8_t to);

}  // namespace inlinks::indexer::internal

#endif  // INLINKS_INDEXER_SRC_STRENGTH_H_
