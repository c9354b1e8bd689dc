// File: inlinks/indexer/order.h
//
// Owns: the strength order of the live links (Family::kStrength, docs/keys.md
// "Strength order"): every live link listed once per scope it belongs to,
// strongest source first, with its pagination directory. The indexer keeps
// it with every page it writes and the rank job moves a page's entries when
// its strength changes; this header builds it for a database indexed before
// it existed.
//
// Thread safety: EnsureStrengthOrder writes the database; call it before an
// Indexer is created on it (Indexer::Create does), never beside one.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "inlinks/storage/db.h"

namespace inlinks::indexer {

struct StrengthOrderStats {
  bool built = false;      // false: the order was already complete
  uint64_t pages = 0;      // pages whose links were listed
  uint64_t links = 0;      // live links listed (each in three scopes)
  double seconds = 0;
};

// Makes sure every live link has its kStrength entries: when the database
// lacks storage::kStrengthOrderMetaKey, clears whatever a build cut short left
// in kStrength and its directory, lists every live link from the forward
// records, and then writes the meta key. A database with no links gets the
// key at once. `bucket_target` as storage::BucketDirectory's. Errors: storage errors (kDataLoss for records that do not
// decode); an interrupted build is redone by the next call.
absl::StatusOr<StrengthOrderStats> EnsureStrengthOrder(storage::Db& db,
                                                      uint64_t bucket_target = 1024);

}  // namespace inlinks::indexer
