// File: inlinks/core/hash.h
//
// Owns: the one stable 64-bit hash of inlinks (FNV-1a), for values that are
// stored or must match across runs and machines (absl::Hash is seeded per
// process and may change between releases, so it is never stored).
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string_view>

namespace inlinks::core {

// Incremental FNV-1a 64. Add() of a string also mixes in its length, so
// ("ab","c") and ("a","bc") hash differently.
class StableHasher {
 public:
  void Add(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= kPrime;
    }
    Add(static_cast<uint64_t>(s.size()));
  }
  void Add(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xFF;
      h_ *= kPrime;
    }
  }
  uint64_t value() const { return h_; }

 private:
  static constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

// StableHasher over one string.
inline uint64_t StableHash64(std::string_view s) {
  StableHasher h;
  h.Add(s);
  return h.value();
}

}  // namespace inlinks::core
