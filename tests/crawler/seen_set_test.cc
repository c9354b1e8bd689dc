#include "crawler/src/seen_set.h"

#include <cstdint>
#include <random>
#include <set>

#include "gtest/gtest.h"

namespace inlinks::crawler {
namespace {

TEST(SeenSetTest, EmptySetContainsNothing) {
  SeenSet set;
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.contains(0));
  EXPECT_FALSE(set.contains(~uint64_t{0}));
}

TEST(SeenSetTest, InsertReportsNewAndDuplicate) {
  SeenSet set;
  EXPECT_TRUE(set.insert(42));
  EXPECT_FALSE(set.insert(42));
  EXPECT_TRUE(set.contains(42));
  EXPECT_EQ(set.size(), 1u);
}

// Hashes that share a bucket (same top 16 bits) or the same low 48 bits in
// different buckets must stay distinct.
TEST(SeenSetTest, BucketAndRemainderCollisionsStayDistinct) {
  SeenSet set;
  const uint64_t low = 0x0000'1234'5678'9abcULL;
  for (uint64_t top = 0; top < 64; ++top) EXPECT_TRUE(set.insert((top << 48) | low));
  for (uint64_t rest = 0; rest < 1000; ++rest) EXPECT_TRUE(set.insert((uint64_t{7} << 48) | rest));
  EXPECT_EQ(set.size(), 64u + 1000u - (low < 1000 ? 1 : 0));
  for (uint64_t top = 0; top < 64; ++top) EXPECT_TRUE(set.contains((top << 48) | low));
  EXPECT_FALSE(set.contains((uint64_t{64} << 48) | low));
  EXPECT_FALSE(set.contains((uint64_t{7} << 48) | 1000));
  EXPECT_TRUE(set.contains(~uint64_t{0}) == false);
  EXPECT_TRUE(set.insert(~uint64_t{0}));
  EXPECT_TRUE(set.contains(~uint64_t{0}));
}

// Random inserts and lookups agree with std::set.
TEST(SeenSetTest, AgreesWithStdSet) {
  SeenSet set;
  std::set<uint64_t> oracle;
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 300000; ++i) {
    // Draw from a small range now and then so duplicates happen.
    uint64_t h = (i % 4 == 0) ? rng() % 50000 : rng();
    EXPECT_EQ(set.insert(h), oracle.insert(h).second);
  }
  EXPECT_EQ(set.size(), oracle.size());
  for (uint64_t h : oracle) ASSERT_TRUE(set.contains(h)) << h;
  std::mt19937_64 probe(7);
  for (int i = 0; i < 100000; ++i) {
    uint64_t h = probe();
    EXPECT_EQ(set.contains(h), oracle.count(h) == 1);
  }
}

// With ~30 entries per bucket the whole set, bucket headers included, costs
// under 8 bytes per hash (6 bytes each plus at most ~1/8 spare room).
TEST(SeenSetTest, StaysCompactAtScale) {
  SeenSet set;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2'000'000; ++i) set.insert(rng());
  EXPECT_EQ(set.size(), 2'000'000u);
  EXPECT_LT(static_cast<double>(set.memory_bytes()) / set.size(), 8.0) << set.memory_bytes();
}

}  // namespace
}  // namespace inlinks::crawler
