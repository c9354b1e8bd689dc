#include "seen_set.h"

#include <algorithm>
#include <cstring>

namespace inlinks::crawler {
namespace {

constexpr uint64_t kRestMask = (uint64_t{1} << 48) - 1;

uint64_t Load48(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = (v << 8) | p[i];
  return v;
}

void Store48(uint64_t v, uint8_t* p) {
  for (int i = 5; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

SeenSet::SeenSet() : buckets_(std::make_unique<Bucket[]>(kBuckets)) {}
SeenSet::~SeenSet() = default;

uint32_t SeenSet::LowerBound(const Bucket& b, uint64_t rest) {
  uint32_t lo = 0;
  uint32_t hi = b.size;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (Load48(b.data.get() + size_t{mid} * kEntryBytes) < rest) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

bool SeenSet::contains(uint64_t hash) const {
  const Bucket& b = buckets_[hash >> (64 - kBucketBits)];
  uint64_t rest = hash & kRestMask;
  uint32_t i = LowerBound(b, rest);
  return i < b.size && Load48(b.data.get() + size_t{i} * kEntryBytes) == rest;
}

bool SeenSet::insert(uint64_t hash) {
  Bucket& b = buckets_[hash >> (64 - kBucketBits)];
  uint64_t rest = hash & kRestMask;
  uint32_t i = LowerBound(b, rest);
  if (i < b.size && Load48(b.data.get() + size_t{i} * kEntryBytes) == rest) return false;
  if (b.size == b.capacity) {
    // Grow by ~1/8 (at least 4 entries) so spare room stays small.
    uint32_t capacity = b.capacity + std::max<uint32_t>(4, b.capacity / 8);
    auto data = std::make_unique_for_overwrite<uint8_t[]>(size_t{capacity} * kEntryBytes);
    if (b.size != 0) std::memcpy(data.get(), b.data.get(), size_t{b.size} * kEntryBytes);
    b.data = std::move(data);
    b.capacity = capacity;
  }
  uint8_t* at = b.data.get() + size_t{i} * kEntryBytes;
  std::memmove(at + kEntryBytes, at, size_t{b.size - i} * kEntryBytes);
  Store48(rest, at);
  ++b.size;
  ++size_;
  return true;
}

size_t SeenSet::memory_bytes() const {
  size_t bytes = kBuckets * sizeof(Bucket);
  for (size_t i = 0; i < kBuckets; ++i) bytes += size_t{buckets_[i].capacity} * kEntryBytes;
  return bytes;
}

}  // namespace inlinks::crawler
