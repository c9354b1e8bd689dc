// File: tests/indexer/family_dump.h
//
// Reads whole column families for tests that compare two databases written
// differently (grouped or one by one, refreshed now or later, converted
// from an older format) and must hold the same index.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/storage/db.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::testing {

// Every key and value of `family`; counters as merged values with trailing
// zero fields trimmed (a sum of several pages' changes may leave out a
// field whose changes cancel).
inline std::vector<std::pair<std::string, std::string>> DumpFamily(const storage::Db& db,
                                                                   storage::Family family) {
  std::vector<std::pair<std::string, std::string>> rows;
  auto it = db.NewIterator(family, {"", ""});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string value(it->value());
    if (family == storage::Family::kCounters) {
      while (value.size() >= 8 && value.substr(value.size() - 8) == std::string(8, '\0')) {
        value.resize(value.size() - 8);
      }
    }
    rows.emplace_back(it->key(), value);
  }
  EXPECT_OK(it->status());
  return rows;
}

// Expects every family of `a` and `b` to hold the same rows, but the meta
// keys and (with `with_directories` false) the pagination directories,
// which may cut their buckets at other keys when the writes were batched
// differently.
inline void ExpectSameFamilies(const storage::Db& a, const storage::Db& b, bool with_directories) {
  for (int f = 0; f < storage::kFamilyCount; ++f) {
    const auto family = static_cast<storage::Family>(f);
    if (family == storage::Family::kMeta) continue;
    if (!with_directories &&
        (family == storage::Family::kStrengthBuckets || family == storage::Family::kBuckets)) {
      continue;
    }
    auto rows_a = DumpFamily(a, family), rows_b = DumpFamily(b, family);
    EXPECT_EQ(rows_a.size(), rows_b.size()) << "family " << storage::FamilyName(family);
    EXPECT_TRUE(rows_a == rows_b) << "family " << storage::FamilyName(family) << " differs";
  }
}

}  // namespace inlinks::testing
