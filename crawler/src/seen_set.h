// SeenSet: the frontier's in-memory set of 64-bit URL hashes, kept compact.
//
// A hash set of uint64_t costs ~15 bytes per entry at 10M entries (capacity is
// a power of two, plus control bytes) and twice that while it rehashes. Here
// the top 16 bits of a hash pick one of 65,536 buckets and the bucket keeps
// the remaining 48 bits, 6 bytes each, in a sorted array that grows by ~1/8
// at a time: about 6.5 bytes per entry at any size, with no rehash peak.
// Lookups are a binary search over ~150 entries per bucket at 10M; inserts
// move half a bucket on average (under 1 KB at 10M).
#ifndef INLINKS_CRAWLER_SRC_SEEN_SET_H_
#define INLINKS_CRAWLER_SRC_SEEN_SET_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace inlinks::crawler {

class SeenSet {
 public:
  SeenSet();
  ~SeenSet();
  SeenSet(const SeenSet&) = delete;
  SeenSet& operator=(const SeenSet&) = delete;

  // Whether `hash` is in the set.
  bool contains(uint64_t hash) const;
  // Adds `hash`; returns false if it was already there.
  bool insert(uint64_t hash);
  // Number of hashes in the set.
  size_t size() const { return size_; }
  // Heap bytes held by the set (arrays and their spare room).
  size_t memory_bytes() const;

 private:
  static constexpr int kBucketBits = 16;
  static constexpr size_t kBuckets = size_t{1} << kBucketBits;
  static constexpr size_t kEntryBytes = 6;

  struct Bucket {
    std::unique_ptr<uint8_t[]> data;  // `size` sorted 48-bit big-endian entries
    uint32_t size = 0;
    uint32_t capacity = 0;
  };

  // Index of the first entry >= `rest` in `b`.
  static uint32_t LowerBound(const Bucket& b, uint64_t rest);

  std::unique_ptr<Bucket[]> buckets_;
  size_t size_ = 0;
};

}  // namespace inlinks::crawler

#endif  // INLINKS_CRAWLER_SRC_SEEN_SET_H_
