// File: inlinks/storage/buckets.h
//
// Owns: the pagination directories over the live reverse links (Family::kLinks,
// directory in Family::kBuckets) and over their strength order
// (Family::kStrength, directory in Family::kStrengthBuckets), which let a
// reader reach row N of any scope without scanning N rows.
//
// The key space of the data family is cut into buckets, each a contiguous key
// range [start, next start) with an exact count of the records in it, stored
// in the directory family as key = start (the first bucket starts at ""),
// value = varint count. Counts change in the same atomic batch as the records they
// count; a bucket that grows past twice the target size is split at its
// median key (or, grown by a large batch, cut into pieces of about the
// target size in one walk). Row N of a scope (one contiguous key range, core/keys.h) is
// then: the records of the first bucket that fall inside the scope, whole
// bucket counts until N is reached, then a scan inside one bucket — at most
// about 4 x target records scanned, whatever N is. docs/keys.md has the bytes.
//
// Thread safety: a BucketDirectory belongs to the single index writer;
// SeekToRow is thread-safe (it reads the given snapshot, or takes one).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "inlinks/core/keys.h"
#include "inlinks/storage/db.h"

namespace inlinks::storage {

// A data family and the family holding its directory.
struct BucketFamilies {
  Family data = Family::kLinks;
  Family buckets = Family::kBuckets;
};
inline constexpr BucketFamilies kLinkBuckets{Family::kLinks, Family::kBuckets};
inline constexpr BucketFamilies kStrengthOrderBuckets{Family::kStrength,
                                                      Family::kStrengthBuckets};

class BucketDirectory {
 public:
  // Records per bucket aimed at; buckets are split at 2 x target.
  static constexpr uint64_t kDefaultTarget = 1024;

  // Loads the directory of `families` in `db` (creating the first bucket if
  // there is none).
  static absl::StatusOr<std::unique_ptr<BucketDirectory>> Load(
      Db& db, uint64_t target = kDefaultTarget, BucketFamilies families = kLinkBuckets);

  // Account for a record the caller adds to / removes from the data family
  // in the batch it will pass to Stage().
  void OnInsert(std::string_view key);
  void OnDelete(std::string_view key);

  // Adds the changed bucket counts to `batch`. Call once per batch, after the
  // OnInsert/OnDelete calls for it.
  void Stage(Batch& batch);
  // After the batch was written: splits the buckets that grew past
  // 2 x target (each split is its own atomic write). After a failed write,
  // call Reload() instead: the in-memory counts are ahead of the disk.
  absl::Status AfterWrite();
  absl::Status Reload();

  size_t bucket_count() const { return counts_.size(); }
  uint64_t total() const;
  uint64_t target() const { return target_; }

 private:
  BucketDirectory(Db& db, uint64_t target, BucketFamilies families)
      : db_(db), target_(target), families_(families) {}
  struct Bucket {
    int64_t count = 0;
    bool dirty = false;  // changed since the last Stage's batch was written
  };
  using Buckets = std::map<std::string, Bucket, std::less<>>;
  Buckets::iterator Find(std::string_view key);
  void Touch(Buckets::iterator it);
  // Splits the bucket at `start` into count / target pieces (at least two).
  absl::Status Split(const std::string& start);

  Db& db_;
  const uint64_t target_;
  const BucketFamilies families_;
  Buckets counts_;
  // The buckets with dirty set (map iterators stay valid across inserts).
  std::vector<Buckets::iterator> dirty_;
};

// An iterator over the data family bounded to `scope`, positioned at row `n`
// (0-based, in key order) of the scope, or not Valid() when the scope has n
// rows or fewer. `rows_scanned`, when given, receives how many records were
// stepped over to get there (what the directory saves is N minus that).
absl::StatusOr<std::unique_ptr<Iterator>> SeekToRow(const Db& db, const core::KeyRange& scope,
                                                    uint64_t n, const Snapshot* snapshot,
                                                    uint64_t* rows_scanned = nullptr,
                                                    BucketFamilies families = kLinkBuckets);

}  // namespace inlinks::storage
