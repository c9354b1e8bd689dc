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
#include <mutex>
#include <set>
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

// Where each bucket of a scope starts, in rows from the scope's start, as
// one walk of the directory found it at one "sequence": the sum of the
// snapshot's versions (Snapshot::version) of the data family and of its
// directory family. Kept for later readers of the same scope at the same
// sequence (neither family written in between), which then find row N by a
// binary search instead of walking the directory again. A map is built (a
// walk of the whole scope) only by a reader that finds the sequence
// unchanged since an earlier reader: while links are being indexed, readers
// walk only as far as their row, as without a cache. The first reader at a
// newer sequence drops the older maps. Thread safety: thread-safe.
class ScopeWalkCache {
 public:
  struct ScopeMap {
    uint64_t first_rows = 0;  // rows of the scope before the first bucket below
    std::vector<std::pair<std::string, uint64_t>> buckets;  // start key, rows before it
  };
  // Holds the maps of at most `max_buckets` buckets in all; a scope whose
  // map does not fit any more is not built again until the next sequence.
  explicit ScopeWalkCache(size_t max_buckets) : max_buckets_(max_buckets) {}

  struct Found {
    std::shared_ptr<const ScopeMap> map;  // nullptr: not cached
    bool build = false;  // worth building: the sequence was seen before
  };
  Found Find(uint64_t sequence, Family family, const core::KeyRange& scope);
  // Keeps `map`, built at `sequence` (ignored unless it is the latest seen).
  void Insert(uint64_t sequence, Family family, const core::KeyRange& scope,
              std::shared_ptr<const ScopeMap> map);

 private:
  static std::string Key(Family family, const core::KeyRange& scope);
  const size_t max_buckets_;
  mutable std::mutex mu_;
  uint64_t sequence_ = 0;  // the latest seen, of every map; guarded by mu_
  size_t buckets_ = 0;     // in all maps; guarded by mu_
  std::map<std::string, std::shared_ptr<const ScopeMap>, std::less<>> maps_;  // guarded by mu_
  // Scopes whose map did not fit at this sequence: not built again.
  std::set<std::string, std::less<>> skipped_;  // guarded by mu_
};

// An iterator over the data family bounded to `scope`, positioned at row `n`
// (0-based, in key order) of the scope, or not Valid() when the scope has n
// rows or fewer. `rows_scanned`, when given, receives how many records were
// stepped over to get there (what the directory saves is N minus that).
// With a `cache`, the scope's directory is walked once per version of the
// two families and later calls seek through the map.
absl::StatusOr<std::unique_ptr<Iterator>> SeekToRow(const Db& db, const core::KeyRange& scope,
                                                    uint64_t n, const Snapshot* snapshot,
                                                    uint64_t* rows_scanned = nullptr,
                                                    BucketFamilies families = kLinkBuckets,
                                                    ScopeWalkCache* cache = nullptr);

}  // namespace inlinks::storage
